"""The inbox: every update is stored before Telegram is told we have it, then processed exactly once.

`receive` writes the raw update (a repeated update_id is ignored: Telegram delivers at least once).
`process_pending` takes stored updates in update_id order and runs each through the real PTB
`Application` inside one transaction that also marks it processed, so its effects and the mark
commit together: a crash at any line either loses nothing (re-run on start) or has done it all.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from telegram import Update
from telegram.ext import Application

from bot.context import SCOPE, UpdateScope
from bot.runtime import Runtime
from storage.models import InboxUpdate
from storage.sql import insert_ignore

log = logging.getLogger(__name__)


def _user_id(payload: dict[str, Any]) -> int | None:
    for key in ("message", "edited_message", "callback_query", "channel_post", "my_chat_member", "inline_query"):
        part = payload.get(key)
        if isinstance(part, dict):
            sender = part.get("from") or {}
            if "id" in sender:
                return int(sender["id"])
            chat = part.get("chat") or {}
            if "id" in chat:
                return int(chat["id"])
    return None


async def receive(rt: Runtime, payloads: list[dict[str, Any]]) -> int:
    """Store raw updates durably; returns how many were new."""
    if not payloads:
        return 0
    new = 0
    async with rt.db.begin() as session:
        for payload in payloads:
            new += await insert_ignore(session, InboxUpdate, {
                "update_id": int(payload["update_id"]), "user_id": _user_id(payload), "payload": payload,
                "received_at": rt.clock(),
            }, ["update_id"])
    return new


async def process_one(app: Application, rt: Runtime, update_id: int) -> str:
    """Run one stored update through the Application in its own transaction; returns its outcome."""
    async with rt.db.begin() as session:
        query = select(InboxUpdate).where(InboxUpdate.update_id == update_id, InboxUpdate.processed_at.is_(None))
        if rt.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = await session.scalar(query)
        if row is None:
            return "skipped"
        scope = UpdateScope(session)
        token = SCOPE.set(scope)
        try:
            savepoint = await session.begin_nested()
            try:
                await app.process_update(Update.de_json(row.payload, app.bot))
            except Exception:  # PTB re-raises only when no error handler took it
                log.exception("update %s failed", update_id)
                scope.failed = True
            if scope.failed:
                await savepoint.rollback()
            else:
                await savepoint.commit()
        finally:
            SCOPE.reset(token)
        row.processed_at = rt.clock()
        row.outcome = "failed" if scope.failed else "ok"
        return row.outcome


async def pending_ids(rt: Runtime, limit: int = 200) -> list[int]:
    async with rt.db.begin() as session:
        rows = await session.scalars(
            select(InboxUpdate.update_id).where(InboxUpdate.processed_at.is_(None))
            .order_by(InboxUpdate.update_id).limit(limit)
        )
        return list(rows)


async def process_pending(app: Application, rt: Runtime) -> int:
    """Process every stored, unprocessed update in order; returns how many were processed."""
    done = 0
    while ids := await pending_ids(rt):
        for update_id in ids:
            if await process_one(app, rt, update_id) != "skipped":
                done += 1
                rt.outbox_wakeup()  # whatever the update queued is sent without waiting for the next tick
        if len(ids) < 200:
            break
    return done


async def feed(app: Application, rt: Runtime, payload: dict[str, Any]) -> None:
    """Receive and process one update now (console, tests)."""
    await receive(rt, [payload])
    await process_pending(app, rt)
