"""`digest preview`, `digest send [--week] [--force]` and `export all` on the command line, in-process."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from bot.cli import main
from storage.db import Database
from storage.models import DigestBinding


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    clock = tmp_path / "clock.txt"
    clock.write_text("2026-11-25T10:00:00+08:00")
    monkeypatch.setenv("BOT_CLOCK_FILE", str(clock))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "files"))
    assert main(["demo"]) == 0
    return tmp_path


def _bind(path) -> None:  # noqa: ANN001
    async def go() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        async with db.begin() as s:
            s.add(DigestBinding(unit_id=1, channel="telegram", chat_id=-42, active=True,
                                created_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
        await db.dispose()

    asyncio.run(go())


def _runs(path) -> list[tuple]:  # noqa: ANN001
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT week, attempt FROM digest_runs ORDER BY id").fetchall()


def test_preview_prints_the_last_complete_week_as_plain_text(env, capsys):
    assert main(["digest", "preview"]) == 0
    out = capsys.readouterr().out
    assert "德清县社区教育周报" in out and "2026年第47周（11月16日—11月22日）" in out and "<b>" not in out
    assert main(["digest", "preview", "--week", "2026-W01"]) == 0
    assert "2025年12月29日—2026年1月4日" in capsys.readouterr().out
    assert main(["digest", "preview", "--week", "2026-W99"]) == 2
    assert "not an ISO week" in capsys.readouterr().err


def test_send_queues_once_and_again_only_with_force(env, capsys):
    db = env / "cli.db"
    assert main(["digest", "send"]) == 1
    assert "/setchat digest" in capsys.readouterr().out
    _bind(db)
    assert main(["digest", "send", "--week", "2026-W46"]) == 0
    out = capsys.readouterr().out
    assert "2026-W46: queued 2 message(s) for binding 1 (telegram), attempt 1" in out and "BOT_TOKEN is not set" in out
    assert main(["digest", "send", "--week", "2026-W46"]) == 0
    assert "already sent" in capsys.readouterr().out
    assert main(["digest", "send", "--week", "2026-W46", "--force"]) == 0
    assert "attempt 2" in capsys.readouterr().out
    assert _runs(db) == [("2026-W46", 1), ("2026-W46", 2)]


def test_export_all_writes_the_summary_by_town_and_every_table(env, capsys):
    out = env / "year.xlsx"
    assert main(["export", "all", "--from", "2026-01-01", "--to", "2026-11-25", "--out", str(out)]) == 0
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    assert wb.sheetnames[:2] == ["按镇街汇总", "活动"]
    summary = list(wb["按镇街汇总"].iter_rows(values_only=True))
    towns = {r[0]: r for r in summary[1:]}
    assert {"武康街道", "乾元镇", "新市镇", "禹越镇", "合计"} <= set(towns)
    with sqlite3.connect(env / "cli.db") as conn:
        n, people = conn.execute("SELECT count(*), sum(participants) FROM activities WHERE deleted_at IS NULL").fetchone()
    assert towns["合计"][2:4] == (n, people)
    assert wb["活动"].max_row == n + 1
    assert main(["export", "all", "--from", "2026-01-01", "--to", "2026-11-25", "--out", str(env / "x.csv")]) == 2
