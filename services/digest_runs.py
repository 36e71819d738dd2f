"""Sending the digest exactly once per (binding, week): a UNIQUE DigestRun row, then outbox messages.

`queue_due` is run by the DIGEST_CRON job and by a catch-up job every few minutes (and at start): for
each active binding it takes the last week whose scheduled send time has passed; if that week has no
DigestRun yet, it inserts one (two schedulers racing insert it once) and queues the text parts and the
chart in the same transaction. `send_week` serves the CLI's `digest send [--week] [--force]`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.digest import Digest, build_digest, render_digest
from services.digest_errors import MayNotSeeDigest
from services.i18n import translator
from services.people import Actor
from services.report_format import span
from services.robot_messages import ROBOTS, robot_bodies
from services.weeks import Week, last_complete_week, last_fire
from storage.models import DigestBinding, DigestRun
from storage.sql import insert_ignore

log = logging.getLogger(__name__)
LANG = "zh_CN"


@dataclass(frozen=True)
class Queued:
    binding_id: int
    channel: str
    week: str
    attempt: int
    messages: int


class _Cache:
    """Digests and charts built once per (unit, week) within one run, however many bindings share them."""

    def __init__(self, session: AsyncSession, now: datetime, tz: ZoneInfo, chart_dir: Path | None) -> None:
        self.session, self.now, self.tz, self.chart_dir = session, now, tz, chart_dir
        self.digests: dict[tuple[int, str], Digest] = {}
        self.charts: dict[tuple[int, str], Path | None] = {}

    async def digest(self, unit_id: int, week: str) -> Digest:
        if (unit_id, week) not in self.digests:
            self.digests[unit_id, week] = await build_digest(self.session, unit_id=unit_id, week=week, tz=self.tz, now=self.now)
        return self.digests[unit_id, week]

    def chart(self, digest: Digest, unit_id: int) -> Path | None:
        key = (unit_id, digest.week)
        if key not in self.charts:
            self.charts[key] = None
            if self.chart_dir is not None:
                from services.charts import render_week_chart

                png = render_week_chart(digest, LANG)
                if png:
                    self.chart_dir.mkdir(parents=True, exist_ok=True)
                    path = self.chart_dir / f"digest-{unit_id}-{digest.week}.png"
                    path.write_bytes(png)
                    self.charts[key] = path
        return self.charts[key]


async def active_bindings(session: AsyncSession) -> list[DigestBinding]:
    return list(await session.scalars(select(DigestBinding).where(DigestBinding.active).order_by(DigestBinding.id)))


async def _last_attempt(session: AsyncSession, binding_id: int, week: str) -> int:
    return int(await session.scalar(select(func.max(DigestRun.attempt)).where(
        DigestRun.binding_id == binding_id, DigestRun.week == week)) or 0)


async def _enqueue_all(session: AsyncSession, b: DigestBinding, digest: Digest, key: str, chart: Path | None,
                       now: datetime) -> tuple[int, str]:
    """Queue the parts (and chart) for one binding; returns how many messages and the text recorded."""
    if b.channel in ROBOTS:
        bodies = robot_bodies(digest, b.channel, LANG)
        for i, body in enumerate(bodies):
            await outbox.enqueue(session, now=now, dedupe_key=f"{key}:{i}", chat_id=None, channel=b.channel,
                                 target=b.webhook_url, method="robot", payload={"binding_id": b.id, "body": body})
        if chart is not None and b.channel == "wecom":  # WeCom robots take images; DingTalk and Feishu webhooks do not
            await outbox.enqueue(session, now=now, dedupe_key=f"{key}:chart", chat_id=None, channel=b.channel,
                                 target=b.webhook_url, method="robot", payload={"binding_id": b.id, "photo_path": str(chart)})
        return len(bodies) + (chart is not None and b.channel == "wecom"), "\n\n".join(
            json.dumps(body, ensure_ascii=False) for body in bodies)
    parts = render_digest(digest, LANG)
    for i, text in enumerate(parts):
        await outbox.enqueue(session, now=now, dedupe_key=f"{key}:{i}", chat_id=b.chat_id, text=text)
    if chart is not None:
        _ = translator(LANG)
        caption = _("Activities and participants by town, {span}").format(span=span(digest.start, digest.end, LANG))
        await outbox.enqueue(session, now=now, dedupe_key=f"{key}:chart", chat_id=b.chat_id, method="sendPhoto",
                             payload={"photo_path": str(chart), "caption": caption})
    return len(parts) + (chart is not None), "\n\n".join(parts)


async def _queue_one(cache: _Cache, b: DigestBinding, week: Week, attempt: int) -> Queued | None:
    """Claim (binding, week, attempt) with a UNIQUE row and queue its messages; None if already claimed."""
    digest = await cache.digest(b.unit_id, week.label)
    chart = cache.chart(digest, b.unit_id)
    key = f"digest:{b.id}:{week.label}:{attempt}"
    run = {"binding_id": b.id, "week": week.label, "attempt": attempt, "queued_at": cache.now, "text": ""}
    if not await insert_ignore(cache.session, DigestRun, run, ["binding_id", "week", "attempt"]):
        return None
    n, text = await _enqueue_all(cache.session, b, digest, key, chart, cache.now)
    row = await cache.session.scalar(select(DigestRun).where(
        DigestRun.binding_id == b.id, DigestRun.week == week.label, DigestRun.attempt == attempt))
    row.text = text
    log.info("digest %s queued for binding %s (%s), attempt %s: %s messages", week.label, b.id, b.channel, attempt, n)
    return Queued(b.id, b.channel, week.label, attempt, n)


MAX_CATCH_UP = 8  # weeks: a bot down longer than that sends the last eight, oldest first


async def _missed_weeks(session: AsyncSession, b: DigestBinding, fire: datetime, cron: str, tz: ZoneInfo) -> list[Week]:
    """Every scheduled week since the binding was made that it has not had yet, oldest first."""
    weeks: list[Week] = []
    at: datetime | None = fire
    while at is not None and at >= b.created_at and len(weeks) < MAX_CATCH_UP:
        week = last_complete_week(at, tz)
        if await _last_attempt(session, b.id, week.label):
            break
        if not weeks or weeks[-1].label != week.label:
            weeks.append(week)
        at = last_fire(cron, at - timedelta(seconds=1), tz)
    return weeks[::-1]


async def queue_due(session: AsyncSession, *, now: datetime, tz: ZoneInfo, cron: str, chart_dir: Path | None = None) -> int:
    """Queue, for every binding, each scheduled week it has not had (after downtime: all missed ones, oldest first)."""
    fire = last_fire(cron, now, tz)
    if fire is None:
        return 0
    cache, done = _Cache(session, now, tz, chart_dir), 0
    for b in await active_bindings(session):
        for week in await _missed_weeks(session, b, fire, cron, tz):
            done += await _queue_one(cache, b, week, 1) is not None
    return done


async def send_week(session: AsyncSession, *, week: Week, force: bool, now: datetime, tz: ZoneInfo,
                    chart_dir: Path | None = None) -> list[Queued]:
    """Queue `week` to every active binding that has not had it (with `force`: again, as a new attempt)."""
    cache, out = _Cache(session, now, tz, chart_dir), []
    for b in await active_bindings(session):
        last = await _last_attempt(session, b.id, week.label)
        if last and not force:
            continue
        if (queued := await _queue_one(cache, b, week, last + 1)) is not None:
            out.append(queued)
    return out


async def preview(session: AsyncSession, *, week: Week | None, unit_id: int | None, now: datetime, tz: ZoneInfo) -> list[str]:
    """The digest's text for a week (default: the last complete one), as it would be sent."""
    week = week or last_complete_week(now, tz)
    return render_digest(await build_digest(session, unit_id=unit_id, week=week.label, tz=tz, now=now), LANG)


async def on_demand(session: AsyncSession, actor: Actor, *, now: datetime, tz: ZoneInfo, lang: str
                    ) -> tuple[Digest, list[str], bytes | None]:
    """/digest: the last complete week for the county, its text in the reader's language, and its chart."""
    from services.charts import render_week_chart

    if not actor.has("coordinator", "leader"):
        raise MayNotSeeDigest()
    week = last_complete_week(now, tz)
    digest = await build_digest(session, unit_id=None, week=week.label, tz=tz, now=now)
    return digest, render_digest(digest, lang), render_week_chart(digest, lang)
