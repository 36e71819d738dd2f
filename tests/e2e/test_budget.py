"""/budget for each person's scope, and the admin's /setstandard (with history) and /allocate, through the real
Application: every figure to the fen."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.outbox_sender import drain
from storage.models import AuditEntry, BudgetExtra, BudgetStandard
from tests.support.funding import money, sign_in_all


@pytest.fixture
async def people(rt, app, person):
    return await sign_in_all(rt, person)


async def _count(rt, model) -> int:  # noqa: ANN001
    async with rt.db.begin() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_each_person_sees_the_budget_of_their_scope(rt, app, people):
    liaison = (await people["liaison"].send("/budget"))[0]
    for part in ("2026年预算：递铺街道", "古城村的经费从递铺街道的预算中支出", "120,000 人 × 人均 1.00 元", "默认标准每人每年 1 元",
                 "年度预算：120,000.00 元", "剩余：120,000.00 元", "其中古城村"):
        assert part in liaison, part
    assert "递铺街道" in (await people["staff"].send("/budget T1V2"))[0]
    assert "您可以查看本单位的预算" in (await people["staff"].send("/budget T2"))[0]
    assert "您可以查看本单位的预算" in (await people["liaison"].send("/budget T1V2"))[0]
    county = (await people["coord"].send("/budget"))[0]
    for part in ("2026年预算：安吉县", "480,000.00 元", "递铺街道：120,000.00 元 · 0.00 元 · 120,000.00 元",
                 "孝丰镇：60,000.00 元", "部门、社区学院及未分配部分：300,000.00 元"):
        assert part in county, part
    assert "其中横溪坞村" in (await people["coord"].send("/budget t2v1"))[0]
    assert "没有编码为“ZZ”的单位" in (await people["coord"].send("/budget ZZ"))[0]
    assert "2025年预算：递铺街道" in (await people["coord"].send("/budget T1 2025"))[0]


async def test_the_budget_follows_every_step_to_the_fen(rt, app, people):
    staff, coord = people["staff"], people["coord"]
    await staff.send("/fund 书法班 1,234.56元 笔墨")
    await staff.press("提交")
    assert "已申请待审核：1,234.56 元" in (await coord.send("/budget T1"))[0]
    await drain(app, rt)
    await coord.press("核减批准")
    await coord.send("1000.01")
    text = (await coord.send("/budget T1"))[0]
    assert "已申请待审核：0.00 元" in text and "已批准：1,000.01 元" in text and "剩余：118,999.99 元" in text
    await drain(app, rt)
    await coord.send("/funds 1")
    await coord.press("已拨付")
    await coord.send("转账")
    await drain(app, rt)
    await staff.press("报告支出")
    await staff.send("999.99")
    await staff.photo("r")
    await staff.press("确认")
    text = (await staff.send("/budget"))[0]
    assert "已拨付：1,000.01 元" in text and "已结算（实际支出）：999.99 元；结余退回预算：0.02 元" in text
    assert "剩余：119,000.01 元" in text
    assert await money(rt) == (0, 100_001, 100_001, 99_999, 11_900_001)


async def test_an_admin_sets_the_standard_with_history(rt, app, people):
    admin = people["coord"]  # 陈协调 is coordinator and admin
    assert "默认标准" in (await admin.send("/setstandard"))[0]
    card = (await admin.send("/setstandard 1.5"))[0]
    assert "每人每年：1.50 元" in card and "2026年11月24日" in card and "1.00 元" in card
    assert await _count(rt, BudgetStandard) == 0  # nothing before ✅
    assert "已保存" in (await admin.press("保存"))[-1]
    assert "卡片已关闭" in (await admin.press("", data="bg1:ok:1"))[-1]  # a second press saves nothing more
    assert await _count(rt, BudgetStandard) == 1
    assert "年度预算：180,000.00 元" in (await people["staff"].send("/budget"))[0]
    await admin.send("/setstandard 2 2027-01-01")
    await admin.press("保存")
    history = (await admin.send("/setstandard"))[0]
    assert "现行人均经费标准：1.50 元" in history and "2.00 元，自2027年1月1日" in history and "陈协调" in history
    assert "年度预算：180,000.00 元" in (await people["staff"].send("/budget"))[0]
    assert "年度预算：240,000.00 元" in (await people["staff"].send("/budget T1 2027"))[0]
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "set_standard")) == 2


@pytest.mark.parametrize("text, expect", [
    ("/setstandard abc", "请以元为单位"), ("/setstandard 0", "为零"), ("/setstandard -1", "负数"),
    ("/setstandard 500", "超过上限"), ("/setstandard 1.5 2月30日", "日期"),
])
async def test_bad_standards_are_refused(rt, app, people, text, expect):
    assert expect in (await people["coord"].send(text))[0]
    assert await _count(rt, BudgetStandard) == 0


async def test_only_admins_change_budgets(rt, app, people):
    for text in ("/setstandard 1.5", "/allocate T1 5000", "/setstandard"):
        assert "只有管理员" in (await people["coord2"].send(text))[0]
    assert await _count(rt, BudgetStandard) == 0 and await _count(rt, BudgetExtra) == 0


async def test_an_admin_records_an_extra_allocation(rt, app, people):
    admin = people["coord"]
    card = (await admin.send("/allocate T1 5000 县财政追加"))[0]
    assert "递铺街道（T1）" in card and "5,000.00 元" in card and "县财政追加" in card and "125,000.00 元" in card
    assert await _count(rt, BudgetExtra) == 0
    assert "已取消" in (await admin.press("取消"))[-1]
    await admin.send("/allocate T1 5000 县财政追加")
    await admin.press("保存")
    assert await admin.redeliver() == []
    assert await _count(rt, BudgetExtra) == 1
    text = (await people["liaison"].send("/budget"))[0]
    assert "追加预算：5,000.00 元" in text and "年度预算：125,000.00 元" in text
    await admin.send("/allocate D1 2万 妇联专项")
    await admin.press("保存")
    assert "年度预算：505,000.00 元" in (await admin.send("/budget"))[0]  # every extra counts in the county's budget


@pytest.mark.parametrize("text, expect", [
    ("/allocate", "请按以下格式"), ("/allocate T1", "请按以下格式"), ("/allocate ZZ 5000", "没有编码"),
    ("/allocate T1 -5", "负数"), ("/allocate T1 abc", "没能读懂"), ("/allocate T1V1 5000", "请为 T1 追加预算"),
])
async def test_bad_allocations_are_refused(rt, app, people, text, expect):
    assert expect in (await people["coord"].send(text))[0]
    assert await _count(rt, BudgetExtra) == 0
