"""Digest figures from a real database (SQLite and PostgreSQL) against figures worked out by hand
(see tests/support/digest_fixture.py): weeks across a month and a year, zero populations, every section."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.digest import build_digest, render_digest
from services.report_queries import Figures, Money
from storage.models import Activity
from tests.support.digest_fixture import NOW, TZ, at, build_county


@pytest.fixture
async def county(rt):
    async with rt.db.begin() as s:
        return await build_county(s)


async def _digest(rt, unit_id, week="2026-W01", now=NOW):
    async with rt.db.begin() as s:
        return await build_digest(s, unit_id=unit_id, week=week, tz=TZ, now=now)


async def test_county_week_across_the_new_year_matches_hand_figures(rt, county):
    d = await _digest(rt, county.ids["C"])
    assert (d.start, d.end, d.scope_name) == (date(2025, 12, 29), date(2026, 1, 4), "测试县")
    assert d.total == Figures(4, 75, 15, 270)  # V1 ×2, T1's own, D; the deleted one and Monday 5 Jan left out
    assert d.prev_total == Figures(1, 30, 30, 90)  # V3 on Sunday 28 Dec
    assert [(r.name, r.week, r.prev) for r in d.rows] == [
        ("东镇", Figures(3, 70, 10, 210), Figures()), ("县妇联", Figures(1, 5, 5, 60), Figures()),
        ("西镇", Figures(), Figures(1, 30, 30, 90))]
    assert [(c.name, c.week.activities, c.prev.activities) for c in d.categories] == [
        ("老年教育", 1, 1), ("家庭教育", 1, 0), ("健康教育", 1, 0), ("其他", 1, 0)]


async def test_county_year_so_far_budget_meetings_waiting_quiet_upcoming(rt, county):
    d = await _digest(rt, county.ids["C"])
    assert (d.year, d.year_until) == (2026, date(2026, 1, 4))  # the ISO year; 29–31 Dec belong to 2025
    assert d.year_total == Figures(1, 20, 0, 60)
    assert d.population == 10_000 and d.reach_share == pytest.approx(0.002) and d.minors_share == 0
    assert d.money == Money(allocated=10_000 * 150 + 50_000, approved=55_000, disbursed=30_000, settled=8_000)
    assert d.per_resident_fen == 150  # 200 fen only from June
    assert [(b.unit, b.name, b.held, b.minimum) for b in d.bodies] == [("测试县", "领导小组", 1, 1), ("东镇", "校务委员会", 0, 4)]
    assert d.meetings_held == 1  # cancelled, minute-less and last year's meetings do not count
    w = d.waiting
    assert (w.count, w.amount_fen, w.oldest_title, w.oldest_unit, w.oldest_since, w.oldest_days) == (
        2, 12_000, "乙村书法班", "乙村", date(2025, 12, 20), 16)
    assert [(g.parent, g.units) for g in d.quiet] == [("东镇", ("乙村",))] and d.quiet_count == 1
    assert [(m.at, m.unit, m.body, m.title) for m in d.upcoming] == [
        (at(date(2026, 1, 6)), "东镇", "校务委员会", "开学筹备会")]
    assert (d.next_start, d.next_end) == (date(2026, 1, 5), date(2026, 1, 11))


async def test_whole_database_is_the_county_when_there_is_one_root(rt, county):
    assert (await _digest(rt, None)).total == (await _digest(rt, county.ids["C"])).total


async def test_town_scope_lists_its_villages_and_own_entries(rt, county):
    d = await _digest(rt, county.ids["T1"])
    assert [(r.name, r.week.activities, r.own) for r in d.rows] == [("甲村", 2, False), ("乙村", 0, False), ("东镇", 1, True)]
    assert d.population == 4_000 and d.reach_share == pytest.approx(20 / 4_000)
    assert d.money == Money(4_000 * 150 + 50_000, 45_000, 20_000, 0)
    assert [(b.name, b.held) for b in d.bodies] == [("校务委员会", 0)]


async def test_zero_population_gives_no_share_and_says_so(rt, county):
    d = await _digest(rt, county.ids["V2"])
    assert d.population == 0 and d.reach_share is None and d.minors_share is None
    text = "\n".join(render_digest(d))
    assert "未登记常住人口" in text and "—" in text
    t2 = await _digest(rt, county.ids["T2"])
    assert t2.population == 500  # not recorded for the town: its villages' sum


async def test_week_53_ends_the_year_so_far_on_31_december(rt, county):
    async with rt.db.begin() as s:
        for day, n in ((date(2026, 12, 29), 11), (date(2027, 1, 2), 13)):
            s.add(Activity(unit_id=county.ids["V1"], reporter_id=county.person, occurred_on=day, title="t", category="其他",
                           target_groups=[], participants=n, minors=0, minutes=0, created_at=at(day), updated_at=at(day)))
    d = await _digest(rt, county.ids["C"], "2026-W53", now=datetime(2027, 1, 4, 9, tzinfo=TZ))
    assert (d.start, d.end, d.year_until) == (date(2026, 12, 28), date(2027, 1, 3), date(2026, 12, 31))
    assert d.total.participants == 24  # both sides of New Year in the week
    assert d.year_total.participants == 20 + 100 + 11  # all of 2026 (4 Jan, 5 Jan, 29 Dec), not 2 Jan 2027
    assert "2026年12月28日—2027年1月3日" in render_digest(d)[0]


async def test_week_across_a_month_counts_both_ends_only(rt, county):
    async with rt.db.begin() as s:
        for day in (date(2026, 1, 25), date(2026, 1, 26), date(2026, 2, 1), date(2026, 2, 2)):
            s.add(Activity(unit_id=county.ids["V3"], reporter_id=county.person, occurred_on=day, title="t", category="其他",
                           target_groups=[], participants=1, minors=1, minutes=60, created_at=at(day), updated_at=at(day)))
    d = await _digest(rt, county.ids["C"], "2026-W05", now=datetime(2026, 2, 2, 9, tzinfo=TZ))
    assert (d.start, d.end) == (date(2026, 1, 26), date(2026, 2, 1))
    assert d.total == Figures(2, 2, 2, 120) and d.prev_total == Figures(1, 1, 1, 60)
