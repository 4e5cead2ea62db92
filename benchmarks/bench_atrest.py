"""Encrypted at rest against plain: the same 100,000-household workspace (≈ 450,000 members) as a plain file and
as an encrypted one (SQLCipher 4, the workspace's own key), the same operations timed on each. The gate (issue 20):
each operation on the encrypted file within 1.3 × the plain one.

    python -m benchmarks.bench_atrest                    # builds /tmp/fs-atrest/100k.fsdb once, then reuses it
    python -m benchmarks.bench_atrest --households 20000 --file /tmp/fs-atrest/20k.fsdb

The plain file is built with `create_demo` and cached; the encrypted one is made from it by `fieldsurvey encrypt`'s
own conversion (same rows, same pages). Each run works on fresh copies of both, synced to the disk before anything
is timed; the operations alternate between the two files (plain, encrypted, plain, …) so that a busy moment of the
shared machine falls on both.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import time
from pathlib import Path

from benchmarks.harness import machine, report
from benchmarks.bench_storage import build
from fieldsurvey.i18n import fold
from fieldsurvey.services.workspaces import classify_all
from fieldsurvey.storage import conversion, encryption, queries
from fieldsurvey.storage.queries import HouseholdFilter as F
from fieldsurvey.storage.workspace import Workspace

GATE = 1.3
PASSPHRASE = "benchmark passphrase, not a secret"


def _copy(src: Path, dst: Path) -> Path:
    for p in (dst, encryption.header_path(dst)):
        p.unlink(missing_ok=True)
    shutil.copy(src, dst)
    if encryption.header_path(src).exists():
        shutil.copy(encryption.header_path(src), encryption.header_path(dst))
    with open(dst, "rb") as fh:
        os.fsync(fh.fileno())
    return dst


def make_encrypted(plain: Path, target: Path) -> None:
    """The encrypted twin of the plain file, through the conversion `fieldsurvey encrypt` runs."""
    _copy(plain, target)
    secret = secrets.token_bytes(encryption.SECRET_BYTES)
    conversion.encrypt_file(target, secret, encryption.make_header(secret, PASSPHRASE))
    print(f"made {target} ({target.stat().st_size / 1e6:,.0f} MB, encrypted)", flush=True)


def _autosaves(ws: Workspace, uuids: list[str], n: int, base: int) -> list[float]:
    times = []
    for i in range(n):
        t = time.perf_counter()
        ws.save_answer(uuids[i % len(uuids)], "floor_area", base + i)
        times.append(time.perf_counter() - t)
    return times


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--file", type=Path, default=Path("/tmp/fs-atrest/100k.fsdb"))
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds of each operation")
    ap.add_argument("--classify-rounds", type=int, default=2)
    args = ap.parse_args(argv)

    plain_src = args.file
    enc_src = args.file.with_name(args.file.stem + "-encrypted.fsdb")
    if not plain_src.exists():
        build(plain_src, args.households)
    if not enc_src.exists():
        make_encrypted(plain_src, enc_src)
    encryption.unlock(enc_src, PASSPHRASE)
    print(machine())
    files = {"plain": _copy(plain_src, plain_src.with_name("work-plain.fsdb")),
             "encrypted": _copy(enc_src, enc_src.with_name("work-encrypted.fsdb"))}
    opened = {}
    for kind, path in files.items():
        start = time.perf_counter()
        ws = Workspace.open(path)
        ws.backups = False
        opened[kind] = ws
        report(f"open ({kind}; migrations, quick_check, journal mode)", (time.perf_counter() - start) * 1000, "ms")
    db = opened["plain"].db
    village = db.execute("SELECT village FROM households LIMIT 1").fetchone()[0]
    name = db.execute("SELECT head_name FROM households WHERE head_name LIKE 'Nguyễn%' LIMIT 1").fetchone()[0]
    folded = " ".join(fold(name).split()[:3])
    uuids = queries.household_uuids(db, limit=200, offset=20_000)

    cases = {
        "list page 1 (200 rows, by village)": lambda ws: queries.household_page(ws.db),
        "list page at row 50,000 (by village)": lambda ws: queries.household_page(ws.db, offset=50_000),
        "list page 1, one village, poor, by name":
            lambda ws: queries.household_page(ws.db, F(village=village, household_class="poor"), sort="head_name"),
        f"search '{folded}', first page": lambda ws: queries.household_page(ws.db, F(search=folded)),
        f"search '{folded}', count": lambda ws: queries.household_count(ws.db, F(search=folded)),
        "search 'zzz' (nothing found)": lambda ws: queries.household_page(ws.db, F(search="zzz")),
    }
    results: list[tuple[str, float, float]] = []
    for label, fn in cases.items():
        got: dict[str, list[float]] = {"plain": [], "encrypted": []}
        for _ in range(args.rounds):
            for kind in ("plain", "encrypted"):
                t = time.perf_counter()
                fn(opened[kind])
                got[kind].append(time.perf_counter() - t)
        results.append((label, min(got["plain"]) * 1000, min(got["encrypted"]) * 1000))

    saves: dict[str, list[float]] = {"plain": [], "encrypted": []}
    for r in range(args.rounds):
        for kind in ("plain", "encrypted"):
            saves[kind] += _autosaves(opened[kind], uuids, 40, 40 + 100 * r)
    results.append(("autosave of one answer, median (commit, synchronous=FULL)",
                    statistics.median(saves["plain"]) * 1000, statistics.median(saves["encrypted"]) * 1000))
    results.append(("autosave of one answer, 95th percentile",
                     sorted(saves["plain"])[int(len(saves["plain"]) * 0.95)] * 1000,
                     sorted(saves["encrypted"])[int(len(saves["encrypted"]) * 0.95)] * 1000))

    runs: dict[str, list[float]] = {"plain": [], "encrypted": []}
    for _ in range(args.classify_rounds):
        for kind in ("plain", "encrypted"):
            t = time.perf_counter()
            for _progress in classify_all(opened[kind]):
                pass
            runs[kind].append(time.perf_counter() - t)
    results.append(("classify-all (every household, both cores)", min(runs["plain"]) * 1000,
                    min(runs["encrypted"]) * 1000))

    for ws in opened.values():
        ws.close()
    print(f"\n{'operation':<58} {'plain':>10} {'encrypted':>10} {'ratio':>7}  gate {GATE} ×")
    worst = 0.0
    for label, p, e in results:
        ratio = e / p if p else float("inf")
        worst = max(worst, ratio)
        print(f"{label:<58} {p:>8,.1f}ms {e:>8,.1f}ms {ratio:>6.2f}×  {'met' if ratio <= GATE else 'MISSED'}")
    print(f"worst ratio {worst:.2f} × — {'gate met' if worst <= GATE else 'gate MISSED'}")
    for path in files.values():
        for p in (path, encryption.header_path(path), path.with_name(path.name + "-journal")):
            p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
