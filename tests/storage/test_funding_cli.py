"""`export funding` and `export funding_events` on the command line, on the demo county (whose requests are made
through the real state machine)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from bot.cli import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "TELEGRAM_API_URL", "BOT_CLOCK_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["demo"]) == 0
    return tmp_path


def _csv(path) -> list[dict]:  # noqa: ANN001
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it cleanly
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_export_funding_writes_every_request_with_its_money_and_state(env, capsys):
    assert main(["export", "funding", "--from", "2000-01-01", "--to", "2100-12-31", "--out", "f.csv"]) == 0
    assert "wrote 6 funding" in capsys.readouterr().out
    rows = {r["项目"]: r for r in _csv(env / "f.csv")}
    assert len(rows) == 6
    settled = rows["非遗剪纸体验课"]
    assert (settled["状态"], settled["申请金额(元)"], settled["批准金额(元)"], settled["实际支出(元)"], settled["结余退回(元)"]) == (
        "已结算", "1200.00", "1200.00", "1080.50", "119.50")
    assert (rows["电商直播技能培训"]["状态"], rows["电商直播技能培训"]["批准金额(元)"]) == ("已拨付", "6000.00")
    assert {r["状态"] for r in rows.values()} == {"已结算", "已拨付", "已驳回", "镇街已推荐", "已退回", "待审核"}


def test_export_funding_events_gives_the_history_and_xlsx_opens(env, capsys):
    assert main(["export", "funding_events", "--from", "2000-01-01", "--to", "2100-12-31", "--out", "e.xlsx"]) == 0
    wb = load_workbook(env / "e.xlsx")
    rows = [list(r) for r in wb["经费审批记录"].iter_rows(values_only=True)]
    assert rows[0][:4] == ["申请编号", "项目", "单位", "时间"]
    assert len(rows) == 1 + 16
    returned = next(r for r in rows if r[6] == "已退回")
    assert (returned[5], returned[8]) == ("待审核", "请补充授课计划和预算明细")


def test_export_funding_for_a_span_without_requests_writes_only_headers(env):
    assert main(["export", "funding", "--from", "2001-01-01", "--to", "2001-12-31", "--out", "none.csv"]) == 0
    assert _csv(env / "none.csv") == []
