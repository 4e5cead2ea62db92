"""A workspace: one SQLite file for one commune and one review round, through sqlite-utils.

The connection runs in autocommit mode: every write is committed the moment it is made, and anything that must be
all-or-nothing runs inside one transaction. The workspace keeps the connection and reads and writes households; its
rooms are beside it: the schema and its migrations (schema.py), the one-writer lock (lock.py), the columns made from
a document (columns.py), revisions (revisions.py) and the audit log (audit.py).

Every change of a household writes, in the same transaction: the document and its list columns, its stored
classification (class, deprivations, income — equal to what `assess` gives for the document, with the workspace's
standard: the class is never stale), its revision and its audit rows. A status changes only as the household
lifecycle allows (fieldsurvey.domain.lifecycle).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import weakref
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlite_utils

from fieldsurvey.domain import lifecycle
from fieldsurvey.domain.assessed import Stored, standard_fingerprint, stored_classification
from fieldsurvey.domain.lifecycle import Action, HouseholdStatus, TransitionError
from fieldsurvey.domain.plausible import check_entered, check_size, implausible
from fieldsurvey.domain.results import Message
from fieldsurvey.domain.standards import Standard, default_registry
from fieldsurvey.errors import FieldSurveyError, WorkspaceError
from fieldsurvey.storage import audit, checks, connection, durability, encryption, lock, revisions, schema
from fieldsurvey.storage.audit import Entry
from fieldsurvey.storage.backups import backup_on_close, backups_of, discard_leftovers, undo_killed_restore
from fieldsurvey.storage.columns import CLASS_COLUMNS, Folded, document_columns
from fieldsurvey.storage.lock import release_writer_lock, take_writer_lock
from fieldsurvey.storage.stamps import doc_hash, new_device_id, now_iso, now_ms

_LOG = logging.getLogger(__name__)

BULK_CACHE_KIB = 32 * 1024   # the page cache of a connection doing a bulk write (SQLite's default: 2 MB)


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
class HouseholdState:
    """Where a stored household stands: its status and owner, its head revision and whether that is still open
    (being edited)."""
    status: HouseholdStatus
    owner: str | None
    revision: str | None
    open: bool
    household_class: str | None = None   # the stored class (None: not classified)


@dataclass(frozen=True)
class _Stored:
    """A household as stored, for a write: the document's JSON, status, owner, and the head revision with when it
    was sealed (None: open) and on which device it was made."""
    document: str
    status: HouseholdStatus
    owner: str | None
    head: str | None
    sealed_at: str | None
    head_device: str | None
    household_class: str | None = None
    classified: tuple[Any, ...] | None = None   # the stored values of CLASS_COLUMNS

    @property
    def open_here(self) -> bool:
        return self.head is not None and self.sealed_at is None

    def editable_by(self, device: str) -> bool:
        """The head is this device's open revision: an edit goes into it."""
        return self.open_here and self.head_device == device


@dataclass(frozen=True)
class Village:
    """A village of the commune, with its number of resident households when the supervisor has entered it."""
    name: str
    residents: int | None = None
    residents_date: str | None = None     # when the figure was taken (YYYY-MM-DD)
    residents_source: str | None = None   # where it comes from (e.g. the population register)
    residents_minority: int | None = None  # of the resident households, those of an ethnic minority (hộ DTTS)


RESIDENT_FIELDS = ("residents", "residents_minority", "residents_date", "residents_source")


@dataclass(frozen=True)
class VillageChange:
    """One change of a village's resident figures, as the append-only `village_changes` table keeps it: who, when,
    which field (RESIDENT_FIELDS), the value before and after (None: not entered), and where it came from (None:
    entered by hand; 'carry-forward', 'demo')."""
    id: int
    at: str
    device: str
    user: str
    village: str
    field: str
    old: int | str | None
    new: int | str | None
    reason: str | None = None


def _refuse_storage(path: Path, mounts_text: str | None) -> None:
    """A WorkspaceError when the file (or its folder) is on a network share or a USB stick."""
    found = durability.storage_problem_detail(path, mounts_text)
    if found:
        key, values = found
        raise WorkspaceError(key, str(path), **values)


def _refuse_hard_link(path: Path) -> None:
    """A WorkspaceError when the file has another name (a hard link): two paths to one file would each get their
    own writer lock, and two writers would damage it. A link left by a restore killed half-way (`<name>.replaced-…`
    beside it, the same file) is taken back first: the workspace is then as it was before that restore."""
    if path.stat().st_nlink > 1 and not undo_killed_restore(path):
        raise WorkspaceError("storage.error.hard_link", str(path), links=path.stat().st_nlink)


def _journal(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def _side_file(path: Path) -> Path:
    """The file beside the workspace that holds what a crash would need: the write-ahead log (WAL) or the rollback
    journal, by the journal mode chosen for the SQLite this file is opened with."""
    wal = durability.journal_settings(durability.sqlite_version(connection.file_sqlite_version(path)))[0] == "WAL"
    return _wal(path) if wal else _journal(path)


def _keep_journal(path: Path) -> bool:
    """Whether the workspace's journal — its rollback journal, or its write-ahead log in WAL mode — is beside it;
    then make sure it is, empty (an empty journal is never replayed, an empty WAL holds nothing). A workspace open
    for writing always has one from then on — SQLite keeps the journal, truncated, between changes
    (journal_mode=TRUNCATE), and the WAL until its last connection closes cleanly — so a workspace left open whose
    journal is gone had it deleted after the crash: the journal was what undoes a half-saved change in the file,
    the WAL what holds the changes committed since its last checkpoint. In WAL mode a rollback journal with
    something in it (left by a FieldSurvey that used one, killed) counts too: SQLite rolls it back on opening; an
    empty one is left over from then and goes."""
    side = _side_file(path)
    if side.exists():
        return True
    journal = _journal(path)
    if side != journal and journal.exists():
        if journal.stat().st_size:
            return True   # a hot journal: SQLite rolls it back on opening, before the WAL
        journal.unlink(missing_ok=True)
        there = True      # empty: nothing was being saved; a leftover of the rollback journal, gone now
    else:
        there = False
    try:
        os.close(os.open(side, os.O_WRONLY | os.O_CREAT, path.stat().st_mode & 0o666))
    except OSError:
        return True   # a folder that cannot be written: the workspace opens read-only, nothing to say
    return there


def _opening_check(db: sqlite_utils.Database, path: Path, key: tuple[str, int], journal_lost: bool = False
                   ) -> tuple[str, dict[str, Any]] | None:
    """The whole check of a workspace that was not closed cleanly, before anything is written to it: a file whose
    pages are damaged is refused (as a damaged file always is); one whose contents do not hold together (the
    documents, their columns, revisions, stored classes, links between tables), or whose journal was deleted after
    it was left open (`journal_lost`), gets its read-only reason, returned. None: sound. A file found damaged is not
    checked again in this process while it stays the same."""
    st = path.stat()
    seen = _DAMAGED.get(key)
    if seen is not None and seen[0] == (st.st_mtime_ns, st.st_size):
        found = seen[1]
    else:
        found = checks.problems_on_opening(db.conn)
        if found:
            _DAMAGED[key] = ((st.st_mtime_ns, st.st_size), found)
            _LOG.warning("%s was not closed cleanly and its check found problems: %s", path,
                         "; ".join(f"{f.check}: {p}" for f in found for p in f.problems[:3]))
    pages = [p for f in found if f.check in ("file", "integrity") for p in f.problems]
    if pages:
        raise WorkspaceError("storage.error.damaged", str(path), problems="; ".join(pages[:3]), file=str(path))
    if journal_lost:
        _DAMAGED[key] = ((st.st_mtime_ns, st.st_size), found)
        _LOG.warning("%s was left open and its journal was deleted since", path)
        kept = backups_of(path)
        values = {"journal": str(_side_file(path)), "file": str(path)}
        if kept:
            return "storage.error.journal_lost", values | {"backup": str(kept[-1])}
        return "storage.error.journal_lost_no_backup", values
    if not found:
        _CHECKED.add(key)
        _DAMAGED.pop(key, None)
        return None
    return _damaged_reason(path, found)


def _damaged_reason(path: Path, found: list[checks.Finding]) -> tuple[str, dict[str, Any]]:
    """The read-only reason of a workspace whose check on opening found problems: what was found, and the newest
    backup to restore (when there is one)."""
    problems = "; ".join(f"{p}" for f in found for p in f.problems[:2])[:600]
    kept = backups_of(path)
    if kept:
        return "storage.error.damaged_read_only", {"problems": problems, "file": str(path), "backup": str(kept[-1])}
    return "storage.error.damaged_read_only_no_backup", {"problems": problems, "file": str(path)}


def busy_reason(path: Path) -> tuple[str, dict[str, Any]]:
    """Why a workspace another process holds opened read-only here, naming the holder where its lock file says who:
    the app's window or a command (`fieldsurvey import`), whose login, on which computer, its process id, since when
    (local time, dd/mm/yyyy)."""
    who = lock.holder(path)
    if who is None:
        return "storage.error.busy", {}
    try:
        since = datetime.fromisoformat(str(who.get("since"))).astimezone().strftime("%H:%M %d/%m/%Y")
    except ValueError:
        since = "?"
    what = who.get("what") if who.get("what") in ("app", "command") else "program"
    holder = Message(f"storage.holder.{what}", {"user": str(who.get("user", "?")), "host": str(who.get("host", "?")),
                                               "pid": str(who.get("pid", "?")), "since": since,
                                               "command": str(who.get("command", ""))})
    return "storage.error.busy_by", {"holder": holder}


def _connect(path: Path, read_only: bool = False) -> sqlite_utils.Database:
    conn = connection.connect(path, read_only=read_only, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    return sqlite_utils.Database(conn)


def _set_journal(db: sqlite_utils.Database) -> tuple[str, str]:
    # chosen from the SQLite the connection's binding carries (SQLCipher's is not Python's)
    mode, sync = durability.journal_settings(durability.sqlite_version(connection.sqlite_version(db.conn)))
    got = db.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0]
    db.execute(f"PRAGMA synchronous = {sync}")
    return got, sync


# Files that passed the quick check in this process (path and inode: a restored file is checked again). A large
# workspace takes a second or two to check, and the app's worker jobs open it again and again.
_CHECKED: set[tuple[str, int]] = set()
# Files whose check on opening found problems (path and inode -> (modified time, size), the findings): opened again
# unchanged (the app checks a big file on a worker thread, then opens it), they are not checked a second time.
_DAMAGED: dict[tuple[str, int], tuple[tuple[int, int], list[Any]]] = {}


def _file_key(path: Path) -> tuple[str, int]:
    return os.path.realpath(path), path.stat().st_ino


def _is_sqlite_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return head == b"SQLite format 3\x00" or head == b"" or encryption.is_encrypted(path)


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()   # "leave it as it is" (an owner, a village's minority households)



class _Held:
    """What an open Workspace holds that must be let go of even when nobody calls close(): its connection and its
    share of the writer lock. A Workspace dropped without close() (garbage-collected, or still open when Python
    exits) is settled by `_let_go` — the connection closed (SQLite checkpoints a WAL into the file and removes it),
    then the lock let go saying `closed` — so the next opening does not find a workspace "left open" whose WAL is
    gone and take it for a crash whose WAL was deleted (docs/storage.md). A killed process runs none of this: its
    WAL stays, and the lock still says `open`."""
    __slots__ = ("db", "path", "locked")

    def __init__(self, db: sqlite_utils.Database, path: Path):
        self.db, self.path, self.locked = db, path, False


def _let_go(held: _Held) -> None:
    try:
        held.db.close()
    finally:
        if held.locked:
            held.locked = False
            release_writer_lock(held.path)


class Workspace:
    def __init__(self, db: sqlite_utils.Database, path: Path, read_only: bool = False):
        self._own = _Held(db, path)
        self._settle = weakref.finalize(self, _let_go, self._own)   # dropped unclosed, or open at exit
        self.path = path
        self.read_only = read_only
        self.journal_mode: str | None = None
        self.synchronous: str | None = None
        self._closed = False
        self._held = False  # a write transaction kept open by save_classifications(hold=True)
        self._standard: Standard | None = None
        self.read_only_key = "storage.error.read_only"  # why edits are refused (storage.error.busy: another process)
        self.read_only_values: dict[str, Any] = {}      # what fills that message (a damaged file: what was found)
        self.backups = True  # a rotating backup on close (storage/backups.py); tests and tools may turn it off

    @property
    def db(self) -> sqlite_utils.Database:
        return self._own.db

    @db.setter
    def db(self, db: sqlite_utils.Database) -> None:
        self._own.db = db

    @property
    def _locked(self) -> bool:
        return self._own.locked

    @_locked.setter
    def _locked(self, locked: bool) -> None:
        self._own.locked = locked

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
        except connection.ERRORS as exc:
            raise WorkspaceError("storage.error.cannot_create", str(path), error=str(exc)) from None
        db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        ws = cls(db, path)
        ws._locked = take_writer_lock(path)
        try:
            ws.journal_mode, ws.synchronous = _set_journal(db)
            schema.apply(db)
            db.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
            with db.atomic():
                for key, value in info.__dict__.items():
                    db["meta"].insert({"key": key, "value": str(value)}, pk="key", replace=True)
                # no household yet: every class (none) is current with this standard
                db["meta"].insert({"key": "classified_with", "value": standard_fingerprint(ws.standard)},
                                  pk="key", replace=True)
                db["meta"].insert({"key": "created_at", "value": now_iso()}, pk="key", replace=True)
                for i, name in enumerate(villages):
                    ws.add_village(name, sort=i)
        except BaseException as exc:  # no half-made workspace is left behind
            ws.backups = False
            ws.close()
            for leftover in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal"),
                             path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            if isinstance(exc, connection.ERRORS):
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
        _refuse_hard_link(path)
        encryption.secret_for(path)   # an encrypted file: unlocked (asked for) before anything else; a wrong one refused
        # the file's write bits count even for root (for whom os.access always says yes); a disk the mount table
        # says is mounted read-only (`ro`) is read-only whatever the bits say
        ro_mount = durability.mounted_read_only(path, mounts_text)
        writable = (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
                    and bool(path.stat().st_mode & 0o222)) and ro_mount is None
        if read_only is None:
            read_only = not writable
        busy = False
        journal_there = _keep_journal(path) if not read_only else True
        if not read_only and not take_writer_lock(path):
            read_only = busy = True
        locked = not read_only
        # the first writer of this process: leftovers of a killed backup or restore go, and a file not closed
        # cleanly (its last writer killed, a power cut, a copy from elsewhere) gets the whole check below
        first = locked and lock.holders(path) == 1
        state = lock.previous_state(path) if first else None
        unclean = state in ("open", "check", "lost", "unknown")
        journal_lost = state == "lost" or (state == "open" and not journal_there)
        if first:
            discard_leftovers(path)
        if not _is_sqlite_file(path):
            if locked:
                release_writer_lock(path, clean=False)
            raise WorkspaceError("storage.error.not_sqlite", str(path))
        try:
            db = _connect(path, read_only)
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except connection.DATABASE_ERRORS as exc:
            if locked:
                release_writer_lock(path, clean=False)
            raise WorkspaceError("storage.error.not_workspace_detail", str(path), error=str(exc)) from None
        ws = cls(db, path, read_only)
        ws._locked = locked
        if busy:
            ws.read_only_key, ws.read_only_values = busy_reason(path)
        elif read_only and ro_mount is not None:   # the disk itself is mounted read-only
            ws.read_only_key, ws.read_only_values = "storage.error.read_only_mount", {"point": ro_mount}
        try:
            if app_id != schema.APPLICATION_ID:
                raise WorkspaceError("storage.error.other_program", str(path))
            if version > schema.SCHEMA_VERSION:
                raise WorkspaceError("storage.error.newer_schema", str(path), version=version,
                                     known=schema.SCHEMA_VERSION)
            cut = durability.size_problem(db.conn, path) if check else None
            if cut:
                raise WorkspaceError("storage.error.damaged", str(path), problems=cut, file=str(path))
            key = _file_key(path)
            reason = _opening_check(db, path, key, journal_lost) if check and unclean else None
            if check and key not in _CHECKED and not unclean:
                try:
                    problems = durability.quick_check(db.conn)
                except connection.DATABASE_ERRORS as exc:
                    problems = [str(exc)]
                if problems:
                    raise WorkspaceError("storage.error.damaged", str(path), problems="; ".join(problems[:3]),
                                         file=str(path))
                _CHECKED.add(key)
            known = set(schema.names())
            done = schema.applied(db)
            unknown = [n for n in done if n not in known]
            if unknown:
                raise WorkspaceError("storage.error.newer_migrations", str(path), names=", ".join(unknown))
            if reason is not None:   # nothing is written to it: read-only, saying what was found and how to restore
                db.close()
                ws._locked = locked = False
                release_writer_lock(path, clean=False, lost=journal_lost)
                db = ws.db = _connect(path, read_only=True)
                ws.read_only = read_only = True
                ws.read_only_key, ws.read_only_values = reason
            pending = [n for n in schema.names() if n not in set(done)]
            if read_only:
                if pending and reason is not None:
                    raise ws.refusal()   # damaged, and older: nothing to show before an upgrade that must not run
                if pending:
                    raise WorkspaceError("storage.error.older_busy" if busy else "storage.error.older_read_only",
                                         str(path))
                return ws
            ws.journal_mode, ws.synchronous = _set_journal(db)
            schema.apply(db)
            if version != schema.SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
        except BaseException:
            ws._settle.detach()   # let go of here, as the refusal says (not as a clean close)
            db.close()
            if locked:
                release_writer_lock(path, clean=not unclean, lost=journal_lost)
            raise
        return ws

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.commit_held()
            if self.backups and not self.read_only:
                try:
                    backup_on_close(self)
                except (OSError, *connection.ERRORS, FieldSurveyError) as exc:
                    # a backup that cannot be written (a full disk: nothing of it is left) never stops the
                    # workspace from closing
                    _LOG.warning("%s: no backup on closing: %s", self.path, exc)
        finally:
            self._closed = True
            self._settle.detach()
            _let_go(self._own)

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _writable(self) -> None:
        if self.read_only:
            raise self.refusal()

    def refusal(self) -> WorkspaceError:
        """The error an edit of a workspace open read-only meets: why it is read-only, in the user's language."""
        return WorkspaceError(self.read_only_key, str(self.path), **self.read_only_values)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken at once (BEGIN IMMEDIATE: a read-then-write never deadlocks with another
        connection); nested inside a caller's transaction it is a savepoint. Everything inside is all or nothing."""
        self._writable()
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

    _tx = transaction

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
    def standard(self) -> Standard:
        """The standard the households are classified with (the workspace's, from the shipped and local
        standards), loaded once."""
        if self._standard is None or self._standard.id != self.meta("standard_id"):
            self._standard = default_registry().get(self.info.standard_id)
        return self._standard

    def use_standard(self, standard: Standard) -> None:
        """Classify with this standard (a province's local one, loaded by the caller) from now on; its id becomes
        the workspace's. The stored classes are the caller's to renew (services.workspaces.classify_all)."""
        self._writable()
        self.set_meta("standard_id", standard.id)
        self._standard = standard

    @property
    def device_id(self) -> str:
        """This installation's device id (meta `device_id`), made on first need."""
        device = self.meta("device_id")
        if device is None:
            device = new_device_id()
            if not self.read_only:
                self.set_meta("device_id", device)
        return device

    @property
    def user(self) -> str:
        """Who works on this installation (meta `user`, else the enumerator's id); recorded on every change."""
        return self.meta("user") or self.meta("enumerator_id") or self.meta("enumerator") or "unknown"

    def set_identity(self, device: str | None = None, user: str | None = None) -> None:
        with self.transaction():
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

    def village_rows(self) -> list[Village]:
        """The villages in their order, with their resident-household counts."""
        return [Village(*r) for r in self.db.execute(
            "SELECT name, residents, residents_date, residents_source, residents_minority FROM villages "
            "ORDER BY sort, name")]

    def set_residents(self, village: str, residents: int | None, date: str | None, source: str | None, *,
                      minority: int | None = KEEP, reason: str | None = None, user: str | None = None) -> None:
        """Record a village's number of resident households, the date it was taken and where it comes from, and of
        them the households of an ethnic minority (KEEP: as stored; None: not entered). Each field whose value
        changes gets a row in `village_changes` (with `reason`: where the change came from), in the same
        transaction."""
        self._writable()
        with self.transaction():
            row = self.db.execute(f"SELECT {', '.join(RESIDENT_FIELDS)} FROM villages WHERE name = ?",
                                  [village]).fetchone()
            if row is None:
                raise WorkspaceError("storage.error.no_village", village)
            old = dict(zip(RESIDENT_FIELDS, row))
            new = {"residents": residents, "residents_minority": old["residents_minority"] if minority is KEEP
                   else minority, "residents_date": date, "residents_source": source}
            changed = [f for f in RESIDENT_FIELDS if new[f] != old[f]]
            if not changed:
                return
            self.db.execute(f"UPDATE villages SET {', '.join(f'{f} = ?' for f in changed)} WHERE name = ?",
                            [*(new[f] for f in changed), village])
            at, device, who = now_ms(), self.device_id, user or self.user
            self.db.conn.executemany(
                "INSERT INTO village_changes (at, device, user, village, field, old, new, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(at, device, who, village, f, old[f], new[f], reason) for f in changed])

    def village_changes(self, village: str | None = None) -> list[VillageChange]:
        """The changes of a village (of every village when None), newest first: of its resident figures, and its
        being added, renamed or merged — with the changes it had under its former names (a village renamed, or
        merged into it)."""
        sql = "SELECT id, at, device, user, village, field, old, new, reason FROM village_changes"
        args: list[Any] = []
        if village is not None:
            names = self.former_names(village) | {village}
            sql += f" WHERE village IN ({', '.join('?' * len(names))})"
            args.extend(sorted(names))
        return [VillageChange(*r) for r in self.db.execute(sql + " ORDER BY id DESC", args)]

    def former_names(self, village: str) -> set[str]:
        """The names the village had before (renamed from) and those of the villages merged into it, and theirs."""
        found: set[str] = set()
        todo = [village]
        while todo:
            name = todo.pop()
            for (old,) in self.db.execute("SELECT old FROM village_changes WHERE field IN ('name', 'merged_into') "
                                          "AND new = ? AND old IS NOT NULL", [name]):
                if old not in found and old != village:
                    found.add(old)
                    todo.append(old)
        return found

    def current_village(self, name: str) -> str | None:
        """The village a name stands for now: itself when listed; the village it was renamed or merged into (and
        so on) when it is a former name; None when it is neither."""
        seen: set[str] = set()
        listed = set(self.villages())
        while name not in listed:
            if name in seen:
                return None
            seen.add(name)
            row = self.db.execute("SELECT new FROM village_changes WHERE field IN ('name', 'merged_into') AND old = ? "
                                  "ORDER BY id DESC LIMIT 1", [name]).fetchone()
            if row is None:
                return None
            name = row[0]
        return name

    def log_village_change(self, village: str, what: str, old: Any, new: Any, *, reason: str | None = None,
                           user: str | None = None) -> int:
        """One row of `village_changes` (inside the caller's transaction): `what` is `added`, `name` (renamed:
        old → new), `merged_into` (old merged into new), `removed`, or a resident field. Returns its id."""
        self._writable()
        cur = self.db.execute("INSERT INTO village_changes (at, device, user, village, field, old, new, reason) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              [now_ms(), self.device_id, user or self.user, village, what, old, new, reason])
        return cur.lastrowid

    def rename_village_row(self, old: str, new: str) -> None:
        """The village's row under its new name (its place, resident figures kept); the caller logs the change and
        moves the households."""
        self._writable()
        self.db.execute("UPDATE villages SET name = ? WHERE name = ?", [new, old])

    def remove_village_row(self, name: str) -> None:
        """The village's row taken off the list (a village merged into another; the caller logs it)."""
        self._writable()
        self.db.execute("DELETE FROM villages WHERE name = ?", [name])

    def set_village_order(self, names: list[str]) -> None:
        """The villages' order: these first, in this order; the others after them, as they were."""
        self._writable()
        rest = [n for n in self.villages() if n not in names]
        self.db.conn.executemany("UPDATE villages SET sort = ? WHERE name = ?",
                                 [(i, n) for i, n in enumerate([*names, *rest])])

    def households_of_village(self, village: str) -> list[str]:
        """The uuids of the households whose stored village is this name (every status)."""
        return [r[0] for r in self.db.execute("SELECT uuid FROM households WHERE village = ? ORDER BY uuid",
                                              [village])]

    def move_household_village(self, uuid: str, village: str, *, reason: str, user: str | None = None
                               ) -> str | None:
        """A household's stored village changed (its village renamed or merged): a revision like any correction,
        its status and owner kept, audited as `village` with the reason. Returns the revision written."""
        with self.transaction():
            state = self._must(uuid)
            doc = json.loads(state.document)
            location = doc.get("location")
            if not isinstance(location, dict):
                location = doc["location"] = {}
            location["village"] = village
            return self._write(doc, state, None, KEEP, reason, user, "village")

    # --- households: reads -----------------------------------------------------------------------------------------

    def _stored(self, uuid: str) -> _Stored | None:
        row = self.db.execute(
            "SELECT h.document, h.status, h.owner, h.revision, r.sealed_at, r.device, "
            f"{', '.join(f'h.{c}' for c in CLASS_COLUMNS)} FROM households h "
            "LEFT JOIN revisions r ON r.id = h.revision WHERE h.uuid = ?", [uuid]).fetchone()
        return None if row is None else _Stored(row[0], HouseholdStatus(row[1]), *row[2:6], row[6], tuple(row[6:]))

    def _must(self, uuid: str) -> _Stored:
        state = self._stored(uuid)
        if state is None:
            raise WorkspaceError("storage.error.no_household", uuid)
        return state

    def get_household(self, uuid: str) -> dict[str, Any]:
        return json.loads(self._must(uuid).document)

    def household_state(self, uuid: str) -> HouseholdState:
        state = self._must(uuid)
        return HouseholdState(state.status, state.owner, state.head, state.open_here, state.household_class)

    def household_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM households").fetchone()[0]

    def iter_documents(self, batch: int = 2000, raw: bool = False) -> Iterator[tuple[str, Any]]:
        """(uuid, document JSON) for every household, in pages, so memory stays flat, in the order the rows lie in
        the file (each page read once: an encrypted page is decrypted once; in uuid order the rows of a large
        workspace are read all over the file). `raw`: the JSON as the UTF-8 bytes stored, not decoded to text
        (cheaper to read, to pack and to hand to another process)."""
        last = -1
        sql = (f"SELECT rowid, uuid, {'CAST(document AS BLOB)' if raw else 'document'} FROM households "
               "WHERE rowid > ? ORDER BY rowid LIMIT ?")
        while True:
            rows = self.db.execute(sql, [last, batch]).fetchall()
            if not rows:
                return
            for _, uuid, document in rows:
                yield uuid, document
            last = rows[-1][0]

    # --- households: writes ----------------------------------------------------------------------------------------

    def classify(self, doc: dict[str, Any]) -> Stored | None:
        """The class columns of a document, with the workspace's standard (None: the document cannot be read as a
        household, e.g. a half-made one; it is then listed as not classified). A fault in a rule never stops the
        answers from being saved: it is logged, and the household is listed as not classified."""
        try:
            return stored_classification(doc, self.standard)
        except FieldSurveyError:
            return None
        except Exception:   # noqa: BLE001 - the answers matter more than their class; `check` finds the gap
            logging.getLogger("fieldsurvey").exception("classifying household %s failed", doc.get("uuid"))
            return None

    def _row(self, doc: dict[str, Any], status: HouseholdStatus, owner: str | None,
             folded: Folded | None = None) -> dict[str, Any]:
        """The households row of a document: its list columns, its class columns, status, owner."""
        row = document_columns(doc, folded)
        row.update(zip(CLASS_COLUMNS, self.classify(doc) or (None,) * len(CLASS_COLUMNS)))
        row.update(status=status.value, owner=owner, updated_at=now_iso(), classified_at=now_iso())
        return row

    def _audit(self, rows: list[Entry]) -> None:
        audit.write(self.db, rows)

    def _write(self, doc: dict[str, Any], state: _Stored | None, status: HouseholdStatus | None, owner: Any,
               reason: str | None, user: str | None, action: str = "edit") -> str | None:
        """One household's change inside the caller's transaction: document, columns, class, revision, audit
        rows. Returns the revision written, or None when nothing changed."""
        entered = action == "edit"   # what a person enters (not a year carried forward, not a status change)
        if entered:
            check_size(doc)   # a roster past the bound is refused before it is classified (domain/plausible.py)
        device, user = self.device_id, user or self.user
        at = now_ms()
        uuid = doc["uuid"]
        if state is None:  # a new household
            status = HouseholdStatus(status or HouseholdStatus.DRAFT)
            owner = None if owner is KEEP else owner
            row = self._row(doc, status, owner)
            if entered:
                check_entered(doc, None, row["document"])   # no control character in what is entered
            row["created_at"] = at
            rid = revisions.start(self.db, uuid, None, device, user, at, status)
            row["revision"] = rid
            self.db.execute(f"INSERT INTO households ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                            list(row.values()))
            self._audit([Entry(at, device, user, uuid, rid, "create" if action == "edit" else action, None, None,
                               None, reason, audit.detail_text({"status": status.value, "owner": owner}))])
            return rid
        status = state.status if status is None else HouseholdStatus(status)
        owner = state.owner if owner is KEEP else owner
        new_json = json.dumps(doc, ensure_ascii=False)
        old_doc = json.loads(state.document)
        if entered and new_json != state.document:
            check_entered(doc, old_doc, new_json)   # the values entered now (older ones are left as they are)
        diff = audit.changes(at, device, user, uuid, None, action, old_doc, doc, reason) \
            if new_json != state.document else []
        if not diff and status == state.status and owner == state.owner:
            return None
        if lifecycle.needs_reason(state.status) and not (reason and reason.strip()):
            raise WorkspaceError("storage.error.approved_needs_reason", uuid)
        if status != state.status and state.editable_by(device) and not diff:
            rid = state.head  # a status change alone seals the open revision below
            revisions.touch(self.db, rid, at, user)
        elif state.editable_by(device):
            rid = state.head
            revisions.touch(self.db, rid, at, user, status)
        else:
            rid = revisions.start(self.db, uuid, state.head, device, user, at, status)
            self.db.execute("UPDATE households SET revision = ? WHERE uuid = ?", [rid, uuid])
        entries = [e._replace(revision=rid) for e in diff]
        sets: dict[str, Any] = {}
        if diff:
            row = self._row(doc, status, owner)
            # only the columns whose value changes: a class column set to the value it has would still rewrite the
            # entries of the indexes holding it (an autosave dirtied one index page more; docs/performance.md)
            old_row = {**document_columns(old_doc), **dict(zip(CLASS_COLUMNS, state.classified or ()))}
            sets = {k: v for k, v in row.items() if k not in ("uuid", "status", "owner") and v != old_row.get(k)}
        if owner != state.owner:
            sets["owner"] = owner
            entries.append(Entry(at, device, user, uuid, rid, "owner", "owner", audit.as_json(state.owner),
                                 audit.as_json(owner), reason))
        if status != state.status:
            sets["status"] = status.value
            entries.append(Entry(at, device, user, uuid, rid, "status", "status", audit.as_json(state.status.value),
                                 audit.as_json(status.value), reason))
        if sets:
            self.db.execute(f"UPDATE households SET {', '.join(f'{k} = ?' for k in sets)} WHERE uuid = ?",
                            [*sets.values(), uuid])
        self._audit(entries)
        if status != state.status:  # a status change closes the revision: the status is a point in the history
            revisions.seal(self.db, [(rid, new_json, status.value)], at)
        return rid

    def _moving(self, state: _Stored, status: HouseholdStatus, uuid: str) -> None:
        """A status given with a document must be one the lifecycle lets follow the stored one."""
        if status != state.status and not lifecycle.can_move(state.status, status):
            raise TransitionError("lifecycle.error.move", uuid, status=lifecycle.word(state.status),
                                  new=lifecycle.word(status))

    def save_household(self, doc: dict[str, Any], status: HouseholdStatus | str = HouseholdStatus.DRAFT,
                       owner: Any = None, *, reason: str | None = None, user: str | None = None,
                       action: str = "edit") -> str | None:
        """Store (insert or update) one household document with this status and owner, classified with the
        workspace's standard; committed at once with its revision and audit rows. Returns the revision written
        (None: nothing changed)."""
        status = HouseholdStatus(status)
        with self.transaction():
            state = self._stored(doc["uuid"])
            if state is not None:
                self._moving(state, status, doc["uuid"])
            return self._write(doc, state, status, owner, reason, user, action)

    def save_households(self, items: Iterable[tuple[dict[str, Any], HouseholdStatus | str, str | None]],
                        action: str = "create") -> int:
        """Store many (document, status, owner) in one transaction (all or nothing), audited as `action`."""
        n = 0
        with self.transaction():
            for doc, status, owner in items:
                status = HouseholdStatus(status)
                state = self._stored(doc["uuid"])
                if state is not None:
                    self._moving(state, status, doc["uuid"])
                self._write(doc, state, status, owner, None, None, action)
                n += 1
        return n

    def save_form(self, doc: dict[str, Any], complete: bool, owner: Any = KEEP, *, reason: str | None = None,
                  user: str | None = None) -> HouseholdStatus:
        """The questionnaire's autosave: the document as it stands, its status following the answers as the
        lifecycle says (draft ⇄ complete; a confirmed household changed again goes back to returned; a household
        with a value outside its plausible range is not complete). A new household is stored with it. Returns the
        status now."""
        with self.transaction():
            state = self._stored(doc["uuid"])
            old = state.status if state is not None else HouseholdStatus.DRAFT
            check_size(doc)
            # a value outside a hard range (domain/plausible.py) leaves it a draft: an import refuses it finished
            status = lifecycle.after_edit(old, complete and not implausible(doc))
            self._write(doc, state, status, owner, reason, user)
            return status

    def move_to_form(self, doc: dict[str, Any], complete: bool | None, *, reason: str | None = None,
                     user: str | None = None) -> tuple[HouseholdStatus, str | None]:
        """A household moved to another version of its form (services/form_upgrade.py): a revision of its own — the
        open revision before it sealed first, so the document as it was stays a point in the history, and the moved
        one sealed after — audited field by field as `form-version` (at least `form.version`: old → new) with the
        reason (required for an approved household, as for any change to one); classified again. `complete`: what
        the new version says, when it says otherwise than the old one — the status then follows it as the
        questionnaire's autosave (draft ⇄ complete); None: the status is kept. Inside the caller's transaction when
        there is one. Returns (the status now, the revision written)."""
        uuid = doc["uuid"]
        with self.transaction():
            heads = revisions.open_heads(self.db, [uuid])
            if heads:
                revisions.seal(self.db, [(rid, document, status) for _, rid, document, status in heads], now_ms())
            state = self._must(uuid)
            status = state.status if complete is None else \
                lifecycle.after_edit(state.status, complete and not implausible(doc))
            rid = self._write(doc, state, status, KEEP, reason, user, "form-version")
            if rid is not None and status == state.status:   # (a status change sealed it already)
                revisions.seal(self.db, [(rid, json.dumps(doc, ensure_ascii=False), status.value)], now_ms())
            return status, rid

    def update_household(self, doc: dict[str, Any], *, reason: str | None = None, user: str | None = None
                         ) -> str | None:
        """An edited document (status and owner kept): one transaction with the audit rows of every field that
        changed. A household that is approved needs a reason."""
        with self.transaction():
            return self._write(doc, self._must(doc["uuid"]), None, KEEP, reason, user)

    def save_answer(self, uuid: str, name: str, value: Any, member: str | None = None, *,
                    reason: str | None = None, user: str | None = None) -> str | None:
        """Autosave of one answer: `name` of the household (`household.<name>`), of a member (member id given),
        or a top-level field (`interview_date`, `location.village`). Committed at once with its audit row.
        Value None removes the answer."""
        with self.transaction():
            state = self._must(uuid)
            doc = json.loads(state.document)
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
            return self._write(doc, state, None, KEEP, reason, user)

    def change_status(self, uuid: str, action: Action, *, reason: str | None = None, user: str | None = None
                      ) -> str | None:
        """Move a household on as `action` (approve, return, confirm, move away, come back, merge), to the status
        the lifecycle gives — refused, with the household, its status and why, when the action may not start from
        its status. Seals its revision."""
        with self.transaction():
            state = self._must(uuid)
            status = lifecycle.target(action, state.status, uuid)
            return self._write(json.loads(state.document), state, status, KEEP, reason, user, action.value)

    def set_owner(self, uuid: str, owner: str | None, *, reason: str | None = None, user: str | None = None
                  ) -> str | None:
        """Assign a household to an enumerator (audited)."""
        with self.transaction():
            state = self._must(uuid)
            return self._write(json.loads(state.document), state, None, owner, reason, user)

    # --- classification in bulk ------------------------------------------------------------------------------------

    def prepare_bulk_write(self) -> None:
        """A larger page cache for this connection (up to 32 MB) before a write that touches thousands of
        households (classify all): the transaction then stays in memory until its commit instead of spilling pages
        to the file mid-way, each spill syncing the journal first. (Not the default: for the app's long read scans
        — a 100,000-household list sorted by name — SQLite's small cache is a little faster.)"""
        current = -self.db.execute("PRAGMA cache_size").fetchone()[0]   # KiB (an encrypted connection's is larger)
        self.db.execute(f"PRAGMA cache_size = -{max(BULK_CACHE_KIB, current)}")

    def save_classifications(self, rows: list[tuple], hold: bool = False) -> None:
        """rows: (class, standard_id, deprivations, b2, income_per_person, b1_score, summary JSON, uuid).

        `hold`: a bulk job writing chunk after chunk keeps one write transaction open across calls (each commit
        syncs the disk several times); `commit_held()` commits it. Without `hold` the rows are committed at once."""
        self._writable()
        conn = self.db.conn
        at = now_iso()
        sql = ("UPDATE households SET class = ?, standard_id = ?, deprivations = ?, b2_score = ?, "
               "income_per_person = ?, b1_score = ?, classification = ?, classified_at = ? WHERE uuid = ?")
        values = [tuple(r[:7]) + (at,) + tuple(r[7:]) for r in rows]
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
        with self.transaction():
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

    def seal(self, uuids: Iterable[str] | None = None, user: str | None = None) -> list[tuple[str, str]]:
        """Seal the open revisions of these households (all households when None): their content is final, the
        next edit starts a child revision. Returns (uuid, sealed revision id). Called by export/sync."""
        with self.transaction():
            rows = revisions.open_heads(self.db, None if uuids is None else list(uuids))
            revisions.seal(self.db, [(rid, document, status) for _, rid, document, status in rows], now_ms())
        return [(uuid, rid) for uuid, rid, _, _ in rows]

    def adopt_revision(self, document: dict[str, Any], revision_id: str, status: HouseholdStatus | str,
                       owner: str | None, *, user: str | None = None, action: str = "import",
                       reason: str | None = None) -> None:
        """Make a revision already stored (another device's, or a settled conflict's) the head of its household,
        with its document, status and owner, classified here; audited field by field as `action`. New
        households are inserted. The sync area decides when this applies (a fast-forward, a settled conflict)."""
        if revisions.get(self.db, revision_id) is None:
            raise WorkspaceError("storage.error.internal", revision_id, detail="store the revision first")
        uuid = document["uuid"]
        status = HouseholdStatus(status)
        device, user = self.device_id, user or self.user
        at = now_ms()
        with self.transaction():
            state = self._stored(uuid)
            row = self._row(document, status, owner)
            row["revision"] = revision_id
            if state is None:
                row["created_at"] = at
                self.db.execute(f"INSERT INTO households ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                                list(row.values()))
            else:
                sets = {k: v for k, v in row.items() if k != "uuid"}
                self.db.execute(f"UPDATE households SET {', '.join(f'{k} = ?' for k in sets)} WHERE uuid = ?",
                                [*sets.values(), uuid])
            old = json.loads(state.document) if state else None
            entries = [e._replace(revision=revision_id)
                       for e in audit.changes(at, device, user, uuid, None, action, old, document, reason)]
            if state and state.status != status:
                entries.append(Entry(at, device, user, uuid, revision_id, action, "status",
                                     audit.as_json(state.status.value), audit.as_json(status.value), reason))
            if state and state.owner != owner:
                entries.append(Entry(at, device, user, uuid, revision_id, action, "owner",
                                     audit.as_json(state.owner), audit.as_json(owner), reason))
            if not entries:
                entries.append(Entry(at, device, user, uuid, revision_id, action, None, None, None, reason))
            self._audit(entries)

    def add_audit(self, uuid: str, action: str, *, reason: str | None = None, detail: Any = None,
                  user: str | None = None) -> None:
        """Append one audit entry that changes no field (a review comment, a note)."""
        self._writable()
        self._audit([Entry(now_ms(), self.device_id, user or self.user, uuid, None, action, None, None, None,
                           reason, audit.detail_text(detail))])


def hash_of(document: dict[str, Any]) -> str:
    """The hash a sealed revision keeps of this document as storage writes it."""
    return doc_hash(json.dumps(document, ensure_ascii=False))
