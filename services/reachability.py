"""Who can no longer be messaged: a person who blocked the bot, a group that removed it; coordinators are told once."""

from __future__ import annotations

import html
from datetime import date, datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.errors import N_
from services.i18n import lang_for, translator
from services.people import active_role_filter
from storage.models import ChatAccount, DigestBinding, Person, RoleAssignment, Unit

PERSON_GONE = N_("⚠️ Messages to {name} ({unit}) can no longer be delivered: they blocked the bot or deleted "
                 "the chat. Please ask them to open the bot and send /start again.")
GROUP_GONE = N_("⚠️ I can no longer post in the digest chat of {unit}: I was removed from the group or blocked "
                "there, so its digest is paused. Add me back to the group and send /setchat digest there.")


def unreachable(tg_user_id):
    """SQL: is the chat account of `tg_user_id` flagged unreachable? (read with the inbox row: cheaper than an UPDATE)"""
    return exists().where(ChatAccount.tg_user_id == tg_user_id, ChatAccount.unreachable_at.is_not(None))


async def mark_reachable(session: AsyncSession, tg_user_id: int) -> None:
    """The person wrote to the bot in private, so they can be messaged again."""
    await session.execute(update(ChatAccount).where(
        ChatAccount.tg_user_id == tg_user_id, ChatAccount.unreachable_at.is_not(None)).values(unreachable_at=None))


async def mark_unreachable(session: AsyncSession, chat_id: int, *, now: datetime, today: date) -> int:
    """Record that chat_id refused a message (403); tell the coordinators once per episode; returns notices queued."""
    if chat_id > 0:
        row = (await session.execute(
            select(ChatAccount, Person, Unit).join(Person, Person.id == ChatAccount.person_id)
            .join(Unit, Unit.id == Person.unit_id).where(ChatAccount.tg_user_id == chat_id)
        )).one_or_none()
        if row is None or row[0].unreachable_at is not None:
            return 0
        row[0].unreachable_at = now
        return await _tell_coordinators(session, PERSON_GONE, {"name": row[1].name, "unit": row[2].name},
                                        key=f"unreachable:{chat_id}:{int(now.timestamp())}", now=now, today=today,
                                        skip_person=row[1].id)
    bindings = list(await session.scalars(select(DigestBinding).where(DigestBinding.chat_id == chat_id,
                                                                      DigestBinding.active.is_(True))))
    queued = 0
    for binding in bindings:
        binding.active = False
        unit = await session.scalar(select(Unit.name).where(Unit.id == binding.unit_id))
        queued += await _tell_coordinators(session, GROUP_GONE, {"unit": unit or "?"},
                                           key=f"kicked:{binding.id}:{int(now.timestamp())}", now=now, today=today)
    return queued


async def _tell_coordinators(session: AsyncSession, msgid: str, params: dict[str, str], *, key: str, now: datetime,
                             today: date, skip_person: int | None = None) -> int:
    """Queue the notice for every reachable coordinator, each in their own language."""
    rows = await session.execute(
        select(Person.id, ChatAccount.tg_user_id, ChatAccount.language_code)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .join(ChatAccount, ChatAccount.person_id == Person.id)
        .where(RoleAssignment.role == "coordinator", active_role_filter(today), Person.active.is_(True),
               ChatAccount.unreachable_at.is_(None)).distinct()
    )
    queued = 0
    for person_id, tg_user_id, language_code in rows:
        if person_id == skip_person:
            continue
        _ = translator(lang_for(language_code))
        text = _(msgid).format(**{k: html.escape(v, quote=False) for k, v in params.items()})
        done = await outbox.enqueue(session, now=now, dedupe_key=f"{key}:{person_id}", chat_id=tg_user_id, text=text,
                                    person_id=person_id)
        queued += int(done.inserted)
    return queued
