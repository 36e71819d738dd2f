"""docs/benchmarks.md: machine, versions, date, and one section per benchmark with its figures.

Each section carries its figures as JSON in an HTML comment, so running one benchmark rewrites
its own section and keeps the others (each section says when and how it was measured).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import sqlite3
from dataclasses import asdict
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from bench.common import Figure, fmt, pg_url, verdict
from bench.runner import BENCHES, Outcome, module

_SECTION = re.compile(r"<!-- bench:(\w+) -->\n(.*?)<!-- /bench:\1 -->\n", re.S)
_DATA = re.compile(r"<!-- figures:(\w+) (.*?) -->", re.S)


def _cpu() -> str:
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> str:
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        return f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration, ValueError):
        return "?"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


async def _pg_version(url: str) -> str:
    from sqlalchemy import text

    from storage.db import Database

    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return str(await conn.scalar(text("SHOW server_version")))
    finally:
        await db.dispose()


def environment() -> list[tuple[str, str]]:
    """(label, value) rows describing the machine and the software measured."""
    url = pg_url()
    try:
        pg = asyncio.run(_pg_version(url)) if url else "not configured"
    except Exception as exc:  # noqa: BLE001 - the header must not break the report
        pg = f"unreachable ({type(exc).__name__})"
    return [
        ("machine", f"{_cpu()}, {os.cpu_count()} logical CPUs, {_memory_gb()} RAM"),
        ("system", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("python-telegram-bot", _version("python-telegram-bot")),
        ("SQLAlchemy", _version("SQLAlchemy")),
        ("SQLite (library)", sqlite3.sqlite_version),
        ("aiosqlite / asyncpg", f"{_version('aiosqlite')} / {_version('asyncpg')}"),
        ("PostgreSQL server", pg),
        ("openpyxl", _version("openpyxl")),
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _title(name: str) -> tuple[str, str]:
    mod = module(name)
    doc = (mod.__doc__ or name).strip()
    return getattr(mod, "TITLE", doc.splitlines()[0]), getattr(mod, "ABOUT", "")


def _table(figures: list[Figure]) -> list[str]:
    out = ["| figure | min | median | max | unit | runs | goal | met |", "|---|---:|---:|---:|---|---:|---|---|"]
    for f in figures:
        out.append(f"| {_cell(f.name)} | {fmt(f.min)} | {fmt(f.median)} | {fmt(f.max)} | {f.unit} | {f.runs} | "
                   f"{_cell(f.goal)} | {verdict(f)} |")
    return out


def section(outcome: Outcome, quick: bool, when: str) -> str:
    """The markdown of one benchmark's section, with its figures embedded for later merges."""
    title, about = _title(outcome.name)
    mode = "`--quick` (a tenth of the size)" if quick else "full size"
    lines = [f"## {title}", "", f"Measured {when}, {mode}, in {outcome.seconds:.0f} s "
             f"(`python -m bench {outcome.name}{' --quick' if quick else ''}`).", ""]
    if about:
        lines += [about, ""]
    if outcome.error:
        lines += [f"**The benchmark failed:** `{outcome.error}`", ""]
    if outcome.figures:
        lines += _table(outcome.figures) + [""]
    lines += _grouped("Notes:", [(f.name, f.note) for f in outcome.figures if f.note])
    missed = [f for f in outcome.figures if f.met is False]
    if missed:
        lines += _grouped("Goals not met — what limits them and what was tried:",
                          [(f.name, f.limits or "no analysis recorded") for f in missed])
        analysis = getattr(module(outcome.name), "ANALYSIS", "")
        if analysis:
            lines += [analysis, ""]
    keep = ("bench", "name", "unit", "samples", "goal", "met")
    data = json.dumps([{k: v for k, v in asdict(f).items() if k in keep} for f in outcome.figures],
                      ensure_ascii=False).replace("--", "-\\u002d")
    lines.append(f"<!-- figures:{outcome.name} {data} -->")
    return "\n".join(lines) + "\n"


def _grouped(title: str, items: list[tuple[str, str]]) -> list[str]:
    """Bullets of (figure, text), one bullet per distinct text naming every figure it belongs to."""
    if not items:
        return []
    by_text: dict[str, list[str]] = {}
    for name, text in items:
        by_text.setdefault(text, []).append(name)
    bullets = [f"- *{'*, *'.join(names)}*: {text}" for text, names in by_text.items()]
    return [title, "", *bullets, ""]


def _old_sections(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _SECTION.finditer(text)}


def _figures_of(body: str) -> list[Figure]:
    m = _DATA.search(body)
    if not m:
        return []
    return [Figure(**{**d, "samples": tuple(d["samples"])}) for d in json.loads(m.group(2))]


def _summary(sections: dict[str, str]) -> list[str]:
    rows = ["| benchmark | figure | median | goal | met |", "|---|---|---:|---|---|"]
    for name in BENCHES:
        for f in _figures_of(sections.get(name, "")):
            if f.goal:
                rows.append(f"| {name} | {_cell(f.name)} | {fmt(f.median)} {f.unit} | {_cell(f.goal)} | {verdict(f)} |")
    return rows


def write(outcomes: list[Outcome], quick: bool, started: datetime, path: Path) -> None:
    """Rewrite `path`: this run's sections replace their old ones; other sections are kept."""
    when = started.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = _old_sections(path.read_text(encoding="utf-8")) if path.exists() else {}
    for outcome in outcomes:
        sections[outcome.name] = section(outcome, quick, when)
    ran = ", ".join(o.name for o in outcomes)
    lines = [
        "# Benchmarks", "",
        "<!-- Written by `python -m bench`; change the bench modules (bench/), not this file. -->", "",
        "Whole workloads, several runs each (min / median / max), with every baseline measured in the same run "
        "on the same machine, so a noisy machine shows up as spread rather than as a wrong ratio. Run them with "
        "`python -m bench all` (or one of: " + ", ".join(BENCHES) + "); add `--quick` for a tenth of the size, "
        "`--no-write` to leave this file alone. The PostgreSQL variants use `BENCH_DATABASE_URL` (or "
        "`TEST_DATABASE_URL`); that database is emptied.", "",
        f"Last written {when} by a run of: {ran}.", "",
        "| | |", "|---|---|", *[f"| {k} | {_cell(v)} |" for k, v in environment()], "",
        "## Goals at a glance", "", *_summary(sections), "",
    ]
    body = "\n".join(lines) + "\n"
    for name in BENCHES:
        if name in sections:
            body += f"<!-- bench:{name} -->\n{sections[name]}<!-- /bench:{name} -->\n\n"
    path.write_text(body.rstrip("\n") + "\n", encoding="utf-8")
