"""Recurring schedules (每周一上午9点, 每月最后一个周五, 每季度第一个月10号) and their compact rules (package-private).

Rule format (see docs/dates.md):  BODY [@HH:MM] [~ANCHOR]
  D<n>                 every n days                      D1, D2~2026-02-17
  W<n>:<WD>[,<WD>...]  every n weeks on those weekdays   W1:MO@09:00, W2:FR@15:00~2026-02-16
  M<n>:<DAY>[,<DAY>]   every n months on those days      M1:D5, M1:D-1, M1:FR#-1, M2:D5~2026-03
  Q<k>:<DAY>[,<DAY>]   every quarter, in its k-th month  Q1:D10@09:00
  Y:<MM-DD>            every year                        Y:03-08
WD is MO TU WE TH FR SA SU; DAY is D<k> (k = 1..31, or -1 for the last day) or <WD>#<k> (k = 1..5, or -1 for
the last). ANCHOR (only when n > 1) is the Monday of a week that has occurrences (W), a date that has one (D),
or a month that has them (M, as YYYY-MM). Days that a month lacks (31日 in April) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from services import _dates_grammar as g
from services import _dates_lexicon as lex

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_CN_WEEKDAY_NAMES = "一二三四五六日"
_EN_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December")
_ORDINALS_EN = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}


@dataclass(frozen=True, slots=True)
class MonthDay:
    """One day of a month: a day number (-1 = last day), or the k-th weekday (k = -1: the last one)."""

    day: int | None = None
    weekday: int | None = None
    nth: int | None = None

    def order(self) -> tuple[int, int, int]:
        """Sort key: day numbers first (the last day after 31), then weekdays by week and day."""
        if self.day is not None:
            return (0, 99 if self.day == -1 else self.day, 0)
        return (1, 99 if self.nth == -1 else self.nth, self.weekday)

    def code(self) -> str:
        """D5, D-1, FR#2, FR#-1."""
        return f"D{self.day}" if self.day is not None else f"{WEEKDAY_CODES[self.weekday]}#{self.nth}"

    def in_month(self, year: int, month: int) -> date | None:
        """The date it names in that month, or None when the month lacks it."""
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        if self.day is not None:
            day = last if self.day == -1 else self.day
            return date(year, month, day) if day <= last else None
        if self.nth == -1:
            d = date(year, month, last)
            return d - timedelta(days=(d.weekday() - self.weekday) % 7)
        day = 1 + (self.weekday - date(year, month, 1).weekday()) % 7 + 7 * (self.nth - 1)
        return date(year, month, day) if day <= last else None


@dataclass(frozen=True, slots=True)
class Spec:
    """A parsed rule."""

    freq: str  # D W M Q Y
    n: int = 1  # interval (for Q: which month of the quarter)
    weekdays: tuple[int, ...] = ()
    days: tuple[MonthDay, ...] = ()
    month_day: tuple[int, int] | None = None
    clock: tuple[int, int] | None = None
    anchor: date | None = None

    def rule(self) -> str:
        """The canonical rule string."""
        if self.freq == "D":
            body = f"D{self.n}"
        elif self.freq == "W":
            body = f"W{self.n}:" + ",".join(WEEKDAY_CODES[w] for w in self.weekdays)
        elif self.freq in "MQ":
            body = f"{self.freq}{self.n}:" + ",".join(d.code() for d in self.days)
        else:
            body = "Y:%02d-%02d" % self.month_day
        if self.clock:
            body += "@%02d:%02d" % self.clock
        if self.anchor and self.freq in "DW":
            body += f"~{self.anchor.isoformat()}"
        elif self.anchor:
            body += f"~{self.anchor:%Y-%m}"
        return body


# ---------------------------------------------------------------------------------------------
# Rule strings
# ---------------------------------------------------------------------------------------------

_WD = "MO|TU|WE|TH|FR|SA|SU"
_DAYSPEC = rf"(?:D(?:-1|[1-9][0-9]?)|(?:{_WD})#(?:-1|[1-5]))"
_RULE = re.compile(
    rf"^(?:D(?P<dn>[1-9][0-9]*)|W(?P<wn>[1-9][0-9]*):(?P<wds>(?:{_WD})(?:,(?:{_WD}))*)"
    rf"|(?P<mf>[MQ])(?P<mn>[1-9][0-9]*):(?P<mds>{_DAYSPEC}(?:,{_DAYSPEC})*)|Y:(?P<ym>[0-9]{{2}})-(?P<yd>[0-9]{{2}}))"
    r"(?:@(?P<hh>[0-9]{2}):(?P<mm>[0-9]{2}))?(?:~(?P<anchor>[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?))?$"
)


def _month_day_code(code: str) -> MonthDay:
    """MonthDay from D5 / D-1 / FR#2."""
    if code[0] == "D":
        return MonthDay(day=int(code[1:]))
    weekday, nth = code.split("#")
    return MonthDay(weekday=WEEKDAY_CODES.index(weekday), nth=int(nth))


def parse_rule(rule: str) -> Spec:
    """Spec from a rule string; ValueError when it is not a valid rule."""
    m = _RULE.match(rule.strip())
    if not m:
        raise ValueError(f"not a recurrence rule: {rule!r}")
    clock = (int(m["hh"]), int(m["mm"])) if m["hh"] else None
    if clock and not (clock[0] < 24 and clock[1] < 60):
        raise ValueError(f"bad time in rule {rule!r}")
    if m["dn"]:
        spec = Spec("D", int(m["dn"]), clock=clock)
    elif m["wn"]:
        weekdays = tuple(sorted({WEEKDAY_CODES.index(c) for c in m["wds"].split(",")}))
        spec = Spec("W", int(m["wn"]), weekdays=weekdays, clock=clock)
    elif m["mf"]:
        days = tuple(sorted({_month_day_code(c) for c in m["mds"].split(",")}, key=MonthDay.order))
        if any(d.day is not None and d.day > 31 for d in days) or (m["mf"] == "Q" and int(m["mn"]) > 3):
            raise ValueError(f"bad day in rule {rule!r}")
        spec = Spec(m["mf"], int(m["mn"]), days=days, clock=clock)
    else:
        month_day = (int(m["ym"]), int(m["yd"]))
        try:
            date(2000, *month_day)  # a leap year: 02-29 is allowed
        except ValueError:
            raise ValueError(f"bad date in rule {rule!r}") from None
        spec = Spec("Y", month_day=month_day, clock=clock)
    return _with_anchor(spec, m["anchor"], rule)


def _with_anchor(spec: Spec, anchor: str | None, rule: str) -> Spec:
    """Check and attach the anchor: needed exactly when the interval is more than 1 (D, W, M)."""
    needs = spec.freq in "DWM" and spec.n > 1
    if needs != bool(anchor) or (anchor and (len(anchor) == 7) != (spec.freq == "M")):
        raise ValueError(f"rule {rule!r} needs {'an' if needs else 'no'} anchor of the right form")
    if not anchor:
        return spec
    try:
        day = date.fromisoformat(anchor if len(anchor) == 10 else anchor + "-01")
    except ValueError:
        raise ValueError(f"bad anchor in rule {rule!r}") from None
    if spec.freq == "W":
        day -= timedelta(days=day.weekday())
    return Spec(spec.freq, spec.n, spec.weekdays, spec.days, spec.month_day, spec.clock, day)


# ---------------------------------------------------------------------------------------------
# Occurrences
# ---------------------------------------------------------------------------------------------


def dates_from(spec: Spec, first: date, limit: int):
    """Occurrence dates on or after `first`, ascending; looks at no more than `limit` periods."""
    if spec.freq == "D":
        step = spec.n
        d = first if not spec.anchor else first + timedelta(days=-(first - spec.anchor).days % step)
        for _ in range(limit):
            yield d
            d += timedelta(days=step)
    elif spec.freq == "W":
        monday = first - timedelta(days=first.weekday())
        for _ in range(limit):
            if not spec.anchor or ((monday - spec.anchor).days // 7) % spec.n == 0:
                yield from (d for d in (monday + timedelta(days=w) for w in spec.weekdays) if d >= first)
            monday += timedelta(days=7)
    elif spec.freq in "MQ":
        yield from _month_dates(spec, first, limit)
    else:
        for year in range(first.year, first.year + limit):
            try:
                d = date(year, *spec.month_day)
            except ValueError:
                continue
            if d >= first:
                yield d


def _month_dates(spec: Spec, first: date, limit: int):
    """Occurrence dates of an M or Q rule on or after `first`."""
    step, offset = (3, spec.n - 1) if spec.freq == "Q" else (spec.n, 0)
    anchor_index = spec.anchor.year * 12 + spec.anchor.month - 1 if spec.anchor else offset
    for k in range(limit):
        year, month = g.add_months(first, k)
        if (year * 12 + month - 1 - anchor_index) % step:
            continue
        found = {d.in_month(year, month) for d in spec.days} - {None}
        yield from (d for d in sorted(found) if d >= first)


def localise(naive: datetime, zone) -> datetime:
    """Attach a zone to local wall time; a time skipped by a DST jump moves forward to a real one."""
    return naive.replace(tzinfo=zone).astimezone(timezone.utc).astimezone(zone)


def occurrences(spec: Spec, after: datetime, count: int) -> list[datetime]:
    """The first `count` occurrences strictly after `after`, in after's zone."""
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be timezone-aware")
    zone, out = after.tzinfo, []
    hour, minute = spec.clock or (0, 0)
    limit = (count + 2) * 12 * 8 * max(spec.n, 1) + 400
    for d in dates_from(spec, after.date(), limit):
        at = localise(datetime.combine(d, time(hour, minute)), zone)
        if at > after:
            out.append(at)
            if len(out) >= count:
                break
    return out


# ---------------------------------------------------------------------------------------------
# Descriptions
# ---------------------------------------------------------------------------------------------


def _cn_count(n: int) -> str:
    """两 for 2, else the Chinese numeral (via cn2an)."""
    return "两" if n == 2 else lex.cn2an_module().an2cn(n)


def _zh_day(d: MonthDay) -> str:
    """5日, 最后一天, 第一个周五, 最后一个周五."""
    if d.day is not None:
        return "最后一天" if d.day == -1 else f"{d.day}日"
    which = "最后一个" if d.nth == -1 else f"第{lex.cn2an_module().an2cn(d.nth)}个"
    return f"{which}周{_CN_WEEKDAY_NAMES[d.weekday]}"


def describe_zh(spec: Spec) -> str:
    """每周一 09:00, 每两周周五 15:00, 每月最后一个周五, 每季度第一个月10日."""
    if spec.freq == "D":
        text = "每天" if spec.n == 1 else f"每{_cn_count(spec.n)}天"
    elif spec.freq == "W":
        every = "每周" if spec.n == 1 else f"每{_cn_count(spec.n)}周"
        if spec.weekdays == (0, 1, 2, 3, 4):
            days = "周一至周五" if spec.n > 1 else "一至周五"
        else:
            days = "、".join(_CN_WEEKDAY_NAMES[w] for w in spec.weekdays)
            days = "周" + days if spec.n > 1 else days
        text = every + days
    elif spec.freq == "M":
        every = "每月" if spec.n == 1 else f"每{_cn_count(spec.n)}个月"
        text = every + "、".join(_zh_day(d) for d in spec.days)
    elif spec.freq == "Q":
        which = "最后一个月" if spec.n == 3 else f"第{lex.cn2an_module().an2cn(spec.n)}个月"
        text = f"每季度{which}" + "、".join(_zh_day(d) for d in spec.days)
    else:
        text = "每年%d月%d日" % spec.month_day
    return text + (" %02d:%02d" % spec.clock if spec.clock else "")


def _en_day(d: MonthDay) -> str:
    """day 5, the last day, the first Friday."""
    if d.day is not None:
        return "the last day" if d.day == -1 else f"day {d.day}"
    return f"the {_ORDINALS_EN[d.nth]} {_EN_WEEKDAY_NAMES[d.weekday]}"


def describe_en(spec: Spec) -> str:
    """every Monday at 09:00, every 2 weeks on Friday, every month on the last Friday."""
    if spec.freq == "D":
        text = "every day" if spec.n == 1 else f"every {spec.n} days"
    elif spec.freq == "W":
        days = "weekday" if spec.weekdays == (0, 1, 2, 3, 4) else ", ".join(_EN_WEEKDAY_NAMES[w] for w in spec.weekdays)
        text = f"every {days}" if spec.n == 1 else f"every {spec.n} weeks on {days}"
    elif spec.freq == "M":
        every = "every month" if spec.n == 1 else f"every {spec.n} months"
        text = f"{every} on " + ", ".join(_en_day(d) for d in spec.days)
    elif spec.freq == "Q":
        text = f"every quarter, in month {spec.n} of the quarter, on " + ", ".join(_en_day(d) for d in spec.days)
    else:
        text = f"every year on {spec.month_day[1]} {_EN_MONTH_NAMES[spec.month_day[0] - 1]}"
    return text + (" at %02d:%02d" % spec.clock if spec.clock else "")


# ---------------------------------------------------------------------------------------------
# Reading recurrences from text
# ---------------------------------------------------------------------------------------------

_N = r"[0-9]{1,2}|[一二三四五六七八九十两]{1,3}"
_CN_WD = r"(?:周|星期|礼拜)"
_X = r"[一二三四五六日天1-7]"
_DAY_LIST = rf"{_CN_WD}?{_X}(?:\s*(?:到|至|-|~|、|,|，|和|及|与)\s*{_CN_WD}?{_X})*"
_MDAY = (rf"(?:(?P<d>{_N})\s*[号日](?:\s*[、,，和及与]\s*(?:{_N})\s*[号日])*|(?P<last>最后一天)"
         rf"|(?:第(?P<k>[一二三四五1-5])个|(?P<lastwd>最后一个)|倒数第(?P<rk>[一二三1-3])个)\s*{_CN_WD}(?P<wd>{_X}))")
RE_DAILY = re.compile(r"每天|每日|天天|每一天|每隔一天|每(?P<n>[0-9]{1,2}|[两二三四五六七八九十]{1,2})天")
RE_WORKDAY = re.compile(r"每个?工作日|工作日每天")
RE_WEEKLY = re.compile(
    rf"(?:每(?P<n>[0-9]{{1,2}}|[两二三四五六七八九十]{{1,2}})?个?{_CN_WD}|每隔一个?{_CN_WD}|隔周)的?\s*"
    rf"(?P<days>{_DAY_LIST})(?![次遍回个节])"
)
RE_MONTHLY = re.compile(rf"每(?:(?P<n>[0-9]{{1,2}}|[两二三四五六七八九十]{{1,2}})个|个)?月(?:的)?\s*{_MDAY}")
RE_QUARTERLY = re.compile(
    rf"每个?季度?的?\s*(?:第(?P<q>[一二三1-3])个月|(?P<qfirst>首月|头一个月)|(?P<qlast>最后一个月|末月))的?\s*{_MDAY}"
)
RE_YEARLY = re.compile(rf"每年的?\s*(?P<m>{_N})\s*月\s*(?P<d>{_N})\s*[号日]")
_EN_WD = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
RE_EN = re.compile(
    r"(?i)\b(?:(?P<daily>every\s+day|daily)|(?P<weekdays>every\s+weekday)"
    rf"|(?:every|each)\s+(?P<other>other\s+)?(?P<wd>{_EN_WD})s?"
    rf"|every\s+(?P<wn>\d{{1,2}}|two|three|four)\s+weeks\s+on\s+(?P<wd2>{_EN_WD})s?"
    r"|(?:every|each)\s+month\s+on\s+the\s+(?P<md>\d{1,2})(?:st|nd|rd|th)?"
    rf"|(?:on\s+)?the\s+(?P<ord>first|second|third|fourth|last|1st|2nd|3rd|4th)\s+(?P<wd3>{_EN_WD})"
    r"\s+of\s+(?:every|each)\s+month)\b"
)
_EN_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}


def _weekday_list(text: str) -> tuple[int, ...] | None:
    """周一、三、五 / 一至五 / 周一到周五 as sorted weekday indexes."""
    parts = re.split(r"\s*(到|至|-|~)\s*", text)
    out: set[int] = set()
    previous: int | None = None
    for i, part in enumerate(parts):
        if i % 2:
            continue
        names = [lex.weekday_index(x) for x in re.findall(_X, re.sub(_CN_WD, "", part))]
        if i and previous is not None and names:
            if names[0] < previous:
                return None
            out.update(range(previous, names[0] + 1))
        out.update(names)
        previous = names[-1] if names else None
    return tuple(sorted(out)) or None


def _month_days(m: re.Match) -> tuple[MonthDay, ...] | None:
    """The day part of a monthly/quarterly match."""
    if m["last"]:
        return (MonthDay(day=-1),)
    if m["wd"]:
        nth = -1 if m["lastwd"] else -(lex.integer(m["rk"]) or 0) if m["rk"] else lex.integer(m["k"])
        if nth not in (1, 2, 3, 4, 5, -1):
            return None  # 倒数第二个 and the like are not in the rule format
        return (MonthDay(weekday=lex.weekday_index(m["wd"]), nth=nth),)
    numbers = [lex.integer(x) for x in re.findall(_N, m.group()[m.start("d") - m.start():])]
    if any(n is None or not 1 <= n <= 31 for n in numbers):
        raise lex.Impossible("day of month")
    return tuple(MonthDay(day=n) for n in dict.fromkeys(numbers))


def _spec_from_match(kind: str, m: re.Match) -> Spec | None:
    """A Spec (without clock or anchor) from one of the Chinese patterns."""
    if kind == "daily":
        n = 2 if m.group() == "每隔一天" else lex.integer(m["n"]) if m["n"] else 1
        return Spec("D", n) if n else None
    if kind == "workday":
        return Spec("W", 1, weekdays=(0, 1, 2, 3, 4))
    if kind == "weekly":
        n = 2 if m.group().startswith(("每隔", "隔周")) else lex.integer(m["n"]) if m["n"] else 1
        days = _weekday_list(m["days"])
        return Spec("W", n, weekdays=days) if n and days else None
    if kind in ("monthly", "quarterly"):
        days = _month_days(m)
        if not days:
            return None
        if kind == "monthly":
            n = lex.integer(m["n"]) if m["n"] else 1
            return Spec("M", n, days=days) if n else None
        k = 1 if m["qfirst"] else 3 if m["qlast"] else lex.integer(m["q"])
        return Spec("Q", k, days=days)
    month, day = lex.integer(m["m"]), lex.integer(m["d"])
    try:
        date(2000, month, day)
    except (TypeError, ValueError):
        raise lex.Impossible(f"{month}月{day}日") from None
    return Spec("Y", month_day=(month, day))


def _spec_from_english(m: re.Match) -> Spec | None:
    """A Spec from the English pattern."""
    if m["daily"]:
        return Spec("D", 1)
    if m["weekdays"]:
        return Spec("W", 1, weekdays=(0, 1, 2, 3, 4))
    if m["wd"]:
        n = 2 if m["other"] else 1
        return Spec("W", n, weekdays=(lex.weekday_index(m["wd"]),))
    if m["wd2"]:
        n = lex.integer(m["wn"])
        return Spec("W", n, weekdays=(lex.weekday_index(m["wd2"]),)) if n else None
    if m["md"]:
        day = int(m["md"])
        if not 1 <= day <= 31:
            raise lex.Impossible(f"day {day}")
        return Spec("M", 1, days=(MonthDay(day=day),))
    return Spec("M", 1, days=(MonthDay(weekday=lex.weekday_index(m["wd3"]), nth=_EN_ORD[m["ord"].lower()]),))


_PATTERNS = (("quarterly", RE_QUARTERLY), ("monthly", RE_MONTHLY), ("yearly", RE_YEARLY), ("workday", RE_WORKDAY),
             ("weekly", RE_WEEKLY), ("daily", RE_DAILY), ("english", RE_EN))


def find(text: str) -> tuple[Spec, int, int] | None:
    """The first recurrence in (normalised) text as (spec with clock, start, end); Impossible if invalid."""
    matches = ((i, kind, rx.search(text)) for i, (kind, rx) in enumerate(_PATTERNS))
    hits = sorted((m.start(), -m.end(), i, kind, m) for i, kind, m in matches if m)
    for start, _, _, kind, m in hits:
        spec = _spec_from_english(m) if kind == "english" else _spec_from_match(kind, m)
        if spec is None:
            continue
        return _with_clock(spec, text, m.end(), start)
    return None


def _with_clock(spec: Spec, text: str, end: int, start: int) -> tuple[Spec, int, int] | None:
    """Read the time after the recurrence; a clock past midnight (晚上12点) moves weekly days on by one."""
    m = lex.TIME_TAIL.match(text, end)
    parsed = lex.read_clock(m, text)
    if parsed is None:
        if m["per"] and m["per"] not in ("早", "晚"):
            end = m.end("per")
        return spec, start, end
    (shift, hour, minute), end = parsed
    weekdays = spec.weekdays
    if shift and spec.freq == "W":
        weekdays = tuple(sorted((w + 1) % 7 for w in weekdays))
    elif shift and spec.freq != "D":
        raise lex.Impossible("a monthly or yearly time past midnight")
    return Spec(spec.freq, spec.n, weekdays, spec.days, spec.month_day, (hour, minute)), start, end


def anchored(spec: Spec, now: datetime) -> Spec:
    """Give an every-n (n > 1) rule its anchor: the cycle starts with the first occurrence after now."""
    if spec.freq not in "DWM" or spec.n == 1:
        return spec
    single = Spec(spec.freq, 1, spec.weekdays, spec.days, spec.month_day, spec.clock)
    first = occurrences(single, now, 1)
    if not first:
        return spec
    day = first[0].date()
    if spec.freq == "W":
        day -= timedelta(days=day.weekday())
    elif spec.freq == "M":
        day = day.replace(day=1)
    return Spec(spec.freq, spec.n, spec.weekdays, spec.days, spec.month_day, spec.clock, day)


@dataclass(frozen=True)
class Recurrence:
    """A recurring schedule: `rule` is the compact, storable form; `span` is where it was in the text."""

    rule: str
    span: tuple[int, int] = (0, 0)
    _spec: Spec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        spec = parse_rule(self.rule)
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "rule", spec.rule())

    @classmethod
    def from_rule(cls, rule: str, span: tuple[int, int] = (0, 0)) -> Recurrence:
        """Rebuild a Recurrence from its rule string (ValueError if the rule is not valid)."""
        return cls(rule, span)

    @property
    def has_time(self) -> bool:
        """Whether occurrences have a clock time (else they are whole days, at midnight)."""
        return self._spec.clock is not None

    def describe(self, lang: str = "zh_CN") -> str:
        """A human description: Chinese (每周一 09:00) unless lang is English."""
        return describe_zh(self._spec) if lang.lower().startswith("zh") else describe_en(self._spec)

    def occurrences(self, after: datetime, count: int) -> list[datetime]:
        """The next `count` occurrences strictly after `after` (tz-aware, in after's zone)."""
        return occurrences(self._spec, after, count) if count > 0 else []
