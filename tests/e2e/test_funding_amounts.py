"""Amounts as people write them, in one line and as the answer to the form's question; bad ones get a clear reply
and change nothing. Through the real Application."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Draft
from tests.support.funding import request, sign_in_all

GOOD = [("1500", 150_000), ("1,500", 150_000), ("1500元", 150_000), ("¥1500", 150_000), ("1500.50", 150_050),
        ("1.5万", 1_500_000), ("一千五百元", 150_000), ("一千五", 150_000), ("１５００元", 150_000)]
BAD = [("0", "为零"), ("-5", "负数"), ("1e9", "没能读懂"), ("1500.555", "两位小数"), ("99999999999", "超过上限"),
       ("20万", "全年预算总额"), ("$1500", "没能读懂")]


@pytest.fixture
async def liaison(rt, app, person):
    return (await sign_in_all(rt, person))["liaison"]


async def _draft_amount(rt) -> int | None:  # noqa: ANN001
    async with rt.db.begin() as s:
        draft = await s.scalar(select(Draft))
        return None if draft is None else draft.data.get("amount")


@pytest.mark.parametrize("written, fen", GOOD)
async def test_one_line_amounts_are_stored_in_fen(rt, liaison, written, fen):
    card = (await liaison.send(f"/fund 老年大学书法班 {written} 购买笔墨纸砚"))[0]
    assert "老年大学书法班" in card and "购买笔墨纸砚" in card
    await liaison.press("提交")
    req = await request(rt)
    assert (req.amount_fen, req.title, req.purpose) == (fen, "老年大学书法班", "购买笔墨纸砚")


@pytest.mark.parametrize("written, fen", GOOD)
async def test_step_by_step_amounts_are_stored_in_fen(rt, liaison, written, fen):
    assert "项目是什么" in (await liaison.send("/fund"))[0]
    assert "申请多少经费" in (await liaison.send("老年大学书法班"))[0]
    assert "用于什么" in (await liaison.send(written))[0]
    await liaison.send("购买笔墨纸砚")
    await liaison.press("提交")
    assert (await request(rt)).amount_fen == fen


@pytest.mark.parametrize("written, expect", BAD)
async def test_bad_amounts_in_one_line_get_a_clear_reply_and_open_nothing(rt, liaison, written, expect):
    replies = await liaison.send(f"/fund 老年大学书法班 {written} 购买笔墨纸砚")
    assert expect in replies[0], replies
    assert await _draft_amount(rt) is None and await request(rt) is None


@pytest.mark.parametrize("written, expect", BAD + [("abc", "没能读懂"), ("一千五百人", "没能读懂")])
async def test_bad_amounts_as_answers_keep_the_question(rt, liaison, written, expect):
    await liaison.send("/fund 老年大学书法班")
    replies = await liaison.send(written)
    assert expect in replies[0], replies
    assert await _draft_amount(rt) is None
    assert "用于什么" in (await liaison.send("1500"))[0]  # still at the amount question


async def test_a_line_without_an_amount_asks_for_it(rt, liaison):
    assert "申请多少经费" in (await liaison.send("/fund 老年大学书法班 60人 购买笔墨纸砚"))[0]
    assert await _draft_amount(rt) is None


async def test_a_village_request_over_its_towns_whole_budget_names_the_town(rt, liaison):
    reply = (await liaison.send("/fund 文化礼堂改造 120000.01元 装修"))[0]
    assert "递铺街道全年预算总额（120,000.00 元）" in reply
    card = (await liaison.send("/fund 文化礼堂改造 120000元 装修"))[0]
    assert "本次申请后：0.00 元" in card


async def test_long_titles_and_html_are_handled(rt, liaison):
    assert "太长" in (await liaison.send("/fund " + "长" * 5000 + " 1500元"))[0]
    card = (await liaison.send("/fund <b>书法</b>班 1500元 <i>笔墨</i>"))[0]
    assert "&lt;b&gt;书法&lt;/b&gt;班" in card and "&lt;i&gt;笔墨&lt;/i&gt;" in card


async def test_people_who_do_not_request_funding_are_told_so(rt, app, person):
    people = await sign_in_all(rt, person)
    assert "联络员" in (await people["coord"].send("/fund 书法班 1500元 笔墨"))[0]
