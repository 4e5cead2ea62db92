"""`fieldsurvey form …` commands and the form services on a real workspace file."""

from __future__ import annotations

import json
import openpyxl
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.formengine.loader import find_form, load_form
from fieldsurvey.services import forms as services
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from tests.formengine.test_official_forms import TODAY, VILLAGES, answers
from tests.formengine.test_xlsform import SHARED

INFO = WorkspaceInfo("08", "Tuyên Quang", "02266", "Xã Lâm Bình", "rural", 2026, "annual", "vn-2022-2025")


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_check_prints_the_questions_with_their_paths():
    result = run("form", "check", "vn-review-2022@2026.1")
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert (out["form_id"], out["version"]) == ("vn-review-2022", "2026.1")
    by_name = {q["name"]: q for q in out["questions"]}
    assert by_name["relationship"] == {"name": "relationship", "type": "select_one", "path": "members/relationship",
                                       "choices": "relationship", "repeat": "members"}
    assert by_name["floor_area"]["path"] == "housing/floor_area"
    assert out["choice_lists"]["sex"] == ["male", "female"]


def test_check_a_broken_form_prints_located_errors_and_fails(tmp_path):
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "survey.csv").write_text("type,name,relevant\ninteger,a,${b} > 1\n", encoding="utf-8")
    result = run("form", "check", str(tmp_path / "f"))
    assert result.exit_code == 1
    assert json.loads(result.output) == {"errors": [
        "[survey sheet, row 2, column 'relevant'] refers to ${b}, which the form does not have"]}


def test_check_every_public_xlsform_without_a_traceback():
    for path in sorted(SHARED.glob("*.xlsx")):
        result = CliRunner().invoke(main, ["form", "check", str(path)])
        assert result.exit_code in (0, 1), (path.name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), path.name
        json.loads(result.output)


def test_export_then_import_gives_the_same_form(tmp_path):
    book = tmp_path / "review.xlsx"
    result = run("form", "export", "vn-review-2022", "--out", str(book))
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(book).sheetnames == ["survey", "choices", "settings"]
    result = run("form", "import", str(book), "--out", str(tmp_path / "back"))
    assert result.exit_code == 0, result.output
    back, original = load_form(tmp_path / "back"), find_form("vn-review-2022")
    assert [(i.name, i.relevant, i.constraint) for i in back.items] == \
           [(i.name, i.relevant, i.constraint) for i in original.items]


def test_import_refuses_an_unsupported_workbook_and_writes_nothing(tmp_path):
    result = run("form", "import", str(SHARED / "include.xlsx"), "--out", str(tmp_path / "x"))
    assert result.exit_code == 1
    assert "[survey sheet, row 3, column 'type']" in json.loads(result.output)["errors"][0]
    assert not (tmp_path / "x").exists()


def test_fill_is_the_headless_view(tmp_path):
    data = answers("vn-review-2022")
    data["members"][2]["birth_date"] = "2027-01-01"  # after the interview
    data["floor_area"] = 0
    del data["latrine"]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run("form", "fill", "vn-review-2022", str(path), "--village", VILLAGES[0], "--today", "2026-11-20",
                 "--lang", "en")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    by_path = {r["path"]: r for r in rows}
    assert by_path["members[3]/birth_date"]["status"] == "constraint violated"
    assert by_path["members[3]/birth_date"]["message"] == "Born after the interview date"
    assert by_path["housing/floor_area"]["status"] == "constraint violated"
    assert by_path["water/latrine"]["status"] == "required but empty"
    assert by_path["identification/area"]["value"] == "rural"          # calculations included
    assert by_path["members[1]/_age"]["value"] == 47
    assert by_path["identification/address"]["status"] == "ok"
    assert "income/b1_score_manual" not in by_path                    # not relevant: not shown
    names = [r["name"] for r in rows]
    assert names.index("province_code") < names.index("name") < names.index("income_route")  # form order
    doc = json.loads(run("form", "fill", "vn-review-2022", str(path), "--document", "--village", VILLAGES[0],
                         "--today", "2026-11-20").output)
    assert doc["form"] == {"id": "vn-review-2022", "version": "2026.2"}   # the newest


def test_fill_refuses_an_unknown_answer(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"no_such_question": 1}', encoding="utf-8")
    result = CliRunner().invoke(main, ["form", "fill", "vn-review-2022", str(path)])
    assert result.exit_code == 1 and "no_such_question" in result.output and "Traceback" not in result.output


def test_a_household_opens_saves_and_reopens_with_its_own_form_version(tmp_path):
    path = tmp_path / "c.fsdb"
    ws = Workspace.create(path, INFO, VILLAGES)
    try:
        session, status, owner = services.open_session(ws, village=VILLAGES[0])
        assert (session.form.form_id, session.form.version) == ("vn-review-2022", "2026.2")   # the newest
        session.set_answer("head_name", "Hoàng Văn Páo")
        assert services.save_form(ws, session, owner) == "draft"  # a draft saves with gaps
        uuid = session.document["uuid"]
        assert ws.get_household(uuid)["household"]["head_name"] == "Hoàng Văn Páo"

        old_form = find_form("vn-review-2022", "2025.1")
        from fieldsurvey.formengine.session import fill

        old = fill(old_form, answers("vn-review-2022", True, old_form), today=TODAY, villages=VILLAGES)
        old_doc = old.to_document()
        old_doc["review"] = {"year": 2026, "kind": "annual"}
        ws.save_household(old_doc, status="complete")
        reopened, status, _ = services.open_session(ws, old_doc["uuid"])
        assert reopened.form.version == "2025.1" and status == "complete"
        assert reopened.is_complete()
        assert services.save_form(ws, reopened, None) == "complete"
        report = services.validate_household(ws, old_doc["uuid"], lang="en")
        assert report["form"] == {"id": "vn-review-2022", "version": "2025.1"} and report["complete"]

        older = services.households_on_older_versions(ws)
        assert [(r["uuid"], r["form_version"], r["newest"]) for r in older] == [(old_doc["uuid"], "2025.1", "2026.2")]

        reopened.set_answer("floor_area", 0)
        assert services.save_form(ws, reopened, None) == "draft"
        assert services.validate_household(ws, old_doc["uuid"])["errors"][0]["question"] == "floor_area"
    finally:
        ws.close()


def test_a_household_from_elsewhere_opens_with_the_form_for_its_year():
    doc = {"form": {"id": "fieldsurvey-builtin", "version": "2026.1"}, "review": {"year": 2027, "kind": "annual"}}
    assert services.form_for_document(doc).form_id == "vn-review-2027"
    assert services.form_for_document({"review": {"year": 2024}}).form_id == "vn-review-2022"


def test_a_household_prints_with_the_labels_of_its_own_version():
    from fieldsurvey.formengine.session import fill

    new = fill(find_form("vn-review-2022", "2026.1"), answers("vn-review-2022"), today=TODAY, villages=VILLAGES)
    old_form = find_form("vn-review-2022", "2025.1")
    old = fill(old_form, answers("vn-review-2022", True, old_form), today=TODAY, villages=VILLAGES)
    printed_new = services.printable_household(new.to_document(), "en")
    printed_old = services.printable_household(old.to_document(), "vi")
    assert printed_old["form"]["version"] == "2025.1" and printed_new["form"]["version"] == "2026.1"
    members = next(s for s in printed_new["sections"] if s["section"] == "members")["members"]
    spouse = {a["name"]: a for a in members[1]["answers"]}
    assert spouse["sex"] == {"name": "sex", "label": "Sex", "value": "Female"}
    assert "ethnic_minority" not in {a["name"] for a in next(
        s for s in printed_old["sections"] if s["section"] == "target_groups")["answers"]}
    assert "ethnic_minority" in {a["name"] for a in next(
        s for s in printed_new["sections"] if s["section"] == "target_groups")["answers"]}
    ident = {a["name"]: a["value"] for a in printed_old["sections"][0]["answers"]}
    assert ident["province_code"] == "Tỉnh Tuyên Quang" and ident["village"] == "Thôn Nà Khà"
    info = next(s for s in printed_old["sections"] if s["section"] == "information")["answers"]
    assert info == [{"name": "info_devices", "label": "Hộ có những phương tiện nào?", "value": "Không có"}]


def test_versions_lists_forms_and_households_on_an_older_version(tmp_path):
    from fieldsurvey.formengine.session import fill

    path = tmp_path / "c.fsdb"
    ws = Workspace.create(path, INFO, VILLAGES)
    try:
        old_form = find_form("vn-review-2022", "2025.1")
        old = fill(old_form, answers("vn-review-2022", True, old_form), today=TODAY, villages=VILLAGES)
        doc = old.to_document()
        doc["review"] = {"year": 2026, "kind": "annual"}
        ws.save_household(doc, status="complete")
        new = fill(find_form("vn-review-2022"), answers("vn-review-2022"), today=TODAY, villages=VILLAGES)
        doc2 = new.to_document()
        doc2["review"] = {"year": 2026, "kind": "annual"}
        ws.save_household(doc2, status="complete")
    finally:
        ws.close()
    result = run("form", "versions", "--db", str(path))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["forms"]["vn-review-2022"] == ["2025.1", "2026.1", "2026.2"]
    assert out["forms"]["vn-review-2027"] == ["2027.1", "2027.2"]
    assert [(r["uuid"], r["form_version"], r["newest"], r["head_name"]) for r in out["older"]] == \
           [(doc["uuid"], "2025.1", "2026.2", "Hoàng Văn Páo")]


def test_import_writes_into_forms_by_id_and_version_by_default(tmp_path, monkeypatch):
    book = tmp_path / "review.xlsx"
    assert run("form", "export", "vn-review-2027", "--out", str(book)).exit_code == 0
    monkeypatch.chdir(tmp_path)
    result = run("form", "import", str(book), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output and "vn-review-2027 version 2027.2" in result.output
    assert load_form(tmp_path / "forms" / "vn-review-2027" / "2027.2").version == "2027.2"
