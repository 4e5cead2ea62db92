"""The questionnaire driven with the keyboard alone: a new household, a roster of several members, the class
changing live, and every answer there after closing and reopening the workspace."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from fieldsurvey.storage.audit import log as audit_log
from fieldsurvey.gui.app import make_window
from fieldsurvey.domain.lifecycle import Action, HouseholdStatus
from fieldsurvey.storage.workspace import Workspace
from tests.gui.keys import press, type_text
from tests.gui.modal import answer_next_modal


def focused_name() -> str:
    w = QApplication.focusWidget()
    while w is not None and not w.objectName().startswith("q_"):
        w = w.parentWidget()
    return w.objectName()[2:] if w is not None else ""


def answer(expected: str, keys: str | None) -> None:
    """The focus is on question `expected`; type `keys` (None: leave it empty) and press Enter to move on (a choice
    picked by its number moves on by itself: the form's `quick` appearance)."""
    assert focused_name() == expected
    if keys:
        type_text(QApplication.focusWidget(), keys)
    if focused_name() == expected:
        press(QApplication.focusWidget(), Qt.Key_Return)


def member(name: str, sex: str, year: str, relationship: str | None, answers: list[tuple[str, str | None]]) -> None:
    """The roster's member sub-form, top to bottom (choices by number, names with diacritics); `answers` are the
    questions after the ID number, as the member's age makes them relevant."""
    answer("name", name)
    answer("sex", sex)
    answer("birth_date", None)
    answer("birth_year", year)
    answer("relationship", relationship)
    answer("ethnicity", "Tày")
    answer("id_number", None)
    answer("health_insurance", "1")
    for question, keys in answers:
        answer(question, keys)


ADULT = [("education", "3"), ("employment", "3"), ("able_to_work", "1"), ("disability", "2"),
         ("monthly_social_allowance", "2"), ("internet_use", "1")]


def pupil(level: str) -> list[tuple[str, str | None]]:
    return [("stunted_or_underweight", "2"), ("attending_school", "1"), ("school_level", level), ("education", "2"),
            ("disability", "2"), ("monthly_social_allowance", "2"), ("internet_use", "2")]


def test_a_household_filled_with_the_keyboard_alone_is_classified_live_and_kept(qtbot, store, workspace_file):
    _app, window = make_window("vi", store, hooks=False)
    qtbot.addWidget(window)
    window.open_workspace(workspace_file)
    window.activateWindow()
    qtbot.waitActive(window)
    before = window.model.total()
    press(window.list_view.table, Qt.Key_N, Qt.ControlModifier)  # new household
    assert window.current_view() == "form"
    form = window.form_view
    badge = form.panel.badge

    answer("province_code", None)                                      # the workspace's, already there
    answer("commune_code", None)
    answer("village", "1")
    answer("head_name", "Hoàng Văn Dũng")
    answer("address", "Nà Bó, số 12")
    answer("phone", None)
    answer("livelihood_agriculture", "2")      # the section's last question: Enter goes on to the roster
    assert form.current_section() == 1
    press(QApplication.focusWidget(), Qt.Key_M, Qt.ControlModifier)     # add a member
    member("Hoàng Văn Dũng", "1", "1975", None, ADULT)                   # the first member is the head already
    press(QApplication.focusWidget(), Qt.Key_M, Qt.ControlModifier)
    member("Nông Thị Thắm", "2", "1978", "2", ADULT[:-1] + [("internet_use", "2")])
    press(QApplication.focusWidget(), Qt.Key_M, Qt.ControlModifier)
    member("Hoàng Văn Đức", "1", "2014", "3", pupil("2"))
    press(QApplication.focusWidget(), Qt.Key_M, Qt.ControlModifier)
    member("Hoàng Thị Én", "2", "2017", "3", pupil("2"))
    assert form.roster.rowCount() == 4
    assert [form.roster.item(r, 0).text() for r in range(4)] == ["Hoàng Văn Dũng", "Nông Thị Thắm",
                                                                 "Hoàng Văn Đức", "Hoàng Thị Én"]
    assert form.roster.item(1, form.roster_columns.index("relationship")).text() == "Vợ/chồng"
    assert badge.text() == "Chưa đủ thông tin"                         # income not given yet: no class

    assert form.current_section() == 2          # Enter on the last member's last answer: on to the income
    answer("income_route", "1")
    answer("income_wages", "12000000")                                 # 250.000 đ a person a month
    answer("income_agriculture", "0")
    answer("income_business", "0")
    answer("income_other", "0")
    answer("production_costs", "0")
    answer("social_allowances", "0")                                   # → housing
    answer("has_house", "1")
    answer("wall_material", "1")
    answer("column_material", "1")
    answer("roof_material", "2")
    answer("floor_area", "60")                                          # → water and sanitation
    answer("water_source", "1")
    answer("latrine", "1")                                              # → information
    assert focused_name() == "info_devices"
    type_text(QApplication.focusWidget(), "5")                          # "none of these"
    press(QApplication.focusWidget(), Qt.Key_PageDown, Qt.ControlModifier)  # target groups
    answer("merit_revolution", "2")
    answer("ethnic_minority", "1")
    press(QApplication.focusWidget(), Qt.Key_PageDown, Qt.ControlModifier)  # the interview
    answer("enumerator", "Lò Thị Lan")
    answer("interview_date", None)                                     # today, already there
    assert badge.text() == "Hộ cận nghèo"      # every answer in: below the line, 1 deprivation (information)
    assert window.form.session.errors() == [] and window.form.session.is_complete()
    qtbot.waitUntil(lambda: not window.form.pending, timeout=5000)        # saved after a pause in typing
    assert window.form.status == "complete"
    # the income rises above the line: the class changes live
    press(QApplication.focusWidget(), Qt.Key_F8)                        # no error left: nowhere to go
    for _ in range(5):
        press(QApplication.focusWidget(), Qt.Key_PageUp, Qt.ControlModifier)
    assert form.current_section() == 2
    assert focused_name() == "income_route"
    press(QApplication.focusWidget(), Qt.Key_Tab)
    field = QApplication.focusWidget()
    field.selectAll()
    type_text(field, "120000000")
    assert badge.text() == "Hộ không nghèo"
    uuid = window.form.uuid
    assert window.model.total() == before  # the list refreshes when shown again
    window.show_view("list")
    assert window.model.total() == before + 1
    window.close()

    # reopen: every answer is there
    again = QSettings(store.fileName(), QSettings.IniFormat)
    _app, second = make_window(None, again, hooks=False)
    qtbot.addWidget(second)
    second.open_workspace(workspace_file)
    second.open_household(uuid)
    s = second.form.session
    assert [m["name"] for m in s.members()] == ["Hoàng Văn Dũng", "Nông Thị Thắm", "Hoàng Văn Đức", "Hoàng Thị Én"]
    assert s.value("village") == "Thôn 1" and s.value("address") == "Nà Bó, số 12"
    assert s.value("head_name") == "Hoàng Văn Dũng" and s.value("enumerator") == "Lò Thị Lan"
    assert s.value("income_wages") == 120_000_000 and s.value("floor_area") == 60
    assert s.value("info_devices") == ["none"]
    assert s.value("school_level", 2) == "primary" and s.value("sex", 1) == "female"
    assert s.value("relationship", 0) == "head" and s.value("birth_year", 3) == 2017
    assert second.form_view.panel.badge.text() == "Hộ không nghèo"
    second.form_view.pick_member(3)
    assert second.form_view.fields["members"]["name"].widget.text() == "Hoàng Thị Én"
    second.close()
    with Workspace.open(workspace_file) as ws:
        stored = ws.get_household(uuid)
    assert len(stored["members"]) == 4 and stored["household"]["income_wages"] == 120_000_000


def test_roster_add_remove_reorder(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    window.new_household()
    form = window.form_view
    form._go(form.members_page())
    for name in ("An", "Bình", "Chi"):
        form.member_added.emit()
        field = form.fields["members"]["name"].widget
        type_text(field, name)
    assert [m.get("name") for m in window.form.session.members()] == ["An", "Bình", "Chi"]
    press(form.fields["members"]["name"].widget, Qt.Key_Up, Qt.AltModifier)  # Chi moves up
    assert [m.get("name") for m in window.form.session.members()] == ["An", "Chi", "Bình"]
    assert form.member == 1
    window.form.confirm_removal = lambda _index: True     # the user says yes (asked: test_removal_asks_…)
    press(form.fields["members"]["name"].widget, Qt.Key_Delete, Qt.ControlModifier)
    assert [m.get("name") for m in window.form.session.members()] == ["An", "Bình"]
    assert form.roster.rowCount() == 2


def test_a_required_answer_left_empty_is_flagged_and_next_error_goes_there(window, workspace_file):
    window.open_workspace(workspace_file)
    window.new_household()
    form = window.form_view
    nav = form.navigator.item(0).text()
    assert "lỗi" in nav or "⚠" in nav
    assert focused_name() == "province_code"            # already answered from the workspace
    press(QApplication.focusWidget(), Qt.Key_F8)      # the next error after here
    assert focused_name() == "village"
    press(QApplication.focusWidget(), Qt.Key_F8)
    assert focused_name() == "head_name"
    press(QApplication.focusWidget(), Qt.Key_F8)
    assert focused_name() == "livelihood_agriculture"
    msg = form.fields["identification"]["village"].message
    assert msg.isVisibleTo(form) and msg.text()


def test_english_at_run_time_relabels_the_questionnaire_and_panel(window, workspace_file):
    window.open_workspace(workspace_file)
    window.open_household(window.model.row(0).uuid)
    form = window.form_view
    label = form.fields["identification"]["village"].label
    assert label.text().startswith("Thôn")
    badge_vi = form.panel.badge.text()
    window.actions_by_key["lang_en"].trigger()
    assert label.text().startswith("Village")
    assert form.panel.badge.text() != badge_vi and form.panel.badge.text()
    assert form.navigator.item(0).text().startswith("1. Identification")


def test_answers_are_saved_after_a_pause_and_before_leaving(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    window.new_household()
    window.form.answer("address", "Bản Khuổi Củng", None)
    assert window.form.pending
    uuid = window.form.uuid
    qtbot.waitUntil(lambda: not window.form.pending, timeout=5000)
    ws = window.workspace.ws
    assert ws.get_household(uuid)["household"]["address"] == "Bản Khuổi Củng"
    window.form.answer("address", "Bản Nà Bó", None)
    window.form.answer("phone", "0912345678", None)
    window.show_view("list")                      # leaving the questionnaire saves at once
    assert not window.form.pending
    assert ws.get_household(uuid)["household"]["phone"] == "0912345678"
    edits = [a for a in audit_log(ws.db, uuid) if a["field"] == "household.address"]
    assert [a["new"] for a in edits] == ["Bản Nà Bó"]       # one audit row per save, not per keystroke
    assert audit_log(ws.db, uuid)[0]["action"] == "create"


def test_changing_an_approved_household_asks_for_a_reason(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    ws = window.workspace.ws
    uuid = window.model.row(0).uuid
    if ws.household_state(uuid).status != HouseholdStatus.APPROVED:
        ws.save_household(ws.get_household(uuid), HouseholdStatus.COMPLETE)
        ws.change_status(uuid, Action.APPROVE)
    window.open_household(uuid)
    before = ws.get_household(uuid)
    window.form.ask_reason = lambda: None          # the enumerator cancels: nothing is written
    window.form.answer("phone", "0999999999", None)
    assert not window.form.flush()
    assert ws.get_household(uuid) == before and window.form.session.value("phone") == before["household"].get("phone")
    window.form.ask_reason = lambda: "Sửa theo biên bản họp thôn"
    window.form.answer("phone", "0999999999", None)
    assert window.form.flush()
    entry = [a for a in audit_log(ws.db, uuid) if a["field"] == "household.phone"][-1]
    assert entry["new"] == "0999999999" and entry["reason"] == "Sửa theo biên bản họp thôn"
    assert ws.household_state(uuid).status == "approved"


def test_the_questionnaire_is_prepared_while_the_app_is_idle(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    assert window.form_view.pages.count() == 0
    qtbot.waitUntil(lambda: window.form_view.pages.count() > 0, timeout=5000)
    assert window.form.session is None and window.current_view() == "list"
    sections = [window.form_view.navigator.item(i).text() for i in range(window.form_view.navigator.count())]
    assert sections[0].startswith("1. Thông tin chung") and any("Thành viên hộ" in s for s in sections)


def test_a_warning_is_shown_and_accepted_with_the_keyboard(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    window.new_household()
    form, s = window.form_view, window.form.session
    window.form.answer("income_route", "direct", None)
    window.form.answer("income_wages", 1_000_000, None)
    window.form.answer("production_costs", 5_000_000, None)       # costs above the wages: can be true
    warned = [name for _sid, _m, name in s.warnings()]
    assert "production_costs" in warned
    field = form.fields["income"]["production_costs"]
    form._go(2)
    assert not field.message.isHidden() and field.message.text() and not field.confirm.isHidden()
    field.widget.setFocus()
    window.activateWindow()
    press(field.widget, Qt.Key_Return, Qt.ControlModifier)        # Ctrl+Enter: the answer is right
    assert "production_costs" not in [name for _sid, _m, name in s.warnings()]
    assert field.confirm.isHidden()


def test_enter_on_the_last_question_of_a_section_goes_on_to_the_next(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    window.activateWindow()
    window.new_household()
    form = window.form_view
    form._go(4)                                               # water and sanitation: two questions
    assert focused_name() == "water_source"
    answer("water_source", "1")
    answer("latrine", "1")                                    # the last one: Enter moves to the next section
    assert form.current_section() == 5 and focused_name() == "info_devices"
    press(QApplication.focusWidget(), Qt.Key_Backtab, Qt.ShiftModifier)
    assert form.current_section() == 4 and focused_name() == "latrine"


def test_households_on_an_older_form_version_are_listed_and_open_with_it(window, workspace_file):
    with Workspace.open(workspace_file) as ws:
        uuid, _ = next(ws.iter_documents())
        doc = ws.get_household(uuid)
        doc["form"] = {"id": "vn-review-2022", "version": "2025.1"}
        ws.save_household(doc, status="draft", owner="enumerator-1")
        head = doc["members"][0]["name"]
    window.open_workspace(workspace_file)
    text = window.actions_by_key["older_forms"].data() and window.household_actions.show_older_forms()
    assert text.startswith("1 hộ") and head in text and "2025.1" in text
    window.open_household(uuid)
    assert window.form.session.form.version == "2025.1"


def test_a_read_only_workspace_shows_households_without_letting_them_change(window, workspace_file):
    from fieldsurvey.gui import crash

    dialogs = len(crash.open_dialogs)
    workspace_file.chmod(0o444)
    window.open_workspace(workspace_file)
    uuid = window.model.row(0).uuid
    window.open_household(uuid)
    form = window.form_view
    assert not form.read_only_note.isHidden() and "Chỉ xem" in form.read_only_note.text()
    assert not form.fields["identification"]["village"].widget.isEnabled()
    before = window.form.session.value("phone")
    window.form.answer("phone", "0912345678", None)      # a stray signal changes nothing
    assert window.form.session.value("phone") == before and not window.form.pending
    window.show_view("list")                              # leaving saves nothing and shows no error
    assert len(crash.open_dialogs) == dialogs


def test_headings_and_the_class_badge_follow_the_text_size(window, workspace_file):
    """Larger text (Ctrl++) makes the household's title, the section heading and the class badge larger too."""
    import re

    from PySide6.QtWidgets import QApplication

    window.open_workspace(workspace_file)
    window.open_household(window.model.row(0).uuid)
    form = window.form_view

    def sizes() -> tuple[int, int, int]:
        heading = form.pages.currentWidget().heading.text()
        return (int(re.search(r"font-size:(\d+)pt", form.title.text()).group(1)),
                int(re.search(r"font-size:(\d+)pt", heading).group(1)),
                int(re.search(r"font-size:(\d+)pt", form.panel.badge.styleSheet()).group(1)))

    base = QApplication.font().pointSize()
    assert sizes() == (base + 3, base + 3, base + 4)
    for _ in range(3):
        window.actions_by_key["text_larger"].trigger()
    assert sizes() == (base + 6, base + 6, base + 7)
    for _ in range(3):
        window.actions_by_key["text_smaller"].trigger()
    assert sizes() == (base + 3, base + 3, base + 4)


def test_removing_a_member_asks_first_and_the_removal_can_be_undone_even_after_reopening(window, workspace_file, qtbot,
                                                                                        store):
    from PySide6.QtWidgets import QMessageBox

    window.open_workspace(workspace_file)
    uuid = window.model.row(0).uuid
    window.open_household(uuid)
    form = window.form_view
    session = window.form.session
    names = [m.get("name") for m in session.members()]
    assert len(names) >= 2
    form.pick_member(1)
    name_field = form.fields["members"]["name"].widget

    def answer(button) -> list:
        return answer_next_modal(lambda box: box.button(button).click(), name="confirmBox")

    asked = answer(QMessageBox.No)
    press(name_field, Qt.Key_Delete, Qt.ControlModifier)                     # Ctrl+Del: asked, "No"
    assert asked
    text = asked[0].text
    assert names[1] in text and "thành viên thứ 2" in text and "Ctrl+Alt+Z" in text
    assert asked[0].buttons == {"&Có", "&Không"} and asked[0].default == QMessageBox.No   # Enter removes nothing
    assert [m.get("name") for m in window.form.session.members()] == names

    window.activateWindow()                          # back in the window after the question (offscreen: by hand)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    answer(QMessageBox.Yes)
    press(name_field, Qt.Key_Delete, Qt.ControlModifier)
    assert [m.get("name") for m in window.form.session.members()] == names[:1] + names[2:]
    assert names[1] in window.statusBar().currentMessage()
    with Workspace.open(workspace_file) as ws:                               # stored at once
        assert [m.get("name") for m in ws.get_household(uuid)["members"]] == names[:1] + names[2:]
    window.close()

    # another day: the app opened again, the household too; Ctrl+Alt+Z brings the member back where it stood
    again = QSettings(store.fileName(), QSettings.IniFormat)
    _app, second = make_window(None, again, hooks=False)
    qtbot.addWidget(second)
    second.open_workspace(workspace_file)
    second.open_household(uuid)
    second.activateWindow()
    press(second.form_view.navigator, Qt.Key_Z, Qt.ControlModifier | Qt.AltModifier)
    assert [m.get("name") for m in second.form.session.members()] == names
    assert second.form_view.member == 1
    with Workspace.open(workspace_file) as ws:
        stored = ws.get_household(uuid)
        trail = [e for e in audit_log(ws.db, uuid) if e["field"] and e["field"].startswith("members[")
                 and "." not in e["field"]]
    assert [m.get("name") for m in stored["members"]] == names
    assert trail[-2]["new"] is None and trail[-1]["new"] is not None      # the removal and the return, both kept
    assert second.household_actions.undo_removal() is False                  # nothing more to bring back
    second.close()
