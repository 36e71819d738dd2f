"""The weekly digest's figures for one unit's subtree and one ISO week (rendering in digest_render)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services import report_queries as q
from services.report_queries import Figures, Money
from services.unit_tree import Scope, Tree, load_scope_tree
from services.weeks import Week, midnight, parse_week

REACH_TARGET = 0.30
MINORS_TARGET = 0.50
QUIET_DAYS = 14
ROW_LEVELS = ("county", "town", "village")  # rows shown even with nothing logged


@dataclass(frozen=True)
class Row:
    """A unit under the scope (or a category): this week against the week before."""

    name: str
    week: Figures
    prev: Figures
    own: bool = False  # the scope unit's own entries, not its children's


@dataclass(frozen=True)
class BodyStatus:
    unit: str
    name: str
    held: int
    minimum: int


@dataclass(frozen=True)
class Waiting:
    count: int = 0
    amount_fen: int = 0
    oldest_title: str = ""
    oldest_unit: str = ""
    oldest_since: date | None = None
    oldest_days: int = 0


@dataclass(frozen=True)
class QuietGroup:
    parent: str
    units: tuple[str, ...]


@dataclass(frozen=True)
class Upcoming:
    at: datetime
    unit: str
    body: str
    title: str
    place: str


@dataclass(frozen=True)
class Digest:
    """Every figure of one digest; local dates, money in fen, shares as fractions (None when undefined)."""

    unit_id: int | None
    scope_name: str
    scope_level: str
    week: str
    start: date
    end: date
    total: Figures
    prev_total: Figures
    rows: tuple[Row, ...]
    categories: tuple[Row, ...]
    year: int
    year_until: date
    year_total: Figures
    population: int
    reach_share: float | None
    minors_share: float | None
    money: Money
    per_resident_fen: int
    bodies: tuple[BodyStatus, ...]
    meetings_held: int
    waiting: Waiting
    quiet: tuple[QuietGroup, ...]
    quiet_count: int
    next_start: date
    next_end: date
    upcoming: tuple[Upcoming, ...]


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def rollup(tree: Tree, scope: int | None, this: dict, prev: dict) -> tuple[tuple[Row, ...], tuple[Row, ...]]:
    """Rows and categories from figures per (unit, category): each unit counted under its row."""
    row_of = tree.rows_of(scope)

    def by_row(figs: dict) -> dict:
        out: dict[tuple[int, str], Figures] = {}
        for (unit, cat), f in figs.items():
            if unit in row_of:
                key = (row_of[unit], cat)
                out[key] = out.get(key, Figures()) + f
        return out

    return rollup_rows(tree, scope, by_row(this), by_row(prev))


def rollup_rows(tree: Tree, scope: int | None, this: dict, prev: dict) -> tuple[tuple[Row, ...], tuple[Row, ...]]:
    """Rows and categories from figures already per (row, category) (rows as `Tree.rows_of`)."""
    by_row: dict[int, list[Figures]] = {}
    by_cat: dict[str, list[Figures]] = {}
    for i, figs in enumerate((this, prev)):
        for (row, cat), f in figs.items():
            by_row.setdefault(row, [Figures(), Figures()])[i] += f
            by_cat.setdefault(cat, [Figures(), Figures()])[i] += f
    for uid in (tree.roots if scope is None else tree.children.get(scope, [])):
        node = tree.nodes[uid]
        if node.active and node.level in ROW_LEVELS and uid != scope:
            by_row.setdefault(uid, [Figures(), Figures()])
    rows = [Row(tree.name(u), w, p, own=u == scope) for u, (w, p) in by_row.items()]
    cats = [Row(c, w, p) for c, (w, p) in by_cat.items()]

    def order(r: Row) -> tuple:
        return (r.own, -r.week.activities, -r.week.participants, r.name)

    return tuple(sorted(rows, key=order)), tuple(sorted(cats, key=order))


async def _money(session: AsyncSession, tree: Tree, scope: Scope, year: int, on: date) -> tuple[Money, int]:
    holders = tree.roots if scope.unit_id is None else [scope.unit_id]
    allocated, standard = 0, q.DEFAULT_PER_RESIDENT_FEN
    for uid in holders:
        standard = await q.per_resident_fen(session, tree.county_of(uid), on)
        allocated += tree.population(uid) * standard
    extras, spent = await q.scope_money(session, scope, year)
    return Money(allocated + extras, spent.approved, spent.disbursed, spent.settled), standard


async def _waiting(session: AsyncSession, tree: Tree, scope: Scope, now: datetime, tz: ZoneInfo) -> Waiting:
    count, amount, first = await q.scope_waiting(session, scope, now)
    if first is None:
        return Waiting()
    since = first.since.astimezone(tz).date()
    return Waiting(count, amount, first.title, tree.name(first.unit_id), since,
                   (now.astimezone(tz).date() - since).days)


async def _quiet(session: AsyncSession, tree: Tree, scope: Scope, w: Week, tz: ZoneInfo
                 ) -> tuple[tuple[QuietGroup, ...], int]:
    """Units expected to log (active villages, and active towns without villages, existing before the two weeks)
    with nothing dated in the last two weeks, grouped under their parent."""
    first = w.end - timedelta(days=QUIET_DAYS - 1)
    groups: dict[str, list[str]] = {}
    for uid in await q.quiet_units(session, scope, first, w.end, midnight(first, tz)):
        if uid in tree.nodes:
            groups.setdefault(tree.name(tree.nodes[uid].parent_id), []).append(tree.nodes[uid].name)
    quiet = tuple(QuietGroup(p, tuple(sorted(names))) for p, names in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])))
    return quiet, sum(len(g.units) for g in quiet)


def _scope(tree: Tree, unit_id: int | None) -> Scope:
    """The digest's scope: the unit (the only root when None) and its subtree's ids (None: every unit)."""
    if unit_id is None:
        return Scope(tree.roots[0], None) if len(tree.roots) == 1 else Scope(None, None)
    return Scope(unit_id, tree.subtree(unit_id))


async def build_digest(session: AsyncSession, *, unit_id: int | None, week: str, tz: ZoneInfo, now: datetime) -> Digest:
    """The digest of `week` (e.g. "2026-W47") for the unit's subtree (None: every unit), from aggregate queries:
    the scope's filter and the roll-up to rows are done in SQL, a few rows come back per figure."""
    w = parse_week(week)
    tree = await load_scope_tree(session, unit_id)
    sc = _scope(tree, unit_id)
    scope = sc.unit_id
    prev = w.shift(-1)
    this_figs, prev_figs = await q.row_figures(session, sc, tree.height(scope), prev.start, w.end, w.start)
    rows, cats = rollup_rows(tree, scope, this_figs, prev_figs)
    year_start, year_until = date(w.year, 1, 1), min(w.end, date(w.year, 12, 31))
    year_total = await q.scope_totals(session, sc, year_start, year_until)
    population = tree.population(scope)
    money, standard = await _money(session, tree, sc, w.year, year_until)
    bodies = await q.scope_bodies(session, sc, midnight(year_start, tz), midnight(year_until + timedelta(days=1), tz))
    nxt = w.shift(1)
    upcoming = await q.scope_meetings(session, sc, *nxt.bounds(tz))
    quiet, quiet_count = await _quiet(session, tree, sc, w, tz)
    return Digest(
        unit_id=unit_id, scope_name=tree.name(scope), scope_level=tree.nodes[scope].level if scope is not None else "county",
        week=w.label, start=w.start, end=w.end,
        total=sum((f for f in this_figs.values()), Figures()), prev_total=sum((f for f in prev_figs.values()), Figures()),
        rows=rows, categories=cats, year=w.year, year_until=year_until, year_total=year_total, population=population,
        reach_share=share(year_total.participants, population), minors_share=share(year_total.minors, year_total.participants),
        money=money, per_resident_fen=standard,
        bodies=tuple(BodyStatus(tree.name(u), n, h, m) for _b, u, n, m, h in bodies),
        meetings_held=sum(h for *_x, h in bodies),
        waiting=await _waiting(session, tree, sc, now, tz), quiet=quiet, quiet_count=quiet_count,
        next_start=nxt.start, next_end=nxt.end,
        upcoming=tuple(Upcoming(at.astimezone(tz), tree.name(u), b, t, p) for at, u, b, t, p in upcoming),
    )


def render_digest(digest: Digest, lang: str = "zh_CN") -> list[str]:
    """The digest as Telegram HTML messages, each well under 4096 characters, split at section boundaries."""
    from services.digest_render import render_html

    return render_html(digest, lang)


async def queue_due_digests(session: AsyncSession, *, now: datetime, tz: ZoneInfo, cron: str, chart_dir=None) -> int:  # noqa: ANN001
    """Queue, once per binding, the digest of the last week whose send time has passed; returns how many."""
    from services.digest_runs import queue_due

    return await queue_due(session, now=now, tz=tz, cron=cron, chart_dir=chart_dir)
