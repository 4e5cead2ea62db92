"""The questionnaires in forms/: each loads, fills end to end into the classification engine, and catches the
mistakes enumerators make."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest

from fieldsurvey.formengine.loader import find_form, form_versions, load_form, shipped_forms
from fieldsurvey.formengine.session import FormSession, fill
from fieldsurvey.services.assessment import assess_document

ROOT = Path(__file__).parents[2]
TODAY = date(2026, 11, 20)
FORMS = shipped_forms()
VILLAGES = ["Thôn Nà Khà", "Thôn Bản Bó"]


def answers(form_id: str, poor: bool = True, form=None) -> dict:
    """A whole household, answered the way an enumerator would for this form (only what `form` asks, if given)."""
    ans = _answers(form_id, poor)
    if form is not None:
        ans = {k: v for k, v in ans.items() if k in form.by_name}
    return ans


def _answers(form_id: str, poor: bool) -> dict:
    v2027 = form_id == "vn-review-2027"
    members = [
        {"name": "Hoàng Văn Páo", "sex": "male", "birth_year": 1979, "relationship": "head", "ethnicity": "Tày",
         "id_number": "008079001234", "health_insurance": "yes", "education": "primary", "attending_school": "no",
         "employment": "self_employed", "able_to_work": "yes"},
        {"name": "Ma Thị Lan", "sex": "female", "birth_date": "1983-05-20", "relationship": "spouse",
         "health_insurance": "yes" if not poor else "no", "education": "lower_secondary", "attending_school": "no",
         "employment": "wage_no_contract" if poor else "wage_contract", "able_to_work": "yes"},
        {"name": "Hoàng Thị Mai", "sex": "female", "birth_date": "2021-11-30", "relationship": "child",
         "health_insurance": "yes", "attending_school": "yes", "school_level": "preschool",
         "stunted_or_underweight": "yes" if poor else "no"},
    ]
    for m in members:
        m["digital_services" if v2027 else "internet_use"] = "no" if poor else "yes"
    ans = {
        "province_code": "08", "commune_code": "02266", "village": "Thôn Nà Khà", "head_name": "Hoàng Văn Páo",
        "address": "Thôn Nà Khà", "phone": "0912345678", "livelihood_agriculture": "yes",
        "members": members,
        "income_route": "direct", "income_wages": 12_000_000 if poor else 150_000_000,
        "income_agriculture": 20_000_000, "income_business": 0, "income_other": 2_400_000,
        "production_costs": 9_500_000, "social_allowances": 4_320_000,
        "has_house": "yes", "wall_material": "bamboo_thatch" if poor else "concrete_brick",
        "column_material": "steel", "roof_material": "thatch_leaves" if poor else "tile", "floor_area": 36,
        "water_source": "unprotected_spring" if poor else "piped", "latrine": "pit_no_slab" if poor else "septic",
        "merit_revolution": "no", "ethnic_minority": "yes", "poverty_causes": ["lack_of_land"],
        "enumerator": "Nguyễn Thị Hoa", "interview_date": "2026-10-12",
    }
    if v2027:
        ans["waste_handling"] = "open_dumping" if poor else "collected"
    else:
        ans["info_devices"] = ["none"] if poor else ["tv", "phone"]
    return ans


@pytest.mark.parametrize("folder", FORMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_form_loads_with_both_languages(folder):
    form = load_form(folder)
    assert form.default_language == "vi"
    assert {"vi", "en"} <= set(form.languages)
    for item in form.questions():
        if item.type not in ("calculate",) and not item.name.startswith("_"):
            assert item.labels.get("vi") and item.labels.get("en"), item.name


@pytest.mark.parametrize("folder", FORMS, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("poor", [True, False])
def test_every_form_fills_end_to_end_into_the_classification_engine(folder, poor):
    form = load_form(folder)
    session = fill(form, answers(form.form_id, poor, form), today=TODAY, villages=VILLAGES)
    assert session.errors() == []
    assert session.warnings() == []
    assert session.is_complete()
    doc = session.to_document()
    assert doc["form"] == {"id": form.form_id, "version": form.version}
    assert doc["location"] == {"province_code": "08", "commune_code": "02266", "commune_name": "Xã Lâm Bình",
                               "village": "Thôn Nà Khà", "area": "rural"}
    assert doc["interview_date"] == "2026-10-12"
    assert not any(k.startswith("_") for k in doc["household"])
    assert not any(k.startswith("_") for m in doc["members"] for k in m)
    doc["review"] = {"year": 2027 if form.form_id == "vn-review-2027" else 2026, "kind": "annual"}
    result = assess_document(doc)
    assert result.missing == () or list(result.missing) == []
    assert result.household_class.value == ("poor" if poor else "not_poor")


def test_the_documented_example_opens_with_its_form_and_classifies_the_same():
    doc = json.loads((ROOT / "docs/examples/household-rural-poor.json").read_text(encoding="utf-8"))
    form = find_form(doc["form"]["id"], doc["form"]["version"])
    session = FormSession(form, doc, villages=["Thôn Nà Khà"], today=TODAY)
    out = session.to_document()
    assert out["uuid"] == doc["uuid"]
    assert out["household"]["wall_durable"] == "no"  # answered directly: no material given
    assert assess_document(out).household_class == assess_document(doc).household_class


def test_versions_are_listed_and_an_older_version_is_found():
    versions = form_versions()
    assert versions["vn-review-2022"] == ["2025.1", "2026.1", "2026.2"]
    assert versions["vn-review-2027"] == ["2027.1", "2027.2"]
    assert find_form("vn-review-2022").version == "2026.2" and find_form("vn-review-2027").version == "2027.2"
    old = find_form("vn-review-2022", "2025.1")
    assert old.version == "2025.1" and "ethnic_minority" not in old.by_name
    with pytest.raises(Exception, match="version '1999.9' is not installed"):
        find_form("vn-review-2022", "1999.9")


@pytest.fixture
def official():
    form = find_form("vn-review-2022", "2026.1")
    return fill(form, answers(form.form_id, True, form), today=TODAY, villages=VILLAGES)


def test_birth_after_the_interview_is_an_error(official):
    official.set_answer("birth_date", "2026-12-01", 2)
    st = official.state("birth_date", 2)
    assert st.status == "error" and st.message == "Ngày sinh sau ngày phỏng vấn"
    official.set_language("en")
    assert official.state("birth_date", 2).message == "Born after the interview date"
    assert not official.is_complete()
    official.set_answer("birth_date", None, 2)
    official.set_answer("birth_year", 2027, 2)
    assert official.state("birth_year", 2).status == "error"


def test_no_head_or_two_heads(official):
    official.set_answer("relationship", "head", 1)
    assert [official.state("relationship", i).status for i in range(3)] == ["error", "error", "ok"]
    official.set_answer("relationship", "spouse", 0)
    assert [official.state("relationship", i).status for i in range(3)] == ["ok", "ok", "ok"]
    official.set_answer("relationship", "spouse", 1)  # nobody is the head now
    assert official.state("relationship", 0).status == "error"
    assert "đúng một chủ hộ" in official.state("relationship", 0).message
    official.move_member(0, 2)
    assert official.state("relationship", 0).status == "error"  # the first member carries the message
    assert official.state("relationship", 2).status == "ok"


def test_floor_area_zero_and_a_child_with_a_degree(official):
    official.set_answer("floor_area", 0)
    assert official.state("floor_area").status == "error"
    official.set_answer("floor_area", "42,5")
    assert official.value("floor_area") == 42.5 and official.state("floor_area").status == "ok"
    official.set_answer("birth_date", "2019-01-01", 2)  # 7 years old at the interview
    official.set_answer("attending_school", "yes", 2)
    official.set_answer("school_level", "primary", 2)
    official.set_answer("education", "university", 2)
    assert official.state("education", 2).status == "error"
    official.set_answer("education", "none", 2)
    assert official.state("education", 2).status == "ok"


def test_income_off_by_a_thousand_is_a_warning_that_can_be_confirmed(official):
    official.set_answer("income_agriculture", 20_000)  # thousands of đồng typed as đồng
    st = official.state("income_agriculture")
    assert st.status == "warning" and "nghìn đồng" in st.message
    assert official.errors() == [] and not official.is_complete()
    official.confirm("income_agriculture")
    assert official.state("income_agriculture").confirmed and official.is_complete()
    doc = official.to_document()
    assert doc["confirmed_warnings"] == ["household.income_agriculture"]
    reopened = FormSession(official.form, doc, today=TODAY, villages=VILLAGES)
    assert reopened.is_complete()
    reopened.set_answer("income_agriculture", 30_000)  # a new answer needs a new confirmation
    assert not reopened.is_complete()


def test_irrelevant_answers_are_hidden_and_do_not_count(official):
    official.set_answer("income_route", "b1_manual")
    assert not official.state("income_wages").relevant
    assert official.value("income_wages") is None
    assert official.state("b1_score_manual").status == "required"
    doc = official.to_document()
    assert "income_wages" not in doc["household"]
    official.set_answer("income_route", "direct")  # the answer comes back with its question
    assert official.value("income_wages") == 12_000_000
    official.set_answer("has_house", "no")
    assert "floor_area" not in official.to_document()["household"]


def test_calculations_update_live(official):
    assert official.value("_income_pp_month") == round((12_000_000 + 20_000_000 + 2_400_000 - 9_500_000) / 3 / 12)
    changed = official.set_answer("income_other", 3_600_000)
    assert ("_income_pp_month", None) in changed
    assert official.value("_income_pp_month") == round((12_000_000 + 20_000_000 + 3_600_000 - 9_500_000) / 3 / 12)
    assert "25.000.000" not in official.label("income_note")
    # the amount as people read it, with the language's thousands separator (725.000), never 725000
    assert f"{official.value('_income_pp_month'):,}".replace(",", ".") in official.label("income_note")
    assert str(official.value("_income_pp_month")) not in official.label("income_note")
    official.set_answer("wall_material", "concrete_brick")
    assert official.value("wall_durable") == "yes" and official.state("wall_durable").read_only
    official.add_member()
    assert official.value("_n") == 4
    official.remove_member(3)
    assert official.value("_n") == 3


def test_required_blocks_complete_but_not_a_draft():
    form = find_form("vn-review-2022")
    session = FormSession(form, {"review": {"year": 2026, "kind": "annual"}}, today=TODAY, villages=VILLAGES)
    assert not session.is_complete()
    assert ("identification", None, "head_name") in session.errors()
    doc = session.to_document()  # a draft can always be written
    assert doc["interview_date"] == TODAY.isoformat()  # its default
    assert session.state("head_name").status == "required"


def test_choice_filter_offers_the_communes_of_the_province(official):
    communes = official.options("commune_code")
    assert communes and ("02266", "Xã Lâm Bình") in communes
    from fieldsurvey.domain import refdata

    assert {code for code, _ in communes} == {c.code for c in refdata.provinces()
                                             if c.code == "08" for c in c.communes}
    official.set_answer("province_code", "01")
    assert ("00004", "Phường Ba Đình") in official.options("commune_code")
    official.set_answer("commune_code", "00004")
    assert official.value("area") == "urban"


@pytest.mark.parametrize("seed", range(6))
def test_recomputing_only_what_a_change_touches_gives_the_full_result(seed):
    """Random answers one by one: the incremental states equal a fresh, full recomputation after each."""
    rnd = random.Random(seed)
    form = find_form("vn-review-2022")
    session = fill(form, answers(form.form_id, True, form), today=TODAY, villages=VILLAGES)
    inputs = [i for i in form.questions() if i.is_input]
    for step in range(60):
        item = rnd.choice(inputs)
        member = rnd.randrange(len(session.members())) if item.repeat is not None else None
        if item.list_name:
            opts = [c.name for c in session.choice_list(item.list_name)] or ["x"]
            value = rnd.choice(opts + [""]) if item.type == "select_one" else rnd.sample(opts, rnd.randint(0, 2))
        elif item.type in ("integer", "decimal"):
            value = rnd.choice([0, 5, 1990, 2030, 40_000, 50_000_000, "", "abc"])
        elif item.type == "date":
            value = rnd.choice(["2010-05-05", "2027-01-01", "", "not a date"])
        else:
            value = rnd.choice(["Nguyễn", "", "0912345678"])
        session.set_answer(item.name, value, member)
        incremental = {k: v.key() for k, v in session._states.items()}
        session.recompute()
        assert {k: v.key() for k, v in session._states.items()} == incremental, (step, item.name, value)


def test_a_commune_outside_the_chosen_province_is_not_a_valid_answer(official):
    assert official.state("commune_code").status == "ok"
    official.set_answer("province_code", "01")  # Hà Nội: Lâm Bình is not one of its communes
    assert official.state("commune_code").status == "error"
    official.set_language("en")
    assert official.state("commune_code").message == "This value is not in the list of choices"
    official.set_answer("province_code", "08")
    assert official.state("commune_code").status == "ok"


def test_without_a_village_list_any_village_is_accepted():
    form = find_form("vn-review-2022")
    session = fill(form, answers(form.form_id, True, form), today=TODAY)  # no workspace: no village list
    assert session.state("village").status == "ok"
    with_list = fill(form, {**answers(form.form_id, True, form), "village": "Thôn Khác"}, today=TODAY, villages=VILLAGES)
    assert with_list.state("village").status == "error"


def test_a_member_warning_is_confirmed_by_member_id_and_forgotten_with_the_member(official):
    official.set_answer("birth_date", "2011-01-01", 2)  # 15 at the interview
    official.set_answer("attending_school", "no", 2)
    official.set_answer("education", "upper_secondary", 2)
    official.set_answer("employment", "student", 2)
    official.set_answer("able_to_work", "yes", 2)
    assert official.state("education", 2).status == "warning"
    official.confirm("education", 2)
    assert official.to_document()["confirmed_warnings"] == ["members.m3.education"]
    official.remove_member(2)
    assert "confirmed_warnings" not in official.to_document()


# --- the forms speak the household document ----------------------------------------------------------------------

RULE_INPUTS = {  # answers the rules of fieldsurvey/domain read by name (besides those named in the standards' params)
    "household": {"livelihood_agriculture", "income_route", "b1_score_manual", "has_house", "floor_area"},
    "members": {"sex", "birth_date", "birth_year", "relationship", "employment", "education", "attending_school",
                "school_level", "vocational_certificate", "onjob_training_certified", "able_to_work",
                "disability", "monthly_social_allowance", "name"},
}
FORM_EXTRAS = {  # keys the forms add beyond docs/household-document.md (documented in docs/forms.md)
    "wall_material", "column_material", "roof_material", "ethnic_minority", "no_working_capacity", "enumerator",
}


def _documented_keys() -> set[str]:
    import re

    text = (ROOT / "docs" / "household-document.md").read_text(encoding="utf-8")
    return set(re.findall(r"`([a-z][a-z0-9_]*)`", text))


def _standard_inputs(standard_id: str) -> tuple[set[str], set[str]]:
    """(household answers, member answers) the standard's rules name in their parameters."""
    from fieldsurvey.services.assessment import registry

    std = registry().get(standard_id)
    household, members = set(RULE_INPUTS["household"]), set(RULE_INPUTS["members"])
    for ind in std.indicators:
        p = dict(ind.params)
        if "answer" in p:
            (members if ind.rule in ("member_flag", "no_member") else household).add(p["answer"])
        household |= set(p.get("parts", ()))
    return household, members


@pytest.mark.parametrize("folder", FORMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_stored_name_is_a_document_key(folder):
    form = load_form(folder)
    known = _documented_keys() | FORM_EXTRAS
    stored = {i.name for i in form.questions() if i.type != "note" and not i.name.startswith("_")}
    assert stored - known == set()


@pytest.mark.parametrize("folder", FORMS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_answer_the_standard_reads_is_asked(folder):
    form = load_form(folder)
    standard = "vn-2027-2030" if form.form_id == "vn-review-2027" else "vn-2022-2025"
    household, members = _standard_inputs(standard)
    from fieldsurvey.services.assessment import registry

    std = registry().get(standard)
    sources = set(std.income_sources) | set(std.income_costs) | set(std.income_excluded)
    asked_household = {i.name for i in form.questions() if i.repeat is None}
    asked_members = {i.name for i in form.questions() if i.repeat is not None and i.repeat.name == "members"}
    assert sources and (household | sources) - asked_household == set()
    assert members - asked_members == set()


def test_location_follows_the_commune_and_an_old_code_keeps_its_recorded_name(official):
    official.set_answer("commune_code", None)
    loc = official.to_document()["location"]
    assert "commune_code" not in loc and "commune_name" not in loc and "area" not in loc
    doc = json.loads((ROOT / "docs/examples/household-rural-poor.json").read_text(encoding="utf-8"))
    doc["location"].update(commune_code="99999", commune_name="Xã Cũ (đã sáp nhập)")  # not in today's list
    session = FormSession(official.form, doc, today=TODAY, villages=["Thôn Nà Khà"])
    assert session.state("commune_code").status == "error"  # flagged for the enumerator…
    loc = session.to_document()["location"]
    assert loc["commune_name"] == "Xã Cũ (đã sáp nhập)" and loc["area"] == "rural"  # …but nothing is lost
