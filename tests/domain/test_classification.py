"""The class of a household: income against the line (three routes), deprivations, incomplete, and the standard
picked by review year."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.income import IncomePosition, IncomeRoute, load_point_table
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.domain.standards import default_registry
from fieldsurvey.paths import resource
from tests.builders import adult, child, household

REG = default_registry()
S2022 = REG.get("vn-2022-2025")
POOR, NEAR, AVG, NOT, INC = (HouseholdClass.POOR, HouseholdClass.NEAR_POOR, HouseholdClass.AVERAGE,
                             HouseholdClass.NOT_POOR, HouseholdClass.INCOMPLETE)
THREE = {"water_source": "surface_water", "latrine": "none", "info_devices": []}  # three deprivations
TWO = {"water_source": "surface_water", "latrine": "none"}


def classify(hh, standard=S2022, table=None):
    return classify_household(hh, standard, table)


# --- the income line, exactly on it and one đồng above, rural and urban -----------------------------------------------

@pytest.mark.parametrize("area, line", [("rural", 1_500_000), ("urban", 2_000_000)])
@pytest.mark.parametrize("deprived, on_line_class", [(THREE, POOR), (TWO, NEAR)])
def test_income_exactly_on_the_line_counts_as_at_or_below(area, line, deprived, on_line_class):
    assert classify(household(area=area, per_person=line, **deprived)).household_class is on_line_class
    above = classify(household(area=area, per_person=line + 1, livelihood_agriculture="no", **deprived))
    assert above.household_class is NOT


@pytest.mark.parametrize("area, band", [("rural", 2_250_000), ("urban", 3_000_000)])
def test_average_band_is_for_farming_households_up_to_its_top(area, band):
    assert classify(household(area=area, per_person=band, livelihood_agriculture="yes")).household_class is AVG
    assert classify(household(area=area, per_person=band + 1, livelihood_agriculture="yes")).household_class is NOT
    assert classify(household(area=area, per_person=band, livelihood_agriculture="no")).household_class is NOT


def test_above_the_line_a_household_is_never_poor_whatever_it_lacks():
    hh = household(per_person=1_600_000, livelihood_agriculture="no", has_house="no", **THREE)
    result = classify(hh)
    assert result.deprivation_count >= 5
    assert result.household_class is NOT


def test_direct_income_subtracts_costs_and_excludes_allowances():
    # 4 members: (30 M + 50 M − 20 M) ÷ 4 ÷ 12 = 1,250,000; the 12 M allowance is not income
    members = [adult(40, relationship="head"), adult(38, "female"), child(5), child(9)]
    hh = household(members, per_person=None, income_route="direct", income_wages=30_000_000,
                   income_agriculture=50_000_000, income_business=0, income_other=0, production_costs=20_000_000,
                   social_allowances=12_000_000)
    result = classify(hh)
    assert result.income.per_person_month == 1_250_000
    assert result.income.position is IncomePosition.AT_OR_BELOW_LINE
    assert result.household_class is NEAR


def test_poor_result_explains_itself_in_both_languages():
    result = classify(household(per_person=1_000_000, **THREE))
    assert result.household_class is POOR
    assert result.b2_score == 30
    assert result.summary.text("vi") == ("Hộ nghèo: thu nhập bình quân 1.000.000 đ/người/tháng ≤ chuẩn nghèo "
                                         "1.500.000 đ; thiếu hụt 3/12 chỉ số (≥ 3).")
    assert result.summary.text("en").startswith("Poor: income 1,000,000 VND per person per month")
    assert result.standard_id == "vn-2022-2025"


# --- incomplete: only when a missing answer decides -------------------------------------------------------------------

def test_missing_income_is_incomplete_never_not_poor():
    result = classify(household(per_person=None))
    assert result.household_class is INC
    assert result.missing == ("household.income_route",)


def test_missing_income_source_is_listed():
    hh = household(per_person=1_000_000, income_business=None)
    result = classify(hh)
    assert result.household_class is INC
    assert "household.income_business" in result.missing


def test_unknown_indicators_that_could_decide_make_it_incomplete():
    hh = household(per_person=1_000_000, water_source="surface_water", latrine="none", info_devices=None)
    result = classify(hh)
    assert result.household_class is INC
    assert result.missing == ("household.info_devices",)
    assert result.summary.text("en").startswith("Not yet classified")


def test_unknown_indicators_that_cannot_decide_do_not_block():
    # three deprivations already: poor whatever the unknown one is
    result = classify(household(per_person=1_000_000, floor_area=None, **THREE))
    assert result.household_class is POOR
    # none deprived and only one unknown: fewer than three either way → near-poor
    result = classify(household(per_person=1_000_000, floor_area=None))
    assert result.household_class is NEAR


def test_missing_area_is_incomplete():
    doc_hh = household(per_person=1_000_000)
    from dataclasses import replace

    result = classify(replace(doc_hh, area=None))
    assert result.household_class is INC
    assert result.missing == ("location.area",)


def test_farming_unknown_above_the_line_is_incomplete():
    result = classify(household(per_person=2_000_000, livelihood_agriculture=None))
    assert result.household_class is INC
    assert result.missing == ("household.livelihood_agriculture",)


# --- B1 routes -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("area, threshold", [("rural", 140), ("urban", 175)])
def test_b1_by_hand_at_and_above_the_threshold(area, threshold):
    on = classify(household(area=area, per_person=None, income_route="b1_manual", b1_score_manual=threshold,
                            **THREE))
    assert on.household_class is POOR
    assert on.income.route is IncomeRoute.B1_MANUAL and on.income.manual
    assert on.summary.text("en").startswith(f"Poor: B1 score {threshold} ≤ {threshold}")
    above = classify(household(area=area, per_person=None, income_route="b1_manual",
                               b1_score_manual=threshold + 1, livelihood_agriculture="no", **THREE))
    assert above.household_class is NOT


def test_b1_above_the_line_for_a_farming_household_needs_measured_income():
    hh = household(per_person=None, income_route="b1_manual", b1_score_manual=200, livelihood_agriculture="yes")
    result = classify(hh)
    assert result.household_class is INC
    assert "household.income_wages" in result.missing
    measured = household(per_person=2_000_000, income_route="b1_manual", b1_score_manual=200,
                         livelihood_agriculture="yes")
    assert classify(measured).household_class is AVG


TABLE = load_point_table(resource("pointtables", "synthetic-test.toml"))


def test_point_table_is_marked_synthetic_and_scores_a_household():
    assert TABLE.synthetic
    # rural: base 60 + 2 members → 40 + 20 m²/person → 20 + piped 15 + septic 15 + tv 5 = 155 > 140
    result = classify(household(per_person=None, income_route="b1_table"), table=TABLE)
    assert result.income.b1_score == 155
    assert result.income.point_table == "synthetic-test" and result.income.point_table_synthetic
    assert result.household_class is NOT
    # surface water 0, no latrine 0, no devices 0: 60 + 40 + 20 = 120 ≤ 140, and three deprivations
    poor = classify(household(per_person=None, income_route="b1_table", **THREE), table=TABLE)
    assert poor.income.b1_score == 120
    assert poor.household_class is POOR


def test_point_table_route_without_a_table_is_incomplete_not_invented():
    result = classify(household(per_person=None, income_route="b1_table"))
    assert result.household_class is INC
    assert result.missing == ("B1 point table (supplied by the province)",)


def test_point_table_with_a_missing_answer_is_incomplete():
    result = classify(household(per_person=None, income_route="b1_table", latrine=None), table=TABLE)
    assert result.household_class is INC
    assert "household.latrine" in result.missing


# --- the standard picked by review year ----------------------------------------------------------------------------

@pytest.mark.parametrize("year, standard_id", [(2016, "vn-2016-2020"), (2021, "vn-2016-2020"),
                                               (2022, "vn-2022-2025"), (2026, "vn-2022-2025"),
                                               (2027, "vn-2027-2030"), (2030, "vn-2027-2030")])
def test_review_year_picks_the_standard(year, standard_id):
    assert REG.for_year(year).id == standard_id


def test_same_income_is_average_in_2026_and_near_poor_in_2027():
    in_2026 = classify(household(year=2026, per_person=2_100_000, livelihood_agriculture="yes"),
                       REG.for_year(2026))
    in_2027 = classify(household(year=2027, per_person=2_100_000, livelihood_agriculture="yes"),
                       REG.for_year(2027))
    assert in_2026.household_class is AVG
    assert in_2027.household_class is NEAR
    assert in_2027.income.line == 2_200_000
    assert in_2027.provisional and not in_2026.provisional


def test_2027_standard_drops_information_devices_and_adds_waste_and_digital():
    s = REG.get("vn-2027-2030")
    ids = [i.id for i in s.indicators]
    assert len(ids) == 12
    assert "information_devices" not in ids and "telecom" not in ids
    assert ids[10:] == ["waste_handling", "digital_services"]
    assert all(i.provisional for i in s.indicators if i.id in ("waste_handling", "digital_services"))
    assert s.lines["urban"].poverty_line == 2_800_000


def test_2027_deprivations_use_the_new_indicators():
    hh = household(year=2027, per_person=1_000_000, water_source="surface_water", latrine="none",
                   waste_handling="open_dumping")
    result = classify(hh, REG.get("vn-2027-2030"))
    assert result.household_class is POOR
    assert "waste_handling" in result.deprived_ids


@pytest.mark.parametrize("per_person, deprived, expected", [
    (700_000, {}, POOR),             # at or below the lower line: poor whatever it lacks
    (800_000, THREE, POOR),
    (800_000, TWO, NEAR),
    (1_000_000, TWO, NEAR),
    (1_000_001, THREE, NOT),
])
def test_old_2016_two_band_rule_for_imported_records(per_person, deprived, expected):
    members = [adult(40, relationship="head", ill_without_care="no"), adult(38, "female", ill_without_care="no")]
    hh = household(members, year=2018, per_person=per_person, **deprived)
    assert classify(hh, REG.get("vn-2016-2020")).household_class is expected


# --- low-income workers (Decree 30/2025) -----------------------------------------------------------------------------

def test_low_income_workers_are_working_members_of_a_not_poor_household_under_the_band():
    members = [adult(40, relationship="head", name="Trần Văn Nam"), adult(38, "female", employment="homemaker"),
               child(10)]
    result = classify(household(members, per_person=2_250_000, livelihood_agriculture="no"))
    assert result.household_class is NOT
    assert [w.name for w in result.low_income_workers] == ["Trần Văn Nam"]
    richer = classify(household(members, per_person=2_250_001, livelihood_agriculture="no"))
    assert richer.low_income_workers == ()
    poor = classify(household(members, per_person=1_000_000, **THREE))
    assert poor.low_income_workers == ()


# --- properties -------------------------------------------------------------------------------------------------------

DEPRIVERS = {
    "water": {"water_source": "surface_water"},
    "latrine": {"latrine": "none"},
    "info": {"info_devices": []},
    "quality": {"wall_durable": "no", "roof_durable": "no"},
    "area": {"floor_area": 1},
}


@settings(max_examples=150, deadline=None)
@given(per_person=st.integers(0, 5_000_000), more=st.integers(1, 3_000_000),
       which=st.sets(st.sampled_from(sorted(DEPRIVERS))), area=st.sampled_from(["rural", "urban"]),
       farming=st.sampled_from(["yes", "no"]))
def test_more_income_never_makes_a_household_poorer(per_person, more, which, area, farming):
    answers = {k: v for name in which for k, v in DEPRIVERS[name].items()}
    before = classify(household(area=area, per_person=per_person, livelihood_agriculture=farming, **answers))
    after = classify(household(area=area, per_person=per_person + more, livelihood_agriculture=farming, **answers))
    assert after.household_class.severity <= before.household_class.severity


@settings(max_examples=150, deadline=None)
@given(per_person=st.integers(0, 5_000_000), which=st.sets(st.sampled_from(sorted(DEPRIVERS))),
       extra=st.sampled_from(sorted(DEPRIVERS)), area=st.sampled_from(["rural", "urban"]),
       farming=st.sampled_from(["yes", "no"]))
def test_one_more_deprivation_never_makes_a_household_less_poor(per_person, which, extra, area, farming):
    answers = {k: v for name in which - {extra} for k, v in DEPRIVERS[name].items()}
    before = classify(household(area=area, per_person=per_person, livelihood_agriculture=farming, **answers))
    answers.update(DEPRIVERS[extra])
    after = classify(household(area=area, per_person=per_person, livelihood_agriculture=farming, **answers))
    assert after.deprivation_count == before.deprivation_count + 1
    assert after.household_class.severity >= before.household_class.severity


def test_result_to_dict_is_json_ready():
    import json

    text = json.dumps(classify(household(per_person=1_000_000, **THREE)).to_dict(), ensure_ascii=False)
    data = json.loads(text)
    assert data["class"] == "poor" and data["class_label"]["vi"] == "Hộ nghèo"
    assert len(data["indicators"]) == 12
    assert {i["status"] for i in data["indicators"]} == {"deprived", "not_deprived"}


def test_example_document_in_docs_is_poor():
    import json

    from fieldsurvey.domain.document import parse_household

    path = Path(__file__).parents[2] / "docs" / "examples" / "household-rural-poor.json"
    result = classify(parse_household(json.loads(path.read_text(encoding="utf-8"))))
    assert result.household_class is POOR
    assert result.income.per_person_month == 715_000
