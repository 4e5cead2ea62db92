"""The household list, search without diacritics, counts and progress, on a real workspace."""

from __future__ import annotations

from fieldsurvey.storage import queries as q
from fieldsurvey.storage.queries import HouseholdFilter as F
from tests.storage.conftest import make_doc

NAMES = [("Nguyễn Văn A", "Thôn 1", "lan"), ("Nguyễn Văn An", "Thôn 2", "lan"), ("Trần Thị Bình", "Thôn 1", "hoa"),
         ("Đặng Văn Đức", "Thôn 2", "hoa"), ("Lò Thị Xuân", "Thôn 1", None), ("Nguyen Van Ba", "Thôn 2", "lan")]


def _fill(ws) -> dict[str, str]:
    ids = {}
    for i, (name, village, owner) in enumerate(NAMES):
        doc = make_doc(name, village, uid=f"{i:08x}-0000-4000-8000-000000000000")
        ws.save_household(doc, status="complete" if i % 2 else "draft", owner=owner)
        ids[name] = doc["uuid"]
    cls = ["poor", "near_poor", "not_poor", "poor", None, "average"]
    # the classes these query tests need (a household saved is classified from its document; here they are set)
    ws.save_classifications([(c, "vn-2022-2025", 1, 0, 1.0, 0.0, "{}", ids[n]) for c, (n, _, _) in zip(cls, NAMES)])
    return ids


def test_search_without_diacritics_finds_names_and_ids(ws):
    ids = _fill(ws)
    found = [r.head_name for r in q.household_page(ws.db, F(search="nguyen van a"), sort="head_name")]
    assert found == ["Nguyễn Văn A", "Nguyễn Văn An"]
    assert [r.head_name for r in q.household_page(ws.db, F(search="ĐỨC"))] == ["Đặng Văn Đức"]
    assert [r.head_name for r in q.household_page(ws.db, F(search="duc"))] == ["Đặng Văn Đức"]
    # another member's name and an ID number find the household too
    assert len(q.household_page(ws.db, F(search="tran thi binh"))) == len(NAMES)  # every household has her
    assert q.household_count(ws.db, F(search="001086000001")) == len(NAMES)
    assert [r.uuid for r in q.household_page(ws.db, F(search="00000002"))] == [ids["Trần Thị Bình"]]
    assert q.household_page(ws.db, F(search="100%_")) == []


def test_filters_sorting_and_pages_do_not_overlap(ws):
    ids = _fill(ws)
    assert q.household_count(ws.db) == 6
    assert q.household_count(ws.db, F(village="Thôn 1")) == 3
    assert q.household_count(ws.db, F(owner="lan", status="draft")) == 1
    assert [r.head_name for r in q.household_page(ws.db, F(household_class="poor"), sort="head_name")] == \
        ["Đặng Văn Đức", "Nguyễn Văn A"]
    assert [r.uuid for r in q.household_page(ws.db, F(household_class="unclassified"))] == [ids["Lò Thị Xuân"]]
    whole = [r.uuid for r in q.household_page(ws.db, sort="village")]
    paged = [r.uuid for off in range(0, 6, 4) for r in q.household_page(ws.db, sort="village", offset=off, limit=4)]
    assert paged == whole and len(set(whole)) == 6
    assert [(r.village, r.head_name) for r in q.household_page(ws.db, sort="village")][:3] == \
        [("Thôn 1", "Lò Thị Xuân"), ("Thôn 1", "Nguyễn Văn A"), ("Thôn 1", "Trần Thị Bình")]
    desc = [r.head_name for r in q.household_page(ws.db, sort="head_name", descending=True)]
    assert desc[0] == "Trần Thị Bình" and desc[-1] == "Đặng Văn Đức"


def test_counts_progress_owners_and_form_versions(ws):
    ids = _fill(ws)
    assert q.counts_by_village_class(ws.db) == {"Thôn 1": {"poor": 1, "not_poor": 1, "unclassified": 1},
                                                "Thôn 2": {"near_poor": 1, "poor": 1, "average": 1}}
    assert q.progress_by_owner(ws.db) == {"": {"draft": 1}, "hoa": {"draft": 1, "complete": 1},
                                          "lan": {"draft": 1, "complete": 2}}
    assert q.owners(ws.db) == ["hoa", "lan"]
    old = make_doc("Cũ", uid="ffffffff-0000-4000-8000-000000000000")
    old["form"]["version"] = "2025.3"
    ws.save_household(old)
    newer = make_doc("Mới", uid="eeeeeeee-0000-4000-8000-000000000000")
    newer["form"]["version"] = "2026.10"
    ws.save_household(newer)
    assert [r["uuid"] for r in q.older_form_households(ws.db, "vn-review-2022", "2026.1")] == [old["uuid"]]
    assert {r["uuid"] for r in q.older_form_households(ws.db, "vn-review-2022", "2027.1")} == \
        set(ids.values()) | {old["uuid"], newer["uuid"]}
    assert q.older_form_households(ws.db, "other-form", "9") == []
