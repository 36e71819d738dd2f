"""The real process on a Monday morning: `python -m bot run` sends the week's digest once to the bound
Telegram group (text and chart) and to WeCom, DingTalk and Feishu robots on loopback servers that check
formats and signatures; restarted, it sends nothing again."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.runtime import Runtime
from storage.db import Database
from storage.models import Activity, DigestBinding, DigestRun, OutboxMessage, Person, Unit
from tests.process.test_polling_process import TOKEN, _prepared_db, bot_env, start_bot, stop_bot
from tests.support.botapi import BotApiServer
from tests.support.factories import LIAISON
from tests.support.robot_servers import RobotServer

pytestmark = pytest.mark.process
TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 8, 0, 30, tzinfo=TZ)
GROUP = -1009876
OTHER_GROUP = -1005555


async def _bind(url: str, robots: list[RobotServer]) -> None:
    db = Database(url)
    rt = Runtime(settings=Settings(_env_file=None, database_url=url), db=db)
    async with rt.db.begin() as s:
        county = await s.scalar(select(Unit.id).where(Unit.code == "X"))
        village = await s.scalar(select(Unit.id).where(Unit.code == "T1V1"))
        reporter = await s.scalar(select(Person.id).where(Person.phone == LIAISON))
        made = datetime(2026, 11, 20, tzinfo=TZ)  # bound after the previous Monday: this is its first digest
        s.add(Activity(unit_id=village, reporter_id=reporter, occurred_on=date(2026, 11, 18), title="讲座", category="老年教育",
                       target_groups=[], participants=45, minors=3, minutes=120, created_at=made, updated_at=made))
        s.add(DigestBinding(unit_id=county, channel="telegram", chat_id=GROUP, active=True, created_at=made))
        for r in robots:
            s.add(DigestBinding(unit_id=county, channel=r.platform, webhook_url=r.url, secret=r.secret, active=True,
                                created_at=made))
    await db.dispose()


async def _bind_group(url: str, chat_id: int) -> None:
    db = Database(url)
    async with db.begin() as s:
        county = await s.scalar(select(Unit.id).where(Unit.code == "X"))
        s.add(DigestBinding(unit_id=county, channel="telegram", chat_id=chat_id, active=True,
                            created_at=datetime(2026, 11, 20, tzinfo=TZ)))
    await db.dispose()


async def _count(url: str, model) -> int:  # noqa: ANN001
    db = Database(url)
    async with db.begin() as s:
        n = await s.scalar(select(func.count()).select_from(model))
    await db.dispose()
    return n


async def test_monday_digest_reaches_the_group_and_every_robot_once(tmp_path):
    url = await _prepared_db(tmp_path)
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text(MONDAY.isoformat())
    async with RobotServer("wecom", now=lambda: MONDAY) as wecom, \
            RobotServer("dingtalk", secret="SECding", now=lambda: MONDAY) as ding, \
            RobotServer("feishu", secret="feishu-s", now=lambda: MONDAY) as feishu, BotApiServer(token=TOKEN) as api:
        await _bind(url, [wecom, ding, feishu])
        env = bot_env(api, url, tmp_path, BOT_CLOCK_FILE=str(clock_file))
        proc = await start_bot(env, tmp_path)
        try:
            await api.wait_for(lambda a: a.calls_to("sendPhoto"), timeout=30)
            await api.wait_for(lambda a: ding.received and feishu.received and len(wecom.received) >= 2, timeout=30)
        finally:
            output = await stop_bot(proc)
        assert proc.returncode == 0, output
        texts = api.texts(GROUP)
        assert sum("安吉县社区教育周报" in t and "2026年第47周" in t for t in texts) == 1, texts
        assert len(api.calls_to("sendPhoto")) == 1
        for server in (wecom, ding, feishu):
            assert server.refused == [], (server.platform, server.refused)
            assert any("递铺街道：1 场" in t for t in server.texts()), server.platform
        assert [b["msgtype"] for b in wecom.received] == ["markdown", "image"]
        received = [len(s.received) for s in (wecom, ding, feishu)]

        await _bind_group(url, OTHER_GROUP)  # bound before Monday 08:00 while the bot was stopped
        clock_file.write_text(MONDAY.replace(hour=9).isoformat())
        proc = await start_bot(env, tmp_path)  # restarted: only the new group gets the digest
        try:
            await api.wait_for(lambda a: [c for c in a.calls_to("sendPhoto") if c.get("chat_id") == OTHER_GROUP], timeout=30)
        finally:
            output = await stop_bot(proc)
        assert proc.returncode == 0, output
        assert [len(s.received) for s in (wecom, ding, feishu)] == received
        assert sum("2026年第47周" in t for t in api.texts(GROUP)) == 1
        assert not api.unexpected, api.unexpected
    assert await _count(url, DigestRun) == 5
    db = Database(url)
    async with db.begin() as s:
        states = set(await s.scalars(select(OutboxMessage.state)))
    await db.dispose()
    assert states == {"sent"}
