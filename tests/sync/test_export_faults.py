"""Attacks on an export's file: the stick is full, write-protected, fails with an input/output error half-way, or
is a real full or read-only file system. Each ends in one message on the command line — no traceback —, leaves no
`.partial` on the stick, marks nothing as sent and gives the export's number back; the workspace is compared row by
row before and after and passes `PRAGMA integrity_check`. The faults a test machine cannot make for real come
through the file seam (fieldsurvey/files.py); the real ones from a tmpfs mounted in a private mount namespace
(`unshare -m`, root only: skipped elsewhere)."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.files import Fault, inject
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc
from fieldsurvey.storage import sync_store
from tests.dbcheck import integrity

ROOT = Path(__file__).resolve().parents[2]
SEALS = {"revisions": {"sealed_at", "doc_hash"}}


def rows(path: Path, leave_out: dict[str, set[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table, in rowid order (columns named in `leave_out` left out)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        out = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")
                    if r[1] not in (leave_out or {}).get(table, set())]
            out[table] = conn.execute(f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{table}] ORDER BY rowid"
                                      ).fetchall()
        return out
    finally:
        conn.close()


def sent_state(path: Path) -> tuple:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return (conn.execute("SELECT * FROM sync_exports ORDER BY sequence").fetchall(),
                conn.execute("SELECT * FROM sync_sent ORDER BY uuid").fetchall(),
                conn.execute("SELECT COALESCE(MAX(sequence), 0) + 1 FROM sync_exports").fetchone()[0])
    finally:
        conn.close()


def export(site, lang: str | None = None):
    env = {"FIELDSURVEY_LANG": lang} if lang else {"FIELDSURVEY_LANG": "", "LANG": "C"}
    return CliRunner(env=env).invoke(main, ["export", str(site.lan), "--out", str(site.stick)])


def said_once(result) -> str:
    """The command failed with a message: exit status 1, no exception left uncaught, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    return result.output


def test_a_full_stick(site):
    first = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)                       # bundle 1 handed in
    site.edit(site.lan, first, lambda d: d["household"].update(floor_area=31))
    site.add(site.lan, "lan", "Hà Thị Mỷ")              # two households to hand in, open revisions
    before, state = rows(site.lan), sent_state(site.lan)
    with inject(Fault(errno.ENOSPC, "write", after=1000, under=site.stick)):
        out = said_once(export(site))
    assert f"{site.stick} is full (" in out and "needed" in out and "nothing was written there" in out
    assert list(site.stick.iterdir()) == [p for p in site.stick.iterdir() if p.suffix == ".fsbundle"]  # no .partial
    assert not list(site.stick.glob(".*"))
    assert sent_state(site.lan) == state               # number 2 given back, nothing marked sent
    assert rows(site.lan, SEALS) == _without_seals(before)   # every row as it was, but for the seals
    assert integrity(site.lan) == ["ok"]
    # the open revisions were sealed (what an export does first); a second try changes nothing at all
    sealed = rows(site.lan)
    with inject(Fault(errno.ENOSPC, "sync", under=site.stick)):
        said_once(export(site, "vi"))
    assert rows(site.lan) == sealed and sent_state(site.lan) == state and integrity(site.lan) == ["ok"]
    # room made: the same number, and the supervisor finds nothing missing
    report = site.send(site.lan, site.sup)
    assert report.sequence == 2 and report.missing_sequences == [] and report.counts["updated"] == 1 \
        and report.counts["new"] == 1


def _without_seals(table_rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    out = dict(table_rows)
    return out | {"revisions": [r[:8] + r[9:10] + r[11:] for r in table_rows["revisions"]]}   # sealed_at 8, doc_hash 10


def test_the_seal_columns_are_where_the_helper_drops_them(site):
    conn = sqlite3.connect(site.lan)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(revisions)")]
    conn.close()
    assert cols.index("sealed_at") == 8 and cols.index("doc_hash") == 10


@pytest.mark.parametrize("fault, english, vietnamese", [
    (Fault(errno.EROFS, "open"), "is write-protected or read-only", "đang bị khóa ghi hoặc chỉ cho phép đọc"),
    (Fault(errno.EACCES, "open"), "is write-protected or read-only", "đang bị khóa ghi hoặc chỉ cho phép đọc"),
    (Fault(errno.EIO, "write", after=3000), "reported an input/output error", "báo lỗi đọc/ghi"),
    (Fault(errno.EIO, "rename"), "reported an input/output error", "báo lỗi đọc/ghi"),
    (Fault(errno.ENOENT, "open"), "is not there any more", "USB đã bị rút ra"),
])
def test_a_write_protected_stick_or_an_io_error(site, fault, english, vietnamese):
    for i in range(3):
        site.add(site.lan, "lan", f"Hộ {i}")
    state = sent_state(site.lan)
    with inject(Fault(fault.error, fault.step, fault.after, under=site.stick)):
        out = said_once(export(site))
        assert english in out and str(site.stick) in out
        sealed = rows(site.lan)
        out = said_once(export(site, "vi"))
        assert vietnamese in out and "chưa có gì được ghi vào đó" in out and str(site.stick) in out
    assert list(site.stick.iterdir()) == []
    assert sent_state(site.lan) == state and rows(site.lan) == sealed and integrity(site.lan) == ["ok"]
    report = site.send(site.lan, site.sup)
    assert report.sequence == 1 and report.counts["new"] == 3


def test_a_return_bundle_onto_a_full_stick_keeps_the_review_decisions_unsent(site):
    uid = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    run = CliRunner(env={"FIELDSURVEY_LANG": "en"}).invoke
    assert run(main, ["return", str(site.sup), uid, "--comment", "Diện tích nhà chưa đúng"]).exit_code == 0
    before, on_stick = rows(site.sup, SEALS), sorted(site.stick.iterdir())
    with inject(Fault(errno.ENOSPC, under=site.stick)):
        out = said_once(run(main, ["export", str(site.sup), "--to", "lan", "--out", str(site.stick)]))
    assert "is full" in out and sorted(site.stick.iterdir()) == on_stick
    assert rows(site.sup, SEALS) == before and integrity(site.sup) == ["ok"]
    with sqlite3.connect(site.sup) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sync_review WHERE direction = 'out' AND bundle_id IS NULL"
                            ).fetchone()[0] == 1
    site.send(site.sup, site.lan, to="lan")
    assert site.row(site.lan, uid)["status"] == "returned"


def test_a_key_onto_a_write_protected_or_full_stick(site):
    run = CliRunner(env={"FIELDSURVEY_LANG": "vi"}).invoke
    key = site.stick / "lan.fskey"
    with inject(Fault(errno.EROFS, "open", under=site.stick)):
        out = said_once(run(main, ["keys", "export", str(site.lan), "--out", str(key)]))
    assert out.startswith(f"Error: {key}: Không ghi được: {site.stick} đang bị khóa ghi")
    with inject(Fault(errno.ENOSPC, "write", after=10, under=site.stick)):
        out = said_once(run(main, ["keys", "export", str(site.lan), "--out", str(key)]))
    assert f"{site.stick} đã hết chỗ trống (cần " in out
    assert list(site.stick.iterdir()) == []
    assert run(main, ["keys", "export", str(site.lan), "--out", str(key)]).exit_code == 0 and key.exists()


def test_the_service_raises_the_message_and_nothing_else(site):
    from fieldsurvey.errors import WriteError

    site.add(site.lan, "lan", "Lò Văn Pả")
    with inject(Fault(device="/dev/full", under=site.stick)) if os.path.exists("/dev/full") else \
            inject(Fault(errno.ENOSPC, under=site.stick)):
        with pytest.raises(WriteError) as caught:
            svc.export_bundle(site.lan, site.stick)
    assert caught.value.key == "files.error.no_space"
    assert caught.value.values["needed"] > 0 and caught.value.values["folder"] == str(site.stick)
    with sqlite3.connect(site.lan) as conn:
        assert sync_store.abandoned_exports(sqlite_db(conn)) == []   # given back, not abandoned
    assert list(site.stick.iterdir()) == []


def sqlite_db(conn):
    import sqlite_utils

    return sqlite_utils.Database(conn)


# --- real file systems: a full tmpfs, a read-only one (private mount namespace, root only) --------------------------

def _can_mount() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs -o size=4k tmpfs /mnt && umount /mnt"], capture_output=True)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs root and mount namespaces (unshare -m)")


def _export_on(site, mount_options: str, lang: str = "en") -> subprocess.CompletedProcess:
    script = (f"mount -t tmpfs -o {mount_options} tmpfs \"$1\" && "
              f"\"{sys.executable}\" -m fieldsurvey export \"$2\" --out \"$1\"; "
              "status=$?; ls -A \"$1\" >&2; exit $status")
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                           str(site.stick), str(site.lan)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "FIELDSURVEY_LANG": lang})


@needs_mount
def test_a_real_full_stick(site):
    for i in range(12):
        site.add(site.lan, "lan", f"Hộ {i}")
    before, state = rows(site.lan, SEALS), sent_state(site.lan)
    done = _export_on(site, "size=4k")   # one page: less than the bundle
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    [message] = [line for line in done.stderr.splitlines() if line]   # then `ls -A` of the stick: nothing, no .partial
    assert message.startswith("Error: ") and f"{site.stick} is full (" in message and "needed" in message
    assert rows(site.lan, SEALS) == before and sent_state(site.lan) == state and integrity(site.lan) == ["ok"]
    done = _export_on(site, "size=4k", "vi")
    assert "đã hết chỗ trống (cần " in done.stderr and "Traceback" not in done.stderr


@needs_mount
def test_a_real_read_only_stick(site):
    site.add(site.lan, "lan", "Lò Văn Pả")
    before, state = rows(site.lan, SEALS), sent_state(site.lan)
    done = _export_on(site, "ro", "vi")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"{site.stick} đang bị khóa ghi hoặc chỉ cho phép đọc" in done.stderr
    assert rows(site.lan, SEALS) == before and sent_state(site.lan) == state and integrity(site.lan) == ["ok"]
    (report,) = run_to_end(svc.import_bundles(site.sup, [svc.export_bundle(site.lan, site.stick).path]))
    assert report.sequence == 1 and report.missing_sequences == []


@needs_mount
def test_a_workbook_or_a_pdf_onto_a_real_full_stick(site):
    """Printing writes through its own temporary name beside the target (reportlab and openpyxl write the file
    themselves): a full stick is said the same way, and nothing is left on it."""
    for i in range(3):
        site.add(site.sup, "thu", f"Hộ {i}")
    for command, name in (("export-xlsx", "bao-cao.xlsx"), ("print summary", "bao-cao.pdf")):
        script = (f"mount -t tmpfs -o size=4k tmpfs \"$1\" && \"{sys.executable}\" -m fieldsurvey {command} \"$2\" "
                  f"--out \"$1/{name}\"; status=$?; ls -A \"$1\" >&2; exit $status")
        done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                               str(site.stick), str(site.sup)], capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "FIELDSURVEY_LANG": "vi"})
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        lines = [line.split("\r")[-1] for line in done.stderr.splitlines() if line]
        [message] = [line for line in lines if not line.endswith("%)")]     # the progress, the message; `ls`: nothing
        assert message.startswith("Error: ") and f"{site.stick} đã hết chỗ trống" in message
