"""Reading an activity from one line: date, title, `N人`, `N小时`, category, target groups, place."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from services.dates import impossible_span, parse_when
from services.errors import BadDate
from services.numbers import CN_NUMBER, to_int

CATEGORIES = ("老年教育", "家庭教育", "青少年校外教育", "职业技能培训", "农民实用技术", "就业创业培训",
              "数字化学习", "文体活动", "思想道德与法治", "健康教育", "其他")
TARGET_GROUPS = ("老年人", "青少年/未成年人", "妇女", "残疾人", "失业人员", "外来务工人员", "农民", "全体居民")
CATEGORY_SYNONYMS = {
    "老年": "老年教育", "老年大学": "老年教育", "家庭": "家庭教育", "家教": "家庭教育", "亲子": "家庭教育",
    "青少年": "青少年校外教育", "校外教育": "青少年校外教育", "职业技能": "职业技能培训", "技能培训": "职业技能培训",
    "农技": "农民实用技术", "农业技术": "农民实用技术", "实用技术": "农民实用技术", "就业": "就业创业培训",
    "创业": "就业创业培训", "就业创业": "就业创业培训", "数字化": "数字化学习", "数字": "数字化学习",
    "文体": "文体活动", "文艺": "文体活动", "体育": "文体活动", "法治": "思想道德与法治", "普法": "思想道德与法治",
    "道德": "思想道德与法治", "思想道德": "思想道德与法治", "健康": "健康教育", "卫生": "健康教育",
}
GROUP_SYNONYMS = {
    "老年人": "老年人", "老人": "老年人", "青少年": "青少年/未成年人", "未成年人": "青少年/未成年人", "学生": "青少年/未成年人",
    "儿童": "青少年/未成年人", "妇女": "妇女", "女性": "妇女", "残疾人": "残疾人", "失业人员": "失业人员",
    "外来务工人员": "外来务工人员", "务工人员": "外来务工人员", "农民": "农民", "村民": "全体居民", "居民": "全体居民",
    "全体居民": "全体居民",
}
NUM = rf"(\d+|{CN_NUMBER})"
_MINORS = re.compile(rf"(?:其中)?(?:未成年人?|青少年|学生|儿童)\s*{NUM}\s*[人名]")
_PEOPLE = re.compile(rf"{NUM}\s*(?:[人名](?:次)?(?:参加|参与|参训)?|位)")
_HOURS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:个)?(?:小时|课时|h\b)|(半)\s*(?:个)?小时|(\d+)\s*分钟", re.I)
_PLACE = re.compile(r"地点\s*[:：]\s*(\S+)")
_SPLIT = re.compile(r"[\s，,。；;、]+")


def category_of(word: str) -> str | None:
    """The category a word names, exactly or by a common synonym (老年 → 老年教育)."""
    w = word.strip()
    if w in CATEGORIES:
        return w
    return CATEGORY_SYNONYMS.get(w)


def group_of(word: str) -> str | None:
    w = word.strip()
    return w if w in TARGET_GROUPS else GROUP_SYNONYMS.get(w)


def hours_to_minutes(text: str) -> int | None:
    """`2小时` / `1.5小时` / `半小时` / `90分钟` / a bare `2` or `1.5` (hours) as minutes."""
    m = _HOURS.search(text)
    if m:
        if m.group(1):
            return round(float(m.group(1)) * 60)
        if m.group(2):
            return 30
        return int(m.group(3))
    s = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return round(float(s) * 60)
    n = to_int(s)
    return n * 60 if n is not None else None


def people_count(text: str) -> int | None:
    """`45人` / `45` / `四十五人` as a count of participants."""
    m = _PEOPLE.search(text)
    return to_int(m.group(1)) if m else to_int(text.strip())


@dataclass
class ActivityFields:
    """What one line said; fields left None were not found."""

    date: str | None = None  # ISO date
    time: str | None = None  # HH:MM
    date_text: str | None = None
    title: str | None = None
    participants: int | None = None
    minors: int | None = None
    minutes: int | None = None
    category: str | None = None
    groups: list[str] = field(default_factory=list)
    place: str | None = None


def _cut(text: str, m: re.Match) -> str:
    return text[: m.start()] + " " + text[m.end():]


def read_activity_line(text: str, *, now: datetime) -> ActivityFields:
    """Pull the known parts out of one line; whatever is left becomes the title (and the place)."""
    f = ActivityFields()
    when = parse_when(text, now=now, prefer="past")
    if when is None and (bad := impossible_span(text, now=now, prefer="past")) is not None:
        raise BadDate(text=text[bad[0]: bad[1]])
    if when is not None:
        f.date = when.at.date().isoformat()
        f.time = when.at.strftime("%H:%M") if when.has_time else None
        f.date_text = text[when.span[0]: when.span[1]]
        text = text[: when.span[0]] + " " + text[when.span[1]:]
    if m := _PLACE.search(text):
        f.place, text = m.group(1), _cut(text, m)
    if m := _MINORS.search(text):
        f.minors, text = to_int(m.group(1)), _cut(text, m)
    if m := _PEOPLE.search(text):
        f.participants, text = to_int(m.group(1)), _cut(text, m)
    if m := _HOURS.search(text):
        f.minutes, text = hours_to_minutes(m.group(0)), _cut(text, m)
    rest = []
    for token in (t for t in _SPLIT.split(text) if t):
        if f.category is None and category_of(token):
            f.category = category_of(token)
        elif group_of(token) and token not in rest:
            if group_of(token) not in f.groups:
                f.groups.append(group_of(token))
        else:
            rest.append(token)
    if rest:
        f.title = rest[0]
        if f.place is None and len(rest) > 1:
            f.place = " ".join(rest[1:])
    if f.category is None and f.title:
        f.category = next((c for k, c in CATEGORY_SYNONYMS.items() if len(k) > 1 and k in f.title), None)
    return f
