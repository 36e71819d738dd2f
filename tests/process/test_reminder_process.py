"""The real process: a meeting is scheduled through chat a few minutes ahead with REMINDER_OFFSETS=2m, the bot
is stopped before the reminder is due, time moves past the due time (BOT_CLOCK_FILE; nothing sleeps for
minutes), the bot starts again and sends the reminder exactly once, marked late."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.runtime import Runtime
from storage.db import Database
from storage.migrate import upgrade
from storage.models import MeetingReminder
from tests.conftest import TZ
from tests.process.test_polling_process import TOKEN, bot_env, start_bot, stop_bot
from tests.support.botapi import BotApiServer
from tests.support.factories import COORDINATOR, LEADER, load_roster

pytestmark = pytest.mark.process
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)
COORD, BOSS = 7001, 7003


def set_clock(path: Path, at: datetime) -> None:
    """Move the running bot's clock atomically (it reads the file on every call; a half-written file would fail)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(at.isoformat(), encoding="utf-8")
    os.replace(tmp, path)


async def _prepared_db(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await upgrade(url)
    rt = Runtime(settings=Settings(_env_file=None, database_url=url), db=Database(url), clock=lambda: T0)
    await load_roster(rt)
    await rt.db.dispose()
    return url


def reminders_to(api: BotApiServer, chat: int, title: str) -> list[str]:
    return [t for t in api.texts(chat) if "会议提醒" in t and title in t]


async def _schedule(api: BotApiServer, text: str, title: str) -> None:
    api.push_message(COORD, text, language_code="zh-hans")
    card = await api.wait_for(lambda a: next((m for m in a.sent if m["chat_id"] == COORD and m.get("reply_markup")
                                              and "请核对" in m["text"] and title in m["text"]), None), timeout=15)
    ok = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    api.push_callback(COORD, ok, message_id=card["message_id"])
    await api.wait_for(lambda a: any("已安排" in t and title in t for t in a.texts(COORD)), timeout=15)


async def test_a_reminder_due_while_the_bot_was_down_is_sent_once_after_restart(tmp_path):
    url = await _prepared_db(tmp_path)
    clock = tmp_path / "clock.txt"
    set_clock(clock, T0)
    async with BotApiServer(token=TOKEN) as api:
        env = bot_env(api, url, tmp_path, REMINDER_OFFSETS="2m", SWEEP_INTERVAL="1", BOT_CLOCK_FILE=str(clock))
        proc = await start_bot(env, tmp_path)
        try:
            for user, phone in ((COORD, COORDINATOR), (BOSS, LEADER)):
                api.push_contact(user, phone)
                await api.wait_for(lambda a, u=user: any("您好" in t for t in a.texts(u)), timeout=30)
            await _schedule(api, "/meeting 5分钟后 领导小组会议 地点：三楼会议室", "领导小组会议")  # 10:05, due 10:03
            await _schedule(api, "/meeting 6分钟后 办公室会议", "办公室会议")  # 10:06, due 10:04
            await api.wait_for(lambda a: any("会议邀请" in t for t in a.texts(BOSS)), timeout=15)
        finally:
            first = await stop_bot(proc)  # stopped at 10:00, before anything is due
        assert proc.returncode == 0, first
        assert reminders_to(api, BOSS, "领导小组会议") == []

        set_clock(clock, T0 + timedelta(minutes=3, seconds=30))  # the group's reminder fell due while down
        proc = await start_bot(env, tmp_path)
        try:
            await api.wait_for(lambda a: reminders_to(a, BOSS, "领导小组会议") and reminders_to(a, COORD, "领导小组会议"),
                               timeout=30)
            set_clock(clock, T0 + timedelta(minutes=4, seconds=1))  # the office's is due on time; the group's not again
            await api.wait_for(lambda a: reminders_to(a, COORD, "办公室会议"), timeout=30)
        finally:
            second = await stop_bot(proc)
        assert proc.returncode == 0, second
        assert not api.unexpected, api.unexpected

    late = reminders_to(api, BOSS, "领导小组会议")
    assert len(late) == 1 and "补发" in late[0]
    assert len(reminders_to(api, COORD, "领导小组会议")) == 1
    assert len(reminders_to(api, COORD, "办公室会议")) == 1 and "补发" not in reminders_to(api, COORD, "办公室会议")[0]
    assert not {k: n for k, n in Counter((m["chat_id"], m["text"]) for m in api.sent).items() if n > 1}
    db = Database(url)
    async with db.begin() as s:
        rows = list(await s.scalars(select(MeetingReminder).order_by(MeetingReminder.meeting_id)))
    await db.dispose()
    assert [(r.offset_s, r.late) for r in rows] == [(120, True), (120, False)]
