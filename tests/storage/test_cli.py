"""The operator's command line, run in-process: roster import/export, export, demo, db upgrade/backup, help."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from tests.support.factories import DATA

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "TELEGRAM_API_URL", "BOT_CLOCK_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")  # plain sqlite:// is mapped to aiosqlite
    return tmp_path


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_roster_import_prints_the_diff_and_writes_only_with_apply(env, capsys):
    roster = str(DATA / "roster.csv")
    assert main(["roster", "import", roster]) == 0
    out = capsys.readouterr().out
    assert "added: 16, changed: 0, deactivated: 0" in out and "not applied" in out
    assert _count(env / "cli.db", "people") == 0
    assert main(["roster", "import", roster, "--apply"]) == 0
    assert _count(env / "cli.db", "people") == 8
    assert main(["roster", "import", roster]) == 0
    assert "no changes" in capsys.readouterr().out


def test_roster_import_with_invalid_rows_exits_1_and_writes_nothing(env, capsys):
    bad = env / "bad.csv"
    bad.write_bytes((DATA / "roster.csv").read_bytes() + "T9,新村,村居,T1,abc,张三,123,校长,\n".encode())
    assert main(["roster", "import", str(bad), "--apply"]) == 1
    err = capsys.readouterr().err
    assert "row 12:" in err and "invalid row" in err
    assert not (env / "cli.db").exists() or _count(env / "cli.db", "people") == 0


def test_roster_import_of_a_file_that_is_not_a_roster(env, capsys):
    junk = env / "photo.csv"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert main(["roster", "import", str(junk)]) == 1
    assert "not a roster" in capsys.readouterr().err


def test_roster_export_round_trips(env, capsys):
    main(["roster", "import", str(DATA / "roster.csv"), "--apply"])
    for name in ("out.csv", "out.xlsx"):
        assert main(["roster", "export", str(env / name)]) == 0
        assert main(["roster", "import", str(env / name)]) == 0
        assert "no changes" in capsys.readouterr().out
    assert (env / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_demo_then_export_activities_to_csv_and_xlsx(env, capsys):
    assert main(["demo"]) == 0
    assert main(["demo"]) == 0  # the second time changes nothing
    assert "already there" in capsys.readouterr().out
    assert main(["export", "activities", "--from", "2020-01-01", "--to", "2030-12-31", "--out", str(env / "a.csv")]) == 0
    rows = list(csv.reader(io.StringIO((env / "a.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "日期", "时间"] and len(rows) - 1 == _count(env / "cli.db", "activities")
    assert main(["export", "activities", "--from", "2020-01-01", "--to", "2030-12-31", "--out", str(env / "a.xlsx")]) == 0
    sheet = load_workbook(env / "a.xlsx").worksheets[0]
    assert sheet.max_row == len(rows)


@pytest.mark.parametrize("args, message", [
    (["export", "activities", "--from", "2026-13-01", "--to", "2026-12-31", "--out", "x.csv"], "not a date"),
    (["export", "activities", "--from", "2026-12-01", "--to", "2026-11-01", "--out", "x.csv"], "before"),
    (["export", "activities", "--from", "2026-11-01", "--to", "2026-12-01", "--out", "x.pdf"], ".xlsx or .csv"),
])
def test_export_refuses_bad_arguments(env, capsys, args, message):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_db_upgrade_and_backup_make_a_consistent_copy(env, capsys):
    assert main(["db", "upgrade"]) == 0
    main(["roster", "import", str(DATA / "roster.csv"), "--apply"])
    assert main(["db", "backup", str(env / "copy.db")]) == 0
    assert _count(env / "copy.db", "people") == 8


def test_help_texts_describe_every_command():
    out = subprocess.run([sys.executable, "-m", "bot", "--help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for command in ("run", "webhook", "scheduler", "console", "demo", "db", "roster", "export"):
        assert command in out
    sub = subprocess.run([sys.executable, "-m", "bot", "roster", "import", "--help"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert "--apply" in sub and "invalid row" in sub
