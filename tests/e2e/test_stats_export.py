"""/stats for each role's scope and period, and /export's workbook opened back with openpyxl and compared."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from storage.models import Activity, Person, Unit
from tests.support.factories import COORDINATOR, LEADER, LIAISON, TOWN_STAFF, load_roster, signed_in

LOGGED = [("T1V1", date(2026, 11, 17), 45, 5, 120), ("T1V1", date(2026, 11, 20), 30, 0, 90),
          ("T1V2", date(2026, 11, 23), 20, 20, 60), ("T2V1", date(2026, 10, 8), 12, 2, 30), ("T2", date(2026, 11, 2), 8, 0, 60)]


@pytest.fixture
async def people(rt, app, person):
    await load_roster(rt)
    async with rt.db.begin() as s:
        for code, day, n, minors, minutes in LOGGED:
            unit = await s.scalar(select(Unit.id).where(Unit.code == code))
            reporter = await s.scalar(select(Person.id).where(Person.phone == LIAISON))
            at = datetime(day.year, day.month, day.day, 20, tzinfo=rt.settings.tz)
            s.add(Activity(unit_id=unit, reporter_id=reporter, occurred_on=day, title=f"<i>活动</i>{n}", category="老年教育",
                           target_groups=[], participants=n, minors=minors, minutes=minutes, created_at=at, updated_at=at))
    return {name: await signed_in(person, rt, uid, phone) for name, uid, phone in (
        ("coordinator", 701, COORDINATOR), ("leader", 702, LEADER), ("staff", 703, TOWN_STAFF), ("liaison", 704, LIAISON))}


async def test_school_staff_see_their_town_by_village_this_month(people):
    [text] = await people["staff"].send("/stats")
    assert "统计数据：递铺街道，本月" in text and "11月1日—11月24日，与 10月1日—10月24日 相比" in text
    assert "活动 3 场（+3），参与 95 人次（+95）" in text
    assert "按村（居）" in text and "· 古城村：2 场（+2），75 人次（+75）" in text and "· 鲁家村：1 场" in text
    assert "孝丰镇" not in text  # another town is outside their scope


async def test_coordinators_and_leaders_see_the_county_for_any_period(people):
    [text] = await people["leader"].send("/stats 上周")
    assert "统计数据：安吉县，上周" in text and "11月16日—11月22日" in text
    assert "· 递铺街道：2 场（+2），75 人次（+75）" in text
    [text] = await people["coordinator"].send("/stats 2026-10")
    assert "10月1日—10月31日" in text and "· 孝丰镇：1 场" in text
    [text] = await people["coordinator"].send("/stats 今年")
    assert "活动 5 场" in text and "115 人次" in text and "常住人口 480,000 人" in text


@pytest.mark.parametrize("arg, reply", [("明年", "无法识别时间段“明年”"), ("2027-01", "尚未开始"), ("2026-13", "无法识别")])
async def test_bad_periods_get_a_clear_reply(people, arg, reply):
    assert reply in (await people["coordinator"].send(f"/stats {arg}"))[0]


async def test_liaisons_get_no_statistics_or_export(people):
    assert "统计数据仅限" in (await people["liaison"].send("/stats"))[0]
    assert "导出数据仅限协调员" in (await people["liaison"].send("/export"))[0]
    assert "导出数据仅限协调员" in (await people["leader"].send("/export"))[0]


async def test_export_sends_a_workbook_that_opens_and_matches_the_data(api, people):
    files = []
    original = api.do_request

    async def capture(url, method, request_data=None, **kw):  # noqa: ANN001, ANN202
        if request_data is not None and request_data.multipart_data:
            files.extend(request_data.multipart_data.values())
        return await original(url, method, request_data, **kw)

    api.do_request = capture
    replies = await people["coordinator"].send("/export")
    assert "按镇街汇总" in replies[0]
    [(name, data, _mime)] = files
    assert name == "社区教育数据_2026_截至2026-11-24.xlsx"
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == ["按镇街汇总", "活动"]
    summary = [list(r) for r in wb["按镇街汇总"].iter_rows(values_only=True)]
    assert summary[0][:7] == ["单位", "常住人口", "活动场次", "参与人次", "其中未成年人", "时长(小时)", "覆盖率(人次/常住人口,%)"]
    by_name = {r[0]: r for r in summary[1:]}
    assert by_name["递铺街道"][1:7] == [120000, 3, 95, 25, 4.5, round(95 * 100 / 120000, 2)]
    assert by_name["孝丰镇"][1:6] == [60000, 2, 20, 2, 1.5]
    assert by_name["合计"][1:4] == [480000, 5, 115] and Decimal(str(by_name["合计"][7])) == 0
    activities = [list(r) for r in wb["活动"].iter_rows(values_only=True)]
    assert len(activities) == 1 + len(LOGGED)
    titles = sorted(r[5] for r in activities[1:])
    assert titles == sorted(f"<i>活动</i>{n}" for *_x, n, _m, _mi in LOGGED)  # typed text kept as text
