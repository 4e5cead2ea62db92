"""The app and an encrypted workspace: the passphrase asked in a dialog when a file is opened (a wrong one said in
the dialog, in the app's language, the file untouched), nothing opened when the user gives up; a new workspace made
by the setup is encrypted, its recovery key kept for the one time it is shown."""

from __future__ import annotations

import hashlib
import re

import pytest
from PySide6.QtCore import Qt

from fieldsurvey.gui.dialogs import passphrase as passphrase_dialog
from fieldsurvey.gui.dialogs.passphrase import PassphraseDialog, show_recovery_key
from fieldsurvey.gui.setup_view import SetupDialog
from fieldsurvey.gui.texts import language
from fieldsurvey.storage import conversion, encryption
from tests.gui.keys import type_text
from tests.gui.modal import answer_next_modal

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


def test_a_forgotten_passphrase_is_reset_in_the_app_with_the_recovery_key(qtbot, window, workspace_file,
                                                                          monkeypatch):
    monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
    language.set("vi")
    recovery = conversion.encrypt_workspace(workspace_file, PASSPHRASE)
    encryption.forget_all()
    header = encryption.header_path(workspace_file)
    before, header_before = _digest(workspace_file), header.read_bytes()
    dialog = PassphraseDialog(workspace_file, window)
    qtbot.addWidget(dialog)
    dialog.show()
    groups = recovery.split("-")
    typo = "-".join([groups[0], groups[1][:-1] + str((int(groups[1][-1]) + 1) % 10), *groups[2:]])
    said = []

    def mistyped_then_right(reset):
        assert not reset.supervisor.isVisible()   # a workspace sealed to no supervisor: only the paper
        type_text(reset.recovery, typo)
        type_text(reset.passphrase, "mật khẩu mới sau khi quên")
        type_text(reset.passphrase_again, "mật khẩu mới sau khi quên")
        qtbot.keyClick(reset.passphrase_again, Qt.Key_Return)
        said.append(reset.message.text())
        assert reset.isVisible() and header.read_bytes() == header_before   # refused, nothing written
        reset.recovery.clear()
        type_text(reset.recovery, recovery.replace("-", " "))
        type_text(reset.passphrase, "ngắn")
        type_text(reset.passphrase_again, "ngắn")
        qtbot.keyClick(reset.passphrase_again, Qt.Key_Return)
        said.append(reset.message.text())
        type_text(reset.passphrase, "mật khẩu mới sau khi quên")
        type_text(reset.passphrase_again, "mật khẩu mới sau khi quên")
        qtbot.keyClick(reset.passphrase_again, Qt.Key_Return)

    done = answer_next_modal(mistyped_then_right, name="resetPassphraseDialog")
    qtbot.mouseClick(dialog.forgot, Qt.LeftButton)
    assert done, "the reset dialog did not open"
    assert "nhóm thứ 2" in said[0].lower() and "8" in said[1]
    assert dialog.result() == PassphraseDialog.Accepted and encryption.is_unlocked(workspace_file)
    assert _digest(workspace_file) == before and header.read_bytes() != header_before   # data untouched
    assert window.workspace_actions.open(workspace_file)
    assert window.workspace.ws.household_count() == 60
    window.workspace.close()
    encryption.forget_all()
    with pytest.raises(Exception):
        encryption.unlock(workspace_file, PASSPHRASE)   # the forgotten one opens nothing any more
    encryption.unlock(workspace_file, "mật khẩu mới sau khi quên")
    encryption.forget_all()


def test_an_enumerator_copies_the_key_header_for_the_supervisor_and_resets_with_what_they_read_out(
        qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from fieldsurvey.services import encryption as at_rest
    from fieldsurvey.services import sync

    monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
    language.set("en")
    sup, lan, stick = tmp_path / "sup" / "commune.fsdb", tmp_path / "lan" / "lan.fsdb", tmp_path / "stick"
    for folder in (sup.parent, lan.parent, stick):
        folder.mkdir()
    for path, user, role, pw in ((sup, "thu", "supervisor", "thu là giám sát viên"), (lan, "lan", "enumerator",
                                                                                     PASSPHRASE)):
        with at_rest.new_encrypted(path, pw):
            sync.init_workspace(path, user, role, "02266")
    sync.export_key(sup, tmp_path / "thu.fskey")
    sync.trust(lan, tmp_path / "thu.fskey", sync.spoken_fingerprint(sync.identity_of(sup)))
    encryption.forget_all()

    dialog = PassphraseDialog(lan, window)
    qtbot.addWidget(dialog)
    dialog.show()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(stick))   # the system's dialog
    seen = []

    def copy_then_reset(reset):
        assert reset.supervisor.isVisible() and "(thu)" in reset.supervisor.text()
        qtbot.mouseClick(reset.copy_header, Qt.LeftButton)
        seen.append(reset.message.text())
        # … at the commune office: the officer's own app opens the copy sealed to their key (File menu)
        encryption.unlock(sup, "thu là giám sát viên")
        assert window.workspace_actions.open(sup)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(stick / "lan.fsdb.key"), ""))
        window.actions_by_key["recover_passphrase"].trigger()
        shown = window.sync_actions.recovered_box
        assert shown.isVisible() and "Read it out to the enumerator" in shown.text()
        read_out = re.search(r"(\d{6}-){7}\d{6}", shown.text()).group(0)
        shown.close()
        window.workspace.close()
        type_text(reset.recovery, read_out)
        type_text(reset.passphrase, "lan đặt mật khẩu mới")
        type_text(reset.passphrase_again, "lan đặt mật khẩu mới")
        qtbot.keyClick(reset.passphrase_again, Qt.Key_Return)

    done = answer_next_modal(copy_then_reset, name="resetPassphraseDialog")
    qtbot.mouseClick(dialog.forgot, Qt.LeftButton)
    assert done and "no personal data" in seen[0] and (stick / "lan.fsdb.key").is_file()
    assert sorted(p.name for p in stick.iterdir()) == ["lan.fsdb.key"]   # the header only, nothing of the data
    assert dialog.result() == PassphraseDialog.Accepted
    encryption.forget_all()
    encryption.unlock(lan, "lan đặt mật khẩu mới")
    encryption.forget_all()


def test_the_starter_packages_first_run_refuses_a_passphrase_as_the_setup_does_and_leaves_nothing_behind(
        qtbot, tmp_path, monkeypatch):
    """The enumerator's first run from a starter package asks the new workspace's passphrase as the setup does:
    typed differently, or too short, it is said in the dialog and nothing is made; a workspace that cannot be made
    leaves no key header; once made it is encrypted, its recovery key kept for the one time it is shown."""
    from fieldsurvey.errors import WorkspaceError
    from fieldsurvey.gui.dialogs.starter import OpenStarterDialog
    from fieldsurvey.services import workspaces

    monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
    path = tmp_path / "lan" / "lan.fsdb"
    fingerprints: list[str] = []
    fail = [True]

    def create(where, fingerprint):
        fingerprints.append(fingerprint)
        if fail[0]:
            raise WorkspaceError("storage.error.no_such_file", str(where.parent / "gone"))
        return workspaces.create_workspace(workspaces.NewWorkspace(where, "02266", ("Thôn 1",), "Lò Thị Lan"))

    shown = {"supervisor": "Thu", "user": "thu", "device": "máy của Thu", "fingerprint": "1234 5678 9012",
             "commune": "Xã Lâm Bình", "year": "2026", "name": "Lò Thị Lan", "villages": "Thôn 1"}
    dialog = OpenStarterDialog(shown, path, create)
    qtbot.addWidget(dialog)
    type_text(dialog.passphrase, PASSPHRASE)
    type_text(dialog.passphrase_again, PASSPHRASE + "!")
    dialog.confirm()
    assert dialog.error.text() == "Hai lần nhập mật khẩu không giống nhau; hãy nhập lại"
    assert dialog.created is None and fingerprints == [] and dialog.passphrase.text() == PASSPHRASE
    dialog.passphrase.setText("ngắn")
    dialog.passphrase_again.setText("ngắn")
    dialog.confirm()
    assert "Mật khẩu quá ngắn" in dialog.error.text() and fingerprints == [] and not path.exists()
    dialog.passphrase.setText(PASSPHRASE)
    dialog.passphrase_again.setText(PASSPHRASE)
    dialog.confirm()
    assert fingerprints == ["1234 5678 9012"] and dialog.created is None and dialog.error.text()
    assert not encryption.header_path(path).exists() and not path.exists()
    fail[0] = False
    dialog.confirm()
    assert dialog.result() == OpenStarterDialog.Accepted and dialog.created == path and encryption.is_encrypted(path)
    assert encryption.parse_recovery(dialog.recovery, "x")
    assert dialog.passphrase.text() == "" and dialog.passphrase_again.text() == ""
    encryption.forget_all()
