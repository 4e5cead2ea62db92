"""Every earlier schema, from a workspace file made by the code of its time (tests/fixtures/schemas/README.md),
opens with the current code: migrations applied, data kept, and the file goes on working."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from fieldsurvey.storage import queries
from fieldsurvey.storage import revisions, schema
from fieldsurvey.storage.audit import log as audit_log
from fieldsurvey.storage.schema import SCHEMA_VERSION
from fieldsurvey.storage.workspace import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"
ALL = sorted(FIXTURES.glob("*.fsdb"))


def _raw(path: Path) -> dict:
    c = sqlite3.connect(path)
    try:
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        out = {"households": {u: (d, s, o) for u, d, s, o in c.execute(
            "SELECT uuid, document, status, owner FROM households")},
            "meta": dict(c.execute("SELECT key, value FROM meta")),
            "villages": [r[0] for r in c.execute("SELECT name FROM villages ORDER BY sort")],
            "migrations": schema.applied(sqlite_utils.Database(c)),
            "tables": tables}
        if "sync_revisions" in tables:
            out["sync_revisions"] = c.execute("SELECT id, uuid, parent, device, user, doc_hash FROM sync_revisions"
                                              ).fetchall()
            out["sync_heads"] = dict(c.execute("SELECT uuid, revision FROM sync_heads"))
            out["sync_audit"] = c.execute("SELECT uuid, action FROM sync_audit ORDER BY id").fetchall()
        return out
    finally:
        c.close()


def test_there_is_a_fixture_for_every_earlier_core_schema():
    core = [name for name in schema.names() if name[0].isdigit()]
    names = {p.stem for p in ALL}
    assert all(name in names for name in core[:-1]), (core, names)


@pytest.mark.parametrize("fixture", ALL, ids=[p.stem for p in ALL])
def test_an_earlier_schema_opens_and_keeps_its_data(fixture: Path, tmp_path: Path):
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    before = _raw(path)
    assert before["migrations"] and before["migrations"][-1] != schema.names()[-1]
    with Workspace.open(path) as ws:
        ws.backups = False
        after = _raw(path)
        assert after["migrations"][:len(before["migrations"])] == before["migrations"]
        assert set(after["migrations"]) == set(schema.names())
        assert ws.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert after["households"] == before["households"]      # documents, statuses, owners unchanged
        assert {k: v for k, v in after["meta"].items() if k != "device_id"} == \
            {k: v for k, v in before["meta"].items() if k != "device_id"}
        assert after["villages"] == before["villages"]
        assert ws.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert ws.db.execute("PRAGMA foreign_key_check").fetchall() == []
        # every household has a head revision the workspace holds
        for uuid in before["households"]:
            rev = revisions.current(ws.db, uuid)
            assert rev is not None and rev.uuid == uuid
        # the list and the search work on the old data
        some = next(iter(before["households"].values()))
        head = next(m["name"] for m in json.loads(some[0])["members"] if m.get("relationship") == "head")
        from fieldsurvey.i18n import fold
        found = queries.household_page(ws.db, queries.HouseholdFilter(search=fold(head)))
        assert any(r.head_name == head for r in found)
        assert queries.household_count(ws.db) == len(before["households"])
        # and it goes on working: an answer, a status change
        uuid = sorted(before["households"])[0]
        assert ws.save_answer(uuid, "floor_area", 321) is not None
        assert ws.get_household(uuid)["household"]["floor_area"] == 321
        if "sync_revisions" in before["tables"] and before["migrations"][-1].startswith("s002"):
            _provisional_history_carried(ws, before)


def _provisional_history_carried(ws: Workspace, before: dict) -> None:
    held = {r.id: r for uuid in before["households"] for r in revisions.of(ws.db, uuid)}
    for rid, uuid, parent, device, user, doc_hash in before["sync_revisions"]:
        r = held[rid]
        assert (r.uuid, r.parent, r.device, r.user, r.doc_hash, r.sealed) == (uuid, parent, device, user, doc_hash,
                                                                              True)
    audit = [(e["uuid"], e["action"]) for e in audit_log(ws.db) if e["action"] == "edit" and e["field"] is None]
    assert audit == before["sync_audit"]
    for uuid, head in before["sync_heads"].items():
        document = before["households"][uuid][0]
        import hashlib
        clean = held[head].doc_hash == hashlib.sha256(document.encode()).hexdigest()
        chain = revisions.chain(ws.db, uuid)
        if uuid == sorted(before["households"])[0]:
            continue  # edited above
        if clean:
            assert chain[0].id == head
        else:  # edited after the last seal: an open child revision
            assert chain[0].parent == head and not chain[0].sealed and chain[0].origin == "migration"
    assert any(revisions.chain(ws.db, u)[0].origin == "migration" for u in before["sync_heads"])


def test_the_resident_households_are_kept_and_the_minority_number_is_not_entered_yet(tmp_path: Path):
    """0005_residents_minority on a file of the 0004 schema: the villages' figures as they were, the new number
    empty (never guessed), the change log empty — and from then on every change of them is traced."""
    path = tmp_path / "0004.fsdb"
    shutil.copy(FIXTURES / "0004_residents.fsdb", path)
    c = sqlite3.connect(path)
    before = c.execute("SELECT name, residents, residents_date, residents_source FROM villages ORDER BY sort"
                       ).fetchall()
    c.close()
    assert before[0] == ("Thôn 1", 7, "2026-10-01", "Sổ theo dõi của thôn") and before[1][1] == 5
    with Workspace.open(path) as ws:
        ws.backups = False
        assert [(v.name, v.residents, v.residents_date, v.residents_source) for v in ws.village_rows()] == before
        assert [v.residents_minority for v in ws.village_rows()] == [None, None]
        assert ws.village_changes() == []
        ws.set_residents("Thôn 1", 8, "2026-10-01", "Sổ theo dõi của thôn", minority=3)
        assert [(c.field, c.old, c.new) for c in ws.village_changes("Thôn 1")] == [    # newest first
            ("residents_minority", None, 3), ("residents", 7, 8)]


@pytest.mark.parametrize("sql", ["UPDATE village_changes SET new = 99", "DELETE FROM village_changes"])
def test_the_change_log_of_the_villages_refuses_update_and_delete(tmp_path: Path, sql: str):
    path = tmp_path / "0004.fsdb"
    shutil.copy(FIXTURES / "0004_residents.fsdb", path)
    with Workspace.open(path) as ws:
        ws.backups = False
        ws.set_residents("Thôn 2", 6, None, None, minority=2)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            ws.db.execute(sql)
        assert len(ws.village_changes("Thôn 2")) == 4     # residents, minority, date and source all changed
