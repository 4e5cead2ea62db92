"""Encrypted at rest against plain: the same 100,000-household workspace (≈ 450,000 members) as a plain file and
as an encrypted one (SQLCipher 4, the workspace's own key), the same operations timed on each. The gate (issue 20):
each operation on the encrypted file within 1.3 × the plain one.

    python -m benchmarks.bench_atrest                    # builds /tmp/fs-atrest/100k.fsdb once, then reuses it
    python -m benchmarks.bench_atrest --households 20000 --file /tmp/fs-atrest/20k.fsdb
    python -m benchmarks.bench_atrest --same-engine       # and the plain file through SQLCipher's own SQLite

The app opens a plain file with Python's SQLite (3.40.1 here: the rollback journal) and an encrypted one with
SQLCipher's (3.53.4: the WAL), so the gate's ratio holds the engine and the journal mode as well as the encryption;
`--same-engine` adds a third file — the plain one opened through SQLCipher's binding without a key — and a second
table, encrypted against it: what the encryption alone costs.

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
import contextlib
import os
import resource
import secrets
import shutil
import statistics
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from benchmarks.harness import machine, report
from benchmarks.bench_storage import build
from fieldsurvey.i18n import fold
from fieldsurvey.services.workspaces import classify_all
from fieldsurvey.storage import connection, conversion, encryption, queries
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


@contextmanager
def through_sqlcipher(path: Path) -> Iterator[None]:
    """Open the plain file `path` with SQLCipher's binding and its SQLite (no key) — the engine and journal mode an
    encrypted workspace gets — so that what encryption itself costs is measured apart from the engine and the
    journal mode (`--same-engine`). Only in this benchmark; the app opens a plain file with Python's SQLite."""
    real_connect, real_version = connection.connect, connection.file_sqlite_version
    target = os.path.realpath(path)

    def connect(where, **options):
        if os.path.realpath(where) == target:
            options.setdefault("cipher", True)
        return real_connect(where, **options)

    def version(where):
        return sqlcipher_version if os.path.realpath(where) == target else real_version(where)

    from sqlcipher3.dbapi2 import sqlite_version as sqlcipher_version
    connection.connect, connection.file_sqlite_version = connect, version
    try:
        yield
    finally:
        connection.connect, connection.file_sqlite_version = real_connect, real_version


def _table(title: str, results: dict[str, dict[str, tuple[float, float]]], base: str, other: str) -> None:
    print(f"\n{title}")
    print(f"{'operation':<58} {'wall: ' + base:>12} {other:>10} {'ratio':>6}   {'cpu: ' + base:>11} "
          f"{other:>10} {'ratio':>6}   gate {GATE} ×")
    worst = {"wall": 0.0, "cpu": 0.0}
    for label, got in results.items():
        (p, pc), (e, ec) = got[base], got[other]
        ratio, cratio = (e / p if p else float("inf")), (ec / pc if pc else float("inf"))
        worst["wall"], worst["cpu"] = max(worst["wall"], ratio), max(worst["cpu"], cratio)
        print(f"{label:<58} {p:>10,.1f}ms {e:>8,.1f}ms {ratio:>5.2f}×   {pc:>9,.1f}ms {ec:>8,.1f}ms {cratio:>5.2f}×"
              f"   {'met' if ratio <= GATE else 'MISSED'} / {'met' if cratio <= GATE else 'MISSED'}")
    for clock, w in worst.items():
        print(f"worst {clock} ratio {w:.2f} × — {'gate met' if w <= GATE else 'gate MISSED'}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--file", type=Path, default=Path("/tmp/fs-atrest/100k.fsdb"))
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds of each operation")
    ap.add_argument("--classify-rounds", type=int, default=2)
    ap.add_argument("--same-engine", action="store_true",
                    help="also time the plain file through SQLCipher's SQLite (no key; its journal mode): what "
                         "encryption itself costs, apart from the engine")
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
    if args.same_engine:
        files["same"] = _copy(plain_src, plain_src.with_name("work-same-engine.fsdb"))
    kinds = list(files)
    opened = {}
    with contextlib.ExitStack() as stack:
        if args.same_engine:
            stack.enter_context(through_sqlcipher(files["same"]))
        for kind, path in files.items():
            start = time.perf_counter()
            ws = Workspace.open(path)
            ws.backups = False
            opened[kind] = ws
            report(f"open ({kind}; migrations, quick_check, journal mode)", (time.perf_counter() - start) * 1000,
                   "ms")
            engine = ws.db.execute("SELECT sqlite_version()").fetchone()[0]
            print(f"  {kind}: SQLite {engine}, journal_mode={ws.journal_mode}, synchronous={ws.synchronous}")
        db = opened["plain"].db
        village = db.execute("SELECT village FROM households LIMIT 1").fetchone()[0]
        name = db.execute("SELECT head_name FROM households WHERE head_name LIKE 'Nguyễn%' LIMIT 1").fetchone()[0]
        folded = " ".join(fold(name).split()[:3])
        uuids = queries.household_uuids(db, limit=200, offset=20_000)

        cases = {
            "list page 1 (200 rows, by village)": lambda ws: queries.household_page(ws.db),
            "list page at row 50,000 (by village)": lambda ws: queries.household_page(ws.db, offset=50_000),
            "list page 1, one village, poor, by name":
                lambda ws: queries.household_page(ws.db, F(village=village, household_class="poor"),
                                                  sort="head_name"),
            f"search '{folded}', first page": lambda ws: queries.household_page(ws.db, F(search=folded)),
            f"search '{folded}', count": lambda ws: queries.household_count(ws.db, F(search=folded)),
            "search 'zzz' (nothing found)": lambda ws: queries.household_page(ws.db, F(search="zzz")),
        }
        # label → kind → (wall, processor) in ms
        results: dict[str, dict[str, tuple[float, float]]] = {}
        for label, fn in cases.items():
            got: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
            for _ in range(args.rounds):
                for kind in kinds:
                    got[kind].append(_timed(lambda: fn(opened[kind])))
            results[label] = {k: (min(t[0] for t in got[k]) * 1000, min(t[1] for t in got[k]) * 1000)
                              for k in kinds}

        saves: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
        for r in range(args.rounds):
            for kind in kinds:
                saves[kind] += _autosaves(opened[kind], uuids, 40, 40 + 100 * r)

        def pick(kind: str, i: int, q: float | None) -> float:
            values = sorted(t[i] for t in saves[kind])
            return (statistics.median(values) if q is None else values[int(len(values) * q)]) * 1000

        for label, q in (("autosave of one answer, median (commit, synchronous=FULL)", None),
                         ("autosave of one answer, 95th percentile", 0.95)):
            results[label] = {k: (pick(k, 0, q), pick(k, 1, q)) for k in kinds}

        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
        for _ in range(args.classify_rounds):
            for kind in kinds:
                runs[kind].append(_timed(lambda: [None for _progress in classify_all(opened[kind])]))
        if args.classify_rounds:
            results["classify-all (every household, both cores)"] = {
                k: (min(t[0] for t in runs[k]) * 1000, min(t[1] for t in runs[k]) * 1000) for k in kinds}

        for ws in opened.values():
            ws.close()
    print(f"load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    _table("Encrypted against plain, as the app opens each (the gate):", results, "plain", "encrypted")
    if args.same_engine:
        _table("Encrypted against the same plain file through SQLCipher's SQLite (same engine, same journal mode):",
               results, "same", "encrypted")
    for path in files.values():
        for p in (path, encryption.header_path(path), *(path.with_name(path.name + side)
                                                           for side in ("-journal", "-wal", "-shm"))):
            p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
