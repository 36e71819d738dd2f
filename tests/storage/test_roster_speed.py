"""The roster's bulk write path (executemany INSERTs, chunked UPDATEs) on a generated roster of a few thousand
rows: the same rows, role history and audit entries as applying it row by row would leave. No timings."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from services import roster
from services.roster_file import parse_roster
from storage.models import AuditEntry, Body, BodyMember, Person, RoleAssignment, Unit

HEADER = ["单位编码", "单位名称", "单位层级", "上级单位编码", "常住人口", "姓名", "手机", "角色", "机构"]
PEOPLE, TOWNS, VILLAGES = 3000, 10, 300
UNITS = 1 + TOWNS + VILLAGES


def _village(n: int) -> str:
    return f"V{n % VILLAGES}"


def _csv(changed: bool) -> bytes:
    """A county, its towns and villages, a liaison per row; `changed` moves, renames, removes and adds people
    and changes roles (by the person's number, so the test knows who)."""
    meta = {"R": ("县", "county", "", "")}
    meta.update({f"T{t}": (f"第{t}镇", "town", "R", "30000") for t in range(TOWNS)})
    meta.update({f"V{v}": (f"第{v}村", "village", f"T{v % TOWNS}", str(1000 + v)) for v in range(VILLAGES)})
    rows = [HEADER]
    for n in range(PEOPLE):
        code, name, phone = _village(n), f"人员{n}", f"15{n:09d}"
        roles = "联络员、社区学校" if n % 100 == 0 else "联络员"
        body = "教务委员会" if n < VILLAGES else ""  # the first person of each village
        if changed:
            if n % 50 == 1:
                code = _village(n + 1)  # moved
            elif n % 50 == 2:
                roles = "联络员、社区学校"  # a role added
            elif n % 50 == 3:
                continue  # gone
            elif n % 50 == 4:
                name += "（改）"  # renamed
            if n % 100 == 0:
                roles = "联络员"  # a role ended
        rows.append([code, *meta[code], name, phone, roles, body])
    if changed:
        rows += [[_village(n), *meta[_village(n)], f"新人{n}", f"16{n:09d}", "联络员", ""] for n in range(20)]
    rows += [[code, *meta[code], "", "", "", ""] for code in meta]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


async def _apply(rt, data: bytes, days: int):
    now = rt.clock() + timedelta(days=days)
    today = now.astimezone(rt.settings.tz).date()
    async with rt.db.begin() as s:
        diff = await roster.apply_roster(s, parse_roster(data, "r.csv"), now=now, today=today, actor_id=None)
    return diff, today


async def _count(s, model) -> int:  # noqa: ANN001
    return await s.scalar(select(func.count()).select_from(model))


async def _open_roles(s, today) -> dict[str, set[tuple[str, str]]]:  # noqa: ANN001
    """phone → {(unit code, role)} of the role rows in force on `today`."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    rows = await s.execute(
        select(Person.phone, Unit.code, RoleAssignment.role)
        .join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .join(Unit, Unit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.start_on <= today, (RoleAssignment.end_on.is_(None)) | (RoleAssignment.end_on > today))
    )
    for phone, code, role in rows:
        out[phone].add((code, role))
    return out


def _expected_roles(data: bytes) -> dict[str, set[tuple[str, str]]]:
    parsed = parse_roster(data, "r.csv")
    return {phone: {(row.unit_code, role) for role in row.roles} for phone, row in parsed.people.items()}


async def test_bulk_import_and_reimport_keep_rows_history_and_audit(rt):
    base, changed = _csv(False), _csv(True)

    diff, day1 = await _apply(rt, base, 0)
    assert (len(diff.added), len(diff.changed), len(diff.deactivated)) == (UNITS + PEOPLE, 0, 0)
    async with rt.db.begin() as s:
        assert await _count(s, Unit) == UNITS
        assert await _count(s, Person) == PEOPLE
        assert await _count(s, RoleAssignment) == PEOPLE + PEOPLE // 100
        assert await _count(s, AuditEntry) == UNITS + PEOPLE
        assert await _count(s, Body) == VILLAGES
        assert await _count(s, BodyMember) == VILLAGES
        assert await _open_roles(s, day1) == _expected_roles(base)
        village = await s.scalar(select(Unit).where(Unit.code == "V7"))
        town = await s.scalar(select(Unit).where(Unit.code == "T7"))
        assert village.parent_id == town.id and village.population == 1007
        # each audit entry of an added person points at that person
        adds = await s.execute(select(AuditEntry.after, Person.name).join(Person, Person.id == AuditEntry.entity_id)
                               .where(AuditEntry.entity == "person", AuditEntry.action == "roster_add"))
        pairs = list(adds)
        assert len(pairs) == PEOPLE and all(after["name"] == name for after, name in pairs)
        members = await s.execute(select(Person.phone, Unit.code).join(BodyMember, BodyMember.person_id == Person.id)
                                  .join(Body, Body.id == BodyMember.body_id).join(Unit, Unit.id == Body.unit_id))
        assert sorted(members) == sorted((f"15{n:09d}", _village(n)) for n in range(VILLAGES))

    moved, role_added, gone, renamed, role_ended = 60, 60, 60, 60, 30
    diff, day2 = await _apply(rt, changed, 10)
    assert len([c for c in diff.added if c.kind == "person"]) == 20
    assert len(diff.deactivated) == gone
    assert len(diff.changed) == moved + role_added + renamed + role_ended
    async with rt.db.begin() as s:
        assert await _count(s, Person) == PEOPLE + 20
        assert await _count(s, RoleAssignment) == PEOPLE + PEOPLE // 100 + moved + role_added + 20
        assert await _count(s, AuditEntry) == UNITS + PEOPLE + 20 + gone + len(diff.changed)
        assert await _open_roles(s, day2) == _expected_roles(changed)
        assert await s.scalar(select(func.count()).select_from(Person).where(Person.active.is_(False))) == gone

        async def history(phone: str) -> list[tuple[str, str, object, object]]:
            rows = await s.execute(
                select(Unit.code, RoleAssignment.role, RoleAssignment.start_on, RoleAssignment.end_on)
                .join(Unit, Unit.id == RoleAssignment.unit_id).join(Person, Person.id == RoleAssignment.person_id)
                .where(Person.phone == phone).order_by(RoleAssignment.id))
            return [tuple(r) for r in rows]

        assert await history("15000000001") == [("V1", "liaison", day1, day2), ("V2", "liaison", day2, None)]
        assert await history("15000000002") == [("V2", "liaison", day1, None), ("V2", "school_staff", day2, None)]
        assert await history("15000000003") == [("V3", "liaison", day1, day2)]
        assert await history("15000000004") == [("V4", "liaison", day1, None)]
        assert await history("15000000100") == [("V100", "liaison", day1, None), ("V100", "school_staff", day1, day2)]
        assert await history("16000000005") == [("V5", "liaison", day2, None)]

        mover = await s.scalar(select(Person).where(Person.phone == "15000000001"))
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.entity == "person", AuditEntry.entity_id == mover.id,
                                                        AuditEntry.action == "roster_change"))
        v1 = await s.scalar(select(Unit.id).where(Unit.code == "V1"))
        v2 = await s.scalar(select(Unit.id).where(Unit.code == "V2"))
        assert entry.before == {"name": "人员1", "unit_id": v1, "active": True, "roles": ["liaison"]}
        assert entry.after == {"name": "人员1", "unit_id": v2, "active": True, "roles": ["liaison"]}
        leaver = await s.scalar(select(Person).where(Person.phone == "15000000003"))
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.entity_id == leaver.id,
                                                        AuditEntry.action == "roster_deactivate"))
        assert (entry.before, entry.after) == ({"active": True}, {"active": False})
        counts = [await _count(s, m) for m in (Person, RoleAssignment, AuditEntry, Body, BodyMember)]

    diff, _day3 = await _apply(rt, changed, 20)  # the same file again changes nothing
    assert diff.empty
    async with rt.db.begin() as s:
        assert [await _count(s, m) for m in (Person, RoleAssignment, AuditEntry, Body, BodyMember)] == counts
