"""The plausible ranges at every bound (resources/values/household-values.toml), the ranges as data, and every
message of a finding in both languages."""

from __future__ import annotations

from datetime import date

import pytest

from fieldsurvey.domain import plausible
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.ranges import control_in, load_ranges, ranges
from fieldsurvey.errors import StandardError
from fieldsurvey.i18n import catalogue
from tests.builders import REF, adult, born, household_doc

ON = REF   # the interview date of tests/builders.py households: 2026-10-01


def found(doc: dict, complete: bool = False, rng=None) -> list[tuple[str, str, bool]]:
    return [(f.field, f.key, f.held) for f in plausible.findings(parse_household(doc), complete=complete, rng=rng)]


def roster(n: int) -> list[dict]:
    return [adult(30, member_id=f"m{i + 1}") for i in range(n)]


@pytest.mark.parametrize("n, expected", [
    (1, []), (15, []),                                                  # plausible
    (16, [("members", "values.held.members", True)]),                   # soft: held
    (100, [("members", "values.held.members", True)]),                  # the hard bound itself: held only
    (101, [("members", "values.error.members_too_many", False)]),       # (parse refuses it first: see below)
])
def test_the_households_size_at_its_bounds(n, expected):
    doc = household_doc(roster(n), floor_area=60, per_person=None)
    household = parse_household(doc, trusted=True)
    assert [(f.field, f.key, f.held) for f in plausible.findings(household)] == expected


def test_no_member_is_refused_only_when_the_household_is_finished():
    assert found(household_doc([]), complete=False) == []
    assert found(household_doc([]), complete=True) == [("members", "values.error.members_none", False)]
    assert found(household_doc(roster(1)), complete=True) == []


@pytest.mark.parametrize("birth, expected", [
    (ON.isoformat(), []),                                                # born on the interview day: 0 years
    ("2026-10-02", [("values.error.born_after", False)]),               # the day after
    (born(100), []),
    (born(101), [("values.held.old", True)]),                           # 101 on the day: held
    (born(120), [("values.held.old", True)]),
    (born(121, days_later=1), [("values.held.old", True)]),             # one day short of 121
    (born(121), [("values.error.too_old", False)]),                     # 121 on the day: refused
])
def test_ages_at_their_bounds(birth, expected):
    doc = household_doc([adult(40, relationship="head"), adult(30, birth_date=birth, member_id="m2")])
    assert [(k, h) for f, k, h in found(doc) if f == "members[m2].birth_date"] == expected


def test_a_year_of_birth_counts_from_1_january_and_without_an_interview_from_today():
    doc = household_doc([adult(40, relationship="head"), {"member_id": "m2", "name": "Cụ", "birth_year": 1905}])
    assert found(doc) == [("members[m2].birth_year", "values.error.too_old", False)]   # 121 on 2026-10-01
    doc["members"][1]["birth_year"] = 1906
    assert found(doc) == [("members[m2].birth_year", "values.held.old", True)]
    doc["interview_date"] = None
    doc["members"][1]["birth_year"] = date.today().year + 1
    assert found(doc) == [("members[m2].birth_year", "values.error.born_after", False)]


@pytest.mark.parametrize("area, expected", [
    (0, []), (8, []), (500, []), ("500", []),
    (500.5, [("values.held.above", True)]), ("2000", [("values.held.above", True)]),
    (10_000, [("values.held.above", True)]),
    (10_000.5, [("values.error.above", False)]),
    (-0.5, [("values.error.below", False)]),
    ("lots", []),    # not a number: the form's type check refuses it (services/values.py), not the ranges
])
def test_floor_area_at_its_bounds(area, expected):
    doc = household_doc(floor_area=area)
    assert [(k, h) for f, k, h in found(doc) if f == "household.floor_area"] == expected


def test_the_ranges_are_data_a_file_changes_them(tmp_path):
    shipped = ranges()
    assert (shipped.members.soft_max, shipped.members.max, shipped.age.max) == (15, 100, 120)
    text = (tmp_path / "r.toml")
    text.write_text('id = "province-x"\nversion = "1"\n[members]\nmax = 30\nsoft_max = 5\n'
                    '[household.floor_area]\nmin = 3\n', encoding="utf-8")
    local = load_ranges(text)
    assert found(household_doc(roster(6)), rng=local) == [("members", "values.held.members", True)]
    assert found(household_doc(roster(2), floor_area=2), rng=local) == \
        [("household.floor_area", "values.error.below", False)]
    assert found(household_doc(roster(2), floor_area=99_999), rng=local) == []   # no bound there in this file


@pytest.mark.parametrize("content, words", [
    ("[members]\nmax = 'many'\n", "members.max: a bound is a number, found 'many'"),
    ("[household.floor_area]\nmin = 10\nmax = 5\n", "household.floor_area: min 10 is above max 5"),
    ("[members\n", "the file of plausible values cannot be read"),
    ("[household]\nfloor_area = 3\n", "household.floor_area: must be a table of bounds"),
])
def test_a_broken_ranges_file_is_refused_naming_the_file_and_the_key(tmp_path, content, words):
    path = tmp_path / "r.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StandardError) as bad:
        load_ranges(path)
    assert str(path) in str(bad.value) and words in str(bad.value)
    assert bad.value.text("vi") != str(bad.value)


@pytest.mark.parametrize("text, multiline, bad", [
    ("Nguyễn Văn Đức", False, None), ("Thôn 1\u00a0", False, None), ("\u200bx", False, None),
    ("a\nb", True, None), ("a\r\nb", True, None), ("a\tb", True, None),
    ("a\nb", False, "\n"), ("a\r\nb", False, "\r"), ("a\rb", True, "\r"), ("\x00", True, "\x00"),
    ("x\x1f", True, "\x1f"), ("\x7f", True, "\x7f"), ("\x80", True, "\x80"), ("\x9f", True, "\x9f"),
    ("\ud83d", True, "\ud83d"), ("😀", False, None),
])
def test_the_characters_text_may_hold(text, multiline, bad):
    assert control_in(text, multiline) == bad


def test_every_finding_says_what_is_wrong_in_both_languages():
    """Each kind of finding renders fully in Vietnamese (with its diacritics) and in English: no key, no hole."""
    vi, en = catalogue("vi"), catalogue("en")
    doc = household_doc([adult(40, relationship="head"), adult(30, birth_date=born(110), member_id="m2"),
                         adult(30, birth_date="2027-01-01", member_id="m3"), adult(30, birth_date=born(130),
                                                                                  member_id="m4")]
                        + roster(20)[4:], floor_area=-1, income_wages=5_000_000_000, income_other=2e12)
    doc["members"][4]["member_id"] = "m5"
    kinds = plausible.findings(parse_household(doc, trusted=True), complete=True)
    kinds += plausible.findings(parse_household(household_doc([]), trusted=True), complete=True)
    kinds += plausible.findings(parse_household(household_doc(roster(101)), trusted=True))
    keys = {f.key for f in kinds}
    assert keys == {"values.held.members", "values.held.old", "values.error.born_after", "values.error.too_old",
                    "values.error.below", "values.held.above", "values.error.above", "values.error.members_none",
                    "values.error.members_too_many"}
    for f in kinds:
        assert f.key in vi and f.key in en
        for lang in ("vi", "en"):
            text = f.text(lang)
            assert f.key not in text and "{" not in text, text
        assert f.text("vi") != f.text("en")

