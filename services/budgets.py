"""Budgets per unit and year: population × the county's per-resident standard in force, plus extras.

Who holds a budget (the reading a coordinator expects, and the one the digest uses):
  * a town (镇/街道) holds one: its residents (which include its villages') × the standard, plus the extras
    recorded for it; requests of the town and of its villages draw on it;
  * a village (村/居) has no budget of its own: its requests draw on its town's;
  * departments and the college draw on the county's whole budget: the county's residents × the standard
    plus every extra in the county, against every request in the county.
Figures, all in fen, for the requests of the year: pending (submitted, waiting for a review), approved,
disbursed, settled (what was spent), and remaining = allocation − approved-not-yet-settled − spent (the
unspent part of a settled request returns to the budget).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding_errors import NotYourBudget, UnknownUnitCode
from services.people import Actor, scope_unit_ids
from services.unit_tree import Tree, in_filter, load_tree
from storage.models import BudgetExtra, BudgetStandard, FundingRequest, Unit

DEFAULT_PER_RESIDENT_FEN = 100  # 1 元 per resident a year when the admin has set nothing
PENDING_STATES = ("submitted", "town_reviewed")
APPROVED_STATES = ("approved", "disbursed", "settled")
DISBURSED_STATES = ("disbursed", "settled")


@dataclass(frozen=True)
class Figures:
    """Money of a set of units' requests in one year, in fen."""

    pending: int = 0
    approved: int = 0
    disbursed: int = 0
    settled: int = 0
    returned: int = 0  # approved but not spent, back in the budget after settlement

    @property
    def committed(self) -> int:
        return self.approved - self.returned


@dataclass(frozen=True)
class Part:
    """One line of the county view: a town (or the county's own units) with its allocation and figures."""

    name: str
    allocation: int
    figures: Figures

    @property
    def remaining(self) -> int:
        return self.allocation - self.figures.committed


@dataclass(frozen=True)
class Budget:
    """A budget holder's year, and when asked for a unit that draws on it, that unit's own share."""

    unit_id: int
    unit_name: str
    holder_id: int
    holder_name: str
    holder_code: str
    holder_level: str
    year: int
    population: int
    per_resident_fen: int
    default_standard: bool
    extras: int
    figures: Figures
    own: Figures | None = None
    parts: tuple[Part, ...] = ()

    @property
    def allocation(self) -> int:
        return self.population * self.per_resident_fen + self.extras

    @property
    def remaining(self) -> int:
        return self.allocation - self.figures.committed


def holder_of(tree: Tree, unit_id: int) -> int:
    """The unit whose budget a unit's requests draw on (see the module docstring)."""
    node = tree.nodes[unit_id]
    if node.level == "town":
        return unit_id
    if node.level == "village" and node.parent_id in tree.nodes and tree.nodes[node.parent_id].level == "town":
        return node.parent_id
    return tree.county_of(unit_id) or unit_id


def standard_day(year: int, today: date) -> date:
    """The day whose standard sets a year's allocation: today for this year, the year's end for past years."""
    if year == today.year:
        return today
    return date(year, 12, 31) if year < today.year else date(year, 1, 1)


async def standard_on(session: AsyncSession, county_id: int | None, day: date) -> tuple[int, bool]:
    """The county's per-resident standard in fen in force on `day`, and whether it is the default."""
    if county_id is None:
        return DEFAULT_PER_RESIDENT_FEN, True
    value = await session.scalar(
        select(BudgetStandard.per_resident_fen)
        .where(BudgetStandard.county_id == county_id, BudgetStandard.effective_from <= day)
        .order_by(BudgetStandard.effective_from.desc(), BudgetStandard.id.desc()).limit(1))
    return (DEFAULT_PER_RESIDENT_FEN, True) if value is None else (int(value), False)


async def figures_by_unit(session: AsyncSession, ids: set[int], year: int) -> dict[int, Figures]:
    """Each unit's request money for the year."""
    approved = func.coalesce(FundingRequest.approved_fen, FundingRequest.amount_fen)
    query = (select(FundingRequest.unit_id, FundingRequest.state, func.sum(FundingRequest.amount_fen),
                    func.sum(approved), func.sum(func.coalesce(FundingRequest.spent_fen, 0)))
             .where(FundingRequest.year == year).group_by(FundingRequest.unit_id, FundingRequest.state))
    if (f := in_filter(FundingRequest.unit_id, ids)) is not None:
        query = query.where(f)
    out: dict[int, Figures] = {}
    for unit_id, state, amount, appr, spent in await session.execute(query):
        if unit_id not in ids:
            continue
        amount, appr, spent = int(amount or 0), int(appr or 0), int(spent or 0)
        f = out.get(unit_id, Figures())
        out[unit_id] = Figures(
            f.pending + (amount if state in PENDING_STATES else 0),
            f.approved + (appr if state in APPROVED_STATES else 0),
            f.disbursed + (appr if state in DISBURSED_STATES else 0),
            f.settled + (spent if state == "settled" else 0),
            f.returned + (appr - spent if state == "settled" else 0))
    return out


def total(figures: list[Figures]) -> Figures:
    keys = ("pending", "approved", "disbursed", "settled", "returned")
    return Figures(*(sum(getattr(f, k) for f in figures) for k in keys))


def drawing_units(tree: Tree, holder: int) -> set[int]:
    """The units whose requests draw on a holder's budget: its whole subtree."""
    return tree.subtree(holder)


async def extras_of(session: AsyncSession, ids: set[int], year: int) -> int:
    rows = await session.execute(select(BudgetExtra.unit_id, func.sum(BudgetExtra.amount_fen))
                                 .where(BudgetExtra.year == year).group_by(BudgetExtra.unit_id))
    return sum(int(v or 0) for u, v in rows if u in ids)


async def budget_of(session: AsyncSession, unit_id: int, year: int, *, today: date, tree: Tree | None = None,
                    parts: bool = False) -> Budget:
    """The budget a unit's requests draw on, for `year`, with the unit's own share when it is not the holder."""
    tree = tree or await load_tree(session)
    holder = holder_of(tree, unit_id)
    ids = drawing_units(tree, holder)
    per, default = await standard_on(session, tree.county_of(holder), standard_day(year, today))
    by_unit = await figures_by_unit(session, ids, year)
    own = None
    if unit_id != holder:
        own = total([f for u, f in by_unit.items() if u in tree.subtree(unit_id)])
    code = await session.scalar(select(Unit.code).where(Unit.id == holder))
    budget = Budget(unit_id, tree.name(unit_id), holder, tree.name(holder), code or "", tree.nodes[holder].level, year,
                    tree.population(holder), per, default, await extras_of(session, ids, year),
                    total(list(by_unit.values())), own)
    if parts and unit_id == holder and tree.nodes[holder].level == "county":
        budget = await _with_parts(session, tree, budget, by_unit)
    return budget


async def _with_parts(session: AsyncSession, tree: Tree, budget: Budget, by_unit: dict[int, Figures]) -> Budget:
    """The county view: one line per town, and one for the departments and the college."""
    lines = []
    towns = [c for c in tree.children.get(budget.holder_id, []) if tree.nodes[c].level == "town" and tree.nodes[c].active]
    in_towns: set[int] = set()
    for town in towns:
        ids = tree.subtree(town)
        in_towns |= ids
        extras = await extras_of(session, ids, budget.year)
        lines.append(Part(tree.name(town), tree.population(town) * budget.per_resident_fen + extras,
                          total([f for u, f in by_unit.items() if u in ids])))
    rest = [f for u, f in by_unit.items() if u not in in_towns]
    county_ids = tree.subtree(budget.holder_id) - in_towns
    unassigned = budget.allocation - sum(p.allocation for p in lines)
    if rest or unassigned or await extras_of(session, county_ids, budget.year):
        lines.append(Part("", unassigned, total(rest)))
    return replace(budget, parts=tuple(lines))


async def unit_by_code(session: AsyncSession, code: str) -> Unit:
    unit = await session.scalar(select(Unit).where(func.upper(Unit.code) == code.strip().upper()))
    if unit is None:
        raise UnknownUnitCode(code=code.strip()[:30])
    return unit


async def show_budget(session: AsyncSession, actor: Actor, code: str | None, year: int | None, *, today: date) -> Budget:
    """/budget: the person's unit (coordinators, leaders, admins: the county, or any unit by its code)."""
    tree = await load_tree(session)
    if code:
        unit_id = (await unit_by_code(session, code)).id
    else:
        unit_id = (tree.county_of(actor.unit_id) or actor.unit_id) if actor.county_wide else actor.unit_id
    if not actor.county_wide:
        allowed = await scope_unit_ids(session, actor) or []
        if unit_id not in allowed:
            raise NotYourBudget()
    return await budget_of(session, unit_id, year or today.year, today=today, tree=tree, parts=True)
