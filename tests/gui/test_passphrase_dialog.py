"""The app and an encrypted workspace: the passphrase asked in a dialog when a file is opened (a wrong one said in
the dialog, in the app's language, the file untouched), nothing opened when the user gives up; a new workspace made
by the setup is encrypted, its recovery key kept for the one time it is shown."""

from __future__ import annotations

import hashlib

import pytest
from PySide6.QtCore import Qt

from fieldsurvey.gui.dialogs import passphrase as passphrase_dialog
from fieldsurvey.gui.dialogs.passphrase import PassphraseDialog, show_recovery_key
from fieldsurvey.gui.setup_view import SetupDialog
from fieldsurvey.gui.texts import language
from fieldsurvey.storage import conversion, encryption
from tests.gui.keys import type_text

PASSPHRASE = "mật khẩu của xã Lâm Bình"


@pytest.fixture
def encrypted_file(workspace_file, monkeypatch):
    monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
    conversion.encrypt_workspace(workspace_file, PASSPHRASE)
    encryption.forget_all()
    yield workspace_file
    encryption.forget_all()


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("lang, words", [("vi", "Sai mật khẩu"), ("en", "wrong passphrase")])
def test_a_wrong_passphrase_is_said_in_the_dialog_and_the_right_one_opens(qtbot, window, encrypted_file, lang,
                                                                          words):
    language.set(lang)
    before = _digest(encrypted_file)
    dialog = PassphraseDialog(encrypted_file, window)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.field, "không đúng đâu")
    qtbot.keyClick(dialog.field, Qt.Key_Return)
    assert dialog.result() != PassphraseDialog.Accepted and words in dialog.error.text()
    assert dialog.field.text() == ""   # the typed passphrase does not stay in the field
    assert _digest(encrypted_file) == before and not encryption.is_unlocked(encrypted_file)
    type_text(dialog.field, PASSPHRASE)
    qtbot.keyClick(dialog.field, Qt.Key_Return)
    assert dialog.result() == PassphraseDialog.Accepted and encryption.is_unlocked(encrypted_file)
    assert window.workspace_actions.open(encrypted_file)
    assert window.workspace.ws is not None and window.workspace.ws.household_count() == 60


def test_the_app_opens_nothing_when_the_passphrase_is_not_given(window, encrypted_file, monkeypatch):
    asked = []
    monkeypatch.setattr(passphrase_dialog, "ask_passphrase", lambda path, parent: asked.append(path) or False)
    assert window.workspace_actions.open(encrypted_file) is False
    assert asked == [encrypted_file] and window.workspace.ws is None


def test_setup_makes_an_encrypted_workspace_and_keeps_its_recovery_key_to_show(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
    dialog = SetupDialog(tmp_path)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.commune_search, "lam binh")
    qtbot.keyClick(dialog.commune_search, Qt.Key_Return)
    type_text(dialog.enumerator, "Hoàng Thị Hoa")
    dialog.path.setText(str(tmp_path / "lam-binh.fsdb"))
    type_text(dialog.passphrase, PASSPHRASE)
    type_text(dialog.passphrase_again, PASSPHRASE + "!")
    dialog.create()
    assert dialog.created is None and dialog.error.text() == "Hai lần nhập mật khẩu không giống nhau; hãy nhập lại"
    dialog.passphrase_again.setText(PASSPHRASE)
    dialog.create()
    assert dialog.result() == SetupDialog.Accepted and encryption.is_encrypted(dialog.created)
    assert encryption.parse_recovery(dialog.recovery, "x")
    assert dialog.passphrase.text() == "" and dialog.passphrase_again.text() == ""
    box = show_recovery_key(dialog.created, dialog.recovery, dialog)
    assert dialog.recovery in box.text()
    encryption.forget_all()
