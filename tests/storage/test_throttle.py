"""Per-person token buckets, in memory and in Redis (shared by every worker), and two workers drawing from one."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from sqlalchemy import func, select

from bot import inbox
from bot.app import build_application
from bot.config import Settings
from bot.throttle import MemoryThrottle, RedisThrottle, Verdict, from_settings
from storage.models import InboxUpdate
from tests.support.sim import FakeTelegram

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.fixture(params=["memory", "redis"])
async def bucket(request: pytest.FixtureRequest):
    """burst 2, 30 a minute (one token every 2 s), in memory or in the test Redis."""
    if request.param == "memory":
        yield MemoryThrottle(2, 30)
        return
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("CI=true but TEST_REDIS_URL is not set: the Redis tests cannot be skipped in CI")
        pytest.skip("TEST_REDIS_URL not set (Redis tests run in CI)")
    throttle = RedisThrottle(REDIS_URL, 2, 30, prefix=f"test:{uuid.uuid4().hex}:")
    yield throttle
    await throttle.aclose()


async def test_a_bucket_allows_the_burst_then_refuses_telling_once_then_refills(bucket):
    t = 1_700_000_000.0
    assert [await bucket.take(7, t) for _ in range(4)] == [Verdict(True), Verdict(True), Verdict(False, notify=True),
                                                          Verdict(False, notify=False)]
    assert await bucket.take(8, t) == Verdict(True)  # someone else has their own bucket
    assert await bucket.take(7, t + 1.0) == Verdict(False)  # half a token so far
    assert await bucket.take(7, t + 2.0) == Verdict(True)
    assert await bucket.take(7, t + 2.0) == Verdict(False, notify=True)  # a new run of refusals is told again
    assert await bucket.take(7, t - 50) == Verdict(False)  # a clock going backwards gives nothing


def test_settings_choose_the_throttle():
    assert from_settings(Settings(_env_file=None, throttle_burst=0)) is None
    assert isinstance(from_settings(Settings(_env_file=None)), MemoryThrottle)


def _help(update_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        "from": {"id": 4321, "is_bot": False, "first_name": "x"}, "chat": {"id": 4321, "type": "private"}}}


async def test_two_workers_with_redis_draw_from_one_bucket_for_each_person(rt):
    """Without Redis each worker would allow the whole burst; with REDIS_URL the limit holds across workers."""
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("CI=true but TEST_REDIS_URL is not set")
        pytest.skip("TEST_REDIS_URL not set")
    prefix = f"test:{uuid.uuid4().hex}:"
    apis, apps, throttles = [FakeTelegram(), FakeTelegram()], [], []
    for api in apis:
        app = build_application(rt, request=api, rate_limit=False)
        throttles.append(RedisThrottle(REDIS_URL, 4, 30, prefix=prefix))
        app.bot_data["throttle"] = throttles[-1]
        await app.initialize()
        apps.append(app)
    try:
        for i in range(10):
            await inbox.feed(apps[i % 2], rt, _help(300 + i))
    finally:
        for app, throttle in zip(apps, throttles):
            await app.shutdown()
            await throttle.aclose()
    answered = [c for api in apis for c in api.calls if c.method == "sendMessage"]
    assert len(answered) == 5  # four /help answers and one "slow down"
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(InboxUpdate)
                              .where(InboxUpdate.outcome == "throttled")) == 6


async def test_with_redis_down_updates_pass_unthrottled_rather_than_stop():
    down = RedisThrottle("redis://127.0.0.1:1/0", 1, 30)
    try:
        assert [await down.take(7, 0.0) for _ in range(3)] == [Verdict(True)] * 3
        assert await down.ping() is False
    finally:
        await down.aclose()
