"""Printing from the app: the printing service's jobs run through the one job runner; every entry of the Print menu
prints its document as a draft, read back (pypdf; openpyxl for the workbook)."""

from __future__ import annotations

import os

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QFileDialog, QLineEdit

from tests.reports.conftest import build


def pdf_text(path: Path) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def commune_file(tmp_path_factory) -> Path:
    """Three villages, households of every class with last year's result (some escaping, some new), residents
    entered (tests/reports/conftest.py)."""
    return build(tmp_path_factory.mktemp("commune") / "commune.fsdb").path


@pytest.fixture
def commune(commune_file, tmp_path) -> Path:
    path = tmp_path / "xa.fsdb"
    shutil.copy(commune_file, path)
    return path


class SaveDialog:
    """QFileDialog.getSaveFileName answered as the user would: the name offered (in `out`'s folder), or another."""

    def __init__(self, folder: Path, name: str | None = None):
        self.folder, self.name = folder, name
        self.offered: list[str] = []
        self.chosen: list[Path] = []

    def __call__(self, _parent, _title, offered, _filter="", **_options):
        self.offered.append(offered)
        path = self.folder / (self.name or Path(offered).name)
        self.chosen.append(path)
        return str(path), _filter


def test_print_the_selected_households_sheet(window, workspace_file, tmp_path, qtbot):
    window.open_workspace(workspace_file)
    head = window.model.row(0).head_name
    out = tmp_path / "sheet.pdf"
    handle = window.print_actions.print_document("sheet", out)
    with qtbot.waitSignal(handle.done, timeout=30000):
        pass
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert head in text
    assert str(out) in window.statusBar().currentMessage()


def test_print_the_commune_summary_in_english(window, workspace_file, tmp_path, qtbot):
    window.open_workspace(workspace_file)
    window.set_language("en")
    out = tmp_path / "summary.pdf"
    handle = window.print_actions.print_document("summary", out)
    with qtbot.waitSignal(handle.done, timeout=60000):
        pass
    assert handle.result == len(PdfReader(out).pages) >= 1


# (menu entry, the name offered, what the document says: its title, and what it must not say)
ENTRIES = [
    # this household's only: {first} the list's first row (picked), {second} the next one
    ("print_sheet", "ban-nhap-phieu-b-{id}-2026.pdf", ["PHIẾU B – THÔNG TIN HỘ GIA ĐÌNH", "{first}"], ["{second}"]),
    ("print_sheets", "ban-nhap-phieu-b-xa-lam-binh-2026.pdf", ["PHIẾU B – THÔNG TIN HỘ GIA ĐÌNH", "{first}",
                                                               "{second}"], []),
    ("print_request_review", "ban-nhap-de-nghi-ra-soat-xa-lam-binh-2026.pdf",
     ["Mẫu số 01", "GIẤY ĐỀ NGHỊ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO HOẶC XÁC ĐỊNH HỘ CÓ MỨC SỐNG TRUNG BÌNH"],
     ["Không có hộ nào để in"]),
    ("print_request_escape", "ban-nhap-de-nghi-thoat-ngheo-xa-lam-binh-2026.pdf",
     ["Mẫu số 04", "GIẤY ĐỀ NGHỊ CÔNG NHẬN HỘ THOÁT NGHÈO, HỘ THOÁT CẬN NGHÈO"], ["Không có hộ nào để in"]),
    ("print_lists", "ban-nhap-bien-ban-va-niem-yet-xa-lam-binh-2026.pdf",
     ["BIÊN BẢN KẾT QUẢ HỌP DÂN ĐỂ THỐNG NHẤT KẾT QUẢ RÀ SOÁT", "DANH SÁCH NIÊM YẾT CÔNG KHAI"], []),
    ("print_minutes", "ban-nhap-bien-ban-hop-thon-xa-lam-binh-2026.pdf",
     ["BIÊN BẢN KẾT QUẢ HỌP DÂN ĐỂ THỐNG NHẤT KẾT QUẢ RÀ SOÁT"], ["DANH SÁCH NIÊM YẾT CÔNG KHAI"]),
    ("print_posting", "ban-nhap-niem-yet-xa-lam-binh-2026.pdf", ["DANH SÁCH NIÊM YẾT CÔNG KHAI"],
     ["BIÊN BẢN KẾT QUẢ HỌP DÂN"]),
    ("print_decision", "ban-nhap-quyet-dinh-xa-lam-binh-2026.pdf",
     ["Mẫu số 02", "QUYẾT ĐỊNH", "Về việc công nhận danh sách hộ nghèo, hộ cận nghèo"], []),
    ("print_certificates", "ban-nhap-giay-chung-nhan-xa-lam-binh-2026.pdf",
     ["Mẫu số 03", "GIẤY CHỨNG NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO"], []),
    ("print_summary", "ban-nhap-bao-cao-xa-lam-binh-2026.pdf",
     ["BÁO CÁO", "Kết quả rà soát hộ nghèo, hộ cận nghèo năm 2026 trên địa bàn xã Lâm Bình"], []),
    ("print_analysis", "ban-nhap-phan-tich-xa-lam-binh-2026.pdf",
     ["PHÂN TÍCH KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2026"], []),
]


@pytest.mark.parametrize("key, offered, says, not_said", ENTRIES, ids=[e[0] for e in ENTRIES])
def test_each_print_menu_entry_prints_its_draft(window, commune, tmp_path, qtbot, monkeypatch, key, offered, says,
                                                not_said):
    save = SaveDialog(tmp_path)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    window.open_workspace(commune)
    window.list_view.table.selectRow(0)
    first, second = window.model.row(0), window.model.row(1)
    names = {"id": first.uuid[:8], "first": first.head_name, "second": second.head_name}
    offered, says, not_said = offered.format(**names), [w.format(**names) for w in says], \
        [w.format(**names) for w in not_said]
    action = window.actions_by_key[key]
    assert action.isEnabled() and action in window.menus["print"].actions()
    action.trigger()
    handle = window.print_actions.job
    qtbot.waitUntil(lambda: not handle.running, timeout=60000)
    assert handle.error is None
    documents = Path(os.environ["HOME"]) / "Documents"             # where an officer looks for a file
    assert Path(save.offered[0]) == documents / offered            # in Documents, a name one recognises
    text = pdf_text(save.chosen[0])
    for words in says:
        assert words in text, words
    for words in not_said:
        assert words not in text, words
    if key != "print_analysis":
        assert "BẢN NHÁP" in text
    assert str(save.chosen[0]) in window.statusBar().currentMessage()


def test_the_excel_workbook_from_the_menu(window, commune, tmp_path, qtbot, monkeypatch):
    import openpyxl

    save = SaveDialog(tmp_path, "bao-cao")                         # typed without its ending: .xlsx is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    window.open_workspace(commune)
    window.actions_by_key["export_xlsx"].trigger()
    handle = window.print_actions.job
    qtbot.waitUntil(lambda: not handle.running, timeout=60000)
    assert Path(save.offered[0]).name == "ban-nhap-bao-cao-xa-lam-binh-2026.xlsx"
    book = openpyxl.load_workbook(tmp_path / "bao-cao.xlsx")
    assert book.worksheets[0]["A1"].value == "BÁO CÁO KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2026"
    assert "1 Kết quả theo thôn" in book.sheetnames


def test_the_village_picked_in_the_list_is_the_one_printed_and_the_folder_is_remembered(window, commune, tmp_path,
                                                                                       qtbot, monkeypatch, store):
    folder = tmp_path / "in"
    folder.mkdir()
    save = SaveDialog(folder)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    window.open_workspace(commune)
    combo = window.list_view.village
    combo.setCurrentIndex(combo.findData("Bản Khuổi Củng"))
    window.actions_by_key["print_posting"].trigger()
    handle = window.print_actions.job
    qtbot.waitUntil(lambda: not handle.running, timeout=60000)
    assert Path(save.offered[0]).name == "ban-nhap-niem-yet-ban-khuoi-cung-2026.pdf"
    text = pdf_text(save.chosen[0])
    assert "Bản Khuổi Củng" in text and "Thôn Nà Đình" not in text
    # the next document is offered in the folder used last
    window.actions_by_key["print_decision"].trigger()
    qtbot.waitUntil(lambda: not window.print_actions.job.running, timeout=60000)
    assert Path(save.offered[1]).parent == folder and store.value("print/folder") == str(folder)


def test_a_cancelled_save_dialog_prints_nothing(window, commune, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: ("", ""))
    window.open_workspace(commune)
    window.actions_by_key["print_decision"].trigger()
    assert window.print_actions.job is None
    assert [p for p in tmp_path.iterdir() if p.suffix == ".pdf"] == []


class Desktop(QObject):
    """The desktop's handler of local files (QDesktopServices.setUrlHandler): what the app hands it."""

    def __init__(self):
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_after_a_printout_the_system_print_dialog_or_the_desktop_opens_it(window, commune, tmp_path, qtbot,
                                                                          monkeypatch, store):
    save = SaveDialog(tmp_path / "out")
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    window.open_workspace(commune)
    window.list_view.table.selectRow(0)
    window.actions_by_key["print_sheet"].trigger()
    qtbot.waitUntil(lambda: not window.print_actions.job.running, timeout=60000)
    printed = window.print_actions.printed_dialog
    assert printed is not None and printed.isVisible()
    pdf = save.chosen[0]
    assert pdf.name in printed.text.text() and str(pdf.parent) in printed.text.text()
    assert printed.print_button.text() == "&In ra giấy…" and printed.open_button.text() == "&Mở tệp"
    assert store.value("print/folder") == str(pdf.parent)               # the folder remembered for next time

    # Print…: the system's print dialog, closed by the user; nothing sent
    printed.print_button.click()
    qtbot.waitUntil(lambda: printed.print_dialog is not None and printed.print_dialog.isVisible(), timeout=5000)
    assert isinstance(printed.print_dialog, QPrintDialog)
    printed.print_dialog.reject()
    qtbot.waitUntil(lambda: not printed.print_dialog.isVisible(), timeout=5000)
    assert printed.result_line.isHidden()
    # again, the printer picked being a file (the only one this machine has): the PDF goes there as it is
    printed.print_button.click()
    qtbot.waitUntil(lambda: printed.print_dialog.isVisible(), timeout=5000)
    paper = tmp_path / "paper.pdf"
    printed.print_dialog.findChild(QLineEdit, "filename").setText(str(paper))
    printed.print_dialog.accept()
    assert paper.read_bytes() == pdf.read_bytes()
    assert printed.result_line.text().startswith("Đã gửi tệp tới máy in")

    # Open: the file handed to the desktop (its own PDF viewer)
    desktop = Desktop()
    QDesktopServices.setUrlHandler("file", desktop, "open")
    try:
        assert printed.open_file()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert desktop.urls == [QUrl.fromLocalFile(str(pdf))]
