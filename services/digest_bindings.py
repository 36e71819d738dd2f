"""Where the weekly digest goes: a Telegram group, or a WeCom / DingTalk / Feishu group-robot webhook."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.errors import N_
from services.digest_errors import BadWebhook, MayNotBindChat, NoBinding, UnknownUnit
from services.people import Actor
from services.robot_messages import ROBOTS
from services.unit_tree import load_tree
from storage.models import DigestBinding, Unit

CHANNELS = {"telegram": N_("Telegram group"), "wecom": N_("WeCom robot"), "dingtalk": N_("DingTalk robot"),
            "feishu": N_("Feishu robot")}
PLATFORMS = ("wecom", "dingtalk", "feishu")
MAX_URL, MAX_SECRET = 500, 200


@dataclass(frozen=True)
class BindingView:
    id: int
    channel: str
    unit_name: str
    chat_id: int | None
    where: str  # the group id, or the webhook's host and the end of its key
    signed: bool


def _may_bind(actor: Actor) -> None:
    if not actor.has("coordinator", "admin"):
        raise MayNotBindChat()


async def _unit(session: AsyncSession, actor: Actor, code: str | None) -> tuple[int, str]:
    """The unit named by `code`, or by default the county the actor belongs to."""
    if code:
        row = (await session.execute(select(Unit.id, Unit.name).where(Unit.code == code))).one_or_none()
        if row is None:
            raise UnknownUnit(code=code[:64])
        return row.id, row.name
    tree = await load_tree(session)
    uid = tree.county_of(actor.unit_id) or (tree.roots[0] if tree.roots else actor.unit_id)
    return uid, tree.name(uid)


async def split_words(session: AsyncSession, words: list[str]) -> tuple[str | None, str | None]:
    """After a webhook address: (unit code, secret), told apart by whether a unit has that code."""
    code = secret = None
    for word in words[:2]:
        if code is None and await session.scalar(select(Unit.id).where(Unit.code == word)) is not None:
            code = word
        elif secret is None:
            secret = word
    return code, secret


def check_webhook(channel: str, url: str) -> str:
    """An https webhook address (plain http only on this machine, for tests); BadWebhook otherwise."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if len(url) > MAX_URL or not host or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise BadWebhook(what=CHANNELS.get(channel, channel), url=url[:80])
    return url.strip()


def _where(b: DigestBinding) -> str:
    if b.channel == "telegram":
        return str(b.chat_id)
    parts = urlsplit(b.webhook_url or "")
    return f"{parts.hostname} …{(b.webhook_url or '')[-4:]}"


def _view(b: DigestBinding, unit_name: str) -> BindingView:
    return BindingView(b.id, b.channel, unit_name, b.chat_id, _where(b), bool(b.secret))


async def _save(session: AsyncSession, actor: Actor, existing: DigestBinding | None, values: dict, now: datetime) -> DigestBinding:
    if existing is None:
        existing = DigestBinding(created_by=actor.person_id, created_at=now, **values)
        session.add(existing)
    else:
        for k, v in values.items():
            setattr(existing, k, v)
    await session.flush()
    audit.record(session, now=now, actor_id=actor.person_id, action="bind", entity="digest_binding", entity_id=existing.id,
                 after={k: v for k, v in values.items() if k != "secret"})
    return existing


async def bind_chat(session: AsyncSession, actor: Actor, *, chat_id: int, unit_code: str | None, now: datetime) -> BindingView:
    """This Telegram group receives the digest of the unit (the county by default); binding again updates it."""
    _may_bind(actor)
    unit_id, name = await _unit(session, actor, unit_code)
    existing = await session.scalar(select(DigestBinding).where(DigestBinding.channel == "telegram",
                                                                DigestBinding.chat_id == chat_id))
    b = await _save(session, actor, existing, {"channel": "telegram", "chat_id": chat_id, "unit_id": unit_id,
                                                "active": True}, now)
    return _view(b, name)


async def bind_robot(session: AsyncSession, actor: Actor, *, channel: str, url: str, secret: str | None,
                     unit_code: str | None, now: datetime) -> BindingView:
    """A WeCom / DingTalk / Feishu robot webhook receives the digest (signed with `secret` where the platform signs)."""
    _may_bind(actor)
    if channel not in ROBOTS:
        raise BadWebhook(what=channel[:20], url=url[:80])
    url = check_webhook(channel, url)
    if secret is not None and not (0 < len(secret) <= MAX_SECRET):
        raise BadWebhook(what=CHANNELS[channel], url=url[:80])
    unit_id, name = await _unit(session, actor, unit_code)
    existing = await session.scalar(select(DigestBinding).where(DigestBinding.channel == channel,
                                                                DigestBinding.webhook_url == url))
    b = await _save(session, actor, existing, {"channel": channel, "webhook_url": url, "secret": secret,
                                                "unit_id": unit_id, "active": True}, now)
    return _view(b, name)


async def unbind(session: AsyncSession, actor: Actor, *, chat_id: int | None = None, url: str | None = None,
                 now: datetime) -> int:
    """Stop the digest to this group (or webhook); NoBinding when none was active."""
    _may_bind(actor)
    where = DigestBinding.chat_id == chat_id if url is None else DigestBinding.webhook_url == url.strip()
    rows = list(await session.scalars(select(DigestBinding).where(where, DigestBinding.active)))
    if not rows:
        raise NoBinding()
    for b in rows:
        b.active = False
        audit.record(session, now=now, actor_id=actor.person_id, action="unbind", entity="digest_binding", entity_id=b.id)
    return len(rows)


async def list_bindings(session: AsyncSession, actor: Actor) -> list[BindingView]:
    """Every active binding, for coordinators and admins."""
    _may_bind(actor)
    rows = await session.execute(select(DigestBinding, Unit.name).join(Unit, Unit.id == DigestBinding.unit_id)
                                 .where(DigestBinding.active).order_by(DigestBinding.id))
    return [_view(b, name) for b, name in rows]
