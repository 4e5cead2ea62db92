"""The supervisor adds, renames and merges villages (services/villages.py, `fieldsurvey villages add|rename|merge|
count`): each change recorded (who, when, old → new), every household of the village following it as a revision of
its own — so the figures, the household list, the printed village documents and History all say the village's name
now —, a merge adding the two villages' resident households; refusals leave the file as it was, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import figures as figs
from fieldsurvey.services import households as hh
from fieldsurvey.services import printing, villages, workspaces
from fieldsurvey.services.workspaces import opened
from fieldsurvey.storage.queries import HouseholdFilter
from fieldsurvey.storage.workspace import Workspace
from tests.reports.conftest import flat, pdf_pages
from tests.sync.test_roles import state


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.fsdb"
    run_to_end(workspaces.create_demo(path, households=90, seed=5, villages=4))
    with Workspace.open(path) as ws:
        ws.set_identity(user="thu")
    return path


@pytest.fixture
def path(demo, tmp_path) -> Path:
    copy = tmp_path / "xa.fsdb"
    copy.write_bytes(demo.read_bytes())
    return copy


def unit(fig, name: str):
    return next(u for u in fig.villages if u.name == name)


def counts(u) -> tuple:
    return (u.residents, u.listed, u.in_progress, u.counted, u.poor, u.near_poor, u.average, u.moved_away)


def uuids_of(ws, village: str) -> list[str]:
    return sorted(r.uuid for r in hh.rows(ws, HouseholdFilter(village=village)))


# --- rename -------------------------------------------------------------------------------------------------------

def test_a_renamed_village_keeps_its_figures_and_its_households_follow(path, tmp_path):
    with opened(path) as ws:
        first = ws.villages()[0]
        before = run_to_end(figs.commune_figures(ws))
        members = uuids_of(ws, first)
        approved = members[0]
        ws.change_status(approved, Action.APPROVE)
        ws.seal()   # every household's work final (as after a hand-in): a change is a new revision
        heads = {u: ws.db.execute("SELECT revision FROM households WHERE uuid = ?", [u]).fetchone()[0]
                 for u in members}
        moved = villages.rename_village(ws, first, "  Thôn  Nà Đình ")   # spaces tidied
        assert (moved.old, moved.new, sorted(moved.households)) == (first, "Thôn Nà Đình", members)
        assert ws.villages()[0] == "Thôn Nà Đình" and first not in ws.villages()   # same place in the list
        after = run_to_end(figs.commune_figures(ws))
        assert counts(unit(after, "Thôn Nà Đình")) == counts(unit(before, first))
        assert after.commune.poor == before.commune.poor and after.unlisted == []
        assert first not in [u.name for u in after.villages]
        assert uuids_of(ws, "Thôn Nà Đình") == members and uuids_of(ws, first) == []
        # each household: a new revision, its status kept, History naming the change and why
        for u in members:
            assert ws.get_household(u)["location"]["village"] == "Thôn Nà Đình"
            assert ws.db.execute("SELECT revision FROM households WHERE uuid = ?", [u]).fetchone()[0] != heads[u]
        assert ws.household_state(approved).status == "approved"
        change = [c for c in hh.history(ws, approved, "vi") if c.action == "village"]
        assert [(c.label, c.old, c.new, c.note) for c in change] == [
            ("Thôn", first, "Thôn Nà Đình", f"Đổi tên thôn: {first} → Thôn Nà Đình")]
        # the change log: who, when, old → new — and the figures entered under the old name still show
        log = villages_log(ws, "Thôn Nà Đình")
        assert log[0] == ("name", first, "Thôn Nà Đình", "thu")
        assert ("residents", None, unit(before, first).residents) in [entry[:3] for entry in log]
        with pytest.raises(WorkspaceError) as err:   # printing by the old name: no such village now
            run_to_end(printing.print_lists(ws, tmp_path / "old.pdf", village=first))
        assert err.value.key == "report.error.no_village"
        run_to_end(printing.print_lists(ws, tmp_path / "lists.pdf", village="thon na dinh"))
    text = flat(" ".join(pdf_pages(tmp_path / "lists.pdf")))
    assert "Thôn Nà Đình" in text and first not in text


def villages_log(ws, village: str) -> list[tuple]:
    return [(c.field, c.old, c.new, c.user) for c in workspaces.village_changes(ws, village)]


@pytest.mark.parametrize("new, key", [
    ("   ", "villages.error.empty_name"),
    ("x" * 101, "villages.error.name_too_long"),
    ("Thôn\x07Mới", "villages.error.name_control"),   # (a tab or a line break is a space: tidied)
])
def test_a_name_that_cannot_be_is_refused_and_nothing_changes(path, new, key):
    with opened(path) as ws:
        first = ws.villages()[0]
    before = state(path)
    with opened(path) as ws, pytest.raises(WorkspaceError) as err:
        villages.rename_village(ws, first, new)
    assert err.value.key == key and err.value.text("vi") != err.value.text("en")
    assert state(path) == before


def test_a_rename_onto_another_village_is_refused_saying_merge(path):
    with opened(path) as ws:
        first, second = ws.villages()[:2]
    before = state(path)
    with opened(path) as ws, pytest.raises(WorkspaceError) as err:
        villages.rename_village(ws, first, second.upper())   # the same name once case is set aside
    assert err.value.key == "villages.error.exists"
    assert second in err.value.text("vi") and "Gộp thôn" in err.value.text("vi")
    assert "merge them" in err.value.text("en")
    assert state(path) == before


# --- merge -------------------------------------------------------------------------------------------------------

def test_a_merge_adds_up_the_figures_and_the_households_follow(path):
    with opened(path) as ws:
        a, b = ws.villages()[:2]
        before = run_to_end(figs.commune_figures(ws))
        rows = {v.name: v for v in ws.village_rows()}
        moved_in, staying = uuids_of(ws, a), uuids_of(ws, b)
        moved = villages.merge_villages(ws, a, b)
        assert sorted(moved.households) == moved_in
        assert a not in ws.villages() and len(ws.villages()) == 3
        after = run_to_end(figs.commune_figures(ws))
        summed = tuple(x + y for x, y in zip(counts(unit(before, a)), counts(unit(before, b))))
        assert counts(unit(after, b)) == summed
        assert after.commune.residents == before.commune.residents   # nothing counted twice, nothing lost
        v = next(v for v in ws.village_rows() if v.name == b)
        assert (v.residents, v.residents_minority) == (rows[a].residents + rows[b].residents,
                                                       rows[a].residents_minority + rows[b].residents_minority)
        assert uuids_of(ws, b) == sorted(moved_in + staying)
        log = villages_log(ws, b)
        assert ("merged_into", a, b, "thu") in log
        assert ("residents", rows[b].residents, v.residents, "thu") in log
        assert any(c.action == "village" and c.note == f"Gộp thôn: {a} → {b}" for c in hh.history(ws, moved_in[0]))
    # the workspace's own integrity checks (documents and their columns, revisions, stored classes) all pass
    assert [(f.check, f.problems) for f in run_to_end(workspaces.check(path)) if f.problems] == []


def test_a_merge_never_makes_half_a_figure(path):
    with opened(path) as ws:
        a, b, c, d = ws.villages()[:4]
        kept = next(v for v in ws.village_rows() if v.name == b)
        workspaces.set_residents(ws, a, None, None, None, minority=None)
        villages.merge_villages(ws, a, b)        # merged away with no number: nothing to add, b's stays
        v = next(v for v in ws.village_rows() if v.name == b)
        assert (v.residents, v.residents_minority) == (kept.residents, kept.residents_minority)
        workspaces.set_residents(ws, d, None, None, None, minority=None)
        villages.merge_villages(ws, c, d)        # kept with no number: c's alone would be half of it
        v = next(v for v in ws.village_rows() if v.name == d)
        assert (v.residents, v.residents_minority) == (None, None)


def test_merging_a_village_into_itself_is_refused(path):
    with opened(path) as ws:
        first = ws.villages()[0]
    before = state(path)
    with opened(path) as ws, pytest.raises(WorkspaceError) as err:
        villages.merge_villages(ws, first, first.lower())
    assert err.value.key == "villages.error.merge_same"
    assert state(path) == before


# --- add, and who may ------------------------------------------------------------------------------------------

def test_a_village_is_added_at_the_end_once(path):
    with opened(path) as ws:
        v = villages.add_village(ws, "Bản Khuổi Củng")
        assert (v.name, v.residents) == ("Bản Khuổi Củng", None) and ws.villages()[-1] == "Bản Khuổi Củng"
        assert villages_log(ws, "Bản Khuổi Củng") == [("added", None, "Bản Khuổi Củng", "thu")]
        with pytest.raises(WorkspaceError) as err:
            villages.add_village(ws, "ban khuoi cung")
        assert err.value.key == "villages.error.exists"


def test_an_enumerators_workspace_does_not_change_the_list(path):
    with opened(path) as ws:
        ws.set_meta("role", "enumerator")
        first = ws.villages()[0]
    before = state(path)
    with opened(path) as ws:
        for change in (lambda: villages.add_village(ws, "Bản Mới"), lambda: villages.rename_village(ws, first, "X"),
                       lambda: villages.merge_villages(ws, first, ws.villages()[1])):
            with pytest.raises(WorkspaceError) as err:
                change()
            assert err.value.key == "villages.error.supervisors"
            assert "giám sát viên" in err.value.text("vi") and "supervisor" in err.value.text("en")
    assert state(path) == before


# --- the command line ------------------------------------------------------------------------------------------

def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_the_command_line_adds_renames_merges_and_counts(path):
    with opened(path) as ws:
        first, second = ws.villages()[:2]
    out = run("villages", "add", str(path), "Bản Mới", "Bản Cũ", "--lang", "en")
    assert out.exit_code == 0 and "Village «Bản Mới» added." in out.output
    refused = run("villages", "add", str(path), "Bản Khác", "ban moi", "--lang", "vi")   # all or none
    assert refused.exit_code == 1 and "Đã có thôn «Bản Mới»" in refused.output
    out = run("villages", "rename", str(path), first, "Thôn Nà Đình")
    assert out.exit_code == 0 and f"Đã đổi tên thôn «{first}» thành «Thôn Nà Đình»" in out.output
    out = run("villages", "merge", str(path), "Bản Cũ", "bản mới", "--lang", "en")
    assert out.exit_code == 0 and "Village «Bản Cũ» merged into «Bản Mới»; 0 households" in out.output
    out = run("villages", "count", str(path), "Bản Mới", "12", "--minority", "3", "--date", "2026-10-01")
    assert out.exit_code == 0 and "12 hộ dân cư" in out.output
    listed = run("villages", "list", str(path)).output.splitlines()
    assert [line.split("  ")[0].strip() for line in listed] == ["Thôn Nà Đình", second, *_rest(path)]
    changes = run("villages", "changes", str(path), "Bản Mới", "--lang", "en").output
    assert "merged: Bản Cũ → Bản Mới" in changes and "village added: — → Bản Mới" in changes
    assert "Bản Khác" not in run("villages", "list", str(path)).output


def _rest(path: Path) -> list[str]:
    with opened(path) as ws:
        return ws.villages()[2:]
