"""Words, numbers and patterns of the date grammar, and clock reading (package-private; see services.dates).

Everything here works on text already passed through normalise(); nothing here knows about "now".
"""

from __future__ import annotations

import re
from functools import lru_cache


class Impossible(Exception):
    """The text names a date or time that does not exist (2月30日, 25点, 12点60分); the scanner sets `span`."""

    span: tuple[int, int] | None = None


# ---------------------------------------------------------------------------------------------
# Text normalisation and numerals
# ---------------------------------------------------------------------------------------------

_FULLWIDTH = str.maketrans("０１２３４５６７８９：．／－（）", "0123456789:./-()")


def normalise(text: str) -> str:
    """Map full-width digits and punctuation to ASCII, keeping every character offset unchanged."""
    return text.translate(_FULLWIDTH)


_CN2AN = None


def cn2an_module():
    """Import cn2an on first use, so importing services.dates stays light."""
    global _CN2AN
    if _CN2AN is None:
        import cn2an

        _CN2AN = cn2an
    return _CN2AN


_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2, "a couple of": 2,
}


@lru_cache(maxsize=2048)
def number(token: str) -> float | None:
    """Read an Arabic, Chinese (via cn2an) or small English number; None when it is not one."""
    token = " ".join(token.split()).lower()
    if token.isascii() and token.replace(".", "", 1).isdigit():
        return float(token)
    if token in _EN_NUMBERS:
        return float(_EN_NUMBERS[token])
    if token in ("半", "half a", "half an"):
        return 0.5
    try:
        value = cn2an_module().cn2an(token, "normal")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return float(value)


def integer(token: str) -> int | None:
    """Like number() but only whole numbers."""
    value = number(token)
    return int(value) if value is not None and value == int(value) else None


# ---------------------------------------------------------------------------------------------
# Weekdays and clock periods
# ---------------------------------------------------------------------------------------------

_CN_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
               "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_EN_WEEKDAY_PREFIX = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

AM, DAWN, NOON, PM, EVE, NIGHT = "am", "dawn", "noon", "pm", "eve", "night"
_PERIOD_OF = {
    "凌晨": DAWN, "清晨": AM, "早上": AM, "早晨": AM, "上午": AM, "早": AM, "中午": NOON, "午间": NOON,
    "下午": PM, "午后": PM, "傍晚": EVE, "晚上": NIGHT, "晚间": NIGHT, "夜里": NIGHT, "夜间": NIGHT,
    "夜晚": NIGHT, "半夜": NIGHT, "晚": NIGHT, "morning": AM, "afternoon": PM, "evening": NIGHT, "night": NIGHT,
}


def weekday_index(token: str) -> int:
    """0=Monday..6=Sunday for 周X/星期X/礼拜X (or just X) and English names or abbreviations."""
    token = token.strip().rstrip(".")
    if not token.isascii() or token.isdigit():
        return _CN_WEEKDAY[token[-1]]
    return _EN_WEEKDAY_PREFIX.index(token[:3].lower())


def period_of(word: str | None) -> str | None:
    """The clock period (AM, PM, NIGHT...) a word like 下午 or 'in the morning' stands for."""
    if not word:
        return None
    return _PERIOD_OF.get(word.split()[-1].lower())


Clock = tuple[int, int, int]  # (day shift, hour, minute)


def clock(period: str | None, hour: int, minute: int, *, padded: bool = False, ampm: str | None = None) -> Clock:
    """Resolve an hour/minute with its period word into (day shift, hour, minute); raise Impossible."""
    if not (0 <= minute <= 59 and 0 <= hour <= 23):
        raise Impossible(f"{hour}:{minute:02d}")
    if ampm:
        if not 1 <= hour <= 12:
            raise Impossible(f"{hour}{ampm}")
        return 0, hour % 12 + (12 if ampm == "p" else 0), minute
    if period is None:
        return 0, hour + 12 if 1 <= hour <= 6 and not padded else hour, minute
    if period == DAWN:
        if hour > 12:
            raise Impossible(f"凌晨{hour}")
        return 0, hour % 12, minute
    if period == AM:
        if hour > 12:
            raise Impossible(f"上午{hour}")
        return 0, hour, minute
    if period == NOON:
        if hour == 0 or 6 <= hour <= 10 or hour > 14:
            raise Impossible(f"中午{hour}")
        return 0, hour + 12 if hour <= 5 else hour, minute
    if period == NIGHT and (hour == 0 or 1 <= hour <= 4 or hour == 12):
        return 1, hour % 12, minute  # 晚上12点 = the midnight that ends that evening
    if hour == 0 or (period == EVE and hour == 12):
        raise Impossible(f"{period}{hour}")
    return 0, hour + 12 if hour < 12 else hour, minute


# ---------------------------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------------------------

_CN_NUM = "〇零一二三四五六七八九十两百"
_NUM2 = r"(?:(?<![0-9])[0-9]{1,2}|(?<![〇零一二三四五六七八九十两])[〇零一二三四五六七八九十]{1,3})"
_MONTH = rf"(?P<m>{_NUM2})"
_DAYN = r"(?P<d>[0-9]{1,2}|[〇零一二三四五六七八九十]{1,3})"
_DAY_END = (r"(?:[日号]|(?![0-9])(?=\s*(?:[上下中早晚傍凌]|[0-9]{1,2}[:点]|[,，。;；、)（(]|$)"
            r"|\s+(?![0-9人个名位元次块岁场期届])))")
_YEAR = r"(?P<y>(?<![0-9])[0-9]{4}|(?<![〇零一二三四五六七八九])[〇零一二三四五六七八九]{4})"
_WD_CN = r"(?:周|星期|礼拜)[一二三四五六日天1-7](?![0-9])"
_EN_WD_FULL = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_EN_WD_ABBR = r"mon|tues?|wed|thu(?:rs?)?|fri|sat|sun"
EN_MONTH = (r"january|february|march|april|may|june|july|august|september|october|november|december|"
             r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec")
_EN_N = r"\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a\s+)?couple\s+of"
_PERIOD = (r"凌晨|清晨|早上|早晨|上午|中午|午间|下午|午后|傍晚|晚上|晚间|夜里|夜间|夜晚|半夜|早|晚|"
           r"(?i:(?:in\s+the\s+)?(?:morning|afternoon|evening)|at\s+night)\b")
_CLOCK = (
    r"(?:(?P<hh>(?<![0-9.])[0-9]{1,2}):(?P<mm>[0-9]{2})(?::[0-9]{2})?(?![0-9])"
    r"(?:\s*(?P<ap1>(?i:[ap])\.?(?i:m)\.?)(?![A-Za-z]))?"
    r"|(?P<eh>(?<![0-9.])[0-9]{1,2})\s*(?P<ap2>(?i:[ap])\.?(?i:m)\.?)(?![A-Za-z])"
    r"|(?P<h>(?<![0-9.])[0-9]{1,2}|[〇零一二三四五六七八九十两]{1,3})"
    r"(?:\s*(?:-|~|到|至)\s*(?:[0-9]{1,2}|[〇零一二三四五六七八九十两]{1,3}))?\s*(?P<unit>点钟|点|时)"
    r"(?:(?P<half>半)|(?P<qtr>[一三]刻)|(?P<whole>整)|零?(?P<mi>[0-9]{1,2}|[〇零一二三四五六七八九十]{1,3})\s*(?P<fen>分钟|分)?)?"
    r"|(?P<nm>(?i:noon|midday|midnight))\b"
    r"|(?P<ath>[0-9]{1,2})(?![0-9:.]))"
)

TIME_TAIL = re.compile(
    rf"[ \t,，]*(?:的\s*)?(?:(?P<per>{_PERIOD})\s*(?:的\s*)?)?(?P<at>(?i:at|@)\s*)?(?P<clk>{_CLOCK})?"
)
TIME_SEARCH = re.compile(rf"(?:(?P<per>{_PERIOD})\s*)?(?P<at>\b(?i:at)\s+)?(?P<clk>{_CLOCK})")
_RANGE_END = re.compile(
    rf"\s*(?:-|~|—|到|至)\s*(?:{_PERIOD})?\s*(?:[0-9]{{1,2}}:[0-9]{{2}}(?![0-9])|(?:[0-9]{{1,2}}|[〇零一二三四五六七八九十两]{{1,3}})"
    r"\s*(?:点钟|点|时)(?:半|[一三]刻|整|零?(?:[0-9]{1,2}|[〇零一二三四五六七八九十]{1,3})\s*分)?)"
)
WD_AFTER = re.compile(
    rf"\s*(?:[(（]\s*(?P<a>{_WD_CN}|(?i:{_EN_WD_FULL}|{_EN_WD_ABBR})\.?)\s*[)）]"
    rf"|,?\s*(?P<b>{_WD_CN}|(?i:{_EN_WD_FULL})\b))"
)
BRACKET_OPEN = re.compile(r"\s*[(（]\s*")
BRACKET_CLOSE = re.compile(r"\s*[)）]")
EN_DAY_JOIN = re.compile(r"\s*,?\s*(?i:on\s+)?")
_NOT_A_CLOCK = ("意见", "建议", "要求", "原因", "看法", "体会", "做法", "措施", "内容", "理由", "说明", "注意",
                "不足", "问题", "共识", "经验", "启示", "好处", "想法", "收获", "结论", "原则", "目标", "任务")
_NOT_BEFORE_CLOCK = set("第了出有讲谈括几这那共以和及")
_NOT_MINUTES = set("0123456789人个名位元次块岁号年月日天周")

RE_ISO = re.compile(
    r"(?<![0-9])(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})(?![0-9])(?:T(?=[0-9]))?"
)
RE_FULL = re.compile(rf"{_YEAR}\s*年\s*{_MONTH}\s*月\s*{_DAYN}\s*{_DAY_END}")
RE_YEARWORD = re.compile(rf"(?P<yw>今年|明年|去年|前年|后年)\s*(?:的\s*)?{_MONTH}\s*月\s*{_DAYN}\s*{_DAY_END}")
RE_MD = re.compile(rf"{_MONTH}\s*月\s*{_DAYN}\s*{_DAY_END}")
RE_RELMONTH = re.compile(rf"(?P<rm>本月|这个月|这月|当月|下个月|下月|上个月|上月)\s*(?:的\s*)?{_DAYN}\s*[日号]")
RE_DAYWORD = re.compile(r"大后天|大前天|今天|明天|后天|昨天|前天|今日|明日|昨日|今早|今晨|明早|明晨|今晚|明晚|昨晚|今夜|明夜|昨夜")
RE_REL = re.compile(
    rf"(?P<n>(?<![0-9.])[0-9]+(?:\.[0-9]+)?|[{_CN_NUM}]+|半)\s*"
    r"(?P<u>个半小时|个半钟头|个?小时|个?钟头|分钟|天|日|个?星期|个?礼拜|周)\s*(?P<dir>以后|之后|后|以前|之前|前(?![往来去进面夕]))"
)
RE_WEEKDAY = re.compile(
    rf"(?<![每隔个周0-9〇零一二三四五六七八九十两])(?:(?P<wp>下下个?|上上个?|下个?|上个?|本|这个?|这一)(?:周|星期|礼拜)?的?)?"
    rf"(?P<wd>{_WD_CN})"
)
RE_EN_DAYWORD = re.compile(
    r"(?i)\b(?P<w>(?:the\s+)?day\s+after\s+tomorrow|(?:the\s+)?day\s+before\s+yesterday|today|tonight|tomorrow|"
    r"tmrw?|yesterday|this\s+(?:morning|afternoon|evening))\b"
)
RE_EN_WEEKDAY = re.compile(
    rf"(?i)\b(?:(?P<p>this|next|last|coming|previous|on)\s+)?(?P<w>{_EN_WD_FULL}|{_EN_WD_ABBR})\b(?P<dot>\.)?"
)
RE_EN_MD = re.compile(
    rf"(?i)\b(?:(?P<wd>{_EN_WD_FULL}|{_EN_WD_ABBR})\.?,?\s+)?"
    rf"(?:(?P<mon1>{EN_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b"
    rf"|(?:the\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{EN_MONTH})\b\.?)"
    r"(?:,?\s+(?P<y>\d{4})\b)?"
)
RE_EN_REL = re.compile(
    rf"(?i)\b(?:in\s+(?P<n1>{_EN_N}|half\s+an?)\s+(?P<u1>days?|weeks?|hours?|hrs?|minutes?|mins?)"
    rf"|(?P<n2>{_EN_N}|half\s+an?)\s+(?P<u2>days?|weeks?|hours?|hrs?|minutes?|mins?)"
    r"\s+(?P<dir>ago|later|from\s+now|hence))\b"
)


# ---------------------------------------------------------------------------------------------
# Clock reading
# ---------------------------------------------------------------------------------------------


def int_group(m: re.Match, name: str) -> int:
    """The whole number in group `name`, or Impossible when it is not one."""
    value = integer(m.group(name))
    if value is None:
        raise Impossible(m.group(name))
    return value


def read_clock(m: re.Match, text: str, *, standalone: bool = False, period: str | None = None) -> tuple[Clock, int] | None:
    """((day shift, hour, minute), end offset) for a TIME_* match, None when it holds no clock; Impossible if invalid.

    The end of a time range (9点到11点, 10:00-12:00) is swallowed: the moment is its start.
    """
    parsed = _read_clock(m, text, standalone, period)
    if parsed is None:
        return None
    tail = _RANGE_END.match(text, parsed[1])
    return (parsed[0], tail.end()) if tail else parsed


def _read_clock(m: re.Match, text: str, standalone: bool, period: str | None) -> tuple[Clock, int] | None:
    """read_clock without the range end."""
    if not m["clk"]:
        return None
    period = period_of(m["per"]) or period
    if m["nm"]:
        return ((1, 0, 0) if m["nm"].lower() == "midnight" else (0, 12, 0)), m.end("clk")
    if m["ath"]:
        if not m["at"] or standalone:
            return None
        return clock(period, int(m["ath"]), 0), m.end("clk")
    if m["hh"]:
        ampm = (m["ap1"] or "")[:1].lower() or None
        padded = m["hh"][0] == "0" and len(m["hh"]) == 2
        return clock(period, int(m["hh"]), int(m["mm"]), padded=padded, ampm=ampm), m.end("clk")
    if m["eh"]:
        return clock(period, int(m["eh"]), 0, ampm=m["ap2"][:1].lower()), m.end("clk")
    return _read_cn_clock(m, text, standalone, period)


def _read_cn_clock(m: re.Match, text: str, standalone: bool, period: str | None) -> tuple[Clock, int] | None:
    """X点, X点半, X点一刻/三刻, X点Y分, X时Y分, 点钟, 整."""
    hour, end = int_group(m, "h"), m.end("clk")
    minute = 30 if m["half"] else 15 if m["qtr"] == "一刻" else 45 if m["qtr"] else 0
    if m["mi"]:
        if m["fen"] or text[m.end("mi"):m.end("mi") + 1] not in _NOT_MINUTES:
            minute = int_group(m, "mi")
        else:
            end = m.end("unit")
    plain = minute == 0 and not m["whole"]
    bare = standalone and not m["per"] and plain
    if bare and m["unit"] == "时" and not m["fen"]:
        return None
    if bare and m["unit"] == "点" and _list_point(text, m.start("h"), end):
        return None
    if plain and m["h"] == "一" and m["unit"] == "点" and (bare or m["per"] in ("早", "晚")):
        return None  # 快一点, 早一点到, 晚一点: "a little", not one o'clock
    return clock(period, hour, minute), end


def _list_point(text: str, start: int, end: int) -> bool:
    """提出三点意见, 第2点, 讲了三点: "points" of a list, not o'clock."""
    return text.startswith(_NOT_A_CLOCK, end) or (start > 0 and text[start - 1] in _NOT_BEFORE_CLOCK)
