"""The dashboard's figures read from its widgets and checked against the stored households (counted here by SQL,
never by the count function): the working figures and the official ones (approved households only), switched on
screen and saying which they are; resident households and the rates over them, "—" and a line where a village's
number is missing."""

from __future__ import annotations

from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.services import workspaces
from fieldsurvey.storage.workspace import Workspace

FINISHED = ("complete", "submitted", "confirmed", "approved")


def cell(dashboard, row: int, key: str) -> str:
    column = dashboard.village_column(key)
    assert column >= 0, key
    return dashboard.villages.item(row, column).text()


def village_row(dashboard, name: str) -> int:
    return next(r for r in range(dashboard.villages.rowCount()) if dashboard.villages.item(r, 0).text() == name)


def truth(path, statuses, village=None) -> dict[str, int]:
    """class → households whose status is one of `statuses` (in one village, or the commune)."""
    q = ",".join("?" * len(statuses))
    sql = f"SELECT class, COUNT(*) FROM households WHERE status IN ({q})"
    args = list(statuses)
    if village:
        sql += " AND village = ?"
        args.append(village)
    with Workspace.open(path) as ws:
        return dict(ws.db.execute(sql + " GROUP BY class", args).fetchall())


def approve_some(path, n: int) -> list[str]:
    """Approve the first n finished households, poor ones first (so the official figures have poor households)."""
    with Workspace.open(path) as ws:
        uuids = [r[0] for r in ws.db.execute(
            "SELECT uuid FROM households WHERE status = 'complete' ORDER BY class = 'poor' DESC, uuid LIMIT ?", [n])]
        for uuid in uuids:
            ws.change_status(uuid, Action.APPROVE)
    return uuids


def test_the_switch_shows_the_working_or_the_official_figures_and_says_which(window, workspace_file, qtbot):
    approve_some(workspace_file, 12)
    window.open_workspace(workspace_file)
    window.show_view("dashboard")
    dash = window.dashboard
    qtbot.waitUntil(lambda: dash.data is not None, timeout=20000)
    total = dash.villages.rowCount() - 1
    working = truth(workspace_file, FINISHED)
    assert not dash.shows_official() and dash.working.isChecked()
    assert cell(dash, total, "poor") == str(working.get("poor", 0))
    assert cell(dash, total, "near_poor") == str(working.get("near_poor", 0))
    assert cell(dash, total, "not_poor") == str(working.get("not_poor", 0))
    assert dash.village_column("waiting") == -1          # the working figures count every finished household
    assert "số liệu làm việc" in dash.showing.text() and f"{sum(working.values())} hộ đã nhập xong" \
        in dash.showing.text()

    dash.official.click()                                 # the official figures: approved households only
    qtbot.waitUntil(lambda: dash.shows_official() is True, timeout=20000)
    official = truth(workspace_file, ("approved",))
    assert sum(official.values()) == 12 and official.get("poor", 0) >= 1
    for key in ("poor", "near_poor", "average", "not_poor"):
        assert cell(dash, total, key) == str(official.get(key, 0)), key
    waiting = sum(truth(workspace_file, ("complete", "submitted", "confirmed")).values())
    assert cell(dash, total, "waiting") == str(waiting) and waiting > 0
    assert "số liệu chính thức" in dash.showing.text() and "chỉ 12 hộ đã được duyệt" in dash.showing.text()
    assert f"{waiting} hộ đã nhập xong nhưng chưa duyệt" in dash.showing.text()
    # per village too
    village = dash.villages.item(0, 0).text()
    here = truth(workspace_file, ("approved",), village)
    assert cell(dash, 0, "poor") == str(here.get("poor", 0))

    window.set_language("en")                             # and in English
    assert "Showing the official figures" in dash.showing.text()
    dash.working.click()
    qtbot.waitUntil(lambda: dash.shows_official() is False, timeout=20000)
    assert cell(dash, total, "poor") == str(working.get("poor", 0)) and "working figures" in dash.showing.text()


def test_the_switch_flicked_while_counting_ends_on_the_figures_asked_for(window, workspace_file, qtbot):
    approve_some(workspace_file, 3)
    window.open_workspace(workspace_file)
    window.show_view("dashboard")                         # counting the working figures…
    window.dashboard.set_official(True)                   # …when the official ones are asked for
    qtbot.waitUntil(lambda: window.dashboard.shows_official() is True and not window.dashboard.job.running,
                    timeout=20000)
    total = window.dashboard.villages.rowCount() - 1
    assert cell(window.dashboard, total, "poor") == str(truth(workspace_file, ("approved",)).get("poor", 0))


def test_rates_divide_by_resident_households_and_a_missing_number_is_said_on_screen(window, unentered_file):
    with workspaces.opened(unentered_file) as ws:
        names = workspaces.village_names_of(ws)
        workspaces.set_residents(ws, names[0], 120, "2026-07-01", "Sổ hộ khẩu")
    window.open_workspace(unentered_file)
    window.dashboard.load(wait=True)
    window.show_view("dashboard")
    dash = window.dashboard
    first, total = village_row(dash, names[0]), dash.villages.rowCount() - 1
    poor = truth(unentered_file, FINISHED, names[0]).get("poor", 0)
    near = truth(unentered_file, FINISHED, names[0]).get("near_poor", 0)
    assert cell(dash, first, "residents") == "120"
    assert cell(dash, first, "poverty_rate") == f"{100 * poor / 120:.1f} %".replace(".", ",")
    assert cell(dash, first, "near_poverty_rate") == f"{100 * near / 120:.1f} %".replace(".", ",")
    other = village_row(dash, names[1])
    assert cell(dash, other, "residents") == cell(dash, other, "poverty_rate") == "—"
    assert cell(dash, total, "residents") == cell(dash, total, "poverty_rate") == "—"   # the commune needs them all
    note = dash.residents_note
    assert note.isVisible() and "Chưa nhập số hộ dân cư cho" in note.text()
    assert names[1] in note.text() and names[0] not in note.text().split(":", 1)[1]

    with workspaces.opened(unentered_file) as ws:        # every village entered: the commune's rate too
        for i, name in enumerate(names[1:], 2):
            workspaces.set_residents(ws, name, 100 + i, "2026-07-01", "Sổ hộ khẩu")
        residents = sum(v.residents for v in workspaces.villages(ws))
    window.dashboard.load(wait=True)
    poor = truth(unentered_file, FINISHED).get("poor", 0)
    assert cell(dash, total, "residents") == f"{residents:,}".replace(",", ".")
    assert cell(dash, total, "poverty_rate") == f"{100 * poor / residents:.1f} %".replace(".", ",")
    assert not note.isVisible() and dash.villages.toolTip() == ""


def test_a_village_not_on_the_list_is_shown_apart_and_said(window, workspace_file):
    """A household naming a village the list does not have (handed in before the supervisor's list reached the
    enumerator): its row is marked as not on the list and a line says to add it or merge it
    (services/villages.py); merged into a listed village, the row and the line go."""
    from fieldsurvey.services import villages

    with workspaces.opened(workspace_file) as ws:
        names = workspaces.village_names_of(ws)
        uid = ws.db.execute("SELECT uuid FROM households WHERE status = 'complete' LIMIT 1").fetchone()[0]
        ws.save_answer(uid, "location.village", "Bản Lạ")
    window.open_workspace(workspace_file)
    window.dashboard.load(wait=True)
    window.show_view("dashboard")
    dash = window.dashboard
    rows = [dash.villages.item(r, 0).text() for r in range(dash.villages.rowCount())]
    assert rows[:len(names)] == names and rows[len(names)] == "Bản Lạ (không có trong danh sách thôn)"
    assert cell(dash, len(names), "listed") == "1"
    note = dash.residents_note
    assert note.isVisible() and "Có hộ ghi thôn không có trong danh sách thôn của xã: Bản Lạ" in note.text()
    assert "Chưa nhập số hộ dân cư" not in note.text()   # it is not a village whose number is to be entered
    with workspaces.opened(workspace_file) as ws:
        villages.add_village(ws, "Bản Lạ")
        villages.merge_villages(ws, "Bản Lạ", names[0])
    window.dashboard.load(wait=True)
    rows = [dash.villages.item(r, 0).text() for r in range(dash.villages.rowCount())]
    assert rows[:-1] == names and not note.isVisible()
