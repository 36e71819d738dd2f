"""The requester withdrawing a request before a decision, and a coordinator handing a stuck review to someone else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import NotAllowed
from services.funding_errors import NoStuckReview, NotAReviewer
from services.funding_flow import (
    WITHDRAWABLE, check_version, coordinators_of, load, move, require_requester, same_county, stage_of, stage_reviewers,
)
from services.funding_notices import ASSIGNED, WITHDRAWN, fixed, send_card
from services.people import Actor, active_role_filter
from storage.models import Person, RoleAssignment, Unit


@dataclass(frozen=True)
class Moved:
    request_id: int
    title: str
    state: str
    reviewer_name: str = ""


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    unit_name: str


async def withdraw(session: AsyncSession, actor: Actor, request_id: int, version: int, *, now: datetime,
                   tz: ZoneInfo) -> Moved:
    """The requester takes the request back before a decision; whoever it waited for is told."""
    req, place = await load(session, request_id)
    require_requester(actor, req, version, WITHDRAWABLE)
    waiting_for = await stage_reviewers(session, req, place, now.astimezone(tz).date())
    event = await move(session, req, actor.person_id, "withdraw", now=now, reviewer_id=None, waiting_since=None)
    await send_card(session, req.id, waiting_for, fixed(WITHDRAWN, name=actor.name), f"fund:{req.id}:{event}", now=now,
                    tz=tz, with_buttons=False)
    return Moved(req.id, req.title, req.state)


async def _checked(session: AsyncSession, actor: Actor, request_id: int, version: int):  # noqa: ANN202
    req, place = await load(session, request_id)
    check_version(req, version)
    if not actor.has("coordinator") or not await same_county(session, actor.unit_id, place):
        raise NotAllowed()
    stage = stage_of(req.state, place)
    if stage is None:
        raise NoStuckReview(id=req.id)
    return req, place, stage


async def reassign_choices(session: AsyncSession, actor: Actor, request_id: int, version: int, *,
                           now: datetime, tz: ZoneInfo) -> list[Candidate]:
    """Who may take the review: at the town step its school staff and the coordinators; later, coordinators."""
    req, place, stage = await _checked(session, actor, request_id, version)
    today = now.astimezone(tz).date()
    ids = await coordinators_of(session, place, today)
    if stage == "town":
        staff = await session.scalars(select(Person.id).join(RoleAssignment, RoleAssignment.person_id == Person.id).where(
            RoleAssignment.role == "school_staff", active_role_filter(today), Person.active,
            Person.unit_id == place.town_id))
        ids = list(dict.fromkeys([*staff, *ids]))
    ids = [i for i in ids if i not in (req.requester_id, req.reviewer_id)]
    if not ids:
        return []
    rows = dict((pid, (name, unit)) for pid, name, unit in (await session.execute(
        select(Person.id, Person.name, Unit.name).join(Unit, Unit.id == Person.unit_id).where(Person.id.in_(ids)))).all())
    return [Candidate(i, *rows[i]) for i in ids if i in rows]


async def reassign(session: AsyncSession, actor: Actor, request_id: int, version: int, person_id: int, *,
                   now: datetime, tz: ZoneInfo) -> Moved:
    """Hand the review at the current step to one person, who gets the card with its buttons."""
    choices = await reassign_choices(session, actor, request_id, version, now=now, tz=tz)
    chosen = next((c for c in choices if c.person_id == person_id), None)
    req, _place = await load(session, request_id)
    if chosen is None:
        name = await session.scalar(select(Person.name).where(Person.id == person_id)) or "?"
        raise NotAReviewer(name=name, id=req.id)
    event = await move(session, req, actor.person_id, "reassign", now=now, reason=f"转交 {chosen.name} 审核",
                       reviewer_id=chosen.person_id)
    await send_card(session, req.id, [chosen.person_id], fixed(ASSIGNED, name=actor.name), f"fund:{req.id}:{event}",
                    now=now, tz=tz)
    return Moved(req.id, req.title, req.state, chosen.name)
