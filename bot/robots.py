"""Delivery to WeCom, DingTalk and Feishu group-robot webhooks: signed where the platform signs, paced.

An outbox row with channel wecom/dingtalk/feishu has the webhook URL as `target` and as payload
`{"binding_id", "body"}` (the platform's JSON) or `{"binding_id", "photo_path"}` (a WeCom image).
Secrets are read from the binding when sending, never stored in the outbox. Pacing counts the rows
sent to the same webhook in the last minute (and second) in the database, so it holds across restarts:
a full window puts the row back with `not_before` at the first free moment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
from sqlalchemy import select, update

from bot.runtime import Runtime
from services.robot_messages import PER_MINUTE, PER_SECOND
from storage.models import DigestBinding, OutboxMessage

log = logging.getLogger(__name__)
TIMEOUT = 15.0
RATE_LIMITED = {"wecom": {45009}, "dingtalk": {130101, 660026}, "feishu": {11232, 9499}}
MAX_ATTEMPTS = 8


class RobotUnavailable(Exception):
    """The webhook could not be reached or answered 5xx: the outbox sender tries again later."""


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")), URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu: base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=empty))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed(channel: str, url: str, body: dict[str, Any], secret: str | None, now: datetime) -> tuple[str, dict[str, Any]]:
    """The URL and body to post, with the platform's signature when the binding has a secret."""
    if not secret:
        return url, body
    if channel == "dingtalk":
        ts = int(now.timestamp() * 1000)
        return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={dingtalk_sign(secret, ts)}", body
    if channel == "feishu":
        ts = int(now.timestamp())
        return url, {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}
    return url, body  # WeCom robots do not sign


def wecom_image(path: str) -> dict[str, Any]:
    data = Path(path).read_bytes()
    return {"msgtype": "image", "image": {"base64": base64.b64encode(data).decode(), "md5": hashlib.md5(data).hexdigest()}}


async def _mark(rt: Runtime, row: OutboxMessage, **values: object) -> None:
    async with rt.db.begin() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**values))


async def _free_at(rt: Runtime, row: OutboxMessage, now: datetime) -> datetime | None:
    """When the webhook's window has room again (None: now)."""
    windows = [(timedelta(minutes=1), PER_MINUTE.get(row.channel, 20))]
    if row.channel in PER_SECOND:
        windows.append((timedelta(seconds=1), PER_SECOND[row.channel]))
    async with rt.db.begin() as session:
        recent = list(await session.scalars(
            select(OutboxMessage.sent_at).where(OutboxMessage.channel == row.channel, OutboxMessage.target == row.target,
                                                OutboxMessage.state == "sent", OutboxMessage.sent_at > now - windows[0][0])
            .order_by(OutboxMessage.sent_at.desc())))
    for span, limit in windows:
        inside = [t for t in recent if t > now - span]
        if len(inside) >= limit:
            return inside[limit - 1] + span
    return None


async def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.post(url, json=body)
    except httpx.HTTPError as exc:
        raise RobotUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise RobotUnavailable(f"HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code >= 400:
        return {"errcode": response.status_code, "errmsg": response.text[:200], **(answer if isinstance(answer, dict) else {})}
    return answer if isinstance(answer, dict) else {}


def _code(answer: dict[str, Any]) -> tuple[int, str]:
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    return int(code or 0), str(answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or "")


async def send_robot(rt: Runtime, row: OutboxMessage) -> str:
    """Post one outbox row to its robot webhook; returns "sent", "retry" (row put back) or "failed"."""
    now = rt.clock()
    if (free := await _free_at(rt, row, now)) is not None:
        await _mark(rt, row, state="pending", not_before=free, last_error="paced: robot limit")
        return "retry"
    secret = None
    if row.payload.get("binding_id") is not None:
        async with rt.db.begin() as session:
            secret = await session.scalar(select(DigestBinding.secret).where(DigestBinding.id == row.payload["binding_id"]))
    try:
        body = wecom_image(row.payload["photo_path"]) if "photo_path" in row.payload else row.payload["body"]
    except (OSError, KeyError) as exc:
        await _mark(rt, row, state="failed", attempts=row.attempts + 1, last_error=f"nothing to send: {exc}"[:500])
        return "failed"
    url, body = signed(row.channel, row.target or "", body, secret, now)
    code, message = _code(await _post(url, body))
    if code == 0:
        await _mark(rt, row, state="sent", sent_at=rt.clock(), attempts=row.attempts + 1, last_error=None)
        return "sent"
    if code in RATE_LIMITED.get(row.channel, ()) and row.attempts + 1 < MAX_ATTEMPTS:
        await _mark(rt, row, state="pending", attempts=row.attempts + 1, not_before=now + timedelta(minutes=1),
                    last_error=f"rate limited: {code} {message}"[:500])
        return "retry"
    log.warning("robot %s refused outbox row %s: %s %s", row.channel, row.id, code, message)
    await _mark(rt, row, state="failed", attempts=row.attempts + 1, last_error=f"{code} {message}"[:500])
    return "failed"
