"""Backups (on close, daily, rotating, on demand), restore (checked first, replaced file kept) and `check`."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import workspaces as svc
from fieldsurvey.storage import backups
from fieldsurvey.storage.workspace import Workspace
from tests.storage.conftest import INFO, make_doc


def _workspace(tmp_path: Path, households: int = 3) -> tuple[Path, list[str]]:
    path = tmp_path / "w" / "commune.fsdb"
    path.parent.mkdir()
    ws = Workspace.create(path, INFO, ["Thôn 1"])
    ws.backups = False
    ids = []
    for i in range(households):
        doc = make_doc(f"Hộ {i}")
        ws.save_household(doc, owner="lan")
        ids.append(doc["uuid"])
    ws.close()
    return path, ids


def test_close_makes_a_backup_and_rotation_keeps_the_newest(tmp_path: Path):
    path, ids = _workspace(tmp_path)
    with Workspace.open(path) as ws:
        ws.save_answer(ids[0], "floor_area", 11)
    [first] = backups.backups_of(path)
    assert first.parent == path.parent / "backups" and first.name.startswith("commune-")
    with Workspace.open(first) as b:  # a backup is a workspace holding what was committed
        assert b.get_household(ids[0])["household"]["floor_area"] == 11
        b.backups = False
    with Workspace.open(path) as ws:  # no change and a fresh backup: none made
        pass
    assert len(backups.backups_of(path)) == 1
    with Workspace.open(path) as ws:  # a change within 5 minutes of the last backup: none either
        ws.save_answer(ids[0], "floor_area", 12)
    assert len(backups.backups_of(path)) == 1
    with Workspace.open(path) as ws:
        ws.backups = False
        later = datetime.now(timezone.utc) + timedelta(minutes=6)
        assert backups.backup_on_close(ws, later) is None  # nothing changed through this connection
        ws.save_answer(ids[0], "floor_area", 13)
        assert backups.backup_on_close(ws, later) is not None  # changed, and the last backup is older
        assert backups.backup_on_close(ws, later + timedelta(days=2)) is not None  # daily
        for _ in range(12):
            backups.make_backup(ws, keep=4)
    assert len(backups.backups_of(path)) == 4


def test_backup_due_daily(tmp_path: Path):
    path, _ = _workspace(tmp_path)
    assert backups.backup_due(path)
    with Workspace.open(path) as ws:
        ws.backups = False
        backups.make_backup(ws)
    assert not backups.backup_due(path)
    assert backups.backup_due(path, datetime.now(timezone.utc) + timedelta(days=1, minutes=1))
    with Workspace.open(path) as ws:
        ws.backups = False
        assert backups.backup_if_due(ws) is None
        made = backups.backup_if_due(ws, datetime.now(timezone.utc) + timedelta(days=1, minutes=1))
        assert made is not None and made in backups.backups_of(path)


def test_restore_checks_first_and_keeps_the_replaced_file(tmp_path: Path):
    path, ids = _workspace(tmp_path)
    good = svc.backup(path, path.parent / "copies" / "good.fsdb")   # beside the workspace: a plain copy
    with Workspace.open(path) as ws:
        ws.backups = False
        ws.save_answer(ids[0], "floor_area", 99)
    # a damaged backup is refused and nothing is touched
    bad = tmp_path / "bad.fsdb"
    bad.write_bytes(good.read_bytes())
    with open(bad, "r+b") as fh:
        fh.seek(bad.stat().st_size // 2)
        fh.write(b"\x00\xff" * 8000)
    before = path.read_bytes()
    with pytest.raises(WorkspaceError, match="cannot be restored"):
        svc.restore(path, bad)
    text = tmp_path / "notes.txt"
    text.write_text("not a backup")
    with pytest.raises(WorkspaceError, match="cannot be restored"):
        svc.restore(path, text)
    assert path.read_bytes() == before
    # (an empty journal; the copies' folder)
    assert [p.name for p in path.parent.iterdir() if p.is_file() and p.stat().st_size] == ["commune.fsdb"]
    kept = svc.restore(path, good)
    assert kept.parent == path.parent and kept.name.startswith("commune.replaced-") and kept.read_bytes() == before
    with Workspace.open(path) as ws:
        ws.backups = False
        assert ws.get_household(ids[0])["household"]["floor_area"] != 99
    with Workspace.open(kept) as ws:
        ws.backups = False
        assert ws.get_household(ids[0])["household"]["floor_area"] == 99


def test_backup_and_restore_commands(tmp_path: Path):
    path, ids = _workspace(tmp_path)
    run = CliRunner().invoke
    out = run(main, ["backup", str(path), "--lang", "en"])
    assert out.exit_code == 0 and "Backup written" in out.output
    [made] = backups.backups_of(path)
    out = run(main, ["backup", str(path), "--to", str(path.parent / "copy.fsdb")])   # beside it: plain
    assert out.exit_code == 0 and (path.parent / "copy.fsdb").exists()
    out = run(main, ["backup", str(path), "--to", str(path.parent / "copy.fsdb")])
    assert out.exit_code != 0 and "already exists" in out.output
    out = run(main, ["restore", str(path), "--lang", "en"])  # without BACKUP: the backups kept
    assert out.exit_code == 1 and str(made) in out.output and "name one" in out.output
    out = run(main, ["restore", str(tmp_path / "none.fsdb"), "--lang", "en"])
    assert out.exit_code == 1 and "No backups" in out.output
    out = run(main, ["restore", str(path), str(made), "--lang", "en"])
    assert out.exit_code == 0 and "restored from" in out.output and "replaced file is kept" in out.output


def test_check_passes_on_a_sound_workspace(tmp_path: Path):
    path, _ = _workspace(tmp_path)
    findings = run_to_end(svc.check(path))
    assert [f.check for f in findings] == ["file", "integrity", "foreign_keys", "migrations", "documents", "columns", "revisions",
                                           "classes"]
    assert all(f.ok for f in findings)
    out = CliRunner().invoke(main, ["check", str(path), "--quiet", "--lang", "en"])
    assert out.exit_code == 0 and "every check passed" in out.output


def test_check_reports_what_it_finds(tmp_path: Path):
    path, ids = _workspace(tmp_path)
    c = sqlite3.connect(path)  # damage the content behind the app's back
    c.execute("UPDATE households SET member_count = 9 WHERE uuid = ?", [ids[0]])
    c.execute("UPDATE households SET document = '{\"uuid\": 5}' WHERE uuid = ?", [ids[1]])
    c.execute("PRAGMA foreign_keys = OFF")
    c.execute("INSERT INTO audit (at, device, user, uuid, action) VALUES ('x', 'd', 'u', 'no-such-household', 'x')")
    c.commit()
    c.close()
    findings = {f.check: f for f in run_to_end(svc.check(path))}
    assert "member_count 9 but the document has 3 members" in findings["columns"].problems[0]
    assert findings["documents"].problems[0].startswith(ids[1])
    assert findings["foreign_keys"].problems == ["audit row 1 names a missing households"] or \
        "names a missing households" in findings["foreign_keys"].problems[-1]
    out = CliRunner().invoke(main, ["check", str(path), "--quiet", "--lang", "en"])
    assert out.exit_code == 1
    assert "PROBLEM  household documents: 1" in out.output and "check(s) found problems" in out.output


def test_check_a_damaged_and_a_foreign_file(tmp_path: Path):
    path, _ = _workspace(tmp_path, households=200)
    with open(path, "r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        fh.write(b"\x00\xff" * 20000)
    out = CliRunner().invoke(main, ["check", str(path), "--quiet", "--lang", "en"])
    assert out.exit_code == 1 and "PROBLEM  SQLite integrity check" in out.output
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    out = CliRunner().invoke(main, ["check", str(other), "--quiet", "--lang", "en"])
    assert out.exit_code == 1 and "not a FieldSurvey workspace" in out.output
