"""Minutes: the organiser sends text, photos or a document once the meeting has started; asked and nudged until then.

A meeting with minutes is held (`state = "held"`) and counts towards its body's yearly minimum.
The organiser is asked right after the end, then nudged every working day at the nudge job's time
(never on public holidays, once a day by the outbox key) until the minutes arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import drafts, meeting_notices
from services.errors import NotFound, NothingToConfirm, TooLong
from services.meeting_errors import MeetingCancelled, MinutesTooEarly, NotOrganiser
from services.people import Actor
from services.text import MAX_NOTE
from services.workdays import is_holiday
from storage.models import Attachment, Meeting
from storage.sql import insert_ignore

KIND = "minutes"
ASK_WITHIN = timedelta(days=1)
MAX_MINUTES = 4 * MAX_NOTE


@dataclass(frozen=True)
class MinutesState:
    meeting_id: int
    title: str
    has_text: bool
    files: int


async def _state(session: AsyncSession, meeting: Meeting) -> MinutesState:
    files = await session.scalar(select(func.count()).where(Attachment.owner_type == "meeting",
                                                            Attachment.owner_id == meeting.id)) or 0
    return MinutesState(meeting.id, meeting.title, bool(meeting.minutes_text), files)


async def open_minutes(session: AsyncSession, actor: Actor, meeting_id: int, *, now: datetime) -> MinutesState:
    """Open the minutes form for a meeting that has started: what the organiser sends next is kept."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    if meeting.organiser_id != actor.person_id and not actor.has("coordinator"):
        raise NotOrganiser()
    if meeting.state == "cancelled":
        raise MeetingCancelled()
    if meeting.starts_at > now:
        raise MinutesTooEarly()
    await drafts.save_draft(session, actor.person_id, kind=KIND, step="minutes", data={"meeting_id": meeting_id}, now=now)
    return await _state(session, meeting)


async def minutes_meeting(session: AsyncSession, actor: Actor) -> int | None:
    """The meeting whose minutes form this person has open, if any."""
    draft = await drafts.get_draft(session, actor.person_id)
    return draft.data.get("meeting_id") if draft is not None and draft.kind == KIND else None


async def _target(session: AsyncSession, actor: Actor) -> Meeting:
    meeting_id = await minutes_meeting(session, actor)
    if meeting_id is None:
        raise NothingToConfirm()
    return await session.get(Meeting, meeting_id)


def _held(meeting: Meeting, now: datetime) -> None:
    if meeting.minutes_at is None:
        meeting.minutes_at = now
    meeting.state, meeting.updated_at = "held", now


async def add_minutes_text(session: AsyncSession, actor: Actor, text: str, *, now: datetime) -> MinutesState:
    """Keep typed minutes (later messages are appended)."""
    meeting = await _target(session, actor)
    text = text.strip()  # kept as written: line breaks and full-width punctuation belong to the record
    combined = f"{meeting.minutes_text}\n{text}" if meeting.minutes_text else text
    if len(combined) > MAX_MINUTES:
        raise TooLong(length=len(combined), limit=MAX_MINUTES)
    meeting.minutes_text = combined
    _held(meeting, now)
    return await _state(session, meeting)


async def add_minutes_file(session: AsyncSession, actor: Actor, *, kind: str, file_id: str, unique_id: str,
                           path: str | None, now: datetime) -> MinutesState:
    """Keep a photo or document of the minutes (the same file twice is kept once)."""
    meeting = await _target(session, actor)
    await insert_ignore(session, Attachment, dict(
        owner_type="meeting", owner_id=meeting.id, kind=kind, tg_file_id=file_id, tg_file_unique_id=unique_id,
        path=path, added_by=actor.person_id, created_at=now), ["owner_type", "owner_id", "tg_file_unique_id"])
    _held(meeting, now)
    return await _state(session, meeting)


async def close_minutes(session: AsyncSession, actor: Actor) -> MinutesState:
    """Close the minutes form; what was sent stays."""
    meeting = await _target(session, actor)
    await drafts.drop_draft(session, actor.person_id)
    return await _state(session, meeting)


def _waiting():
    return select(Meeting).where(Meeting.state == "scheduled", Meeting.minutes_at.is_(None))


async def ask_for_minutes(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> int:
    """Right after a meeting ends, ask its organiser for the minutes (once: `mina:{id}`)."""
    rows = await session.scalars(_waiting().where(Meeting.starts_at > now - ASK_WITHIN - meeting_notices.DEFAULT_LENGTH * 6,
                                                  Meeting.starts_at <= now))
    asked = 0
    for meeting in rows:
        end = meeting_notices.ends_at(meeting)
        if end <= now and end > now - ASK_WITHIN:
            asked += await meeting_notices.ask_minutes(session, meeting, now=now, tz=tz, key=f"mina:{meeting.id}")
    return asked


async def nudge_minutes(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> int:
    """Every working day, nudge organisers of meetings that ended before today and still lack minutes."""
    today = now.astimezone(tz).date()
    if is_holiday(today):
        return 0
    midnight = datetime.combine(today, time(), tzinfo=tz)
    nudged = 0
    for meeting in await session.scalars(_waiting().where(Meeting.starts_at < midnight).order_by(Meeting.id)):
        if meeting_notices.ends_at(meeting) < midnight:
            nudged += await meeting_notices.ask_minutes(session, meeting, now=now, tz=tz,
                                                        key=f"minn:{meeting.id}:{today.isoformat()}")
    return nudged
