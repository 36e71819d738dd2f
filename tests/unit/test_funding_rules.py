"""The rules of funding without a database: reading a request line, whose review a request waits for, which budget a
unit draws on, the standard's day, budget arithmetic, disbursement notes, spent amounts, button data."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.budgets import Budget, Figures, holder_of, standard_day
from services.funding_cards import RequestInfo, buttons
from services.funding_decide import read_disbursement
from services.funding_errors import DisbursedInFuture, SpentOverApproved
from services.funding_flow import Place, stage_of
from services.funding_settle import read_spent
from services.funding_text import read_fund_line
from services.i18n import translator
from services.money import BadAmount
from services.unit_tree import Node, Tree

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize("line, title, fen, purpose", [
    ("老年大学书法班 1500元 购买笔墨纸砚", "老年大学书法班", 150_000, "购买笔墨纸砚"),
    ("老年大学书法班 1,500 购买笔墨纸砚", "老年大学书法班", 150_000, "购买笔墨纸砚"),
    ("老年大学书法班 ¥1500 购买笔墨纸砚", "老年大学书法班", 150_000, "购买笔墨纸砚"),
    ("老年大学书法班 1500.50 购买笔墨纸砚", "老年大学书法班", 150_050, "购买笔墨纸砚"),
    ("老年大学书法班 1.5万 购买笔墨纸砚", "老年大学书法班", 1_500_000, "购买笔墨纸砚"),
    ("老年大学书法班 一千五百元 购买笔墨纸砚", "老年大学书法班", 150_000, "购买笔墨纸砚"),
    ("老年大学书法班 一千五 购买笔墨纸砚", "老年大学书法班", 150_000, "购买笔墨纸砚"),
    ("老年大学书法班，1500元，购买笔墨纸砚", "老年大学书法班", 150_000, "购买笔墨纸砚"),
    ("1500元 老年大学书法班", "老年大学书法班", 150_000, ""),
    ("老年大学书法班 60人 购买笔墨纸砚", "老年大学书法班 60人 购买笔墨纸砚", None, ""),
    ("第3期书法班", "第3期书法班", None, ""),
])
def test_a_request_line_is_title_amount_purpose(line, title, fen, purpose):
    got = read_fund_line(line)
    assert (got.title, got.amount, got.purpose) == (title, fen, purpose)


@pytest.mark.parametrize("line, reason", [
    ("书法班 0元 笔墨", "zero"), ("书法班 -5 笔墨", "negative"), ("书法班 1e9 笔墨", "unreadable"),
    ("书法班 $1500 笔墨", "unreadable"), ("书法班 1500.555元", "too_precise"), ("书法班 99999999999 笔墨", "too_large"),
])
def test_an_unusable_amount_in_a_line_is_refused(line, reason):
    with pytest.raises(BadAmount) as exc:
        read_fund_line(line)
    assert exc.value.reason == reason


VILLAGE = Place(unit_id=3, level="village", town_id=2, county_id=1)
TOWN = Place(unit_id=2, level="town", town_id=None, county_id=1)


@pytest.mark.parametrize("state, place, stage", [
    ("submitted", VILLAGE, "town"), ("submitted", TOWN, "county"), ("town_reviewed", VILLAGE, "county"),
    ("approved", VILLAGE, None), ("returned", VILLAGE, None), ("withdrawn", TOWN, None), ("settled", TOWN, None),
])
def test_whose_review_a_request_waits_for(state, place, stage):
    assert stage_of(state, place) == stage


def _tree() -> Tree:
    at = datetime(2026, 1, 1, tzinfo=TZ)
    rows = [(1, None, "县", "county", 480_000), (2, 1, "镇", "town", 120_000), (3, 2, "村", "village", 3_200),
            (4, 1, "妇联", "department", None), (5, 1, "学院", "college", None), (6, 1, "直属村", "village", 900)]
    return Tree({i: Node(i, p, n, lvl, pop, True, at) for i, p, n, lvl, pop in rows})


@pytest.mark.parametrize("unit, holder", [(3, 2), (2, 2), (4, 1), (5, 1), (1, 1), (6, 1)])
def test_which_budget_a_unit_draws_on(unit, holder):
    assert holder_of(_tree(), unit) == holder


def test_the_standard_of_a_year_is_read_on_the_right_day():
    today = date(2026, 11, 24)
    assert standard_day(2026, today) == today
    assert standard_day(2025, today) == date(2025, 12, 31)
    assert standard_day(2027, today) == date(2027, 1, 1)


def test_unspent_money_returns_to_the_budget():
    f = Figures(pending=50, approved=1_000, disbursed=1_000, settled=700, returned=300)
    b = Budget(3, "村", 2, "镇", "T1", "town", 2026, 120_000, 150, False, 5_000, f)
    assert b.allocation == 120_000 * 150 + 5_000
    assert b.remaining == b.allocation - 700  # the settled request counts what was spent, not what was approved
    assert f.committed == 700


@pytest.mark.parametrize("text, day, note", [
    ("今天 银行转账", date(2026, 11, 24), "银行转账"),
    ("银行转账 凭证号123", date(2026, 11, 24), "银行转账 凭证号123"),
    ("11月20日 转账", date(2026, 11, 20), "转账"),
    ("昨天", date(2026, 11, 23), ""),
])
def test_a_disbursement_note_gives_its_day(text, day, note):
    assert read_disbursement(text, now=NOW, tz=TZ) == (day, note)


@pytest.mark.parametrize("text", ["明天 转账", "11月25日 转账"])
def test_a_disbursement_cannot_be_in_the_future(text):
    with pytest.raises(DisbursedInFuture):
        read_disbursement(text, now=NOW, tz=TZ)


def test_spent_amounts():
    assert read_spent("1200.50", 150_000, "zh_CN") == 120_050
    assert read_spent("0", 150_000, "zh_CN") == 0
    assert read_spent("没有", 150_000, "zh_CN") == 0
    with pytest.raises(SpentOverApproved):
        read_spent("1500.01", 150_000, "zh_CN")
    with pytest.raises(BadAmount):
        read_spent("-3", 150_000, "zh_CN")


def test_button_data_fits_telegrams_limit_for_large_ids():
    info = RequestInfo(2_000_000_000, 99_999, "submitted", "county", 2026, "村", "镇", 1, "曲亮", "t", "p", 10**12, None,
                       None, "", None, NOW, None, False, (), 0, 0, "", 0,
                       actions=("approve", "partial", "return", "reject", "reassign"))
    rows = buttons(info, translator("zh_CN"), "zh_CN")
    data = [d for row in rows for _label, d in row]
    assert len(data) == 5 and all(len(d.encode()) <= 64 for d in data)
    assert data[0] == "fq1:ok:2000000000:99999"
