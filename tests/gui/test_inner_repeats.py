"""A repeat inside the roster's repeat (issue 18: the engine fills repeats inside repeats; the questionnaire shows
them): a member's jobs, and each job's payments, added, answered, picked and removed with the keyboard alone in the
real window, autosaved into the household document as lists inside each member."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fieldsurvey.gui.app import make_window
from fieldsurvey.storage.workspace import Workspace
from tests.formengine.derived import derived_version
from tests.gui.keys import press, type_text
from tests.gui.test_questionnaire import focused_name

JOBS = [  # (type, name, label::vi, label::en, required, constraint) put in the roster after its last question
    ("begin repeat", "jobs", "Việc làm", "Jobs", "", ""),
    ("text", "job", "Công việc", "Job", "yes", ""),
    ("integer", "months", "Số tháng làm", "Months worked", "", ". <= 12"),
    ("begin repeat", "payments", "Lần nhận tiền", "Payments", "", ""),
    ("decimal", "amount", "Số tiền", "Amount", "yes", ""),
    ("end repeat", "", "", "", "", ""),
    ("end repeat", "", "", "", "", ""),
]


@pytest.fixture
def jobs_form(tmp_path, monkeypatch):
    """The installed forms, with a version 2026.9 of the official questionnaire (the newest: new households get it)
    that asks each member's jobs and each job's payments."""
    return derived_version(tmp_path, monkeypatch, "2026.9", after={"internet_use": [
        {"type": kind, "name": name, "label::vi": vi, "label::en": en, "required": required, "constraint": constraint}
        for kind, name, vi, en, required, constraint in JOBS]})


def test_a_members_jobs_and_their_payments_with_the_keyboard_alone(qtbot, store, workspace_file, jobs_form):
    _app, window = make_window("vi", store, hooks=False)
    qtbot.addWidget(window)
    window.open_workspace(workspace_file)
    window.activateWindow()
    qtbot.waitActive(window)
    press(window.list_view.table, Qt.Key_N, Qt.ControlModifier)          # a new household: on form 2026.9
    form = window.form_view
    assert form.session.form.version == "2026.9"
    form.focus_member_form()
    press(QApplication.focusWidget(), Qt.Key_M, Qt.ControlModifier)     # a member
    type_text(QApplication.focusWidget(), "Lò Văn Tòng")
    jobs = form.inner("jobs")
    payments = form.inner("payments")
    assert jobs is not None and payments is not None and jobs.title() == "Việc làm (0)"
    assert not jobs.host.isVisible()                                     # no job yet: only the table and buttons
    # Tab from the member's last answer reaches the jobs: the table, then "Add one"
    form.fields["members"]["internet_use"].widget.setFocus()
    press(QApplication.focusWidget(), Qt.Key_Tab)
    assert QApplication.focusWidget() is jobs.table
    press(QApplication.focusWidget(), Qt.Key_Tab)
    assert QApplication.focusWidget() is jobs.add_button and jobs.add_button.text() == "Thêm một mục"
    press(QApplication.focusWidget(), Qt.Key_Space)                      # a job: its first question has the focus
    assert focused_name() == "job" and jobs.title() == "Việc làm (1)"
    type_text(QApplication.focusWidget(), "Làm ruộng")
    press(QApplication.focusWidget(), Qt.Key_Return)
    assert focused_name() == "months"
    type_text(QApplication.focusWidget(), "13")
    assert jobs.fields["months"].message.text() == "Câu trả lời không hợp lệ"   # checked in its instance
    press(QApplication.focusWidget(), Qt.Key_Backspace)                  # 1
    assert form.session.value("months", (0, 0)) == 1 and not jobs.fields["months"].message.isVisible()
    # on to the job's payments: their table, "Add one", the amount
    press(QApplication.focusWidget(), Qt.Key_Tab)
    assert QApplication.focusWidget() is payments.table
    press(QApplication.focusWidget(), Qt.Key_Tab)
    press(QApplication.focusWidget(), Qt.Key_Space)
    assert focused_name() == "amount"
    type_text(QApplication.focusWidget(), "1500000")
    # a second job, picked back and forth with the arrows in its table
    jobs.add_button.setFocus()
    press(QApplication.focusWidget(), Qt.Key_Space)
    type_text(QApplication.focusWidget(), "Bán hàng")
    assert [jobs.table.item(r, 0).text() for r in range(2)] == ["Làm ruộng", "Bán hàng"]
    assert payments.title() == "Lần nhận tiền (0)"                       # the second job has no payment yet
    assert ("members", (0, 1, 0), "amount") not in form.session.errors()
    jobs.table.setFocus()
    press(jobs.table, Qt.Key_Up)
    assert jobs.index == 0 and jobs.fields["job"].widget.text() == "Làm ruộng" and payments.title() == \
        "Lần nhận tiền (1)"
    assert form.fields["members"]["name"].widget.text() == "Lò Văn Tòng"
    qtbot.waitUntil(lambda: not window.form.pending, timeout=5000)
    uuid = window.form.uuid
    with Workspace.open(workspace_file, read_only=True) as ws:
        stored = ws.get_household(uuid)["members"][0]
    assert [(j["job"], j.get("months"), j.get("payments")) for j in stored["jobs"]] == [
        ("Làm ruộng", 1, [{"amount": 1_500_000}]), ("Bán hàng", None, None)]
    # the second job removed: asked first ("no" keeps it, "yes" removes it)
    asked = []
    window.form.confirm_inner_removal = lambda repeat, path, index: asked.append((repeat, path, index)) or False
    press(jobs.table, Qt.Key_Down)
    jobs.remove_button.setFocus()
    press(QApplication.focusWidget(), Qt.Key_Space)
    assert asked == [("jobs", (0,), 1)] and len(form.session.members("jobs", (0,))) == 2
    window.form.confirm_inner_removal = lambda repeat, path, index: True
    press(QApplication.focusWidget(), Qt.Key_Space)
    assert [j["job"] for j in form.session.members("jobs", (0,))] == ["Làm ruộng"]
    assert jobs.title() == "Việc làm (1)" and jobs.index == 0


def test_f8_goes_from_a_missing_answer_in_one_job_to_the_next(qtbot, store, workspace_file, jobs_form):
    _app, window = make_window("en", store, hooks=False)
    qtbot.addWidget(window)
    window.open_workspace(workspace_file)
    window.activateWindow()
    qtbot.waitActive(window)
    press(window.list_view.table, Qt.Key_N, Qt.ControlModifier)
    form = window.form_view
    form.focus_member_form()
    press(QApplication.focusWidget(), Qt.Key_M, Qt.ControlModifier)
    jobs = form.inner("jobs")
    for _ in range(2):                                                   # two jobs, neither named
        jobs.add_button.setFocus()
        press(QApplication.focusWidget(), Qt.Key_Space)
    assert [e for e in form.session.errors() if e[2] == "job"] == [("members", (0, 0), "job"),
                                                                    ("members", (0, 1), "job")]
    jobs.table.setFocus()
    press(jobs.table, Qt.Key_Up)
    jobs.fields["job"].widget.setFocus()
    assert jobs.index == 0
    press(QApplication.focusWidget(), Qt.Key_F8)                         # from the first job's to the second's
    assert focused_name() == "job" and jobs.index == 1 and jobs.fields["job"].message.text() == \
        "Required: answer it before the questionnaire is complete"
    seen = []
    for _ in range(40):                                                  # round the form, back to the first job
        press(QApplication.focusWidget(), Qt.Key_F8)
        seen.append(focused_name())
        if focused_name() == "job":
            break
    assert seen[-1] == "job" and jobs.index == 0 and len(seen) > 1


def test_removing_a_job_asks_naming_it_and_its_answers(qtbot, store, workspace_file, jobs_form, monkeypatch):
    asked = []
    monkeypatch.setattr("fieldsurvey.gui.actions.households.ask_yes",
                        lambda parent, title, text: asked.append((title, text)) or True)
    _app, window = make_window("en", store, hooks=False)
    qtbot.addWidget(window)
    window.open_workspace(workspace_file)
    press(window.list_view.table, Qt.Key_N, Qt.ControlModifier)
    form = window.form_view
    form.focus_member_form()
    press(QApplication.focusWidget(), Qt.Key_M, Qt.ControlModifier)
    jobs = form.inner("jobs")
    jobs.add_button.setFocus()
    press(QApplication.focusWidget(), Qt.Key_Space)
    type_text(QApplication.focusWidget(), "Fishing")
    jobs.remove_button.setFocus()
    press(QApplication.focusWidget(), Qt.Key_Space)
    assert asked == [("Remove it?", "Remove Jobs 1 with its 1 answers? This cannot be undone.")]
    assert form.session.members("jobs", (0,)) == [] and not jobs.host.isVisible()
