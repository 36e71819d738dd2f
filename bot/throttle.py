"""Per-person throttling: a token bucket per Telegram user, so one person cannot flood the bot or its reviewers.

Each person may send `THROTTLE_BURST` updates at once, refilled at `THROTTLE_PER_MINUTE`; an update
beyond that is dropped by the inbox with one polite reply (only the first refusal of a run says so).
Time is the moment the update was received (the inbox row's `received_at`), so a backlog processed
late is judged by when people sent it, and tests move it with the FakeClock.

Buckets live in this process (one worker) or, with `REDIS_URL`, in Redis, so that every webhook
worker draws from the same bucket: without Redis, N workers would each allow the full rate.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Protocol

from bot.config import Settings

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - without the `redis` extra only MemoryThrottle is used
    class RedisError(Exception):  # type: ignore[no-redef]
        """Stand-in when redis is not installed."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """Whether the update may be processed, and whether to tell the person (first refusal of a run)."""

    allowed: bool
    notify: bool = False


class Throttle(Protocol):
    async def take(self, user_id: int, at: float) -> Verdict: ...

    async def ping(self) -> bool: ...

    async def aclose(self) -> None: ...


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class MemoryThrottle:
    """Token buckets in this process's memory."""

    def __init__(self, burst: int, per_minute: float, max_people: int = 20_000) -> None:
        self.burst, self.rate, self.max_people = burst, per_minute / 60.0, max_people
        self._buckets: dict[int, _Bucket] = {}

    async def take(self, user_id: int, at: float) -> Verdict:
        bucket = self._buckets.get(user_id) or _Bucket(float(self.burst), at)
        bucket.tokens = min(self.burst, bucket.tokens + max(0.0, at - bucket.at) * self.rate)
        bucket.at = max(bucket.at, at)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            verdict = Verdict(True)
        else:
            verdict = Verdict(False, notify=not bucket.warned)
            bucket.warned = True
        self._buckets[user_id] = bucket
        if len(self._buckets) > self.max_people:
            self._forget_full(at)
        return verdict

    def _forget_full(self, at: float) -> None:
        full_after = self.burst / self.rate
        self._buckets = {k: b for k, b in self._buckets.items() if at - b.at < full_after}

    async def ping(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None


# One atomic step on Redis: refill, take a token, remember whether the person was already told.
_TAKE = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'ts', 'w')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
local warned = tonumber(state[3]) or 0
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate)
if now > ts then ts = now end
local allowed, notify = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
  warned = 0
else
  if warned == 0 then notify = 1 end
  warned = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(ts), 'w', warned)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {allowed, notify}
"""


class RedisThrottle:
    """Token buckets in Redis, shared by every worker (one Lua script call per update).

    If Redis is unreachable the bot keeps working unthrottled (logged), rather than stopping.
    """

    def __init__(self, url: str, burst: int, per_minute: float, prefix: str = "cebot:throttle:") -> None:
        try:
            from redis.asyncio import Redis
        except ImportError:  # pragma: no cover - the `redis` extra is missing
            raise RuntimeError("REDIS_URL is set but the redis package is not installed: "
                               "pip install 'cebot[redis]'") from None

        self.redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.burst, self.rate, self.prefix = burst, per_minute / 60.0, prefix
        self.ttl = int(math.ceil(burst / self.rate)) + 60
        self._script = self.redis.register_script(_TAKE)
        self._warned_at = 0.0

    async def take(self, user_id: int, at: float) -> Verdict:
        try:
            allowed, notify = await self._script(keys=[f"{self.prefix}{user_id}"],
                                                 args=[self.burst, self.rate, repr(float(at)), self.ttl])
        except (OSError, RedisError) as exc:
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                log.warning("throttle: Redis unreachable (%s); updates pass unthrottled meanwhile", exc)
            return Verdict(True)
        return Verdict(bool(allowed), notify=bool(notify))

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except (OSError, RedisError):
            return False

    async def aclose(self) -> None:
        await self.redis.aclose()


def from_settings(settings: Settings) -> Throttle | None:
    """The deployment's throttle: Redis when REDIS_URL is set, memory otherwise; None when THROTTLE_BURST=0."""
    if settings.throttle_burst <= 0:
        return None
    if settings.redis_url:
        return RedisThrottle(settings.redis_url, settings.throttle_burst, settings.throttle_per_minute)
    return MemoryThrottle(settings.throttle_burst, settings.throttle_per_minute)
