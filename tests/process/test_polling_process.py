"""The real process: `python -m bot run` long-polls a Bot API server on loopback, a liaison signs in
and logs an activity, and Ctrl-C stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.runtime import Runtime
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Activity
from tests.support.botapi import BotApiServer
from tests.support.factories import LIAISON, load_roster

pytestmark = pytest.mark.process
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:process-test-token"


async def _prepared_db(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await upgrade(url)
    rt = Runtime(settings=Settings(_env_file=None, database_url=url), db=Database(url))
    await load_roster(rt)
    await rt.db.dispose()
    return url


def bot_env(api: BotApiServer, url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "WEBHOOK_"))}
    env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url, DATABASE_URL=url, DATA_DIR=str(tmp_path / "files"),
               POLL_TIMEOUT="1", PYTHONUNBUFFERED="1", **extra)
    return env


async def start_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=str(ROOT), env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)


async def stop_bot(proc: asyncio.subprocess.Process) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=20)
    return out.decode(errors="replace")


async def test_run_polls_logs_an_activity_and_stops_on_ctrl_c(tmp_path):
    url = await _prepared_db(tmp_path)
    async with BotApiServer(token=TOKEN) as api:
        proc = await start_bot(bot_env(api, url, tmp_path), tmp_path)
        try:
            api.push_contact(7001, LIAISON)
            await api.wait_for(lambda a: any("曲亮" in t for t in a.texts(7001)), timeout=30)
            api.push_message(7001, "/log 昨天 老年健康讲座 45人 2小时 老年教育 村文化礼堂", language_code="zh-hans")
            card = await api.wait_for(lambda a: next((m for m in a.sent if m["chat_id"] == 7001 and m.get("reply_markup")
                                                       and "老年健康讲座" in m["text"]), None), timeout=15)
            ok = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            api.push_callback(7001, ok, message_id=card["message_id"])
            await api.wait_for(lambda a: any("已保存" in t for t in a.texts(7001)), timeout=15)
        finally:
            output = await stop_bot(proc)
        assert proc.returncode == 0, output
        assert TOKEN not in output  # the token never reaches the logs
        assert not api.unexpected, api.unexpected
        assert [c for c in api.calls if c[0] == "setMyCommands"]
    db = Database(url)
    async with db.begin() as s:
        [a] = list(await s.scalars(select(Activity)))
    await db.dispose()
    assert (a.title, a.participants, a.minutes) == ("老年健康讲座", 45, 120)


async def test_run_without_token_points_to_console(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=str(ROOT), env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _out, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 2
    assert b"console" in err
