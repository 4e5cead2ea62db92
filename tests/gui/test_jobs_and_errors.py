"""One helper runs every long job off the main thread with progress and cancel; errors become a dialog + log."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from PySide6.QtWidgets import QPushButton, QWidget

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.gui import crash
from fieldsurvey.gui.jobs import run_job
from fieldsurvey.progress import Progress


def counting(n: int, seen: list, gate: threading.Event | None = None, closed: list | None = None,
             entered: threading.Event | None = None):
    try:
        for i in range(n):
            if entered is not None:
                entered.set()
            if gate is not None:
                gate.wait(5)
            seen.append(threading.current_thread().name)
            yield Progress(i + 1, n, "counting")
        return n * 10
    finally:
        if closed is not None:
            closed.append(True)


def test_a_job_runs_off_the_main_thread_and_hands_back_its_result(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list = []
    got: list = []
    handle = run_job(counting(5, seen), "Đếm", parent, on_done=got.append)
    with qtbot.waitSignal(handle.done, timeout=5000):
        pass
    assert got == [50] and handle.result == 50 and not handle.running
    assert threading.main_thread().name not in seen


def test_progress_reaches_the_dialog(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    handle = run_job(counting(3, []), "Đếm", parent)
    with qtbot.waitSignal(handle.done, timeout=5000):
        pass
    assert handle.dialog.maximum() == 3


def test_cancel_closes_the_job_between_steps(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    gate, entered, closed, seen = threading.Event(), threading.Event(), [], []
    handle = run_job(counting(1000, seen, gate, closed, entered), "Đếm", parent)
    assert entered.wait(5)  # the job is at work on its first step
    button = handle.dialog.findChild(QPushButton)
    assert button.text() == "Hủy"
    button.click()
    gate.set()
    with qtbot.waitSignal(handle.cancelled, timeout=5000):
        pass
    assert handle.was_cancelled and closed == [True] and len(seen) < 1000


def failing():
    yield Progress(0, 1, "x")
    raise ZeroDivisionError("boom")


def test_a_failing_job_is_logged_and_shown(qtbot, tmp_path, caplog):
    parent = QWidget()
    qtbot.addWidget(parent)
    crash.setup_logging(tmp_path / "log" / "fieldsurvey.log")
    handle = run_job(failing(), "Đếm", parent)
    with qtbot.waitSignal(handle.failed, timeout=5000):
        pass
    dialog = crash.open_dialogs[-1]
    assert "ZeroDivisionError: boom" in dialog.message.text()
    assert "fieldsurvey.log" in dialog.todo.text()
    assert dialog.details.isVisibleTo(dialog)
    dialog.close()
    assert "ZeroDivisionError" in (tmp_path / "log" / "fieldsurvey.log").read_text(encoding="utf-8")


def test_a_known_error_shows_its_own_message_without_a_traceback(qtbot):
    dialog = crash.report_error(WorkspaceError("is not a FieldSurvey workspace", "/tmp/x.fsdb"))
    qtbot.addWidget(dialog)
    assert "/tmp/x.fsdb: is not a FieldSurvey workspace" in dialog.message.text()
    assert not dialog.details.isVisibleTo(dialog)


def test_an_uncaught_exception_opens_the_dialog(qtbot, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    crash.install_excepthook()
    try:
        raise KeyError("lost")
    except KeyError:
        sys.excepthook(*sys.exc_info())
    dialog = crash.open_dialogs[-1]
    qtbot.addWidget(dialog)
    assert "KeyError" in dialog.message.text()


LEAK_PROBE = """
import sys
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QComboBox
app = QApplication([])
class Sender(QObject):
    said = Signal(object)
combo = QComboBox()
combo.addItem("no data")
sender = Sender()
sender.said.connect(lambda _v: None)
singletons = (None, True, False)
before = [sys.getrefcount(o) for o in singletons]
for _ in range(5000):
    combo.itemData(0)
    sender.said.emit(1)
print(max(b - sys.getrefcount(o) for b, o in zip(before, singletons)))
"""


def test_the_installed_qt_bindings_keep_their_references_to_none_and_true():
    """PySide6 6.12.0 on Python 3.11 loses a reference to None per empty QVariant returned and one to True per
    emit() from Python, and the interpreter aborts after a few hundred answers (so pyproject pins PySide6 below
    6.12). Run in a child process so a faulty binding fails this test instead of killing the suite."""
    result = subprocess.run([sys.executable, "-c", LEAK_PROBE], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.split()[-1]) <= 0, "the Qt bindings lose references to None/True/False"


def test_closing_the_window_cancels_running_jobs(window):
    from fieldsurvey.gui.jobs import run_job, running

    closed: list = []
    started = threading.Event()

    def endless():
        try:
            i = 0
            started.set()
            while True:
                i += 1
                yield Progress(i, 0, "working")
        finally:
            closed.append(True)

    handle = run_job(endless(), "Đếm", window)
    assert handle in running
    assert started.wait(5)
    window.close()
    assert closed == [True]


def test_reclassify_all_from_the_window_spawns_its_workers_and_classifies_every_household(window, workspace_file,
                                                                                          qtbot, monkeypatch):
    """File → Re-classify all runs in a job thread: its worker processes are spawned (forking a threaded process is
    unsafe), and every household gets its class back."""
    from fieldsurvey import parallel
    from fieldsurvey.services import batch
    from fieldsurvey.storage.workspace import Workspace

    monkeypatch.setattr(batch, "PAYS", parallel.Pays(forked=10, spawned=10))  # the demo file is small
    monkeypatch.setattr(batch, "CHUNK", 15)
    chosen: list[str] = []
    real = parallel.start_method
    monkeypatch.setattr(parallel, "start_method", lambda: chosen.append(real()) or chosen[-1])
    window.open_workspace(workspace_file)
    with Workspace.open(workspace_file) as ws:
        before = ws.db.execute("SELECT uuid, class, classification FROM households ORDER BY uuid").fetchall()
        ws.db.execute("UPDATE households SET class = NULL, classification = NULL")  # as if the rules changed
    handle = window.workspace_actions.classify_all()
    with qtbot.waitSignal(handle.done, timeout=120000):
        pass
    assert chosen == ["spawn"]
    with Workspace.open(workspace_file) as ws:
        after = ws.db.execute("SELECT uuid, class, classification FROM households ORDER BY uuid").fetchall()
    assert after == before and len(after) == 60
