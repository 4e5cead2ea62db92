"""The supervisor's list of villages travelling in return bundles (`villages.json`, services/villages.py): applied on
the enumerator's side all or nothing, once (the same or an older list changes nothing), the enumerator's own
households following the renames and merges; a hand-in carrying it refused whole; on the supervisor's side a
household handed in with a village's former name follows it, one naming a village never listed is flagged in the
import summary and not added to the list. Real workspaces, real bundles on a stick."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldsurvey.progress import run_to_end
from fieldsurvey.services import figures as figs
from fieldsurvey.services import sync as svc
from fieldsurvey.services import villages
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync.container import canonical, seal
from tests.sync import forge
from tests.sync.test_roles import import_one, refused, state


def names(path: Path) -> list[str]:
    with Workspace.open(path) as ws:
        return ws.villages()


def village_of(site, path: Path, uid: str) -> str:
    return site.doc(path, uid)["location"]["village"]


def audit_of(path: Path, uid: str) -> list[tuple]:
    with Workspace.open(path) as ws:
        return [tuple(r) for r in ws.db.execute("SELECT action, field, old, new, reason FROM audit WHERE uuid = ? "
                                                "ORDER BY id", [uid])]


def supervisor(site, change) -> None:
    with Workspace.open(site.sup) as ws:
        change(ws)


def export_return(site, to: str = "lan") -> Path:
    return svc.export_bundle(site.sup, site.stick, to=to).path


# --- a return bundle carries the list, applied on the enumerator's side -------------------------------------------

def test_the_first_return_bundle_brings_the_list_to_an_enumerator_who_has_none(site):
    assert names(site.lan) == [] and names(site.sup) == ["Thôn 1", "Thôn 2", "Thôn 3"]
    supervisor(site, lambda ws: villages.rename_village(ws, "Thôn 2", "Thôn Nà Đình"))
    supervisor(site, lambda ws: svc_residents(ws, "Thôn Nà Đình", 120, 84))
    with Workspace.open(site.sup) as ws:
        version = villages.villages_payload(ws)["version"]
    report = import_one(site.lan, export_return(site))
    assert report.status == "imported" and report.villages["added"] == ["Thôn 1", "Thôn Nà Đình", "Thôn 3"]
    assert names(site.lan) == ["Thôn 1", "Thôn Nà Đình", "Thôn 3"]
    with Workspace.open(site.lan) as ws:
        row = next(v for v in ws.village_rows() if v.name == "Thôn Nà Đình")
        assert (row.residents, row.residents_minority) == (120, 84)   # the counts travel too
        assert villages.applied_version(ws) == version == 5           # a rename and four figures
        # who decided is the supervisor who signed; where it came from is said
        added = [(c.field, c.new, c.user, c.reason) for c in ws.village_changes("Thôn Nà Đình")]
        assert ("added", "Thôn Nà Đình", "thu", "supervisor") in added
    lines = svc.describe(report, "vi")
    assert any("Danh sách thôn đã cập nhật theo giám sát viên" in line for line in lines)
    assert any("The list of villages now follows the supervisor's" in line for line in svc.describe(report, "en"))


def svc_residents(ws, village, n, minority):
    from fieldsurvey.services.workspaces import set_residents
    return set_residents(ws, village, n, "2026-09-01", "Sổ hộ khẩu", minority=minority)


def test_a_rename_reaches_the_enumerators_households_not_yet_handed_in(site):
    import_one(site.lan, export_return(site))            # lan has the list: Thôn 1..3
    sent = site.add(site.lan, "lan", "Lò Văn Pả")         # handed in before the rename
    site.send(site.lan, site.sup)
    draft = site.add(site.lan, "lan", "Hoàng Văn Sình")   # still only on lan's laptop
    supervisor(site, lambda ws: villages.rename_village(ws, "Thôn 1", "Thôn Nà Đình"))
    assert village_of(site, site.sup, sent) == "Thôn Nà Đình"
    report = import_one(site.lan, export_return(site))
    assert report.status == "imported" and sent in report.updated     # the supervisor's revision, fast-forward
    assert report.villages["renamed"] == [["Thôn 1", "Thôn Nà Đình"]]
    assert names(site.lan) == ["Thôn Nà Đình", "Thôn 2", "Thôn 3"]
    assert village_of(site, site.lan, sent) == village_of(site, site.lan, draft) == "Thôn Nà Đình"
    # the draft moved by a revision of lan's own, the reason naming the change (History shows it)
    assert ("village", "location.village", '"Thôn 1"', '"Thôn Nà Đình"', "Đổi tên thôn: Thôn 1 → Thôn Nà Đình") \
        in audit_of(site.lan, draft)
    # handed in again: nothing conflicts, and the supervisor's list has no ninth village
    back = site.send(site.lan, site.sup)
    assert not back.conflicts and not back.unknown_villages and draft in back.new
    assert names(site.sup) == ["Thôn Nà Đình", "Thôn 2", "Thôn 3"]
    assert village_of(site, site.sup, draft) == "Thôn Nà Đình"


def test_a_merge_reaches_the_enumerator_and_the_counts_are_the_sum(site):
    supervisor(site, lambda ws: svc_residents(ws, "Thôn 1", 100, 10))
    supervisor(site, lambda ws: svc_residents(ws, "Thôn 2", 50, 5))
    import_one(site.lan, export_return(site))
    draft = site.add(site.lan, "lan", "Lò Văn Pả")   # in Thôn 1
    supervisor(site, lambda ws: villages.merge_villages(ws, "Thôn 1", "Thôn 2"))
    report = import_one(site.lan, export_return(site))
    assert report.villages["renamed"] == [["Thôn 1", "Thôn 2"]] and report.villages["households"] == 1
    assert names(site.lan) == ["Thôn 2", "Thôn 3"] and village_of(site, site.lan, draft) == "Thôn 2"
    with Workspace.open(site.lan) as ws:
        row = next(v for v in ws.village_rows() if v.name == "Thôn 2")
        assert (row.residents, row.residents_minority) == (150, 15)
        assert ("Gộp thôn: Thôn 1 → Thôn 2",) in [(a[4],) for a in audit_of(site.lan, draft)]


def test_the_same_list_twice_or_an_older_one_changes_nothing(site):
    supervisor(site, lambda ws: villages.rename_village(ws, "Thôn 1", "Thôn Nà Đình"))
    older = export_return(site)                                     # version 1
    supervisor(site, lambda ws: villages.rename_village(ws, "Thôn Nà Đình", "Thôn Nà Đình Mới"))
    newer = export_return(site)                                     # version 2
    assert import_one(site.lan, newer).villages["version"] == 2
    assert names(site.lan) == ["Thôn Nà Đình Mới", "Thôn 2", "Thôn 3"]
    report = import_one(site.lan, older)                            # arrives late: imported, the list untouched
    assert report.status == "imported" and report.villages is None
    assert names(site.lan) == ["Thôn Nà Đình Mới", "Thôn 2", "Thôn 3"]
    # the same payload applied again (a starter package opened twice): nothing written
    with Workspace.open(site.sup) as ws:
        payload = villages.villages_payload(ws)
    before = state(site.lan)
    with Workspace.open(site.lan) as ws:
        assert villages.apply_villages_payload(ws, payload, "thu").already
        assert villages.apply_villages_payload(ws, json.loads(json.dumps(payload)), "thu").already
    assert state(site.lan) == before


def test_a_village_typed_differently_before_the_list_came_takes_the_lists_name(site):
    with Workspace.open(site.lan) as ws:   # set up before: typed without diacritics
        ws.add_village("Thon 1")
    uid = site.add(site.lan, "lan", "Lò Văn Pả")
    site.edit(site.lan, uid, lambda d: d["location"].update(village="Thon 1"))
    import_one(site.lan, export_return(site))
    assert names(site.lan) == ["Thôn 1", "Thôn 2", "Thôn 3"] and village_of(site, site.lan, uid) == "Thôn 1"


def test_a_village_only_this_side_had_stays_while_households_name_it(site):
    with Workspace.open(site.lan) as ws:
        ws.add_village("Bản Lạ")
        ws.add_village("Bản Trống")
    uid = site.add(site.lan, "lan", "Lò Văn Pả")
    site.edit(site.lan, uid, lambda d: d["location"].update(village="Bản Lạ"))
    report = import_one(site.lan, export_return(site))
    assert report.villages["kept"] == ["Bản Lạ"] and report.villages["removed"] == ["Bản Trống"]
    assert names(site.lan) == ["Thôn 1", "Thôn 2", "Thôn 3", "Bản Lạ"]
    assert any("Bản Lạ" in line and "chọn lại thôn" in line for line in svc.describe(report, "vi"))


# --- the supervisor's side: a former name follows, an unknown one is flagged ----------------------------------------

def test_a_hand_in_with_a_former_name_follows_and_an_unknown_village_is_flagged(site):
    supervisor(site, lambda ws: villages.rename_village(ws, "Thôn 1", "Thôn Nà Đình"))
    old = site.add(site.lan, "lan", "Lò Văn Pả")                 # lan has not had the return bundle yet
    accents = site.add(site.lan, "lan", "Lò Thị Dung")
    site.edit(site.lan, accents, lambda d: d["location"].update(village="thôn na đinh"))   # the same, typed loosely
    typed = site.add(site.lan, "lan", "Hoàng Văn Sình")
    site.edit(site.lan, typed, lambda d: d["location"].update(village="Thôn Nà Đìn"))   # a village never listed
    report = site.send(site.lan, site.sup)
    assert sorted(report.villages_followed) == sorted([[old, "Thôn 1", "Thôn Nà Đình"],
                                                       [accents, "thôn na đinh", "Thôn Nà Đình"]])
    assert report.unknown_villages == [[typed, "Thôn Nà Đìn"]]
    assert village_of(site, site.sup, old) == village_of(site, site.sup, accents) == "Thôn Nà Đình"
    assert village_of(site, site.sup, typed) == "Thôn Nà Đìn"            # stored as it came
    assert names(site.sup) == ["Thôn Nà Đình", "Thôn 2", "Thôn 3"]        # not added to the list
    vi, en = svc.describe(report, "vi"), svc.describe(report, "en")
    assert any(typed in line and "không có trong danh sách thôn" in line for line in vi)
    assert any(typed in line and "not on the commune's list of villages" in line for line in en)
    assert any(old in line and "nay là «Thôn Nà Đình»" in line for line in vi)
    with Workspace.open(site.sup) as ws:                                  # the figures name it apart
        fig = run_to_end(figs.commune_figures(ws))
        assert fig.unlisted == ["Thôn Nà Đìn"]
        assert [u.name for u in fig.villages] == ["Thôn Nà Đình", "Thôn 2", "Thôn 3", "Thôn Nà Đìn"]
        # the supervisor's way: the village added to the list, then merged into the right one
        villages.add_village(ws, "Thôn Nà Đìn")
        villages.merge_villages(ws, "Thôn Nà Đìn", "Thôn Nà Đình")
        fig = run_to_end(figs.commune_figures(ws))
        assert fig.unlisted == [] and [u.name for u in fig.villages] == ["Thôn Nà Đình", "Thôn 2", "Thôn 3"]
        assert fig.villages[0].listed == 3
    assert village_of(site, site.sup, typed) == "Thôn Nà Đình"


# --- hostile: a hand-in carrying the list, a broken list in a return bundle ------------------------------------------

def _villages_entry(site) -> bytes:
    with Workspace.open(site.sup) as ws:
        return canonical(villages.villages_payload(ws))


def test_a_hand_in_carrying_village_changes_is_refused_whole(site):
    mine = forge.record(device="dev-lan", user="lan")
    signer = svc.identity_of(site.lan)
    entries = forge.entries_for([mine])
    entries["villages.json"] = canonical({"format": 1, "version": 99, "villages": [{"name": "Thôn Của Lan"}],
                                          "changes": [{"id": 1, "kind": "rename", "from": "Thôn 1",
                                                       "to": "Thôn Của Lan", "at": "2026-11-20", "by": "thu"}]})
    m = forge.manifest(entries, signer, 1)
    data = seal(forge.raw_zip([("manifest.json", canonical(m)), *entries.items()]), signer,
                svc.identity_of(site.sup).public)
    bundle = site.stick / "lan-villages.fsbundle"
    bundle.write_bytes(data)
    report = refused(site, bundle, "villages.error.handin_villages")
    assert "villages.json" in report.text("en") and "supervisor" in report.text("en")
    assert "giám sát viên" in report.text("vi") and "Không nhập gì" in report.text("vi")
    assert names(site.sup) == ["Thôn 1", "Thôn 2", "Thôn 3"]


@pytest.mark.parametrize("payload, key", [
    ({"format": 2, "version": 1, "villages": [], "changes": []}, "villages.error.payload_format"),
    ({"format": 1, "version": 1, "villages": [{"name": "Thôn\x001"}], "changes": []}, "villages.error.payload_name"),
    ({"format": 1, "version": 1, "villages": [{"name": "A"}, {"name": "A"}], "changes": []},
     "villages.error.payload_twice"),
    ({"format": 1, "version": 1, "villages": [{"name": "A", "residents": -3}], "changes": []},
     "sync.error.whole_number"),
    ({"format": 1, "version": 1, "villages": [{"name": "B"}],   # a change numbered after the version
      "changes": [{"id": 2, "kind": "rename", "from": "A", "to": "B", "at": "x", "by": "thu"}]},
     "villages.error.payload_order"),
])
def test_a_return_bundle_with_a_broken_list_is_refused_whole(site, payload, key):
    import_one(site.lan, export_return(site))
    uid = site.add(site.lan, "lan", "Lò Văn Pả")
    signer, lan = svc.identity_of(site.sup), svc.identity_of(site.lan)
    entries = {"villages.json": canonical(payload)}
    m = forge.manifest(entries, signer, 5, kind="return", to=lan.device)
    bundle = site.stick / "thu-broken.fsbundle"
    bundle.write_bytes(seal(forge.raw_zip([("manifest.json", canonical(m)), *entries.items()]), signer, lan.public))
    before = state(site.lan)
    report = import_one(site.lan, bundle)
    assert report.status == "refused" and report.error["key"] == key, report.message
    assert state(site.lan) == before and village_of(site, site.lan, uid) == "Thôn 1"
    assert report.text("vi") != report.text("en")


def test_a_first_list_never_merges_a_village_into_the_one_that_took_its_old_name(site):
    """Thôn 1 renamed Thôn Nà Đình, then a new Thôn 1 added: an enumerator who never had a list (or had it as it is
    now, from a starter package) keeps the new Thôn 1 and its households — the old rename is not replayed onto it."""
    supervisor(site, lambda ws: villages.rename_village(ws, "Thôn 1", "Thôn Nà Đình"))
    supervisor(site, lambda ws: villages.add_village(ws, "Thôn 1"))
    with Workspace.open(site.lan) as ws:   # as a starter package leaves it: the list as it is now
        for name in ("Thôn Nà Đình", "Thôn 2", "Thôn 3", "Thôn 1"):
            ws.add_village(name)
        ws.set_meta("assigned_villages", json.dumps(["Thôn 1"]))
    uid = site.add(site.lan, "lan", "Lò Văn Pả")      # in the new Thôn 1
    report = import_one(site.lan, export_return(site))
    assert report.villages["renamed"] == [] and village_of(site, site.lan, uid) == "Thôn 1"
    assert names(site.lan) == ["Thôn Nà Đình", "Thôn 2", "Thôn 3", "Thôn 1"]


def test_the_villages_a_starter_package_assigned_follow_a_rename(site):
    import_one(site.lan, export_return(site))
    with Workspace.open(site.lan) as ws:
        ws.set_meta("assigned_villages", json.dumps(["Thôn 1", "Thôn 3"]))
    supervisor(site, lambda ws: villages.rename_village(ws, "Thôn 1", "Thôn Nà Đình"))
    import_one(site.lan, export_return(site))
    with Workspace.open(site.lan) as ws:
        assert json.loads(ws.meta("assigned_villages")) == ["Thôn Nà Đình", "Thôn 3"]
