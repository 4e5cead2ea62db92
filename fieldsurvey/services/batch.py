"""Classify many stored households, on every core when there are enough of them.

The caller reads (uuid, document JSON) rows and writes the results; this module turns chunks of rows into result
rows, in order — in worker processes (fieldsurvey.parallel: forked or spawned, the documents handed over in one
bytes object per chunk) from `PAYS` households on.
"""

from __future__ import annotations

import json
from typing import Iterable, Iterator

from fieldsurvey import parallel
from fieldsurvey.domain.assessed import stored_classification
from fieldsurvey.domain.standards import Standard

# From how many households workers pay for themselves (measured, docs/performance.md): forked ones cost
# milliseconds; spawned ones import the app again (≈ 0.3 s each).
PAYS = parallel.Pays(forked=1500, spawned=4000)
CHUNK = 500


def classify_rows(rows: list[tuple[str, str | bytes]], standard: Standard) -> list[tuple]:
    """(uuid, document JSON as text or UTF-8 bytes) → the workspace's classification columns + uuid."""
    return [(*stored_classification(json.loads(text), standard), uuid) for uuid, text in rows]


def classify_stream(rows: Iterable[tuple[str, str | bytes]], standard: Standard, total: int) -> Iterator[list[tuple]]:
    """Lists of result rows, chunk by chunk, in order. Closing the iterator stops the workers."""
    return parallel.map_chunks(classify_rows, parallel.chunks(rows, CHUNK), standard, items=total, pays=PAYS)
