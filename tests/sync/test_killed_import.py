"""A process killed in the middle of an import leaves nothing of that bundle, and the retry succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc
from fieldsurvey.storage.workspace import Workspace

ROOT = Path(__file__).parents[2]

# Runs in a child process: import the bundle, but stop dead just before the transaction commits (every household
# already written inside it), tell the parent, and wait to be killed.
CHILD = r"""
import sys
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc
from fieldsurvey.storage import sync_store

real = sync_store.record_bundle

def record_then_hang(db, row):
    real(db, row)
    n = db.execute("SELECT COUNT(*) FROM households").fetchone()[0]
    print(f"INSIDE {n}", flush=True)
    sys.stdin.read()   # never returns: the parent kills us here

sync_store.record_bundle = record_then_hang
run_to_end(svc.import_bundles(sys.argv[1], [sys.argv[2]]))
print("FINISHED", flush=True)
"""


def test_sigkill_during_import_leaves_nothing_and_retry_succeeds(site):
    for i in range(40):
        site.add(site.lan, "lan", f"Người {i}")
    bundle = svc.export_bundle(site.lan, site.stick).path
    with Workspace.open(site.sup) as ws:
        before = list(ws.db.conn.iterdump())

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(site.sup), str(bundle)], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    line = child.stdout.readline()
    assert line.startswith("INSIDE 40"), line + child.stderr.read()
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL

    with Workspace.open(site.sup) as ws:
        assert list(ws.db.conn.iterdump()) == before
    (report,) = run_to_end(svc.import_bundles(site.sup, [bundle]))
    assert report.status == "imported" and len(report.new) == 40
