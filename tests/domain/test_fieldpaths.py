"""One module names a document's fields by path: the audit log, the merge of two lines of work, the conflict view and
History all read them from it, so a field that differs anywhere in a document is seen everywhere."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsurvey.domain import fieldpaths
from fieldsurvey.sync.merge import differences, resolve
from tests.builders import adult, child, household_doc

KEYS = st.sampled_from(["name", "sex", "birth_date", "health_insurance", "x y", "đặc biệt"])
LEAF = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**9), st.text(max_size=8),
                 st.lists(st.sampled_from(["tv", "radio", "phone"]), max_size=3))
MEMBER = st.dictionaries(KEYS, LEAF, max_size=4)


@st.composite
def documents(draw):
    members = draw(st.lists(MEMBER, max_size=5))
    for i, m in enumerate(members):
        m["member_id"] = f"m{i + 1}"
    return {"uuid": "u1", "interview_date": draw(st.one_of(st.none(), st.just("2026-10-01"))),
            "household": draw(st.dictionaries(st.sampled_from(["floor_area", "water_source", "notes"]), LEAF)),
            "location": {"village": draw(st.sampled_from(["Thôn 1", "Thôn 2"]))},
            "confirmed_warnings": draw(st.lists(st.sampled_from(["household.floor_area", "members[m1].age"]),
                                                max_size=2, unique=True)),
            "members": members}


@settings(max_examples=200, deadline=None)
@given(documents())
def test_a_document_is_its_fields(doc):
    assert fieldpaths.unflatten(fieldpaths.flatten(doc)) == doc
    assert fieldpaths.diff(doc, doc) == []


@settings(max_examples=200, deadline=None)
@given(documents(), documents())
def test_taking_every_incoming_field_gives_the_incoming_document(a, b):
    choices = {d["field"]: "incoming" for d in differences(a, b)}
    settled = resolve(a, b, choices)
    # the same fields, members in the order they come from the local side, new ones after
    assert fieldpaths.diff(settled, b) in ([], [c for c in fieldpaths.diff(settled, b) if c.path == fieldpaths.ORDER])
    choices = {d["field"]: "local" for d in differences(a, b)}
    assert fieldpaths.flatten(resolve(a, b, choices)) == fieldpaths.flatten(a)


def test_every_section_differs_by_path_with_members_by_id():
    a = household_doc([adult(40, relationship="head", name="Lò Văn Pả"), child(8, member_id="m2")])
    b = household_doc([adult(40, relationship="head", name="Lò Văn Pá"), child(8, member_id="m2")])
    b["uuid"] = a["uuid"]
    a["members"][0]["member_id"] = b["members"][0]["member_id"] = "m1"
    b["confirmed_warnings"] = ["household.floor_area"]
    paths = {d["field"] for d in differences(a, b)}
    assert paths == {"members[m1].name", "confirmed_warnings"}   # confirmed warnings are a field like any other
    assert fieldpaths.split("members[m2].name") == ("m2", "name")
    assert fieldpaths.split("members[m2]") == ("m2", "")
    assert fieldpaths.split("household.floor_area") == (None, "floor_area")
    assert fieldpaths.split("interview_date") == (None, "interview_date")


def test_a_member_without_an_id_is_named_as_the_parser_names_it():
    doc = {"uuid": "u", "members": [{"name": "A"}, {"name": "B"}]}
    assert fieldpaths.flatten(doc)["members[m2].name"] == "B"
    assert fieldpaths.flatten(doc)[fieldpaths.ORDER] == ["m1", "m2"]
