"""The file seam (fieldsurvey/files.py) as an attacker of it would use it: every way a write onto a stick can fail —
a full stick (an injected ENOSPC, the kernel's own from /dev/full), a write-protected one (EROFS, EACCES), an
input/output error at each step, the stick pulled out — ends in a WriteError in the user's language naming the file
and the folder, leaves the target as it was, and leaves no `.partial` beside it. Root runs CI, where chmod protects
nothing: nothing here relies on it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from fieldsurvey import files
from fieldsurvey.errors import WriteError
from fieldsurvey.files import Fault, inject
from fieldsurvey.i18n import format_size

DATA = os.urandom(3 * files.CHUNK + 12345)   # more than one write() call


def _left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("fault, key", [
    (Fault(errno.ENOSPC, "write", after=files.CHUNK + 7), "files.error.no_space"),      # full half-way through
    (Fault(errno.ENOSPC, "sync"), "files.error.no_space"),                             # full when flushed (a stick's cache)
    (Fault(errno.EDQUOT, "write"), "files.error.no_space"),
    (Fault(errno.EROFS, "open"), "files.error.read_only"),                             # the lock switch
    (Fault(errno.EACCES, "open"), "files.error.read_only"),
    (Fault(errno.EIO, "write", after=2 * files.CHUNK), "files.error.io"),              # an I/O error mid-write
    (Fault(errno.EIO, "sync"), "files.error.io"),
    (Fault(errno.EIO, "rename"), "files.error.io"),
    (Fault(errno.ENOENT, "open"), "files.error.folder_gone"),                          # the stick pulled out
    (Fault(errno.ENAMETOOLONG, "open"), "files.error.other"),
])
def test_every_fault_ends_in_a_message_and_leaves_nothing(tmp_path: Path, fault: Fault, key: str):
    stick = tmp_path / "stick"
    stick.mkdir()
    target = stick / "bundle.fsbundle"
    with inject(fault), pytest.raises(WriteError) as caught:
        files.write_bytes(target, DATA)
    assert caught.value.key == key
    assert _left(stick) == []                       # no .partial, nothing under the real name
    assert str(caught.value).startswith(f"{target}: cannot be written")
    vi = caught.value.text("vi")
    assert vi.startswith(f"{target}: Không ghi được") and "chưa có gì được ghi vào đó" in vi
    assert str(stick) in vi                         # the stick's folder is named


def test_a_full_stick_says_the_space_needed_and_free(tmp_path: Path):
    target = tmp_path / "b.fsbundle"
    with inject(Fault(errno.ENOSPC, "write", after=100)), pytest.raises(WriteError) as caught:
        files.write_bytes(target, DATA)
    free = caught.value.values["free"]
    assert caught.value.values["needed"] == len(DATA) and free > 0
    assert f"({format_size(len(DATA), 'en')} needed, {format_size(free, 'en')} free)" in str(caught.value)
    assert f"(cần {format_size(len(DATA), 'vi')}, chỉ còn {format_size(free, 'vi')})" in caught.value.text("vi")
    assert format_size(len(DATA), "vi") == "3,0 MB" and format_size(len(DATA), "en") == "3.0 MB"


def test_the_kernels_own_full_device(tmp_path: Path):
    """/dev/full: every write fails with the kernel's ENOSPC — the seam sends the bytes there."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with pytest.raises(OSError) as raw:
        with open("/dev/full", "wb", buffering=0) as fh:
            fh.write(b"x")
    assert raw.value.errno == errno.ENOSPC
    target = tmp_path / "b.fsbundle"
    with inject(Fault(device="/dev/full")), pytest.raises(WriteError) as caught:
        files.write_bytes(target, DATA)
    assert caught.value.key == "files.error.no_space" and _left(tmp_path) == []


def test_a_failed_write_leaves_the_file_already_there_as_it_was(tmp_path: Path):
    target = tmp_path / "key.fskey"
    target.write_bytes(b"the old key")
    for step in ("open", "write", "sync", "rename"):
        with inject(Fault(errno.EIO, step)), pytest.raises(WriteError):
            files.write_bytes(target, b"a new key")
        assert target.read_bytes() == b"the old key" and _left(tmp_path) == ["key.fskey"]
    files.write_bytes(target, b"a new key")
    assert target.read_bytes() == b"a new key" and _left(tmp_path) == ["key.fskey"]


def test_a_fault_only_hits_the_folder_it_names(tmp_path: Path):
    stick, home = tmp_path / "stick", tmp_path / "home"
    stick.mkdir()
    home.mkdir()
    with inject(Fault(errno.ENOSPC, under=stick)):
        files.write_bytes(home / "a", b"x")
        with pytest.raises(WriteError):
            files.write_bytes(stick / "a", b"x")
    assert _left(home) == ["a"] and _left(stick) == []


def test_a_killed_write_leaves_only_a_hidden_partial_that_the_next_write_can_clear(tmp_path: Path):
    (tmp_path / ".commune-20260101T000000000000Z.fsdb.partial").write_bytes(b"half a backup")
    (tmp_path / "keep.txt").write_text("mine")
    gone = files.discard_partials(tmp_path, "commune-*.fsdb")
    assert [p.name for p in gone] == [".commune-20260101T000000000000Z.fsdb.partial"]
    assert _left(tmp_path) == ["keep.txt"]


def test_copy_file_and_copy_from(tmp_path: Path):
    src = tmp_path / "src.bin"
    src.write_bytes(DATA)
    files.copy_file(src, tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == DATA
    with open(src, "rb") as fh:
        fh.read(10)
        files.copy_from(fh, tmp_path / "again.bin")
    assert (tmp_path / "again.bin").read_bytes() == DATA
    with inject(Fault(errno.ENOSPC, after=5)), pytest.raises(WriteError) as caught:
        files.copy_file(src, tmp_path / "third.bin")
    assert caught.value.values["needed"] == len(DATA)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.bin", "out.bin", "src.bin"]


@pytest.mark.parametrize("n, vi, en", [(0, "0 byte", "0 bytes"), (1, "1 byte", "1 byte"), (1023, "1.023 byte", "1,023 bytes"),
                                       (1024, "1,0 KB", "1.0 KB"), (150 * 1024, "150 KB", "150 KB"),
                                       (int(2.25 * 1024 ** 2), "2,2 MB", "2.2 MB"), (5 * 1024 ** 3, "5,0 GB", "5.0 GB")])
def test_sizes_as_people_read_them(n, vi, en):
    assert format_size(n, "vi") == vi and format_size(n, "en") == en
