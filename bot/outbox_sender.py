"""The outbox sender: delivers queued messages in order, paced to Telegram's limits, retried, never lost.

Pacing is ours, not PTB's `AIORateLimiter` (which still paces the handlers' direct replies): at most
`OUTBOX_RATE` (30) sends per sliding second and `OUTBOX_GROUP_PER_MINUTE` (20) per sliding minute into
one group, counted when Telegram has answered, so the server's windows can never see more. A group
that is full, or a 429 `retry_after`, defers that chat's rows in the database (`not_before`) and the
sender goes on with other chats; `AIORateLimiter` would instead sleep and hold every chat back.

Each row is claimed before it is sent (`state='sending'`, lease until `not_before`), so two senders
never send the same row; it is marked `sent` right after Telegram accepts it. A sender that dies
between the two leaves one claimed row, which the next sender to take over (`recover`) sends again:
at most one duplicate per crash, never a loss. 403 marks the recipient unreachable and tells the
coordinators once (services.reachability); `migrate_to_chat_id` moves the chat's rows and bindings.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select, update
from telegram import Bot, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.pacing import Pacer
from bot.runtime import Runtime
from services import reachability
from storage.models import DigestBinding, OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BATCH = 100


def _robots() -> Callable[[Runtime, OutboxMessage], Awaitable[object]] | None:
    """bot.robots.send_robot when the group-robot channels are installed."""
    try:
        from bot.robots import send_robot
    except ImportError:
        return None
    return send_robot


class Sender:
    """One process's sender: its own plain Bot (no AIORateLimiter) on the Application's connection pool."""

    def __init__(self, app: Application, rt: Runtime, *, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        api = rt.settings.telegram_api_url
        self.rt, self.sleep = rt, sleep
        self.bot = Bot(app.bot.token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot",
                       request=app.bot.request, get_updates_request=app.bot.request)
        self.pacer = Pacer(rt.settings.outbox_rate, rt.settings.outbox_group_per_minute, monotonic)
        self.robot = _robots()
        self.strikes = 0  # 429s in a row: from the second on, every chat waits

    async def _write(self, *statements) -> None:  # noqa: ANN002
        async with self.rt.db.begin() as session:
            for stmt in statements:
                await session.execute(stmt)

    async def recover(self) -> int:
        """Rows claimed by a sender that died go back to the queue (the one it had in flight may go out twice)."""
        async with self.rt.db.begin() as session:
            result = await session.execute(update(OutboxMessage).where(OutboxMessage.state == "sending")
                                           .values(state="pending", not_before=self.rt.clock()))
        if result.rowcount:
            log.warning("outbox: %s message(s) claimed by a stopped sender are queued again", result.rowcount)
        return result.rowcount

    async def _due(self) -> list[OutboxMessage]:
        now = self.rt.clock()
        query = select(OutboxMessage).where(OutboxMessage.state.in_(("pending", "sending")),
                                            OutboxMessage.not_before <= now)
        if self.robot is None:
            query = query.where(OutboxMessage.channel == "telegram")
        async with self.rt.db.begin() as session:
            return list(await session.scalars(query.order_by(OutboxMessage.id).limit(BATCH)))

    async def _claim(self, row: OutboxMessage) -> bool:
        """Take the row for this sender (pending, or claimed by someone whose lease ran out); False if taken."""
        now = self.rt.clock()
        lapsed = (OutboxMessage.state == "sending") & (OutboxMessage.not_before <= now)
        async with self.rt.db.begin() as session:
            result = await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id, or_(OutboxMessage.state == "pending", lapsed))
                .values(state="sending", not_before=now + timedelta(seconds=self.rt.settings.outbox_lease)))
        return result.rowcount == 1

    async def drain(self, stop: asyncio.Event | None = None) -> int:
        """Send everything due now (deferring what must wait); returns how many were sent."""
        sent = 0
        while not (stop and stop.is_set()) and (rows := await self._due()):
            outcomes = []
            for row in rows:
                if stop and stop.is_set():
                    break
                outcomes.append(await self._deliver(row))
            sent += outcomes.count("sent")
            if all(o == "skipped" for o in outcomes):
                break
        return sent

    async def _deliver(self, row: OutboxMessage) -> str:
        if row.channel != "telegram":
            return await self._robot(row)
        overall, group = self.pacer.wait(row.chat_id)
        if group > 0:
            await self._defer_chat(row, group, "paced: group limit")
            return "deferred"
        while overall > 0:
            await self.sleep(overall)
            overall = self.pacer.wait(row.chat_id)[0]
        if not await self._claim(row):
            return "skipped"
        try:
            return await self._send(row)
        finally:
            self.pacer.record(row.chat_id)

    async def _send(self, row: OutboxMessage) -> str:
        try:
            await self._call(row)
        except RetryAfter as exc:
            return await self._retry_after(row, exc)
        except ChatMigrated as exc:
            return await self._migrated(row, exc.new_chat_id)
        except Forbidden as exc:
            return await self._forbidden(row, exc)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():  # an edit that is already in place
                return await self._sent(row)
            return await self._fail(row, exc)
        except TelegramError as exc:  # network trouble, 5xx: try again later (a timed-out send may go out twice)
            return await self._backoff(row, exc)
        except (OSError, ValueError) as exc:  # e.g. the photo file is gone: nothing to retry
            return await self._fail(row, exc)
        self.strikes = 0
        return await self._sent(row)

    async def _call(self, row: OutboxMessage) -> None:
        params = {"chat_id": row.chat_id, **row.payload}
        if row.method == "sendMessage":
            params.setdefault("link_preview_options", {"is_disabled": True})
        path = params.pop("photo_path", None)
        if path is not None:
            params["photo"] = InputFile(Path(path).read_bytes(), filename=Path(path).name)
        await self.bot._post(row.method, api_kwargs=params)  # do_api_request warns for known method names

    async def _sent(self, row: OutboxMessage) -> str:
        await self._write(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            state="sent", sent_at=self.rt.clock(), attempts=row.attempts + 1, last_error=None))
        return "sent"

    async def _fail(self, row: OutboxMessage, exc: Exception) -> str:
        log.warning("outbox %s to %s failed for good: %s", row.id, row.chat_id, exc)
        await self._write(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            state="failed", attempts=row.attempts + 1, last_error=str(exc)[:500]))
        return "failed"

    async def _backoff(self, row: OutboxMessage, exc: Exception) -> str:
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return await self._fail(row, exc)
        delay = timedelta(seconds=min(300, 2 ** attempts))
        await self._write(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            state="pending", attempts=attempts, not_before=self.rt.clock() + delay, last_error=str(exc)[:500]))
        return "retry"

    async def _defer_chat(self, row: OutboxMessage, seconds: float, why: str) -> None:
        """This chat's queued rows (and this one) wait; rows already due later keep their time."""
        until = self.rt.clock() + timedelta(seconds=seconds)
        queued = (OutboxMessage.state == "pending") & (OutboxMessage.not_before < until)
        await self._write(update(OutboxMessage).where(OutboxMessage.chat_id == row.chat_id, or_(
            OutboxMessage.id == row.id, queued)).values(state="pending", not_before=until, last_error=why))

    async def _retry_after(self, row: OutboxMessage, exc: RetryAfter) -> str:
        wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
        log.info("outbox: Telegram asked to wait %.0f s before writing to %s again", wait, row.chat_id)
        await self._defer_chat(row, wait, f"retry_after {wait:g}")
        self.strikes += 1
        if self.strikes > 1:  # not one busy chat: the whole bot is over its limit
            await self.sleep(wait)
        return "retry"

    async def _migrated(self, row: OutboxMessage, new: int) -> str:
        old = row.chat_id
        log.info("outbox: group %s became supergroup %s; following it", old, new)
        await self._write(
            update(OutboxMessage).where(OutboxMessage.chat_id == old, or_(
                OutboxMessage.state == "pending", OutboxMessage.id == row.id)).values(chat_id=new, state="pending"),
            update(OutboxMessage).where(OutboxMessage.id == row.id).values(not_before=self.rt.clock(),
                                                                           last_error=f"migrated to {new}"),
            update(DigestBinding).where(DigestBinding.chat_id == old).values(chat_id=new))
        return "retry"

    async def _forbidden(self, row: OutboxMessage, exc: Forbidden) -> str:
        now = self.rt.clock()
        async with self.rt.db.begin() as session:
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
                state="failed", attempts=row.attempts + 1, last_error=str(exc)[:500]))
            told = await reachability.mark_unreachable(session, row.chat_id, now=now,
                                                       today=now.astimezone(self.rt.settings.tz).date())
        log.warning("outbox: %s refused the message (%s); %s coordinator notice(s) queued", row.chat_id, exc, told)
        return "failed"

    async def _robot(self, row: OutboxMessage) -> str:
        if not await self._claim(row):
            return "skipped"
        try:
            outcome = await self.robot(self.rt, row)
        except Exception as exc:  # noqa: BLE001 - any robot failure is retried with backoff
            return await self._backoff(row, exc)
        if outcome in ("retry", "failed"):  # bot.robots has recorded when to try again (pacing), or why it failed
            return str(outcome)
        return await self._sent(row)


async def drain(app: Application, rt: Runtime) -> int:
    """Send everything due now; returns how many were sent (tests, `digest send`)."""
    return await Sender(app, rt).drain()


async def run_sender(app: Application, rt: Runtime, stop: asyncio.Event, wake: asyncio.Event,
                     sender: Sender | None = None) -> None:
    """Drain the outbox whenever woken, and at least every `outbox_interval` seconds, until `stop`."""
    sender = sender or Sender(app, rt)
    try:
        await sender.recover()
    except Exception:  # noqa: BLE001 - the loop below retries the database
        log.exception("outbox sender could not recover claimed rows")
    while not stop.is_set():
        wake.clear()
        try:
            await sender.drain(stop)
        except Exception:  # keep the sender alive through database hiccups; the rows stay queued
            log.exception("outbox sender failed; retrying")
        try:
            await asyncio.wait_for(wake.wait(), timeout=rt.settings.outbox_interval)
        except asyncio.TimeoutError:
            pass

