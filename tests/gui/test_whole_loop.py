"""The whole review in the app, through its real widgets, across two workspaces in temporary folders (issue 16,
"Done when", line 1): the supervisor makes a starter package → the enumerator's first run from it (the supervisor's
fingerprint compared, the workspace encrypted with a passphrase) → two households typed with the keyboard on the real
form → hand-in → the supervisor's import with the enumerator's fingerprint confirmed on screen → both
returned → one fixed, the other "checked, no change" → handed in again → approved → printed (the PDF read back).
The databases are checked at each step through the services."""

from __future__ import annotations

import json

from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from fieldsurvey.gui.app import make_window
from fieldsurvey.services import encryption, starter as starters
from fieldsurvey.services import sync as svc
from fieldsurvey.services import workspaces
from fieldsurvey.storage.workspace import Workspace
from tests.gui.keys import ADULT, PUPIL, Keyboard, type_household, type_text
from tests.gui.modal import answer_next_modal

LAN_PASSPHRASE = "mật khẩu của Lan ở Lâm Bình"


def back_to(window, qtbot) -> None:
    """The user clicks back into the main window after a dialog (offscreen, nothing else activates it)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


def type_one(window, k: Keyboard, head: str, village: str, spouse: str, child: str, wages: str) -> str:
    """A household typed from Ctrl+N to the last answer: the head, the spouse and a school-age child, every
    indicator answered, the income by the direct route. Returns its uuid once autosaved."""
    type_household(k, village, head, [(None, "1", "1978", None, ADULT), (spouse, "2", "1980", "2", ADULT),
                                      (child, "1", "2014", "3", PUPIL)], wages)
    session = window.form.session
    assert session.errors() == [] and session.is_complete()
    window.form.flush()
    return window.form.uuid


def statuses(path) -> dict[str, str]:
    with workspaces.opened(path, read_only=True) as ws:
        return dict(ws.db.execute("SELECT uuid, status FROM households").fetchall())


def answer(path, uuid: str, name: str):
    with workspaces.opened(path, read_only=True) as ws:
        return ws.get_household(uuid)["household"][name]


def test_the_whole_review_loop_through_the_app(qtbot, store, tmp_path):
    stick = tmp_path / "stick"
    stick.mkdir()
    sup = tmp_path / "thu" / "commune.fsdb"
    sup.parent.mkdir()
    svc.init_workspace(sup, "thu", "supervisor", "02266", villages=3)
    with workspaces.opened(sup) as ws:
        for n, name in enumerate(workspaces.village_names_of(ws)):
            workspaces.set_residents(ws, name, 100 + n, "2026-09-01", "Sổ theo dõi hộ dân cư")
        villages = [(v.name, v.residents) for v in workspaces.villages(ws)]
    thu_spoken = svc.spoken_fingerprint(svc.identity_of(sup))
    _app, window = make_window("vi", store, hooks=False)
    qtbot.addWidget(window)

    # 1. the supervisor makes Lan's starter package: File → Make a starter package…, her name typed
    window.open_workspace(sup)
    make = window.actions_by_key["make_starter"]
    assert make in window.menus["file"].actions() and make.isEnabled()
    make.trigger()
    dialog = window.starter_actions.make_dialog
    assert dialog.isVisible()
    type_text(dialog.name, "Lò Thị Lan")
    dialog.folder.setText(str(stick))
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    package = stick / "02266-lo-thi-lan.fsstart"
    assert package.is_file() and not dialog.isVisible() and str(package) in window.statusBar().currentMessage()
    with workspaces.opened(sup, read_only=True) as ws:
        assert starters.starters_made(ws)["lo-thi-lan"]["name"] == "Lò Thị Lan"

    # 2. Lan's first run: the start page offers the package; the supervisor's fingerprint shown; Cancel makes nothing
    lan = tmp_path / "lan" / "lan.fsdb"
    window.workspace.close()
    window.show_view("start")
    assert window.start.starter_button.isVisible() and "gói khởi tạo" in window.start.starter_button.text()
    dialog = window.starter_actions.open_starter(package)
    assert dialog.fingerprint.text() == thu_spoken
    assert "thu" in dialog.findChild(type(dialog.fingerprint), "starterFrom").text()
    assert all(name in dialog.findChild(type(dialog.fingerprint), "starterWhat").text() for name, _ in villages)
    dialog.path.setText(str(lan))
    dialog.buttons.button(QDialogButtonBox.Cancel).click()
    assert not lan.exists() and not lan.parent.exists() or list(lan.parent.iterdir()) == []
    dialog = window.starter_actions.open_starter(package)
    dialog.path.setText(str(lan))
    type_text(dialog.passphrase, LAN_PASSPHRASE)
    type_text(dialog.passphrase_again, LAN_PASSPHRASE)
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    assert not dialog.isVisible(), dialog.error.text()
    recovery = window.starter_actions.recovery_box
    assert recovery is not None and recovery.isVisible()
    recovery.close()
    assert window.workspace.path == lan and encryption.is_encrypted(lan)
    with workspaces.opened(lan, read_only=True) as ws:
        assert [(v.name, v.residents) for v in workspaces.villages(ws)] == villages
        assert ws.meta("enumerator") == "Lò Thị Lan" and ws.user == "lo-thi-lan"
    assert [(k["user"], k["role"], k["spoken"]) for k in svc.trusted(lan)] == [("thu", "supervisor", thu_spoken)]
    lan_spoken = svc.spoken_fingerprint(svc.identity_of(lan))
    box = window.sync_actions.show_my_fingerprint()      # what Lan reads to the supervisor
    assert lan_spoken in box.text() and "lo-thi-lan" in box.text()
    box.close()

    # 3. two households typed with the keyboard on the real form
    back_to(window, qtbot)
    k = Keyboard(window)
    first = type_one(window, k, "Hoàng Văn Dũng", "1", "Nông Thị Thắm", "Hoàng Văn Đức", "12000000")
    second = type_one(window, k, "Ma Văn Tuấn", "2", "Hà Thị Nga", "Ma Văn Hùng", "9000000")
    assert statuses(lan) == {first: "complete", second: "complete"}
    assert answer(lan, first, "income_wages") == 12_000_000
    with workspaces.opened(lan, read_only=True) as ws:
        doc = ws.get_household(second)
    assert doc["location"]["village"] == villages[1][0] and doc["members"][0]["name"] == "Ma Văn Tuấn"

    # 4. the hand-in
    handle = window.sync_actions.export_bundle(stick)
    with qtbot.waitSignal(handle.done, timeout=30000):
        pass
    assert handle.result.households == 2 and handle.result.encrypted
    bundle = handle.result.path

    # 5. the supervisor's import: Lan's key shown with its fingerprint, compared, confirmed on screen
    window.open_workspace(sup)
    assert svc.trusted(sup) == []
    seen = answer_next_modal(lambda box: box.button(QMessageBox.Yes).click())
    handle = window.sync_actions.import_bundles([bundle])
    with qtbot.waitSignal(handle.done, timeout=30000):
        pass
    assert seen and lan_spoken in seen[0].text and "Lò Thị Lan" in seen[0].text
    assert [(k["user"], k["spoken"]) for k in svc.trusted(sup)] == [("lo-thi-lan", lan_spoken)]
    assert statuses(sup) == {first: "submitted", second: "submitted"}
    window.sync_actions.summary.close()

    # 6. both returned with a comment, and the return bundle written for Lan
    back_to(window, qtbot)
    window.show_view("review")
    tab = window.review.approval
    assert tab.model.rowCount() == 2
    tab.table.selectAll()

    def comment(dialog) -> None:
        type_text(dialog.comment, "Kiểm tra lại diện tích nhà ở")
        dialog.buttons.button(QDialogButtonBox.Ok).click()

    seen = answer_next_modal(comment)
    tab.return_button.click()
    qtbot.waitUntil(lambda: window.review.job is not None and not window.review.job.running, timeout=30000)
    assert seen and statuses(sup) == {first: "returned", second: "returned"}
    outbox = tmp_path / "to-lan"
    outbox.mkdir()
    handle = window.sync_actions.export_bundle(outbox, to="lo-thi-lan")
    with qtbot.waitSignal(handle.done, timeout=30000):
        pass
    assert handle.result.actions == 2

    # 7. Lan imports it: both on her to-do list; she fixes one with the keyboard, the other is "checked, no change"
    window.open_workspace(lan)
    handle = window.sync_actions.import_bundles([handle.result.path])
    with qtbot.waitSignal(handle.done, timeout=30000):
        pass
    window.sync_actions.summary.close()
    assert statuses(lan) == {first: "returned", second: "returned"}
    back_to(window, qtbot)
    window.show_view("todo")
    assert window.todo.table.rowCount() == 2
    window.open_household(first)
    field = next(f for fields in window.form_view.fields.values() for n, f in fields.items() if n == "floor_area")
    field.widget.setFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_A, Qt.ControlModifier)   # the answer there, selected
    k.text("52")
    k.key(Qt.Key_Return)
    window.form.flush()
    assert answer(lan, first, "floor_area") == 52
    seen = answer_next_modal(lambda dialog: dialog.buttons.button(QDialogButtonBox.Ok).click())
    assert window.household_actions.confirm_unchanged(second)
    assert seen
    lan_status = statuses(lan)
    assert lan_status[second] == "confirmed"

    # 8. handed in again
    handle = window.sync_actions.export_bundle(stick)
    with qtbot.waitSignal(handle.done, timeout=30000):
        pass
    assert handle.result.households == 2

    # 9. the supervisor imports (nothing asked: Lan's key is trusted now) and approves both
    window.open_workspace(sup)
    window.sync_actions.ask_key = lambda *_: pytest_fail("a trusted key is not asked about again")
    handle = window.sync_actions.import_bundles([handle.result.path])
    with qtbot.waitSignal(handle.done, timeout=30000):
        pass
    window.sync_actions.summary.close()
    assert statuses(sup) == {first: "submitted", second: "confirmed"}    # fixed; checked with no change
    assert answer(sup, first, "floor_area") == 52 and answer(sup, second, "floor_area") == 60
    back_to(window, qtbot)
    window.show_view("review")
    tab = window.review.approval
    assert tab.model.rowCount() == 2
    tab.table.selectAll()
    seen = answer_next_modal(lambda box: box.button(QMessageBox.Yes).click())
    tab.approve_button.click()
    qtbot.waitUntil(lambda: not window.review.job.running, timeout=30000)
    assert seen and statuses(sup) == {first: "approved", second: "approved"}

    # 10. printed: the households' forms, read back from the PDF
    window.show_view("list")
    out = tmp_path / "phieu.pdf"
    handle = window.print_actions.print_document("sheets", out)
    with qtbot.waitSignal(handle.done, timeout=60000):
        pass
    text = " ".join(page.extract_text() for page in PdfReader(str(out)).pages)
    assert "Hoàng Văn Dũng" in text and "Ma Văn Tuấn" in text
    assert window.print_actions.printed_dialog.isVisible()
    window.print_actions.printed_dialog.close()
    window.close()


def pytest_fail(message: str):
    import pytest

    pytest.fail(message)


def _supervisor_and_lan(tmp_path):
    sup = tmp_path / "thu" / "commune.fsdb"
    sup.parent.mkdir()
    svc.init_workspace(sup, "thu", "supervisor", "02266", villages=2)
    made = starters.make_starter(sup, tmp_path, "Lò Thị Lan")
    lan = tmp_path / "lan" / "lan.fsdb"
    starters.create_from_starter(made.path, lan, svc.spoken_fingerprint(svc.identity_of(sup)))
    return sup, lan, made.path


def test_a_key_not_confirmed_imports_nothing_and_trusts_nothing(window, tmp_path, qtbot):
    sup, lan, _package = _supervisor_and_lan(tmp_path)
    from tests.builders import adult, household_doc

    doc = household_doc([adult(40, relationship="head", name="Lò Văn Pả")])
    with Workspace.open(lan) as ws:
        doc["location"]["village"] = ws.villages()[0]
        ws.save_household(doc, "complete", owner="lo-thi-lan")
    bundle = svc.export_bundle(lan, tmp_path).path
    window.open_workspace(sup)
    seen = answer_next_modal(lambda box: box.button(QMessageBox.No).click())
    assert window.sync_actions.import_bundles([bundle]) is None
    assert seen and svc.spoken_fingerprint(svc.identity_of(lan)) in seen[0].text
    assert svc.trusted(sup) == [] and statuses(sup) == {}
    assert "Lò Thị Lan" in window.statusBar().currentMessage() and window.model.rowCount() == 0
    # Enter alone never trusts: the question's default button is No
    seen = answer_next_modal(lambda box: box.button(QMessageBox.No).click())
    window.sync_actions.import_bundles([bundle])
    assert seen and seen[0].default == QMessageBox.No and svc.trusted(sup) == []


def test_a_changed_package_is_refused_in_the_apps_language_and_nothing_is_made(window, tmp_path, qtbot):
    from fieldsurvey.gui import crash
    from fieldsurvey.gui.texts import language

    sup = tmp_path / "thu" / "commune.fsdb"
    sup.parent.mkdir()
    svc.init_workspace(sup, "thu", "supervisor", "02266", villages=2)
    package = starters.make_starter(sup, tmp_path, "Lò Thị Lan").path
    data = bytearray(package.read_bytes())
    data[-100] ^= 1
    package.write_bytes(bytes(data))
    for lang, words in (("vi", "Chưa tạo gì cả"), ("en", "Nothing was made")):
        language.set(lang)
        assert window.starter_actions.open_starter(package) is None
        assert words in crash.open_dialogs[-1].message.text()
        crash.open_dialogs[-1].close()
    assert not (window.workspace_actions.default_dir()).exists() or \
        list(window.workspace_actions.default_dir().iterdir()) == []
    assert window.workspace.ws is None


def test_only_a_supervisors_workspace_makes_packages_and_every_workspace_shows_its_fingerprint(window, tmp_path):
    sup, lan, _package = _supervisor_and_lan(tmp_path)
    window.open_workspace(lan)
    assert not window.actions_by_key["make_starter"].isEnabled()
    assert window.starter_actions.make_starter() is None
    action = window.actions_by_key["my_fingerprint"]
    assert action in window.menus["help"].actions() and action.text() == "Dấu vân tay khoá của tôi"
    action.trigger()
    box = window.sync_actions.fingerprint_box
    assert box.isVisible() and svc.spoken_fingerprint(svc.identity_of(lan)) in box.text()
    box.close()
    window.open_workspace(sup)
    assert window.actions_by_key["make_starter"].isEnabled()
    assert window.actions_by_key["make_starter"].text() == "Tạo gói khởi tạo…"
