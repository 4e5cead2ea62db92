"""The app never fails because another process holds the workspace: opened while a real second FieldSurvey — a
command, another app's window — has it, the window says who (whose window or which command, the login, the
computer, the process, since when), the Review view's decisions are off with that reason beside them, and a step
that would write (trusting a key, importing bundles) is refused with the same words — never SQLite's "attempt to
write a readonly database". Once the other one lets go, the file opens for editing again."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldsurvey.gui import crash

HOLD = """
import sys
from fieldsurvey.services.workspaces import opened, working_as
working_as(sys.argv[2], sys.argv[3])
with opened(sys.argv[1]) as ws:
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def supervisor_file(workspace_file):
    from fieldsurvey.services.sync import init_workspace

    init_workspace(workspace_file, "giam-sat", "supervisor")
    return workspace_file


def hold(path: Path, what: str, command: str = "") -> subprocess.Popen:
    """A second FieldSurvey process holding the workspace until its stdin closes."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), what, command], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.stdout.readline().strip() == "held"
    return proc


def let_go(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(timeout=30)


def shown_errors() -> list[str]:
    texts = [d.message.text() for d in crash.open_dialogs]
    for d in list(crash.open_dialogs):
        d.close()
    return texts


def test_a_command_holding_the_file_is_named_and_nothing_fails_on_a_read_only_file(window, supervisor_file,
                                                                                 tmp_path, qtbot):
    from fieldsurvey.services.sync import export_key, init_workspace

    key = tmp_path / "hoa.fskey"   # an enumerator's key, to trust while the file is held
    init_workspace(tmp_path / "hoa.fsdb", "hoang-thi-hoa", "enumerator", "02266")
    export_key(tmp_path / "hoa.fsdb", key)

    proc = hold(supervisor_file, "command", "import")
    try:
        assert window.open_workspace(supervisor_file)
        assert window.workspace.ws.read_only
        said = window.statusBar().currentMessage()
        for part in ("fieldsurvey import", getpass.getuser(), socket.gethostname(), str(proc.pid)):
            assert part in said, (part, said)
        assert "readonly" not in said
        assert str(proc.pid) in window.status_label.toolTip()
        # the Review view: nothing can be decided, and the note says why (who has the file)
        window.show_view("review")
        assert not window.review.can_decide
        assert not window.review.approval.approve_button.isEnabled()
        assert window.review.note.isVisibleTo(window) and str(proc.pid) in window.review.note.text()
        # trusting a key writes: refused with who holds the file, never SQLite's words
        crash.open_dialogs.clear()   # (those of earlier tests are gone with their windows)
        with pytest.MonkeyPatch.context() as mp:
            from PySide6.QtWidgets import QMessageBox
            mp.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Yes))
            assert window.sync_actions.trust_key(key) is False
        errors = shown_errors()
        assert len(errors) == 1 and "fieldsurvey import" in errors[0] and str(proc.pid) in errors[0], errors
        assert "readonly" not in errors[0] and "read-only database" not in errors[0]
    finally:
        let_go(proc)
    window.workspace.close()
    assert window.open_workspace(supervisor_file)   # the other one let go: editable again
    assert not window.workspace.ws.read_only
    assert window.status_label.toolTip() == ""


def test_a_second_app_holding_the_file_is_named_to_the_command_line_in_vietnamese(supervisor_file, tmp_path):
    """A real second app (`fieldsurvey gui --db FILE`) holds the file; a command that writes says whose window has
    it, in Vietnamese, and fails cleanly (no traceback)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FIELDSURVEY_SETTINGS": str(tmp_path / "s.ini")}
    app = subprocess.Popen([sys.executable, "-m", "fieldsurvey", "gui", "--db", str(supervisor_file)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = supervisor_file.with_name(f".{supervisor_file.name}.lock")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and '"app"' not in (lock.read_text() if lock.exists() else ""):
            time.sleep(0.2)
        assert '"app"' in lock.read_text()
        done = subprocess.run([sys.executable, "-m", "fieldsurvey", "keys", "forget", str(supervisor_file), "x"],
                              env={**env, "FIELDSURVEY_LANG": "vi"}, capture_output=True, text=True, timeout=60)
    finally:
        app.terminate()
        app.wait(timeout=30)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "readonly" not in done.stderr
    assert "cửa sổ FieldSurvey của tài khoản" in done.stderr and f"tiến trình {app.pid}" in done.stderr, done.stderr
