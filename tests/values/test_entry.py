"""The questionnaire's entry (formengine/session.py, what the desktop app's form and `households add` fill): an
answer holding a control character — or a line break or a tab in a one-line answer — is refused as it is given,
the field named in Vietnamese and English, and nothing of it is recorded; a note may run over several lines; a
roster stops at the household's bound."""

from __future__ import annotations

import pytest

from fieldsurvey.errors import DocumentError
from fieldsurvey.formengine.loader import find_form
from fieldsurvey.formengine.session import FormSession
from tests.values.conftest import doc

ENTRIES = [
    # (question, member, value, the field named, the character named)
    ("address", None, "Thôn\x011", "household.address", "U+0001"),
    ("address", None, "Thôn 1\nXã Lâm Bình", "household.address", "U+000A"),
    ("notes", None, "ghi chú\x1b[31m", "household.notes", "U+001B"),
    ("notes", None, "a\rb", "household.notes", "U+000D"),
    ("village", None, "Thôn\x85 1", "location.village", "U+0085"),
    ("name", 1, "Hà Thị\x07Mỹ", "members[m2].name", "U+0007"),
    ("id_number", 0, "0080\x0012345678", "members[m1].id_number", "U+0000"),
    ("ethnicity", 0, "Tày\tNùng", "members[m1].ethnicity", "U+0009"),
    ("floor_area", None, "12\x01", "household.floor_area", "U+0001"),   # a number typed with a control character
]


def session() -> FormSession:
    return FormSession(find_form("vn-review-2022", "2026.1"), doc(), villages=["Thôn Nà Đình"])


@pytest.mark.parametrize("name, member, value, field, char", ENTRIES, ids=[f"{e[3]} {e[4]}" for e in ENTRIES])
def test_an_answer_with_a_control_character_is_refused_as_it_is_given(name, member, value, field, char):
    s = session()
    before = s.to_document()
    with pytest.raises(DocumentError) as refused:
        s.set_answer(name, value, member)
    assert refused.value.where == field
    assert char in refused.value.text("en") and char in refused.value.text("vi")
    shown = "Thôn" if field == "location.village" else field   # the location's fields named in words
    assert refused.value.text("vi").startswith(f"{shown}: ")
    assert ("Có ký tự điều khiển" in refused.value.text("vi")) or ("một dòng" in refused.value.text("vi"))
    assert s.to_document() == before


def test_a_note_runs_over_several_lines_and_ordinary_answers_pass():
    s = session()
    s.set_answer("notes", "Nhà dột\nCần hỗ trợ\r\n\tsửa mái")
    s.set_answer("address", "  Bản Khuổi Củng\n")   # what a paste brings at the ends is trimmed, not refused
    s.set_answer("name", "Lò Văn Pả", 0)
    d = s.to_document()
    assert d["household"]["notes"] == "Nhà dột\nCần hỗ trợ\r\n\tsửa mái"
    assert d["household"]["address"] == "Bản Khuổi Củng"
    assert d["members"][0]["name"] == "Lò Văn Pả"


def test_the_roster_stops_at_the_households_bound():
    s = session()
    while len(s.members()) < 100:
        s.add_member()
    with pytest.raises(DocumentError) as refused:
        s.add_member()
    assert refused.value.text("en") == "Members: 101 members: a household has at most 100; the document is refused"
    assert len(s.members()) == 100
