"""File → Villages and resident households: the supervisor enters each village's number of resident households,
of them the ethnic-minority ones, with its date and source, typed into the table (saved as a cell is left, through
workspaces.set_residents, each change traced in the village's change log); a negative number, more minority
households than resident households or a date that is not one is refused in the user's language and nothing is
stored; the dashboard follows; an enumerator's workspace shows them to read only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fieldsurvey.services import workspaces
from fieldsurvey.services import sync as svc
from tests.gui.keys import type_text


def stored(path, village: str):
    with workspaces.opened(path) as ws:
        return next(v for v in workspaces.villages(ws) if v.name == village)


def open_dialog(window):
    window.actions_by_key["villages"].trigger()
    dialog = window.workspace_actions.villages_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_resident_households_typed_in_are_stored_and_the_dashboard_follows(window, unentered_file, qtbot):
    window.open_workspace(unentered_file)
    window.show_view("dashboard")
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=20000)
    dash = window.dashboard
    first = dash.villages.item(0, 0).text()
    assert dash.villages.item(0, dash.village_column("poverty_rate")).text() == "—"
    dialog = open_dialog(window)
    table = dialog.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == workspaces.village_names_of(
        window.workspace.ws)
    assert "chưa tính được tỷ lệ" in dialog.total.text()

    # typed as the supervisor would: a key opens the cell, Enter leaves it (and saves it)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    row = dialog.row_of(first)
    for column, text in ((1, "245"), (2, "61"), (3, "01/07/2026"), (4, "CSDL dân cư")):
        table.setCurrentCell(row, column)
        table.setFocus()
        qtbot.keyClick(table, text[0])
        editor = QApplication.focusWidget()
        assert editor is not table
        type_text(editor, text[1:])
        qtbot.keyClick(editor, Qt.Key_Return)                       # the cell is left: saved (queued by Qt)
        qtbot.waitUntil(lambda c=column, t=text: dialog.table.item(row, c).text() == t, timeout=5000)
    v = stored(unentered_file, first)
    assert (v.residents, v.residents_minority, v.residents_date, v.residents_source) == \
        (245, 61, "2026-07-01", "CSDL dân cư")
    with workspaces.opened(unentered_file) as ws:   # each cell left: its change traced, by this user, newest first
        assert [(c.field, c.old, c.new) for c in workspaces.village_changes(ws, first)][:4] == [
            ("residents_source", None, "CSDL dân cư"), ("residents_date", None, "2026-07-01"),
            ("residents_minority", None, 61), ("residents", None, 245)]
    assert dialog.cell(first, "date").text() == "01/07/2026" and "Đã lưu" in dialog.saved.text()
    assert not dialog.error.isVisible()

    # the dashboard on screen counts again: the village's rate over its 245 resident households
    qtbot.waitUntil(lambda: dash.villages.item(0, dash.village_column("residents")).text() == "245", timeout=20000)
    poor = int(dash.villages.item(0, dash.village_column("poor")).text())
    assert dash.villages.item(0, dash.village_column("poverty_rate")).text() == \
        f"{100 * poor / 245:.1f} %".replace(".", ",")
    assert first not in dash.residents_note.text().split(":", 1)[1]

    # every village's resident households entered: the commune's total, and how many lack the minority number
    names = workspaces.village_names_of(window.workspace.ws)
    for i, name in enumerate(names):
        if name != first:
            dialog.cell(name, "residents").setText(str(100 + i))
    total = f"{245 + sum(100 + i for i in range(1, table.rowCount())):,}".replace(",", ".")
    assert dialog.total.text() == f"Toàn xã: {total} hộ dân cư; còn {len(names) - 1} thôn chưa nhập số hộ dân tộc " \
                                  "thiểu số"
    for i, name in enumerate(names):
        if name != first:
            dialog.cell(name, "minority").setText(str(i))
    assert dialog.total.text() == f"Toàn xã: {total} hộ dân cư, trong đó {61 + sum(range(1, len(names)))} hộ dân " \
                                  "tộc thiểu số"
    qtbot.waitUntil(lambda: not dash.residents_note.isVisible(), timeout=20000)
    dialog.close()


def test_a_negative_number_or_a_bad_date_is_refused_in_the_users_language(window, unentered_file):
    window.open_workspace(unentered_file)
    dialog = open_dialog(window)
    village = dialog.villages[1].name
    dialog.cell(village, "residents").setText("120")
    assert stored(unentered_file, village).residents == 120

    dialog.cell(village, "residents").setText("-5")                       # the service refuses it
    assert dialog.error.isVisible()
    assert dialog.error.text() == f"{village}: Số hộ dân cư không thể là số âm (-5)"
    assert stored(unentered_file, village).residents == 120               # nothing stored
    assert dialog.cell(village, "residents").background().color().name() == "#f8d7da"
    dialog.cell(village, "residents").setText("130")                      # put right: saved, the mark gone
    assert stored(unentered_file, village).residents == 130 and not dialog.error.isVisible()

    # the ethnic-minority households: refused below 0 or above the resident households, saved, cleared
    dialog.cell(village, "minority").setText("-2")
    assert dialog.error.text() == f"{village}: Số hộ dân tộc thiểu số không thể là số âm (-2)"
    dialog.cell(village, "minority").setText("131")
    assert dialog.error.text() == f"{village}: Số hộ dân tộc thiểu số (131) không thể nhiều hơn tổng số hộ dân cư " \
                                  "của thôn (130)"
    assert stored(unentered_file, village).residents_minority is None
    assert dialog.cell(village, "minority").background().color().name() == "#f8d7da"
    dialog.cell(village, "minority").setText("130")                       # all of them: allowed
    assert stored(unentered_file, village).residents_minority == 130 and not dialog.error.isVisible()
    dialog.cell(village, "residents").setText("129")                      # fewer than the minority ones: refused
    assert dialog.error.text() == f"{village}: Số hộ dân tộc thiểu số (130) không thể nhiều hơn tổng số hộ dân cư " \
                                  "của thôn (129)"
    assert stored(unentered_file, village).residents == 130
    dialog.cell(village, "residents").setText("130")
    dialog.cell(village, "minority").setText("")                          # emptied: not entered any more
    assert stored(unentered_file, village).residents_minority is None and not dialog.error.isVisible()
    assert dialog.cell(village, "minority").background().color().name() == "#fff3cd"

    dialog.cell(village, "date").setText("31/02/2026")
    assert dialog.error.text() == f"{village}: «31/02/2026» không phải là một ngày; hãy viết ngày/tháng/năm, " \
                                  "ví dụ 01/07/2026"
    assert stored(unentered_file, village).residents_date is None
    dialog.cell(village, "date").setText("")
    dialog.close()

    window.set_language("en")
    dialog = open_dialog(window)
    dialog.cell(village, "residents").setText("-7")
    assert dialog.error.text() == f"{village}: the number of resident households cannot be negative (-7)"
    dialog.cell(village, "residents").setText("many")
    assert dialog.error.text() == f"{village}: “many” is not a number of households; type a whole number, e.g. 245"
    dialog.cell(village, "residents").setText("130")
    dialog.cell(village, "minority").setText("140")
    assert dialog.error.text() == f"{village}: the ethnic-minority resident households (140) cannot be more than " \
                                  "the village's resident households (130)"
    dialog.cell(village, "minority").setText("-1")
    assert dialog.error.text() == f"{village}: the number of ethnic-minority resident households cannot be " \
                                  "negative (-1)"
    assert stored(unentered_file, village).residents_minority is None
    dialog.cell(village, "minority").setText("")
    dialog.cell(village, "residents").setText("2026-07-01")                # a date in the number's cell
    assert "is not a number of households" in dialog.error.text()
    assert stored(unentered_file, village).residents == 130
    dialog.close()


def test_an_enumerators_workspace_shows_them_to_read(window, tmp_path):
    lan = workspaces.create_workspace(workspaces.NewWorkspace(tmp_path / "lan.fsdb", "02266", ("Thôn Nà Bó",),
                                                              "Lò Thị Lan"))
    assert svc.identity_of(lan).role == "enumerator"
    with workspaces.opened(lan) as ws:
        workspaces.set_residents(ws, "Thôn Nà Bó", 80, "2026-06-30", "Thôn báo cáo", minority=12)
    window.open_workspace(lan)
    dialog = open_dialog(window)
    assert dialog.note.isVisible() and "giám sát viên" in dialog.note.text()
    assert dialog.cell("Thôn Nà Bó", "residents").text() == "80" and dialog.cell("Thôn Nà Bó", "date").text() == \
        "30/06/2026"
    assert dialog.table.editTriggers() == dialog.table.EditTrigger.NoEditTriggers
    assert dialog.cell("Thôn Nà Bó", "minority").text() == "12"
    assert dialog.total.text() == "Toàn xã: 80 hộ dân cư, trong đó 12 hộ dân tộc thiểu số"
    dialog.close()


def test_the_screenshot_command_renders_the_villages_dialog(workspace_file, tmp_path, qapp):
    from click.testing import CliRunner
    from PySide6.QtGui import QImage

    from fieldsurvey.cli import main

    png = tmp_path / "villages.png"
    result = CliRunner().invoke(main, ["gui", "--db", str(workspace_file), "--view", "villages", "--screenshot",
                                       str(png)])
    assert result.exit_code == 0, result.output
    image = QImage(str(png))
    assert (image.width(), image.height()) == (900, 420)
