"""Classification throughput, in-process and over a stored commune.

    python -m benchmarks.bench_classification [--households 10000] [--province 0] [--repeat 7]

1. In-process: households classified per second on one core (target ≥ 20,000/s), documents already parsed.
2. Stored commune: `classify_all` over a workspace of N households, against the bare time to read the same rows
   (and decode their JSON) and write the same result columns back (target: within 2×). The two are run in turn,
   `--repeat` times, and the median of the runs' ratios reported, with the load average.
3. With --province N: the synthetic generator and classification at province scale (e.g. 1,000,000), streamed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.harness import best_of, load, machine, report, spread, timings
from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.standards import default_registry
from fieldsurvey.domain.synthetic import CommuneSpec, Generator, village_names
from fieldsurvey.progress import run_to_end
from fieldsurvey.services.workspaces import classify_all, create_demo
from fieldsurvey.storage.workspace import Workspace, now_iso

SPEC = CommuneSpec("08", "02266", "Xã Lâm Bình", "rural", village_names("rural", 8))


def in_process(n: int) -> float:
    standard = default_registry().get("vn-2022-2025")
    households = [parse_household(d) for d in Generator(SPEC, 2026, 42).households(n)]

    def run() -> None:
        for h in households:
            classify_household(h, standard)

    seconds = best_of(run)
    report(f"in-process classification ({n:,} households)", n / seconds, "households/s", 20_000,
           higher_is_better=True)
    return n / seconds


def stored(n: int, repeat: int = 7) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.fsdb"
        run_to_end(create_demo(path, households=n, seed=42))
        with Workspace.open(path) as ws:
            ws.prepare_bulk_write()  # the page cache classify-all takes: the bare write gets it too
            rows = [(c, s, d, b, i, b1, j) for c, s, d, b, i, b1, j in ws.db.execute(
                "SELECT class, standard_id, deprivations, b2_score, income_per_person, b1_score, classification "
                "FROM households")]

            def bare() -> None:
                # Read as text: for one process this is the fastest way to read and decode the documents
                # (reading the UTF-8 bytes and decoding them here is ≈ 3 % slower); classify-all reads the bytes
                # because it hands them to forked workers in one object.
                out = []
                for (uuid, text), row in zip(ws.iter_documents(), rows):
                    json.loads(text)
                    out.append(row + (uuid,))
                with ws.db.atomic():
                    ws.db.conn.executemany(
                        "UPDATE households SET class = ?, standard_id = ?, deprivations = ?, b2_score = ?, "
                        "income_per_person = ?, b1_score = ?, classification = ?, classified_at = ? WHERE uuid = ?",
                        [r[:7] + (now_iso(),) + r[7:] for r in out])

            # interleaved (bare, classify-all, bare, …) so that the other jobs on the machine weigh on both alike
            t_bare: list[float] = []
            t_all: list[float] = []
            for _ in range(repeat):
                t_bare += timings(bare, 1)
                t_all += timings(lambda: run_to_end(classify_all(ws)), 1)
        ratios = sorted(a / b for a, b in zip(t_all, t_bare))
        report(f"bare read + decode + write of {n:,} rows (median)", statistics.median(t_bare) * 1000, "ms")
        report(f"classify-all of a stored commune ({n:,} households, median)", statistics.median(t_all) * 1000, "ms")
        report("classify-all ÷ bare read+write (median of the runs' ratios)", statistics.median(ratios), "×", 2.0)
        print(f"   bare {spread(t_bare)} ms; classify-all {spread(t_all)} ms; ratios "
              + ", ".join(f"{r:.2f}" for r in ratios) + f"; {load()}")


def province(n: int) -> None:
    standard = default_registry().get("vn-2022-2025")
    gen = Generator(SPEC, 2026, 7)
    start = time.perf_counter()
    counts: dict[str, int] = {}
    for i in range(n):
        result = classify_household(parse_household(gen.household(i)), standard)
        counts[result.household_class.value] = counts.get(result.household_class.value, 0) + 1
    seconds = time.perf_counter() - start
    report(f"province scale: generate + parse + classify {n:,}", n / seconds, "households/s")
    print("   classes:", counts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--province", type=int, default=0, help="also stream this many households (e.g. 1000000)")
    parser.add_argument("--repeat", type=int, default=7, help="runs of the stored figures (medians are reported)")
    args = parser.parse_args()
    print(machine())
    in_process(args.households)
    stored(args.households, args.repeat)
    if args.province:
        province(args.province)


if __name__ == "__main__":
    main()
