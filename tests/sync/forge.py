"""Build bundles by hand, valid or broken, signed by a key the workspace trusts (so the checks after the signature
are reached), for the catalogue of hostile input."""

from __future__ import annotations

import io
import stat
import uuid as uuidlib
import zipfile
from typing import Any

from fieldsurvey.sync.container import canonical, seal, sha256
from fieldsurvey.sync.keys import Identity, PublicKey
from tests.builders import household_doc


def record(uuid: str | None = None, rev: str | None = None, parent: str | None = None, device: str = "dev-lan",
           user: str = "lan", status: str = "complete", **doc_kw: Any) -> dict[str, Any]:
    uuid = uuid or str(uuidlib.uuid4())
    rev = rev or f"r1-{uuid}"   # a revision is one household's only: each record its own
    doc = household_doc(**doc_kw)
    doc["uuid"] = uuid
    revs = [{"id": rev, "parent": parent, "device": device, "user": user, "at": "2026-11-20T08:00:00+00:00"}]
    if parent:
        revs.insert(0, {"id": parent, "parent": None, "device": device, "user": user,
                        "at": "2026-11-19T08:00:00+00:00"})
    return {"uuid": uuid, "status": status, "owner": user, "revision": rev, "revisions": revs, "document": doc,
            "audit": [{"at": "2026-11-20T08:00:00+00:00", "user": user, "device": device, "action": "edit"}]}


def manifest(entries: dict[str, bytes], signer: Identity, sequence: int = 1, kind: str = "hand-in",
             **over: Any) -> dict[str, Any]:
    m = {"format": 1, "kind": kind, "bundle_id": str(uuidlib.uuid4()), "created_at": "2026-11-20T09:00:00+00:00",
         "device": signer.device, "user": signer.user, "role": signer.role, "commune_code": "02266",
         "review": {"year": 2026, "kind": "annual"}, "form_versions": {"": [""]}, "sequence": sequence,
         "full": False, "to": None,
         "counts": {"households": sum(n.startswith("households/") for n in entries),
                    "actions": 0},
         "entries": {n: sha256(d) for n, d in entries.items()}}
    m.update(over)
    return m


def entries_for(records: list[dict[str, Any]]) -> dict[str, bytes]:
    return {f"households/{r['uuid']}.json": canonical(r) for r in records}


def raw_zip(items: list[tuple[str, bytes]], mode: int = stat.S_IFREG | 0o644,
            compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = compress
            info.external_attr = mode << 16
            zf.writestr(info, data)
    return buf.getvalue()


def bundle(signer: Identity, records: list[dict[str, Any]], recipient: PublicKey | None = None,
           sequence: int = 1, extra: list[tuple[str, bytes]] = (), **over: Any) -> bytes:
    entries = entries_for(records)
    m = manifest(entries, signer, sequence, **over)
    items = [("manifest.json", canonical(m)), *entries.items(), *extra]
    return seal(raw_zip(items), signer, recipient)
