"""The digest's pure parts: ISO weeks and the send schedule, roll-up per town, rendering and its split."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

import pytest

from services.digest import Row, rollup
from services.digest_errors import BadWeek
from services.digest_render import HTML_LIMIT, render_html
from services.report_format import num, pct
from services.report_queries import Figures
from services.robot_messages import LIMITS, robot_bodies
from services.unit_tree import Node, Tree
from services.weeks import last_complete_week, last_fire, parse_week
from tests.support.digest_fixture import TZ, make_digest

CRON = "0 8 * * mon"


@pytest.mark.parametrize("label, start, end", [
    ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),  # crosses a year
    ("2026-W05", date(2026, 1, 26), date(2026, 2, 1)),  # crosses a month
    ("2026-W53", date(2026, 12, 28), date(2027, 1, 3)),  # 2026 has 53 ISO weeks
    ("2026w47", date(2026, 11, 16), date(2026, 11, 22)),
])
def test_iso_weeks_run_monday_to_sunday(label, start, end):
    week = parse_week(label)
    assert (week.start, week.end) == (start, end)
    assert week.start.weekday() == 0 and (week.end - week.start).days == 6


@pytest.mark.parametrize("text", ["2027-W53", "2026-W00", "W47", "2026-11-16", ""])
def test_weeks_that_do_not_exist_are_refused(text):
    with pytest.raises(BadWeek):
        parse_week(text)


@pytest.mark.parametrize("now, week, fired", [
    (datetime(2026, 11, 23, 7, 59, tzinfo=TZ), "2026-W46", datetime(2026, 11, 16, 8, 0, tzinfo=TZ)),
    (datetime(2026, 11, 23, 8, 0, tzinfo=TZ), "2026-W47", datetime(2026, 11, 23, 8, 0, tzinfo=TZ)),
    (datetime(2026, 11, 26, 15, 0, tzinfo=TZ), "2026-W47", datetime(2026, 11, 23, 8, 0, tzinfo=TZ)),
    (datetime(2027, 1, 4, 9, 0, tzinfo=TZ), "2026-W53", datetime(2027, 1, 4, 8, 0, tzinfo=TZ)),
])
def test_the_due_week_is_the_one_before_the_last_send_time(now, week, fired):
    fire = last_fire(CRON, now, TZ)
    assert fire == fired
    assert last_complete_week(fire, TZ).label == week


def test_a_monthly_schedule_looks_back_far_enough():
    assert last_fire("0 9 1 * *", datetime(2026, 11, 30, tzinfo=TZ), TZ) == datetime(2026, 11, 1, 9, tzinfo=TZ)


def _tree() -> Tree:
    made = datetime(2026, 1, 1, tzinfo=TZ)
    nodes = [Node(1, None, "县", "county", 1000, True, made), Node(2, 1, "东镇", "town", 0, True, made),
             Node(3, 2, "甲村", "village", None, True, made), Node(4, 1, "西镇", "town", None, True, made),
             Node(5, 4, "乙村", "village", 300, True, made), Node(6, 1, "撤销镇", "town", 50, False, made)]
    return Tree({n.id: n for n in nodes})


def test_rollup_counts_villages_under_their_town_and_keeps_own_entries_apart():
    tree = _tree()
    this = {(3, "老年教育"): Figures(2, 50, 5, 120), (1, "其他"): Figures(1, 10, 0, 60), (2, "老年教育"): Figures(1, 5, 0, 30)}
    prev = {(5, "其他"): Figures(1, 7, 7, 30)}
    rows, cats = rollup(tree, 1, this, prev)
    assert rows == (Row("东镇", Figures(3, 55, 5, 150), Figures()), Row("西镇", Figures(), Figures(1, 7, 7, 30)),
                    Row("县", Figures(1, 10, 0, 60), Figures(), own=True))  # the closed town has no row
    assert [(c.name, c.week.activities, c.prev.activities) for c in cats] == [("老年教育", 3, 0), ("其他", 1, 1)]


def test_population_falls_back_to_the_villages_and_zero_stays_zero():
    tree = _tree()
    assert (tree.population(1), tree.population(2), tree.population(4), tree.population(3)) == (1000, 0, 300, 0)


def test_numbers_are_grouped_and_missing_shares_shown_as_a_dash():
    assert num(1234567, "zh_CN") == "1,234,567"
    assert (pct(0.3049, "zh_CN"), pct(0.5, "zh_CN", 0), pct(None, "zh_CN")) == ("30.5%", "50%", "—")


def test_a_county_digest_fits_one_message_with_chinese_dates_and_money():
    [text] = render_html(make_digest(4))
    for part in ("安吉县社区教育周报", "2026年第47周（11月16日—11月22日）", "480,000.00 元", "一、上周活动", "四、会议安排"):
        assert part in text, part
    assert "按参与人次计算" in text  # the share of residents says how it is counted


def test_an_oversized_digest_is_split_cleanly_at_line_and_section_boundaries():
    digest = make_digest(600, quiet=60, bodies=40, upcoming=30)
    parts = render_html(digest)
    assert len(parts) > 3
    assert all(len(p) <= HTML_LIMIT < 4096 for p in parts)
    assert all(p.count("<b>") == p.count("</b>") for p in parts)  # no tag cut in half
    for i, part in enumerate(parts[1:], start=2):
        assert part.startswith(f"<b>安吉县周报 2026-W47（续，{i}/{len(parts)}）</b>\n<b>")  # each goes on with a title
    lines = [line for p in parts for line in p.split("\n")]
    for row in digest.rows:
        assert sum(line.startswith(f"· {row.name}：") for line in lines) == 1, row.name  # every town once, whole
    assert "四、会议安排" in parts[-1] and "…… 另有 15 场会议" in parts[-1]


def test_robot_markdown_keeps_each_platform_limit_and_defuses_markup_in_names():
    digest = make_digest(600, quiet=60)
    digest = replace(digest, rows=(Row("*粗体*_镇_[链接]", Figures(1, 1, 0, 0), Figures()),) + digest.rows)
    for channel in ("wecom", "dingtalk", "feishu"):
        bodies = robot_bodies(digest, channel)
        texts = [b.get("markdown", {}).get("content") or b.get("markdown", {}).get("text")
                 or b["card"]["elements"][0]["content"] for b in bodies]
        assert all(len(t.encode()) <= LIMITS[channel] for t in texts), channel
        joined = "\n".join(texts)
        assert "＊粗体＊＿镇＿［链接］" in joined and "**一、上周活动**" in joined
        assert not re.search(r"<b>|</b>", joined)
    assert len(robot_bodies(digest, "wecom")) > len(robot_bodies(digest, "dingtalk"))
