"""First-run setup, the household list with its filters and detail pane, the dashboard — real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from fieldsurvey.gui.setup_view import SetupDialog
from fieldsurvey.storage.workspace import Workspace
from tests.gui.keys import type_text


def test_setup_makes_a_workspace_from_the_keyboard(qtbot, tmp_path):
    dialog = SetupDialog(tmp_path)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.commune_search, "lam binh")  # no diacritics
    assert "Lâm Bình" in dialog.communes.item(0).text()
    qtbot.keyClick(dialog.commune_search, Qt.Key_Return)  # takes the first, moves on to the enumerator's name
    assert dialog.selected_commune() == "02266"
    # no village is typed: the list is the supervisor's (starter package or return bundle, services/villages.py)
    assert "giám sát viên" in dialog.findChild(QLabel, "villagesLater").text()
    type_text(dialog.enumerator, "Hoàng Thị Hoa")
    dialog.path.setText(str(tmp_path / "FieldSurvey" / "lam-binh.fsdb"))  # a folder not made yet
    type_text(dialog.passphrase, "mật khẩu của xã Lâm Bình")
    type_text(dialog.passphrase_again, "mật khẩu của xã Lâm Bình")
    dialog.create()
    assert dialog.result() == SetupDialog.Accepted
    with Workspace.open(dialog.created) as ws:
        assert ws.info.commune_name == "Xã Lâm Bình"
        assert ws.villages() == []
        assert ws.meta("enumerator") == "Hoàng Thị Hoa"
        assert ws.meta("enumerator_id") == "hoang-thi-hoa"
    from fieldsurvey.services.sync import identity_of

    me = identity_of(dialog.created)  # the device key made for sync
    assert (me.user, me.role, me.commune_code) == ("hoang-thi-hoa", "enumerator", "02266")


def test_setup_says_what_is_missing(qtbot, tmp_path):
    dialog = SetupDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.create()
    assert dialog.error.text() and dialog.created is None
    qtbot.keyClicks(dialog.commune_search, "lam binh")
    qtbot.keyClick(dialog.commune_search, Qt.Key_Return)
    dialog.create()  # no enumerator (no village is asked: they come from the supervisor)
    assert "rà soát viên" in dialog.error.text()
    assert not (tmp_path / "02266-2026.fsdb").exists()


def test_the_province_narrows_the_communes(qtbot, tmp_path):
    dialog = SetupDialog(tmp_path)
    qtbot.addWidget(dialog)
    dialog.province.setCurrentIndex(dialog.province.findData("08"))
    qtbot.keyClicks(dialog.commune_search, "xa")
    codes = {dialog.communes.item(i).data(Qt.UserRole) for i in range(dialog.communes.count())}
    assert codes and all("Tuyên Quang" in dialog.communes.item(i).text() for i in range(dialog.communes.count()))


def test_list_filters_search_and_detail(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    lv = window.list_view
    with Workspace.open(workspace_file) as ws:
        poor = ws.counts_by_class()["poor"]
        counted = ws.db.execute("SELECT COUNT(*) FROM households WHERE class = 'poor' AND status IN "
                                "('complete', 'submitted', 'confirmed', 'approved')").fetchone()[0]
    lv.household_class.setCurrentIndex(lv.household_class.findData("poor"))
    assert window.model.rowCount() == poor
    assert lv.counts.text().startswith(f"{poor} hộ khớp bộ lọc")   # the list: every poor household, drafts too;
    # the figures: the dashboard's, finished households only, whatever the class filter
    assert f"Cả xã (mọi hộ, không theo các bộ lọc khác), số liệu làm việc như ở trang Tổng hợp: Hộ nghèo {counted} ·" \
        in lv.counts.text()
    assert "Hộ nghèo" in lv.detail.panel.badge.text()  # the first poor household is selected and summarised
    lv.household_class.setCurrentIndex(0)
    lv.village.setCurrentIndex(lv.village.findData("Thôn 2"))
    assert {window.model.row(r).village for r in range(window.model.rowCount())} == {"Thôn 2"}
    lv.village.setCurrentIndex(0)
    window.actions_by_key["find"].trigger()
    assert lv.search.hasFocus()
    head = window.model.row(3).head_name
    from fieldsurvey.i18n import fold

    qtbot.keyClicks(lv.search, fold(head))
    qtbot.keyClick(lv.search, Qt.Key_Return)  # opens the first match
    assert window.current_view() == "form"
    assert window.form.session.members()[0]["name"] == head or head in [m.get("name") for m in
                                                                        window.form.session.members()]


def test_drafts_and_returned_households_stand_out(window, workspace_file):
    with Workspace.open(workspace_file) as ws:
        first, second = [uuid for uuid, _doc in list(ws.iter_documents())[:2]]
        ws.save_household(ws.get_household(first), status="draft", owner="enumerator-1")
        ws.save_household(ws.get_household(second), status="returned", owner="enumerator-1")
        expected = dict(ws.db.execute("SELECT status, COUNT(*) FROM households GROUP BY status").fetchall())
    window.open_workspace(workspace_file)
    lv = window.list_view
    col = window.model.COLUMNS.index("status")
    for status, text, italic, bold in (("draft", "Đang nhập", True, False), ("returned", "Bị trả lại", False, True)):
        lv.status.setCurrentIndex(lv.status.findData(status))
        assert window.model.rowCount() == expected[status] >= 1
        index = window.model.index(0, col)
        assert index.data() == text
        assert (index.data(Qt.FontRole).italic(), index.data(Qt.FontRole).bold()) == (italic, bold)
        assert index.data(Qt.ToolTipRole)


def test_dashboard_shows_counts_per_village_and_indicator(window, unentered_file, qtbot):
    with Workspace.open(unentered_file) as ws:
        first = next(ws.iter_documents())[0]
        ws.save_household(ws.get_household(first), status="draft", owner="enumerator-1")
    window.open_workspace(unentered_file)
    window.dashboard.load(wait=True)
    window.stack.setCurrentWidget(window.dashboard)
    table = window.dashboard.villages
    assert table.rowCount() == len(window.workspace.ws.villages()) + 1  # + the commune's total
    with Workspace.open(unentered_file) as ws:   # counted in a class: finished households only
        poor = ws.db.execute("SELECT COUNT(*) FROM households WHERE class = 'poor' AND status IN "
                             "('complete', 'submitted', 'confirmed', 'approved')").fetchone()[0]
        drafts = ws.db.execute("SELECT COUNT(*) FROM households WHERE status IN ('draft', 'returned')").fetchone()[0]
    total_row = table.rowCount() - 1
    headers = {table.horizontalHeaderItem(c).text().replace("\n", " "): c for c in range(table.columnCount())}
    assert table.item(total_row, headers["Hộ nghèo"]).text() == str(poor)
    assert table.item(total_row, headers["Trong danh sách"]).text() == "60"
    assert table.item(total_row, headers["Đang nhập (chưa tính)"]).text() == str(drafts) and drafts >= 1
    # no resident households entered: no rate, and the table says why (in a line under it, and its tooltip)
    assert table.item(total_row, headers["Số hộ dân cư"]).text() == "—"
    assert table.item(total_row, headers["Tỷ lệ nghèo"]).text() == "—"
    assert "Chưa nhập số hộ dân cư" in table.toolTip()
    assert "Chưa nhập số hộ dân cư" in window.dashboard.residents_note.text()
    assert len(window.dashboard.chart.bars) == 12
    assert "H =" in window.dashboard.af.text()


def test_dashboard_loads_off_the_main_thread(window, workspace_file, qtbot):
    window.open_workspace(workspace_file)
    window.show_view("dashboard")
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=10000)
    assert window.dashboard.people.rowCount() >= 2


def test_the_dashboards_progress_names_enumerators_as_people_know_them(window, workspace_file, qtbot):
    """The progress table shows each enumerator's name as written in their households, not a login id."""
    window.open_workspace(workspace_file)
    window.show_view("dashboard")
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=10000)
    shown = {window.dashboard.people.item(r, 0).text() for r in range(window.dashboard.people.rowCount())}
    names = set(window.dashboard.data.names.values())
    assert names and shown <= names | {"—"}, (shown, names)
