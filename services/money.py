"""Money in whole fen (1 元 = 100 分): reading amounts the way people type them, and showing them.

Amounts are never floats. Arabic amounts are read with `Decimal`; Chinese numerals
(一千五百元, 壹仟伍佰元, colloquial 一千五 = 1500) are read by cn2an, which is imported
lazily because building its converters costs ~70 ms.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Context, Decimal, InvalidOperation
from functools import cache
from typing import Callable

from babel.numbers import format_decimal

from services.errors import DomainError, N_

FEN_PER_YUAN = 100
MAX_FEN = 1_000_000_000  # 10 000 000 元: no community-education request comes near it
MAX_AMOUNT_CHARS = 40  # longer "amounts" are not amounts; also bounds the work done on them

REASONS = ("unreadable", "zero", "negative", "too_precise", "too_large")


class BadAmount(DomainError):
    """An amount that cannot be used; `params["reason"]` is one of REASONS, `params["text"]` what was written.

    The class `message` is the general msgid; each instance carries the msgid for its reason in `message`.
    """

    message = N_("I could not read the amount “{text}”. Write it like 1500, 1500.50, 1.5万 or 一千五百元.")
    by_reason = {
        "unreadable": message,
        "zero": N_("The amount “{text}” is zero. Please write the amount you need, like 1500 or 1500.50."),
        "negative": N_("The amount “{text}” is negative. Please write the amount you need, like 1500 or 1500.50."),
        "too_precise": N_("The amount “{text}” has more than two decimal places; amounts go down to 0.01 元."),
        "too_large": N_("The amount “{text}” is over the limit of {limit} 元. Please check it."),
    }

    def __init__(self, *, text: str, reason: str, **params: object) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown BadAmount reason {reason!r}")
        self.message = self.by_reason[reason]
        super().__init__(text=text, reason=reason, **params)

    @property
    def reason(self) -> str:
        return str(self.params["reason"])


# Characters of Chinese numerals (digits, financial digits, units). Only used to find where a numeral
# starts and ends; cn2an does the reading.
_CN_CHARS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟廿"
_AR_NUM = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"  # ASCII digits only, after NFKC
_UNIT = r"元|圆|块钱|块"
_PREFIX = r"¥|RMB|CNY|人民币"

_WHOLE = re.compile(
    rf"(?P<sign0>-)?\s*(?:(?P<pre>{_PREFIX})\s*)?(?P<sign>[-负])?\s*"
    rf"(?P<body>.+?)\s*(?P<unit>{_UNIT})?\s*(?P<zheng>[整正])?",
    re.IGNORECASE,
)
_ARABIC = re.compile(rf"(?P<num>{_AR_NUM})\s*(?P<mult>[万千])?")
_CN_BODY = re.compile(rf"[{_CN_CHARS}0-9]+(?:点[{_CN_CHARS}0-9]+)?")
_MULTIPLIER = {"万": 10_000, "千": 1_000}

# An amount inside a sentence. Alternatives, leftmost first:
#   Chinese / mixed numerals, only when a unit follows (一千五百元, 3万5千元);
#   arabic numbers, with an optional 万/千 and unit (1,500元, 1.5万, ¥1500, 1500).
_CANDIDATE = re.compile(
    rf"""
    (?P<sign0>(?<![\w-])-\s*)?
    (?:(?P<pre>{_PREFIX})\s*)?
    (?P<sign>(?<![\w-])-\s*|负)?
    (?:
        (?<![{_CN_CHARS}0-9])(?P<cn>[{_CN_CHARS}0-9]++(?:点[{_CN_CHARS}0-9]++)?)(?=\s*(?:元|圆|块))
      | (?P<num>{_AR_NUM})(?:\s*(?P<mult>[万千]))?
    )
    (?:\s*(?P<unit>{_UNIT}))?
    (?P<zheng>整)?
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Words after a number that make it a count, a time or a date rather than money: 60人, 2小时, 3点, 2026年.
_COUNTER = re.compile(
    r"\s*(?:人|名|位|个|次|场|期|节|课|岁|年|月|日|号|天|周|小时|时|分|秒|点|字|本|册|份|张|件|套|户|家|所"
    r"|步|米|里|平|亩|株|棵|条|篇|首|幅|辆|台|部|门|种|项|批|组|班|届|倍|%|‰|kg|km|cm|mm|g\b|m\b)",
    re.IGNORECASE,
)
_RANGE_BEFORE = re.compile(rf"[0-9{_CN_CHARS}][0-9,.{_CN_CHARS}]*\s*(?:[-~]|至|到)\s*$")  # 1500- of 1500-2000元
_CURRENCY_LIKE = "$€£#@"  # $1500 is not yuan; #3, @5 are not money


@cache
def _cn2an() -> Callable[..., object]:
    import cn2an  # lazy on purpose, see the module docstring

    return cn2an.cn2an


def _fold_char(ch: str) -> str:
    """Full-width → half-width and friends (NFKC): １５００ → 1500, ￥ → ¥, ， → ','; '−' → '-'."""
    return unicodedata.normalize("NFKC", ch).replace("\u2212", "-")


def _fold(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the original character it came from."""
    parts: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = _fold_char(ch)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return "".join(parts), origin


def _exact(value: Decimal) -> Context:
    return Context(prec=max(60, len(value.as_tuple().digits) + 10))


def _yuan_from_arabic(match: re.Match[str]) -> Decimal:
    value = Decimal(match["num"].replace(",", ""))
    if match["mult"]:
        value = _exact(value).multiply(value, _MULTIPLIER[match["mult"]])
    return value


def _yuan_from_chinese(body: str) -> Decimal | None:
    """Chinese or mixed numerals (一千五, 壹仟伍佰, 3万5千, 一千五百点五, 一点五万) in yuan; None if unreadable."""
    convert = _cn2an()
    integer, point, fraction = body.partition("点")
    multiplier = 1
    if point and fraction and fraction[-1] in _MULTIPLIER:
        multiplier = _MULTIPLIER[fraction[-1]]
        fraction = fraction[:-1]
    if not integer or (point and not fraction):
        return None
    try:
        whole = convert(integer, "smart")
        digits = convert(fraction, "direct") if point else "0"
    except (ValueError, KeyError, IndexError):
        return None
    if not isinstance(whole, int) or isinstance(whole, bool) or not isinstance(digits, str) or not digits.isdigit():
        return None
    value = Decimal(f"{whole}.{digits}")
    return _exact(value).multiply(value, multiplier)


def _limit_text(max_fen: int) -> str:
    yuan, fen = divmod(max_fen, FEN_PER_YUAN)
    return f"{yuan:,}" if not fen else f"{yuan:,}.{fen:02d}"


def _to_fen(yuan: Decimal, *, negative: bool, text: str, max_fen: int) -> int:
    if yuan == 0:
        raise BadAmount(text=text, reason="zero")
    if negative or yuan < 0:
        raise BadAmount(text=text, reason="negative")
    fen = _exact(yuan).multiply(yuan, FEN_PER_YUAN)
    if fen > max_fen:
        raise BadAmount(text=text, reason="too_large", limit=_limit_text(max_fen))
    if fen != fen.to_integral_value():
        raise BadAmount(text=text, reason="too_precise")
    return int(fen)


def _parse_folded(folded: str, text: str, max_fen: int) -> int:
    whole = _WHOLE.fullmatch(folded) if len(folded) <= MAX_AMOUNT_CHARS else None
    if whole is None:
        raise BadAmount(text=text, reason="unreadable")
    if whole["sign0"] and whole["sign"]:
        raise BadAmount(text=text, reason="unreadable")
    body = whole["body"]
    yuan: Decimal | None = None
    if arabic := _ARABIC.fullmatch(body):
        try:
            yuan = _yuan_from_arabic(arabic)
        except InvalidOperation:
            yuan = None
    elif _CN_BODY.fullmatch(body):
        yuan = _yuan_from_chinese(body)
    if yuan is None:
        raise BadAmount(text=text, reason="unreadable")
    return _to_fen(yuan, negative=bool(whole["sign0"] or whole["sign"]), text=text, max_fen=max_fen)


def parse_amount(text: str, *, max_fen: int = MAX_FEN) -> int:
    """The amount in fen written in `text` (1500, 1,500元, ¥1500.50, 1.5万, 一千五, 壹仟伍佰元整, …).

    Raises BadAmount with reason "unreadable", "zero", "negative", "too_precise" or "too_large"
    (over `max_fen`, by default 10 000 000 元).
    """
    shown = (text or "").strip()[: MAX_AMOUNT_CHARS + 10]
    folded, _ = _fold((text or "").strip())
    folded = folded.strip()
    if not folded:
        raise BadAmount(text=shown, reason="unreadable")
    return _parse_folded(folded, shown, max_fen)


def _is_standalone(folded: str, start: int, end: int) -> bool:
    """Whether a bare number at folded[start:end] is a token of its own and not a count, date or time."""
    if start > 0:
        before = folded[start - 1]
        if before.isalnum() or before == "_" or before in _CURRENCY_LIKE:
            return False
        if before in "-+./" or (before in ",:" and start >= 2 and folded[start - 2].isdigit()):
            return False  # A-1500, 1.5 / 11/20, 60,1500, 14:00 — but 金额：1500 is fine
        if folded[:start].rstrip().endswith("第"):
            return False
    if end < len(folded):
        after = folded[end]
        if after.isalnum() or after == "_":
            return False
        if after in ".,:/-" and end + 1 < len(folded) and folded[end + 1].isdigit():
            return False
        if _COUNTER.match(folded, end):
            return False
    return True


def _is_marked(folded: str, match: re.Match[str]) -> bool:
    """Whether a candidate carries a currency marker that really is one (1500元, ¥1500, 1.5万 but not 2万人)."""
    if match["pre"] or match["unit"] in ("元", "圆", "块钱"):
        if match["unit"] == "元" and folded.startswith("旦", match.end("unit")):  # 2026元旦 is New Year's Day
            return bool(match["pre"])
        return True
    if match["unit"] == "块":  # 1500块 yes, 两块展板 (two boards) no
        after = match.end("unit")
        return after >= len(folded) or not (folded[after].isalnum() or folded[after] == "_")
    if match["mult"] == "万":
        after = match.end("mult")
        if after < len(folded) and (folded[after].isdigit() or folded[after] in _CN_CHARS):
            return False  # 3万5: a compound number this pattern did not take whole
        return not _COUNTER.match(folded, after)
    return False


def find_amount(text: str, *, max_fen: int = MAX_FEN) -> tuple[int, tuple[int, int]] | None:
    """The first money expression in a sentence: (fen, (start, end)) with the span in `text`, or None.

    A number is money when it has a currency marker (元, 块, ¥, ￥, RMB, 万); Chinese numerals need 元 or 块.
    Without any marked amount, the first bare number standing alone as a token counts (书法班 1500 购买),
    but not counts, dates or times (60人, 2小时, 11月20日, 3点, 2026年). Raises BadAmount when the marked
    amount cannot be used (negative, zero, too precise, too large).
    """
    folded, origin = _fold(text or "")
    bare: tuple[int, tuple[int, int]] | None = None
    for match in _CANDIDATE.finditer(folded):
        start, end = match.span()
        span = (origin[start], origin[end - 1] + 1)
        original = (text or "")[span[0] : span[1]]
        if _is_marked(folded, match):
            if not (match["sign0"] or match["sign"] or match["pre"]):
                if ahead := _RANGE_BEFORE.search(folded, max(0, start - 40), start):  # a range is not one amount
                    raise BadAmount(text=(text or "")[origin[ahead.start()] : span[1]], reason="unreadable")
            if match["cn"]:
                try:
                    return _parse_folded(match.group(), original, max_fen), span
                except BadAmount as error:
                    if error.reason == "unreadable":  # 百元, 千元 as words: not an amount, keep looking
                        continue
                    raise
            return _parse_folded(match.group(), original, max_fen), span
        plain = match["num"] and not any(match[g] for g in ("pre", "sign0", "sign", "mult", "unit", "zheng"))
        if bare is None and plain and _is_standalone(folded, start, end):
            try:
                bare = _parse_folded(match.group(), original, max_fen), span
            except BadAmount:
                pass  # a phone number or 0 standing alone is not an amount
    return bare


def format_fen(fen: int, lang: str = "zh_CN") -> str:
    """An amount for people: "1,500.00 元" in Chinese, "CNY 1,500.00" otherwise; negative amounts keep their sign."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError(f"amounts are integer fen, not {type(fen).__name__}")
    yuan = Decimal(fen).scaleb(-2)
    if (lang or "").lower().replace("-", "_").startswith("zh"):
        return f"{format_decimal(yuan, format='#,##0.00', locale='zh_CN')} 元"
    return f"CNY {format_decimal(yuan, format='#,##0.00', locale='en')}"
