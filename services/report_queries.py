"""Aggregate SQL for the digest and statistics: one GROUP BY per figure, filtered to a subtree of units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.unit_tree import Scope, in_filter, row_of_column
from storage.models import Activity, Body, BudgetExtra, BudgetStandard, FundingRequest, Meeting, Unit

APPROVED_STATES = ("approved", "disbursed", "settled")
DISBURSED_STATES = ("disbursed", "settled")
SETTLED_STATES = ("settled",)
WAITING_STATES = ("submitted", "reviewed", "town_reviewed")
DEFAULT_PER_RESIDENT_FEN = 100


@dataclass(frozen=True)
class Figures:
    """Activities, participants (person-times), minors among them, and minutes."""

    activities: int = 0
    participants: int = 0
    minors: int = 0
    minutes: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.activities + other.activities, self.participants + other.participants,
                       self.minors + other.minors, self.minutes + other.minutes)


def _live(ids: set[int] | None):  # noqa: ANN202
    conds = [Activity.deleted_at.is_(None)]
    if (f := in_filter(Activity.unit_id, ids)) is not None:
        conds.append(f)
    return conds


def _sums():  # noqa: ANN202
    return (func.count(Activity.id), func.coalesce(func.sum(Activity.participants), 0),
            func.coalesce(func.sum(Activity.minors), 0), func.coalesce(func.sum(Activity.minutes), 0))


async def activity_figures(session: AsyncSession, ids: set[int] | None, start: date, end: date) -> dict[tuple[int, str], Figures]:
    """Figures per (unit, category) for activities dated start..end inclusive."""
    rows = await session.execute(
        select(Activity.unit_id, Activity.category, *_sums())
        .where(Activity.occurred_on >= start, Activity.occurred_on <= end, *_live(ids))
        .group_by(Activity.unit_id, Activity.category)
    )
    return {(u, c): Figures(int(n), int(p), int(m), int(mi)) for u, c, n, p, m, mi in rows if ids is None or u in ids}


async def unit_totals(session: AsyncSession, ids: set[int] | None, start: date, end: date) -> dict[int, Figures]:
    """Figures per unit for activities dated start..end inclusive."""
    rows = await session.execute(
        select(Activity.unit_id, *_sums()).where(Activity.occurred_on >= start, Activity.occurred_on <= end, *_live(ids))
        .group_by(Activity.unit_id)
    )
    return {u: Figures(int(n), int(p), int(m), int(mi)) for u, n, p, m, mi in rows if ids is None or u in ids}


async def active_units(session: AsyncSession, ids: set[int] | None, start: date, end: date,
                       logged_since: datetime | None = None) -> set[int]:
    """Units with an activity dated start..end (or, with `logged_since`, logged since then)."""
    when = (Activity.occurred_on >= start) & (Activity.occurred_on <= end)
    if logged_since is not None:
        when = when | (Activity.created_at >= logged_since)
    rows = await session.scalars(select(Activity.unit_id).where(when, *_live(ids)).group_by(Activity.unit_id))
    return {u for u in rows if ids is None or u in ids}


@dataclass(frozen=True)
class Money:
    """Budget figures in fen."""

    allocated: int = 0
    approved: int = 0
    disbursed: int = 0
    settled: int = 0


async def per_resident_fen(session: AsyncSession, county_id: int | None, on: date) -> int:
    """The county's per-resident standard in force on `on` (100 fen = 1 元 when none was set)."""
    if county_id is None:
        return DEFAULT_PER_RESIDENT_FEN
    value = await session.scalar(
        select(BudgetStandard.per_resident_fen).where(BudgetStandard.county_id == county_id,
                                                      BudgetStandard.effective_from <= on)
        .order_by(BudgetStandard.effective_from.desc(), BudgetStandard.id.desc()).limit(1)
    )
    return DEFAULT_PER_RESIDENT_FEN if value is None else int(value)


async def funding_by_unit(session: AsyncSession, ids: set[int] | None, year: int, last_year: int | None = None
                          ) -> dict[int, Money]:
    """Approved, disbursed and settled fen per unit for the year's requests (to `last_year`; allocation left at 0)."""
    approved = func.coalesce(FundingRequest.approved_fen, FundingRequest.amount_fen)
    spent = func.coalesce(FundingRequest.spent_fen, approved)

    def total(expr, states):  # noqa: ANN001, ANN202
        return func.coalesce(func.sum(case((FundingRequest.state.in_(states), expr), else_=0)), 0)

    conds = [FundingRequest.year >= year, FundingRequest.year <= (last_year or year)]
    if (f := in_filter(FundingRequest.unit_id, ids)) is not None:
        conds.append(f)
    rows = await session.execute(
        select(FundingRequest.unit_id, total(approved, APPROVED_STATES), total(approved, DISBURSED_STATES),
               total(spent, SETTLED_STATES)).where(*conds).group_by(FundingRequest.unit_id)
    )
    return {u: Money(0, int(a), int(d), int(s)) for u, a, d, s in rows if ids is None or u in ids}


async def extras_by_unit(session: AsyncSession, ids: set[int] | None, year: int) -> dict[int, int]:
    rows = await session.execute(select(BudgetExtra.unit_id, func.sum(BudgetExtra.amount_fen))
                                 .where(BudgetExtra.year == year).group_by(BudgetExtra.unit_id))
    return {u: int(v or 0) for u, v in rows if ids is None or u in ids}


@dataclass(frozen=True)
class WaitingRequest:
    id: int
    unit_id: int
    title: str
    amount_fen: int
    since: datetime


async def waiting_requests(session: AsyncSession, ids: set[int] | None, before: datetime) -> list[WaitingRequest]:
    """Requests waiting for a decision, submitted before `before`, oldest first."""
    since = func.coalesce(FundingRequest.waiting_since, FundingRequest.created_at)
    rows = await session.execute(
        select(FundingRequest.id, FundingRequest.unit_id, FundingRequest.title, FundingRequest.amount_fen, since)
        .where(FundingRequest.state.in_(WAITING_STATES), FundingRequest.created_at < before)
        .order_by(since, FundingRequest.id)
    )
    return [WaitingRequest(*r) for r in rows if ids is None or r[1] in ids]


async def bodies_with_meetings(
    session: AsyncSession, ids: set[int] | None, start: datetime, end: datetime
) -> list[tuple[int, int, str, int, int]]:
    """(body id, unit id, name, minimum a year, meetings held start..end) for every active body of the units;
    a meeting counts as held when its minutes were recorded and it was not cancelled."""
    held = (select(Meeting.body_id, func.count(Meeting.id).label("n"))
            .where(Meeting.minutes_at.is_not(None), Meeting.state != "cancelled", Meeting.starts_at >= start,
                   Meeting.starts_at < end).group_by(Meeting.body_id).subquery())
    rows = await session.execute(
        select(Body.id, Body.unit_id, Body.name, Body.min_per_year, func.coalesce(held.c.n, 0))
        .outerjoin(held, held.c.body_id == Body.id).where(Body.active).order_by(Body.unit_id, Body.id)
    )
    return [(b, u, n, int(m or 0), int(h)) for b, u, n, m, h in rows if ids is None or u in ids]


async def meetings_between(
    session: AsyncSession, ids: set[int] | None, start: datetime, end: datetime
) -> list[tuple[datetime, int, str, str, str]]:
    """(start, unit id, body name, title, place) of meetings not cancelled starting start..end."""
    rows = await session.execute(
        select(Meeting.starts_at, Body.unit_id, Body.name, Meeting.title, Meeting.place)
        .join(Body, Body.id == Meeting.body_id)
        .where(Meeting.state != "cancelled", Meeting.starts_at >= start, Meeting.starts_at < end)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [tuple(r) for r in rows if ids is None or r[1] in ids]


# --- the digest's aggregates: scope and roll-up in SQL, a few rows back ------------------------------------------


def _within(scope: Scope, column) -> list:  # noqa: ANN001
    f = scope.filter(column)
    return [] if f is None else [f]


async def row_figures(session: AsyncSession, scope: Scope, height: int, start: date, end: date, split: date
                      ) -> tuple[dict[tuple[int, str], Figures], dict[tuple[int, str], Figures]]:
    """Figures per (row, category) — rows as `Tree.rows_of(scope.unit_id)`, `height` as `Tree.height` — for
    activities dated split..end and start..split-1 (this week and the week before), rolled up in SQL by joining
    each activity's unit to its parents up to the row."""
    chain, row = row_of_column(scope.unit_id, height)
    this = (Activity.occurred_on >= split).label("this")
    query = select(row.label("row_id"), Activity.category, this, *_sums()).join_from(
        Activity, chain[0], chain[0].id == Activity.unit_id)
    for child, parent in zip(chain, chain[1:]):
        query = query.outerjoin(parent, parent.id == child.parent_id)
    result = await session.execute(
        query.where(Activity.occurred_on >= start, Activity.occurred_on <= end, Activity.deleted_at.is_(None),
                    *_within(scope, Activity.unit_id))
        .group_by(row, Activity.category, this)
    )
    out: tuple[dict, dict] = ({}, {})
    for row_id, cat, is_this, n, p, m, mi in result:
        if row_id is not None:
            out[0 if is_this else 1][(row_id, cat)] = Figures(int(n), int(p), int(m), int(mi))
    return out


async def scope_totals(session: AsyncSession, scope: Scope, start: date, end: date) -> Figures:
    """Figures for the scope's activities dated start..end inclusive, in one aggregate."""
    n, p, m, mi = (await session.execute(
        select(*_sums()).where(Activity.occurred_on >= start, Activity.occurred_on <= end,
                               Activity.deleted_at.is_(None), *_within(scope, Activity.unit_id))
    )).one()
    return Figures(int(n), int(p), int(m), int(mi))


async def scope_money(session: AsyncSession, scope: Scope, year: int) -> tuple[int, Money]:
    """(extra allocations, Money with approved / disbursed / settled) for the scope's year, each one aggregate."""
    extras = await session.scalar(select(func.coalesce(func.sum(BudgetExtra.amount_fen), 0))
                                  .where(BudgetExtra.year == year, *_within(scope, BudgetExtra.unit_id)))
    approved = func.coalesce(FundingRequest.approved_fen, FundingRequest.amount_fen)
    spent = func.coalesce(FundingRequest.spent_fen, approved)

    def total(expr, states):  # noqa: ANN001, ANN202
        return func.coalesce(func.sum(case((FundingRequest.state.in_(states), expr), else_=0)), 0)

    a, d, s = (await session.execute(
        select(total(approved, APPROVED_STATES), total(approved, DISBURSED_STATES), total(spent, SETTLED_STATES))
        .where(FundingRequest.year == year, *_within(scope, FundingRequest.unit_id))
    )).one()
    return int(extras or 0), Money(0, int(a), int(d), int(s))


async def scope_waiting(session: AsyncSession, scope: Scope, before: datetime
                        ) -> tuple[int, int, WaitingRequest | None]:
    """(how many, fen) of the scope's requests waiting for a decision, submitted before `before`, and the oldest."""
    conds = [FundingRequest.state.in_(WAITING_STATES), FundingRequest.created_at < before,
             *_within(scope, FundingRequest.unit_id)]
    n, fen = (await session.execute(
        select(func.count(FundingRequest.id), func.coalesce(func.sum(FundingRequest.amount_fen), 0)).where(*conds)
    )).one()
    if not n:
        return 0, 0, None
    since = func.coalesce(FundingRequest.waiting_since, FundingRequest.created_at)
    first = (await session.execute(
        select(FundingRequest.id, FundingRequest.unit_id, FundingRequest.title, FundingRequest.amount_fen, since)
        .where(*conds).order_by(since, FundingRequest.id).limit(1)
    )).one()
    return int(n), int(fen), WaitingRequest(*first)


async def quiet_units(session: AsyncSession, scope: Scope, start: date, end: date, before: datetime) -> list[int]:
    """Units of the scope expected to log — active villages, and active towns without villages, existing before
    `before` — with no activity dated start..end."""
    child = aliased(Unit)
    logged = select(Activity.id).where(Activity.unit_id == Unit.id, Activity.occurred_on >= start,
                                       Activity.occurred_on <= end, Activity.deleted_at.is_(None))
    villages = select(child.id).where(child.parent_id == Unit.id, child.level == "village")
    return list(await session.scalars(
        select(Unit.id).where(Unit.active, Unit.created_at < before, *_within(scope, Unit.id),
                              or_(Unit.level == "village", (Unit.level == "town") & ~villages.exists()),
                              ~logged.exists())
    ))


async def scope_bodies(session: AsyncSession, scope: Scope, start: datetime, end: datetime
                       ) -> list[tuple[int, int, str, int, int]]:
    """`bodies_with_meetings` for the scope's bodies only, filtered in SQL."""
    held = and_(Meeting.body_id == Body.id, Meeting.minutes_at.is_not(None), Meeting.state != "cancelled",
                Meeting.starts_at >= start, Meeting.starts_at < end)
    rows = await session.execute(
        select(Body.id, Body.unit_id, Body.name, Body.min_per_year, func.count(Meeting.id))
        .outerjoin(Meeting, held).where(Body.active, *_within(scope, Body.unit_id))
        .group_by(Body.id, Body.unit_id, Body.name, Body.min_per_year).order_by(Body.unit_id, Body.id)
    )
    return [(b, u, n, int(m or 0), int(h)) for b, u, n, m, h in rows]


async def scope_meetings(session: AsyncSession, scope: Scope, start: datetime, end: datetime
                         ) -> list[tuple[datetime, int, str, str, str]]:
    """`meetings_between` for the scope's bodies only, filtered in SQL."""
    rows = await session.execute(
        select(Meeting.starts_at, Body.unit_id, Body.name, Meeting.title, Meeting.place)
        .join(Body, Body.id == Meeting.body_id)
        .where(Meeting.state != "cancelled", Meeting.starts_at >= start, Meeting.starts_at < end,
               *_within(scope, Body.unit_id))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [tuple(r) for r in rows]
