"""The app explains a refusal in its own language: a workspace locked by another FieldSurvey, a damaged file, a file
name that is taken in the setup — in Vietnamese when the app is in Vietnamese, in English when in English. Real
widgets, real files in tmp_path, a real second process holding the lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from fieldsurvey.gui import crash
from fieldsurvey.gui.setup_view import SetupDialog
from fieldsurvey.gui.texts import language
from fieldsurvey.storage import workspace as workspace_module
from fieldsurvey.storage.lock import lock_path

BUSY_VI = ("Tệp đang được mở trong một cửa sổ FieldSurvey khác (hoặc một lệnh) trên máy này nên chỉ mở được ở chế độ "
           "chỉ đọc; hãy đóng cửa sổ kia để sửa")
BUSY_EN = ("the workspace is open in another FieldSurvey (a window or a command) on this computer, so it opened "
           "read-only here; close the other one to edit it")


class HeldLock:
    """Another process on this computer holding the workspace's writer lock (as a second FieldSurvey would)."""

    def __init__(self, path: Path):
        code = ("import fcntl, os, sys\n"
                f"fd = os.open({str(lock_path(path))!r}, os.O_RDWR | os.O_CREAT, 0o644)\n"
                "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\nsys.stdin.read()\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        assert self.proc.stdout.readline().strip() == "held"

    def __enter__(self) -> "HeldLock":
        return self

    def __exit__(self, *exc) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


@pytest.mark.skipif(os.name != "posix", reason="the writer lock is POSIX flock")
@pytest.mark.parametrize("lang, reason, other", [("vi", BUSY_VI, BUSY_EN), ("en", BUSY_EN, BUSY_VI)])
def test_a_workspace_locked_by_another_fieldsurvey_says_why_in_the_apps_language(window, workspace_file, lang,
                                                                                  reason, other):
    window.set_language(lang)
    with HeldLock(workspace_file):
        assert window.open_workspace(workspace_file)
        assert window.workspace.ws.read_only
        window.open_household(window.model.row(0).uuid)
        note = window.form_view.read_only_note
        assert not note.isHidden()
        assert note.text() == ("Chỉ xem, không sửa được: " if lang == "vi" else
                               "View only, no changes possible: ") + reason
        assert other not in note.text()
        window.show_view("list")
        window.workspace.close()


def _damage(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as fh:  # scribble over pages in the middle of the file
        fh.seek(size // 2)
        fh.write(b"\xff\x00" * (size // 8))
    workspace_module._CHECKED.discard(workspace_module._file_key(path))


@pytest.mark.parametrize("lang, words", [
    ("vi", ["Không thực hiện được:", "Tệp bị hỏng", "Hãy khôi phục bản sao lưu gần nhất", "fieldsurvey restore"]),
    ("en", ["Could not do that:", "the file is damaged", "restore the latest backup", "fieldsurvey restore"]),
])
def test_a_damaged_file_is_explained_in_the_apps_language(window, workspace_file, lang, words):
    _damage(workspace_file)
    window.set_language(lang)
    before = len(crash.open_dialogs)
    assert not window.open_workspace(workspace_file)
    assert len(crash.open_dialogs) == before + 1
    dialog = crash.open_dialogs[-1]
    text = dialog.message.text()
    for w in words:
        assert w in text, (w, text)
    assert str(workspace_file) in text
    assert ("Tệp bị hỏng" in text) == (lang == "vi")
    assert dialog.details.isHidden()  # an expected refusal: no traceback
    dialog.close()


def _create_button(dialog: SetupDialog):
    from PySide6.QtWidgets import QDialogButtonBox

    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok)


def _fill_setup(qtbot, dialog: SetupDialog, path: Path) -> None:
    qtbot.keyClicks(dialog.commune_search, "lam binh")
    qtbot.keyClick(dialog.commune_search, Qt.Key_Return)
    qtbot.keyClicks(dialog.enumerator, "Hoa")
    dialog.path.setText(str(path))
    for field in (dialog.passphrase, dialog.passphrase_again):
        field.setText("mật khẩu của xã Lâm Bình")


@pytest.mark.parametrize("lang, expected", [
    ("vi", "Đã có một tệp trùng tên; hãy chọn tên khác hoặc xóa tệp đó"),
    ("en", "a file of that name already exists; choose another name or remove it"),
])
def test_setup_explains_a_file_name_that_is_taken_in_the_apps_language(qtbot, tmp_path, lang, expected):
    taken = tmp_path / "lam-binh.fsdb"
    taken.write_bytes(b"someone's file")
    language.set(lang)
    dialog = SetupDialog(tmp_path)
    qtbot.addWidget(dialog)
    _fill_setup(qtbot, dialog, taken)
    qtbot.mouseClick(_create_button(dialog), Qt.LeftButton)
    assert dialog.created is None and dialog.result() != SetupDialog.Accepted
    assert dialog.error.text() == f"{taken}: {expected}"
    assert taken.read_bytes() == b"someone's file"


@pytest.mark.parametrize("lang, expected", [("vi", "Rà soát viên: Cần nhập tên rà soát viên"),
                                            ("en", "Enumerator: the enumerator's name is required")])
def test_setup_names_the_missing_field_in_the_apps_language(qtbot, tmp_path, lang, expected):
    language.set(lang)
    dialog = SetupDialog(tmp_path)
    qtbot.addWidget(dialog)
    _fill_setup(qtbot, dialog, tmp_path / "new.fsdb")
    dialog.enumerator.clear()
    qtbot.mouseClick(_create_button(dialog), Qt.LeftButton)
    assert dialog.error.text() == expected
    assert not (tmp_path / "new.fsdb").exists()


@pytest.mark.parametrize("lang, expected", [
    ("vi", "Ngày phỏng vấn: '2026-1' không phải là một ngày viết theo dạng NNNN-TT-NN"),
    ("en", "Interview date: '2026-1' is not a date written YYYY-MM-DD"),
])
def test_a_half_typed_date_says_why_the_household_cannot_be_classified_yet(window, workspace_file, lang, expected):
    window.set_language(lang)
    window.open_workspace(workspace_file)
    window.open_household(window.model.row(0).uuid)
    window.form.answer("interview_date", "2026-1", None)  # what the date field hands on while it is being typed
    panel = window.form_view.panel
    assert panel.summary.text() == expected
    assert panel.badge.text() == ("Chưa xếp loại được" if lang == "vi" else "Cannot classify yet")
    window.form.answer("interview_date", "2026-01-15", None)
    assert panel.summary.text() != expected


def test_a_workspace_found_damaged_on_opening_says_why_and_how_to_restore(window, workspace_file):
    """Left open by a killed writer and then changed behind the app's back: the whole check on opening finds it;
    the app opens it read-only and the questionnaire's note says what was found and the restore command."""
    import sqlite3

    from fieldsurvey.storage.lock import lock_path

    uuid = sqlite3.connect(workspace_file).execute("SELECT uuid FROM households LIMIT 1").fetchone()[0]
    with sqlite3.connect(workspace_file) as conn:
        conn.execute("UPDATE households SET member_count = member_count + 5 WHERE uuid = ?", [uuid])
    lock_path(workspace_file).write_bytes(b"open\n")          # as a killed writer leaves it, with its journal
    workspace_file.with_name(workspace_file.name + "-journal").touch()
    window.open_workspace(workspace_file)
    assert window.workspace.ws.read_only
    window.open_household(uuid)
    note = window.form_view.read_only_note
    assert not note.isHidden()
    assert "bước kiểm tra đã phát hiện lỗi" in note.text() and uuid in note.text()
    assert f"fieldsurvey restore {workspace_file} BACKUP" in note.text()   # no backup beside it: the command's form
