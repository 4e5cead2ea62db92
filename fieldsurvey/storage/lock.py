"""One writer: a workspace open for writing holds an exclusive lock on `.<name>.lock` beside it, so a second
FieldSurvey process (another window, a command) opens it read-only. Connections of this same process (the app's
worker jobs) share the lock. POSIX: flock; Windows: a lock on the lock file's first byte."""

from __future__ import annotations

import os
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on POSIX
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt  # Windows: the writer lock is a byte-range lock on the lock file
except ImportError:
    msvcrt = None  # type: ignore[assignment]

_LOCKS: dict[str, list[int]] = {}
_LOCKS_GUARD = threading.Lock()


def lock_path(path: Path) -> Path:
    real = Path(os.path.realpath(path))
    return real.with_name(f".{real.name}.lock")


def take_writer_lock(path: Path) -> bool:
    """Take (or share, within this process) the writer lock of a workspace; False if another process holds it."""
    if fcntl is None and msvcrt is None:
        return True  # no way to lock a file here: go on without
    key = os.path.realpath(path)
    with _LOCKS_GUARD:
        if key in _LOCKS:
            _LOCKS[key][1] += 1
            return True
        try:
            fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return True  # no lock file can be made here: go on without
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            return False
        _LOCKS[key] = [fd, 1]
        return True


def _lock(fd: int) -> None:
    """Take the lock file's lock without waiting (OSError when another process holds it): flock on POSIX; on
    Windows a lock on its first byte."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _unlock_and_close(fd: int) -> None:
    if fcntl is None and msvcrt is not None:  # Windows asks for the byte to be unlocked before closing
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
    os.close(fd)  # on POSIX closing the descriptor lets the flock go


def release_writer_lock(path: Path) -> None:
    key = os.path.realpath(path)
    with _LOCKS_GUARD:
        held = _LOCKS.get(key)
        if held is None:
            return
        held[1] -= 1
        if held[1] <= 0:
            del _LOCKS[key]
            _unlock_and_close(held[0])
