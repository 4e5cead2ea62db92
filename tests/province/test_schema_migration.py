"""The province's database schema is migrated by the app: a database made by an older version (its schema as
version 1 made it, written out below as it was) is brought to the current version when it is opened — on SQLite
and on the real PostgreSQL server — keeping what it held, recording each version reached; then it imports and
tables as a new one does. A database newer than the app is refused, untouched."""

from __future__ import annotations

import pytest

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.services import province
from fieldsurvey.services import sync as svc
from fieldsurvey.storage import province as storage
from tests.province.conftest import new_province
from tests.province.test_rollup import load

# version 1's schema as it was made (frozen: never follow storage's changes)
V1 = (
    "CREATE TABLE province_meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE province_keys (fingerprint TEXT PRIMARY KEY, device TEXT NOT NULL, user_name TEXT NOT NULL, "
    "role TEXT NOT NULL, commune_code TEXT NOT NULL, sign_key TEXT NOT NULL, encrypt_key TEXT NOT NULL, "
    "trusted_at TEXT NOT NULL)",
    "CREATE TABLE results (commune_code TEXT PRIMARY KEY, commune_name TEXT NOT NULL, bundle_id TEXT NOT NULL, "
    "sequence INTEGER NOT NULL, device TEXT NOT NULL, user_name TEXT NOT NULL, created_at TEXT NOT NULL, "
    "imported_at TEXT NOT NULL, file_name TEXT NOT NULL, households INTEGER NOT NULL, standard_id TEXT NOT NULL, "
    "figures TEXT NOT NULL, issued TEXT NOT NULL, versions INTEGER NOT NULL)",
    "CREATE TABLE result_history (bundle_id TEXT PRIMARY KEY, commune_code TEXT NOT NULL, sequence INTEGER NOT NULL, "
    "device TEXT NOT NULL, user_name TEXT NOT NULL, created_at TEXT NOT NULL, imported_at TEXT NOT NULL, "
    "file_name TEXT NOT NULL, households INTEGER NOT NULL, residents INTEGER, poor INTEGER NOT NULL, "
    "near_poor INTEGER NOT NULL, replaced TEXT)",
    "CREATE TABLE seen_bundles (bundle_id TEXT PRIMARY KEY, commune_code TEXT NOT NULL, imported_at TEXT NOT NULL)",
    "CREATE TABLE villages (commune_code TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, "
    "residents INTEGER, minority_residents INTEGER, PRIMARY KEY (commune_code, position))",
    "CREATE TABLE households (" + ", ".join(
        f"{c} {'INTEGER NOT NULL' if c in storage._INT else 'TEXT'}" for c in storage.HOUSEHOLD_COLUMNS) + ")",
    "CREATE INDEX households_by_commune ON households (commune_code)",
    "CREATE TABLE last_year (commune_code TEXT PRIMARY KEY, year INTEGER NOT NULL, residents INTEGER, "
    "poor INTEGER NOT NULL, near_poor INTEGER NOT NULL, source TEXT NOT NULL)",
    "CREATE TABLE commune_sums (commune_code TEXT PRIMARY KEY, "
    + ", ".join(f"{c} INTEGER" for c in storage.flat_columns(12)) + ")",
)
V1_META = {"kind": "fieldsurvey/province", "schema": "1", "province_code": "19", "province_name": "Tỉnh Thái Nguyên",
           "review_year": "2026", "review_kind": "annual", "standard_id": "vn-2022-2025", "indicators": "12"}


def make_v1(target: str) -> None:
    """A province database as version 1 made it, holding one commune's result received twice."""
    db = storage.connect(target, create=True)
    try:
        with db.transaction():
            for statement in V1:
                db.execute(statement)
            db.many("INSERT INTO province_meta (key, value) VALUES (?, ?)", list(V1_META.items()))
            db.execute("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       ["01840", "Phường Đức Xuân", "b2", 2, "dev", "sup", "2026-10-02T00:00:00+00:00",
                        "2026-10-03T00:00:00+00:00", "b2.fsresult", 0, "vn-2022-2025", "{}", "[]", 2])
            for bundle, seq, replaced in (("b1", 1, None), ("b2", 2, "b1")):
                db.execute("INSERT INTO result_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [bundle, "01840", seq, "dev", "sup", f"2026-10-0{seq}T00:00:00+00:00",
                            f"2026-10-0{seq + 1}T00:00:00+00:00", f"{bundle}.fsresult", 0, None, 0, 0, replaced])
    finally:
        db.close()


def test_an_older_schema_is_migrated_when_opened_keeping_what_it_held(target, built):
    assert storage.SCHEMA_VERSION == 3 and [m.version for m in storage.MIGRATIONS] == [2, 3]
    make_v1(target)
    assert province.changes(target)[0]["commune_name"] == "Phường Đức Xuân"   # opened: migrated
    history = province.changes(target)
    assert [(h["bundle_id"], h["replaced"], h["commune_name"]) for h in history] == \
        [("b1", None, "Phường Đức Xuân"), ("b2", "b1", "Phường Đức Xuân")]
    with province.opened(target) as store:
        assert store.schema_version() == 3 and store.meta("schema") == "3"
        assert [v for v, _, _ in store.versions()] == [2, 3]
        index = "SELECT 1 FROM sqlite_master WHERE name = 'households_by_commune'" if store.db.name == "sqlite" \
            else "SELECT 1 FROM pg_indexes WHERE indexname = 'households_by_commune'"
        assert store.db.one(index) is None                     # version 3 dropped it
        assert store.migrate(target) == 0                      # opened again: nothing left to do
    # it works as a new one does: the commune's result replaced by a real one, the others imported
    for c in [*built.communes, built.old_round]:
        province.trust_commune(target, c.key, svc.spoken_fingerprint(svc.read_key(c.key)))
    reports = load(target, built, built.results())
    assert all(r.status in ("imported", "replaced") for r in reports), [r.text("en") for r in reports]
    assert province.tables(target).communes[0].code == built.communes[0].code


def test_a_newer_schema_is_refused_untouched(target, built):
    new_province(target, built)
    with province.opened(target) as store:
        store.db.execute("INSERT INTO province_schema (version, description, reached_at) VALUES (?, ?, ?)",
                         [storage.SCHEMA_VERSION + 1, "from the future", "2030-01-01T00:00:00+00:00"])
    with pytest.raises(WorkspaceError) as refused:
        province.tables(target)
    assert refused.value.key == "province.error.newer_schema"
    assert f"{storage.SCHEMA_VERSION + 1}" in refused.value.text("vi") and "cập nhật" in refused.value.text("vi")
