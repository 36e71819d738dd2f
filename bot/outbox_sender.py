"""The outbox sender: delivers queued messages in order, paced by PTB's AIORateLimiter, retried on failure.

A row is marked sent right after Telegram accepts it; if the process dies between the two, that one
message goes out again on restart (at most one duplicate per crash, never a loss).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select, update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.runtime import Runtime
from storage.models import ChatAccount, DigestBinding, OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BATCH = 100


async def _due(rt: Runtime) -> list[OutboxMessage]:
    async with rt.db.begin() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.state == "pending", OutboxMessage.not_before <= rt.clock())
            .order_by(OutboxMessage.id).limit(BATCH)
        )
        return list(rows)


async def _mark(rt: Runtime, msg_id: int, **values: object) -> None:
    async with rt.db.begin() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == msg_id).values(**values))


async def _follow_migration(rt: Runtime, old: int, new: int) -> None:
    async with rt.db.begin() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.chat_id == old, OutboxMessage.state == "pending")
                              .values(chat_id=new))
        await session.execute(update(DigestBinding).where(DigestBinding.chat_id == old).values(chat_id=new))


async def _unreachable(rt: Runtime, chat_id: int) -> None:
    async with rt.db.begin() as session:
        await session.execute(update(ChatAccount).where(ChatAccount.tg_user_id == chat_id).values(unreachable_at=rt.clock()))


async def send_one(app: Application, rt: Runtime, msg: OutboxMessage) -> str:
    """Deliver one row and record the outcome: sent, retry later, or failed for good."""
    params = dict(msg.payload)
    try:
        await app.bot.do_api_request(msg.method, api_kwargs={"chat_id": msg.chat_id, **params})
    except RetryAfter as exc:
        wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else exc.retry_after.total_seconds()
        await _mark(rt, msg.id, not_before=rt.clock() + timedelta(seconds=wait), last_error="retry_after")
        return "retry"
    except ChatMigrated as exc:
        await _follow_migration(rt, msg.chat_id, exc.new_chat_id)
        await _mark(rt, msg.id, chat_id=exc.new_chat_id, last_error=f"migrated to {exc.new_chat_id}")
        return "retry"
    except Forbidden as exc:
        await _unreachable(rt, msg.chat_id)
        await _mark(rt, msg.id, state="failed", attempts=msg.attempts + 1, last_error=str(exc)[:500])
        return "failed"
    except BadRequest as exc:
        await _mark(rt, msg.id, state="failed", attempts=msg.attempts + 1, last_error=str(exc)[:500])
        return "failed"
    except (NetworkError, TelegramError) as exc:
        attempts = msg.attempts + 1
        state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
        delay = timedelta(seconds=min(300, 2 ** attempts))
        await _mark(rt, msg.id, state=state, attempts=attempts, not_before=rt.clock() + delay, last_error=str(exc)[:500])
        return "retry"
    await _mark(rt, msg.id, state="sent", sent_at=rt.clock(), attempts=msg.attempts + 1)
    return "sent"


async def drain(app: Application, rt: Runtime) -> int:
    """Send everything due now; returns how many were sent."""
    sent = 0
    while rows := await _due(rt):
        outcomes = [await send_one(app, rt, row) for row in rows if row.channel == "telegram"]
        sent += outcomes.count("sent")
        if "sent" not in outcomes:
            break
    return sent


async def run_sender(app: Application, rt: Runtime, stop: asyncio.Event, wake: asyncio.Event) -> None:
    """Drain the outbox whenever woken, and at least every `outbox_interval` seconds, until `stop`."""
    while not stop.is_set():
        try:
            await drain(app, rt)
        except Exception:  # keep the sender alive through database hiccups; the rows stay pending
            log.exception("outbox sender failed; retrying")
        wake.clear()
        try:
            await asyncio.wait_for(wake.wait(), timeout=rt.settings.outbox_interval)
        except asyncio.TimeoutError:
            pass
