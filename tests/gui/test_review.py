"""The supervisor's Review view and the enumerator's To-do and History, driven through the real widgets on real
workspaces made by services/sync (two enumerators, lan and hoa, and their supervisor thu, keys swapped) and real
bundles: a conflict settled field by field, likely duplicates kept apart and merged, households approved in bulk
and returned with a comment that reaches the enumerator's to-do list, and the history of who changed what."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton

from fieldsurvey.gui.dialogs.comment import ask_yes
from tests import onfile
from fieldsurvey.storage import revisions
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc
from fieldsurvey.storage.workspace import Workspace
from tests.gui.keys import press, type_text
from tests.gui.modal import answer_next_modal
from tests.sync.conftest import Site


def import_in_window(window, qtbot, bundle) -> QMessageBox:
    with qtbot.waitSignal(window.sync_actions.import_bundles([bundle]).done, timeout=20000):
        pass
    box = window.findChildren(QMessageBox, "importSummary")[-1]
    assert box.isVisible()
    return box


def back_to(window, qtbot) -> None:
    """The user clicks back into the main window after the dialogs (offscreen, nothing else activates it)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


def test_a_conflict_is_resolved_field_by_field_in_the_review_view(window, tmp_path, qtbot):
    site = Site(tmp_path)
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    before = site.doc(site.sup, a1)["household"]
    # both sides change the same household from the same parent
    site.edit(site.sup, a1, lambda d: d["household"].update(floor_area=30, water_source="drilled_well"))
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=44, latrine="none"))
    bundle = svc.export_bundle(site.lan, site.stick).path

    window.open_workspace(site.sup)
    assert window.actions_by_key["view_review"].isEnabled()
    assert not window.actions_by_key["view_todo"].isEnabled()       # the to-do list is the enumerator's
    box = import_in_window(window, qtbot, bundle)
    assert "1 xung đột" in window.sync_actions.last_import_summary and "Đang chờ giám sát viên xử lý" in window.sync_actions.last_import_summary
    qtbot.mouseClick(box.findChild(QPushButton, "openReview"), Qt.LeftButton)
    assert window.current_view() == "review"
    review = window.review
    assert review.tabs.currentWidget() is review.conflicts and review.tabs.tabText(0) == "Xung đột (1)"
    assert review.conflicts.list.count() == 1
    assert "Lò Văn Pả" in review.conflicts.list.item(0).text() and "thu ↔ lan" in review.conflicts.list.item(0).text()

    # approving a household with an open conflict is refused with the service's message
    from fieldsurvey.gui import crash

    review.tabs.setCurrentWidget(review.approval)
    review.approval.table.selectAll()
    review.confirm = lambda _title, _text: True      # the supervisor says yes (asking is tested below)
    qtbot.mouseClick(review.approval.approve_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not review.job.running, timeout=20000)
    assert "Hộ này còn một xung đột chưa xử lý" in crash.open_dialogs[-1].message.text()   # the app's language
    crash.open_dialogs[-1].close()
    assert site.row(site.sup, a1)["status"] == "submitted"
    review.tabs.setCurrentWidget(review.conflicts)

    table = review.conflicts.table
    rows = {table.item(r, 0).data(Qt.UserRole): r for r in range(table.rowCount())}
    assert set(rows) == {"household.floor_area", "household.latrine", "household.water_source"}
    r = rows["household.floor_area"]
    assert table.item(r, 0).text() == "Diện tích ở (m²)"                       # the form's label
    assert "household.floor_area" in table.item(r, 0).toolTip()                # its audit name: a tooltip only
    assert all("household." not in table.item(row, c).text() for row in range(table.rowCount())
               for c in range(3))                                               # never a field path on screen
    assert (table.item(r, 1).text(), table.item(r, 2).text()) == ("30", "44")   # ours beside theirs
    assert table.item(rows["household.latrine"], 2).text() == "Không có nhà tiêu"   # a choice's label
    assert "thu" in table.horizontalHeaderItem(1).text() and "lan" in table.horizontalHeaderItem(2).text()
    combos = review.conflicts.combos
    assert all(c.currentData() == "local" for c in combos.values())           # ours by default
    # theirs for the floor area, ours (chosen explicitly) for the latrine, the water source left at ours
    combos["household.floor_area"].setCurrentIndex(combos["household.floor_area"].findData("incoming"))
    combos["household.latrine"].setCurrentIndex(combos["household.latrine"].findData("incoming"))
    combos["household.latrine"].setCurrentIndex(combos["household.latrine"].findData("local"))
    # Resolve says what will change and asks: "No" changes nothing
    review.confirm = lambda title, text: ask_yes(review, title, text)   # the real question again
    seen = answer_next_modal(lambda box: box.button(QMessageBox.No).click())
    qtbot.mouseClick(review.conflicts.resolve_button, Qt.LeftButton)
    assert seen, "Resolve did not ask"
    said = seen[0].text
    assert "Diện tích ở (m²)" in said and "30" in said and "44" in said and "lan" in said, said
    assert "Nguồn nước" not in said and "household." not in said        # fields kept as they are: counted only
    assert review.conflicts.list.count() == 1 and onfile.list_conflicts(site.sup) != []
    seen = answer_next_modal(lambda box: box.button(QMessageBox.Yes).click())
    qtbot.mouseClick(review.conflicts.resolve_button, Qt.LeftButton)
    assert seen

    assert review.conflicts.list.count() == 0 and review.tabs.tabText(0) == "Xung đột (0)"
    assert "Lò Văn Pả" in window.statusBar().currentMessage()
    assert onfile.list_conflicts(site.sup) == []
    with Workspace.open(site.sup) as ws:
        doc = ws.get_household(a1)["household"]
        assert (doc["floor_area"], doc["water_source"], doc["latrine"]) == (44, "drilled_well", before["latrine"])
        # nothing lost: the new head joins both lines, and lan's revision is kept
        (c,) = onfile.list_conflicts(site.sup, open_only=False)
        head = revisions.current(ws.db, a1)
        settled = revisions.get(ws.db, head.merged)
        assert settled is not None and settled.user == c.theirs_user == "lan"
        assert revisions.get(ws.db, head.parent).user == c.ours_user
    # the settled household goes back to lan as a correction: an update there, not a new conflict
    back = site.send(site.sup, site.lan, to="lan")
    assert back.updated == [a1] and not back.conflicts


def test_likely_duplicates_kept_apart_and_merged(window, tmp_path, qtbot):
    site = Site(tmp_path)
    a1 = site.add(site.lan, "lan", "Nguyễn Văn Ánh")
    b1 = site.add(site.hoa, "hoa", "nguyen van anh")
    a2 = site.add(site.lan, "lan", "Đinh Thị Mơ")
    b2 = site.add(site.hoa, "hoa", "dinh thi mo")
    site.send(site.lan, site.sup)
    assert site.send(site.hoa, site.sup).duplicates == 2

    window.open_workspace(site.sup)
    press(window.list_view.table, Qt.Key_4, Qt.ControlModifier)              # Ctrl+4: the Review view
    assert window.current_view() == "review"
    dups = window.review.duplicates
    assert window.review.tabs.currentWidget() is dups and dups.list.count() == 2
    pairs = {frozenset((d.a.uuid, d.b.uuid)): i for i, d in enumerate(dups.items)}
    dups.list.setCurrentRow(pairs[frozenset((a1, b1))])
    assert "Trùng tên chủ hộ, năm sinh và thôn" in dups.reason.text()
    facts = {dups.table.verticalHeaderItem(r).text(): (dups.table.item(r, 0).text(), dups.table.item(r, 1).text())
             for r in range(dups.table.rowCount())}
    assert set(facts["Chủ hộ"]) == {"Nguyễn Văn Ánh", "nguyen van anh"}
    assert facts["Năm sinh chủ hộ"] == ("1986", "1986") and set(facts["Rà soát viên"]) == {"lan", "hoa"}
    # keep apart says what it records and asks: "No" changes nothing
    seen = answer_next_modal(lambda box: box.button(QMessageBox.No).click())
    qtbot.mouseClick(dups.apart, Qt.LeftButton)
    assert seen and "Nguyễn Văn Ánh" in seen[0].text and "nguyen van anh" in seen[0].text
    assert dups.list.count() == 2
    seen = answer_next_modal(lambda box: box.button(QMessageBox.Yes).click())
    qtbot.mouseClick(dups.apart, Qt.LeftButton)
    assert seen and dups.list.count() == 1 and {dups.items[0].a.uuid, dups.items[0].b.uuid} == {a2, b2}

    # merge asks first: "No" changes nothing
    keep_side = "a" if dups.items[0].a.uuid == b2 else "b"
    button = dups.keep_a if keep_side == "a" else dups.keep_b
    seen = answer_next_modal(lambda box: box.button(QMessageBox.No).click())
    qtbot.mouseClick(button, Qt.LeftButton)
    assert seen and "Đinh Thị Mơ" in seen[0].text and "dinh thi mo" in seen[0].text
    assert dups.list.count() == 1 and site.row(site.sup, a2)["status"] == "submitted"
    seen = answer_next_modal(lambda box: box.button(QMessageBox.Yes).click())
    qtbot.mouseClick(button, Qt.LeftButton)
    assert seen and dups.list.count() == 0 and window.review.tabs.tabText(1) == "Hộ nghi trùng (0)"

    assert site.row(site.sup, a2)["status"] == "merged" and site.row(site.sup, b2)["status"] == "submitted"
    assert site.row(site.sup, a1)["status"] == site.row(site.sup, b1)["status"] == "submitted"   # kept apart
    decided = {frozenset((d["uuid_a"], d["uuid_b"])): d["status"] for d in
               (dict(r) for r in _all_duplicates(site.sup))}
    assert decided == {frozenset((a1, b1)): "apart", frozenset((a2, b2)): "merged"}
    assert any(h.action == "merged-into" for h in onfile.history(site.sup, a2))


def _all_duplicates(path):
    from fieldsurvey.storage import sync_store

    with Workspace.open(path) as ws:
        return sync_store.duplicates(ws.db, open_only=False)


def test_bulk_approve_a_return_with_a_comment_reaches_the_enumerators_to_do_and_history(window, tmp_path, qtbot):
    site = Site(tmp_path)
    uuids = [site.add(site.lan, "lan", name) for name in
             ("Lò Văn Pả", "Hà Thị Lan", "Ma Văn Tuấn", "Nông Thị Hoa", "Hoàng Văn Sử")]
    site.send(site.lan, site.sup)

    window.open_workspace(site.sup)
    window.show_view("review")
    tab = window.review.approval
    assert window.review.tabs.currentWidget() is tab
    assert tab.model.rowCount() == 5 and all(tab.model.row(r).status == "submitted" for r in range(5))
    assert not tab.approve_button.isEnabled()                                 # nothing selected yet
    by_uuid = {tab.model.row(r).uuid: r for r in range(5)}

    def select(picked: list[str]) -> None:
        sm = tab.table.selectionModel()
        sm.clearSelection()
        for u in picked:
            sm.select(tab.model.index(by_uuid[u], 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)

    # bulk approval of three
    select(uuids[:3])
    assert "đã chọn 3" in tab.counts.text()

    def say(answer) -> list:
        """The next confirmation answered (found by its name: another test's dialog may still be about)."""
        return answer_next_modal(lambda box: box.button(answer).click(), name="confirmBox")

    asked = say(QMessageBox.No)                             # asked first: "No" changes nothing
    qtbot.mouseClick(tab.approve_button, Qt.LeftButton)
    assert asked and asked[0].text.startswith("Duyệt 3 hộ: ") and "Đã duyệt" in asked[0].text
    assert asked[0].buttons == {"&Có", "&Không"}            # Qt's own buttons, in Vietnamese
    assert [site.row(site.sup, u)["status"] for u in uuids] == ["submitted"] * 5
    heads = [tab.model.row(by_uuid[u]).head_name for u in uuids[:3]]
    assert all(h in asked[0].text for h in heads)            # the households named, as the supervisor knows them
    approve = window.actions_by_key["review_approve"]     # the Review menu's entry, with its key, does the same
    assert approve in window.menus["review"].actions() and approve.shortcut().toString() == "Ctrl+Shift+A"
    assert approve.isEnabled()
    asked = say(QMessageBox.Yes)
    approve.trigger()
    assert asked
    qtbot.waitUntil(lambda: window.review.job is not None and not window.review.job.running, timeout=20000)
    assert [site.row(site.sup, u)["status"] for u in uuids] == ["approved"] * 3 + ["submitted"] * 2
    assert tab.model.rowCount() == 2                                           # what still waits for review
    by_uuid = {tab.model.row(r).uuid: r for r in range(2)}

    # a return needs a comment: an empty one is refused and the dialog stays open
    select([uuids[3]])
    steps: list[str] = []

    def empty_then_written(dialog) -> None:
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        steps.append(dialog.error.text() if dialog.isVisible() else "closed")
        type_text(dialog.comment, "Thiếu thu nhập từ chăn nuôi")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    seen = answer_next_modal(empty_then_written)
    qtbot.mouseClick(tab.return_button, Qt.LeftButton)
    assert seen and steps == ["Chưa có ý kiến: hãy ghi rõ cần sửa gì trước khi trả lại."]
    assert seen[0].dialog.result() == QDialog.Accepted
    qtbot.waitUntil(lambda: not window.review.job.running, timeout=20000)
    assert site.row(site.sup, uuids[3])["status"] == "returned"

    # the return bundle for lan, exported from the app (the supervisor picks the enumerator) …
    def pick_lan(dialog) -> None:
        assert dialog.comboBoxItems() == ["hoa", "lan"]
        dialog.setTextValue("lan")
        dialog.accept()

    outbox = tmp_path / "to-lan"
    outbox.mkdir()
    seen = answer_next_modal(pick_lan)
    handle = window.sync_actions.export_bundle(outbox)
    assert seen and seen[0].name == "recipientDialog"
    with qtbot.waitSignal(handle.done, timeout=20000):
        pass
    back = handle.result
    assert back.actions == 4 and back.encrypted and "lan" in window.statusBar().currentMessage()
    # … imported in lan's app: the to-do list shows the comment
    window.open_workspace(site.lan)
    assert window.actions_by_key["view_todo"].isEnabled() and not window.actions_by_key["view_review"].isEnabled()
    box = import_in_window(window, qtbot, back.path)
    assert "1 hộ cần làm lại" in window.sync_actions.last_import_summary
    qtbot.mouseClick(box.findChild(QPushButton, "openTodo"), Qt.LeftButton)
    assert window.current_view() == "todo"
    todo = window.todo
    assert todo.table.rowCount() == 1
    cells = [todo.table.item(0, c).text() for c in range(todo.table.columnCount())]
    assert cells[:5] == ["Nông Thị Hoa", "Thôn 1", "Bị trả lại", "Thiếu thu nhập từ chăn nuôi", "thu"]
    assert "Thiếu thu nhập từ chăn nuôi" in todo.detail.header.text()       # the list's own detail pane beside it
    cell = todo.table.visualItemRect(todo.table.item(0, 0)).center()
    qtbot.mouseClick(todo.table.viewport(), Qt.LeftButton, pos=cell)         # a double-click opens it (QTest
    qtbot.mouseDClick(todo.table.viewport(), Qt.LeftButton, pos=cell)        # sends a click, then the second one)
    assert window.current_view() == "form" and window.form.uuid == uuids[3]
    window.show_view("todo")
    qtbot.keyClick(todo.table, Qt.Key_Return)                               # so does Enter
    assert window.current_view() == "form" and window.form.uuid == uuids[3]

    # the household's history: who changed what (Ctrl+Shift+H on the questionnaire)
    back_to(window, qtbot)
    press(window.form_view, Qt.Key_H, Qt.ControlModifier | Qt.ShiftModifier)
    dialog = window.household_actions.history_dialog
    assert dialog.isVisible()
    rows = [[dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
            for r in range(dialog.table.rowCount())]
    returned = [r for r in rows if r[4] == "Trạng thái" and r[6] == "Bị trả lại"]
    assert returned and returned[0][1] == "thu" and returned[0][7] == "Thiếu thu nhập từ chăn nuôi"
    assert rows[0][1] == "lan" and rows[0][3] == "Tạo hộ"
    dialog.close()

    # lan fixes it and hands it in: off the to-do list
    window.form.answer("floor_area", 52, None)
    window.form.flush()
    with qtbot.waitSignal(window.sync_actions.export_bundle(site.stick).done, timeout=20000):
        pass
    window.show_view("todo")
    assert window.todo.table.rowCount() == 0 and "Không có việc cần làm" in window.todo.heading.text()
    back_to(window, qtbot)
    press(window.todo.table, Qt.Key_H, Qt.ControlModifier | Qt.ShiftModifier)    # no household picked: says so
    assert "chọn hoặc mở một hộ" in window.statusBar().currentMessage()
    (report,) = run_to_end(svc.import_bundles(site.sup, sorted(site.stick.glob("*lan_hand-in*"))[-1:]))
    assert report.updated == [uuids[3]]
    fixed = [h for h in onfile.history(site.sup, uuids[3]) if h.field == "household.floor_area"]
    assert fixed and fixed[-1].user == "lan"


def test_reassign_in_bulk_to_a_known_enumerator(window, tmp_path, qtbot):
    site = Site(tmp_path)
    uuids = [site.add(site.lan, "lan", n) for n in ("Lò Văn Pả", "Hà Thị Lan")]
    site.send(site.lan, site.sup)
    window.open_workspace(site.sup)
    window.show_view("review")
    tab = window.review.approval
    tab.table.selectAll()

    def pick_hoa(dialog) -> None:
        assert [dialog.who.itemText(i) for i in range(dialog.who.count())] == ["hoa", "lan"]
        dialog.who.setCurrentIndex(dialog.who.findText("hoa"))
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    seen = answer_next_modal(pick_hoa)
    qtbot.mouseClick(tab.reassign_button, Qt.LeftButton)
    assert seen
    qtbot.waitUntil(lambda: not window.review.job.running, timeout=20000)
    assert [site.row(site.sup, u)["owner"] for u in uuids] == ["hoa", "hoa"]


def test_the_demo_commune_shows_the_review_view_read_only(window, workspace_file):
    window.open_workspace(workspace_file)
    window.show_view("review")
    review = window.review
    assert window.current_view() == "review" and review.note.isVisible()
    assert "chưa có danh tính đồng bộ" in review.note.text()
    assert review.tabs.currentWidget() is review.approval and review.approval.model.rowCount() > 0
    review.approval.table.selectAll()
    assert not review.approval.approve_button.isEnabled()                     # deciding needs a supervisor
    window.set_language("en")
    assert review.tabs.tabText(2) == "Approve / return" and "no sync identity" in review.note.text()


def test_a_member_added_on_one_side_is_chosen_as_a_whole(window, tmp_path, qtbot):
    from tests.builders import child

    site = Site(tmp_path)
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    site.edit(site.sup, a1, lambda d: d["household"].update(floor_area=30))
    site.edit(site.lan, a1, lambda d: d["members"].append(child(2, member_id="m4", name="Lò Thị Nhỏ")))
    site.send(site.lan, site.sup)
    window.open_workspace(site.sup)
    window.show_view("review")
    table = window.review.conflicts.table
    rows = {table.item(r, 0).data(Qt.UserRole): r for r in range(table.rowCount())}
    member = rows["members[m4]"]
    assert (table.item(member, 1).text(), table.item(member, 2).text()) == ("—", "Lò Thị Nhỏ")
    assert "Lò Thị Nhỏ" in table.item(member, 0).text()
    follows = table.cellWidget(rows["members[m4].name"], 3)
    assert not follows.isEnabled() and follows.currentText() == "Theo dòng thành viên"
    assert set(window.review.conflicts.combos) == {"household.floor_area", "members[m4]"}
    qtbot.mouseClick(window.review.conflicts.all_theirs, Qt.LeftButton)
    window.review.confirm = lambda _title, text: "Lò Thị Nhỏ" in text   # the member taken is named when asked
    qtbot.mouseClick(window.review.conflicts.resolve_button, Qt.LeftButton)
    doc = site.doc(site.sup, a1)
    assert doc["household"]["floor_area"] == 60 and [m["name"] for m in doc["members"]][-1] == "Lò Thị Nhỏ"
    assert onfile.list_conflicts(site.sup) == []


def test_the_screenshot_command_renders_the_review_view(window, workspace_file, tmp_path):
    from click.testing import CliRunner
    from PySide6.QtGui import QImage

    from fieldsurvey.cli import main
    from fieldsurvey.gui.app import prepare_screenshot

    png = tmp_path / "review.png"
    result = CliRunner().invoke(main, ["gui", "--db", str(workspace_file), "--view", "review", "--screenshot",
                                       str(png)])
    assert result.exit_code == 0, result.output
    image = QImage(str(png))
    assert image.width() >= 1200 and image.height() >= 700
    # what it renders: the review view, three households picked for a bulk approval
    window.open_workspace(workspace_file)
    prepare_screenshot(window, "review")
    assert window.current_view() == "review" and len(window.review.approval.selected()) == 3


def test_a_decision_on_the_household_open_in_the_questionnaire_is_not_undone_by_its_autosave(window, tmp_path,
                                                                                            qtbot):
    site = Site(tmp_path)
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    window.open_workspace(site.sup)
    window.open_household(a1)
    assert window.form.status == "submitted"
    window.show_view("review")
    window.review.approval.table.selectAll()
    window.review.confirm = lambda _title, _text: True
    qtbot.mouseClick(window.review.approval.approve_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not window.review.job.running, timeout=20000)
    window.show_view("form")
    assert window.form.uuid == a1 and window.form.status == "approved"
    window.form.ask_reason = lambda: "Sửa theo biên bản họp thôn"   # changing an approved household asks why
    window.form.answer("floor_area", 61, None)
    window.form.flush()
    assert site.row(site.sup, a1)["status"] == "approved" and site.doc(site.sup, a1)["household"]["floor_area"] == 61


def test_a_return_imported_while_the_household_is_open_is_not_undone_by_its_autosave(window, tmp_path, qtbot):
    site = Site(tmp_path)
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    onfile.review(site.sup, [a1], "return", "Thiếu ảnh giấy tờ nhà")
    back = svc.export_bundle(site.sup, site.stick, to="lan").path
    window.open_workspace(site.lan)
    window.open_household(a1)
    assert window.form.status == "complete"
    import_in_window(window, qtbot, back).close()
    assert window.form.status == "returned"
    window.form.answer("floor_area", 62, None)
    window.form.flush()
    assert site.row(site.lan, a1)["status"] == "returned"


def test_the_households_waiting_are_filtered_by_enumerator_and_opened_to_look_at(window, tmp_path, qtbot):
    site = Site(tmp_path)
    lan = [site.add(site.lan, "lan", n) for n in ("Lò Văn Pả", "Hà Thị Lan")]
    hoa = site.add(site.hoa, "hoa", "Ma Văn Tuấn")
    site.send(site.lan, site.sup)
    site.send(site.hoa, site.sup)
    window.open_workspace(site.sup)
    window.show_view("review")
    tab = window.review.approval
    assert tab.model.rowCount() == 3
    tab.enumerator.setCurrentIndex(tab.enumerator.findData("hoa"))
    assert tab.model.rowCount() == 1 and tab.model.row(0).uuid == hoa
    tab.enumerator.setCurrentIndex(tab.enumerator.findData("lan"))
    assert {tab.model.row(r).uuid for r in range(tab.model.rowCount())} == set(lan)
    tab.table.setFocus()
    tab.table.setCurrentIndex(tab.model.index(0, 0))
    qtbot.keyClick(tab.table, Qt.Key_Return)                                   # open it to look at it
    assert window.current_view() == "form" and window.form.uuid == tab.model.row(0).uuid


def test_answers_held_for_the_supervisor_are_listed_in_the_review_view_by_the_forms_labels(window, tmp_path, qtbot):
    """A household handed in with 2,000 m² of living area is imported and held (never refused): the Review view's
    fourth tab lists it with the question's label and what is unusual — what `fieldsurvey households held` lists —
    and Enter opens it in the questionnaire to check it before approving."""
    site = Site(tmp_path)
    roomy = site.add(site.lan, "lan", "Ma Thị Lan", floor_area=2000)
    site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    window.open_workspace(site.sup)
    window.show_view("review")
    review = window.review
    assert review.tabs.tabText(3) == "Câu trả lời cần xem lại (1)"
    review.tabs.setCurrentWidget(review.held)
    table = review.held.table
    assert table.rowCount() == 1
    row = [table.item(0, c).text() for c in range(table.columnCount())]
    assert row[0] == "Ma Thị Lan" and row[1] == "Thôn 1"
    assert row[4].startswith("Diện tích ở (m²): 2000") and "household." not in row[4], row
    table.setCurrentCell(0, 0)
    assert review.current_uuid() == roomy
    table.setFocus()
    press(table, Qt.Key_Return)
    assert window.current_view() == "form" and window.form.uuid == roomy
