"""One writer: a workspace open for writing holds an exclusive lock on `.<name>.lock` beside it, so a second
FieldSurvey process (another window, a command) opens it read-only. Connections of this same process (the app's
worker jobs) share the lock. POSIX: flock; Windows: a lock on the lock file's first byte.

The lock file also says whether the workspace was closed cleanly: the process that takes the lock writes `open`
into it (synced) and the last of its connections to let go writes `closed` — or `check` when the file must be
checked whole at its next opening (it was found damaged, or a restore just replaced it). A lock taken over a file
that says `open` (its writer was killed, or the machine stopped, with the file open), `check`, or nothing (a
workspace copied here, or last closed by a FieldSurvey before this one) tells the opener to check the whole file
before it writes (`previous_state`).

After the state, the holder writes who it is — one line of JSON: the process id, the login user, the computer, what
it is doing (`working_as`: the app's window, or the command) and since when — so a second FieldSurvey that finds the
file taken says who has it (`holder`) instead of failing on a read-only file. docs/storage.md."""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on POSIX
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt  # Windows: the writer lock is a byte-range lock on the lock file
except ImportError:
    msvcrt = None  # type: ignore[assignment]

OPEN, CLOSED, CHECK, LOST = b"open\n", b"closed\n", b"check\n", b"lost\n"
_STATES = {OPEN: "open", CLOSED: "closed", CHECK: "check", LOST: "lost"}

# real path -> [lock file descriptor, holders in this process, the state found ("open", "closed", "check", "lost",
# "unknown"), what to write at the end instead of "closed" (None, CHECK or LOST), who holds it (the line written)]
_LOCKS: dict[str, list] = {}
_LOCKS_GUARD = threading.Lock()
_DOING: dict[str, str] = {"what": "program"}   # what this process is doing, written into the locks it takes


def working_as(what: str, command: str = "") -> None:
    """Say what this process is, for the lock files it takes from now on: "app" (the window), "command" (with the
    command's name, e.g. "import") or "program" (anything else, the default)."""
    _DOING.clear()
    _DOING.update({"what": what, **({"command": command} if command else {})})


def _whoami() -> bytes:
    try:
        user = getpass.getuser()
    except Exception:   # no login name known (a service account without one): the process id still says
        user = "?"
    me = {"pid": os.getpid(), "user": user, "host": socket.gethostname(), **_DOING,
          "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    return json.dumps(me, ensure_ascii=False).encode("utf-8") + b"\n"


def holder(path: Path) -> dict | None:
    """Who holds a workspace's writer lock, as its lock file says (pid, user, host, what, command, since), or None
    when nothing is said (a lock taken by an older FieldSurvey, or a lock file that cannot be read: on Windows the
    holder's locked first byte keeps others from reading it)."""
    try:
        with open(lock_path(path), "rb") as f:
            text = f.read(4096)
    except OSError:
        return None
    _state, _, rest = text.partition(b"\n")
    if not rest.strip():   # `closed`, or a lock written by an older FieldSurvey
        return None
    try:
        found = json.loads(rest.splitlines()[0].decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return found if isinstance(found, dict) and "pid" in found else None


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
        try:
            found = _STATES.get(_read_state(fd), "unknown")
            who = _whoami()
            _write_state(fd, OPEN, sync=True, who=who)
        except OSError:
            found, who = "unknown", b""
        _LOCKS[key] = [fd, 1, found, None, who]
        return True


def _read_state(fd: int) -> bytes:
    """The state line (`open\\n`…), without the holder's line after it."""
    os.lseek(fd, 0, os.SEEK_SET)
    state, newline, _ = os.read(fd, 64).partition(b"\n")
    return state + newline


def _write_state(fd: int, state: bytes, sync: bool = False, who: bytes = b"") -> None:
    """Write `open` or `closed` into the lock file (from its first byte, which the Windows lock covers: the holder
    may write it), and after `open` who holds it."""
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, state + who)
    os.ftruncate(fd, len(state) + len(who))
    if sync:
        os.fsync(fd)
    os.lseek(fd, 0, os.SEEK_SET)


def holders(path: Path) -> int:
    """How many connections of this process hold the workspace's writer lock (0: none, or no lock could be made)."""
    with _LOCKS_GUARD:
        held = _LOCKS.get(os.path.realpath(path))
        return held[1] if held else 0


def previous_state(path: Path) -> str | None:
    """For a lock this process holds: what the lock file said when this process took it — "closed" (closed
    cleanly), "open" (left open: its writer died, or the machine stopped), "check" (to be checked whole), "lost"
    (left open, and its journal deleted since: found so once, it stays so until a restore), "unknown" (nothing: a
    workspace copied here, or last closed by an older FieldSurvey). None when no lock is held (or none can be made
    here): nothing is known."""
    with _LOCKS_GUARD:
        held = _LOCKS.get(os.path.realpath(path))
        return None if held is None else held[2]


def to_be_checked(path: Path) -> None:
    """For a lock this process holds: write `check` now (synced) and at the end — work that replaces the file
    (a restore) is under way: killed at any point, the next opener checks the file whole, and nothing is inferred
    from its journal being there or not."""
    with _LOCKS_GUARD:
        held = _LOCKS.get(os.path.realpath(path))
        if held is None:
            return
        held[3] = LOST if held[3] == LOST else CHECK
        try:
            _write_state(held[0], held[3], sync=True, who=held[4])
        except OSError:
            pass


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


def release_writer_lock(path: Path, clean: bool = True, lost: bool = False) -> None:
    """Let go of one hold. The last one writes `closed` into the lock file — or `check` if any hold let go with
    `clean` False (the file was found damaged, or a restore just replaced it): the next opener checks it whole;
    `lost` if one said its journal was lost (`lost`, with `clean` False), until a restore says `check`."""
    key = os.path.realpath(path)
    with _LOCKS_GUARD:
        held = _LOCKS.get(key)
        if held is None:
            return
        held[1] -= 1
        if not clean:   # no hold of this process may say `closed` any more
            held[3] = LOST if lost or held[3] == LOST else CHECK
        if held[1] <= 0:
            del _LOCKS[key]
            try:
                _write_state(held[0], held[3] or CLOSED)
            except OSError:
                pass   # the lock file still says `open`: the next opener checks the whole file, which is safe
            _unlock_and_close(held[0])
