"""A whole commune's review at full size (tests/simulation.py): enumerators type households through the
questionnaire's service, hand them in through the field's faults, the supervisor merges, returns, approves — then
every figure is checked against the truth worked out from the final documents, and the one count is timed against
the bare read of the rows it reads.

    python -m benchmarks.bench_review --enumerators 20 --households 500

Figures go to docs/performance.md with the command that made them.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.harness import best_of, machine, report
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import figures
from fieldsurvey.services.workspaces import opened
from fieldsurvey.storage import queries
from tests import simulation as sim


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enumerators", type=int, default=20)
    ap.add_argument("--households", type=int, default=500, help="new households each enumerator types")
    ap.add_argument("--carried", type=int, default=400, help="last year's households carried forward")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    print(machine())
    root = Path(tempfile.mkdtemp(prefix="bench-review-"))
    steps: dict[str, float] = {}

    def step(name, fn, *a):
        t = time.perf_counter()
        out = fn(*a)
        steps[name] = time.perf_counter() - t
        return out

    r = step("last year + carry-forward + keys", sim.start, root, args.seed, args.enumerators, args.carried)
    step("carried households handed out (return bundles)", sim.hand_out_carried, r)
    step("fieldwork: households typed through the questionnaire", sim.fieldwork, r, args.households)
    step("one family typed twice", sim.same_family_twice, r)
    step("hand-in with the field's faults", sim.hand_in, r)
    for rest in ("settle_duplicates", "returns", "moved_away", "approve_most"):
        step(rest.replace("_", " "), getattr(sim, rest), r)
    total = args.enumerators * args.households + args.carried
    for name, seconds in steps.items():
        report(name, seconds, "s")
    report("households in the review", total, "")

    # every figure equals the truth (the run is only worth timing if it is right)
    t = time.perf_counter()
    truth = sim.truth(r.sup)
    report("truth from the final documents (assess each)", time.perf_counter() - t, "s")
    with opened(r.sup, read_only=True) as ws:
        fig = run_to_end(figures.commune_figures(ws))
        assert {u: str(c) for u, c in fig.classes_by_household.items()} == truth.classes
        assert {str(k): v for k, v in fig.commune.classes.items() if v} == dict(truth.commune.classes)
        counted = best_of(lambda: run_to_end(figures.commune_figures(ws)))

        def bare():   # the rows the count reads, read and decoded, nothing counted
            for row in queries.count_rows(ws.db):
                if row[4]:
                    json.loads(row[4])
                if row[7]:
                    json.loads(row[7])

        bare_s = best_of(bare)
    report("the one count (every household)", counted * 1000, "ms")
    report("  bare read + decode of the same rows", bare_s * 1000, "ms")
    print(f"  ratio {counted / bare_s:.2f} × the bare read")
    print(f"figures equal the truth: {fig.commune.counted} households counted, "
          f"{truth.commune.classes['poor']} poor, {truth.commune.classes['near_poor']} near-poor; events "
          f"{dict(r.events)}")


if __name__ == "__main__":
    main()
