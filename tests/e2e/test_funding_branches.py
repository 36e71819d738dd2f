"""Every branch of a funding request's path: return and resubmit, withdraw, reject, over-budget override,
reassigning a stuck review, linked activities and attachments — through the real Application."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.outbox_sender import drain
from storage.models import Activity, Attachment, AuditEntry, FundingLink
from tests.support.funding import ONE_LINE, events, money, outbox, request, sign_in_all

T1 = 12_000_000


@pytest.fixture
async def people(rt, app, person):
    return await sign_in_all(rt, person)


async def _submit(p, app, rt, text: str = ONE_LINE) -> None:  # noqa: ANN001
    await p.send(text)
    await p.press("提交")
    await drain(app, rt)


async def test_returned_request_is_edited_and_resubmitted_and_old_cards_go_stale(rt, app, api, people):
    liaison, staff = people["liaison"], people["staff"]
    await _submit(liaison, app, rt)
    old_card = "fq1:rec:1:1"
    assert "退回的理由" in (await staff.press("退回"))[-1]
    assert (await request(rt)).state == "submitted"  # nothing happens until the reason is sent
    assert "退回申请人" in (await staff.send("请补充<预算明细>"))[0]
    req = await request(rt)
    assert req.state == "returned"
    assert (await events(rt))[-1] == ("submitted", "returned", None, "请补充<预算明细>")
    told = (await outbox(rt, 601))[-1]
    assert "请补充&lt;预算明细&gt;" in told.text and "fq1:ed:1:2" in told.buttons and "fq1:wd:1:2" in told.buttons
    assert await money(rt) == (0, 0, 0, 0, T1)
    assert await staff.redeliver() == []

    await drain(app, rt)
    assert "正在修改申请 #1" in (await liaison.press("修改后重新提交"))[-1]
    await liaison.press("修改")
    await liaison.press("金额")
    assert "1,200.00 元" in (await liaison.send("1200"))[0]
    assert "已重新提交" in (await liaison.press("重新提交"))[-1]
    req = await request(rt)
    assert (req.state, req.amount_fen, req.version) == ("submitted", 120_000, 3)
    assert (await events(rt))[-1] == ("returned", "submitted", 120_000, "")
    again = [q for q in await outbox(rt, 611) if "重新提交" in q.text]
    assert len(again) == 1 and "fq1:rec:1:3" in again[0].buttons
    assert await money(rt) == (120_000, 0, 0, 0, T1)
    assert "已有变化" in (await staff.press("", data=old_card))[-1]  # the card of the first round
    await drain(app, rt)
    await staff.press("推荐")
    assert (await request(rt)).state == "town_reviewed"


async def test_the_requester_withdraws_before_a_decision_and_the_reviewer_is_told(rt, app, people):
    liaison, staff = people["liaison"], people["staff"]
    await _submit(liaison, app, rt)
    await liaison.send("/funds")
    await liaison.press("#1")
    assert "确定撤回" in (await liaison.press("撤回"))[-1]
    assert "已撤回" in (await liaison.press("确定撤回"))[-1]
    assert (await request(rt)).state == "withdrawn"
    assert "撤回" in (await outbox(rt, 611))[-1].text and (await outbox(rt, 611))[-1].buttons == []
    assert await money(rt) == (0, 0, 0, 0, T1)
    assert await liaison.redeliver() == []
    assert "已有变化" in (await staff.press("", data="fq1:rec:1:1"))[-1]
    assert "已有变化" in (await liaison.press("", data="fq1:wdy:1:1"))[-1]


async def test_no_withdrawal_after_approval(rt, app, people):
    await _submit(people["staff"], app, rt, "/fund 书法班 800 笔墨")
    await people["coord"].press("批准")
    replies = await people["staff"].press("", data="fq1:wdy:1:2")
    assert "已批准" in replies[-1] and (await request(rt)).state == "approved"


async def test_a_coordinator_rejects_with_a_reason(rt, app, people):
    await _submit(people["staff"], app, rt, "/fund 书法班 800 笔墨")
    await people["coord"].press("驳回")
    assert "驳回" in (await people["coord"].send("同一项目已由妇联资助"))[0]
    assert (await request(rt)).state == "rejected"
    assert "同一项目已由妇联资助" in (await outbox(rt, 611))[-1].text
    assert (await events(rt))[-1] == ("submitted", "rejected", None, "同一项目已由妇联资助")
    assert await money(rt) == (0, 0, 0, 0, T1)


async def test_approving_beyond_the_budget_needs_an_explicit_override_which_is_recorded(rt, app, people):
    staff, coord = people["staff"], people["coord"]
    await _submit(staff, app, rt, "/fund 全年培训 100000元 讲师课酬")
    await coord.press("批准")
    await _submit(staff, app, rt, "/fund 设备采购 30000元 投影仪")
    warning = (await coord.press("批准"))[-1]
    assert "超出递铺街道的剩余预算（20,000.00 元）" in warning
    assert (await request(rt, 2)).state == "submitted"  # nothing changed without the override
    assert "不在等待您审核" in (await staff.press("", data="fq1:ovr:2:1:3000000"))[-1]  # not the staff's to decide
    assert "已批准" in (await coord.press("超预算批准"))[-1]
    req = await request(rt, 2)
    assert (req.state, req.approved_fen, req.over_budget_override) == ("approved", 3_000_000, True)
    assert "超预算批准" in (await events(rt, 2))[-1][3]
    assert await money(rt) == (0, 13_000_000, 0, 0, -1_000_000)
    async with rt.db.begin() as s:
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "funding_approve", AuditEntry.entity_id == 2))
    assert entry.after["over_budget_override"] is True


async def test_a_partial_approval_within_the_budget_needs_no_override(rt, app, people):
    staff, coord = people["staff"], people["coord"]
    await _submit(staff, app, rt, "/fund 全年培训 110000元 讲师课酬")
    await coord.press("批准")
    await _submit(staff, app, rt, "/fund 设备采购 30000元 投影仪")
    await coord.press("批准")
    await coord.press("核减批准")
    assert "已批准 10,000.00 元" in (await coord.send("一万元"))[0]
    assert (await request(rt, 2)).over_budget_override is False
    assert await money(rt) == (0, 12_000_000, 0, 0, 0)


async def test_a_coordinator_reassigns_a_stuck_review(rt, app, clock, people):
    liaison, staff, coord, coord2 = people["liaison"], people["staff"], people["coord"], people["coord2"]
    await _submit(liaison, app, rt)
    clock.advance(days=9)  # Tue 24 Nov → Thu 3 Dec: 7 working days
    listing = (await coord.send("/funds"))[0]
    assert "超过 5 个工作日" in listing and "已等待 7 个工作日" in listing
    await coord.press("#1")
    await coord.press("转交")
    assert {"孙校长（递铺街道）", "周协调（安吉县社区学院）"} <= {b[0] for b in coord.buttons()}
    assert "转交周协调" in (await coord.press("周协调"))[-1]
    req = await request(rt)
    assert req.reviewer_id is not None and req.state == "submitted"
    assert (await events(rt))[-1][:2] == ("submitted", "submitted")
    [assigned] = await outbox(rt, 702)
    assert "陈协调请您审核" in assigned.text and "fq1:rec:1:2" in assigned.buttons
    assert "已有变化" in (await staff.press("", data="fq1:rec:1:1"))[-1]
    assert "不在等待您审核" in (await staff.press("", data="fq1:rec:1:2"))[-1]  # no longer the staff's
    await drain(app, rt)
    await coord2.press("推荐")
    req = await request(rt)
    assert (req.state, req.reviewer_id) == ("town_reviewed", None)


async def test_linked_activities_and_attachments_go_with_the_request(rt, app, people, settings):
    liaison = people["liaison"]
    await liaison.send("/log 昨天 书法培训 30人 文体活动")
    await liaison.press("确认")
    await liaison.send(ONE_LINE)
    await liaison.press("关联活动")
    await liaison.press("书法培训")
    assert "书法培训" in (await liaison.press("完成"))[-1]
    assert "附件已收到（共 1 个）" in (await liaison.photo("plan-1"))[0]
    await liaison.document("预算.xlsx", b"PK fake", mime="application/vnd.ms-excel")
    await liaison.press("提交")
    async with rt.db.begin() as s:
        links = list(await s.scalars(select(FundingLink.activity_id)))
        activity = await s.scalar(select(Activity.id))
        files = list(await s.scalars(select(Attachment).where(Attachment.owner_type == "funding")))
    assert links == [activity]
    assert sorted(f.kind for f in files) == ["document", "photo"] and all(f.owner_id == 1 for f in files)
    assert "附件：2 个" in (await liaison.send("/funds 1"))[0]


async def test_cancel_and_a_stale_card_save_nothing(rt, app, people):
    liaison = people["liaison"]
    await liaison.send(ONE_LINE)
    await liaison.press("修改")
    await liaison.press("用途")
    await liaison.send("购买宣纸")
    assert "过期" in (await liaison.press("", data="f1:ok:1"))[-1]
    assert "已取消" in (await liaison.press("取消"))[-1]
    assert await outbox(rt) == [] and await request(rt) is None


async def test_a_reason_typed_after_the_request_moved_on_changes_nothing_and_closes_the_form(rt, app, people):
    liaison, staff = people["liaison"], people["staff"]
    await _submit(liaison, app, rt)
    await staff.press("退回")  # the staff starts typing a reason …
    await liaison.send("/funds 1")
    await liaison.press("撤回")
    await liaison.press("确定撤回")  # … while the liaison withdraws
    reply = (await staff.send("请补充预算明细"))[0]
    assert "已被他人处理" in reply and "已撤回" in reply
    assert (await request(rt)).state == "withdrawn" and len(await events(rt)) == 2
    assert "没有理解" in (await staff.send("请补充预算明细"))[0]  # the staff's form is closed
