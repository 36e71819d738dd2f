"""Meetings in exports and the demo county: the `meetings` table with answers, check-ins and minutes."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.cli import main
from services import exports, meeting_attendance, meeting_minutes
from storage.models import Meeting
from tests.conftest import TZ
from tests.storage.test_reminder_sweep import START, _actor, county, schedule  # noqa: F401 (fixture)
from tests.support.factories import COORDINATOR, LEADER


async def test_the_meetings_table_has_answers_check_ins_and_minutes(county, clock):
    rt = county
    mid = await schedule(rt)
    async with rt.db.begin() as s:
        await meeting_attendance.answer_invitation(s, await _actor(s, LEADER), mid, 1, "yes", now=rt.clock())
    clock.set(START - timedelta(minutes=10))
    async with rt.db.begin() as s:
        await meeting_attendance.check_in(s, await _actor(s, LEADER), mid, now=rt.clock(), tz=TZ)
    clock.set(START + timedelta(hours=3))
    async with rt.db.begin() as s:
        coord = await _actor(s, COORDINATOR)
        await meeting_minutes.open_minutes(s, coord, mid, now=rt.clock())
        await meeting_minutes.add_minutes_text(s, coord, "议定事项三项", now=rt.clock())
    async with rt.db.begin() as s:
        table = await exports.export_table(s, "meetings", date(2026, 12, 1), date(2026, 12, 31), tz=TZ)
        empty = await exports.export_table(s, "meetings", date(2026, 12, 3), date(2026, 12, 31), tz=TZ)
    [row] = table.rows
    got = dict(zip(table.headers, row))
    assert (got["日期"], got["时间"], got["机构"], got["状态"]) == ("2026-12-02", "15:00", "领导小组", "已召开")
    assert (got["邀请人数"], got["参加"], got["未回复"], got["签到人数"], got["会议纪要"]) == (2, 1, 1, 1, "议定事项三项")
    assert empty.rows == ()


def test_cli_exports_the_demo_countys_meetings_to_csv(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "TELEGRAM_API_URL", "BOT_CLOCK_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["demo"]) == 0
    assert main(["export", "meetings", "--from", "2000-01-01", "--to", "2100-12-31", "--out", "m.csv"]) == 0
    assert "meetings to m.csv" in capsys.readouterr().out
    rows = list(csv.reader(io.StringIO((tmp_path / "m.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0][:7] == ["编号", "日期", "时间", "单位编码", "单位", "机构", "会议名称"]
    states = {r[10] for r in rows[1:]}
    assert len(rows) > 5 and "已召开" in states


async def test_demo_meetings_count_towards_minimums(rt):
    from services import demo

    async with rt.db.begin() as s:
        assert await demo.load_demo(s, now=rt.clock(), tz=TZ)
        held = await s.scalar(select(func.count()).select_from(Meeting).where(Meeting.state == "held"))
        coming = await s.scalar(select(func.count()).select_from(Meeting).where(Meeting.starts_at > rt.clock()))
    assert held > 0 and coming > 0
