"""A province's year of data for the digest benchmark, written fast with plain INSERTs (not the ORM).

County root → ~100 towns, colleges and departments → villages; people with roles; activities spread
over the twelve months before NOW (busy and quiet villages alike); funding requests in every state;
one body per unit with its meetings. The SQLite file is cached in bench/.cache/, keyed by size and by
the schema, so reruns start at once; PostgreSQL is filled from it with COPY.
"""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.common import CACHE, schema_key

GEN_VERSION = 1
UTC = timezone.utc
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 in Asia/Shanghai
WEEK = "2026-W48"  # the last complete ISO week before NOW
CATEGORIES = ("老年教育", "家庭教育", "青少年校外教育", "职业技能培训", "农民实用技术", "就业创业培训", "数字化学习",
              "文体活动", "思想道德与法治", "健康教育", "其他")
GROUPS = ("老年人", "青少年/未成年人", "妇女", "残疾人", "失业人员", "外来务工人员", "农民", "全体居民")
TITLES = ("健康讲座", "书法培训", "智能手机培训", "亲子阅读", "插花课", "法治宣传", "电商直播培训", "太极拳", "垃圾分类宣讲",
          "防诈骗讲座", "种植技术培训", "合唱排练", "家庭教育讲座", "手工编织", "消防安全演练")
STATES = (("submitted", 3), ("town_reviewed", 2), ("approved", 20), ("rejected", 5), ("returned", 2),
          ("disbursed", 30), ("settled", 35), ("withdrawn", 3))


@dataclass(frozen=True)
class Scale:
    units: int
    people: int
    activities: int
    requests: int

    @property
    def key(self) -> str:
        return f"{self.units}u-{self.people}p-{self.activities}a-{self.requests}r"


FULL = Scale(10_000, 60_000, 1_000_000, 50_000)
QUICK = Scale(1_000, 6_000, 100_000, 5_000)


def _ts(value: datetime) -> str:
    """A UTC datetime as SQLAlchemy stores it in SQLite."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def cached_path(scale: Scale) -> Path:
    return CACHE / f"province-{scale.key}-v{GEN_VERSION}-{schema_key()}.db"


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _filler(table: str, given: list[str], columns: list[str]) -> tuple[list[str], tuple[Any, ...]]:
    """Columns the generator does not know (added later by a feature): their Python default, else NULL."""
    from storage.models import Base

    extra, values = [], []
    for name in columns:
        if name in given:
            continue
        col = Base.metadata.tables[table].columns[name]
        default = col.default.arg if col.default is not None and not callable(col.default.arg) else None
        if default is None and not col.nullable:
            raise RuntimeError(f"gen_province does not know how to fill {table}.{name}")
        extra.append(name)
        values.append(int(default) if isinstance(default, bool) else default)
    return extra, tuple(values)


def _insert(conn: sqlite3.Connection, table: str, names: list[str], rows: Iterable[tuple]) -> int:
    extra, values = _filler(table, names, _columns(conn, table))
    cols = names + extra
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    n = 0
    batch: list[tuple] = []
    for row in rows:
        batch.append(row + values)
        if len(batch) >= 20_000:
            conn.executemany(sql, batch)
            n += len(batch)
            batch.clear()
    conn.executemany(sql, batch)
    return n + len(batch)


@dataclass
class _Units:
    rows: list[tuple]
    villages: list[int]
    towns: list[int]
    departments: list[int]
    weight: dict[int, float]


def _units(scale: Scale, rng: random.Random) -> _Units:
    created = _ts(NOW - timedelta(days=800))
    rows = [(1, "P", "省直县", "county", None, 0, 1, created, created),
            (2, "PC", "社区学院", "college", 1, None, 1, created, created)]
    second = max(4, scale.units // 100)
    n_towns = int(second * 0.8)
    towns = list(range(3, 3 + n_towns))
    departments = list(range(3 + n_towns, 2 + second))
    for uid in towns:
        rows.append((uid, f"T{uid}", f"第{uid}镇街", "town", 1, 0, 1, created, created))
    for uid in departments:
        rows.append((uid, f"D{uid}", f"第{uid}部门", "department", 1, None, 1, created, created))
    villages, population = [], {}
    for uid in range(2 + second, scale.units + 1):
        town = towns[(uid - 2 - second) % len(towns)]
        population[uid] = rng.randint(800, 6000)
        rows.append((uid, f"V{uid}", f"第{uid}村居", "village", town, population[uid], 1, created, created))
        villages.append(uid)
    town_pop = {t: 0 for t in towns}
    for uid in villages:
        town_pop[rows[uid - 1][4]] += population[uid]
    rows = [(r[:5] + (town_pop[r[0]],) + r[6:]) if r[3] == "town" else r for r in rows]
    rows[0] = rows[0][:5] + (sum(town_pop.values()),) + rows[0][6:]
    weight = {u: rng.lognormvariate(0, 0.8) for u in villages}  # busy and quiet villages
    weight.update({u: 6.0 for u in towns})
    weight.update({u: 3.0 for u in departments})
    return _Units(rows, villages, towns, departments, weight)


def _people(scale: Scale, units: _Units) -> tuple[list[tuple], list[tuple], dict[int, int]]:
    """People and their roles; returns (people rows, role rows, first person of each unit)."""
    created = _ts(NOW - timedelta(days=700))
    start = (NOW - timedelta(days=700)).date().isoformat()
    slots = [(2, "coordinator")] * 20 + [(1, "leader")] * 10
    slots += [(d, "school_staff") for d in units.departments for _ in range(3)]
    slots += [(t, "school_staff") for t in units.towns for _ in range(3)]
    slots += [(v, "liaison") for v in units.villages]
    i = 0
    while len(slots) < scale.people:
        slots.append((units.villages[i % len(units.villages)], "liaison"))
        i += 1
    people, roles, first = [], [], {}
    for pid, (uid, role) in enumerate(slots[: scale.people], start=1):
        people.append((pid, f"人员{pid}", f"13{pid:09d}", uid, 1, created, created))
        roles.append((pid, pid, uid, role, start, None))
        first.setdefault(uid, pid)
    return people, roles, first


def _activities(scale: Scale, units: _Units, reporter: dict[int, int], rng: random.Random) -> Iterator[tuple]:
    """Activities day by day over the 365 days before NOW, so ids follow the calendar as when logged live."""
    ids = list(units.weight)
    cumulative = list(itertools.accumulate(units.weight.values()))
    per_day, extra = divmod(scale.activities, 365)
    aid = 0
    for back in range(365, 0, -1):
        day = NOW.date() - timedelta(days=back)
        for uid in rng.choices(ids, cum_weights=cumulative, k=per_day + (1 if back <= extra else 0)):
            aid += 1
            delay = timedelta(days=rng.choice((0, 0, 0, 1, 2, 9)))
            logged = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + delay
            people = rng.randint(5, 120)
            minors = rng.randint(0, people // 3) if rng.random() < 0.4 else 0
            deleted = _ts(logged + timedelta(hours=1)) if rng.random() < 0.01 else None
            groups = json.dumps(rng.sample(GROUPS, rng.randint(0, 2)))
            yield (aid, uid, reporter[uid], day.isoformat(), None, rng.choice(TITLES), rng.choice(CATEGORIES), groups,
                   people, minors, rng.choice((60, 90, 120, 120, 180)), "文化礼堂", "", int((logged.date() - day).days > 7),
                   _ts(logged), _ts(logged), deleted)


def _requests(scale: Scale, units: _Units, reporter: dict[int, int], rng: random.Random) -> Iterator[tuple]:
    applicants = units.villages + units.towns + units.departments
    states = [s for s, _ in STATES]
    weights = [w for _, w in STATES]
    for rid in range(1, scale.requests + 1):
        uid = rng.choice(applicants)
        created = NOW - timedelta(days=rng.random() * 365)
        state = rng.choices(states, weights=weights)[0]
        amount = rng.randint(500, 20_000) * 100
        approved = None
        if state in ("approved", "disbursed", "settled"):
            approved = amount if rng.random() < 0.8 else amount * 4 // 5
        spent = approved - rng.randint(0, approved // 10) if state == "settled" else None
        waiting = _ts(created) if state in ("submitted", "town_reviewed") else None
        yield (rid, uid, reporter[uid], created.year, f"{rng.choice(TITLES)}项目", "", amount, approved, spent, state,
               None, 0, waiting, None, _ts(created), _ts(created))


def _bodies_and_meetings(units: _Units, reporter: dict[int, int], rng: random.Random
                         ) -> tuple[list[tuple], list[tuple]]:
    names = {"county": ("领导小组", 1), "college": ("办公室", 2), "town": ("校务委员会", 4),
             "department": ("工作小组", 0), "village": ("教务委员会", 2)}
    bodies, meetings = [], []
    for row in units.rows:
        uid, level = row[0], row[3]
        name, minimum = names[level]
        bodies.append((uid, uid, name, minimum, 1))
        for k in range(rng.choice((1, 2, 2, 3, 4)) if level == "village" else 5):
            at = NOW - timedelta(days=rng.randint(-14, 330), hours=rng.randint(0, 8))
            held = at < NOW - timedelta(days=1)
            meetings.append((len(meetings) + 1, uid, reporter.get(uid, 1), f"{name}第{k + 1}次会议", _ts(at), None,
                             "会议室", "", None, None, "scheduled", 1, "纪要" if held else None,
                             _ts(at + timedelta(days=1)) if held else None, _ts(at - timedelta(days=7)),
                             _ts(at - timedelta(days=7))))
    return bodies, meetings


def generate(path: Path, scale: Scale, seed: int = 8) -> None:
    """Write the province into a migrated, empty SQLite file at `path`."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    try:
        units = _units(scale, rng)
        _insert(conn, "units", ["id", "code", "name", "level", "parent_id", "population", "active", "created_at",
                                "updated_at"], units.rows)
        people, roles, first = _people(scale, units)
        _insert(conn, "people", ["id", "name", "phone", "unit_id", "active", "created_at", "updated_at"], people)
        _insert(conn, "role_assignments", ["id", "person_id", "unit_id", "role", "start_on", "end_on"], roles)
        reporter = {uid: first.get(uid, 1) for uid in units.weight} | {1: first.get(1, 1), 2: first.get(2, 1)}
        bodies, meetings = _bodies_and_meetings(units, reporter, rng)
        _insert(conn, "bodies", ["id", "unit_id", "name", "min_per_year", "active"], bodies)
        _insert(conn, "meetings", ["id", "body_id", "organiser_id", "title", "starts_at", "ends_at", "place", "agenda",
                                   "series_rule", "series_id", "state", "version", "minutes_text", "minutes_at",
                                   "created_at", "updated_at"], meetings)
        _insert(conn, "budget_standards", ["id", "county_id", "per_resident_fen", "effective_from", "set_by", "set_at"],
                [(1, 1, 150, date(2026, 1, 1).isoformat(), None, _ts(NOW - timedelta(days=330)))])
        _insert(conn, "activities", ["id", "unit_id", "reporter_id", "occurred_on", "occurred_at", "title", "category",
                                     "target_groups", "participants", "minors", "minutes", "place", "notes", "late",
                                     "created_at", "updated_at", "deleted_at"],
                _activities(scale, units, reporter, rng))
        _insert(conn, "funding_requests", ["id", "unit_id", "requester_id", "year", "title", "purpose", "amount_fen",
                                           "approved_fen", "spent_fen", "state", "reviewer_id", "over_budget_override",
                                           "waiting_since", "last_nudged_on", "created_at", "updated_at"],
                _requests(scale, units, reporter, rng))
        conn.commit()
    finally:
        conn.close()


def province_sqlite(scale: Scale) -> tuple[Path, bool]:
    """The cached province file for `scale` (generated when missing); returns (path, was it generated now)."""
    from bench.common import migrated_sqlite

    path = cached_path(scale)
    if path.exists():
        return path, False
    for old in CACHE.glob(f"province-{scale.key}-*.db"):
        old.unlink()  # an older schema or generator
    partial = path.with_suffix(".partial")
    migrated_sqlite(partial)
    generate(partial, scale)
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.rename(path)
    return path, True


def working_copy(scale: Scale, workdir: Path) -> tuple[Path, bool]:
    """A copy of the cached province to measure on (measuring never touches the cache)."""
    import shutil

    cached, made = province_sqlite(scale)
    copy = workdir / "province.db"
    shutil.copy(cached, copy)
    return copy, made


def _converter(column) -> Any:  # noqa: ANN001
    from sqlalchemy import JSON, Boolean, Date, DateTime

    kind = column.type
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else bool(v)
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, JSON):
        return lambda v: v
    return lambda v: v


async def load_postgres(sqlite_path: Path, url: str) -> int:
    """Copy every non-empty table from the SQLite province into the (migrated, empty) PostgreSQL database."""
    import asyncpg
    from sqlalchemy.engine import make_url

    from storage.models import Base

    u = make_url(url)
    conn = await asyncpg.connect(user=u.username, password=u.password, host=u.host, port=u.port or 5432,
                                 database=u.database)
    src = sqlite3.connect(sqlite_path)
    total = 0
    try:
        for table in Base.metadata.sorted_tables:
            if not src.execute(f"SELECT 1 FROM {table.name} LIMIT 1").fetchone():
                continue
            names = [c.name for c in table.columns]
            convert = [_converter(c) for c in table.columns]
            cursor = src.execute(f"SELECT {', '.join(names)} FROM {table.name} ORDER BY 1")
            while chunk := cursor.fetchmany(50_000):
                records = [tuple(f(v) for f, v in zip(convert, row)) for row in chunk]
                await conn.copy_records_to_table(table.name, records=records, columns=names)
                total += len(records)
            if "id" in table.columns and table.columns["id"].autoincrement is not False:
                await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                   f"(SELECT max(id) FROM {table.name}))")
        await conn.execute("ANALYZE")
    finally:
        src.close()
        await conn.close()
    return total
