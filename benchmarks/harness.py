"""A small harness: time a callable a few times, keep the best, print figures and ratios against a limit.

Run benchmarks on purpose (`python -m benchmarks.bench_classification`), never from the test suite.
"""

from __future__ import annotations

import gc
import platform
import sqlite3
import time
from typing import Callable


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall-clock seconds of `repeat` runs (the least disturbed by the rest of the machine)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def machine() -> str:
    import os

    return (f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores, "
            f"{platform.machine()}")


def report(label: str, value: float, unit: str, limit: float | None = None, higher_is_better: bool = False) -> str:
    line = f"{label:<58} {value:>12,.1f} {unit}"
    if limit is not None:
        ratio = value / limit
        ok = ratio >= 1 if higher_is_better else ratio <= 1
        line += f"   limit {limit:,.1f} {unit}  ratio {ratio:.2f}  {'OK' if ok else 'MISSED'}"
    print(line, flush=True)
    return line
