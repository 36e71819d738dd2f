"""/stats: a person's figures for a period (本周, 上周, 本月, 上月, 今年 or a month), against the period before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services import report_queries as q
from services.digest import Row, rollup, share
from services.digest_errors import BadPeriod, MayNotSeeStats, PeriodInFuture
from services.people import Actor, scope_unit_ids
from services.report_queries import Figures
from services.unit_tree import load_tree

ALIASES = {
    "本周": "this_week", "这周": "this_week", "this-week": "this_week", "week": "this_week",
    "上周": "last_week", "last-week": "last_week",
    "本月": "this_month", "这个月": "this_month", "this-month": "this_month", "month": "this_month",
    "上月": "last_month", "上个月": "last_month", "last-month": "last_month",
    "今年": "this_year", "本年": "this_year", "this-year": "this_year", "year": "this_year",
}
_MONTH = re.compile(r"^(\d{4})\s*(?:-|/|年)\s*(\d{1,2})\s*月?$")
DEFAULT = "this_month"


@dataclass(frozen=True)
class Period:
    kind: str  # this_week … this_year, or "month"
    start: date
    end: date
    prev_start: date
    prev_end: date


def _month_start(d: date, back: int = 0) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - back, 12)
    return date(y, m + 1, 1)


def _same_length_before(start: date, end: date, prev_start: date) -> tuple[date, date]:
    """The earlier period clipped to the current one's length (本月 so far against the same days of last month)."""
    return prev_start, min(prev_start + (end - start), start - timedelta(days=1))


def _year_back(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def parse_period(text: str, today: date) -> Period:
    """The period a person typed; BadPeriod for anything unknown, PeriodInFuture for a month not begun."""
    raw = (text or "").strip()
    kind = ALIASES.get(raw.lower().replace("_", "-"), DEFAULT if not raw else None)
    if kind in ("this_week", "last_week"):
        monday = today - timedelta(days=today.weekday()) - timedelta(weeks=kind == "last_week")
        end = today if kind == "this_week" else monday + timedelta(days=6)
        return Period(kind, monday, end, *_same_length_before(monday, end, monday - timedelta(weeks=1)))
    if kind in ("this_month", "last_month"):
        start = _month_start(today, kind == "last_month")
        end = today if kind == "this_month" else _month_start(today) - timedelta(days=1)
        return Period(kind, start, end, *_same_length_before(start, end, _month_start(start, 1)))
    if kind == "this_year":
        start = date(today.year, 1, 1)
        return Period(kind, start, today, date(today.year - 1, 1, 1), _year_back(today))
    m = _MONTH.match(raw)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise BadPeriod(text=raw[:20])
    start = date(int(m.group(1)), int(m.group(2)), 1)
    if start > today:
        raise PeriodInFuture(text=raw[:20])
    end = min(_month_start(start, -1) - timedelta(days=1), today)
    return Period("month", start, end, *_same_length_before(start, end, _month_start(start, 1)))


@dataclass(frozen=True)
class Stats:
    scope_name: str
    scope_level: str
    period: Period
    total: Figures
    prev_total: Figures
    rows: tuple[Row, ...]
    categories: tuple[Row, ...]
    population: int
    reach_share: float | None
    minors_share: float | None


async def stats_for(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> Stats:
    """Figures for the actor's scope and the period in `text` (school staff, coordinators and leaders)."""
    if not actor.has("school_staff", "coordinator", "leader"):
        raise MayNotSeeStats()
    period = parse_period(text, now.astimezone(tz).date())
    tree = await load_tree(session)
    allowed = await scope_unit_ids(session, actor)
    scope = (tree.roots[0] if len(tree.roots) == 1 else None) if allowed is None else actor.unit_id
    ids = None if scope is None else tree.subtree(scope)
    if allowed is not None:
        ids = (ids or set()) & set(allowed)
    this = await q.activity_figures(session, ids, period.start, period.end)
    prev = await q.activity_figures(session, ids, period.prev_start, period.prev_end)
    rows, cats = rollup(tree, scope, this, prev)
    total = sum(this.values(), Figures())
    population = tree.population(scope)
    return Stats(tree.name(scope), tree.nodes[scope].level if scope is not None else "county", period, total,
                 sum(prev.values(), Figures()), rows, cats, population, share(total.participants, population),
                 share(total.minors, total.participants))
