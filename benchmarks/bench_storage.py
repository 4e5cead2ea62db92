"""Workspace storage at commune scale: 100,000 households (≈ 450,000 members) from the synthetic generator.

    python -m benchmarks.bench_storage                      # builds /tmp/fs-bench/100k.fsdb once, then reuses it
    python -m benchmarks.bench_storage --households 20000 --file /tmp/fs-bench/20k.fsdb

Limits (issue 3): a page of the household list < 50 ms, counts by village × class < 200 ms, diacritics-free search
< 100 ms, autosave of one answer < 10 ms. The file is built with `create_demo` (households + classification) and
cached; the benchmark works on a copy so the cached file stays as built.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from pathlib import Path

from benchmarks.harness import best_of, machine, report


BIG_HOUSEHOLDS = [(1, 4), (2, 9), (3, 15), (4, 22), (5, 20), (6, 14), (7, 9), (8, 5), (9, 2)]


def build(path: Path, households: int) -> None:
    from fieldsurvey.progress import run_to_end
    from fieldsurvey.services.workspaces import create_demo

    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    # Larger households than the demo's (≈ 4.5 members each, as the 100k households / 450k members).
    run_to_end(create_demo(path, households=households, seed=7, villages=12, size_weights=BIG_HOUSEHOLDS))
    print(f"built {path} ({households:,} households) in {time.perf_counter() - start:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--file", type=Path, default=Path("/tmp/fs-bench/bench-100k-450k.fsdb"))
    args = ap.parse_args(argv)

    from fieldsurvey.i18n import fold
    from fieldsurvey.storage import backups, queries
    from fieldsurvey.storage.queries import HouseholdFilter as F
    from fieldsurvey.storage.workspace import Workspace

    if not args.file.exists():
        build(args.file, args.households)
    work = args.file.with_name(args.file.stem + "-work.fsdb")
    shutil.copy(args.file, work)
    with open(work, "rb") as fh:  # the copy on the disk before anything is timed (else fsyncs pay for it)
        os.fsync(fh.fileno())
    print(machine())
    start = time.perf_counter()
    ws = Workspace.open(work)
    report("open (migrations, quick_check, journal mode) of the copy", (time.perf_counter() - start) * 1000, "ms")
    ws.backups = False
    db = ws.db
    members = db.execute("SELECT SUM(member_count), COUNT(*) FROM households").fetchone()
    print(f"{members[1]:,} households, {members[0]:,} members, file {work.stat().st_size / 1e6:,.0f} MB, "
          f"journal {ws.journal_mode}, synchronous {ws.synchronous}")

    village = db.execute("SELECT village FROM households LIMIT 1").fetchone()[0]
    name = db.execute("SELECT head_name FROM households WHERE head_name LIKE 'Nguyễn%' LIMIT 1").fetchone()[0]
    folded = " ".join(fold(name).split()[:3])
    page = 50.0
    report("list page 1 (200 rows, by village)", best_of(lambda: queries.household_page(db)) * 1000, "ms", page)
    report("list page at row 50,000 (by village)",
           best_of(lambda: queries.household_page(db, offset=50_000)) * 1000, "ms", page)
    report("list page 1 sorted by name", best_of(lambda: queries.household_page(db, sort="head_name")) * 1000,
           "ms", page)
    report("list page 1 sorted by income, descending",
           best_of(lambda: queries.household_page(db, sort="income", descending=True)) * 1000, "ms", page)
    report("list page 1, one village, poor, by name",
           best_of(lambda: queries.household_page(db, F(village=village, household_class="poor"),
                                                  sort="head_name")) * 1000, "ms", page)
    report("list page 1, status complete, one enumerator",
           best_of(lambda: queries.household_page(db, F(status="complete", owner="enumerator-1"))) * 1000, "ms",
           page)
    report("household count with the page's filter (village)",
           best_of(lambda: queries.household_count(db, F(village=village))) * 1000, "ms", page)
    report("counts by village × class", best_of(lambda: queries.counts_by_village_class(db)) * 1000, "ms", 200)
    report("progress per enumerator (owner × status)",
           best_of(lambda: queries.progress_by_owner(db)) * 1000, "ms", 200)
    n = len(queries.household_page(db, F(search=folded), limit=10_000))
    report(f"search '{folded}' ({n:,} found), first page",
           best_of(lambda: queries.household_page(db, F(search=folded))) * 1000, "ms", 100)
    report(f"search '{folded}', count", best_of(lambda: queries.household_count(db, F(search=folded))) * 1000,
           "ms", 100)
    report("search 'zzz' (nothing found)",
           best_of(lambda: queries.household_page(db, F(search="zzz"))) * 1000, "ms", 100)

    uuids = queries.household_uuids(db, limit=200, offset=20_000)
    times = []
    for i in range(200):
        t = time.perf_counter()
        ws.save_answer(uuids[i % len(uuids)], "floor_area", 40 + i)
        times.append(time.perf_counter() - t)
    times.sort()
    report("autosave of one answer, median of 200 (commit, synchronous=FULL)",
           statistics.median(times) * 1000, "ms", 10)
    report("autosave of one answer, 95th percentile", times[int(len(times) * 0.95)] * 1000, "ms", 10)
    times = []
    for i in range(100):  # the usual case: one enumerator typing into one household
        t = time.perf_counter()
        ws.save_answer(uuids[1], "floor_area", 300 + i)
        times.append(time.perf_counter() - t)
    times.sort()
    report("autosave into one household, median of 100", statistics.median(times) * 1000, "ms", 10)
    report("autosave into one household, 95th percentile", times[95] * 1000, "ms", 10)
    doc = ws.get_household(uuids[0])
    times = []
    for i in range(50):
        doc["members"][0]["name"] = f"Nguyễn Văn Thử {i}"
        t = time.perf_counter()
        ws.update_household(doc)
        times.append(time.perf_counter() - t)
    report("autosave of a whole edited document, median of 50", statistics.median(times) * 1000, "ms", 10)
    report("revisions of those 200 households after 350 autosaves (open ones updated in place)",
           db.execute("SELECT COUNT(*) FROM revisions WHERE uuid IN (%s)" % ",".join("?" * len(uuids)),
                      uuids).fetchone()[0], "rows")
    start = time.perf_counter()
    sealed = ws.seal()
    report(f"seal every open revision ({len(sealed):,})", (time.perf_counter() - start) * 1000, "ms")
    start = time.perf_counter()
    made = backups.make_backup(ws, work.parent / "bench-backup.fsdb")
    report("backup through the SQLite backup API (checked)", (time.perf_counter() - start) * 1000, "ms")
    made.unlink()
    ws.close()
    work.unlink()
    for side in ("-journal", "-wal", "-shm"):
        work.with_name(work.name + side).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
