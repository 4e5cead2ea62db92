"""The whole loop without a window: two enumerators and one supervisor in temporary folders —
export → import → return → fix → re-import — with conflicts, duplicates, the to-do list and the history."""

from __future__ import annotations

from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.services import figures
from tests import onfile
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc
from fieldsurvey.storage.workspace import Workspace


def test_two_enumerators_and_a_supervisor_round_trip(site):
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    a2 = site.add(site.lan, "lan", "Hà Thị Lan")
    b1 = site.add(site.hoa, "hoa", "Ma Văn Tuấn")

    r = site.send(site.lan, site.sup)
    assert sorted(r.new) == sorted([a1, a2]) and not r.updated and not r.conflicts
    r = site.send(site.hoa, site.sup)
    assert r.new == [b1]
    assert site.row(site.sup, a1)["status"] == "submitted" and site.row(site.sup, a1)["owner"] == "lan"

    # the same bundle twice changes nothing and says so
    last = sorted(site.stick.glob("*hoa*"))[-1]
    (again,) = run_to_end(svc.import_bundles(site.sup, [last]))
    assert again.status == "already" and "nothing changed" in again.message

    # nothing changed since: an incremental export is empty
    empty = svc.export_bundle(site.lan, site.stick)
    assert empty.households == 0

    # review: approve a2, return a1 with a comment, move b1 from hoa to lan
    onfile.review(site.sup, [a2], "approve")
    onfile.review(site.sup, [a1], "return", "Diện tích nhà chưa đúng")
    onfile.review(site.sup, [b1], "reassign", "hoa is ill", owner="lan")
    back = site.send(site.sup, site.lan, to="lan")
    assert back.actions == 3 and back.new == [b1]
    assert site.row(site.lan, a1)["status"] == "returned"
    assert site.row(site.lan, a2)["status"] == "approved"
    assert site.row(site.lan, b1)["owner"] == "lan"
    todo = {t.uuid: t for t in onfile.todo(site.lan)}
    assert set(todo) == {a1, b1}
    assert todo[a1].comment == "Diện tích nhà chưa đúng"
    # hoa hears that b1 is no longer hers
    site.send(site.sup, site.hoa, to="hoa")
    assert site.row(site.hoa, b1)["owner"] == "lan"

    # lan fixes a1 and hands in again: updated, not a conflict; the to-do shrinks
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=55))
    r = site.send(site.lan, site.sup)
    assert r.updated == [a1] and not r.conflicts
    assert site.doc(site.sup, a1)["household"]["floor_area"] == 55
    assert site.row(site.sup, a1)["status"] == "submitted"     # fixed after the return: waits for review again
    assert {t.uuid for t in onfile.todo(site.lan)} == {b1}

    hist = onfile.history(site.sup, a1)
    returned = [h for h in hist if h.field == "status" and h.new == "returned"]
    assert returned and returned[0].user == "thu" and returned[0].note == "Diện tích nhà chưa đúng"
    fixed = [h for h in hist if h.field == "household.floor_area"]
    assert fixed and fixed[-1].user == "lan" and fixed[-1].new == "55"   # lan's own edit, carried over
    assert any(h.action == "import" for h in hist)


def test_concurrent_edits_make_a_conflict_settled_field_by_field(site):
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    # both sides change the same household from the same parent
    site.edit(site.sup, a1, lambda d: d["household"].update(floor_area=30, water_source="protected_dug_well"))
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=44, latrine="none"))
    r = site.send(site.lan, site.sup)
    assert r.conflicts == [a1] and not r.updated
    # nothing overwritten: the supervisor's document stays, the incoming one is kept beside it
    assert site.doc(site.sup, a1)["household"]["floor_area"] == 30
    (c,) = onfile.list_conflicts(site.sup)
    fields = {f.field: f for f in c.fields}
    assert (fields["household.floor_area"].ours, fields["household.floor_area"].theirs) == ("30", "44")
    onfile.resolve_conflict(site.sup, c.id, {"household.floor_area": "incoming", "household.latrine": "incoming",
                                             "household.water_source": "local"})
    doc = site.doc(site.sup, a1)
    assert (doc["household"]["floor_area"], doc["household"]["latrine"],
            doc["household"]["water_source"]) == (44, "none", "protected_dug_well")
    assert onfile.list_conflicts(site.sup) == []
    # the settled revision goes back to lan as a correction — an update there, not a new conflict
    back = site.send(site.sup, site.lan, to="lan")
    assert back.updated == [a1] and not back.conflicts
    assert site.doc(site.lan, a1)["household"]["water_source"] == "protected_dug_well"
    # and lan's next edit descends from it: an update for the supervisor
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=46))
    r = site.send(site.lan, site.sup)
    assert r.updated == [a1] and not r.conflicts


def test_older_bundle_after_newer_changes_nothing_and_gaps_are_reported(site):
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    first = svc.export_bundle(site.lan, site.stick)
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=50))
    second = svc.export_bundle(site.lan, site.stick)
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=60))
    third = svc.export_bundle(site.lan, site.stick)
    (r3,) = run_to_end(svc.import_bundles(site.sup, [third.path]))
    assert r3.new == [a1] and r3.missing_sequences == [1, 2]
    (r1,) = run_to_end(svc.import_bundles(site.sup, [first.path]))
    assert r1.unchanged == [a1] and r1.older and r1.missing_sequences == [2]
    assert site.doc(site.sup, a1)["household"]["floor_area"] == 60
    (r2,) = run_to_end(svc.import_bundles(site.sup, [second.path]))
    assert r2.unchanged == [a1] and r2.missing_sequences == []


def test_likely_duplicates_are_flagged_never_merged(site):
    a1 = site.add(site.lan, "lan", "Nguyễn Văn Ánh")
    b1 = site.add(site.hoa, "hoa", "nguyen van anh")
    site.send(site.lan, site.sup)
    r = site.send(site.hoa, site.sup)
    assert r.duplicates == 1
    (d,) = onfile.list_duplicates(site.sup)
    assert {d.a.uuid, d.b.uuid} == {a1, b1} and d.reason == "name_year_village"
    assert site.row(site.sup, a1) and site.row(site.sup, b1)   # both still there
    onfile.decide_duplicate(site.sup, d.id, "apart")
    assert onfile.list_duplicates(site.sup) == []
    # handed in again unchanged: not flagged again
    site.edit(site.hoa, b1, lambda d: d["household"].update(floor_area=33))
    site.send(site.hoa, site.sup)
    assert onfile.list_duplicates(site.sup) == []


def test_hand_in_for_a_household_of_another_enumerator_is_refused_for_that_record(site):
    b1 = site.add(site.hoa, "hoa", "Ma Văn Tuấn")
    site.send(site.hoa, site.sup)
    # lan somehow holds the same household and hands it in
    doc = site.doc(site.hoa, b1)
    from fieldsurvey.storage.workspace import Workspace

    with Workspace.open(site.lan) as ws:
        ws.save_household(doc, status="complete", owner="lan")
    r = site.send(site.lan, site.sup)
    assert [x["uuid"] for x in r.refused] == [b1] and "assigned to hoa" in r.refused[0]["reason"]
    assert site.row(site.sup, b1)["owner"] == "hoa"


def test_a_hand_in_is_compared_with_households_made_in_the_supervisors_workspace(site):
    here = site.add(site.sup, "lan", "Đinh Thị Mơ")
    other = site.add(site.lan, "lan", "dinh thi mo")
    r = site.send(site.lan, site.sup)
    assert r.new == [other] and r.duplicates == 1
    (d,) = onfile.list_duplicates(site.sup)
    onfile.decide_duplicate(site.sup, d.id, "merge", keep=here)
    assert site.row(site.sup, other)["status"] == "merged" and site.row(site.sup, here)["status"] == "complete"
    assert any(h.action == "merged-into" for h in onfile.history(site.sup, other))
    # lan hears of it in the next return bundle
    site.send(site.sup, site.lan, to="lan")
    assert site.row(site.lan, other)["status"] == "merged"
    # an edit of the merged-away household handed in anyway is refused (that record only), not applied
    site.edit(site.lan, other, lambda d: d["household"].update(floor_area=12))
    r = site.send(site.lan, site.sup)
    assert [x["uuid"] for x in r.refused] == [other] and site.row(site.sup, other)["status"] == "merged"


def test_a_review_decision_crossing_an_edit_is_merged_not_a_conflict(site):
    """The supervisor returns a household while its enumerator, not knowing yet, goes on editing it: only the
    status changed on the supervisor's side, so the edit is taken — by a revision with both lines as parents."""
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    onfile.review(site.sup, [a1], "return", "Thiếu thu nhập")
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=70))
    r = site.send(site.lan, site.sup)
    assert r.updated == [a1] and r.merged == [a1] and not r.conflicts
    assert site.doc(site.sup, a1)["household"]["floor_area"] == 70
    assert site.row(site.sup, a1)["status"] == "submitted"
    # the two-parent revision goes back: lan moves onto it, with the supervisor's comment on the to-do list
    back = site.send(site.sup, site.lan, to="lan")
    assert back.updated == [a1] and not back.conflicts
    assert [t.comment for t in onfile.todo(site.lan)] == ["Thiếu thu nhập"]
    # but when the supervisor changed an answer too, it is a conflict
    site.edit(site.sup, a1, lambda d: d["household"].update(latrine="none"))
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=71))
    r = site.send(site.lan, site.sup)
    assert r.conflicts == [a1] and not r.merged


def test_an_export_that_dies_after_writing_never_reuses_its_number_nor_loses_work(site, monkeypatch):
    from fieldsurvey.storage import sync_store

    a1 = site.add(site.lan, "lan", "Lò Văn Pả")

    def die(*args, **kw):
        raise OSError("stick pulled")

    monkeypatch.setattr(sync_store, "finish_export", die)
    try:
        svc.export_bundle(site.lan, site.stick)
    except OSError:
        pass
    monkeypatch.undo()
    (first,) = site.stick.glob("*.fsbundle")   # written, but not recorded as sent
    second = svc.export_bundle(site.lan, site.stick)
    assert second.sequence == 2 and second.households == 1   # the same household again, under a new number
    (r1,) = run_to_end(svc.import_bundles(site.sup, [second.path]))
    (r2,) = run_to_end(svc.import_bundles(site.sup, [first]))
    assert r1.new == [a1] and r1.missing_sequences == [1]
    assert r2.status == "imported" and r2.unchanged == [a1] and r2.missing_sequences == []


def test_the_enumerators_side_of_a_crossing_settles_itself_when_the_merge_comes_back(site):
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    onfile.review(site.sup, [a1], "return", "Kiểm tra lại thu nhập")
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=70))   # before the return arrives
    back = site.send(site.sup, site.lan, to="lan")
    assert back.conflicts == [a1]                      # lan's answers are kept; the return is on the to-do list
    assert site.doc(site.lan, a1)["household"]["floor_area"] == 70
    assert len(onfile.list_conflicts(site.lan)) == 1
    r = site.send(site.lan, site.sup)
    assert r.merged == [a1]                            # only the status changed at the supervisor's
    back = site.send(site.sup, site.lan, to="lan")
    assert back.updated == [a1]
    assert onfile.list_conflicts(site.lan) == []          # settled by the merge (superseded)
    assert site.doc(site.lan, a1)["household"]["floor_area"] == 70


def test_a_household_that_moved_away_keeps_that_status_when_its_conflict_is_settled(site):
    """The enumerator finds the family gone (moved away, with a note) while the supervisor corrected an answer:
    a conflict. Settled field by field, the household stays moved away — the incoming line's change — and is
    counted nowhere; taking the supervisor's side of every field keeps it too."""
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    site.edit(site.sup, a1, lambda d: d["household"].update(floor_area=30))
    site.edit(site.lan, a1, lambda d: d["household"].update(notes="Cả nhà chuyển vào Bình Dương"))
    with Workspace.open(site.lan) as ws:
        ws.change_status(a1, Action.MOVE_AWAY, reason="chuyển đi")
    r = site.send(site.lan, site.sup)
    assert r.conflicts == [a1]
    assert site.row(site.sup, a1)["status"] != "moved_away"       # nothing taken before it is settled
    (c,) = onfile.list_conflicts(site.sup)
    onfile.resolve_conflict(site.sup, c.id, take="local")
    assert site.row(site.sup, a1)["status"] == "moved_away"
    assert site.doc(site.sup, a1)["household"]["floor_area"] == 30
    with Workspace.open(site.sup) as ws:
        fig = run_to_end(figures.commune_figures(ws))
    assert fig.commune.moved_away == 1 and a1 not in fig.classes_by_household


def test_a_return_settled_on_the_enumerators_side_stays_returned(site):
    """The supervisor returns a household and corrects an answer while the enumerator edits it: on the enumerator's
    side a conflict. Settled there, the household stays returned — the supervisor's signed decision — never
    "submitted" as if the enumerator had handed it in."""
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    site.edit(site.sup, a1, lambda d: d["household"].update(floor_area=30))
    onfile.review(site.sup, [a1], "return", "Kiểm tra lại diện tích")
    site.edit(site.lan, a1, lambda d: d["household"].update(notes="Đã hẹn gặp lại"))
    back = site.send(site.sup, site.lan, to="lan")
    assert back.conflicts == [a1]
    (c,) = onfile.list_conflicts(site.lan)
    onfile.resolve_conflict(site.lan, c.id, take="incoming")
    assert site.row(site.lan, a1)["status"] == "returned"
    assert site.doc(site.lan, a1)["household"]["floor_area"] == 30
