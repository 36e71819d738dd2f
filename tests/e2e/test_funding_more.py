"""More of funding as people meet it: a department's request and the county budget, English readers, names with
HTML, double presses on the form, settling with nothing spent, cancelling a settlement."""

from __future__ import annotations

import pytest

from bot.outbox_sender import drain
from tests.support.factories import COORDINATOR, TOWN_STAFF, load_roster, signed_in
from tests.support.funding import ONE_LINE, events, money, outbox, request, requests, sign_in_all

COUNTY = 48_000_000  # 安吉县: 480 000 residents × 1 元


async def test_a_department_request_goes_to_the_coordinators_and_draws_on_the_county_budget(rt, app, api, person):
    await load_roster(rt, "roster_department.csv")
    dept = await signed_in(person, rt, 631, "13800000031")
    coord = await signed_in(person, rt, 701, COORDINATOR)
    card = (await dept.send("/fund 妇女技能培训 2万元 讲师课酬"))[0]
    assert "县妇联（使用安吉县的预算）" in card and "480,000.00 元" in card and "460,000.00 元" in card
    await dept.press("提交")
    assert [q.chat_id for q in await outbox(rt)] == [701]  # the only coordinator signed in
    await drain(app, rt)
    assert "王&lt;b&gt;妇联&lt;/b&gt;" in api.texts(701)[-1]  # a name with HTML is shown as text
    await coord.press("批准")
    assert await money(rt, "D1") == (0, 2_000_000, 0, 0, COUNTY - 2_000_000)
    assert await money(rt, "X") == (0, 2_000_000, 0, 0, COUNTY - 2_000_000)
    assert await money(rt, "T1") == (0, 0, 0, 0, 12_000_000)  # a town's budget is not touched


async def test_readers_get_notifications_in_their_own_language(rt, app, api, person):
    await load_roster(rt)
    liaison = await signed_in(person, rt, 601, "13800138000")
    await signed_in(person, rt, 611, TOWN_STAFF, language_code="en")
    await liaison.send(ONE_LINE)
    await liaison.press("提交")
    [to_staff] = await outbox(rt, 611)
    assert "A funding request waits for your review" in to_staff.text and "CNY 1,500.00" in to_staff.text
    await drain(app, rt)
    labels = [b[0] for b in person(611).buttons()]
    assert labels == ["👍 Recommend", "↩️ Return", "⛔ Reject"]


@pytest.fixture
async def people(rt, app, person):
    return await sign_in_all(rt, person)


async def test_pressing_submit_twice_makes_one_request(rt, app, people):
    liaison = people["liaison"]
    await liaison.send(ONE_LINE)
    ok = next(d for label, d, _m in liaison.buttons() if "提交" in label)
    await liaison.press("", data=ok)
    assert "申请表已关闭" in (await liaison.press("", data=ok))[-1]
    assert len(await requests(rt)) == 1 and len(await outbox(rt)) == 1


async def test_typed_text_on_the_card_is_not_taken_as_an_answer(rt, app, people):
    liaison = people["liaison"]
    await liaison.send(ONE_LINE)
    assert "过期" in (await liaison.send("2000"))[0]
    await liaison.press("提交")
    assert (await request(rt)).amount_fen == 150_000


async def _disbursed(people, app, rt) -> None:  # noqa: ANN001
    await people["staff"].send("/fund 书法班 800 笔墨")
    await people["staff"].press("提交")
    await drain(app, rt)
    await people["coord"].press("批准")
    await people["coord"].press("已拨付")
    await people["coord"].send("银行转账")
    await drain(app, rt)


async def test_settling_with_nothing_spent_returns_everything_and_needs_no_receipt(rt, app, people):
    await _disbursed(people, app, rt)
    staff = people["staff"]
    await staff.press("报告支出")
    assert "结余退回预算：800.00 元" in (await staff.send("0"))[0]
    await staff.press("确认")
    req = await request(rt)
    assert (req.state, req.spent_fen) == ("settled", 0)
    assert await money(rt) == (0, 80_000, 80_000, 0, 12_000_000)


async def test_a_settlement_is_checked_and_only_the_requester_reports_it(rt, app, people):
    await _disbursed(people, app, rt)
    staff, coord = people["staff"], people["coord"]
    assert "只有申请 #1 的申请人" in (await coord.press("", data="fq1:set:1:3"))[-1]
    await staff.press("报告支出")
    assert "不能超过已拨付的 800.00 元" in (await staff.send("900"))[0]
    assert "已取消" in (await staff.press("取消"))[-1]
    assert (await request(rt)).state == "disbursed"
    assert [e[1] for e in await events(rt)] == ["submitted", "approved", "disbursed"]
