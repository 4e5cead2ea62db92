"""Moving households to a newer version of their form (services/form_upgrade.py, `fieldsurvey form upgrade`): on real
workspace files filled with 2026.1 (tests/fixtures/schemas) — answers carried by name, each household validated and
classified again under 2026.2, the move a revision of its own with its audit entries (who, when, 2026.1 → 2026.2,
the reason), one transaction for the lot; a household the new version cannot hold named with the reason and left
as it was; an approved household moved only with a reason (docs/forms.md, "Moving households to a newer version")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.errors import FieldSurveyError, FormError, WorkspaceError
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import form_upgrade, forms, households
from fieldsurvey.services.workspaces import create_demo
from fieldsurvey.storage import audit, revisions
from fieldsurvey.storage.workspace import Workspace

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "schemas"
ALL = sorted(SCHEMAS.glob("*.fsdb"))
BIG = 3_000_000_000     # a yearly income of 3 billion đồng: beyond ODK's 32-bit integer (2,147,483,647)


def copied(tmp_path: Path, name: str = "0005_residents_minority.fsdb") -> Path:
    path = tmp_path / name
    shutil.copy(SCHEMAS / name, path)
    return path


def opened(path: Path) -> Workspace:
    ws = Workspace.open(path)
    ws.backups = False
    return ws


def versions(ws: Workspace) -> dict[str, str]:
    return {u: json.loads(d)["form"]["version"] for u, d in ws.iter_documents()}


def classes(ws: Workspace) -> dict[str, str | None]:
    return dict(ws.db.execute("SELECT uuid, class FROM households").fetchall())


def version_entries(ws: Workspace, uuid: str) -> list[dict]:
    return [e for e in audit.log(ws.db, uuid) if e["action"] == "form-version" and e["field"] == "form.version"]


@pytest.mark.parametrize("fixture", ALL, ids=[p.stem for p in ALL])
def test_every_household_of_a_2026_1_workspace_moves_to_2026_2_with_its_class_and_a_trace(fixture, tmp_path):
    path = copied(tmp_path, fixture.name)
    with opened(path) as ws:
        before_docs = {u: json.loads(d) for u, d in ws.iter_documents()}
        before_classes, before_status = classes(ws), dict(ws.db.execute("SELECT uuid, status FROM households"))
        heads = {u: revisions.current(ws.db, u) for u in before_docs}
        older = {r["uuid"] for r in forms.households_on_older_versions(ws)}
        assert older and all(d["form"]["version"] == "2026.1" for u, d in before_docs.items() if u in older)
        result = form_upgrade.upgrade(ws, reason="Cả xã dùng phiếu 2026.2", user="thu")
        assert result.refused == ()
        assert {m.household.uuid for m in result.moved} == older
        assert set(versions(ws).values()) == {"2026.2"}
        assert forms.households_on_older_versions(ws) == []
        assert ws.db.execute("SELECT DISTINCT form_version FROM households").fetchall() == [("2026.2",)]
        # nothing a class depends on differs between the versions: each class is the one the household had (as
        # the workspace classifies its document before the move: a file of the oldest schemas kept none)
        before_classes = {u: c or ws.classify(before_docs[u]).household_class for u, c in before_classes.items()}
        assert classes(ws) == before_classes
        assert dict(ws.db.execute("SELECT uuid, status FROM households")) == before_status
        for m in result.moved:
            u = m.household.uuid
            assert m.household_class == before_classes[u]
            after = ws.get_household(u)
            assert after["household"] | before_docs[u]["household"] == after["household"]   # every answer carried
            assert [{k: v for k, v in x.items()} for x in before_docs[u]["members"]] == \
                [{k: x[k] for k in b} for x, b in zip(after["members"], before_docs[u]["members"])]
            [entry] = version_entries(ws, u)
            assert (entry["old"], entry["new"], entry["user"], entry["reason"]) == \
                ("2026.1", "2026.2", "thu", "Cả xã dùng phiếu 2026.2")
            head = revisions.current(ws.db, u)   # a revision of its own, sealed; the one before it sealed too
            assert head.sealed and head.id == m.revision == entry["revision"]
            assert head.id != heads[u].id and revisions.get(ws.db, heads[u].id).sealed
        assert form_upgrade.plan(ws) == form_upgrade.Plan((), ())   # nothing left to move


def test_an_approved_household_moves_only_with_a_reason_and_nothing_is_written_without(tmp_path):
    path = copied(tmp_path, "0004_residents.fsdb")
    with opened(path) as ws:
        approved = [u for u, s in ws.db.execute("SELECT uuid, status FROM households") if s == "approved"]
        assert len(approved) == 1
        plan = form_upgrade.plan(ws)
        assert plan.needs_reason and plan.approved == 1 and plan.targets == ["vn-review-2022 2026.2"]
        entries = len(audit.log(ws.db))
        with pytest.raises(WorkspaceError) as refused:
            form_upgrade.upgrade(ws, reason="   ")
        assert refused.value.key == "forms.upgrade.needs_reason"
        assert "1 hộ đã duyệt" in refused.value.text("vi") and "1 approved" in refused.value.text("en")
        assert set(versions(ws).values()) == {"2026.1"} and len(audit.log(ws.db)) == entries
        form_upgrade.upgrade(ws, [u for u in versions(ws) if u not in approved])   # the others need none
        assert versions(ws)[approved[0]] == "2026.1"
        moved = form_upgrade.upgrade_one(ws, approved[0], reason="Sửa thu nhập theo phiếu mới")
        assert moved.status == "approved" and versions(ws)[approved[0]] == "2026.2"


def test_an_amount_of_3_billion_shows_the_limit_on_2026_1_and_after_the_move_opens_clean_and_can_be_corrected(
        tmp_path):
    path = copied(tmp_path)
    with opened(path) as ws:
        uuid = next(u for u, d in ws.iter_documents() if json.loads(d)["household"].get("water_source") == "piped")
        doc = ws.get_household(uuid)
        doc["household"]["income_wages"] = BIG   # brought from elsewhere: a real farm's turnover
        ws.update_household(doc, user="thu")
        session, _, _ = forms.open_session(ws, uuid, lang="vi")
        state = session.state("income_wages")
        assert session.form.version == "2026.1" and state.status == "error"
        assert "2.147.483.647" in state.message and not session.is_complete()
        moved = form_upgrade.upgrade_one(ws, uuid, user="thu")
        assert (moved.household.version, moved.household.to, moved.errors) == ("2026.1", "2026.2", 0)
        session, status, owner = forms.open_session(ws, uuid, lang="vi")
        state = session.state("income_wages")
        assert session.form.version == "2026.2" and state.status == "ok" and state.value == BIG
        assert "2.147.483.647" not in (state.message or "") and session.is_complete()
        assert ws.get_household(uuid)["household"]["income_wages"] == BIG
        session.set_answer("income_wages", "2500000000")   # corrected, as typed in the questionnaire
        assert forms.save_form(ws, session, owner) == "complete"
        assert ws.get_household(uuid)["household"]["income_wages"] == 2_500_000_000
        names = households.people(ws)
        said = [households.in_words(c, names, "vi") for c in households.history(ws, uuid, "vi")]
        move = next(s for s in said if s.action == "Chuyển phiên bản biểu mẫu")
        assert (move.field, move.old, move.new) == ("Phiên bản biểu mẫu", "2026.1", "2026.2")
        assert said[-1].action == "Sửa" and said[-1].new == "2.500.000.000 đ"
        en = [households.in_words(c, names, "en") for c in households.history(ws, uuid, "en")]
        assert any((s.action, s.field) == ("Moved to another form version", "Form version") for s in en)


def test_a_household_the_new_version_cannot_hold_is_named_and_stays_while_the_others_move(tmp_path):
    path = copied(tmp_path)
    with opened(path) as ws:
        uuid = next(u for u, d in ws.iter_documents() if json.loads(d)["household"].get("water_source") == "piped")
        doc = ws.get_household(uuid)
        doc["household"]["water_source"] = "tank"   # a code no version of the form offers
        ws.update_household(doc, user="thu")
        stored, entries = ws.get_household(uuid), len(audit.log(ws.db, uuid))
        result = form_upgrade.upgrade(ws, user="thu")
        [refused] = result.refused
        assert refused.household.uuid == uuid and refused.household.version == "2026.1"
        assert "“Main source of water”" in refused.text("en") and "“tank”" in refused.text("en")
        assert "2026.2" in refused.text("en") and "does not accept" in refused.text("en")
        assert "không nhận" in refused.text("vi") and "“tank”" in refused.text("vi")
        assert len(result.moved) == len(versions(ws)) - 1
        assert ws.get_household(uuid) == stored and len(audit.log(ws.db, uuid)) == entries
        assert {v for u, v in versions(ws).items() if u != uuid} == {"2026.2"} and versions(ws)[uuid] == "2026.1"
        with pytest.raises(FormError) as one:   # the household alone: refused, said in the user's language
            form_upgrade.upgrade_one(ws, uuid)
        assert one.value.key == "forms.upgrade.refused_answer"


def test_a_household_on_the_newest_version_or_merged_is_not_moved(tmp_path):
    path = copied(tmp_path)
    with opened(path) as ws:
        first, second = list(versions(ws))[:2]
        form_upgrade.upgrade_one(ws, first)
        with pytest.raises(FormError) as newest:
            form_upgrade.upgrade_one(ws, first)
        assert newest.value.key == "forms.upgrade.not_newer" and "2026.2" in newest.value.text("vi")
        with pytest.raises(FormError) as missing:
            form_upgrade.upgrade_one(ws, second, to="2031.9")
        assert missing.value.key == "forms.upgrade.no_version" and "2026.1, 2026.2" in missing.value.text("en")
        ws.db.execute("UPDATE households SET status = 'merged' WHERE uuid = ?", [second])
        ws.db.conn.commit()
        [refused] = form_upgrade.plan(ws).refused
        assert refused.household.uuid == second and refused.reason.key == "forms.upgrade.merged"


def test_the_move_is_all_or_nothing(tmp_path, monkeypatch):
    path = copied(tmp_path)
    with opened(path) as ws:
        entries = len(audit.log(ws.db))
        calls = []
        real = Workspace.move_to_form

        def failing(self, doc, complete, **kw):
            calls.append(doc["uuid"])
            if len(calls) == 3:
                raise OSError("disk full")
            return real(self, doc, complete, **kw)

        monkeypatch.setattr(Workspace, "move_to_form", failing)
        with pytest.raises(OSError):
            form_upgrade.upgrade(ws)
        assert set(versions(ws).values()) == {"2026.1"} and len(audit.log(ws.db)) == entries


def test_the_demo_communes_classes_are_the_same_after_the_move(tmp_path):
    """The demo commune's households put back on 2026.1 (what they hold is what 2026.1 asks) and moved to 2026.2:
    every class, deprivation count and status is what it was — the versions' class-relevant content is the same."""
    path = tmp_path / "demo.fsdb"
    run_to_end(create_demo(path, 60, seed=7, villages=3))
    with opened(path) as ws:
        for uuid, text in list(ws.iter_documents()):
            doc = json.loads(text)
            doc["form"]["version"] = "2026.1"
            ws.update_household(doc, reason="test: filled with 2026.1")
        columns = "uuid, class, deprivations, income_per_person, status"
        before = ws.db.execute(f"SELECT {columns} FROM households ORDER BY uuid").fetchall()
        assert len({r[1] for r in before}) >= 3   # poor, near-poor, not poor… — not one class for all
        result = form_upgrade.upgrade(ws, reason="Cả xã dùng phiếu 2026.2")
        assert result.refused == () and len(result.moved) == 60
        assert ws.db.execute(f"SELECT {columns} FROM households ORDER BY uuid").fetchall() == before
        assert all(m.class_before == m.household_class for m in result.moved)


# --- the command line ---------------------------------------------------------------------------------------------

def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_moves_every_household_and_prints_a_summary_and_the_history_shows_it(tmp_path):
    path = copied(tmp_path)
    out = run("form", "upgrade", str(path), "--lang", "en")
    assert out.exit_code == 0, out.output
    assert "10 households moved to version 2026.2." in out.output
    assert "form 2026.1 → 2026.2" in out.output and "Class changed: 0 households." in out.output
    again = run("form", "upgrade", str(path), "--lang", "vi")
    assert again.exit_code == 0 and "Không có hộ nào dùng phiên bản biểu mẫu cũ" in again.output
    with opened(path) as ws:
        uuid = next(iter(versions(ws)))
    history = run("history", str(path), uuid, "--lang", "vi")
    assert "Chuyển phiên bản biểu mẫu" in history.output and "Phiên bản biểu mẫu: 2026.1 → 2026.2" in history.output


def test_cli_one_household_and_a_refused_one(tmp_path):
    path = copied(tmp_path)
    with opened(path) as ws:
        uuids = list(versions(ws))
        doc = ws.get_household(uuids[1])
        doc["household"]["latrine"] = "bucket"
        ws.update_household(doc)
        head = ws.db.execute("SELECT head_name FROM households WHERE uuid = ?", [uuids[1]]).fetchone()[0]
    out = run("form", "upgrade", str(path), "--household", uuids[0], "--json")
    assert out.exit_code == 0 and [m["uuid"] for m in json.loads(out.output)["moved"]] == [uuids[0]]
    out = run("form", "upgrade", str(path), "--lang", "vi")
    assert out.exit_code == 1
    assert "Đã chuyển 8 hộ sang phiên bản 2026.2." in out.output
    assert "1 hộ không chuyển được (vẫn ở phiên bản cũ):" in out.output
    assert f"{head} (" in out.output and "“bucket”" in out.output and "Loại nhà tiêu" in out.output
    approved = copied(tmp_path / "a", "0004_residents.fsdb") if (tmp_path / "a").mkdir() is None else None
    out = CliRunner().invoke(main, ["form", "upgrade", str(approved), "--lang", "vi"])
    assert out.exit_code == 1 and "cần ghi lý do" in out.output
    out = run("form", "upgrade", str(approved), "--reason", "phiếu mới", "--lang", "vi")
    assert out.exit_code == 0 and "Đã duyệt" in out.output


def test_errors_are_said_in_both_languages():
    for key in ("forms.upgrade.merged", "forms.upgrade.not_newer", "forms.upgrade.no_version"):
        e = FormError(key, "x", form="vn-review-2022", version="2026.2", to="2026.2", known="2026.1, 2026.2")
        assert isinstance(e, FieldSurveyError) and e.text("vi") != e.text("en") and "{" not in e.text("vi")


# --- a version that asks more -----------------------------------------------------------------------------------------

def a_stricter_version(tmp_path: Path, monkeypatch) -> None:
    """The forms installed as shipped plus a version 2026.3 of vn-review-2022 whose living area must be at least
    40 m² (a rule 2026.1 and 2026.2 do not have)."""
    from fieldsurvey.services import values
    from tests.formengine.derived import derived_version

    def living_area_at_least_40(rows: list[list[str]], header: list[str]) -> None:
        for row in rows:
            if len(row) > 1 and row[1] == "floor_area":
                row[header.index("constraint")] = ". >= 40"
                row[header.index("constraint_message::vi")] = "Diện tích ở phải từ 40 m²"
                row[header.index("constraint_message::en")] = "The living area must be 40 m² or more"

    derived_version(tmp_path, monkeypatch, "2026.3", edit=living_area_at_least_40)
    values._installed.cache_clear()   # (read once per run: installed forms; cleared again when the test ends)
    values._form.cache_clear()


@pytest.fixture
def stricter(tmp_path, monkeypatch):
    from fieldsurvey.services import values

    a_stricter_version(tmp_path, monkeypatch)
    yield
    values._installed.cache_clear()
    values._form.cache_clear()


def test_an_answer_a_rule_of_the_new_version_breaks_is_named_with_the_rule(tmp_path, stricter):
    path = copied(tmp_path)
    with opened(path) as ws:
        areas = {u: json.loads(d)["household"].get("floor_area") for u, d in ws.iter_documents()}
        small = {u for u, a in areas.items() if a is not None and a < 40}
        assert small and len(small) < len(areas)
        plan = form_upgrade.plan(ws)
        assert plan.targets == ["vn-review-2022 2026.3"]
        assert {r.household.uuid for r in plan.refused} == small
        said = plan.refused[0]
        assert said.reason.key == "forms.upgrade.broken_rule"
        assert "Diện tích ở (m²): Diện tích ở phải từ 40 m²" in said.text("vi")
        assert "Living area (m²): The living area must be 40 m² or more" in said.text("en")
        result = form_upgrade.upgrade(ws)
        assert {v for u, v in versions(ws).items() if u in small} == {"2026.1"}
        assert {v for u, v in versions(ws).items() if u not in small} == {"2026.3"}
        assert len(result.moved) == len(areas) - len(small)
        # to a version named: 2026.2 takes them all
        assert form_upgrade.upgrade(ws, to="2026.2").refused == ()
        assert {versions(ws)[u] for u in small} == {"2026.2"}


def test_the_plan_shown_is_checked_again_when_the_move_is_made(tmp_path):
    """The app plans, asks, then moves what it showed: a household changed in between is looked at anew (here
    refused), the others move with what was planned."""
    path = copied(tmp_path)
    with opened(path) as ws:
        plan = form_upgrade.plan(ws)
        assert len(plan.moves) == 10 and plan.refused == ()
        changed = plan.moves[3].uuid
        doc = ws.get_household(changed)
        doc["household"]["latrine"] = "bucket"
        ws.update_household(doc)
        result = form_upgrade.upgrade(ws, planned=plan)
        assert [r.household.uuid for r in result.refused] == [changed] and len(result.moved) == 9
        assert versions(ws)[changed] == "2026.1"


def test_the_jobs_on_their_own_connection_say_their_progress(tmp_path):
    path = copied(tmp_path)
    opened(path).close()   # (upgraded to the current schema, as the app's opening does before any job)
    steps, job = [], form_upgrade.planning_job(path)
    try:
        while True:
            steps.append(next(job))
    except StopIteration as stop:
        plan = stop.value
    assert steps[0].done == 0 and steps[-1].done == steps[-1].total == 10 and len(plan.moves) == 10
    result = run_to_end(form_upgrade.upgrading_job(path, plan, reason="x"))
    assert len(result.moved) == 10
    with opened(path) as ws:
        assert set(versions(ws).values()) == {"2026.2"}
