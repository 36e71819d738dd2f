"""Digest at province scale: services.digest.build_digest for the province and for one town, against the
same figures computed by hand-written SQL aggregate queries in the same run (the floor)."""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import gen_province as gen
from bench.common import PG_SKIPPED, Figure, backends, reset_postgres, skipped
from bench.digest_floor import floor_figures, summary_of

NAME = "digest"
TITLE = "Digest at province scale: build_digest against hand-written SQL"
TZ = ZoneInfo("Asia/Shanghai")
ABOUT = (
    "`bench/gen_province.py` writes a province with plain `executemany` INSERTs (cached under `bench/.cache/`, "
    "copied into PostgreSQL with COPY): 10 000 units (county → 80 towns, a college and 19 departments → 9 899 "
    "villages), 60 000 people with roles, 1 000 000 activities over the twelve months before 2026-11-30 "
    "(busy and quiet villages alike, 1 % soft-deleted), 50 000 funding requests in every state, one body per "
    "unit and ~24 000 meetings. Measured: `services.digest.build_digest(session, unit_id=…, week=\"2026-W48\", "
    "tz=Asia/Shanghai, now=2026-11-30 10:00)` for the province (`unit_id=None`) and for one town (a median "
    "one: 124 villages), each in its own transaction, against `bench/digest_floor.py`: the same figures (the "
    "week and the week before per town and per category, the year so far, population and budget, money "
    "approved / disbursed / settled, requests waiting and the oldest, quiet units, bodies' meetings held, next "
    "week's meetings) from hand-written aggregate SQL on the same session — the floor. The two results are "
    "compared figure by figure. "
    "Rounds alternate digest and floor; SQLite is used as the bot leaves it (no ANALYZE), PostgreSQL after "
    "ANALYZE (autovacuum would do it after such a load)."
)
ANALYSIS = (
    "The digest now takes the floor's query shapes (services/report_queries.py, services/digest.py): (1) the "
    "year so far is one aggregate over the scope, where it first grouped the ~900 000 rows of the year by unit "
    "only to add the groups up again in Python (then 3.4× the floor on SQLite); (2) the week and the week before "
    "are one query rolled up to town and category in SQL (a join to each unit's parent and a `CASE` picking the "
    "scope's child on the path), ~1 900 rows instead of ~20 000 (unit, category) rows rolled up in Python; "
    "(3) money is one aggregate with a `CASE` per state; (4) bodies, meetings and quiet units are filtered in "
    "SQL, and for a town only its subtree and ancestors are loaded. What is left of the gap is mostly loading the "
    "province's unit tree in Python (~40 ms). A recursive CTE for the unit→town mapping was tried and dropped: "
    "PostgreSQL estimated it at 500 000 rows and switched on JIT (~180 ms). Indexes: the existing "
    "`ix_activities_day` serves every date range of both. Also tried, on a copy of the SQLite province: a partial "
    "covering index over the columns the aggregates read (*with a partial covering index* figures) — an "
    "index-only scan of the year, worth adding when a province's year grows, not needed for the 2 s goal; and "
    "`ANALYZE` (*after ANALYZE* figures)."
)


def limits(split: dict[str, float]) -> str:
    """Where the digest's time went in an instrumented run, then the query shapes that would close the gap."""
    return (
        f"in an instrumented run the digest took {split['total'] * 1000:.0f} ms: {split['sql'] * 1000:.0f} ms "
        f"executing SQL (the largest statement {split['top'] * 1000:.0f} ms: {split['top_sql']}) and the rest in "
        f"Python; the floor took {split['floor'] * 1000:.0f} ms, {split['floor_sql'] * 1000:.0f} ms of it in SQL."
    )


def _label(statement: str) -> str:
    """A statement short enough to quote: its head and, for aggregates, its WHERE … GROUP BY tail."""
    flat = " ".join(statement.split())
    cut = flat.find(" FROM ")
    return flat if len(flat) <= 160 else f"{flat[:40]} … {flat[cut:cut + 160]} …"


async def split_times(db, digest, floor) -> dict[str, float]:  # noqa: ANN001
    """One instrumented run of each: wall time, time inside SQL statements, and the slowest statement."""
    from sqlalchemy import event

    spans: list[tuple[float, str]] = []

    def before(conn, cursor, statement, params, context, many) -> None:  # noqa: ANN001
        context._bench_t0 = time.perf_counter()

    def after(conn, cursor, statement, params, context, many) -> None:  # noqa: ANN001
        spans.append((time.perf_counter() - context._bench_t0, _label(statement)))

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        t0 = time.perf_counter()
        await digest()
        total, mine = time.perf_counter() - t0, list(spans)
        spans.clear()
        t0 = time.perf_counter()
        await floor()
        floor_total = time.perf_counter() - t0
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    top = max(mine)
    return {"total": total, "sql": sum(t for t, _ in mine), "top": top[0], "top_sql": f"`{top[1]}`",
            "floor": floor_total, "floor_sql": sum(t for t, _ in spans)}


async def _time(fn, runs: int) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


async def _town(db) -> int:  # noqa: ANN001
    """The town with the median number of villages."""
    from sqlalchemy import text

    async with db.begin() as session:
        rows = (await session.execute(text(
            "SELECT t.id, count(v.id) FROM units t JOIN units v ON v.parent_id = t.id "
            "WHERE t.level = 'town' GROUP BY t.id ORDER BY 2, 1"))).all()
    return rows[len(rows) // 2][0]


async def measure(label: str, url: str, runs: int) -> list[Figure]:
    """Digest and floor, province and town, on one database holding the province."""
    from services.digest import build_digest
    from storage.db import Database

    db = Database(url)
    figures: list[Figure] = []
    try:
        town = await _town(db)
        for scope, unit_id in (("province", None), ("one town", town)):
            async def digest() -> object:
                async with db.begin() as session:
                    return await build_digest(session, unit_id=unit_id, week=gen.WEEK, tz=TZ, now=gen.NOW)

            async def floor() -> dict:
                async with db.begin() as session:
                    return await floor_figures(session, unit_id, gen.WEEK, TZ, gen.NOW)

            ours, base = summary_of(await digest()), await floor()  # warm-up, and the cross-check
            differ = sorted(k for k in base if ours.get(k) != base[k])
            d_t: list[float] = []
            f_t: list[float] = []
            for _ in range(runs):
                d_t += await _time(digest, 1)
                f_t += await _time(floor, 1)
            ratios = tuple(d / f for d, f in zip(d_t, f_t))
            met_ratio, met_abs = max(ratios) <= 1.5, max(d_t) < 2.0
            why = "" if met_ratio and met_abs else limits(await split_times(db, digest, floor))
            check = ("every figure equal to the floor's" if not differ else
                     "FIGURES DIFFER from the floor's: " + "; ".join(f"{k}: digest {ours.get(k)} vs SQL {base[k]}"
                                                                      for k in differ))
            figures += [
                Figure(NAME, f"build_digest, {scope}, {label}", "s", tuple(d_t), "< 2 s", met_abs,
                       note=f"week {gen.WEEK}; {check}", limits="" if met_abs else why),
                Figure(NAME, f"hand-written SQL floor, {scope}, {label}", "s", tuple(f_t)),
                Figure(NAME, f"build_digest ÷ floor, {scope}, {label}", "x", ratios, "<= 1.5x", met_ratio,
                       note="one ratio per round", limits="" if met_ratio else why),
            ]
    finally:
        await db.dispose()
    return figures


COVERING = ("CREATE INDEX bench_cover ON activities (occurred_on, unit_id, category, participants, minors, minutes) "
            "WHERE deleted_at IS NULL")


async def tried(path: Path, runs: int) -> list[Figure]:
    """The province digest and floor on SQLite again, with a covering index, then after ANALYZE (on the copy)."""
    import sqlite3

    from services.digest import build_digest
    from storage.db import Database

    out: list[Figure] = []
    for what, sql in (("with a partial covering index", [COVERING]),
                      ("after ANALYZE, without it", ["DROP INDEX bench_cover", "ANALYZE"])):
        conn = sqlite3.connect(path)
        for statement in sql:
            conn.execute(statement)
        conn.commit()
        conn.close()
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            async def digest() -> object:
                async with db.begin() as session:
                    return await build_digest(session, unit_id=None, week=gen.WEEK, tz=TZ, now=gen.NOW)

            async def floor() -> dict:
                async with db.begin() as session:
                    return await floor_figures(session, None, gen.WEEK, TZ, gen.NOW)

            await digest()
            await floor()
            d_t = await _time(digest, runs)
            f_t = await _time(floor, runs)
        finally:
            await db.dispose()
        out += [Figure(NAME, f"build_digest, province, SQLite {what} (tried)", "s", tuple(d_t)),
                Figure(NAME, f"hand-written SQL floor, province, SQLite {what} (tried)", "s", tuple(f_t),
                       note=COVERING if "covering" in what else "what `PRAGMA optimize` would do to the plans")]
    return out


async def _run(quick: bool) -> list[Figure]:
    scale, runs = (gen.QUICK, 3) if quick else (gen.FULL, 5)
    figures: list[Figure] = []
    size = (f"{scale.units:,} units, {scale.people:,} people, {scale.activities:,} activities, "
            f"{scale.requests:,} requests")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-digest-") as tmp:
        path, made = await asyncio.to_thread(gen.working_copy, scale, Path(tmp))
        took = time.perf_counter() - t0
        figures.append(Figure(NAME, "generate the province (SQLite, executemany)" if made else
                              "copy the cached province (SQLite)", "s", (took,), note=size + (
                                  "" if made else f"; generated earlier into {gen.cached_path(scale).name}")))
        for label, backend in backends():
            if backend is None:
                figures.append(skipped(NAME, f"build_digest ÷ floor, province, {label}", "x", PG_SKIPPED, "<= 1.5x"))
                continue
            if backend == "sqlite":
                figures += await measure(label, f"sqlite+aiosqlite:///{path}", runs)
                figures += await tried(path, 3)
                continue
            t0 = time.perf_counter()
            await reset_postgres(backend)
            rows = await gen.load_postgres(path, backend)
            figures.append(Figure(NAME, "load the province into PostgreSQL (COPY, then ANALYZE)", "s",
                                  (time.perf_counter() - t0,), note=f"{rows:,} rows"))
            figures += await measure(label, backend, runs)
    return figures


def run(quick: bool) -> list[Figure]:
    """The digest figures on SQLite, and on PostgreSQL when one is configured."""
    return asyncio.run(_run(quick))
