"""The province's SQLite file chooses its journal mode as a workspace does, from the SQLite the connection's binding
carries (storage.durability.journal_settings): the rollback journal where the WAL-reset bug is not fixed — a plain
file, opened by Python's SQLite (3.40.1 here) — and the WAL where it is (an encrypted file, SQLCipher's 3.53.4).
Several connections are open on a province file at once (docs/province.md): an import and the tables read beside it
are shown working in the rollback journal."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.progress import Progress
from fieldsurvey.services import province
from fieldsurvey.storage import connection, durability, encryption
from fieldsurvey.storage import province as store
from tests.province.conftest import PROVINCE, new_province

PASSPHRASE = "sở lao động tỉnh thái nguyên"


@pytest.fixture(autouse=True)
def _keys(monkeypatch):
    monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
    encryption.forget_all()
    yield
    encryption.forget_all()


def _mode(path: Path) -> tuple[str, int]:
    engine = store.connect(path)
    try:
        return engine.one("PRAGMA journal_mode")[0], int(engine.one("PRAGMA synchronous")[0])
    finally:
        engine.close()


def test_the_rule_for_a_roll_up_each_side_of_the_wal_reset_bug():
    # 3.40.1 (Python's here) and the last affected: the rollback journal, synced at each commit (NORMAL there can
    # leave a corrupt file after a power cut)
    for version in ((3, 40, 1), (3, 51, 2), (3, 44, 5), (3, 50, 6), (3, 7, 0), (3, 6, 23)):
        assert durability.journal_settings(version, replayable=True) == ("TRUNCATE", "FULL"), version
    # fixed (SQLCipher's 3.53.4, and the backports): the WAL, NORMAL for a file that can be imported again
    for version in ((3, 53, 4), (3, 51, 3), (3, 44, 6), (3, 50, 7)):
        assert durability.journal_settings(version, replayable=True) == ("WAL", "NORMAL"), version
        assert durability.journal_settings(version) == ("WAL", "FULL"), version   # a workspace: FULL always


def test_a_plain_province_file_keeps_the_rollback_journal_on_pythons_sqlite(tmp_path):
    path = tmp_path / "tinh.fsprov"
    province.create_province(path, PROVINCE)
    assert not encryption.is_encrypted(path)
    engine = store.connect(path)
    try:
        version = connection.sqlite_version(engine.conn)
        assert version == sqlite3.sqlite_version   # the plain file goes through Python's SQLite
        assert engine.journal == durability.journal_settings(durability.sqlite_version(version), replayable=True)
        if sqlite3.sqlite_version == "3.40.1":     # this machine's: inside the bug's range
            assert engine.journal == ("TRUNCATE", "FULL")
        assert engine.one("PRAGMA journal_mode")[0] == engine.journal[0].lower()
        assert int(engine.one("PRAGMA cache_size")[0]) == -store.ROLLBACK_CACHE_KIB
    finally:
        engine.close()
    assert _mode(path) == ("truncate", 2)
    assert not path.with_name(path.name + "-wal").exists()
    with open(path, "rb") as f:
        assert f.read(20)[18:20] == b"\x01\x01"   # the file's header: not WAL


def test_an_encrypted_province_file_has_the_wal_of_sqlciphers_sqlite(tmp_path):
    path = tmp_path / "tinh.fsprov"
    encryption.set_up(path, PASSPHRASE)
    province.create_province(path, PROVINCE)
    assert encryption.is_encrypted(path)
    engine = store.connect(path)
    try:
        version = connection.sqlite_version(engine.conn)
        assert version == sqlcipher.sqlite_version                  # 3.53.4: past the bug
        assert durability.sqlite_version(version) >= (3, 51, 3)
        assert engine.journal == ("WAL", "NORMAL")
        assert engine.one("PRAGMA journal_mode")[0] == "wal" and int(engine.one("PRAGMA synchronous")[0]) == 1
        assert path.with_name(path.name + "-wal").exists()
    finally:
        engine.close()


@pytest.mark.parametrize("encrypted", [False, True])
def test_the_mode_follows_the_version_the_connection_carries(tmp_path, monkeypatch, encrypted):
    path = tmp_path / "tinh.fsprov"
    if encrypted:
        encryption.set_up(path, PASSPHRASE)
    province.create_province(path, PROVINCE)
    asked: list[str] = []
    real = connection.sqlite_version

    def version(conn) -> str:
        asked.append(real(conn))
        return pretend

    monkeypatch.setattr(connection, "sqlite_version", version)
    for pretend, mode, sync in (("3.51.2", "truncate", 2), ("3.51.3", "wal", 1), ("3.50.7", "wal", 1),
                                ("3.50.6", "truncate", 2), ("3.40.1", "truncate", 2)):
        assert _mode(path) == (mode, sync), pretend
    binding = sqlcipher.sqlite_version if encrypted else sqlite3.sqlite_version
    assert asked and set(asked) == {binding}   # asked of the connection's own binding


def test_a_plain_file_an_older_version_left_in_wal_mode_moves_to_the_rollback_journal(tmp_path):
    path = tmp_path / "tinh.fsprov"
    province.create_province(path, PROVINCE)
    old = sqlite3.connect(path, isolation_level=None)        # an older FieldSurvey: the WAL, a write not checkpointed
    assert old.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    old.execute("PRAGMA wal_autocheckpoint = 0")
    old.execute("INSERT INTO province_meta (key, value) VALUES ('deadline', '2026-11-10')")
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > 0
    # while it is still open, refused: never the WAL and the rollback journal on one file at once
    with pytest.raises(WorkspaceError) as refused:
        store.connect(path)
    assert refused.value.key == "province.error.wal_elsewhere"
    assert "older version" in str(refused.value) and "phiên bản FieldSurvey cũ hơn" in refused.value.text("vi")
    assert old.execute("SELECT value FROM province_meta WHERE key = 'deadline'").fetchone() == ("2026-11-10",)
    old.close()
    # closed (or killed: its WAL is recovered first): the next opening moves it, the write kept
    assert province.deadline(path) == "2026-11-10"
    assert _mode(path) == ("truncate", 2)
    assert not wal.exists()


def test_a_killed_older_writers_wal_is_recovered_then_the_rollback_journal_used(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "tinh.fsprov"
    province.create_province(path, PROVINCE)
    script = (f"import os, sqlite3; c = sqlite3.connect({str(path)!r}, isolation_level=None); "
              "c.execute('PRAGMA journal_mode = WAL'); c.execute('PRAGMA wal_autocheckpoint = 0'); "
              "c.execute(\"INSERT INTO province_meta (key, value) VALUES ('deadline', '2026-11-12')\"); os._exit(9)")
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    assert path.with_name(path.name + "-wal").stat().st_size > 0
    assert province.deadline(path) == "2026-11-12"
    assert _mode(path) == ("truncate", 2) and not path.with_name(path.name + "-wal").exists()


def test_a_connection_waiting_past_the_timeout_for_a_writer_says_the_province_is_busy(tmp_path, monkeypatch):
    path = tmp_path / "tinh.fsprov"
    province.create_province(path, PROVINCE)
    writer = store.connect(path)
    writer.execute("BEGIN EXCLUSIVE")   # as an import's commit holds it
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.2)
    try:
        with pytest.raises(WorkspaceError) as busy:
            store.connect(path)
        assert busy.value.key == "province.error.busy"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert _mode(path) == ("truncate", 2)


def test_the_tables_are_read_on_another_connection_while_an_import_writes(built, tmp_path):
    """The app's province view (or a `province tables` command) beside an import (the app's worker thread, or a
    `province import` command): two connections at once, in the rollback journal."""
    path = str(tmp_path / "tinh.fsprov")
    new_province(path, built)
    job = province.import_results(path, built.results()[:6], keys=built.keys)
    seen = []
    try:
        while True:
            step = next(job)
            assert isinstance(step, Progress)
            got: list = []
            reader = threading.Thread(target=lambda: got.append(province.tables(path)))   # another thread
            reader.start()
            reader.join(60)
            assert got, "the reader did not finish"
            seen.append(len(got[0].communes))
    except StopIteration as done:
        reports = done.value
    assert [r.status for r in reports] == ["imported"] * 6
    assert seen[0] == 0 and seen[-1] == 6 and seen == sorted(seen)
    assert _mode(Path(path)) == ("truncate", 2)
