"""Named schema migrations, applied in order, each in its own transaction, recorded in `_migrations`.

Never edit a migration that has shipped: add a new one. Tests open a fixture file of every earlier schema.
"""

from __future__ import annotations

from typing import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        MIGRATIONS.append((name, fn))
        return fn

    return register


@migration("0001_initial")
def _initial(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["villages"].create({"name": str, "sort": int}, pk="name")
    db["households"].create({
        "uuid": str,
        "village": str,
        "head_name": str,
        "head_folded": str,        # head's name without diacritics, for search
        "member_count": int,
        "status": str,             # draft → complete → submitted → approved / returned
        "owner": str,              # the enumerator the household is assigned to
        "form_id": str,
        "form_version": str,
        "document": str,           # the household document (JSON), docs/household-document.md
        "class": str,              # latest classification
        "standard_id": str,
        "deprivations": int,
        "b2_score": int,
        "income_per_person": float,
        "b1_score": float,
        "classification": str,     # compact JSON of the latest classification
        "classified_at": str,
        "updated_at": str,
    }, pk="uuid")
    db["households"].create_index(["village", "class"])
    db["households"].create_index(["status"])


@migration("0002_lifecycle")
def _lifecycle(db: sqlite_utils.Database) -> None:
    """Revisions, the audit log, search and list indexes (docs/storage.md). Households stored before get one open
    revision each; revisions and audit kept by the sync area's provisional tables (s002) are carried over."""
    import hashlib
    import uuid as uuidlib

    from fieldsurvey.storage.workspace import now_ms, search_text

    db.execute("ALTER TABLE households ADD COLUMN revision TEXT")      # the head revision
    db.execute("ALTER TABLE households ADD COLUMN created_at TEXT")
    db.execute("""CREATE TABLE revisions (
        id TEXT PRIMARY KEY,
        uuid TEXT NOT NULL REFERENCES households(uuid) DEFERRABLE INITIALLY DEFERRED,
        parent TEXT,                 -- the revision this one was made from (NULL: the first)
        merged TEXT,                 -- a second parent: the revision a settled conflict took fields from
        device TEXT NOT NULL,
        user TEXT NOT NULL,
        created_at TEXT NOT NULL,
        at TEXT NOT NULL,            -- last change inside the revision
        sealed_at TEXT,              -- NULL while open (autosave updates it in place); then never changes
        status TEXT,
        doc_hash TEXT,               -- sha256 of the stored document JSON when sealed
        origin TEXT NOT NULL DEFAULT 'local')""")
    db.execute("CREATE INDEX revisions_uuid ON revisions(uuid)")
    db.execute("""CREATE TRIGGER revisions_sealed BEFORE UPDATE ON revisions WHEN OLD.sealed_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a sealed revision never changes'); END""")
    db.execute("""CREATE TRIGGER revisions_kept BEFORE DELETE ON revisions
        BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END""")
    db.execute("""CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        device TEXT NOT NULL,
        user TEXT NOT NULL,
        uuid TEXT NOT NULL REFERENCES households(uuid) DEFERRABLE INITIALLY DEFERRED,
        revision TEXT,
        action TEXT NOT NULL,        -- create | edit | status | owner | seal | import | ...
        field TEXT,                  -- the field's path: household.income_wages, members[m2].name, status, owner
        old TEXT,                    -- JSON
        new TEXT,                    -- JSON
        reason TEXT,                 -- required when an approved household changes
        detail TEXT)""")
    db.execute("CREATE INDEX audit_uuid ON audit(uuid, id)")
    db.execute("""CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""")
    db.execute("""CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""")
    # list, filters, search, dashboard
    db.execute("CREATE INDEX households_owner_status ON households(owner, status)")
    db.execute("CREATE INDEX households_search ON households(head_folded, uuid)")
    db.execute("CREATE INDEX households_village_name ON households(village, head_folded)")
    db.execute("CREATE INDEX households_form ON households(form_id, form_version)")
    db.execute("CREATE INDEX households_class ON households(class, head_folded)")

    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    device = meta.get("device_id") or f"dev-{uuidlib.uuid4().hex[:12]}"
    if "device_id" not in meta:
        db.execute("INSERT INTO meta (key, value) VALUES ('device_id', ?)", [device])
    now = now_ms()
    tables = set(db.table_names())
    if "sync_revisions" in tables:   # carried over from the sync area's provisional tables
        db.execute("""INSERT OR IGNORE INTO revisions (id, uuid, parent, merged, device, user, created_at, at,
            sealed_at, doc_hash, origin) SELECT r.id, r.uuid, r.parent, m.merged, r.device, r.user, r.at, r.at, r.at,
            r.doc_hash, 'sync' FROM sync_revisions r LEFT JOIN sync_merges m ON m.revision = r.id
            WHERE r.uuid IN (SELECT uuid FROM households) ORDER BY r.rowid""")
        db.execute("UPDATE households SET revision = (SELECT s.revision FROM sync_heads s WHERE s.uuid = "
                   "households.uuid AND s.revision IN (SELECT id FROM revisions))")
        db.execute("""INSERT INTO audit (at, device, user, uuid, action, detail) SELECT at, device, user, uuid, action,
            detail FROM sync_audit WHERE uuid IN (SELECT uuid FROM households) ORDER BY id""")
    rows = db.execute("SELECT h.uuid, h.document, h.status, h.owner, h.revision, r.doc_hash, h.head_name, "
                      "h.updated_at FROM households h LEFT JOIN revisions r ON r.id = h.revision").fetchall()
    for uuid, document, status, owner, head, head_hash, head_name, updated in rows:
        doc_hash = hashlib.sha256(document.encode("utf-8")).hexdigest()
        fields = {"head_folded": search_text(document, head_name), "created_at": updated or now}
        if head is None or head_hash != doc_hash:
            rid = f"{device}.{uuidlib.uuid4().hex[:16]}"
            db.execute("INSERT INTO revisions (id, uuid, parent, device, user, created_at, at, status, origin) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'migration')",
                       [rid, uuid, head, device, owner or "unknown", updated or now, updated or now, status])
            fields["revision"] = rid
        sets = ", ".join(f"{k} = ?" for k in fields)
        db.execute(f"UPDATE households SET {sets} WHERE uuid = ?", [*fields.values(), uuid])


@migration("0003_list_index")
def _list_index(db: sqlite_utils.Database) -> None:
    """One covering index for the household list (filters, search and every sort read it, never the documents);
    it replaces three narrower ones of 0002."""
    for name in ("households_search", "households_village_name", "households_class"):
        db.execute(f"DROP INDEX IF EXISTS {name}")
    db.execute("CREATE INDEX households_list ON households(village, head_folded, uuid, class, status, owner, "
               "member_count, income_per_person, deprivations, updated_at)")


def applied(db: sqlite_utils.Database) -> list[str]:
    if "_migrations" not in db.table_names():
        return []
    return [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")]


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this file has not had yet; return their names."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = set(applied(db))
    new = []
    from fieldsurvey.storage.workspace import now_iso

    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.atomic():
            fn(db)
            db["_migrations"].insert({"name": name, "applied_at": now_iso()})
        new.append(name)
    return new


# The sync area keeps its tables and queries in storage/sync_store.py; its migrations register after these.
from fieldsurvey.storage import sync_store  # noqa: E402,F401
# The register of issued official documents keeps its table and queries in storage/issued.py (r… migrations).
from fieldsurvey.storage import issued  # noqa: E402,F401
