"""The official copy from the app (Print → Print an official copy…) and the register of issued documents, driven
through their widgets on a supervisor's workspace made by the services (tests/reports' commune: three villages,
every class, last year's results; the households approved by services/review): an official decision and
certificates printed, read back and found in the register and its dialog; the refusals said in the app's language
with nothing written; Cancel; an enumerator's workspace, where the official entries are off."""

from __future__ import annotations

import os
import re
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QFileDialog, QPushButton

from fieldsurvey.services import printing, review, workspaces
from fieldsurvey.services import sync as svc
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.services.households import HouseholdFilter
from fieldsurvey.services import households
from tests.gui.keys import type_text
from tests.gui.test_printing_jobs import SaveDialog, pdf_text
from tests.reports.conftest import build

CHAIRMAN = "Nguyễn Văn Hùng"


@pytest.fixture(scope="module")
def commune_file(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("commune") / "commune.fsdb").path


def supervisors(commune_file: Path, folder: Path, approve: bool = True) -> Path:
    """The commune as its supervisor's workspace (identity "thu"), every household waiting for review approved."""
    path = folder / "xa-lam-binh.fsdb"
    shutil.copy(commune_file, path)
    svc.init_workspace(path, "thu", "supervisor")
    if approve:
        with workspaces.opened(path) as ws:
            waiting = [r.uuid for r in households.rows(ws, HouseholdFilter(status=HouseholdStatus.COMPLETE))]
            review.decide(ws, waiting, "approve")
    return path


@pytest.fixture
def approved(commune_file, tmp_path) -> Path:
    return supervisors(commune_file, tmp_path)


def approved_count(path: Path) -> int:
    with workspaces.opened(path) as ws:
        return households.count(ws, HouseholdFilter(status=HouseholdStatus.APPROVED))


def open_official(window, qtbot):
    window.actions_by_key["print_official"].trigger()
    dialog = window.print_actions.official_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    return dialog


def fill_in(qtbot, dialog, chairman: str | None = CHAIRMAN, on: date | None = None, number: str | None = None):
    """Typed as the user would: the signer's name, the number; the date picked."""
    if chairman is not None:
        dialog.chairman.selectAll()
        qtbot.keyClick(dialog.chairman, Qt.Key_Delete)
        type_text(dialog.chairman, chairman)
    if on is not None:
        dialog.issued_on.setDate(QDate(on.year, on.month, on.day))
    if number is not None:
        dialog.number.clear()
        type_text(dialog.number, number)


def print_it(qtbot, window, dialog):
    """Click the button; wait for the printing (if any started) to end."""
    before = window.print_actions.job
    qtbot.mouseClick(dialog.print_button, Qt.LeftButton)
    handle = window.print_actions.job
    if handle is not before:
        qtbot.waitUntil(lambda: not handle.running, timeout=60000)
    return handle


def certificate_numbers(path: Path) -> list[int]:
    return [int(n) for page in PdfReader(str(path)).pages
            for n in re.findall(r"Số: (\d+)/GCN-HN\.HCN", page.extract_text() or "")]


def test_an_official_decision_and_certificates_printed_and_recorded(window, approved, tmp_path, qtbot, monkeypatch,
                                                                     store):
    save = SaveDialog(tmp_path)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    window.open_workspace(approved)
    assert window.actions_by_key["print_official"].isEnabled()

    # the decision, as the dialog opens with it: what an official copy is, said plainly
    dialog = open_official(window, qtbot)
    n = approved_count(approved)
    assert dialog.kind() == "decision"
    assert f"chỉ gồm các hộ đã được duyệt (hiện có {n} hộ)" in dialog.intro.text()
    assert "ghi vào Sổ văn bản đã cấp" in dialog.intro.text()
    assert dialog.issued_on.date() == QDate.currentDate()                    # today, unless changed
    assert not dialog.form.isRowVisible(dialog.scope)                       # the decision is the commune's
    assert dialog.symbol.text() == "/QĐ-UBND" and "Chưa cấp văn bản nào loại này" in dialog.hint.text()
    fill_in(qtbot, dialog, CHAIRMAN, date(2026, 12, 10), "125")
    handle = print_it(qtbot, window, dialog)
    assert handle.error is None and not dialog.isVisible()
    decision = save.chosen[-1]
    assert decision.name == "quyet-dinh-125-xa-lam-binh-2026.pdf"
    text = pdf_text(decision)
    for words in ("QUYẾT ĐỊNH", "Số: 125/QĐ-UBND", "Lâm Bình, ngày 10 tháng 12 năm 2026", CHAIRMAN):
        assert words in text, words
    assert "BẢN NHÁP" not in text
    assert "bản chính thức" in window.statusBar().currentMessage() and str(decision) in \
        window.statusBar().currentMessage()
    assert store.value("print/chairman") == CHAIRMAN                         # remembered for next time

    # the certificates: the chairman remembered, numbered from the next free number
    dialog = open_official(window, qtbot)
    assert dialog.chairman.text() == CHAIRMAN
    assert "Lần cấp trước: số 125/QĐ-UBND, 10/12/2026" in dialog.hint.text()
    dialog.pick("certificates")
    assert dialog.form.isRowVisible(dialog.first_number) and not dialog.form.isRowVisible(dialog.number_row)
    assert dialog.first_number.value() == 1 and "Số tiếp theo chưa cấp là 1" in dialog.hint.text()
    assert dialog.scope.currentText() == "Cả xã"
    fill_in(qtbot, dialog, on=date(2026, 12, 11))
    print_it(qtbot, window, dialog)
    certificates = save.chosen[-1]
    numbers = certificate_numbers(certificates)
    text = pdf_text(certificates)
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 10
    assert "GIẤY CHỨNG NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO" in text and "ngày 11 tháng 12 năm 2026" in text
    assert "BẢN NHÁP" not in text

    register = printing.issued_documents(approved)
    assert [(r["kind"], r["symbol"], r["issued_on"], r["issued_by"]) for r in register[:2]] == \
        [("decision", "125/QĐ-UBND", "2026-12-10", "thu"), ("certificate", "1/GCN-HN.HCN", "2026-12-11", "thu")]
    assert len(register) == 1 + len(numbers)

    # the register, read-only: every entry in words
    window.actions_by_key["print_issued"].trigger()
    book = window.print_actions.issued_dialog
    assert book.isVisible() and book.table.rowCount() == len(register)
    assert f"{len(register)} văn bản" in book.heading.text()
    assert book.texts("kind")[:2] == ["Quyết định công nhận (Mẫu số 02)", "Giấy chứng nhận (Mẫu số 03)"]
    assert book.texts("symbol")[:3] == ["125/QĐ-UBND", "1/GCN-HN.HCN", "2/GCN-HN.HCN"]
    assert book.texts("for")[0] == "Cả xã" and " — " in book.texts("for")[1]       # the head — the village
    assert book.texts("issued_on")[:2] == ["10/12/2026", "11/12/2026"]
    assert set(book.texts("issued_by")) == {"thu"}
    assert set(book.texts("class")[1:]) <= {"Hộ nghèo", "Hộ cận nghèo"}
    assert book.table.editTriggers() == QAbstractItemView.NoEditTriggers
    assert not book.table.item(0, 0).flags() & Qt.ItemIsEditable

    # sorted by a click on a heading: numbers as numbers (2 before 10), the decision's 125 last
    header = book.table.horizontalHeader()
    column = book.column("symbol")
    qtbot.mouseClick(header.viewport(), Qt.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(column) + 10, header.height() // 2))
    shown = book.texts("symbol")
    assert shown == [f"{k}/GCN-HN.HCN" for k in range(1, len(numbers) + 1)] + ["125/QĐ-UBND"]

    # a household's certificate printed again keeps its number, recorded as a reprint; the register follows
    first_certified = register[1]["uuid"]
    window.show_view("list")
    row = next(r for r in range(window.model.rowCount()) if window.model.row(r).uuid == first_certified)
    window.list_view.table.selectRow(row)
    dialog = open_official(window, qtbot)
    dialog.pick("certificates")
    head = window.model.row(row).head_name
    dialog.scope.setCurrentIndex(dialog.scope.findText(f"Chỉ hộ đang chọn: {head}"))
    print_it(qtbot, window, dialog)
    assert certificate_numbers(save.chosen[-1]) == [1]
    assert save.chosen[-1].name == f"giay-chung-nhan-{first_certified[:8]}-2026.pdf"
    qtbot.waitUntil(lambda: book.table.rowCount() == len(register) + 1, timeout=5000)
    book.table.sortByColumn(0, Qt.AscendingOrder)
    assert book.texts("symbol")[-1] == "1/GCN-HN.HCN"
    assert book.texts("reprint_of")[-1] == "in lại mục #2"


def test_refusals_are_said_in_vietnamese_and_nothing_is_written(window, commune_file, tmp_path, qtbot, monkeypatch):
    """Nothing approved; residents missing (the report); a certificate number already given; no signer's name —
    each said under the fields in Vietnamese, the dialog left open, no file, nothing recorded."""
    save = SaveDialog(tmp_path / "out")
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    nothing = supervisors(commune_file, tmp_path, approve=False)
    window.open_workspace(nothing)
    dialog = open_official(window, qtbot)
    assert "(hiện có 0 hộ)" in dialog.intro.text()
    fill_in(qtbot, dialog, number="7")
    print_it(qtbot, window, dialog)
    assert dialog.isVisible() and dialog.error.isVisible() and dialog.print_button.isEnabled()
    assert "Chưa có hộ nào đã được duyệt để in bản chính quyết định công nhận danh sách hộ nghèo, hộ cận nghèo" \
        in dialog.error.text()
    assert list((tmp_path / "out").iterdir()) == [] and printing.issued_documents(nothing) == []
    dialog.reject()
    window.workspace.close()

    (tmp_path / "b").mkdir()
    approved = supervisors(commune_file, tmp_path / "b")
    with workspaces.opened(approved) as ws:
        workspaces.set_residents(ws, "Bản Khuổi Củng", None)
    window.open_workspace(approved)

    # the signer's name is asked for first: no file asked for, nothing printed
    dialog = open_official(window, qtbot)
    dialog.pick("summary")
    fill_in(qtbot, dialog, chairman="", number="12")
    asked = len(save.offered)
    print_it(qtbot, window, dialog)
    assert len(save.offered) == asked
    assert dialog.error.text() == "Hãy nhập họ và tên người ký (Chủ tịch Ủy ban nhân dân xã): tên này được in " \
                                  "dưới chữ ký."

    # the official report needs every village's resident households
    fill_in(qtbot, dialog, chairman=CHAIRMAN)
    print_it(qtbot, window, dialog)
    assert dialog.isVisible() and "Báo cáo chính thức ghi tỷ lệ của từng thôn nên cần số hộ dân cư của từng thôn. " \
        "Chưa nhập cho: Bản Khuổi Củng" in dialog.error.text()
    assert list((tmp_path / "out").iterdir()) == [] and printing.issued_documents(approved) == []

    # certificates 1… given, then a first number already given is refused
    dialog.pick("certificates")
    assert not dialog.error.isVisible()
    print_it(qtbot, window, dialog)
    given = len(certificate_numbers(save.chosen[-1]))
    dialog = open_official(window, qtbot)
    dialog.pick("certificates")
    assert dialog.first_number.value() == given + 1
    dialog.first_number.setValue(5)
    print_it(qtbot, window, dialog)
    assert dialog.isVisible()
    assert dialog.error.text().startswith(f"Số giấy chứng nhận đầu tiên: Số 5 đã được cấp (số lớn nhất đã cấp là "
                                          f"{given}); số giấy chứng nhận không bao giờ được dùng lại")
    assert len(list((tmp_path / "out").iterdir())) == 1 and len(printing.issued_documents(approved)) == given

    # in English, the same refusal in English
    dialog.reject()
    window.set_language("en")
    dialog = open_official(window, qtbot)
    dialog.pick("certificates")
    dialog.first_number.setValue(3)
    print_it(qtbot, window, dialog)
    assert dialog.error.text().startswith("First certificate number: number 3 has been given already")


def test_cancel_leaves_no_file_and_records_nothing(window, approved, tmp_path, qtbot, monkeypatch):
    from fieldsurvey.gui.actions import printing as actions
    from fieldsurvey.progress import Progress

    save = SaveDialog(tmp_path)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    go_on = threading.Event()
    real = actions.document_job

    def held(*args, **kwargs):   # the job waits after its first step until the test has pressed Cancel
        yield Progress(0, 1, "")
        go_on.wait(10)
        return (yield from real(*args, **kwargs))

    monkeypatch.setattr(actions, "document_job", held)
    window.open_workspace(approved)
    dialog = open_official(window, qtbot)
    fill_in(qtbot, dialog, number="9")
    qtbot.mouseClick(dialog.print_button, Qt.LeftButton)
    handle = window.print_actions.job
    assert not dialog.print_button.isEnabled()            # nothing asked twice while it prints
    handle.dialog.findChild(QPushButton).click()          # the progress dialog's Cancel
    go_on.set()
    qtbot.waitUntil(lambda: not handle.running, timeout=20000)
    assert handle.was_cancelled and dialog.isVisible() and dialog.print_button.isEnabled()
    assert [p for p in tmp_path.iterdir() if p.suffix == ".pdf"] == []
    assert printing.issued_documents(approved) == []


def test_an_enumerators_workspace_cannot_issue_official_copies(window, commune_file, tmp_path):
    path = tmp_path / "lan.fsdb"
    shutil.copy(commune_file, path)
    svc.init_workspace(path, "lan", "enumerator")
    window.open_workspace(path)
    assert not window.actions_by_key["print_official"].isEnabled()
    assert window.print_actions.issue_official() is None
    assert window.actions_by_key["print_issued"].isEnabled()          # the register is there to read
    assert window.actions_by_key["print_decision"].isEnabled()        # drafts are everyone's
    book = window.print_actions.show_issued()
    assert book.table.rowCount() == 0 and book.empty.isVisible()
    assert "Chưa cấp bản chính thức nào" in book.empty.text()


@pytest.mark.skipif(os.name != "posix", reason="the writer lock is POSIX flock")
def test_a_supervisors_workspace_opened_read_only_says_why_and_prints_nothing(window, approved, qtbot):
    from tests.gui.test_error_language import BUSY_VI, HeldLock

    with HeldLock(approved):
        window.open_workspace(approved)
        assert window.workspace.ws.read_only and window.actions_by_key["print_official"].isEnabled()
        dialog = open_official(window, qtbot)
        assert dialog.note.isVisible() and dialog.note.text() == "Chỉ xem, không sửa được: " + BUSY_VI
        assert not dialog.print_button.isEnabled()
        dialog.reject()
        window.workspace.close()
    assert printing.issued_documents(approved) == []


def test_a_workspace_without_identity_has_no_official_copy_either(window, commune_file, tmp_path):
    path = tmp_path / "x.fsdb"
    shutil.copy(commune_file, path)
    window.open_workspace(path)
    assert not window.actions_by_key["print_official"].isEnabled()
    assert window.actions_by_key["print_sheets"].isEnabled()


def test_the_official_dialog_and_the_register_render_for_the_docs(approved, tmp_path, qapp, monkeypatch):
    from click.testing import CliRunner
    from PySide6.QtGui import QImage

    from fieldsurvey.cli import main

    settings = tmp_path / "settings.ini"
    settings.write_text(f"[print]\nchairman={CHAIRMAN}\n", encoding="utf-8")
    monkeypatch.setenv("FIELDSURVEY_SETTINGS", str(settings))
    for view in ("print", "official", "issued"):
        png = tmp_path / f"{view}.png"
        result = CliRunner().invoke(main, ["gui", "--db", str(approved), "--view", view, "--screenshot", str(png)])
        assert result.exit_code == 0, result.output
        image = QImage(str(png))
        assert image.width() >= 700 and image.height() >= 200, view
    assert QImage(str(tmp_path / "print.png")).size().toTuple() == (1366, 768)
