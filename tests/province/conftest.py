"""Thirty synthetic communes of one province (Thái Nguyên), each a supervisor's workspace with most households
approved, last year's result on some (so households moved), one moved away, and one family found in two communes;
each commune's result exported once, encrypted to the province's key. And a real PostgreSQL server (tests/postgres.py)
beside SQLite: every roll-up test runs against both engines."""

from __future__ import annotations

import json
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from fieldsurvey.domain import refdata
from fieldsurvey.domain.figures import Scope
from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.domain.province import declared_figures
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import households, province, review
from fieldsurvey.services import sync as svc
from fieldsurvey.services.figures import commune_figures
from fieldsurvey.services.workspaces import create_demo, opened
from fieldsurvey.sync.keys import Identity
from tests import postgres
from tests.builders import trust_checked

PROVINCE = "19"           # Tỉnh Thái Nguyên (92 communes)
COMMUNES = 30
HOUSEHOLDS = 24
LAST_CLASSES = ("poor", "near_poor", "not_poor", "poor", "near_poor", "average")


@dataclass
class Commune:
    code: str
    name: str
    path: Path
    key: Path                  # its supervisor's public key file
    result: Path | None = None


@dataclass
class Built:
    root: Path
    keys: Path                 # the province's key file (its identity)
    province_key: Path         # … its public key
    communes: list[Commune]
    twin: tuple[str, str]      # the ID number and head's name of the family counted in two communes
    old_round: Commune | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def results(self) -> list[Path]:
        return [c.result for c in self.communes]


def official(path: Path) -> dict[str, Any]:
    """A commune's own official figures, from its one count, in a result's shape."""
    with opened(path, read_only=True) as ws:
        figures = run_to_end(commune_figures(ws, Scope.OFFICIAL, details=True))
        return declared_figures(figures, [i.id for i in ws.standard.indicators])


def make_commune(root: Path, unit: refdata.Commune, seed: int, province_key: Path, year: int = 2026,
                 twin: dict[str, Any] | None = None) -> Commune:
    path = root / f"{unit.code}-{year}.fsdb"
    run_to_end(create_demo(path, households=HOUSEHOLDS, seed=seed, commune_code=unit.code, year=year, villages=3))
    svc.init_workspace(path, f"sup{unit.code}", "supervisor", device=f"dev-{unit.code}-{year}")
    trust_checked(path, province_key)
    key = root / f"{unit.code}-{year}.fskey"
    svc.export_key(path, key)
    with opened(path) as ws:
        for k, (uuid, text) in enumerate(list(ws.iter_documents())[:12]):
            doc = json.loads(text)
            state = ws.household_state(uuid)
            doc["previous"] = {"uuid": str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, uuid)), "year": year - 1,
                               "class": LAST_CLASSES[k % len(LAST_CLASSES)], "status": "approved",
                               "earlier": [{"year": year - 2, "class": "poor", "status": "approved"}] if k % 3 else []}
            ws.save_household(doc, status=state.status, owner=state.owner)
        twin_uuid = None
        if twin is not None:
            twin_uuid = str(uuidlib.uuid4())
            doc = dict(twin, uuid=twin_uuid)
            doc["location"] = {**doc["location"], "commune_code": unit.code, "village": ws.villages()[0]}
            ws.save_household(doc, status="complete", owner="enumerator-1")
        rows = [r for r in households.rows(ws) if r.uuid != twin_uuid]
        households.step(ws, [rows[-1].uuid], Action.MOVE_AWAY, reason="chuyển đi")
        complete = [r.uuid for r in households.rows(ws) if r.status == "complete" and r.uuid != twin_uuid]
        review.decide(ws, complete[2:] + ([twin_uuid] if twin_uuid else []), "approve")
    return Commune(unit.code, unit.name, path, key)


def approved_with_id_number(path: Path) -> dict[str, Any]:
    """An approved household of the commune whose head has an ID number (to be counted by a second commune too)."""
    with opened(path, read_only=True) as ws:
        for uuid, text in ws.iter_documents():
            doc = json.loads(text)
            head = next((m for m in doc["members"] if m.get("relationship") == "head"), None)
            if head and head.get("id_number") and ws.household_state(uuid).status == "approved":
                return doc
    raise AssertionError(f"{path}: no approved household with its head's ID number")


def export(c: Commune, out: Path) -> Path:
    out.mkdir(exist_ok=True)
    c.result = run_to_end(province.export_result(c.path, out)).path
    return c.result


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("province")
    keys = root / "province.keys"
    Identity.generate("so-nnmt", "province", PROVINCE, "dev-province").save(keys)
    province_key = root / "province.fskey"
    svc.export_key(root / "province", province_key)
    units = next(p for p in refdata.provinces() if p.code == PROVINCE).communes
    communes: list[Commune] = []
    twin_doc = None
    for i, unit in enumerate(units[:COMMUNES]):
        c = make_commune(root, unit, 100 + i, province_key, twin=twin_doc if i == 7 else None)
        if i == 3:   # a family of this commune that commune no. 7 counts too
            twin_doc = approved_with_id_number(c.path)
        communes.append(c)
    for c in communes:
        export(c, root / "results")
    head = next(m for m in twin_doc["members"] if m.get("relationship") == "head")
    old = make_commune(root, units[COMMUNES], 99, province_key, year=2025)
    export(old, root / "old-round")
    return Built(root, keys, province_key, communes, (head["id_number"], head["name"]), old)


@pytest.fixture(scope="session")
def pg() -> Iterator[postgres.Server]:
    server = postgres.start()
    try:
        yield server
    finally:
        server.stop()


_databases = iter(range(1, 10_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path) -> str:
    """A fresh, empty province database on each engine (the workspace is made by the tests)."""
    if request.param == "sqlite":
        return str(tmp_path / "province.fsprov")
    return request.getfixturevalue("pg").new_database(f"province_{next(_databases)}")


def new_province(target: str, built: Built, year: int = 2026) -> str:
    """A province workspace on `target` holding the shared identity, every commune's supervisor trusted."""
    province.create_province(target, PROVINCE, year)
    for c in [*built.communes, built.old_round]:
        province.trust_commune(target, c.key, svc.spoken_fingerprint(svc.read_key(c.key)))
    return target
