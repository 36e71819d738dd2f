"""The console chat drives the same handlers: demo data on an empty database, numbered buttons, photos."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from bot.transports.console import run_console
from services.demo import DEMO_LIAISON
from storage.models import Activity, Attachment


async def _lines(*lines: str):
    for line in lines:
        yield line


async def test_console_logs_an_activity_with_a_photo_through_numbered_buttons(rt, tmp_path):
    picture = tmp_path / "p.jpg"
    picture.write_bytes(b"\xff\xd8console")
    out = io.StringIO()
    async with rt.db.begin() as s:
        before = await s.scalar(select(func.count()).select_from(Activity))
    code = await run_console(rt, phone=None, out=out, lines=_lines(
        "/log 昨天 农技讲座 30人 2小时 农民实用技术", "1", f"/photo {picture}", "/quit"))
    text = out.getvalue()
    assert code == 0
    assert "loaded the demo county" in text and "马春燕" in text
    assert "[1] ✅ 确认" in text and "已保存为活动" in text and "照片已加入活动" in text
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(Activity)) > before
        latest = await s.scalar(select(Activity).order_by(Activity.id.desc()).limit(1))
        assert latest.title == "农技讲座"
        assert await s.scalar(select(func.count()).select_from(Attachment).where(Attachment.owner_id == latest.id)) == 1


async def test_console_as_an_unknown_number_cannot_log(rt):
    out = io.StringIO()
    await run_console(rt, phone="13000000000", out=out, lines=_lines("/log 昨天 讲座 30人", "/quit"))
    assert "请先绑定账号" in out.getvalue()
    assert DEMO_LIAISON != "13000000000"
