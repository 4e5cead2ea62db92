"""A large bundle's records are checked on both cores (a forked second process takes part of them). The records,
what is derived from them and the refusals must be exactly those of one process.

Forking is only safe in a process with one thread, and the test session may run Qt's threads by now: the scenario
runs in a fresh interpreter."""

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


def scenario(root: str) -> None:
    import sqlite3

    from fieldsurvey.services import sync as svc
    from fieldsurvey.storage.workspace import Workspace
    from fieldsurvey.sync import records
    from fieldsurvey.sync.keys import Identity, public_key_text
    from tests.builders import adult
    from tests.sync import forge

    assert records.can_fork(), "the scenario runs in a process of one thread"
    base = Path(root)
    sup_path = base / "commune.fsdb"
    sup = svc.init_workspace(sup_path, "sup", "supervisor", "02266", villages=3)
    lan = Identity.generate("lan", "enumerator", "02266", device="dev-lan")
    (base / "lan.fskey").write_text(public_key_text(lan.public))
    svc.trust(sup_path, base / "lan.fskey")
    site = {"sup": sup, "lan": lan}

    recs = [forge.record(members=[adult(40, relationship="head", name=f"Nguyễn Văn Đức {i}", birth_year=1986,
                                        id_number=f"0010860001{i:02d}")]) for i in range(14)]
    data = forge.bundle(lan, recs, sup.public)
    one, two = _read(data, site, False), _read(data, site, True)
    assert [r.uuid for r in two.households] == [r.uuid for r in one.households] == sorted(r["uuid"] for r in recs)
    for a, b in zip(one.households, two.households):
        assert b.doc() == a.doc() and b.text == a.text and b.prepared == a.prepared
        assert (b.revisions, b.audit, b.status, b.owner, b.revision) == (a.revisions, a.audit, a.status, a.owner,
                                                                          a.revision)

    # a child that dies without answering, or no child at all: this process checks everything itself
    import os

    from fieldsurvey.sync.container import open_bundle

    parent = os.getpid()

    def dying(recs_: list) -> None:
        if os.getpid() != parent:
            os._exit(0)
        PREPARE(recs_)

    opened = open_bundle(data, "b.fsbundle", {lan.public.fingerprint: lan.public}.get, sup)
    died = records.read_contents(opened, prepare=dying, parallel=True)
    fork, records.os.fork = records.os.fork, lambda: (_ for _ in ()).throw(OSError("no more processes"))
    try:
        unforked = records.read_contents(opened, prepare=PREPARE, parallel=True)
    finally:
        records.os.fork = fork
    real_marshal = records.marshal

    class CutShort:   # the child is killed half-way through writing its answer
        loads = staticmethod(real_marshal.loads)

        @staticmethod
        def dumps(value) -> bytes:
            whole = real_marshal.dumps(value)
            return whole[: len(whole) // 2] if os.getpid() != parent else whole

    records.marshal = CutShort
    try:
        cut = records.read_contents(opened, prepare=PREPARE, parallel=True)
    finally:
        records.marshal = real_marshal
    for got in (died, unforked, cut):
        assert [(r.uuid, r.text, r.prepared) for r in got.households] == [(r.uuid, r.text, r.prepared)
                                                                          for r in one.households]

    def broken(*at: int) -> bytes:
        bad = [dict(r, document=dict(r["document"])) for r in recs]
        order = sorted(range(len(bad)), key=lambda i: bad[i]["uuid"])   # entries are read in name order
        for k in at:
            bad[order[k]]["document"]["review"] = {"year": 1850, "kind": "annual"}
        return forge.bundle(lan, bad, sup.public)

    for at in [(13,), (0,), (2, 12), (9, 13)]:   # in the second process's part, this one's, both
        data_bad = broken(*at)
        refused_one, refused_two = _read(data_bad, site, False), _read(data_bad, site, True)
        assert isinstance(refused_one, str) and "review.year" in refused_one
        assert refused_two == refused_one

    # a whole import through the second process stores what one process stores
    copy = base / "copy.fsdb"
    for suffix in ("", ".keys"):
        Path(str(copy) + suffix).write_bytes(Path(str(sup_path) + suffix).read_bytes())
    bundle = base / "lan.fsbundle"
    bundle.write_bytes(data)
    records.PARALLEL_FROM = 1
    with Workspace.open(sup_path) as ws:
        assert svc.import_one(ws, sup, bundle).status == "imported"
    records.PARALLEL_FROM = 10 ** 9
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


def test_checking_in_two_processes_gives_the_records_and_refusals_of_one(tmp_path):
    done = subprocess.run([sys.executable, "-c", f"from tests.sync.test_parallel_check import scenario; "
                                                 f"scenario({str(tmp_path)!r})"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
