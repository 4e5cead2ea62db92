"""The `fieldsurvey` command as a user runs it: assess, standards, demo, classify."""

from __future__ import annotations

import json
from collections import Counter
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.storage.workspace import Workspace

EXAMPLE = Path(__file__).parents[1] / "docs" / "examples" / "household-rural-poor.json"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_assess_the_documented_example_prints_class_reasons_and_standard():
    result = run("assess", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["class"] == "poor"
    assert out["standard"]["id"] == "vn-2022-2025"
    assert out["summary"]["vi"].startswith("Hộ nghèo: thu nhập bình quân 715.000 đ/người/tháng")
    reasons = {i["id"]: i["reason"]["vi"] for i in out["indicators"]}
    assert reasons["employment"] == "Ma Thị Lan (43 tuổi): làm công ăn lương không có hợp đồng lao động"
    assert len(out["indicators"]) == 12


def test_assess_reads_standard_input_and_one_language():
    result = run("assess", "-", "--lang", "en", input=EXAMPLE.read_text(encoding="utf-8"))
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out["class_label"] == "Poor"


def test_assess_with_a_year_and_an_explicit_standard():
    assert json.loads(run("assess", str(EXAMPLE), "--year", "2027").output)["standard"]["id"] == "vn-2027-2030"
    out = json.loads(run("assess", str(EXAMPLE), "--standard", "vn-2027-2030").output)
    assert out["provisional"] is True


@pytest.mark.parametrize("text, message", [
    ('{"review": {"year": 2026}, "members": [', "input.json: is not valid JSON: Expecting value at line 1"),
    ('{"review": {"year": 2026}, "review": {"year": 2027}}', "the key 'review' appears twice"),
    ('{"household": {}}', "review: is required"),
    ('{"review": {"year": "soon"}}', "review.year: must be a review year such as 2026"),
    ('{"review": {"year": 2026}, "members": [{"birth_date": "yesterday"}]}', None),
])
def test_assess_bad_input_names_the_problem_and_exits_non_zero(tmp_path, text, message):
    path = tmp_path / "input.json"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["assess", str(path)])
    if message is None:  # a birth date that cannot be read is an unknown age, not a crash
        assert result.exit_code == 0
        assert json.loads(result.output)["class"] == "incomplete"
        return
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_assess_unknown_standard_is_refused():
    result = CliRunner().invoke(main, ["assess", str(EXAMPLE), "--standard", "vn-1999"])
    assert result.exit_code != 0
    assert "unknown standard 'vn-1999'" in result.output


def test_standards_lists_ids_and_years():
    out = run("standards").output
    assert "vn-2022-2025   2022–2026" in out
    assert "vn-2027-2030   2027–2030" in out and "(provisional)" in out
    rows = json.loads(run("standards", "--json").output)
    assert [r["id"] for r in rows] == ["vn-2016-2020", "vn-2022-2025", "vn-2027-2030"]


def test_demo_builds_a_real_commune_deterministically(tmp_path):
    a, b = tmp_path / "a.fsdb", tmp_path / "b.fsdb"
    for path in (a, b):
        result = run("demo", str(path), "--households", "400", "--seed", "7", "--quiet", "--no-encryption")
        assert result.exit_code == 0, result.output
    with Workspace.open(a) as wa, Workspace.open(b) as wb:
        assert wa.info.commune_code == "02266" and wa.info.commune_name == "Xã Lâm Bình"
        assert wa.info.province_name == "Tỉnh Tuyên Quang"
        assert len(wa.villages()) >= 4
        docs_a = [json.loads(d) for _, d in wa.iter_documents()]
        docs_b = [json.loads(d) for _, d in wb.iter_documents()]
        assert docs_a == docs_b
        counts = wa.counts_by_class()
        # the demo lists every household of the commune, so each village's residents are its households, entered
        listed = Counter(d["location"]["village"] for d in docs_a)
        assert {v.name: v.residents for v in wa.village_rows()} == {v: listed[v] for v in wa.villages()}
        assert all(v.residents_date == "2026-09-01" and v.residents_source for v in wa.village_rows())
        # … and of them, those whose head is not Kinh: the ethnic-minority resident households
        heads = [next(m for m in d["members"] if m["relationship"] == "head") for d in docs_a]
        minority = Counter(d["location"]["village"] for d, h in zip(docs_a, heads) if h["ethnicity"] != "Kinh")
        assert {v.name: v.residents_minority for v in wa.village_rows()} == {v: minority[v] for v in wa.villages()}
        assert 0 < sum(minority.values()) < 400
        assert {(c.field, c.reason) for c in wa.village_changes()} == {
            (f, "demo") for f in ("residents", "residents_minority", "residents_date", "residents_source")}
    assert sum(counts.values()) == 400
    # roughly 4 % poor and 4 % near-poor, and a few incomplete drafts
    assert 6 <= counts.get("poor", 0) <= 30
    assert 6 <= counts.get("near_poor", 0) <= 30
    assert 1 <= counts.get("incomplete", 0) <= 30
    sizes = [len(d["members"]) for d in docs_a]
    assert 3.0 <= sum(sizes) / len(sizes) <= 4.5 and max(sizes) >= 7


def test_demo_refuses_an_unknown_commune_and_an_existing_file(tmp_path):
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "x.fsdb"), "--commune", "99999", "--no-encryption"])
    assert result.exit_code != 0 and "no commune with code '99999'" in result.output
    (tmp_path / "y.fsdb").write_text("")
    result = CliRunner().invoke(main, ["demo", str(tmp_path / "y.fsdb")])
    assert result.exit_code != 0 and "already exists" in result.output


def test_classify_reclassifies_every_household_with_another_standard(tmp_path):
    path = tmp_path / "w.fsdb"
    run("demo", str(path), "--households", "300", "--quiet", "--no-encryption")
    with Workspace.open(path) as ws:
        before = ws.counts_by_class()
    result = run("classify", str(path), "--standard", "vn-2027-2030", "--quiet")
    assert result.exit_code == 0
    with Workspace.open(path) as ws:
        after = ws.counts_by_class()
        standards = {r[0] for r in ws.db.execute("SELECT DISTINCT standard_id FROM households")}
    assert standards == {"vn-2027-2030"}
    assert sum(after.values()) == sum(before.values()) == 300
    # higher lines in 2027–2030: at least as many poor and near-poor households
    assert after.get("poor", 0) + after.get("near_poor", 0) >= before.get("poor", 0) + before.get("near_poor", 0)


def test_installed_command_runs_as_a_program():
    out = subprocess.run([sys.executable, "-m", "fieldsurvey", "--help"], capture_output=True, text=True, check=True)
    for command in ("assess", "classify", "demo", "standards"):
        assert command in out.stdout


def test_refusals_are_said_in_the_users_language(tmp_path):
    """A refusal is said in the language asked for: the command's --lang, else FIELDSURVEY_LANG, else a Vietnamese
    locale; otherwise English. Always what is wrong and where."""
    missing = str(tmp_path / "nowhere.fsdb")
    runner = CliRunner()
    english = runner.invoke(main, ["check", missing], env={"FIELDSURVEY_LANG": "", "LC_ALL": "", "LANG": "C.UTF-8"})
    assert english.exit_code == 1 and f"{missing}: no such file" in english.output
    for env in ({"FIELDSURVEY_LANG": "vi"}, {"FIELDSURVEY_LANG": "", "LC_ALL": "", "LANG": "vi_VN.UTF-8"}):
        said = runner.invoke(main, ["check", missing], env=env)
        assert said.exit_code == 1 and f"{missing}: Không tìm thấy tệp này" in said.output, env
    # a command's own --lang wins (tests/reports/test_cli_printing.py: the official report refused in Vietnamese)


def test_demo_and_classify_print_the_dashboards_working_figures_not_every_household_by_its_class(tmp_path):
    """The command line says the commune's figures with the dashboard's numbers (finished households in their
    class; drafts and returned ones left out and counted apart) — never the current class of every household,
    drafts included, under the same words."""
    import re
    from fieldsurvey.progress import run_to_end
    from fieldsurvey.services.figures import dashboard

    path = tmp_path / "w.fsdb"
    built = run("demo", str(path), "--households", "300", "--quiet", "--no-encryption")
    again = run("classify", str(path), "--quiet")
    assert built.exit_code == 0 and again.exit_code == 0
    with Workspace.open(path) as ws:
        shown = run_to_end(dashboard(ws)).figures.commune
        finished = dict(ws.db.execute(
            "SELECT class, COUNT(*) FROM households WHERE status NOT IN ('draft', 'returned', 'moved_away', "
            "'merged') GROUP BY class").fetchall())
        drafts = ws.db.execute("SELECT COUNT(*) FROM households WHERE status IN ('draft', 'returned')").fetchone()[0]
        every = dict(ws.db.execute("SELECT class, COUNT(*) FROM households GROUP BY class").fetchall())
    assert drafts > 0 and every != finished   # the demo has drafts: the two counts differ
    for output in (built.output, again.output):
        line = output.strip().splitlines()[-1]
        printed = {k: int(v) for k, v in re.findall(r"\b(poor|near_poor|average|not_poor|incomplete) (\d+)", line)}
        # finished but not classifiable ("incomplete") is left out of the classes, said apart when there are any
        assert printed == {k: v for k, v in finished.items() if k != "incomplete"}
        if finished.get("incomplete"):
            assert f"{finished['incomplete']} not classifiable yet" in line
        assert printed == {c.value: n for c, n in shown.classes.items() if n}
        assert f"{sum(printed.values())} finished households counted" in line
        assert f"left out: {drafts} being filled or returned" in line


def test_the_history_shows_answers_not_the_values_the_form_calculates_from_them(tmp_path):
    """A member no longer able to work flips the form's calculated `no_working_capacity` (no label, a yes/no as
    stored): the History — the app's and `fieldsurvey history` — shows the answers in words, never that raw name or
    value; the audit log keeps it all the same."""
    from fieldsurvey.formengine.session import FormSession
    from fieldsurvey.services import forms
    from fieldsurvey.services.households import history, in_words

    path = tmp_path / "w.fsdb"
    assert run("demo", str(path), "--households", "20", "--quiet", "--no-encryption").exit_code == 0
    with Workspace.open(path) as ws:
        ws.backups = False
        uuid = ws.db.execute("SELECT uuid FROM households WHERE status = 'complete' LIMIT 1").fetchone()[0]
        session = FormSession(forms.form_for_document(ws.get_household(uuid)), ws.get_household(uuid), lang="vi")
        forms.save_form(ws, session, None)
        able = [i for i, m in enumerate(session.members()) if m.get("able_to_work") == "yes"]
        assert able
        for i in able:
            session.set_answer("able_to_work", "no", member=i)
        forms.save_form(ws, session, None)
        assert ws.get_household(uuid)["household"]["no_working_capacity"] == "yes"
        logged = [r[0] for r in ws.db.execute("SELECT field FROM audit WHERE uuid = ?", [uuid])]
        shown = [in_words(c, {}, "vi") for c in history(ws, uuid, "vi")]
    assert "household.no_working_capacity" in logged or "no_working_capacity" in logged
    assert not any("no_working_capacity" in c.field for c in shown)
    assert sum("Còn khả năng lao động?" in c.field and c.old == "Có" and c.new == "Không" for c in shown) == len(able)
    out = run("history", str(path), uuid)
    assert out.exit_code == 0 and "no_working_capacity" not in out.output and "Còn khả năng lao động?" in out.output
