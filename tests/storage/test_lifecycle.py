"""The household lifecycle through a real workspace file: statuses, owner, revisions, autosave, audit."""

from __future__ import annotations

import re
import sqlite3

import pytest

from fieldsurvey.storage import revisions
from fieldsurvey.storage.audit import log as audit_log
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.domain.fieldpaths import diff as changes
from fieldsurvey.domain.lifecycle import Action, HouseholdStatus, TransitionError
from fieldsurvey.storage.workspace import HouseholdState
from fieldsurvey.storage.workspace import Workspace
from tests.storage.conftest import make_doc


def test_new_household_gets_an_open_revision_and_a_create_entry(ws):
    doc = make_doc()
    rid = ws.save_household(doc, owner="lan")
    rev = revisions.current(ws.db, doc["uuid"])
    assert rev.id == rid and rev.parent is None and not rev.sealed
    assert (rev.device, rev.user, rev.status) == ("dev-test", "lan", "draft")
    assert rid.startswith("dev-test.")
    [entry] = audit_log(ws.db, doc["uuid"])
    assert entry["action"] == "create" and entry["user"] == "lan" and entry["device"] == "dev-test"
    assert ws.household_state(doc["uuid"]) == HouseholdState(HouseholdStatus.DRAFT, "lan", rid, True, "not_poor")


def test_autosave_updates_the_open_revision_in_place_and_audits_each_field(ws):
    doc = make_doc()
    rid = ws.save_household(doc, owner="lan")
    for i in range(50):
        assert ws.save_answer(doc["uuid"], "floor_area", 61 + i) == rid
    assert len(revisions.of(ws.db, doc["uuid"])) == 1
    edits = [e for e in audit_log(ws.db, doc["uuid"]) if e["action"] == "edit"]
    assert len(edits) == 50
    assert edits[0]["field"] == "household.floor_area" and edits[0]["old"] == 60 and edits[0]["new"] == 61
    assert (edits[1]["old"], edits[1]["new"]) == (61, 62)
    assert ws.get_household(doc["uuid"])["household"]["floor_area"] == 110


def test_an_unchanged_answer_writes_nothing(ws):
    doc = make_doc()
    ws.save_household(doc)
    before = len(audit_log(ws.db))
    assert ws.save_answer(doc["uuid"], "floor_area", doc["household"]["floor_area"]) is None
    assert len(audit_log(ws.db)) == before


def test_an_answer_leaving_the_class_as_it_was_rewrites_no_class_column(ws):
    """An autosave sets only the columns whose value changes: a class column set to its own value would still
    rewrite its index entries (one more page written, and journaled, per save: docs/performance.md)."""
    doc = make_doc()
    ws.save_household(doc)
    columns = "class, standard_id, deprivations, b2_score, income_per_person, b1_score, classification"
    before = ws.db.execute(f"SELECT {columns} FROM households WHERE uuid = ?", [doc["uuid"]]).fetchone()
    statements: list[str] = []
    ws.db.conn.set_trace_callback(statements.append)
    ws.save_answer(doc["uuid"], "floor_area", 75)
    [update] = [s for s in statements if s.startswith("UPDATE households")]
    assert not re.search(r"\b(class|income_per_person|deprivations|classification) = ", update)
    assert "updated_at = " in update
    assert ws.db.execute(f"SELECT {columns} FROM households WHERE uuid = ?", [doc["uuid"]]).fetchone() == before
    statements.clear()
    ws.save_answer(doc["uuid"], "income_wages", 0)   # no income: the class changes, and its columns are written
    [update] = [s for s in statements if s.startswith("UPDATE households")]
    assert re.search(r"\bclass = ", update) and re.search(r"\bincome_per_person = ", update)
    ws.db.conn.set_trace_callback(None)
    row = ws.db.execute(f"SELECT {columns} FROM households WHERE uuid = ?", [doc["uuid"]]).fetchone()
    assert row[0] == ws.household_state(doc["uuid"]).household_class != "not_poor" and row[4] == 0
    assert ws.classify(ws.get_household(doc["uuid"]))[0] == row[0]


def test_member_answer_and_search_columns_follow(ws):
    doc = make_doc()
    ws.save_household(doc)
    ws.save_answer(doc["uuid"], "name", "Nguyễn Văn Bảy", member="m1")
    row = ws.db.execute("SELECT head_name, head_folded FROM households WHERE uuid = ?", [doc["uuid"]]).fetchone()
    assert row[0] == "Nguyễn Văn Bảy" and row[1].startswith("nguyen van bay")
    [e] = [e for e in audit_log(ws.db, doc["uuid"]) if e["action"] == "edit"]
    assert (e["field"], e["old"], e["new"]) == ("members[m1].name", "Nguyễn Văn A", "Nguyễn Văn Bảy")
    with pytest.raises(WorkspaceError, match="no member 'm9'"):
        ws.save_answer(doc["uuid"], "name", "x", member="m9")


def test_status_change_seals_and_next_edit_starts_a_child(ws):
    doc = make_doc()
    r1 = ws.save_household(doc, owner="lan")
    ws.save_answer(doc["uuid"], "floor_area", 70)
    assert ws.save_form(doc | {"household": ws.get_household(doc["uuid"])["household"]}, complete=True) \
        == HouseholdStatus.COMPLETE
    assert revisions.current(ws.db, doc["uuid"]).id == r1
    sealed = revisions.get(ws.db, r1)
    assert sealed.sealed and sealed.status == "complete" and sealed.doc_hash
    r2 = ws.save_answer(doc["uuid"], "floor_area", 71)
    assert r2 != r1 and revisions.get(ws.db, r2).parent == r1 and not revisions.get(ws.db, r2).sealed
    assert [r.id for r in revisions.chain(ws.db, doc["uuid"])] == [r2, r1]


def test_transitions_are_checked(ws):
    doc = make_doc()
    ws.save_household(doc)
    with pytest.raises(TransitionError) as refused:
        ws.change_status(doc["uuid"], Action.APPROVE)
    assert str(refused.value) == (f"{doc['uuid']}: a household that is “Draft” cannot be approved: answers are "
                                  "still missing; finish the questionnaire first")
    assert refused.value.text("vi").endswith("Hộ đang ở trạng thái “Đang nhập” nên không duyệt được: phiếu còn thiếu "
                                             "câu trả lời; hãy nhập đủ trước")
    ws.save_form(doc, complete=True)
    ws.change_status(doc["uuid"], Action.APPROVE)
    assert ws.household_state(doc["uuid"]).status == HouseholdStatus.APPROVED
    with pytest.raises(TransitionError, match="cannot become"):   # a document's own status must follow too
        ws.save_household(doc, HouseholdStatus.COMPLETE, reason="typed again")


def test_an_approved_household_needs_a_reason(ws):
    doc = make_doc()
    ws.save_household(doc, status="approved", owner="lan")
    with pytest.raises(WorkspaceError, match="reason is required"):
        ws.save_answer(doc["uuid"], "floor_area", 99)
    with pytest.raises(WorkspaceError, match="reason is required"):
        ws.change_status(doc["uuid"], Action.RETURN)
    with pytest.raises(WorkspaceError, match="reason is required"):
        ws.set_owner(doc["uuid"], "hoa")
    assert ws.get_household(doc["uuid"])["household"]["floor_area"] == doc["household"]["floor_area"]
    ws.save_answer(doc["uuid"], "floor_area", 99, reason="measured again at the village meeting", user="thu")
    last = audit_log(ws.db, doc["uuid"])[-1]
    assert (last["user"], last["reason"], last["new"]) == ("thu", "measured again at the village meeting", 99)


def test_audit_and_sealed_revisions_cannot_be_rewritten(ws):
    doc = make_doc()
    rid = ws.save_household(doc)
    ws.save_form(doc, complete=True)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        ws.db.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        ws.db.execute("UPDATE audit SET user = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="never changes"):
        ws.db.execute("UPDATE revisions SET user = 'x' WHERE id = ?", [rid])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        ws.db.execute("DELETE FROM revisions")


def test_seal_for_sync_and_foreign_revisions(ws):
    a, b = make_doc(), make_doc("Lò Văn Chiến")
    ws.save_household(a, owner="lan")
    ws.save_household(b, owner="lan")
    sealed = dict(ws.seal())
    assert set(sealed) == {a["uuid"], b["uuid"]} and ws.seal() == []
    head = sealed[a["uuid"]]
    # another device made a child of our sealed head; the sync area adopts it
    foreign = {"id": "dev-thu.0001", "parent": head, "device": "dev-thu", "user": "thu", "at": "2026-10-02T08:00:00Z",
               "status": "approved"}
    assert revisions.store_foreign(ws.db, a["uuid"], [foreign]) == 1
    assert revisions.store_foreign(ws.db, a["uuid"], [foreign]) == 0
    changed = dict(a, household=dict(a["household"], floor_area=123))
    ws.adopt_revision(changed, "dev-thu.0001", "approved", "lan", user="thu")
    assert revisions.current(ws.db, a["uuid"]).id == "dev-thu.0001"
    assert ws.household_state(a["uuid"]) == HouseholdState(HouseholdStatus.APPROVED, "lan", "dev-thu.0001", False, "not_poor")
    fields = {(e["action"], e["field"]) for e in audit_log(ws.db, a["uuid"])}
    assert ("import", "household.floor_area") in fields and ("import", "status") in fields
    # editing an approved household afterwards: reason needed, and a local child revision starts
    rid = ws.save_answer(a["uuid"], "floor_area", 124, reason="typo")
    assert revisions.get(ws.db, rid).parent == "dev-thu.0001" and revisions.get(ws.db, rid).device == "dev-test"


def test_changes_paths():
    old = make_doc(uid="u")
    new = make_doc(uid="u")
    new["members"].append({"member_id": "m4", "name": "Bé"})
    new["location"]["village"] = "Thôn 2"
    got = {c[0] for c in changes(old, new)}
    assert {"location.village", "members[m4]", "members[m4].name", "members.order"} <= got


def test_read_only_file_opens_read_only_and_refuses_every_edit(tmp_path, ws):
    doc = make_doc()
    ws.save_household(doc, owner="lan")
    path = ws.path
    ws.close()
    path.chmod(0o444)
    try:
        with Workspace.open(path) as ro:
            assert ro.read_only
            assert ro.get_household(doc["uuid"])["uuid"] == doc["uuid"]
            edits = [lambda: ro.save_answer(doc["uuid"], "floor_area", 1),
                     lambda: ro.save_household(make_doc()),
                     lambda: ro.update_household(doc),
                     lambda: ro.change_status(doc["uuid"], Action.MOVE_AWAY),
                     lambda: ro.set_owner(doc["uuid"], "hoa"),
                     lambda: ro.seal(),
                     lambda: ro.set_meta("x", "y"),
                     lambda: ro.add_village("Thôn 9"),
                     lambda: ro.save_classifications([]),
                     lambda: ro.save_households([(make_doc(), HouseholdStatus.DRAFT, None)])]
            for edit in edits:
                with pytest.raises(WorkspaceError, match="open read-only"):
                    edit()
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                ro.db.execute("UPDATE households SET status = 'x'")
        with Workspace.open(path) as again:
            assert again.household_state(doc["uuid"]).status == "draft"
    finally:
        path.chmod(0o644)


def test_an_autosave_is_committed_when_it_returns(ws):
    doc = make_doc()
    ws.save_household(doc)
    ws.save_answer(doc["uuid"], "floor_area", 77)
    assert not ws.db.conn.in_transaction
    other = sqlite3.connect(ws.path)  # another connection sees it at once
    try:
        text = other.execute("SELECT document FROM households WHERE uuid = ?", [doc["uuid"]]).fetchone()[0]
        assert '"floor_area": 77' in text
        assert other.execute("SELECT COUNT(*) FROM audit WHERE uuid = ? AND field = 'household.floor_area'",
                             [doc["uuid"]]).fetchone()[0] == 1
    finally:
        other.close()


def test_an_autosave_that_fails_half_way_leaves_nothing(ws, monkeypatch):
    doc = make_doc()
    ws.save_household(doc)
    before = (ws.get_household(doc["uuid"]), len(audit_log(ws.db)), revisions.of(ws.db, doc["uuid"]))

    def broken(rows):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(ws, "_audit", broken)  # the document and revision are written, then the audit fails
    with pytest.raises(sqlite3.OperationalError):
        ws.save_answer(doc["uuid"], "floor_area", 1)
    monkeypatch.undo()
    assert not ws.db.conn.in_transaction
    assert (ws.get_household(doc["uuid"]), len(audit_log(ws.db)), revisions.of(ws.db, doc["uuid"])) == before
