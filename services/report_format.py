"""Numbers, shares, hours and dates as reports show them: Chinese grouping and dates, or English."""

from __future__ import annotations

from datetime import date, datetime

from functools import lru_cache

from babel import Locale
from babel.numbers import parse_pattern

WEEKDAYS_ZH = "一二三四五六日"
MAX_NAME = 40


@lru_cache(maxsize=16)
def _format(pattern: str, lang: str):  # noqa: ANN202
    """Babel's number pattern and locale, parsed once (a province's digest formats thousands of numbers)."""
    locale = Locale.parse("en" if lang == "en" else "zh_CN")
    parsed = parse_pattern(pattern)
    return lambda value: parsed.apply(value, locale)


def num(n: int, lang: str) -> str:
    """12,345 (grouped the way both Chinese and English write it)."""
    return _format("#,##0", lang)(n)


def pct(x: float | None, lang: str, digits: int = 1) -> str:
    """30.5% (— when there is no share to give)."""
    return "—" if x is None else _format("#,##0." + "0" * digits + "%" if digits else "#,##0%", lang)(x)


def hours(minutes: int, lang: str) -> str:
    """Minutes as hours with at most one decimal: 1,234.5."""
    return _format("#,##0.#", lang)(round(minutes / 60, 1))


def delta(now: int, before: int, lang: str) -> str:
    """+3 / −2 / ±0 against the earlier figure."""
    d = now - before
    if d == 0:
        return "±0"
    return ("+" if d > 0 else "−") + num(abs(d), lang)


def day(d: date, lang: str, *, year: bool = False) -> str:
    """11月16日 (2026年11月16日 with `year`) / 16 Nov (2026)."""
    if lang == "en":
        return f"{d.day} {d.strftime('%b')}" + (f" {d.year}" if year else "")
    return (f"{d.year}年" if year else "") + f"{d.month}月{d.day}日"


def span(start: date, end: date, lang: str) -> str:
    """11月16日—11月22日, with years when the span crosses one."""
    both = start.year != end.year
    sep = "–" if lang == "en" else "—"
    return f"{day(start, lang, year=both)}{sep}{day(end, lang, year=both)}"


def when(at: datetime, lang: str) -> str:
    """11月24日（周二）09:00 / Tue 24 Nov 09:00."""
    if lang == "en":
        return f"{at.strftime('%a')} {day(at.date(), lang)} {at:%H:%M}"
    return f"{day(at.date(), lang)}（周{WEEKDAYS_ZH[at.weekday()]}）{at:%H:%M}"


def short(text: str, limit: int = MAX_NAME) -> str:
    """User-typed names and titles cut to a length a phone screen can show."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
