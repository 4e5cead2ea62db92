"""A guard against PySide6 bugs that would otherwise end the app with "Fatal Python error: none_dealloc" (or
bool_dealloc).

PySide6 6.12 on Python 3.11 drops a reference to a Python singleton in two common places: to None each time an
empty QVariant comes back to Python (a model index's data() for a role with no value, a combo box item without
data, …), and to True (or False) on every `signal.emit(...)` made from Python (its return value is handed back
without a reference). On Python 3.11 these are ordinary objects: once their count reaches zero the interpreter
aborts — after a few hundred answers in the questionnaire. Python 3.12 made them immortal, so there the guard does
nothing. The code avoids such calls where it can (see widgets.combo_data); this guard gives back whatever is lost
anyway: it adds a reserve of references to each singleton (never released, not even at exit) and tops it up from a
timer.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, QTimer

RESERVE = 1_000_000           # far more than can be lost between two top-ups
INTERVAL_MS = 1000
SINGLETONS = (None, True, False)

_baseline: dict[int, int] = {}
_timer: QTimer | None = None


def _add_references(obj: object, n: int) -> None:
    ctypes.c_ssize_t.from_address(id(obj)).value += n  # CPython: ob_refcnt is the object's first field


def top_up() -> int:
    """Give the singletons back the references lost since the last call; returns how many."""
    given = 0
    for obj in SINGLETONS:
        missing = _baseline.get(id(obj), 0) - sys.getrefcount(obj)
        if missing > 0:
            _add_references(obj, missing)
            given += missing
    return given


def guard(parent: QObject) -> None:
    """Start the guard (once per process)."""
    global _timer
    if sys.version_info >= (3, 12) or _timer is not None:
        return
    for obj in SINGLETONS:
        _add_references(obj, RESERVE)
        _baseline[id(obj)] = sys.getrefcount(obj)
    _timer = QTimer(parent)
    _timer.setInterval(INTERVAL_MS)
    _timer.timeout.connect(top_up)
    _timer.start()


def baseline(obj: object) -> int:
    return _baseline.get(id(obj), 0)
