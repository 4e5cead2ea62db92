"""The ethnic-minority rows of the one count (fieldsurvey.domain.figures.count): their denominator is each village's
ethnic-minority resident households as entered, the commune's the sum when every village has one; their rates at
the boundaries (none entered, 0 such households, every one of them poor); and the report's row made from them
(reports.documents.unit_row)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldsurvey.domain.figures import Counted, Details, Scope, count
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.domain.standards import default_registry
from fieldsurvey.reports.documents import unit_row

STANDARD = default_registry().get("vn-2022-2025")
KINH, DAO = Details(ethnicity="Kinh"), Details(targets=("minority",), ethnicity="Dao")


def household(i: int, village: str, cls: HouseholdClass, details: Details = DAO,
              status: HouseholdStatus = HouseholdStatus.COMPLETE) -> Counted:
    return Counted(f"h{i}", village, status, cls, details=details)


def rows() -> list[Counted]:
    """T1: 2 minority poor, 1 minority near-poor, 1 Kinh poor, 1 minority not poor; T2: 1 minority poor, 1 Kinh
    near-poor."""
    P, N, X = HouseholdClass.POOR, HouseholdClass.NEAR_POOR, HouseholdClass.NOT_POOR
    return [household(1, "T1", P), household(2, "T1", P), household(3, "T1", N), household(4, "T1", P, KINH),
            household(5, "T1", X), household(6, "T2", P), household(7, "T2", N, KINH)]


def test_the_minority_rows_count_over_the_minority_resident_households():
    fig = count(rows(), [("T1", 40, 20), ("T2", 30, 10)], STANDARD, "Xã A")
    t1, t2, whole = fig.minority["T1"], fig.minority["T2"], fig.minority_commune
    assert (t1.residents, t1.poor, t1.near_poor, t1.listed) == (20, 2, 1, 4)
    assert (t2.residents, t2.poor, t2.near_poor) == (10, 1, 0)
    assert (whole.residents, whole.poor, whole.near_poor, whole.name) == (30, 3, 1, "Xã A")
    assert t1.poverty_rate == pytest.approx(10.0) and t1.near_poverty_rate == pytest.approx(5.0)
    assert whole.poverty_rate == pytest.approx(10.0) and whole.multidimensional_rate == pytest.approx(100 * 4 / 30)
    # the whole rows are untouched: their own residents
    assert [(u.residents, u.poor) for u in fig.villages] == [(40, 3), (30, 1)] and fig.commune.residents == 70
    assert fig.residents_missing == fig.minority_missing == []


def test_a_village_without_the_minority_number_leaves_the_communes_unknown():
    fig = count(rows(), [("T1", 40, 20), ("T2", 30, None)], STANDARD)
    assert fig.minority["T2"].residents is None and fig.minority["T2"].poverty_rate is None
    assert fig.minority_commune.residents is None and fig.minority_commune.poverty_rate is None
    assert fig.minority["T1"].poverty_rate == pytest.approx(10.0)
    assert fig.minority_missing == ["T2"] and fig.residents_missing == []
    assert fig.commune.residents == 70                 # the resident households do not depend on it


def test_the_pair_of_before_still_counts_with_no_minority_number():
    fig = count(rows(), [("T1", 40), ("T2", None)], STANDARD)
    assert fig.residents_missing == ["T2"] and fig.minority_missing == ["T1", "T2"]
    assert fig.villages[0].residents == 40 and fig.minority["T1"].residents is None and fig.minority["T1"].poor == 2


def test_a_household_of_a_village_not_listed_has_rows_of_its_own_with_no_numbers():
    fig = count(rows() + [household(8, "T9", HouseholdClass.POOR)], [("T1", 40, 20), ("T2", 30, 10)], STANDARD)
    assert fig.minority["T9"].poor == 1 and fig.minority["T9"].residents is None
    assert fig.minority_missing == fig.residents_missing == ["T9"] and fig.minority_commune.residents is None
    assert fig.unlisted == ["T9"]   # named apart: not a village of the list (services/villages.py)


def test_zero_minority_households_give_no_rate_and_all_of_them_poor_give_100_percent():
    # T1: 0 minority resident households entered (the count still finds minority poor: the rate stays empty,
    # never a division error); T2: its one minority household is poor
    fig = count(rows(), [("T1", 40, 0), ("T2", 30, 1)], STANDARD)
    t1, t2 = fig.minority["T1"], fig.minority["T2"]
    assert t1.residents == 0 and t1.poverty_rate is None and t1.multidimensional_rate is None
    assert t2.poverty_rate == 100.0 and t2.near_poverty_rate == 0.0
    assert fig.minority_commune.residents == 1
    r1 = unit_row(fig.villages[0], t1)
    assert (r1["households_minority"], r1["poor_minority"], r1["poor_minority_rate"], r1["near_poor_minority_rate"]) \
        == (0, 2, None, None)
    r2 = unit_row(fig.villages[1], t2)
    assert (r2["households_minority"], r2["poor_minority"], r2["poor_minority_rate"], r2["near_poor_minority"],
            r2["near_poor_minority_rate"]) == (1, 1, 100.0, 0, 0.0)
    assert r2["poor_rate"] == round(100 / 30, 2)


def test_the_report_row_leaves_a_rate_empty_without_its_denominator():
    fig = count(rows(), [("T1", None, None), ("T2", 0, 0)], STANDARD)
    for unit in fig.villages:
        row = unit_row(unit, fig.minority[unit.name])
        assert [row[k] for k in ("poor_rate", "near_poor_rate", "md_rate", "poor_minority_rate",
                                 "near_poor_minority_rate")] == [None] * 5, unit.name
        assert row["poor_minority"] == fig.minority[unit.name].poor


def test_the_official_figures_count_approved_minority_households_only():
    approved = [household(1, "T1", HouseholdClass.POOR, status=HouseholdStatus.APPROVED),
                household(2, "T1", HouseholdClass.POOR)]
    fig = count(approved, [("T1", 40, 8)], STANDARD, scope=Scope.OFFICIAL)
    assert (fig.minority["T1"].poor, fig.minority["T1"].waiting) == (1, 1)
    assert fig.minority["T1"].poverty_rate == pytest.approx(12.5)


@given(st.lists(st.tuples(st.integers(0, 500), st.one_of(st.none(), st.integers(0, 500))), min_size=1, max_size=6))
def test_the_communes_minority_households_are_the_sum_when_every_village_has_them(numbers):
    villages = [(f"T{i}", residents, minority) for i, (residents, minority) in enumerate(numbers)]
    fig = count([], villages, STANDARD)
    known = [m for _, m in numbers]
    assert fig.minority_commune.residents == (None if None in known else sum(known))
    assert fig.minority_missing == [f"T{i}" for i, m in enumerate(known) if m is None]
