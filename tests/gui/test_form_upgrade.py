"""Moving households to the newest version of their form from the app (services/form_upgrade.py): one household from
the list's menu, every household from the Household menu — asked first, saying how many and to which version, who
cannot move and why, a reason required when an approved household moves — on real workspace files filled with
2026.1 (tests/fixtures/schemas); the moved household opens on 2026.2 without the 32-bit limit message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from fieldsurvey.storage.audit import log as audit_log
from fieldsurvey.storage.workspace import Workspace
from tests.gui.keys import type_text
from tests.gui.modal import answer_next_modal

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "schemas"


def copied(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copy(SCHEMAS / name, path)
    return path


def versions(path: Path) -> dict[str, str]:
    with Workspace.open(path, read_only=True) as ws:
        return {u: json.loads(d)["form"]["version"] for u, d in ws.iter_documents()}


def moved(window, qtbot) -> None:
    """Wait for the move the user asked for: planned on a worker thread, asked, then made on a worker thread."""
    actions = window.household_actions
    qtbot.waitUntil(lambda: actions.upgrade_job is not None and not actions.upgrade_job.running, timeout=60000)


def by_keyboard(reason: str, seen: list):
    """The user reads the question, types the reason, and moves with Tab to the Move button and presses Space."""
    def act(dialog) -> None:
        try:
            seen.append(dialog.prompt.text())
            type_text(dialog.comment, reason)
            ok = dialog.buttons.button(QDialogButtonBox.Ok)
            seen.append(ok.text())
            for _ in range(6):
                if dialog.focusWidget() is ok:
                    break
                dialog.focusNextChild()   # what Tab does
                seen.append(type(dialog.focusWidget()).__name__)
            assert dialog.focusWidget() is ok, seen
            QTest.keyClick(ok, Qt.Key_Space)
        finally:
            if dialog.isVisible():   # (a failed step must not leave the test waiting on the dialog)
                dialog.reject()
    return act


def test_one_household_with_3_billion_moves_from_the_lists_menu_and_opens_without_the_limit(window, tmp_path, qtbot):
    path = copied(tmp_path, "0005_residents_minority.fsdb")
    with Workspace.open(path) as ws:
        ws.backups = False
        uuid = next(u for u, d in ws.iter_documents() if json.loads(d)["household"].get("water_source") == "piped")
        doc = ws.get_household(uuid)
        doc["household"]["income_wages"] = 3_000_000_000
        ws.update_household(doc)
        head = ws.db.execute("SELECT head_name FROM households WHERE uuid = ?", [uuid]).fetchone()[0]
    window.open_workspace(path)
    window.open_household(uuid)
    state = window.form.session.state("income_wages")
    assert state.status == "error" and "2.147.483.647" in state.message   # on 2026.1: beyond ODK's integer
    window.show_view("list")
    row = next(i for i in range(window.model.rowCount()) if window.model.row(i).uuid == uuid)
    window.list_view.table.selectRow(row)
    actions = {a.data(): a for a in window.list_view.table.actions()}   # the list's right-click (Menu key) menu
    assert actions["upgrade_form"].text() == "Chuyển sang phiên bản biểu mẫu mới…"
    seen: list = []
    shown = answer_next_modal(by_keyboard("Thu nhập 3 tỷ đồng: cần phiếu mới", seen), "upgradeDialog")
    actions["upgrade_form"].trigger()
    moved(window, qtbot)
    assert shown and seen[1] == "Chuyển"
    assert f"Chuyển hộ {head} từ phiếu 2026.1 sang phiên bản 2026.2?" in seen[0]
    assert "lịch sử của hộ ghi lại việc chuyển" in seen[0] and "không bắt buộc" in seen[0]
    assert versions(path)[uuid] == "2026.2" and set(v for u, v in versions(path).items() if u != uuid) == {"2026.1"}
    assert "Đã chuyển 1 hộ sang phiên bản 2026.2." in window.statusBar().currentMessage()
    window.open_household(uuid)
    state = window.form.session.state("income_wages")
    assert window.form.session.form.version == "2026.2" and state.status == "ok" and state.value == 3_000_000_000
    dialog = window.household_actions.show_history(uuid)
    texts = [dialog.table.item(r, c).text() for r in range(dialog.table.rowCount())
             for c in range(dialog.table.columnCount()) if dialog.table.item(r, c)]
    assert "Chuyển phiên bản biểu mẫu" in texts and "Thu nhập 3 tỷ đồng: cần phiếu mới" in texts
    dialog.close()


def test_every_household_moves_with_a_reason_for_the_approved_one_and_the_refused_one_named(window, tmp_path,
                                                                                            qtbot):
    path = copied(tmp_path, "0004_residents.fsdb")
    with Workspace.open(path) as ws:
        ws.backups = False
        uuids = [u for u, _ in ws.iter_documents()]
        approved = next(u for u in uuids if ws.household_state(u).status == "approved")
        odd = next(u for u in uuids if u != approved)
        doc = ws.get_household(odd)
        doc["household"]["latrine"] = "bucket"   # a code the form does not offer
        ws.update_household(doc)
        odd_head = ws.db.execute("SELECT head_name FROM households WHERE uuid = ?", [odd]).fetchone()[0]
    window.open_workspace(path)
    menu = [a.data() for a in window.menus["household"].actions()]
    assert menu.index("upgrade_forms") == menu.index("older_forms") + 2
    action = window.actions_by_key["upgrade_forms"]
    assert action.isEnabled() and action.text() == "Chuyển mọi hộ sang phiên bản biểu mẫu mới nhất…"

    steps: list = []

    def empty_then_reason(dialog) -> None:
        steps.append(dialog.prompt.text())
        dialog.buttons.button(QDialogButtonBox.Ok).click()      # no reason: refused, the dialog stays
        steps.append(dialog.error.text() if dialog.isVisible() else "closed")
        type_text(dialog.comment, "Cả xã dùng phiếu 2026.2")
        dialog.buttons.button(QDialogButtonBox.Ok).click()

    seen = answer_next_modal(empty_then_reason, "upgradeDialog")
    action.trigger()
    moved(window, qtbot)
    assert seen
    prompt = steps[0]
    assert "Chuyển 9 hộ đang dùng phiên bản cũ sang phiên bản 2026.2?" in prompt
    assert "1 hộ không chuyển được, vẫn ở phiên bản cũ:" in prompt and odd_head in prompt
    assert "“Loại nhà tiêu”" in prompt and "“bucket”" in prompt and "household.latrine" not in prompt
    assert "Trong đó 1 hộ đã duyệt: ghi lý do thay đổi (bắt buộc)." in prompt
    assert steps[1] == "Hãy ghi lý do: hộ đã duyệt chỉ được thay đổi khi có lý do."
    now = versions(path)
    assert now[odd] == "2026.1" and {v for u, v in now.items() if u != odd} == {"2026.2"}
    with Workspace.open(path, read_only=True) as ws:
        entry = [e for e in audit_log(ws.db, approved) if e["field"] == "form.version"][-1]
        assert (entry["old"], entry["new"], entry["reason"]) == ("2026.1", "2026.2", "Cả xã dùng phiếu 2026.2")
        assert ws.household_state(approved).status == "approved"
    assert "Đã chuyển 9 hộ sang phiên bản 2026.2; 1 hộ không chuyển được." in window.statusBar().currentMessage()

    actions = window.household_actions   # only the refused one is left: nothing asked, it says why
    with qtbot.waitSignal(actions.upgrade_forms().done, timeout=60000):
        pass
    box = actions.refused_box
    assert box.isVisible() and odd_head in box.text() and "“bucket”" in box.text()
    assert box.text().startswith("Không hộ nào chuyển được:")
    box.close()
    with qtbot.waitSignal(actions.upgrade_form(odd).done, timeout=60000):   # the household alone: the line says why
        pass
    assert "“bucket”" in window.statusBar().currentMessage()


def test_in_english_the_question_is_english(window, tmp_path, qtbot):
    from fieldsurvey.gui.dialogs.form_upgrade import UpgradeDialog
    from fieldsurvey.gui.texts import language
    from fieldsurvey.services import form_upgrade

    path = copied(tmp_path, "0004_residents.fsdb")
    window.open_workspace(path)
    language.set("en")
    try:
        dialog = UpgradeDialog(form_upgrade.plan(window.workspace.ws), window)
        text = dialog.prompt.text()
        assert "Move the 10 households on an older version to version 2026.2?" in text
        assert "1 of them are approved: write the reason for the change (required)." in text
        assert dialog.buttons.button(QDialogButtonBox.Ok).text() == "Move" and dialog.windowTitle() == \
            "Move to a newer form version"
        dialog.close()
    finally:
        language.set("vi")
