"""Backups of a workspace through SQLite's online backup API, rotating, in a `backups/` folder beside the workspace
(`<folder>/backups/<name>-<UTC time>.fsdb`). Made on close (when something changed, or when the newest backup is a
day old) and on demand; the last KEEP are kept. A restore checks the backup before it replaces anything and keeps
the replaced file (renamed with the time). docs/storage.md.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.storage import connection, encryption
from fieldsurvey.storage.lock import release_writer_lock, take_writer_lock
from fieldsurvey.storage.schema import APPLICATION_ID

KEEP = 10
DAY = timedelta(days=1)
QUIET = timedelta(minutes=5)
_STAMP = "%Y%m%dT%H%M%S%fZ"


def backup_dir(workspace: Path) -> Path:
    return Path(workspace).parent / "backups"


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).strftime(_STAMP)


def backups_of(workspace: Path) -> list[Path]:
    """The backups of this workspace, oldest first."""
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
    return sorted(found, key=lambda p: p.stem[len(stem) + 1:])


def _taken_at(workspace: Path, backup: Path) -> datetime:
    return datetime.strptime(backup.stem[len(Path(workspace).stem) + 1:], _STAMP).replace(tzinfo=timezone.utc)


def copy_database(conn: sqlite3.Connection, target: Path, source: Path | None = None) -> None:
    """A consistent copy of an open database through the backup API, written to a temporary name, checked, synced
    and then renamed into place (a crash never leaves half a backup under the final name). The copy of an encrypted
    workspace (`source`: its path) is encrypted with the same key, its key header beside it; without `source`, a
    plain copy (for the sealed backup, which encrypts the whole file to the supervisor's key)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    if tmp.exists():
        tmp.unlink()
    key = encryption.key_for(source) if source is not None and connection.is_keyed(conn) else None
    exported = connection.is_keyed(conn) and key is None   # a plain copy of an encrypted workspace (to be sealed)
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


def make_backup(ws: Any, to: Path | None = None, keep: int = KEEP) -> Path:
    """Back up an open workspace: to `to` (a file or a folder) or into the rotating `backups/` folder (then only
    the newest `keep` are kept). Returns the backup's path."""
    if to is None:
        target = backup_dir(ws.path) / f"{ws.path.stem}-{_stamp()}.fsdb"
    else:
        to = Path(to)
        target = to / f"{ws.path.stem}-{_stamp()}.fsdb" if to.is_dir() else to
        if target.exists():
            raise WorkspaceError("storage.error.file_exists", str(target))
    copy_database(ws.db.conn, target, ws.path)
    if to is None:
        rotate(ws.path, keep)
    return target


def rotate(workspace: Path, keep: int = KEEP) -> list[Path]:
    """Remove all but the newest `keep` rotating backups; returns those removed."""
    old = backups_of(workspace)[:-keep] if keep > 0 else backups_of(workspace)
    for p in old:
        p.unlink(missing_ok=True)
        encryption.header_path(p).unlink(missing_ok=True)
    return old


def backup_due(workspace: Path, now: datetime | None = None) -> bool:
    """True when there is no backup from the last day."""
    found = backups_of(workspace)
    if not found:
        return True
    return (now or datetime.now(timezone.utc)) - _taken_at(workspace, found[-1]) >= DAY


def backup_if_due(ws: Any, now: datetime | None = None) -> Path | None:
    """The daily backup while a workspace stays open (the app calls this now and then): one when the newest is a
    day old or there is none."""
    if ws.read_only or not backup_due(ws.path, now):
        return None
    return make_backup(ws)


def backup_on_close(ws: Any, now: datetime | None = None) -> Path | None:
    """The automatic backup: when this connection changed the workspace (unless a backup is less than
    QUIET old: the app's worker jobs open and close the file often), and once a day in any case."""
    found = backups_of(ws.path)
    now = now or datetime.now(timezone.utc)
    age = now - _taken_at(ws.path, found[-1]) if found else None
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
    current file, if any, is kept as `<name>.replaced-<time>.fsdb` beside it. Returns that kept file's path."""
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
    try:
        return _restore(workspace, backup, now)
    finally:
        release_writer_lock(workspace)


def _restore(workspace: Path, backup: Path, now: datetime | None) -> Path | None:
    tmp = workspace.with_name(workspace.name + ".restoring")
    src = connection.connect(backup, read_only=True)
    key = encryption.key_for(backup) if connection.is_keyed(src) else None   # the restored copy: the backup's key
    header = backup
    try:
        if tmp.exists():
            tmp.unlink()
        if key is None and encryption.is_encrypted(workspace):
            # a plain backup (from before the workspace was encrypted) comes back encrypted with the workspace's key
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
        kept = workspace.with_name(f"{workspace.stem}.replaced-{_stamp(now)}{workspace.suffix}")
        os.replace(workspace, kept)
        for side in ("-journal", "-wal", "-shm"):
            extra = workspace.with_name(workspace.name + side)
            if extra.exists():
                shutil.move(str(extra), str(kept) + side)
        if encryption.header_path(workspace).exists():   # the kept file keeps its key header
            shutil.copyfile(encryption.header_path(workspace), encryption.header_path(kept))
    if key is not None:
        encryption.copy_header(header, workspace)
    os.replace(tmp, workspace)
    return kept
