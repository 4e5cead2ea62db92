"""The commune summary (PDF) and the Excel export, read back and checked against the workspace."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import datetime

import openpyxl
import pytest

from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.document import parse_household
from fieldsurvey.progress import run_to_end
from fieldsurvey.services.assessment import registry, with_area
from fieldsurvey.services.printing import export_xlsx, print_summary
from fieldsurvey.storage.workspace import Workspace
from tests.reports.conftest import PRINTED_AT, VILLAGES, flat, fonts, pdf_pages

POORISH = ("poor", "near_poor")
MOVE_COLS = ("start", "remained", "to_other", "escaped", "unclassified", "moved_away", "from_other", "fell_back",
             "new", "end")


def movement(households, cls: str) -> Counter:
    """Start → end for one class, counted straight from what the fixture made."""
    other = "near_poor" if cls == "poor" else "poor"
    c: Counter = Counter()
    for h in households:
        if h.previous == cls:
            c["start"] += 1
            c["moved_away" if h.moved_away else "remained" if h.cls == cls else "to_other" if h.cls == other
              else "escaped"] += 1
        if not h.moved_away and h.cls == cls:
            c["new" if h.previous is None else "from_other" if h.previous == other
              else "fell_back" if h.previous != cls else "remained_end"] += 1
            c["end"] += 1
    return c


@pytest.fixture(scope="module")
def classified(commune):
    """Each present household's deprived indicator numbers, from the domain's classification of its document."""
    standard = registry().get("vn-2022-2025")
    out = {}
    with Workspace.open(commune.path) as ws:
        for uuid, text in ws.iter_documents():
            result = classify_household(with_area(parse_household(json.loads(text), trusted=True)), standard)
            out[uuid] = [i.number for i in result.indicators if i.status.value == "deprived"]
    return out


@pytest.fixture(scope="module")
def workbook(commune, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "summary.xlsx"
    sheets = run_to_end(export_xlsx(commune.path, out, printed_at=PRINTED_AT))
    wb = openpyxl.load_workbook(out)
    assert sheets == len(wb.sheetnames)
    return wb


def rows(ws, first_col: str | None = None) -> list[list]:
    out = []
    for row in ws.iter_rows(min_row=5, values_only=True):
        if row[0] is None:
            break
        out.append(list(row))
    return out


def test_workbook_has_a_sheet_per_table_with_context(workbook):
    assert workbook.sheetnames == [
        "Thông tin", "1 Kết quả theo thôn", "2a Biến động hộ nghèo", "2b Biến động hộ cận nghèo",
        "3a Thiếu hụt hộ nghèo", "3b Thiếu hụt hộ cận nghèo", "4a Nhóm đối tượng", "4b Dân tộc",
        "4c Nguyên nhân nghèo", "4d Trẻ em", "5a DS hộ nghèo", "5b DS hộ cận nghèo", "Phân tích Alkire–Foster"]
    info = workbook["Thông tin"]
    assert info["B3"].value == "Xã Lâm Bình" and info["B4"].value == "Tuyên Quang"
    assert info["B5"].value == "Rà soát định kỳ năm 2026"
    assert isinstance(info["B6"].value, datetime) and info["B6"].value == PRINTED_AT
    for ws in workbook.worksheets[1:]:
        assert ws["A2"].value == "Xã Lâm Bình, Tuyên Quang · Rà soát định kỳ năm 2026 · In lúc 08:30 ngày 20/11/2026"
        assert ws["A4"].font.bold and ws.freeze_panes in ("A5", "B5")
        for c, cell in enumerate(ws[4], 1):    # every column at least as wide as its data (capped at 60)
            letter = cell.column_letter
            longest = max((len(str(v)) for (v,) in ws.iter_rows(min_row=5, min_col=c, max_col=c, values_only=True)
                          if v is not None and not isinstance(v, datetime)), default=0)
            assert ws.column_dimensions[letter].width >= min(longest, 58), (ws.title, letter)


def test_results_by_village_are_numbers_that_match(commune, workbook):
    table = rows(workbook["1 Kết quả theo thôn"])
    assert [r[0] for r in table] == VILLAGES + ["Toàn xã"]
    for r, village in zip(table, VILLAGES + [None]):
        mine = [h for h in commune.present() if village is None or h.village == village]
        n = len(mine)
        count = Counter(h.cls for h in mine)
        assert r[1:8] == [n, n, count["poor"], count["near_poor"], count["average"], count["not_poor"], 0]
        assert all(type(v) is int for v in r[1:9])
        assert r[9] == round(100 * count["poor"] / n, 2) and isinstance(r[9], float)
        assert r[10] == round(100 * count["near_poor"] / n, 2)
        assert r[11] == round(100 * (count["poor"] + count["near_poor"]) / n, 2)
    ws = workbook["1 Kết quả theo thôn"]
    assert ws.cell(5, 10).number_format == "0.00"
    assert ws.cell(5 + len(VILLAGES), 1).font.bold       # the commune's total row


@pytest.mark.parametrize("cls,sheet", [("poor", "2a Biến động hộ nghèo"), ("near_poor", "2b Biến động hộ cận nghèo")])
def test_movement_tables(commune, workbook, cls, sheet):
    table = rows(workbook[sheet])
    assert [r[0] for r in table] == VILLAGES + ["Toàn xã"]
    for r, village in zip(table, VILLAGES + [None]):
        want = movement([h for h in commune.households if village is None or h.village == village], cls)
        assert r[1:] == [want[c] for c in MOVE_COLS], (village, cls)
    total = dict(zip(MOVE_COLS, table[-1][1:]))
    assert total["start"] > 0 and total["new"] > 0 and total["escaped"] > 0 and total["fell_back"] + \
        total["from_other"] > 0
    assert total["end"] == total["remained"] + total["from_other"] + total["fell_back"] + total["new"]
    if cls == "poor":
        assert total["moved_away"] == 1


@pytest.mark.parametrize("cls,sheet", [("poor", "3a Thiếu hụt hộ nghèo"), ("near_poor", "3b Thiếu hụt hộ cận nghèo")])
def test_deprivations_per_indicator_in_official_order(commune, classified, workbook, cls, sheet):
    ws = workbook[sheet]
    assert [c.value for c in ws[4]] == ["Thôn", "Số hộ"] + [str(n) for n in range(1, 13)]
    table = rows(ws)
    assert [r[0] for r in table] == VILLAGES + ["Toàn xã", "%"]
    for r, village in zip(table, VILLAGES + [None]):
        mine = [h for h in commune.of(cls) if village is None or h.village == village]
        counts = Counter(n for h in mine for n in classified[h.uuid])
        assert r[1:] == [len(mine)] + [counts[n] for n in range(1, 13)]
    n = len(commune.of(cls))
    assert table[-1][2:] == [round(100 * v / n, 2) for v in table[-2][2:]]
    assert any(table[-2][2:]) or cls == "near_poor"      # the near-poor here lack income only


def test_detailed_lists_hold_every_member(commune, workbook):
    for cls, sheet in (("poor", "5a DS hộ nghèo"), ("near_poor", "5b DS hộ cận nghèo")):
        table = rows(workbook[sheet])
        want = commune.of(cls)
        assert len({r[0] for r in table}) == len(want)
        assert sorted(r[7] for r in table) == sorted(m for h in want for m in h.members)
        assert {r[3] for r in table} == {h.head for h in want}
        assert all(isinstance(r[10], int) for r in table)        # year of birth, a number


def test_groups_and_analysis(commune, workbook):
    poor, near = commune.of("poor"), commune.of("near_poor")
    targets = {r[0]: r for r in rows(workbook["4a Nhóm đối tượng"])}
    row = targets["Hộ có chủ hộ là nữ"]
    assert row[1:] == [sum(h.female_head for h in poor), round(100 * sum(h.female_head for h in poor) / len(poor), 2),
                       sum(h.female_head for h in near), round(100 * sum(h.female_head for h in near) / len(near), 2)]
    minority = targets["Hộ dân tộc thiểu số (chủ hộ)"]
    assert minority[1] == sum(h.ethnicity != "Kinh" for h in poor) > 0
    assert minority[3] == sum(h.ethnicity != "Kinh" for h in near)
    causes = {r[0]: r for r in rows(workbook["4c Nguyên nhân nghèo"])}
    assert causes["Thiếu đất sản xuất"][1] == causes["Ốm đau, bệnh nặng"][1] == len(poor)   # the poor gave both
    assert causes["Thiếu đất sản xuất"][2] == 100.0 and causes["Thiếu vốn"][1] == 0
    children = {r[0]: r for r in rows(workbook["4d Trẻ em"])}
    assert children["Số trẻ em dưới 16 tuổi"][1] == len(poor) and children["Số trẻ em dưới 16 tuổi"][3] == len(near)
    assert children["Trẻ từ 3 tuổi không đi học"][1] == 0
    eth = rows(workbook["4b Dân tộc"])
    assert sum(r[1] for r in eth) == len(commune.of("poor")) and sum(r[3] for r in eth) == len(commune.of("near_poor"))
    assert {r[0]: r[1] for r in eth if r[1]} == dict(Counter(h.ethnicity for h in poor))
    af = rows(workbook["Phân tích Alkire–Foster"])
    assert [r[0] for r in af] == list(range(1, 13))
    assert all(isinstance(v, (int, float)) for r in af for v in r[2:])
    assert "M0" in workbook["Phân tích Alkire–Foster"]["A3"].value


def test_workbook_into_a_buffer_in_english(commune):
    buf = io.BytesIO()
    run_to_end(export_xlsx(commune.path, buf, lang="en", printed_at=PRINTED_AT))
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert "1 Results by village" in wb.sheetnames
    assert rows(wb["1 Results by village"])[0][0] == "Thôn Nà Đình"


@pytest.fixture(scope="module")
def summary_pdf(commune, tmp_path_factory):
    out = tmp_path_factory.mktemp("summary") / "summary.pdf"
    pages = run_to_end(print_summary(commune.path, out, printed_at=PRINTED_AT))
    return out, pages, pdf_pages(out)


def test_summary_pdf_pages_carry_commune_round_and_time(summary_pdf):
    out, pages, texts = summary_pdf
    assert pages == len(texts) >= 6
    for number, text in enumerate(texts, 1):
        assert f"Trang {number}/{len(texts)}" in text
        assert "Xã Lâm Bình, Tuyên Quang · Rà soát định kỳ năm 2026 · In lúc 08:30 ngày 20/11/2026" in text
    assert all("not embedded" not in f for f in fonts(out))


def test_summary_pdf_tables_agree_with_the_workbook(commune, summary_pdf, workbook):
    _, _, texts = summary_pdf
    lines = [line.strip() for text in texts for line in text.split("\n")]
    joined = flat(" ".join(texts))
    for title in ("Biểu 1. Kết quả rà soát theo thôn", "2a. Hộ nghèo", "2b. Hộ cận nghèo", "3a. Hộ nghèo",
                  "3b. Hộ cận nghèo", "4a. Nhóm đối tượng", "4b. Theo dân tộc", "4c. Nguyên nhân nghèo",
                  "4d. Trẻ em", "Biểu 5. Danh sách chi tiết hộ nghèo", "Biểu 5. Danh sách chi tiết hộ cận nghèo",
                  "Biểu đồ", "Tỷ lệ hộ nghèo, hộ cận nghèo theo thôn (%)", "Tỷ lệ hộ thiếu hụt theo chỉ số (%)",
                  "Phân tích: chỉ số nghèo đa chiều Alkire–Foster"):
        assert title in joined, title
    # table 1, first village: the row reads as the workbook's, numbers in Vietnamese format
    start = lines.index("Biểu 1. Kết quả rà soát theo thôn")
    at = lines.index(VILLAGES[0], start)
    want = rows(workbook["1 Kết quả theo thôn"])[0]
    shown = [str(v) if isinstance(v, int) else f"{v:.2f}".replace(".", ",") for v in want[1:]]
    assert lines[at + 1:at + 12] == shown
    # movement of poor households, the commune's total row
    start = lines.index("2a. Hộ nghèo")
    at = lines.index("Toàn xã", start)
    assert lines[at + 1:at + 11] == [str(v) for v in rows(workbook["2a Biến động hộ nghèo"])[-1][1:]]
    # every poor and near-poor household in the detailed lists, with its members
    for h in commune.of("poor") + commune.of("near_poor"):
        assert h.head in joined
        for name in h.members:
            assert name in joined
    moved = next(h for h in commune.households if h.moved_away)
    assert moved.head not in joined


def test_column_heads_wrap_between_words_never_inside_one(commune, tmp_path):
    """English heads are longer than the Vietnamese: they wrap at spaces, and each word stays whole."""
    from fieldsurvey.services.printing import print_lists

    out = tmp_path / "en.pdf"
    run_to_end(print_summary(commune.path, out, lang="en", printed_at=PRINTED_AT))
    first = flat(pdf_pages(out)[0])
    for head in ("Village Households Reviewed Poor Near-poor", "Low-income workers", "Poverty rate (%)",
                 "Near-poverty rate (%)", "Multidimensional rate (%)"):
        assert head in first, head
    lists = tmp_path / "lists.pdf"
    run_to_end(print_lists(commune.path, lists, village=VILLAGES[0], lang="en", printed_at=PRINTED_AT))
    assert "No. Head of household B1 score B2 score Classification Agreeing Agreeing (%) Notes" in \
        flat(pdf_pages(lists)[0])
