"""Webhook mode: Telegram POSTs updates to WEBHOOK_URL; each is stored in the inbox before we answer 200.

The request handler checks `X-Telegram-Bot-Api-Secret-Token` against WEBHOOK_SECRET in constant
time (403 otherwise), writes the update with `inbox.receive` (committed) and only then answers 200:
an acknowledged update is on disk, so a worker killed right after the answer loses nothing — the
update is processed on restart, or within seconds by another worker or the scheduler. Processing runs
in a background task, never inside the request. `GET /healthz` reports the database and the age of
the last processed update. Served by tornado (PTB's webhooks extra) on the Application's loop.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, select
from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application as Web
from tornado.web import RequestHandler

from bot import inbox
from bot.app import register_commands
from bot.process import bot_process
from bot.config import Settings
from bot.runtime import Runtime
from storage.models import InboxUpdate

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; anything this large is not from Telegram


class ConfigError(Exception):
    """A setting webhook mode needs is missing or malformed; the message says what to do."""


def check_settings(s: Settings) -> tuple[str, str]:
    """(url, secret) or ConfigError with a clear message."""
    if not s.token:
        raise ConfigError("BOT_TOKEN is not set. To try the bot without Telegram, run: python -m bot console")
    if not s.webhook_url:
        raise ConfigError("WEBHOOK_URL is not set: the public HTTPS address Telegram should post updates to, "
                          "e.g. https://bot.example.org/telegram (see docs/operations.md)")
    url = urlparse(s.webhook_url)
    if url.scheme not in ("https", "http") or not url.netloc:
        raise ConfigError(f"WEBHOOK_URL {s.webhook_url!r} is not an http(s) address; Telegram needs https://…")
    secret = s.webhook_secret.get_secret_value() if s.webhook_secret else ""
    if not secret:
        raise ConfigError("WEBHOOK_SECRET is not set: 1-256 characters A-Z a-z 0-9 _ -, for example the output of "
                          "`python -c \"import secrets; print(secrets.token_urlsafe(32))\"`")
    if not _SECRET.match(secret):
        raise ConfigError("WEBHOOK_SECRET may only contain A-Z a-z 0-9 _ - (1-256 characters), as Telegram requires")
    return s.webhook_url, secret


@dataclass
class Hook:
    """What the request handlers share: the runtime, the secret, and the event that wakes the processor."""

    rt: Runtime
    secret: str
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    throttle: Any = None


class _Base(RequestHandler):
    hook: Hook

    def initialize(self, hook: Hook) -> None:
        self.hook = hook

    def check_xsrf_cookie(self) -> None:
        """Telegram sends no cookies."""

    def reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))


class UpdateHandler(_Base):
    """POST <WEBHOOK_URL's path>: check the secret, store the update, then acknowledge."""

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.hook.secret.encode()):
            self.reply(403, {"ok": False, "error": "forbidden"})
            return
        try:
            payload = json.loads(self.request.body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or type(payload.get("update_id")) is not int:
            self.reply(400, {"ok": False, "error": "not an update"})
            return
        try:
            await inbox.receive(self.hook.rt, [payload])
        except Exception:  # noqa: BLE001 - not stored, so not acknowledged: Telegram will deliver it again
            log.exception("could not store update %s", payload["update_id"])
            self.reply(500, {"ok": False, "error": "not stored"})
            return
        self.hook.arrived.set()
        self.reply(200, {"ok": True})


class HealthHandler(_Base):
    """GET /healthz: 200 when the database answers, 503 otherwise; with the age of the last processed update."""

    async def get(self) -> None:
        report = await health(self.hook.rt, throttle=self.hook.throttle)
        self.reply(200 if report["ok"] else 503, report)


async def health(rt: Runtime, timeout: float = 5.0, throttle: Any = None) -> dict[str, Any]:
    """Database reachability, the last processed update's age, what is waiting; Redis when it is used."""
    now = rt.clock()
    redis = {} if not rt.settings.redis_url else {
        "redis": "ok" if throttle is not None and await throttle.ping() else "unreachable (updates pass unthrottled)"}

    async def probe() -> tuple[Any, ...]:
        async with rt.db.begin() as session:
            last = await session.scalar(select(func.max(InboxUpdate.processed_at)))
            waiting = (await session.execute(select(func.count(), func.min(InboxUpdate.received_at))
                                             .where(InboxUpdate.processed_at.is_(None)))).one()
            return last, waiting[0], waiting[1]

    try:
        last, pending, oldest = await asyncio.wait_for(probe(), timeout)
    except Exception as exc:  # noqa: BLE001 - whatever it is, the database is not usable
        return {"ok": False, "database": f"unreachable ({type(exc).__name__})", **redis}
    return {
        "ok": True, "database": "ok", **redis,
        "last_processed_at": last.isoformat() if last else None,
        "last_processed_age_s": round((now - last).total_seconds(), 1) if last else None,
        "pending": pending,
        "oldest_pending_age_s": round((now - oldest).total_seconds(), 1) if oldest else None,
    }


def make_web(hook: Hook, path: str) -> Web:
    """The tornado application: the update path and /healthz; anything else is 404."""
    return Web([(re.escape(path or "/"), UpdateHandler, {"hook": hook}), (r"/healthz", HealthHandler, {"hook": hook})])


async def run_webhook(rt: Runtime) -> int:
    """The `webhook` command: serve until Ctrl-C/SIGTERM; returns the exit status."""
    try:
        url, secret = check_settings(rt.settings)
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    logging.getLogger("tornado.access").setLevel(logging.WARNING)  # 403s and 5xx are still logged
    async with bot_process(rt, reorder_hold=inbox.REORDER_HOLD) as (app, stop):
        hook = Hook(rt, secret, throttle=app.bot_data["throttle"])
        server = HTTPServer(make_web(hook, urlparse(url).path), max_body_size=MAX_BODY, xheaders=True)
        sockets = bind_sockets(rt.settings.port)
        server.add_sockets(sockets)
        log.info("webhook for @%s listening on port %s at %s", app.bot.username, sockets[0].getsockname()[1],
                 urlparse(url).path or "/")
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        await register_commands(app)
        log.info("webhook registered with Telegram; processing updates")
        worker = asyncio.create_task(inbox.keep_processing(app, rt, stop, hook.arrived))
        await stop.wait()
        log.info("stopping: no new requests; finishing the update in hand")
        server.stop()
        hook.arrived.set()
        await asyncio.wait([worker], timeout=10)
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        await server.close_all_connections()
        log.info("stopped")
    return 0
