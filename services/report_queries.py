"""Aggregate SQL for the digest and statistics: one GROUP BY per figure, filtered to a subtree of units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.unit_tree import in_filter
from storage.models import Activity, Body, BudgetExtra, BudgetStandard, FundingRequest, Meeting

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
