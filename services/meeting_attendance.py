"""Answering invitations (参加 / 请假 with a reason), checking in, cancelling, and who answered what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, drafts, meeting_notices
from services.errors import NotFound, NothingToConfirm
from services.meeting_errors import (
    CheckInClosed, MeetingCancelled, MeetingChanged, MeetingStarted, NotInvited, NotOrganiser,
)
from services.people import Actor
from services.text import clean_text
from storage.models import Meeting, MeetingAttendee, Person

REASON_KIND = "rsvp"
MAX_REASON = 200


@dataclass(frozen=True)
class Answered:
    meeting_id: int
    title: str
    rsvp: str
    ask_reason: bool


@dataclass(frozen=True)
class CheckedIn:
    meeting_id: int
    title: str
    at: datetime
    already: bool


@dataclass(frozen=True)
class Answer:
    name: str
    rsvp: str
    reason: str
    checked_in: bool


@dataclass(frozen=True)
class Answers:
    meeting_id: int
    title: str
    start: datetime
    state: str
    people: tuple[Answer, ...]

    def count(self, rsvp: str) -> int:
        return sum(1 for a in self.people if a.rsvp == rsvp)


async def _meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    row = await session.get(Meeting, meeting_id)
    if row is None:
        raise NotFound()
    return row


async def _attendee(session: AsyncSession, meeting_id: int, person_id: int) -> MeetingAttendee:
    row = await session.get(MeetingAttendee, (meeting_id, person_id))
    if row is None:
        raise NotInvited()
    return row


async def answer_invitation(session: AsyncSession, actor: Actor, meeting_id: int, version: int, answer: str, *,
                            now: datetime) -> Answered:
    """参加 (yes) or 请假 (no) for the current version of a meeting; 请假 then asks for a reason."""
    meeting = await _meeting(session, meeting_id)
    row = await _attendee(session, meeting_id, actor.person_id)
    if meeting.state == "cancelled":
        raise MeetingCancelled()
    if version != meeting.version:
        raise MeetingChanged()
    if meeting.starts_at <= now:
        raise MeetingStarted()
    row.rsvp = "yes" if answer == "yes" else "no"
    if row.rsvp == "yes":
        row.reason = ""
    open_kind = await drafts.open_kind(session, actor.person_id)
    ask = row.rsvp == "no" and open_kind in (None, REASON_KIND)
    if ask:
        await drafts.save_draft(session, actor.person_id, kind=REASON_KIND, step="reason",
                                data={"meeting_id": meeting_id}, now=now)
    elif open_kind == REASON_KIND:
        await drafts.drop_draft(session, actor.person_id)
    return Answered(meeting.id, meeting.title, row.rsvp, ask)


async def give_reason(session: AsyncSession, actor: Actor, text: str, *, now: datetime) -> Answered:
    """The reason for 请假, typed after pressing it; the form closes."""
    try:
        draft = await drafts.require_draft(session, actor.person_id, REASON_KIND)
    except NothingToConfirm:
        raise MeetingChanged() from None
    meeting = await _meeting(session, draft.data["meeting_id"])
    row = await _attendee(session, meeting.id, actor.person_id)
    row.reason = clean_text(text, limit=MAX_REASON)
    await drafts.drop_draft(session, actor.person_id)
    return Answered(meeting.id, meeting.title, row.rsvp, False)


async def check_in(session: AsyncSession, actor: Actor, meeting_id: int, *, now: datetime, tz: ZoneInfo) -> CheckedIn:
    """Record attendance from 30 minutes before the start until the end; a second press changes nothing."""
    meeting = await _meeting(session, meeting_id)
    if meeting.state == "cancelled":
        raise MeetingCancelled()
    row = await session.get(MeetingAttendee, (meeting_id, actor.person_id))
    if row is None and meeting.organiser_id != actor.person_id:
        raise NotInvited()
    opens, closes = meeting.starts_at - meeting_notices.CHECK_IN_BEFORE, meeting_notices.ends_at(meeting)
    if not opens <= now <= closes:
        raise CheckInClosed(opens=opens.astimezone(tz).strftime("%m-%d %H:%M"), closes=closes.astimezone(tz).strftime("%H:%M"))
    if row is None:
        row = MeetingAttendee(meeting_id=meeting_id, person_id=actor.person_id, rsvp="yes", reason="")
        session.add(row)
    if row.checked_in_at is not None:
        return CheckedIn(meeting.id, meeting.title, row.checked_in_at.astimezone(tz), True)
    row.checked_in_at = now
    return CheckedIn(meeting.id, meeting.title, now.astimezone(tz), False)


async def _organised(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await _meeting(session, meeting_id)
    if meeting.organiser_id != actor.person_id and not actor.has("coordinator"):
        raise NotOrganiser()
    return meeting


async def check_organiser(session: AsyncSession, actor: Actor, meeting_id: int) -> None:
    """NotOrganiser unless this person organised the meeting or is a coordinator."""
    await _organised(session, actor, meeting_id)


async def list_answers(session: AsyncSession, actor: Actor, meeting_id: int, *, tz: ZoneInfo) -> Answers:
    """Who answered what, with reasons and check-ins: for the organiser (and coordinators)."""
    meeting = await _organised(session, actor, meeting_id)
    rows = await session.execute(
        select(Person.name, MeetingAttendee.rsvp, MeetingAttendee.reason, MeetingAttendee.checked_in_at)
        .join(Person, Person.id == MeetingAttendee.person_id).where(MeetingAttendee.meeting_id == meeting_id)
        .order_by(Person.id))
    people = tuple(Answer(name, rsvp, reason, at is not None) for name, rsvp, reason, at in rows)
    return Answers(meeting.id, meeting.title, meeting.starts_at.astimezone(tz), meeting.state, people)


async def cancel_meeting(session: AsyncSession, actor: Actor, meeting_id: int, version: int, *, now: datetime,
                         tz: ZoneInfo, series: bool = False) -> Answered:
    """Cancel a meeting (and with `series`, the rest of its series) and tell every invitee."""
    meeting = await _organised(session, actor, meeting_id)
    if meeting.state == "cancelled":
        raise MeetingCancelled()
    if version != meeting.version:
        raise MeetingChanged()
    if meeting.minutes_at is not None:
        raise MeetingStarted()
    before = {"state": meeting.state, "series_rule": meeting.series_rule}
    meeting.state, meeting.version, meeting.updated_at = "cancelled", meeting.version + 1, now
    if series:
        meeting.series_rule = None  # the series makes no further occurrence after this one
    audit.record(session, now=now, actor_id=actor.person_id, action="cancel", entity="meeting", entity_id=meeting.id,
                 before=before, after={"state": "cancelled", "series_rule": meeting.series_rule})
    if meeting.starts_at > now:
        await meeting_notices.tell_cancelled(session, meeting, now=now, tz=tz, skip=actor.person_id)
    else:
        await meeting_notices.cancel_pending(session, meeting.id, "rem")
    return Answered(meeting.id, meeting.title, "cancelled", False)
