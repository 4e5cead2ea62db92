"""The app says why a bundle (or a record in it) was refused, and why a review decision was refused, in its own
language: a tampered bundle, one from another commune, one with a record that is not JSON, and a record naming
another owner, imported through the main window (the summary dialog); approving a household with an open conflict
in the Review view (the error dialog). Vietnamese when the app is Vietnamese, English when English. Real workspaces
made by services/sync, real bundles (tests/sync/forge.py), real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from fieldsurvey.gui import crash
from fieldsurvey.services import sync as svc
from fieldsurvey.sync.container import canonical, seal
from tests.sync import forge
from tests.sync.conftest import Site

VI = {
    "tampered": "tampered.fsbundle: bị từ chối — Chữ ký không khớp: tệp đã bị sửa đổi, bị hỏng "
                "hoặc bị cắt cụt",
    "foreign": "foreign.fsbundle: bị từ chối — manifest.json: Gói này của xã 00001, không phải "
               "xã 02266 ({commune}) của tệp rà soát này",
    "not_json": "notjson.fsbundle: bị từ chối — households/{uuid}.json: Không phải JSON hợp lệ: "
                "Expecting property name enclosed in double quotes ở dòng 1, cột 2",
    "record": "  từ chối hộ {owned}: Bản ghi ghi người phụ trách là hoa, không phải rà soát viên lan đã gửi gói",
}
EN = {
    "tampered": "tampered.fsbundle: refused — the signature does not match: the file was "
                "altered, damaged or cut short",
    "foreign": "foreign.fsbundle: refused — manifest.json: is from commune 00001, not this "
               "workspace's 02266 ({commune})",
    "not_json": "notjson.fsbundle: refused — households/{uuid}.json: is not valid JSON: "
                "Expecting property name enclosed in double quotes at line 1, column 2",
    "record": "  refused {owned}: the record names owner hoa, not the enumerator lan who sent it",
}


def hostile_bundles(site: Site) -> tuple[list, dict]:
    """Three bundles lan's key signs that the supervisor must refuse, and one accepted with a record refused."""
    lan = svc.identity_of(site.lan)
    sup = svc.identity_of(site.sup).public
    ok = bytearray(forge.bundle(lan, [forge.record()], sup, sequence=1))
    ok[len(ok) // 2] ^= 0x55
    files = {"tampered": bytes(ok),
             "foreign": forge.bundle(lan, [forge.record()], sup, sequence=2, commune_code="00001")}
    bad = forge.record()
    name = f"households/{bad['uuid']}.json"
    entries = {name: b"{not json"}
    files["notjson"] = seal(forge.raw_zip([("manifest.json", canonical(forge.manifest(entries, lan, sequence=3))),
                                           *entries.items()]), lan, sup)
    owned = forge.record()
    owned["owner"] = "hoa"
    files["mixed"] = forge.bundle(lan, [owned, forge.record()], sup, sequence=4)
    paths = []
    for stem, data in files.items():
        path = site.stick / f"{stem}.fsbundle"
        path.write_bytes(data)
        paths.append(path)
    return paths, {"uuid": bad["uuid"], "owned": owned["uuid"]}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_refused_bundles_are_explained_in_the_apps_language(window, tmp_path, qtbot, lang):
    site = Site(tmp_path)
    paths, ids = hostile_bundles(site)
    window.set_language(lang)
    assert window.open_workspace(site.sup)
    commune = window.workspace.ws.info.commune_name
    with qtbot.waitSignal(window.sync_actions.import_bundles(paths).done, timeout=20000):
        pass
    box = window.findChildren(QMessageBox, "importSummary")[-1]
    assert box.isVisible() and box.text() == window.sync_actions.last_import_summary
    lines = window.sync_actions.last_import_summary.splitlines()
    want, other = (VI, EN) if lang == "vi" else (EN, VI)
    for key in ("tampered", "foreign", "not_json", "record"):
        assert want[key].format(commune=commune, **ids) in lines, (key, lines)
        assert other[key].format(commune=commune, **ids) not in lines
    # the bundle with the refused record was taken (its other household is new)
    assert ("mixed.fsbundle: 1 hộ mới" if lang == "vi" else "mixed.fsbundle: 1 new") in window.sync_actions.last_import_summary
    box.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_approving_a_household_with_an_open_conflict_is_refused_in_the_apps_language(window, tmp_path, qtbot, lang):
    site = Site(tmp_path)
    uid = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    site.edit(site.sup, uid, lambda d: d["household"].update(floor_area=30))
    site.edit(site.lan, uid, lambda d: d["household"].update(floor_area=44))
    assert site.send(site.lan, site.sup).conflicts == [uid]

    window.set_language(lang)
    assert window.open_workspace(site.sup)
    window.show_view("review")
    review = window.review
    review.tabs.setCurrentWidget(review.approval)
    review.approval.table.selectAll()
    shown = len(crash.open_dialogs)
    review.confirm = lambda _title, _text: True     # the supervisor says yes to the approval
    review.approval.approve_button.click()
    qtbot.waitUntil(lambda: not review.job.running, timeout=20000)
    assert len(crash.open_dialogs) == shown + 1
    text = crash.open_dialogs[-1].message.text()
    crash.open_dialogs[-1].close()
    vi = f"{uid}: Hộ này còn một xung đột chưa xử lý; hãy xử lý xung đột trước khi duyệt"
    en = f"{uid}: has an open conflict; settle it before approving"
    assert (vi in text and en not in text) if lang == "vi" else (en in text and vi not in text)
    assert site.row(site.sup, uid)["status"] == "submitted"
