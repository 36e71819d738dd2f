"""Roster sync: diff a checked roster file against the database, apply it, export it back.

Units and people are matched by unit code and mobile number. A person missing from the file is
deactivated (their records stay); a changed unit or role set closes the old role rows and opens
new ones dated today, so history keeps who held which post when.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.errors import RosterInvalid
from services.people import active_role_filter
from services.roster_file import HEADERS, LEVEL_LABELS, ROLE_LABELS, RosterFile, UnitRow
from storage.models import AuditEntry, Body, BodyMember, Person, RoleAssignment, Unit

BODY_MINIMUMS = (("领导小组", 1), ("办公室", 2), ("校务委员会", 4), ("教务委员会", 2), ("委员会", 2))


def body_minimum(name: str) -> int:
    """The yearly minimum of meetings for a body, by the policy documents' names."""
    return next((n for key, n in BODY_MINIMUMS if key in name), 0)


@dataclass(frozen=True)
class Change:
    kind: str  # "unit" | "person"
    key: str  # unit code or phone
    label: str  # a name to show
    fields: tuple[tuple[str, object, object], ...] = ()


@dataclass(frozen=True)
class RosterDiff:
    added: tuple[Change, ...]
    changed: tuple[Change, ...]
    deactivated: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.deactivated)


@dataclass
class _State:
    units: dict[str, Unit]
    people: dict[str, Person]
    roles: dict[int, set[str]]
    bodies: dict[tuple[int, str], Body]
    members: dict[int, set[tuple[str, str]]]


async def _load(session: AsyncSession, today: date) -> _State:
    units = {u.code: u for u in await session.scalars(select(Unit))}
    people = {p.phone: p for p in await session.scalars(select(Person))}
    roles: dict[int, set[str]] = defaultdict(set)
    for pid, role in await session.execute(
        select(RoleAssignment.person_id, RoleAssignment.role).where(active_role_filter(today))
    ):
        roles[pid].add(role)
    bodies = {(b.unit_id, b.name): b for b in await session.scalars(select(Body))}
    code_of = {u.id: u.code for u in units.values()}
    by_id = {b.id: b for b in bodies.values()}
    members: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for m in await session.scalars(select(BodyMember).where(BodyMember.active)):
        b = by_id[m.body_id]
        members[m.person_id].add((code_of[b.unit_id], b.name))
    return _State(units, people, roles, bodies, members)


def _unit_fields(row: UnitRow, unit: Unit | None, code_of: dict[int, str]) -> tuple:
    want = {"name": row.name, "level": row.level, "parent": row.parent_code, "population": row.population}
    if unit is None:
        return tuple((k, None, v) for k, v in want.items())
    have = {"name": unit.name, "level": unit.level, "parent": code_of.get(unit.parent_id) if unit.parent_id else None,
            "population": unit.population}
    fields = [(k, have[k], want[k]) for k in want if have[k] != want[k]]
    if not unit.active:
        fields.append(("active", False, True))
    return tuple(fields)


async def diff_roster(session: AsyncSession, roster: RosterFile, *, today: date) -> RosterDiff:
    """What applying `roster` would change; RosterInvalid if the file has invalid rows."""
    if roster.errors:
        raise RosterInvalid(count=len(roster.errors))
    return _diff(roster, await _load(session, today))


def _diff(roster: RosterFile, st: _State) -> RosterDiff:
    code_of = {u.id: u.code for u in st.units.values()}
    added, changed, gone = [], [], []
    for code, row in roster.units.items():
        fields = _unit_fields(row, st.units.get(code), code_of)
        if code not in st.units:
            added.append(Change("unit", code, row.name, fields))
        elif fields:
            changed.append(Change("unit", code, row.name, fields))
    for code, unit in st.units.items():
        if code not in roster.units and unit.active:
            gone.append(Change("unit", code, unit.name))
    for phone, row in roster.people.items():
        person = st.people.get(phone)
        want = {"name": row.name, "unit": row.unit_code, "roles": sorted(row.roles), "bodies": sorted(row.bodies)}
        if person is None:
            added.append(Change("person", phone, row.name, tuple((k, None, v) for k, v in want.items())))
            continue
        have = {"name": person.name, "unit": code_of[person.unit_id], "roles": sorted(st.roles.get(person.id, ())),
                "bodies": sorted(st.members.get(person.id, ()))}
        fields = [(k, have[k], want[k]) for k in want if have[k] != want[k]]
        if not person.active:
            fields.append(("active", False, True))
        if fields:
            changed.append(Change("person", phone, row.name, tuple(fields)))
    for phone, person in st.people.items():
        if phone not in roster.people and person.active:
            gone.append(Change("person", phone, person.name))
    return RosterDiff(tuple(added), tuple(changed), tuple(gone))


# Rows are written with Core executemany INSERTs (one statement per table, not one per row: SQLAlchemy does
# not batch ORM `INSERT … RETURNING` on SQLite), and generated ids are read back with one SELECT afterwards.
# Statements with many ids go in chunks, below SQLite's and asyncpg's limits on bound parameters.
CHUNK = 1000


def _chunks(items: list) -> list[list]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


@dataclass
class _Writes:
    """What the apply collects to write in bulk: audit entries (in the order they happened) and phone → id."""

    now: datetime
    actor_id: int | None
    audit: list[dict] = field(default_factory=list)
    person_id: dict[str, int] = field(default_factory=dict)

    def record(self, *, action: str, entity: str, entity_id: int | None, before: dict | None = None,
               after: dict | None = None) -> None:
        """One audit entry, as `services.audit.record` would add it."""
        self.audit.append({"at": self.now, "actor_id": self.actor_id, "action": action, "entity": entity,
                           "entity_id": entity_id, "before": _plain(before) if before is not None else None,
                           "after": _plain(after) if after is not None else None})


def _plain(value: object) -> object:
    """`value` with dates as ISO strings and collections as lists (the audit log's JSON form)."""
    return audit.snapshot(_Holder(value), ("value",))["value"]


@dataclass(frozen=True)
class _Holder:
    value: object


async def apply_roster(
    session: AsyncSession, roster: RosterFile, *, now: datetime, today: date, actor_id: int | None
) -> RosterDiff:
    """Apply `roster` in the caller's transaction and return what changed (empty when nothing did)."""
    if roster.errors:
        raise RosterInvalid(count=len(roster.errors))
    st = await _load(session, today)
    diff = _diff(roster, st)
    if diff.empty:
        return diff
    w = _Writes(now, actor_id)
    await _apply_units(session, roster, st, w)
    await _apply_people(session, roster, st, w, today)
    if w.audit:
        await session.execute(insert(AuditEntry), w.audit)
    await _apply_bodies(session, roster, st, w)
    await session.flush()
    return diff


async def _apply_units(session, roster, st, w) -> None:  # noqa: ANN001
    now = w.now
    new_units = []
    for code, row in roster.units.items():
        unit = st.units.get(code)
        if unit is None:
            new_units.append({"code": code, "name": row.name, "level": row.level, "population": row.population,
                              "parent_id": None, "active": True, "created_at": now, "updated_at": now})
            w.record(action="roster_add", entity="unit", entity_id=None, after={"code": code, "name": row.name})
        elif (unit.name, unit.level, unit.population, unit.active) != (row.name, row.level, row.population, True):
            before = audit.snapshot(unit, ("name", "level", "population", "active"))
            unit.name, unit.level, unit.population, unit.active, unit.updated_at = row.name, row.level, row.population, True, now
            w.record(action="roster_change", entity="unit", entity_id=unit.id,
                     before=before, after=audit.snapshot(unit, ("name", "level", "population", "active")))
    if new_units:
        await session.execute(insert(Unit), new_units)
        codes = {u["code"] for u in new_units}
        for unit in await session.scalars(select(Unit)):
            if unit.code in codes:
                st.units[unit.code] = unit
    await session.flush()
    for code, row in roster.units.items():
        parent_id = st.units[row.parent_code].id if row.parent_code else None
        if st.units[code].parent_id != parent_id:
            st.units[code].parent_id = parent_id
    for code, unit in st.units.items():
        if code not in roster.units and unit.active:
            unit.active, unit.updated_at = False, now
            w.record(action="roster_deactivate", entity="unit", entity_id=unit.id, before={"active": True},
                     after={"active": False})


async def _active_role_ids(session: AsyncSession, today: date) -> dict[int, dict[str, list[int]]]:
    """person id → role → ids of the role rows in force on `today` (what `st.roles` was read from)."""
    out: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for rid, pid, role in await session.execute(
        select(RoleAssignment.id, RoleAssignment.person_id, RoleAssignment.role).where(active_role_filter(today))
    ):
        out[pid][role].append(rid)
    return out


async def _end_role_rows(session: AsyncSession, ids: list[int], today: date) -> None:
    """Close the given role rows (still in force) as of `today`, a chunk of ids per UPDATE."""
    for chunk in _chunks(ids):
        stmt = update(RoleAssignment).where(RoleAssignment.id.in_(chunk), active_role_filter(today))
        await session.execute(stmt.values(end_on=today).execution_options(synchronize_session=False))


async def _apply_people(session, roster, st, w, today) -> None:  # noqa: ANN001
    now = w.now
    role_ids = await _active_role_ids(session, today) if st.roles else {}
    to_end: list[int] = []
    new_roles: list[dict] = []
    new_people = []
    for phone, row in roster.people.items():
        unit = st.units[row.unit_code]
        person = st.people.get(phone)
        if person is None:
            new_people.append((phone, row))
            continue
        w.person_id[phone] = person.id
        have_roles = st.roles.get(person.id, set())
        before = {"name": person.name, "unit_id": person.unit_id, "active": person.active, "roles": sorted(have_roles)}
        moved = person.unit_id != unit.id
        ending = have_roles if moved else have_roles - row.roles
        if ending:
            held = role_ids.get(person.id, {})
            to_end.extend(rid for role in sorted(ending) for rid in held.get(role, ()))
        if moved:
            have_roles = set()
        for role in sorted(row.roles - have_roles):
            new_roles.append({"person_id": person.id, "unit_id": unit.id, "role": role, "start_on": today,
                              "end_on": None})
        after = {"name": row.name, "unit_id": unit.id, "active": True, "roles": sorted(row.roles)}
        if before != after:
            person.name, person.unit_id, person.active, person.updated_at = row.name, unit.id, True, now
            w.record(action="roster_change", entity="person", entity_id=person.id, before=before, after=after)
    if new_people:
        await session.execute(insert(Person), [
            {"name": row.name, "phone": phone, "unit_id": st.units[row.unit_code].id, "active": True,
             "created_at": now, "updated_at": now} for phone, row in new_people])
        fresh = {phone for phone, _row in new_people}
        for pid, phone in await session.execute(select(Person.id, Person.phone)):
            if phone in fresh:
                w.person_id[phone] = pid
    for phone, row in new_people:
        pid = w.person_id[phone]
        unit_id = st.units[row.unit_code].id
        for role in sorted(row.roles):
            new_roles.append({"person_id": pid, "unit_id": unit_id, "role": role, "start_on": today, "end_on": None})
        w.record(action="roster_add", entity="person", entity_id=pid,
                 after={"name": row.name, "unit": row.unit_code, "roles": sorted(row.roles)})
    for phone, person in st.people.items():
        if phone not in roster.people and person.active:
            person.active, person.updated_at = False, now
            to_end.extend(rid for role in sorted(st.roles.get(person.id, ()))
                          for rid in role_ids.get(person.id, {}).get(role, ()))
            w.record(action="roster_deactivate", entity="person", entity_id=person.id, before={"active": True},
                     after={"active": False})
    # every row closed here was in force before this apply, so closing them before opening the new ones
    # (which start today, and so are in force too) is what closing them person by person did
    await _end_role_rows(session, to_end, today)
    if new_roles:
        await session.execute(insert(RoleAssignment), new_roles)


async def _apply_bodies(session, roster, st, w) -> None:  # noqa: ANN001
    wanted: dict[tuple[int, str], set[int]] = defaultdict(set)
    for phone, row in roster.people.items():
        for unit_code, name in row.bodies:
            wanted[(st.units[unit_code].id, name)].add(w.person_id[phone])
    new_bodies = [{"unit_id": key[0], "name": key[1], "min_per_year": body_minimum(key[1]), "active": True}
                  for key in wanted if key not in st.bodies]
    if new_bodies:
        await session.execute(insert(Body), new_bodies)
        for body in await session.scalars(select(Body)):
            st.bodies.setdefault((body.unit_id, body.name), body)
    await session.flush()
    current = {(m.body_id, m.person_id): m for m in await session.scalars(select(BodyMember))}
    added = []
    for key, body in st.bodies.items():
        for pid in wanted.get(key, set()):
            m = current.get((body.id, pid))
            if m is None:
                added.append({"body_id": body.id, "person_id": pid, "active": True})
            elif not m.active:
                m.active = True
    want_pairs = {(st.bodies[k].id, pid) for k, pids in wanted.items() for pid in pids}
    for pair, m in current.items():
        if m.active and pair not in want_pairs:
            m.active = False
    if added:
        await session.execute(insert(BodyMember), added)


async def export_rows(session: AsyncSession, *, today: date) -> list[list[str]]:
    """The current roster as rows with Chinese headers, in the import format."""
    st = await _load(session, today)
    code_of = {u.id: u.code for u in st.units.values()}
    by_unit: dict[int, list[Person]] = defaultdict(list)
    for p in st.people.values():
        if p.active:
            by_unit[p.unit_id].append(p)
    rows = [[aliases[0] for aliases in HEADERS.values()]]
    for unit in sorted((u for u in st.units.values() if u.active), key=lambda u: u.id):
        base = [unit.code, unit.name, LEVEL_LABELS[unit.level], code_of.get(unit.parent_id, "") if unit.parent_id else "",
                "" if unit.population is None else str(unit.population)]
        people = sorted(by_unit.get(unit.id, []), key=lambda p: p.id)
        if not people:
            rows.append(base + ["", "", "", ""])
        for p in people:
            roles = "、".join(ROLE_LABELS[r] for r in sorted(st.roles.get(p.id, ())))
            bodies = "、".join(name if ucode == unit.code else f"{ucode}:{name}"
                              for ucode, name in sorted(st.members.get(p.id, ())))
            rows.append(base + [p.name, p.phone, roles, bodies])
    return rows


def rows_to_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with BOM, so Excel opens it cleanly."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def rows_to_xlsx(rows: list[list[str]], title: str = "Sheet1") -> bytes:
    """An XLSX workbook with one sheet holding `rows`."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
