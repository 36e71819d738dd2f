"""Screening an update before the handlers see it: what the bot does not process, and the one reply it gets.

Runs inside the inbox's transaction for the update. Telegram's service accounts never bind to a
person; a person over their throttle gets one polite reply; a payload this PTB cannot read and a
button press whose data no feature would accept are refused with a clear answer instead of an error.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from handlers.common import _CB as CALLBACK_DATA  # the callback codec's own pattern: prefix:verb:args
from services.errors import N_, StaleButton
from services.i18n import lang_for, translator
from services.people import SERVICE_USER_IDS

log = logging.getLogger(__name__)
SLOW_DOWN = N_("You are sending messages faster than I can handle. Please wait a minute, then try again.")


def _part(payload: dict[str, Any]) -> dict[str, Any]:
    """The update's one content object (message, callback_query, …), whatever its type."""
    return next((v for k, v in payload.items() if k != "update_id" and isinstance(v, dict)), {})


def _sender(payload: dict[str, Any]) -> dict[str, Any]:
    part = _part(payload)
    sender = part.get("from") or part.get("user") or {}
    return sender if isinstance(sender, dict) else {}


def _chat(payload: dict[str, Any]) -> dict[str, Any]:
    part = _part(payload)
    chat = part.get("chat") or (part.get("message") or {}).get("chat") or {}
    return chat if isinstance(chat, dict) else {}


def user_id(payload: dict[str, Any]) -> int | None:
    """Whose update this is (the sender, else the chat): the key of per-person order and throttling."""
    for source in (_sender(payload), _chat(payload)):
        if isinstance(source.get("id"), int):
            return source["id"]
    return None


def scrub(value: Any) -> Any:
    """NUL characters out of every string: PostgreSQL text cannot hold them, and no person types one."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


async def screen(app: Application, payload: dict[str, Any], received_at: datetime) -> tuple[Update | None, str]:
    """(the update, "") to process it, or (None, outcome) for one the bot does not process."""
    sender = _sender(payload)
    if (sender.get("id") in SERVICE_USER_IDS or sender.get("is_bot")) and "contact" in _part(payload):
        return None, "ignored"  # Telegram's anonymous-admin, channel and service accounts never bind to a person
    throttle = app.bot_data.get("throttle")
    if throttle is not None and isinstance(sender.get("id"), int):
        verdict = await throttle.take(sender["id"], received_at.timestamp())
        if not verdict.allowed:
            if verdict.notify:
                await tell(app, payload, SLOW_DOWN)
            return None, "throttled"
    try:
        update = Update.de_json(payload, app.bot)
    except Exception as exc:  # noqa: BLE001 - a shape this PTB cannot read (forged, or newer than us)
        log.warning("update %s could not be read (%s: %s); skipped", payload.get("update_id"),
                    type(exc).__name__, exc)
        return None, "unreadable"
    if update.callback_query is not None and not _wanted(app, update):
        await tell(app, payload, StaleButton.message)  # forged, oversized or from a retired feature
        return None, "refused"
    return update, ""


def _wanted(app: Application, update: Update) -> bool:
    """Is this button's data well formed (all of it, ≤ 64 bytes) and taken by some handler?"""
    data = update.callback_query.data
    if data is None or len(data.encode()) > 64 or not CALLBACK_DATA.fullmatch(data):
        return False
    return any(h.check_update(update) not in (None, False) for group in app.handlers.values() for h in group)


async def tell(app: Application, payload: dict[str, Any], msgid: str) -> None:
    """One direct, translated reply to an update the bot will not act on (private chats and button presses)."""
    _ = translator(lang_for(_sender(payload).get("language_code")))
    part, chat = _part(payload), _chat(payload)
    try:
        if "callback_query" in payload:
            await app.bot.answer_callback_query(part["id"], text=_(msgid)[:200], show_alert=True)
        elif chat.get("type") == "private" and isinstance(chat.get("id"), int):
            await app.bot.send_message(chat["id"], _(msgid))
    except (TelegramError, KeyError) as exc:
        log.warning("could not tell the sender of update %s: %s", payload.get("update_id"), exc)
