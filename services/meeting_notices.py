"""Messages about a meeting to the people it concerns, queued through the outbox in each reader's language.

Dedupe keys (UNIQUE in the outbox) make every notice once-only and findable:
  inv:{meeting}:{version}:{person}      invitation, or the notice of a change (one per version)
  mcx:{meeting}:{person}                cancellation
  rem:{meeting}:{version}:{offset_s}:{person}   reminder (see services.reminders)
  mina:{meeting} / minn:{meeting}:{day}         minutes asked right after the end / nudged daily
Button data uses the handlers' codec: `mt1:verb:args` (handlers/meeting_actions.py), `mn1:…` (handlers/minutes.py).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.dates import Recurrence, format_when
from services.errors import N_
from services.i18n import Translate, lang_for, translator
from storage.models import Body, ChatAccount, Meeting, MeetingAttendee, OutboxMessage, Unit

P = "mt1"
MINUTES_P = "mn1"
DEFAULT_LENGTH = timedelta(hours=2)
CHECK_IN_BEFORE = timedelta(minutes=30)

ATTEND, EXCUSED, CHECK_IN = N_("✅ Attend"), N_("🙏 Excused"), N_("📍 Check in")
LINE_TITLE, LINE_BODY, LINE_WHEN = N_("Meeting: {title}"), N_("Body: {body}"), N_("Time: {when}")
LINE_PLACE, LINE_AGENDA, LINE_RULE = N_("Place: {place}"), N_("Agenda: {agenda}"), N_("Repeats: {rule}")
INVITED = N_("📅 <b>You are invited to a meeting</b>")
CHANGED = N_("🔄 <b>Meeting changed</b> — please answer again:")
UPDATED = N_("🔄 <b>Meeting details changed</b> (your answer stands):")
CANCELLED = N_("❌ <b>Meeting cancelled</b>")
REMINDER = N_("⏰ <b>Reminder</b>: the meeting starts at {time}")
REMINDER_LATE = N_("⏰ <b>Reminder (sent late)</b>: the meeting starts at {time}")
ASK_MINUTES = N_("📝 The meeting «{title}» of {when} is over. Please send its minutes (text, photos or a document): "
                 "it counts towards the yearly minimum once they arrive.")
SEND_MINUTES = N_("📝 Send the minutes")


@dataclass(frozen=True)
class Reader:
    """Someone a notice goes to: roster person, Telegram chat, language."""

    person_id: int
    chat_id: int
    lang: str

    @property
    def _(self) -> Translate:
        return translator(self.lang)


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def ends_at(meeting: Meeting) -> datetime:
    """The end of a meeting: as set, or two hours after the start."""
    return meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH


def rsvp_buttons(meeting_id: int, version: int, _: Translate) -> list[tuple[str, str]]:
    return [(_(ATTEND), f"{P}:yes:{meeting_id}:{version}"), (_(EXCUSED), f"{P}:no:{meeting_id}:{version}")]


def check_in_button(meeting_id: int, _: Translate) -> tuple[str, str]:
    return (_(CHECK_IN), f"{P}:in:{meeting_id}")


async def body_label(session: AsyncSession, body_id: int) -> str:
    """安吉县领导小组: the unit's name followed by the body's."""
    unit, body = (await session.execute(
        select(Unit.name, Body.name).join(Body, Body.unit_id == Unit.id).where(Body.id == body_id))).one()
    return f"{unit}{body}"


async def readers(session: AsyncSession, person_ids: list[int]) -> list[Reader]:
    """Those of these people who have a bound chat account, in id order."""
    if not person_ids:
        return []
    rows = await session.execute(
        select(ChatAccount.person_id, ChatAccount.tg_user_id, ChatAccount.language_code)
        .where(ChatAccount.person_id.in_(person_ids)).order_by(ChatAccount.person_id))
    return [Reader(pid, chat, lang_for(code)) for pid, chat, code in rows]


async def attendee_ids(session: AsyncSession, meeting_id: int, *, without_declined: bool = False) -> list[int]:
    query = select(MeetingAttendee.person_id).where(MeetingAttendee.meeting_id == meeting_id)
    if without_declined:
        query = query.where(MeetingAttendee.rsvp != "no")
    return list(await session.scalars(query.order_by(MeetingAttendee.person_id)))


def details(meeting: Meeting, label: str, tz: ZoneInfo, r: Reader) -> str:
    """Title, body, time in full, place, agenda and repetition, one per line."""
    _ = r._
    lines = [_(LINE_TITLE).format(title=esc(meeting.title)), _(LINE_BODY).format(body=esc(label)),
             _(LINE_WHEN).format(when=format_when(meeting.starts_at.astimezone(tz), True, r.lang))]
    if meeting.place:
        lines.append(_(LINE_PLACE).format(place=esc(meeting.place)))
    if meeting.agenda:
        lines.append(_(LINE_AGENDA).format(agenda=esc(meeting.agenda)))
    if meeting.series_rule:
        lines.append(_(LINE_RULE).format(rule=Recurrence.from_rule(meeting.series_rule).describe(r.lang)))
    return "\n".join(lines)


async def invite(session: AsyncSession, meeting: Meeting, *, now: datetime, tz: ZoneInfo, changed: bool,
                 skip: int | None = None, moved: bool = True) -> int:
    """Invite every attendee (or tell them of a change: `moved` when the time changed and answers were cleared)
    with 参加 / 请假 buttons; returns how many were queued."""
    label = await body_label(session, meeting.body_id)
    if changed:  # invitations of earlier versions that are still waiting are pointless now
        await cancel_pending(session, meeting.id, "inv")
    head = (CHANGED if moved else UPDATED) if changed else INVITED
    queued = 0
    for r in await readers(session, [p for p in await attendee_ids(session, meeting.id) if p != skip]):
        text = r._(head) + "\n" + details(meeting, label, tz, r)
        q = await outbox.enqueue(session, now=now, dedupe_key=f"inv:{meeting.id}:{meeting.version}:{r.person_id}",
                                 chat_id=r.chat_id, person_id=r.person_id, text=text,
                                 buttons=[rsvp_buttons(meeting.id, meeting.version, r._)])
        queued += q.inserted
    return queued


async def tell_cancelled(session: AsyncSession, meeting: Meeting, *, now: datetime, tz: ZoneInfo, skip: int | None) -> int:
    """Tell every attendee the meeting is cancelled; pending invitations and reminders are withdrawn."""
    await cancel_pending(session, meeting.id, "inv")
    await cancel_pending(session, meeting.id, "rem")
    label = await body_label(session, meeting.body_id)
    queued = 0
    for r in await readers(session, [p for p in await attendee_ids(session, meeting.id) if p != skip]):
        text = r._(CANCELLED) + "\n" + details(meeting, label, tz, r)
        q = await outbox.enqueue(session, now=now, dedupe_key=f"mcx:{meeting.id}:{r.person_id}", chat_id=r.chat_id,
                                 person_id=r.person_id, text=text)
        queued += q.inserted
    return queued


async def cancel_pending(session: AsyncSession, meeting_id: int, kind: str) -> int:
    """Withdraw this meeting's queued, not yet sent messages of one kind (`inv`, `rem`)."""
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"{kind}:{meeting_id}:%"),
                                    OutboxMessage.state == "pending")
        .values(state="cancelled").execution_options(synchronize_session=False))
    return result.rowcount or 0


async def remind(session: AsyncSession, meeting: Meeting, offset_s: int, *, now: datetime, tz: ZoneInfo,
                 late: bool) -> int:
    """One reminder to each attendee who has not declined; marked 补发 when sent late."""
    label = await body_label(session, meeting.body_id)
    queued = 0
    for r in await readers(session, await attendee_ids(session, meeting.id, without_declined=True)):
        _ = r._
        head = _(REMINDER_LATE if late else REMINDER)
        text = head.format(time=format_when(meeting.starts_at.astimezone(tz), True, r.lang)) + "\n" + \
            details(meeting, label, tz, r)
        buttons = [[check_in_button(meeting.id, _)]] if offset_s <= 3600 else None
        q = await outbox.enqueue(session, now=now, dedupe_key=f"rem:{meeting.id}:{meeting.version}:{offset_s}:{r.person_id}",
                                 chat_id=r.chat_id, person_id=r.person_id, text=text, buttons=buttons)
        queued += q.inserted
    return queued


async def ask_minutes(session: AsyncSession, meeting: Meeting, *, now: datetime, tz: ZoneInfo, key: str) -> int:
    """Ask the organiser for the minutes, with a button that opens the minutes form."""
    [r] = await readers(session, [meeting.organiser_id]) or [None]
    if r is None:
        return 0
    _ = r._
    text = _(ASK_MINUTES).format(
        title=esc(meeting.title), when=format_when(meeting.starts_at.astimezone(tz), True, r.lang))
    q = await outbox.enqueue(session, now=now, dedupe_key=key, chat_id=r.chat_id, person_id=r.person_id, text=text,
                             buttons=[[(_(SEND_MINUTES), f"{MINUTES_P}:min:{meeting.id}")]])
    return int(q.inserted)
