"""Who is talking: binding a chat account to a roster person, and the `Actor` every service acts for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.errors import Deactivated, NotOnRoster
from services.text import normalise_phone
from storage.models import ChatAccount, Person, RoleAssignment, Unit

ROLES = ("liaison", "school_staff", "coordinator", "leader", "admin")
# Telegram's anonymous group admin and its channel/service account are never people.
SERVICE_USER_IDS = frozenset({1087968824, 777000, 136817688})


@dataclass(frozen=True)
class Actor:
    """A rostered person as the services see them: identity, unit and the roles held today."""

    person_id: int
    name: str
    phone: str
    unit_id: int
    unit_name: str
    unit_level: str
    roles: frozenset[str]
    tg_user_id: int | None = None
    lang: str = "zh_CN"

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def county_wide(self) -> bool:
        return self.has("coordinator", "leader", "admin")


def active_role_filter(today: date):
    """SQL condition for role assignments in force on `today`."""
    return (RoleAssignment.start_on <= today) & or_(RoleAssignment.end_on.is_(None), RoleAssignment.end_on > today)


async def roles_of(session: AsyncSession, person_id: int, today: date) -> frozenset[str]:
    rows = await session.scalars(
        select(RoleAssignment.role).where(RoleAssignment.person_id == person_id, active_role_filter(today))
    )
    return frozenset(rows)


def _actor_query(today: date, *, by_user: bool):
    """Person, unit, chat account and each role held today in one round trip: one row per role (or one, role NULL).

    `by_user`: start from the chat account (a bound account only); otherwise from the person (account or not).
    """
    columns = (Person.id, Person.name, Person.phone, Person.active, Unit.id, Unit.name, Unit.level,
               ChatAccount.tg_user_id, RoleAssignment.role)
    if by_user:
        query = select(*columns).select_from(ChatAccount).join(Person, Person.id == ChatAccount.person_id)
    else:
        query = select(*columns).select_from(Person).outerjoin(ChatAccount, ChatAccount.person_id == Person.id)
    return (query.join(Unit, Unit.id == Person.unit_id)
            .outerjoin(RoleAssignment, (RoleAssignment.person_id == Person.id) & active_role_filter(today)))


def _actor_of(rows: list, lang: str) -> Actor:
    """The Actor from `_actor_query`'s rows (NotOnRoster when none, Deactivated when the person left the roster)."""
    if not rows:
        raise NotOnRoster()
    person_id, name, phone, active, unit_id, unit_name, unit_level, tg_user_id, _role = rows[0]
    if not active:
        raise Deactivated()
    return Actor(
        person_id=person_id,
        name=name,
        phone=phone,
        unit_id=unit_id,
        unit_name=unit_name,
        unit_level=unit_level,
        roles=frozenset(r[8] for r in rows if r[8] is not None),
        tg_user_id=tg_user_id,
        lang=lang,
    )


async def actor_for_person(session: AsyncSession, person_id: int, today: date, *, lang: str = "zh_CN") -> Actor:
    """The Actor for a person id; Deactivated when they are no longer on the roster."""
    query = _actor_query(today, by_user=False).where(Person.id == person_id)
    return _actor_of(list(await session.execute(query)), lang)


async def actor_for_user(session: AsyncSession, tg_user_id: int, today: date, *, lang: str = "zh_CN") -> Actor | None:
    """The Actor bound to a Telegram user id, None when the account is not bound yet."""
    query = _actor_query(today, by_user=True).where(ChatAccount.tg_user_id == tg_user_id)
    rows = list(await session.execute(query))
    return _actor_of(rows, lang) if rows else None


async def bind_by_phone(
    session: AsyncSession, *, now: datetime, today: date, tg_user_id: int, phone: str, language_code: str | None
) -> Actor:
    """Bind a Telegram account to the roster person with this mobile number (their own contact)."""
    number = normalise_phone(phone)
    person = await session.scalar(select(Person).where(Person.phone == number)) if number else None
    if person is None:
        raise NotOnRoster()
    if not person.active:
        raise Deactivated()
    existing = await session.scalar(select(ChatAccount).where(ChatAccount.person_id == person.id))
    other = await session.scalar(select(ChatAccount).where(ChatAccount.tg_user_id == tg_user_id))
    if other is not None and other.person_id != person.id:
        await session.delete(other)  # this Telegram account now belongs to the person who proved the number
        await session.flush()
    if existing is None:
        session.add(ChatAccount(tg_user_id=tg_user_id, person_id=person.id, language_code=language_code, bound_at=now))
        audit.record(session, now=now, actor_id=person.id, action="bind", entity="person", entity_id=person.id,
                     after={"tg_user_id": tg_user_id})
    elif existing.tg_user_id != tg_user_id:
        before = {"tg_user_id": existing.tg_user_id}
        existing.tg_user_id, existing.bound_at, existing.unreachable_at = tg_user_id, now, None
        audit.record(session, now=now, actor_id=person.id, action="rebind", entity="person", entity_id=person.id,
                     before=before, after={"tg_user_id": tg_user_id})
    existing_lang = existing.language_code if existing else None
    if existing is not None and language_code and existing_lang != language_code:
        existing.language_code = language_code
    await session.flush()
    return await actor_for_person(session, person.id, today)


async def scope_unit_ids(session: AsyncSession, actor: Actor) -> list[int] | None:
    """The units an actor's data rights cover; None means the whole county."""
    if actor.county_wide:
        return None
    ids = {actor.unit_id}
    if actor.has("school_staff"):
        children = await session.scalars(select(Unit.id).where(Unit.parent_id == actor.unit_id, Unit.active))
        ids.update(children)
    return sorted(ids)


async def loggable_units(session: AsyncSession, actor: Actor) -> list[tuple[int, str]]:
    """Units this actor may log activities for: a liaison their village, school staff their town and its villages."""
    if not actor.has("liaison", "school_staff", "coordinator"):
        return []
    if actor.has("coordinator"):
        rows = await session.execute(select(Unit.id, Unit.name).where(Unit.active).order_by(Unit.id))
        return [(r.id, r.name) for r in rows]
    ids = await scope_unit_ids(session, actor) or [actor.unit_id]
    if ids == [actor.unit_id]:
        return [(actor.unit_id, actor.unit_name)]  # a liaison's own unit, read with the actor in this transaction
    rows = await session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids)).order_by(Unit.id))
    return [(r.id, r.name) for r in rows]
