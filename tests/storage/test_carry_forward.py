"""Year to year on a constructed two-year case: 2025 classified for real, carried forward to 2026, answers changed,
classified again — the movement table is exactly the one worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fieldsurvey.domain.figures import MOVEMENT_COLUMNS
from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.services.assessment import assess_document
from fieldsurvey.storage.audit import log as audit_log
from fieldsurvey.cli import main
from fieldsurvey.domain.document import age_at, parse_household
from fieldsurvey.progress import run_to_end
from fieldsurvey.reports.records import Previous
from fieldsurvey.services import figures
from fieldsurvey.services import workspaces as svc
from fieldsurvey.services.workspaces import classify_all
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from tests.builders import adult, child, household_doc

INFO_2025 = WorkspaceInfo("08", "Tuyên Quang", "02266", "Lâm Bình", "rural", 2025, "annual", "vn-2022-2025")
POOR = dict(per_person=1_000_000, water_source="river", latrine="none", has_house="no")
NEAR = dict(per_person=1_000_000)
NOT = dict(per_person=5_000_000)
INCOMPLETE = dict(per_person=None)

# name: (village, 2025 answers, 2025 status, 2026 answers or "moved")
CASE = {
    "A": ("T1", POOR, "approved", POOR),
    "B": ("T1", POOR, "approved", NEAR),
    "C": ("T2", POOR, "approved", NOT),
    "D": ("T2", NEAR, "approved", NEAR),
    "E": ("T1", NEAR, "approved", NOT),
    "F": ("T2", NOT, "approved", POOR),           # never poor on record before: new (phát sinh)
    "G": ("T1", NOT, "complete", NOT),
    "H": ("T2", POOR, "approved", "moved"),
    "I": ("T1", NEAR, "approved", POOR),
    "J": ("T1", NEAR, "moved_away", None),        # left during 2025: not carried
    "L": ("T2", NEAR, "approved", INCOMPLETE),
}
COLUMNS = ("start", "remained", "to_other", "escaped", "unclassified", "moved_away", "from_other", "fell_back", "new",
           "end")
EXPECTED = {  # worked out by hand from CASE (+ K, a new poor household in T2)
    ("poor", None): [4, 1, 1, 1, 0, 1, 1, 0, 2, 4],
    ("near_poor", None): [4, 1, 1, 1, 1, 0, 1, 0, 0, 2],
    ("poor", "T1"): [2, 1, 1, 0, 0, 0, 1, 0, 0, 2],
    ("poor", "T2"): [2, 0, 0, 1, 0, 1, 0, 0, 2, 2],
    ("near_poor", "T1"): [2, 0, 1, 1, 0, 0, 1, 0, 0, 1],
    ("near_poor", "T2"): [2, 1, 0, 0, 1, 0, 0, 0, 0, 1],
}
LABELS = {"A": "remained_poor", "B": "poor_to_near_poor", "C": "escaped", "D": "remained_near_poor", "E": "escaped",
          "F": "new", "G": "stayed_out", "H": "moved_away", "I": "near_poor_to_poor", "K": "new",
          "L": "unclassified"}


def _doc(name: str, village: str, year: int, answers: dict) -> dict:
    doc = household_doc([adult(40, relationship="head", name=f"Hộ {name}", member_id="m1"),
                         adult(38, "female", member_id="m2"), child(8, member_id="m3")], year=year, **answers)
    doc["uuid"] = f"0000000{ord(name) - 64:x}-0000-4000-8000-000000002025"
    doc["location"]["village"] = village
    doc["review"]["kind"] = "annual"
    doc["form"] = {"id": "vn-review-2022", "version": "2026.1"}
    return doc


def _old(tmp_path: Path) -> Path:
    path = tmp_path / "2025.fsdb"
    ws = Workspace.create(path, INFO_2025, ["T1", "T2"])
    ws.set_identity(device="dev-2025", user="lan")
    for name, (village, answers, status, _) in CASE.items():
        ws.save_household(_doc(name, village, 2025, answers), status=status, owner="lan")
    run_to_end(classify_all(ws))
    want = {"A": "poor", "B": "poor", "C": "poor", "D": "near_poor", "E": "near_poor", "F": "not_poor",
            "G": "not_poor", "H": "poor", "I": "near_poor", "J": "near_poor", "L": "near_poor"}
    got = {r[0][-1]: r[1] for r in ws.db.execute("SELECT head_name, class FROM households")}
    assert got == want  # the 2025 classes the case is built on come from the real classification
    ws.close()
    return path


def test_carry_forward_and_the_movement_table(tmp_path: Path):
    old = _old(tmp_path)
    new = tmp_path / "2026.fsdb"
    counts = run_to_end(svc.carry_forward(old, new, 2026))
    assert counts == {"carried": 10, "moved_away": 1, "merged": 0}
    ws = Workspace.open(new)
    try:
        assert ws.info.review_year == 2026 and ws.villages() == ["T1", "T2"]
        by_name = {}
        for uuid, head, status, cls in ws.db.execute("SELECT uuid, head_name, status, class FROM households"):
            by_name[head[-1]] = uuid
            assert status == "draft"
            assert cls == assess_document(ws.get_household(uuid), standard_id=ws.info.standard_id).household_class
        assert "J" not in by_name
        before = {n: _doc(n, CASE[n][0], 2025, CASE[n][1]) for n in by_name}
        for name, uuid in by_name.items():
            doc = ws.get_household(uuid)
            assert set(doc["previous"]) == {"uuid", "year", "class", "status", "earlier"}
            assert doc["previous"]["uuid"] == before[name]["uuid"] != uuid
            prev = Previous.of(doc["previous"])
            assert (prev.year, prev.status) == (2025, "approved" if name != "G" else "complete")
            assert doc["review"]["year"] == 2026 and doc["interview_date"] is None
            assert [m["birth_date"] for m in doc["members"]] == [m["birth_date"] for m in before[name]["members"]]
            assert ws.household_state(uuid).owner == "lan"
            [entry] = audit_log(ws.db, uuid)
            assert entry["action"] == "carry-forward"
        # the 2026 review: answers change, H moved away, K is new
        for name, uuid in by_name.items():
            nxt = CASE[name][3]
            if nxt == "moved":
                ws.change_status(uuid, Action.MOVE_AWAY)
                continue
            fresh = _doc(name, CASE[name][0], 2026, nxt)
            doc = ws.get_household(uuid)
            doc["household"] = fresh["household"]
            doc["interview_date"] = fresh["interview_date"]
            ws.save_form(doc, complete=nxt is not INCOMPLETE)   # L's answers cannot classify it: left a draft
            # ages advance: the same birth date, a reference date a year later (the 2026 interview)
            now_hh, then_hh = parse_household(ws.get_household(uuid)), parse_household(before[name])
            assert age_at(then_hh.members[0], then_hh.reference_date) == 39
            assert age_at(now_hh.members[0], now_hh.reference_date) == 40
        ws.save_household(_doc("K", "T2", 2026, POOR), status="complete", owner="hoa")
        run_to_end(classify_all(ws))
        result = run_to_end(figures.movement(ws))
    finally:
        ws.close()
    table = {}
    for cls in ("poor", "near_poor"):
        moves = result.movement[next(c for c in result.movement if c.value == cls)]
        table.update({(cls, m.name): m.row() for m in moves[:-1]})
        table[(cls, None)] = moves[-1].row()      # the commune's row comes last
    assert tuple(MOVEMENT_COLUMNS) == COLUMNS
    for (cls, village), row in EXPECTED.items():
        assert table[(cls, village)] == row, (cls, village, dict(zip(COLUMNS, table[(cls, village)])))
    names = {v: k for k, v in by_name.items()}
    names[_doc("K", "T2", 2026, POOR)["uuid"]] = "K"
    assert {names[u]: label for u, label in result.moves_by_household.items()} == LABELS
    assert result.previous_year == 2025
    # and from the command line
    out = CliRunner().invoke(main, ["movement", str(new), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [data["commune"]["poor"][c] for c in COLUMNS] == EXPECTED[("poor", None)]
    assert [data["villages"]["T2"]["near_poor"][c] for c in COLUMNS] == EXPECTED[("near_poor", "T2")]
    out = CliRunner().invoke(main, ["movement", str(new), "--lang", "en"])
    assert out.exit_code == 0 and "Poor households: 2025 → now" in out.output
    commune = [line for line in out.output.splitlines() if line.startswith("Commune")]
    assert [int(x) for x in commune[0].split()[1:]] == EXPECTED[("poor", None)]


def test_carry_forward_from_the_command_line(tmp_path: Path):
    old = _old(tmp_path)
    new = tmp_path / "2026.fsdb"
    out = CliRunner().invoke(main, ["carry-forward", str(old), str(new), "--year", "2026", "--quiet"])
    assert out.exit_code == 0, out.output
    assert "10" in out.output and new.exists()
    assert not [p.name for p in tmp_path.iterdir() if ".part" in p.name]  # nothing half-made left behind
    again = CliRunner().invoke(main, ["carry-forward", str(old), str(new), "--year", "2026"])
    assert again.exit_code != 0 and "already exists" in again.output
    back = CliRunner().invoke(main, ["carry-forward", str(old), str(tmp_path / "x.fsdb"), "--year", "2024"])
    assert back.exit_code != 0 and "must come after 2025" in back.output
    assert not (tmp_path / "x.fsdb").exists()


def test_the_villages_resident_households_go_forward_with_their_date_and_source(tmp_path: Path):
    """Next year's review starts from this year's resident households (the rates' denominator), date and source
    kept, until the supervisor enters newer ones; a village without one stays without, and the figures say so."""
    old = _old(tmp_path)
    with svc.opened(old) as ws:
        svc.set_residents(ws, "T1", 140, "2025-08-15", "Sổ hộ khẩu xã")
    new = tmp_path / "2026.fsdb"
    run_to_end(svc.carry_forward(old, new, 2026))
    with svc.opened(new) as ws:
        t1, t2 = svc.villages(ws)
        assert (t1.name, t1.residents, t1.residents_date, t1.residents_source) == \
            ("T1", 140, "2025-08-15", "Sổ hộ khẩu xã")
        assert (t2.name, t2.residents) == ("T2", None)
        fig = run_to_end(figures.commune_figures(ws))
    assert fig.residents_missing == ["T2"] and fig.commune.residents is None
    assert fig.villages[0].residents == 140 and fig.villages[0].poverty_rate is not None
    assert fig.villages[1].poverty_rate is None and fig.commune.poverty_rate is None
