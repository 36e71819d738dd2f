"""A small hand-made county whose digest figures are worked out by hand in the tests.

县 C (10 000 residents) ├ 镇 T1 (4 000) ├ 村 V1 (1 000)
                        │               └ 村 V2 (0 residents: shares cannot be computed)
                        ├ 镇 T2 (population not recorded: its villages' sum, 500) └ 村 V3 (500)
                        └ 部门 D (no population)
Week 2026-W01 runs from Monday 29 Dec 2025 to Sunday 4 Jan 2026: it crosses a month and a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.models import (
    Activity, Body, BudgetExtra, BudgetStandard, FundingRequest, Meeting, Person, Unit,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 5, 10, 0, tzinfo=TZ)  # Monday after the week
CREATED = datetime(2025, 6, 1, tzinfo=TZ)


@dataclass
class County:
    ids: dict[str, int]
    person: int


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


async def build_county(session) -> County:  # noqa: ANN001
    """Units, one reporter, activities, budget, funding requests, bodies and meetings (see the module doc)."""
    ids: dict[str, int] = {}
    for code, name, level, parent, pop in [
        ("C", "测试县", "county", None, 10_000), ("T1", "东镇", "town", "C", 4_000), ("V1", "甲村", "village", "T1", 1_000),
        ("V2", "乙村", "village", "T1", 0), ("T2", "西镇", "town", "C", None), ("V3", "丙村", "village", "T2", 500),
        ("D", "县妇联", "department", "C", None),
    ]:
        unit = Unit(code=code, name=name, level=level, parent_id=ids.get(parent), population=pop, active=True,
                    created_at=CREATED, updated_at=CREATED)
        session.add(unit)
        await session.flush()
        ids[code] = unit.id
    person = Person(name="记录员", phone="13900000001", unit_id=ids["C"], active=True, created_at=CREATED, updated_at=CREATED)
    session.add(person)
    await session.flush()

    def act(code: str, day: date, n: int, minors: int, minutes: int, category: str, deleted: bool = False) -> None:
        session.add(Activity(unit_id=ids[code], reporter_id=person.id, occurred_on=day, title="活动", category=category,
                             target_groups=[], participants=n, minors=minors, minutes=minutes, created_at=at(day, 20),
                             updated_at=at(day, 20), deleted_at=at(day, 21) if deleted else None))

    act("V1", date(2025, 12, 30), 40, 10, 120, "老年教育")
    act("V1", date(2026, 1, 4), 20, 0, 60, "家庭教育")
    act("V1", date(2026, 1, 2), 99, 9, 99, "老年教育", deleted=True)  # deleted: never counted
    act("T1", date(2025, 12, 29), 10, 0, 30, "健康教育")  # the town's own entry
    act("D", date(2025, 12, 31), 5, 5, 60, "其他")
    act("V3", date(2025, 12, 28), 30, 30, 90, "老年教育")  # Sunday of the week before
    act("V2", date(2026, 1, 5), 100, 0, 60, "其他")  # Monday after: not in the week
    act("V3", date(2025, 12, 21), 7, 0, 30, "其他")  # two weeks before

    session.add_all([
        BudgetStandard(county_id=ids["C"], per_resident_fen=150, effective_from=date(2025, 1, 1), set_at=CREATED),
        BudgetStandard(county_id=ids["C"], per_resident_fen=200, effective_from=date(2026, 6, 1), set_at=CREATED),
        BudgetExtra(unit_id=ids["V1"], year=2026, amount_fen=50_000, set_at=CREATED),
        BudgetExtra(unit_id=ids["V1"], year=2025, amount_fen=99_999, set_at=CREATED),
    ])

    def req(code: str, state: str, amount: int, approved: int | None = None, spent: int | None = None, year: int = 2026,
            created: datetime = at(date(2026, 1, 2)), title: str = "项目") -> None:
        session.add(FundingRequest(unit_id=ids[code], requester_id=person.id, year=year, title=title, amount_fen=amount,
                                   approved_fen=approved, spent_fen=spent, state=state, created_at=created,
                                   updated_at=created, waiting_since=created if state == "submitted" else None))

    req("V1", "approved", 30_000, 25_000)
    req("T1", "disbursed", 20_000, 20_000)
    req("V3", "settled", 10_000, 10_000, 8_000)
    req("V2", "submitted", 5_000, created=at(date(2025, 12, 20)), title="乙村书法班")
    req("V1", "submitted", 7_000)
    req("V1", "rejected", 9_000)
    req("V1", "approved", 40_000, 40_000, year=2025)

    bodies = {}
    for code, name, minimum in [("C", "领导小组", 1), ("T1", "校务委员会", 4)]:
        body = Body(unit_id=ids[code], name=name, min_per_year=minimum, active=True)
        session.add(body)
        await session.flush()
        bodies[code] = body.id

    def meeting(code: str, start: datetime, title: str, state: str = "scheduled", minutes: bool = False) -> None:
        session.add(Meeting(body_id=bodies[code], organiser_id=person.id, title=title, starts_at=start, place="会议室",
                            state=state, minutes_at=start + timedelta(hours=2) if minutes else None,
                            minutes_text="纪要" if minutes else None, created_at=CREATED, updated_at=CREATED))

    meeting("C", at(date(2026, 1, 2)), "年度部署会", minutes=True)
    meeting("T1", at(date(2026, 1, 3)), "取消的会", state="cancelled", minutes=True)
    meeting("T1", at(date(2026, 1, 3), 14), "没有纪要的会")
    meeting("C", at(date(2025, 12, 30)), "去年的会", minutes=True)
    meeting("T1", at(date(2026, 1, 6)), "开学筹备会")
    meeting("T1", at(date(2026, 1, 7)), "已取消", state="cancelled")
    await session.flush()
    return County(ids, person.id)


def make_digest(towns: int = 3, *, population: int = 480_000, quiet: int = 0, bodies: int = 2, upcoming: int = 1):
    """A Digest built by hand (no database), with as many town rows, quiet villages and bodies as asked."""
    from services.digest import BodyStatus, Digest, QuietGroup, Row, Upcoming, Waiting, share
    from services.report_queries import Figures, Money

    rows = tuple(Row(f"第{i:04d}镇街道", Figures(i % 7, 30 * (i % 7), i % 5, 60 * (i % 7)), Figures(i % 3, 20, 1, 60))
                 for i in range(towns))
    total = sum((r.week for r in rows), Figures())
    year = Figures(120, 3_600, 1_900, 7_200)
    groups = tuple(QuietGroup(f"{i:04d}号镇", tuple(f"第{i}镇{j}村" for j in range(12))) for i in range(quiet))
    return Digest(
        unit_id=1, scope_name="安吉县", scope_level="county", week="2026-W47", start=date(2026, 11, 16), end=date(2026, 11, 22),
        total=total, prev_total=sum((r.prev for r in rows), Figures()), rows=rows,
        categories=(Row("老年教育", Figures(2, 60, 0, 120), Figures(1, 20, 0, 60)),),
        year=2026, year_until=date(2026, 11, 22), year_total=year, population=population,
        reach_share=share(year.participants, population), minors_share=share(year.minors, year.participants),
        money=Money(48_000_000, 1_500_000, 1_000_000, 250_050), per_resident_fen=100,
        bodies=tuple(BodyStatus("安吉县", f"机构{i}", i % 2, 2) for i in range(bodies)), meetings_held=3,
        waiting=Waiting(),
        quiet=groups, quiet_count=sum(len(g.units) for g in groups), next_start=date(2026, 11, 23), next_end=date(2026, 11, 29),
        upcoming=tuple(Upcoming(datetime(2026, 11, 24, 9, tzinfo=TZ), "安吉县", "领导小组", f"会议{i}", "县教育局")
                       for i in range(upcoming)),
    )
