"""The reminder sweep: the database says what is due, a UNIQUE row makes each reminder wave happen once.

Run every SWEEP_INTERVAL seconds (≤ 30) by the scheduler, and safe to run twice at once:
- for each scheduled meeting that has not started and each offset (REMINDER_OFFSETS) whose due
  time (start − offset) has come, a `meeting_reminders` row (UNIQUE meeting, offset, start) is
  inserted; only the sweep that inserted it queues the messages (outbox key
  `rem:{meeting}:{version}:{offset_s}:{person}`), one per attendee who has not declined;
- a reminder queued more than two sweep intervals after its due time (the bot was down) is marked
  late (补发); when several offsets fell due during the downtime, only the nearest is sent, and none
  that fell due before the invitation (or the notice of the last change) went out;
- a meeting that has started gets no reminder: it is too late;
- a recurring meeting whose latest occurrence has started gets its next occurrence (UNIQUE series,
  start), whose members are invited; so a series always has exactly one upcoming occurrence;
- organisers of meetings that just ended are asked for the minutes.
Nothing is pickled into a job store: the JobQueue only calls this function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import bodies, meeting_minutes, meeting_notices
from services.dates import Recurrence
from storage.models import Meeting, MeetingAttendee, MeetingReminder
from storage.sql import insert_ignore


@dataclass(frozen=True)
class Wave:
    """One offset of one meeting that is due now: send it, or record it as superseded by a nearer one."""

    offset_s: int
    due: datetime
    late: bool
    send: bool


@dataclass(frozen=True)
class SweepResult:
    waves: int = 0
    messages: int = 0
    occurrences: int = 0
    minutes_asked: int = 0


def plan_waves(starts_at: datetime, offsets: tuple[timedelta, ...], *, now: datetime, interval: float,
               since: datetime | None = None) -> list[Wave]:
    """The offsets due at `now` for a meeting starting at `starts_at` (none once it has started).

    Only the nearest is sent; one that fell due before `since` (when the invitation or the notice of
    the last change went out, with the same details) is not sent either.
    """
    if starts_at <= now:
        return []
    due = sorted((o for o in offsets if starts_at - o <= now), reverse=True)
    grace = timedelta(seconds=2 * interval)
    return [Wave(int(o.total_seconds()), starts_at - o, now - (starts_at - o) > grace,
                 o == due[-1] and (since is None or starts_at - o >= since)) for o in due]


async def _remind(session: AsyncSession, meeting: Meeting, *, now: datetime, offsets: tuple[timedelta, ...],
                  tz: ZoneInfo, interval: float) -> tuple[int, int]:
    waves = messages = 0
    for wave in plan_waves(meeting.starts_at, offsets, now=now, interval=interval, since=meeting.updated_at):
        inserted = await insert_ignore(session, MeetingReminder, dict(
            meeting_id=meeting.id, offset_s=wave.offset_s, starts_at=meeting.starts_at, queued_at=now, late=wave.late,
            recipients=0), ["meeting_id", "offset_s", "starts_at"])
        if not inserted or not wave.send:
            continue  # another sweep has it, or a nearer reminder supersedes this one
        sent = await meeting_notices.remind(session, meeting, wave.offset_s, now=now, tz=tz, late=wave.late)
        row = await session.scalar(select(MeetingReminder).where(
            MeetingReminder.meeting_id == meeting.id, MeetingReminder.offset_s == wave.offset_s,
            MeetingReminder.starts_at == meeting.starts_at))
        row.recipients = sent
        waves, messages = waves + 1, messages + sent
    return waves, messages


async def extend_series(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> int:
    """Create the next occurrence of every series whose latest occurrence has started; returns how many."""
    latest = (select(Meeting.series_id, func.max(Meeting.starts_at).label("last"))
              .where(Meeting.series_id.is_not(None)).group_by(Meeting.series_id).subquery())
    rows = await session.scalars(
        select(Meeting).join(latest, (Meeting.series_id == latest.c.series_id) & (Meeting.starts_at == latest.c.last))
        .where(latest.c.last <= now, Meeting.series_rule.is_not(None)).order_by(Meeting.series_id))
    made = 0
    for last in list(rows):
        after = max(last.starts_at, now).astimezone(tz)
        nxt = Recurrence.from_rule(last.series_rule).occurrences(after, 1)
        if not nxt:
            continue
        start = nxt[0].astimezone(tz)
        length = meeting_notices.ends_at(last) - last.starts_at
        inserted = await insert_ignore(session, Meeting, dict(
            body_id=last.body_id, organiser_id=last.organiser_id, title=last.title, starts_at=start,
            ends_at=start + length, place=last.place, agenda=last.agenda, series_rule=last.series_rule,
            series_id=last.series_id, state="scheduled", version=1, created_at=now, updated_at=now), ["series_id", "starts_at"])
        if not inserted:
            continue
        meeting = await session.scalar(select(Meeting).where(Meeting.series_id == last.series_id, Meeting.starts_at == start))
        for person_id in await bodies.active_members(session, meeting.body_id):
            session.add(MeetingAttendee(meeting_id=meeting.id, person_id=person_id, rsvp="none", reason=""))
        await session.flush()
        await meeting_notices.invite(session, meeting, now=now, tz=tz, changed=False)
        made += 1
    return made


async def sweep(session: AsyncSession, *, now: datetime, offsets: tuple[timedelta, ...], tz: ZoneInfo,
                interval: float = 30.0) -> SweepResult:
    """One pass: next occurrences of series, reminders that are due, minutes asked for meetings just ended."""
    occurrences = await extend_series(session, now=now, tz=tz)
    horizon = now + max(offsets, default=timedelta(0))
    meetings = await session.scalars(select(Meeting).where(
        Meeting.state == "scheduled", Meeting.starts_at > now, Meeting.starts_at <= horizon).order_by(Meeting.id))
    waves = messages = 0
    for meeting in list(meetings):
        w, m = await _remind(session, meeting, now=now, offsets=offsets, tz=tz, interval=interval)
        waves, messages = waves + w, messages + m
    asked = await meeting_minutes.ask_for_minutes(session, now=now, tz=tz)
    return SweepResult(waves, messages, occurrences, asked)
