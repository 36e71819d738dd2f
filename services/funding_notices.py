"""Funding messages to other people, queued through the outbox in each reader's language.

Dedupe keys (UNIQUE in the outbox) make each message once-only, whatever is redelivered or retried:
  fund:{request}:{event}:{person}              a step of the request, to whoever must hear of it
  fund:{request}:nudge:{local date}:{person}   the daily reminder of a review waiting too long
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.errors import N_
from services.funding_cards import esc
from services.funding_cards import buttons, card_text, request_info
from services.i18n import Translate, lang_for, translator
from services.money import format_fen
from services.people import actor_for_person
from storage.models import ChatAccount, Person

NEW = N_("📨 <b>A funding request waits for your review</b>")
AGAIN = N_("📨 <b>A returned funding request was changed and submitted again</b>")
RECOMMENDED = N_("📨 <b>Recommended by {name}: a funding request waits for the college's decision</b>")
ASSIGNED = N_("🔁 <b>{name} asked you to review this funding request</b>")
NUDGE = N_("⏰ <b>Reminder: this request has waited {days} working days for your review</b>")
WITHDRAWN = N_("🗑 <b>{name} withdrew this request</b>; there is nothing more to do.")
SETTLED = N_("🧾 <b>{name} reported the spending of this request</b>")
TO_REQUESTER = {
    "recommend": N_("👍 Your request #{id} was recommended by {name} and now goes to the community college."),
    "approve": N_("✅ Your request #{id} was approved by {name}: {amount}."),
    "partial": N_("✅ Your request #{id} was approved by {name} for {amount} (you asked for {requested})."),
    "return": N_("↩️ Your request #{id} was returned for changes by {name}: {reason}\nEdit it and submit it again with the button below."),
    "reject": N_("⛔ Your request #{id} was rejected by {name}: {reason}"),
    "disburse": N_("💰 The money for request #{id} was paid: {amount}. When the project is done, report what was spent with photos of the receipts."),
}


Head = Callable[[Translate, str], str]


@dataclass(frozen=True)
class Reader:
    person_id: int
    chat_id: int
    lang: str


async def readers(session: AsyncSession, person_ids: list[int]) -> list[Reader]:
    """Those of these people still on the roster with a bound chat account, in id order."""
    if not person_ids:
        return []
    rows = await session.execute(select(ChatAccount.person_id, ChatAccount.tg_user_id, ChatAccount.language_code)
                                 .join(Person, Person.id == ChatAccount.person_id)
                                 .where(ChatAccount.person_id.in_(person_ids), Person.active)
                                 .order_by(ChatAccount.person_id))
    return [Reader(pid, chat, lang_for(code)) for pid, chat, code in rows]


async def name_of(session: AsyncSession, person_id: int | None) -> str:
    return (await session.scalar(select(Person.name).where(Person.id == person_id))) or "" if person_id else ""


def fixed(msgid: str, **params: object) -> Head:
    """A head line: one msgid, translated for each reader, formatted with `params` (text params HTML-escaped)."""
    safe = {k: esc(v) if isinstance(v, str) else v for k, v in params.items()}
    return lambda _, lang: _(msgid).format(**safe)


async def send_card(session: AsyncSession, request_id: int, people: list[int], head: Head, key: str, *, now: datetime,
                    tz: ZoneInfo, with_buttons: bool = True) -> int:
    """The request's card under `head`, with the buttons each reader may press; returns how many were queued.

    `key` is the dedupe key without its `:{person}` end.
    """
    today = now.astimezone(tz).date()
    queued = 0
    for r in await readers(session, people):
        _ = translator(r.lang)
        viewer = await actor_for_person(session, r.person_id, today, lang=r.lang) if with_buttons else None
        info = await request_info(session, request_id, today=today, viewer=viewer)
        text = head(_, r.lang) + "\n" + card_text(info, _, r.lang, tz, today)
        q = await outbox.enqueue(session, now=now, dedupe_key=f"{key}:{r.person_id}", chat_id=r.chat_id,
                                 person_id=r.person_id, text=text, buttons=buttons(info, _, r.lang) or None)
        queued += q.inserted
    return queued


async def tell_requester(session: AsyncSession, request_id: int, requester_id: int, event_id: int, what: str, *,
                         now: datetime, tz: ZoneInfo, actor_id: int | None, amount: int = 0, requested: int = 0,
                         reason: str = "") -> int:
    """Tell the requester of a decision (with their next buttons: edit, withdraw, report spending)."""
    name = esc(await name_of(session, actor_id))

    def head(_: Translate, lang: str) -> str:
        return _(TO_REQUESTER[what]).format(id=request_id, name=name, amount=format_fen(amount, lang),
                                            requested=format_fen(requested, lang), reason=esc(reason))

    return await send_card(session, request_id, [requester_id], head, f"fund:{request_id}:{event_id}", now=now, tz=tz)


def nudge_key(request_id: int, day: date) -> str:
    return f"fund:{request_id}:nudge:{day.isoformat()}"
