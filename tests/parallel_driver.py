"""A small program that keeps worker processes busy (tests/test_parallel.py kills it with SIGKILL mid-job).

    python -m tests.parallel_driver fork|spawn

It maps a slow function over many chunks with fieldsurvey.parallel and prints one line per result. With `spawn`
another thread runs first, so the workers are spawned as the desktop app's would be."""

from __future__ import annotations

import sys
import threading
import time

from fieldsurvey import parallel


def slow(chunk: list[int], pause: float) -> int:
    time.sleep(pause)
    return sum(chunk)


def main(method: str) -> None:
    if method == "spawn":   # a second thread: the process may no longer fork
        threading.Thread(target=threading.Event().wait, daemon=True).start()
    assert parallel.start_method() == method, parallel.start_method()
    for total in parallel.map_chunks(slow, parallel.chunks(range(4000), 10), 0.02, items=4000,
                                     pays=parallel.Pays(forked=1, spawned=1)):
        print(total, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
