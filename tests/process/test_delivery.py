"""Paced, durable delivery against the loopback Bot API server, which enforces Telegram's limits (30 sends per
sliding second, 20 per sliding minute into a group) and answers 429, 403 and migrate errors.

The sender runs in virtual time: its pacing clock and sleeps, the bot's clock and the server's flood
windows all read one `VirtualTime`, so a minute of group pacing takes milliseconds and nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot import inbox
from bot.app import build_application
from bot.outbox_sender import Sender
from bot.runtime import Runtime
from services import people
from services.outbox import enqueue
from storage.db import Database
from storage.models import ChatAccount, DigestBinding, OutboxMessage, Unit
from tests.support.botapi import TINY_JPEG, BotApiServer
from tests.support.factories import COORDINATOR, LIAISON, load_roster
from tests.support.processes import BotProcess, bot_env, prepared_db

TOKEN = "123456:delivery-test"


class VirtualTime:
    """One clock for the sender's pacing, the bot's FakeClock and the server's flood windows."""

    def __init__(self, clock) -> None:  # noqa: ANN001
        self.now, self.clock = 1000.0, clock

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.clock.advance(seconds=seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def world(rt, clock):
    """(server, app, sender, runtime, virtual time) wired together on loopback."""
    vt = VirtualTime(clock)
    async with BotApiServer(token=TOKEN, clock=vt) as api:
        settings = rt.settings.model_copy(update={"bot_token": SecretStr(TOKEN), "telegram_api_url": api.base_url})
        live = Runtime(settings=settings, db=rt.db, clock=rt.clock)
        app = build_application(live)
        async with app:
            yield api, app, Sender(app, live, monotonic=vt, sleep=vt.sleep), live, vt
        assert not api.unexpected, api.unexpected


async def deliver_all(sender: Sender, rt: Runtime, vt: VirtualTime, rounds: int = 200) -> int:
    """Drain, then move virtual time to the next deferred row, until the outbox is empty."""
    sent = 0
    for _ in range(rounds):
        sent += await sender.drain()
        async with rt.db.begin() as s:
            waiting = list(await s.scalars(select(OutboxMessage.not_before).where(
                OutboxMessage.state.in_(("pending", "sending")))))
        if not waiting:
            return sent
        await vt.sleep(max(0.001, (min(waiting) - rt.clock()).total_seconds()))
    raise AssertionError("the outbox never emptied")


async def _queue(rt: Runtime, items: list[tuple[int, str]], **kw) -> None:  # noqa: ANN003
    async with rt.db.begin() as s:
        for chat_id, text in items:
            await enqueue(s, now=rt.clock(), dedupe_key=f"k:{text}", chat_id=chat_id, text=text, **kw)


def _max_in_window(times: list[float], span: float) -> int:
    times, best, lo = sorted(times), 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - span:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def test_everything_is_delivered_once_within_30_a_second_and_20_a_minute_per_group(world):
    api, app, sender, rt, vt = world
    items = [(10_000 + i, f"私聊 {i}") for i in range(100)] + [(-100, f"群A {i}") for i in range(25)] + \
            [(-200, f"群B {i}") for i in range(5)]
    await _queue(rt, items)
    start = vt.now
    assert await deliver_all(sender, rt, vt) == 130
    assert sorted((m["chat_id"], m["text"]) for m in api.sent) == sorted(items)
    assert api.duplicates() == {} and api.stats == {"ok": 130}  # not one 429: our pacing kept within the limits
    assert _max_in_window([m["time"] for m in api.sent], 1.0) <= 30
    group_a = [m for m in api.sent if m["chat_id"] == -100]
    assert _max_in_window([m["time"] for m in group_a], 60.0) <= 20
    assert [m["text"] for m in group_a] == [f"群A {i}" for i in range(25)]  # in order, though 5 waited a minute
    assert 60 <= group_a[-1]["time"] - start < 65 and vt.now - start < 66
    private_done = max(m["time"] for m in api.sent if m["chat_id"] > 0)
    assert private_done - start < 5  # a full group did not hold the private chats back


async def test_429_answers_are_waited_out_and_nothing_is_lost_or_doubled(world):
    api, app, sender, rt, vt = world
    api.configure(fail_429_every=7)
    items = [(20_000 + i, f"提醒 {i}") for i in range(60)]
    await _queue(rt, items)
    start = vt.now
    assert await deliver_all(sender, rt, vt) == 60
    assert vt.now - start < 5  # each refused chat waited its retry_after (1 s), the others went on
    assert api.stats["429"] >= 8 and api.stats["ok"] == 60
    assert sorted((m["chat_id"], m["text"]) for m in api.sent) == sorted(items) and api.duplicates() == {}
    async with rt.db.begin() as s:
        assert set(await s.scalars(select(OutboxMessage.state))) == {"sent"}


async def _bind(rt: Runtime, tg_user_id: int, phone: str) -> None:
    async with rt.db.begin() as s:
        now = rt.clock()
        await people.bind_by_phone(s, now=now, today=now.astimezone(rt.settings.tz).date(), tg_user_id=tg_user_id,
                                   phone=phone, language_code="zh-hans")


async def test_a_blocked_person_is_marked_unreachable_and_a_coordinator_told_once(world):
    api, app, sender, rt, vt = world
    await load_roster(rt)
    await _bind(rt, 601, LIAISON)
    await _bind(rt, 801, COORDINATOR)
    api.block_chat(601)
    await _queue(rt, [(601, "会议提醒 1"), (601, "会议提醒 2"), (602, "别人的提醒")])
    await deliver_all(sender, rt, vt)
    async with rt.db.begin() as s:
        account = await s.scalar(select(ChatAccount).where(ChatAccount.tg_user_id == 601))
        states = dict((await s.execute(select(OutboxMessage.dedupe_key, OutboxMessage.state))).all())
    assert account.unreachable_at is not None
    assert states["k:会议提醒 1"] == states["k:会议提醒 2"] == "failed" and states["k:别人的提醒"] == "sent"
    notices = api.texts(801)
    assert len(notices) == 1 and "曲亮" in notices[0] and "古城村" in notices[0]
    api.unblock_chat(601)  # they come back and write to the bot: reachable again
    await inbox.feed(app, rt, {"update_id": 77, "message": {
        "message_id": 1, "date": 0, "text": "/help", "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        "from": {"id": 601, "is_bot": False, "first_name": "曲亮"}, "chat": {"id": 601, "type": "private"}}})
    async with rt.db.begin() as s:
        assert (await s.scalar(select(ChatAccount).where(ChatAccount.tg_user_id == 601))).unreachable_at is None


async def _binding(rt: Runtime, chat_id: int) -> int:
    async with rt.db.begin() as s:
        unit_id = await s.scalar(select(Unit.id).where(Unit.code == "X"))
        binding = DigestBinding(unit_id=unit_id, chat_id=chat_id, created_at=rt.clock())
        s.add(binding)
        await s.flush()
        return binding.id


async def test_a_group_that_removed_the_bot_pauses_its_digest_and_a_coordinator_is_told(world):
    api, app, sender, rt, vt = world
    await load_roster(rt)
    await _bind(rt, 801, COORDINATOR)
    binding_id = await _binding(rt, -100500)
    api.block_chat(-100500)
    await _queue(rt, [(-100500, "本周简报")])
    await deliver_all(sender, rt, vt)
    async with rt.db.begin() as s:
        assert (await s.get(DigestBinding, binding_id)).active is False
    [notice] = api.texts(801)
    assert "安吉县" in notice and "/setchat digest" in notice


async def test_a_group_upgraded_to_a_supergroup_is_followed(world):
    api, app, sender, rt, vt = world
    await load_roster(rt)
    binding_id = await _binding(rt, -5)
    api.migrate_chat(-5, -1001234567890)
    await _queue(rt, [(-5, "简报 1"), (-5, "简报 2")])
    assert await deliver_all(sender, rt, vt) == 2
    assert api.texts(-1001234567890) == ["简报 1", "简报 2"] and api.texts(-5) == []
    async with rt.db.begin() as s:
        assert (await s.get(DigestBinding, binding_id)).chat_id == -1001234567890
        assert set(await s.scalars(select(OutboxMessage.chat_id))) == {-1001234567890}


async def test_a_photo_path_is_uploaded_and_an_unchanged_edit_counts_as_done(world, tmp_path: Path):
    api, app, sender, rt, vt = world
    chart = tmp_path / "chart.png"
    chart.write_bytes(TINY_JPEG)
    async with rt.db.begin() as s:
        await enqueue(s, now=rt.clock(), dedupe_key="photo", chat_id=-300, method="sendPhoto",
                      payload={"photo_path": str(chart), "caption": "本周图表"})
        await enqueue(s, now=rt.clock(), dedupe_key="gone", chat_id=-300, method="sendPhoto",
                      payload={"photo_path": str(tmp_path / "missing.png")})
    await deliver_all(sender, rt, vt)
    [photo] = [m for m in api.sent if m["method"] == "sendPhoto"]
    assert photo["text"] == "本周图表" and api.file_bytes(photo["file_id"]) == TINY_JPEG
    sent = await app.bot.send_message(-300, "原文")
    async with rt.db.begin() as s:
        await enqueue(s, now=rt.clock(), dedupe_key="edit", chat_id=-300, method="editMessageText",
                      payload={"message_id": sent.message_id, "text": "原文"})
    await deliver_all(sender, rt, vt)
    async with rt.db.begin() as s:
        states = dict((await s.execute(select(OutboxMessage.dedupe_key, OutboxMessage.state))).all())
    assert states == {"photo": "sent", "gone": "failed", "edit": "sent"}
    assert Counter(m["method"] for m in api.sent) == {"sendPhoto": 1, "sendMessage": 1}


# --------------------------------------------------------------------- kill -9 halfway through a large digest


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "sqlite" else request.getfixturevalue("pg_migrated")


async def test_killing_the_sender_halfway_through_a_1000_recipient_digest_loses_nothing(tmp_path, server_db):
    """kill -9 mid-digest, restart: every recipient gets it, at most the one message in flight twice."""
    url = await prepared_db(server_db, tmp_path, roster=False)
    db = Database(url)
    async with db.begin() as s:
        for i in range(1000):
            await enqueue(s, now=datetime.now(timezone.utc), dedupe_key=f"digest:2026-W47:{i}", chat_id=100_000 + i,
                          text=f"第47周简报（收件人 {i}）")
    async with BotApiServer(token=TOKEN) as api:
        api.configure(per_second=1000)  # Telegram's pace is tested above; here only the crash matters
        env = bot_env(api.base_url, url, tmp_path, TOKEN, OUTBOX_RATE="900", OUTBOX_INTERVAL="0.2")
        first = await BotProcess.start("scheduler", env=env)
        try:
            await api.wait_for(lambda a: len(a.sent) >= 400, timeout=30)
            first.kill()
            await first.ended()
        finally:
            await first.stop()
        halfway = len(api.sent)
        second = await BotProcess.start("scheduler", env=env)
        try:
            await api.wait_for(lambda a: len({m["text"] for m in a.sent}) == 1000, timeout=30)
        finally:
            assert await second.stop() == 0, second.output
    async with db.begin() as s:
        states = Counter(await s.scalars(select(OutboxMessage.state)))
    await db.dispose()
    assert 400 <= halfway < 1000
    assert states == {"sent": 1000}
    assert sum(n - 1 for n in api.duplicates().values()) <= 1 and len(api.sent) <= 1001
    assert api.stats["429"] == 0
