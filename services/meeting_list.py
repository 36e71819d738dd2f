"""What /meetings shows a person: their coming meetings with their own answer, and meetings awaiting their minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.meeting_notices import CHECK_IN_BEFORE, DEFAULT_LENGTH
from services.people import Actor
from storage.models import Body, Meeting, MeetingAttendee, Unit

LIMIT = 8
MINUTES_LOOKBACK = timedelta(days=366)


@dataclass(frozen=True)
class MeetingRow:
    """One meeting as this person sees it."""

    id: int
    version: int
    title: str
    body: str
    start: datetime
    place: str
    rsvp: str | None  # yes / no / none; None when not invited (organiser only)
    checked_in: bool
    organiser: bool
    can_answer: bool
    can_check_in: bool
    needs_minutes: bool
    yes: int = 0
    no: int = 0
    waiting: int = 0


async def _counts(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        rows = await session.execute(select(MeetingAttendee.meeting_id, MeetingAttendee.rsvp, func.count())
                                     .where(MeetingAttendee.meeting_id.in_(ids))
                                     .group_by(MeetingAttendee.meeting_id, MeetingAttendee.rsvp))
        for mid, rsvp, n in rows:
            out[mid][rsvp] = n
    return out


async def my_meetings(session: AsyncSession, actor: Actor, *, now: datetime, tz: ZoneInfo) -> list[MeetingRow]:
    """Coming (and running) meetings the person is invited to or organises, then their meetings awaiting minutes."""
    mine = or_(Meeting.organiser_id == actor.person_id, MeetingAttendee.person_id.is_not(None))
    base = (select(Meeting, MeetingAttendee, Unit.name, Body.name).join(Body, Body.id == Meeting.body_id)
            .join(Unit, Unit.id == Body.unit_id)
            .outerjoin(MeetingAttendee, and_(MeetingAttendee.meeting_id == Meeting.id,
                                             MeetingAttendee.person_id == actor.person_id))
            .where(mine, Meeting.state == "scheduled"))
    coming = list(await session.execute(
        base.where(Meeting.starts_at > now - DEFAULT_LENGTH * 4).order_by(Meeting.starts_at, Meeting.id).limit(LIMIT * 2)))
    late = list(await session.execute(
        base.where(Meeting.organiser_id == actor.person_id, Meeting.starts_at <= now, Meeting.minutes_at.is_(None),
                   Meeting.starts_at > now - MINUTES_LOOKBACK).order_by(Meeting.starts_at.desc()).limit(LIMIT)))
    rows, seen = [], set()
    for m, att, unit, body in coming + late:
        end = m.ends_at or m.starts_at + DEFAULT_LENGTH
        if m.id in seen or (end < now and m.organiser_id != actor.person_id):
            continue
        seen.add(m.id)
        rows.append((m, att, f"{unit}{body}", end))
    counts = await _counts(session, [m.id for m, *_ in rows])
    out = []
    for m, att, label, end in rows[:LIMIT * 2]:
        c = counts[m.id]
        out.append(MeetingRow(
            m.id, m.version, m.title, label, m.starts_at.astimezone(tz), m.place, att.rsvp if att else None,
            bool(att and att.checked_in_at), m.organiser_id == actor.person_id, att is not None and m.starts_at > now,
            (att is not None or m.organiser_id == actor.person_id) and m.starts_at - CHECK_IN_BEFORE <= now <= end,
            m.organiser_id == actor.person_id and m.starts_at <= now and m.minutes_at is None,
            c.get("yes", 0), c.get("no", 0), c.get("none", 0)))
    return out[:LIMIT]
