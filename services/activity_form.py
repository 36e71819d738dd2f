"""The activity form: one line or step by step, a card to check, versioned drafts (nothing saved here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services import drafts
from services.activity_text import CATEGORIES, TARGET_GROUPS, category_of, group_of, hours_to_minutes, people_count, read_activity_line
from services.dates import is_doubtful, parse_when
from services.errors import (
    N_, BadDate, BadNumber, DateInFuture, MinorsOverParticipants, NotAllowed, OutOfRange, UnitOutOfScope, UnknownCategory,
)
from services.people import Actor, loggable_units
from services.text import MAX_NOTE, MAX_PLACE, MAX_TITLE, clean_text
from storage.models import Unit

KIND = "activity"
REQUIRED = ("date", "title", "participants", "category")
EDITABLE = ("unit", "date", "title", "participants", "minors", "minutes", "category", "groups", "place", "notes")
LATE_AFTER_DAYS = 7
MAX_PARTICIPANTS = 100_000


@dataclass(frozen=True)
class ActivityCard:
    """Everything the confirmation card shows."""

    unit_id: int | None
    unit_name: str
    day: date | None
    time: str | None
    title: str | None
    participants: int | None
    minors: int
    minutes: int
    category: str | None
    groups: tuple[str, ...]
    place: str
    notes: str
    late: bool
    doubt: str | None
    activity_id: int | None


@dataclass(frozen=True)
class FormStep:
    """Where the form stands: the next question (`step`) or "card", with the card's data and version."""

    step: str
    card: ActivityCard
    version: int
    choices: tuple[tuple[int, str], ...] = ()


def _local(now: datetime, tz: ZoneInfo) -> datetime:
    return now.astimezone(tz)


async def card_of(session: AsyncSession, data: dict, now: datetime, tz: ZoneInfo, *,
                  unit_names: dict[int, str] | None = None) -> ActivityCard:
    """The card for the form's data; `unit_names` are names already read (the unit is looked up otherwise)."""
    unit_id = data.get("unit_id")
    if not unit_id:
        unit_name = ""
    elif unit_names and unit_id in unit_names:
        unit_name = unit_names[unit_id]
    else:
        unit_name = (await session.get(Unit, unit_id)).name
    return card_from(data, now, tz, unit_name)


def card_from(data: dict, now: datetime, tz: ZoneInfo, unit_name: str) -> ActivityCard:
    """The card for the form's data with the unit's name given (no database)."""
    day = date.fromisoformat(data["date"]) if data.get("date") else None
    today = _local(now, tz).date()
    doubt = is_doubtful(day, now=_local(now, tz), prefer="past") if day is not None else None
    return ActivityCard(
        unit_id=data.get("unit_id"), unit_name=unit_name, day=day, time=data.get("time"), title=data.get("title"),
        participants=data.get("participants"), minors=data.get("minors") or 0, minutes=data.get("minutes") or 0,
        category=data.get("category"), groups=tuple(data.get("groups") or ()), place=data.get("place") or "",
        notes=data.get("notes") or "", late=bool(day and (today - day).days > LATE_AFTER_DAYS), doubt=doubt,
        activity_id=data.get("activity_id"),
    )


def next_step(data: dict) -> str:
    if not data.get("unit_id"):
        return "unit"
    return next((f for f in REQUIRED if data.get(f) in (None, "")), "card")


async def to_step(session: AsyncSession, actor: Actor, data: dict, now: datetime, tz: ZoneInfo, step: str | None = None,
                  *, units: list[tuple[int, str]] | None = None) -> FormStep:
    """Save the form at `step` and describe it; `units` are the actor's loggable units when already read."""
    step = step or next_step(data)
    view = await drafts.save_draft(session, actor.person_id, kind=KIND, step=step, data=data, now=now)
    if step in ("unit", "edit:unit"):
        units = units if units is not None else await loggable_units(session, actor)
        choices = tuple(units)
    else:
        choices = ()
    names = {actor.unit_id: actor.unit_name, **dict(units or ())}  # both read in this transaction
    card = await card_of(session, data, now, tz, unit_names=names)
    return FormStep(step, card, view.version, choices)


def _check_day(day: date, now: datetime, tz: ZoneInfo) -> None:
    if day > _local(now, tz).date():
        raise DateInFuture(date=day.isoformat())


def _check_count(value: int | None, what: str, text: str, high: int = MAX_PARTICIPANTS) -> int:
    if value is None:
        raise BadNumber(text=text[:50])
    if not 0 <= value <= high:
        raise OutOfRange(what=what, low=0, high=high)
    return value


async def start_log(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> FormStep:
    """Open a new activity form, filled from `text` as far as it goes."""
    units = await loggable_units(session, actor)
    if not units:
        raise NotAllowed()
    data: dict = {"unit_id": actor.unit_id if any(u == actor.unit_id for u, _ in units) else None, "groups": []}
    if text.strip():
        line = clean_text(text, limit=MAX_NOTE)
        f = read_activity_line(line, now=_local(now, tz))
        if f.date:
            _check_day(date.fromisoformat(f.date), now, tz)
        if f.title:
            f.title = clean_text(f.title, limit=MAX_TITLE)
        if f.place:
            f.place = clean_text(f.place, limit=MAX_PLACE)
        if f.participants is not None:
            _check_count(f.participants, N_("participants"), line)
        if f.minors is not None and f.participants is not None and f.minors > f.participants:
            raise MinorsOverParticipants(minors=f.minors, participants=f.participants)
        data.update({k: v for k, v in vars(f).items() if v not in (None, []) and k != "date_text"})
        for name, unit_id in ((n, u) for u, n in units):
            if len(units) > 1 and name in line:
                data["unit_id"] = unit_id
    return await to_step(session, actor, data, now, tz, units=units)


async def answer_log(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> FormStep:
    """Take a typed answer to the form's current question; the form is unchanged if the answer is bad."""
    draft = await drafts.require_draft(session, actor.person_id, KIND)
    field = draft.step.removeprefix("edit:")
    data = dict(draft.data)
    _apply_answer(data, field, text, now, tz)
    return await to_step(session, actor, data, now, tz)


def _apply_answer(data: dict, field: str, text: str, now: datetime, tz: ZoneInfo) -> None:
    if field == "date":
        when = parse_when(clean_text(text, limit=100), now=_local(now, tz), prefer="past")
        if when is None:
            raise BadDate(text=text[:50])
        _check_day(when.at.date(), now, tz)
        data["date"] = when.at.date().isoformat()
        data["time"] = when.at.strftime("%H:%M") if when.has_time else None
    elif field == "title":
        data["title"] = clean_text(text, limit=MAX_TITLE) or None
    elif field == "participants":
        data["participants"] = _check_count(people_count(text), N_("participants"), text)
        if (data.get("minors") or 0) > data["participants"]:
            raise MinorsOverParticipants(minors=data["minors"], participants=data["participants"])
    elif field == "minors":
        minors = _check_count(people_count(text), N_("minors"), text)
        if minors > (data.get("participants") or 0):
            raise MinorsOverParticipants(minors=minors, participants=data.get("participants") or 0)
        data["minors"] = minors
    elif field == "minutes":
        data["minutes"] = _check_count(hours_to_minutes(text), N_("duration in minutes"), text, high=24 * 60 * 31)
    elif field == "category":
        if category_of(text) is None:
            raise UnknownCategory()
        data["category"] = category_of(text)
    elif field == "groups":
        data["groups"] = [g for g in dict.fromkeys(group_of(t) for t in text.replace("，", " ").split()) if g]
    elif field == "place":
        data["place"] = clean_text(text, limit=MAX_PLACE)
    elif field == "notes":
        data["notes"] = clean_text(text, limit=MAX_NOTE)
    else:
        raise UnknownCategory()


async def pick_log(
    session: AsyncSession, actor: Actor, what: str, value: str, version: int, *, now: datetime, tz: ZoneInfo
) -> FormStep:
    """A button answer: a category, a unit, a target group (toggled) or the field to edit."""
    draft = await drafts.require_draft(session, actor.person_id, KIND, version)
    data = dict(draft.data)
    if what == "cat" and value.isdigit() and int(value) < len(CATEGORIES):
        data["category"] = CATEGORIES[int(value)]
    elif what == "unit" and value.isdigit():
        units = await loggable_units(session, actor)
        if int(value) not in {u for u, _ in units}:
            raise UnitOutOfScope()
        data["unit_id"] = int(value)
        return await to_step(session, actor, data, now, tz, units=units)
    elif what == "grp" and value.isdigit() and int(value) < len(TARGET_GROUPS):
        group = TARGET_GROUPS[int(value)]
        groups = list(data.get("groups") or [])
        data["groups"] = [g for g in groups if g != group] if group in groups else groups + [group]
        return await to_step(session, actor, data, now, tz, step=draft.step)
    elif what == "edit" and value in EDITABLE:
        return await to_step(session, actor, data, now, tz, step=f"edit:{value}")
    elif what == "back":
        return await to_step(session, actor, data, now, tz)
    else:
        raise UnknownCategory()
    return await to_step(session, actor, data, now, tz)
