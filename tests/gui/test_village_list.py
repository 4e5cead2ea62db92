"""File → Villages and resident households, the supervisor's list: a village added, renamed and merged from the
keyboard (the merge asked first), the household list and the dashboard following; refusals said in the app's
language. The questionnaire's village picked by the keyboard from the workspace's list — never typed —, and an
enumerator's workspace with no list yet saying where it comes from. Real widgets, real workspace files."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox

from fieldsurvey.gui.texts import language
from fieldsurvey.services import households as hh
from fieldsurvey.services import villages, workspaces
from tests.gui.keys import press, type_text
from tests.gui.modal import answer_next_modal


def open_dialog(window, qtbot):
    window.actions_by_key["villages"].trigger()
    dialog = window.workspace_actions.villages_dialog
    assert dialog is not None and dialog.isVisible() and dialog.edits.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    return dialog


def names(dialog) -> list[str]:
    return [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]


def test_the_supervisor_adds_renames_and_merges_villages_from_the_keyboard(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    ws = window.workspace.ws
    first, second = workspaces.village_names_of(ws)[:2]
    in_first = len(hh.rows(ws, hh.HouseholdFilter(village=first)))
    in_second = len(hh.rows(ws, hh.HouseholdFilter(village=second)))
    dialog = open_dialog(window, qtbot)

    # added: the name typed, Enter
    dialog.name_input.setFocus()
    type_text(dialog.name_input, "Bản Khuổi Củng")
    press(dialog.name_input, Qt.Key_Return)
    assert names(dialog)[-1] == "Bản Khuổi Củng" and dialog.name_input.text() == ""
    assert "Đã thêm thôn «Bản Khuổi Củng»" in dialog.saved.text()

    # renamed: the first village selected, the new name typed, Alt+N (the button's key)
    dialog.table.setCurrentCell(0, 0)
    dialog.name_input.setFocus()
    type_text(dialog.name_input, "Thôn Nà Đình")
    press(dialog.name_input, Qt.Key_N, Qt.AltModifier)   # (a button's Alt key clicks it after a short flash)
    qtbot.waitUntil(lambda: names(dialog)[0] == "Thôn Nà Đình", timeout=5000)
    assert first not in names(dialog)
    assert f"{in_first} hộ chuyển theo" in dialog.saved.text()
    assert window.list_view.village.findText("Thôn Nà Đình") >= 0 and window.list_view.village.findText(first) < 0
    assert len(hh.rows(ws, hh.HouseholdFilter(village="Thôn Nà Đình"))) == in_first

    # merged: the second village selected, the first picked beside the button, Alt+G; asked first — "No" changes
    # nothing, "Yes" merges
    dialog.table.setCurrentCell(1, 0)
    dialog.merge_into.setCurrentIndex(dialog.merge_into.findText("Thôn Nà Đình"))
    asked = answer_next_modal(lambda box: box.button(QMessageBox.No).click(), name="confirmBox")
    press(dialog.table, Qt.Key_G, Qt.AltModifier)
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert f"Gộp thôn «{second}» vào thôn «Thôn Nà Đình»?" in asked[0].text and f"{in_second} hộ" in asked[0].text
    assert second in names(dialog)
    dialog.activateWindow()   # (offscreen, the question's closing leaves no window active)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    answer_next_modal(lambda box: box.button(QMessageBox.Yes).click(), name="confirmBox")
    press(dialog.table, Qt.Key_G, Qt.AltModifier)
    qtbot.waitUntil(lambda: second not in names(dialog), timeout=5000)
    assert len(hh.rows(ws, hh.HouseholdFilter(village="Thôn Nà Đình"))) == in_first + in_second

    # the dashboard counts them under the village's name now
    dialog.close()
    window.show_view("dashboard")
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=20000)
    table = window.dashboard.villages
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    assert "Thôn Nà Đình" in rows and first not in rows and second not in rows
    listed = window.dashboard.village_column("listed")
    assert table.item(rows["Thôn Nà Đình"], listed).text() == str(in_first + in_second)


def test_a_refusal_is_said_under_the_table_in_english(window, workspace_file, qtbot):
    language.set("en")
    window.open_workspace(workspace_file)
    first, second = workspaces.village_names_of(window.workspace.ws)[:2]
    dialog = open_dialog(window, qtbot)
    assert dialog.add_button.text() == "&Add village" and dialog.rename_button.text().startswith("&Rename")
    dialog.table.setCurrentCell(0, 0)
    dialog.name_input.setFocus()
    type_text(dialog.name_input, second.lower())
    press(dialog.name_input, Qt.Key_R, Qt.AltModifier)
    qtbot.waitUntil(dialog.error.isVisible, timeout=5000)
    assert f"already has the village «{second}»" in dialog.error.text()
    assert names(dialog)[:2] == [first, second]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_village_is_picked_by_the_keyboard_from_the_list_never_typed(window, workspace_file, qtbot, lang):
    language.set(lang)
    window.open_workspace(workspace_file)
    listed = workspaces.village_names_of(window.workspace.ws)
    window.activateWindow()
    qtbot.waitActive(window)
    press(window.list_view.table, Qt.Key_N, Qt.ControlModifier)   # a new household: the form opens at the top
    field = window.form_view.fields["identification"]["village"]
    combo = field.widget
    assert isinstance(combo, QComboBox) and not combo.isEditable()   # nothing can be typed in
    assert [combo.itemData(i) for i in range(1, combo.count())] == listed
    combo.setFocus()
    type_text(combo, "2")                                             # its number picks it
    qtbot.waitUntil(lambda: window.form.session.value("village") == listed[1], timeout=5000)
    type_text(combo, "Bản Không Có")                                  # letters only find a village that is listed
    assert window.form.session.value("village") in listed


def test_an_enumerator_with_no_list_yet_is_told_where_it_comes_from(window, tmp_path, qtbot):
    lan = workspaces.create_workspace(workspaces.NewWorkspace(tmp_path / "lan.fsdb", "02266",
                                                              enumerator="Lò Thị Lan"))
    window.open_workspace(lan)
    window.activateWindow()
    qtbot.waitActive(window)
    press(window.list_view.table, Qt.Key_N, Qt.ControlModifier)
    field = window.form_view.fields["identification"]["village"]
    assert not field.widget.isVisible() and field.computed.isVisible()
    assert "danh sách của giám sát viên" in field.computed.text() and "không gõ tay" in field.computed.text()
    window.workspace.close()
    payload = {"format": 1, "version": 3, "villages": [{"name": "Thôn Nà Bó"}, {"name": "Bản Khuổi Củng"}],
               "changes": []}
    with workspaces.opened(lan) as ws:
        villages.apply_villages_payload(ws, payload, by="thu")
    window.open_workspace(lan)
    press(window.list_view.table, Qt.Key_N, Qt.ControlModifier)
    field = window.form_view.fields["identification"]["village"]
    assert field.widget.isVisible() and not field.computed.isVisible()
    assert [field.widget.itemData(i) for i in range(1, field.widget.count())] == ["Thôn Nà Bó", "Bản Khuổi Củng"]


@pytest.mark.parametrize("lang, unknown, applied", [
    ("vi", "thôn «Thôn Nà Đìn» không có trong danh sách thôn của xã", "Danh sách thôn đã cập nhật theo giám sát viên"),
    ("en", "the village «Thôn Nà Đìn» is not on the commune's list of villages",
     "The list of villages now follows the supervisor's"),
])
def test_the_apps_import_summary_says_what_happened_to_villages(qapp, lang, unknown, applied):
    from fieldsurvey.gui.dialogs.import_summary import report_lines
    from fieldsurvey.services.sync import ImportReport

    language.set(lang)
    report = ImportReport("lan_0002.fsbundle", "imported", kind="hand-in", user="lan", sequence=2,
                          unknown_villages=[["0b0e-…", "Thôn Nà Đìn"]],
                          villages={"version": 4, "renamed": [["Thôn 1", "Thôn Nà Đình"]], "added": [],
                                    "removed": [], "kept": [], "households": 2})
    lines = report_lines([report], lang)
    assert any(unknown in line for line in lines) and any(applied in line for line in lines)
    assert "  «Thôn 1» → «Thôn Nà Đình»" in lines
