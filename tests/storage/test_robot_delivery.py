"""Robot webhooks through the real outbox sender against loopback WeCom / DingTalk / Feishu servers:
formats and signatures, pacing (20 a minute; Feishu 5 a second), rate-limit answers, refusals, outages."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from bot.outbox_sender import drain
from services import outbox
from services.digest_runs import send_week
from services.weeks import parse_week
from storage.models import DigestBinding, OutboxMessage, Unit
from tests.support.factories import load_roster
from tests.support.robot_servers import RobotServer


@pytest.fixture
async def county(rt):
    await load_roster(rt)
    async with rt.db.begin() as s:
        return await s.scalar(select(Unit.id).where(Unit.code == "X"))


async def _bind(rt, county: int, server: RobotServer, secret: str | None = None) -> int:
    async with rt.db.begin() as s:
        b = DigestBinding(unit_id=county, channel=server.platform, webhook_url=server.url, secret=secret, active=True,
                          created_at=rt.clock())
        s.add(b)
        await s.flush()
        return b.id


async def _send_digest(rt) -> None:
    async with rt.db.begin() as s:
        await send_week(s, week=parse_week("2026-W47"), force=False, now=rt.clock(), tz=rt.settings.tz,
                        chart_dir=rt.data_dir / "digest")


async def _rows(rt) -> list[OutboxMessage]:
    async with rt.db.begin() as s:
        return list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_each_platform_gets_the_digest_in_its_format_signed(rt, app, clock, county):
    async with RobotServer("wecom", now=clock) as wecom, RobotServer("dingtalk", secret="SECd1", now=clock) as ding, \
            RobotServer("feishu", secret="fs-secret", now=clock) as feishu:
        await _bind(rt, county, wecom)
        await _bind(rt, county, ding, "SECd1")
        await _bind(rt, county, feishu, "fs-secret")
        await _send_digest(rt)
        await drain(app, rt)
        for server in (wecom, ding, feishu):
            assert server.refused == [], server.platform
            assert any("安吉县社区教育周报" in t and "2026年第47周" in t for t in server.texts()), server.platform
        assert [b["msgtype"] for b in wecom.received] == ["markdown", "image"]  # the chart goes to WeCom as an image
        assert ding.received[0]["markdown"]["title"] == "安吉县社区教育周报 2026-W47"
        assert feishu.received[0]["card"]["header"]["title"]["content"] == "安吉县社区教育周报 2026-W47"
    assert {r.state for r in await _rows(rt)} == {"sent"}


async def test_a_wrong_secret_fails_for_good_with_the_platform_reason(rt, app, clock, county):
    async with RobotServer("dingtalk", secret="right", now=clock) as ding:
        await _bind(rt, county, ding, "wrong")
        await _send_digest(rt)
        await drain(app, rt)
        clock.advance(minutes=10)
        await drain(app, rt)
        assert ding.received == [] and [c for c, _ in ding.refused] == [310000]  # tried once, not again
    [row] = await _rows(rt)
    assert row.state == "failed" and "310000" in row.last_error


async def test_a_rate_limit_answer_is_tried_again_a_minute_later(rt, app, clock, county):
    async with RobotServer("wecom", now=clock) as wecom:
        wecom.fail_next, wecom.fail_code = 1, 45009
        async with rt.db.begin() as s:
            await outbox.enqueue(s, now=clock(), dedupe_key="t:1", chat_id=None, channel="wecom", target=wecom.url,
                                 method="robot", payload={"binding_id": None, "body": {"msgtype": "markdown",
                                                                                       "markdown": {"content": "周报"}}})
        await drain(app, rt)
        assert wecom.received == []
        [row] = await _rows(rt)
        assert row.state == "pending" and (row.not_before - clock()).total_seconds() == pytest.approx(60)
        clock.advance(seconds=61)
        await drain(app, rt)
        assert wecom.texts() == ["周报"]


async def _queue_many(rt, server: RobotServer, n: int) -> None:
    async with rt.db.begin() as s:
        for i in range(n):
            body = ({"msgtype": "markdown", "markdown": {"content": f"第{i}条"}} if server.platform == "wecom" else
                    {"msg_type": "interactive", "card": {"header": {"title": {"tag": "plain_text", "content": "t"}},
                                                         "elements": [{"tag": "markdown", "content": f"第{i}条"}]}})
            await outbox.enqueue(s, now=rt.clock(), dedupe_key=f"many:{i}", chat_id=None, channel=server.platform,
                                 target=server.url, method="robot", payload={"binding_id": None, "body": body})


async def test_wecom_is_paced_to_20_a_minute_and_nothing_is_lost(rt, app, clock, county):
    async with RobotServer("wecom", now=clock) as wecom:
        await _queue_many(rt, wecom, 25)
        await drain(app, rt)
        assert len(wecom.received) == 20
        clock.advance(seconds=30)
        await drain(app, rt)
        assert len(wecom.received) == 20  # the minute is not over
        clock.advance(seconds=31)
        await drain(app, rt)
        assert wecom.texts() == [f"第{i}条" for i in range(25)]  # in order, each once


async def test_feishu_is_paced_to_5_a_second(rt, app, clock, county):
    async with RobotServer("feishu", now=clock) as feishu:
        await _queue_many(rt, feishu, 7)
        await drain(app, rt)
        assert len(feishu.received) == 5
        clock.advance(seconds=1.5)
        await drain(app, rt)
        assert len(feishu.received) == 7


async def test_an_outage_is_retried_with_backoff(rt, app, clock, county):
    async with RobotServer("wecom", now=clock) as wecom:
        wecom.status = 502
        await _queue_many(rt, wecom, 1)
        await drain(app, rt)
        [row] = await _rows(rt)
        assert (row.state, row.attempts) == ("pending", 1) and row.not_before > clock()
        wecom.status = 200
        clock.set(row.not_before)
        await drain(app, rt)
        assert len(wecom.received) == 1


def test_signatures_match_the_platforms_documented_examples():
    """DingTalk and Feishu sign as their documentation shows (values computed independently here)."""
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote_plus

    from bot.robots import dingtalk_sign, feishu_sign, signed

    ts = 1700000000000
    expect = quote_plus(base64.b64encode(hmac.new(b"SEC1", f"{ts}\nSEC1".encode(), hashlib.sha256).digest()).decode())
    assert dingtalk_sign("SEC1", ts) == expect
    assert feishu_sign("s", 1700000000) == base64.b64encode(hmac.new(b"1700000000\ns", b"", hashlib.sha256).digest()).decode()
    url, body = signed("dingtalk", "https://x/robot/send?access_token=a", {"m": 1}, "SEC1", datetime.fromtimestamp(ts / 1000))
    assert url.startswith("https://x/robot/send?access_token=a&timestamp=1700000000000&sign=") and body == {"m": 1}
    assert signed("wecom", "u", {"m": 1}, "ignored", datetime.now()) == ("u", {"m": 1})
