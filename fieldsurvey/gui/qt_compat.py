"""A guard against a PySide6 bug that would otherwise end the app with "Fatal Python error: none_dealloc".

PySide6 6.12 on Python 3.11 drops one reference to None each time an empty QVariant comes back to Python (a model
index's data() for a role with no value, a combo box item without data, …). On Python 3.11 None is an ordinary
object: after enough such calls its count reaches zero and the interpreter aborts. (Python 3.12 made None immortal,
so there the guard does nothing.) The code avoids such calls where it can (see widgets.combo_data); this guard gives
back whatever was lost anyway: it adds a reserve of references to None (never released, not even at exit) and tops
it up from a timer.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, QTimer

RESERVE = 1_000_000           # far more than can be lost between two top-ups
INTERVAL_MS = 1000

_baseline = 0
_timer: QTimer | None = None


def _add_references(n: int) -> None:
    ctypes.c_ssize_t.from_address(id(None)).value += n  # CPython: ob_refcnt is the object's first field


def top_up() -> int:
    """Give None back the references lost since the last call; returns how many."""
    missing = _baseline - sys.getrefcount(None)
    if missing > 0:
        _add_references(missing)
    return max(missing, 0)


def guard_none(parent: QObject) -> None:
    """Start the guard (once per process)."""
    global _baseline, _timer
    if sys.version_info >= (3, 12) or _timer is not None:
        return
    _add_references(RESERVE)
    _baseline = sys.getrefcount(None)
    _timer = QTimer(parent)
    _timer.setInterval(INTERVAL_MS)
    _timer.timeout.connect(top_up)
    _timer.start()
