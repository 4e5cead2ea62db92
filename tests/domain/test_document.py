"""The household document's shape: what is refused, with the field named."""

from __future__ import annotations

import unicodedata

import pytest

from fieldsurvey.domain.document import parse_household
from fieldsurvey.errors import DocumentError
from tests.builders import household_doc


@pytest.mark.parametrize("change, where", [
    (lambda d: d.pop("review"), "review"),
    (lambda d: d["review"].update(year="2026"), "review.year"),
    (lambda d: d["review"].update(year=1899), "review.year"),
    (lambda d: d["review"].update(kind="weekly"), "review.kind"),
    (lambda d: d.update(uuid="not-a-uuid"), "uuid"),
    (lambda d: d.update(interview_date="12/10/2026"), "interview_date"),
    (lambda d: d["location"].update(area="suburban"), "location.area"),
    (lambda d: d.update(members={"a": 1}), "members"),
    (lambda d: d["members"].append("Nguyễn Văn A"), "members[2]"),
    (lambda d: d["members"][1].update(member_id="m1") or d["members"][0].update(member_id="m1"),
     "members[1].member_id"),
    (lambda d: d["household"].update(floor_area=float("nan")), "household.floor_area"),
    (lambda d: d["household"].update(water_source={"kind": "piped"}), "household.water_source"),
    (lambda d: d.update(document_version=2), "document_version"),
    (lambda d: d.update(household=[1, 2]), "household"),
])
def test_bad_documents_name_the_field(change, where):
    doc = household_doc()
    change(doc)
    with pytest.raises(DocumentError) as err:
        parse_household(doc)
    assert err.value.where == where


def test_text_is_normalised_to_nfc():
    doc = household_doc()
    doc["members"][0]["name"] = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    hh = parse_household(doc)
    assert hh.members[0].name == unicodedata.normalize("NFC", "Nguyễn Văn Ánh")


def test_round_trip_keeps_the_document():
    doc = household_doc()
    doc["status"] = "draft"  # extra keys from storage/sync are kept
    again = parse_household(parse_household(doc).to_dict()).to_dict()
    assert again == parse_household(doc).to_dict()
    assert again["status"] == "draft"
    assert [m["member_id"] for m in again["members"]] == ["m1", "m2"]
