"""The inbox: every update is stored before Telegram is told we have it, then processed exactly once, in order.

`receive` writes the raw update (a repeated update_id is ignored: Telegram delivers at least once).
`process_pending` takes stored updates in update_id order and runs each through the real PTB
`Application` inside one transaction that also marks it processed, so its effects and the mark
commit together: a crash at any line either loses nothing (re-run on start) or has done it all.

Several workers may process the same inbox. Per-person order holds across them: a transaction
first takes that person's lock (PostgreSQL: `pg_advisory_xact_lock`, released by the commit itself or
by a dead worker's connection; SQLite: every transaction is `BEGIN IMMEDIATE`, so they queue), then
processes the person's *earliest* unprocessed update, whichever update woke it. Webhooks may also
deliver out of order: with `bot_data["reorder_hold"]` set (webhook mode), an update waits up to that
many seconds for any missing lower update_id (Telegram numbers updates sequentially). What is not
processed at all (service accounts binding, throttled floods, unreadable or forged updates) is
decided in bot/gate.py.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application

from bot import gate
from bot.context import SCOPE, UpdateScope
from bot.runtime import Runtime
from services import reachability
from storage.models import InboxUpdate
from storage.sql import insert_ignore

log = logging.getLogger(__name__)
BATCH = 200
KEEP = timedelta(days=7)  # processed updates are kept this long: Telegram redelivers within a day
REORDER_HOLD = 2.0  # webhook mode: seconds an update waits for a lower update_id that has not arrived yet


async def receive(rt: Runtime, payloads: list[dict[str, Any]]) -> int:
    """Store raw updates durably (NUL characters dropped); returns how many were new."""
    if not payloads:
        return 0
    async with rt.db.begin() as session:
        return await _store(rt, session, payloads)


async def _store(rt: Runtime, session: AsyncSession, payloads: list[dict[str, Any]]) -> int:
    new = 0
    for payload in map(gate.scrub, payloads):
        new += await insert_ignore(session, InboxUpdate, {
            "update_id": int(payload["update_id"]), "user_id": gate.user_id(payload), "payload": payload,
            "received_at": rt.clock(),
        }, ["update_id"])
    return new


# PostgreSQL: read whose update this is and take that person's lock in one round trip. A NULL user_id makes the
# key NULL, and the (strict) lock function is then not called: no person, no lock.
_LOCK_PERSON = text("SELECT user_id, pg_advisory_xact_lock(hashtextextended('cebot:user:' || user_id::text, 0)) "
                    "FROM inbox WHERE update_id = :update_id")


async def process_one(app: Application, rt: Runtime, update_id: int) -> str:
    """Process this update's person's earliest unprocessed update in its own transaction; returns its outcome."""
    person = select(InboxUpdate.user_id).where(InboxUpdate.update_id == update_id).scalar_subquery()
    query = (select(InboxUpdate, reachability.unreachable(InboxUpdate.user_id))
             .where(InboxUpdate.processed_at.is_(None),
                    or_(InboxUpdate.update_id == update_id, InboxUpdate.user_id == person))
             .order_by(InboxUpdate.update_id).limit(1))  # the person's earliest waiting update (or this one)
    async with rt.db.begin() as session:
        if rt.db.dialect == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises every transaction
            # never touch a person's rows without their lock: the row query runs after the lock is held
            await session.execute(_LOCK_PERSON, {"update_id": update_id})
            query = query.with_for_update(of=InboxUpdate, skip_locked=True)
        found = (await session.execute(query)).first()
        if found is None:
            return "skipped"
        row, unreachable = found
        hold = app.bot_data.get("reorder_hold")
        if hold and row.received_at > rt.clock() - timedelta(seconds=hold) and await _gap_below(session, row.update_id):
            return "waiting"
        row.outcome = await _run(app, rt, session, row, unreachable=bool(unreachable))
        row.processed_at = rt.clock()
        return row.outcome


async def _gap_below(session: AsyncSession, update_id: int) -> bool:
    """Has an earlier update not arrived yet? Webhooks may deliver out of order; update ids are sequential."""
    mark = await session.scalar(select(func.max(InboxUpdate.update_id)).where(
        InboxUpdate.processed_at.is_not(None), InboxUpdate.update_id < update_id))
    if mark is None or mark >= update_id - 1:
        return False
    present = await session.scalar(select(func.count()).select_from(InboxUpdate).where(
        InboxUpdate.update_id > mark, InboxUpdate.update_id < update_id))
    return present < update_id - 1 - mark


async def _run(app: Application, rt: Runtime, session: AsyncSession, row: InboxUpdate, *, unreachable: bool) -> str:
    """Screen the update (bot/gate.py), then hand it to the Application inside a savepoint.

    `unreachable`: whether the chat account of `row.user_id` was flagged unreachable when the row was read.
    """
    update, outcome = await gate.screen(app, row.payload, row.received_at)
    if update is None:
        return outcome
    if update.effective_chat is not None and update.effective_chat.type == "private" and update.effective_user:
        if unreachable or update.effective_user.id != row.user_id:  # nothing to clear otherwise
            await reachability.mark_reachable(session, update.effective_user.id)  # they can be messaged again
    scope = UpdateScope(session)
    token = SCOPE.set(scope)
    try:
        savepoint = await session.begin_nested()
        try:
            await app.process_update(update)
        except Exception:  # PTB re-raises only when no error handler took it
            log.exception("update %s failed", row.update_id)
            scope.failed = True
        if scope.failed:
            await savepoint.rollback()
        else:
            await savepoint.commit()
    finally:
        SCOPE.reset(token)
    return "failed" if scope.failed else "ok"


async def pending_ids(rt: Runtime, limit: int = BATCH) -> list[int]:
    async with rt.db.begin() as session:
        return await _pending(session, limit)


async def _pending(session: AsyncSession, limit: int = BATCH) -> list[int]:
    rows = await session.scalars(
        select(InboxUpdate.update_id).where(InboxUpdate.processed_at.is_(None))
        .order_by(InboxUpdate.update_id).limit(limit)
    )
    return list(rows)


async def _process_all(app: Application, rt: Runtime, ids: list[int] | None = None) -> tuple[int, bool]:
    """Process stored updates until a pass makes no progress: (how many, whether some wait for an earlier one).

    `ids`: the first pass's pending ids when the caller has just read them.
    """
    done, waiting = 0, False
    if ids is None:
        ids = await pending_ids(rt)
    while ids:
        progress, waiting = 0, False
        for update_id in ids:
            outcome = await process_one(app, rt, update_id)
            waiting |= outcome == "waiting"
            if outcome not in ("skipped", "waiting"):
                progress += 1
                rt.outbox_wakeup()  # whatever the update queued is sent without waiting for the next tick
        done += progress
        if not progress:
            break  # the rest is in other workers' hands right now, or waits for an earlier update
        if progress == len(ids) < BATCH:
            break  # the pass took every update stored when it began; later arrivals wake the caller again
        ids = await pending_ids(rt)
    return done, waiting


async def process_pending(app: Application, rt: Runtime) -> int:
    """Process every stored, unprocessed update in order, until a pass makes no progress; returns how many."""
    return (await _process_all(app, rt))[0]


async def keep_processing(app: Application, rt: Runtime, stop: asyncio.Event, arrived: asyncio.Event,
                          every: float = 5.0) -> None:
    """Process stored updates whenever some arrive, at start (leftovers of a crash) and every `every` seconds."""
    while not stop.is_set():
        arrived.clear()
        waiting = False
        try:
            waiting = (await _process_all(app, rt))[1]
        except Exception:  # noqa: BLE001 - the database may be away for a moment; the rows stay stored
            log.exception("processing updates failed; retrying")
        try:
            await asyncio.wait_for(arrived.wait(), timeout=min(every, 0.25) if waiting else every)
        except asyncio.TimeoutError:
            pass


async def feed(app: Application, rt: Runtime, payload: dict[str, Any]) -> None:
    """Receive and process one update now (console, tests)."""
    async with rt.db.begin() as session:  # stored and committed before it is processed
        await _store(rt, session, [payload])
        ids = await _pending(session)
    await _process_all(app, rt, ids)


async def prune(rt: Runtime) -> int:
    """Forget processed updates older than KEEP (a scheduled job); returns how many rows went."""
    async with rt.db.begin() as session:
        result = await session.execute(delete(InboxUpdate).where(InboxUpdate.processed_at < rt.clock() - KEEP))
    return result.rowcount
