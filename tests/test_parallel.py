"""fieldsurvey.parallel: a function mapped over chunks on worker processes gives what one process gives — the same
results in the same order, the same first failure —, a worker that dies costs nothing but time, closing stops the
workers, and no worker outlives its parent however the parent dies."""

from __future__ import annotations

import glob
import logging
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from fieldsurvey import parallel
from fieldsurvey.parallel import Pays, chunks, map_chunks

ROOT = Path(__file__).resolve().parents[1]
ALWAYS = Pays(forked=1, spawned=1)
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


# --- functions the workers run (module level: a spawned worker imports them) ---------------------------------------

def squares(chunk: list[int], add: int) -> list[int]:
    return [x * x + add for x in chunk]


def fails_on(chunk: list[int], bad: set[int]) -> list[int]:
    if found := sorted(set(chunk) & bad):
        raise ValueError(f"bad {found[0]}")
    return chunk


def dies_in_a_worker(chunk: list[int], parent: int) -> list[int]:
    """Dies without a word in a worker process; in the parent, works."""
    if os.getpid() != parent:
        os._exit(3)
    return chunk


def dies_on(chunk: list[int], context: tuple[int, int]) -> list[int]:
    """Dies in whichever worker gets the chunk holding `doomed`; every other chunk is worked."""
    parent, doomed = context
    if os.getpid() != parent and doomed in chunk:
        os._exit(3)
    return chunk


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("not picklable")


def raises_unpicklable(chunk: list[int], _: None) -> list[int]:
    raise Unpicklable("odd")


# --- helpers -----------------------------------------------------------------------------------------------------

def children() -> set[int]:
    """This process's live child processes (Linux keeps the list in /proc) but multiprocessing's resource tracker,
    which the first spawned process starts for the rest of the session."""
    from multiprocessing import resource_tracker

    out: set[int] = set()
    for name in glob.glob("/proc/self/task/*/children"):
        with open(name) as fh:
            out |= {int(p) for p in fh.read().split()}
    return out - {resource_tracker._resource_tracker._pid}


@pytest.fixture(params=["fork", "spawn"])
def method(request, monkeypatch) -> str:
    """Workers forked (the command line) or spawned (the desktop app's job thread)."""
    if request.param == "fork" and not hasattr(os, "fork"):
        pytest.skip("no fork here")
    monkeypatch.setattr(parallel, "start_method", lambda: request.param)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    monkeypatch.setattr(parallel, "free_cores", lambda: 2)   # whatever else the machine runs now
    monkeypatch.setattr(parallel, "BLOCK", 7)   # forked: several blocks, each with workers of its own
    return request.param


# --- the same as one process ---------------------------------------------------------------------------------------

@linux_only
@pytest.mark.parametrize("here", [False, True], ids=["workers", "workers-and-here"])
def test_results_come_in_the_chunks_order_as_in_one_process(method, here):
    before = children()
    expected = [squares(c, 1) for c in chunks(range(500), 9)]
    results = map_chunks(squares, chunks(range(500), 9), 1, items=500, pays=ALWAYS, here=here)
    got = [next(results)]
    assert children() - before, "workers were started"
    got += list(results)
    assert got == expected
    assert children() <= before, "the workers are gone when the results are"


def test_below_what_pays_this_process_works_alone(method):
    before = children()
    results = map_chunks(squares, chunks(range(100), 9), 0, items=100, pays=Pays(forked=101, spawned=None))
    assert next(results) == squares(list(range(9)), 0)
    assert children() == before
    assert list(results) == [squares(c, 0) for c in chunks(range(9, 100), 9)]


@pytest.mark.parametrize("here", [False, True], ids=["workers", "workers-and-here"])
def test_the_first_failure_in_the_chunks_order_is_raised_after_every_result_before_it(method, here):
    got = []
    with pytest.raises(ValueError, match="bad 120"):
        for chunk in map_chunks(fails_on, chunks(range(400), 10), {390, 120, 125, 300}, items=400, pays=ALWAYS,
                                here=here):
            got.append(chunk)
    assert got == list(chunks(range(120), 10))


def test_an_exception_that_does_not_pickle_comes_back_as_a_defect(method):
    with pytest.raises(RuntimeError, match="in a worker process: Unpicklable: odd"):
        list(map_chunks(raises_unpicklable, chunks(range(40), 10), None, items=40, pays=ALWAYS))


# --- workers that die, and stopping them ----------------------------------------------------------------------------

@linux_only
@pytest.mark.parametrize("here", [False, True], ids=["workers", "workers-and-here"])
def test_the_work_of_workers_that_die_is_done_by_this_process(method, here, caplog):
    before = children()
    with caplog.at_level(logging.WARNING, logger="fieldsurvey"):
        got = list(map_chunks(dies_in_a_worker, chunks(range(300), 10), os.getpid(), items=300, pays=ALWAYS,
                              here=here))
    assert got == list(chunks(range(300), 10))
    assert "a worker process stopped before it finished" in caplog.text
    assert children() <= before


def test_a_worker_that_dies_on_one_chunk_leaves_the_rest_to_the_others(method):
    got = list(map_chunks(dies_on, chunks(range(300), 10), (os.getpid(), 155), items=300, pays=ALWAYS))
    assert got == list(chunks(range(300), 10))


def test_when_no_worker_can_be_started_this_process_does_the_work(method, monkeypatch, caplog):
    def no_process(self):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr("multiprocessing.process.BaseProcess.start", no_process)
    with caplog.at_level(logging.WARNING, logger="fieldsurvey"):
        assert list(map_chunks(squares, chunks(range(50), 9), 2, items=50, pays=ALWAYS)) == \
            [squares(c, 2) for c in chunks(range(50), 9)]
    assert "could not start a worker process; 0 started" in caplog.text


@linux_only
def test_closing_the_results_stops_the_workers_at_once(method):
    before = children()
    results = map_chunks(squares, chunks(range(10_000), 10), 0, items=10_000, pays=ALWAYS)
    assert next(results) == squares(list(range(10)), 0)
    assert children() - before
    results.close()
    assert children() <= before


# --- how many workers, and how they start -------------------------------------------------------------------------

@pytest.mark.parametrize("loadavg, free", [
    ("0.08 0.12 0.10 2/312 4242\n", 4),    # nothing running but this process (its two threads): every core
    ("1.50 1.20 1.00 3/312 4242\n", 3),    # one other program running
    ("5.52 5.38 4.91 8/140 4242\n", 1),    # more running than cores: this process alone
    ("garbled\n", 4),                      # unreadable: the cores this process may use
])
def test_free_cores_are_those_no_other_program_runs_on(tmp_path, monkeypatch, loadavg, free):
    (tmp_path / "loadavg").write_text(loadavg)
    monkeypatch.setattr(parallel, "_LOADAVG", str(tmp_path / "loadavg"))
    monkeypatch.setattr(parallel, "cores", lambda: 4)
    monkeypatch.setattr(parallel, "_runnable_here", lambda: 2)   # e.g. the desktop app's window and its job
    assert parallel.free_cores() == free


@linux_only
def test_this_process_counts_its_own_running_threads():
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            pass

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        time.sleep(0.05)
        assert parallel._runnable_here() == 2   # this thread and the spinning one (they take turns on the GIL)
    finally:
        stop.set()
        spinner.join()
    deadline = time.monotonic() + 2   # the thread's own end comes a moment after join() returns
    while parallel._runnable_here() != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert parallel._runnable_here() == 1


def test_workers_take_every_core_or_when_this_process_works_too_the_other_free_ones(monkeypatch):
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")
    monkeypatch.setattr(parallel, "cores", lambda: 3)
    seen = []

    class Pool:
        def __init__(self, fn, context, workers, here, method, block=None):
            seen.append((workers, here))

        def results(self, numbered):
            return iter(())

    monkeypatch.setattr(parallel, "_Pool", Pool)
    for free in (1, 2, 3):
        monkeypatch.setattr(parallel, "free_cores", lambda: free)
        for here in (False, True):
            list(map_chunks(squares, [[1]], 0, items=1, pays=ALWAYS, here=here))
    # one free core and this process works: no worker, this process alone
    assert seen == [(3, False), (3, False), (1, True), (3, False), (2, True)]



def test_workers_are_spawned_when_another_thread_runs():
    """The desktop app runs jobs from a thread (and Qt runs threads of its own): forking a threaded process is
    unsafe, so the workers are spawned."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert parallel.start_method() == "spawn"
    finally:
        release.set()
        other.join()
    if sys.platform.startswith("linux") and parallel.single_threaded():
        assert parallel.start_method() == "fork"   # (earlier tests in the run may have left a thread of their own)


def test_workers_are_spawned_from_a_thread_the_interpreter_did_not_start_itself():
    """A job run from a QThread (a native thread) must not fork."""
    seen = []
    worker = threading.Thread(target=lambda: seen.append(parallel.start_method()))
    worker.start()
    worker.join()
    assert seen == ["spawn"]


# --- no worker outlives its parent ---------------------------------------------------------------------------------

MARK = "FIELDSURVEY_TEST_MARK"


def marked(mark: str) -> set[int]:
    """Live processes whose environment carries MARK=mark (forked workers inherit it, spawned ones are given it)."""
    found = set()
    needle = f"{MARK}={mark}".encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    if needle in fh.read().split(b"\0"):
                        found.add(int(entry))
            except OSError:
                pass   # gone meanwhile, or a zombie's empty environment
    return found


def in_group(pgid: int) -> set[int]:
    """Live (not zombie) processes of a process group."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == pgid:
                found.add(int(entry))
    return found


def leftovers(mark: str, pgid: int, wait: float = 3.0) -> set[int]:
    """What is still alive of a killed program after up to `wait` seconds: its marked processes and its group."""
    deadline = time.monotonic() + wait
    while (left := marked(mark) | in_group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def kill_loop(command: list[str], kills: int, ready, pause: float = 0.15) -> list[str]:
    """Run `command` `kills` times, each time killing it with SIGKILL at a random moment (up to `pause` s) once
    `ready(process, mark)` says its workers are at work — or, one time in four, at a random moment of its start;
    return what was left alive after each kill (and kill those)."""
    problems = []
    for i in range(kills):
        mark = uuid.uuid4().hex
        program = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env={**os.environ, MARK: mark, "PYTHONPATH": str(ROOT)})
        try:
            if i % 4 == 3:
                time.sleep(random.uniform(0.05, 0.5))
            else:
                assert ready(program, mark), program.stderr.read().decode()
                time.sleep(random.uniform(0, pause))
            program.kill()
            program.wait()
            if left := leftovers(mark, program.pid):
                problems.append(f"kill {i}: alive after 3 s: {sorted(left)}")
                for pid in left:
                    os.kill(pid, 9)
        finally:
            program.kill()
            program.wait()
            program.stdout.close()
            program.stderr.close()
    return problems


def workers_at_work(program: subprocess.Popen, mark: str) -> bool:
    """The driver printed a result (within 60 s), and its workers are there."""
    import select

    if not select.select([program.stdout], [], [], 60)[0]:
        return False
    line = program.stdout.readline()
    return line.strip().isdigit() and len(marked(mark) - {program.pid}) >= 1


@linux_only
@pytest.mark.parametrize("method, kills", [("fork", 12), ("spawn", 4)])
def test_workers_never_outlive_a_parent_killed_mid_job(method, kills):
    """SIGKILL (as kill -9, a crash or the power button leave it) gives the parent no chance to stop its workers:
    they notice by themselves, at once."""
    assert kill_loop([sys.executable, "-m", "tests.parallel_driver", method], kills, workers_at_work) == []


def nested(chunk: list[int], _: None) -> list[list[int]]:
    """Maps again from inside a worker: that worker does it alone."""
    return list(map_chunks(squares, chunks(chunk, 2), 0, items=len(chunk), pays=ALWAYS))


def test_a_worker_that_maps_again_does_it_alone(method):
    assert list(map_chunks(nested, chunks(range(20), 5), None, items=20, pays=ALWAYS)) == \
        [nested(c, None) for c in chunks(range(20), 5)]


def test_the_collector_is_paused_for_a_job_and_left_as_it_was():
    import gc

    assert gc.isenabled()
    with parallel.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with parallel.collector_paused():
            pass
        assert not gc.isenabled()   # someone else paused it: it stays paused
    finally:
        gc.enable()
