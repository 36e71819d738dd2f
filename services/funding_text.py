"""Reading a funding request written in one line: "老年大学书法班 1500元 购买笔墨纸砚" → title, amount, purpose."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.money import MAX_FEN, BadAmount, find_amount, parse_amount

_CN_NUMERAL = re.compile(r"^[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]{2,}[元块圆]?整?$")
_NUMBER_LIKE = re.compile(r"^[-−+¥￥$]?[0-9０-９][0-9０-９.,，]*(?:[eE][-+]?[0-9]+)?[万千]?[元块]?$")
_EDGE = " \t,，:：;；、。"


@dataclass(frozen=True)
class FundLine:
    """What one line says; `amount` is None when it names no amount."""

    title: str
    amount: int | None
    purpose: str


def _amount_word(word: str, max_fen: int) -> int | None:
    """A whole word that is an amount on its own (一千五, -5, 0): the fen, None when it is not one.

    BadAmount is raised for a word that is plainly meant as an amount but unusable (1e9, -5, 0, too large).
    """
    if _NUMBER_LIKE.match(word):
        return parse_amount(word, max_fen=max_fen)
    if not _CN_NUMERAL.match(word):
        return None
    try:
        return parse_amount(word, max_fen=max_fen)
    except BadAmount as exc:
        if exc.reason == "unreadable":
            return None
        raise


def _find(text: str, max_fen: int) -> tuple[int, tuple[int, int]] | None:
    found = find_amount(text, max_fen=max_fen)
    if found is not None:
        return found
    start = 0
    for word in text.split():
        at = text.index(word, start)
        start = at + len(word)
        fen = _amount_word(word, max_fen)
        if fen is not None:
            return fen, (at, start)
    return None


def read_fund_line(text: str, *, max_fen: int = MAX_FEN) -> FundLine:
    """Title before the amount, purpose after it (or the title after it when nothing comes before).

    Raises BadAmount when the amount written cannot be used (zero, negative, too precise, too large).
    """
    text = (text or "").strip()
    found = _find(text, max_fen)
    if found is None:
        return FundLine(text.strip(_EDGE), None, "")
    fen, (a, b) = found
    before, after = text[:a].strip(_EDGE), text[b:].strip(_EDGE)
    if not before:
        return FundLine(after, fen, "")
    return FundLine(before, fen, after)
