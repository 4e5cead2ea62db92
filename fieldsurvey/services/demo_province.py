"""The ready-made demo province (`fieldsurvey gui --demo --view province`): the roll-up of a few synthetic communes of
the demo commune's province (Tỉnh Tuyên Quang), made as a real province makes it — each commune a supervisor's
workspace (synthetic households, as `fieldsurvey demo` makes them, last year's class on most of them so households
moved in and out of poverty), its households approved, its result exported, signed and encrypted to the province's
key, and imported; the deadline set (two weeks after the demo is made); last year's figures of each commune typed in (last year's poor and near-poor
households, the ones the movement tables start from). Built once, on first use, beside the demo commune; a plain
file (synthetic data, no passphrase). Deterministic."""

from __future__ import annotations

import json
import random
import shutil
import uuid as uuidlib
from datetime import date, timedelta
from pathlib import Path

from fieldsurvey.domain import refdata
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.progress import Job, Progress
from fieldsurvey.services import province, review
from fieldsurvey.services import sync as svc
from fieldsurvey.services.households import rows as household_rows
from fieldsurvey.services.workspaces import DEFAULT_DEMO_COMMUNE, create_demo, demo_path, opened

YEAR = 2026
COMMUNES = 8
HOUSEHOLDS = 150
PROVINCE_USER = "so-nnmt-demo"
# last year's class of a household, by its class now: most stay, some escaped, some are new (no class last year)
LAST_YEAR = {"poor": (("poor", 0.6), ("near_poor", 0.2), ("not_poor", 0.1), (None, 0.1)),
             "near_poor": (("near_poor", 0.5), ("poor", 0.25), ("not_poor", 0.15), (None, 0.1)),
             "average": (("near_poor", 0.12), ("poor", 0.03), ("average", 0.5), ("not_poor", 0.35)),
             "not_poor": (("not_poor", 0.93), ("near_poor", 0.03), ("poor", 0.01), ("average", 0.03))}


def demo_province_path() -> Path:
    """Where the ready-made demo province lives for this user (beside the demo commune)."""
    return demo_path().parent / "demo-province" / f"tinh-tuyen-quang-{YEAR}.fsprov"


def ready_demo_province(path: Path | None = None, communes: int = COMMUNES,
                        households: int = HOUSEHOLDS) -> Job[Path]:
    """The ready-made demo province: built on first use (in a folder of its own, made whole before it is put in
    place), then opened as it is. Yields progress; returns the province workspace's path."""
    path = Path(path) if path is not None else demo_province_path()
    if path.exists() and province.key_file(path).exists():
        return path
    folder = path.parent
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    target = building / path.name
    code = refdata.commune(DEFAULT_DEMO_COMMUNE).province_code
    province.init_province(target, PROVINCE_USER, code, YEAR, device="dev-demo-province")
    province_key = building / "tinh.fskey"
    svc.export_key(target, province_key)
    province.set_deadline(target, date.today() + timedelta(days=14))   # the communes reported in time
    units = next(p for p in refdata.provinces() if p.code == code).communes[:communes]
    results = building / "results"
    results.mkdir()
    last: dict[str, tuple[int, int]] = {}
    for i, unit in enumerate(units):
        yield Progress(i, len(units) + 1, unit.name)
        commune = building / f"{unit.code}-{YEAR}.fsdb"
        yield from create_demo(commune, households, seed=200 + i, commune_code=unit.code, year=YEAR, villages=4)
        svc.init_workspace(commune, f"giam-sat-{unit.code}", "supervisor", device=f"dev-demo-{unit.code}")
        svc.trust(commune, province_key, svc.spoken_fingerprint(svc.read_key(province_key)))
        key = building / f"{unit.code}.fskey"
        svc.export_key(commune, key)
        province.trust_commune(target, key, svc.spoken_fingerprint(svc.read_key(key)))
        last[unit.code] = _last_year(commune, random.Random(200 + i))
        yield from province.export_result(commune, results)
    yield Progress(len(units), len(units) + 1, "")
    yield from province.import_results(target, [results])
    for r in province.tables(target).communes:   # last year's figures, as last year's report would give them
        poor, near = last[r.code]
        province.type_last_year(target, r.code, YEAR - 1, r.residents, poor, near, "demo")
    if folder.exists():
        shutil.rmtree(folder)
    building.rename(folder)
    yield Progress(len(units) + 1, len(units) + 1, "")
    return path


def _last_year(commune: Path, rng: random.Random) -> tuple[int, int]:
    """Give the commune's households last year's class (drawn from their class now, `LAST_YEAR`), approve its
    finished households but a few; returns last year's poor and near-poor households."""
    counts = {"poor": 0, "near_poor": 0}
    with opened(commune) as ws:
        classes = {r.uuid: r.household_class for r in household_rows(ws)}
        for uuid, text in list(ws.iter_documents()):
            choices = LAST_YEAR.get(classes.get(uuid) or "", LAST_YEAR["not_poor"])
            was = rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
            if was is None:
                continue
            doc = json.loads(text)
            state = ws.household_state(uuid)
            doc["previous"] = {"uuid": str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, uuid)), "year": YEAR - 1,
                               "class": was, "status": HouseholdStatus.APPROVED.value,
                               "earlier": [{"year": YEAR - 2, "class": "poor",
                                            "status": HouseholdStatus.APPROVED.value}]
                               if was in ("not_poor", "average") and rng.random() < 0.2 else []}
            ws.save_household(doc, status=state.status, owner=state.owner)
            counts[was] = counts.get(was, 0) + 1
        finished = [r.uuid for r in household_rows(ws) if r.status == HouseholdStatus.COMPLETE]
        review.decide(ws, finished[3:], "approve")   # a few still waiting for the supervisor
    return counts["poor"], counts["near_poor"]
