"""School ages are counted by year of birth ("tính theo năm", Education Law 2019 Art. 28) against the school year
running on the interview date (a school year starts in September) — checked through the real classification."""

from __future__ import annotations

from datetime import date

import pytest

from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.results import Status
from fieldsurvey.domain.standards import default_registry
from tests.builders import adult, child, household_doc

REG = default_registry()


def indicator_on(interview: date, member: dict, indicator_id: str, standard_id: str | None = None):
    doc = household_doc([adult(40, relationship="head"), member], year=interview.year)
    doc["interview_date"] = interview.isoformat()
    standard = REG.get(standard_id) if standard_id else REG.for_year(interview.year)
    result = classify_household(parse_household(doc), standard)
    return next(i for i in result.indicators if i.id == indicator_id)


def kid(born: date, **answers) -> dict:
    return child(5, birth_date=born.isoformat(), **answers)


IN_PRESCHOOL = {"attending_school": "yes", "school_level": "preschool"}
IN_PRIMARY = {"attending_school": "yes", "school_level": "primary"}


@pytest.mark.parametrize("born, answers, expected", [
    # School year 2026–2027 (interview 1 Oct 2026): grade 1 for children born in 2020, whatever the month.
    (date(2020, 1, 10), IN_PRESCHOOL, Status.DEPRIVED),       # born January 2020: 6 by year (6 completed)
    (date(2020, 12, 20), IN_PRESCHOOL, Status.DEPRIVED),      # born December 2020: 6 by year (only 5 completed)
    (date(2020, 12, 20), IN_PRIMARY, Status.NOT_DEPRIVED),
    (date(2021, 1, 10), IN_PRESCHOOL, Status.NOT_DEPRIVED),   # born January 2021: 5 by year, three weeks younger
])
def test_grade_one_by_year_of_birth_december_and_january(born, answers, expected):
    assert indicator_on(date(2026, 10, 1), kid(born, **answers), "child_schooling").status is expected


@pytest.mark.parametrize("interview, expected", [
    (date(2026, 5, 15), Status.NOT_DEPRIVED),   # school year 2025–2026: 2025 − 2020 = 5, preschool is right
    (date(2026, 8, 31), Status.NOT_DEPRIVED),   # the last day before the new school year
    (date(2026, 9, 1), Status.DEPRIVED),        # school year 2026–2027 starts: 6, grade 1 is due
    (date(2026, 12, 14), Status.DEPRIVED),      # the last day of the annual review
])
def test_the_school_year_running_on_the_interview_date_counts(interview, expected):
    # born March 2020 and still in preschool: completed age 6 from March 2026 on, but school age 6 only from the
    # school year that starts in September 2026
    member = kid(date(2020, 3, 10), **IN_PRESCHOOL)
    assert indicator_on(interview, member, "child_schooling").status is expected


@pytest.mark.parametrize("born, expected", [
    (date(2023, 12, 31), Status.DEPRIVED),       # 3 by year in 2026–2027 (2 completed): in scope, not attending
    (date(2024, 1, 1), Status.NOT_DEPRIVED),     # 2 by year: not yet in scope
])
def test_the_youngest_in_scope_by_year_of_birth(born, expected):
    member = kid(born, attending_school="no")
    member.pop("school_level", None)
    assert indicator_on(date(2026, 10, 1), member, "child_schooling").status is expected


@pytest.mark.parametrize("born, expected", [
    (date(2013, 12, 20), Status.DEPRIVED),       # 13 by year (12 completed): the ladder wants lower secondary
    (date(2014, 1, 10), Status.NOT_DEPRIVED),    # 12 by year: primary still right
])
def test_the_ladder_counts_by_year_of_birth(born, expected):
    assert indicator_on(date(2026, 10, 1), kid(born, **IN_PRIMARY), "child_schooling").status is expected


def test_at_sixteen_by_year_a_teen_leaves_child_schooling_for_adult_education():
    # born December 2010: 15 completed on 1 Oct 2026 but 16 by year — out of school with primary only, counted once,
    # by the adult-education indicator (16 to under 18 needs lower secondary)
    teen = adult(15, "female", birth_date="2010-12-20", attending_school="no", education="primary",
                 employment="homemaker")
    assert indicator_on(date(2026, 10, 1), teen, "child_schooling").status is Status.NOT_DEPRIVED
    assert indicator_on(date(2026, 10, 1), teen, "adult_education").status is Status.DEPRIVED
    younger = dict(teen, birth_date="2011-01-10")   # 15 by year: still a child out of school
    assert indicator_on(date(2026, 10, 1), younger, "child_schooling").status is Status.DEPRIVED
    assert indicator_on(date(2026, 10, 1), younger, "adult_education").status is Status.NOT_DEPRIVED


@pytest.mark.parametrize("born, expected", [
    (date(2008, 12, 20), Status.DEPRIVED),       # 18 by year (17 completed): upper secondary due, has lower only
    (date(2009, 1, 10), Status.NOT_DEPRIVED),    # 17 by year: lower secondary is enough
])
def test_adult_education_bands_count_by_year_of_birth(born, expected):
    member = adult(17, birth_date=born.isoformat(), attending_school="no", education="lower_secondary")
    assert indicator_on(date(2026, 10, 1), member, "adult_education").status is expected


def test_the_reason_shows_the_age_that_was_compared_and_how():
    result = indicator_on(date(2026, 10, 1), kid(date(2020, 12, 20), name="Lò Thị Mai", **IN_PRESCHOOL),
                          "child_schooling")
    assert result.reason.text("vi") == ("Lò Thị Mai (6 tuổi tính theo năm sinh, năm học 2026–2027) đang học mầm non, "
                                        "thấp hơn bậc học phù hợp với tuổi")
    assert result.reason.text("en") == ("Lò Thị Mai (aged 6 by year of birth, school year 2026–2027) attends "
                                        "preschool, below the level right for the age")
    fine = indicator_on(date(2026, 5, 15), kid(date(2020, 12, 20), **IN_PRESCHOOL), "child_schooling")
    assert fine.reason.text("vi") == "Mọi trẻ 3–15 tuổi tính theo năm sinh (năm học 2025–2026) đều đi học đúng bậc"


def test_the_2016_2020_standard_keeps_completed_years():
    # old records are re-classified as they were: born December 2012, 5 completed on 1 Oct 2018, preschool is right
    member = kid(date(2012, 12, 20), **IN_PRESCHOOL)
    result = indicator_on(date(2018, 10, 1), member, "child_schooling", "vn-2016-2020")
    assert result.status is Status.NOT_DEPRIVED
