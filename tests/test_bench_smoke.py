"""The benchmarks stay runnable: the registry imports every module, and the report is written and merged.

No timings are asserted here; `python -m bench all --quick --no-write` (run by dev.py after the tests)
proves the workloads themselves still run.
"""

from __future__ import annotations

import inspect
from datetime import datetime, timezone

import pytest

from bench import common, report, runner
from bench.common import Figure


@pytest.mark.parametrize("name", runner.BENCHES)
def test_every_registered_bench_has_a_name_and_a_run_function(name):
    mod = runner.module(name)
    assert mod.NAME == name
    params = list(inspect.signature(mod.run).parameters)
    assert params == ["quick"]


def test_the_registry_names_the_six_benchmarks_of_the_issue():
    assert set(runner.BENCHES) == {"update", "digest", "broadcast", "dates", "start", "roster"}


def test_a_figure_line_shows_min_median_max_runs_and_the_verdict():
    fig = Figure("x", "per update", "ms", (3.0, 1.0, 2.0), "<= 4 ms", True)
    line = common.line(fig)
    assert "min 1.00 / median 2.00 / max 3.00 ms (3 runs)" in line
    assert line.endswith("goal <= 4 ms: met")
    missed = common.line(Figure("x", "ratio", "x", (5.0,), "<= 4x", False))
    assert "NOT met" in missed


def test_a_skipped_figure_says_why_instead_of_numbers():
    fig = common.skipped("update", "ratio, PostgreSQL", "x", common.PG_SKIPPED, "<= 4x")
    assert fig.runs == 0 and fig.met is None
    assert "not measured" in common.line(fig) and "BENCH_DATABASE_URL" in common.line(fig)


def test_pg_url_prefers_bench_database_url_and_falls_back_to_the_test_one(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    assert common.pg_url() is None
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql://u:p@h/test")
    assert common.pg_url() == "postgresql+asyncpg://u:p@h/test"
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://u:p@h/bench")
    assert common.pg_url() == "postgresql+asyncpg://u:p@h/bench"


def test_the_report_writes_a_section_per_bench_and_keeps_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "environment", lambda: [("machine", "test box")])
    doc = tmp_path / "benchmarks.md"
    started = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
    update = runner.Outcome("update", [Figure("update", "ratio, SQLite", "x", (5.0, 6.0, 7.0), "<= 4x", False,
                                              limits="the inbox's three transactions")], 12.0)
    dates = runner.Outcome("dates", [Figure("dates", "median", "ms", (0.02,), "<= 1 ms", True)], 3.0)
    report.write([update, dates], False, started, doc)
    text = doc.read_text(encoding="utf-8")
    assert "| machine | test box |" in text
    assert "| ratio, SQLite | 5.00 | 6.00 | 7.00 | x | 3 | <= 4x | NOT met |" in text
    assert "the inbox's three transactions" in text
    report.write([runner.Outcome("dates", [Figure("dates", "median", "ms", (0.03,), "<= 1 ms", True)], 2.0)],
                 True, started, doc)
    text = doc.read_text(encoding="utf-8")
    assert "| ratio, SQLite | 5.00 | 6.00 | 7.00 |" in text  # the update section was kept
    assert "| median | 0.0300 |" in text and "| median | 0.0200 |" not in text  # the dates section was replaced
    assert text.index("<!-- bench:update -->") < text.index("<!-- bench:dates -->")
    assert "| update | ratio, SQLite | 6.00 x | <= 4x | NOT met |" in text  # the summary reads every section


def test_a_broken_bench_is_reported_not_raised(monkeypatch, capsys):
    class Broken:
        NAME = "update"

        @staticmethod
        def run(quick: bool) -> list[Figure]:
            raise RuntimeError("no database")

    monkeypatch.setattr(runner, "module", lambda name: Broken)
    outcome = runner.run_one("update", True)
    assert outcome.error == "RuntimeError: no database" and outcome.figures == []
    assert "no database" in capsys.readouterr().err
