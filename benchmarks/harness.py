"""A small harness: time a callable a few times, print figures (median and spread) and ratios against a limit.

Run benchmarks on purpose (`python -m benchmarks.bench_classification`), never from the test suite. The machine is
shared: `machine()` says how busy it was (load average) and figures are medians of several runs.
"""

from __future__ import annotations

import gc
import os
import platform
import sqlite3
import statistics
import time
from typing import Callable


def timings(fn: Callable[[], object], repeat: int = 7) -> list[float]:
    """Wall-clock seconds of each of `repeat` runs (the collector emptied before each)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall-clock seconds of `repeat` runs (the least disturbed by the rest of the machine)."""
    return min(timings(fn, repeat))


def median_of(fn: Callable[[], object], repeat: int = 7) -> float:
    return statistics.median(timings(fn, repeat))


def spread(times: list[float], scale: float = 1000) -> str:
    """'median (min–max, n runs)' of a list of seconds, in ms by default."""
    return (f"{statistics.median(times) * scale:,.1f} ({min(times) * scale:,.1f}–{max(times) * scale:,.1f}, "
            f"{len(times)} runs)")


def load() -> str:
    """The load average (1, 5, 15 minutes): how many runnable jobs shared the cores."""
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    return (f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores, "
            f"{platform.machine()}; {load()}")


def report(label: str, value: float, unit: str, limit: float | None = None, higher_is_better: bool = False) -> str:
    line = f"{label:<58} {value:>12,.1f} {unit}"
    if limit is not None:
        ratio = value / limit
        ok = ratio >= 1 if higher_is_better else ratio <= 1
        line += f"   limit {limit:,.1f} {unit}  ratio {ratio:.2f}  {'OK' if ok else 'MISSED'}"
    print(line, flush=True)
    return line
