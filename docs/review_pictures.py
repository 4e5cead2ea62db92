"""Two workspaces in the middle of a review, for the pictures of the Review view's tabs and the To-do view
(docs/gui.md): a supervisor (Trần Thị Mai) and her enumerator Hoàng Thị Hoa (login `enumerator-1`), keys exchanged;
the supervisor returned two of Hoa's households with a comment and sent the return bundle; Hoa changed a household
the supervisor changed too (a conflict), answered 2,000 m² of living area in another (held), and typed a household
twice (a likely duplicate); her hand-in imported by the supervisor.

    python docs/review_pictures.py DIR      # then: fieldsurvey gui --db DIR/supervisor.fsdb --view conflicts …
"""

from __future__ import annotations

import sys
import uuid as uuidlib
from pathlib import Path

from fieldsurvey.progress import run_to_end
from fieldsurvey.services import review, sync
from fieldsurvey.services.workspaces import create_demo, opened

SUPERVISOR, ENUMERATOR = ("giam-sat", "Trần Thị Mai"), ("enumerator-1", "Hoàng Thị Hoa")


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    sup, hoa, stick = folder / "supervisor.fsdb", folder / "hoa.fsdb", folder / "stick"
    stick.mkdir(exist_ok=True)
    run_to_end(create_demo(sup, 120, seed=7))
    sync.init_workspace(sup, SUPERVISOR[0], "supervisor")
    sync.init_workspace(hoa, ENUMERATOR[0], "enumerator", "02266", villages=8)
    with opened(sup) as ws:
        ws.set_meta("name", SUPERVISOR[1])
    with opened(hoa) as ws:   # what her starter package records: her name, and her supervisor's
        ws.set_meta("enumerator", ENUMERATOR[1])
        ws.set_meta("enumerator_id", ENUMERATOR[0])
        ws.set_meta("supervisor_name", SUPERVISOR[1])
    for me, other in ((sup, hoa), (hoa, sup)):   # keys exchanged, each fingerprint confirmed
        key = sync.export_key(other, folder / f"{other.stem}.fskey")
        sync.trust(me, folder / f"{other.stem}.fskey", sync.spoken_fingerprint(key))

    with opened(sup) as ws:   # two of Hoa's finished households returned, with what to fix
        mine = [r[0] for r in ws.db.execute("SELECT uuid FROM households WHERE owner = ? AND status = 'complete' "
                                            "ORDER BY village, head_name LIMIT 5", [ENUMERATOR[0]])]
        review.decide(ws, mine[:1], "return", "Thiếu diện tích nhà ở; hãy hỏi lại hộ và ghi rõ số m².")
        review.decide(ws, mine[1:2], "return", "Thu nhập từ lương chưa khớp với giấy xác nhận của xã.")
    back = sync.export_bundle(sup, stick, to=ENUMERATOR[0]).path
    run_to_end(sync.import_bundles(hoa, [back]))

    conflicted, roomy, twice = mine[2], mine[3], mine[4]
    with opened(sup) as ws:   # the supervisor corrects a household…
        _edit(ws, conflicted, lambda h: h.update(floor_area=36, water_source="drilled_well"))
    with opened(hoa) as ws:   # … Hoa changes it too; another gets 2,000 m²; one household typed a second time
        _edit(ws, conflicted, lambda h: h.update(floor_area=42, latrine="none"))
        _edit(ws, roomy, lambda h: h.update(floor_area=2000))
        copy = ws.get_household(twice)
        copy["uuid"] = str(uuidlib.uuid4())
        ws.save_household(copy, status="complete", owner=ENUMERATOR[0])
        row = ws.db.execute("SELECT status FROM households WHERE uuid = ?", [mine[0]]).fetchone()
        assert row[0] == "returned", row
    hand_in = sync.export_bundle(hoa, stick).path
    run_to_end(sync.import_bundles(sup, [hand_in]))


def _edit(ws, uuid: str, change) -> None:
    doc = ws.get_household(uuid)
    change(doc["household"])
    status, owner = ws.db.execute("SELECT status, owner FROM households WHERE uuid = ?", [uuid]).fetchone()
    ws.save_household(doc, status=status, owner=owner)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
