"""A province workspace for the pictures of the province's view (docs/gui.md): ten synthetic communes of Tỉnh Thái
Nguyên (each a supervisor's workspace of 200 households, last year's class on a third of them so households moved,
most approved), their results exported and imported (one commune's sent twice: it changed), the deadline 2026-12-20,
and last year's figures of each commune typed in. The province file is plain (synthetic data).

    python docs/province_picture.py DIR     # then: fieldsurvey gui --db DIR/tinh-2026.fsprov --view province …
"""

from __future__ import annotations

import json
import sys
import uuid as uuidlib
from datetime import date
from pathlib import Path

from fieldsurvey.domain import refdata
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import province, review
from fieldsurvey.services import sync as svc
from fieldsurvey.services.households import rows as household_rows
from fieldsurvey.services.workspaces import create_demo, opened
from fieldsurvey.sync.keys import Identity, public_key_text

PROVINCE = "19"    # Tỉnh Thái Nguyên
COMMUNES = 10
HOUSEHOLDS = 200
LAST_CLASSES = ("poor", "near_poor", "not_poor", "poor", "near_poor", "average")


def commune(folder: Path, unit, seed: int, province_key: Path) -> tuple[Path, Path]:
    path = folder / f"{unit.code}-2026.fsdb"
    run_to_end(create_demo(path, households=HOUSEHOLDS, seed=seed, commune_code=unit.code, year=2026, villages=4))
    svc.init_workspace(path, f"sup{unit.code}", "supervisor", device=f"dev-{unit.code}")
    svc.trust(path, province_key, svc.spoken_fingerprint(svc.read_key(province_key)))
    key = folder / f"{unit.code}.fskey"
    svc.export_key(path, key)
    with opened(path) as ws:
        for k, (uuid, text) in enumerate(list(ws.iter_documents())[:HOUSEHOLDS // 3]):
            doc = json.loads(text)   # last year's class, and for some an earlier year poor (they had escaped)
            state = ws.household_state(uuid)
            doc["previous"] = {"uuid": str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, uuid)), "year": 2025,
                               "class": LAST_CLASSES[k % len(LAST_CLASSES)], "status": "approved",
                               "earlier": [{"year": 2024, "class": "poor", "status": "approved"}] if k % 3 else []}
            ws.save_household(doc, status=state.status, owner=state.owner)
        complete = [r.uuid for r in household_rows(ws) if r.status == "complete"]
        review.decide(ws, complete[3:], "approve")
    return path, key


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    keys = folder / "tinh-2026.fsprov.keys"
    target = folder / "tinh-2026.fsprov"
    Identity.generate("so-nnmt", "province", PROVINCE, "dev-province").save(keys)
    province_key = folder / "tinh.fskey"
    province_key.write_text(public_key_text(Identity.load(keys).public), encoding="utf-8")
    province.create_province(target, PROVINCE, 2026)
    province.set_deadline(target, date(2026, 12, 20))
    units = next(p for p in refdata.provinces() if p.code == PROVINCE).communes
    for name in ("results", "resent"):
        (folder / name).mkdir(exist_ok=True)
    made = []
    for i, unit in enumerate(units[:COMMUNES]):
        path, key = commune(folder, unit, 300 + i, province_key)
        province.trust_commune(target, key, svc.spoken_fingerprint(svc.read_key(key)))
        made.append(path)
        run_to_end(province.export_result(path, folder / "results"))
    run_to_end(province.import_results(target, [folder / "results"]))
    with opened(made[1]) as ws:   # the second commune approves two more households and sends its result again
        more = [r.uuid for r in household_rows(ws) if r.status == "complete"][:2]
        review.decide(ws, more, "approve")
    run_to_end(province.import_results(target, [run_to_end(province.export_result(made[1], folder / "resent")).path]))
    for i, r in enumerate(province.tables(target).communes):   # last year's figures, typed in from last year's report
        province.type_last_year(target, r.code, 2025, r.residents, r.poor + 3 - i % 4, r.near_poor + 2 - i % 3,
                                "Báo cáo năm 2025")
    print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/fs-shots/province"))
