"""Last year's figures read from last year's province workbook (the one the app exports; in either language, or
one of its format with the year given) on both engines, refused with nothing stored when it is not last year's or
holds a wrong cell; year over year in the tables; and the province's tables as a state-format PDF, read back."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from pypdf import PdfReader

from fieldsurvey.errors import TemplateError, WorkspaceError
from fieldsurvey.paths import resource
from fieldsurvey.reports.templates import KINDS
from fieldsurvey.i18n import format_number
from fieldsurvey.services import province
from tests.province.conftest import COMMUNES, PROVINCE, new_province
from tests.province.test_rollup import load


@pytest.fixture(scope="module")
def books(built, tmp_path_factory):
    """Last year's (2025) province — commune no. 30's old-round result — exported to Excel in Vietnamese and in
    English, and this year's tables exported too."""
    root = tmp_path_factory.mktemp("books")
    old = new_province(str(root / "tinh-2025.fsprov"), built, year=2025)
    load(old, built, [built.old_round.result])
    return {"old": old, "vi": province.export_xlsx(old, root / "tinh-2025.xlsx", "vi"),
            "en": province.export_xlsx(old, root / "tinh-2025-en.xlsx", "en"), "root": root}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_last_years_workbook_gives_last_years_figures_and_the_change(target, built, books, lang):
    new_province(target, built)
    load(target, built, built.results())
    assert province.read_last_year_workbook(target, books[lang]) == 1
    old = province.tables(books["old"])
    tb = province.tables(target)
    last = tb.province.last_year      # the province's own row of last year's workbook
    assert (last.year, last.residents, last.poor, last.near_poor) == \
        (2025, old.province.residents, old.province.poor, old.province.near_poor)
    assert last.source == books[lang].name
    assert tb.province.poor_change == tb.province.poor - old.province.poor
    assert tb.province.poverty_rate_change == pytest.approx(tb.province.poverty_rate - old.province.poverty_rate)
    assert f"{format_number(old.province.poor, 'vi')} hộ nghèo" in province.sentences(target, "vi")[0]
    # the same as carrying it from last year's workspace
    carried = str(books["root"] / f"carried-{lang}-{target.rsplit('/', 1)[-1]}")
    if target.startswith("postgresql"):
        carried = target
    else:
        shutil.copy(target, carried)
    province.carry_last_year(carried, books["old"])
    assert province.tables(carried).province.last_year.poor == last.poor


def test_a_workbook_that_is_not_last_years_or_holds_a_wrong_cell_is_refused_with_nothing_stored(
        target, built, books, tmp_path):
    new_province(target, built)
    load(target, built, built.results())
    this_year = province.export_xlsx(target, tmp_path / "tinh-2026.xlsx")
    with pytest.raises(WorkspaceError) as exc:
        province.read_last_year_workbook(target, this_year)
    assert exc.value.key == "province.error.not_last_year"
    wb = openpyxl.load_workbook(books["vi"])
    wb.worksheets[0]["D5"] = "mười"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(WorkspaceError) as exc:
        province.read_last_year_workbook(target, bad)
    assert exc.value.key == "province.error.workbook_number" and "!D5" in exc.value.where
    # a workbook of the format, not written by the app: the year must be given
    wb = openpyxl.load_workbook(books["vi"])
    wb.properties.identifier = None
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    with pytest.raises(WorkspaceError) as exc:
        province.read_last_year_workbook(target, plain)
    assert exc.value.key == "province.error.workbook_year"
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(WorkspaceError) as exc:
        province.read_last_year_workbook(target, junk)
    assert exc.value.key == "province.error.not_a_workbook"
    assert all(r.last_year is None for r in province.tables(target).communes)   # nothing stored
    assert province.tables(target).province.last_year is None
    assert province.read_last_year_workbook(target, plain, year=2025) == 1


def test_the_province_tables_as_a_state_format_pdf(target, built, books, tmp_path):
    new_province(target, built)
    load(target, built, built.results())
    province.read_last_year_workbook(target, books["vi"])
    out = tmp_path / "tinh.pdf"
    pages = province.export_pdf(target, out, "vi", number="12", chairman="Nguyễn Văn An")
    reader = PdfReader(out)
    assert len(reader.pages) == pages >= 8
    first = " ".join(reader.pages[0].extract_text().split())
    tb = province.tables(target)
    p = tb.province
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ỦY BAN NHÂN DÂN", "TỈNH THÁI NGUYÊN", "Số: 12/BC-UBND",
                  "Thái Nguyên, ngày", "BÁO CÁO", f"kết quả của {COMMUNES} xã",
                  f"{format_number(p.poor, 'vi')} hộ nghèo, tỷ lệ {format_number(round(p.poverty_rate, 2), 'vi', 2)} %",
                  "Năm 2025:", "Nguyễn Văn An"):
        assert words in first, words
    body = [" ".join(pg.extract_text().split()) for pg in reader.pages[1:]]
    text = " ".join(body)
    for title in ("Biểu 1.", "Biểu 2a.", "Biểu 2b.", "Biểu 3a.", "Biểu 3b.", "Biểu 4.", "Biểu 5."):
        assert title in text, title
    assert all(c.name in text for c in tb.communes) and text.count("Toàn tỉnh") >= 7
    table1 = text[text.index("Biểu 1."):text.index("Biểu 2a.")]
    total = table1[table1.index("Toàn tỉnh"):]
    assert total.split()[2:4] == [format_number(p.residents, "vi"), format_number(p.poor, "vi")]
    english = tmp_path / "en.pdf"
    province.export_pdf(target, english, "en")
    assert "Table 1. RESULTS" in " ".join(PdfReader(english).pages[1].extract_text().split())


def test_the_reports_data_holds_every_value_and_field_its_template_may_use(target, built, books):
    """What a province_report template may name is what the report's data gives: no name prints as a gap."""
    from fieldsurvey.reports.province import province_report_data

    new_province(target, built)
    load(target, built, built.results())
    province.read_last_year_workbook(target, books["vi"])
    kind = KINDS["province_report"]
    tb = province.tables(target)

    class Ctx:   # the few things the data takes of a report's context
        lang, official, issued_on, round_text, printed_text = "vi", True, None, "năm 2026", "in lúc 10:00"
        standard = type("S", (), {"title": lambda self, lang: "chuẩn"})()

        def tr(self, key, **values):
            from fieldsurvey.i18n import t
            return t(key, "vi", **values)

    data = province_report_data(tb, Ctx(), "12", "An")
    assert set(data.values) == kind.values
    assert set(data.sources) == set(kind.sources)
    for source, fields in kind.sources.items():
        rows = data.sources[source]
        assert len(rows.rows) == COMMUNES and rows.total is not None
        for row in rows.rows:
            assert set(row) <= fields and fields - {"no"} <= set(row), (source, set(row) ^ fields)


def test_a_provinces_own_template_prints_and_a_broken_one_is_refused_with_its_line(target, built, tmp_path):
    new_province(target, built)
    load(target, built, built.results())
    text = resource("templates", KINDS["province_report"].file).read_text(encoding="utf-8")
    own = tmp_path / "own.toml"
    own.write_text(text.replace('title = { vi = "BÁO CÁO"', 'title = { vi = "BÁO CÁO CỦA TỈNH TA"'), encoding="utf-8")
    out = tmp_path / "own.pdf"
    province.export_pdf(target, out, template=own)
    assert "BÁO CÁO CỦA TỈNH TA" in PdfReader(out).pages[0].extract_text()
    at = text.index('field = "', text.index("[[block.column]]"))
    broken = text[:at] + 'field = "no_such_field"' + text[text.index("\n", at):]
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(TemplateError) as refused:
        province.export_pdf(target, tmp_path / "x.pdf", template=path)
    assert refused.value.key == "report.template.error.unknown_field"
    assert refused.value.where == f"{path}:{broken[:at].count(chr(10)) + 1}"
    assert not (tmp_path / "x.pdf").exists()
