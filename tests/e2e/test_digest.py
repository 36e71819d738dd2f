"""The weekly digest as people meet it: /setchat digest in the leadership group, Monday's digest with its
chart arriving there once, /digest on demand, robot webhooks bound in private, and refusals."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.digest_jobs import digest_job
from bot.outbox_sender import drain
from storage.models import Activity, DigestBinding, Person, Unit
from tests.support.factories import COORDINATOR, LEADER, LIAISON, load_roster, signed_in

GROUP = -1001234


@pytest.fixture
async def people(rt, app, person):
    await load_roster(rt)
    async with rt.db.begin() as s:
        unit = await s.scalar(select(Unit.id).where(Unit.code == "T1V1"))
        reporter = await s.scalar(select(Person.id).where(Person.phone == LIAISON))
        for day, n in ((date(2026, 11, 17), 45), (date(2026, 11, 20), 30), (date(2026, 11, 10), 12)):
            at = datetime(day.year, day.month, day.day, 20, tzinfo=rt.settings.tz)
            s.add(Activity(unit_id=unit, reporter_id=reporter, occurred_on=day, title="老年健康讲座", category="老年教育",
                           target_groups=[], participants=n, minors=5, minutes=120, created_at=at, updated_at=at))
    coordinator = await signed_in(person, rt, 501, COORDINATOR)
    return {"coordinator": coordinator, "leader": await signed_in(person, rt, 502, LEADER),
            "liaison": await signed_in(person, rt, 503, LIAISON), "in_group": person(501, chat_id=GROUP),
            "liaison_in_group": person(503, chat_id=GROUP)}


async def _bindings(rt) -> list[DigestBinding]:
    async with rt.db.begin() as s:
        return list(await s.scalars(select(DigestBinding).order_by(DigestBinding.id)))


async def test_coordinator_binds_the_group_and_monday_brings_one_digest_with_a_chart(rt, app, api, clock, people):
    replies = await people["in_group"].send("/setchat digest")
    assert "安吉县的社区教育周报今后将发送到这个Telegram 群" in replies[0] and "11月30日（周一）08:00" in replies[0]
    await people["in_group"].redeliver()  # Telegram delivers the update again: still one binding
    [binding] = await _bindings(rt)
    assert (binding.chat_id, binding.channel, binding.active) == (GROUP, "telegram", True)
    clock.set(datetime(2026, 11, 30, 8, 0, 30, tzinfo=rt.settings.tz))
    assert await digest_job(rt) == 1
    await drain(app, rt)
    texts = [c.params["text"] for c in api.sent(GROUP, "sendMessage")]
    digest = [t for t in texts if t.startswith("<b>📊")]
    assert len(digest) == 1
    assert "2026年第48周（11月23日—11月29日）" in digest[0] and "递铺街道：0 场" in digest[0]
    [photo] = api.sent(GROUP, "sendPhoto")
    assert "各镇街活动场次与参与人次" in photo.params["caption"]
    before = len(api.calls)
    assert await digest_job(rt) == 0  # the catch-up job runs again; a restart; the cron fires: nothing more
    await drain(app, rt)
    assert len(api.calls) == before


async def test_digest_on_demand_for_coordinators_and_leaders_with_the_chart(rt, api, people):
    replies = await people["leader"].send("/digest")
    assert "2026年第47周（11月16日—11月22日）" in replies[0]
    assert "递铺街道：2 场（+1），75 人次（+63）" in replies[0]
    assert "各镇街活动场次与参与人次" in replies[-1]
    assert api.sent(502, "sendPhoto")
    assert "周报仅限协调员和领导查看" in (await people["liaison"].send("/digest"))[0]


async def test_only_coordinators_and_admins_bind_and_only_in_a_group(rt, people):
    assert "只有协调员和管理员" in (await people["liaison_in_group"].send("/setchat digest"))[0]
    assert "请在需要接收周报的群里发送" in (await people["coordinator"].send("/setchat digest"))[0]
    assert "用法" in (await people["in_group"].send("/setchat nonsense"))[0]
    assert "没有编码为“NOPE”的单位" in (await people["in_group"].send("/setchat digest NOPE"))[0]
    assert await _bindings(rt) == []


async def test_a_town_group_gets_its_town_and_off_stops_it(rt, people):
    assert "递铺街道的社区教育周报" in (await people["in_group"].send("/setchat digest T1"))[0]
    assert "今后不再向本群发送周报" in (await people["in_group"].send("/setchat digest off"))[0]
    [binding] = await _bindings(rt)
    assert binding.active is False
    assert "无需停止" in (await people["in_group"].send("/setchat digest off"))[0]


async def test_robot_webhooks_are_bound_in_private_with_their_secret(rt, people):
    coordinator = people["coordinator"]
    replies = await coordinator.send("/setchat dingtalk https://oapi.dingtalk.com/robot/send?access_token=abc123 SECxyz")
    assert "钉钉群机器人" in replies[0] and "签名：是" in replies[0] and "SECxyz" not in replies[0]
    await coordinator.send("/setchat wecom https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-1 T2")
    listing = (await coordinator.send("/setchat"))[0]
    assert "企业微信群机器人" in listing and "孝丰镇" in listing and "钉钉群机器人" in listing
    b = await _bindings(rt)
    assert [(x.channel, x.secret) for x in b] == [("dingtalk", "SECxyz"), ("wecom", None)]
    assert "不像是飞书群机器人" in (await coordinator.send("/setchat feishu http://open.feishu.cn/hook/1"))[0]
    assert "私聊" in (await people["in_group"].send("/setchat wecom https://qyapi.weixin.qq.com/x"))[0]
    assert len(await _bindings(rt)) == 2
