"""Attacks on backups and restores: a restore killed at every step, backups killed half-way (no plain copy may stay),
a backup onto a full or write-protected stick, a clock that went back (or is years off). Each compares what
matters before and after, runs `PRAGMA integrity_check`, and runs the command line as a user would: a message,
never a traceback."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fieldsurvey.files import Fault, inject
from fieldsurvey.storage import backups, lock
from fieldsurvey.storage.stamps import clock_problem
from fieldsurvey.storage.workspace import Workspace
from tests.dbcheck import cli, integrity
from tests.storage.conftest import INFO, make_doc

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills a child process with SIGKILL")

# Runs one call with a kill -9 of its own process just before the Nth call of the file operations it makes (os and
# shutil functions that create, rename, link, sync, write or remove files); prints "done N" when it got through.
KILL_AT = r"""
import os, shutil, signal, sys
from pathlib import Path
from fieldsurvey.storage import backups, workspace
target, seen = int(sys.argv[1]), [0]

def dying(real):
    def call(*args, **kwargs):
        seen[0] += 1
        if seen[0] == target:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call

for name in ("replace", "link", "fsync", "unlink", "rename", "write"):
    setattr(os, name, dying(getattr(os, name)))
shutil.move, shutil.copyfile = dying(shutil.move), dying(shutil.copyfile)
exec(sys.argv[2])
print("done", seen[0], flush=True)
"""


def _until_done(code: str, check, most: int = 60) -> int:
    """Run `code` killed at its 1st, 2nd … file operation, calling check(n) after each kill, until it gets through;
    returns how many kill points there were."""
    for n in range(1, most):
        run = subprocess.run([sys.executable, "-c", KILL_AT, str(n), code], capture_output=True, text=True, cwd=ROOT)
        if run.returncode == 0 and run.stdout.startswith("done"):
            return n - 1
        assert run.returncode == -9, run.stderr
        check(n)
    raise AssertionError("never got through")


def _workspace(folder: Path, area: int = 11) -> tuple[Path, str]:
    path = folder / "commune.fsdb"
    folder.mkdir(parents=True)
    ws = Workspace.create(path, INFO, ["Thôn 1"])
    ws.backups = False
    doc = make_doc("Lò Văn Pả", floor_area=area)
    ws.save_household(doc, owner="lan")
    for i in range(40):
        ws.save_household(make_doc(f"Hộ {i}"), owner="lan")
    ws.close()
    # keys, and the supervisor's trusted: a backup onto a stick (outside the folder) is sealed to that key
    from fieldsurvey.services import sync as svc
    from tests.builders import trust_checked

    svc.init_workspace(path, "lan", "enumerator", INFO.commune_code, device="dev-lan")
    sup = folder.parent / f"supervisor-of-{folder.name}" / "sup.fsdb"
    sup.parent.mkdir()
    svc.init_workspace(sup, "thu", "supervisor", INFO.commune_code, device="dev-thu")
    svc.export_key(sup, sup.parent / "thu.fskey")
    trust_checked(path, sup.parent / "thu.fskey")
    for p in (folder / "backups").glob("*"):   # the backups those openings made: each test starts with none
        p.unlink()
    return path, doc["uuid"]


def _area(path: Path, uuid: str) -> int:
    with Workspace.open(path) as ws:
        ws.backups = False
        assert not ws.read_only
        return ws.get_household(uuid)["household"]["floor_area"]


_integrity, _cli = integrity, cli


# --- restore --------------------------------------------------------------------------------------------------------

def test_a_restore_killed_at_any_step_leaves_a_whole_workspace_at_its_path(tmp_path):
    pristine, uuid = _workspace(tmp_path / "pristine")
    backup = tmp_path / "backup.fsdb"
    with Workspace.open(pristine) as ws:
        ws.backups = False
        backups.make_backup(ws, backup)           # floor area 11 in the backup
        ws.save_answer(uuid, "floor_area", 99)    # 99 in the workspace
    runs: list[Path] = []

    def fresh() -> Path:
        folder = tmp_path / f"run{len(runs)}"
        shutil.copytree(pristine.parent, folder)
        runs.append(folder / "commune.fsdb")
        return runs[-1]

    seen: dict[int, int] = {}

    def check(n: int) -> None:
        path = runs[-1]
        assert path.is_file()                                  # never an empty path
        seen[n] = _area(path, uuid)                            # opens writable: the old file or the restored one
        assert seen[n] in (99, 11)
        assert path.stat().st_nlink == 1 and not list(path.parent.glob("*.restoring*"))
        assert _integrity(path) == ["ok"]
        fresh()

    fresh()
    steps = _restore_steps(runs, backup, check)
    assert steps >= 5 and set(seen.values()) == {99, 11}     # killed before the swap: old; after: restored
    last = runs[-1]
    assert _area(last, uuid) == 11
    [kept] = last.parent.glob("commune.replaced-*.fsdb")
    assert _area(kept, uuid) == 99


def _restore_steps(runs: list[Path], backup: Path, check) -> int:
    """As _until_done, each run restoring into a fresh copy (runs[-1], made by check)."""
    for n in range(1, 60):
        code = f"backups.restore(Path({str(runs[-1])!r}), Path({str(backup)!r}))"
        run = subprocess.run([sys.executable, "-c", KILL_AT, str(n), code], capture_output=True, text=True, cwd=ROOT)
        if run.returncode == 0 and run.stdout.startswith("done"):
            return n - 1
        assert run.returncode == -9, run.stderr
        check(n)
    raise AssertionError("never got through")


def test_a_link_left_by_a_killed_restore_is_taken_back_but_any_other_second_name_is_refused(tmp_path):
    path, uuid = _workspace(tmp_path / "w")
    kept = path.with_name("commune.replaced-20261206T000000000000Z.fsdb")
    os.link(path, kept)                                   # as a restore killed before its last rename leaves it
    path.with_name(path.name + ".restoring").write_bytes(b"half a copy")
    assert _area(path, uuid) == 11
    assert not kept.exists() and not path.with_name(path.name + ".restoring").exists()
    os.link(path, tmp_path / "elsewhere.fsdb")            # not a restore's: refused
    out = _cli("households", "list", str(path))
    assert out.exit_code == 1 and "2 names (hard links)" in out.output


# --- killed backups -------------------------------------------------------------------------------------------------

def test_a_killed_backup_leaves_no_plain_copy_after_the_next_opening(tmp_path):
    path, uuid = _workspace(tmp_path / "w")
    stick = tmp_path / "stick"
    stick.mkdir()
    code_rotating = (f"ws = workspace.Workspace.open(Path({str(path)!r})); ws.backups = False; "
                     "backups.make_backup(ws); ws.close()")
    code_stick = (f"ws = workspace.Workspace.open(Path({str(path)!r})); ws.backups = False; "
                  f"backups.make_backup(ws, Path({str(stick)!r})); ws.close()")
    left: list[list[str]] = []

    def check(_n: int) -> None:
        here = sorted(p.name for p in (path.parent / "backups").glob("*")) if (path.parent / "backups").exists() \
            else []
        there = sorted(p.name for p in stick.iterdir())
        left.append(here + there)
        with Workspace.open(path) as ws:                  # the next opening clears the workspace's side
            ws.backups = False
        assert not [p for p in (path.parent / "backups").glob("*") if ".part" in p.name or ".outgoing" in p.name] \
            if (path.parent / "backups").exists() else True
        for p in list(stick.iterdir()):                   # a stick's own leftover goes at the next backup there
            if p.name.endswith(".partial"):
                made = _cli("backup", str(path), "--to", str(stick))
                assert made.exit_code == 0 and not list(stick.glob(".*.partial"))
                for q in stick.iterdir():
                    q.unlink()
        for q in (path.parent / "backups").glob("*.fsdb") if (path.parent / "backups").exists() else []:
            q.unlink()

    assert _until_done(code_rotating, check) >= 3
    assert _until_done(code_stick, check) >= 5
    plain = [names for names in left if any(".part" in n or ".outgoing" in n or ".partial" in n for n in names)]
    assert plain   # the kills did leave plain copies … which the next opening or backup removed (checked above)


# --- a backup that cannot be written --------------------------------------------------------------------------------

@pytest.mark.parametrize("fault, english", [(Fault(errno.ENOSPC, after=4096), "is full ("),
                                            (Fault(errno.EROFS, "open"), "is write-protected"),
                                            (Fault(errno.EIO, after=8192), "input/output error")])
def test_a_backup_onto_a_stick_that_fails(tmp_path, fault, english):
    path, uuid = _workspace(tmp_path / "w")
    stick = tmp_path / "stick"
    stick.mkdir()
    before = path.read_bytes()
    with inject(Fault(fault.error, fault.step, fault.after, under=stick)):
        out = _cli("backup", str(path), "--to", str(stick))
    assert out.exit_code == 1 and english in out.output and str(stick) in out.output
    assert list(stick.iterdir()) == [] and list((path.parent / "backups").iterdir()) == []
    assert path.read_bytes() == before and _integrity(path) == ["ok"]
    with inject(Fault(fault.error, fault.step, fault.after, under=stick)):
        out = _cli("backup", str(path), "--to", str(stick), lang="vi")
    assert out.exit_code == 1 and "Không ghi được" in out.output


def test_a_rotating_backup_that_sqlite_cannot_write_is_said_and_leaves_nothing(tmp_path, monkeypatch):
    """The backup beside the workspace is written by SQLite itself: its 'disk full' (SQLITE_FULL) is said as the
    same message, and the half-made copy is removed."""
    path, _ = _workspace(tmp_path / "w")
    real = sqlite3.connect

    def small_disk(target, *args, **kwargs):
        conn = real(target, *args, **kwargs)
        if str(target).endswith(".part"):
            conn.execute("PRAGMA max_page_count = 5")      # SQLite's own 'database or disk is full' past 5 pages
        return conn

    monkeypatch.setattr(sqlite3, "connect", small_disk)   # the module storage.connection opens plain files with
    out = _cli("backup", str(path))
    assert out.exit_code == 1 and "backups is full" in out.output
    assert list((path.parent / "backups").iterdir()) == []
    with Workspace.open(path) as ws:                          # closing never fails for it
        ws.save_answer(ws.db.execute("SELECT uuid FROM households LIMIT 1").fetchone()[0], "floor_area", 3)
    assert list((path.parent / "backups").iterdir()) == []


def _can_mount() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs -o size=4k tmpfs /mnt && umount /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs root and mount namespaces (unshare -m)")
@pytest.mark.parametrize("options, said", [("size=8k", "is full ("), ("ro", "is write-protected or read-only")])
def test_a_backup_onto_a_real_full_or_read_only_stick(tmp_path, options, said):
    path, _ = _workspace(tmp_path / "w")
    stick = tmp_path / "stick"
    stick.mkdir()
    script = (f"mount -t tmpfs -o {options} tmpfs \"$1\" && \"{sys.executable}\" -m fieldsurvey backup \"$2\" "
              "--to \"$1\"; status=$?; ls -A \"$1\" >&2; exit $status")
    run = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", str(stick),
                          str(path)], capture_output=True, text=True, cwd=ROOT, env={**os.environ, "FIELDSURVEY_LANG": "en"})
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    [message] = [line for line in run.stderr.splitlines() if line]     # and the stick's listing: empty
    assert said in message and str(stick) in message
    assert list((path.parent / "backups").iterdir()) == [] and _integrity(path) == ["ok"]


# --- the clock ------------------------------------------------------------------------------------------------------

def test_a_backup_dated_in_the_future_does_not_stop_the_automatic_backups(tmp_path):
    path, uuid = _workspace(tmp_path / "w")
    future = datetime.now(timezone.utc) + timedelta(days=3 * 365)   # made while the clock was years ahead
    with Workspace.open(path) as ws:
        ws.backups = False
        for i in range(backups.KEEP):
            made = backups.make_backup(ws)
            made.rename(made.with_name(f"commune-{(future + timedelta(hours=i)).strftime('%Y%m%dT%H%M%S%fZ')}.fsdb"))
    assert len(backups.backups_of(path)) == backups.KEEP
    assert backups.backup_due(path)                     # the future ones say nothing about today
    with Workspace.open(path) as ws:                    # a change, then closing: a backup, as always
        ws.save_answer(uuid, "floor_area", 12)
    found = backups.backups_of(path)
    assert len(found) == backups.KEEP                   # rotated: the new one kept, the oldest future one gone
    newest = found[-1]
    assert newest.stem <= f"commune-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%fZ')}"
    assert _area(newest, uuid) == 12
    assert not backups.backup_due(path)
    with Workspace.open(path) as ws:                    # and the quiet period counts from it, not from the future
        ws.save_answer(uuid, "floor_area", 13)
    assert backups.backups_of(path)[-1] == newest


def test_a_clock_that_went_back_is_said_by_the_backup_command_and_the_helper(tmp_path):
    path, _ = _workspace(tmp_path / "w")
    with Workspace.open(path) as ws:
        ws.backups = False
        made = backups.make_backup(ws)
    ahead = datetime.now(timezone.utc) + timedelta(days=400)
    made.rename(made.with_name(f"commune-{ahead.strftime('%Y%m%dT%H%M%S%fZ')}.fsdb"))
    out = _cli("backup", str(path), lang="vi")
    assert out.exit_code == 0 and "có lẽ đồng hồ máy bị sai" in out.output and f"{ahead:%d/%m/%Y}" in out.output
    now = datetime(2026, 12, 6, tzinfo=timezone.utc)
    assert clock_problem(now, [now + timedelta(hours=20)]) is None
    assert clock_problem(now, [now + timedelta(days=2)])[0] == "storage.warning.clock_behind"
    assert clock_problem(datetime(2001, 1, 1, tzinfo=timezone.utc))[0] == "storage.warning.clock_before_app"
    assert clock_problem(now, [datetime(2026, 12, 10)])[1] == {"now": now.date(), "seen": datetime(2026, 12, 10).date()}
    assert clock_problem(now, [None]) is None


def test_the_lock_file_says_how_the_workspace_was_left(tmp_path):
    path, _ = _workspace(tmp_path / "w")
    assert lock.lock_path(path).read_bytes() == b"closed\n"
    ws = Workspace.open(path)
    state, who = lock.lock_path(path).read_bytes().split(b"\n", 1)
    assert state == b"open"   # and after it who holds it, for a second FieldSurvey to name
    assert lock.holder(path)["pid"] == os.getpid() and who.endswith(b"\n")
    ws.backups = False
    ws.close()
    assert lock.lock_path(path).read_bytes() == b"closed\n"
    backups.restore(path, _a_backup(path))
    assert lock.lock_path(path).read_bytes() == b"check\n"   # a restored file is checked whole when next opened


def _a_backup(path: Path) -> Path:
    with Workspace.open(path) as ws:
        ws.backups = False
        return backups.make_backup(ws)
