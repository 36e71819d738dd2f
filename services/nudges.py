"""Gentle reminders: a liaison whose village has logged nothing for 14 days gets one private message a week
at most, on working days only (never on public holidays or weekends), never in a group."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.errors import N_
from services.i18n import lang_for, translator
from services.people import active_role_filter
from services.report_queries import active_units
from services.weeks import week_of
from services.workdays import is_holiday
from storage.models import ChatAccount, Person, RoleAssignment, Unit

QUIET_DAYS = 14
NUDGE = N_("Hello {name}! Nothing has been logged for {unit} in the last {days} days. If you held an activity, "
           "you can log it in one line, e.g. /log 昨天 老年健康讲座 45人 2小时. If there was none, please ignore this message.")


async def _liaisons(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[tuple]:
    """(person id, name, unit id, unit name, Telegram user id, language) of signed-in liaisons in post long enough."""
    today = now.astimezone(tz).date()
    rows = await session.execute(
        select(Person.id, Person.name, Unit.id, Unit.name, ChatAccount.tg_user_id, ChatAccount.language_code)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id).join(Unit, Unit.id == RoleAssignment.unit_id)
        .join(ChatAccount, ChatAccount.person_id == Person.id)
        .where(RoleAssignment.role == "liaison", active_role_filter(today),
               RoleAssignment.start_on <= today - timedelta(days=QUIET_DAYS), Person.active, Unit.active,
               Unit.created_at <= now - timedelta(days=QUIET_DAYS), ChatAccount.unreachable_at.is_(None))
        .order_by(Person.id)
    )
    return [tuple(r) for r in rows]


async def queue_nudges(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> int:
    """Queue a reminder to each liaison whose unit has been quiet for 14 days; returns how many were new."""
    today = now.astimezone(tz).date()
    if is_holiday(today):
        return 0
    liaisons = await _liaisons(session, now, tz)
    if not liaisons:
        return 0
    units = {r[2] for r in liaisons}
    busy = await active_units(session, units, today - timedelta(days=QUIET_DAYS - 1), today,
                              logged_since=now - timedelta(days=QUIET_DAYS))
    week = week_of(today).label
    queued = 0
    for person_id, name, unit_id, unit_name, tg_user_id, language in liaisons:
        if unit_id in busy:
            continue
        _ = translator(lang_for(language))
        text = _(NUDGE).format(name=html.escape(name), unit=html.escape(unit_name), days=QUIET_DAYS)
        result = await outbox.enqueue(session, now=now, dedupe_key=f"nudge:{person_id}:{week}", chat_id=tg_user_id,
                                      text=text, person_id=person_id)
        queued += result.inserted
    return queued
