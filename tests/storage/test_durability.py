"""Journal mode by SQLite version, where a workspace may live, and what opening refuses."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.storage import durability
from fieldsurvey.storage.durability import journal_settings, sqlite_version, storage_problem
from fieldsurvey.storage import workspace as workspace_module
from fieldsurvey.storage.workspace import Workspace
from tests.storage.conftest import INFO, make_doc


@pytest.mark.parametrize("version", [(3, 7, 0), (3, 40, 1), (3, 44, 5), (3, 45, 3), (3, 50, 6), (3, 51, 1),
                                     (3, 51, 2)])
def test_versions_with_the_wal_reset_bug_use_the_rollback_journal(version):
    assert journal_settings(version) == ("TRUNCATE", "FULL")


@pytest.mark.parametrize("version", [(3, 51, 3), (3, 52, 0), (4, 0, 0), (3, 44, 6), (3, 44, 9), (3, 50, 7)])
def test_fixed_versions_use_wal(version):
    assert journal_settings(version) == ("WAL", "FULL")


def test_versions_before_wal_use_the_rollback_journal():
    assert journal_settings((3, 6, 23)) == ("TRUNCATE", "FULL")


def test_the_workspace_uses_the_mode_chosen_for_this_library(ws):
    mode, sync = journal_settings(sqlite_version())
    assert ws.db.execute("PRAGMA journal_mode").fetchone()[0] == mode.lower()
    assert ws.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert ws.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert sqlite_version("3.40.1") == (3, 40, 1) and sqlite_version("3.8") == (3, 8, 0)


MOUNTS = """/dev/vda / ext4 rw,relatime 0 0
server:/export /mnt/share nfs4 rw 0 0
//office/data /media/office cifs rw 0 0
me@host:/home /home/me/remote fuse.sshfs rw 0 0
/dev/sdb1 /media/usb vfat rw 0 0
/dev/sdc1 /media/disk\\040two ext4 rw 0 0
"""


@pytest.fixture
def sys_block(tmp_path: Path) -> Path:
    root = tmp_path / "sys" / "block"
    for disk, removable in (("vda", "0"), ("sdb", "1"), ("sdc", "0")):
        (root / disk / f"{disk}1").mkdir(parents=True)
        (root / disk / "removable").write_text(removable + "\n")
    return root


@pytest.mark.parametrize("where, word", [("/mnt/share/lam-binh.fsdb", "network share (nfs4"),
                                         ("/media/office/x/y.fsdb", "network share (cifs"),
                                         ("/home/me/remote/w.fsdb", "network share (fuse.sshfs"),
                                         ("/media/usb/w.fsdb", "USB stick")])
def test_network_shares_and_usb_sticks_are_refused(where, word, sys_block):
    problem = storage_problem(Path(where), MOUNTS, sys_block)
    assert word in problem and "Copy the file to this laptop" in problem


def test_local_disks_are_fine(sys_block):
    assert storage_problem(Path("/home/lan/FieldSurvey/w.fsdb"), MOUNTS, sys_block) is None
    assert storage_problem(Path("/media/disk two/w.fsdb"), MOUNTS, sys_block) is None
    assert storage_problem(Path("/mnt/shared.fsdb"), MOUNTS, sys_block) is None  # not inside /mnt/share


def test_open_and_create_refuse_a_share(tmp_path: Path):
    mounts = f"/dev/vda / ext4 rw 0 0\nsrv:/x {tmp_path} nfs rw 0 0\n"
    with pytest.raises(WorkspaceError, match="network share"):
        Workspace.create(tmp_path / "w.fsdb", INFO, mounts_text=mounts)
    assert not (tmp_path / "w.fsdb").exists()
    Workspace.create(tmp_path / "w.fsdb", INFO).close()
    with pytest.raises(WorkspaceError, match="network share .*Copy the file"):
        Workspace.open(tmp_path / "w.fsdb", mounts_text=mounts)


def test_not_a_workspace(tmp_path: Path):
    text = tmp_path / "notes.fsdb"
    text.write_text("hello")
    with pytest.raises(WorkspaceError, match="not a FieldSurvey workspace"):
        Workspace.open(text)
    other = tmp_path / "other.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(WorkspaceError, match="not a FieldSurvey workspace"):
        Workspace.open(other)


def test_a_newer_workspace_is_refused(ws):
    path = ws.path
    ws.db.execute("PRAGMA user_version = 99")
    ws.close()
    with pytest.raises(WorkspaceError, match="newer FieldSurvey"):
        Workspace.open(path)


def test_a_damaged_file_is_refused_with_the_way_to_restore(ws):
    for i in range(300):
        ws.save_household(make_doc(f"Hộ {i}"))
    path = ws.path
    ws.backups = False
    ws.close()
    size = path.stat().st_size
    with open(path, "r+b") as fh:  # scribble over pages in the middle of the file
        fh.seek(size // 2)
        fh.write(b"\xff\x00" * 20000)
    workspace_module._CHECKED.clear()  # checked once per process: this file changed under it
    with pytest.raises(WorkspaceError, match="(?s)damaged .*fieldsurvey restore"):
        Workspace.open(path)


def test_quick_check_reports_ok_as_nothing(ws):
    assert durability.quick_check(ws.db.conn) == []
    assert durability.quick_check(ws.db.conn, full=True) == []
    assert durability.foreign_key_problems(ws.db.conn) == []


HOLDER = """
import sys
from fieldsurvey.storage.workspace import Workspace
ws = Workspace.open(sys.argv[1])
ws.backups = False
print("open", ws.read_only, flush=True)
sys.stdin.readline()
ws.close()
"""


def test_one_writer_another_process_gets_it_read_only(ws, tmp_path: Path):
    import subprocess
    import sys

    doc = make_doc()
    ws.save_household(doc)
    path = ws.path
    ws.close()
    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        assert holder.stdout.readline().split() == ["open", "False"]
        with Workspace.open(path) as second:
            second.backups = False
            assert second.read_only
            assert second.get_household(doc["uuid"])["uuid"] == doc["uuid"]
            # the refusal names the holder: what it is, whose, which computer, its process
            with pytest.raises(WorkspaceError, match=rf"open for editing in another FieldSurvey program of the "
                                                     rf"account .+ \(process {holder.pid}, since "):
                second.save_answer(doc["uuid"], "floor_area", 5)
        from fieldsurvey.storage import backups

        with pytest.raises(WorkspaceError, match="close it before restoring"):
            backups.restore(path, path)
    finally:
        holder.communicate("\n")
    # this process's own connections share the lock (the app's worker jobs)
    with Workspace.open(path) as a, Workspace.open(path) as b:
        a.backups = b.backups = False
        assert not a.read_only and not b.read_only
        a.save_answer(doc["uuid"], "floor_area", 6)
        b.save_answer(doc["uuid"], "floor_area", 7)
    with Workspace.open(path) as again:
        again.backups = False
        assert again.get_household(doc["uuid"])["household"]["floor_area"] == 7


def test_a_workspace_that_cannot_be_made_leaves_no_file(tmp_path: Path, monkeypatch):
    from fieldsurvey.storage import schema

    def broken(db):
        raise sqlite3.OperationalError("disk full")

    monkeypatch.setattr(schema, "apply", broken)
    with pytest.raises(WorkspaceError, match="cannot create the workspace: disk full"):
        Workspace.create(tmp_path / "w.fsdb", INFO)
    assert not (tmp_path / "w.fsdb").exists()
    monkeypatch.undo()
    Workspace.create(tmp_path / "w.fsdb", INFO).close()  # and the name can be used (the lock was let go)


def test_on_windows_a_network_or_removable_drive_is_refused_by_the_drive_type_the_system_gives():
    """Windows has no mount table: the drive's type (kernel32.GetDriveTypeW, here a stand-in) says it."""
    from fieldsurvey.storage.durability import DRIVE_REMOTE, DRIVE_REMOVABLE, windows_drive_problem

    kinds = {"C:\\": 3, "Z:\\": DRIVE_REMOTE, "E:\\": DRIVE_REMOVABLE, "\\\\server\\share\\": DRIVE_REMOTE}
    asked: list[str] = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return kinds[root]

    assert windows_drive_problem("C:\\Users\\lan\\FieldSurvey\\w.fsdb", drive_type) is None
    net = windows_drive_problem("Z:\\ra-soat\\w.fsdb", drive_type)
    assert net == ("storage.error.network_drive", {"drive": "Z:"})
    usb = windows_drive_problem("E:\\w.fsdb", drive_type)
    assert usb == ("storage.error.removable_drive", {"drive": "E:"})
    unc = windows_drive_problem("\\\\server\\share\\xa\\w.fsdb", drive_type)
    assert unc[0] == "storage.error.network_drive"
    assert asked == ["C:\\", "Z:\\", "E:\\", "\\\\server\\share\\"]
    assert windows_drive_problem("w.fsdb", drive_type) is None  # no drive in the path: nothing asked
    assert len(asked) == 4


def test_on_windows_the_writer_lock_is_a_byte_lock_on_the_lock_file(tmp_path, monkeypatch):
    """Without fcntl the lock is msvcrt.locking on the lock file's first byte (here a stand-in that refuses a
    second holder as Windows does); it is unlocked before the file is closed."""
    import os

    from fieldsurvey.storage import lock as wsmod

    held: set[str] = set()
    calls: list[str] = []

    class FakeMsvcrt:
        LK_NBLCK, LK_UNLCK = 2, 0

        @staticmethod
        def locking(fd: int, mode: int, nbytes: int) -> None:
            assert nbytes == 1 and os.lseek(fd, 0, os.SEEK_CUR) == 0
            name = os.readlink(f"/proc/self/fd/{fd}")
            if mode == FakeMsvcrt.LK_NBLCK:
                calls.append("lock")
                if name in held:
                    raise OSError(36, "Resource deadlock avoided")
                held.add(name)
            else:
                calls.append("unlock")
                held.discard(name)

    monkeypatch.setattr(wsmod, "fcntl", None)
    monkeypatch.setattr(wsmod, "msvcrt", FakeMsvcrt)
    monkeypatch.setattr(wsmod, "_LOCKS", {})
    path = tmp_path / "w.fsdb"
    assert wsmod.take_writer_lock(path) and wsmod.take_writer_lock(path)   # the same process shares it
    assert calls == ["lock"] and held
    other = os.open(wsmod.lock_path(path), os.O_RDWR)                       # another process's try
    try:
        with pytest.raises(OSError):
            wsmod._lock(other)
    finally:
        os.close(other)
    wsmod.release_writer_lock(path)
    assert held                                                            # still held once
    wsmod.release_writer_lock(path)
    assert calls == ["lock", "lock", "unlock"] and not held
