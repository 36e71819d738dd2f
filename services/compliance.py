"""Each body's meetings held this year against its yearly minimum, and the warning when the year runs short.

A meeting counts as held once its minutes have arrived (`minutes_at` set, not cancelled), in the
calendar year of its start in BOT_TIMEZONE. From 1 November, once a week (the first working day of
each ISO week on which the daily job runs; never on public holidays), the people who organise a
body that is behind are warned: its members who are school staff or coordinators, or failing
those, the school staff of its town (the village's town), or failing those, the coordinators.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.bodies import BodyRef, bodies_in, visible_bodies
from services.errors import N_
from services.meeting_notices import esc, readers
from services.people import Actor, active_role_filter
from services.workdays import is_holiday
from storage.models import BodyMember, Meeting, Person, RoleAssignment, Unit

WARN_FROM = (11, 1)
ORGANISER_ROLES = ("school_staff", "coordinator")
WARNING = N_("⚠️ <b>Meetings this year</b>: {weeks} weeks remain, and these bodies have not met their yearly minimum yet:")
WARNING_LINE = N_("• {body}: {held} of {minimum} held")
WARNING_TAIL = N_("Schedule the meetings with /meeting; a meeting counts once its minutes are sent.")


@dataclass(frozen=True)
class BodyCount:
    """A body's meetings held this year against its minimum."""

    body: BodyRef
    held: int

    @property
    def label(self) -> str:
        return f"{self.body.unit_name}{self.body.name}"

    @property
    def met(self) -> bool:
        return self.held >= self.body.min_per_year


def year_bounds(year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


async def held_counts(session: AsyncSession, year: int, *, tz: ZoneInfo) -> dict[int, int]:
    """Meetings held (with minutes) per body in `year`."""
    start, end = year_bounds(year, tz)
    rows = await session.execute(
        select(Meeting.body_id, func.count()).where(Meeting.minutes_at.is_not(None), Meeting.state != "cancelled",
                                                    Meeting.starts_at >= start, Meeting.starts_at < end)
        .group_by(Meeting.body_id))
    return {body_id: n for body_id, n in rows}


async def compliance(session: AsyncSession, year: int, *, tz: ZoneInfo, unit_ids: list[int] | None = None) -> list[BodyCount]:
    """Every active body of these units (None: all) with its count this year (for /meetings and the digest)."""
    counts = await held_counts(session, year, tz=tz)
    return [BodyCount(ref, counts.get(ref.id, 0)) for ref in await bodies_in(session, unit_ids)]


async def my_compliance(session: AsyncSession, actor: Actor, *, now: datetime, tz: ZoneInfo) -> list[BodyCount]:
    """The bodies this person sees, with this year's counts."""
    counts = await held_counts(session, now.astimezone(tz).year, tz=tz)
    return [BodyCount(ref, counts.get(ref.id, 0)) for ref in await visible_bodies(session, actor)]


async def organisers_of(session: AsyncSession, body: BodyRef, today: date) -> list[int]:
    """Who organises a body's meetings: its school-staff or coordinator members, else its town's school staff,
    else the coordinators."""
    members = list(await session.scalars(
        select(BodyMember.person_id).join(Person, Person.id == BodyMember.person_id)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(BodyMember.body_id == body.id, BodyMember.active, Person.active, RoleAssignment.role.in_(ORGANISER_ROLES),
               active_role_filter(today)).distinct()))
    if members:
        return members
    unit = await session.get(Unit, body.unit_id)
    town = unit.id if unit.level == "town" else unit.parent_id if unit.level == "village" else None
    for role, unit_id in (("school_staff", town), ("coordinator", None)):
        query = select(RoleAssignment.person_id).join(Person, Person.id == RoleAssignment.person_id).where(
            RoleAssignment.role == role, active_role_filter(today), Person.active)
        if role == "school_staff":
            if unit_id is None:
                continue
            query = query.where(Person.unit_id == unit_id)
        found = list(await session.scalars(query.distinct()))
        if found:
            return found
    return []


async def warn_behind(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> int:
    """From 1 November, weekly on working days: tell organisers which of their bodies are behind; returns messages queued."""
    today = now.astimezone(tz).date()
    if (today.month, today.day) < WARN_FROM or is_holiday(today):
        return 0
    behind = [c for c in await compliance(session, today.year, tz=tz) if not c.met]
    per_person: dict[int, list[BodyCount]] = defaultdict(list)
    for count in behind:
        for person_id in await organisers_of(session, count.body, today):
            per_person[person_id].append(count)
    weeks = max(0, (date(today.year, 12, 31) - today).days // 7)
    iso = today.isocalendar()
    queued = 0
    for r in await readers(session, sorted(per_person)):
        _ = r._
        lines = [_(WARNING).format(weeks=weeks)] + [
            _(WARNING_LINE).format(body=esc(c.label), held=c.held, minimum=c.body.min_per_year) for c in per_person[r.person_id]]
        lines.append(_(WARNING_TAIL))
        q = await outbox.enqueue(session, now=now, dedupe_key=f"cw:{iso.year}-W{iso.week:02d}:{r.person_id}",
                                 chat_id=r.chat_id, person_id=r.person_id, text="\n".join(lines))
        queued += q.inserted
    return queued

