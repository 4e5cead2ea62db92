"""Sync from the app: an enumerator's workspace made by the setup hands in a bundle; the supervisor's app imports
it — both through the one job runner, with the list refreshed and a summary shown."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from tests import onfile
from fieldsurvey.services import workspaces as gui_support
from fieldsurvey.services import sync as svc
from tests.builders import adult, household_doc, trust_checked
from tests.gui.modal import answer_next_modal


def test_hand_in_and_import(window, tmp_path, qtbot):
    lan = gui_support.create_workspace(gui_support.NewWorkspace(tmp_path / "lan" / "lan.fsdb", "02266",
                                                                ("Thôn Nà Bó", "Thôn Khuổi Củng"), "Lò Thị Lan"))
    sup = tmp_path / "thu" / "commune.fsdb"
    sup.parent.mkdir()
    svc.init_workspace(sup, "thu", "supervisor", "02266")
    svc.export_key(lan, tmp_path / "lan.fskey")
    svc.export_key(sup, tmp_path / "thu.fskey")
    trust_checked(sup, tmp_path / "lan.fskey")
    trust_checked(lan, tmp_path / "thu.fskey")

    window.open_workspace(lan)
    window.new_household()
    window.form.answer("village", "Thôn Nà Bó", None)
    window.form.add_member()
    window.form.answer("name", "Lò Văn Pả", 0)
    uuid = window.form.uuid
    stick = tmp_path / "stick"
    stick.mkdir()
    handle = window.sync_actions.export_bundle(stick)
    with qtbot.waitSignal(handle.done, timeout=20000):
        pass
    assert handle.result.households == 1
    (bundle,) = stick.glob("*.fsbundle")
    assert str(bundle) in window.statusBar().currentMessage()

    window.open_workspace(sup)
    assert window.model.rowCount() == 0
    handle = window.sync_actions.import_bundles([bundle])
    with qtbot.waitSignal(handle.done, timeout=20000):
        pass
    assert window.model.rowCount() == 1 and window.model.row(0).uuid == uuid
    assert window.model.row(0).head_name == "Lò Văn Pả" and window.model.row(0).owner == "lo-thi-lan"
    assert "1 hộ mới" in window.sync_actions.last_import_summary
    box = window.findChild(QMessageBox, "importSummary")
    assert box is not None and box.isVisible()
    box.close()

    # the same bundle again is skipped, and a file that is no bundle is refused with its reason
    junk = stick / "junk.fsbundle"
    junk.write_bytes(b"not a bundle")
    handle = window.sync_actions.import_bundles([bundle, junk])
    with qtbot.waitSignal(handle.done, timeout=20000):
        pass
    assert "bỏ qua" in window.sync_actions.last_import_summary and "junk.fsbundle: bị từ chối" in window.sync_actions.last_import_summary


def test_a_household_returned_by_the_supervisor_stands_out_with_the_comment(window, tmp_path, qtbot):
    lan = gui_support.create_workspace(gui_support.NewWorkspace(tmp_path / "lan.fsdb", "02266", ("Thôn 1",),
                                                                "Lò Thị Lan"))
    sup = tmp_path / "sup" / "commune.fsdb"
    sup.parent.mkdir()
    svc.init_workspace(sup, "thu", "supervisor", "02266")
    for a, b in ((lan, sup), (sup, lan)):
        svc.export_key(a, tmp_path / f"{a.stem}.fskey")
        trust_checked(b, tmp_path / f"{a.stem}.fskey")
    window.open_workspace(lan)
    doc = household_doc([adult(40, relationship="head", name="Lò Văn Pả")])
    doc["location"]["village"] = "Thôn 1"
    window.workspace.ws.save_household(doc, "complete", owner="lo-thi-lan")   # finished: it can be returned
    uuid = doc["uuid"]
    stick = tmp_path / "stick"
    stick.mkdir()
    with qtbot.waitSignal(window.sync_actions.export_bundle(stick).done, timeout=20000):
        pass
    from fieldsurvey.progress import run_to_end

    run_to_end(svc.import_bundles(sup, list(stick.glob("*.fsbundle"))))
    onfile.review(sup, [uuid], "return", "Diện tích nhà chưa đúng")
    back = svc.export_bundle(sup, stick, to="lo-thi-lan")
    with qtbot.waitSignal(window.sync_actions.import_bundles([back.path]).done, timeout=20000):
        pass
    lv = window.list_view
    lv.status.setCurrentIndex(lv.status.findData("returned"))
    assert window.model.rowCount() == 1
    assert "Diện tích nhà chưa đúng" in lv.detail.header.text() and "trả lại" in lv.detail.header.text()


def test_a_hand_in_without_the_supervisors_key_says_how_to_get_it_and_the_app_trusts_it(window, tmp_path, qtbot):
    lan = gui_support.create_workspace(gui_support.NewWorkspace(tmp_path / "lan" / "lan.fsdb", "02266",
                                                                ("Thôn 1",), "Lò Thị Lan"))
    sup = tmp_path / "thu" / "commune.fsdb"
    sup.parent.mkdir()
    svc.init_workspace(sup, "thu", "supervisor", "02266")
    svc.export_key(sup, tmp_path / "thu.fskey")
    window.open_workspace(lan)
    doc = household_doc([adult(40, relationship="head", name="Lò Văn Pả")])
    doc["location"]["village"] = "Thôn 1"
    window.workspace.ws.save_household(doc, "complete", owner="lo-thi-lan")
    stick = tmp_path / "stick"
    stick.mkdir()
    # no key yet: the app says what to do, in its own words, and writes nothing
    seen = answer_next_modal(lambda box: box.button(QMessageBox.Ok).click())
    assert window.sync_actions.export_bundle(stick) is None
    assert seen and "Tệp → Tin cậy một tệp khoá…" in seen[0].text and "giám sát viên" in seen[0].text
    assert list(stick.iterdir()) == []
    assert window.actions_by_key["trust_key"].text().replace("&", "") == "Tin cậy một tệp khoá…"
    # the key is shown with its fingerprint; "No" trusts nothing
    spoken = svc.spoken_fingerprint(svc.read_key(tmp_path / "thu.fskey"))
    seen = answer_next_modal(lambda box: box.button(QMessageBox.No).click())
    assert window.sync_actions.trust_key(tmp_path / "thu.fskey") is False
    assert seen and spoken in seen[0].text and svc.trusted(lan) == []
    seen = answer_next_modal(lambda box: box.button(QMessageBox.Yes).click())
    assert window.sync_actions.trust_key(tmp_path / "thu.fskey") is True
    assert [k["user"] for k in svc.trusted(lan)] == ["thu"]
    handle = window.sync_actions.export_bundle(stick)
    with qtbot.waitSignal(handle.done, timeout=20000):
        pass
    assert handle.result.encrypted and handle.result.households == 1
