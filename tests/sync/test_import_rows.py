"""The import builds a whole bundle's household columns at once (names folded in one call, the JSON text made by an
encoder built once); these hold it to what the columns are for one household folded on its own, so both stay the
same."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsurvey.domain.synthetic import CommuneSpec, Generator, village_names
from fieldsurvey.i18n import fold
from fieldsurvey.storage import columns as store
from fieldsurvey.sync.merge import duplicate_keys
from tests.builders import adult, child, household_doc


def _odd_documents() -> list[dict]:
    """Shapes storage stores as they come: no head, a head without a name, a name that is not text, a member that
    is not an object, the head's name only in the household answers, names that fold to the same text, an ID
    number, a name holding the search separator, text outside Latin scripts."""
    docs = []
    base = household_doc([adult(40, relationship="head", name="Nguyễn Văn Đức", id_number="001086000123"),
                          adult(38, "female", member_id="m2", name="NGUYỄN VĂN ĐỨC"), child(8, member_id="m3")])
    docs.append(base)
    no_head = household_doc([adult(30, name="Lò Thị Pả")])
    docs.append(no_head)
    nameless = household_doc([adult(30, relationship="head")])
    nameless["household"]["head_name"] = "Hà Văn Tú"
    docs.append(nameless)
    number = household_doc([adult(30, relationship="head", name=12345)])
    docs.append(number)
    odd_member = household_doc([adult(30, relationship="head", name="Ａｂｃ ﬁ ß")])
    odd_member["members"].append("not a member")
    docs.append(odd_member)
    sep = household_doc([adult(30, relationship="head", name="A\x1fB"), adult(20, name="Ξένια Ωμέγα")])
    docs.append(sep)
    no_members = household_doc([])
    docs.append(no_members)
    for i, d in enumerate(docs):
        d["uuid"] = f"00000000-0000-4000-8000-{i:012d}"
    return docs


def _generated(n: int) -> list[dict]:
    spec = CommuneSpec("08", "02266", "Xã Lâm Bình", "rural", village_names("rural", 4))
    return list(Generator(spec, 2026, 5).households(n))


def test_bundle_columns_are_the_columns_of_one_household_alone():
    docs = _odd_documents() + _generated(60)
    folded = store.fold_all([t for d in docs for t in store.names_to_fold(d)])
    for doc in docs:
        row = store.document_columns(doc, folded)
        assert row == store.document_columns(doc)
        assert json.loads(row["document"]) == doc and row["document"] == json.dumps(doc, ensure_ascii=False)


def test_duplicate_keys_with_names_folded_beforehand_are_the_same():
    docs = _odd_documents() + _generated(60)
    folded = store.fold_all([t for d in docs for t in store.names_to_fold(d)])
    for d in docs:
        if all(isinstance(m, dict) for m in d["members"]):   # a checked document's members are objects
            assert duplicate_keys(d, folded.__getitem__) == duplicate_keys(d)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), max_size=12))
def test_folding_many_texts_at_once_is_folding_each(texts):
    folded = store.fold_all(texts)
    assert all(folded[t] == fold(t) for t in texts)
