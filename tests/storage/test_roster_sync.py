"""Roster sync against a real database: diff, apply, idempotence, deactivation, role history, export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services import roster
from services.roster_file import parse_roster
from storage.models import AuditEntry, Body, BodyMember, Person, RoleAssignment, Unit
from tests.support.factories import DATA

CSV = (DATA / "roster.csv").read_bytes()


async def _apply(rt, data: bytes, days: int = 0):
    now = rt.clock() + timedelta(days=days)
    today = now.astimezone(rt.settings.tz).date()
    async with rt.db.begin() as s:
        return await roster.apply_roster(s, parse_roster(data, "r.csv"), now=now, today=today, actor_id=None)


async def test_first_import_adds_units_people_roles_and_bodies(rt):
    diff = await _apply(rt, CSV)
    assert len([c for c in diff.added if c.kind == "unit"]) == 8
    assert len([c for c in diff.added if c.kind == "person"]) == 8
    async with rt.db.begin() as s:
        qu = await s.scalar(select(Person).where(Person.phone == "13800138000"))
        assert qu.name == "曲亮"  # inner spaces removed, +86 and dashes dropped
        roles = set(await s.scalars(select(RoleAssignment.role).where(RoleAssignment.person_id == qu.id)))
        assert roles == {"liaison"}
        leading = await s.scalar(select(Body).where(Body.name == "领导小组"))
        assert leading.min_per_year == 1
        assert await s.scalar(select(func.count()).select_from(BodyMember).where(BodyMember.body_id == leading.id)) == 2
        village = await s.scalar(select(Unit).where(Unit.code == "T1V1"))
        town = await s.scalar(select(Unit).where(Unit.code == "T1"))
        assert village.parent_id == town.id and village.population == 3200
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) >= 16


async def test_same_file_twice_changes_nothing(rt):
    await _apply(rt, CSV)
    async with rt.db.begin() as s:
        audits = await s.scalar(select(func.count()).select_from(AuditEntry))
    diff = await _apply(rt, CSV, days=1)
    assert diff.empty
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == audits


async def test_missing_person_is_deactivated_and_role_change_keeps_history(rt):
    await _apply(rt, CSV)
    lines = CSV.decode().splitlines()
    changed = [line.replace("钱联络,13800000013,联络员,教务委员会", ",,,") for line in lines]  # the village stays
    changed = [line.replace("郑联络,13800000022,联络员", "郑联络,13800000022,联络员、社区学校") for line in changed]
    diff = await _apply(rt, ("\n".join(changed) + "\n").encode(), days=10)
    assert [c.label for c in diff.deactivated] == ["钱联络"]
    assert [c.label for c in diff.changed] == ["郑联络"]
    async with rt.db.begin() as s:
        qian = await s.scalar(select(Person).where(Person.phone == "13800000013"))
        assert qian.active is False
        ended = await s.scalar(select(RoleAssignment).where(RoleAssignment.person_id == qian.id))
        assert ended.end_on is not None  # the role row stays, closed
        zheng = await s.scalar(select(Person).where(Person.phone == "13800000022"))
        rows = list(await s.scalars(select(RoleAssignment).where(RoleAssignment.person_id == zheng.id)))
        assert {r.role for r in rows} == {"liaison", "school_staff"}
        added = next(r for r in rows if r.role == "school_staff")
        first = next(r for r in rows if r.role == "liaison")
        assert added.start_on > first.start_on and first.end_on is None


async def test_export_reimports_as_no_change(rt, tmp_path):
    await _apply(rt, CSV)
    async with rt.db.begin() as s:
        rows = await roster.export_rows(s, today=rt.clock().date())
    for data, name in ((roster.rows_to_csv(rows), "r.csv"), (roster.rows_to_xlsx(rows), "r.xlsx")):
        async with rt.db.begin() as s:
            diff = await roster.diff_roster(s, parse_roster(data, name), today=rt.clock().date())
        assert diff.empty, diff


@pytest.mark.parametrize("row, message", [
    ("T9,新村,村居,T1,abc,张三,13800009999,联络员,", "population"),
    ("T9,新村,星球,T1,10,张三,13800009999,联络员,", "unknown unit level"),
    ("T9,新村,村居,T1,10,张三,12345,联络员,", "not a mobile number"),
    ("T9,新村,村居,T1,10,张三,13800009999,校长,", "unknown role"),
    ("T9,新村,村居,T1,10,,13800009999,联络员,", "the name is empty"),
    ("T9,新村,村居,ZZ,10,张三,13800009999,联络员,", "not in the file"),
    ("T9,新村,村居,T1,10,张三,13800000001,联络员,", "already on row"),
])
async def test_invalid_row_is_reported_with_its_number_and_nothing_written(rt, row, message):
    data = CSV + (row + "\n").encode()
    parsed = parse_roster(data, "r.csv")
    assert parsed.errors, "the row should be refused"
    assert any(message in e.message for e in parsed.errors)
    assert any(e.row in (12, 0) for e in parsed.errors)
    from services.errors import RosterInvalid

    with pytest.raises(RosterInvalid):
        async with rt.db.begin() as s:
            await roster.apply_roster(s, parsed, now=rt.clock(), today=rt.clock().date(), actor_id=None)
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(Person)) == 0
