"""What the import's check of each household's values costs (issue 15), beside the bench_sync baselines it adds to.

    python -m benchmarks.bench_values [--households 2000] [--rounds 15]

The records of bench_sync's bundle (the synthetic commune, saved by an enumerator and read back as stored), timed
in interleaved rounds, fastest and median reported: B — each document's JSON decoded and checked by
`parse_household` (strict), as bench_sync's B; V — the values check alone (`services.values.RecordCheck`, given the
`Household` that parse made, as the import calls it); K — `stored_classification` alone (C = B + K in bench_sync).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_sync import SPEC, _fill, _site
from fieldsurvey.domain.assessed import stored_classification
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.standards import default_registry
from fieldsurvey.domain.synthetic import Generator
from fieldsurvey.services import values
from fieldsurvey.storage.workspace import Workspace


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _sup, (enum,) = _site(Path(tmp), 1)
        _fill(enum, "e0", list(Generator(SPEC, 2026, 7).households(args.households)))
        with Workspace.open(enum, read_only=True) as ws:
            info = ws.info
            rows = ws.db.execute("SELECT document, status FROM households").fetchall()
    texts, statuses = [t for t, _ in rows], [s for _, s in rows]
    docs = [json.loads(t) for t in texts]
    parsed = [parse_household(d) for d in docs]
    check = values.RecordCheck(info)
    standard = default_registry().get(info.standard_id)
    held = sum(bool(check(d, s, p)) for d, s, p in zip(docs, statuses, parsed))
    steps = {"B  json.loads + parse_household (strict)": lambda: [parse_household(json.loads(t)) for t in texts],
             "V  the values check (RecordCheck, parsed given)": lambda: [check(d, s, p) for d, s, p in
                                                                         zip(docs, statuses, parsed)],
             "K  stored_classification": lambda: [stored_classification(d, standard) for d in docs]}
    spent: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            spent[name].append((time.perf_counter() - start) * 1000)
    print(f"{len(docs):,} records ({held} with answers held); load average {os.getloadavg()[0]:.2f}; "
          f"{args.rounds} interleaved rounds")
    for name, times in spent.items():
        print(f"{name:<52} fastest {min(times):8.1f} ms   median {statistics.median(times):8.1f} ms")
    b, v, k = (min(t) for t in spent.values())
    print(f"V ÷ B = {v / b:.2f}, V ÷ (B + K) = {v / (b + k):.2f}; V a record: {v / len(docs) * 1000:.0f} µs")


if __name__ == "__main__":
    main()
