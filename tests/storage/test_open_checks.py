"""Attacks on a workspace's opening: a writer killed in the middle of a change (its journal kept, or deleted
afterwards), contents that no longer hold together, a file cut short, bit flips in a copy, a second name (a hard
link). A workspace that was not closed cleanly gets the whole check before anything is written to it; one that
fails opens read-only, saying why and how to restore; a file whose pages are damaged is refused. Each attack
compares the file before and after the opening (opening a damaged file writes nothing to it) and runs the command
line as a user would: a message, never a traceback."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.storage import backups, checks, lock
from fieldsurvey.storage import workspace as workspace_module
from fieldsurvey.storage.workspace import Workspace
from tests.dbcheck import cli, integrity
from tests.storage.conftest import INFO, make_doc

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills a child process with SIGKILL")

# A writer in the middle of a change that does not fit its page cache (SQLite writes pages into the file before the
# commit, the journal holding the old ones), killed there. DOCUMENTS changes only the documents' text (no index);
# INDEXED changes an indexed column too.
MID_CHANGE = r"""
import json, sys
from fieldsurvey.storage.workspace import Workspace
ws = Workspace.open(sys.argv[1]); ws.backups = False
c = ws.db.conn
c.execute("PRAGMA cache_size = 20")
c.execute("BEGIN IMMEDIATE")
for uuid, text in c.execute("SELECT uuid, document FROM households").fetchall():
    d = json.loads(text)
    d["household"]["floor_area"] = 77
    c.execute("UPDATE households SET document = ? WHERE uuid = ?", [json.dumps(d, ensure_ascii=False), uuid])
    if sys.argv[2] == "indexed":
        c.execute("UPDATE households SET head_folded = 'x' || head_folded WHERE uuid = ?", [uuid])
print("ready", flush=True)
sys.stdin.readline()
"""

# A writer that holds the workspace open, doing nothing, killed.
IDLE = r"""
import sys
from fieldsurvey.storage.workspace import Workspace
ws = Workspace.open(sys.argv[1]); ws.backups = False
print("ready", flush=True)
sys.stdin.readline()
"""


def _killed(script: str, path: Path, *args: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", script, str(path), *args], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout.readline().strip() == "ready"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdin.close()
    child.stdout.close()


def _workspace(tmp_path: Path, n: int = 400, backup: bool = True) -> tuple[Path, list[str]]:
    path = tmp_path / "w" / "commune.fsdb"
    path.parent.mkdir()
    ws = Workspace.create(path, INFO, ["Thôn 1", "Thôn 2"])
    ws.backups = False
    ids = []
    with ws.transaction():
        for i in range(n):
            doc = make_doc(f"Nguyễn Văn {i}", floor_area=20 + i % 30)
            ws.save_household(doc, owner="lan")
            ids.append(doc["uuid"])
    if backup:
        backups.make_backup(ws)
    ws.close()
    return path, ids


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


_integrity, _cli = integrity, cli


@pytest.fixture
def full_checks(monkeypatch):
    """Counts the whole checks made on opening."""
    made: list[int] = []
    real = checks.problems_on_opening

    def counted(conn):
        made.append(1)
        return real(conn)

    monkeypatch.setattr(checks, "problems_on_opening", counted)
    return made


# --- a writer killed ------------------------------------------------------------------------------------------------

def test_a_journal_deleted_after_a_crash_opens_read_only_and_offers_the_restore(tmp_path, full_checks):
    path, ids = _workspace(tmp_path)
    _killed(MID_CHANGE, path, "documents")
    journal = path.with_name(path.name + "-journal")
    assert journal.stat().st_size > 0        # hot: the old pages of the change the writer did not finish
    journal.unlink()                          # … deleted by hand after the crash
    before = _digest(path)
    ws = Workspace.open(path)
    try:
        assert ws.read_only and ws.read_only_key == "storage.error.journal_lost"
        [newest] = backups.backups_of(path)
        vi = ws.refusal().text("vi")
        assert "nhật ký ghi" in vi and f"fieldsurvey restore {path} {newest}" in vi
        with pytest.raises(WorkspaceError) as refused:   # an edit is refused with the same reason
            ws.save_answer(ids[0], "floor_area", 5)
        assert refused.value.key == "storage.error.journal_lost"
    finally:
        ws.close()
    assert full_checks == [1] and _digest(path) == before   # checked; nothing written to it
    # the reason stays: another process opens it read-only too; the command line says why, in Vietnamese
    out = _cli("households", "confirm", str(path), ids[0], lang="vi")
    assert out.exit_code == 1 and "tệp nhật ký ghi" in out.output and "fieldsurvey restore" in out.output
    assert _digest(path) == before
    # the restore offered brings it back: writable, every check passing
    assert _cli("restore", str(path), str(newest)).exit_code == 0
    with Workspace.open(path) as ws:
        assert not ws.read_only
        ws.save_answer(ids[0], "floor_area", 5)
    assert _integrity(path) == ["ok"]
    findings = checks.check_file(path)
    assert all(f.ok for f in _run(findings))


def _run(job):
    from fieldsurvey.progress import run_to_end
    return run_to_end(job)


def test_a_crash_with_its_journal_kept_is_rolled_back_checked_and_opens_writable(tmp_path, full_checks):
    path, ids = _workspace(tmp_path)
    before = _dump(path)
    _killed(MID_CHANGE, path, "indexed")
    assert path.with_name(path.name + "-journal").stat().st_size > 0
    with Workspace.open(path) as ws:            # SQLite rolls the half change back; the whole check passes
        assert not ws.read_only
        ws.backups = False
    assert full_checks == [1]
    assert _dump(path) == before and _integrity(path) == ["ok"]
    with Workspace.open(path) as ws:            # closed cleanly this time: the next opening is a quick one
        ws.backups = False
    assert full_checks == [1]


def test_an_idle_writer_killed_costs_one_whole_check_and_nothing_else(tmp_path, full_checks):
    path, ids = _workspace(tmp_path, 50)
    _killed(IDLE, path)
    assert lock.lock_path(path).read_bytes().split(b"\n")[0] == b"open"   # left open (its holder's line after it)
    with Workspace.open(path) as ws:
        assert not ws.read_only
        ws.save_answer(ids[0], "floor_area", 7)
    assert full_checks == [1] and lock.lock_path(path).read_bytes() == b"closed\n"


def test_contents_that_do_not_hold_together_open_read_only_with_what_was_found(tmp_path, full_checks):
    path, ids = _workspace(tmp_path, 30)
    _killed(IDLE, path)
    conn = sqlite3.connect(path)   # behind the app's back: a list column and a document disagree
    conn.execute("PRAGMA journal_mode = TRUNCATE")   # (SQLite's default would delete the journal: see above)
    conn.execute("UPDATE households SET member_count = 9 WHERE uuid = ?", [ids[3]])
    conn.commit()
    conn.close()
    before = _digest(path)
    with Workspace.open(path) as ws:
        assert ws.read_only and ws.read_only_key == "storage.error.damaged_read_only"
        assert ids[3] in ws.read_only_values["problems"] and "member_count 9" in ws.read_only_values["problems"]
        assert "kiểm tra đã phát hiện lỗi" in ws.refusal().text("vi")
    assert _digest(path) == before
    with Workspace.open(path) as again:       # still read-only; the file unchanged, this process checks it once
        assert again.read_only
    assert full_checks == [1]
    assert lock.lock_path(path).read_bytes() == b"check\n"   # and the next process checks it whole again
    out = _cli("households", "confirm", str(path), ids[3])
    assert out.exit_code == 1 and "the check made on opening it found problems" in out.output


def test_a_crash_in_an_indexed_change_with_its_journal_deleted_never_opens_writable(tmp_path, full_checks):
    """The index and the table disagree once half the change is in the file: refused as damaged (its pages), or
    read-only (the journal lost) — whichever the half change left; never writable."""
    path, ids = _workspace(tmp_path)
    _killed(MID_CHANGE, path, "indexed")
    path.with_name(path.name + "-journal").unlink()
    before = _digest(path)
    for _ in range(2):
        try:
            ws = Workspace.open(path)
        except WorkspaceError as exc:
            assert exc.key == "storage.error.damaged" and "fieldsurvey restore" in str(exc)
        else:
            assert ws.read_only and ws.read_only_key == "storage.error.journal_lost"
            ws.close()
        out = _cli("households", "list", str(path))
        assert out.exit_code in (0, 1)
        assert _digest(path) == before


# --- a file cut short, bit flips in a copy --------------------------------------------------------------------------

@pytest.mark.parametrize("cut", [1, 100, 4096, 3 * 4096, "half"])
@pytest.mark.parametrize("where", ["copy", "in place"])
def test_a_truncated_file_never_opens_writable(tmp_path, cut, where):
    path, _ = _workspace(tmp_path, 150, backup=False)
    if where == "copy":    # a copy carries no lock file: it gets the whole check
        target = tmp_path / "copy" / "commune.fsdb"
        target.parent.mkdir()
        shutil.copyfile(path, target)
    else:                  # in place the lock file says "closed": only the quick check and the size
        target = path
        workspace_module._CHECKED.clear()
    size = target.stat().st_size
    os.truncate(target, size // 2 if cut == "half" else size - cut)
    with pytest.raises(WorkspaceError) as refused:
        Workspace.open(target)
    assert refused.value.key in ("storage.error.damaged", "storage.error.not_workspace_detail")
    out = _cli("households", "list", str(target))
    assert out.exit_code == 1 and ("damaged" in out.output or "not a FieldSurvey workspace" in out.output)


def test_bit_flips_in_a_copy(tmp_path):
    """A copy (no lock file: the whole check) with one bit flipped, at 80 places drawn at random (seeded) over the
    file and at chosen ones. Never writable where its pages, its links or anything the checks compare are wrong:
    refused, or read-only. Writable only with the same contents as the original (a flip in unused bytes) — or with
    one changed character in a text no check can compare with anything (an answer of a household whose revision is
    still open, a time in the history: no checksum covers them, docs/storage.md), counted apart."""
    path, ids = _workspace(tmp_path, 150, backup=False)
    with Workspace.open(path) as ws:
        ws.backups = False
        ws.seal(ids[:100])
        for u in ids[:20]:
            ws.save_answer(u, "floor_area", 99)
    original = _dump(path)
    size = path.stat().st_size
    rng = random.Random(15)
    outcomes: dict[str, int] = {}
    for i in range(80):
        outcome = _open_flipped(tmp_path / f"c{i}", path, rng.randrange(size), rng.randrange(8), original)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert set(outcomes) <= {"refused", "read-only", "same contents", "a text no check covers"}, outcomes
    caught = outcomes.get("refused", 0) + outcomes.get("read-only", 0)
    # seed 15: 45 and 12 with schema 5 (48 and 8 with schema 4: where the flips land moves with the file's layout)
    assert caught >= 40 and outcomes.get("a text no check covers", 0) <= 16, outcomes
    # chosen places: the page size in the header; a sealed household's document; an open household's member name
    # (in its search text too)
    data = path.read_bytes()
    assert _open_flipped(tmp_path / "header", path, 16, 0, original) == "refused"
    sealed = data.find('"name": "Nguyễn Văn 50"'.encode())
    assert sealed > 0 and _open_flipped(tmp_path / "sealed", path, sealed + 20, 0, original) == "read-only"
    named = data.find('"name": "Trần Thị Bình"'.encode())
    assert named > 0 and _open_flipped(tmp_path / "named", path, named + 10, 1, original) == "read-only"


def _open_flipped(folder: Path, path: Path, offset: int, bit: int, original: list[str]) -> str:
    folder.mkdir()
    copy = folder / "commune.fsdb"
    shutil.copyfile(path, copy)
    with open(copy, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)[0]
        fh.seek(offset)
        fh.write(bytes([byte ^ (1 << bit)]))
    try:
        ws = Workspace.open(copy)
    except WorkspaceError:
        return "refused"
    ws.backups = False
    read_only = ws.read_only
    ws.close()
    if read_only:
        return "read-only"
    now = _dump(copy)
    if now == original:
        return "same contents"
    changed = [line for line in now if line not in set(original)]
    assert len(changed) == 1 and changed[0].startswith(('INSERT INTO "households"', 'INSERT INTO "audit"',
                                                        'INSERT INTO "revisions"', 'INSERT INTO "meta"')), changed
    return "a text no check covers"


# --- a second name --------------------------------------------------------------------------------------------------

def test_a_hard_link_to_a_workspace_is_refused(tmp_path):
    path, ids = _workspace(tmp_path, 5, backup=False)
    other = tmp_path / "other-name.fsdb"
    os.link(path, other)
    for name in (path, other):
        with pytest.raises(WorkspaceError) as refused:
            Workspace.open(name)
        assert refused.value.key == "storage.error.hard_link" and refused.value.values["links"] == 2
        out = _cli("households", "list", str(name), lang="vi")
        assert out.exit_code == 1 and "liên kết cứng" in out.output
    os.unlink(other)
    with Workspace.open(path) as ws:
        ws.backups = False
        assert not ws.read_only


def test_two_names_would_have_meant_two_writers(tmp_path):
    """Why: each name gets its own lock file, so without the refusal both would open for writing."""
    path, _ = _workspace(tmp_path, 1, backup=False)
    other = tmp_path / "other-name.fsdb"
    os.link(path, other)
    assert lock.lock_path(path) != lock.lock_path(other)
    assert lock.take_writer_lock(path) and lock.take_writer_lock(other)
    lock.release_writer_lock(path)
    lock.release_writer_lock(other)
