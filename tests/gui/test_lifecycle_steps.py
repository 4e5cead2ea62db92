"""The household's lifecycle steps from the app, through the household service, on real workspaces and bundles:
a returned household checked and found right is confirmed "checked, no change" from the enumerator's To-do view or
its questionnaire (asked first), leaves the to-do list, goes back with the next hand-in, and waits in the
supervisor's Review view as such, told apart from the submitted ones; a household moved away and come back from the
list's actions, with a reason asked; refusals in the app's language."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from fieldsurvey.gui import crash
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc
from fieldsurvey.storage.audit import log as audit_log
from fieldsurvey.storage.workspace import Workspace
from tests import onfile
from tests.gui.keys import type_text
from tests.gui.modal import answer_next_modal
from tests.sync.conftest import Site


def returned_to_lan(site: Site, names=("Lò Văn Pả", "Hà Thị Lan")) -> list[str]:
    """Households lan filled and handed in; the supervisor returns the first, the return bundle imported at lan."""
    uuids = [site.add(site.lan, "lan", n) for n in names]
    site.send(site.lan, site.sup)
    onfile.review(site.sup, uuids[:1], "return", "Kiểm tra lại diện tích nhà")
    site.send(site.sup, site.lan, to="lan")
    assert site.row(site.lan, uuids[0])["status"] == "returned"
    return uuids


def ok_with(note: str, seen_prompts: list):
    def act(dialog) -> None:
        seen_prompts.append(dialog.prompt.text())
        if note:
            type_text(dialog.comment, note)
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    return act


def test_checked_no_change_from_the_to_do_view_goes_back_and_waits_as_such(window, tmp_path, qtbot):
    site = Site(tmp_path)
    returned, other = returned_to_lan(site)
    window.open_workspace(site.lan)
    window.show_view("todo")
    todo = window.todo
    assert todo.table.rowCount() == 1 and todo.confirm_button.isEnabled()
    assert todo.confirm_button.text() == "Đã kiểm tra, không thay đổi…"

    prompts: list[str] = []
    seen = answer_next_modal(ok_with("Đã đo lại: đúng 60 m²", prompts))
    qtbot.mouseClick(todo.confirm_button, Qt.LeftButton)
    assert seen and "Lò Văn Pả" in prompts[0] and "lần nộp tới" in prompts[0]
    assert site.row(site.lan, returned)["status"] == "confirmed"
    assert todo.table.rowCount() == 0 and "Không có việc cần làm" in todo.heading.text()   # the to-do list follows
    assert "Lò Văn Pả" in window.statusBar().currentMessage()
    with Workspace.open(site.lan) as ws:
        entry = [a for a in audit_log(ws.db, returned) if a["field"] == "status"][-1]
        assert (entry["old"], entry["new"], entry["reason"]) == ("returned", "confirmed", "Đã đo lại: đúng 60 m²")

    window.show_view("list")                                                 # the list follows
    lv = window.list_view
    lv.status.setCurrentIndex(lv.status.findData("confirmed"))
    assert window.model.rowCount() == 1 and window.model.row(0).uuid == returned
    status = window.model.index(0, window.model.COLUMNS.index("status"))
    assert status.data() == "Đã kiểm tra, không thay đổi" and "xác nhận không cần sửa" in status.data(Qt.ToolTipRole)

    # the next hand-in carries it; at the supervisor it waits as "checked, no change"
    handle = window.sync_actions.export_bundle(site.stick)
    with qtbot.waitSignal(handle.done, timeout=20000):
        pass
    assert handle.result.households == 1
    (report,) = run_to_end(svc.import_bundles(site.sup, [handle.result.path]))
    assert report.updated == [returned] and site.row(site.sup, returned)["status"] == "confirmed"
    assert site.row(site.sup, other)["status"] == "submitted"

    window.open_workspace(site.sup)
    window.show_view("review")
    tab = window.review.approval
    assert window.review.tabs.currentWidget() is tab and tab.model.rowCount() == 2
    column = tab.model.COLUMNS.index("status")
    cells = {tab.model.row(r).uuid: tab.model.index(r, column) for r in range(2)}
    assert tab.model.row(0).uuid == returned                                 # shown first, told apart
    assert cells[returned].data() == "Đã kiểm tra, không thay đổi" and cells[other].data() == "Đã nộp, chờ duyệt"
    assert cells[returned].data(Qt.BackgroundRole) != cells[other].data(Qt.BackgroundRole)
    assert "Đã kiểm tra, không thay đổi: 1" in tab.counts.text() and "Đã nộp, chờ duyệt: 1" in tab.counts.text()
    tab.status.setCurrentIndex(tab.status.findData("confirmed"))            # or only them
    assert tab.model.rowCount() == 1 and tab.model.row(0).uuid == returned
    tab.status.setCurrentIndex(0)
    tab.table.selectRow(0)                                                   # and approved like any other
    window.review.confirm = lambda _title, _text: True                       # the supervisor says yes
    qtbot.mouseClick(tab.approve_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.review.job.running, timeout=20000)
    assert site.row(site.sup, returned)["status"] == "approved"
    assert tab.model.rowCount() == 1 and "Đã nộp, chờ duyệt" in tab.counts.text()


def test_checked_no_change_from_the_questionnaire_asks_first(window, tmp_path, qtbot):
    site = Site(tmp_path)
    returned, other = returned_to_lan(site)
    window.open_workspace(site.lan)
    window.open_household(other)
    assert window.form.status == "complete" and window.form_view.confirm_button.isHidden()   # not returned
    window.open_household(returned)
    button = window.form_view.confirm_button
    assert not button.isHidden() and button.text() == "Đã kiểm tra, không thay đổi…"

    seen = answer_next_modal(lambda dialog: dialog.reject())                # cancelled: nothing changes
    qtbot.mouseClick(button, Qt.LeftButton)
    assert seen and site.row(site.lan, returned)["status"] == "returned"

    seen = answer_next_modal(ok_with("", []))                               # the note is optional
    qtbot.mouseClick(button, Qt.LeftButton)
    assert seen and seen[0].dialog.result() == QDialog.Accepted
    assert site.row(site.lan, returned)["status"] == "confirmed"
    assert window.form.status == "confirmed" and button.isHidden()          # the open household is read again
    assert "Đã kiểm tra, không thay đổi" in window.form_view.title.text()
    window.form.answer("floor_area", 61, None)                               # changed after all: returned again
    window.form.flush()
    assert site.row(site.lan, returned)["status"] == "returned" and not button.isHidden()


def test_confirming_a_household_that_was_not_returned_is_refused_in_the_apps_language(window, tmp_path, qtbot):
    site = Site(tmp_path)
    _returned, other = returned_to_lan(site)
    window.open_workspace(site.lan)
    window.set_language("en")
    shown = len(crash.open_dialogs)
    seen = answer_next_modal(ok_with("", []))
    assert not window.household_actions.confirm_unchanged(other)
    assert seen and len(crash.open_dialogs) == shown + 1
    text = crash.open_dialogs[-1].message.text()
    crash.open_dialogs[-1].close()
    assert "cannot be confirmed as checked with no change" in text and "nothing to confirm" in text
    assert site.row(site.lan, other)["status"] == "complete"


def test_moved_away_and_back_from_the_list_with_a_reason(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    lv = window.list_view
    lv.status.setCurrentIndex(lv.status.findData("complete"))
    lv.table.selectRow(0)
    uuid, head = window.model.row(0).uuid, window.model.row(0).head_name
    listed = window.model.rowCount()
    actions = {a.data(): a for a in lv.table.actions()}                     # the list's right-click menu
    assert {"history", "confirm_unchanged", "move_away", "come_back"} <= set(actions)

    steps: list[str] = []

    def empty_then_reason(dialog) -> None:
        steps.append(dialog.prompt.text())
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()      # no reason: refused, still open
        steps.append(dialog.error.text() if dialog.isVisible() else "closed")
        type_text(dialog.comment, "Chuyển vào Bình Dương từ tháng 5/2026")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    seen = answer_next_modal(empty_then_reason)
    actions["move_away"].trigger()
    assert seen and head in steps[0]
    assert steps[1] == "Chưa có lý do: hãy ghi hộ chuyển đi đâu, từ khi nào."
    with Workspace.open(workspace_file) as ws:
        assert ws.household_state(uuid).status == "moved_away"
        entry = [a for a in audit_log(ws.db, uuid) if a["field"] == "status"][-1]
        assert entry["reason"] == "Chuyển vào Bình Dương từ tháng 5/2026"
    assert window.model.rowCount() == listed - 1                            # the list follows its filter
    lv.status.setCurrentIndex(lv.status.findData("moved_away"))
    assert window.model.rowCount() == 1 and window.model.index(0, window.model.COLUMNS.index("status")).data() \
        == "Đã chuyển đi"
    window.dashboard.load(wait=True)                                         # no longer on the review's list
    total = window.dashboard.villages.rowCount() - 1
    assert window.dashboard.villages.item(total, window.dashboard.village_column("listed")).text() == "59"

    # a household that did not move away cannot come back: said in the app's language
    lv.status.setCurrentIndex(lv.status.findData("complete"))
    lv.table.selectRow(0)
    other = window.model.row(0).uuid
    shown = len(crash.open_dialogs)
    seen = answer_next_modal(ok_with("Nhầm", []))
    actions["come_back"].trigger()
    assert seen and len(crash.open_dialogs) == shown + 1
    text = crash.open_dialogs[-1].message.text()
    crash.open_dialogs[-1].close()
    assert "nên không đánh dấu “đã trở về” được" in text and other in text

    lv.status.setCurrentIndex(lv.status.findData("moved_away"))
    lv.table.selectRow(0)
    seen = answer_next_modal(ok_with("Đã trở về từ tháng 9/2026", []))
    actions["come_back"].trigger()
    assert seen
    with Workspace.open(workspace_file) as ws:
        assert ws.household_state(uuid).status == "draft"                     # to be reviewed again
    assert window.model.rowCount() == 0 and head in window.statusBar().currentMessage()


def test_the_supervisor_who_returned_a_household_is_not_offered_to_confirm_it(window, tmp_path):
    site = Site(tmp_path)
    returned, _other = returned_to_lan(site)
    window.open_workspace(site.sup)
    window.open_household(returned)
    assert window.form.status == "returned" and window.form_view.confirm_button.isHidden()
    assert not window.actions_by_key["confirm_unchanged"].isEnabled()
    window.open_workspace(site.lan)                                          # the enumerator is
    window.open_household(returned)
    assert not window.form_view.confirm_button.isHidden()
    assert window.actions_by_key["confirm_unchanged"].isEnabled()
