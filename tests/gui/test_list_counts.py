"""The household list's count line and the dashboard say the same numbers with the same words: both read from their
widgets on a real workspace with drafts, returned, approved, moved-away and merged households, and both held to a
count made here from the stored households by SQL (never by the count function) — for the whole commune, for a
village, with the other filters on, for the official figures (the dashboard's switch), in English, after a change,
and for a large workspace counted on a worker thread."""

from __future__ import annotations

from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.storage.workspace import Workspace

FINISHED = ("complete", "submitted", "confirmed", "approved")
CLASSES = ("poor", "near_poor", "average", "not_poor")
WORDS = {"vi": {"poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo", "average": "Hộ có mức sống trung bình",
                "not_poor": "Hộ không nghèo"},
         "en": {"poor": "Poor", "near_poor": "Near-poor", "average": "Average living standard",
                "not_poor": "Not poor"}}


def truth(path, counted_statuses, village: str | None = None) -> dict[str, int]:
    """The figures worked out here from the stored rows: each class among the households whose status counts, and
    those left out — being filled or returned, finished but not counted (not approved, for the official figures),
    finished but with no class yet, moved away, merged."""
    where, args = ("WHERE village = ?", [village]) if village else ("", [])
    with Workspace.open(path) as ws:
        rows = ws.db.execute(f"SELECT status, class FROM households {where}", args).fetchall()
    out = {c: sum(1 for s, k in rows if s in counted_statuses and k == c) for c in CLASSES}
    out["counted"] = sum(out[c] for c in CLASSES)
    out["in_progress"] = sum(1 for s, _k in rows if s in ("draft", "returned"))
    out["waiting"] = sum(1 for s, _k in rows if s in FINISHED and s not in counted_statuses)
    out["unclassified"] = sum(1 for s, k in rows if s in counted_statuses and k not in CLASSES)
    out["moved_away"] = sum(1 for s, _k in rows if s == "moved_away")
    out["merged"] = sum(1 for s, _k in rows if s == "merged")
    out["total"] = len(rows)
    return out


def prepare(path) -> None:
    """The demo commune mid-review: finished households of every class, some put back to draft (a poor one among
    them, so a count of every household by its class would differ), one returned, some approved, one moved away,
    one merged into another as a duplicate."""
    with Workspace.open(path) as ws:
        done = {c: [u for (u,) in ws.db.execute(
            "SELECT uuid FROM households WHERE status = 'complete' AND class = ? ORDER BY uuid", [c])]
            for c in CLASSES}
        assert len(done["poor"]) >= 3 and len(done["not_poor"]) >= 10, done
        for uuid in (done["poor"][0], done["not_poor"][0], done["not_poor"][1]):      # back to draft
            ws.save_household(ws.get_household(uuid), status="draft", owner="enumerator-1")
        ws.change_status(done["not_poor"][2], Action.RETURN, reason="Thiếu ngày sinh")
        for uuid in (done["poor"][1], done["not_poor"][3], done["not_poor"][4]):
            ws.change_status(uuid, Action.APPROVE)
        ws.change_status(done["not_poor"][5], Action.MOVE_AWAY, reason="Chuyển vào Nam")
        ws.change_status(done["not_poor"][6], Action.MERGE, reason="Trùng với hộ khác")


def figures_text(expected: dict[str, int], lang: str = "vi") -> str:
    return " · ".join(f"{WORDS[lang][c]} {expected[c]}" for c in CLASSES)


def dashboard_row(window, village: str | None) -> dict[str, int]:
    """The dashboard's numbers for a village (None: the commune's row), read from its table."""
    dash = window.dashboard
    rows = range(dash.villages.rowCount())
    row = dash.villages.rowCount() - 1 if village is None else \
        next(r for r in rows if dash.villages.item(r, 0).text() == village)
    return {key: int(dash.villages.item(row, dash.village_column(key)).text())
            for key in (*CLASSES, "in_progress", "unclassified", "listed")}


def show_dashboard(window, qtbot) -> None:
    window.show_view("dashboard")
    window.dashboard.load(wait=True)


def test_the_list_line_and_the_dashboard_show_the_same_figures_as_the_stored_households(window, workspace_file,
                                                                                        qtbot):
    prepare(workspace_file)
    working = truth(workspace_file, FINISHED)
    assert working["in_progress"] >= 4 and working["moved_away"] == 1 and working["merged"] == 1
    window.open_workspace(workspace_file)
    window.show_view("list")
    line = window.list_view.counts.text()
    left = working["total"] - working["counted"]
    assert line.startswith(f"{working['total']} hộ")
    assert f"Cả xã, số liệu làm việc như ở trang Tổng hợp: {figures_text(working)}." in line, line
    assert f"Tính {working['counted']} hộ đã nhập xong; không tính {left} hộ:" in line, line
    assert f"{working['in_progress']} hộ đang nhập hoặc bị trả lại để sửa" in line
    assert "1 hộ đã chuyển đi" in line and "1 hộ trùng, đã gộp vào hộ khác" in line
    assert left == working["in_progress"] + working["unclassified"] + working["moved_away"] + working["merged"]

    show_dashboard(window, qtbot)                        # the dashboard, from its own widgets: the same numbers
    dash = dashboard_row(window, None)
    assert {c: dash[c] for c in CLASSES} == {c: working[c] for c in CLASSES}
    assert dash["in_progress"] == working["in_progress"] and dash["unclassified"] == working["unclassified"]
    assert f"{working['counted']} hộ đã nhập xong" in window.dashboard.showing.text()

    window.show_view("list")                             # one village: its row of the dashboard
    lv = window.list_view
    village = lv.village.itemData(1)
    lv.village.setCurrentIndex(1)
    here = truth(workspace_file, FINISHED, village)
    line = lv.counts.text()
    assert line.startswith(f"{here['total']} hộ") and f"{village}, số liệu làm việc" in line and "Cả xã" not in line
    assert figures_text(here) in line and f"Tính {here['counted']} hộ đã nhập xong" in line
    assert {c: dashboard_row(window, village)[c] for c in CLASSES} == {c: here[c] for c in CLASSES}

    lv.household_class.setCurrentIndex(lv.household_class.findData("poor"))   # the other filters narrow the list,
    line = lv.counts.text()                                                     # not the figures, and it says so
    shown = window.model.rowCount()
    assert line.startswith(f"{shown} hộ khớp bộ lọc")
    assert f"{village} (mọi hộ, không theo các bộ lọc khác), số liệu làm việc" in line and figures_text(here) in line
    lv.household_class.setCurrentIndex(0)
    lv.village.setCurrentIndex(0)

    window.set_language("en")                            # the same numbers in English
    line = lv.counts.text()
    assert f"Whole commune, working figures as on the Dashboard: {figures_text(working, 'en')}." in line, line
    assert f"They count the {working['counted']} finished households; {left} are left out:" in line
    assert "1 moved away" in line and "1 merged into another household (duplicates)" in line
    window.set_language("vi")


def test_the_list_line_follows_the_dashboards_switch_to_the_official_figures(window, workspace_file, qtbot):
    prepare(workspace_file)
    window.open_workspace(workspace_file)
    show_dashboard(window, qtbot)
    window.dashboard.official.click()
    qtbot.waitUntil(lambda: window.dashboard.shows_official() is True, timeout=20000)
    official = truth(workspace_file, ("approved",))
    assert official["counted"] == 3 and official["waiting"] > 0
    dash = dashboard_row(window, None)
    window.show_view("list")
    line = window.list_view.counts.text()
    assert {c: dash[c] for c in CLASSES} == {c: official[c] for c in CLASSES}
    assert f"Cả xã, số liệu chính thức như ở trang Tổng hợp (chỉ hộ đã duyệt): {figures_text(official)}." in line
    assert f"Tính 3 hộ đã duyệt; không tính {official['total'] - 3} hộ:" in line
    assert f"{official['waiting']} hộ đã nhập xong nhưng chưa duyệt" in line
    window.dashboard.working.click()                     # back to the working figures: the line follows
    window.show_view("list")
    assert "số liệu làm việc" in window.list_view.counts.text()
    window.dashboard.set_official(True)                  # switched while the list is on screen: at once
    assert f"số liệu chính thức như ở trang Tổng hợp (chỉ hộ đã duyệt): {figures_text(official)}." \
        in window.list_view.counts.text()


def test_the_list_line_counts_again_after_households_change(window, workspace_file, qtbot):
    prepare(workspace_file)
    window.open_workspace(workspace_file)
    before = truth(workspace_file, FINISHED)
    with Workspace.open(workspace_file) as ws:       # a draft finished elsewhere (an import, another window)
        uuid, doc = next((u, ws.get_household(u)) for (u,) in ws.db.execute(
            "SELECT uuid FROM households WHERE status = 'draft' AND class = 'poor'"))
        ws.save_household(doc, status="complete", owner="enumerator-1")
    window.households_changed()
    after = truth(workspace_file, FINISHED)
    assert after["poor"] == before["poor"] + 1
    line = window.list_view.counts.text()
    assert figures_text(after) in line and f"Tính {after['counted']} hộ đã nhập xong" in line


def test_a_large_workspace_is_counted_on_a_worker_thread_and_the_line_says_so_meanwhile(window, workspace_file,
                                                                                          qtbot, monkeypatch):
    from fieldsurvey.gui import main_window

    prepare(workspace_file)
    monkeypatch.setattr(main_window, "LIST_FIGURES_AT_ONCE", 0)   # every workspace "large"
    window.open_workspace(workspace_file)
    working = truth(workspace_file, FINISHED)
    line = window.list_view.counts.text()
    assert line.startswith(f"{working['total']} hộ")
    assert "đang đếm số liệu" in line or "Tính" in line             # counting, or already done
    qtbot.waitUntil(lambda: "Tính" in window.list_view.counts.text(), timeout=20000)
    assert figures_text(working) in window.list_view.counts.text()
