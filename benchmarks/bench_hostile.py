"""The peak memory of hostile imports: bundles signed by a key the supervisor trusts (so every check before the
records is passed) and encrypted to the supervisor, made as large as the import's limits let them be, each imported
by `fieldsurvey import`'s own code in a fresh child process whose peak resident memory is read from the kernel.

    python -m benchmarks.bench_hostile                 # every case below, and two ordinary hand-ins for comparison
    python -m benchmarks.bench_hostile --only bloated  # one case

The cases:
- bomb: the issue's 150 entries of 2 MB each (300 MB unpacked, each entry within the 200:1 ratio) — refused by the
  total the archive declares, before anything is unpacked;
- directory: an archive whose central directory holds 150,000 records while the end record says 3 — refused before
  `zipfile` builds one object per record;
- incompressible: random text entries up to the total allowed (the file about as large as that) — unpacked, then
  refused at the first record;
- many: as many tiny household entries as a manifest can list (every one of them in the manifest, so the archive,
  the manifest and the checksums all pass) — refused at the first record;
- manifest: a manifest as large as an entry may be (2 MB), its `entries` listing 16,000 names — refused;
- wide: the manifest is 2 MB of empty lists in a list, spaced at random so it compresses less than 200:1 (what
  JSON decodes into the most objects per byte) — refused;
- nested: the manifest is 2 MB of lists nested in lists (as deep as 2 MB can nest them) — refused;
- bloated: valid household records, each with an audit list of small entries up to 2 MB, up to the total allowed —
  every record passes and is prepared, and the bundle is imported (audit entries are the bytes that decode into
  the most objects a record may carry; each record is held until the one transaction commits);
- ordinary hand-ins exported by an enumerator's workspace: 2,000 households (≈ 5 MB unpacked), and 9,600 (≈ 23.5 MB:
  the total filled with real households — a trusted signer's worst valid bundle, every record checked, prepared
  and stored). The command line checks ≥ 600 records with a worker process on a free core (fieldsurvey.parallel;
  none joins on a busy machine — `--worker` forces one): the worker's own peak is given apart (its resident pages
  are partly the parent's, shared since the fork).

The figure is the child's VmHWM (its peak resident set, /proc/self/status), not getrusage's ru_maxrss: Linux
carries the parent's high-water mark across fork and exec into ru_maxrss, so a child started from this (large)
process would report the parent's size.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import string
import struct
import subprocess
import sys
import tempfile
import uuid as uuidlib
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.harness import machine
from fieldsurvey.domain.synthetic import CommuneSpec, Generator, village_names
from fieldsurvey.services import sync as svc
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync.container import DEFAULT_LIMITS, canonical, seal, sha256, zip_entries
from fieldsurvey.sync.keys import Identity, key_file_for, read_public_key

ROOT = Path(__file__).resolve().parents[1]
SPEC = CommuneSpec("08", "02266", "Xã Lâm Bình", "rural", village_names("rural", 8))
LIMIT_MB = 256

CHILD = r"""
import json, sys
from pathlib import Path

def hwm():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

from fieldsurvey import parallel
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc
import resource
if sys.argv[3:] == ["worker"]:   # a worker on the second core whatever the load (as on a machine with a free core)
    parallel.free_cores = lambda: 2
base = hwm()
(report,) = run_to_end(svc.import_bundles(Path(sys.argv[1]), [Path(sys.argv[2])]))
print(json.dumps({"base_kb": base, "peak_kb": hwm(),
                  "checker_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "status": report.status, "message": report.message[:160], "counts": report.counts}))
"""


def _site(root: Path) -> tuple[Path, Path]:
    sup, enum = root / "sup.fsdb", root / "lan.fsdb"
    svc.init_workspace(sup, "thu", "supervisor", "02266", villages=8, device="dev-thu")
    svc.init_workspace(enum, "lan", "enumerator", "02266", device="dev-lan")
    svc.export_key(sup, root / "thu.fskey")
    svc.export_key(enum, root / "lan.fskey")
    svc.trust(sup, root / "lan.fskey", svc.spoken_fingerprint(svc.read_key(root / "lan.fskey")))
    svc.trust(enum, root / "thu.fskey", svc.spoken_fingerprint(svc.read_key(root / "thu.fskey")))
    return sup, enum


def _manifest(entries: dict[str, bytes], signer: Identity, sequence: int) -> bytes:
    return canonical({"format": 1, "kind": "hand-in", "bundle_id": str(uuidlib.uuid4()),
                      "created_at": "2026-11-20T09:00:00+00:00", "device": signer.device, "user": signer.user,
                      "role": signer.role, "commune_code": "02266", "review": {"year": 2026, "kind": "annual"},
                      "form_versions": {"vn-review-2022": ["2026.1"]}, "sequence": sequence, "full": False,
                      "to": "dev-thu", "counts": {"households": sum(n.startswith("households/") for n in entries),
                                                  "actions": 0},
                      "entries": {n: sha256(d) for n, d in sorted(entries.items())}})


def _name() -> str:
    return f"households/{uuidlib.uuid4()}.json"


def _signed(entries: dict[str, bytes], me: Identity, to: Any, sequence: int, manifest: bytes | None = None) -> bytes:
    return seal(zip_entries({**entries, "manifest.json": manifest or _manifest(entries, me, sequence)}), me, to)


def bomb(me: Identity, to: Any) -> bytes:
    rng = random.Random(1)
    entries = {}
    for _ in range(150):
        # about 80:1 — under the 200:1 an entry may have — so only the total can refuse it
        chunk = "".join(rng.choice("ab") if i % 40 == 0 else "a" for i in range(1 << 16))
        entries[_name()] = ('{"x": "' + chunk * 32 + '"}').encode()[: 2 * 1024 * 1024]
    return _signed(entries, me, to, 1)


def directory(me: Identity, to: Any) -> bytes:
    """A real archive of two entries whose central directory is followed by 150,000 more headers (the end record
    still says 2 entries, and its directory size takes them all in)."""
    payload = zip_entries({"manifest.json": b"{}", _name(): b"{}"})
    end = payload.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<LL", payload[end + 12:end + 20])
    header = payload[cd_offset:cd_offset + 46 + len("manifest.json")]
    extra = header * 150_000
    body = payload[:cd_offset + cd_size] + extra
    eocd = payload[end:end + 22]
    eocd = eocd[:12] + struct.pack("<LL", cd_size + len(extra), cd_offset) + eocd[20:]
    return seal(body + eocd, me, to)


def incompressible(me: Identity, to: Any, total: int) -> bytes:
    rng = random.Random(2)
    entries = {}
    size = 0
    alphabet = string.ascii_letters + string.digits
    while size + 2 * 2 * 1024 * 1024 < total:   # room left for the manifest
        data = ('{"x": "' + "".join(rng.choices(alphabet, k=2 * 1024 * 1024 - 10)) + '"}').encode()
        entries[_name()] = data
        size += len(data)
    return _signed(entries, me, to, 1)


def _spaced(parts: list[bytes], rng: random.Random) -> bytes:
    """JSON tokens with 0–3 spaces at random after each, so the entry compresses less than 200:1."""
    spaces = [b"", b" ", b"  ", b"   "]
    return b"".join(p + rng.choice(spaces) for p in parts)


def wide(me: Identity, to: Any) -> bytes:
    rng = random.Random(4)
    n = DEFAULT_LIMITS.max_entry // 5
    deep = b"[" + _spaced([b"[]"] + [b",[]"] * (n - 1), rng) + b"]"
    return _signed({_name(): b"{}"}, me, to, 1, manifest=deep[:DEFAULT_LIMITS.max_entry - 1] + b"]"
                   if len(deep) > DEFAULT_LIMITS.max_entry else deep)


def nested(me: Identity, to: Any) -> bytes:
    rng = random.Random(5)
    n = DEFAULT_LIMITS.max_entry // 5
    deep = _spaced([b"["] * n, rng) + b"]" * n
    return _signed({_name(): b"{}"}, me, to, 1, manifest=deep[:DEFAULT_LIMITS.max_entry])


def many(me: Identity, to: Any) -> bytes:
    """Tiny household entries, as many as a manifest within the entry size can list."""
    def tiny() -> tuple[str, bytes]:
        name = _name()
        return name, ('{"uuid": "' + name[len("households/"):-len(".json")] + '"}').encode()

    listing = len(canonical({_name(): "0" * 64})) - 1   # what one more entry adds to the manifest
    n = min(DEFAULT_LIMITS.max_entries - 1, DEFAULT_LIMITS.max_entry // listing)
    entries = dict(tiny() for _ in range(n))
    while len(_manifest(entries, me, 1)) > DEFAULT_LIMITS.max_entry:
        for _ in range(64):
            entries.popitem()
    return _signed(entries, me, to, 1)


def manifest(me: Identity, to: Any) -> bytes:
    """A manifest as large as an entry may be: a real manifest whose `entries` lists 16,000 households, with the
    entries themselves not in the archive."""
    entries = {_name(): b"{}" for _ in range(16_000)}
    listed = _manifest(entries, me, 1)
    while len(listed) > DEFAULT_LIMITS.max_entry:
        entries.popitem()
        listed = _manifest(entries, me, 1)
    first = next(iter(entries))
    return _signed({first: entries[first]}, me, to, 1, manifest=listed)


def bloated(me: Identity, to: Any, total: int) -> bytes:
    """Valid records: a real household document each, with an audit list of small valid entries as long as an
    entry may be; as many records as the total allows."""
    docs = Generator(SPEC, 2026, 9).households(10_000)
    rng = random.Random(3)
    entries = {}
    size = 0
    while True:
        doc = next(docs)
        head = f"dev-lan.{doc['uuid'][:16].replace('-', '')}"   # a head revision id is each household's own
        rec = {"uuid": doc["uuid"], "status": "complete", "owner": "lan", "revision": head,
               "revisions": [{"id": head, "parent": None, "device": "dev-lan", "user": "lan",
                              "at": "2026-11-20T08:00:00+00:00"}], "document": doc, "audit": []}
        room = DEFAULT_LIMITS.max_entry - len(canonical(rec)) - 64
        while room > 80:   # small entries, varied enough to stay under the 200:1 an entry may be compressed
            a = {"at": f"2026-11-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}",
                 "user": "".join(rng.choices(string.ascii_lowercase, k=3)), "action": "edit"}
            rec["audit"].append(a)
            room -= len(canonical(a)) + 1
        data = canonical(rec)
        if size + len(data) > total - 64 * 1024:
            break
        entries[f"households/{doc['uuid']}.json"] = data
        size += len(data)
    return _signed(entries, me, to, 1)


def ordinary(enum: Path, root: Path, n: int) -> bytes:
    docs = list(Generator(SPEC, 2026, n).households(n))   # a seed of its own: none of them sent before
    with Workspace.open(enum) as ws:
        with ws.db.atomic():
            for d in docs:
                ws.save_household(d, status="complete", owner="lan")
    return svc.export_bundle(enum, root).path.read_bytes()


def measure(sup: Path, data: bytes, root: Path, label: str, worker: bool = False) -> dict[str, Any]:
    target = root / f"{label}.fsdb"
    shutil.copy(sup, target)
    shutil.copy(key_file_for(sup), key_file_for(target))
    bundle = root / f"{label}.fsbundle"
    bundle.write_bytes(data)
    run = subprocess.run([sys.executable, "-c", CHILD, str(target), str(bundle), *(["worker"] if worker else [])],
                         capture_output=True, text=True, cwd=ROOT)
    if run.returncode:
        raise SystemExit(run.stderr)
    out = json.loads(run.stdout.strip().splitlines()[-1])
    out["file_mb"] = len(data) / 2 ** 20
    bundle.unlink()
    for p in root.glob(f"{label}*"):
        if p.is_file():
            p.unlink()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="one case: bomb, directory, incompressible, many, manifest, wide, nested, "
                                       "bloated, ordinary")
    parser.add_argument("--worker", action="store_true",
                        help="ordinary hand-ins: a worker forced on the second core whatever the load")
    parser.add_argument("--ordinary", type=int, nargs="*", default=[2000, 9600],
                        help="households in the ordinary hand-ins measured for comparison")
    args = parser.parse_args()
    print(machine())
    limits = DEFAULT_LIMITS
    print(f"limits: file {limits.max_file / 2 ** 20:.0f} MB, unpacked in all {limits.max_total / 2 ** 20:.0f} MB, "
          f"entry {limits.max_entry / 2 ** 20:.0f} MB, {limits.max_entries:,} entries")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sup, enum = _site(root)
        me = Identity.load(key_file_for(enum))
        to = read_public_key(root / "thu.fskey")
        cases = {"bomb": lambda: bomb(me, to), "directory": lambda: directory(me, to),
                 "incompressible": lambda: incompressible(me, to, limits.max_total),
                 "many": lambda: many(me, to), "manifest": lambda: manifest(me, to), "wide": lambda: wide(me, to),
                 "nested": lambda: nested(me, to), "bloated": lambda: bloated(me, to, limits.max_total)}
        worst = 0.0
        for label, make in cases.items():
            if args.only and args.only != label:
                continue
            out = measure(sup, make(), root, label)
            peak = out["peak_kb"] / 1024
            worst = max(worst, peak)
            print(f"{label:<15} file {out['file_mb']:7.1f} MB  peak {peak:6.1f} MB "
                  f"(at start {out['base_kb'] / 1024:.1f})  {out['status']}: {out['message'] or out['counts']}", flush=True)
        if not args.only or args.only == "ordinary":
            for n in args.ordinary:
                out = measure(sup, ordinary(enum, root, n), root, f"ordinary{n}", args.worker)
                worst = max(worst, out["peak_kb"] / 1024)
                print(f"{f'ordinary {n:,}':<15} file {out['file_mb']:7.1f} MB  peak {out['peak_kb'] / 1024:6.1f} MB"
                      f" (its worker {out['checker_kb'] / 1024:.1f}: 0 when none joined)  {out['status']}: "
                      f"{out['counts']}", flush=True)
        if worst:
            print(f"worst import (importing process): {worst:.1f} MB of {LIMIT_MB} MB "
                  f"({'under' if worst < LIMIT_MB else 'OVER'} the limit)")


if __name__ == "__main__":
    main()
