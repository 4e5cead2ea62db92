"""People by their names, never their login ids: the ready demo commune's supervisor (login `giam-sat-demo`) is
"Trần Thị Mai" in the status bar, the History of a household she approved — in the app and from
`fieldsurvey history`, which says the action and the status in words ("Đổi trạng thái", "Đã duyệt"), never
"approve by giam-sat-demo" — and the Review view's enumerators are named in the filter and the reassignment."""

from __future__ import annotations

from click.testing import CliRunner

from fieldsurvey.progress import run_to_end
from fieldsurvey.services import review as rv
from fieldsurvey.services.households import HouseholdFilter, page
from fieldsurvey.services.workspaces import DEMO_SUPERVISOR, DEMO_SUPERVISOR_NAME, opened, ready_demo


def test_the_demo_supervisor_is_named_in_the_app_and_the_commands_history(window, workspace_file):
    from fieldsurvey.cli import main

    run_to_end(ready_demo(workspace_file))   # the demo commune made a supervisor's, as `gui --demo` does
    with opened(workspace_file) as ws:
        uuid = page(ws, HouseholdFilter(status="complete"), "village", False, 0, 1)[0].uuid
        rv.decide(ws, [uuid], "approve")
    assert window.open_workspace(workspace_file)
    status = window.status_label.text()
    assert DEMO_SUPERVISOR_NAME in status and DEMO_SUPERVISOR not in status, status

    dialog = window.household_actions.show_history(uuid)
    table = dialog.table
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    approved = [r for r in rows if "Đã duyệt" in r]
    assert approved and approved[-1][1] == DEMO_SUPERVISOR_NAME, rows
    assert not any(DEMO_SUPERVISOR in cell for r in rows for cell in r), rows
    dialog.close()

    out = CliRunner().invoke(main, ["history", str(workspace_file), uuid]).output
    assert DEMO_SUPERVISOR_NAME in out and "Đổi trạng thái" in out and "Đã duyệt" in out, out
    assert DEMO_SUPERVISOR not in out and " by " not in out, out
    out = CliRunner().invoke(main, ["history", str(workspace_file), uuid, "--lang", "en"]).output
    assert DEMO_SUPERVISOR_NAME in out and "Status changed" in out and "Approved" in out, out


def test_the_review_views_enumerators_are_named(window, workspace_file):
    run_to_end(ready_demo(workspace_file))
    assert window.open_workspace(workspace_file)
    window.show_view("review")
    names = window.review.people
    combo = window.review.approval.enumerator
    shown = [combo.itemText(i) for i in range(1, combo.count())]
    ids = [combo.itemData(i) for i in range(1, combo.count())]
    assert shown and shown == [names.get(i, i) for i in ids] and not set(shown) & set(ids), (shown, ids)


def test_the_enumerators_to_do_names_the_supervisor_her_starter_package_named(window, tmp_path):
    """On the enumerator's side the supervisor who returned a household is named as her starter package named her
    (meta `supervisor_name`, beside the one supervisor's key trusted) — in the to-do list and its detail pane."""
    from fieldsurvey.services import sync as svc
    from fieldsurvey.storage.workspace import Workspace
    from tests.sync.conftest import Site

    site = Site(tmp_path)
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    with Workspace.open(site.sup) as ws:
        rv.decide(ws, [a1], "return", "Thiếu diện tích nhà ở")
    back = svc.export_bundle(site.sup, site.stick, to="lan").path
    run_to_end(svc.import_bundles(site.lan, [back]))
    with Workspace.open(site.lan) as ws:
        ws.set_meta("supervisor_name", "Trần Thị Thu")
    assert window.open_workspace(site.lan)
    window.show_view("todo")
    todo = window.todo
    by = todo.COLUMNS.index("by")
    assert todo.table.item(0, by).text() == "Trần Thị Thu"
    assert "Trần Thị Thu" in todo.detail.header.text() and " thu " not in todo.detail.header.text()
    from fieldsurvey.cli import main

    out = CliRunner().invoke(main, ["todo", str(site.lan)]).output   # and `fieldsurvey todo` the same
    assert "Bị trả lại bởi Trần Thị Thu: Thiếu diện tích nhà ở" in out, out


def test_the_register_of_issued_documents_names_who_printed(window, workspace_file, tmp_path):
    """The register says who printed each official copy by name (the demo supervisor, not giam-sat-demo)."""
    from fieldsurvey.cli import main
    from fieldsurvey.gui.dialogs.issued import COLUMNS

    run_to_end(ready_demo(workspace_file))
    with opened(workspace_file) as ws:
        rv.decide(ws, [r.uuid for r in page(ws, HouseholdFilter(status="complete"), "village", False, 0, 500)],
                  "approve")
    done = CliRunner().invoke(main, ["print", "decision", str(workspace_file), "--out", str(tmp_path / "qd.pdf"),
                                     "--official", "--chairman", "Nguyễn Văn Hùng", "--number", "7"])
    assert done.exit_code == 0, done.output
    assert window.open_workspace(workspace_file)
    dialog = window.print_actions.show_issued()
    by = dialog.table.item(0, COLUMNS.index("issued_by")).text()
    assert by == DEMO_SUPERVISOR_NAME, by
    dialog.close()
