"""Backups of a workspace through SQLite's online backup API, rotating, in a `backups/` folder beside the workspace
(`<folder>/backups/<name>-<UTC time>.fsdb`). Made on close (when something changed, or when the newest backup is a
day old) and on demand; the last KEEP are kept. A restore checks the backup before it replaces anything and keeps
the replaced file (renamed with the time); the workspace's path holds a whole file at every instant of it.

Nothing half-made stays: a backup is written under a temporary name and renamed when complete, and the temporary
files of a backup or restore that was killed are removed when the workspace is next opened (`discard_leftovers`).
A backup written elsewhere (`--to`, a stick) goes through fieldsurvey.files (a full or write-protected stick: a
message, nothing left there). The clock is not trusted blindly: a backup dated after the present (the clock went
back) does not count as recent. docs/storage.md.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fieldsurvey import files
from fieldsurvey.errors import WorkspaceError, WriteError
from fieldsurvey.storage import connection, encryption
from fieldsurvey.storage.lock import release_writer_lock, take_writer_lock, to_be_checked
from fieldsurvey.storage.schema import APPLICATION_ID

_LOG = logging.getLogger(__name__)

KEEP = 10
DAY = timedelta(days=1)
QUIET = timedelta(minutes=5)
AHEAD = timedelta(minutes=5)   # a backup dated further after "now" than this was made under another clock
_STAMP = "%Y%m%dT%H%M%S%fZ"
PART = ".part"                 # a backup being written (SQLite writes it), renamed when complete
OUTGOING = ".outgoing"         # a checked copy on its way to a place outside the workspace's folder
RESTORING = ".restoring"       # a backup being put in place of the workspace


def backup_dir(workspace: Path) -> Path:
    return Path(workspace).parent / "backups"


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).strftime(_STAMP)


def backups_of(workspace: Path, now: datetime | None = None) -> list[Path]:
    """The backups of this workspace, oldest first. A backup dated after `now` (with a few minutes' grace) was made
    before now all the same — under a clock that was ahead, or before the clock went back — so it counts as older
    than every backup dated in the past (among themselves, by date)."""
    folder = backup_dir(workspace)
    if not folder.is_dir():
        return []
    stem = Path(workspace).stem
    found = []
    for p in folder.glob(f"{stem}-*.fsdb"):
        tail = p.stem[len(stem) + 1:]
        try:
            datetime.strptime(tail, _STAMP)
        except ValueError:
            continue
        found.append(p)
    limit = ((now or datetime.now(timezone.utc)) + AHEAD).strftime(_STAMP)
    return sorted(found, key=lambda p: (p.stem[len(stem) + 1:] <= limit, p.stem[len(stem) + 1:]))


def _taken_at(workspace: Path, backup: Path) -> datetime:
    return datetime.strptime(backup.stem[len(Path(workspace).stem) + 1:], _STAMP).replace(tzinfo=timezone.utc)


def newest_age(workspace: Path, now: datetime | None = None) -> timedelta | None:
    """How long ago the newest backup dated in the past was made; None when there is none (a backup dated in the
    future says nothing about how recent the last one is: the clock that dated it, or today's, is wrong)."""
    now = now or datetime.now(timezone.utc)
    found = [p for p in backups_of(workspace, now) if _taken_at(workspace, p) <= now + AHEAD]
    return max(now - _taken_at(workspace, found[-1]), timedelta(0)) if found else None


def newest_date(workspace: Path) -> datetime | None:
    """The latest date any backup of the workspace carries (for telling whether today's clock is plainly wrong)."""
    found = backups_of(workspace)
    return max((_taken_at(workspace, p) for p in found), default=None)


def dated_ahead(workspace: Path, now: datetime | None = None) -> datetime | None:
    """The date of the newest backup dated after now (the clock went back since it was made), or None."""
    now = now or datetime.now(timezone.utc)
    ahead = [_taken_at(workspace, p) for p in backups_of(workspace, now) if _taken_at(workspace, p) > now + AHEAD]
    return max(ahead) if ahead else None


def copy_database(conn: Any, target: Path, source: Path | None = None) -> None:
    """A consistent copy of an open database through the backup API, written to a temporary name, checked, synced
    and then renamed into place (a crash never leaves half a backup under the final name). When it cannot be
    written (a full disk, an input/output error) the temporary file is removed and a WriteError says why. The copy
    of an encrypted workspace (`source`: its path) is encrypted with the same key, its key header beside it; without
    `source`, a plain copy (for the sealed backup, which encrypts the whole file to the supervisor's key)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + PART)
    _discard_database(tmp)
    key = encryption.key_for(source) if source is not None and connection.is_keyed(conn) else None
    exported = connection.is_keyed(conn) and key is None   # a plain copy of an encrypted workspace (to be sealed)
    try:
        if exported:
            connection.export_plain(conn, tmp)
        dest = connection.connect(tmp, key=key)
        try:
            if not exported:
                conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
            problems = [r[0] for r in dest.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise WorkspaceError("storage.error.backup_damaged", str(target), problems="; ".join(problems[:3]))
        finally:
            dest.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if key is not None:
            encryption.copy_header(source, target)
        os.replace(tmp, target)
    except (*connection.ERRORS, OSError) as exc:
        _discard_database(tmp)
        raise _copy_error(target, exc, _size(conn)) from None
    except BaseException:
        _discard_database(tmp)
        raise


# SQLite's result codes for a file it cannot write, as the errno a user's message is chosen by
_SQLITE_ERRNO = {13: errno.ENOSPC, 8: errno.EROFS, 3: errno.EACCES, 23: errno.EACCES, 14: errno.ENOENT,
                 10: errno.EIO}


def _copy_error(target: Path, exc: BaseException, size: int | None) -> WriteError:
    if isinstance(exc, OSError):
        return files.write_error(target, exc, size)
    code = _SQLITE_ERRNO.get(getattr(exc, "sqlite_errorcode", 0) & 0xFF, 0)
    return files.write_error(target, OSError(code, str(exc)), size)


def _size(conn: Any) -> int | None:
    try:
        return conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    except connection.ERRORS:
        return None


def _discard_database(path: Path) -> None:
    """Remove a half-made database file and the journal SQLite may have left beside it."""
    for p in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal"),
              path.with_name(path.name + "-shm")):
        files.discard(p)


def discard_leftovers(workspace: Path) -> list[Path]:
    """Remove what a killed backup or restore left: half-written backups (`backups/<name>-….fsdb.part`, with their
    journals), checked copies that never reached their stick (`….outgoing`), a backup being put in place
    (`<name>.fsdb.restoring`). Called by the first writer to open the workspace (no backup of it is under way
    then). Returns what was removed."""
    workspace = Path(workspace)
    stem = workspace.stem
    folder = backup_dir(workspace)
    found = [*folder.glob(f"{stem}-*.fsdb{PART}*"), *folder.glob(f"{stem}-*.fsdb{OUTGOING}*")] \
        if folder.is_dir() else []
    found += [p for p in workspace.parent.glob(f"{workspace.name}{RESTORING}*")]
    gone = []
    for p in found:
        if p.is_file() and not p.is_symlink():
            files.discard(p)
            gone.append(p)
    if gone:
        _LOG.warning("removed what a killed backup or restore left: %s", ", ".join(p.name for p in gone))
    return gone


def make_backup(ws: Any, to: Path | None = None, keep: int = KEEP) -> Path:
    """Back up an open workspace: to `to` (a file or a folder) or into the rotating `backups/` folder (then only
    the newest `keep` are kept). Returns the backup's path. A backup elsewhere is made and checked beside the
    workspace first, then copied through fieldsurvey.files: a full or write-protected stick ends in a WriteError
    and leaves nothing there."""
    if to is None:
        target = backup_dir(ws.path) / f"{ws.path.stem}-{_stamp()}.fsdb"
        copy_database(ws.db.conn, target, ws.path)
        rotate(ws.path, keep)
        return target
    to = Path(to)
    target = to / f"{ws.path.stem}-{_stamp()}.fsdb" if to.is_dir() else to
    if target.exists():
        raise WorkspaceError("storage.error.file_exists", str(target))
    files.discard_partials(target.parent, f"{ws.path.stem}-*.fsdb")   # what a killed backup left there
    local = backup_dir(ws.path) / (target.name + OUTGOING)
    copy_database(ws.db.conn, local, ws.path)
    try:
        if encryption.header_path(local).exists():   # an encrypted workspace's backup: its key header goes with it
            files.copy_file(encryption.header_path(local), encryption.header_path(target))
        files.copy_file(local, target)
    finally:
        files.discard(local)
        files.discard(encryption.header_path(local))
    return target


def rotate(workspace: Path, keep: int = KEEP) -> list[Path]:
    """Remove all but the newest `keep` rotating backups; returns those removed."""
    old = backups_of(workspace)[:-keep] if keep > 0 else backups_of(workspace)
    for p in old:
        p.unlink(missing_ok=True)
        encryption.header_path(p).unlink(missing_ok=True)
    return old


def backup_due(workspace: Path, now: datetime | None = None) -> bool:
    """True when there is no backup from the last day (a backup dated in the future does not count)."""
    age = newest_age(workspace, now)
    return age is None or age >= DAY


def backup_if_due(ws: Any, now: datetime | None = None) -> Path | None:
    """The daily backup while a workspace stays open (the app calls this now and then): one when the newest is a
    day old or there is none."""
    if ws.read_only or not backup_due(ws.path, now):
        return None
    return make_backup(ws)


def backup_on_close(ws: Any, now: datetime | None = None) -> Path | None:
    """The automatic backup: when this connection changed the workspace (unless a backup is less than
    QUIET old: the app's worker jobs open and close the file often), and once a day in any case."""
    age = newest_age(ws.path, now)
    if age is None or age >= DAY or (ws.db.conn.total_changes > 0 and age >= QUIET):
        return make_backup(ws)
    return None


def check_file(path: Path) -> list[str]:
    """Problems that stop a file from being used as a workspace (for a backup before it is restored)."""

    if not path.is_file():
        return ["no such file"]
    try:
        conn = connection.connect(path, read_only=True)   # an encrypted backup: its passphrase asked for
    except connection.ERRORS as exc:
        return [str(exc)]
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            return ["not a FieldSurvey workspace"]
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)").fetchall()]
        if rows != ["ok"]:
            return rows
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            return [f"{len(fk)} rows name a missing parent row (foreign keys)"]
    except connection.DATABASE_ERRORS as exc:
        return [f"not a FieldSurvey workspace ({exc})"]
    finally:
        conn.close()
    return []


def restore(workspace: Path, backup: Path, now: datetime | None = None) -> Path | None:
    """Put a backup in place of a workspace. The backup is checked first (nothing is touched if it fails); the
    current file, if any, is kept as `<name>.replaced-<time>.fsdb` beside it. Returns that kept file's path. The
    workspace's first opening after it checks the whole file (as after a file that was not closed cleanly)."""
    workspace, backup = Path(workspace), Path(backup)
    problems = check_file(backup)
    if problems:
        # the two plain refusals read as a sentence; otherwise SQLite's own findings are quoted
        key = {"no such file": "storage.error.backup_missing",
               "not a FieldSurvey workspace": "storage.error.backup_not_workspace"}.get(problems[0])
        raise WorkspaceError(key if key and len(problems) == 1 else "storage.error.cannot_restore", str(backup),
                             problems="; ".join(problems[:3]))

    if not take_writer_lock(workspace):
        raise WorkspaceError("storage.error.restore_busy", str(workspace))
    to_be_checked(workspace)
    try:
        return _restore(workspace, backup, now)
    except (OSError, *connection.ERRORS) as exc:
        files.discard(workspace.with_name(workspace.name + RESTORING))
        raise _copy_error(workspace, exc, None) from None
    finally:
        release_writer_lock(workspace, clean=False)


def _restore(workspace: Path, backup: Path, now: datetime | None) -> Path | None:
    """The order keeps a whole workspace at its path at every instant: the backup is copied in beside it and
    synced; the current file gets its second name (`…replaced-…`, a hard link, or a synced copy where links are
    not possible) after SQLite has settled it (a journal left by a crash rolled back); then one rename puts the
    copy in place. A kill before that rename leaves the old workspace (its second name is taken back when it is
    next opened, with the copy); after it, the restored one. An encrypted backup is restored with its key; a plain
    backup (from before the workspace was encrypted) comes back encrypted with the workspace's key."""
    tmp = workspace.with_name(workspace.name + RESTORING)
    _discard_database(tmp)
    src = connection.connect(backup, read_only=True)
    key = encryption.key_for(backup) if connection.is_keyed(src) else None   # the restored copy: the backup's key
    header = backup
    try:
        if key is None and encryption.is_encrypted(workspace):
            key, header = encryption.key_for(workspace), workspace
            src.close()
            src = connection.connect(backup, key=None, cipher=True, isolation_level=None)
            connection.export_encrypted(src, tmp, key)
        else:
            dest = connection.connect(tmp, key=key)
            try:
                src.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
    finally:
        src.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    kept = None
    if workspace.exists():
        _settle(workspace)
        kept = workspace.with_name(f"{workspace.stem}.replaced-{_stamp(now)}{workspace.suffix}")
        try:
            os.link(workspace, kept)
        except OSError:   # no hard links here (some file systems): a synced copy instead
            files.discard(kept)
            shutil.copyfile(workspace, kept)
            with open(kept, "rb") as fh:
                os.fsync(fh.fileno())
        for side in ("-journal", "-wal", "-shm"):   # settled: only empty side files are left; they go with it
            extra = workspace.with_name(workspace.name + side)
            if extra.exists():
                shutil.move(str(extra), str(kept) + side)
        if encryption.header_path(workspace).exists():   # the kept file keeps its key header
            shutil.copyfile(encryption.header_path(workspace), encryption.header_path(kept))
    if key is not None:
        encryption.copy_header(header, workspace)
    os.replace(tmp, workspace)
    files.sync_folder(workspace.parent)
    return kept


def _settle(workspace: Path) -> None:
    """Let SQLite roll back a journal a crash left beside the workspace (and fold a WAL in), so that the file is
    whole on its own before it is kept under another name."""
    try:
        conn = connection.connect(workspace)
        try:
            conn.execute("PRAGMA application_id").fetchone()
        finally:
            conn.close()
    except (*connection.ERRORS, WorkspaceError):
        pass   # a damaged file (or one whose key is not at hand) is kept as it is


def undo_killed_restore(workspace: Path) -> bool:
    """A workspace with a second name: if every other name is a `<name>.replaced-…` file beside it — the kept name
    a restore gives before its last rename, left by a restore killed just then — take those names back and
    remove the copy that was to be put in place: the workspace is as it was before that restore. True when that
    was so; False for any other link (refused by the caller)."""
    workspace = Path(workspace)
    st = workspace.stat()
    kept = [p for p in workspace.parent.glob(f"{workspace.stem}.replaced-*{workspace.suffix}")
            if not p.is_symlink() and p.stat().st_ino == st.st_ino and p.stat().st_dev == st.st_dev]
    if not kept or len(kept) + 1 != st.st_nlink:
        return False
    for p in kept:
        _discard_database(p)
    _discard_database(workspace.with_name(workspace.name + RESTORING))
    _LOG.warning("%s: a restore was killed before it finished; the workspace is as it was before it", workspace)
    return True
