"""How a workspace file is kept safe: the journal mode and sync level for the SQLite library found, where a
workspace may live (not on a network share or a USB stick), and the integrity checks. docs/storage.md.
"""

from __future__ import annotations

import ctypes
import ntpath
import os
import sqlite3
from pathlib import Path
from typing import Callable

from fieldsurvey.i18n import t

# The WAL-reset bug (a WAL file reset while another connection writes can corrupt the database) affects SQLite
# 3.7.0 up to and including 3.51.2. On those versions the workspace uses the rollback journal.
WAL_RESET_BUG = ((3, 7, 0), (3, 51, 2))


def sqlite_version(text: str = sqlite3.sqlite_version) -> tuple[int, int, int]:
    parts = [int(p) for p in text.split(".")[:3]]
    return (parts + [0, 0, 0])[0], (parts + [0, 0, 0])[1], (parts + [0, 0, 0])[2]


def journal_settings(version: tuple[int, int, int]) -> tuple[str, str]:
    """(journal_mode, synchronous) that survive a killed process and a power cut with this SQLite version.

    WAL only where the WAL-reset bug is fixed (and WAL exists); otherwise the rollback journal, truncated rather
    than deleted after each commit. synchronous=FULL either way: a committed answer is on the disk before the
    commit returns (a power cut loses at most the answer being typed)."""
    low, high = WAL_RESET_BUG
    if version < low or low <= version <= high:
        return "TRUNCATE", "FULL"
    return "WAL", "FULL"


# --- where a workspace may live -----------------------------------------------------------------------------------

NETWORK_FS = {"nfs", "nfs4", "cifs", "smb", "smbfs", "smb3", "ncpfs", "afs", "coda", "9p", "ceph", "glusterfs",
              "fuse.sshfs", "sshfs", "fuse.rclone", "fuse.s3fs", "davfs", "fuse.davfs2", "fuse.gvfsd-fuse",
              "fuse.glusterfs", "fuse.cephfs", "lustre", "gpfs", "beegfs", "fuse.smbnetfs", "fuse.curlftpfs"}


def _unescape(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as octal escapes
    return (field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\"))


def mount_of(path: Path, mounts_text: str) -> tuple[str, str, str] | None:
    """(device, mount point, fs type) of the mount that holds `path` (longest matching mount point)."""
    best: tuple[str, str, str] | None = None
    target = str(path)
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        device, point, fstype = _unescape(parts[0]), _unescape(parts[1]), parts[2]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[1])):
            best = (device, point, fstype)
    return best


def _block_is_removable(device: str, sys_block: Path) -> bool:
    """A /dev/sdb1-like device on a removable or USB disk, from /sys/block."""
    if not device.startswith("/dev/"):
        return False
    name = os.path.basename(os.path.realpath(device)) if sys_block == Path("/sys/block") else device[5:]
    disk = None
    if (sys_block / name).exists():
        disk = name
    else:
        for candidate in sorted(p.name for p in sys_block.iterdir()) if sys_block.is_dir() else []:
            if name.startswith(candidate) and (sys_block / candidate / name).exists():
                disk = candidate
                break
    if disk is None:
        return False
    try:
        if (sys_block / disk / "removable").read_text().strip() == "1":
            return True
    except OSError:
        pass
    return "/usb" in os.path.realpath(sys_block / disk)


def storage_problem(path: Path, mounts_text: str | None = None, sys_block: Path = Path("/sys/block")) -> str | None:
    """Why a workspace must not live here (a network share, a USB stick), or None. `mounts_text` is the mount
    table (default: /proc/mounts) and `sys_block` the block-device folder, both replaceable for tests."""
    found = storage_problem_detail(path, mounts_text, sys_block)
    return t(found[0], "en", **found[1]) if found else None


# GetDriveTypeW's answers (Windows): a removable drive (a USB stick, a memory card) and a network drive.
DRIVE_REMOVABLE, DRIVE_REMOTE = 2, 4


def windows_drive_problem(path: str, drive_type: Callable[[str], int]) -> tuple[str, dict[str, str]] | None:
    r"""On Windows: a workspace on a network drive (a mapped drive letter, \\server\share) or a removable drive,
    asked of the system by the root of its path (`drive_type`: kernel32.GetDriveTypeW, replaceable for tests)."""
    drive = ntpath.splitdrive(path)[0]
    if not drive:
        return None
    kind = drive_type(drive.rstrip("\\") + "\\")
    if kind == DRIVE_REMOTE:
        return "storage.error.network_drive", {"drive": drive}
    if kind == DRIVE_REMOVABLE:
        return "storage.error.removable_drive", {"drive": drive}
    return None


def _get_drive_type() -> Callable[[str], int] | None:
    try:
        return ctypes.windll.kernel32.GetDriveTypeW  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        return None


def storage_problem_detail(path: Path, mounts_text: str | None = None,
                           sys_block: Path = Path("/sys/block")) -> tuple[str, dict[str, str]] | None:
    """storage_problem's (catalogue key, values), for a message in the user's language."""
    if os.name == "nt":
        drive_type = _get_drive_type()
        return windows_drive_problem(os.path.realpath(path), drive_type) if drive_type else None
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None  # no mount table (not Linux): nothing to say
    where = Path(os.path.realpath(path if path.exists() else path.parent))
    found = mount_of(where, mounts_text)
    if found is None:
        return None
    device, point, fstype = found
    if fstype in NETWORK_FS or fstype.startswith("fuse.sshfs"):
        return "storage.error.network_share", {"fstype": fstype, "point": point}
    if _block_is_removable(device, sys_block):
        return "storage.error.removable_disk", {"device": device, "point": point}
    return None


# --- integrity ------------------------------------------------------------------------------------------------------

def quick_check(conn: sqlite3.Connection, full: bool = False) -> list[str]:
    """Problems found by PRAGMA quick_check (or integrity_check when `full`); [] when the file is sound."""
    pragma = "integrity_check" if full else "quick_check"
    rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}(20)").fetchall()]
    return [] if rows == ["ok"] else rows


def foreign_key_problems(conn: sqlite3.Connection) -> list[str]:
    return [f"{table} row {rowid} names a missing {parent}" for table, rowid, parent, _ in
            conn.execute("PRAGMA foreign_key_check").fetchall()]

