"""Funding requests through the real Application: the whole path of a village's and of a town's request, with the
budget checked to the fen, a redelivered update at every step changing nothing, double and foreign presses."""

from __future__ import annotations

from datetime import date

import pytest

from bot.outbox_sender import drain
from tests.support.funding import ONE_LINE, audit_count, data_of, events, money, outbox, request, requests, sign_in_all

T1 = 12_000_000  # 递铺街道: 120 000 residents × 1 元 (the default standard), in fen


@pytest.fixture
async def people(rt, app, person):
    return await sign_in_all(rt, person)


async def _unchanged_by_redelivery(p, rt) -> None:  # noqa: ANN001
    """Telegram delivering the person's last update again changes nothing and sends nothing."""
    before = (await events(rt), len(await outbox(rt)), await money(rt))
    assert await p.redeliver() == []
    assert (await events(rt), len(await outbox(rt)), await money(rt)) == before


async def test_a_village_request_goes_from_one_line_to_settlement(rt, app, api, people):
    """Liaison → town school (推荐) → coordinator (批准) → 已拨付 → 已结算, each step told through the outbox."""
    liaison, staff, coord = people["liaison"], people["staff"], people["coord"]
    card = (await liaison.send(ONE_LINE))[0]
    for part in ("古城村", "递铺街道", "老年大学书法班", "1,500.00 元", "购买笔墨纸砚", "120,000.00 元", "118,500.00 元"):
        assert part in card, part
    assert await requests(rt) == []  # nothing before ✅
    await _unchanged_by_redelivery(liaison, rt)

    assert "已提交" in (await liaison.press("提交"))[-1]
    req = await request(rt)
    assert (req.state, req.amount_fen, req.title, req.purpose) == ("submitted", 150_000, "老年大学书法班", "购买笔墨纸砚")
    assert await events(rt) == [(None, "submitted", 150_000, "")]
    assert await money(rt) == (150_000, 0, 0, 0, T1)
    [to_staff] = await outbox(rt)
    assert to_staff.chat_id == 611 and "待您审核" in to_staff.text and "fq1:rec:1:1" in to_staff.buttons
    assert to_staff.key.startswith("fund:1:1:")  # fund:{request}:{event}:{person}
    await _unchanged_by_redelivery(liaison, rt)

    await drain(app, rt)
    assert "老年大学书法班" in api.texts(611)[-1]
    assert "不在等待您审核" in (await coord.press("", data="fq1:rec:1:1"))[-1]  # a foreign press
    assert "已推荐" in (await staff.press("推荐"))[-1]
    assert (await request(rt)).state == "town_reviewed"
    assert await money(rt) == (150_000, 0, 0, 0, T1)
    queued = await outbox(rt)
    assert {q.chat_id for q in queued[1:]} == {701, 702, 601}  # both coordinators, with buttons; the requester
    assert all("fq1:ok:1:2" in q.buttons for q in queued if q.chat_id in (701, 702))
    assert "孙校长推荐" in next(q.text for q in queued if q.chat_id == 601)
    await _unchanged_by_redelivery(staff, rt)
    assert "已有变化" in (await staff.press("", data="fq1:rec:1:1"))[-1]  # the same button again
    assert len(await events(rt)) == 2

    await drain(app, rt)
    assert "已批准" in (await coord.press("批准"))[-1]
    req = await request(rt)
    assert (req.state, req.approved_fen, req.over_budget_override) == ("approved", 150_000, False)
    assert await money(rt) == (0, 150_000, 0, 0, T1 - 150_000)
    assert "批准：1,500.00 元" in (await outbox(rt, 601))[-1].text
    await _unchanged_by_redelivery(coord, rt)
    assert "已有变化" in (await people["coord2"].press("", data="fq1:ok:1:2"))[-1]  # the other coordinator, too late

    await coord.send("/funds")
    await coord.press("#1")
    await coord.press("已拨付")
    assert "在今天之后" in (await coord.send("11月25日 银行转账"))[0]  # no money is paid tomorrow
    assert (await request(rt)).state == "approved"
    assert "已登记拨付" in (await coord.send("今天 银行转账 凭证号123"))[0]
    req = await request(rt)
    assert (req.state, req.disbursed_on) == ("disbursed", date(2026, 11, 24))
    assert (await events(rt))[-1] == ("approved", "disbursed", 150_000, "银行转账 凭证号123")
    assert await money(rt) == (0, 150_000, 150_000, 0, T1 - 150_000)
    await _unchanged_by_redelivery(coord, rt)

    await drain(app, rt)
    assert "报告实际支出" in api.texts(601)[-1]
    await liaison.press("报告支出")
    card = (await liaison.send("1200.50"))[0]
    assert "1,200.50 元" in card and "299.50 元" in card
    assert "至少发送一张票据照片" in (await liaison.press("确认"))[-1]
    assert (await request(rt)).state == "disbursed"
    await liaison.photo("receipt-1")
    done = (await liaison.press("确认"))[-1]
    assert "已结算" in done and "299.50 元" in done
    req = await request(rt)
    assert (req.state, req.spent_fen) == ("settled", 120_050)
    assert await money(rt) == (0, 150_000, 150_000, 120_050, T1 - 120_050)  # the 299.50 元 not spent is back
    await _unchanged_by_redelivery(liaison, rt)
    assert {q.chat_id for q in (await outbox(rt))[-2:]} == {701, 702}  # coordinators hear of the settlement

    assert [(e[0], e[1]) for e in await events(rt)] == [
        (None, "submitted"), ("submitted", "town_reviewed"), ("town_reviewed", "approved"), ("approved", "disbursed"),
        ("disbursed", "settled")]
    assert await audit_count(rt) == 5
    assert "附件：0 个；票据：1 张" in (await coord.send("/funds 1"))[0]
    budget = (await liaison.send("/budget"))[0]
    for part in ("120,000.00 元", "1,500.00 元", "1,200.50 元", "299.50 元", "118,799.50 元", "其中古城村"):
        assert part in budget, part


async def test_a_town_request_goes_straight_to_the_coordinators_and_may_be_approved_for_less(rt, app, api, people):
    """School staff's own request: no town step; 核减批准 records the smaller amount and tells the requester."""
    staff, coord = people["staff"], people["coord"]
    await staff.send("/fund 社区学校书法班 ¥3,000 购买教材")
    await staff.press("提交")
    assert {q.chat_id for q in await outbox(rt)} == {701, 702}
    await drain(app, rt)
    await coord.press("核减批准")
    assert "应少于" in (await coord.send("5000"))[0]  # more than asked is refused
    assert (await request(rt)).state == "submitted"
    done = (await coord.send("2500"))[0]
    assert "2,500.00 元" in done
    req = await request(rt)
    assert (req.state, req.amount_fen, req.approved_fen) == ("approved", 300_000, 250_000)
    assert "批准 2,500.00 元（申请金额 3,000.00 元）" in (await outbox(rt, 611))[-1].text
    assert await money(rt) == (0, 250_000, 0, 0, T1 - 250_000)
    await _unchanged_by_redelivery(coord, rt)
    await drain(app, rt)
    await coord.send("/funds 1")
    await coord.press("已拨付")
    await coord.send("银行转账")
    await drain(app, rt)
    await staff.press("报告支出")
    await staff.send("2500")
    await staff.photo("r1")
    await staff.press("确认")
    assert await money(rt) == (0, 250_000, 250_000, 250_000, T1 - 250_000)


async def test_buttons_refuse_foreign_and_forged_presses(rt, app, people):
    """A liaison of another town, a village liaison and forged data change nothing and say why."""
    liaison = people["liaison"]
    await liaison.send(ONE_LINE)
    await liaison.press("提交")
    for p, data in ((people["t2staff"], "fq1:rec:1:1"), (people["liaison2"], "fq1:ret:1:1"),
                    (people["coord"], "fq1:wdy:1:1"), (liaison, "fq1:rec:1:1"), (liaison, "fq1:ok:1:1:99999999"),
                    (people["coord"], "fq1:zz:1:1"), (people["coord"], "fq1:ok:1"), (people["coord"], "fq9:ok:1:1")):
        replies = await p.press("", data=data)
        assert replies and ("未作任何更改" in replies[-1] or "过期" in replies[-1]), (data, replies)
    assert await events(rt) == [(None, "submitted", 150_000, "")]


async def test_the_requester_can_see_the_request_but_others_cannot_open_it(rt, app, people):
    await people["liaison"].send(ONE_LINE)
    await people["liaison"].press("提交")
    assert "老年大学书法班" in (await people["liaison"].send("/funds 1"))[0]
    assert "老年大学书法班" in (await people["staff"].send("/funds 1"))[0]
    assert "没有您可以查看" in (await people["t2liaison"].send("/funds 1"))[0]
    assert data_of(people["staff"], "推荐") == "fq1:rec:1:1"
