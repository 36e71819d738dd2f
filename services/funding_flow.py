"""The path of a funding request: who may move it, and the one way it moves (an event and an audit entry
in the same transaction, guarded by the request's version so a second press or a race changes nothing).

    submitted ─(village: its town's school staff)─ 推荐 → town_reviewed ─(coordinators)─ 批准 → approved
        │  (town / department: straight to the coordinators)
        ├─ 退回 → returned ─(requester edits)─ resubmit → submitted
        ├─ 驳回 → rejected
        └─ 撤回 (requester, before a decision) → withdrawn
    approved ─ 已拨付 (coordinator) → disbursed ─ 已结算 (requester: spent + receipts) → settled
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, drafts
from services.drafts import DraftView
from services.errors import N_, DomainError, NothingToConfirm, NotFound
from services.funding_errors import CardClosed, NotInThisState, NotYourRequest, NotYourReview, RequestChanged
from services.people import Actor, active_role_filter
from storage.models import FundingEvent, FundingRequest, Person, RoleAssignment, Unit

WAITING = ("submitted", "town_reviewed")
WITHDRAWABLE = ("submitted", "town_reviewed", "returned")
STATE_NAMES = {
    "submitted": N_("submitted, waiting for review"), "town_reviewed": N_("recommended by the town, waiting for the college"),
    "approved": N_("approved"), "rejected": N_("rejected"), "returned": N_("returned for changes"),
    "disbursed": N_("disbursed"), "settled": N_("settled"), "withdrawn": N_("withdrawn"),
}
STATE_ZH = {"submitted": "待审核", "town_reviewed": "镇街已推荐", "approved": "已批准", "rejected": "已驳回",
            "returned": "已退回", "disbursed": "已拨付", "settled": "已结算", "withdrawn": "已撤回"}
REVIEW_ACTIONS = {"town": ("recommend", "return", "reject"), "county": ("approve", "partial", "return", "reject")}
TO_STATE = {"recommend": "town_reviewed", "return": "returned", "reject": "rejected", "approve": "approved",
            "withdraw": "withdrawn", "resubmit": "submitted", "disburse": "disbursed", "settle": "settled",
            "submit": "submitted"}


@dataclass(frozen=True)
class Place:
    """Where a request's unit sits: its county and, for a village, the town whose school reviews first."""

    unit_id: int
    level: str
    town_id: int | None
    county_id: int | None


async def place_of(session: AsyncSession, unit_id: int) -> Place:
    unit = await session.get(Unit, unit_id)
    parent = await session.get(Unit, unit.parent_id) if unit.parent_id else None
    town = parent.id if unit.level == "village" and parent is not None and parent.level == "town" else None
    county: Unit | None = unit
    while county is not None and county.level != "county":
        county = await session.get(Unit, county.parent_id) if county.parent_id else None
    return Place(unit.id, unit.level, town, county.id if county else None)


def stage_of(state: str, place: Place) -> str | None:
    """Whose review a request waits for: "town" (its town's school staff), "county" (coordinators) or None."""
    if state == "submitted":
        return "town" if place.town_id else "county"
    return "county" if state == "town_reviewed" else None


async def same_county(session: AsyncSession, person_unit_id: int, place: Place) -> bool:
    return place.county_id is None or (await place_of(session, person_unit_id)).county_id == place.county_id


async def may_review(session: AsyncSession, actor: Actor, req: FundingRequest, place: Place) -> bool:
    """Whether the actor reviews the request at its current step (an assigned reviewer, else the stage's people)."""
    stage = stage_of(req.state, place)
    if stage is None or actor.person_id == req.requester_id:
        return False
    if req.reviewer_id is not None:
        return actor.person_id == req.reviewer_id
    if stage == "town":
        return actor.has("school_staff") and actor.unit_id == place.town_id
    return actor.has("coordinator") and await same_county(session, actor.unit_id, place)


async def stage_reviewers(session: AsyncSession, req: FundingRequest, place: Place, today: date) -> list[int]:
    """The people a request waits for now (ids, ascending): the assigned reviewer, or the stage's people."""
    stage = stage_of(req.state, place)
    if stage is None:
        return []
    if req.reviewer_id is not None:
        return [req.reviewer_id]
    role = "school_staff" if stage == "town" else "coordinator"
    query = (select(Person.id, Person.unit_id).join(RoleAssignment, RoleAssignment.person_id == Person.id)
             .where(RoleAssignment.role == role, active_role_filter(today), Person.active,
                    Person.id != req.requester_id))
    if stage == "town":
        query = query.where(Person.unit_id == place.town_id)
    out = []
    for pid, unit_id in (await session.execute(query.order_by(Person.id))).all():
        if pid not in out and (stage == "town" or await same_county(session, unit_id, place)):
            out.append(pid)
    return out


async def coordinators_of(session: AsyncSession, place: Place, today: date) -> list[int]:
    rows = await session.execute(select(Person.id, Person.unit_id).join(RoleAssignment, RoleAssignment.person_id == Person.id)
                                 .where(RoleAssignment.role == "coordinator", active_role_filter(today), Person.active)
                                 .order_by(Person.id))
    out: list[int] = []
    for pid, unit_id in rows.all():
        if pid not in out and await same_county(session, unit_id, place):
            out.append(pid)
    return out


async def load(session: AsyncSession, request_id: int) -> tuple[FundingRequest, Place]:
    req = await session.get(FundingRequest, request_id)
    if req is None:
        raise NotFound()
    return req, await place_of(session, req.unit_id)


def check_version(req: FundingRequest, version: int) -> None:
    """A button carries the version it was made for; any later change makes it stale."""
    if req.version != version:
        raise RequestChanged(id=req.id, what=STATE_NAMES[req.state])


async def require_reviewer(session: AsyncSession, actor: Actor, req: FundingRequest, place: Place, version: int) -> str:
    """The stage, when the actor may review the request now at this version; a clear refusal otherwise."""
    check_version(req, version)
    stage = stage_of(req.state, place)
    if stage is None:
        raise NotInThisState(id=req.id, what=STATE_NAMES[req.state])
    if not await may_review(session, actor, req, place):
        raise NotYourReview(id=req.id)
    return stage


def require_requester(actor: Actor, req: FundingRequest, version: int, states: tuple[str, ...]) -> None:
    check_version(req, version)
    if req.requester_id != actor.person_id:
        raise NotYourRequest(id=req.id)
    if req.state not in states:
        raise NotInThisState(id=req.id, what=STATE_NAMES[req.state])


async def move(session: AsyncSession, req: FundingRequest, actor_id: int | None, action: str, *, now: datetime,
               amount: int | None = None, reason: str = "", **changes: object) -> int:
    """Move the request (only if nobody moved it since it was read), write its event and audit entry; the event id."""
    before = {"state": req.state, "version": req.version, "title": req.title, "purpose": req.purpose,
              "amount_fen": req.amount_fen, "approved_fen": req.approved_fen, "spent_fen": req.spent_fen,
              "reviewer_id": req.reviewer_id, "disbursed_on": req.disbursed_on}
    from_state, to_state = req.state, TO_STATE.get(action, req.state)
    values = {"state": to_state, "version": req.version + 1, "updated_at": now, **changes}
    result = await session.execute(update(FundingRequest).where(FundingRequest.id == req.id,
                                                                FundingRequest.version == req.version).values(**values))
    if result.rowcount != 1:
        await session.refresh(req)
        raise RequestChanged(id=req.id, what=STATE_NAMES[req.state])
    await session.refresh(req)
    event = FundingEvent(request_id=req.id, actor_id=actor_id, from_state=from_state, to_state=to_state,
                         amount_fen=amount, reason=reason, at=now)
    session.add(event)
    await session.flush()
    after = {k: getattr(req, k) for k in before} | {"reason": reason, "event_id": event.id,
                                                    "over_budget_override": req.over_budget_override}
    audit.record(session, now=now, actor_id=actor_id, action=f"funding_{action}", entity="funding_request",
                 entity_id=req.id, before=before, after=after)
    return event.id


async def create(session: AsyncSession, actor: Actor, *, unit_id: int, title: str, purpose: str, amount: int, year: int,
                 now: datetime) -> tuple[FundingRequest, int]:
    """A new request, submitted: the row, its first event and its audit entry."""
    req = FundingRequest(unit_id=unit_id, requester_id=actor.person_id, year=year, title=title, purpose=purpose,
                         amount_fen=amount, state="submitted", version=1, waiting_since=now, created_at=now, updated_at=now)
    session.add(req)
    await session.flush()
    event = FundingEvent(request_id=req.id, actor_id=actor.person_id, from_state=None, to_state="submitted",
                         amount_fen=amount, reason="", at=now)
    session.add(event)
    await session.flush()
    audit.record(session, now=now, actor_id=actor.person_id, action="funding_submit", entity="funding_request",
                 entity_id=req.id, after={"state": "submitted", "amount_fen": amount, "title": title, "purpose": purpose,
                                          "unit_id": unit_id, "year": year, "event_id": event.id})
    return req, event.id


async def open_form(session: AsyncSession, person_id: int, kind: str, version: int | None = None, *,
                    closed: type[DomainError] = CardClosed) -> DraftView:
    """The person's open form of `kind` (at `version`); `closed` (not the activity form's message) when there is none."""
    try:
        return await drafts.require_draft(session, person_id, kind, version)
    except NothingToConfirm:
        raise closed() from None


async def close_form(session: AsyncSession, person_id: int, kind: str, version: int, *,
                     closed: type[DomainError] = CardClosed) -> None:
    """❌ on a form's card: checked like any press, then the form is dropped and nothing is saved."""
    await open_form(session, person_id, kind, version, closed=closed)
    await drafts.drop_draft(session, person_id)
