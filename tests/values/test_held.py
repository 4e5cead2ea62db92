"""Soft ranges: a household of 40 members or 2,000 m² of living area is not refused — it is stored and held for the
supervisor: said by `households add`, kept with the household (the `held` column) and listed by
`fieldsurvey households held`, until the answer is corrected."""

from __future__ import annotations

import json

from fieldsurvey.services import values
from fieldsurvey.storage.workspace import Workspace
from tests.builders import adult, child
from tests.values.conftest import INFO, doc, run, write


def forty() -> dict:
    members = [adult(45, relationship="head", name="Triệu Văn Sơn", member_id="m1")]
    members += [child(5 + i % 10, name=f"Cháu {i}", member_id=f"m{i}", education="none") for i in range(2, 41)]
    return doc(head="Triệu Văn Sơn", members=members, floor_area=300)


def test_households_add_stores_a_household_of_40_and_says_it_is_held_in_the_users_language(workspace, tmp_path):
    big, roomy = forty(), doc(head="Ma Thị Lan", floor_area=2000)
    files = [write(tmp_path, "big.json", big), write(tmp_path, "roomy.json", roomy)]
    en = run("households", "add", workspace, *files, "--lang", "en")
    assert en.exit_code == 0, en.output
    lines = en.output.splitlines()
    assert lines[1] == "  held for the supervisor to check — Members: 40 members, more than 15 — unusual: check it"
    assert lines[3] == ("  held for the supervisor to check — household.floor_area: 2000 is above 500 — unusual: "
                        "check it")
    listed = run("households", "held", workspace, "--lang", "vi")
    assert listed.exit_code == 0
    out = listed.output.splitlines()
    assert [line.split()[0] for line in out if not line.startswith(" ")] == [roomy["uuid"], big["uuid"]]  # by head
    assert "  Chờ cán bộ giám sát kiểm tra — Thành viên của hộ: 40 thành viên, nhiều hơn 15 — bất thường: cần kiểm " \
           "tra" in out
    assert "  Chờ cán bộ giám sát kiểm tra — household.floor_area: 2000 cao hơn 500 — bất thường: cần kiểm tra" in out
    as_json = json.loads(run("households", "held", workspace, "--json", "--lang", "en").output)
    assert as_json[1]["held"] == [{"field": "members", "key": "values.held.members",
                                   "values": {"n": 40, "max": 100, "soft_max": 15}, "held": True,
                                   "text": "Members: 40 members, more than 15 — unusual: check it"}]


def test_a_held_answer_corrected_is_no_longer_held(workspace, tmp_path):
    d = doc(floor_area=2000)
    assert run("households", "add", workspace, write(tmp_path, "a.json", d)).exit_code == 0
    with Workspace.open(workspace) as ws:
        ws.backups = False
        assert [h.uuid for h in values.held_households(ws)] == [d["uuid"]]
        ws.save_answer(d["uuid"], "floor_area", 60)
        assert values.held_households(ws) == []
        ws.save_answer(d["uuid"], "birth_date", "1920-01-01", member="m2")   # 106 on the interview day
        (held,) = values.held_households(ws)
        assert [f.text("en") for f in held.findings] == [
            "members[m2].birth_date: 106 years old on 2026-10-01, older than 100 — unusual: check it"]
    assert "Không có hộ nào" not in run("households", "held", workspace, "--lang", "vi").output


def test_nothing_held_says_so(workspace):
    assert run("households", "held", workspace, "--lang", "vi").output == \
        "Không có hộ nào có câu trả lời chờ cán bộ giám sát kiểm tra.\n"
    assert run("households", "held", workspace, "--status", "lost").exit_code == 1


def test_the_imports_check_returns_what_is_held_for_its_report():
    d = forty()
    held = values.check_record(d, INFO, "submitted")
    assert [(f.field, f.key, f.held) for f in held] == [("members", "values.held.members", True)]



def test_the_import_reports_held_answers_read_in_both_languages():
    d = forty()
    entries = [values.held_entry(d["uuid"], values.check_record(d, INFO, "submitted"))]
    assert json.loads(json.dumps(entries)) == entries   # plain data: the report is kept as JSON
    assert values.held_lines(entries, "en") == [
        f"household {d['uuid']}: held for the supervisor to check — Members: 40 members, more than 15 — unusual: "
        "check it"]
    assert values.held_lines(entries, "vi") == [
        f"Hộ {d['uuid']}: chờ cán bộ giám sát kiểm tra — Thành viên của hộ: 40 thành viên, nhiều hơn 15 — bất "
        "thường: cần kiểm tra"]
