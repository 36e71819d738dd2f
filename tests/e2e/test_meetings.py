"""Meetings through the real Application: scheduling, invitations, RSVP, check-in, changes, minutes, /body."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.meeting_jobs import sweep_job
from bot.outbox_sender import drain
from storage.models import Attachment, Body, BodyMember, Meeting, MeetingAttendee, OutboxMessage, Person
from tests.conftest import TZ
from tests.support.factories import COORDINATOR, LEADER, LIAISON, TOWN_STAFF, load_roster, signed_in

ONE_LINE = "/meeting 下周三下午3点 领导小组会议 地点：教育局三楼会议室 议题：年度工作总结"


async def _meetings(rt) -> list[Meeting]:
    async with rt.db.begin() as s:
        return list(await s.scalars(select(Meeting).order_by(Meeting.id)))


async def _attendee(rt, meeting_id: int, phone: str) -> MeetingAttendee:
    async with rt.db.begin() as s:
        pid = await s.scalar(select(Person.id).where(Person.phone == phone))
        return await s.get(MeetingAttendee, (meeting_id, pid))


@pytest.fixture
async def people(rt, app, person):
    await load_roster(rt)
    return {
        "coord": await signed_in(person, rt, 701, COORDINATOR),
        "leader": await signed_in(person, rt, 703, LEADER),
        "staff": await signed_in(person, rt, 711, TOWN_STAFF),
        "liaison": await signed_in(person, rt, 601, LIAISON),
    }


async def _schedule(people, rt, app, text: str = ONE_LINE) -> Meeting:
    await people["coord"].send(text)
    await people["coord"].press("确认")
    await drain(app, rt)
    return (await _meetings(rt))[-1]


async def test_one_line_meeting_is_echoed_in_full_and_invites_the_members_on_confirm(rt, app, api, people):
    coord, leader = people["coord"], people["leader"]
    card = (await coord.send(ONE_LINE))[0]
    for part in ("2026年12月2日 星期三 15:00", "安吉县领导小组", "领导小组会议", "教育局三楼会议室", "年度工作总结", "2 位"):
        assert part in card, part
    assert await _meetings(rt) == []  # nothing before ✅
    done = (await coord.press("确认"))[-1]
    assert "已安排" in done and "2026年12月2日" in done
    [m] = await _meetings(rt)
    assert (m.title, m.place, m.agenda, m.state, m.version) == ("领导小组会议", "教育局三楼会议室", "年度工作总结", "scheduled", 1)
    assert m.starts_at == datetime(2026, 12, 2, 15, 0, tzinfo=TZ)
    await drain(app, rt)
    [invitation] = api.texts(703)[-1:]
    assert "会议邀请" in invitation and "教育局三楼会议室" in invitation
    assert {label for label, *_ in leader.buttons()} >= {"✅ 参加", "🙏 请假"}
    assert not any("会议邀请" in t for t in api.texts(701))  # the organiser is not invited by message


async def test_step_by_step_meeting_of_a_village_body_by_town_staff(rt, app, api, people):
    staff = people["staff"]
    assert "哪个机构" in (await staff.send("/meeting"))[0]
    labels = [label for label, *_ in staff.buttons()]
    assert "古城村教务委员会" in labels and not any("孝丰镇" in x or "领导小组" in x for x in labels)
    assert "名称" in (await staff.press("古城村教务委员会"))[-1]
    assert "开始" in (await staff.send("教务委员会例会"))[0]
    assert "地点" in (await staff.send("明天下午3点"))[0]
    assert "议题" in (await staff.send("村委会会议室"))[0]
    card = (await staff.press("跳过"))[-1]
    assert "2026年11月25日 星期三 15:00" in card and "村委会会议室" in card
    await staff.press("确认")
    [m] = await _meetings(rt)
    assert (m.title, m.place, m.agenda) == ("教务委员会例会", "村委会会议室", "")
    await drain(app, rt)
    assert any("教务委员会例会" in t for t in api.texts(601))


async def test_typing_a_units_name_picks_its_body(rt, app, people):
    staff = people["staff"]
    await staff.send("/meeting")
    assert "不能" in (await staff.send("孝丰镇"))[0]  # another town's body is not offered
    assert "名称" in (await staff.send("鲁家村"))[0]
    await staff.send("教务委员会例会")
    await staff.send("明天下午3点")
    await staff.press("跳过")  # the place
    assert "鲁家村教务委员会" in (await staff.press("跳过"))[-1]  # the agenda, then the card


async def test_liaison_may_not_schedule_and_staff_not_another_towns_body(rt, app, people):
    assert "只有" in (await people["liaison"].send("/meeting 明天下午3点 开会"))[0]
    async with rt.db.begin() as s:
        other = await s.scalar(select(Body.id).join(Person, Person.unit_id == Body.unit_id)
                               .where(Person.phone == "13800000021"))
    staff = people["staff"]
    await staff.send("/meeting")
    version = staff.buttons()[0][1].split(":")[2]
    replies = await staff.press("", data=f"g1:body:{version}:{other}")
    assert any("不能" in r for r in replies)
    assert await _meetings(rt) == []


async def test_rsvp_attend_then_excused_with_a_reason_and_the_organiser_sees_it(rt, app, api, people):
    m = await _schedule(people, rt, app)
    leader = people["leader"]
    assert "参加" in (await leader.press("参加"))[-1]
    assert (await _attendee(rt, m.id, LEADER)).rsvp == "yes"
    assert "原因" in (await leader.press("请假"))[-1]
    assert "已记录" in (await leader.send("下乡检查"))[0]
    row = await _attendee(rt, m.id, LEADER)
    assert (row.rsvp, row.reason) == ("no", "下乡检查")
    listing = (await people["coord"].send("/meetings"))[0]
    assert "1 人请假" in listing
    answers = (await people["coord"].press(f"👥 #{m.id}"))[-1]
    assert "吴领导" in answers and "下乡检查" in answers


async def test_rsvp_by_someone_not_invited_or_with_forged_data_changes_nothing(rt, app, people):
    m = await _schedule(people, rt, app)
    replies = await people["liaison"].press("", data=f"mt1:yes:{m.id}:1")
    assert any("未被邀请" in r for r in replies)
    assert any("过期" in r for r in await people["leader"].press("", data="mt1:yes:abc"))
    async with rt.db.begin() as s:
        assert set(await s.scalars(select(MeetingAttendee.rsvp))) == {"none"}


async def test_check_in_opens_30_minutes_before_and_counts_once(rt, app, clock, people):
    m = await _schedule(people, rt, app)
    leader = people["leader"]
    replies = await leader.press("", data=f"mt1:in:{m.id}")
    assert any("签到时间" in r for r in replies)
    clock.set(datetime(2026, 12, 2, 14, 40, tzinfo=TZ))
    await leader.send("/meetings")
    assert "签到" in (await leader.press(f"📍 #{m.id}"))[-1]
    first = (await _attendee(rt, m.id, LEADER)).checked_in_at
    assert first == clock()
    clock.advance(minutes=5)
    assert "您已于 14:40 签到" in (await leader.press("", data=f"mt1:in:{m.id}"))[-1]
    assert (await _attendee(rt, m.id, LEADER)).checked_in_at == first
    clock.set(datetime(2026, 12, 2, 17, 1, tzinfo=TZ))
    assert any("签到时间" in r for r in await people["coord"].press("", data=f"mt1:in:{m.id}"))


async def test_reschedule_tells_every_invitee_and_old_buttons_go_stale(rt, app, api, people):
    m = await _schedule(people, rt, app)
    leader, coord = people["leader"], people["coord"]
    old_yes = next(data for label, data, _ in leader.buttons() if "参加" in label)
    await leader.press("参加")
    await coord.send("/meetings")
    assert "开始" in (await coord.press(f"🕘 #{m.id}"))[-1]
    card = (await coord.send("下周四上午9点"))[0]
    assert "2026年12月3日 星期四 09:00" in card
    await coord.press("确认")
    [m2] = await _meetings(rt)
    assert (m2.version, m2.starts_at) == (2, datetime(2026, 12, 3, 9, 0, tzinfo=TZ))
    await drain(app, rt)
    assert "会议变更" in api.texts(703)[-1] and "12月3日" in api.texts(703)[-1]
    assert (await _attendee(rt, m.id, LEADER)).rsvp == "none"  # answers were for the old time
    assert any("已变更" in r for r in await leader.press("", data=old_yes))
    await leader.press("参加")
    assert (await _attendee(rt, m.id, LEADER)).rsvp == "yes"


async def test_cancel_tells_every_invitee(rt, app, api, people):
    m = await _schedule(people, rt, app)
    coord = people["coord"]
    await coord.send("/meetings")
    await coord.press(f"❌ #{m.id}")
    assert "已取消" in (await coord.press("是，取消"))[-1]
    await drain(app, rt)
    assert "会议取消" in api.texts(703)[-1]
    [m2] = await _meetings(rt)
    assert m2.state == "cancelled"
    assert any("已取消" in r for r in await people["leader"].press("", data=f"mt1:yes:{m.id}:1"))


async def test_far_ahead_and_past_times_are_flagged_on_the_card(rt, app, people):
    card = (await people["coord"].send("/meeting 2027年3月1日上午9点 领导小组会议"))[0]
    assert "60 天" in card
    await people["coord"].press("取消")
    card = (await people["coord"].send("/meeting 今天上午8点 领导小组会议"))[0]
    assert "已经过去" in card


async def test_repeating_meeting_from_one_line(rt, app, people):
    card = (await people["coord"].send("/meeting 每周一上午9点 办公室例会"))[0]
    assert "每周一 09:00" in card and "2026年11月30日 星期一 09:00" in card and "安吉县办公室" in card
    await people["coord"].press("确认")
    [m] = await _meetings(rt)
    assert (m.series_rule, m.series_id) == ("W1:MO@09:00", m.id)


async def test_minutes_by_text_photo_and_document_make_the_meeting_count(rt, app, api, clock, people):
    m = await _schedule(people, rt, app)
    coord = people["coord"]
    assert "领导小组：0 / 1" in (await coord.send("/meetings"))[0]
    clock.set(datetime(2026, 12, 2, 17, 5, tzinfo=TZ))
    await sweep_job(rt)
    await drain(app, rt)
    assert "纪要" in api.texts(701)[-1]
    assert "纪要" in (await coord.press("提交会议纪要"))[-1]
    assert "已收到文字" in (await coord.send("一、总结全年工作；二、部署明年计划。"))[0]
    assert "1 个文件" in (await coord.photo("minutes-p1"))[0]
    assert "2 个文件" in (await coord.document("纪要.pdf", b"%PDF-1.4", mime="application/pdf"))[0]
    await coord.press("完成")
    [m2] = await _meetings(rt)
    assert (m2.state, m2.minutes_text) == ("held", "一、总结全年工作；二、部署明年计划。")
    async with rt.db.begin() as s:
        kinds = sorted(await s.scalars(select(Attachment.kind).where(Attachment.owner_type == "meeting")))
    assert kinds == ["document", "photo"]
    assert "领导小组：1 / 1" in (await coord.send("/meetings"))[0]
    assert any("照片" in r or "活动" in r for r in await coord.photo("after-done"))  # back to the activity photos


async def test_admin_sets_a_bodys_minimum_and_members_with_body(rt, app, people):
    coord = people["coord"]
    card = (await coord.send("/body T2:校务委员会 6次 +13800000022"))[0]
    assert "4 → 6" in card and "郑联络" in card
    await coord.press("确认")
    async with rt.db.begin() as s:
        body = await s.scalar(select(Body).join(Person, Person.unit_id == Body.unit_id).where(Person.phone == "13800000021"))
        members = await s.scalar(select(func.count()).select_from(BodyMember).where(BodyMember.body_id == body.id,
                                                                                 BodyMember.active))
    assert (body.min_per_year, members) == (6, 2)
    assert "T2:校务委员会 · 6 · 2" in (await coord.send("/body"))[0]
    assert "无权" in (await people["staff"].send("/body T1:校务委员会 9次"))[0]


async def test_redelivered_confirm_schedules_and_invites_once(rt, app, people):
    await people["coord"].send(ONE_LINE)
    await people["coord"].press("确认")
    await people["coord"].redeliver()
    assert len(await _meetings(rt)) == 1
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # the leader's invitation


@pytest.mark.parametrize("text, expect", [
    ("/meeting 2月30日下午3点 领导小组会议", "无法从"),
    ("/meeting 明天 领导小组会议", "开始时间"),
    ("/meeting 明天下午3点 " + "长" * 5000, "太长"),
])
async def test_bad_meeting_lines_get_a_clear_reply_and_save_nothing(rt, app, people, text, expect):
    replies = await people["coord"].send(text)
    assert expect in replies[0]
    assert not any("确认" in label for label, *_ in people["coord"].buttons())
    assert await _meetings(rt) == []


async def test_html_in_a_title_is_shown_as_text(rt, app, api, people):
    card = (await people["coord"].send("/meeting 明天下午3点 <b>领导小组</b>会议"))[0]
    assert "&lt;b&gt;领导小组&lt;/b&gt;会议" in card
    await people["coord"].press("确认")
    await drain(app, rt)
    assert "&lt;b&gt;" in api.texts(703)[-1]


async def test_typing_while_the_card_is_shown_points_to_its_buttons(rt, app, people):
    await people["coord"].send(ONE_LINE)
    assert "按钮" in (await people["coord"].send("好的"))[0]
    assert await _meetings(rt) == []


async def test_changing_the_place_keeps_answers_and_tells_invitees(rt, app, api, people):
    m = await _schedule(people, rt, app)
    leader, coord = people["leader"], people["coord"]
    await leader.press("参加")
    await coord.send("/meetings")
    await coord.press(f"🕘 #{m.id}")
    await coord.press("返回")
    await coord.press("修改")
    assert "地点" in (await coord.press("地点"))[-1]
    assert "二楼小会议室" in (await coord.send("二楼小会议室"))[0]
    await coord.press("确认")
    await drain(app, rt)
    assert "会议信息更新" in api.texts(703)[-1] and "二楼小会议室" in api.texts(703)[-1]
    assert (await _attendee(rt, m.id, LEADER)).rsvp == "yes"


@pytest.mark.parametrize("data", ["mt1:yes:99999999999999999999:1", "mt1:in:99999999999", "mn1:min:99999999999",
                                  "mt1:who:0", "mt1:cxy:1:99999999999", "mt1:zz:1", "g1:body:1:99999999999",
                                  "b1:ok:99999999999", "mt1:yes", "mn1:done:1"])
async def test_forged_meeting_buttons_get_a_refusal_and_change_nothing(rt, app, people, data):
    m = await _schedule(people, rt, app)
    replies = await people["leader"].press("", data=data)
    assert replies and not any("出错" in r for r in replies)
    [after] = await _meetings(rt)
    assert (after.state, after.version) == ("scheduled", m.version)
