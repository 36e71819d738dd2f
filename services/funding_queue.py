"""/funds: what waits for this person (oldest first, with its age in working days), what waits for payment or
is stuck elsewhere (coordinators), and the person's own requests; and the daily reminder of stuck reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding_flow import WAITING, load, stage_reviewers
from services.funding_notices import NUDGE, fixed, nudge_key, send_card
from services.people import Actor
from services.unit_tree import Tree, load_tree
from services.workdays import is_holiday, workdays_between
from storage.models import FundingRequest, Person

STUCK_AFTER = 5  # working days at one step before the reviewer is reminded daily
SHOW = 15


@dataclass(frozen=True)
class QueueRow:
    id: int
    title: str
    unit_name: str
    amount: int
    state: str
    since: date
    waited: int
    reviewer_name: str = ""

    @property
    def stuck(self) -> bool:
        return self.waited > STUCK_AFTER


@dataclass(frozen=True)
class Queue:
    to_review: tuple[QueueRow, ...]
    to_disburse: tuple[QueueRow, ...]
    stuck: tuple[QueueRow, ...]
    mine: tuple[QueueRow, ...]
    more: int = 0


def _stage(tree: Tree, req: FundingRequest) -> str | None:
    """Like funding_flow.stage_of, read from the unit tree already loaded."""
    node = tree.nodes[req.unit_id]
    parent = tree.nodes.get(node.parent_id) if node.parent_id else None
    if req.state == "submitted":
        return "town" if node.level == "village" and parent is not None and parent.level == "town" else "county"
    return "county" if req.state == "town_reviewed" else None


def _waits_for(actor: Actor, tree: Tree, req: FundingRequest, my_county: int | None) -> bool:
    if req.requester_id == actor.person_id:
        return False
    if req.reviewer_id is not None:
        return req.reviewer_id == actor.person_id
    stage = _stage(tree, req)
    if stage == "town":
        return actor.has("school_staff") and tree.nodes[req.unit_id].parent_id == actor.unit_id
    return stage == "county" and actor.has("coordinator") and tree.county_of(req.unit_id) == my_county


def _row(tree: Tree, req: FundingRequest, today: date, tz: ZoneInfo, names: dict[int, str]) -> QueueRow:
    since = (req.waiting_since or req.updated_at).astimezone(tz).date()
    return QueueRow(req.id, req.title, tree.name(req.unit_id), req.approved_fen or req.amount_fen, req.state, since,
                    workdays_between(since, today) if req.state in WAITING else 0, names.get(req.reviewer_id or 0, ""))


async def my_queue(session: AsyncSession, actor: Actor, *, now: datetime, tz: ZoneInfo) -> Queue:
    """The person's funding view: reviews waiting for them, and (coordinators) payments due and stuck reviews."""
    today = now.astimezone(tz).date()
    tree = await load_tree(session)
    my_county = tree.county_of(actor.unit_id)
    names = dict((await session.execute(select(Person.id, Person.name).where(Person.id.in_(
        select(FundingRequest.reviewer_id).where(FundingRequest.reviewer_id.is_not(None),
                                                 FundingRequest.state.in_(WAITING)))))).all())
    review, pay, stuck = [], [], []
    if actor.has("school_staff", "coordinator"):
        states = WAITING + (("approved",) if actor.has("coordinator") else ())
        rows = await session.scalars(select(FundingRequest).where(FundingRequest.state.in_(states)).order_by(
            FundingRequest.waiting_since, FundingRequest.updated_at, FundingRequest.id))
        for req in rows:
            same = tree.county_of(req.unit_id) == my_county
            if req.state == "approved":
                if same:
                    pay.append(_row(tree, req, today, tz, names))
            elif _waits_for(actor, tree, req, my_county):
                review.append(_row(tree, req, today, tz, names))
            elif actor.has("coordinator") and same:
                row = _row(tree, req, today, tz, names)
                if row.stuck:
                    stuck.append(row)
    mine = await session.scalars(select(FundingRequest).where(FundingRequest.requester_id == actor.person_id)
                                 .order_by(FundingRequest.created_at.desc(), FundingRequest.id.desc()).limit(SHOW))
    more = max(0, len(review) - SHOW) + max(0, len(pay) - SHOW) + max(0, len(stuck) - SHOW)
    return Queue(tuple(review[:SHOW]), tuple(pay[:SHOW]), tuple(stuck[:SHOW]),
                 tuple(_row(tree, r, today, tz, names) for r in mine), more)


async def remind_stuck(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> int:
    """Once a working day, remind the reviewers of every request waiting more than 5 working days at its step."""
    today = now.astimezone(tz).date()
    if is_holiday(today):
        return 0
    queued = 0
    rows = list(await session.scalars(select(FundingRequest).where(
        FundingRequest.state.in_(WAITING), FundingRequest.waiting_since.is_not(None))
        .order_by(FundingRequest.waiting_since, FundingRequest.id)))
    for req in rows:
        days = workdays_between(req.waiting_since.astimezone(tz).date(), today)
        if days <= STUCK_AFTER:
            continue
        _req, place = await load(session, req.id)
        queued += await send_card(session, req.id, await stage_reviewers(session, req, place, today),
                                  fixed(NUDGE, days=days), nudge_key(req.id, today), now=now, tz=tz)
        req.last_nudged_on = today
    return queued

