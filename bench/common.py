"""Shared shapes and helpers for the benchmarks."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Figure:
    """One measured figure: several samples of the same workload, plus how it compares to a goal."""

    bench: str  # module name, e.g. "dates"
    name: str  # what was measured, e.g. "parse_when median per expression"
    unit: str  # "ms", "s", "MB", "x" (ratio) ...
    samples: tuple[float, ...]
    goal: str = ""  # human text, e.g. "<= 1 ms"
    met: bool | None = None  # None when there is no goal
    note: str = ""

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Run fn `repeat` times and return the wall time of each run in seconds."""
    out: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]
