"""Admin changes to budgets, each shown on a card before it is saved: the per-resident standard (a new row
keeps the history) and extra allocations for a unit and year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, drafts
from services.budgets import budget_of, holder_of, standard_on, unit_by_code
from services.dates import parse_when
from services.errors import BadDate, NotAllowed
from services.funding_flow import close_form, open_form
from services.funding_errors import AdminOnly, BadAllocation, BadStandard, VillageBudgetIsTowns
from services.money import BadAmount, parse_amount
from services.people import Actor
from services.text import MAX_NOTE, clean_text
from services.unit_tree import load_tree
from storage.models import BudgetExtra, BudgetStandard, Person, Unit

KIND = "budget_admin"
MAX_STANDARD_FEN = 10_000  # 100 元 per resident a year is far beyond any county's standard


@dataclass(frozen=True)
class StandardRow:
    per_resident_fen: int
    effective_from: date
    set_by: str
    set_at: datetime


@dataclass(frozen=True)
class Standards:
    """The standard in force today (or the default) and every one set, newest first."""

    current_fen: int
    default: bool
    rows: tuple[StandardRow, ...]


@dataclass(frozen=True)
class AdminCard:
    """A change waiting for ✅ (or just saved): a new standard, or an extra allocation."""

    what: str
    version: int
    per_resident_fen: int = 0
    effective_from: date | None = None
    current_fen: int = 0
    unit_name: str = ""
    unit_code: str = ""
    amount_fen: int = 0
    note: str = ""
    year: int = 0
    allocation_after: int = 0
    holder_name: str = ""


def _admin(actor: Actor) -> None:
    if not actor.has("admin"):
        raise AdminOnly()


async def _county(session: AsyncSession, actor: Actor) -> int:
    county = (await load_tree(session)).county_of(actor.unit_id)
    if county is None:
        raise NotAllowed()
    return county


async def standards(session: AsyncSession, actor: Actor, *, today: date) -> Standards:
    """The standard in force and its history, for the admin's county."""
    _admin(actor)
    county = await _county(session, actor)
    current, default = await standard_on(session, county, today)
    rows = await session.execute(
        select(BudgetStandard, Person.name).outerjoin(Person, Person.id == BudgetStandard.set_by)
        .where(BudgetStandard.county_id == county)
        .order_by(BudgetStandard.effective_from.desc(), BudgetStandard.id.desc()))
    return Standards(current, default, tuple(StandardRow(s.per_resident_fen, s.effective_from, name or "", s.set_at)
                                            for s, name in rows))


async def propose_standard(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> AdminCard:
    """Read `1.5 [from date]` into a card waiting for ✅; the standard applies from today unless a date is given."""
    _admin(actor)
    county = await _county(session, actor)
    words = clean_text(text, limit=100).split(" ", 1)
    try:
        fen = parse_amount(words[0], max_fen=MAX_STANDARD_FEN)
    except BadAmount as exc:
        if exc.reason in ("zero", "negative", "too_large"):
            raise
        raise BadStandard() from None
    local = now.astimezone(tz)
    start = local.date()
    if len(words) > 1:
        when = parse_when(words[1], now=local, prefer="future")
        if when is None:
            raise BadDate(text=words[1][:50])
        start = when.date
    current, _default = await standard_on(session, county, start)
    data = {"what": "standard", "fen": fen, "from": start.isoformat(), "county": county}
    view = await drafts.save_draft(session, actor.person_id, kind=KIND, step="card", data=data, now=now)
    return AdminCard("standard", view.version, per_resident_fen=fen, effective_from=start, current_fen=current)


async def propose_extra(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> AdminCard:
    """Read `UNIT_CODE AMOUNT [note]` into a card waiting for ✅ (this year's allocation of that unit)."""
    _admin(actor)
    words = clean_text(text, limit=MAX_NOTE).split(" ", 2)
    if len(words) < 2:
        raise BadAllocation()
    unit = await unit_by_code(session, words[0])
    fen = parse_amount(words[1])
    tree = await load_tree(session)
    holder = holder_of(tree, unit.id)
    if unit.level == "village" and holder != unit.id:
        code = await session.scalar(select(Unit.code).where(Unit.id == holder))
        raise VillageBudgetIsTowns(unit=unit.name, town=tree.name(holder), code=code)
    today = now.astimezone(tz).date()
    budget = await budget_of(session, unit.id, today.year, today=today, tree=tree)
    data = {"what": "extra", "unit_id": unit.id, "fen": fen, "note": words[2] if len(words) > 2 else "",
            "year": today.year}
    view = await drafts.save_draft(session, actor.person_id, kind=KIND, step="card", data=data, now=now)
    return AdminCard("extra", view.version, unit_name=unit.name, unit_code=unit.code, amount_fen=fen, note=data["note"],
                     year=today.year, allocation_after=budget.allocation + fen, holder_name=budget.holder_name)


async def confirm_admin(session: AsyncSession, actor: Actor, version: int, *, now: datetime, tz: ZoneInfo) -> AdminCard:
    """Save the change on the card (with an audit entry) and close it."""
    _admin(actor)
    d = (await open_form(session, actor.person_id, KIND, version)).data
    if d["what"] == "standard":
        row = BudgetStandard(county_id=d["county"], per_resident_fen=d["fen"], effective_from=date.fromisoformat(d["from"]),
                             set_by=actor.person_id, set_at=now)
        session.add(row)
        await session.flush()
        audit.record(session, now=now, actor_id=actor.person_id, action="set_standard", entity="budget_standard",
                     entity_id=row.id, after={"per_resident_fen": row.per_resident_fen, "effective_from": row.effective_from})
        card = AdminCard("standard", version, per_resident_fen=row.per_resident_fen, effective_from=row.effective_from)
    else:
        unit = await session.get(Unit, d["unit_id"])
        row = BudgetExtra(unit_id=unit.id, year=d["year"], amount_fen=d["fen"], note=d["note"], set_by=actor.person_id,
                          set_at=now)
        session.add(row)
        await session.flush()
        audit.record(session, now=now, actor_id=actor.person_id, action="allocate", entity="budget_extra",
                     entity_id=row.id, after={"unit": unit.code, "year": row.year, "amount_fen": row.amount_fen,
                                              "note": row.note})
        today = now.astimezone(tz).date()
        budget = await budget_of(session, unit.id, row.year, today=today)
        card = AdminCard("extra", version, unit_name=unit.name, unit_code=unit.code, amount_fen=row.amount_fen,
                         note=row.note, year=row.year, allocation_after=budget.allocation, holder_name=budget.holder_name)
    await drafts.drop_draft(session, actor.person_id)
    return card


async def cancel_admin(session: AsyncSession, actor: Actor, version: int) -> None:
    """❌ on the card: nothing is saved."""
    await close_form(session, actor.person_id, KIND, version)

