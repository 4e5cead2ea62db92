"""The audit log is a full edit history: from the stored document, undoing the recorded changes gives back the
document as it was after every autosave (property test over random edit sequences on a real workspace file)."""

from __future__ import annotations

import copy
import itertools
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldsurvey.domain import lifecycle
from fieldsurvey.storage.audit import document_as_of
from fieldsurvey.storage.workspace import Workspace
from tests.storage.conftest import INFO, make_doc

VALUES = st.one_of(st.none(), st.integers(-5, 500), st.sampled_from(["", "có", "không", "Nguyễn Thị Ánh"]),
                   st.lists(st.sampled_from(["tv", "phone", "radio"]), max_size=2))
STEPS = st.lists(st.one_of(
    st.tuples(st.just("answer"), st.sampled_from(["floor_area", "water_source", "note", "latrine"]), VALUES),
    st.tuples(st.just("member"), st.integers(0, 5), st.sampled_from(["name", "education", "note"]), VALUES),
    st.tuples(st.just("add"), st.sampled_from(["Bé Na", "Cụ Tư"])),
    st.tuples(st.just("remove"), st.integers(0, 5)),
    st.tuples(st.just("reorder"), st.randoms(use_true_random=False)),
    st.tuples(st.just("interview"), st.sampled_from([None, "2026-10-02", "2026-10-05"])),
    st.tuples(st.just("status"), st.sampled_from(sorted(lifecycle.DECISIONS))),
), min_size=1, max_size=14)

@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    w = Workspace.create(tmp_path_factory.mktemp("history") / "h.fsdb", INFO, ["Thôn 1"])
    w.backups = False
    w.db.execute("PRAGMA synchronous = OFF")  # what is tested here is the history, not the disk (test_killed_writer)
    yield w
    w.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_every_autosaved_state_can_be_read_back_from_the_audit(ws: Workspace, steps):
    """One household per example, all in one workspace."""
    doc = make_doc()
    uuid = doc["uuid"]
    ws.save_household(doc)
    seen = [(_last(ws, uuid), copy.deepcopy(ws.get_household(uuid)))]
    new_ids = itertools.count(10)
    for step in steps:
        doc = ws.get_household(uuid)
        kind = step[0]
        if kind == "answer":
            ws.save_answer(uuid, step[1], step[2])
        elif kind == "member" and doc["members"]:
            member = doc["members"][step[1] % len(doc["members"])]["member_id"]
            ws.save_answer(uuid, step[2], step[3], member=member)
        elif kind == "add":
            doc["members"].append({"member_id": f"m{next(new_ids)}", "name": step[1], "relationship": "child"})
            ws.update_household(doc)
        elif kind == "remove" and doc["members"]:
            doc["members"].pop(step[1] % len(doc["members"]))
            ws.update_household(doc)
        elif kind == "reorder":
            step[1].shuffle(doc["members"])
            ws.update_household(doc)
        elif kind == "interview":
            ws.save_answer(uuid, "interview_date", step[1])
        elif kind == "status":
            if lifecycle.allowed(step[1], ws.household_state(uuid).status):
                ws.change_status(uuid, step[1], reason="checked")
        seen.append((_last(ws, uuid), copy.deepcopy(ws.get_household(uuid))))
    for audit_id, state in seen:
        assert document_as_of(ws.db, uuid, audit_id) == state
    assert document_as_of(ws.db, uuid, 0) is None


def _last(ws: Workspace, uuid: str) -> int:
    return ws.db.execute("SELECT MAX(id) FROM audit WHERE uuid = ?", [uuid]).fetchone()[0]
