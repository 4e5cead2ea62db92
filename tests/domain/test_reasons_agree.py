"""A reason never contradicts the class: the class is decided on the exact figures, and every number printed beside a
line is rounded on the same side of that line (and within one unit of the truth)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.results import HouseholdClass, shown_beside
from fieldsurvey.domain.standards import StandardRegistry, default_registry
from fieldsurvey.paths import resource
from tests.builders import adult, child, household

S2022 = default_registry().get("vn-2022-2025")
POOR, NEAR, AVG, NOT = (HouseholdClass.POOR, HouseholdClass.NEAR_POOR, HouseholdClass.AVERAGE,
                        HouseholdClass.NOT_POOR)
THREE = {"water_source": "surface_water", "latrine": "none", "info_devices": []}


def money_in(text: str) -> list[int]:
    """The amounts of an English summary ("1,500,001 VND"), in order."""
    return [int(m.replace(",", "")) for m in re.findall(r"([\d,]+) VND", text)]


@pytest.mark.parametrize("area, line", [("rural", 1_500_000), ("urban", 2_000_000)])
@pytest.mark.parametrize("above, shown", [(0.03, 1), (0.5, 1), (0.97, 1), (1.2, 1)])
def test_income_a_fraction_above_the_line_is_above_and_says_so(area, line, above, shown):
    result = classify_household(household(area=area, per_person=line + above, livelihood_agriculture="no", **THREE),
                                S2022)
    assert result.household_class is NOT
    assert result.summary.text("en").startswith(f"Not poor: income {line + shown:,} VND per person per month above "
                                                f"the line {line:,} VND")
    vi = f"{line + shown:,}".replace(",", ".")
    assert result.summary.text("vi").startswith(f"Hộ không nghèo: thu nhập bình quân {vi} đ/người/tháng trên chuẩn")
    assert result.income.to_dict()["per_person_month"] == line + shown


@pytest.mark.parametrize("area, line", [("rural", 1_500_000), ("urban", 2_000_000)])
@pytest.mark.parametrize("deprived, cls, word", [(THREE, POOR, "Poor"), ({}, NEAR, "Near-poor")])
def test_income_exactly_on_the_line_is_at_or_below_and_says_so(area, line, deprived, cls, word):
    result = classify_household(household(area=area, per_person=line, **deprived), S2022)
    assert result.household_class is cls
    assert result.summary.text("en").startswith(f"{word}: income {line:,} VND per person per month ≤ the poverty "
                                                f"line {line:,} VND")


@pytest.mark.parametrize("area, line", [("rural", 1_500_000), ("urban", 2_000_000)])
def test_income_a_fraction_below_the_line_is_never_shown_on_it(area, line):
    result = classify_household(household(area=area, per_person=line - 0.4), S2022)
    assert result.household_class is NEAR
    assert money_in(result.summary.text("en"))[:2] == [line - 1, line]


@pytest.mark.parametrize("area, band", [("rural", 2_250_000), ("urban", 3_000_000)])
def test_income_a_fraction_above_the_band_is_shown_above_it(area, band):
    result = classify_household(household(area=area, per_person=band + 0.2, livelihood_agriculture="yes"), S2022)
    assert result.household_class is NOT
    assert money_in(result.summary.text("en")) == [band + 1, band]
    workers = [adult(40, relationship="head"), adult(38, "female")]
    assert classify_household(household(workers, area=area, per_person=band + 0.2), S2022).low_income_workers == ()
    assert len(classify_household(household(workers, area=area, per_person=band), S2022).low_income_workers) == 2


@settings(max_examples=300, deadline=None)
@given(area=st.sampled_from(["rural", "urban"]), cents=st.integers(-300, 300), members=st.integers(1, 9),
       farming=st.sampled_from(["yes", "no"]))
def test_the_income_shown_is_always_on_the_side_of_the_line_the_class_says(area, cents, members, farming):
    line, band = S2022.lines[area].poverty_line, S2022.lines[area].average_band_max
    for around in (line, band):
        per_person = around + cents / 100
        people = [adult(40, relationship="head")] + [child(8) for _ in range(members - 1)]
        result = classify_household(household(people, area=area, per_person=per_person, livelihood_agriculture=farming),
                                    S2022)
        shown = money_in(result.summary.text("en"))[0]
        assert abs(shown - result.income.per_person_month) < 1
        at_or_below_line = result.household_class in (POOR, NEAR)
        assert (shown <= line) is at_or_below_line is (result.income.per_person_month <= line)
        if result.household_class is AVG:
            assert line < shown <= band


@pytest.mark.parametrize("floor_area, expected_status, text", [
    (31.9, "deprived", "Diện tích bình quân 7,9 m²/người, dưới 8 m²"),              # 7.975: not "8,0 … dưới 8"
    (31.99, "deprived", "Diện tích bình quân 7,9 m²/người, dưới 8 m²"),
    (32, "not_deprived", "Diện tích bình quân 8,0 m²/người (từ 8 m² trở lên)"),
    (32.15, "not_deprived", "Diện tích bình quân 8,1 m²/người (từ 8 m² trở lên)"),   # 8.0375: never "8,0" unless 8
])
def test_the_living_area_shown_agrees_with_the_eight_square_metres(floor_area, expected_status, text):
    members = [adult(40, relationship="head"), adult(38, "female"), child(5), child(8)]
    result = classify_household(household(members, floor_area=floor_area), S2022)
    ind = next(i for i in result.indicators if i.id == "housing_area")
    assert ind.status.value == expected_status
    assert ind.reason.text("vi") == text


@pytest.mark.parametrize("score, cls, text", [
    (140.4, NOT, "Not poor: B1 score 141 > 140;"),     # not "140 > 140"
    (140, NEAR, "Near-poor: B1 score 140 ≤ 140"),
    (139.6, NEAR, "Near-poor: B1 score 139 ≤ 140"),
])
def test_a_b1_score_shown_agrees_with_the_threshold(score, cls, text):
    result = classify_household(household(per_person=None, income_route="b1_manual", b1_score_manual=score,
                                          livelihood_agriculture="no"), S2022)
    assert result.household_class is cls
    assert result.summary.text("en").startswith(text)


def test_the_dependants_reason_names_the_share_of_the_standard(tmp_path: Path):
    members = [adult(40, relationship="head"), adult(38, "female"), child(5), child(8), child(10)]
    half = next(i for i in classify_household(household(members), S2022).indicators if i.id == "dependants")
    assert half.reason.text("vi") == "3/5 thành viên là người phụ thuộc (hơn một nửa)"
    local = tmp_path / "local.toml"
    local.write_text('id = "x"\nextends = "vn-2022-2025"\ntitle_vi = "X"\ntitle_en = "X"\n'
                     'scope = { province_codes = ["79"] }\n'
                     '[[indicators]]\nid = "dependants"\nparams = { max_share = 0.6 }\n', encoding="utf-8")
    reg = StandardRegistry([resource("standards")])
    reg.add_file(local)
    three_fifths = next(i for i in classify_household(household(members), reg.get("x")).indicators
                        if i.id == "dependants")
    assert three_fifths.status.value == "not_deprived"       # 3 of 5 is not more than 3/5: compared exactly
    assert three_fifths.reason.text("vi") == "3/5 thành viên là người phụ thuộc (không quá 3/5 số thành viên)"
    assert three_fifths.reason.text("en") == "3 of 5 members are dependants (not more than 3/5 of them)"


@pytest.mark.parametrize("value, thresholds, per, shown", [
    (1_500_000.03, [1_500_000], 1, 1_500_001),
    (1_499_999.7, [1_500_000], 1, 1_499_999),
    (1_500_000, [1_500_000], 1, 1_500_000),
    (1_234_567.4, [1_500_000], 1, 1_234_567),   # far from any line: simply the nearest
    (700_000.2, [700_000, 1_000_000], 1, 700_001),
    (7.95, [8], 10, 7.9),
    (7.56, [7.55], 10, 7.6),
    (7.551, [7.55], 10, 7.6),
    (7.549, [7.55], 10, 7.5),
])
def test_shown_beside(value, thresholds, per, shown):
    assert shown_beside(value, thresholds, per) == shown
