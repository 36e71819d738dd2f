"""Shared pieces of the Telegram adapters: callback-data codec, keyboards, escaping, formatting."""

from __future__ import annotations

import html
import re
from pathlib import Path
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from services.dates import format_when
from services.errors import StaleButton

_CB = re.compile(r"^([a-z]{1,3}\d):([a-z]{1,6})((?::[A-Za-z0-9_\-]{1,24}){0,4})$")


def esc(value: object) -> str:
    """HTML-escape anything user-typed before it goes into a message."""
    return html.escape(str(value), quote=False)


def cb(prefix: str, verb: str, *args: object) -> str:
    """Build callback data `prefix:verb:arg…` (short, versioned by the prefix, ≤ 64 bytes)."""
    data = ":".join([prefix, verb, *map(str, args)])
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def parse_cb(data: str | None, prefix: str) -> tuple[str, list[str]]:
    """Split callback data; StaleButton for anything forged, oversized or of another version."""
    if not data or len(data.encode()) > 64:
        raise StaleButton()
    m = _CB.fullmatch(data)
    if not m or m.group(1) != prefix:
        raise StaleButton()
    return m.group(2), [a for a in m.group(3).split(":") if a]


MAX_ID = 2**31 - 1


def int_arg(args: list[str], i: int) -> int:
    """A whole-number argument of callback data within database id range; StaleButton otherwise."""
    try:
        value = int(args[i])
    except (IndexError, ValueError):
        raise StaleButton() from None
    if not 0 <= value <= MAX_ID:
        raise StaleButton()
    return value


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


def chunk(items: list[tuple[str, str]], per_row: int) -> list[list[tuple[str, str]]]:
    return [items[i: i + per_row] for i in range(0, len(items), per_row)]


def fmt_day(day: date, lang: str) -> str:
    """2026年12月2日 星期三 / Wed 2 Dec 2026."""
    return format_when(day, has_time=False, lang=lang)


def fmt_dt(value: datetime, lang: str) -> str:
    """2026年12月2日 星期三 15:00 / Wed 2 Dec 2026 15:00."""
    return format_when(value, has_time=True, lang=lang)


def fmt_minutes(minutes: int, lang: str) -> str:
    hours = minutes / 60
    text = f"{hours:.1f}".rstrip("0").rstrip(".")
    return f"{text} h" if lang == "en" else f"{text}小时"


async def keep_file(media, folder: Path, name: str) -> str | None:  # noqa: ANN001
    """Download a photo or document into `folder`; None if it cannot be fetched now (its file id is kept)."""
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        await (await media.get_file()).download_to_drive(path)
    except (TelegramError, OSError):
        return None
    return str(path)


async def answer_query(query, text: str | None = None) -> None:  # noqa: ANN001
    """Answer a button press; a press too old to answer (replayed after a restart) is still handled."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        if "query is too old" not in str(exc) and "query id is invalid" not in str(exc).lower():
            raise


async def answer(update: Update, text: str, markup: InlineKeyboardMarkup | None = None, *, edit: bool = False) -> None:
    """Reply to a message, or for a button press edit the card it sits on (falling back to a new message)."""
    query = update.callback_query
    if query is not None:
        await answer_query(query)
        if edit and query.message is not None:
            await query.edit_message_text(text, reply_markup=markup)
            return
    chat = update.effective_chat
    if chat is not None:
        await update.get_bot().send_message(chat.id, text, reply_markup=markup)
