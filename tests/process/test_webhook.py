"""Webhook mode: the secret header, store-then-acknowledge, /healthz, refusing to start without its settings,
a worker killed right after acknowledging, and logs that never show the token — in-process and as a real process."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot import inbox
from bot.runtime import Runtime
from bot.transports.webhook import SECRET_HEADER, Hook, health, make_web
from storage.db import Database
from storage.models import Activity, InboxUpdate
from tests.support._botapi_rules import ApiError
from tests.support.botapi import BotApiServer
from tests.support.factories import LIAISON
from tests.support.processes import BotProcess, bot_env, free_port, prepared_db

TOKEN = "123456:webhook-test-token"
SECRET = "s3cr3t_Webhook-Secret"
HOOK_PATH = "/tg/hook"


def update(update_id: int, user_id: int = 7001, text: str = "/help") -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        "from": {"id": user_id, "is_bot": False, "first_name": "测试"}, "chat": {"id": user_id, "type": "private"}}}


@pytest.fixture
async def served(rt):
    """The webhook's tornado app on a loopback port, without a processor: (base url, hook)."""
    hook = Hook(rt, SECRET)
    server = HTTPServer(make_web(hook, HOOK_PATH), max_body_size=64 * 1024)
    sockets = bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    yield f"http://127.0.0.1:{sockets[0].getsockname()[1]}", hook
    server.stop()
    await server.close_all_connections()


async def _inbox(rt: Runtime) -> list[InboxUpdate]:
    async with rt.db.begin() as s:
        return list(await s.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id)))


async def test_a_request_without_the_secret_or_with_a_wrong_one_is_refused_and_not_stored(rt, served):
    base, hook = served
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.post(HOOK_PATH, json=update(1))).status_code == 403
        wrong = await client.post(HOOK_PATH, json=update(2), headers={SECRET_HEADER: SECRET[:-1] + "x"})
        assert wrong.status_code == 403
        longer = await client.post(HOOK_PATH, json=update(3), headers={SECRET_HEADER: SECRET + "x"})
        assert longer.status_code == 403
    assert await _inbox(rt) == [] and not hook.arrived.is_set()


async def test_with_the_secret_an_update_is_stored_before_the_200(rt, served):
    base, hook = served
    async with httpx.AsyncClient(base_url=base, headers={SECRET_HEADER: SECRET}) as client:
        ok = await client.post(HOOK_PATH, json=update(5))
        again = await client.post(HOOK_PATH, json=update(5))  # Telegram retries: stored once
        assert ok.status_code == again.status_code == 200
        assert (await client.post(HOOK_PATH, content=b"not json")).status_code == 400
        assert (await client.post(HOOK_PATH, json={"update_id": "5"})).status_code == 400
        try:  # tornado refuses a body over max_body_size and closes the connection
            oversized = (await client.post(HOOK_PATH, content=b"x" * 100_000)).status_code
        except httpx.TransportError:
            oversized = "closed"
        assert oversized in (400, 413, "closed")
        assert (await client.post("/elsewhere", json=update(6))).status_code == 404
    [row] = await _inbox(rt)
    assert row.update_id == 5 and row.processed_at is None and row.payload == update(5)
    assert hook.arrived.is_set()  # the processor is woken; the request itself did not process anything


async def test_healthz_reports_the_database_and_the_age_of_the_last_processed_update(rt, app, served, clock):
    base, _hook = served
    async with httpx.AsyncClient(base_url=base) as client:
        first = (await client.get("/healthz")).json()
        assert first["ok"] and first["database"] == "ok" and first["last_processed_age_s"] is None
        await inbox.receive(rt, [update(8), update(9, user_id=7002)])
        await inbox.process_one(app, rt, 8)
        clock.advance(seconds=90)
        body = (await client.get("/healthz")).json()
    assert body["last_processed_age_s"] == 90.0 and body["pending"] == 1 and body["oldest_pending_age_s"] == 90.0


async def test_healthz_is_503_when_the_database_is_unreachable(rt):
    broken = Runtime(settings=rt.settings, db=Database("postgresql+asyncpg://nobody:x@127.0.0.1:1/none"), clock=rt.clock)
    try:
        report = await health(broken, timeout=5)
    finally:
        await broken.db.dispose()
    assert report["ok"] is False and report["database"].startswith("unreachable")


# --------------------------------------------------------------------- the real process


class HoldingServer(BotApiServer):
    """A Bot API server that can leave one method's calls hanging (the bot is then mid-update)."""

    hold: str | None = None
    released: asyncio.Event

    async def _invoke(self, token: str, method: str, params: dict, files: dict) -> Any:
        if method == self.hold:
            with self._lock:
                self._notify()  # the call is recorded: wake whoever waits for it
            await self.released.wait()
            raise ApiError(502, "Bad Gateway: the caller went away")  # it never reached Telegram
        return await super()._invoke(token, method, params, files)


async def _post(port: int, payload: dict[str, Any], secret: str = SECRET) -> int:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{port}{HOOK_PATH}", json=payload,
                                     headers={SECRET_HEADER: secret}, timeout=10)
    return response.status_code


async def _start(api: BotApiServer, url: str, tmp_path, port: int, **extra: str) -> BotProcess:  # noqa: ANN001
    env = bot_env(api.base_url, url, tmp_path, TOKEN, PORT=str(port), WEBHOOK_URL=f"http://127.0.0.1:{port}{HOOK_PATH}",
                  WEBHOOK_SECRET=SECRET, **extra)
    proc = await BotProcess.start("webhook", env=env)
    await proc.wait_line(r"webhook registered")
    return proc


async def _activities(url: str) -> int:
    db = Database(url)
    async with db.begin() as s:
        count = await s.scalar(select(func.count()).select_from(Activity))
    await db.dispose()
    return count


async def _sign_in_and_open_card(api: BotApiServer, port: int) -> dict[str, Any]:
    assert await _post(port, api.push_contact(7001, LIAISON)) == 200
    await api.wait_for(lambda a: any("曲亮" in t for t in a.texts(7001)), timeout=15)
    assert await _post(port, api.push_message(7001, "/log 昨天 老年健康讲座 45人 2小时 老年教育 村文化礼堂")) == 200
    return await api.wait_for(lambda a: next((m for m in a.sent if m["chat_id"] == 7001 and m.get("reply_markup")
                                              and "老年健康讲座" in m["text"]), None), timeout=15)


async def test_webhook_process_registers_serves_and_never_logs_the_token(tmp_path):
    url = await prepared_db(None, tmp_path)
    port = free_port()
    async with BotApiServer(token=TOKEN) as api:
        proc = await _start(api, url, tmp_path, port, LOG_LEVEL="DEBUG")
        try:
            [hook] = api.calls_to("setWebhook")
            assert hook["url"] == f"http://127.0.0.1:{port}{HOOK_PATH}" and hook["secret_token"] == SECRET
            assert {"message", "callback_query", "edited_message", "chat_member"} <= set(hook["allowed_updates"])
            assert await _post(port, api.push_message(7001, "/help"), secret="wrong") == 403
            card = await _sign_in_and_open_card(api, port)
            ok = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            assert await _post(port, api.push_callback(7001, ok, message_id=card["message_id"])) == 200
            await api.wait_for(lambda a: any("已保存" in t for t in a.texts(7001)), timeout=15)
            async with httpx.AsyncClient() as client:
                health_report = (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
        finally:
            status = await proc.stop()
    assert status == 0, proc.output
    assert health_report["ok"] and health_report["last_processed_age_s"] is not None and health_report["pending"] == 0
    assert await _activities(url) == 1
    assert TOKEN not in proc.output and SECRET not in proc.output
    assert "<redacted>" in proc.output  # DEBUG logs every request URL; the filter took the token out
    assert not api.unexpected and not api.calls_to("deleteWebhook")


@pytest.mark.parametrize("missing, says", [("BOT_TOKEN", "console"), ("WEBHOOK_URL", "WEBHOOK_URL"),
                                           ("WEBHOOK_SECRET", "WEBHOOK_SECRET")])
async def test_webhook_refuses_to_start_without_its_settings(tmp_path, missing, says):
    env = bot_env("http://127.0.0.1:1", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path, TOKEN, PORT="1",
                  WEBHOOK_URL="https://bot.example.org/tg", WEBHOOK_SECRET=SECRET)
    env.pop(missing)
    proc = await BotProcess.start("webhook", env=env)
    assert await asyncio.wait_for(proc.ended(), 20) == 2
    assert says in proc.output and "Traceback" not in proc.output
    assert not (tmp_path / "bot.db").exists()  # refused before touching the database


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db(request: pytest.FixtureRequest) -> str | None:
    """None for a fresh SQLite file, else the PostgreSQL test database's URL."""
    return None if request.param == "sqlite" else request.getfixturevalue("pg_migrated")


async def test_a_worker_killed_after_acknowledging_processes_the_update_once_on_restart(tmp_path, server_db):
    """kill -9 after the 200, in the middle of the update: its effects rolled back, it runs again on start, once."""
    url = await prepared_db(server_db, tmp_path)
    port = free_port()
    api = HoldingServer(token=TOKEN)
    api.released = asyncio.Event()
    async with api:
        proc = await _start(api, url, tmp_path, port)
        try:
            card = await _sign_in_and_open_card(api, port)
            ok = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            api.hold = "answerCallbackQuery"  # the worker will be stuck inside the update, transaction open
            press = api.push_callback(7001, ok, message_id=card["message_id"])
            assert await _post(port, press) == 200  # acknowledged
            await api.wait_for(lambda a: a.calls_to("answerCallbackQuery"), timeout=15)
            proc.kill()
            await proc.ended()
        finally:
            await proc.stop()
        rows = {r.update_id: r for r in await _unprocessed(url)}
        assert press["update_id"] in rows and await _activities(url) == 0  # stored, not done
        api.hold = None
        api.released.set()
        again = await _start(api, url, tmp_path, port)
        try:
            await api.wait_for(lambda a: any("已保存" in t for t in a.texts(7001)), timeout=15)
            assert await _post(port, press) == 200  # Telegram delivering it once more changes nothing
        finally:
            assert await again.stop() == 0, again.output
    assert await _activities(url) == 1
    assert sum("已保存" in t for t in api.texts(7001)) == 1


async def _unprocessed(url: str) -> list[InboxUpdate]:
    db = Database(url)
    async with db.begin() as s:
        rows = list(await s.scalars(select(InboxUpdate).where(InboxUpdate.processed_at.is_(None))))
    await db.dispose()
    return rows

