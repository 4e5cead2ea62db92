"""The commune's report from its template (PDF and Excel, the same tables), and the analysis as a document of its
own, read back and checked against the workspace, the figures and the domain."""

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
from fieldsurvey.reports.templates import load_template
from fieldsurvey.services.assessment import registry, with_area
from fieldsurvey.services.printing import export_xlsx, print_analysis, print_summary
from fieldsurvey.storage.workspace import Workspace
from tests.reports.conftest import (MINORITY, PRINTED_AT, RESIDENTS, VILLAGES, check_state_format, flat, fonts,
                                    in_order, pdf_pages)

POORISH = ("poor", "near_poor")
MOVE_COLS = ("start", "remained", "to_other", "escaped", "unclassified", "moved_away", "from_other", "fell_back",
             "new", "end")


def movement(households, cls: str) -> Counter:
    """Start → end for one class, counted straight from what the fixture made: fell back when poor or near-poor in
    an earlier year on record, new when in none (docs/figures.md)."""
    other = "near_poor" if cls == "poor" else "poor"
    c: Counter = Counter()
    for h in households:
        if h.previous == cls:
            c["start"] += 1
            c["moved_away" if h.moved_away else "remained" if h.cls == cls else "to_other" if h.cls == other
              else "escaped"] += 1
        if not h.moved_away and h.cls == cls:
            c["new" if h.previous is None else "from_other" if h.previous == other
              else "remained_end" if h.previous == cls else "fell_back" if h.earlier in POORISH else "new"] += 1
            c["end"] += 1
    return c


@pytest.fixture(scope="module")
def classified(commune):
    """Each present household's deprived indicator numbers, from the domain's classification of its document."""
    standard = registry().get("vn-2022-2025")
    out = {}
    with Workspace.open(commune.path) as ws:
        ws.backups = False
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


def body(ws) -> list[list]:
    """A sheet's body rows: from under the head (the first row whose first cell is 1 or a text after the heads)."""
    head_end = 4
    while ws.cell(head_end + 1, 1).value is None or isinstance(ws.cell(head_end + 1, 1).value, str) and \
            ws.cell(head_end + 1, 1).value in ("TT", "STT") or ws.cell(head_end, 3).value is None:
        head_end += 1
        if head_end > 8:
            break
    out = []
    for row in ws.iter_rows(min_row=head_end + 1, values_only=True):
        if all(v is None for v in row):
            break
        out.append(list(row))
    return out


def test_the_workbook_follows_the_report_template(workbook):
    tpl = load_template("report")
    sheets = [b.sheet.get("vi") for b in tpl.blocks if b.type == "table"]
    assert workbook.sheetnames == ["Thông tin"] + sheets + ["Phân tích Alkire–Foster"]
    info = workbook["Thông tin"]
    assert info["B3"].value == "Xã Lâm Bình" and info["B4"].value == "Tuyên Quang"
    assert info["B5"].value == "Rà soát định kỳ năm 2026" and info["B8"].value == "BẢN NHÁP"
    assert isinstance(info["B6"].value, datetime) and info["B6"].value == PRINTED_AT
    ws = workbook["1 Kết quả theo thôn"]
    assert ws["A1"].value == "Biểu 1. KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO THEO THÔN NĂM 2026"
    assert ws["A2"].value == "Xã Lâm Bình, Tuyên Quang · Rà soát định kỳ năm 2026 · In lúc 08:30 ngày 20/11/2026"
    # the heads as printed: the group heads merged over their sub-columns
    assert [c.value for c in ws[4]][:9] == ["TT", "Thôn", "Tổng số hộ", None, "Hộ nghèo", None, None, None,
                                            "Hộ cận nghèo"]
    assert [c.value for c in ws[5]][2:8] == ["Số hộ", "Trong đó hộ DTTS", "Số hộ", "Tỷ lệ (%)", "Hộ DTTS",
                                             "Tỷ lệ trong hộ DTTS (%)"]
    assert "C4:D4" in {str(r) for r in ws.merged_cells.ranges} and ws.freeze_panes == "C6"


def test_results_by_village_are_numbers_equal_to_the_count(commune, workbook):
    from fieldsurvey.services.printing import counted_records, report_context

    with Workspace.open(commune.path) as ws:
        ws.backups = False
        ctx = report_context(ws)
        figures, _ = run_to_end(counted_records(ws, ctx))
    table = workbook["1 Kết quả theo thôn"]
    rows = [[c.value for c in r] for r in table.iter_rows(min_row=6) if r[0].value is not None]
    assert [r[1] for r in rows[:-1]] == VILLAGES and rows[-1][0] == "Toàn xã"
    for r, unit in zip(rows, figures.villages + [figures.commune]):
        village = None if r[0] == "Toàn xã" else r[1]
        mine = [h for h in commune.present() if village is None or h.village == village]
        minority = [h for h in mine if h.ethnicity != "Kinh"]
        count = Counter(h.cls for h in mine)
        m_count = Counter(h.cls for h in minority)
        # the rates' denominator is the resident households the supervisor entered, not the households listed;
        # the minority rates', the ethnic-minority resident households entered beside them
        n = RESIDENTS[village] if village else sum(RESIDENTS.values())
        m = MINORITY[village] if village else sum(MINORITY.values())
        m_unit = figures.minority[village] if village else figures.minority_commune
        assert r[2:5] == [n, m, count["poor"]] == [unit.households, m_unit.households, unit.poor]
        assert r[5] == round(100 * count["poor"] / n, 2) and r[6] == m_count["poor"]
        assert r[7] == round(100 * m_count["poor"] / m, 2)
        assert r[8] == count["near_poor"] and r[9] == round(100 * count["near_poor"] / n, 2)
        assert r[10] == m_count["near_poor"] and r[11] == round(100 * m_count["near_poor"] / m, 2)
        assert r[12] == round(100 * (count["poor"] + count["near_poor"]) / n, 2)
        assert r[13:16] == [count["average"], count["not_poor"], 0]
        assert all(type(v) is int for v in (r[2], r[3], r[4], r[6], r[8], r[10], r[13]))
        assert all(isinstance(v, (int, float)) for v in (r[5], r[7], r[9], r[11], r[12]))   # numbers, 0.0 read as 0
    assert rows[-1][6] > 0 and rows[-1][10] > 0           # the fixture has minority poor and near-poor households
    assert table.cell(6, 6).number_format == table.cell(6, 8).number_format == "0.00"
    assert table.cell(6 + len(VILLAGES), 1).font.bold       # the commune's total row


@pytest.mark.parametrize("cls,sheet", [("poor", "2a Biến động hộ nghèo"), ("near_poor", "2b Biến động hộ cận nghèo")])
def test_movement_tables(commune, workbook, cls, sheet):
    ws = workbook[sheet]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=6) if r[0].value is not None]
    for r, village in zip(rows, VILLAGES + [None]):
        want = movement([h for h in commune.households if village is None or h.village == village], cls)
        assert r[2:] == [want[c] for c in MOVE_COLS], (village, cls)
    total = dict(zip(MOVE_COLS, rows[-1][2:]))
    assert total["end"] == total["remained"] + total["from_other"] + total["fell_back"] + total["new"]
    assert total["start"] > 0 and total["new"] > 0 and total["escaped"] > 0
    if cls == "poor":
        assert total["fell_back"] == 1
    if cls == "poor":
        assert total["moved_away"] == 1


@pytest.mark.parametrize("cls,sheet", [("poor", "3a Thiếu hụt hộ nghèo"), ("near_poor", "3b Thiếu hụt hộ cận nghèo")])
def test_deprivations_per_indicator_in_official_order(commune, classified, workbook, cls, sheet):
    ws = workbook[sheet]
    assert [c.value for c in ws[5]][3:] == [str(n) for n in range(1, 13)]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=6) if r[0].value is not None]
    assert [r[1] for r in rows[:3]] == VILLAGES and [r[0] for r in rows[3:]] == ["Toàn xã", "%"]
    for r, village in zip(rows, VILLAGES + [None]):
        mine = [h for h in commune.of(cls) if village is None or h.village == village]
        counts = Counter(n for h in mine for n in classified[h.uuid])
        assert r[2:] == [len(mine)] + [counts[n] for n in range(1, 13)]
    n = len(commune.of(cls))
    assert rows[-1][3:] == [round(100 * v / n, 2) for v in rows[-2][3:]]


def test_groups_lists_and_analysis_sheets(commune, workbook):
    poor, near = commune.of("poor"), commune.of("near_poor")
    targets = {r[0].value: [c.value for c in r] for r in workbook["4a Nhóm đối tượng"].iter_rows(min_row=6)
               if r[0].value}
    row = targets["Hộ có chủ hộ là nữ"]
    assert row[1:] == [sum(h.female_head for h in poor), round(100 * sum(h.female_head for h in poor) / len(poor), 2),
                       sum(h.female_head for h in near), round(100 * sum(h.female_head for h in near) / len(near), 2)]
    causes = {r[0].value: [c.value for c in r] for r in workbook["4c Nguyên nhân nghèo"].iter_rows(min_row=6)
              if r[0].value}
    assert causes["Thiếu đất sản xuất"][1] == causes["Ốm đau, bệnh nặng"][1] == len(poor)
    for cls, sheet in (("poor", "5a DS hộ nghèo"), ("near_poor", "5b DS hộ cận nghèo")):
        values = [[c.value for c in r] for r in workbook[sheet].iter_rows(min_row=5)]
        heads = {r[1] for r in values if isinstance(r[0], int)}
        assert heads == {h.head for h in commune.of(cls)}
        text = json.dumps(values, ensure_ascii=False, default=str)
        assert all(m in text for h in commune.of(cls) for m in h.members)
        assert f"Tổng cộng: {len(commune.of(cls))} hộ" in text
    af = workbook["Phân tích Alkire–Foster"]
    assert [af.cell(r, 1).value for r in range(5, 17)] == list(range(1, 13))
    assert "M0" in af["A3"].value


def test_workbook_into_a_buffer_in_english(commune):
    buf = io.BytesIO()
    run_to_end(export_xlsx(commune.path, buf, lang="en", printed_at=PRINTED_AT))
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert "1 Results by village" in wb.sheetnames
    assert wb["1 Results by village"].cell(6, 2).value == "Thôn Nà Đình"


@pytest.fixture(scope="module")
def report_pdf(commune, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.pdf"
    pages = run_to_end(print_summary(commune.path, out, printed_at=PRINTED_AT))
    return out, pages, pdf_pages(out)


def test_the_report_pdf_is_its_template_in_the_state_format(report_pdf):
    out, pages, texts = report_pdf
    tpl = load_template("report")
    assert pages == len(texts)
    in_order("\n".join(texts), ["ỦY BAN NHÂN DÂN", "XÃ LÂM BÌNH", "Số: ……/BC-UBND",
                                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Lâm Bình, ngày …… tháng …… năm ……"]
             + tpl.texts("vi"))
    joined = flat("\n".join(texts))
    assert "Mẫu số 7" not in joined                  # the report forms' numbers are not verified: none printed
    assert "Alkire" not in joined and "Biểu đồ" not in joined       # the analysis is a document of its own
    for number, text in enumerate(texts, 1):
        assert f"Trang {number}/{len(texts)}" in text and "BẢN NHÁP" in text
    check_state_format(out, draft=True)
    assert all("LiberationSerif" in f and "not embedded" not in f for f in fonts(out))


def test_the_report_pdf_shows_the_workbooks_numbers(commune, report_pdf, workbook):
    _, _, texts = report_pdf
    joined = flat(" ".join(texts))
    first = [c.value for c in workbook["1 Kết quả theo thôn"][6]]
    percent = {5, 7, 9, 11, 12}                      # the rates: numbers with two decimals, shown "33,33"
    shown = " ".join(f"{float(v):.2f}".replace(".", ",") if i in percent else str(v) for i, v in enumerate(first)
                     if v is not None)             # an empty cell (a rate without its denominator) prints nothing
    assert shown in joined
    total = [c.value for c in workbook["2a Biến động hộ nghèo"][6 + len(VILLAGES)]]
    assert "Toàn xã " + " ".join(str(v) for v in total[2:]) in joined
    for h in commune.of("poor") + commune.of("near_poor"):
        assert h.head in joined
    moved = next(h for h in commune.households if h.moved_away)
    assert moved.head not in joined
    poor, near = len(commune.of("poor")), len(commune.of("near_poor"))
    assert f"tổng số {sum(RESIDENTS.values())} hộ; {poor} hộ nghèo; {near} hộ cận nghèo" in joined


def test_the_analysis_is_its_own_document(commune, tmp_path):
    out = tmp_path / "analysis.pdf"
    run_to_end(print_analysis(commune.path, out, printed_at=PRINTED_AT))
    texts = pdf_pages(out)
    joined = flat(" ".join(texts))
    for part in ("PHÂN TÍCH KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2026", "không phải văn bản báo cáo chính thức",
                 "Tỷ lệ hộ nghèo, hộ cận nghèo theo thôn (%)", "Tỷ lệ hộ thiếu hụt theo chỉ số (%)",
                 "Phân tích: chỉ số nghèo đa chiều Alkire–Foster", "M0 = H × A"):
        assert part in joined, part
    assert "BẢN NHÁP" not in joined and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in joined
    for number, text in enumerate(texts, 1):
        assert "PHÂN TÍCH · Xã Lâm Bình, Tuyên Quang" in text and f"Trang {number}/{len(texts)}" in text
    check_state_format(out, draft=True)


def test_column_heads_wrap_between_words_never_inside_one(commune, tmp_path):
    """English heads are longer than the Vietnamese: they wrap at spaces, and each word stays whole."""
    out = tmp_path / "en.pdf"
    run_to_end(print_summary(commune.path, out, lang="en", printed_at=PRINTED_AT))
    texts = [flat(t) for t in pdf_pages(out)]
    page = next(t for t in texts if "Table 1." in t)
    for head in ("No. Village Households Poor households Near-poor households", "Multidimensional rate (%)",
                 "Rate among minority (%)", "Low-income workers"):
        assert head in page, head
