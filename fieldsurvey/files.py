"""Files the app writes that leave the workspace — bundles and public keys onto a stick, backups, printed documents
and workbooks: each is written whole under a hidden temporary name beside its target (`.NAME.partial`), synced,
and only then renamed into place. A failure on the way (a full stick, a write-protected one, an input/output
error, a stick pulled out) removes the temporary file and ends in a `WriteError` naming the file and the folder —
with the space needed and the space free when the disk is full — in the user's language. Nothing is ever left
under the real name half-written, and nothing partial is left beside it.

This module is also the one seam where tests make the faults a test machine cannot make for real: `inject(Fault(…))`
makes the next writes fail with a chosen errno at a chosen step (after so many bytes), or sends their bytes to a
real device such as `/dev/full`. Nothing else in the app writes such files by itself.
"""

from __future__ import annotations

import contextlib
import errno as errnos
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from fieldsurvey.errors import WriteError

CHUNK = 1 << 20             # bytes per write() call
PARTIAL = ".partial"        # the temporary name's ending: `.NAME.partial` beside NAME

# errnos that say the same thing to a user
NO_SPACE = {errnos.ENOSPC, errnos.EDQUOT, errnos.EFBIG}
READ_ONLY = {errnos.EROFS, errnos.EACCES, errnos.EPERM}
GONE = {errnos.ENOENT, errnos.ENOTDIR, errnos.ENODEV, errnos.ENXIO}


@dataclass(frozen=True)
class Fault:
    """A fault the seam makes happen (tests only). `step`: 'open' (creating the temporary file), 'write' (once
    `after` bytes of the file are written: the bytes before it are written for real), 'sync' (fsync), 'rename'.
    `error`: the errno raised. `device`: instead of raising, the bytes go to this device (`/dev/full`: the kernel's
    own ENOSPC). `under`: only for targets inside this folder (None: any)."""
    error: int = errnos.EIO
    step: str = "write"
    after: int = 0
    device: str | None = None
    under: Path | None = None

    def applies(self, target: Path) -> bool:
        if self.under is None:
            return True
        inside = os.path.abspath(target)
        return inside == os.path.abspath(self.under) or inside.startswith(os.path.abspath(self.under) + os.sep)


_FAULTS: list[Fault] = []
_GUARD = threading.Lock()


@contextlib.contextmanager
def inject(*faults: Fault) -> Iterator[None]:
    """Make the writes inside the `with` fail as the faults say (tests only)."""
    with _GUARD:
        _FAULTS.extend(faults)
    try:
        yield
    finally:
        with _GUARD:
            for f in faults:
                _FAULTS.remove(f)


def _fault(target: Path, step: str) -> Fault | None:
    for f in list(_FAULTS):
        if f.step == step and f.applies(target):
            return f
    return None


def _raise(f: Fault, where: Path) -> None:
    raise OSError(f.error, os.strerror(f.error), str(where))


def partial_name(path: Path) -> Path:
    """The temporary name a file is written under before it is renamed into place."""
    path = Path(path)
    return path.with_name(f".{path.name}{PARTIAL}")


# --- writing ------------------------------------------------------------------------------------------------------

def write_bytes(path: Path | str, data: bytes | bytearray | memoryview) -> Path:
    """Write `data` as the file `path` (replacing one already there), through a temporary name, synced, renamed.
    Raises WriteError (nothing left behind) when it cannot."""
    return write_chunks(path, (data,), len(data))


def copy_file(source: Path | str, path: Path | str) -> Path:
    """Copy a finished local file (a backup, a document built in a temporary file) to `path` the same way."""
    source = Path(source)
    size = source.stat().st_size

    def chunks() -> Iterator[bytes]:
        with open(source, "rb") as fh:
            while block := fh.read(CHUNK):
                yield block

    return write_chunks(path, chunks(), size)


def copy_from(fh: BinaryIO, path: Path | str, size: int | None = None) -> Path:
    """Write what a readable binary file holds, from its start, as `path` the same way."""
    fh.seek(0)
    return write_chunks(path, iter(lambda: fh.read(CHUNK), b""), size)


def write_chunks(path: Path | str, chunks: Iterable[bytes], size: int | None = None) -> Path:
    """Write the chunks as the file `path`: `.NAME.partial` beside it, every byte written, fsync, rename into place
    (then the folder synced where the system allows). `size` (the bytes in all, when known) is said in the
    message when the disk is full. On any OSError the temporary file is removed and a WriteError raised: the
    target is then exactly as it was."""
    path = Path(path)
    tmp = partial_name(path)
    written = 0
    try:
        fd = _open(tmp, path)
        try:
            sink = _sink(path)
            try:
                for chunk in chunks:
                    view = memoryview(chunk).cast("B")
                    while view:
                        n = _write(fd if sink is None else sink, view[:CHUNK], written, path)
                        written += n
                        view = view[n:]
            finally:
                if sink is not None:
                    os.close(sink)
            _sync(fd, path)
        finally:
            os.close(fd)
        f = _fault(path, "rename")
        if f is not None:
            _raise(f, path)
        os.replace(tmp, path)
    except OSError as exc:
        discard(tmp)
        raise write_error(path, exc, size if size is not None else None) from None
    sync_folder(path.parent)
    return path


def _open(tmp: Path, target: Path) -> int:
    f = _fault(target, "open")
    if f is not None:
        _raise(f, tmp)
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o644)


def _sink(target: Path) -> int | None:
    """A device the bytes go to instead of the temporary file (a test's `/dev/full`), or None."""
    for f in list(_FAULTS):
        if f.device and f.step == "write" and f.applies(target):
            return os.open(f.device, os.O_WRONLY)
    return None


def _write(fd: int, view: memoryview, written: int, target: Path) -> int:
    f = _fault(target, "write")
    if f is not None and f.device is None and written + len(view) > f.after:
        room = max(0, f.after - written)
        if room:
            return os.write(fd, view[:room])
        _raise(f, target)
    return os.write(fd, view)


def _sync(fd: int, target: Path) -> None:
    f = _fault(target, "sync")
    if f is not None:
        _raise(f, target)
    os.fsync(fd)


def sync_folder(folder: Path) -> None:
    """The rename made durable (POSIX); a folder that cannot be opened or synced (Windows, some sticks) is left."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def discard(path: Path) -> None:
    """Remove a temporary file, if it is there and can be removed."""
    try:
        os.unlink(path)
    except OSError:
        pass


def discard_partials(folder: Path, pattern: str = "*") -> list[Path]:
    """Remove the temporary files (`.NAME.partial`) left in `folder` by a write that was killed; returns them."""
    gone = []
    folder = Path(folder)
    if not folder.is_dir():
        return gone
    for p in folder.glob(f".{pattern}{PARTIAL}"):
        if p.is_file() and not p.is_symlink():
            discard(p)
            if not p.exists():
                gone.append(p)
    return gone


# --- saying what went wrong -----------------------------------------------------------------------------------------

def free_space(folder: Path) -> int | None:
    """The bytes free for this user in `folder` (or its nearest existing parent), or None when unknown."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def write_error(path: Path, exc: OSError, size: int | None = None) -> WriteError:
    """The WriteError for an OSError met while writing `path`: the folder named, the space needed and free when
    the disk is full (as far as known), the system's own words for anything unusual."""
    path = Path(path)
    folder = str(path.parent)
    code = exc.errno
    if code in NO_SPACE:
        free = free_space(path.parent)
        if size is not None and free is not None:
            return WriteError("files.error.no_space", str(path), folder=folder, needed=size, free=free)
        return WriteError("files.error.no_space_unknown", str(path), folder=folder)
    if code in READ_ONLY:
        return WriteError("files.error.read_only", str(path), folder=folder)
    if code in GONE:
        return WriteError("files.error.folder_gone", str(path), folder=folder)
    if code == errnos.EIO:
        return WriteError("files.error.io", str(path), folder=folder, error=exc.strerror or str(exc))
    return WriteError("files.error.other", str(path), folder=folder, error=exc.strerror or str(exc))
