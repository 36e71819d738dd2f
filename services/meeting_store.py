"""Saving a meeting from its confirmed card: a new one invites its body's members; a change tells every invitee.

A new time bumps the version, clears the answers given for the old time, withdraws queued reminders
and forgets reminder waves recorded for that same time earlier, so the new time is reminded afresh.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, bodies, meeting_notices
from services.errors import NotFound
from services.meeting_errors import MeetingCancelled, MeetingStarted, NotOrganiser
from services.people import Actor
from storage.models import Meeting, MeetingAttendee, MeetingReminder

FIELDS = ("body_id", "title", "starts_at", "ends_at", "place", "agenda", "series_rule", "state", "version")


async def owned_meeting(session: AsyncSession, actor: Actor, meeting_id: int, *, now: datetime) -> Meeting:
    """A meeting this person may change: theirs, or any for a coordinator; not cancelled, not started."""
    row = await session.get(Meeting, meeting_id)
    if row is None:
        raise NotFound()
    if row.organiser_id != actor.person_id and not actor.has("coordinator"):
        raise NotOrganiser()
    if row.state == "cancelled":
        raise MeetingCancelled()
    if row.starts_at <= now:
        raise MeetingStarted()
    return row


async def create_meeting(session: AsyncSession, actor: Actor, body_id: int, values: dict, *, now: datetime,
                         tz: ZoneInfo) -> tuple[Meeting, int]:
    """Save a new meeting, make every active member an attendee and invite them; returns it and how many."""
    row = Meeting(body_id=body_id, organiser_id=actor.person_id, ends_at=values["starts_at"] + meeting_notices.DEFAULT_LENGTH,
                  state="scheduled", version=1, created_at=now, updated_at=now, **values)
    session.add(row)
    await session.flush()
    row.series_id = row.id if row.series_rule else None
    members = await bodies.active_members(session, body_id)
    session.add_all(MeetingAttendee(meeting_id=row.id, person_id=p, rsvp="none", reason="") for p in members)
    await session.flush()
    audit.record(session, now=now, actor_id=actor.person_id, action="create", entity="meeting", entity_id=row.id,
                 after=audit.snapshot(row, FIELDS))
    await meeting_notices.invite(session, row, now=now, tz=tz, changed=False, skip=actor.person_id)
    return row, len(members)


async def change_meeting(session: AsyncSession, actor: Actor, meeting_id: int, values: dict, *, now: datetime,
                         tz: ZoneInfo) -> Meeting:
    """Save the changed card of a meeting (a new version) and tell every invitee."""
    row = await owned_meeting(session, actor, meeting_id, now=now)
    before = audit.snapshot(row, FIELDS)
    start = values["starts_at"]
    moved = row.starts_at != start
    length = meeting_notices.ends_at(row) - row.starts_at
    for key, value in values.items():
        setattr(row, key, value)
    row.ends_at, row.version, row.updated_at = start + length, row.version + 1, now
    if row.series_rule and row.series_id is None:
        row.series_id = row.id
    if moved:  # answers were given for the old time; reminders follow the new one
        await session.execute(update(MeetingAttendee).where(MeetingAttendee.meeting_id == row.id)
                              .values(rsvp="none", reason="").execution_options(synchronize_session=False))
        await session.execute(delete(MeetingReminder).where(MeetingReminder.meeting_id == row.id,
                                                            MeetingReminder.starts_at == start))
        await meeting_notices.cancel_pending(session, row.id, "rem")
    audit.record(session, now=now, actor_id=actor.person_id, action="reschedule" if moved else "update",
                 entity="meeting", entity_id=row.id, before=before, after=audit.snapshot(row, FIELDS))
    await session.flush()
    await meeting_notices.invite(session, row, now=now, tz=tz, changed=True, skip=actor.person_id, moved=moved)
    return row
