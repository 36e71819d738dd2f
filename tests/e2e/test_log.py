"""Logging activities through the real Application, as liaisons and school staff meet it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import build_application
from storage.models import Activity, Attachment, AuditEntry, Draft
from tests.support.factories import COORDINATOR, LEADER, LIAISON, LIAISON2, TOWN_STAFF, load_roster, signed_in
from tests.support.sim import Person


async def _activities(rt) -> list[Activity]:
    async with rt.db.begin() as s:
        return list(await s.scalars(select(Activity).where(Activity.deleted_at.is_(None)).order_by(Activity.id)))


@pytest.fixture
async def liaison(rt, app, person):
    await load_roster(rt)
    return await signed_in(person, rt, 601, LIAISON)


async def test_one_line_log_shows_a_card_and_saves_on_confirm(rt, liaison):
    replies = await liaison.send("/log 11月20日 老年健康讲座 45人 2小时 老年教育 村文化礼堂")
    card = replies[0]
    for part in ("2026年11月20日 星期五", "老年健康讲座", "45", "2小时", "老年教育", "村文化礼堂", "古城村"):
        assert part in card, part
    assert await _activities(rt) == []  # nothing before ✅
    replies = await liaison.press("确认")
    assert "已保存" in replies[-1]
    [a] = await _activities(rt)
    assert (a.occurred_on, a.title, a.participants, a.minutes, a.category, a.place) == (
        date(2026, 11, 20), "老年健康讲座", 45, 120, "老年教育", "村文化礼堂")
    assert a.late is False
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "activity")) == 1
        assert await s.scalar(select(func.count()).select_from(Draft)) == 0


async def test_step_by_step_log(rt, liaison):
    assert "什么时候" in (await liaison.send("/log"))[0]
    assert "主题" in (await liaison.send("昨天"))[0]
    assert "多少人" in (await liaison.send("书法培训"))[0]
    assert "类别" in (await liaison.send("三十人"))[0]
    card = (await liaison.press("文体活动"))[-1]
    assert "2026年11月23日" in card and "书法培训" in card and "30" in card
    await liaison.press("确认")
    [a] = await _activities(rt)
    assert (a.occurred_on, a.participants, a.category) == (date(2026, 11, 23), 30, "文体活动")


async def test_cancel_saves_nothing(rt, liaison):
    await liaison.send("/log 昨天 讲座 30人 健康")
    assert "取消" in (await liaison.press("取消"))[-1]
    assert await _activities(rt) == []


async def test_edit_a_field_from_the_card(rt, liaison):
    await liaison.send("/log 昨天 讲座 30人 健康")
    await liaison.press("修改")
    assert "多少人" in (await liaison.press("人数"))[-1]
    card = (await liaison.send("50"))[0]
    assert "50" in card
    await liaison.press("确认")
    [a] = await _activities(rt)
    assert a.participants == 50


async def test_double_press_saves_once_and_says_why(rt, liaison):
    await liaison.send("/log 昨天 讲座 30人 健康")
    ok = next(data for label, data, _mid in liaison.buttons() if "确认" in label)
    await liaison.press("", data=ok)
    replies = await liaison.press("", data=ok)
    assert any("不再" in r for r in replies)
    assert len(await _activities(rt)) == 1


async def test_stale_card_button_changes_nothing(rt, liaison):
    await liaison.send("/log 昨天 讲座 30人 健康")  # version 1
    await liaison.press("修改")
    await liaison.press("人数")  # version 2
    replies = await liaison.press("", data="a1:ok:1")
    assert any("过期" in r for r in replies)
    assert await _activities(rt) == []


async def test_redelivered_confirm_and_message_change_nothing(rt, liaison):
    await liaison.send("/log 昨天 讲座 30人 健康")
    await liaison.redeliver()
    await liaison.press("确认")
    assert await liaison.redeliver() == []
    assert len(await _activities(rt)) == 1


@pytest.mark.parametrize("text, expect", [
    ("/log 2月30日 讲座 30人 健康", "日期"),
    ("/log 明天 讲座 30人 健康", "未来"),
    ("/log 昨天 讲座 -5人 健康", None),
    ("/log 昨天 " + "长" * 5000, "太长"),
])
async def test_bad_one_line_input_gets_a_clear_reply(rt, liaison, text, expect):
    replies = await liaison.send(text)
    if expect:
        assert expect in replies[0]
    await liaison.press("确认") if any("确认" in b[0] for b in liaison.buttons()) else None
    assert all(a.participants >= 0 for a in await _activities(rt))


@pytest.mark.parametrize("step_input, expect", [
    ("2月30日", "日期"), ("13月5日", "日期"), ("明天", "未来"), ("下周三", "未来"),
])
async def test_bad_dates_in_the_form_keep_the_question(rt, liaison, step_input, expect):
    await liaison.send("/log")
    replies = await liaison.send(step_input)
    assert expect in replies[0]
    assert "什么时候" not in replies[0]
    assert "主题" in (await liaison.send("昨天"))[0]  # the form is still at the date question


@pytest.mark.parametrize("answer", ["abc", "-5", "1e9", "100001"])
async def test_bad_participant_counts_are_refused(rt, liaison, answer):
    await liaison.send("/log 昨天 讲座")
    replies = await liaison.send(answer)
    assert "多少人" not in replies[0] or "人数" in replies[0]
    async with rt.db.begin() as s:
        draft = await s.get(Draft, 1) or await s.scalar(select(Draft))
        assert draft.data.get("participants") is None


async def test_html_in_titles_is_shown_as_text(rt, liaison):
    replies = await liaison.send("/log 昨天 <b>讲座</b> 30人 健康")
    assert "&lt;b&gt;讲座&lt;/b&gt;" in replies[0]


async def test_old_date_is_flagged_late_and_doubtful(rt, liaison):
    card = (await liaison.send("/log 9月1日 讲座 30人 健康"))[0]
    assert "补录" in card and "30天" in card
    await liaison.press("确认")
    [a] = await _activities(rt)
    assert a.late is True


async def test_photos_after_confirm_join_the_activity_as_files(rt, liaison, settings):
    await liaison.send("/log 昨天 讲座 30人 健康")
    await liaison.press("确认")
    first = await liaison.photo("u1", media_group_id="album1")
    second = await liaison.photo("u2", media_group_id="album1")
    again = await liaison.photo("u2")  # the same photo again is kept once
    assert "照片" in first[0] and second == []
    assert "2" in again[0]
    [a] = await _activities(rt)
    async with rt.db.begin() as s:
        files = list(await s.scalars(select(Attachment).where(Attachment.owner_id == a.id)))
    assert len(files) == 2
    assert all(Path(f.path).read_bytes() == b"\xff\xd8fakejpeg" for f in files)


async def test_photo_without_a_recent_activity_is_refused(rt, liaison, clock):
    replies = await liaison.photo("u9")
    assert "/log" in replies[0]
    await liaison.send("/log 昨天 讲座 30人 健康")
    await liaison.press("确认")
    clock.advance(hours=2)
    assert "/log" in (await liaison.photo("u10"))[0]


async def test_liaison_logs_only_for_their_village_and_staff_choose_a_unit(rt, app, person):
    await load_roster(rt)
    staff = await signed_in(person, rt, 602, TOWN_STAFF)
    replies = await staff.send("/log 昨天 鲁家村 讲座 30人 健康")
    assert "鲁家村" in replies[0]
    await staff.press("修改")
    await staff.press("单位")
    labels = [b[0] for b in staff.buttons()]
    assert set(labels) >= {"递铺街道", "古城村", "鲁家村"} and "横溪坞村" not in labels
    unit_button = next(b for b in staff.buttons() if b[0] == "古城村")
    await staff.press("古城村")
    await staff.press("确认")
    [a] = await _activities(rt)
    assert a.unit_id == int(unit_button[1].split(":")[-1])
    forged = await staff.press("", data="a1:unit:1:999")
    assert forged  # refused with a reason


async def test_leader_cannot_log(rt, app, person):
    await load_roster(rt)
    leader = await signed_in(person, rt, 603, LEADER)
    replies = await leader.send("/log 昨天 讲座 30人")
    assert "无权" in replies[0] or "不能" in replies[0]


async def test_my_lists_edits_deletes_and_undoes(rt, liaison):
    await liaison.send("/log 昨天 讲座 30人 健康")
    await liaison.press("确认")
    listing = (await liaison.send("/my"))[0]
    assert "讲座" in listing
    [a] = await _activities(rt)
    await liaison.press(f"🗑 #{a.id}")
    assert await _activities(rt) == []
    await liaison.press("撤销")
    assert len(await _activities(rt)) == 1
    await liaison.send("/my")
    await liaison.press(f"✏️ #{a.id}")
    await liaison.press("修改")
    await liaison.press("主题")
    await liaison.send("健康讲座")
    await liaison.press("确认")
    [a] = await _activities(rt)
    assert a.title == "健康讲座"
    async with rt.db.begin() as s:
        actions = list(await s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "activity")))
    assert actions == ["create", "delete", "restore", "update"]


async def test_others_cannot_edit_or_delete_my_entries(rt, liaison, person):
    await liaison.send("/log 昨天 讲座 30人 健康")
    await liaison.press("确认")
    [a] = await _activities(rt)
    other = await signed_in(person, rt, 604, LIAISON2)
    replies = await other.press("", data=f"m1:del:{a.id}")
    assert any("无权" in r for r in replies)
    assert len(await _activities(rt)) == 1


async def test_owner_edit_window_closes_after_seven_days_but_coordinator_can(rt, liaison, person, clock):
    await liaison.send("/log 昨天 讲座 30人 健康")
    await liaison.press("确认")
    [a] = await _activities(rt)
    clock.advance(days=8)
    replies = await liaison.press("", data=f"m1:del:{a.id}")
    assert any("协调员" in r for r in replies)
    coordinator = await signed_in(person, rt, 605, COORDINATOR)
    await coordinator.press("", data=f"m1:del:{a.id}")
    assert await _activities(rt) == []


async def test_a_restart_in_the_middle_of_a_form_loses_nothing(rt, liaison, api):
    await liaison.send("/log")
    await liaison.send("昨天")
    restarted = build_application(rt, request=api, rate_limit=False)  # a new process: nothing in memory
    async with restarted:
        p = Person(restarted, rt, api, liaison.user_id)
        await p.send("书法培训")
        await p.send("30")
        await p.press("文体活动")
        await p.press("确认")
    [a] = await _activities(rt)
    assert a.title == "书法培训"


async def test_coordinator_opens_anyones_entry_by_number_others_cannot(rt, liaison, person):
    await liaison.send("/log 昨天 讲座 30人 健康")
    await liaison.press("确认")
    [a] = await _activities(rt)
    coordinator = await signed_in(person, rt, 606, COORDINATOR)
    listing = (await coordinator.send(f"/my {a.id}"))[0]
    assert "讲座" in listing and any(f"#{a.id}" in b[0] for b in coordinator.buttons())
    other = await signed_in(person, rt, 607, LIAISON2)
    assert "没有您可以查看的记录" in (await other.send(f"/my {a.id}"))[0]


@pytest.mark.parametrize("data", ["m1:del:99999999999999999999", "a1:ok:-1", "m1:ed:" + "9" * 24, "x" * 65, "m1:del:1:2:3:4:5:6"])
async def test_forged_or_oversized_button_data_is_refused_clearly(rt, liaison, data):
    replies = await liaison.press("", data=data)
    assert any("过期" in r for r in replies)
