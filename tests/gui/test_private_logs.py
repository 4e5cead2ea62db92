"""The app's log and crash reports never hold a household's personal data nor a passphrase. Realistic failures on an
encrypted workspace — a wrong passphrase typed, then the right one; a rule that fails on a household's answers while
it is saved; a save that fails with a bug whose message quotes an ID number; an error the app expects whose text
names a person; the workspace opened again after the app was killed with a household open, its check finding a
household's row and document disagreeing — and then every file written under the test's folder (the log and its
rotations, the settings, the workspace and its backups, which are encrypted) is searched for the household head's
name, her ID number and the passphrase."""

from __future__ import annotations

import json
import sys
import threading

import pytest
from PySide6.QtCore import Qt

from fieldsurvey.errors import DocumentError
from fieldsurvey.gui import crash
from fieldsurvey.gui.dialogs.passphrase import PassphraseDialog
from fieldsurvey.services import forms
from fieldsurvey.storage import conversion, encryption
from fieldsurvey.storage import workspace as workspace_module
from fieldsurvey.storage.lock import lock_path
from fieldsurvey.storage.workspace import Workspace
from tests.builders import adult, household_doc
from tests.gui.keys import type_text

NAME = "Vàng Thị Mỷ Xuyên"
ID_NUMBER = "001987654321"
PASSPHRASE = "mật khẩu xã Lâm Bình 7749"
UUID = "5b0a4c9e-1d2f-4e3a-8b7c-6d5e4f3a2b1c"


def spellings(text: str) -> list[bytes]:
    """The ways a text can sit in a file: UTF-8, as JSON or Python escape it (\\u00e0, \\xe0), UTF-16."""
    return sorted({text.encode("utf-8"), json.dumps(text)[1:-1].encode("ascii"),
                   text.encode("unicode_escape"), ascii(text)[1:-1].encode("ascii"), text.encode("utf-16-le")})


def found_in_files(folder, secrets: dict[str, str]) -> list[str]:
    hits = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for what, text in secrets.items():
            if any(s in data for s in spellings(text)):
                hits.append(f"{path.relative_to(folder)}: {what}")
    return hits


@pytest.fixture
def private_log(tmp_path):
    """The app's own log, where the app writes it (XDG_STATE_HOME under tmp_path: the tests' conftest)."""
    path = crash.setup_logging()
    assert path.is_relative_to(tmp_path)
    yield path
    root = crash.logging.getLogger("fieldsurvey")
    for handler in [h for h in root.handlers if getattr(h, "baseFilename", "") == str(path)]:
        root.removeHandler(handler)
        handler.close()
    crash._log_path = None


@pytest.fixture
def encrypted_household(workspace_file, monkeypatch):
    """The demo commune with one more household — NAME, her ID number — encrypted with PASSPHRASE."""
    with Workspace.open(workspace_file) as ws:
        ws.backups = False
        doc = household_doc([adult(52, "female", relationship="head", name=NAME, id_number=ID_NUMBER),
                             adult(55, relationship="spouse", name="Giàng A Pó")])
        doc["uuid"] = UUID
        doc["location"]["village"] = ws.villages()[0]
        doc["household"]["head_name"] = NAME
        ws.save_household(doc, "draft", owner="enumerator-1")
    monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
    conversion.encrypt_workspace(workspace_file, PASSPHRASE)
    encryption.forget_all()
    yield workspace_file
    encryption.forget_all()


def unlock_as_typed(qtbot, window, path) -> None:
    """The passphrase dialog as the user meets it: a slip first (the passphrase and one letter more), then right."""
    dialog = PassphraseDialog(path, window)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(dialog.field, PASSPHRASE + "x")
    qtbot.keyClick(dialog.field, Qt.Key_Return)
    assert dialog.result() != PassphraseDialog.Accepted
    type_text(dialog.field, PASSPHRASE)
    qtbot.keyClick(dialog.field, Qt.Key_Return)
    assert dialog.result() == PassphraseDialog.Accepted


def as_the_app_hook_does(monkeypatch, call) -> None:
    """An exception nothing caught reaches the app's hook (installed by the app; the tests keep pytest-qt's)."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    crash.install_excepthook()
    try:
        call()
    except Exception:   # noqa: BLE001 - what the hook is for
        sys.excepthook(*sys.exc_info())


def test_no_household_data_nor_passphrase_reaches_the_log_or_a_crash_report(qtbot, window, encrypted_household,
                                                                         private_log, tmp_path, monkeypatch):
    path = encrypted_household
    earlier = {id(d) for d in crash.open_dialogs}   # (other tests' dialogs, gone with their windows)
    unlock_as_typed(qtbot, window, path)
    window.open_workspace(path)
    assert window.workspace.ws is not None and not window.workspace.ws.read_only
    window.open_household(UUID)
    assert window.form.uuid == UUID

    # 1. a rule fails on the household's answers while it is saved (logged by storage; the answers are saved)
    def failing_rule(doc, standard):
        return float(doc["members"][0]["name"])        # a bug: "could not convert string to float: 'Vàng…'"

    real_rule, real_save = workspace_module.stored_classification, forms.save_form
    monkeypatch.setattr(workspace_module, "stored_classification", failing_rule)
    window.form.answer("address", "Bản Phiêng Tòng", None)
    assert window.form.flush()
    monkeypatch.setattr(workspace_module, "stored_classification", real_rule)

    # 2. a save fails with a bug whose message quotes the ID number; the app's hook reports it (log + dialog)
    def broken_save(ws, session, owner, reason=None):
        head = session.to_document()["members"][0]
        return int(head["id_number"] + "-")            # "invalid literal for int() with base 10: '0019…-'"

    monkeypatch.setattr(forms, "save_form", broken_save)
    window.form.answer("address", "Bản Nà Khà", None)
    as_the_app_hook_does(monkeypatch, window.form.flush)
    shown = crash.open_dialogs[-1]
    assert "ValueError" in shown.message.text()
    monkeypatch.setattr(forms, "save_form", real_save)

    # 3. a KeyError named by a person (a member looked up by name), through a job's failure
    def lookup():
        return {}[NAME]

    as_the_app_hook_does(monkeypatch, lookup)

    # 4. an error the app expects, whose text names her: the dialog says it all on the screen, the log does not
    expected = crash.report_error(DocumentError("values.error.not_a_choice", "members[m1].relationship",
                                                value=NAME, choices="head, spouse"))
    assert NAME in expected.message.text()

    # 5. the app killed with the household open, the file changed behind it; opened again: the check on opening
    window.workspace.close()
    with Workspace.open(path) as ws:
        ws.backups = False
        ws.db.execute("UPDATE households SET head_name = 'x' WHERE uuid = ?", [UUID])
        ws.db.conn.commit()
    lock_path(path).write_bytes(b"open\n")   # as a killed writer leaves it, with its journal
    path.with_name(path.name + "-journal").touch()
    window.open_workspace(path)
    assert window.workspace.ws.read_only     # found, and said on the screen (the questionnaire's note)
    window.workspace.close()

    reports = [d for d in crash.open_dialogs if id(d) not in earlier]
    assert len(reports) == 3   # the save's bug, the lookup's, the known error
    for dialog in reports:
        assert NAME not in dialog.details.toPlainText() and ID_NUMBER not in dialog.details.toPlainText()
        dialog.close()

    hits = found_in_files(tmp_path, {"the head's name": NAME, "her ID number": ID_NUMBER,
                                     "the passphrase": PASSPHRASE})
    assert hits == []
    log = private_log.read_text(encoding="utf-8")
    for written in ("classifying household", "ValueError", "KeyError", "values.error.not_a_choice",
                    "not closed cleanly", "int(head[\"id_number\"] + \"-\")"):
        assert written in log, written        # each failure was written — what it was, where in the code


def test_the_crash_reports_traceback_keeps_the_frames_and_the_systems_own_messages():
    import sqlite3

    def deeper(value):
        raise sqlite3.OperationalError("database is locked") from ValueError(f"bad answer {value!r}")

    try:
        deeper(NAME)
    except sqlite3.OperationalError as exc:
        text = crash.private_traceback(exc)
    assert "sqlite3.OperationalError: database is locked" in text
    assert "ValueError: (its message is left out" in text and NAME not in text
    assert "in deeper" in text and "raise sqlite3.OperationalError" in text
    assert "The above exception was the direct cause of the following exception:" in text
    try:
        open(f"/nonexistent/{NAME}.pdf")
    except OSError as exc:
        text = crash.private_traceback(exc)
    assert "FileNotFoundError: [Errno 2] No such file or directory" in text and NAME not in text


def test_the_log_writes_its_own_traceback_whatever_another_handler_wrote_first(private_log):
    """logging keeps the first rendering of an exception on the record for every handler after it: a handler of
    another kind (a console's) coming first does not bring the exception's message into the log file."""
    import io
    import logging

    console = logging.StreamHandler(io.StringIO())
    console.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("fieldsurvey")
    root.handlers.insert(0, console)
    try:
        try:
            int(ID_NUMBER + "-")
        except ValueError:
            logging.getLogger("fieldsurvey.test").exception("reading an answer failed")
    finally:
        root.removeHandler(console)
    assert ID_NUMBER in console.stream.getvalue()          # the console's own rendering, as before
    written = private_log.read_text(encoding="utf-8")
    assert "reading an answer failed" in written and "ValueError: (its message is left out" in written
    assert ID_NUMBER not in written
