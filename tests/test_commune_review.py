"""The whole review of a commune, end to end (tests/simulation.py): enumerators' households typed through the
questionnaire's service, handed in through every fault of the field, merged, returned, fixed, confirmed, moved away,
approved — and every figure the commune signs, on every screen and page, equal to the truth worked out straight
from the final documents, household by household and in total."""

from __future__ import annotations

import json
from collections import Counter
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from fieldsurvey.cli import main
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import figures, printing
from fieldsurvey.services.workspaces import opened
from tests import simulation as sim


@pytest.fixture(scope="module")
def commune(tmp_path_factory) -> sim.Review:
    return sim.run(tmp_path_factory.mktemp("review"), seed=7, enumerators=3, carried=24, new_each=6)


@pytest.fixture(scope="module")
def truth(commune) -> sim.Truth:
    return sim.truth(commune.sup)


def _figures(commune, official=False, details=False):
    with opened(commune.sup, read_only=True) as ws:
        return run_to_end(figures.commune_figures(ws, figures.Scope.OFFICIAL if official else figures.Scope.WORKING,
                                                  details))


def test_the_field_s_faults_all_happened(commune):
    assert set(commune.events) >= {"killed_export", "repeated", "truncated", "killed_import", "stale", "merged",
                                   "returned_fixed", "returned_confirmed", "moved_away"}


@pytest.mark.parametrize("official", [False, True], ids=["working", "official"])
def test_the_count_equals_the_truth_household_by_household_and_in_total(commune, official):
    want = sim.truth(commune.sup, official)
    fig = _figures(commune, official, details=True)
    assert {u: str(c) for u, c in fig.classes_by_household.items()} == want.classes
    for unit in fig.villages + [fig.commune]:
        t = want.commune if unit is fig.commune else want.villages[unit.name]
        assert (unit.residents, unit.listed, unit.in_progress, unit.unclassified, unit.waiting, unit.moved_away) == \
            (t.residents, t.listed, t.in_progress, t.unclassified, t.waiting, t.moved_away), unit.name
        assert {str(k): v for k, v in unit.classes.items() if v} == dict(t.classes), unit.name
        assert unit.poverty_rate == pytest.approx(100 * t.classes["poor"] / t.residents)
        # the same row for the households whose head is of an ethnic minority, over their own resident households
        mine = fig.minority_commune if unit is fig.commune else fig.minority[unit.name]
        assert mine.residents == t.minority_residents == (sum(commune.minority.values()) if unit is fig.commune
                                                          else commune.minority[unit.name]), unit.name
        assert {str(k): v for k, v in mine.classes.items() if v} == dict(t.minority_classes), unit.name
        assert mine.poverty_rate == pytest.approx(100 * t.minority_classes["poor"] / t.minority_residents)
    assert fig.minority_missing == [] and 0 < sum(want.commune.minority_classes.values()) < len(want.classes)
    for cls in figures.POOR_CLASSES:
        moves = fig.movement[cls]
        for m, name in zip(moves, [u.name for u in fig.villages] + [""]):
            assert dict(zip(sim.MOVES, m.row())) == {c: want.movement[cls.value].get(name, {}).get(c, 0)
                                                     for c in sim.MOVES}, (cls, name)
    if official:   # the few households left waiting are apart, never in a class
        assert fig.commune.waiting >= 3


@pytest.mark.parametrize("official", [False, True], ids=["working", "official"])
def test_the_dashboard_shows_the_truth(commune, official, qtbot):
    """Read from the dashboard's own widgets, as the supervisor sees them, in both figures."""
    from fieldsurvey.gui.controllers import WorkspaceController
    from fieldsurvey.gui.dashboard_view import DashboardView
    from fieldsurvey.gui.texts import language

    language.set("vi")
    want = sim.truth(commune.sup, official)
    controller = WorkspaceController()
    controller.open(commune.sup)
    try:
        view = DashboardView(controller)
        qtbot.addWidget(view)
        view.set_official(official)
        view.load(wait=True)
        table = view.villages
        rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}

        def cell(name: str, key: str) -> str:
            return table.item(rows[name], view.village_column(key)).text()

        for name, t in [*want.villages.items(), ("Toàn xã", want.commune)]:
            assert cell(name, "poor") == str(t.classes["poor"]), name
            assert cell(name, "near_poor") == str(t.classes["near_poor"]), name
            assert cell(name, "average") == str(t.classes["average"]), name
            assert cell(name, "not_poor") == str(t.classes["not_poor"]), name
            assert cell(name, "listed") == str(t.listed), name
            assert cell(name, "in_progress") == str(t.in_progress), name
            assert cell(name, "residents") == str(t.residents), name
            if official:
                assert cell(name, "waiting") == str(t.waiting), name
            rate = 100 * t.classes["poor"] / t.residents
            assert cell(name, "poverty_rate") == f"{rate:.1f} %".replace(".", ","), name
    finally:
        controller.close()


def test_movement_on_the_command_line_is_the_truth(commune, truth):
    out = CliRunner().invoke(main, ["movement", str(commune.sup), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["previous_year"] == 2025
    for cls in ("poor", "near_poor"):
        assert data["commune"][cls] == {c: truth.movement[cls][""].get(c, 0) for c in sim.MOVES}
        for village, cols in data["villages"].items():
            assert cols[cls] == {c: truth.movement[cls].get(village, {}).get(c, 0) for c in sim.MOVES}
    # household by household: what happened to each, in the count's word, is the truth's
    assert data["households"] == truth.words


def test_each_household_is_where_the_truth_puts_it(commune, truth, tmp_path):
    """Household by household: the list's stored class, and the Excel workbook's lists of poor and near-poor
    households, say what the truth says of each household counted."""
    out = CliRunner().invoke(main, ["households", "list", str(commune.sup), "--json"])
    assert out.exit_code == 0, out.output
    listed = {r["uuid"]: r for r in json.loads(out.output)}
    for uuid, cls in truth.classes.items():
        assert listed[uuid]["household_class"] == cls, uuid
    book = tmp_path / "summary.xlsx"
    run_to_end(printing.export_xlsx(commune.sup, book))
    wb = openpyxl.load_workbook(book)
    for cls, sheet in (("poor", "5a DS hộ nghèo"), ("near_poor", "5b DS hộ cận nghèo")):
        heads = Counter(r[1] for r in wb[sheet].iter_rows(min_row=5, values_only=True) if isinstance(r[0], int))
        assert heads == Counter(truth.heads[u] for u, c in truth.classes.items() if c == cls), cls


# The results table in the state's layout (resources/templates/bao-cao-ket-qua-ra-soat.toml): after TT and the
# village, resident households and of them the ethnic-minority ones, poor (number, rate, minority, rate among the
# minority households), near-poor (the same), the multidimensional rate, average, not poor, not enough information,
# low-income workers.
RESULT_COLUMNS = {"residents": 2, "minority_residents": 3, "poor": 4, "poor_rate": 5, "poor_minority": 6,
                  "poor_minority_rate": 7, "near_poor": 8, "near_poor_rate": 9, "near_poor_minority": 10,
                  "near_poor_minority_rate": 11, "md_rate": 12, "average": 13, "not_poor": 14, "unclassified": 15}


def expected_results(t: sim.Unit) -> dict[str, object]:
    poor, near = t.classes["poor"], t.classes["near_poor"]
    m, m_poor, m_near = t.minority_residents, t.minority_classes["poor"], t.minority_classes["near_poor"]
    return {"residents": t.residents, "minority_residents": m, "poor": poor,
            "poor_rate": round(100 * poor / t.residents, 2), "poor_minority": m_poor,
            "poor_minority_rate": round(100 * m_poor / m, 2), "near_poor": near,
            "near_poor_rate": round(100 * near / t.residents, 2), "near_poor_minority": m_near,
            "near_poor_minority_rate": round(100 * m_near / m, 2),
            "md_rate": round(100 * (poor + near) / t.residents, 2), "average": t.classes["average"],
            "not_poor": t.classes["not_poor"], "unclassified": t.unclassified}


def _results(path: Path) -> dict[str, tuple]:
    wb = openpyxl.load_workbook(path)
    sheet = wb["1 Kết quả theo thôn"]
    assert [sheet.cell(5, c + 1).value for c in (2, 3, 4, 5, 6, 7)] == ["Số hộ", "Trong đó hộ DTTS", "Số hộ",
                                                                       "Tỷ lệ (%)", "Hộ DTTS",
                                                                       "Tỷ lệ trong hộ DTTS (%)"]
    return {(r[0] if r[0] == "Toàn xã" else r[1]): r for r in sheet.iter_rows(min_row=6, values_only=True) if r[0]}


def test_the_excel_workbook_is_the_truth(commune, truth, tmp_path):
    out = tmp_path / "summary.xlsx"
    run_to_end(printing.export_xlsx(commune.sup, out))
    wb = openpyxl.load_workbook(out)
    rows = _results(out)
    for name, t in [*truth.villages.items(), ("Toàn xã", truth.commune)]:
        got = {k: rows[name][c] for k, c in RESULT_COLUMNS.items()}
        assert got == expected_results(t), name
    for cls, name in (("poor", "2a Biến động hộ nghèo"), ("near_poor", "2b Biến động hộ cận nghèo")):
        total = [r for r in wb[name].iter_rows(min_row=6, values_only=True) if r[0] == "Toàn xã"][0]
        assert list(total[2:]) == [truth.movement[cls][""].get(c, 0) for c in sim.MOVES]


def test_the_printed_summary_is_the_truth(commune, truth, tmp_path):
    out = tmp_path / "summary.pdf"
    run_to_end(printing.print_summary(commune.sup, out))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(out)).pages)

    def shown(v: object) -> str:
        return f"{v:.2f}".replace(".", ",") if isinstance(v, float) else str(v)

    for name, t in [*truth.villages.items(), ("Toàn xã", truth.commune)]:
        # the results row as printed: residents, of them minority; poor, its rate, minority poor, their rate; …
        want = expected_results(t)
        row = text[text.index(name + " " + str(t.residents)):]
        numbers = row.split(" ")[len(name.split(" ")):][:15]
        # the low-income workers are checked in tests/reports/test_summary.py
        order = ("residents", "minority_residents", "poor", "poor_rate", "poor_minority", "poor_minority_rate",
                 "near_poor", "near_poor_rate", "near_poor_minority", "near_poor_minority_rate", "md_rate", "average",
                 "not_poor", "unclassified", None)
        assert [n for n, k in zip(numbers, order) if k] == [shown(want[k]) for k in order if k], (name, numbers)
    assert "Chưa nhập số hộ" not in text            # every village's numbers entered: no note about them
    # what is not counted yet is said under the table (a draft)
    c = truth.commune
    assert f"Chưa được tính vào loại hộ nào: {c.in_progress} hộ đang nhập hoặc đã trả lại điều tra viên; " \
           f"{c.unclassified} hộ đã nhập xong nhưng chưa đủ thông tin để xếp loại." in text
    for cls, title in (("poor", "Biểu 2a"), ("near_poor", "Biểu 2b")):
        part = text[text.index(title):]
        total = " ".join(str(truth.movement[cls][""].get(c, 0)) for c in sim.MOVES)
        assert f"Toàn xã {total}" in part[:3000], (cls, total)


def test_the_official_workbook_is_the_official_truth(commune, tmp_path):
    """The signed figures: approved households only, over the resident and the ethnic-minority resident households
    the supervisor entered (the official report needs both)."""
    want = sim.truth(commune.sup, official=True)
    out = tmp_path / "official.xlsx"
    run_to_end(printing.export_xlsx(commune.sup, out, official=True))
    rows = _results(out)
    for name, t in [*want.villages.items(), ("Toàn xã", want.commune)]:
        assert {k: rows[name][c] for k, c in RESULT_COLUMNS.items()} == expected_results(t), name


def test_certificates_go_to_the_counted_poor_and_near_poor_only(commune, truth, tmp_path):
    out = tmp_path / "certificates.pdf"
    run_to_end(printing.print_certificates(commune.sup, out))
    texts = [(p.extract_text() or "") for p in PdfReader(str(out)).pages]
    # one certificate (Mẫu 03, its pages) per household the count holds poor or near-poor, none for another
    firsts = [t for t in texts if "GIẤY CHỨNG NHẬN" in t]
    assert len(firsts) == truth.commune.classes["poor"] + truth.commune.classes["near_poor"]
    merged = [b for _, b in commune.duplicates]
    with opened(commune.sup, read_only=True) as ws:
        for uuid in merged:
            head = next(m["name"] for m in ws.get_household(uuid)["members"] if m.get("relationship") == "head")
            # the family is certified once at most, under the household that stayed
            assert sum(head in t for t in texts) <= 1


def test_after_a_rename_and_a_merge_the_workbook_is_the_truth_under_the_villages_names_now(commune, truth, tmp_path):
    """The supervisor renames a village and merges another into it (services/villages.py): the workbook's rows are
    the truth worked out before, under the names now — the merged row the two villages' households and resident
    households added up — and every household's document names its village now."""
    from fieldsurvey.services import villages

    copy = tmp_path / "commune.fsdb"
    copy.write_bytes(Path(commune.sup).read_bytes())
    a, b, *rest = truth.villages
    with opened(copy) as ws:
        villages.rename_village(ws, a, "Thôn Nà Đình")
        villages.merge_villages(ws, b, "Thôn Nà Đình")
    after = sim.truth(copy)   # from the documents as they are now
    assert list(after.villages) == ["Thôn Nà Đình", *rest]
    ta, tb, merged = truth.villages[a], truth.villages[b], after.villages["Thôn Nà Đình"]
    assert merged.residents == ta.residents + tb.residents
    assert merged.minority_residents == ta.minority_residents + tb.minority_residents
    assert merged.classes == ta.classes + tb.classes and merged.listed == ta.listed + tb.listed
    for name in rest:
        assert after.villages[name] == truth.villages[name]
    out = tmp_path / "summary.xlsx"
    run_to_end(printing.export_xlsx(copy, out))
    rows = _results(out)
    assert a not in rows and b not in rows
    for name, t in [*after.villages.items(), ("Toàn xã", after.commune)]:
        assert {k: rows[name][c] for k, c in RESULT_COLUMNS.items()} == expected_results(t), name
    assert {k: rows["Toàn xã"][c] for k, c in RESULT_COLUMNS.items()} == expected_results(truth.commune)
