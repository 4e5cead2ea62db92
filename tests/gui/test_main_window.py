"""The main window driven for real (offscreen): start page, opening a workspace, the list, language, text size,
layout remembered, the screenshot command."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from fieldsurvey.gui.app import make_window


def test_without_a_workspace_the_start_page_offers_new_open_demo(window):
    assert window.current_view() == "start"
    assert window.start.new_button.text().startswith("Tạo")
    assert not window.actions_by_key["new_household"].isEnabled()


def test_opening_a_workspace_shows_its_households_and_remembers_it(window, workspace_file, store):
    assert window.open_workspace(workspace_file)
    assert window.current_view() == "list"
    assert window.model.rowCount() == 60
    assert "Lâm Bình" in window.windowTitle()
    assert window.actions_by_key["new_household"].isEnabled()
    assert store.value("recent") in ([str(workspace_file)], str(workspace_file))


def test_a_file_that_is_not_a_workspace_says_so(window, tmp_path, qtbot):
    from fieldsurvey.gui import crash

    bad = tmp_path / "notes.fsdb"
    bad.write_text("hello")
    assert not window.open_workspace(bad)
    assert window.current_view() == "start"
    dialog = crash.open_dialogs[-1]
    assert "FieldSurvey" in dialog.message.text() and str(bad) in dialog.message.text()
    dialog.close()


def test_language_switches_at_run_time_and_is_remembered(window, workspace_file, store):
    window.open_workspace(workspace_file)
    assert window.menus["file"].title() == "&Tệp"
    header = window.model.headerData(0, Qt.Horizontal)
    window.actions_by_key["lang_en"].trigger()
    assert window.menus["file"].title() == "&File"
    assert window.model.headerData(0, Qt.Horizontal) != header
    line = window.list_view.counts.text()
    assert "households" in line and "Whole commune, working figures as on the Dashboard: Poor" in line
    assert store.value("language") == "en"
    window.actions_by_key["lang_vi"].trigger()
    assert window.menus["file"].title() == "&Tệp"


def test_text_size_grows_and_shrinks_and_is_remembered(window, store):
    before = QApplication.font().pointSize()
    window.actions_by_key["text_larger"].trigger()
    assert QApplication.font().pointSize() == before + 1
    assert int(store.value("text_size")) == before + 1
    window.actions_by_key["text_smaller"].trigger()
    assert QApplication.font().pointSize() == before


def test_the_bundled_font_is_the_application_font_and_has_every_vietnamese_letter(window):
    from PySide6.QtGui import QFontMetrics

    assert QApplication.font().family() == "DejaVu Sans"
    metrics = QFontMetrics(QApplication.font())
    letters = "ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    assert all(metrics.inFontUcs4(ord(c)) and metrics.inFontUcs4(ord(c.upper())) for c in letters)


def test_window_layout_is_remembered(qtbot, store, workspace_file):
    _app, first = make_window("vi", store, hooks=False)
    qtbot.addWidget(first)
    first.resize(720, 520)
    first.open_workspace(workspace_file)
    first.list_view.splitter.setSizes([250, 450])
    sizes = first.list_view.splitter.sizes()
    first.close()
    second_store = QSettings(store.fileName(), QSettings.IniFormat)
    _app, second = make_window(None, second_store, hooks=False)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (720, 520)
    assert second.recent() == [str(workspace_file)]
    second.open_workspace(Path(second.recent()[0]))
    assert second.list_view.splitter.sizes() == sizes
    second.close()


def test_the_recent_list_opens_a_workspace_with_the_keyboard(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    window.workspace.close()
    window.show_view("start")
    window.retranslate()
    item = window.start.recent.item(0)
    assert item.text() == str(workspace_file)
    window.start.recent.setCurrentRow(0)
    window.start.recent.setFocus()
    qtbot.keyClick(window.start.recent, Qt.Key_Return)
    assert window.current_view() == "list"


def test_gui_command_renders_each_view_to_a_png(workspace_file, tmp_path, qapp):
    from click.testing import CliRunner

    from fieldsurvey.cli import main

    for view in ("list", "dashboard", "form"):
        png = tmp_path / f"{view}.png"
        result = CliRunner().invoke(main, ["gui", "--db", str(workspace_file), "--view", view,
                                           "--screenshot", str(png)])
        assert result.exit_code == 0, result.output
        image = QImage(str(png))
        assert image.width() >= 1200 and image.height() >= 700


def test_demo_opens_the_demo_commune(window, monkeypatch, tmp_path, qtbot):
    """The README's first command (`fieldsurvey gui --demo`) builds the demo commune once and opens it."""
    from fieldsurvey.services import workspaces

    monkeypatch.setattr(workspaces, "create_demo", _small_demo(workspaces.create_demo))
    window.actions_by_key["open_demo"].trigger()
    qtbot.waitUntil(lambda: window.current_view() == "list", timeout=20000)
    assert window.model.rowCount() == 30
    assert Path(window.workspace.path) == workspaces.demo_path()
    # a supervisor's commune workspace: every supervisor's tool can be tried on it
    from fieldsurvey.services.sync import identity_of

    me = identity_of(workspaces.demo_path())
    assert (me.role, me.user) == ("supervisor", workspaces.DEMO_SUPERVISOR)
    window.show_view("review")
    assert window.review.can_decide and not window.review.note.isVisibleTo(window)


def _small_demo(create):
    def small(path, households=800, *args, **kwargs):
        return create(path, 30, *args, **kwargs)
    return small


def test_a_big_workspace_is_checked_off_the_main_thread(window, workspace_file, qtbot, monkeypatch):
    from fieldsurvey.gui.actions import workspace as workspace_actions

    monkeypatch.setattr(workspace_actions, "CHECK_OFF_THREAD_BYTES", 0)
    assert window.open_workspace(workspace_file, wait=False)
    assert window.current_view() == "start"            # the window stays alive while the file is checked
    with qtbot.waitSignal(window.workspace_actions.check_job.done, timeout=20000):
        pass
    assert window.current_view() == "list" and window.model.rowCount() == 60


def test_a_refused_big_file_says_why(window, tmp_path, qtbot, monkeypatch):
    from fieldsurvey.gui import crash
    from fieldsurvey.gui.actions import workspace as workspace_actions

    monkeypatch.setattr(workspace_actions, "CHECK_OFF_THREAD_BYTES", 0)
    bad = tmp_path / "other.fsdb"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    window.open_workspace(bad, wait=False)
    with qtbot.waitSignal(window.workspace_actions.check_job.failed, timeout=20000):
        pass
    assert str(bad) in crash.open_dialogs[-1].message.text()
    assert window.current_view() == "start"


def test_gui_command_renders_the_setup_and_the_passphrase_dialogs(tmp_path, qapp, monkeypatch):
    """`--view setup|passphrase` with no workspace: the dialog alone, as the enumerator sees it (the setup filled in,
    the commune picked; the passphrase asked for a file), in Vietnamese — the pictures in docs/gui.md."""
    from click.testing import CliRunner

    from fieldsurvey.cli import main

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    sizes = {}
    for view in ("setup", "passphrase"):
        png = tmp_path / f"{view}.png"
        result = CliRunner().invoke(main, ["gui", "--view", view, "--screenshot", str(png)])
        assert result.exit_code == 0, result.output
        image = QImage(str(png))
        sizes[view] = (image.width(), image.height())
    assert sizes["setup"][1] > 400 and sizes["passphrase"][1] < 300    # each its own dialog, not the window
    assert all(w < 1366 for w, _ in sizes.values())
