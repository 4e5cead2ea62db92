"""Working age ends on the day a person reaches the retirement age that Labour Code 2019 Art. 169 and Decree
135/2020/NĐ-CP (Appendix I) set for their sex and month of birth — checked through the real classification, for every
review year 2022–2030, the day before and on the day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fieldsurvey.domain.ages import add_months
from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.results import Status
from fieldsurvey.domain.standards import default_registry, retirement_table
from tests.builders import adult, child, household_doc

REG = default_registry()
TABLE = retirement_table("retirement-ages-vn-2021")


def classify_on(interview: date, members: list[dict], **answers):
    doc = household_doc(members, year=interview.year, **answers)
    doc["interview_date"] = interview.isoformat()
    return classify_household(parse_household(doc), REG.for_year(interview.year))


def status(result, indicator_id: str) -> Status:
    return next(i for i in result.indicators if i.id == indicator_id).status


# (review year, sex, birth date, the retirement age that applies, the day it is reached)
REACHED_IN_EACH_REVIEW_YEAR = [
    (2022, "male", date(1962, 4, 15), (60, 6), date(2022, 10, 15)),    # born 04/1962 (10/1961–06/1962): 60y6m
    (2023, "male", date(1963, 1, 15), (60, 9), date(2023, 10, 15)),    # born 01/1963 (07/1962–03/1963): 60y9m
    (2024, "male", date(1963, 10, 15), (61, 0), date(2024, 10, 15)),   # born 10/1963 (04/1963–12/1963): 61y
    (2025, "male", date(1964, 7, 15), (61, 3), date(2025, 10, 15)),    # born 07/1964 (01/1964–09/1964): 61y3m
    (2026, "male", date(1965, 4, 15), (61, 6), date(2026, 10, 15)),    # born 04/1965 (10/1964–06/1965): 61y6m
    (2027, "male", date(1966, 1, 15), (61, 9), date(2027, 10, 15)),    # born 01/1966 (07/1965–03/1966): 61y9m
    (2028, "male", date(1966, 10, 15), (62, 0), date(2028, 10, 15)),   # born 10/1966 (from 04/1966): 62
    (2029, "male", date(1967, 10, 15), (62, 0), date(2029, 10, 15)),   # born 10/1967: 62
    (2030, "male", date(1968, 10, 15), (62, 0), date(2030, 10, 15)),   # born 10/1968: 62
    (2022, "female", date(1967, 2, 15), (55, 8), date(2022, 10, 15)),  # born 02/1967 (09/1966–04/1967): 55y8m
    (2023, "female", date(1967, 10, 15), (56, 0), date(2023, 10, 15)),  # born 10/1967 (05/1967–12/1967): 56y
    (2024, "female", date(1968, 6, 15), (56, 4), date(2024, 10, 15)),  # born 06/1968 (01/1968–08/1968): 56y4m
    (2025, "female", date(1969, 2, 15), (56, 8), date(2025, 10, 15)),  # born 02/1969 (09/1968–04/1969): 56y8m
    (2026, "female", date(1969, 10, 15), (57, 0), date(2026, 10, 15)),  # born 10/1969 (05/1969–12/1969): 57y
    (2027, "female", date(1970, 6, 15), (57, 4), date(2027, 10, 15)),  # born 06/1970 (01/1970–08/1970): 57y4m
    (2028, "female", date(1971, 2, 15), (57, 8), date(2028, 10, 15)),  # born 02/1971 (09/1970–04/1971): 57y8m
    (2029, "female", date(1971, 10, 15), (58, 0), date(2029, 10, 15)),  # born 10/1971 (05/1971–12/1971): 58y
    (2030, "female", date(1972, 6, 15), (58, 4), date(2030, 10, 15)),  # born 06/1972 (01/1972–08/1972): 58y4m
]


@pytest.mark.parametrize("year, sex, born, age, reached", REACHED_IN_EACH_REVIEW_YEAR)
def test_the_table_gives_the_age_of_the_roadmap(year, sex, born, age, reached):
    assert (TABLE.row(sex, born).years, TABLE.row(sex, born).months) == age
    assert TABLE.reached_on(sex, born) == reached


@pytest.mark.parametrize("year, sex, born, age, reached", REACHED_IN_EACH_REVIEW_YEAR)
def test_an_unemployed_member_is_of_working_age_until_the_day_the_retirement_age_is_reached(year, sex, born, age,
                                                                                              reached):
    member = adult(50, sex, birth_date=born.isoformat(), employment="unemployed")
    members = [adult(40, relationship="head"), member]
    day_before = classify_on(reached - timedelta(days=1), members)
    on_the_day = classify_on(reached, members)
    assert status(day_before, "employment") is Status.DEPRIVED
    assert status(on_the_day, "employment") is Status.NOT_DEPRIVED


@pytest.mark.parametrize("year, sex, born, age, reached", REACHED_IN_EACH_REVIEW_YEAR)
def test_a_member_becomes_a_dependant_on_the_day_the_retirement_age_is_reached(year, sex, born, age, reached):
    # head (working), the member, a child: 1 of 3 dependants the day before, 2 of 3 (more than half) on the day
    members = [adult(40, relationship="head"), adult(50, sex, birth_date=born.isoformat()), child(4)]
    assert status(classify_on(reached - timedelta(days=1), members), "dependants") is Status.NOT_DEPRIVED
    assert status(classify_on(reached, members), "dependants") is Status.DEPRIVED


@pytest.mark.parametrize("year, sex, born, age, reached", REACHED_IN_EACH_REVIEW_YEAR)
def test_a_low_income_worker_is_of_working_age(year, sex, born, age, reached):
    line = REG.for_year(year).lines["rural"].poverty_line
    members = [adult(40, relationship="head", employment="homemaker"),
               adult(50, sex, birth_date=born.isoformat(), employment="self_employed", member_id="w")]
    answers = {"per_person": line + 10_000, "livelihood_agriculture": "no"}   # above the line, within the band
    assert [w.member_id for w in classify_on(reached - timedelta(days=1), members, **answers).low_income_workers] \
        == ["w"]
    assert classify_on(reached, members, **answers).low_income_workers == ()


def _roadmap_age(sex: str, year: int) -> int:
    """Labour Code 2019 Art. 169(2), in months: the retirement age of those reaching it in `year`."""
    if sex == "male":
        return 60 * 12 if year < 2021 else min(60 * 12 + 3 + 3 * (year - 2021), 62 * 12)
    return 55 * 12 if year < 2021 else min(55 * 12 + 4 + 4 * (year - 2021), 60 * 12)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_every_row_of_the_table_follows_article_169(sex):
    """Each month of birth 1955–1985: the age in the table is the roadmap's age of the year it is reached in."""
    for index in range(1955 * 12, 1986 * 12):
        born = date(index // 12, index % 12 + 1, 1)
        months = TABLE.age_in_months(sex, born)
        assert months == _roadmap_age(sex, add_months(born, months).year), (sex, born)


@pytest.mark.parametrize("sex, born, age", [
    ("male", date(1960, 12, 1), (60, 0)),     # reached 60 in 12/2020, before the roadmap
    ("male", date(1961, 1, 1), (60, 3)),      # 01/1961–09/1961: 60 years 3 months (Appendix I, first row)
    ("male", date(1961, 9, 30), (60, 3)),
    ("male", date(1961, 10, 1), (60, 6)),
    ("male", date(1966, 3, 31), (61, 9)),
    ("male", date(1966, 4, 1), (62, 0)),      # from 04/1966: 62
    ("female", date(1965, 12, 31), (55, 0)),
    ("female", date(1966, 1, 1), (55, 4)),    # 01/1966–08/1966: 55 years 4 months
    ("female", date(1966, 8, 31), (55, 4)),
    ("female", date(1966, 9, 1), (55, 8)),
    ("female", date(1975, 4, 30), (59, 8)),
    ("female", date(1975, 5, 1), (60, 0)),    # from 05/1975: 60
])
def test_the_rows_named_in_appendix_one(sex, born, age):
    row = TABLE.row(sex, born)
    assert (row.years, row.months) == age


def test_only_a_year_of_birth_counts_as_born_on_the_first_of_january():
    # Decree 135/2020 Art. 3(3). A man born in 1965 (01/1965: row 10/1964–06/1965, 61 years 6 months) reaches it
    # on 1 July 2026.
    member = adult(50, "male", employment="unemployed")
    del member["birth_date"]
    member["birth_year"] = 1965
    members = [adult(40, relationship="head"), member]
    assert status(classify_on(date(2026, 6, 30), members), "employment") is Status.DEPRIVED
    assert status(classify_on(date(2026, 7, 1), members), "employment") is Status.NOT_DEPRIVED


def test_born_on_the_31st_reaches_the_age_on_the_last_day_of_a_shorter_month():
    # born 31/12/1964 (row 10/1964–06/1965: 61 years 6 months) → 30 June 2026
    born = date(1964, 12, 31)
    assert TABLE.reached_on("male", born) == date(2026, 6, 30)
    members = [adult(40, relationship="head"), adult(50, "male", birth_date=born.isoformat(), employment="unemployed")]
    assert status(classify_on(date(2026, 6, 29), members), "employment") is Status.DEPRIVED
    assert status(classify_on(date(2026, 6, 30), members), "employment") is Status.NOT_DEPRIVED


@pytest.mark.parametrize("born, expected, missing", [
    (date(1986, 10, 1), Status.DEPRIVED, ()),            # 40: of working age whatever the sex
    (date(1968, 10, 1), Status.UNKNOWN, ("members.m2.sex",)),  # 58: past a woman's age, not a man's
    (date(1963, 10, 1), Status.NOT_DEPRIVED, ()),        # 63: past both
])
def test_near_the_retirement_age_an_unknown_sex_is_asked_for_only_when_it_decides(born, expected, missing):
    member = adult(50, birth_date=born.isoformat(), employment="unemployed")
    del member["sex"]
    result = classify_on(date(2026, 10, 1), [adult(40, relationship="head"), member])
    ind = next(i for i in result.indicators if i.id == "employment")
    assert ind.status is expected
    assert ind.missing == missing
