"""A plain workspace encrypted in place, all or nothing (`fieldsurvey encrypt FILE`). docs/storage.md.

Under the workspace's writer lock: the plain file is exported by SQLCipher into `<name>.fsdb.encrypting` beside it
(the new key), that copy is checked (integrity_check, the same tables with the same number of rows, the same
schema version and application id) and synced; the key header is written beside the workspace; then one rename puts
the encrypted copy in place of the plain file. Killed before that rename, the plain workspace is whole (a key header
beside a plain file means nothing: a file is encrypted only when it does not start with SQLite's header, and the
next conversion writes its own); after it, the encrypted one. Its backups and the files a restore kept are converted
the same way, one by one, after it (run `encrypt` again to finish what a kill left).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Callable

from fieldsurvey import files
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.storage import connection, encryption
from fieldsurvey.storage.backups import backups_of
from fieldsurvey.storage.lock import release_writer_lock, take_writer_lock, to_be_checked
from fieldsurvey.storage.schema import APPLICATION_ID

ENCRYPTING = ".encrypting"


def _tables(conn: Any) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def _pragmas(conn: Any, schema: str = "main") -> tuple[int, int]:
    return (conn.execute(f"PRAGMA {schema}.application_id").fetchone()[0],
            conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0])


def _discard(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal"),
              path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


def encrypt_file(path: Path, secret: bytes, header: encryption.Header,
                 checked: Callable[[], None] | None = None) -> None:
    """Put an encrypted copy (the key of `secret`) in place of the plain database file `path`, its key header
    beside it; checked before the rename, nothing changed when anything fails. `checked` is called once the copy is
    checked, before the rename. The caller holds the writer lock."""
    key = encryption.database_key(secret, header.page_hmac)
    tmp = path.with_name(path.name + ENCRYPTING)
    _discard(tmp)
    try:
        src = connection.connect(path, key=None, cipher=True, isolation_level=None)
        try:
            if src.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                src.execute("PRAGMA wal_checkpoint(TRUNCATE)")   # nothing of it stays in a -wal file
            app_id, version = _pragmas(src)
            src.execute("BEGIN")   # one snapshot for the export and the counts
            expected = _tables(src)
            connection.export_encrypted(src, tmp, key)
        finally:
            src.close()
        dest = connection.connect(tmp, key=key, read_only=True)
        try:
            problems = [r[0] for r in dest.execute("PRAGMA integrity_check(20)").fetchall()]
            got = _tables(dest)
            pragmas = _pragmas(dest)
        finally:
            dest.close()
        if problems != ["ok"] or got != expected or pragmas != (app_id, version):
            found = "; ".join(problems[:3]) if problems != ["ok"] else \
                ", ".join(f"{n}: {expected.get(n)} → {got.get(n)}" for n in sorted(set(expected) | set(got))
                          if expected.get(n) != got.get(n)) or "application id, schema version"
            raise WorkspaceError("encryption.error.copy_check", str(path), problems=found)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        if checked is not None:
            checked()
        encryption.write_header(path, header)
        os.replace(tmp, path)
        files.sync_folder(path.parent)
    except BaseException:
        _discard(tmp)
        raise


def _kept_copies(workspace: Path) -> list[Path]:
    """The workspace's backups and the files restores kept beside it (`<name>.replaced-…`)."""
    return [*backups_of(workspace),
            *sorted(workspace.parent.glob(f"{workspace.stem}.replaced-*{workspace.suffix}"))]


def plain_copies(workspace: Path) -> list[Path]:
    return [p for p in _kept_copies(workspace) if p.is_file() and encryption.is_plain(p)]


def encrypt_workspace(path: Path, passphrase: str, show: Callable[[str], None] | None = None) -> str | None:
    """Encrypt a plain workspace in place, then its plain backups; the recovery key (to print once). `show` gets it
    as soon as the encrypted copy is checked, before it replaces the plain file: a kill after that leaves no
    encrypted workspace whose recovery key nobody saw. A workspace already encrypted (and unlocked): only the plain
    copies a killed conversion left are encrypted; None."""
    path = Path(path)
    if not path.is_file():
        raise WorkspaceError("storage.error.no_such_file", str(path))
    if not take_writer_lock(path):
        raise WorkspaceError("encryption.error.busy", str(path))
    try:
        if encryption.is_plain(path):
            probe = connection.connect(path, key=None, read_only=True)
            try:
                app_id = probe.execute("PRAGMA application_id").fetchone()[0]
            except connection.DATABASE_ERRORS as exc:
                raise WorkspaceError("storage.error.not_workspace_detail", str(path), error=str(exc)) from None
            finally:
                probe.close()
            if app_id != APPLICATION_ID:
                raise WorkspaceError("storage.error.other_program", str(path))
            encryption.check_passphrase(passphrase, str(path))
            # the file is about to be replaced: killed at any point, the next opening checks it whole and infers
            # nothing from its journal (the plain file's rollback journal, or none beside the encrypted one)
            to_be_checked(path)
            secret = secrets.token_bytes(encryption.SECRET_BYTES)
            header = encryption.make_header(secret, passphrase)
            recovery: str | None = encryption.recovery_text(secret)
            encrypt_file(path, secret, header, (lambda: show(recovery)) if show is not None else None)
            encryption.remember(secret)
        else:
            if not encryption.is_encrypted(path):
                raise WorkspaceError("storage.error.not_sqlite", str(path))
            secret = encryption.secret_for(path)   # asked for when not unlocked yet
            header = encryption.read_header(path)
            recovery = None
        for copy in plain_copies(path):
            encrypt_file(copy, secret, header)
        return recovery
    finally:
        release_writer_lock(path)


# --- a new passphrase ------------------------------------------------------------------------------------------------

def _opens_with(path: Path, secret: bytes) -> str | None:
    """The page HMAC with which the encrypted file opens with this secret's key, None when it does not (read-only:
    nothing is written)."""
    for hmac in encryption.PAGE_HMACS:
        try:
            conn = connection.connect(path, key=encryption.database_key(secret, hmac), read_only=True)
        except connection.ERRORS:
            continue
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return hmac
        except connection.DATABASE_ERRORS:
            continue
        finally:
            conn.close()
    return None


def _rewrap(path: Path, secret: bytes, passphrase: str, page_hmac: str | None = None) -> None:
    """The workspace's key header written for `passphrase`, and its encrypted copies' headers with it (a restored
    backup then opens with the new passphrase too)."""
    encryption.new_passphrase(path, secret, passphrase, page_hmac)
    spread_header(path)


def spread_header(path: Path) -> None:
    """The workspace's key header given to its encrypted backups and kept copies (the same secret)."""
    header = encryption.read_header(path)
    for copy in _kept_copies(path):
        if copy.is_file() and not encryption.is_plain(copy):
            encryption.write_header(copy, header)


def reset_passphrase(path: Path, recovery: str, passphrase: str) -> None:
    """A forgotten passphrase replaced, with the recovery key printed at setup. The file is not touched (its key
    stays); its key header — and its backups' — are written again. Works when the key header is lost too."""
    path = Path(path)
    if not path.is_file():
        raise WorkspaceError("storage.error.no_such_file", str(path))
    if encryption.is_plain(path):
        raise WorkspaceError("encryption.error.not_encrypted", str(path))
    secret = encryption.parse_recovery(recovery, str(path))
    encryption.check_passphrase(passphrase, str(path))
    page_hmac = None
    if encryption.header_path(path).is_file():
        same = encryption.read_header(path).key_id == encryption.key_id(secret)
    else:
        page_hmac = _opens_with(path, secret)
        same = page_hmac is not None
    if not same:
        raise WorkspaceError("encryption.error.wrong_recovery_key", str(path))
    _rewrap(path, secret, passphrase, page_hmac)


def change_passphrase(path: Path, passphrase: str) -> None:
    """A new passphrase for an encrypted workspace this process has unlocked (the old one asked for if not)."""
    path = Path(path)
    if not path.is_file():
        raise WorkspaceError("storage.error.no_such_file", str(path))
    if not encryption.is_encrypted(path):
        raise WorkspaceError("encryption.error.not_encrypted", str(path))
    secret = encryption.secret_for(path)
    assert secret is not None
    _rewrap(path, secret, passphrase)
