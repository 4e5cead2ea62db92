"""A village's resident households and, of them, the ethnic-minority ones — set, kept, cleared and refused through
the workspaces service and the command line — and the append-only trace of every change of them
(`village_changes`), written with the change itself."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import workspaces
from fieldsurvey.services.workspaces import KEEP, opened, set_residents, village_changes
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo

INFO = WorkspaceInfo("08", "Tuyên Quang", "02266", "Xã Lâm Bình", "rural", 2026, "annual", "vn-2022-2025")
VILLAGES = ["Thôn Nà Đình", "Bản Khuổi Củng"]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "xa.fsdb"
    ws = Workspace.create(p, INFO, VILLAGES)
    ws.set_identity(device="dev-thu", user="thu")
    ws.backups = False
    ws.close()
    return p


def village(path: Path, name: str = VILLAGES[0]):
    with opened(path, read_only=True) as ws:
        return next(v for v in workspaces.villages(ws) if v.name == name)


def changes(path: Path, name: str | None = VILLAGES[0]) -> list[tuple]:
    with opened(path, read_only=True) as ws:
        return [(c.field, c.old, c.new) for c in village_changes(ws, name)]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


# --- the service ---------------------------------------------------------------------------------------------------

def test_set_keep_and_clear_the_minority_households(path):
    with opened(path) as ws:
        v = set_residents(ws, VILLAGES[0], 120, "2026-09-01", "Sổ hộ khẩu", minority=84)
        assert (v.residents, v.residents_minority) == (120, 84)
        v = set_residents(ws, "thon na dinh", 125, "2026-10-01", "Sổ hộ khẩu")        # not given: kept
        assert (v.name, v.residents, v.residents_minority, v.residents_date) == (VILLAGES[0], 125, 84, "2026-10-01")
        assert set_residents(ws, VILLAGES[0], 125, "2026-10-01", "Sổ hộ khẩu", minority=KEEP).residents_minority \
            == 84
        v = set_residents(ws, VILLAGES[0], 125, "2026-10-01", "Sổ hộ khẩu", minority=None)   # None: cleared
        assert (v.residents, v.residents_minority) == (125, None)
        assert set_residents(ws, VILLAGES[0], 125, minority=125).residents_minority == 125   # all of them: allowed
        assert set_residents(ws, VILLAGES[0], None).residents_minority == 125   # no residents: nothing to hold to
        assert set_residents(ws, VILLAGES[0], 0, minority=0).residents_minority == 0
    assert village(path, VILLAGES[1]).residents_minority is None               # the other village untouched


@pytest.mark.parametrize("residents,minority,key,values", [
    (120, -1, "storage.error.minority_negative", {"n": -1}),           # below 0
    (120, 121, "storage.error.minority_more", {"minority": 121, "residents": 120}),   # one more than all
    (0, 1, "storage.error.minority_more", {"minority": 1, "residents": 0}),
    (90, KEEP, "storage.error.minority_more", {"minority": 100, "residents": 90}),    # fewer than the kept ones
])
def test_a_minority_number_that_cannot_be_is_refused_and_nothing_changes(path, residents, minority, key, values):
    with opened(path) as ws:
        set_residents(ws, VILLAGES[0], 200, "2026-09-01", "Sổ hộ khẩu", minority=100)
        before = changes(path)
        with pytest.raises(WorkspaceError) as refused:
            set_residents(ws, VILLAGES[0], residents, "2026-10-01", "Sổ mới", minority=minority)
    assert refused.value.key == key and refused.value.values == values and refused.value.where == VILLAGES[0]
    v = village(path)
    assert (v.residents, v.residents_minority, v.residents_date, v.residents_source) == \
        (200, 100, "2026-09-01", "Sổ hộ khẩu")
    assert changes(path) == before


def test_the_refusals_say_which_village_and_the_numbers_in_both_languages(path):
    with opened(path) as ws:
        with pytest.raises(WorkspaceError) as more:
            set_residents(ws, VILLAGES[1], 1200, minority=1250)
        with pytest.raises(WorkspaceError) as negative:
            set_residents(ws, VILLAGES[1], 1200, minority=-3)
    assert more.value.text("vi") == "Bản Khuổi Củng: Số hộ dân tộc thiểu số (1.250) không thể nhiều hơn tổng số hộ " \
                                    "dân cư của thôn (1.200)"
    assert more.value.text("en") == "Bản Khuổi Củng: the ethnic-minority resident households (1,250) cannot be more " \
                                    "than the village's resident households (1,200)"
    assert negative.value.text("vi") == "Bản Khuổi Củng: Số hộ dân tộc thiểu số không thể là số âm (-3)"
    assert str(negative.value) == "Bản Khuổi Củng: the number of ethnic-minority resident households cannot be " \
                                  "negative (-3)"


def test_every_change_of_a_villages_figures_is_traced_newest_first(path):
    with opened(path) as ws:
        set_residents(ws, VILLAGES[0], 120, "2026-09-01", "Sổ hộ khẩu", minority=84)
        set_residents(ws, VILLAGES[0], 120, "2026-09-01", "Sổ hộ khẩu", minority=84)     # the same again: nothing
        set_residents(ws, VILLAGES[0], 121, "2026-09-01", "Sổ hộ khẩu")                  # one field
        set_residents(ws, VILLAGES[1], 50, minority=None)
        rows = village_changes(ws, "THÔN NÀ ĐÌNH")
        every = village_changes(ws)
    assert [(c.field, c.old, c.new) for c in rows] == [
        ("residents", 120, 121),
        ("residents_source", None, "Sổ hộ khẩu"), ("residents_date", None, "2026-09-01"),
        ("residents_minority", None, 84), ("residents", None, 120)]
    assert all((c.user, c.device, c.village, c.reason) == ("thu", "dev-thu", VILLAGES[0], None) for c in rows)
    assert rows[0].at >= rows[-1].at and rows[0].at.endswith("+00:00")
    assert [(c.village, c.field) for c in every[:1]] == [(VILLAGES[1], "residents")]     # its minority: unchanged
    assert len(every) == len(rows) + 1 and [c.id for c in every] == sorted((c.id for c in every), reverse=True)


def test_the_trace_is_written_with_the_change_or_not_at_all(path):
    """A change whose trace cannot be written is not made: the figures and their trace in one transaction."""
    with opened(path) as ws:
        ws.db.execute("CREATE TRIGGER refuse_trace BEFORE INSERT ON village_changes WHEN NEW.field = 'residents_date' "
                      "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        with pytest.raises(sqlite3.IntegrityError):
            set_residents(ws, VILLAGES[0], 120, "2026-09-01", minority=84)
        ws.db.execute("DROP TRIGGER refuse_trace")
    assert village(path).residents is None and changes(path) == []


def test_the_trace_refuses_update_and_delete(path):
    with opened(path) as ws:
        set_residents(ws, VILLAGES[0], 120, minority=84)
        for sql in ("UPDATE village_changes SET new = 1", "DELETE FROM village_changes",
                    "UPDATE village_changes SET reason = 'x' WHERE field = 'residents'"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                ws.db.execute(sql)
    assert changes(path) == [("residents_minority", None, 84), ("residents", None, 120)]


def test_carry_forward_copies_the_minority_households_and_says_so(path, tmp_path):
    with opened(path) as ws:
        set_residents(ws, VILLAGES[0], 120, "2026-09-01", "Sổ hộ khẩu", minority=84)
    new = tmp_path / "2027.fsdb"
    run_to_end(workspaces.carry_forward(path, new, 2027))
    v = village(new)
    assert (v.residents, v.residents_minority, v.residents_date, v.residents_source) == \
        (120, 84, "2026-09-01", "Sổ hộ khẩu")
    assert village(new, VILLAGES[1]).residents_minority is None
    with opened(new, read_only=True) as ws:
        rows = village_changes(ws)
    assert {(c.village, c.field, c.new, c.reason, c.user) for c in rows} == {
        (VILLAGES[0], "residents", 120, "carry-forward", "thu"), (VILLAGES[0], "residents_minority", 84,
                                                                  "carry-forward", "thu"),
        (VILLAGES[0], "residents_date", "2026-09-01", "carry-forward", "thu"),
        (VILLAGES[0], "residents_source", "Sổ hộ khẩu", "carry-forward", "thu")}


# --- the command line ----------------------------------------------------------------------------------------------

def test_the_command_line_sets_keeps_clears_and_lists_them(path):
    r = run("villages", "residents", str(path), "thon na dinh", "120", "--minority", "84", "--date", "2026-09-01")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "Thôn Nà Đình                 120 hộ dân cư (2026-09-01, —); 84 hộ dân tộc thiểu số"
    r = run("villages", "residents", str(path), "Thôn Nà Đình", "130", "--lang", "en")          # kept
    assert r.output.strip() == "Thôn Nà Đình                 130 resident households (—, —); 84 ethnic-minority " \
                               "households"
    r = run("villages", "list", str(path))
    assert r.output.splitlines() == ["Thôn Nà Đình                 130 hộ dân cư (—, —); 84 hộ dân tộc thiểu số",
                                     "Bản Khuổi Củng               chưa nhập số hộ dân cư; chưa nhập số hộ dân tộc "
                                     "thiểu số"]
    listed = json.loads(run("villages", "list", str(path), "--json").output)
    assert listed[0] == {"name": "Thôn Nà Đình", "residents": 130, "residents_date": None, "residents_source": None,
                         "residents_minority": 84}
    r = run("villages", "residents", str(path), "Thôn Nà Đình", "130", "--minority", "none")      # cleared
    assert r.exit_code == 0 and village(path).residents_minority is None
    assert "chưa nhập số hộ dân tộc thiểu số" in r.output


@pytest.mark.parametrize("value,lang,said", [
    ("-3", "vi", "Error: Thôn Nà Đình: Số hộ dân tộc thiểu số không thể là số âm (-3)"),
    ("131", "vi", "Error: Thôn Nà Đình: Số hộ dân tộc thiểu số (131) không thể nhiều hơn tổng số hộ dân cư của thôn "
                  "(130)"),
    ("131", "en", "Error: Thôn Nà Đình: the ethnic-minority resident households (131) cannot be more than the "
                  "village's resident households (130)"),
    ("nhiều", "vi", "Error: --minority: «nhiều» không phải là số hộ; hãy nhập một số nguyên (ví dụ 45), hoặc none để "
                    "xóa số đã nhập"),
    ("4.5", "en", "Error: --minority: “4.5” is not a number of households; give a whole number (e.g. 45), or none to "
                  "clear the number entered"),
])
def test_the_command_line_refuses_a_number_that_cannot_be(path, value, lang, said):
    assert run("villages", "residents", str(path), VILLAGES[0], "130", "--minority", "60").exit_code == 0
    r = run("villages", "residents", str(path), VILLAGES[0], "130", "--minority", value, "--lang", lang)
    assert r.exit_code == 1 and " ".join(r.output.split()) == said
    assert village(path).residents_minority == 60


def test_the_command_line_shows_the_trace(path):
    assert run("villages", "residents", str(path), VILLAGES[0], "120", "--minority", "84").exit_code == 0
    assert run("villages", "residents", str(path), VILLAGES[0], "121").exit_code == 0
    r = run("villages", "changes", str(path), "thon na dinh", "--lang", "en")
    lines = [line.split("  ", 1)[1] for line in r.output.splitlines()]      # after the time
    assert lines == ["thu  Thôn Nà Đình  resident households: 120 → 121",
                     "thu  Thôn Nà Đình  ethnic-minority households: — → 84",
                     "thu  Thôn Nà Đình  resident households: — → 120"]
    data = json.loads(run("villages", "changes", str(path), "--json").output)
    assert [(d["field"], d["old"], d["new"], d["user"]) for d in data][0] == ("residents", 120, 121, "thu")
    assert run("villages", "changes", str(path), VILLAGES[1]).output.strip() == \
        "Chưa có thay đổi nào về số hộ dân cư của thôn."
