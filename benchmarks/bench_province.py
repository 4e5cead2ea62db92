"""The province's roll-up against a bare load of the same rows into the same engine, and its tables.

    python -m benchmarks.bench_province [--households 300000] [--communes 100] [--engine sqlite|postgresql|both]
                                        [--repeat 3]

1. N households in C communes' results (synthetic rows: classes, deprivations, movement, targets in the shares of a
   real commune), each commune's result sealed as the commune would send it (signed, encrypted to the province —
   made beforehand, not timed), then:
   A. bare load: the same rows written into a households table of the same shape in the same engine — one
      executemany (SQLite) or one COPY (PostgreSQL) per commune, one transaction each, nothing else;
   B. the roll-up: `fieldsurvey province import` of the C result files — each decrypted, its signature, checksums
      and every row checked, its rows added up against its declared figures, and stored all or nothing (the
      commune's rows replaced, the change recorded).
   Both into SQLite files opened by the same code (storage.province.SQLite.connect), so with the same journal mode
   and sync level — chosen from the SQLite the file's binding carries (storage.durability.journal_settings; a plain
   file on Python's SQLite 3.40.1: the rollback journal) — printed, and checked equal, each round. Beside each wall
   time, the processor time it took (this process and its reaped worker processes: os.times), and its ratio B/A.
   The gate (issue 19): B ≤ 2 × A. PostgreSQL, beside A: A'. the same rows made into COPY's text by the
   roll-up's own encoder (storage.province.copy_rows) and handed to COPY as they are, in this one process — the
   faster bare load, printed with B ÷ A' for an honest comparison.
2. The province's tables (every table, by commune and for the province) by queries on the database: the aim is
   under 10 s for 3,000,000 households.

PostgreSQL: a throw-away server from the pgserver wheel (tests/postgres.py), on this machine.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid as uuidlib
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.harness import machine
from fieldsurvey.domain import refdata
from fieldsurvey.domain.figures import MOVEMENT_COLUMNS
from fieldsurvey.domain.province import COUNT_FLAGS, Head, ResultRow, added_up
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import province
from fieldsurvey.storage.province import HOUSEHOLD_COLUMNS, SCHEMA, connect, copy_rows, household_values
from fieldsurvey.sync.container import canonical, pack, sha256, write_atomically
from fieldsurvey.sync.keys import Identity, b64
from fieldsurvey.sync.records import FORMAT_VERSION, Manifest
from fieldsurvey.sync.results import entries_of

PROVINCE = "19"
INDICATORS = 12
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vi Thị Giang")


def rows_of(code: str, n: int, rng: random.Random) -> tuple[list[ResultRow], list[tuple[str, int, int]]]:
    """n households of one commune as a result carries them; its villages with their resident households."""
    villages = [f"Thôn {i + 1}" for i in range(max(1, n // 400))]
    rows = []
    moves = len(MOVEMENT_COLUMNS)
    for i in range(n):
        r = rng.random()
        cls = "poor" if r < 0.04 else "near_poor" if r < 0.08 else "average" if r < 0.12 else "not_poor"
        move = ["0"] * (2 * moves)
        if cls in ("poor", "near_poor"):
            base = 0 if cls == "poor" else moves
            move[base + MOVEMENT_COLUMNS.index("new")] = move[base + MOVEMENT_COLUMNS.index("end")] = "1"
        deprived = "".join("1" if rng.random() < (0.3 if cls in ("poor", "near_poor") else 0.05) else "0"
                           for _ in range(INDICATORS))
        flags = ["0"] * len(COUNT_FLAGS)
        flags[COUNT_FLAGS.index("listed")] = flags[COUNT_FLAGS.index("counted")] = "1"
        head = Head(rng.choice(NAMES), f"{rng.randint(1940, 2000)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                    f"0{rng.randint(10, 96)}{rng.randint(0, 10**9):09d}")
        rows.append(ResultRow(str(uuidlib.UUID(int=rng.getrandbits(128), version=4)), villages[i % len(villages)],
                              "".join(flags), cls, deprived, "".join(move),
                              "".join(str(int(rng.random() < 0.1)) for _ in range(5)), int(rng.random() < 0.3),
                              rng.randint(1, 7), int(rng.random() < 0.05), head.name, head.birth, head.id_number))
    per = [sum(1 for r in rows if r.village == v) for v in villages]
    return rows, [(v, k, k // 3) for v, k in zip(villages, per)]


def make_results(folder: Path, communes: list[refdata.Commune], households: int, province_key, keys: dict,
                 seed: int = 1) -> list[list[ResultRow]]:
    rng = random.Random(seed)
    out = []
    each = households // len(communes)
    for c in communes:
        me = keys[c.code]
        rows, villages = rows_of(c.code, each, rng)
        summary = {"commune": {"code": c.code, "name": c.name, "province_code": PROVINCE, "area": "rural"},
                   "standard": "vn-2022-2025", "indicators": [f"i{j}" for j in range(INDICATORS)],
                   "villages": [{"name": v, "residents": k, "minority_residents": m} for v, k, m in villages],
                   "figures": added_up(rows, villages, INDICATORS), "issued": []}
        entries = entries_of(summary, rows)
        m = Manifest(FORMAT_VERSION, "result", str(uuidlib.uuid4()), datetime.now(timezone.utc).isoformat(),
                     me.device, me.user, me.role, c.code, 2026, "annual", {}, 1, True, province_key.device,
                     {"households": len(rows)}, {n: sha256(d) for n, d in sorted(entries.items())})
        entries["manifest.json"] = canonical(m.to_dict())
        write_atomically(folder / f"{c.code}.fsresult", pack(entries, me, province_key))
        out.append(rows)
    return out


def _cpu() -> float:
    """Processor time of this process and of its worker processes waited for (the roll-up's checkers), seconds."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def journal(engine) -> str:
    """The journal mode and sync level a connection runs with (SQLite; '' for PostgreSQL)."""
    if engine.name != "sqlite":
        return ""
    mode = engine.one("PRAGMA journal_mode")[0]
    sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[int(engine.one("PRAGMA synchronous")[0])]
    return f"journal_mode={mode}, synchronous={sync}"


def bare_load(target: str, all_rows: list[list[ResultRow]], communes: list[refdata.Commune],
              as_text: bool = False) -> tuple[float, float, str]:
    """A: each commune's rows through the engine's ordinary bulk load; `as_text` (PostgreSQL, A'): made into COPY's
    text by the roll-up's own `copy_rows` first, in this one process. (wall time, processor time, journal mode)"""
    engine = connect(target, create=True)
    mode = journal(engine)
    for statement in SCHEMA:
        if "households" in statement and statement.startswith("CREATE TABLE"):
            engine.execute(statement.replace("households", "bare_households", 1))
    start, cpu = time.perf_counter(), _cpu()
    for c, rows in zip(communes, all_rows):
        with engine.transaction():
            if as_text:
                engine.load_copy("bare_households", HOUSEHOLD_COLUMNS, copy_rows(c.code, rows))
            else:
                engine.load("bare_households", HOUSEHOLD_COLUMNS, (household_values(c.code, r) for r in rows))
    took, cpu = time.perf_counter() - start, _cpu() - cpu
    engine.close()
    return took, cpu, mode


def _trusted(target: str, supervisors: dict) -> None:
    province.create_province(target, PROVINCE, 2026)
    with province.opened(target) as store:
        for c, s in supervisors.items():
            k = s.public
            store.trust_key({"fingerprint": k.fingerprint, "device": k.device, "user_name": k.user, "role": k.role,
                             "commune_code": c, "sign_key": b64(k.sign_key), "encrypt_key": b64(k.encrypt_key),
                             "trusted_at": "2026-12-01"})


def run(engine: str, households: int, n_communes: int, root: Path, server=None, repeat: int = 3) -> None:
    communes = list(next(p for p in refdata.provinces() if p.code == PROVINCE).communes[:n_communes])
    keys_file = root / "province.keys"
    me = Identity.generate("so", "province", PROVINCE, "dev-province")
    me.save(keys_file)
    supervisors = {c.code: Identity.generate(f"sup{c.code}", "supervisor", c.code) for c in communes}
    folder = root / "results"
    folder.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    all_rows = make_results(folder, communes, households, me.public, supervisors)
    n = sum(map(len, all_rows))
    print(f"  {engine}: {n:,} households in {n_communes} communes; results made and sealed (the communes' work, "
          f"not timed): {time.perf_counter() - t0:,.1f} s")
    bare, text, rollup, took_tables, bare_cpu, rollup_cpu = [], [], [], [], [], []
    for i in range(repeat):   # interleaved rounds, each into fresh databases; medians
        bare_target = str(root / f"bare{i}.db") if engine == "sqlite" else server.new_database(f"bare{i}")
        took, cpu, bare_mode = bare_load(bare_target, all_rows, communes)
        bare.append(took)
        bare_cpu.append(cpu)
        if engine == "postgresql":
            text.append(bare_load(server.new_database(f"text{i}"), all_rows, communes, as_text=True)[0])
        target = str(root / f"province{i}.fsprov") if engine == "sqlite" else server.new_database(f"rollup{i}")
        _trusted(target, supervisors)
        start, cpu = time.perf_counter(), _cpu()
        reports = run_to_end(province.import_results(target, [folder], keys=keys_file))
        rollup.append(time.perf_counter() - start)
        rollup_cpu.append(_cpu() - cpu)
        with province.opened(target) as store:   # the mode every connection to it is given (the import's too)
            rollup_mode = journal(store.db)
        assert rollup_mode == bare_mode, (rollup_mode, bare_mode)
        assert all(r.status == "imported" for r in reports), [r.text("en") for r in reports if r.error][:3]
        start = time.perf_counter()
        tables = province.tables(target)
        took_tables.append(time.perf_counter() - start)
        assert tables.province.results["counted"] == n
        if engine == "sqlite":
            Path(bare_target).unlink()
        also = f", bare as COPY text {text[-1]:.1f} s" if text else ""
        mode = f"; both {bare_mode}" if bare_mode else ""
        print(f"    round {i + 1}: bare {bare[-1]:.1f} s (cpu {bare_cpu[-1]:.1f} s){also}, roll-up {rollup[-1]:.1f} s "
              f"(cpu {rollup_cpu[-1]:.1f} s), tables {took_tables[-1]:.2f} s{mode}")
    a, b, t = statistics.median(bare), statistics.median(rollup), statistics.median(took_tables)
    print(f"    A. bare load of the same rows             {a:8.1f} s  ({n / a:,.0f} rows/s)")
    print(f"    B. roll-up (province import)              {b:8.1f} s  ({n / b:,.0f} rows/s)   B/A = {b / a:.2f}"
          f"  (gate ≤ 2)")
    if text:
        a2 = statistics.median(text)
        print(f"    A'. the same, made into COPY's text first  {a2:8.1f} s  ({n / a2:,.0f} rows/s)   "
              f"B/A' = {b / a2:.2f}")
    ca, cb = statistics.median(bare_cpu), statistics.median(rollup_cpu)
    print(f"    processor time: A {ca:.1f} s, B {cb:.1f} s (this process and its workers)   B/A = {cb / ca:.2f}")
    print(f"    the province's tables                     {t:8.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=300_000)
    ap.add_argument("--communes", type=int, default=100)
    ap.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(machine())
    root = Path(tempfile.mkdtemp(prefix="bench-province-"))
    server = None
    try:
        if args.engine in ("postgresql", "both"):
            from tests import postgres

            server = postgres.start()
        for engine in (["sqlite", "postgresql"] if args.engine == "both" else [args.engine]):
            sub = root / engine
            sub.mkdir()
            run(engine, args.households, args.communes, sub, server, args.repeat)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
