"""What the household list's count line says of the one count (fieldsurvey.domain.figures.count): for every village
and for the commune, in both scopes, the households counted in a class and those left out — being filled or
returned, waiting for approval, not classifiable, moved away, merged as duplicates — add up to every household of
that village, whatever their statuses and classes; a village's row is found by its name (the commune's by None)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fieldsurvey.domain.figures import Counted, Scope, count
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.domain.standards import default_registry

STANDARD = default_registry().get("vn-2022-2025")
VILLAGES = ("T1", "T2", "T3")

households = st.lists(st.tuples(st.sampled_from(VILLAGES), st.sampled_from(list(HouseholdStatus)),
                                st.sampled_from([None, *HouseholdClass])), max_size=60)


@given(households, st.sampled_from(list(Scope)))
def test_counted_and_left_out_add_up_to_every_household_of_the_village(rows, scope):
    fig = count([Counted(f"h{i}", v, s, c) for i, (v, s, c) in enumerate(rows)], [(v, 10) for v in VILLAGES],
                STANDARD, "Xã A", scope)
    for village in (*VILLAGES, None):
        unit = fig.unit(village)
        mine = [(s, c) for v, s, c in rows if village is None or v == village]
        left_out = unit.in_progress + unit.waiting + unit.unclassified + unit.moved_away + fig.merged_in(village)
        assert unit.counted + left_out == len(mine)
        assert unit.counted == sum(unit.classes.values())
        assert fig.merged_in(village) == sum(1 for s, _c in mine if s is HouseholdStatus.MERGED)
        counted_statuses = {HouseholdStatus.APPROVED} if scope is Scope.OFFICIAL else \
            {HouseholdStatus.COMPLETE, HouseholdStatus.SUBMITTED, HouseholdStatus.CONFIRMED, HouseholdStatus.APPROVED}
        assert unit.counted == sum(1 for s, c in mine if s in counted_statuses and c is not None
                                   and c is not HouseholdClass.INCOMPLETE)


def test_a_village_named_only_by_merged_households_gets_no_row_and_an_unknown_name_none():
    merged = Counted("h1", "Thôn cũ", HouseholdStatus.MERGED, HouseholdClass.POOR)
    fig = count([merged], [("T1", 10)], STANDARD, "Xã A")
    assert [u.name for u in fig.villages] == ["T1"] and fig.unlisted == []
    assert fig.unit("Thôn cũ") is None and fig.merged_in("Thôn cũ") == 1 and fig.merged_in(None) == 1
    assert fig.unit(None) is fig.commune and fig.unit("T1").listed == 0
