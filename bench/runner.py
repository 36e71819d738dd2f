"""The benchmark registry, the loop that runs them, and docs/benchmarks.md written from their figures."""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from dataclasses import dataclass
from types import ModuleType

from bench.common import ROOT, Figure, line

# Order matters only for reading: the cheap, CPU-bound ones first would not change the figures.
BENCHES = ("update", "digest", "broadcast", "dates", "start", "roster")
DOC = ROOT / "docs" / "benchmarks.md"


def module(name: str) -> ModuleType:
    """The bench module for `name` (each has NAME and `run(quick) -> list[Figure]`)."""
    mod = importlib.import_module(f"bench.bench_{name}")
    if getattr(mod, "NAME", None) != name or not callable(getattr(mod, "run", None)):
        raise RuntimeError(f"bench.bench_{name} lacks NAME = {name!r} or run(quick)")
    return mod


@dataclass
class Outcome:
    """What one benchmark produced: its figures, or the error that broke it."""

    name: str
    figures: list[Figure]
    seconds: float
    error: str | None = None


def run_one(name: str, quick: bool) -> Outcome:
    """Run one benchmark, printing one line per figure; an exception is reported, not raised."""
    t0 = time.perf_counter()
    try:
        figures = list(module(name).run(quick))
    except Exception:  # a broken benchmark must not hide the others' figures
        error = traceback.format_exc()
        print(error, file=sys.stderr, flush=True)
        return Outcome(name, [], time.perf_counter() - t0, error.strip().splitlines()[-1])
    for figure in figures:
        print(line(figure), flush=True)
    return Outcome(name, figures, time.perf_counter() - t0)


def run_all(names: list[str], quick: bool) -> list[Outcome]:
    outcomes = []
    for name in names:
        print(f"--- {name}{' (quick)' if quick else ''}", file=sys.stderr, flush=True)
        outcomes.append(run_one(name, quick))
        print(f"--- {name} took {outcomes[-1].seconds:.1f} s", file=sys.stderr, flush=True)
    return outcomes
