"""The province's view in the app (the third role), through its real widgets: a province workspace opened like any
other, a folder of communes' results imported with progress and a summary, who reported and who changed (and what
the last import changed), the province's results by commune with last year beside them — carried from last year's
workbook, or typed in — the households counted in two communes, every result received, the tables to Excel and to a
state-format PDF read back, and the screenshot of docs/gui.md."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from fieldsurvey.domain import refdata
from fieldsurvey.i18n import format_number, t
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import province
from fieldsurvey.services import sync as svc
from fieldsurvey.sync.keys import Identity, public_key_text
from tests.province.conftest import PROVINCE, approved_with_id_number, export, make_commune, official


@dataclass
class Small:
    root: Path
    pristine: Path              # a province workspace with every commune trusted, nothing imported
    results: Path               # a folder: one result of each of the three communes
    resent: Path                # a folder: commune no. 1's second result (it changed)
    codes: list[str]
    twin: str                   # the head's name of the family counted in communes no. 0 and no. 2
    last_book: Path             # last year's (2025) province workbook, commune no. 0 in it


def _province(path: Path, keys: Path, year: int, communes) -> Path:
    province.create_province(path, PROVINCE, year)
    shutil.copy(keys, province.key_file(path))
    for c in communes:
        province.trust_commune(path, c.key, svc.spoken_fingerprint(svc.read_key(c.key)))
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Small:
    root = tmp_path_factory.mktemp("province-gui")
    keys = root / "keys"
    Identity.generate("so-nnmt", "province", PROVINCE, "dev-province").save(keys)
    province_key = root / "tinh.fskey"
    province_key.write_text(public_key_text(Identity.load(keys).public), encoding="utf-8")
    units = next(p for p in refdata.provinces() if p.code == PROVINCE).communes
    communes, twin_doc = [], None
    for i, unit in enumerate(units[:3]):
        c = make_commune(root, unit, 500 + i, province_key, twin=twin_doc if i == 2 else None)
        if i == 0:
            twin_doc = approved_with_id_number(c.path)
        communes.append(c)
    for c in communes:
        export(c, root / "results")
    export(communes[1], root / "resent")           # the same commune again: a newer result
    # last year: commune no. 0's 2025 review, rolled up by the province and exported to Excel
    old = make_commune(root, units[0], 77, province_key, year=2025)
    old_province = _province(root / "tinh-2025.fsprov", keys, 2025, [old])
    export(old, root / "old")
    run_to_end(province.import_results(old_province, [old.result]))
    last_book = province.export_xlsx(old_province, root / "tinh-2025.xlsx")
    pristine = _province(root / "pristine.fsprov", keys, 2026, communes)
    head = next(m for m in twin_doc["members"] if m.get("relationship") == "head")
    return Small(root, pristine, root / "results", root / "resent", [c.code for c in communes], head["name"],
                 last_book)


@pytest.fixture
def prov(small, tmp_path) -> Path:
    path = tmp_path / "tinh-2026.fsprov"
    shutil.copy(small.pristine, path)
    shutil.copy(province.key_file(small.pristine), province.key_file(path))
    return path


def _import(window, qtbot, sources):
    handle = window.province_actions.import_results(sources)
    with qtbot.waitSignal(handle.done, timeout=60000):
        pass
    return handle.result


def _rows(view, table) -> list[list[str]]:
    return [[view.cell(table, r, c) for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_a_province_imports_a_folder_of_results_and_sees_who_reported_and_what_changed(window, qtbot, small, prov):
    assert window.open_workspace(prov)
    assert window.current_view() == "province"
    view = window.province_view
    assert "Tỉnh Thái Nguyên" in view.title.text() and "2026" in view.title.text()
    states = view.column_texts(view.status_table, 2)
    assert states.count(t("province.status.missing", "vi")) == 92    # nothing yet
    assert not window.actions_by_key["new_household"].isEnabled()      # a commune's steps are off

    reports = _import(window, qtbot, [small.results])
    assert [r.status for r in reports] == ["imported"] * 3
    box = window.findChild(QMessageBox, "provinceImportSummary")
    assert box is not None and box.isVisible() and "3 kết quả mới" in box.text()
    states = view.column_texts(view.status_table, 2)
    assert states.count(t("province.status.reported", "vi")) == 3 and len(states) == 92
    assert "3/92" in window.status_label.text()

    # the results by commune: each commune's row its own official figures, the province's their sum
    rows = _rows(view, view.results_table)
    assert [r[0] for r in rows] == [*sorted(small.codes), PROVINCE]
    own = {c: official(small.root / f"{c}-2026.fsdb") for c in small.codes}
    for r in rows[:-1]:
        assert r[3] == format_number(own[r[0]]["results"]["poor"], "vi")
        assert r[5] == format_number(own[r[0]]["results"]["near_poor"], "vi")
    total_poor = sum(f["results"]["poor"] for f in own.values())
    assert rows[-1][3] == format_number(total_poor, "vi") and rows[-1][1].endswith("Tỉnh Thái Nguyên")
    assert view.sentence.text().startswith(f"Tỉnh Thái Nguyên: {format_number(total_poor, 'vi')} hộ nghèo")

    # the family counted in communes no. 0 and no. 2, listed for the communes to settle
    dups = _rows(view, view.duplicates_table)
    assert {r[1] for r in dups if r[2] == small.twin} == {small.codes[0], small.codes[2]}

    # commune no. 1 sends a newer result: it replaces the one held, the view says it changed just now
    reports = _import(window, qtbot, [small.resent])
    assert [r.status for r in reports] == ["replaced"]
    assert view.changed_now == {small.codes[1]}
    status = {r[0]: r for r in _rows(view, view.status_table)}
    assert "vừa thay đổi" in status[small.codes[1]][2] and status[small.codes[1]][5] == "đã thay đổi 1 lần"
    assert "vừa thay đổi" not in status[small.codes[0]][2]
    assert small.codes[1] in view.summary.text()
    changes = _rows(view, view.changes_table)
    assert len(changes) == 4 and changes[0][0] == small.codes[1] and changes[0][8] == "thay kết quả trước"
    assert changes[0][1] == status[small.codes[1]][1]                 # the commune's name

    # the same folder again: every result refused (imported already), nothing changes
    before = _rows(view, view.results_table)
    reports = _import(window, qtbot, [small.results])
    assert {r.error["key"] for r in reports} == {"province.error.replayed"}
    assert _rows(view, view.results_table) == before and "3 bị từ chối" in window.province_actions.last_import_summary

    # in English, the same view
    window.set_language("en")
    assert view.tabs.tabText(1) == "Tables by commune"
    assert view.table_buttons["movement"].text() == "Movement" and view.headings(view.results_table)[3] == "Poor"
    assert view.column_texts(view.status_table, 2).count("reported") == 3


def test_last_years_figures_from_last_years_workbook_and_typed_in(window, qtbot, small, prov):
    window.open_workspace(prov)
    _import(window, qtbot, [small.results])
    view = window.province_view
    assert window.province_actions.last_year_from_workbook(small.last_book)
    old_poor = province.tables(small.root / "tinh-2025.fsprov").communes[0].poor
    heads = view.headings(view.results_table)
    rows = {r[0]: dict(zip(heads, r)) for r in _rows(view, view.results_table)}
    c0 = rows[small.codes[0]]
    assert c0["Năm trước"] == "2025" and c0["Hộ nghèo năm trước"] == format_number(old_poor, "vi")
    now_poor = int(c0["Hộ nghèo"].replace(".", ""))
    assert c0["Hộ nghèo tăng/giảm"] == format_number(now_poor - old_poor, "vi")   # the change from last year
    assert rows[small.codes[1]]["Năm trước"] == "—"                    # not in last year's workbook
    assert view.tabs.currentIndex() == 1 and view.table_key == "results"

    # the province's own figures of last year, typed in
    dialog = window.province_actions.type_last_year()
    dialog.unit.setCurrentIndex(dialog.unit.findData(PROVINCE))
    assert dialog.year.value() == 2025
    dialog.residents.setValue(226_000)
    dialog.poor.setValue(11_497)
    dialog.near_poor.setValue(14_775)
    assert dialog.save_one()
    assert "Tỉnh Thái Nguyên" in dialog.saved.text()
    province_row = dict(zip(heads, _rows(view, view.results_table)[-1]))
    assert province_row["Hộ nghèo năm trước"] == "11.497" and province_row["Tỷ lệ hộ nghèo năm trước (%)"] == "5,09 %"
    assert "11.497 hộ nghèo, 5,09 %" in view.sentence.text()
    dialog.close()


def test_the_tables_to_excel_and_to_a_state_format_pdf(window, qtbot, small, prov, tmp_path):
    window.open_workspace(prov)
    _import(window, qtbot, [small.results])
    window.province_actions.last_year_from_workbook(small.last_book)
    book = window.province_actions.export_xlsx(tmp_path / "tinh.xlsx")
    assert str(book) in window.statusBar().currentMessage()
    wb = openpyxl.load_workbook(book)
    sheet = wb.worksheets[0]
    assert wb.properties.identifier == f"fieldsurvey/province/{PROVINCE}/2026"
    assert [sheet.cell(row=r, column=1).value for r in range(5, 9)] == [*sorted(small.codes), PROVINCE]

    pdf = window.province_actions.export_pdf(tmp_path / "tinh.pdf")
    reader = PdfReader(pdf)
    text = "\n".join(p.extract_text() for p in reader.pages)
    flat = " ".join(text.split())
    tb = province.tables(prov)
    for words in ("ỦY BAN NHÂN DÂN", "TỈNH THÁI NGUYÊN", "BÁO CÁO", "Biểu 1. KẾT QUẢ RÀ SOÁT HỘ NGHÈO",
                  "Biểu 2a. BIẾN ĐỘNG HỘ NGHÈO", "Biểu 3b. THIẾU HỤT", "Biểu 4.", "Biểu 5.", "Toàn tỉnh",
                  f"{format_number(tb.province.poor, 'vi')} hộ nghèo", "Năm 2025"):
        assert words in flat, words
    assert all(c.name in flat for c in tb.communes)
    assert len(reader.pages) >= 8 and reader.pages[1].mediabox.width > reader.pages[1].mediabox.height


# the state-format PDF's tables (resources/templates/bao-cao-tong-hop-tinh.toml): its source → its title, the
# screen's table and class
PDF_TABLES = {"communes": ("Biểu 1.", "results", None), "movement_poor": ("Biểu 2a.", "movement", "poor"),
              "movement_near_poor": ("Biểu 2b.", "movement", "near_poor"),
              "deprivation_poor": ("Biểu 3a.", "deprivations", "poor"),
              "deprivation_near_poor": ("Biểu 3b.", "deprivations", "near_poor"),
              "targets": ("Biểu 4.", "targets", None), "minority": ("Biểu 5.", "minority", None)}
PDF_RESULTS = {"residents": "province.col.residents", "poor": "province.col.poor",
               "poor_rate": "province.col.poor_rate", "near_poor": "province.col.near_poor",
               "near_poor_rate": "province.col.near_poor_rate", "md_rate": "province.col.multidimensional_rate",
               "waiting": "province.col.waiting", "last_year": "province.col.last_year",
               "last_poor": "province.col.last_poor", "last_poor_rate": "province.col.last_poor_rate",
               "last_near_poor": "province.col.last_near_poor",
               "last_near_poor_rate": "province.col.last_near_poor_rate", "poor_change": "province.col.poor_change",
               "poor_rate_change": "province.col.poor_rate_change", "near_poor_change": "province.col.near_poor_change",
               "near_poor_rate_change": "province.col.near_poor_rate_change",
               "minority_residents": "province.col.minority_residents", "counted": "province.col.counted"}
NUMBER = re.compile(r"^-?[\d.]+(,\d+)?$")


def _value(text: str):
    """A number as the screen shows it ("1.234", "5,50 %", "-0,50", "2025", "—") as a number (None: "—")."""
    if text == "—":
        return None
    text = text.removesuffix(" %").replace(".", "")
    return float(text.replace(",", ".")) if "," in text else int(text)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _screen_heading(source: str, field: str, tb) -> tuple[str | None, str]:
    """The screen's heading (on one line) of a PDF table's field, and the class it is shown under."""
    if source.startswith(("movement_", "deprivation_")):
        klass = source.split("_", 1)[1]
        if field == "count":
            return klass, t("province.col.households", "vi")
        if field.startswith("i") and field[1:].isdigit():
            return klass, tb.indicators[int(field[1:]) - 1][2]
        return klass, _first_upper(t(f"province.move.{field}", "vi"))
    if source == "targets":
        klass = "near_poor" if field.startswith("near_poor_") else "poor"
        return klass, _first_upper(t(f"province.target.{field.removeprefix(klass + '_')}", "vi"))
    return None, t(PDF_RESULTS[field], "vi")


def _pdf_rows(text: str, codes: set[str]) -> dict[str, list[str]]:
    """A PDF table's rows as pypdf reads them (a cell a line): code → the numbers after the commune's name, "total"
    → the numbers after "Toàn tỉnh" (an empty cell prints nothing)."""
    lines = [line.strip() for line in text.splitlines()]
    out = {}
    for i, line in enumerate(lines):
        if line in codes or line == "Toàn tỉnh":
            j = i + 2 if line in codes else i + 1     # after the commune's name, or after "Toàn tỉnh"
            cells = []
            while j < len(lines) and NUMBER.match(lines[j]) and lines[j] not in codes \
                    and not (j + 1 < len(lines) and lines[j + 1] in codes):
                cells.append(lines[j])
                j += 1
            out["total" if line == "Toàn tỉnh" else line] = cells
    return out


def test_every_table_on_screen_is_the_workbooks_and_the_pdfs(window, qtbot, small, prov, tmp_path):
    """Results, movement, deprivations, target groups and ethnic-minority households by commune, as the province's
    view shows them (each class of a per-class table): every number of every row equal to the Excel workbook's
    (read with openpyxl) and to the state-format PDF's (read with pypdf), for the same province file."""
    from fieldsurvey.reports.templates import load_template

    window.open_workspace(prov)
    _import(window, qtbot, [small.results])
    _import(window, qtbot, [small.resent])
    window.province_actions.last_year_from_workbook(small.last_book)   # last year and the change, for commune 0
    view = window.province_view
    tb = province.tables(prov)
    book = openpyxl.load_workbook(window.province_actions.export_xlsx(tmp_path / "tinh.xlsx"))
    sheets = {ws["A1"].value: ws for ws in book.worksheets}
    screen: dict[tuple[str, str | None], dict[str, dict[str, str]]] = {}   # (table, class) → code → heading → text
    nonzero: dict[str, bool] = {}    # each table: a number other than 0 in the province's row (a test that can fail)
    checked = 0
    for key in view.table_buttons:
        view.table_buttons[key].click()
        for klass in (["poor", "near_poor"] if view.class_row.isVisible() else [None]):
            if klass:
                view.class_buttons[klass].click()
            assert view.stack.currentWidget() is view.by_key[key]
            table = view.by_key[key]
            heads = view.headings(table)
            tips = [table.horizontalHeaderItem(c).toolTip() for c in range(table.columnCount())]
            rows = _rows(view, table)
            assert [r[0] for r in rows] == [*sorted(small.codes), PROVINCE]
            screen[key, klass] = {("total" if r[0] == PROVINCE else r[0]): dict(zip(heads, r)) for r in rows}
            # the workbook: the sheet of this table, the column of each heading (the tooltip: the workbook's own)
            sheet = sheets[t(f"province.table.{key}", "vi")]
            excel_heads = [sheet.cell(row=4, column=j).value for j in range(1, sheet.max_column + 1)]
            excel_rows = {sheet.cell(row=i, column=1).value: i for i in range(5, sheet.max_row + 1)}
            for r in rows:
                i = excel_rows[r[0]]
                assert r[1] == sheet.cell(row=i, column=2).value
                for c in range(2, len(r)):
                    cell = sheet.cell(row=i, column=excel_heads.index(tips[c]) + 1).value
                    assert _value(r[c]) == cell, (key, klass, r[0], heads[c], r[c], cell)
                    checked += 1
            total = screen[key, klass]["total"]
            nonzero[key] = nonzero.get(key, False) or any(_value(v) for h, v in total.items() if h not in heads[:2])
    assert nonzero == dict.fromkeys(["results", "movement", "deprivations", "targets", "minority"], True)
    from fieldsurvey.services.province_columns import PER_CLASS, tables_of
    assert {x.key for x in tables_of(tb, "vi") if x.per_class} == set(PER_CLASS) == {k for k, c in screen if c}

    # the PDF: each of its tables, each field's cell the screen's under that heading
    reader = PdfReader(window.province_actions.export_pdf(tmp_path / "tinh.pdf"))
    pages = [page.extract_text().rstrip().rsplit("\n", 1) for page in reader.pages[1:]]
    assert all(number.strip().isdigit() for _, number in pages)     # each page's number, its last line: left out
    text = "\n".join(body for body, _ in pages)
    titles = [title for title, _, _ in PDF_TABLES.values()]
    codes = set(small.codes)
    template = {b.source: [leaf.field for col in b.columns for leaf in (col.sub or [col])]
                for b in load_template("province_report").blocks if b.source}
    assert set(template) == set(PDF_TABLES)
    for source, (title, key, _) in PDF_TABLES.items():
        start = text.index(title)
        later = [text.index(x) for x in titles if text.index(x) > start]
        pdf = _pdf_rows(text[start:min(later, default=len(text))], codes)
        assert set(pdf) == {*codes, "total"}, (source, sorted(pdf))
        fields = [f for f in template[source] if f not in ("no", "code", "name")]
        for code, cells in pdf.items():
            wanted = []
            for f in fields:
                klass, heading = _screen_heading(source, f, tb)
                shown = screen[key, klass][code][heading]
                if shown != "—":                  # an unknown number: an empty cell in the PDF
                    wanted.append(shown.removesuffix(" %"))
            assert cells == wanted, (source, code, cells, wanted)
            checked += len(wanted)
    assert checked > 400


def test_a_province_screenshot_at_1366_by_768(small, tmp_path, qtbot):
    from fieldsurvey.gui.app import run

    path = tmp_path / "tinh.fsprov"
    shutil.copy(small.pristine, path)
    shutil.copy(province.key_file(small.pristine), province.key_file(path))
    run_to_end(province.import_results(path, [small.results]))
    png = tmp_path / "gui-province.png"
    assert run(path, "vi", screenshot=png, view="province") == 0
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1366, 768)


def test_the_demo_province_is_built_once_and_opens_with_its_tables(tmp_path, qtbot, monkeypatch):
    """`fieldsurvey gui --demo --view province`: a province made as provinces make it — communes' results exported,
    imported, last year's figures typed in — built on first use and opened as it is after; its movement tables start
    from last year's poor and near-poor households, as typed in."""
    from fieldsurvey.gui import app
    from fieldsurvey.services.demo_province import ready_demo_province

    path = run_to_end(ready_demo_province(tmp_path / "demo-province" / "tinh.fsprov", communes=3, households=40))
    made = path.stat().st_mtime_ns
    assert run_to_end(ready_demo_province(path, communes=3, households=40)) == path
    assert path.stat().st_mtime_ns == made and not (tmp_path / "demo-province.building").exists()
    tb = province.tables(path)
    assert tb.province_name == "Tỉnh Tuyên Quang" and len(tb.communes) == 3
    assert [s.state for s in province.status(path) if s.created_at] == ["reported"] * 3       # before the deadline
    for r in tb.communes:   # last year's poor and near-poor: the households the movement starts from
        assert r.last_year.year == 2025
        assert (r.last_year.poor, r.last_year.near_poor) == (r.movement["poor"][0], r.movement["near_poor"][0])
    assert sum(tb.province.movement["poor"]) > 0 and tb.province.results["counted"] > 0

    def ready():
        return path
        yield   # a job, as the real one

    shown = []
    grab = app.grab
    monkeypatch.setattr(app, "ready_demo_province", lambda: ready())
    monkeypatch.setattr(app, "grab", lambda window, view, out, *more: shown.append(
        (window.current_view(), window.province_view.target, window.province_view.table_key))
        or grab(window, view, out, *more))
    png = tmp_path / "demo.png"
    assert app.run(None, "vi", demo=True, screenshot=png, view="province") == 0
    assert shown == [("province", path, "results")]
    assert (QImage(str(png)).width(), QImage(str(png)).height()) == (1366, 768)


def test_an_encrypted_province_workspace_asks_its_passphrase_then_opens_in_the_province_view(
        window, qtbot, small, tmp_path, monkeypatch):
    """`fieldsurvey init --role province` makes the roll-up encrypted: the app asks its passphrase (Cancel opens
    nothing), then shows it as any province workspace."""
    from fieldsurvey.gui.dialogs import passphrase as passphrase_dialog
    from fieldsurvey.services import encryption as at_rest
    from fieldsurvey.storage import encryption

    monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
    path = tmp_path / "kin.fsprov"
    with at_rest.new_encrypted(path, "sở lao động tỉnh thái nguyên"):
        province.init_province(path, "so-nnmt", PROVINCE, 2026)
    assert encryption.is_encrypted(path)
    encryption.forget_all()
    asked = []
    monkeypatch.setattr(passphrase_dialog.PassphraseDialog, "exec", lambda self: asked.append(self.path) or 0)
    assert not window.open_workspace(path) and asked == [path]   # given up: nothing opened
    assert window.current_view() != "province"

    def typed(self):
        asked.append(self.path)
        self.field.setText("sở lao động tỉnh thái nguyên")
        self.accept()
        return self.result()

    monkeypatch.setattr(passphrase_dialog.PassphraseDialog, "exec", typed)
    assert window.open_workspace(path)
    assert window.current_view() == "province" and "2026" in window.province_view.title.text()
    encryption.forget_all()


@pytest.mark.parametrize("size", [10, 20], ids=["text-10pt", "text-20pt"])
def test_the_province_view_in_vietnamese_shows_no_english_and_nothing_cut(window, qtbot, small, prov, size):
    """Every tab of the province's view — in the tables' tab every table by commune (results, movement, deprivations,
    target groups, ethnic minority) and each class of the per-class ones —, a folder imported, a changed result
    re-sent and last year's figures read, in Vietnamese at 1366×768: no English, no catalogue key, no ISO date, no
    unseparated number, nothing cut, nothing pushed out of sight sideways — at the usual and the largest text size
    (the checks of the commune's walk, tests/gui/test_vietnamese_walk.py)."""
    from PySide6.QtWidgets import QApplication

    from tests.gui.test_vietnamese_walk import english_texts, walk_province

    english = english_texts()
    window.text_size(size - QApplication.font().pointSize())
    assert window.open_workspace(prov)
    window.resize(1366, 768)
    _import(window, qtbot, [small.results])
    _import(window, qtbot, [small.resent])
    window.province_actions.last_year_from_workbook(small.last_book)
    for box in window.findChildren(QMessageBox):
        box.close()
    found = walk_province(window, english)
    # every tab, and the tables' tab once per table by commune and class: 3 + 1 + 2 + 2 + 2 + 1 pages
    assert len(found) == 11 and "Các biểu theo xã: Biến động · Hộ cận nghèo" in found, sorted(found)
    codes = {c.code for c in province.status(prov)}   # a commune's code in its column is a code, not an amount
    found = {k: [p for p in v if not any(f"separators: '{c}'" in p for c in codes)] for k, v in found.items()}
    assert {k: v for k, v in found.items() if v} == {}
    assert window.width() <= 1366 and window.height() <= 768
