"""Printing from the app: the printing service's jobs run through the one job runner; the PDFs are read back."""

from __future__ import annotations

from pypdf import PdfReader


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
