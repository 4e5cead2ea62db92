"""Classify many stored households on every core.

The caller reads (uuid, document JSON) rows and writes the results; this module turns chunks of rows into result
rows, in worker processes when there is enough work to pay for starting them. Workers are forked on Linux when the
calling process runs a single thread (the command line: a fork costs milliseconds and inherits the loaded standard
and the block of documents), and spawned otherwise (the GUI runs jobs from a thread, and forking a threaded process
is unsafe; a spawned worker imports the app and loads the standard again, ≈ 0.25 s) — `fieldsurvey.forking`
decides. Results come back in the order the chunks went in.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import accumulate
from typing import Iterable, Iterator

from fieldsurvey import forking
from fieldsurvey.domain.assessed import stored_classification

PARALLEL_FROM = {"fork": 1500, "spawn": 4000}  # below this many households one process is faster than starting workers
CHUNK = 500
BLOCK = 20_000  # rows read before forking workers over them (≈ 50 MB of documents at most)
AHEAD = 6  # chunks in flight per worker: they keep working while this process writes results

_standard = None
# The block forked workers classify, read by the parent before forking: the uuids, and every document's JSON in
# one bytes object with where each starts. One object rather than ten thousand: a worker reading a document then
# writes to no page of the parent's (no reference count to raise), so no page is copied for it.
_uuids: list[str] = []
_blob = b""
_starts: list[int] = [0]


def _classify_slice(start: int, stop: int) -> list[tuple]:
    """In a forked worker: classify rows start…stop of the block the parent read before forking."""
    blob, at, uuids = _blob, _starts, _uuids
    return classify_rows([(uuids[i], blob[at[i]:at[i + 1]]) for i in range(start, stop)], _standard)


def _forked(rows: Iterable[tuple[str, str | bytes]], standard, workers: int) -> Iterator[list[tuple]]:
    """Read a block of rows, then fork workers that inherit it (and the loaded standard): only slice bounds go to
    them and only the small result rows come back — no document is copied through a pipe."""
    global _uuids, _blob, _starts, _standard
    ctx = multiprocessing.get_context("fork")
    for block in _chunks(rows, BLOCK):
        docs = [d if type(d) is bytes else d.encode() for _, d in block]
        _uuids = [u for u, _ in block]
        _blob = b"".join(docs)
        _starts = [0, *accumulate(map(len, docs))]
        _standard = standard
        n = len(block)
        del docs, block
        gc.freeze()  # the workers' collector leaves the inherited heap alone (no scanning, no copied pages)
        try:
            with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
                starts = range(0, n, CHUNK)
                pending = [pool.submit(_classify_slice, i, min(i + CHUNK, n)) for i in starts]
                lost = False
                try:
                    for start, future in zip(starts, pending):
                        try:
                            yield future.result()
                        except BrokenProcessPool:  # this process classifies what the pool can no longer do
                            lost = lost or _worker_lost()
                            yield _classify_slice(start, min(start + CHUNK, n))
                finally:  # cancelled (generator closed): drop what has not started
                    for future in pending:
                        future.cancel()
        finally:
            _uuids, _blob, _starts = [], b"", [0]
            gc.unfreeze()


def _worker_lost() -> bool:
    """A worker process ended without its answer (killed, out of memory): the job goes on in this process."""
    logging.getLogger("fieldsurvey").warning("a classification worker process stopped before it finished; "
                                             "this process classifies the rest")
    return True


def _init(standard_id: str, local_files: list[str]) -> None:
    global _standard
    from pathlib import Path

    from fieldsurvey.services.assessment import registry

    _standard = registry([Path(p) for p in local_files]).get(standard_id)


def classify_rows(rows: list[tuple[str, str | bytes]], standard=None) -> list[tuple]:
    """(uuid, document JSON as text or UTF-8 bytes) → the workspace's classification columns + uuid."""
    standard = standard or _standard
    return [(*stored_classification(json.loads(text), standard), uuid) for uuid, text in rows]


_spawned_work = classify_rows  # what a spawned worker runs on a chunk (a module global: a test stands in for it)


def _chunks(rows: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    chunk: list[tuple[str, str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def start_method() -> str:
    """'fork' when it is safe (a platform that has it, and no other thread in this process), else 'spawn'."""
    if forking.can_fork():
        return "fork"
    return "spawn"


def workers_for(total: int, method: str | None = None) -> int:
    return 1 if total < PARALLEL_FROM[method or start_method()] else max(1, min(forking.cores(), 8))


def classify_stream(rows: Iterable[tuple[str, str]], standard, total: int,
                    local_files: list[str] | None = None) -> Iterator[list[tuple]]:
    """Yield lists of result rows, chunk by chunk, in order. Uses worker processes for large workspaces."""
    method = start_method()
    workers = workers_for(total, method)
    if workers == 1:
        for chunk in _chunks(rows, CHUNK):
            yield classify_rows(chunk, standard)
        return
    if method == "fork":
        yield from _forked(rows, standard, workers)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), initializer=_init,
                             initargs=(standard.id, list(local_files or []))) as pool:
        pending: list[tuple[Future | None, list]] = []
        lost = False

        def result(future: Future | None, chunk: list) -> list[tuple]:
            nonlocal lost
            if future is not None:
                try:
                    return future.result()
                except BrokenProcessPool:
                    lost = lost or _worker_lost()
            return classify_rows(chunk, standard)

        try:
            for chunk in _chunks(rows, CHUNK):
                future = None
                if not lost:
                    try:
                        future = pool.submit(_spawned_work, chunk)
                    except BrokenProcessPool:
                        lost = _worker_lost()
                pending.append((future, chunk))
                while len(pending) > workers * AHEAD:  # keep the workers busy without reading everything at once
                    yield result(*pending.pop(0))
            while pending:
                yield result(*pending.pop(0))
        finally:  # cancelled (generator closed): drop what has not started
            for f, _ in pending:
                if f is not None:
                    f.cancel()
