"""The floor for the digest benchmark: the digest's figures from hand-written aggregate SQL, one statement
per figure, with the scope and the roll-up to towns done in SQL (no unit tree loaded in Python)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.report_queries import APPROVED_STATES, DISBURSED_STATES, SETTLED_STATES, WAITING_STATES

QUIET_DAYS = 14


def _week(label: str) -> tuple[date, date]:
    year, number = label.split("-W")
    start = date.fromisocalendar(int(year), int(number), 1)
    return start, start + timedelta(days=6)


def _in(states: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{s}'" for s in states) + ")"


class _Params:
    """Bind values as each backend stores them (SQLite: the text SQLAlchemy writes; PostgreSQL: native)."""

    def __init__(self, session: AsyncSession) -> None:
        self.sqlite = session.bind.dialect.name == "sqlite"

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def at(self, value: datetime) -> Any:
        naive = value.astimezone(timezone.utc).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else naive


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


async def _activities(session: AsyncSession, scope: str, p: _Params, unit: int | None, w0: date, w1: date
                      ) -> dict[str, Any]:
    row = "u.id" if unit is not None else "CASE WHEN u.level = 'village' THEN u.parent_id ELSE u.id END"
    name = "u.name" if unit is not None else "CASE WHEN u.level = 'village' THEN pu.name ELSE u.name END"
    rows = await session.execute(text(f"""
        SELECT {row} AS row_id, {name} AS row_name, a.category, a.occurred_on >= :w0 AS this_week,
               count(*), sum(a.participants), sum(a.minors), sum(a.minutes)
        FROM activities a JOIN units u ON u.id = a.unit_id LEFT JOIN units pu ON pu.id = u.parent_id
        WHERE a.occurred_on >= :p0 AND a.occurred_on <= :w1 AND a.deleted_at IS NULL {scope.format(col="a.unit_id")}
        GROUP BY 1, 2, 3, 4"""), {"w0": p.day(w0), "p0": p.day(w0 - timedelta(days=7)), "w1": p.day(w1),
                                   "scope": unit})
    out: dict[str, Any] = {"week": [0, 0, 0, 0], "prev": [0, 0, 0, 0], "categories": {}, "rows": {}}
    for _rid, rname, cat, this, n, people, minors, minutes in rows:
        key = "week" if this else "prev"
        out[key] = [a + int(b) for a, b in zip(out[key], (n, people, minors, minutes))]
        if this:
            out["categories"][cat] = out["categories"].get(cat, 0) + int(n)
            out["rows"][rname] = out["rows"].get(rname, 0) + int(n)
    out["week"], out["prev"] = tuple(out["week"]), tuple(out["prev"])
    return out


async def floor_figures(session: AsyncSession, unit: int | None, week: str, tz: ZoneInfo, now: datetime) -> dict:
    """Every figure the digest reports, for the province (unit None) or a town and its villages."""
    p = _Params(session)
    scope = "" if unit is None else " AND {col} IN (SELECT id FROM units WHERE id = :scope OR parent_id = :scope)"
    root = unit if unit is not None else await session.scalar(text("SELECT id FROM units WHERE parent_id IS NULL"))
    w0, w1 = _week(week)
    y0 = date(w0.year, 1, 1)
    out = await _activities(session, scope, p, unit, w0, w1)
    s = {"scope": unit}
    year = (await session.execute(text(f"""
        SELECT count(*), coalesce(sum(participants), 0), coalesce(sum(minors), 0), coalesce(sum(minutes), 0)
        FROM activities WHERE occurred_on >= :y0 AND occurred_on <= :w1 AND deleted_at IS NULL
        {scope.format(col="unit_id")}"""), {"y0": p.day(y0), "w1": p.day(w1), **s})).one()
    out["year"] = tuple(int(v) for v in year)
    out["population"] = int(await session.scalar(text("SELECT population FROM units WHERE id = :r"), {"r": root}) or 0)
    standard = await session.scalar(text(
        "SELECT per_resident_fen FROM budget_standards "
        "WHERE county_id = (SELECT id FROM units WHERE parent_id IS NULL) AND effective_from <= :on "
        "ORDER BY effective_from DESC, id DESC LIMIT 1"), {"on": p.day(w1)})
    extras = await session.scalar(text(f"SELECT coalesce(sum(amount_fen), 0) FROM budget_extras WHERE year = :y "
                                       f"{scope.format(col='unit_id')}"), {"y": w0.year, **s})
    money = (await session.execute(text(f"""
        SELECT coalesce(sum(CASE WHEN state IN {_in(APPROVED_STATES)} THEN coalesce(approved_fen, amount_fen) END), 0),
               coalesce(sum(CASE WHEN state IN {_in(DISBURSED_STATES)} THEN coalesce(approved_fen, amount_fen) END), 0),
               coalesce(sum(CASE WHEN state IN {_in(SETTLED_STATES)}
                                 THEN coalesce(spent_fen, approved_fen, amount_fen) END), 0)
        FROM funding_requests WHERE year = :y {scope.format(col="unit_id")}"""), {"y": w0.year, **s})).one()
    out["money"] = (out["population"] * int(standard or 100) + int(extras),) + tuple(int(v) for v in money)
    waiting = (await session.execute(text(f"""
        SELECT count(*), coalesce(sum(amount_fen), 0) FROM funding_requests
        WHERE state IN {_in(WAITING_STATES)} AND created_at < :now {scope.format(col="unit_id")}"""),
        {"now": p.at(now), **s})).one()
    oldest = (await session.execute(text(f"""
        SELECT f.title, u.name FROM funding_requests f JOIN units u ON u.id = f.unit_id
        WHERE f.state IN {_in(WAITING_STATES)} AND f.created_at < :now {scope.format(col="f.unit_id")}
        ORDER BY coalesce(f.waiting_since, f.created_at), f.id LIMIT 1"""), {"now": p.at(now), **s})).first()
    out["waiting"] = (int(waiting[0]), int(waiting[1]), tuple(oldest) if oldest else None)
    q0 = w1 - timedelta(days=QUIET_DAYS - 1)
    quiet = await session.execute(text(f"""
        SELECT u.id FROM units u
        WHERE u.active AND u.created_at < :born {scope.format(col="u.id")}
          AND (u.level = 'village' OR (u.level = 'town' AND NOT EXISTS (
               SELECT 1 FROM units c WHERE c.parent_id = u.id AND c.level = 'village')))
          AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.unit_id = u.id AND a.occurred_on >= :q0
                          AND a.occurred_on <= :w1 AND a.deleted_at IS NULL)"""),
        {"born": p.at(_midnight(q0, tz)), "q0": p.day(q0), "w1": p.day(w1), **s})
    out["quiet"] = len(quiet.all())
    bodies = await session.execute(text(f"""
        SELECT b.unit_id, b.name, b.min_per_year, count(m.id) FROM bodies b
        LEFT JOIN meetings m ON m.body_id = b.id AND m.minutes_at IS NOT NULL AND m.state != 'cancelled'
             AND m.starts_at >= :ys AND m.starts_at < :ye
        WHERE b.active {scope.format(col="b.unit_id")} GROUP BY b.id, b.unit_id, b.name, b.min_per_year"""),
        {"ys": p.at(_midnight(y0, tz)), "ye": p.at(_midnight(w1 + timedelta(days=1), tz)), **s})
    held = [int(r[3]) for r in bodies]
    out["bodies"], out["held"] = len(held), sum(held)
    upcoming = await session.execute(text(f"""
        SELECT m.starts_at, b.unit_id, b.name, m.title, m.place FROM meetings m JOIN bodies b ON b.id = m.body_id
        WHERE m.state != 'cancelled' AND m.starts_at >= :n0 AND m.starts_at < :n1 {scope.format(col="b.unit_id")}
        ORDER BY m.starts_at, m.id"""),
        {"n0": p.at(_midnight(w1 + timedelta(days=1), tz)), "n1": p.at(_midnight(w1 + timedelta(days=8), tz)), **s})
    out["upcoming"] = len(upcoming.all())
    return out


def summary_of(digest: Any) -> dict:
    """The digest's figures in the floor's shape, for the figure-by-figure comparison."""
    def four(f: Any) -> tuple[int, int, int, int]:
        return (f.activities, f.participants, f.minors, f.minutes)

    w = digest.waiting
    return {
        "week": four(digest.total), "prev": four(digest.prev_total), "year": four(digest.year_total),
        "categories": {r.name: r.week.activities for r in digest.categories if r.week.activities},
        "rows": {r.name: r.week.activities for r in digest.rows if r.week.activities},
        "population": digest.population,
        "money": (digest.money.allocated, digest.money.approved, digest.money.disbursed, digest.money.settled),
        "waiting": (w.count, w.amount_fen, (w.oldest_title, w.oldest_unit) if w.count else None),
        "quiet": digest.quiet_count, "bodies": len(digest.bodies), "held": digest.meetings_held,
        "upcoming": len(digest.upcoming),
    }
