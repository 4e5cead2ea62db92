"""Sync bundles: import against the bare work it stands for, merging many bundles into a commune, province scale.

    python -m benchmarks.bench_sync [--households 2000] [--merge 30 --commune 10000] [--province 0] [--repeat 7]
    python -m benchmarks.bench_sync --stages          # where the time of one import goes
    python -m benchmarks.bench_sync --collector [--households 8000]   # what the cycle collector costs an import

1. Import of one enumerator's bundle of N households (signature, decryption, archive, every record checked and
   classified, one transaction) into an empty supervisor workspace, against the bare work it stands for, in plain
   code on one core (target: within 2×, docs/performance.md says why this baseline):
   A. a bare `sqlite3` executemany of the same rows: the rows a real import of that bundle writes, every table
      (households, revisions, audit, sync bookkeeping, likely-duplicate keys …), written by plain sqlite3 into a
      copy of the same empty workspace with the workspace's pragmas, one executemany per table, one transaction;
   B. a bare check of the same records: each bundle entry decoded with json.loads and its document checked by
      parse_household (not trusted);
   C. B and each document classified as the import stores it (stored_classification, the workspace's standard) —
      the import's rule is that a record is checked and classified: the target is import ≤ 2 × (A + C); the ratio
      to A + B is printed too.
   The import is timed three ways: as the command line runs it (a worker when a core is free, see
   fieldsurvey.parallel.free_cores), with a worker forced whatever the load (the figure of a machine with a free
   core), and from a thread (as the desktop app imports: one process). The rounds are interleaved (A, B, C, the
   three imports, …) `--repeat` times and medians reported, with the load average and the free cores seen. The
   first, one-table baseline is printed too, labelled, for comparison only. The import is timed from opening the
   workspace to the commit; closing it (storage's backup copy) is timed apart, and the whole `fieldsurvey import`
   job too.
2. --merge B --commune N: a supervisor workspace of N households from B enumerators; each enumerator then hands in
   one more bundle (a fifth of their households edited, a few new); all B bundles imported in one run.
3. --province N: N households into one workspace file, in bundles of 2,000 (generated and packed on the fly,
   streamed; the time to make the bundles is reported apart from the import).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from benchmarks.harness import best_of, load, machine, report, spread
from fieldsurvey.domain.assessed import stored_classification
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.synthetic import CommuneSpec, Generator, village_names
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc
from fieldsurvey.storage.workspace import Workspace

SPEC = CommuneSpec("08", "02266", "Xã Lâm Bình", "rural", village_names("rural", 8))


def free_cores() -> int:
    """What fieldsurvey.parallel sees free now (before it was written: the cores)."""
    try:
        from fieldsurvey import parallel
    except ImportError:
        return os.cpu_count() or 1
    return parallel.free_cores()


@contextmanager
def a_worker_forced() -> Iterator[None]:
    """The import's checks with a worker whatever else the machine runs (as when a core is free). Before
    fieldsurvey.parallel, the command line always forked a second process: nothing to force."""
    try:
        from fieldsurvey import parallel
    except ImportError:
        yield
        return
    real = parallel.free_cores
    parallel.free_cores = parallel.cores
    try:
        yield
    finally:
        parallel.free_cores = real


def _site(root: Path, enumerators: int) -> tuple[Path, list[Path]]:
    sup = root / "sup.fsdb"
    svc.init_workspace(sup, "thu", "supervisor", "02266", villages=8, device="dev-thu")
    svc.export_key(sup, root / "thu.fskey")
    enums = []
    for i in range(enumerators):
        p = root / f"e{i}.fsdb"
        svc.init_workspace(p, f"e{i}", "enumerator", "02266", device=f"dev-e{i}")
        svc.export_key(p, root / f"e{i}.fskey")
        # the fingerprints compared and confirmed, as `keys trust` asks
        svc.trust(sup, root / f"e{i}.fskey", svc.spoken_fingerprint(svc.read_key(root / f"e{i}.fskey")))
        svc.trust(p, root / "thu.fskey", svc.spoken_fingerprint(svc.read_key(root / "thu.fskey")))
        enums.append(p)
    return sup, enums


def _fill(path: Path, owner: str, docs: list[dict]) -> None:
    with Workspace.open(path) as ws:
        with ws.db.atomic():
            for d in docs:
                ws.save_household(d, status="complete", owner=owner)


def _written_rows(before: Path, after: Path) -> list[tuple[str, list[str], list[tuple], bool]]:
    """Every row an import added or changed, table by table: (table, columns, rows, changed) — the rows of `after`
    that `before` does not hold (whole rows compared, INTEGER PRIMARY KEY ids included); `changed` when some row of
    `before` is gone (replaced by one of these)."""
    a, b = sqlite3.connect(before), sqlite3.connect(after)
    try:
        out = []
        for (table,) in b.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                  "ORDER BY rowid"):
            cols = [r[1] for r in b.execute(f"PRAGMA table_info([{table}])")]
            sel = f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM [{table}]"
            old = set(a.execute(sel))
            new = [r for r in b.execute(sel) if r not in old]
            if new:
                out.append((table, cols, new, bool(old - set(b.execute(sel)))))
        return out
    finally:
        a.close()
        b.close()


def single(n: int, repeat: int = 7) -> None:
    from fieldsurvey.storage import durability, sync_store
    from fieldsurvey.sync import container

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sup, (enum,) = _site(root, 1)
        docs = list(Generator(SPEC, 2026, 7).households(n))
        _fill(enum, "e0", docs)
        t0 = time.perf_counter()
        bundle = svc.export_bundle(enum, root).path
        export_s = time.perf_counter() - t0
        template = root / "template.fsdb"
        shutil.copy(sup, template)
        shutil.copy(sup.with_name(sup.name + ".keys"), template.with_name(template.name + ".keys"))
        runs = iter(range(1000))

        def fresh() -> Path:
            target = root / f"run{next(runs)}.fsdb"
            shutil.copy(template, target)
            shutil.copy(template.with_name(template.name + ".keys"), target.with_name(target.name + ".keys"))
            return target

        # What the import writes: a real import into a copy of the empty workspace, every row it added, per table.
        reference = fresh()
        (r,) = run_to_end(svc.import_bundles(reference, [bundle]))
        assert r.status == "imported" and len(r.new) == n, r.message
        written = _written_rows(template, reference)
        mode, sync = durability.journal_settings(durability.sqlite_version())
        me = svc.identity_of(template)

        def do_job() -> None:
            """`fieldsurvey import FILE BUNDLE` as the CLI runs it: open, import, close (with storage's backup)."""
            (r,) = run_to_end(svc.import_bundles(fresh(), [bundle]))
            assert r.status == "imported" and len(r.new) == n, r.message

        def do_import() -> float:
            """The import itself: open the workspace, read, verify, decrypt, unzip, check every record, build the
            rows, write them in one transaction and commit. Closing (storage's backup copy) is timed apart."""
            target = fresh()
            t0 = time.perf_counter()
            ws = Workspace.open(target)
            sync_store.prepare_import(ws.db)
            r = svc.import_one(ws, me, bundle)
            t1 = time.perf_counter()
            ws.close()
            closes.append(time.perf_counter() - t1)
            assert r.status == "imported" and len(r.new) == n, r.message
            return t1 - t0

        def bare() -> float:
            """The faithful baseline: the same empty workspace file, plain sqlite3 with the workspace's pragmas, one
            executemany per table of exactly the rows the import wrote, one transaction, commit."""
            target = fresh()
            t0 = time.perf_counter()
            conn = sqlite3.connect(target, isolation_level=None)
            conn.execute("PRAGMA foreign_keys = ON")             # as storage connects
            conn.execute(f"PRAGMA journal_mode = {mode}")         # as storage chooses for this SQLite
            conn.execute(f"PRAGMA synchronous = {sync}")
            conn.execute("PRAGMA cache_size = -65536")           # as the import sets (sync_store.prepare_import)
            conn.execute("BEGIN")
            for table, cols, rows, changed in written:
                conn.executemany(f"INSERT {'OR REPLACE ' if changed else ''}INTO [{table}] "
                                 f"({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
            conn.execute("COMMIT")
            conn.close()
            return time.perf_counter() - t0

        hh_rows = next(rows for table, _, rows, _ in written if table == "households")
        hh_cols = next(cols for table, cols, _, _ in written if table == "households")
        old_cols = ("uuid", "village", "head_name", "head_folded", "member_count", "status", "owner", "form_id",
                    "form_version", "document", "updated_at")
        old_rows = [tuple(row[hh_cols.index(c)] for c in old_cols) for row in hh_rows]

        def bare_one_table() -> float:
            """The first baseline (kept for comparison only): the households columns alone, into a fresh table
            with no index, in a new file with SQLite's default pragmas."""
            target = root / f"bare{next(runs)}.db"
            t0 = time.perf_counter()
            conn = sqlite3.connect(target, isolation_level=None)
            conn.execute(f"CREATE TABLE households ({', '.join(old_cols)}, PRIMARY KEY (uuid))")
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO households VALUES ({', '.join('?' * len(old_cols))})", old_rows)
            conn.execute("COMMIT")
            conn.close()
            return time.perf_counter() - t0

        # The records as the bundle carries them, decrypted and unzipped once (the import reads them again itself).
        data = bundle.read_bytes()
        with Workspace.open(template) as ws:
            ws.backups = False
            standard = ws.standard
            opened = container.open_bundle(data, bundle.name,
                                           lambda fp: svc._key_from_row(sync_store.trusted_key(ws.db, fp)), me)
        entries = [v for k, v in sorted(opened.entries.items()) if k.startswith("households/")]

        def check(classify: bool) -> float:
            """The bare check, plain code in one process: every record decoded (json.loads), its document checked
            strictly (parse_household) and, with `classify`, classified as the import stores it
            (stored_classification with the workspace's standard)."""
            t0 = time.perf_counter()
            for raw in entries:
                document = json.loads(raw)["document"]
                parse_household(document)
                if classify:
                    stored_classification(document, standard)
            return time.perf_counter() - t0

        def in_a_thread(fn) -> float:
            """fn run from a thread, as the desktop app runs an import (a job thread: no process is forked)."""
            out: list[float] = []
            worker = threading.Thread(target=lambda: out.append(fn()))
            worker.start()
            worker.join()
            return out[0]

        closes: list[float] = []
        copy_s = best_of(lambda: shutil.copy(template, root / "copy.fsdb"))
        job = best_of(do_job) - copy_s   # the copy of the empty workspace is made inside the timed job
        # interleaved rounds, so that the other jobs on the machine weigh on every figure alike
        figures: dict[str, list[float]] = {k: [] for k in ("write", "check", "classified", "import", "worker",
                                                            "thread", "old")}
        free: list[int] = []
        for _ in range(repeat):
            gc.collect()
            figures["write"].append(bare())
            figures["check"].append(check(False))
            figures["classified"].append(check(True))
            free.append(free_cores())
            figures["import"].append(do_import())
            with a_worker_forced():
                figures["worker"].append(do_import())
            figures["thread"].append(in_a_thread(do_import))
            figures["old"].append(bare_one_table())
        med = {k: statistics.median(v) * 1000 for k, v in figures.items()}
        baseline = med["write"] + med["classified"]
        without = med["write"] + med["check"]
        print(f"bundle of {n:,} households: {bundle.stat().st_size / 1e6:.1f} MB, export {export_s * 1000:.0f} ms")
        print(f"rows the import writes (the bare write writes exactly these): "
              + ", ".join(f"{table} {len(rows):,}" for table, _, rows, _ in written)
              + f"; pragmas journal_mode={mode}, synchronous={sync}, foreign_keys=ON, cache_size=-65536")
        print(f"medians of {repeat} interleaved rounds:")
        report("A  bare sqlite3 write: the same rows, every table, same workspace", med["write"], "ms")
        report(f"B  bare check: json.loads + parse_household, {n:,} records", med["check"], "ms")
        report(f"C  bare check and classify: B + stored_classification", med["classified"], "ms")
        report("old baseline (not the target): households columns only, no index", med["old"], "ms")
        report(f"import of a {n:,}-household bundle (open .. commit), command line", med["import"], "ms",
               limit=2 * baseline)
        report("the same, a worker forced whatever the load", med["worker"], "ms", limit=2 * baseline)
        report("the same from a thread (as the desktop app imports)", med["thread"], "ms", limit=2 * baseline)
        report("closing the workspace after it (storage's backup copy)", statistics.median(closes) * 1000, "ms")
        report(f"`fieldsurvey import` job (open, import, close with backup; best of 3)", job * 1000, "ms")
        print(f"free cores seen before each round: {sorted(free)}")
        print(f"target: import ÷ (A + C) = {med['import'] / baseline:.2f}× "
              f"(a worker forced {med['worker'] / baseline:.2f}×, from a thread {med['thread'] / baseline:.2f}×); without the classification in the baseline, "
              f"import ÷ (A + B) = {med['import'] / without:.2f}× (a worker forced {med['worker'] / without:.2f}×, "
              f"from a thread {med['thread'] / without:.2f}×)")
        for k, v in figures.items():
            print(f"   {k:<10} {spread(v)} ms")
        print(f"   {load()}")


def stages(n: int, repeat: int = 5) -> None:
    """Where the time of one import goes: the import's steps timed (wall clock) by wrapping them, best of `repeat`
    imports into fresh copies of the empty workspace; then the records' checking alone, in one process and on the
    free cores, and its parts per record."""
    import collections
    import functools

    from fieldsurvey.storage import columns, sync_store
    from fieldsurvey.sync import container, records

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sup, (enum,) = _site(root, 1)
        _fill(enum, "e0", list(Generator(SPEC, 2026, 7).households(n)))
        bundle = svc.export_bundle(enum, root).path
        me = svc.identity_of(sup)
        spent: collections.Counter = collections.Counter()
        originals = []

        def timed(module, name: str, label: str) -> None:
            fn = getattr(module, name)
            originals.append((module, name, fn))

            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                t0 = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    spent[label] += time.perf_counter() - t0
            setattr(module, name, wrapper)

        for module, name, label in [
                (svc, "read_file", "read the file"), (container, "_read_archive", "unzip (archive checks, inflate)"),
                (svc, "open_bundle", "read + signature + decrypt + unzip"),
                (svc, "read_contents", "manifest, checksums, records"),
                (records, "check_records", "records on the free cores (wall)"),
                (records, "_read_records", "records, chunks checked by this process"),
                (svc, "_apply", "apply (decide, rows, writes)"), (sync_store, "store_incoming", "  households, revisions, audit"),
                (sync_store, "index_duplicate_keys", "  likely-duplicate keys"), (svc, "_import_one", "import_one")]:
            timed(module, name, label)
        best = None
        try:
            for i in range(repeat):
                target = root / f"s{i}.fsdb"
                shutil.copy(sup, target)
                spent.clear()
                t0 = time.perf_counter()
                ws = Workspace.open(target)
                sync_store.prepare_import(ws.db)
                spent["open the workspace"] = time.perf_counter() - t0
                r = svc.import_one(ws, me, bundle)
                total = time.perf_counter() - t0
                ws.backups = False
                ws.close()
                assert r.status == "imported", r.message
                if best is None or total < best[0]:
                    best = (total, dict(spent))
        finally:
            for module, name, fn in originals:
                setattr(module, name, fn)
        total, parts = best
        parts["commit and the rest of import_one"] = parts["import_one"] - sum(
            parts.get(k, 0) for k in ("read + signature + decrypt + unzip", "manifest, checksums, records",
                                      "apply (decide, rows, writes)"))
        print(f"one import of {n:,} households, open .. commit: {total * 1000:.0f} ms")
        for label, seconds in parts.items():
            print(f"  {label:<40} {seconds * 1000:7.1f} ms")

        # the records alone, and per record
        data = bundle.read_bytes()
        with Workspace.open(sup) as ws:
            ws.backups = False
            standard = ws.standard
            opened = container.open_bundle(data, bundle.name,
                                           lambda fp: svc._key_from_row(sync_store.trusted_key(ws.db, fp)), me)
        prepare = functools.partial(svc._prepare, standard=standard)
        items = [(k, v) for k, v in sorted(opened.entries.items()) if k.startswith("households/")]
        decoded = [json.loads(v) for _, v in items]
        checked = records._read_records(items, "b", "02266", container.DEFAULT_LIMITS, None)
        limits = container.DEFAULT_LIMITS
        was = gc.isenabled()
        gc.disable()
        try:
            for label, fn in [
                    ("records, one process (check + prepare)",
                     lambda: records.check_records(items, "b", "02266", limits, prepare, parallel=False)),
                    ("records, on the free cores",
                     lambda: records.check_records(items, "b", "02266", limits, prepare, parallel=True)),
                    ("  strict JSON", lambda: [container.strict_json(v, "w") for _, v in items]),
                    ("    of which json.loads", lambda: [json.loads(v) for _, v in items]),
                    ("    of which nesting", lambda: [container._nesting(d, 12) for d in decoded]),
                    ("  parse_household (domain)", lambda: [parse_household(r.document) for r in checked]),
                    ("  prepare (columns, JSON text, hash, keys, class)", lambda: prepare(checked)),
                    ("    of which the class", lambda: [stored_classification(r.document, standard)
                                                        for r in checked]),
                    ("    of which the JSON text", lambda: [columns.encode(r.document) for r in checked])]:
                seconds = best_of(fn, 5)
                print(f"  {label:<50} {seconds * 1000:7.1f} ms  {seconds / len(items) * 1e6:6.1f} µs a record")
        finally:
            if was:
                gc.enable()


def collector(n: int, rounds: int = 3) -> None:
    """What Python's cycle collector costs one import in one process (as the desktop app imports, from a thread),
    timed by gc.callbacks: with the collector paused for the whole import (fieldsurvey.parallel.collector_paused,
    as import_one does), paused only while the records are checked, and running throughout."""
    import contextlib

    from fieldsurvey import parallel
    from fieldsurvey.storage import sync_store
    from fieldsurvey.sync import records

    spent: dict[int, list[float]] = {}
    began: list[float] = []

    def timing(phase: str, info: dict) -> None:
        if phase == "start":
            began.append(time.perf_counter())
        else:
            count = spent.setdefault(info["generation"], [0, 0.0])
            count[0] += 1
            count[1] += time.perf_counter() - began.pop()

    real_pause, real_check = parallel.collector_paused, records.check_records

    def check_paused(*args, **kwargs):
        with real_pause():
            return real_check(*args, **kwargs)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sup, (enum,) = _site(root, 1)
        _fill(enum, "e0", list(Generator(SPEC, 2026, 7).households(n)))
        bundle = svc.export_bundle(enum, root).path
        me = svc.identity_of(sup)
        gc.callbacks.append(timing)
        try:
            for i in range(rounds):
                for mode in ("whole import", "checks only", "never"):
                    parallel.collector_paused = real_pause if mode == "whole import" else contextlib.nullcontext
                    records.check_records = check_paused if mode == "checks only" else real_check
                    target = root / f"c{i}.fsdb"
                    shutil.copy(sup, target)
                    ws = Workspace.open(target)
                    sync_store.prepare_import(ws.db)
                    gc.collect()
                    spent.clear()
                    t0 = time.process_time()
                    box: list = []
                    worker = threading.Thread(target=lambda: box.append(svc.import_one(ws, me, bundle)))
                    worker.start()
                    worker.join()
                    cpu = time.process_time() - t0
                    ws.backups = False
                    ws.close()
                    target.unlink()
                    assert box[0].status == "imported", box[0].message
                    total = sum(t for _, t in spent.values())
                    print(f"  {n:,} households, collector paused: {mode:<13} import CPU {cpu * 1000:6.0f} ms, "
                          f"collecting {total * 1000:5.0f} ms (by generation: "
                          + ", ".join(f"{g}: {c}× {t * 1000:.0f} ms" for g, (c, t) in sorted(spent.items())) + ")")
        finally:
            gc.callbacks.remove(timing)
            parallel.collector_paused, records.check_records = real_pause, real_check


def merge(bundles: int, commune: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sup, enums = _site(root, bundles)
        gen = Generator(SPEC, 2026, 11)
        per = commune // bundles
        t0 = time.perf_counter()
        for i, e in enumerate(enums):
            _fill(e, f"e{i}", [gen.household(i * per + k) for k in range(per)])
            (r,) = run_to_end(svc.import_bundles(sup, [svc.export_bundle(e, root).path]))
            assert r.status == "imported", r.message
        print(f"setup: a commune of {bundles * per:,} households from {bundles} enumerators "
              f"({time.perf_counter() - t0:.1f} s)")
        paths = []
        for i, e in enumerate(enums):
            with Workspace.open(e) as ws:
                uuids = [u for u, _ in ws.iter_documents()][: per // 5]
                with ws.db.atomic():
                    for u in uuids:
                        doc = ws.get_household(u)
                        doc["household"]["floor_area"] = (doc["household"].get("floor_area") or 0) + 1
                        ws.save_household(doc, status="complete", owner=f"e{i}")
            _fill(e, f"e{i}", [gen.household(1_000_000 + i * 10 + k) for k in range(5)])
            paths.append(svc.export_bundle(e, root).path)
        t0 = time.perf_counter()
        reports = run_to_end(svc.import_bundles(sup, paths))
        seconds = time.perf_counter() - t0
        updated = sum(len(r.updated) for r in reports)
        new = sum(len(r.new) for r in reports)
        assert all(r.status == "imported" for r in reports)
        report(f"merge {bundles} bundles ({updated:,} updated, {new} new) into {bundles * per:,} households",
               seconds, "s")


def _bundle(identity, recipient, docs: list[dict], sequence: int) -> bytes:
    """A hand-in bundle made directly from generated documents (what `export` would write for a device that
    made them), so a province's worth can be streamed without an enumerator workspace of the same size."""
    import uuid as uuidlib

    from fieldsurvey.sync.container import canonical, pack, sha256
    from fieldsurvey.sync.records import FORMAT_VERSION, Manifest

    at = "2026-11-20T08:00:00.000+00:00"
    entries = {}
    for d in docs:
        rid = f"{identity.device}.{uuidlib.uuid4().hex[:16]}"
        rec = {"uuid": d["uuid"], "status": "complete", "owner": identity.user, "revision": rid,
               "revisions": [{"id": rid, "parent": None, "device": identity.device, "user": identity.user,
                              "at": at}], "document": d,
               "audit": [{"at": at, "device": identity.device, "user": identity.user, "action": "create"}]}
        entries[f"households/{d['uuid']}.json"] = canonical(rec)
    m = Manifest(FORMAT_VERSION, "hand-in", str(uuidlib.uuid4()), at, identity.device, identity.user,
                 identity.role, "02266", 2026, "annual", {}, sequence, False, recipient.device,
                 {"households": len(docs), "actions": 0}, {n: sha256(v) for n, v in entries.items()})
    entries["manifest.json"] = canonical(m.to_dict())
    return pack(entries, identity, recipient)


def province(n: int, per_bundle: int = 2000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sup, (enum,) = _site(root, 1)
        me, to = svc.identity_of(enum), svc.identity_of(sup).public
        gen = Generator(SPEC, 2026, 3)
        make_s = import_s = 0.0
        done = seq = 0
        sup_me = svc.identity_of(sup)
        ws = Workspace.open(sup)   # one open for the whole run, as `fieldsurvey import FILE folder/` does
        from fieldsurvey.storage import sync_store

        sync_store.prepare_import(ws.db)
        while done < n:
            k = min(per_bundle, n - done)
            t0 = time.perf_counter()
            seq += 1
            bundle = root / f"b{seq}.fsbundle"
            bundle.write_bytes(_bundle(me, to, [gen.household(done + i) for i in range(k)], seq))
            t1 = time.perf_counter()
            r = svc.import_one(ws, sup_me, bundle)
            assert r.status == "imported" and len(r.new) == k, r.message
            t2 = time.perf_counter()
            bundle.unlink()
            make_s += t1 - t0
            import_s += t2 - t1
            done += k
            if done % 50_000 == 0 or done == n:
                print(f"  {done:,} households: import {import_s:.0f} s so far ({done / import_s:,.0f}/s; last "
                      f"bundle {(t2 - t1) * 1000:.0f} ms), making the bundles {make_s:.0f} s", flush=True)
        t0 = time.perf_counter()
        ws.close()
        close_s = time.perf_counter() - t0
        size = sup.stat().st_size / 1e9
        print(f"  closing the workspace (with its backup copy): {close_s:.1f} s")
        report(f"province: {n:,} households imported into one file ({size:.2f} GB)", import_s, "s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=2000)
    ap.add_argument("--merge", type=int, default=30)
    ap.add_argument("--commune", type=int, default=10_000)
    ap.add_argument("--province", type=int, default=0)
    ap.add_argument("--stages", action="store_true", help="where the time of one import goes (no other figures)")
    ap.add_argument("--repeat", type=int, default=7, help="rounds of the import figures (medians are reported)")
    ap.add_argument("--collector", action="store_true", help="what the cycle collector costs one import (no other "
                                                              "figures)")
    args = ap.parse_args()
    print(machine())
    if args.stages:
        stages(args.households or 2000)
        return
    if args.collector:
        collector(args.households or 2000)
        return
    if args.households:
        single(args.households, args.repeat)
    if args.merge:
        merge(args.merge, args.commune)
    if args.province:
        province(args.province)


if __name__ == "__main__":
    main()
