"""Shared shapes and helpers for the benchmarks: figures, timing, and fresh databases to measure on."""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"


@dataclass(frozen=True)
class Figure:
    """One measured figure: several samples of the same workload, plus how it compares to a goal."""

    bench: str  # module name, e.g. "dates"
    name: str  # what was measured, e.g. "parse_when median per expression"
    unit: str  # "ms", "s", "MB", "x" (ratio) ...
    samples: tuple[float, ...]  # empty when the figure could not be measured (the note says why)
    goal: str = ""  # human text, e.g. "<= 1 ms"
    met: bool | None = None  # None when there is no goal (or nothing was measured)
    note: str = ""
    limits: str = ""  # when the goal is not met: what limits it and what was tried

    @property
    def min(self) -> float:
        return min(self.samples) if self.samples else math.nan

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def max(self) -> float:
        return max(self.samples) if self.samples else math.nan

    @property
    def runs(self) -> int:
        return len(self.samples)


def skipped(bench: str, name: str, unit: str, why: str, goal: str = "") -> Figure:
    """A figure that was not measured, with the reason in its note."""
    return Figure(bench, name, unit, (), goal, None, f"not measured: {why}")


def fmt(value: float) -> str:
    """A number with about three significant digits (no scientific notation)."""
    if math.isnan(value):
        return "—"
    if value == 0:
        return "0"
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    return f"{value:,.{min(digits, 4)}f}"


def verdict(figure: Figure) -> str:
    if figure.met is None:
        return "" if figure.goal == "" or figure.samples else "not measured"
    return "met" if figure.met else "NOT met"


def line(figure: Figure) -> str:
    """The one-line summary printed for a figure."""
    if not figure.samples:
        return f"{figure.bench:<10} {figure.name}: {figure.note}"
    values = f"min {fmt(figure.min)} / median {fmt(figure.median)} / max {fmt(figure.max)} {figure.unit}"
    goal = f"  goal {figure.goal}: {verdict(figure)}" if figure.goal else ""
    return f"{figure.bench:<10} {figure.name}: {values} ({figure.runs} runs){goal}"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Run fn `repeat` times and return the wall time of each run in seconds."""
    out: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


# --- databases --------------------------------------------------------------------------------

PG_SKIPPED = "BENCH_DATABASE_URL (or TEST_DATABASE_URL) is not set, so there is no PostgreSQL server to measure on"


def pg_url() -> str | None:
    """The PostgreSQL server for the PostgreSQL variants (async driver), or None when none is configured."""
    raw = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not raw:
        return None
    from bot.config import normalise_db_url

    return normalise_db_url(raw)


def backends() -> list[tuple[str, str | None]]:
    """("SQLite", None) and ("PostgreSQL", url or None when skipped)."""
    return [("SQLite", "sqlite"), ("PostgreSQL", pg_url())]


def schema_key() -> str:
    """A short hash of the migration files: cached databases are rebuilt whenever the schema changes."""
    import hashlib

    versions = sorted((ROOT / "storage" / "migrations" / "versions").glob("*.py"))
    return hashlib.sha256(b"".join(p.read_bytes() for p in versions)).hexdigest()[:10]


def migrated_sqlite(path: Path) -> str:
    """A freshly migrated SQLite file at `path` (copied from a cached migrated template)."""
    from storage.migrate import upgrade_sync

    CACHE.mkdir(parents=True, exist_ok=True)
    template = CACHE / f"template-{schema_key()}.db"
    if not template.exists():
        for old in CACHE.glob("template-*.db"):
            old.unlink()
        partial = template.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        upgrade_sync(f"sqlite+aiosqlite:///{partial}")
        partial.rename(template)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def reset_postgres(url: str) -> str:
    """Empty the PostgreSQL database (drop and re-create schema public) and migrate it; returns the url."""
    from sqlalchemy import text

    from storage.db import Database
    from storage.migrate import upgrade

    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await db.dispose()
    await upgrade(url)
    return url


async def fresh_database(backend: str, workdir: Path, name: str = "bench.db") -> str:
    """A migrated, empty database: `backend` is "sqlite" or a PostgreSQL URL."""
    if backend == "sqlite":
        return await asyncio.to_thread(migrated_sqlite, workdir / name)
    return await reset_postgres(backend)


def settings_for(url: str, workdir: Path, **extra: object):  # noqa: ANN201
    """Settings for a benchmark Runtime: no .env file, data under `workdir`."""
    from bot.config import Settings

    return Settings(_env_file=None, database_url=url, data_dir=str(workdir / "files"), **extra)


def roster_csv(villages: int, *, towns: int = 1, prefix: str = "B") -> tuple[bytes, list[str]]:
    """A small roster: a county with a college coordinator, towns with staff, villages with one liaison each.

    Returns the CSV bytes and the liaisons' mobile numbers.
    """
    rows = ["单位编码,单位名称,单位层级,上级单位编码,常住人口,姓名,手机,角色,机构",
            f"{prefix},基准县,县区,,500000,,,,",
            f"{prefix}C,基准县社区学院,社区学院,{prefix},,韩协调,13900000001,协调员、管理员,{prefix}:领导小组"]
    phones = []
    for t in range(towns):
        town = f"{prefix}T{t}"
        rows.append(f"{town},第{t + 1}镇,镇街,{prefix},50000,校长{t},1390001{t:04d},社区学校,校务委员会")
        for v in range(villages // towns + (1 if t < villages % towns else 0)):
            phone = f"137{len(phones):08d}"
            phones.append(phone)
            rows.append(f"{town}V{v},第{t + 1}镇{v + 1}村,村居,{town},3000,联络员{len(phones)},{phone},联络员,教务委员会")
    return ("\n".join(rows) + "\n").encode(), phones
