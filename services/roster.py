"""Roster sync: diff a checked roster file against the database, apply it, export it back.

Units and people are matched by unit code and mobile number. A person missing from the file is
deactivated (their records stay); a changed unit or role set closes the old role rows and opens
new ones dated today, so history keeps who held which post when.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.errors import RosterInvalid
from services.people import active_role_filter
from services.roster_file import HEADERS, LEVEL_LABELS, ROLE_LABELS, RosterFile, UnitRow
from storage.models import Body, BodyMember, Person, RoleAssignment, Unit

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
    st = await _load(session, today)
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


async def apply_roster(
    session: AsyncSession, roster: RosterFile, *, now: datetime, today: date, actor_id: int | None
) -> RosterDiff:
    """Apply `roster` in the caller's transaction and return what changed (empty when nothing did)."""
    diff = await diff_roster(session, roster, today=today)
    if diff.empty:
        return diff
    st = await _load(session, today)
    await _apply_units(session, roster, st, now, actor_id)
    await _apply_people(session, roster, st, now, today, actor_id)
    await _apply_bodies(session, roster, st)
    await session.flush()
    return diff


async def _apply_units(session, roster, st, now, actor_id) -> None:  # noqa: ANN001
    for code, row in roster.units.items():
        unit = st.units.get(code)
        if unit is None:
            unit = Unit(code=code, name=row.name, level=row.level, population=row.population, active=True,
                        created_at=now, updated_at=now)
            session.add(unit)
            st.units[code] = unit
            audit.record(session, now=now, actor_id=actor_id, action="roster_add", entity="unit", entity_id=None,
                         after={"code": code, "name": row.name})
        elif (unit.name, unit.level, unit.population, unit.active) != (row.name, row.level, row.population, True):
            before = audit.snapshot(unit, ("name", "level", "population", "active"))
            unit.name, unit.level, unit.population, unit.active, unit.updated_at = row.name, row.level, row.population, True, now
            audit.record(session, now=now, actor_id=actor_id, action="roster_change", entity="unit", entity_id=unit.id,
                         before=before, after=audit.snapshot(unit, ("name", "level", "population", "active")))
    await session.flush()
    for code, row in roster.units.items():
        parent_id = st.units[row.parent_code].id if row.parent_code else None
        if st.units[code].parent_id != parent_id:
            st.units[code].parent_id = parent_id
    for code, unit in st.units.items():
        if code not in roster.units and unit.active:
            unit.active, unit.updated_at = False, now
            audit.record(session, now=now, actor_id=actor_id, action="roster_deactivate", entity="unit",
                         entity_id=unit.id, before={"active": True}, after={"active": False})


async def _end_roles(session: AsyncSession, person_id: int, today: date, roles: set[str] | None = None) -> None:
    stmt = update(RoleAssignment).where(RoleAssignment.person_id == person_id, active_role_filter(today))
    if roles is not None:
        stmt = stmt.where(RoleAssignment.role.in_(roles))
    await session.execute(stmt.values(end_on=today).execution_options(synchronize_session=False))


async def _apply_people(session, roster, st, now, today, actor_id) -> None:  # noqa: ANN001
    new_people = []
    for phone, row in roster.people.items():
        unit = st.units[row.unit_code]
        person = st.people.get(phone)
        if person is None:
            person = Person(name=row.name, phone=phone, unit_id=unit.id, active=True, created_at=now, updated_at=now)
            session.add(person)
            new_people.append((person, row))
            continue
        have_roles = st.roles.get(person.id, set())
        before = {"name": person.name, "unit_id": person.unit_id, "active": person.active, "roles": sorted(have_roles)}
        moved = person.unit_id != unit.id
        if moved:
            await _end_roles(session, person.id, today)
            have_roles = set()
        else:
            await _end_roles(session, person.id, today, have_roles - row.roles)
        for role in sorted(row.roles - have_roles):
            session.add(RoleAssignment(person_id=person.id, unit_id=unit.id, role=role, start_on=today))
        after = {"name": row.name, "unit_id": unit.id, "active": True, "roles": sorted(row.roles)}
        if before != after:
            person.name, person.unit_id, person.active, person.updated_at = row.name, unit.id, True, now
            audit.record(session, now=now, actor_id=actor_id, action="roster_change", entity="person",
                         entity_id=person.id, before=before, after=after)
    await session.flush()
    for person, row in new_people:
        st.people[person.phone] = person
        for role in sorted(row.roles):
            session.add(RoleAssignment(person_id=person.id, unit_id=person.unit_id, role=role, start_on=today))
        audit.record(session, now=now, actor_id=actor_id, action="roster_add", entity="person", entity_id=person.id,
                     after={"name": row.name, "unit": row.unit_code, "roles": sorted(row.roles)})
    for phone, person in st.people.items():
        if phone not in roster.people and person.active:
            person.active, person.updated_at = False, now
            await _end_roles(session, person.id, today)
            audit.record(session, now=now, actor_id=actor_id, action="roster_deactivate", entity="person",
                         entity_id=person.id, before={"active": True}, after={"active": False})


async def _apply_bodies(session, roster, st) -> None:  # noqa: ANN001
    wanted: dict[tuple[int, str], set[int]] = defaultdict(set)
    for phone, row in roster.people.items():
        for unit_code, name in row.bodies:
            wanted[(st.units[unit_code].id, name)].add(st.people[phone].id)
    for key in wanted:
        if key not in st.bodies:
            body = Body(unit_id=key[0], name=key[1], min_per_year=body_minimum(key[1]), active=True)
            session.add(body)
            st.bodies[key] = body
    await session.flush()
    current = {(m.body_id, m.person_id): m for m in await session.scalars(select(BodyMember))}
    for key, body in st.bodies.items():
        for pid in wanted.get(key, set()):
            m = current.get((body.id, pid))
            if m is None:
                session.add(BodyMember(body_id=body.id, person_id=pid, active=True))
            elif not m.active:
                m.active = True
    want_pairs = {(st.bodies[k].id, pid) for k, pids in wanted.items() for pid in pids}
    for pair, m in current.items():
        if m.active and pair not in want_pairs:
            m.active = False


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
