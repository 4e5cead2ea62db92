"""Money in đồng has no fraction. The forms 2026.2 and 2027.2 ask the amounts as decimals (for their size) and the
app's box takes whole numbers; every other path — `households add`, a hand-in, an answer set through the
questionnaire's session (`form fill`, the services) — refuses 1000.5, naming the question, and takes 1000 and
1000.0. The rule is the domain's, marked in data (resources/values/household-values.toml, `unit = "dong"`): the
released forms are not edited (docs/forms.md, "Money in đồng")."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from fieldsurvey.domain.plausible import findings, fraction_of_dong
from fieldsurvey.domain.ranges import load_ranges, ranges
from fieldsurvey.errors import DocumentError, StandardError
from fieldsurvey.formengine.loader import find_form
from fieldsurvey.formengine.session import ERROR, FormSession
from fieldsurvey.services import sync as sync_svc
from fieldsurvey.storage.workspace import Workspace
from tests.builders import household
from tests.sync import forge
from tests.values.conftest import doc, dump, run, write

MONEY = ("income_wages", "income_agriculture", "income_business", "income_other", "production_costs",
         "social_allowances")


def on_form(version: str, **answers) -> dict:
    d = doc(**answers)
    d["form"] = {"id": "vn-review-2022", "version": version}
    if version.startswith("2027"):   # the 2027–2030 variant: its own questions, review year and standard
        d = doc(**answers)
        d["household"].pop("info_devices", None)
        d["household"]["waste_handling"] = "collected"
        d["form"], d["review"]["year"], d["interview_date"] = {"id": "vn-review-2027", "version": version}, 2027, \
            "2027-10-01"
        for m in d["members"]:
            m.pop("internet_use", None)
            m["digital_services"] = "yes"
    return d


def test_the_ranges_mark_exactly_the_six_amounts_as_money_in_dong():
    assert sorted(n for n, r in ranges().household.items() if r.whole) == sorted(MONEY)
    assert not ranges().household["floor_area"].whole     # 10.5 m² is an area, not money


@pytest.mark.parametrize("name", MONEY)
@pytest.mark.parametrize("value", [1000.5, 0.5, 999.999, 1000.000001, 3_000_000_000.5, "1000,5", "1000.5"])
def test_households_add_refuses_a_fraction_of_a_dong_naming_the_question(workspace, tmp_path, name, value):
    before = dump(workspace)
    good = write(tmp_path, "good.json", on_form("2026.2"))
    bad = write(tmp_path, "bad.json", on_form("2026.2", **{name: value}))
    result = run("households", "add", workspace, good, bad, "--lang", "en")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"bad.json: is not a household document FieldSurvey can store: household.{name}: " in result.output
    assert "has a fraction of a đồng: money is counted in whole đồng" in result.output
    assert dump(workspace) == before   # neither stored


def test_the_refusal_says_the_whole_amounts_either_side_in_the_users_language(workspace, tmp_path):
    bad = write(tmp_path, "bad.json", on_form("2026.2", income_wages=12_000_000.5))
    vi = run("households", "add", workspace, bad, "--lang", "vi").output
    en = run("households", "add", workspace, bad, "--lang", "en").output
    assert ("household.income_wages: 12000000.5 đồng có phần lẻ dưới một đồng: số tiền phải là số đồng chẵn — "
            "hãy ghi 12.000.000 hoặc 12.000.001") in vi
    assert "household.income_wages: 12000000.5 VND has a fraction of a đồng" in en
    assert "enter 12,000,000 or 12,000,001" in en


@pytest.mark.parametrize("value", [1000, 1000.0, 0, 0.0, "1000", "1000,0", 3_000_000_000.0])
def test_a_whole_amount_is_taken_written_either_way(workspace, tmp_path, value):
    result = run("households", "add", workspace, write(tmp_path, "a.json", on_form("2026.2", income_other=value)))
    assert result.exit_code == 0, result.output
    with Workspace.open(workspace, read_only=True) as ws:
        (stored,) = [json.loads(r[0]) for r in ws.db.execute("SELECT document FROM households")]
    assert float(str(stored["household"]["income_other"]).replace(",", ".")) == \
        float(str(value).replace(",", "."))   # (kept as given, as every answer is)


def test_the_2027_form_refuses_it_too(tmp_path):
    from fieldsurvey.storage.workspace import WorkspaceInfo
    from tests.values.conftest import VILLAGES
    path = tmp_path / "2027.fsdb"
    ws = Workspace.create(path, WorkspaceInfo("08", "Tuyên Quang", "02266", "Xã Lâm Bình", "rural", 2027, "annual",
                                              "vn-2027-2030"), VILLAGES)
    ws.set_identity(device="dev-thu", user="thu")
    ws.close()
    d = on_form("2027.2", income_business=1000.5)
    before = dump(path)
    result = run("households", "add", path, write(tmp_path, "b.json", d), "--lang", "en")
    assert result.exit_code == 1, result.output
    assert "household.income_business: 1000.5 VND has a fraction of a đồng" in result.output
    assert dump(path) == before


def test_an_area_keeps_its_fraction(workspace, tmp_path):
    result = run("households", "add", workspace, write(tmp_path, "a.json", on_form("2026.2", floor_area=10.5)))
    assert result.exit_code == 0, result.output


# --- the questionnaire's session: the app, `form fill` --------------------------------------------------------------

@pytest.mark.parametrize("version", ["2026.2", "2027.2"])
def test_the_questionnaire_flags_a_fraction_of_a_dong_on_the_question_and_is_not_complete(version):
    form = find_form("vn-review-2027" if version.startswith("2027") else "vn-review-2022", version)
    session = FormSession(form, on_form(version), lang="en", today=date(2027, 12, 1))
    assert session.is_complete()
    session.set_answer("production_costs", 1000.5)
    state = session.state("production_costs")
    assert state.status == ERROR
    assert state.message == "An amount of money is a whole number of đồng: enter it without a fraction of a đồng"
    assert not session.is_complete()
    session.set_language("vi")
    assert session.state("production_costs").message == ("Số tiền phải là số đồng chẵn: hãy ghi số tiền không có "
                                                         "phần lẻ dưới một đồng")
    session.set_answer("production_costs", 1000.0)
    assert session.state("production_costs").status != ERROR
    assert session.is_complete()


def test_form_fill_on_the_command_line_says_it(tmp_path):
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"income_route": "direct", "income_wages": 1000.5}))
    result = run("form", "fill", "vn-review-2022@2026.2", answers, "--lang", "en")
    row = next(r for r in json.loads(result.output) if r["name"] == "income_wages")
    assert row["status"] == "constraint violated"
    assert "whole number of đồng" in row["message"]


# --- a hand-in ------------------------------------------------------------------------------------------------------

def test_a_hand_in_with_a_finished_household_holding_a_fraction_is_refused(supervisor, tmp_path):
    path, me, lan = supervisor
    rec = forge.record(status="complete")
    rec["document"]["household"]["income_agriculture"] = 2_500_000.25
    bundle = tmp_path / "x.fsbundle"
    bundle.write_bytes(forge.bundle(lan, [forge.record(), rec], me.public))
    before = dump(path)
    with Workspace.open(path) as ws:
        ws.backups = False
        report = sync_svc.import_one(ws, me, bundle)
    assert report.status == "refused"
    assert (f"households/{rec['uuid']}.json: household document: household.income_agriculture: 2500000.25 VND "
            "has a fraction of a đồng") in report.text("en")
    assert "household.income_agriculture: 2500000.25 đồng có phần lẻ" in report.text("vi")
    assert dump(path) == before


# --- the rule, at its boundary ----------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(whole=st.integers(min_value=0, max_value=10**12 - 1),
       fraction=st.floats(min_value=1e-3, max_value=1 - 1e-3))
def test_a_whole_amount_passes_and_any_fraction_of_one_is_refused(whole, fraction):
    assert not fraction_of_dong("income_wages", whole)
    assert not fraction_of_dong("income_wages", float(whole))
    value = whole + fraction
    if float(value).is_integer():   # (a float too coarse to hold the fraction: it is a whole number)
        return
    assert fraction_of_dong("income_wages", value)
    found = [f for f in findings(household(income_wages=value)) if f.field == "household.income_wages"]
    assert [(f.key, f.held) for f in found] == [("values.error.fraction_of_dong", False)]


def test_what_is_not_a_number_or_not_money_is_not_this_rules_to_say():
    assert not fraction_of_dong("income_wages", "lots")
    assert not fraction_of_dong("income_wages", None)
    assert not fraction_of_dong("floor_area", 10.5)
    assert not fraction_of_dong("b1_score_manual", 140.5)   # not money: the form's integer type says it


def test_a_ranges_file_naming_a_unit_it_does_not_know_is_refused(tmp_path):
    bad = tmp_path / "v.toml"
    bad.write_text('[household.income_wages]\nunit = "euro"\n', encoding="utf-8")
    with pytest.raises(StandardError) as refused:
        load_ranges(bad)
    assert refused.value.where.endswith("household.income_wages.unit")
    assert "'euro'" in refused.value.text("en") and "dong" in refused.value.text("en")
