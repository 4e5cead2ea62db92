"""Property: whatever a commune's review holds — households edited after approval, merged, moved away, left as
drafts, returned and fixed or confirmed, not classifiable — every output says the same numbers: the dashboard's
widgets, `fieldsurvey movement --json`, the Excel workbook, the summary PDF (read back with pypdf), the
certificates, and the list of households; and they equal a truth computed from the documents alone
(tests/simulation.py `truth`, which calls `assess`, never the count)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from fieldsurvey.cli import main
from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import printing
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from tests import simulation as sim
from tests.builders import adult, child, household_doc

VILLAGES = ["Thôn Nà Đình", "Bản Khuổi Củng", "Thôn Phiêng Luông"]
INFO = WorkspaceInfo("08", "Tuyên Quang", "02266", "Xã Lâm Bình", "rural", 2026, "annual", "vn-2022-2025")
ANSWERS = {   # answers giving each class on the rural line of 2022–2025 (1.5 million đ a person a month)
    "poor": dict(per_person=1_000_000, water_source="unprotected", latrine="none", floor_area=10, info_devices=[]),
    "near_poor": dict(per_person=1_000_000),
    "average": dict(per_person=1_800_000, livelihood_agriculture="yes"),
    "not_poor": dict(per_person=5_000_000),
    "incomplete": dict(per_person=None),          # no income answered: the class cannot be decided
}
CLASSES = list(ANSWERS)
FATES = ["draft", "complete", "approved", "returned", "confirmed", "moved_away", "merged", "edited", "came_back"]

household = st.fixed_dictionaries({
    "village": st.integers(0, len(VILLAGES) - 1),
    "cls": st.sampled_from(CLASSES),
    "edit_to": st.sampled_from(CLASSES),               # the class after an edit (fate "edited")
    "previous": st.sampled_from([None, "poor", "near_poor", "average", "not_poor"]),
    "earlier": st.sampled_from([None, "poor", "near_poor", "not_poor"]),
    "fate": st.sampled_from(FATES),
    "members": st.integers(1, 4),
})
commune = st.fixed_dictionaries({
    "households": st.lists(household, min_size=1, max_size=14),
    "extra_residents": st.lists(st.integers(1, 40), min_size=len(VILLAGES), max_size=len(VILLAGES)),
})


def document(i: int, h: dict, cls: str) -> dict:
    head = f"Hoàng Thị Ngọc Ánh {i}"
    members = [adult(44, "female", relationship="head", name=head, ethnicity="Tày")]
    members += [child(9, name=f"Lục Văn Đức {i}.{k}") for k in range(h["members"] - 1)]
    doc = household_doc(members, **ANSWERS[cls])
    doc["uuid"] = f"{i:08d}-0000-4000-8000-{i:012d}"
    doc["location"]["village"] = VILLAGES[h["village"]]
    if h["previous"]:
        doc["previous"] = {"uuid": doc["uuid"], "year": 2025, "class": h["previous"], "status": "approved"}
        if h["earlier"]:
            doc["previous"]["earlier"] = [{"year": 2024, "class": h["earlier"], "status": "approved"}]
    return doc


def build(path: Path, plan: dict) -> None:
    """The workspace as the supervisor's would be: each household through the same store the questionnaire and
    the review use, then the supervisor's decision, in the lifecycle's order."""
    with Workspace.create(path, INFO, VILLAGES) as ws:
        ws.backups = False
        ws.set_identity(device="dev-sup", user="can-bo-xa")
        listed = Counter(VILLAGES[h["village"]] for h in plan["households"])
        for v, extra in zip(VILLAGES, plan["extra_residents"]):
            # every head here is Tày: the minority households are those listed and some of the others
            ws.set_residents(v, listed[v] + extra, "2026-09-01", "Sổ hộ khẩu", minority=listed[v] + extra // 2 + 1)
        for i, h in enumerate(plan["households"], 1):
            doc = document(i, h, h["cls"])
            fate = h["fate"]
            ws.save_household(doc, status="draft" if fate == "draft" else "complete", owner="enumerator-1")
            uuid = doc["uuid"]
            if fate in ("approved", "edited"):
                ws.change_status(uuid, Action.APPROVE)
            if fate == "edited":      # corrected after approval, with the reason the lifecycle asks for
                ws.update_household(document(i, h, h["edit_to"]), reason="Hộ khai lại thu nhập")
            if fate in ("returned", "confirmed"):
                ws.change_status(uuid, Action.RETURN, reason="Kiểm tra lại thu nhập")
            if fate == "confirmed":
                ws.change_status(uuid, Action.CONFIRM, reason="Đã kiểm tra, không thay đổi")
            if fate in ("moved_away", "came_back"):
                ws.change_status(uuid, Action.MOVE_AWAY, reason="Chuyển đi nơi khác")
            if fate == "came_back":
                ws.change_status(uuid, Action.COME_BACK, reason="Đã quay về")
            if fate == "merged":
                ws.change_status(uuid, Action.MERGE, reason="Trùng với hộ khác")


# --- every output, read back as numbers ---------------------------------------------------------------------------

ROW = ("residents", "poor", "near_poor", "average", "not_poor", "unclassified")


def from_truth(t: sim.Truth) -> dict[str, tuple]:
    units = [*t.villages.items(), ("Toàn xã", t.commune)]
    return {name: (u.residents, u.classes["poor"], u.classes["near_poor"], u.classes["average"],
                   u.classes["not_poor"], u.unclassified) for name, u in units}


def from_dashboard(path: Path, official: bool) -> dict[str, tuple]:
    from fieldsurvey.gui.controllers import WorkspaceController
    from fieldsurvey.gui.dashboard_view import DashboardView
    from fieldsurvey.gui.texts import language

    language.set("vi")
    controller = WorkspaceController()
    controller.open(path)
    try:
        view = DashboardView(controller)
        view.set_official(official)
        view.load(wait=True)
        table = view.villages
        out = {}
        for r in range(table.rowCount()):
            def cell(key: str) -> int:
                return int(table.item(r, view.village_column(key)).text().replace(".", ""))
            poor, near, average, not_poor = (cell(k) for k in ("poor", "near_poor", "average", "not_poor"))
            listed, in_progress, waiting = cell("listed"), cell("in_progress"), \
                cell("waiting") if official else 0
            # the dashboard shows what is listed and being filled; what is neither counted nor waiting nor being
            # filled is what cannot be classified yet
            unclassified = listed - in_progress - waiting - poor - near - average - not_poor
            out[table.item(r, 0).text()] = (cell("residents"), poor, near, average, not_poor, unclassified)
        view.deleteLater()
        return out
    finally:
        controller.close()


def from_workbook(path: Path) -> tuple[dict[str, tuple], dict[str, dict[str, list]]]:
    wb = openpyxl.load_workbook(path)
    rows = {}
    for r in wb["1 Kết quả theo thôn"].iter_rows(min_row=6, values_only=True):
        if r[0] is not None:
            rows[r[0] if r[0] == "Toàn xã" else r[1]] = (r[2], r[4], r[8], r[13], r[14], r[15])
    moves = {}
    for cls, sheet in (("poor", "2a Biến động hộ nghèo"), ("near_poor", "2b Biến động hộ cận nghèo")):
        moves[cls] = {(r[0] if r[0] == "Toàn xã" else r[1]): list(r[2:])
                      for r in wb[sheet].iter_rows(min_row=6, values_only=True) if r[0] is not None}
    return rows, moves


def from_pdf(path: Path, names: list[str]) -> dict[str, tuple]:
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(path)).pages)
    start = text.index("Biểu 1.")
    out = {}
    for name in names:
        found = re.search(re.escape(name) + r"((?: [\d,]+)+)", text[start:])
        n = found.group(1).split()
        # residents, of them minority; poor, its rate, minority poor, its rate; near-poor, the same four; the
        # multidimensional rate; average; not poor; not enough information
        out[name] = (int(n[0]), int(n[2]), int(n[6]), int(n[11]), int(n[12]), int(n[13]))
    return out


def certificates(path: Path) -> int:
    return sum("GIẤY CHỨNG NHẬN" in (p.extract_text() or "") for p in PdfReader(str(path)).pages)


# Each example builds a workspace and prints up to six documents (≈ 2 s): few examples, and no shrinking (a failing
# plan of at most 14 households reads well as it is).
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=commune)
def test_every_output_says_the_same_numbers(plan, tmp_path_factory, qapp):
    root = tmp_path_factory.mktemp("same")
    path = root / "commune.fsdb"
    build(path, plan)
    for official in (False, True):
        truth = sim.truth(path, official)
        want = from_truth(truth)
        assert from_dashboard(path, official) == want, ("dashboard", official)
        result = CliRunner().invoke(main, ["movement", str(path), "--json"] + (["--official"] if official else []))
        assert result.exit_code == 0, result.output
        moved = json.loads(result.output)
        assert moved["households"] == truth.words
        for cls in ("poor", "near_poor"):
            assert moved["commune"][cls] == {c: truth.movement[cls][""].get(c, 0) for c in sim.MOVES}
        if official and not truth.classes:
            continue     # no approved household counted in a class: no official copy (refused, tests/reports)
        book = root / f"summary-{official}.xlsx"
        run_to_end(printing.export_xlsx(path, book, official=official))
        rows, moves = from_workbook(book)
        assert rows == want, ("workbook", official)
        for cls in ("poor", "near_poor"):
            assert moves[cls]["Toàn xã"] == [truth.movement[cls][""].get(c, 0) for c in sim.MOVES]
            for v in VILLAGES:
                assert moves[cls][v] == [truth.movement[cls].get(v, {}).get(c, 0) for c in sim.MOVES], (cls, v)
        pdf = root / f"summary-{official}.pdf"
        run_to_end(printing.print_summary(path, pdf, official=official))
        assert from_pdf(pdf, [*VILLAGES, "Toàn xã"]) == want, ("pdf", official)
        if truth.commune.classes["poor"] + truth.commune.classes["near_poor"]:
            certs = root / f"certificates-{official}.pdf"
            run_to_end(printing.print_certificates(path, certs, official=official))
            assert certificates(certs) == truth.commune.classes["poor"] + truth.commune.classes["near_poor"]
    listed = json.loads(CliRunner().invoke(main, ["households", "list", str(path), "--json"]).output)
    stored = {r["uuid"]: r["household_class"] for r in listed}
    assert all(stored[u] == c for u, c in sim.truth(path).classes.items())
