"""The app's questionnaire refuses a control character as it is given (issue 15): pasted into a field, it is not
recorded — the field shows the answer as it was, the panel names the field and the character in the app's language
— and nothing of it is saved; a roster stops at the household's bound."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from fieldsurvey.domain.ranges import ranges


def paste(widget, text: str) -> None:
    """As the user pastes: the text through the clipboard into the focused field."""
    widget.setFocus()
    widget.selectAll()
    QApplication.clipboard().setText(text)
    widget.paste()


def test_a_control_character_pasted_is_refused_naming_the_field_and_nothing_is_saved(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    window.open_household(window.model.row(0).uuid)
    form, ws = window.form_view, window.workspace.ws
    uuid = window.form.uuid
    stored = ws.get_household(uuid)
    address = form.fields["identification"]["address"].widget
    was = address.text()
    paste(address, "Thôn\x01 1")
    assert address.text() == was                                   # the field shows the answer as it was
    assert window.form.session.to_document()["household"].get("address") == stored["household"].get("address")
    assert "household.address" in form.panel.summary.text() and "U+0001" in form.panel.summary.text()
    assert "Có ký tự điều khiển" in form.panel.summary.text()
    paste(address, "Bản Khuổi Củng")                               # an ordinary answer goes on as before
    assert window.form.session.to_document()["household"]["address"] == "Bản Khuổi Củng"
    assert window.form.flush()
    assert ws.get_household(uuid)["household"]["address"] == "Bản Khuổi Củng"
    window.actions_by_key["lang_en"].trigger()
    form._go(form.members_page())
    form.select_member(0)
    name = form.fields["members"]["name"].widget
    before = name.text()
    paste(name, "Lò Văn\x1bPả")
    assert name.text() == before and window.form.session.members()[0].get("name") == before
    assert "members[" in form.panel.summary.text() and ".name: holds a control character (U+001B" in \
        form.panel.summary.text()


def test_the_roster_stops_at_the_households_bound(window, workspace_file):
    window.open_workspace(workspace_file)
    window.new_household()
    form = window.form_view
    session = window.form.session
    while len(session.members()) < ranges().max_members - 1:
        session.add_member()
    form.member_added.emit()                 # the hundredth, through the app
    assert len(session.members()) == ranges().max_members
    form.member_added.emit()                 # one more: refused, said
    assert len(session.members()) == ranges().max_members
    assert "101 thành viên" in form.panel.summary.text()


def test_the_import_summary_names_the_households_held_for_the_supervisor(window):
    from fieldsurvey.gui.dialogs.import_summary import report_lines
    from fieldsurvey.services import values
    from fieldsurvey.services.sync import ImportReport
    from tests.values.conftest import INFO, doc
    from tests.builders import adult

    forty = doc(members=[adult(30, member_id=f"m{i}", relationship="head" if i == 1 else "child")
                         for i in range(1, 41)])
    report = ImportReport("lan_0001.fsbundle", kind="hand-in", new=[forty["uuid"]],
                          held=[values.held_entry(forty["uuid"], values.check_record(forty, INFO, "submitted"))])
    lines = report_lines([report], "vi")
    assert lines[-1] == (f"Hộ {forty['uuid']}: chờ cán bộ giám sát kiểm tra — Thành viên của hộ: 40 thành viên, "
                         "nhiều hơn 15 — bất thường: cần kiểm tra")
