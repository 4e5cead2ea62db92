"""Classify-all on several cores gives exactly the results of one core."""

from __future__ import annotations

import pytest

from fieldsurvey.progress import run_to_end
from fieldsurvey import forking
from fieldsurvey.services import batch
from fieldsurvey.services.workspaces import classify_all, create_demo
from fieldsurvey.storage.workspace import Workspace


def results(ws: Workspace) -> list[tuple]:
    return ws.db.execute("SELECT uuid, class, deprivations, b2_score, income_per_person, classification "
                         "FROM households ORDER BY uuid").fetchall()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_parallel_classification_matches_serial(tmp_path, monkeypatch, method):
    """Forked workers (the command line) and spawned ones (the GUI's job thread) give the serial results."""
    path = tmp_path / "w.fsdb"
    run_to_end(create_demo(path, households=300, seed=3))
    with Workspace.open(path) as ws:
        serial = results(ws)
        ws.db.execute("UPDATE households SET class = NULL, classification = NULL")
        monkeypatch.setattr(batch, "PARALLEL_FROM", {"fork": 100, "spawn": 100})
        monkeypatch.setattr(batch, "CHUNK", 40)
        monkeypatch.setattr(batch, "start_method", lambda: method)
        monkeypatch.setattr(forking, "cores", lambda: 2)
        assert batch.workers_for(300, method) == 2
        counts = run_to_end(classify_all(ws))
        assert results(ws) == serial
        assert sum(counts.values()) == 300


def test_workers_are_spawned_when_another_thread_runs():
    """The GUI runs jobs from a thread: forking a threaded process is unsafe, so the workers are spawned."""
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert batch.start_method() == "spawn"
    finally:
        release.set()
        other.join()
    if "fork" in __import__("multiprocessing").get_all_start_methods() and forking.single_threaded():
        assert batch.start_method() == "fork"  # (earlier tests in the run may have left a thread of their own)


def test_workers_are_spawned_from_a_thread_the_interpreter_did_not_start_itself():
    """A job run from a QThread (a native thread) must not fork."""
    import threading

    seen = []
    worker = threading.Thread(target=lambda: seen.append(batch.start_method()))
    worker.start()
    worker.join()
    assert seen == ["spawn"]


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


def _stored_rows(tmp_path, n: int):
    """A stored commune's (uuid, document) rows and its standard."""
    from fieldsurvey.services.assessment import registry

    path = tmp_path / "w.fsdb"
    run_to_end(create_demo(path, households=n, seed=4))
    with Workspace.open(path) as ws:
        return list(ws.iter_documents()), registry().get(ws.info.standard_id)


def _no_new_children(before: set[int]) -> bool:
    """No child process beyond `before` (a broken pool's workers are ended asynchronously: give them a moment)."""
    import time

    for _ in range(100):
        if _children() <= before:
            return True
        time.sleep(0.05)
    return False


def _children() -> set[int]:
    """This process's child processes (Linux keeps the list in /proc)."""
    import glob

    out: set[int] = set()
    for name in glob.glob("/proc/self/task/*/children"):
        with open(name) as fh:
            out |= {int(p) for p in fh.read().split()}
    return out


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork only")
def test_forked_workers_stream_every_block_in_order(tmp_path, monkeypatch):
    """Several blocks, each classified by workers forked over it: the same rows, in order, as one process."""
    rows, standard = _stored_rows(tmp_path, 700)
    monkeypatch.setattr(batch, "CHUNK", 60)
    monkeypatch.setattr(batch, "BLOCK", 250)
    before = _children()
    got = [r for chunk in batch._forked(iter(rows), standard, 2) for r in chunk]
    assert got == batch.classify_rows(rows, standard)
    assert _no_new_children(before)


def _die(*_args):
    __import__("os")._exit(3)


_PARENT = __import__("os").getpid()
_real_slice = batch._classify_slice


def _dies_in_a_worker(start: int, stop: int):
    """The forked workers' function, except that in a worker process it dies without a word (this process, the
    parent, still classifies)."""
    if __import__("os").getpid() != _PARENT:
        __import__("os")._exit(3)
    return _real_slice(start, stop)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork only")
def test_a_failing_forked_worker_is_an_error_and_a_killed_one_leaves_its_work_to_this_process(tmp_path, monkeypatch):
    import json
    import os

    rows, standard = _stored_rows(tmp_path, 300)
    monkeypatch.setattr(batch, "CHUNK", 50)
    before = _children()
    broken = rows[:170] + [(rows[170][0], "{not json")] + rows[171:]
    with pytest.raises(json.JSONDecodeError):  # the worker's own exception, raised here
        list(batch._forked(iter(broken), standard, 2))
    assert _no_new_children(before)

    monkeypatch.setattr(batch, "_classify_slice", _dies_in_a_worker)
    got = [r for chunk in batch._forked(iter(rows), standard, 2) for r in chunk]
    assert got == batch.classify_rows(rows, standard)  # this process classified what the workers could not
    assert _no_new_children(before)


def test_a_spawned_worker_that_dies_leaves_its_chunks_to_this_process(tmp_path, monkeypatch):
    rows, standard = _stored_rows(tmp_path, 120)
    monkeypatch.setattr(batch, "CHUNK", 30)
    monkeypatch.setattr(batch, "start_method", lambda: "spawn")
    monkeypatch.setattr(batch, "workers_for", lambda total, method=None: 2)
    monkeypatch.setattr(batch, "_spawned_work", _die)  # every spawned worker dies on its first chunk
    got = [r for chunk in batch.classify_stream(iter(rows), standard, len(rows)) for r in chunk]
    assert got == batch.classify_rows(rows, standard)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork only")
def test_closing_the_stream_stops_its_workers(tmp_path, monkeypatch):
    rows, standard = _stored_rows(tmp_path, 400)
    monkeypatch.setattr(batch, "CHUNK", 40)
    monkeypatch.setattr(batch, "BLOCK", 80)
    before = _children()
    stream = batch._forked(iter(rows), standard, 2)
    first = next(stream)
    assert first == batch.classify_rows(rows[:40], standard)
    stream.close()
    assert _no_new_children(before)
