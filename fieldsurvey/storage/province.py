"""The province's workspace: every commune's latest result, kept in one database — an SQLite file (the default,
on a laptop) or a PostgreSQL database (a server; `postgresql://…`). All of the roll-up's SQL lives here, written
once for both engines (`?` placeholders, upserts with ON CONFLICT, substr and CASE only); the tables are made by
queries on the database, never by reading the households back.

Tables:
    province_meta      the province, the round, the standard, the communes' deadline
    province_schema    the schema's versions, each with when it was reached (the app migrates an older database when
                       it opens it: MIGRATIONS, in order, in one transaction)
    province_keys      the communes' supervisors' keys the province trusts
    results            each commune's current result (one row a commune): who sent it, when, its figures as declared
    result_history     every result ever imported, the replaced ones kept (what changed, and when)
    seen_bundles       every result bundle imported (a replayed one is refused)
    villages           each commune's villages with their resident households (the rates' denominators)
    households         each commune's households as its count saw them (domain.province.ResultRow)
    commune_sums       each commune's sums of its households (domain.province.flat_columns): its rows as added up when
                       they were checked (equal to the figures it declared, or it was refused), stored with them;
                       the tables read these (a GROUP BY over the households gives the same: the tests compare)
    last_year          last year's figures by commune (carried from last year's province, or typed in)
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from fieldsurvey.domain.figures import MOVEMENT_COLUMNS, TARGET_GROUPS
from fieldsurvey.domain.province import CLASS_COLUMNS, CLASSES, COUNT_FLAGS, LastYear, ResultRow, flat_columns
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.i18n import fold
from fieldsurvey.storage import connection, durability
from fieldsurvey.storage.stamps import now_iso

SCHEMA_VERSION = 3
MOVE_COLUMNS = tuple(f"{k}_{c}" for k in CLASSES for c in MOVEMENT_COLUMNS)
TARGET_COLUMNS = tuple(f"t_{g}" for g in TARGET_GROUPS)
HOUSEHOLD_COLUMNS = ("commune_code", "uuid", "village", *COUNT_FLAGS, "household_class", *CLASS_COLUMNS,
                     "deprived", *MOVE_COLUMNS, *TARGET_COLUMNS, "minority", "members", "low_income_workers",
                     "head_name", "head_folded", "head_birth", "head_id")
_INT = {*COUNT_FLAGS, *CLASS_COLUMNS, *MOVE_COLUMNS, *TARGET_COLUMNS, "minority", "members", "low_income_workers"}

_VERSIONS_TABLE = ("CREATE TABLE IF NOT EXISTS province_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                   "reached_at TEXT NOT NULL)")


@dataclass(frozen=True)
class Migration:
    """From version `version - 1` to `version`: statements written once for both engines (SQLite and PostgreSQL
    both run DDL inside a transaction, so a migration cut short leaves the older schema whole)."""
    version: int
    description: str
    statements: tuple[str, ...]


# In order, one per version after the first. SCHEMA above is what the last one leads to (a new database is made at
# SCHEMA_VERSION at once); a change to SCHEMA comes with its migration here, and a test opens the older schema.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "the schema's versions kept in province_schema; every result received names its commune", (
        _VERSIONS_TABLE,
        "ALTER TABLE result_history ADD COLUMN commune_name TEXT",
        "UPDATE result_history SET commune_name = (SELECT r.commune_name FROM results r "
        "WHERE r.commune_code = result_history.commune_code)",
    )),
    Migration(3, "no index on the households (a province's load writes them in bulk)", (
        "DROP INDEX IF EXISTS households_by_commune",
    )),
)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS province_meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE IF NOT EXISTS province_keys (fingerprint TEXT PRIMARY KEY, device TEXT NOT NULL, "
    "user_name TEXT NOT NULL, role TEXT NOT NULL, commune_code TEXT NOT NULL, sign_key TEXT NOT NULL, "
    "encrypt_key TEXT NOT NULL, trusted_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS results (commune_code TEXT PRIMARY KEY, commune_name TEXT NOT NULL, "
    "bundle_id TEXT NOT NULL, sequence INTEGER NOT NULL, device TEXT NOT NULL, user_name TEXT NOT NULL, "
    "created_at TEXT NOT NULL, imported_at TEXT NOT NULL, file_name TEXT NOT NULL, households INTEGER NOT NULL, "
    "standard_id TEXT NOT NULL, figures TEXT NOT NULL, issued TEXT NOT NULL, versions INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS result_history (bundle_id TEXT PRIMARY KEY, commune_code TEXT NOT NULL, "
    "sequence INTEGER NOT NULL, device TEXT NOT NULL, user_name TEXT NOT NULL, created_at TEXT NOT NULL, "
    "imported_at TEXT NOT NULL, file_name TEXT NOT NULL, households INTEGER NOT NULL, residents INTEGER, "
    "poor INTEGER NOT NULL, near_poor INTEGER NOT NULL, replaced TEXT, commune_name TEXT)",
    "CREATE TABLE IF NOT EXISTS seen_bundles (bundle_id TEXT PRIMARY KEY, commune_code TEXT NOT NULL, "
    "imported_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS villages (commune_code TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, "
    "residents INTEGER, minority_residents INTEGER, PRIMARY KEY (commune_code, position))",
    "CREATE TABLE IF NOT EXISTS households (" + ", ".join(
        f"{c} {'INTEGER NOT NULL' if c in _INT else 'TEXT'}" for c in HOUSEHOLD_COLUMNS)
    + ")",
    # no index: a province's first load is the bulk of its writes (each index kept up would slow every row); a
    # household is unique within its commune's result (checked before it is stored), a re-sent result's old rows
    # are found by a scan, the tables read commune_sums, and the search for families in two communes scans
    "CREATE TABLE IF NOT EXISTS last_year (commune_code TEXT PRIMARY KEY, year INTEGER NOT NULL, residents INTEGER, "
    "poor INTEGER NOT NULL, near_poor INTEGER NOT NULL, source TEXT NOT NULL)",
    _VERSIONS_TABLE,
)


_DIGITS: dict[str, tuple[int, ...]] = {}
_ONE_HOT = {c: tuple(int(c == k) for k in CLASS_COLUMNS) for c in (None, *CLASS_COLUMNS)}


def _digits(flags: str) -> tuple[int, ...]:
    """'0101' → (0, 1, 0, 1), remembered (a province's rows hold few different flag texts)."""
    out = _DIGITS.get(flags)
    if out is None:
        out = tuple(map(int, flags))
        if len(_DIGITS) < 100_000:
            _DIGITS[flags] = out
    return out


def household_values(commune_code: str, r: ResultRow) -> tuple:
    """A result row as the households table's columns (HOUSEHOLD_COLUMNS' order)."""
    counted = r.household_class is not None
    return (commune_code, r.uuid, r.village, *_digits(r.flags), r.household_class, *_ONE_HOT[r.household_class],
            r.deprived, *_digits(r.movement), *_digits(r.targets), r.minority, r.members, r.low_income_workers,
            *((r.head_name, " ".join(fold(r.head_name).split()), r.head_birth, r.head_id) if counted
              else ("", "", "", "")))


# PostgreSQL's COPY, text format: a row a line, fields between tabs, NULL as \N, and in a text a backslash, tab,
# newline or carriage return written with a backslash (https://www.postgresql.org/docs/current/sql-copy.html).
_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_DIGITS: dict[str, str] = {}
_COPY_CLASS = {c: "\t".join((c or "\\N", *map(str, _ONE_HOT[c]))) for c in _ONE_HOT}


def _copy_digits(flags: str) -> str:
    """'0101' → '0\t1\t0\t1' (the flag columns of one row), remembered like `_digits`."""
    out = _COPY_DIGITS.get(flags)
    if out is None:
        out = "\t".join(map(str, _digits(flags)))
        if len(_COPY_DIGITS) < 100_000:
            _COPY_DIGITS[flags] = out
    return out


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPE) if _COPY_SPECIAL.search(value) else value


@dataclass(frozen=True)
class CopyRows:
    """A commune's households made into what PostgreSQL's COPY reads (text format, UTF-8) — the same columns as
    `household_values` gives, where the rows were checked (a worker process), so the process that stores them only
    hands the bytes to the server."""
    count: int
    data: bytes


def copy_rows(commune_code: str, rows: Sequence[ResultRow]) -> CopyRows:
    """The rows as COPY's text: each line what `household_values` gives, field for field (a test loads both and
    compares)."""
    code = _copy_text(commune_code)
    lines = []
    append = lines.append
    for r in rows:
        if r.household_class is not None:
            name, birth, idn = r.head_name, r.head_birth, r.head_id
            folded = " ".join(fold(name).split())
        else:
            name = folded = birth = idn = ""
        uuid, village, deprived = r.uuid, r.village, r.deprived
        if _COPY_SPECIAL.search(uuid + village + deprived + name + folded + birth + idn):   # seldom: escape each
            uuid, village, deprived, name, folded, birth, idn = map(
                _copy_text, (uuid, village, deprived, name, folded, birth, idn))
        append(f"{code}\t{uuid}\t{village}\t{_copy_digits(r.flags)}\t{_COPY_CLASS[r.household_class]}\t{deprived}\t"
               f"{_copy_digits(r.movement)}\t{_copy_digits(r.targets)}\t{r.minority:d}\t{r.members:d}\t"
               f"{r.low_income_workers:d}\t{name}\t{folded}\t{birth}\t{idn}\n")
    return CopyRows(len(rows), "".join(lines).encode("utf-8"))


def _sums(indicators: int) -> str:
    """The SELECT list of one unit's sums, named as domain.province.flat_columns."""
    parts = [f"SUM({c})" for c in (*COUNT_FLAGS, *CLASS_COLUMNS, "members", "low_income_workers")]
    parts += ["SUM(minority * counted)", *(f"SUM(minority * {c})" for c in CLASS_COLUMNS)]
    parts += [f"SUM({c})" for c in MOVE_COLUMNS]
    parts += [f"SUM(CASE WHEN {k} = 1 AND substr(deprived, {j + 1}, 1) = '1' THEN 1 ELSE 0 END)"
              for k in CLASSES for j in range(indicators)]
    parts += [f"SUM({k} * {t})" for k in CLASSES for t in TARGET_COLUMNS]
    names = flat_columns(indicators)
    assert len(parts) == len(names)
    return ", ".join(f"{p} AS {n}" for p, n in zip(parts, names))


# --- the two engines -------------------------------------------------------------------------------------------------

class Engine:
    """A connection to the province's database, the same calls for SQLite and PostgreSQL."""
    name = "sqlite"

    def __init__(self, conn: Any, journal: tuple[str, str] | None = None):
        self.conn = conn
        self._depth = 0
        self.journal = journal   # SQLite: (journal_mode, synchronous) this connection runs with

    def sql(self, text: str) -> str:
        return text

    def execute(self, text: str, args: Sequence[Any] = ()) -> Any:
        return self.conn.execute(self.sql(text), list(args))

    def rows(self, text: str, args: Sequence[Any] = ()) -> list[tuple]:
        return list(self.execute(text, args).fetchall())

    def one(self, text: str, args: Sequence[Any] = ()) -> tuple | None:
        return self.execute(text, args).fetchone()

    def many(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(self.sql(text), list(rows))

    def load(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Many rows into a table at once (PostgreSQL: COPY)."""
        self.many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)

    def has_table(self, name: str) -> bool:
        return self.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]) is not None

    def lock_schema(self) -> None:
        """Inside a transaction, before a migration: SQLite's BEGIN IMMEDIATE holds the one write lock already."""

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: BEGIN IMMEDIATE (one writer at a time; readers go on)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class SQLite(Engine):
    @classmethod
    def connect(cls, path: Path, create: bool) -> "SQLite":
        """The province's SQLite file, its journal mode chosen as a workspace's is, from the SQLite the connection's
        binding carries (durability.journal_settings): a plain file is opened by Python's SQLite — 3.40.1 here, inside
        the WAL-reset bug's range — and keeps the rollback journal; an encrypted one by SQLCipher's (3.53.4: the WAL).
        Several connections may be open on the file at once (docs/province.md), which is what the bug needs."""
        path = Path(path)
        if not create and not path.exists():
            raise WorkspaceError("storage.error.no_such_file", str(path))
        if create and path.exists():
            raise WorkspaceError("province.error.exists", str(path))
        try:   # an encrypted file (its key header beside it) through SQLCipher, with its key (storage/connection.py)
            conn = connection.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        except connection.DATABASE_ERRORS as exc:
            raise WorkspaceError("province.error.not_a_province", str(path), error=str(exc)) from None
        try:
            journal = _set_journal(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(conn, journal)


def _set_journal(conn: Any, path: Path) -> tuple[str, str]:
    """Give a connection the journal mode and sync level chosen for its SQLite (replayable: the roll-up can be
    imported again from the communes' signed results), and, with the rollback journal, a page cache that holds a
    commune's result until its commit. A file an older FieldSurvey left in WAL mode is moved to the rollback journal
    here (SQLite checkpoints the WAL into the file first) — unless a connection of that older version still has it
    open: SQLite refuses to leave WAL mode then, and so does this (never both modes at once)."""
    mode, sync = durability.journal_settings(durability.sqlite_version(connection.sqlite_version(conn)),
                                             replayable=True)
    try:
        got = str(conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0]).upper()
    except connection.DATABASE_ERRORS as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise WorkspaceError("province.error.not_a_province", str(path), error=str(exc)) from None
        if mode != "WAL" and _in_wal_mode(path):   # an older version holds it open in WAL mode
            raise WorkspaceError("province.error.wal_elsewhere", str(path)) from None
        # another connection held the write lock past the busy timeout (an import's commit)
        raise WorkspaceError("province.error.busy", str(path)) from None
    if got == "WAL" and mode != "WAL":
        raise WorkspaceError("province.error.wal_elsewhere", str(path))
    if got != "WAL":
        # the rollback journal (chosen, or the WAL not granted: a file system without shared memory), synced at each
        # commit (NORMAL is not safe there); a commune's rows stay in memory until the commit — a transaction whose
        # pages spill into the file mid-way holds the file's exclusive lock from then on (readers wait) and syncs the
        # journal at each spill
        sync = "FULL"
        conn.execute(f"PRAGMA cache_size = -{ROLLBACK_CACHE_KIB}")
    conn.execute(f"PRAGMA synchronous = {sync}")
    return got, sync


# How long a connection waits for another one's write lock (an import's commit) before it gives up, seconds.
BUSY_TIMEOUT_S = 30.0
# The page cache of a connection to a province file with the rollback journal (SQLite's default: 2 MB): a commune's
# result of 30,000 households writes 5.4 MB of pages (measured), the largest wards a few times that; memory is taken
# only as pages are used.
ROLLBACK_CACHE_KIB = 64 * 1024


def _in_wal_mode(path: Path) -> bool:
    """Whether a plain SQLite file's header says WAL mode (its read and write versions, bytes 18 and 19, are 2)."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return False
    return head.startswith(b"SQLite format 3\0") and head[18:20] == b"\x02\x02"


class PostgreSQL(Engine):
    """A PostgreSQL database (psycopg 3), one province's: bulk loads with COPY; a transaction is PostgreSQL's own
    (readers never wait for a writer, and another province's database is another database)."""
    name = "postgresql"

    @classmethod
    def connect(cls, url: str, create: bool) -> "PostgreSQL":
        try:
            import psycopg  # lazy: 60 ms at start-up otherwise, and only a server's province needs it
        except ImportError:
            raise WorkspaceError("province.error.no_psycopg", "--database") from None
        try:
            conn = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise WorkspaceError("province.error.cannot_connect", _safe(url), error=str(exc).strip()) from None
        return cls(conn)

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def many(self, text: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(self.sql(text), rows)

    def load(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def load_copy(self, table: str, columns: Sequence[str], rows: CopyRows) -> None:
        """Rows made into COPY's text already (`copy_rows`), handed to the server as they are."""
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(rows.data)

    def has_table(self, name: str) -> bool:
        return self.one("SELECT to_regclass(?)", [name])[0] is not None

    def lock_schema(self) -> None:
        """Two processes opening an older database at once: the second waits here until the first's migration is
        committed (and then finds nothing left to do)."""
        self.execute("LOCK TABLE province_meta IN SHARE ROW EXCLUSIVE MODE")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.transaction():
            yield


def _safe(url: str) -> str:
    """A server's address without its password, to show."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def connect(target: str | Path, create: bool = False) -> Engine:
    """The province's database: an SQLite file, or a PostgreSQL database named by a `postgresql://…` address."""
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgreSQL.connect(text, create)
    return SQLite.connect(Path(target), create)


# --- the store -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProvinceInfo:
    province_code: str
    province_name: str
    review_year: int
    review_kind: str
    standard_id: str


class ProvinceStore:
    """The province's database (see the module's docstring)."""

    def __init__(self, engine: Engine):
        self.db = engine

    @classmethod
    def create(cls, engine: Engine, info: ProvinceInfo, indicators: int) -> "ProvinceStore":
        store = cls(engine)
        with engine.transaction():
            for statement in SCHEMA:
                engine.execute(statement)
            # each commune's sums, made by one query when its result is stored: the tables read these
            engine.execute("CREATE TABLE IF NOT EXISTS commune_sums (commune_code TEXT PRIMARY KEY, "
                           + ", ".join(f"{c} INTEGER" for c in flat_columns(indicators)) + ")")
            if engine.one("SELECT value FROM province_meta WHERE key = 'province_code'"):
                raise WorkspaceError("province.error.exists", "database")
            engine.execute("INSERT INTO province_schema (version, description, reached_at) VALUES (?, ?, ?)",
                           [SCHEMA_VERSION, "made at this version", now_iso()])
            store._set_meta({"kind": "fieldsurvey/province", "schema": str(SCHEMA_VERSION),
                             "province_code": info.province_code, "province_name": info.province_name,
                             "review_year": str(info.review_year), "review_kind": info.review_kind,
                             "standard_id": info.standard_id, "indicators": str(indicators)})
        return store

    @classmethod
    def open(cls, engine: Engine, where: str) -> "ProvinceStore":
        store = cls(engine)
        try:
            kind = engine.one("SELECT value FROM province_meta WHERE key = 'kind'")
        except Exception:   # noqa: BLE001 — either engine's "no such table": not a province's database
            kind = None
        if not kind or kind[0] != "fieldsurvey/province":
            engine.close()
            raise WorkspaceError("province.error.not_a_province", where, error="province_meta")
        try:
            store.migrate(where)
        except BaseException:
            engine.close()
            raise
        return store

    # the schema's version
    def schema_version(self) -> int:
        """The version the database's schema is at (a version-1 database has no province_schema table: its
        province_meta says)."""
        if self.db.has_table("province_schema"):
            row = self.db.one("SELECT MAX(version) FROM province_schema")
            if row and row[0] is not None:
                return int(row[0])
        return int(self.meta("schema") or 1)

    def versions(self) -> list[tuple[int, str, str]]:
        """(version, description, reached at) of every version the database went through since it kept them."""
        return [tuple(r) for r in self.db.rows(
            "SELECT version, description, reached_at FROM province_schema ORDER BY version")]

    def migrate(self, where: str) -> int:
        """Bring an older schema to SCHEMA_VERSION: each migration after its version, in order, all in one
        transaction (another process opening it at the same time waits, then finds it done). Refused when the
        database is newer than this app. Returns the number of migrations run."""
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise WorkspaceError("province.error.newer_schema", where, version=version, supported=SCHEMA_VERSION)
        if version == SCHEMA_VERSION:
            return 0
        with self.db.transaction():
            self.db.lock_schema()
            version = self.schema_version()          # read again: another process may have migrated it meanwhile
            todo = [m for m in MIGRATIONS if m.version > version]
            for m in todo:
                for statement in m.statements:
                    self.db.execute(statement)
                self.db.execute("INSERT INTO province_schema (version, description, reached_at) VALUES (?, ?, ?)",
                                [m.version, m.description, now_iso()])
            self._set_meta({"schema": str(SCHEMA_VERSION)})
        return len(todo)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "ProvinceStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # meta
    def _set_meta(self, values: dict[str, str | None]) -> None:
        self.db.many("INSERT INTO province_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                     "value = excluded.value", list(values.items()))

    def set_meta(self, key: str, value: str | None) -> None:
        with self.db.transaction():
            self._set_meta({key: value})

    def meta(self, key: str) -> str | None:
        row = self.db.one("SELECT value FROM province_meta WHERE key = ?", [key])
        return row[0] if row else None

    @property
    def info(self) -> ProvinceInfo:
        m = dict(self.db.rows("SELECT key, value FROM province_meta"))
        return ProvinceInfo(m["province_code"], m["province_name"], int(m["review_year"]), m["review_kind"],
                            m["standard_id"])

    # keys
    def trust_key(self, row: dict[str, Any]) -> None:
        cols = ("fingerprint", "device", "user_name", "role", "commune_code", "sign_key", "encrypt_key", "trusted_at")
        with self.db.transaction():
            self.db.execute(f"INSERT INTO province_keys ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                            "ON CONFLICT (fingerprint) DO UPDATE SET trusted_at = excluded.trusted_at",
                            [row[c] for c in cols])

    def trusted_key(self, fingerprint: str) -> dict[str, Any] | None:
        cols = ("fingerprint", "device", "user_name", "role", "commune_code", "sign_key", "encrypt_key")
        row = self.db.one(f"SELECT {', '.join(cols)} FROM province_keys WHERE fingerprint = ?", [fingerprint])
        return dict(zip(cols, row)) if row else None

    def trusted_key_rows(self) -> dict[str, dict[str, Any]]:
        """Every trusted key by fingerprint, as `trusted_key` gives one."""
        cols = ("fingerprint", "device", "user_name", "role", "commune_code", "sign_key", "encrypt_key")
        return {r[0]: dict(zip(cols, r)) for r in self.db.rows(f"SELECT {', '.join(cols)} FROM province_keys")}

    def trusted_keys(self) -> list[dict[str, Any]]:
        cols = ("fingerprint", "device", "user_name", "role", "commune_code", "trusted_at")
        return [dict(zip(cols, r)) for r in self.db.rows(
            f"SELECT {', '.join(cols)} FROM province_keys ORDER BY commune_code, user_name")]

    # results
    def bundle_seen(self, bundle_id: str) -> str | None:
        row = self.db.one("SELECT imported_at FROM seen_bundles WHERE bundle_id = ?", [bundle_id])
        return row[0] if row else None

    def current(self, commune_code: str) -> dict[str, Any] | None:
        cols = ("commune_code", "commune_name", "bundle_id", "sequence", "device", "user_name", "created_at",
                "imported_at", "file_name", "households", "versions")
        row = self.db.one(f"SELECT {', '.join(cols)} FROM results WHERE commune_code = ?", [commune_code])
        return dict(zip(cols, row)) if row else None

    def replace_result(self, result: dict[str, Any], villages: Sequence[tuple[str, int | None, int | None]],
                       rows: Iterable[ResultRow] | CopyRows, history: dict[str, Any], sums: Mapping[str, int]) -> None:
        """A commune's result in place of the one held (its households and villages replaced, the change kept), all
        or nothing. The caller checked it is newer, and that `sums` (domain.province.flat_figures) are its rows
        added up. A commune's first result deletes nothing (it has no rows yet); a newer one's old rows are found by
        a scan of the households (no index is kept up while loading: a province's first load is the bulk of its
        writes, a re-sent result the exception). PostgreSQL: `rows` may be made into COPY's text already
        (`copy_rows`, where they were checked)."""
        code = result["commune_code"]
        with self.db.transaction():
            old = self.current(code)
            if old is not None:
                self.db.execute("DELETE FROM households WHERE commune_code = ?", [code])
                self.db.execute("DELETE FROM villages WHERE commune_code = ?", [code])
                self.db.execute("DELETE FROM commune_sums WHERE commune_code = ?", [code])
            self.db.load("villages", ("commune_code", "position", "name", "residents", "minority_residents"),
                         [(code, i, *v) for i, v in enumerate(villages)])
            if isinstance(rows, CopyRows):
                self.db.load_copy("households", HOUSEHOLD_COLUMNS, rows)
            else:
                self.db.load("households", HOUSEHOLD_COLUMNS, (household_values(code, r) for r in rows))
            names = flat_columns(int(self.meta("indicators") or 0))
            self.db.execute(f"INSERT INTO commune_sums (commune_code, {', '.join(names)}) "
                            f"VALUES ({', '.join('?' * (len(names) + 1))})", [code, *(sums[c] for c in names)])
            values = {**result, "figures": json.dumps(result["figures"], sort_keys=True),
                      "issued": json.dumps(result["issued"], ensure_ascii=False),
                      "versions": (old["versions"] if old else 0) + 1}
            cols = list(values)
            self.db.execute(f"INSERT INTO results ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                            "ON CONFLICT (commune_code) DO UPDATE SET "
                            + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "commune_code"),
                            [values[c] for c in cols])
            hist = {**history, "replaced": old["bundle_id"] if old else None}
            cols = list(hist)
            self.db.execute(f"INSERT INTO result_history ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            [hist[c] for c in cols])
            self.db.execute("INSERT INTO seen_bundles (bundle_id, commune_code, imported_at) VALUES (?, ?, ?)",
                            [result["bundle_id"], code, result["imported_at"]])

    def reported(self) -> list[dict[str, Any]]:
        cols = ("commune_code", "commune_name", "bundle_id", "sequence", "user_name", "created_at", "imported_at",
                "file_name", "households", "versions", "standard_id")
        return [dict(zip(cols, r)) for r in self.db.rows(
            f"SELECT {', '.join(cols)} FROM results ORDER BY commune_code")]

    def declared(self) -> dict[str, dict[str, Any]]:
        """Each commune's figures as its result declared them."""
        return {code: json.loads(text) for code, text in self.db.rows("SELECT commune_code, figures FROM results")}

    def history(self, commune_code: str | None = None) -> list[dict[str, Any]]:
        cols = ("commune_code", "bundle_id", "sequence", "user_name", "created_at", "imported_at", "file_name",
                "households", "residents", "poor", "near_poor", "replaced", "commune_name")
        where, args = ("WHERE commune_code = ?", [commune_code]) if commune_code else ("", [])
        return [dict(zip(cols, r)) for r in self.db.rows(
            f"SELECT {', '.join(cols)} FROM result_history {where} ORDER BY commune_code, imported_at, sequence",
            args)]

    # the tables, by queries on the database
    def commune_sums(self, indicators: int) -> dict[str, dict[str, Any]]:
        """Every reported commune's sums (domain.province.flat_columns, plus its resident households)."""
        names = flat_columns(indicators)
        out = {code: dict(zip(names, values)) for code, *values in self.db.rows(
            f"SELECT commune_code, {', '.join(names)} FROM commune_sums")}
        for code in self.db.rows("SELECT commune_code FROM results"):
            out.setdefault(code[0], dict.fromkeys(names, 0))
        for code, residents, minority in self.db.rows(
                "SELECT commune_code, CASE WHEN COUNT(*) = COUNT(residents) THEN SUM(residents) END, "
                "CASE WHEN COUNT(*) = COUNT(minority_residents) THEN SUM(minority_residents) END "
                "FROM villages GROUP BY commune_code"):
            if code in out:
                out[code]["residents"] = None if residents is None else int(residents)
                out[code]["minority_residents"] = None if minority is None else int(minority)
        return out

    def sums_from_households(self, indicators: int) -> dict[str, dict[str, Any]]:
        """Every commune's sums made again by one GROUP BY over its households (what `commune_sums` must hold: the
        tests compare them)."""
        names = flat_columns(indicators)
        return {code: dict(zip(names, (int(v) for v in values))) for code, *values in self.db.rows(
            f"SELECT commune_code, {_sums(indicators)} FROM households GROUP BY commune_code")}

    def duplicates(self) -> list[tuple[str, str, str, str, str, str, str]]:
        """Households counted in two communes: (how, key, commune, uuid, head, birth, ID number), by key."""
        cols = "commune_code, uuid, head_name, head_birth, head_id"
        by_id = self.db.rows(
            f"SELECT 'id_number', head_id, {cols} FROM households WHERE head_id IN (SELECT head_id FROM households "
            "WHERE head_id <> '' GROUP BY head_id HAVING COUNT(DISTINCT commune_code) > 1) "
            "ORDER BY head_id, commune_code, uuid")
        by_name = self.db.rows(
            f"SELECT 'name_birth', h.head_folded || '|' || h.head_birth, "
            f"{', '.join('h.' + c for c in cols.split(', '))} "
            "FROM households h JOIN (SELECT head_folded, head_birth FROM households WHERE head_folded <> '' AND "
            "head_birth <> '' GROUP BY head_folded, head_birth HAVING COUNT(DISTINCT commune_code) > 1) d "
            "ON h.head_folded = d.head_folded AND h.head_birth = d.head_birth "
            "ORDER BY h.head_folded, h.head_birth, h.commune_code, h.uuid")
        return [tuple(r) for r in by_id + by_name]

    # last year
    def set_last_year(self, rows: dict[str, LastYear]) -> None:
        with self.db.transaction():
            self.db.many("INSERT INTO last_year (commune_code, year, residents, poor, near_poor, source) "
                         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (commune_code) DO UPDATE SET year = excluded.year, "
                         "residents = excluded.residents, poor = excluded.poor, near_poor = excluded.near_poor, "
                         "source = excluded.source",
                         [(code, v.year, v.residents, v.poor, v.near_poor, v.source) for code, v in rows.items()])

    def last_year(self) -> dict[str, LastYear]:
        return {code: LastYear(year, residents, poor, near, source) for code, year, residents, poor, near, source
                in self.db.rows("SELECT commune_code, year, residents, poor, near_poor, source FROM last_year")}
