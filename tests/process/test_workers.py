"""Several workers on one database: one person's interleaved, redelivered updates are processed once each and in
order, whichever worker received them — two Applications in one test, and two real webhook processes."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot import inbox
from bot.app import build_application
from bot.runtime import Runtime
from storage.db import Database
from storage.models import Activity, InboxUpdate
from tests.support.botapi import BotApiServer
from tests.support.factories import LIAISON, load_roster
from tests.support.processes import BotProcess, bot_env, free_port, prepared_db
from tests.support.sim import FakeTelegram

TOKEN = "123456:workers-test-token"
SECRET = "workers-secret"
HOOK = "/tg"
USER = 601


def _msg(update_id: int, text: str | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": update_id, "date": int(time.time()),
                            "from": {"id": USER, "is_bot": False, "first_name": "曲亮", "language_code": "zh-hans"},
                            "chat": {"id": USER, "type": "private"}, **extra}
    if text is not None:
        body["text"] = text
    if text and text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": body}


def _press(update_id: int, data: str) -> dict[str, Any]:
    return {"update_id": update_id, "callback_query": {
        "id": str(update_id), "chat_instance": "x", "data": data,
        "from": {"id": USER, "is_bot": False, "first_name": "曲亮", "language_code": "zh-hans"},
        "message": {"message_id": 1, "date": 0, "chat": {"id": USER, "type": "private"}, "text": "card"}}}


class Worker:
    """One worker: its own engine and connection pool, its own Application, on the shared database."""

    def __init__(self, rt: Runtime) -> None:
        self.api = FakeTelegram()
        self.rt = Runtime(settings=rt.settings, db=Database(rt.settings.database_url), clock=rt.clock)
        self.app = build_application(self.rt, request=self.api, rate_limit=False)

    async def __aenter__(self) -> Worker:
        await self.app.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()
        await self.rt.db.dispose()
        assert not self.api.unexpected

    async def receive(self, *payloads: dict[str, Any]) -> None:
        await inbox.receive(self.rt, list(payloads))

    async def work(self) -> int:
        return await inbox.process_pending(self.app, self.rt)


async def test_two_workers_fed_one_persons_interleaved_updates_save_the_activity_once_and_right(rt, clock):
    await load_roster(rt)
    async with Worker(rt) as a, Worker(rt) as b:
        await a.receive(_msg(10, None, contact={"phone_number": LIAISON, "first_name": "曲亮", "user_id": USER}))
        await a.work()
        a.app.bot_data["reorder_hold"] = b.app.bot_data["reorder_hold"] = 2.0  # as in webhook mode
        burst = [_msg(11, "/log"), _msg(12, "昨天"), _msg(13, "书法培训"), _msg(14, "三十人")]
        await b.receive(burst[3])
        await a.receive(burst[1])  # out of order: 11 and 13 have not arrived yet
        assert await asyncio.gather(a.work(), b.work()) == [0, 0]
        await a.receive(burst[2])
        await b.receive(burst[0])
        await a.receive(*burst)  # and Telegram delivers them all again, to the other worker
        await asyncio.gather(a.work(), b.work(), a.work(), b.work())
        texts = [t for w in (a, b) for t in w.api.texts(USER)]
        assert not any("没有理解" in t for t in texts), texts
        asked = [t for t in texts if "？" in t or "?" in t]
        assert len(asked) == 4 and "类别" in "".join(asked)  # date, title, participants asked once each, then category
        category = await _version_button(rt, "a1:cat:", "文体活动")
        await b.receive(_press(15, category))
        await a.receive(_press(15, category))
        await asyncio.gather(a.work(), b.work())
        confirm = await _version_button(rt, "a1:ok:", None)
        await a.receive(_press(16, confirm))
        await b.receive(_press(16, confirm), _press(17, confirm))  # a second press of the same button too
        await asyncio.gather(a.work(), b.work())
    async with rt.db.begin() as s:
        activities = list(await s.scalars(select(Activity)))
        outcomes = list(await s.scalars(select(InboxUpdate.outcome).order_by(InboxUpdate.update_id)))
    assert [(x.occurred_on, x.title, x.participants, x.category) for x in activities] == [
        (date(2026, 11, 23), "书法培训", 30, "文体活动")]
    assert len(outcomes) == 8 and outcomes.count("ok") == 7  # the repeated press was refused as stale


async def _version_button(rt: Runtime, prefix: str, index_label: str | None) -> str:
    """Callback data for the open draft's current version (what the newest card carries)."""
    from services.activity_text import CATEGORIES
    from storage.models import Draft

    async with rt.db.begin() as s:
        version = (await s.scalar(select(Draft))).version
    if index_label is None:
        return f"{prefix}{version}"
    return f"{prefix}{version}:{CATEGORIES.index(index_label)}"


# --------------------------------------------------------------------- two real webhook processes


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "sqlite" else request.getfixturevalue("pg_migrated")


async def _post(port: int, payload: dict[str, Any]) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{port}{HOOK}", json=payload,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=20)
    assert response.status_code == 200


async def test_two_webhook_processes_share_one_persons_form(tmp_path, server_db):
    """Updates land on either worker at random (no sticky routing); the form state lives in the database."""
    url = await prepared_db(server_db, tmp_path)
    ports = [free_port(), free_port()]
    extra = {"REDIS_URL": os.environ["TEST_REDIS_URL"]} if server_db and os.environ.get("TEST_REDIS_URL") else {}
    async with BotApiServer(token=TOKEN) as api:
        procs = []
        try:
            for port in ports:
                env = bot_env(api.base_url, url, tmp_path, TOKEN, PORT=str(port), WEBHOOK_SECRET=SECRET,
                              WEBHOOK_URL=f"https://bot.example.org{HOOK}", **extra)
                procs.append(await BotProcess.start("webhook", env=env))
            for proc in procs:
                await proc.wait_line("webhook registered")
            await _post(ports[0], api.push_contact(7001, LIAISON))
            await api.wait_for(lambda x: any("曲亮" in t for t in x.texts(7001)), timeout=15)
            burst = [api.push_message(7001, t) for t in ("/log", "昨天", "书法培训", "三十人")]
            await asyncio.gather(*(_post(ports[i % 2], u) for i, u in enumerate(burst)),
                                 *(_post(ports[(i + 1) % 2], u) for i, u in enumerate(burst)))
            menu = await api.wait_for(lambda x: next((m for m in x.sent if m["chat_id"] == 7001 and m["reply_markup"]
                                                      and "类别" in m["text"]), None), timeout=15)
            pick = next(b["callback_data"] for row in menu["reply_markup"]["inline_keyboard"] for b in row
                        if b["text"] == "文体活动")
            await _post(ports[1], api.push_callback(7001, pick, message_id=menu["message_id"]))
            card = await api.wait_for(lambda x: next((m for m in x.sent if m["chat_id"] == 7001 and m["reply_markup"]
                                                      and "书法培训" in m["text"]), None), timeout=15)
            ok = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            press = api.push_callback(7001, ok, message_id=card["message_id"])
            await asyncio.gather(_post(ports[0], press), _post(ports[1], press))
            await api.wait_for(lambda x: any("已保存" in t for t in x.texts(7001)), timeout=15)
            async with httpx.AsyncClient() as client:
                health = (await client.get(f"http://127.0.0.1:{ports[1]}/healthz")).json()
            assert health["ok"] and health["pending"] == 0 and health.get("redis", "ok") == "ok"
            assert ("redis" in health) == bool(extra)
        finally:
            statuses = [await proc.stop() for proc in procs]
    assert statuses == [0, 0], [p.output for p in procs]
    db = Database(url)
    async with db.begin() as s:
        activities = list(await s.scalars(select(Activity)))
    await db.dispose()
    assert [(x.title, x.participants, x.category) for x in activities] == [("书法培训", 30, "文体活动")]
    assert not any("没有理解" in t for t in api.texts(7001)), api.texts(7001)
    assert not api.unexpected
