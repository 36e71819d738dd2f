"""dateparser as a last resort for English dates the grammar does not know (package-private).

It is only asked when the text holds an English month/weekday/relative word, only about a run of words that
are all date words (so "may 5 people come" or "60人" never reach it), it is imported on first use, and its
answers are checked: no day guessed from a bare month (REQUIRE_PARTS), no clock copied from now.
"""

from __future__ import annotations

import re
from datetime import datetime

from services._dates_grammar import Ctx, Found

_MONTHS = (r"january|february|march|april|may|june|july|august|september|october|november|december|"
           r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec")
_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun"
_GATE = re.compile(rf"(?i)\b(?:{_MONTHS}|{_WEEKDAYS}|today|tomorrow|yesterday|tonight|ago|hence|later)\b")
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                 r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
                 r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
                 r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth")
_DATE_WORD = re.compile(
    rf"(?i)(?:{_MONTHS}|{_WEEKDAYS}|{_NUMBER_WORDS})(?:-(?:{_NUMBER_WORDS}))?\.?"
    r"|today|tomorrow|yesterday|tonight|now|ago|later|hence|from|next|last|this|coming|previous|past|the|of|on|at|"
    r"in|an?|and|after|before|days?|weeks?|fortnights?|months?|years?|hours?|hrs?|minutes?|mins?|[ap]\.?m\.?|noon|"
    r"midnight|morning|afternoon|evening|night|o'?clock|half|quarter|couple"
    r"|\d{1,2}(?:st|nd|rd|th)|\d{1,4}|\d{1,2}(?::\d{2})?\s?[ap]\.?m\.?|\d{1,2}:\d{2}"
)
_TOKEN = re.compile(r"[^\s,]+")
_EXPLICIT_CLOCK = re.compile(
    r"(?i)\d\s*[ap]\.?m\b|\d{1,2}:\d{2}|\b(?:noon|midday|midnight|o'?clock|hours?|hrs?|minutes?|mins?)\b"
)
_BARE_NUMBER = re.compile(r"\d{1,3}")
_MONTH_WORD = re.compile(rf"(?i)(?:{_MONTHS})\.?")

_dateparser = None


def _parse_fn():
    """dateparser.parse, imported on first use (the import and its first call are slow)."""
    global _dateparser
    if _dateparser is None:
        import dateparser

        _dateparser = dateparser
    return _dateparser.parse


def _settings(ctx: Ctx) -> dict:
    """Settings that make dateparser deterministic: fixed base, preference, no timestamps, day and month required."""
    return {
        "RELATIVE_BASE": ctx.now,
        "PREFER_DATES_FROM": ctx.prefer,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": ["day", "month"],
        "PARSERS": ["relative-time", "absolute-time"],
        "PREFER_DAY_OF_MONTH": "first",
        "DATE_ORDER": "DMY",
        "PREFER_LOCALE_DATE_ORDER": False,
    }


def date_word_run(text: str, pos: int) -> tuple[int, int] | None:
    """The span of consecutive date words around offset pos, without bare numbers dangling at its ends."""
    tokens = [t for t in _TOKEN.finditer(text)]
    inside = [t.start() <= pos < t.end() for t in tokens]
    if True not in inside:
        return None
    i = j = inside.index(True)
    if not _DATE_WORD.fullmatch(tokens[i].group().rstrip(".")):
        return None
    while i > 0 and _is_date_word(tokens[i - 1]) and _adjacent(text, tokens[i - 1], tokens[i]):
        i -= 1
    while j + 1 < len(tokens) and _is_date_word(tokens[j + 1]) and _adjacent(text, tokens[j], tokens[j + 1]):
        j += 1
    while i < j and _BARE_NUMBER.fullmatch(tokens[i].group()):
        i += 1
    while j > i and _BARE_NUMBER.fullmatch(tokens[j].group()) and not _MONTH_WORD.fullmatch(tokens[j - 1].group()):
        j -= 1
    return tokens[i].start(), tokens[j].end()


def _is_date_word(token: re.Match) -> bool:
    """Whether a token is a date word, ignoring one trailing full stop."""
    return bool(_DATE_WORD.fullmatch(token.group().rstrip(".")))


def _adjacent(text: str, left: re.Match, right: re.Match) -> bool:
    """Only spaces and commas between two tokens (no Chinese text, no line break)."""
    return not text[left.end():right.start()].strip(" ,")


def parse(text: str, ctx: Ctx) -> Found | None:
    """Ask dateparser about the first run of English date words; None unless it gives a checked answer."""
    for gate in _GATE.finditer(text):
        run = date_word_run(text, gate.start())
        if run is None:
            continue
        chunk = text[run[0]:run[1]]
        if re.fullmatch(r"may\s+\d{1,2}", chunk):
            continue  # lowercase "may 5": the grammar refused it as too likely the verb
        found = _parse_fn()(chunk, languages=["en"], settings=_settings(ctx))
        if isinstance(found, datetime):
            return _checked(found, chunk, run[0])
        return None
    return None


def _checked(found: datetime, chunk: str, start: int) -> Found:
    """Drop a clock dateparser copied from now when the text names none."""
    found = found.replace(tzinfo=None, second=0, microsecond=0)
    if _EXPLICIT_CLOCK.search(chunk):
        return Found(start, start + len(chunk), found, True)
    return Found(start, start + len(chunk), found.replace(hour=0, minute=0), False)


def warm_up(ctx: Ctx) -> None:
    """Import dateparser and load its English data now rather than on the first real message."""
    _parse_fn()("1 December 2026", languages=["en"], settings=_settings(ctx))
