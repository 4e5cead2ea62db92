"""How a workspace file is kept safe: the journal mode and sync level for the SQLite library found, where a
workspace may live (not on a network share, a virtual machine's shared folder, a FUSE or cloud drive, a USB stick
— read from the mount table, the refused kinds kept as data in resources/storage/filesystems.toml), and the
integrity checks. docs/storage.md.
"""

from __future__ import annotations

import ctypes
import ntpath
import os
import sqlite3
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable

from fieldsurvey.i18n import t
from fieldsurvey.paths import resource

# The WAL-reset bug (a WAL file reset while another connection writes can corrupt the database) affects SQLite
# 3.7.0 up to and including 3.51.2; it is fixed in 3.51.3 and in the patch releases 3.44.6 and 3.50.7 of older
# lines (sqlite.org/wal.html#walresetbug). On the affected versions the workspace uses the rollback journal.
WAL_RESET_BUG = ((3, 7, 0), (3, 51, 2))
WAL_RESET_FIXED_IN = ((3, 44, 6), (3, 50, 7))   # backports: fixed from this patch of its line on


def sqlite_version(text: str = sqlite3.sqlite_version) -> tuple[int, int, int]:
    parts = [int(p) for p in text.split(".")[:3]]
    return (parts + [0, 0, 0])[0], (parts + [0, 0, 0])[1], (parts + [0, 0, 0])[2]


def journal_settings(version: tuple[int, int, int], *, replayable: bool = False) -> tuple[str, str]:
    """(journal_mode, synchronous) that survive a killed process and a power cut with this SQLite version — for a
    commune's workspace and for the province's roll-up file alike (the one rule for every SQLite file of the app).

    WAL only where the WAL-reset bug is fixed (and WAL exists); otherwise the rollback journal, truncated rather
    than deleted after each commit. synchronous=FULL for a workspace: a committed answer is on the disk before the
    commit returns (a power cut loses at most the answer being typed). `replayable`: a file whose every write can be
    made again from signed files kept elsewhere (the province's roll-up: the communes' results) — in WAL mode
    synchronous=NORMAL (a power cut may lose the last commits, never the file: SQLite's WAL stays consistent
    without a sync at each commit); with the rollback journal still FULL, since NORMAL there can leave a corrupt
    file after a power cut (sqlite.org/pragma.html#pragma_synchronous), and a corrupt roll-up loses what cannot be
    imported again (the trusted keys, the deadline, last year's figures, the history of results)."""
    low, high = WAL_RESET_BUG
    backported = any(version[:2] == fixed[:2] and version >= fixed for fixed in WAL_RESET_FIXED_IN)
    if version < low or (low <= version <= high and not backported):
        return "TRUNCATE", "FULL"
    return "WAL", "NORMAL" if replayable else "FULL"


# --- where a workspace may live -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RefusedKind:
    """A kind of file system a workspace may not live on: the message a user sees, the types and type prefixes."""
    name: str
    message: str
    types: frozenset[str]
    prefixes: tuple[str, ...] = ()

    def matches(self, fstype: str) -> bool:
        return fstype in self.types or fstype.startswith(self.prefixes)


@dataclass(frozen=True)
class FileSystems:
    """The refused kinds in their order, and the mount options that make a workspace read-only."""
    kinds: tuple[RefusedKind, ...]
    read_only_options: frozenset[str]

    def refused(self, fstype: str) -> RefusedKind | None:
        return next((k for k in self.kinds if k.matches(fstype)), None)


def load_file_systems(path: Path | None = None) -> FileSystems:
    """The refused file systems, kept as data (resources/storage/filesystems.toml)."""
    data = tomllib.loads((path or resource("storage", "filesystems.toml")).read_text(encoding="utf-8"))
    kinds = tuple(RefusedKind(name, k["message"], frozenset(k.get("types", ())), tuple(k.get("prefixes", ())))
                  for name, k in data["kinds"].items())
    return FileSystems(kinds, frozenset(data.get("options", {}).get("read_only", ())))


@cache
def file_systems() -> FileSystems:
    return load_file_systems()


def _unescape(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as octal escapes
    return (field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\"))


@dataclass(frozen=True)
class Mount:
    """A line of the mount table: the device, the mount point, the file system type and its options."""
    device: str
    point: str
    fstype: str
    options: frozenset[str] = frozenset()

    def __iter__(self):   # (device, point, fstype), as mount_of gave before
        return iter((self.device, self.point, self.fstype))


def mount_of(path: Path, mounts_text: str) -> Mount | None:
    """The mount that holds `path` (the longest matching mount point; the last one mounted there)."""
    best: Mount | None = None
    target = str(path)
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        device, point, fstype = _unescape(parts[0]), _unescape(parts[1]), parts[2]
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best.point)):
            options = frozenset(parts[3].split(",")) if len(parts) > 3 else frozenset()
            best = Mount(device, point, fstype, options)
    return best


def _mount_table(mounts_text: str | None) -> str | None:
    if mounts_text is not None:
        return mounts_text
    try:
        return Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None  # no mount table (not Linux): nothing to say


def mounted_read_only(path: Path, mounts_text: str | None = None) -> str | None:
    """The mount point when the file system holding `path` is mounted read-only (option `ro`), else None."""
    if os.name == "nt":
        return None
    table = _mount_table(mounts_text)
    found = mount_of(Path(os.path.realpath(path)), table) if table else None
    if found is not None and found.options & file_systems().read_only_options:
        return found.point
    return None


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
    mounts_text = _mount_table(mounts_text)
    if mounts_text is None:
        return None
    where = Path(os.path.realpath(path if path.exists() else path.parent))
    found = mount_of(where, mounts_text)
    if found is None:
        return None
    kind = file_systems().refused(found.fstype)
    if kind is not None:
        return kind.message, {"fstype": found.fstype, "point": found.point}
    if _block_is_removable(found.device, sys_block):
        return "storage.error.removable_disk", {"device": found.device, "point": found.point}
    return None


# --- integrity ------------------------------------------------------------------------------------------------------

def quick_check(conn: sqlite3.Connection, full: bool = False) -> list[str]:
    """Problems found by PRAGMA quick_check (or integrity_check when `full`); [] when the file is sound."""
    pragma = "integrity_check" if full else "quick_check"
    rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}(20)").fetchall()]
    return [] if rows == ["ok"] else rows


def size_problem(conn: sqlite3.Connection, path: Path) -> str | None:
    """A database file cut short (truncated) or with a torn last page: its size is not a whole number of pages,
    or less than the pages SQLite counts. Cheap (a stat and two pragmas that read the header), so asked at every
    opening; quick_check alone lets a file that lost its last bytes open. Not asked with a WAL beside the file
    (pages may live there until a checkpoint)."""
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        return None
    size = path.stat().st_size
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])   # SQLCipher's binding gives text
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    if size % page_size or size < pages * page_size:
        return (f"the file is {size:,} bytes, not the {pages:,} pages of {page_size:,} bytes it holds: it was cut "
                "short (truncated)")
    return None


def foreign_key_problems(conn: sqlite3.Connection) -> list[str]:
    return [f"{table} row {rowid} names a missing {parent}" for table, rowid, parent, _ in
            conn.execute("PRAGMA foreign_key_check").fetchall()]

