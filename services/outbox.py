"""The outbox: messages that must follow a commit, written in the same transaction, sent after it.

A payload is the Bot API's own parameters for `method` (minus chat_id), so services can build
buttons as plain dicts without importing Telegram. `dedupe_key` is UNIQUE: queuing the same
message twice (a redelivered update, two schedulers) stores it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage
from storage.sql import insert_ignore

Buttons = list[list[tuple[str, str]]]


def inline_keyboard(buttons: Buttons) -> dict[str, Any]:
    """Bot API reply_markup for rows of (label, callback_data)."""
    return {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row] for row in buttons]}


@dataclass(frozen=True)
class Queued:
    dedupe_key: str
    inserted: bool


async def enqueue(
    session: AsyncSession,
    *,
    now: datetime,
    dedupe_key: str,
    chat_id: int | None,
    text: str | None = None,
    buttons: Buttons | None = None,
    method: str = "sendMessage",
    payload: dict[str, Any] | None = None,
    person_id: int | None = None,
    not_before: datetime | None = None,
    channel: str = "telegram",
    target: str | None = None,
) -> Queued:
    """Queue one message in the current transaction; a repeated dedupe_key is ignored."""
    body: dict[str, Any] = dict(payload or {})
    if text is not None:
        body.setdefault("text", text)
        body.setdefault("parse_mode", "HTML")
    if buttons:
        body["reply_markup"] = inline_keyboard(buttons)
    inserted = await insert_ignore(
        session,
        OutboxMessage,
        {
            "dedupe_key": dedupe_key[:200],
            "channel": channel,
            "chat_id": chat_id,
            "target": target,
            "method": method,
            "payload": body,
            "person_id": person_id,
            "not_before": not_before or now,
            "created_at": now,
            "state": "pending",
            "attempts": 0,
        },
        ["dedupe_key"],
    )
    return Queued(dedupe_key, inserted)
