"""Cleaning what people type: names, phone numbers, lengths."""

from __future__ import annotations

import re
import unicodedata

from services.errors import TooLong

_SPACES = re.compile(r"[\s\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # NUL and friends: PostgreSQL refuses NUL in text
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff·])|(?<=[\u3400-\u9fff·])\s+(?=[\u3400-\u9fff])")
_PHONE_JUNK = re.compile(r"[\s\-().\u3000]")

MAX_TITLE = 100
MAX_PLACE = 100
MAX_NOTE = 1000
MAX_MESSAGE = 2000


def normalise_name(raw: str) -> str:
    """Trim, fold full-width forms, drop spaces inside Chinese names (曲  亮 → 曲亮), collapse other runs."""
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", raw or "")).strip()
    text = _SPACES.sub(" ", text)
    return _CJK_GAP.sub("", text)


def normalise_phone(raw: str) -> str | None:
    """An 11-digit mainland mobile number from 138 0013 8000 / +86-138… / 86138…; None if it is not one."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if text.endswith(".0"):  # a number cell read from a spreadsheet as a float
        text = text[:-2]
    text = _PHONE_JUNK.sub("", text)
    if text.startswith("+"):
        text = text[1:]
    if text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if len(text) == 11 and text.isdigit() and text.startswith("1"):
        return text
    return None


def clean_text(raw: str, *, limit: int) -> str:
    """Trimmed single-spaced text; TooLong when over `limit` characters."""
    text = _SPACES.sub(" ", _CONTROL.sub("", unicodedata.normalize("NFKC", raw or ""))).strip()
    if len(text) > limit:
        raise TooLong(length=len(text), limit=limit)
    return text
