"""Movement tables on a real carry-forward: last year's workspace carried into this year's with
`fieldsurvey.services.workspaces.carry_forward`, households changed, one moved away; the summary's movement tables
(PDF and Excel) must agree with the storage area's own movement of the same workspace."""

from __future__ import annotations

import re

import openpyxl

from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.progress import run_to_end
from fieldsurvey.services.printing import export_xlsx, print_lists
from fieldsurvey.services.figures import movement
from fieldsurvey.services.workspaces import carry_forward
from fieldsurvey.services.workspaces import classify_all
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from tests.builders import household_doc
from tests.reports.conftest import NEAR, NOT_POOR, POOR, VILLAGES, _doc, flat, pdf_pages

ANSWERS = {"poor": POOR, "near_poor": NEAR, "not_poor": NOT_POOR}
LAST = [(0, "poor"), (0, "poor"), (0, "near_poor"), (0, "not_poor"), (1, "poor"), (1, "near_poor"),
        (1, "not_poor"), (1, "not_poor"), (2, "poor"), (2, "near_poor"), (2, "not_poor")]
NOW = {0: "poor", 1: "not_poor", 2: "poor", 3: "near_poor", 4: "near_poor", 5: "near_poor", 6: "poor",
       7: "not_poor", 8: None, 9: "not_poor", 10: "not_poor"}          # None: moved away


def test_movement_after_a_real_carry_forward(tmp_path):
    old_info = WorkspaceInfo("08", "Tuyên Quang", "02266", "Xã Lâm Bình", "rural", 2025, "annual", "vn-2022-2025")
    old = tmp_path / "2025.fsdb"
    with Workspace.create(old, old_info, VILLAGES) as ws:
        ws.backups = False
        for i, (v, cls) in enumerate(LAST, 1):
            doc, _ = _doc(i, VILLAGES[v], cls, None)
            doc["review"]["year"] = 2025
            doc["interview_date"] = "2025-10-01"
            ws.save_household(doc, status="approved", owner="enumerator-1")
        run_to_end(classify_all(ws))
        assert ws.counts_by_class() == {"poor": 4, "near_poor": 3, "not_poor": 4}
    new = tmp_path / "2026.fsdb"
    run_to_end(carry_forward(old, new, 2026))
    with Workspace.open(new) as ws:
        ws.backups = False
        carried = sorted((json_doc(ws, u) for u, _ in ws.iter_documents()), key=lambda d: d["previous"]["uuid"])
        for k, doc in enumerate(carried):
            if NOW[k] is None:
                ws.change_status(doc["uuid"], Action.MOVE_AWAY, reason="moved to Hà Giang")
                continue
            members = doc["members"]
            doc["household"] = household_doc(members, **ANSWERS[NOW[k]])["household"]
            doc["interview_date"] = "2026-10-01"
            ws.save_form(doc, complete=True)
        for i, (v, cls) in enumerate([(0, "poor"), (2, "near_poor"), (1, "not_poor")], 50):   # new to the books
            doc, _ = _doc(i, VILLAGES[v], cls, None)
            ws.save_household(doc, status="complete")
        run_to_end(classify_all(ws))
        fig = run_to_end(movement(ws))
        expected = {cls: [m.row() for m in fig.movement[cls]] for cls in (HouseholdClass.POOR,
                                                                           HouseholdClass.NEAR_POOR)}

    xlsx = tmp_path / "summary.xlsx"
    run_to_end(export_xlsx(new, xlsx))
    wb = openpyxl.load_workbook(xlsx)
    for cls, sheet in ((HouseholdClass.POOR, "2a Biến động hộ nghèo"),
                       (HouseholdClass.NEAR_POOR, "2b Biến động hộ cận nghèo")):
        ws = wb[sheet]
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6) if row[0].value is not None]
        assert [row[2:] for row in rows] == expected[cls], cls
    total_poor = dict(zip(("start", "remained", "to_other", "escaped", "unclassified", "moved_away", "from_other",
                           "fell_back", "new", "end"), expected[HouseholdClass.POOR][-1]))
    # last year poor: 1 stays, 2 escapes, 5 becomes near-poor, 9 moves away; this year poor: 1, 3 (was near-poor),
    # 7 (not poor last year and never poor before on record: new), and 50 (not on last year's books: new)
    assert total_poor == {"start": 4, "remained": 1, "to_other": 1, "escaped": 1, "unclassified": 0,
                          "moved_away": 1, "from_other": 1, "fell_back": 0, "new": 2, "end": 4}

    # the first village's posting list, grouped by what happened to each household: one remained poor, one escaped
    # (poor → not poor), one near-poor became poor, one new near-poor (not poor last year), one not on last year's
    # books (new poor)
    lists = tmp_path / "lists.pdf"
    run_to_end(print_lists(new, lists, village=VILLAGES[0]))
    text = flat(" ".join(pdf_pages(lists)))
    posting = text[text.index("DANH SÁCH NIÊM YẾT"):]
    for group in ("Hộ nghèo mới (phát sinh hoặc tái nghèo)", "Hộ cận nghèo mới (phát sinh hoặc tái cận nghèo)",
                  "Hộ cận nghèo trở thành hộ nghèo", "Hộ thoát nghèo", "Hộ nghèo tiếp tục là hộ nghèo"):
        at = posting.index(group + " ")
        assert re.match(r" \d+ [^()]*? Cộng: 1 hộ", posting[at + len(group):]), (group, posting[at:at + 200])
    assert "Tổng cộng: 5 hộ" in posting


def json_doc(ws: Workspace, uuid: str) -> dict:
    return ws.get_household(uuid)
