"""Encrypted at rest against plain: the same 100,000-household workspace (≈ 450,000 members) as a plain file and
as an encrypted one (SQLCipher 4, the workspace's own key), the same operations timed on each. The gate (issue 20):
each operation on the encrypted file within 1.3 × the plain one.

    python -m benchmarks.bench_atrest                    # builds /tmp/fs-atrest/100k.fsdb once, then reuses it
    python -m benchmarks.bench_atrest --households 20000 --file /tmp/fs-atrest/20k.fsdb

The plain file is built with `create_demo` and cached; the encrypted one is made from it by `fieldsurvey encrypt`'s
own conversion (same rows, same pages). Each run works on fresh copies of both, synced to the disk before anything
is timed; the operations alternate between the two files (plain, encrypted, plain, …) so that a busy moment of the
shared machine falls on both. Each operation is timed twice: on the wall clock, and in processor time — this
process's and its finished workers' (`resource.getrusage`) — which a busy machine stretches much less (time spent
waiting for a core is not counted; time waiting for the disk is not either, so an fsync-bound autosave shows only
its work). The gate is read on both.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def cpu() -> float:
    """Processor time of this process and of its workers that have ended (user + system), in seconds."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(fn) -> tuple[float, float]:
    w, c = time.perf_counter(), cpu()
    fn()
    return time.perf_counter() - w, cpu() - c


def _autosaves(ws: Workspace, uuids: list[str], n: int, base: int) -> list[tuple[float, float]]:
    return [_timed(lambda i=i: ws.save_answer(uuids[i % len(uuids)], "floor_area", base + i)) for i in range(n)]


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
    # label → (plain wall, encrypted wall, plain processor, encrypted processor), in ms
    results: list[tuple[str, float, float, float, float]] = []
    for label, fn in cases.items():
        got: dict[str, list[tuple[float, float]]] = {"plain": [], "encrypted": []}
        for _ in range(args.rounds):
            for kind in ("plain", "encrypted"):
                got[kind].append(_timed(lambda: fn(opened[kind])))
        results.append((label, *(min(t[i] for t in got[k]) * 1000 for i in (0, 1) for k in ("plain", "encrypted"))))

    saves: dict[str, list[tuple[float, float]]] = {"plain": [], "encrypted": []}
    for r in range(args.rounds):
        for kind in ("plain", "encrypted"):
            saves[kind] += _autosaves(opened[kind], uuids, 40, 40 + 100 * r)

    def pick(kind: str, i: int, q: float | None) -> float:
        values = sorted(t[i] for t in saves[kind])
        return (statistics.median(values) if q is None else values[int(len(values) * q)]) * 1000

    for label, q in (("autosave of one answer, median (commit, synchronous=FULL)", None),
                     ("autosave of one answer, 95th percentile", 0.95)):
        results.append((label, pick("plain", 0, q), pick("encrypted", 0, q), pick("plain", 1, q),
                        pick("encrypted", 1, q)))

    runs: dict[str, list[tuple[float, float]]] = {"plain": [], "encrypted": []}
    for _ in range(args.classify_rounds):
        for kind in ("plain", "encrypted"):
            runs[kind].append(_timed(lambda: [None for _progress in classify_all(opened[kind])]))
    results.append(("classify-all (every household, both cores)",
                    *(min(t[i] for t in runs[k]) * 1000 for i in (0, 1) for k in ("plain", "encrypted"))))

    for ws in opened.values():
        ws.close()
    print(f"load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"\n{'operation':<58} {'wall: plain':>12} {'encrypted':>10} {'ratio':>6}   {'cpu: plain':>11} "
          f"{'encrypted':>10} {'ratio':>6}   gate {GATE} ×")
    worst = {"wall": 0.0, "cpu": 0.0}
    for label, p, e, pc, ec in results:
        ratio, cratio = (e / p if p else float("inf")), (ec / pc if pc else float("inf"))
        worst["wall"], worst["cpu"] = max(worst["wall"], ratio), max(worst["cpu"], cratio)
        print(f"{label:<58} {p:>10,.1f}ms {e:>8,.1f}ms {ratio:>5.2f}×   {pc:>9,.1f}ms {ec:>8,.1f}ms {cratio:>5.2f}×"
              f"   {'met' if ratio <= GATE else 'MISSED'} / {'met' if cratio <= GATE else 'MISSED'}")
    for clock, w in worst.items():
        print(f"worst {clock} ratio {w:.2f} × — {'gate met' if w <= GATE else 'gate MISSED'}")
    for path in files.values():
        for p in (path, encryption.header_path(path), path.with_name(path.name + "-journal")):
            p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
