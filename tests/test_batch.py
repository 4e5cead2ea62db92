"""Classify-all on several cores gives exactly the results of one core, stops when cancelled, and leaves no worker
alive when it is killed (the helper itself: tests/test_parallel.py)."""

from __future__ import annotations

import json
import sys
import time

import pytest

from fieldsurvey import parallel
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import batch
from fieldsurvey.services.workspaces import classify_all, create_demo
from fieldsurvey.storage.workspace import Workspace


def results(ws: Workspace) -> list[tuple]:
    return ws.db.execute("SELECT uuid, class, deprivations, b2_score, income_per_person, classification "
                         "FROM households ORDER BY uuid").fetchall()


@pytest.fixture(params=["fork", "spawn"])
def workers(request, monkeypatch) -> str:
    """Two workers from 100 households on, forked (the command line) or spawned (the desktop app's job thread)."""
    monkeypatch.setattr(batch, "PAYS", parallel.Pays(forked=100, spawned=100))
    monkeypatch.setattr(batch, "CHUNK", 40)
    monkeypatch.setattr(parallel, "start_method", lambda: request.param)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    return request.param


def test_parallel_classification_matches_serial(tmp_path, workers, monkeypatch):
    path = tmp_path / "w.fsdb"
    run_to_end(create_demo(path, households=300, seed=3))
    monkeypatch.setattr(parallel, "BLOCK", 3)   # forked: three blocks of three chunks, each with its workers
    with Workspace.open(path) as ws:
        serial = results(ws)
        ws.db.execute("UPDATE households SET class = NULL, classification = NULL")
        counts = run_to_end(classify_all(ws))
        assert results(ws) == serial
        assert sum(counts.values()) == 300


def test_a_document_that_fails_in_a_worker_fails_the_job_in_its_turn(tmp_path, workers):
    """The worker's own exception, raised here after every chunk before the broken one was written."""
    path = tmp_path / "w.fsdb"
    run_to_end(create_demo(path, households=200, seed=3))
    with Workspace.open(path) as ws:
        rows = list(ws.iter_documents(raw=True))
        standard = ws.standard
    broken = rows[:130] + [(rows[130][0], b"{not json")] + rows[131:]
    got = []
    with pytest.raises(json.JSONDecodeError):
        for chunk in batch.classify_stream(iter(broken), standard, len(broken)):
            got.extend(chunk)
    assert got == batch.classify_rows(rows[:120], standard)   # chunks of 40: the first three


def test_a_cancelled_classification_keeps_what_it_classified(tmp_path, monkeypatch):
    path = tmp_path / "w.fsdb"
    run_to_end(create_demo(path, households=120, seed=5))
    with Workspace.open(path) as ws:
        ws.db.execute("UPDATE households SET class = NULL, classification = NULL")
        monkeypatch.setattr(batch, "CHUNK", 30)
        job = classify_all(ws)
        seen = [next(job) for _ in range(3)]  # 0, then two chunks of 30
        job.close()
        assert seen[-1].done == 60
        classified = ws.db.execute("SELECT COUNT(*) FROM households WHERE class IS NOT NULL").fetchone()[0]
        assert classified == 60


def test_held_classifications_are_committed_by_their_writer_only(tmp_path):
    """A bulk job keeps one transaction open across chunks; inside a caller's own transaction it never commits
    the caller's work."""
    import sqlite3

    path = tmp_path / "w.fsdb"
    run_to_end(create_demo(path, households=20, seed=2))
    with Workspace.open(path) as ws:
        rows = ws.db.execute("SELECT class, standard_id, deprivations, b2_score, income_per_person, b1_score, "
                             "classification, uuid FROM households").fetchall()
        ws.save_classifications([("poor",) + tuple(rows[0][1:])], hold=True)
        other = sqlite3.connect(path)
        assert other.execute("SELECT class FROM households WHERE uuid = ?", [rows[0][7]]).fetchone()[0] != "poor"
        ws.commit_held()
        assert other.execute("SELECT class FROM households WHERE uuid = ?", [rows[0][7]]).fetchone()[0] == "poor"
        try:
            with ws.db.atomic():
                ws.save_classifications([("near_poor",) + tuple(rows[0][1:])], hold=True)
                ws.commit_held()  # not its transaction: nothing is committed here
                raise RuntimeError("the caller gives up")
        except RuntimeError:
            pass
        assert ws.db.execute("SELECT class FROM households WHERE uuid = ?", [rows[0][7]]).fetchone()[0] == "poor"
        other.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_classify_all_leaves_no_worker_alive(tmp_path):
    """`fieldsurvey classify FILE` killed with SIGKILL while its forked workers classify (the power button, kill -9,
    a crash): every time, nothing of it is left alive — no worker asleep for ever under process 1."""
    from tests.test_parallel import kill_loop, marked

    path = tmp_path / "w.fsdb"
    run_to_end(create_demo(path, households=batch.PAYS.forked + 1000, seed=6))   # enough for forked workers

    def classifying(program, mark: str) -> bool:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and program.poll() is None:
            if marked(mark) - {program.pid}:   # its workers
                return True
            time.sleep(0.002)
        return False

    assert kill_loop([sys.executable, "-m", "fieldsurvey", "classify", str(path)], 6, classifying, pause=0.05) == []
