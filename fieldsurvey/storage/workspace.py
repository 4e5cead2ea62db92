"""A workspace: one SQLite file for one commune and one review round, through sqlite-utils.

The connection runs in autocommit mode: every write is committed the moment it is made, and anything that must be
all-or-nothing runs inside `db.atomic()`. The schema is built by named migrations (storage/migrations.py).

The household lifecycle (docs/storage.md): each household has a stable UUID, a status (draft → complete →
submitted → approved / returned), an owner (the enumerator), and a chain of revisions. Autosave updates the device's
open revision in place; a revision is sealed when it is exported or synced or when the status changes, and the next
edit starts a child revision. Every change is written to the append-only `audit` table in the same transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

try:
    import fcntl
except ImportError:  # not on POSIX
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt  # Windows: the writer lock is a byte-range lock on the lock file
except ImportError:
    msvcrt = None  # type: ignore[assignment]

import sqlite_utils

from fieldsurvey.domain.results import Message
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.i18n import fold
from fieldsurvey.storage import durability
from fieldsurvey.storage.migrations import MIGRATIONS, applied, apply_migrations

APPLICATION_ID = 0x46535256  # "FSRV": marks a FieldSurvey workspace file
BULK_CACHE_KIB = 32 * 1024   # the page cache of a connection doing a bulk write (SQLite's default: 2 MB)
SCHEMA_VERSION = 3           # PRAGMA user_version: the core schema this code writes (0003_list_index)

STATUSES = ("draft", "complete", "submitted", "approved", "returned")
MOVED_AWAY = "moved_away"    # the household left the commune (counted as moved away in the movement table)
MERGED = "merged"            # a duplicate merged into another household (sync)
ALL_STATUSES = STATUSES + (MOVED_AWAY, MERGED)
# Which status may follow which through set_status (the form's autosave moves draft ↔ complete by itself).
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"complete", MOVED_AWAY}),
    "complete": frozenset({"draft", "submitted", MOVED_AWAY}),
    "submitted": frozenset({"approved", "returned", MOVED_AWAY}),
    "returned": frozenset({"draft", "complete", "submitted", MOVED_AWAY}),
    "approved": frozenset({"returned", MOVED_AWAY}),
    MOVED_AWAY: frozenset({"draft"}),
    MERGED: frozenset(),
}

def status_word(status: str) -> Message:
    """A household status as the user reads it (`storage.status.<status>`), for error messages."""
    return Message(f"storage.status.{status}") if status in ALL_STATUSES else Message("storage.status.other",
                                                                                       {"status": status})



def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def now_ms() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def doc_hash(document_json: str) -> str:
    return hashlib.sha256(document_json.encode("utf-8")).hexdigest()


def new_revision_id(device: str) -> str:
    return f"{device}.{uuidlib.uuid4().hex[:16]}"


SEARCH_SEP = "\x1f"


def search_text(doc: dict[str, Any] | str, head_name: str = "") -> str:
    """What the list search looks in, without diacritics: the head's name first (so sorting by it sorts by the
    head), then the other members' names and everyone's ID numbers, separated by U+001F."""
    if isinstance(doc, str):
        doc = json.loads(doc)
    members = doc.get("members") or []
    parts = [fold(head_name)] if head_name else []
    for m in members:
        if not isinstance(m, dict):
            continue
        name = m.get("name")
        if isinstance(name, str) and name and fold(name) not in parts:
            parts.append(fold(name))
    for m in members:
        if isinstance(m, dict) and isinstance(m.get("id_number"), str) and m["id_number"]:
            parts.append(m["id_number"])
    return SEARCH_SEP.join(parts)


@dataclass(frozen=True)
class WorkspaceInfo:
    province_code: str
    province_name: str
    commune_code: str
    commune_name: str
    area: str
    review_year: int
    review_kind: str
    standard_id: str


@dataclass(frozen=True)
class Revision:
    id: str
    uuid: str
    parent: str | None
    merged: str | None
    device: str
    user: str
    created_at: str
    at: str
    sealed_at: str | None
    status: str | None
    doc_hash: str | None
    origin: str

    @property
    def sealed(self) -> bool:
        return self.sealed_at is not None


_REVISION_COLUMNS = "id, uuid, parent, merged, device, user, created_at, at, sealed_at, status, doc_hash, origin"


def _refuse_storage(path: Path, mounts_text: str | None) -> None:
    """A WorkspaceError when the file (or its folder) is on a network share or a USB stick."""
    found = durability.storage_problem_detail(path, mounts_text)
    if found:
        key, values = found
        raise WorkspaceError(key, str(path), **values)


def _connect(path: Path, read_only: bool = False) -> sqlite_utils.Database:
    if read_only:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    return sqlite_utils.Database(conn)


def _set_journal(db: sqlite_utils.Database) -> tuple[str, str]:
    mode, sync = durability.journal_settings(durability.sqlite_version())
    got = db.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0]
    db.execute(f"PRAGMA synchronous = {sync}")
    return got, sync


# Files that passed the quick check in this process (path and inode: a restored file is checked again). A large
# workspace takes a second or two to check, and the app's worker jobs open it again and again.
_CHECKED: set[tuple[str, int]] = set()


def _file_key(path: Path) -> tuple[str, int]:
    return os.path.realpath(path), path.stat().st_ino


def _is_sqlite_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return head == b"SQLite format 3\x00" or head == b""


def _flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """Field path → value, members keyed by member_id: household.income_wages, members[m2].name, location.village."""
    out: dict[str, Any] = {}
    if isinstance(doc, dict):
        for key, value in doc.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "members" and not prefix and isinstance(value, list):
                ids = []
                for i, m in enumerate(value):
                    mid = m.get("member_id") if isinstance(m, dict) else None
                    mid = mid or f"#{i + 1}"
                    ids.append(mid)
                    if isinstance(m, dict):
                        for k, v in m.items():
                            if k != "member_id":
                                out[f"members[{mid}].{k}"] = v
                        out[f"members[{mid}]"] = True
                    else:
                        out[f"members[{mid}]"] = m
                out["members.order"] = ids
            elif isinstance(value, dict) and value:
                out.update(_flatten(value, path))
            else:
                out[path] = value
    return out


def changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field path, old, new) for every field that differs between two household documents; a field that is not
    there is MISSING (written as SQL NULL in the audit, where a JSON null is 'null')."""
    a, b = _flatten(old or {}), _flatten(new)
    out = []
    for key in list(a) + [k for k in b if k not in a]:
        if a.get(key, _MISSING) != b.get(key, _MISSING):
            out.append((key, a.get(key, _MISSING), b.get(key, _MISSING)))
    if len(out) > 1:  # an order change only matters when it is the only thing: keep it, but after the rest
        out.sort(key=lambda c: c[0] == "members.order")
    return out


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()
MISSING = _MISSING


def _json(value: Any) -> str | None:
    return None if value is _MISSING else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """The document back from its field paths (the inverse of _flatten)."""
    doc: dict[str, Any] = {}
    members: dict[str, Any] = {}
    for key, value in flat.items():
        if key == "members.order":
            continue
        if key.startswith("members["):
            mid, _, rest = key[len("members["):].partition("]")
            if rest:
                members.setdefault(mid, {})[rest[1:]] = value
            elif value is not True:
                members[mid] = value
            else:
                members.setdefault(mid, {})
            continue
        parts = key.split(".")
        here = doc
        for p in parts[:-1]:
            here = here.setdefault(p, {})
        here[parts[-1]] = value
    if "members.order" in flat:
        doc["members"] = [({"member_id": mid, **members.get(mid, {})} if not mid.startswith("#")
                           else members.get(mid, {})) if isinstance(members.get(mid, {}), dict) else members[mid]
                          for mid in flat["members.order"]]
    return doc


# One writer: a workspace open for writing holds an exclusive lock on `.<name>.lock` beside it, so a second
# FieldSurvey process (another window, a command) opens it read-only. Connections of this same process (the app's
# worker jobs) share the lock.
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


class Workspace:
    def __init__(self, db: sqlite_utils.Database, path: Path, read_only: bool = False):
        self.db = db
        self.path = path
        self.read_only = read_only
        self.journal_mode: str | None = None
        self.synchronous: str | None = None
        self._closed = False
        self._held = False  # a write transaction kept open by save_classifications(hold=True)
        self._locked = False
        self.read_only_key = "storage.error.read_only"  # why edits are refused (storage.error.busy: another process)
        self.backups = True  # a rotating backup on close (storage/backups.py); tests and tools may turn it off

    # --- opening -------------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path | str, info: WorkspaceInfo, villages: Iterable[str] = (),
               mounts_text: str | None = None) -> "Workspace":
        path = Path(path)
        if path.exists():
            raise WorkspaceError("storage.error.file_exists_create", str(path))
        _refuse_storage(path, mounts_text)
        try:
            db = _connect(path)
        except sqlite3.Error as exc:
            raise WorkspaceError("storage.error.cannot_create", str(path), error=str(exc)) from None
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        ws = cls(db, path)
        ws._locked = take_writer_lock(path)
        try:
            ws.journal_mode, ws.synchronous = _set_journal(db)
            apply_migrations(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            with db.atomic():
                for key, value in info.__dict__.items():
                    db["meta"].insert({"key": key, "value": str(value)}, pk="key", replace=True)
                db["meta"].insert({"key": "created_at", "value": now_iso()}, pk="key", replace=True)
                for i, name in enumerate(villages):
                    ws.add_village(name, sort=i)
        except BaseException as exc:  # no half-made workspace is left behind
            ws.backups = False
            ws.close()
            for leftover in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal"),
                             path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            if isinstance(exc, sqlite3.Error):
                raise WorkspaceError("storage.error.cannot_create", str(path), error=str(exc)) from None
            raise
        return ws

    @classmethod
    def open(cls, path: Path | str, read_only: bool | None = None, check: bool = True,
             mounts_text: str | None = None) -> "Workspace":
        """Open a workspace. A file this user cannot write (or in a folder it cannot write) opens read-only, and
        every edit is then refused with a clear message. Refuses files on network shares and USB sticks, files
        that are not FieldSurvey workspaces or come from a newer FieldSurvey, and damaged files (saying how to
        restore a backup)."""
        path = Path(path)
        if not path.exists():
            raise WorkspaceError("storage.error.no_such_file", str(path))
        if path.is_dir():
            raise WorkspaceError("storage.error.is_folder", str(path))
        _refuse_storage(path, mounts_text)
        # the file's write bits count even for root (for whom os.access always says yes)
        writable = (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
                    and bool(path.stat().st_mode & 0o222))
        if read_only is None:
            read_only = not writable
        busy = False
        if not read_only and not take_writer_lock(path):
            read_only = busy = True
        locked = not read_only
        if not _is_sqlite_file(path):
            if locked:
                release_writer_lock(path)
            raise WorkspaceError("storage.error.not_sqlite", str(path))
        try:
            db = _connect(path, read_only)
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if locked:
                release_writer_lock(path)
            raise WorkspaceError("storage.error.not_workspace_detail", str(path), error=str(exc)) from None
        ws = cls(db, path, read_only)
        ws._locked = locked
        if busy:
            ws.read_only_key = "storage.error.busy"
        try:
            if app_id != APPLICATION_ID:
                raise WorkspaceError("storage.error.other_program", str(path))
            if version > SCHEMA_VERSION:
                raise WorkspaceError("storage.error.newer_schema", str(path), version=version, known=SCHEMA_VERSION)
            key = _file_key(path)
            if check and key not in _CHECKED:
                try:
                    problems = durability.quick_check(db.conn)
                except sqlite3.DatabaseError as exc:
                    problems = [str(exc)]
                if problems:
                    raise WorkspaceError("storage.error.damaged", str(path), problems="; ".join(problems[:3]),
                                         file=str(path))
                _CHECKED.add(key)
            known = {name for name, _ in MIGRATIONS}
            done = applied(db)
            unknown = [n for n in done if n not in known]
            if unknown:
                raise WorkspaceError("storage.error.newer_migrations", str(path), names=", ".join(unknown))
            pending = [n for n, _ in MIGRATIONS if n not in set(done)]
            if read_only:
                if pending:
                    raise WorkspaceError("storage.error.older_busy" if busy else "storage.error.older_read_only",
                                         str(path))
                return ws
            ws.journal_mode, ws.synchronous = _set_journal(db)
            apply_migrations(db)
            if version != SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            db.close()
            if locked:
                release_writer_lock(path)
            raise
        return ws

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.commit_held()
            if self.backups and not self.read_only:
                from fieldsurvey.storage.backups import backup_on_close

                try:
                    backup_on_close(self)
                except (OSError, sqlite3.Error, WorkspaceError):
                    pass  # a backup that cannot be written never stops the workspace from closing
        finally:
            self._closed = True
            self.db.close()
            if self._locked:
                self._locked = False
                release_writer_lock(self.path)

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _writable(self) -> None:
        if self.read_only:
            raise WorkspaceError(self.read_only_key, str(self.path))

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        """One write transaction, taken at once (BEGIN IMMEDIATE: a read-then-write never deadlocks with another
        connection); nested inside a caller's transaction it is a savepoint."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._commit()

    def _commit(self) -> None:
        """COMMIT; if it fails (a full disk), roll back so the connection is usable, and raise."""
        conn = self.db.conn
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # --- settings --------------------------------------------------------------------------------------------------

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self._writable()
        self.db["meta"].insert({"key": key, "value": value}, pk="key", replace=True)

    @property
    def info(self) -> WorkspaceInfo:
        rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        try:
            return WorkspaceInfo(rows["province_code"], rows["province_name"], rows["commune_code"],
                                 rows["commune_name"], rows["area"], int(rows["review_year"]), rows["review_kind"],
                                 rows["standard_id"])
        except KeyError as exc:
            raise WorkspaceError("storage.error.settings_lack", str(self.path), name=str(exc)) from None

    @property
    def device_id(self) -> str:
        """This installation's device id (meta `device_id`), made on first need."""
        device = self.meta("device_id")
        if device is None:
            device = f"dev-{uuidlib.uuid4().hex[:12]}"
            if not self.read_only:
                self.set_meta("device_id", device)
        return device

    @property
    def user(self) -> str:
        """Who works on this installation (meta `user`, else the enumerator's id); recorded on every change."""
        return self.meta("user") or self.meta("enumerator_id") or self.meta("enumerator") or "unknown"

    def set_identity(self, device: str | None = None, user: str | None = None) -> None:
        self._writable()
        with self._tx():
            if device:
                self.set_meta("device_id", device)
            if user:
                self.set_meta("user", user)

    # --- villages ------------------------------------------------------------------------------------------------------

    def add_village(self, name: str, sort: int | None = None) -> None:
        self._writable()
        if sort is None:
            sort = self.db.execute("SELECT COALESCE(MAX(sort), -1) + 1 FROM villages").fetchone()[0]
        self.db["villages"].insert({"name": name, "sort": sort}, pk="name", ignore=True)

    def villages(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM villages ORDER BY sort, name")]

    # --- households --------------------------------------------------------------------------------------------------

    @staticmethod
    def _row(doc: dict[str, Any], status: str, owner: str | None) -> dict[str, Any]:
        head = next((m for m in doc.get("members", []) if m.get("relationship") == "head"), None)
        head_name = (head or {}).get("name") or doc.get("household", {}).get("head_name") or ""
        if not isinstance(head_name, str):  # a document is stored as it comes; the list shows text
            head_name = str(head_name)
        return {
            "uuid": doc["uuid"],
            "village": (doc.get("location") or {}).get("village"),
            "head_name": head_name,
            "head_folded": search_text(doc, head_name),
            "member_count": len(doc.get("members", [])),
            "status": status,
            "owner": owner,
            "form_id": (doc.get("form") or {}).get("id"),
            "form_version": (doc.get("form") or {}).get("version"),
            "document": json.dumps(doc, ensure_ascii=False),
            "updated_at": now_iso(),
        }

    def _state(self, uuid: str) -> tuple | None:
        """(document JSON, status, owner, head revision, head sealed_at, head device) of a stored household."""
        return self.db.execute(
            "SELECT h.document, h.status, h.owner, h.revision, r.sealed_at, r.device FROM households h "
            "LEFT JOIN revisions r ON r.id = h.revision WHERE h.uuid = ?", [uuid]).fetchone()

    def _open_revision(self, uuid: str, head: str | None, sealed_at: str | None, head_device: str | None,
                       status: str, device: str, user: str, at: str) -> str:
        """The revision an edit goes into: the device's open head (touched), or a new open child of the head."""
        if head is not None and sealed_at is None and head_device == device:
            self.db.execute("UPDATE revisions SET at = ?, user = ?, status = ? WHERE id = ?", [at, user, status, head])
            return head
        rid = new_revision_id(device)
        self.db.execute("INSERT INTO revisions (id, uuid, parent, device, user, created_at, at, status) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [rid, uuid, head, device, user, at, at, status])
        self.db.execute("UPDATE households SET revision = ? WHERE uuid = ?", [rid, uuid])
        return rid

    def _audit(self, rows: list[tuple]) -> None:
        """rows: (at, device, user, uuid, revision, action, field, old JSON, new JSON, reason, detail)."""
        self.db.conn.executemany(
            "INSERT INTO audit (at, device, user, uuid, revision, action, field, old, new, reason, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    @staticmethod
    def _needs_reason(uuid: str, status: str, reason: str | None) -> None:
        if status == "approved" and not (reason and reason.strip()):
            raise WorkspaceError("storage.error.approved_needs_reason", uuid)

    def _write_document(self, doc: dict[str, Any], state: tuple | None, status: str | None, owner: Any,
                        reason: str | None, user: str | None, action: str = "edit") -> str | None:
        """One household's change inside the caller's transaction: document, columns, revision, audit rows.
        Returns the revision written, or None when nothing changed."""
        device, user = self.device_id, user or self.user
        at = now_ms()
        uuid = doc["uuid"]
        if state is None:  # a new household
            status = status or "draft"
            if status not in ALL_STATUSES:
                raise WorkspaceError("storage.error.unknown_status", uuid, status=status)
            row = self._row(doc, status, owner)
            row["created_at"] = at
            rid = new_revision_id(device)
            row["revision"] = rid
            cols = ", ".join(row)
            self.db.execute(f"INSERT INTO households ({cols}) VALUES ({', '.join('?' * len(row))})",
                            list(row.values()))
            self.db.execute("INSERT INTO revisions (id, uuid, parent, device, user, created_at, at, status) "
                            "VALUES (?, ?, NULL, ?, ?, ?, ?, ?)", [rid, uuid, device, user, at, at, status])
            self._audit([(at, device, user, uuid, rid, action if action != "edit" else "create", None, None, None,
                          reason, _json({"status": status, "owner": owner}))])
            return rid
        old_json, old_status, old_owner, head, sealed_at, head_device = state
        status = old_status if status is None else status
        owner = old_owner if owner is _KEEP else owner
        if status not in ALL_STATUSES:
            raise WorkspaceError("storage.error.unknown_status", uuid, status=status)
        new_json = json.dumps(doc, ensure_ascii=False)
        diff = changes(json.loads(old_json), doc) if new_json != old_json else []
        if not diff and status == old_status and owner == old_owner:
            return None
        self._needs_reason(uuid, old_status, reason)
        if status != old_status and head is not None and sealed_at is None and head_device == device and not diff:
            rid = head  # a status change alone seals the open revision below
            self.db.execute("UPDATE revisions SET at = ?, user = ? WHERE id = ?", [at, user, rid])
        else:
            rid = self._open_revision(uuid, head, sealed_at, head_device, status, device, user, at)
        audit = [(at, device, user, uuid, rid, action, f, _json(o), _json(n), reason, None) for f, o, n in diff]
        sets: dict[str, Any] = {}
        if diff:
            row = self._row(doc, status, owner)
            old_row = self._row(json.loads(old_json), status, owner)
            sets = {k: v for k, v in row.items() if k != "uuid" and v != old_row[k]}
            sets["updated_at"] = row["updated_at"]
            sets["document"] = new_json
        if owner != old_owner:
            sets["owner"] = owner
            audit.append((at, device, user, uuid, rid, "owner", "owner", _json(old_owner), _json(owner), reason,
                          None))
        if status != old_status:
            sets["status"] = status
            audit.append((at, device, user, uuid, rid, "status", "status", _json(old_status), _json(status), reason,
                          None))
        if sets:
            self.db.execute(f"UPDATE households SET {', '.join(f'{k} = ?' for k in sets)} WHERE uuid = ?",
                            [*sets.values(), uuid])
        self._audit(audit)
        if status != old_status:  # a status change closes the revision: the status is a point in the history
            self.db.execute("UPDATE revisions SET status = ?, sealed_at = ?, doc_hash = ? WHERE id = ?",
                            [status, at, doc_hash(new_json), rid])
        return rid

    def save_household(self, doc: dict[str, Any], status: str = "draft", owner: str | None = None, *,
                       reason: str | None = None, user: str | None = None) -> str | None:
        """Store (insert or update) one household document with this status and owner; committed at once, with
        its revision and audit rows. Returns the revision written (None: nothing changed)."""
        self._writable()
        with self._tx():
            return self._write_document(doc, self._state(doc["uuid"]), status, owner, reason, user)

    def save_households(self, docs: Iterable[dict[str, Any]], status: str = "draft",
                        owner: str | None = None) -> int:
        """Store many households in one transaction (all or nothing)."""
        self._writable()
        n = 0
        with self._tx():
            for d in docs:
                self._write_document(d, self._state(d["uuid"]), status, owner, None, None)
                n += 1
        return n

    def save_households_owned(self, items: Iterable[tuple[dict[str, Any], str | None]], status: str = "draft",
                              action: str = "create") -> int:
        """Store many (document, owner) pairs in one transaction, audited as `action` (e.g. carry-forward)."""
        self._writable()
        n = 0
        with self._tx():
            for doc, owner in items:
                self._write_document(doc, self._state(doc["uuid"]), status, owner, None, None, action)
                n += 1
        return n

    def update_household(self, doc: dict[str, Any], *, reason: str | None = None, user: str | None = None
                         ) -> str | None:
        """Autosave of an edited document (status and owner kept): one transaction with the audit rows of every
        field that changed. A household that is approved needs a reason."""
        self._writable()
        with self._tx():
            state = self._state(doc["uuid"])
            if state is None:
                raise WorkspaceError("storage.error.no_household", doc["uuid"])
            return self._write_document(doc, state, None, _KEEP, reason, user)

    def save_answer(self, uuid: str, name: str, value: Any, member: str | None = None, *,
                    reason: str | None = None, user: str | None = None) -> str | None:
        """Autosave of one answer: `name` of the household (`household.<name>`), of a member (member id given),
        or a top-level field (`interview_date`, `location.village`). Committed at once with its audit row.
        Value None removes the answer."""
        self._writable()
        with self._tx():
            state = self._state(uuid)
            if state is None:
                raise WorkspaceError("storage.error.no_household", uuid)
            doc = json.loads(state[0])
            if member is not None:
                target = next((m for m in doc.get("members", []) if m.get("member_id") == member), None)
                if target is None:
                    raise WorkspaceError("storage.error.no_member", uuid, member=member)
                key = name
            elif name in ("interview_date",):
                target, key = doc, name
            elif "." in name:
                section, key = name.split(".", 1)
                if section not in ("household", "location", "review", "form"):
                    raise WorkspaceError("storage.error.no_field", uuid, name=name)
                target = doc.setdefault(section, {})
            else:
                target, key = doc.setdefault("household", {}), name
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
            return self._write_document(doc, state, None, _KEEP, reason, user)

    def set_status(self, uuid: str, status: str, *, reason: str | None = None, user: str | None = None,
                   check: bool = True) -> str | None:
        """Move a household to another status (TRANSITIONS), sealing its revision; approved → anything needs a
        reason."""
        self._writable()
        with self._tx():
            state = self._state(uuid)
            if state is None:
                raise WorkspaceError("storage.error.no_household", uuid)
            if status not in ALL_STATUSES:
                raise WorkspaceError("storage.error.unknown_status", uuid, status=status)
            old = state[1]
            if status == old:
                return None
            if check and status not in TRANSITIONS.get(old, frozenset()):
                raise WorkspaceError("storage.error.bad_transition", uuid, old=status_word(old),
                                     status=status_word(status))
            return self._write_document(json.loads(state[0]), state, status, _KEEP, reason, user)

    def set_owner(self, uuid: str, owner: str | None, *, reason: str | None = None, user: str | None = None
                  ) -> str | None:
        """Assign a household to an enumerator (audited)."""
        self._writable()
        with self._tx():
            state = self._state(uuid)
            if state is None:
                raise WorkspaceError("storage.error.no_household", uuid)
            return self._write_document(json.loads(state[0]), state, None, owner, reason, user)

    def get_household(self, uuid: str) -> dict[str, Any]:
        row = self.db.execute("SELECT document FROM households WHERE uuid = ?", [uuid]).fetchone()
        if row is None:
            raise WorkspaceError("storage.error.no_household", uuid)
        return json.loads(row[0])

    def household_state(self, uuid: str) -> dict[str, Any]:
        """status, owner, head revision and whether it is still open (being edited)."""
        state = self._state(uuid)
        if state is None:
            raise WorkspaceError("storage.error.no_household", uuid)
        return {"status": state[1], "owner": state[2], "revision": state[3],
                "open": state[3] is not None and state[4] is None}

    def household_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM households").fetchone()[0]

    def iter_documents(self, batch: int = 2000, raw: bool = False) -> Iterator[tuple[str, Any]]:
        """(uuid, document JSON) for every household, in pages, so memory stays flat. `raw`: the JSON as the
        UTF-8 bytes stored, not decoded to text (cheaper to read, to pack and to hand to another process)."""
        last = ""
        sql = (f"SELECT uuid, {'CAST(document AS BLOB)' if raw else 'document'} FROM households "
               "WHERE uuid > ? ORDER BY uuid LIMIT ?")
        while True:
            rows = self.db.execute(sql, [last, batch]).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def prepare_bulk_write(self) -> None:
        """A larger page cache for this connection (up to 32 MB) before a write that touches thousands of
        households (classify all): the transaction then stays in memory until its commit instead of spilling pages
        to the file mid-way, each spill syncing the journal first. (Not the default: for the app's long read scans
        — a 100,000-household list sorted by name — SQLite's small cache is a little faster.)"""
        self.db.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")

    def save_classifications(self, rows: list[tuple], hold: bool = False) -> None:
        """rows: (class, standard_id, deprivations, b2, income_per_person, b1_score, summary JSON, uuid).

        `hold`: a bulk job writing chunk after chunk keeps one write transaction open across calls (each commit
        syncs the disk several times); `commit_held()` commits it. Without `hold` the rows are committed at once."""
        self._writable()
        conn = self.db.conn
        at = now_iso()
        sql = ("UPDATE households SET class = ?, standard_id = ?, deprivations = ?, b2_score = ?, "
               "income_per_person = ?, b1_score = ?, classification = ?, classified_at = ? WHERE uuid = ?")
        values = [r[:7] + (at,) + r[7:] for r in rows]
        if hold and (self._held or not conn.in_transaction):  # (inside a caller's transaction: theirs to commit)
            if not self._held:
                conn.execute("BEGIN IMMEDIATE")
                self._held = True
            try:
                conn.executemany(sql, values)
            except BaseException:
                self._held = False
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return
        with self._tx():
            conn.executemany(sql, values)

    def commit_held(self) -> None:
        """Commit what `save_classifications(…, hold=True)` wrote (nothing to do when nothing is held)."""
        if self._held:
            self._held = False
            self._commit()

    def counts_by_class(self) -> dict[str, int]:
        return dict(self.db.execute(
            "SELECT COALESCE(class, 'unclassified'), COUNT(*) FROM households GROUP BY 1").fetchall())

    # --- revisions (for sync) -------------------------------------------------------------------------------------------

    def current_revision(self, uuid: str) -> Revision | None:
        row = self.db.execute(f"SELECT {_REVISION_COLUMNS} FROM revisions WHERE id = "
                              "(SELECT revision FROM households WHERE uuid = ?)", [uuid]).fetchone()
        return Revision(*row) if row else None

    def revision(self, revision_id: str) -> Revision | None:
        row = self.db.execute(f"SELECT {_REVISION_COLUMNS} FROM revisions WHERE id = ?", [revision_id]).fetchone()
        return Revision(*row) if row else None

    def revisions(self, uuid: str) -> list[Revision]:
        """Every revision of a household this workspace holds, oldest first."""
        return [Revision(*r) for r in self.db.execute(
            f"SELECT {_REVISION_COLUMNS} FROM revisions WHERE uuid = ? ORDER BY rowid", [uuid])]

    def revision_chain(self, uuid: str) -> list[Revision]:
        """The head revision and its ancestors by first parent, newest first."""
        by_id = {r.id: r for r in self.revisions(uuid)}
        head = self.db.execute("SELECT revision FROM households WHERE uuid = ?", [uuid]).fetchone()
        out, rid = [], head[0] if head else None
        while rid in by_id and len(out) <= len(by_id):
            out.append(by_id[rid])
            rid = by_id[rid].parent
        return out

    def seal(self, uuids: Iterable[str] | None = None, user: str | None = None) -> list[tuple[str, str]]:
        """Seal the open revisions of these households (all households when None): their content is final, the
        next edit starts a child revision. Returns (uuid, sealed revision id). Called by export/sync."""
        self._writable()
        at = now_ms()
        out: list[tuple[str, str]] = []
        with self._tx():
            if uuids is None:
                rows = self.db.execute("SELECT h.uuid, h.revision, h.document, h.status FROM households h JOIN "
                                       "revisions r ON r.id = h.revision WHERE r.sealed_at IS NULL").fetchall()
            else:
                rows = []
                for uuid in uuids:
                    rows.extend(self.db.execute(
                        "SELECT h.uuid, h.revision, h.document, h.status FROM households h JOIN revisions r "
                        "ON r.id = h.revision WHERE r.sealed_at IS NULL AND h.uuid = ?", [uuid]).fetchall())
            self.db.conn.executemany(
                "UPDATE revisions SET sealed_at = ?, doc_hash = ?, status = ? WHERE id = ?",
                [(at, doc_hash(document), status, rid) for _, rid, document, status in rows])
            out = [(uuid, rid) for uuid, rid, _, _ in rows]
        return out

    def store_foreign_revisions(self, uuid: str, revisions: Iterable[dict[str, Any]]) -> int:
        """Record revisions made on another device (sealed, as they came: id, parent, device, user, at, and
        optionally merged, status, doc_hash). Known ids are skipped. The household must be stored (or be stored in
        the same transaction). Does not change the household's head: see adopt_revision. Returns rows added."""
        self._writable()
        rows = [(r["id"], uuid, r.get("parent"), r.get("merged"), r["device"], r["user"], r["at"], r["at"],
                 r.get("sealed_at") or r["at"], r.get("status"), r.get("doc_hash")) for r in revisions]
        before = self.db.conn.total_changes
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO revisions (id, uuid, parent, merged, device, user, created_at, at, sealed_at, "
            "status, doc_hash, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'foreign')", rows)
        return self.db.conn.total_changes - before

    def adopt_revision(self, document: dict[str, Any], revision_id: str, status: str, owner: str | None, *,
                       user: str | None = None, action: str = "import", reason: str | None = None) -> None:
        """Make a foreign revision (already stored with store_foreign_revisions) the head of its household, with
        its document, status and owner; audited field by field as `action`. New households are inserted. The sync
        area decides when this applies (a fast-forward, a settled conflict)."""
        self._writable()
        if self.revision(revision_id) is None:
            raise WorkspaceError("storage.error.internal", revision_id, detail="store_foreign_revisions")
        uuid = document["uuid"]
        device, user = self.device_id, user or self.user
        at = now_ms()
        with self._tx():
            state = self._state(uuid)
            row = self._row(document, status, owner)
            row["revision"] = revision_id
            old = json.loads(state[0]) if state else None
            if state is None:
                row["created_at"] = at
                cols = ", ".join(row)
                self.db.execute(f"INSERT INTO households ({cols}) VALUES ({', '.join('?' * len(row))})",
                                list(row.values()))
            else:
                sets = {k: v for k, v in row.items() if k != "uuid"}
                self.db.execute(f"UPDATE households SET {', '.join(f'{k} = ?' for k in sets)} WHERE uuid = ?",
                                [*sets.values(), uuid])
            audit = [(at, device, user, uuid, revision_id, action, f, _json(o), _json(n), reason, None)
                     for f, o, n in changes(old, document)]
            if state and state[1] != status:
                audit.append((at, device, user, uuid, revision_id, action, "status", _json(state[1]), _json(status),
                              reason, None))
            if state and state[2] != owner:
                audit.append((at, device, user, uuid, revision_id, action, "owner", _json(state[2]), _json(owner),
                              reason, None))
            if not audit:
                audit.append((at, device, user, uuid, revision_id, action, None, None, None, reason, None))
            self._audit(audit)

    # --- audit ----------------------------------------------------------------------------------------------------------

    def audit_log(self, uuid: str | None = None) -> list[dict[str, Any]]:
        """The audit entries (of one household, or all), oldest first; old/new decoded from JSON."""
        sql = "SELECT id, at, device, user, uuid, revision, action, field, old, new, reason, detail FROM audit"
        rows = self.db.query(sql + (" WHERE uuid = ? ORDER BY id" if uuid else " ORDER BY id"),
                             [uuid] if uuid else [])
        out = []
        for r in rows:
            for k in ("old", "new", "detail"):
                if r[k] is not None:
                    try:
                        r[k] = json.loads(r[k])
                    except ValueError:
                        pass
            out.append(r)
        return out

    def document_as_of(self, uuid: str, audit_id: int) -> dict[str, Any] | None:
        """The household's document as it was right after audit entry `audit_id` (None: not yet created), found
        by undoing, from the stored document, every later change the audit recorded field by field."""
        flat = _flatten(self.get_household(uuid))
        created = self.db.execute("SELECT MIN(id) FROM audit WHERE uuid = ?", [uuid]).fetchone()[0]
        if created is not None and audit_id < created:
            return None
        for field, old in self.db.execute(
                "SELECT field, old FROM audit WHERE uuid = ? AND id > ? AND field IS NOT NULL AND field NOT IN "
                "('status', 'owner') ORDER BY id DESC", [uuid, audit_id]):
            if old is None:
                flat.pop(field, None)
            else:
                flat[field] = json.loads(old)
        return _unflatten(flat)

    def add_audit(self, uuid: str, action: str, *, field: str | None = None, old: Any = MISSING, new: Any = MISSING,
                  reason: str | None = None, detail: Any = None, user: str | None = None,
                  device: str | None = None, at: str | None = None, revision: str | None = None) -> None:
        """Append one audit entry (e.g. a review comment, an entry received with a bundle)."""
        self._writable()
        self._audit([(at or now_ms(), device or self.device_id, user or self.user, uuid, revision, action, field,
                      _json(old), _json(new), reason, detail if detail is None or isinstance(detail, str)
                      else _json(detail))])


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


_KEEP: Any = _Keep()
