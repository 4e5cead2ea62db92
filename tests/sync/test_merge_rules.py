"""Merge decisions and field-by-field resolution, on plain data."""

from __future__ import annotations

import pytest

from fieldsurvey.errors import BundleError
from fieldsurvey.sync.merge import Local, Outcome, decide, differences, duplicate_keys, resolve
from tests.builders import adult, household_doc


def test_decide_new_descendant_known_and_concurrent():
    assert decide(None, "r2", {"r1", "r2"}) is Outcome.NEW
    here = Local("r1", frozenset({"r1"}))
    assert decide(here, "r2", {"r1", "r2"}) is Outcome.UPDATED
    assert decide(here, "r1", {"r1"}) is Outcome.UNCHANGED
    newer = Local("r3", frozenset({"r1", "r2", "r3"}))
    assert decide(newer, "r2", {"r1", "r2"}) is Outcome.UNCHANGED  # an older bundle after a newer one
    assert decide(here, "x2", {"r0", "x2"}) is Outcome.CONFLICT     # same parent, other line


def test_differences_and_resolution_field_by_field():
    a = household_doc()
    b = household_doc(floor_area=12)
    b["members"][1]["health_insurance"] = "no"
    b["members"].append(adult(20, name="Lò Thị Mai", member_id="m3"))
    diffs = {d["field"]: d for d in differences(a, b)}
    assert diffs["household.floor_area"]["local"] == 40 and diffs["household.floor_area"]["incoming"] == 12
    assert "members[m2].health_insurance" in diffs and "members[m3]" in diffs
    with pytest.raises(BundleError, match="choose local or incoming"):
        resolve(a, b, {"household.floor_area": "incoming"})
    merged = resolve(a, b, {"household.floor_area": "incoming", "members[m2].health_insurance": "local",
                            "members[m3]": "incoming"})
    assert merged["household"]["floor_area"] == 12
    assert merged["members"][1]["health_insurance"] == "yes"
    assert [m.get("name") for m in merged["members"]][-1] == "Lò Thị Mai"
    assert a["household"]["floor_area"] == 40  # inputs untouched


def test_duplicate_keys_ignore_case_and_diacritics():
    a = household_doc([adult(40, relationship="head", name="Nguyễn Văn Ánh", birth_year=1986)])
    b = household_doc([adult(40, relationship="head", name="nguyen van  anh", birth_year=1986)])
    a["location"]["village"], b["location"]["village"] = "Thôn Đồng", "thon dong"
    assert set(duplicate_keys(a)) & set(duplicate_keys(b))
    c = household_doc([adult(40, relationship="head", name="Nguyễn Văn Ánh", id_number="001086000123")])
    assert ("id_number", "001086000123") in duplicate_keys(c)


def test_field_names_match_the_audit_log_and_survive_odd_member_ids():
    a = household_doc([adult(40, relationship="head", member_id="m.1", name="A")])
    b = household_doc([adult(40, relationship="head", member_id="m.1", name="B")])
    (d,) = differences(a, b)
    assert d["field"] == "members[m.1].name"
    assert resolve(a, b, {"members[m.1].name": "incoming"})["members"][0]["name"] == "B"
