"""The one place a connection to a workspace file (or a backup of one) is opened, plain or encrypted.

A plain file is opened with Python's own `sqlite3`; an encrypted one (storage/encryption.py) with SQLCipher's
bindings (`sqlcipher3`: SQLCipher 4.19 on its own SQLite 3.53.4; AES-256 on every page, an HMAC per page) and its
raw key. Both give the same DB-API connection, which sqlite-utils takes as it is. Their exceptions are different
classes: catch `ERRORS` / `DATABASE_ERRORS` (either library's) where a database error is expected.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from fieldsurvey.storage import encryption

ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, sqlcipher.DatabaseError)
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, sqlcipher.IntegrityError)

# An encrypted connection's page cache (SQLite's default: 2 MB). A page read from the file is decrypted and its HMAC
# checked; kept in the cache, it is not decrypted again on the next read. 64 MB holds the list's covering index of a
# 100,000-household workspace (27 MB), which a search scans whole (docs/performance.md); SQLite takes the memory
# only as pages are read.
ENCRYPTED_CACHE_KIB = 64 * 1024
# An encrypted file's page size (SQLCipher's default: 4 KB). Each page read or written costs a fixed set-up of the
# cipher and the HMAC besides the bytes; with 16 KB pages a scan of 100,000 households' rows reads a quarter as many
# (measured: a 100 MB table scanned in 0.84 s with 4 KB pages, 0.35 s with 16 KB, 0.29 s plain). Part of the file's
# format: set on every keyed connection, and on the copy an encryption exports into.
CIPHER_PAGE_SIZE = 16384

AUTO: Any = object()   # "the file's own key": none for a plain file, its unlocked key for an encrypted one


def connect(path: Path | str, *, read_only: bool = False, key: bytes | None = AUTO, cipher: bool = False,
            **options: Any) -> Any:
    """A connection to the database file `path`: read-only when asked (never creates the file). `key`: the SQLCipher
    key to use (None: plain); by default the file's own — asked for through storage.encryption when this process
    has not unlocked it yet (a wrong passphrase is refused there, before the file is opened). `options` go to
    connect() (isolation_level, check_same_thread). `cipher`: a plain file through SQLCipher's binding all the same
    (to export it into an encrypted one)."""
    path = Path(path)
    if key is AUTO:
        key = encryption.key_for(path)
    target: str = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
    if key is None and not cipher:
        return sqlite3.connect(target, uri=read_only, **options)
    conn = sqlcipher.connect(target, uri=read_only, **options)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")   # SQLCipher's own log would print on stderr
        if key is not None:
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            conn.execute(f"PRAGMA cipher_page_size = {CIPHER_PAGE_SIZE}")
            conn.execute(f"PRAGMA cipher_hmac_algorithm = {page_hmac(key)}")
            conn.execute(f"PRAGMA cache_size = -{ENCRYPTED_CACHE_KIB}")
    except BaseException:
        conn.close()
        raise
    return conn


def sqlite_version(conn: Any) -> str:
    """The version of the SQLite library behind this connection (the two bindings carry different ones)."""
    return conn.execute("SELECT sqlite_version()").fetchone()[0]


def is_keyed(conn: Any) -> bool:
    """A connection to an encrypted file (SQLCipher's binding is used for nothing else but exports)."""
    return isinstance(conn, sqlcipher.Connection)


def page_hmac(key: bytes) -> str:
    """The page HMAC of the file a key is for (a bare 32-byte key: a file made before the choice, SHA-512)."""
    return getattr(key, "hmac", encryption.LEGACY_PAGE_HMAC)


def raw_key(key: bytes) -> str:
    """A raw key as SQLCipher's ATTACH … KEY takes it (bound as a parameter)."""
    return f"x'{key.hex()}'"


def export_encrypted(source: Any, target: Path, key: bytes) -> None:
    """Copy the database of `source` (a plain file opened with `cipher=True`, not read-only) into a new encrypted
    file `target` with `key` (SQLCipher's sqlcipher_export: schema, rows, the application id and schema version).
    Inside the caller's transaction when it holds one (one snapshot)."""
    app_id = int(source.execute("PRAGMA main.application_id").fetchone()[0])
    version = int(source.execute("PRAGMA main.user_version").fetchone()[0])
    source.execute("ATTACH DATABASE ? AS encrypted KEY ?", (str(target), raw_key(key)))
    try:
        source.execute(f"PRAGMA encrypted.cipher_page_size = {CIPHER_PAGE_SIZE}")
        source.execute(f"PRAGMA encrypted.cipher_hmac_algorithm = {page_hmac(key)}")
        source.execute("SELECT sqlcipher_export('encrypted')")
        source.execute(f"PRAGMA encrypted.application_id = {app_id}")
        source.execute(f"PRAGMA encrypted.user_version = {version}")
    finally:
        if source.in_transaction:
            source.execute("COMMIT")
        source.execute("DETACH DATABASE encrypted")


def export_plain(source: Any, target: Path) -> None:
    """Copy the database of an encrypted connection into a new plain file `target` (for a caller that encrypts the
    whole file its own way at once, as the sealed backup does to the supervisor's key), in one snapshot."""
    app_id = int(source.execute("PRAGMA main.application_id").fetchone()[0])
    version = int(source.execute("PRAGMA main.user_version").fetchone()[0])
    own = not source.in_transaction
    source.execute("ATTACH DATABASE ? AS plain KEY ''", (str(target),))
    try:
        if own:
            source.execute("BEGIN")
        source.execute("SELECT sqlcipher_export('plain')")
        source.execute(f"PRAGMA plain.application_id = {app_id}")
        source.execute(f"PRAGMA plain.user_version = {version}")
    finally:
        if own and source.in_transaction:
            source.execute("COMMIT")
        source.execute("DETACH DATABASE plain")


def file_sqlite_version(path: Path | str) -> str:
    """The version of the SQLite library a connection to `path` would use, before opening it: SQLCipher's for an
    encrypted file, Python's for a plain one (the journal mode is chosen from it)."""
    return sqlcipher.sqlite_version if encryption.is_encrypted(Path(path)) else sqlite3.sqlite_version
