"""A large bundle's records are checked on the cores that are free (fieldsurvey.parallel: workers take chunks of
them, this process too). The records, what is derived from them and the refusals must be exactly those of one
process.

Forking is only safe in a process with one thread, and the test session may run Qt's threads by now: the forked
scenario runs in a fresh interpreter; spawned workers are tried in this one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fieldsurvey.domain.standards import default_registry
from fieldsurvey.errors import BundleError

ROOT = Path(__file__).resolve().parents[2]


def PREPARE(records):
    from fieldsurvey.services import sync as svc

    svc._prepare(records, default_registry().get("vn-2022-2025"))


def _read(data: bytes, site: dict, parallel: bool):
    from fieldsurvey.services import sync as svc
    from fieldsurvey.sync.container import open_bundle
    from fieldsurvey.sync.records import read_contents

    opened = open_bundle(data, "b.fsbundle", {site["lan"].public.fingerprint: site["lan"].public}.get, site["sup"])
    try:
        return read_contents(opened, prepare=PREPARE, parallel=parallel)
    except BundleError as exc:
        return str(exc)


def _site(base: Path) -> tuple[dict, list[dict], bytes]:
    """A supervisor trusting enumerator lan, and a bundle of 14 records from lan."""
    from fieldsurvey.services import sync as svc
    from fieldsurvey.sync.keys import Identity, public_key_text
    from tests.builders import adult, trust_checked
    from tests.sync import forge

    sup = svc.init_workspace(base / "commune.fsdb", "sup", "supervisor", "02266", villages=3)
    lan = Identity.generate("lan", "enumerator", "02266", device="dev-lan")
    (base / "lan.fskey").write_text(public_key_text(lan.public))
    trust_checked(base / "commune.fsdb", base / "lan.fskey")
    recs = [forge.record(members=[adult(40, relationship="head", name=f"Nguyễn Văn Đức {i}", birth_year=1986,
                                        id_number=f"0010860001{i:02d}")]) for i in range(14)]
    return {"sup": sup, "lan": lan}, recs, forge.bundle(lan, recs, sup.public)


def _same(got, one) -> None:
    assert [r.uuid for r in got.households] == [r.uuid for r in one.households]
    for a, b in zip(one.households, got.households):
        assert b.doc() == a.doc() and b.text == a.text and b.prepared == a.prepared
        assert (b.revisions, b.audit, b.status, b.owner, b.revision) == (a.revisions, a.audit, a.status, a.owner,
                                                                          a.revision)


def _broken(site: dict, recs: list[dict], *at: int) -> bytes:
    """The bundle with the records at these positions (in the entries' order) refused by parse_household."""
    from tests.sync import forge

    bad = [dict(r, document=dict(r["document"])) for r in recs]
    order = sorted(range(len(bad)), key=lambda i: bad[i]["uuid"])   # entries are read in name order
    for k in at:
        bad[order[k]]["document"]["review"] = {"year": 1850, "kind": "annual"}
    return forge.bundle(site["lan"], bad, site["sup"].public)


def scenario(root: str) -> None:
    import multiprocessing
    import os
    import sqlite3

    from fieldsurvey import parallel
    from fieldsurvey.services import sync as svc
    from fieldsurvey.storage.workspace import Workspace
    from fieldsurvey.sync import records
    from fieldsurvey.sync.container import open_bundle

    assert parallel.start_method() == "fork", "the scenario runs in a process of one thread"
    parallel.free_cores = lambda: 2   # a worker and this process, whatever else the machine runs now
    records.CHUNK = 3   # 14 records: five chunks, shared between a forked worker and this process
    base = Path(root)
    sup_path = base / "commune.fsdb"
    site, recs, data = _site(base)
    sup, lan = site["sup"], site["lan"]
    one, two = _read(data, site, False), _read(data, site, True)
    assert [r.uuid for r in one.households] == sorted(r["uuid"] for r in recs)
    _same(two, one)

    # a worker that dies without answering, or no worker at all: the others, or this process, check its part
    parent = os.getpid()

    def dying(recs_: list) -> None:
        if os.getpid() != parent:
            os._exit(0)
        PREPARE(recs_)

    opened = open_bundle(data, "b.fsbundle", {lan.public.fingerprint: lan.public}.get, sup)
    _same(records.read_contents(opened, prepare=dying, parallel=True), one)
    start = multiprocessing.process.BaseProcess.start
    multiprocessing.process.BaseProcess.start = lambda self: (_ for _ in ()).throw(OSError("no more processes"))
    try:
        _same(records.read_contents(opened, prepare=PREPARE, parallel=True), one)
    finally:
        multiprocessing.process.BaseProcess.start = start

    for at in [(13,), (0,), (2, 12), (9, 13), (4, 5)]:   # in a worker's chunk, this process's, both
        data_bad = _broken(site, recs, *at)
        refused_one, refused_two = _read(data_bad, site, False), _read(data_bad, site, True)
        assert isinstance(refused_one, str) and "review.year" in refused_one
        assert refused_two == refused_one

    # a whole import through the second process stores what one process stores
    copy = base / "copy.fsdb"
    for suffix in ("", ".keys"):
        Path(str(copy) + suffix).write_bytes(Path(str(sup_path) + suffix).read_bytes())
    bundle = base / "lan.fsbundle"
    bundle.write_bytes(data)
    records.PAYS = parallel.Pays(forked=1)
    with Workspace.open(sup_path) as ws:
        assert svc.import_one(ws, sup, bundle).status == "imported"
    records.PAYS = parallel.Pays(forked=10 ** 9)
    with Workspace.open(copy) as ws:
        assert svc.import_one(ws, sup, bundle).status == "imported"
    query = {"households": "SELECT uuid, village, head_name, head_folded, member_count, status, owner, form_id, "
                           "form_version, document, revision FROM households ORDER BY uuid",
             "revisions": "SELECT id, uuid, parent, merged, device, user, at, sealed_at, doc_hash, origin "
                          "FROM revisions ORDER BY id",
             "audit": "SELECT uuid, revision, action, field, old, new, reason, detail FROM audit ORDER BY uuid, id",
             "keys": "SELECT key, uuid FROM sync_dup_keys ORDER BY key, uuid",
             "flags": "SELECT uuid_a, uuid_b, reason, key FROM sync_duplicates ORDER BY uuid_a, uuid_b"}
    a, b = sqlite3.connect(sup_path), sqlite3.connect(copy)
    for name, sql in query.items():
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall(), name
    assert len(a.execute(query["households"]).fetchall()) == 14


def test_checking_with_spawned_workers_gives_the_records_and_refusals_of_one(tmp_path, monkeypatch):
    """As the desktop app would (its import runs in a job thread): the records and refusals come back through
    pickling whole."""
    from fieldsurvey import parallel
    from fieldsurvey.sync import records

    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    monkeypatch.setattr(parallel, "free_cores", lambda: 2)
    monkeypatch.setattr(records, "CHUNK", 3)
    site, recs, data = _site(tmp_path)
    _same(_read(data, site, True), _read(data, site, False))
    bad = _broken(site, recs, 9, 13)
    refused = _read(bad, site, True)
    assert isinstance(refused, str) and "review.year" in refused and refused == _read(bad, site, False)


def test_checking_with_forked_workers_gives_the_records_and_refusals_of_one(tmp_path):
    done = subprocess.run([sys.executable, "-c", f"from tests.sync.test_parallel_check import scenario; "
                                                 f"scenario({str(tmp_path)!r})"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
