"""Work spread over the cores that are free: one function mapped over chunks of work, the results in order.

Two jobs use it — classify-all (services/batch.py) and the checks of a bundle's records (sync/records.py). The
caller writes plain code: a function of one chunk and a context (the standard, the checks' settings), the chunks,
and from how many items starting workers pays for itself (`Pays`). `map_chunks` gives back what the function
returns for each chunk, in the chunks' order, as one process would. What makes it fast and safe stays in here:

- **How many workers.** One per core this process may use (`cores`) while this process does something else with
  the results (classify-all writes them). When it does the work itself too (`here=True`, the bundle check), a
  worker is started only for a core no other program is running on at the moment (`free_cores`): on a busy
  machine a worker would only split this program's share of the processors (Linux's autogroup gives each session
  one share), and handing the records over (forking a large process, pickling them back) costs more than it gains
  then (measured, docs/performance.md).
- **Forked or spawned workers.** On Linux, in a process that runs one thread (the command line), workers are
  forked: a fork costs milliseconds and inherits the loaded context and the chunks already read. Forking a
  threaded process is unsafe (the desktop app runs its jobs in a thread, and Qt runs threads of its own;
  `single_threaded` asks the kernel), so there — and where there is no fork — workers are spawned: a fresh
  interpreter that imports the app (≈ 0.3 s each), gets the context pickled once and each chunk through its pipe.
- **A block of chunks in one bytes object each, and a frozen heap.** Before forking, this process reads a block
  of chunks and pickles each into one bytes object; the workers inherit them and are sent only a chunk's number. A
  worker unpickling its chunk touches one object of the parent's, not ten thousand (reading a Python object raises
  its reference count, a write that copies the page holding it), and the inherited heap is frozen (`gc.freeze`)
  so the workers' collector does not walk it either. Workers run with the cycle collector off: they live for one
  block, their objects are freed by reference counting, and a collection would only walk what they just decoded.
- **This process takes part** (`here=True`) when it has nothing better to do than wait — the bundle check:
  whenever the next result is not in, it works the next chunk no worker has been given, and between two of its
  chunks it gathers what the workers sent and gives them more. A worker holds `AHEAD` chunks beyond the one it
  works on, and reads its chunks and sends its results from threads of its own, so it never waits for this
  process. Classify-all (`here=False`) writes results while the workers classify.
- **In order, first failure first.** A result is yielded when every chunk before it is; an exception the function
  raises on a chunk (in a worker: pickled back whole, a refusal's catalogue key and values included) is raised here
  when its turn comes, so the first failure in the chunks' order is the one raised, as in one process. No chunk
  after a known failure is started.
- **A worker that dies** (killed, out of memory) is not the end of the job: its chunks go to the other workers or
  are done here, and the log says so.
- **Closing** the iterator (a cancelled job) kills the workers at once; so does an exception.
- **A worker never outlives this process**, however it ends (kill -9, a crash, the power button): each worker
  watches its parent from a thread — the parent's sentinel, a pipe the parent holds open (and the workers forked
  after it, which go first), which wakes it the moment the parent is gone, and its parent's pid, looked at every
  `WATCH_EVERY` seconds — and exits at once. (PR_SET_PDEATHSIG is not enough: it follows the parent *thread*, and
  the desktop app starts workers from a short-lived job thread.) Workers ignore Ctrl-C; the parent stops them.
- **The cycle collector paused for a whole job** (`collector_paused`) whose many objects live until its end — an
  import: its records checked here and by workers, then written. Only the job knows its extent, so it asks.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection, wait
from queue import SimpleQueue
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

AHEAD = 1           # chunks a worker holds beyond the one it works on: it keeps working while this process is busy
BLOCK = 40          # chunks read and forked over at once (classify-all: 40 × 500 households, ≈ 50 MB of documents)
MAX_WORKERS = 8
WATCH_EVERY = 0.5   # seconds between a worker's looks at its parent's pid (the parent's sentinel wakes it at once)
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_log = logging.getLogger("fieldsurvey")
_in_worker = False   # a worker maps in its own process (it may not start processes of its own)
_LOADAVG = "/proc/loadavg"


@dataclass(frozen=True)
class Pays:
    """From how many items starting workers pays for itself: forked ones (milliseconds each) and spawned ones (a
    fresh interpreter importing the app, ≈ 0.3 s each; None: never)."""
    forked: int
    spawned: int | None = None


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def free_cores() -> int:
    """The cores this process may run on, less those other programs are running on right now — the kernel's count
    of runnable tasks (Linux: /proc/loadavg) less this process's own —; at least 1. Workers on a core another
    program keeps busy gain nothing: Linux gives each session one share of the processors (autogroup), so they
    would only split this program's share, and cost their start and the hand-over of their work."""
    n = cores()
    try:
        with open(_LOADAVG) as fh:
            runnable = int(fh.read().split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return n
    return max(1, min(n, n - (runnable - _runnable_here())))


def _runnable_here() -> int:
    """This process's threads that are running or ready to (this one at least)."""
    count = 0
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 1
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/stat") as fh:
                count += fh.read().rsplit(")", 1)[1].split()[0] == "R"
        except (OSError, IndexError):
            pass
    return max(1, count)


def single_threaded() -> bool:
    """No other thread in this process — Python's or native ones (Qt starts its own), counted by the kernel where
    it says (Linux: /proc/self/task)."""
    if threading.current_thread() is not threading.main_thread() or threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return True  # no /proc: Python's own count is all there is


def start_method() -> str:
    """'fork' on Linux in a process that runs one thread only; else 'spawn' (Windows has no fork; on macOS it is
    unsafe once the system's frameworks are loaded, and Python itself spawns there by default)."""
    if sys.platform.startswith("linux") and hasattr(os, "fork") and single_threaded():
        return "fork"
    return "spawn"


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items (the last one shorter)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def map_chunks(fn: Callable[[Any, Any], R], chunks: Iterable[Any], context: Any = None, *, items: int,
               pays: Pays, here: bool = False) -> Iterator[R]:
    """fn(chunk, context) for each chunk, yielded in the chunks' order — on worker processes when `items` (how many
    items the chunks hold in all) is enough for `pays`, else in this process. `here`: this process works chunks
    too while it waits; then a worker takes each other core that is free. `fn` is a module-level function
    and `context` a picklable value (a spawned worker gets them pickled). Closing the iterator stops the workers."""
    method = start_method()
    needed = pays.forked if method == "fork" else pays.spawned
    workers = 0 if needed is None or items < needed or _in_worker else min(free_cores() - 1 if here else cores(),
                                                                           MAX_WORKERS)
    if workers < 1:
        for chunk in chunks:
            yield fn(chunk, context)
        return
    if method == "spawn":
        yield from _Pool(fn, context, workers, here, "spawn").results(enumerate(chunks))
        return
    source = iter(chunks)
    while block := [pickle.dumps(chunk, _PROTOCOL) for chunk in islice(source, BLOCK)]:
        gc.freeze()   # no collection walks the inherited heap (in a worker, before it turns its collector off)
        try:
            yield from _Pool(fn, context, workers, here, "fork", block).results((i, i) for i in range(len(block)))
        finally:
            gc.unfreeze()
        del block


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for a whole job whose many objects live until its end — an import: the
    records decoded, checked and prepared (here or by workers), then written. Running, the collector would walk
    them again and again as they pile up (measured: ≈ 3 % of a 2,000-household import in one process, ≈ 8–9 % of
    an 8,000-household one); pausing only the mapping part is worse than never pausing (the first collections after
    it walk everything it made). It runs again after, and collects whatever is left then."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection):
        self.process = process
        self.conn = conn
        self.holds: deque[tuple[int, Any]] = deque()   # (index, task) sent to it, in the order it works them


class _Pool:
    """Workers started for one run (forked: one block of chunks; spawned: the whole stream), and the loop that hands
    out the chunks and gathers the results in order."""

    def __init__(self, fn: Callable[[Any, Any], Any], context: Any, workers: int, here: bool, method: str,
                 block: list[bytes] | None = None):
        self.fn, self.context, self.here, self.block = fn, context, here, block
        self.workers: list[_Worker] = []
        self.pending: deque[tuple[int, Any]] = deque()   # (index, task) read, given to no worker yet, in order
        self.lost = False
        ctx = multiprocessing.get_context(method)
        try:
            for _ in range(workers):
                mine, theirs = ctx.Pipe()
                process = ctx.Process(target=_serve, args=(theirs, os.getpid(), fn, context, block),
                                      name="fieldsurvey-worker", daemon=True)
                try:
                    process.start()
                finally:
                    theirs.close()
                self.workers.append(_Worker(process, mine))
        except OSError:   # no process to spare (limits, memory): those started work, else this process alone
            _log.warning("could not start a worker process; %d started", len(self.workers))
        except BaseException:
            self.stop()
            raise

    def results(self, numbered: Iterable[tuple[int, Any]]) -> Iterator[Any]:
        """numbered: (index, task) from 0 up. Yields fn's result for each task, in order."""
        source = iter(numbered)
        answers: dict[int, tuple[bool, Any]] = {}
        failed: int | None = None   # the first chunk known to fail: nothing after it is worth starting
        read_all = False
        next_out = 0
        try:
            while True:
                while not read_all and failed is None and len(self.pending) < len(self.workers) * (AHEAD + 1) + 1:
                    item = next(source, None)
                    if item is None:
                        read_all = True
                    else:
                        self.pending.append(item)
                while failed is not None and self.pending and self.pending[-1][0] > failed:
                    self.pending.pop()
                self._hand_out()
                if self.workers:   # what came in meanwhile, and more work for whoever sent it
                    for index, answer in self._answers(timeout=0):
                        answers[index] = answer
                        failed = _first_failure(failed, index, answer)
                    self._hand_out()
                if next_out in answers:
                    ok, value = answers.pop(next_out)
                    next_out += 1
                    if not ok:
                        raise value
                    yield value
                elif self.pending and (self.here or not self.workers):
                    index, task = self.pending.popleft()
                    answers[index] = _call(self.fn, self._chunk(task), self.context)
                    failed = _first_failure(failed, index, answers[index])
                elif any(worker.holds for worker in self.workers):
                    for index, answer in self._answers():
                        answers[index] = answer
                        failed = _first_failure(failed, index, answer)
                else:
                    return   # nothing held by a worker, nothing left to give out: every chunk is answered
        finally:
            self.stop()

    def _hand_out(self) -> None:
        for worker in list(self.workers):
            while len(worker.holds) <= AHEAD and self.pending and worker in self.workers:
                self._send(worker, *self.pending.popleft())

    def _answers(self, timeout: float | None = None) -> Iterator[tuple[int, tuple[bool, Any]]]:
        """Wait for the workers (up to `timeout` seconds; None: until one answers or ends): the answers that came
        in, as (index, (ok, value)); a worker that ended is lost."""
        ready = wait([w.conn for w in self.workers] + [w.process.sentinel for w in self.workers], timeout)
        for worker in list(self.workers):
            if worker.conn not in ready and worker.process.sentinel not in ready:
                continue
            try:
                if worker.conn not in ready and not worker.conn.poll():
                    raise EOFError
                data = worker.conn.recv_bytes()
            except (EOFError, OSError):
                self._lose(worker)
                continue
            index, _ = worker.holds.popleft()
            yield index, pickle.loads(data)

    def _chunk(self, task: Any) -> Any:
        """A chunk to work in this process (forked workers: its number in the block)."""
        return pickle.loads(self.block[task]) if self.block is not None else task

    def _send(self, worker: _Worker, index: int, task: Any) -> None:
        worker.holds.append((index, task))
        try:
            worker.conn.send_bytes(task.to_bytes(4, "little") if self.block is not None
                                   else pickle.dumps(task, _PROTOCOL))
        except OSError:
            self._lose(worker)

    def _lose(self, worker: _Worker) -> None:
        """A worker ended without its answers: what it held goes back, in order, to another worker or this
        process."""
        self.workers.remove(worker)
        self.pending = deque(sorted([*worker.holds, *self.pending], key=lambda p: p[0]))
        worker.holds.clear()
        _end(worker)
        if not self.lost:
            self.lost = True
            _log.warning("a worker process stopped before it finished; the other workers or this process do its "
                         "work")

    def stop(self) -> None:
        for worker in self.workers:
            _end(worker)
        self.workers = []


def _first_failure(failed: int | None, index: int, answer: tuple[bool, Any]) -> int | None:
    return failed if answer[0] else index if failed is None else min(failed, index)


def _end(worker: _Worker) -> None:
    """Kill and reap a worker (it holds nothing worth keeping: no file is open for writing, results are sent)."""
    try:
        worker.process.kill()
    except (OSError, ValueError):
        pass
    worker.process.join()
    worker.conn.close()
    worker.process.close()


def _call(fn: Callable[[Any, Any], Any], chunk: Any, context: Any) -> tuple[bool, Any]:
    try:
        return True, fn(chunk, context)
    except Exception as exc:   # raised in order by the parent (a refusal, or a defect)
        return False, exc


def _encode(answer: tuple[bool, Any]) -> bytes:
    try:
        return pickle.dumps(answer, _PROTOCOL)
    except Exception as exc:   # a result or an exception that does not pickle: a defect, said as text
        what = answer[1] if not answer[0] else exc
        return pickle.dumps((False, RuntimeError(f"in a worker process: {type(what).__name__}: {what}")))


# --- in the worker ---------------------------------------------------------------------------------------------

def _serve(conn: Connection, parent: int, fn: Callable[[Any, Any], Any], context: Any,
           block: list[bytes] | None) -> None:
    """A worker's life: work each chunk it is sent (forked: its number in the inherited block; spawned: the
    pickled chunk) and send back (ok, result or exception), until the parent kills it or is gone. Tasks are read
    and answers sent by threads of their own, so neither side waits on the other's pipe."""
    global _in_worker
    _in_worker = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the whole process group: the parent stops us
    gc.disable()
    _watch(parent)
    inbox: SimpleQueue[bytes] = SimpleQueue()
    out: SimpleQueue[bytes] = SimpleQueue()
    threading.Thread(target=_receive, args=(conn, inbox), name="fieldsurvey-worker-in", daemon=True).start()
    threading.Thread(target=_send_answers, args=(conn, out), name="fieldsurvey-worker-out", daemon=True).start()
    while True:
        task = inbox.get()
        chunk = pickle.loads(block[int.from_bytes(task, "little")] if block is not None else task)
        out.put(_encode(_call(fn, chunk, context)))


def _receive(conn: Connection, inbox: SimpleQueue[bytes]) -> None:
    while True:
        try:
            inbox.put(conn.recv_bytes())
        except (EOFError, OSError):
            os._exit(0)


def _send_answers(conn: Connection, out: SimpleQueue[bytes]) -> None:
    while True:
        data = out.get()
        try:
            conn.send_bytes(data)
        except OSError:
            os._exit(0)


def _watch(parent: int) -> None:
    """A thread that ends this worker the moment its parent process is gone, however the parent died."""
    mine = multiprocessing.parent_process()
    sentinel = mine.sentinel if mine is not None else None

    def watch() -> None:
        while True:
            if sentinel is not None:
                gone = bool(wait([sentinel], timeout=WATCH_EVERY))
            else:
                time.sleep(WATCH_EVERY)
                gone = False
            if gone or (os.name == "posix" and os.getppid() != parent):
                os._exit(0)

    threading.Thread(target=watch, name="fieldsurvey-parent-watch", daemon=True).start()
