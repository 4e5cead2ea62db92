"""A child process autosaving in a loop is killed (SIGKILL) at random moments, many times over the same file: the
file always passes integrity_check and holds exactly the changes that committed — never half a household."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fieldsurvey.storage import connection, encryption
from fieldsurvey.storage.workspace import Workspace
from tests.storage import autosave_child as child
from tests.storage.conftest import INFO

ROOT = Path(__file__).resolve().parents[2]
RUNS = 16


def _state(path: Path, key: bytes | None = None) -> dict:
    """What the file holds, read by a connection of its own. A plain file (the rollback journal): read-write, so
    that it rolls back a hot journal like any reader would. An encrypted file (with its key; WAL): read-only — it
    reads the committed saves from the WAL and leaves the WAL for the next writer, which recovers it. (A writer
    closing would checkpoint the WAL into the file and remove it; FieldSurvey's next opening, finding the file
    left open and no WAL, would take it for one deleted by hand: docs/storage.md.)"""
    c = connection.connect(path, key=key, read_only=key is not None)
    try:
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        out = {}
        for uuid, document, member_count, revision in c.execute(
                "SELECT uuid, document, member_count, revision FROM households"):
            doc = json.loads(document)
            seq = doc["household"]["seq"]
            assert uuid == child.uid(seq)
            # never half a household: the row's columns, its members and its history agree
            assert member_count == len(doc["members"]) == child.members(seq)
            notes = {m.get("note") for m in doc["members"]}
            assert len(notes) == 1 and notes == {doc["household"].get("last_update")}
            assert c.execute("SELECT COUNT(*) FROM revisions WHERE id = ? AND uuid = ?", [revision, uuid]).fetchone()[0]
            actions = [r[0] for r in c.execute("SELECT action FROM audit WHERE uuid = ? AND action = 'create'", [uuid])]
            assert actions == ["create"]
            edits = c.execute("SELECT COUNT(*) FROM audit WHERE uuid = ? AND field LIKE 'members[%].note'",
                              [uuid]).fetchone()[0]
            assert edits == (len(doc["members"]) if "last_update" in doc["household"] else 0)
            out[seq] = doc["household"].get("last_update")
        return out
    finally:
        c.close()


def _expected(committed: set[int]) -> dict:
    out: dict[int, int | None] = {}
    for seq in sorted(committed):
        if child.is_update(seq):
            out[seq - 1] = seq
        else:
            out[seq] = None
    return out


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_killed_autosave_keeps_exactly_what_committed(tmp_path: Path, encrypted: bool, monkeypatch):
    path = tmp_path / "killed.fsdb"
    key = None
    if encrypted:   # the same on a workspace encrypted at rest (SQLCipher, its own SQLite and journal)
        monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
        encryption.set_up(path, "kill test passphrase")
        key = encryption.key_for(path)
        monkeypatch.setenv(child.PASSPHRASE_ENV, "kill test passphrase")
    ws = Workspace.create(path, INFO, ["Thôn 0"])
    ws.set_identity(device="dev-kill", user="lan")
    ws.backups = False
    ws.close()
    rng = random.Random(20261123)
    committed: set[int] = set()
    seq = 1
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    kills_mid_run = 0
    hot = 0
    for run in range(RUNS):
        # even runs: the parent kills the child after a random number of commits; odd runs: the child kills
        # itself after a random number of SQLite steps (inside a statement or a transaction)
        extra = [] if run % 2 == 0 else [str(rng.randint(1, 250))]
        proc = subprocess.Popen([sys.executable, child.__file__, str(path), str(seq), *extra],
                                stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert proc.stdout.readline().strip() == "ready"
        printed = []
        if not extra:
            for _ in range(rng.randint(0, 40)):
                printed.append(int(proc.stdout.readline()))
            os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
        # what the kill left for the next opening to settle: a hot rollback journal, or a WAL with frames in it
        # (the encrypted file's SQLite is new enough for WAL: docs/storage.md)
        journal, wal = (path.with_name(path.name + side) for side in ("-journal", "-wal"))
        hot += any(p.exists() and p.stat().st_size > 0 for p in (journal, wal))
        printed += [int(x) for x in rest.split()]  # printed before the kill landed
        assert proc.returncode == -signal.SIGKILL
        committed.update(printed)
        held = _state(path, key)
        want = _expected(committed)
        if held != want:  # the one step after the last print may have committed just before the kill
            nxt = max(committed | {seq - 1}) + 1
            assert held == _expected(committed | {nxt}), (run, sorted(committed)[-3:])
            committed.add(nxt)
            kills_mid_run += 1
        seq = max(committed | {seq - 1}) + 1
    assert len(committed) > RUNS  # the runs wrote something
    print("kills inside a transaction:", hot, "of", RUNS)
    assert hot >= RUNS // 4, hot  # many kills left a hot journal (inside a transaction) or a WAL to recover
    with Workspace.open(path) as ws:  # and the app opens it afterwards
        ws.backups = False
        assert ws.household_count() == len([s for s in committed if not child.is_update(s)])
        assert ws.journal_mode == ("wal" if encrypted else "truncate")   # both journal modes killed
    assert encryption.is_plain(path) is not encrypted   # (the encrypted run really wrote an encrypted file)
    encryption.forget_all()
