"""Each of the 12 indicators of the 2022–2025 standard at its legal boundaries."""

from __future__ import annotations

import pytest

from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.results import Status
from fieldsurvey.domain.standards import default_registry
from tests.builders import adult, born, child, household

STANDARD = default_registry().get("vn-2022-2025")


def status(hh, indicator_id: str) -> Status:
    result = classify_household(hh, STANDARD)
    return next(i for i in result.indicators if i.id == indicator_id).status


def indicator(hh, indicator_id: str):
    return next(i for i in classify_household(hh, STANDARD).indicators if i.id == indicator_id)


def test_the_standard_has_twelve_indicators_in_the_official_order():
    assert [i.id for i in STANDARD.indicators] == [
        "employment", "dependants", "nutrition", "health_insurance", "adult_education", "child_schooling",
        "housing_quality", "housing_area", "water", "latrine", "telecom", "information_devices"]
    assert [i.number for i in STANDARD.indicators] == list(range(1, 13))


def test_baseline_household_is_deprived_in_nothing():
    result = classify_household(household(), STANDARD)
    assert [i.status for i in result.indicators] == [Status.NOT_DEPRIVED] * 12


# --- 4. health insurance: a member aged 6 or more without valid insurance ------------------------------------------

@pytest.mark.parametrize("age, days_later, expected", [
    (6, 0, Status.DEPRIVED),       # sixth birthday on the interview day: counts
    (6, 1, Status.NOT_DEPRIVED),   # one day short of 6: still 5
    (5, 0, Status.NOT_DEPRIVED),
    (70, 0, Status.DEPRIVED),
])
def test_health_insurance_from_age_six(age, days_later, expected):
    kid = child(age, health_insurance="no", birth_date=born(age, days_later))
    assert status(household([adult(relationship="head"), kid]), "health_insurance") is expected


def test_health_insurance_reason_names_the_member_and_age():
    hh = household([adult(relationship="head"), child(9, name="Lò Văn Sình", health_insurance="no")])
    result = indicator(hh, "health_insurance")
    assert result.reason.text("vi") == "Lò Văn Sình (9 tuổi) không có thẻ bảo hiểm y tế còn hạn"
    assert result.reason.text("en") == "Lò Văn Sình (aged 9) has no valid health insurance"
    assert result.member_ids == ("m2",)


def test_health_insurance_unknown_when_an_answer_is_missing():
    kid = child(8)
    del kid["health_insurance"]
    result = indicator(household([adult(relationship="head"), kid]), "health_insurance")
    assert result.status is Status.UNKNOWN
    assert result.missing == ("members.m2.health_insurance",)


def test_birth_year_only_counts_age_as_interview_year_minus_birth_year():
    kid = child(6, health_insurance="no")
    del kid["birth_date"]
    kid["birth_year"] = 2020  # 2026 − 2020 = 6
    assert status(household([adult(relationship="head"), kid]), "health_insurance") is Status.DEPRIVED


# --- 3. nutrition: a child under 16 stunted or underweight -----------------------------------------------------------

@pytest.mark.parametrize("age, expected", [(0, Status.DEPRIVED), (15, Status.DEPRIVED), (16, Status.NOT_DEPRIVED)])
def test_nutrition_under_sixteen(age, expected):
    member = child(age, stunted_or_underweight="yes") if age < 16 else adult(age, stunted_or_underweight="yes")
    assert status(household([adult(relationship="head"), member]), "nutrition") is expected


# --- 5. adult education: 16–30, not studying, below the level for the age ------------------------------------------

@pytest.mark.parametrize("age, education, extra, expected", [
    (15, "primary", {}, Status.NOT_DEPRIVED),               # under 16: not in scope
    (16, "primary", {}, Status.DEPRIVED),                   # 16–<18 needs lower-secondary
    (17, "lower_secondary", {}, Status.NOT_DEPRIVED),
    (18, "lower_secondary", {}, Status.DEPRIVED),           # 18–30 needs upper-secondary
    (18, "upper_secondary", {}, Status.NOT_DEPRIVED),
    (18, "lower_secondary", {"vocational_certificate": "yes"}, Status.NOT_DEPRIVED),
    (25, "lower_secondary", {"onjob_training_certified": "yes"}, Status.NOT_DEPRIVED),
    (30, "lower_secondary", {}, Status.DEPRIVED),           # 30 is still in scope
    (31, "lower_secondary", {}, Status.NOT_DEPRIVED),
    (20, "primary", {"attending_school": "yes"}, Status.NOT_DEPRIVED),  # studying counts
    (16, "primary", {"vocational_certificate": "yes"}, Status.DEPRIVED),  # vocational counts from 18 only
])
def test_adult_education_bands(age, education, extra, expected):
    member = adult(age, education=education, **{"attending_school": "no", **extra})
    assert status(household([adult(45, relationship="head"), member]), "adult_education") is expected


# --- 6. child schooling: 3 to under 16, attending the right level ----------------------------------------------------

@pytest.mark.parametrize("age, answers, expected", [
    (2, {"attending_school": "no"}, Status.NOT_DEPRIVED),
    (3, {"attending_school": "no"}, Status.DEPRIVED),
    (15, {"attending_school": "no"}, Status.DEPRIVED),
    (10, {"attending_school": "yes", "school_level": "primary"}, Status.NOT_DEPRIVED),
    (13, {"attending_school": "yes", "school_level": "primary"}, Status.DEPRIVED),   # two years behind
    (7, {"attending_school": "yes", "school_level": "preschool"}, Status.DEPRIVED),
])
def test_child_schooling(age, answers, expected):
    assert status(household([adult(relationship="head"), child(age, **answers)]), "child_schooling") is expected


def test_sixteen_year_old_out_of_school_is_no_longer_a_schooling_deprivation():
    teen = adult(16, attending_school="no", education="lower_secondary")
    assert status(household([adult(relationship="head"), teen]), "child_schooling") is Status.NOT_DEPRIVED


# --- 1. employment ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("age, sex, job, expected", [
    (15, "male", "unemployed", Status.DEPRIVED),        # working age starts at 15
    (14, "male", "unemployed", Status.NOT_DEPRIVED),
    (40, "female", "wage_no_contract", Status.DEPRIVED),
    (40, "female", "wage_contract", Status.NOT_DEPRIVED),
    (40, "female", "self_employed", Status.NOT_DEPRIVED),
    (63, "male", "unemployed", Status.NOT_DEPRIVED),    # past the retirement age (tests/domain/test_working_age.py)
])
def test_employment(age, sex, job, expected):
    member = adult(age, sex, employment=job)
    head = adult(45, relationship="head")
    assert status(household([head, member]), "employment") is expected


def test_employment_reason_names_the_job():
    hh = household([adult(40, "female", name="Ma Thị Lan", relationship="head", employment="wage_no_contract")])
    assert indicator(hh, "employment").reason.text("vi") == \
        "Ma Thị Lan (40 tuổi): làm công ăn lương không có hợp đồng lao động"


# --- 2. dependants: more than half ----------------------------------------------------------------------------------

def test_exactly_half_dependants_is_not_deprived():
    hh = household([adult(40, relationship="head"), adult(38, "female"), child(5), child(8)])
    result = indicator(hh, "dependants")
    assert result.status is Status.NOT_DEPRIVED
    assert result.reason.text("en") == "2 of 4 members are dependants (not more than half)"


def test_more_than_half_dependants_is_deprived():
    hh = household([adult(40, relationship="head"), adult(38, "female"), child(5), child(8), adult(75)])
    assert indicator(hh, "dependants").status is Status.DEPRIVED


@pytest.mark.parametrize("answers", [{"able_to_work": "no"}, {"disability": "yes"},
                                     {"monthly_social_allowance": "yes"}])
def test_dependants_include_those_who_cannot_work(answers):
    hh = household([adult(40, relationship="head", **answers), child(4)])
    assert indicator(hh, "dependants").status is Status.DEPRIVED


@pytest.mark.parametrize("age, sex, expected", [
    (61, "male", Status.NOT_DEPRIVED),    # born 10/1965: working age until 61 years 9 months
    (62, "male", Status.DEPRIVED),        # past it (the day by day edges: tests/domain/test_working_age.py)
    (56, "female", Status.NOT_DEPRIVED),  # born 10/1970: working age until 57 years 4 months
    (58, "female", Status.DEPRIVED),
])
def test_elderly_dependants_are_those_past_working_age(age, sex, expected):
    hh = household([adult(40, relationship="head"), adult(age, sex)])
    hh2 = household([adult(40, relationship="head"), adult(age, sex), child(3)])
    assert indicator(hh, "dependants").status is Status.NOT_DEPRIVED  # 1 of 2 at most: half
    assert indicator(hh2, "dependants").status is expected


def test_dependants_unknown_only_when_it_decides():
    unsure = adult(30)
    del unsure["able_to_work"]
    # 1 certain of 3, 1 unsure: 2 of 3 would be more than half → unknown
    hh = household([adult(40, relationship="head"), child(4), unsure])
    assert indicator(hh, "dependants").status is Status.UNKNOWN
    # 0 certain of 3, 1 unsure: at most 1 of 3 → decided not deprived
    hh = household([adult(40, relationship="head"), adult(35), dict(unsure)])
    assert indicator(hh, "dependants").status is Status.NOT_DEPRIVED


# --- 7. housing quality: 2 of 3 structures non-durable, or no house --------------------------------------------------

@pytest.mark.parametrize("answers, expected", [
    ({"wall_durable": "no"}, Status.NOT_DEPRIVED),
    ({"wall_durable": "no", "roof_durable": "no"}, Status.DEPRIVED),
    ({"wall_durable": "no", "column_durable": "no", "roof_durable": "no"}, Status.DEPRIVED),
    ({"has_house": "no"}, Status.DEPRIVED),
    ({"wall_durable": "no", "roof_durable": None}, Status.UNKNOWN),
    ({"wall_durable": None}, Status.NOT_DEPRIVED),  # at most 1 of 3: decided
])
def test_housing_quality(answers, expected):
    assert status(household(**answers), "housing_quality") is expected


# --- 8. living area per person: under 8 m² ---------------------------------------------------------------------------

@pytest.mark.parametrize("floor_area, expected", [(32, Status.NOT_DEPRIVED), (31.9, Status.DEPRIVED),
                                                  (0, Status.DEPRIVED), (None, Status.UNKNOWN)])
def test_living_area_eight_square_metres_per_person(floor_area, expected):
    members = [adult(40, relationship="head"), adult(38, "female"), child(5), child(8)]
    assert status(household(members, floor_area=floor_area), "housing_area") is expected


def test_living_area_reason_uses_vietnamese_decimal_comma():
    members = [adult(40, relationship="head"), adult(38, "female"), child(5), child(8)]
    result = indicator(household(members, floor_area=30), "housing_area")
    assert result.reason.text("vi") == "Diện tích bình quân 7,5 m²/người, dưới 8 m²"


# --- 9–12 ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ("piped", Status.NOT_DEPRIVED), ("rain_water", Status.NOT_DEPRIVED), ("bottled", Status.NOT_DEPRIVED),
    ("unprotected_well", Status.DEPRIVED), ("surface_water", Status.DEPRIVED), (None, Status.UNKNOWN)])
def test_water(source, expected):
    assert status(household(water_source=source), "water") is expected


@pytest.mark.parametrize("latrine, expected", [("septic", Status.NOT_DEPRIVED), ("pour_flush", Status.NOT_DEPRIVED),
                                               ("pit_no_slab", Status.DEPRIVED), ("none", Status.DEPRIVED)])
def test_latrine(latrine, expected):
    assert status(household(latrine=latrine), "latrine") is expected


def test_telecom_deprived_only_when_no_member_uses_internet():
    nobody = [adult(40, relationship="head", internet_use="no"), adult(38, "female", internet_use="no")]
    one = [adult(40, relationship="head", internet_use="no"), adult(38, "female", internet_use="yes")]
    unsure = [adult(40, relationship="head", internet_use="no"), adult(38, "female", internet_use=None)]
    assert status(household(nobody), "telecom") is Status.DEPRIVED
    assert status(household(one), "telecom") is Status.NOT_DEPRIVED
    assert status(household(unsure), "telecom") is Status.UNKNOWN


@pytest.mark.parametrize("devices, expected", [
    (["tv"], Status.NOT_DEPRIVED), (["phone"], Status.NOT_DEPRIVED), ([], Status.DEPRIVED),
    (["none"], Status.DEPRIVED), ("radio computer", Status.NOT_DEPRIVED), (None, Status.UNKNOWN)])
def test_information_devices(devices, expected):
    assert status(household(info_devices=devices), "information_devices") is expected


def test_true_and_false_are_read_as_yes_and_no():
    kid = child(9, health_insurance=False)
    assert status(household([adult(relationship="head"), kid]), "health_insurance") is Status.DEPRIVED


@pytest.mark.parametrize("value, expected", [
    ("yes", "yes"), ("no", "no"), (True, "yes"), (False, "no"), (1, "yes"), (0, "no"), (1.0, "yes"), (0.0, "no"),
    ("1", None), ("Yes", None), ("", None), (None, None), (2, None), ([], None), (["yes"], None), ({}, None),
])
def test_yes_no_answers(value, expected):
    """What counts as a yes/no answer: the form's codes, JSON booleans, 1/0 — nothing else (not even a list
    holding 'yes')."""
    from fieldsurvey.domain.indicators import yes_no

    assert yes_no(value) == expected
