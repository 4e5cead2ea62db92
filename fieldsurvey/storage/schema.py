"""The workspace's schema: named migrations (sqlite-utils' `Migrations`), applied in the order they are written
here, each in its own transaction with the record of it having been applied (`_sqlite_migrations`).

Never edit a migration that has shipped: add a new one at the end. Tests open a fixture file of every earlier
schema (tests/fixtures/schemas/). Files made before the migrations were recorded by sqlite-utils kept their record in
`_migrations`; `apply` carries it over first.
"""

from __future__ import annotations

import json

import sqlite_utils
from sqlite_utils import Migrations

from fieldsurvey.storage.columns import held_text, search_text
from fieldsurvey.storage.stamps import doc_hash, new_device_id, new_revision_id, now_ms

APPLICATION_ID = 0x46535256  # "FSRV": marks a FieldSurvey workspace file
SCHEMA_VERSION = 6           # PRAGMA user_version: the schema this code writes (s006_sync_keys_retired)
MIGRATIONS = Migrations("fieldsurvey")
migration = MIGRATIONS


@migration(name="0001_initial")
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


@migration(name="0002_lifecycle")
def _lifecycle(db: sqlite_utils.Database) -> None:
    """Revisions, the audit log, search and list indexes (docs/storage.md). Households stored before get one open
    revision each; revisions and audit kept by the sync area's provisional tables (s002) are carried over."""
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
    device = meta.get("device_id") or new_device_id()
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
        hashed = doc_hash(document)
        fields = {"head_folded": search_text(document, head_name), "created_at": updated or now}
        if head is None or head_hash != hashed:
            rid = new_revision_id(device)
            db.execute("INSERT INTO revisions (id, uuid, parent, device, user, created_at, at, status, origin) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'migration')",
                       [rid, uuid, head, device, owner or "unknown", updated or now, updated or now, status])
            fields["revision"] = rid
        sets = ", ".join(f"{k} = ?" for k in fields)
        db.execute(f"UPDATE households SET {sets} WHERE uuid = ?", [*fields.values(), uuid])


@migration(name="0003_list_index")
def _list_index(db: sqlite_utils.Database) -> None:
    """One covering index for the household list (filters, search and every sort read it, never the documents);
    it replaces three narrower ones of 0002."""
    for name in ("households_search", "households_village_name", "households_class"):
        db.execute(f"DROP INDEX IF EXISTS {name}")
    db.execute("CREATE INDEX households_list ON households(village, head_folded, uuid, class, status, owner, "
               "member_count, income_per_person, deprivations, updated_at)")


# --- the sync area's tables (storage/sync_store.py reads and writes them) ----------------------------------------

@migration(name="s001_sync_tables")
def _sync_tables(db: sqlite_utils.Database) -> None:
    db.execute("""CREATE TABLE sync_keys (
        fingerprint TEXT PRIMARY KEY, device TEXT NOT NULL, user TEXT NOT NULL, role TEXT NOT NULL,
        commune_code TEXT NOT NULL, sign_key TEXT NOT NULL, encrypt_key TEXT NOT NULL, trusted_at TEXT NOT NULL)""")
    db.execute("CREATE INDEX sync_keys_device ON sync_keys(device)")
    # Every bundle this workspace has applied (hand-ins on the supervisor's side, returns on the enumerator's).
    db.execute("""CREATE TABLE sync_bundles (
        bundle_id TEXT PRIMARY KEY, kind TEXT NOT NULL, device TEXT NOT NULL, user TEXT NOT NULL,
        sequence INTEGER NOT NULL, created_at TEXT NOT NULL, imported_at TEXT NOT NULL, file_name TEXT,
        report TEXT)""")
    db.execute("CREATE UNIQUE INDEX sync_bundles_seq ON sync_bundles(device, sequence)")
    # Every bundle this workspace has written, numbered from 1 (the sequence the other side checks for gaps).
    db.execute("""CREATE TABLE sync_exports (
        sequence INTEGER PRIMARY KEY, bundle_id TEXT NOT NULL, kind TEXT NOT NULL, to_device TEXT,
        full INTEGER NOT NULL, households INTEGER NOT NULL, created_at TEXT NOT NULL, file_name TEXT)""")
    # The revision of each household last sent to each recipient ('' = whoever): what "since the last export" means.
    db.execute("""CREATE TABLE sync_sent (
        uuid TEXT NOT NULL, to_device TEXT NOT NULL, revision TEXT NOT NULL, PRIMARY KEY (uuid, to_device))""")
    db.execute("""CREATE TABLE sync_conflicts (
        id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, local_revision TEXT, incoming_revision TEXT NOT NULL,
        incoming_document TEXT NOT NULL, incoming_status TEXT, incoming_owner TEXT, incoming_revisions TEXT NOT NULL,
        device TEXT NOT NULL, user TEXT NOT NULL, bundle_id TEXT NOT NULL, created_at TEXT NOT NULL,
        resolved_at TEXT, resolved_by TEXT, resolution TEXT, UNIQUE (uuid, incoming_revision))""")
    db.execute("""CREATE TABLE sync_duplicates (
        id INTEGER PRIMARY KEY, uuid_a TEXT NOT NULL, uuid_b TEXT NOT NULL, reason TEXT NOT NULL,
        key TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', decided_by TEXT, decided_at TEXT,
        created_at TEXT NOT NULL, UNIQUE (uuid_a, uuid_b))""")
    db.execute("""CREATE TABLE sync_dup_keys (
        key TEXT NOT NULL, uuid TEXT NOT NULL, PRIMARY KEY (key, uuid))""")
    # Review actions: written by the supervisor ('out', sent in the next return bundle) or received by the
    # enumerator ('in', shown as a to-do until done).
    db.execute("""CREATE TABLE sync_review (
        id INTEGER PRIMARY KEY, direction TEXT NOT NULL, uuid TEXT NOT NULL, action TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '', by_user TEXT NOT NULL, at TEXT NOT NULL, owner TEXT,
        recipient TEXT, bundle_id TEXT, done_at TEXT)""")
    db.execute("CREATE INDEX sync_review_uuid ON sync_review(uuid)")
    # A revision that settles a conflict has a second parent: the incoming revision it took fields from.
    db.execute("CREATE TABLE sync_merges (revision TEXT PRIMARY KEY, merged TEXT NOT NULL)")


@migration(name="s002_sync_revisions_provisional")
def _provisional(db: sqlite_utils.Database) -> None:
    """Shipped before the storage model had revisions; migration 0002_lifecycle carries these rows over and
    s004 drops the tables."""
    db.execute("""CREATE TABLE sync_revisions (
        id TEXT PRIMARY KEY, uuid TEXT NOT NULL, parent TEXT, device TEXT NOT NULL, user TEXT NOT NULL,
        at TEXT NOT NULL, doc_hash TEXT)""")
    db.execute("CREATE INDEX sync_revisions_uuid ON sync_revisions(uuid)")
    db.execute("CREATE TABLE sync_heads (uuid TEXT PRIMARY KEY, revision TEXT NOT NULL)")
    db.execute("""CREATE TABLE sync_audit (
        id INTEGER PRIMARY KEY, uuid TEXT NOT NULL, at TEXT NOT NULL, device TEXT NOT NULL, user TEXT NOT NULL,
        action TEXT NOT NULL, detail TEXT)""")
    db.execute("CREATE INDEX sync_audit_uuid ON sync_audit(uuid)")


@migration(name="s003_sync_duplicate_index")
def _dup_index(db: sqlite_utils.Database) -> None:
    # households whose duplicate keys are in sync_dup_keys (those made in this workspace are indexed lazily)
    db.execute("CREATE TABLE sync_dup_indexed (uuid TEXT PRIMARY KEY)")
    db.execute("CREATE INDEX sync_dup_keys_uuid ON sync_dup_keys(uuid)")
    db.execute("CREATE INDEX sync_conflicts_uuid ON sync_conflicts(uuid, resolved_at)")


@migration(name="s004_drop_provisional_revisions")
def _drop_provisional(db: sqlite_utils.Database) -> None:
    """Revisions and audit live in the storage model's tables now (0002_lifecycle carried s002's rows over)."""
    for table in ("sync_revisions", "sync_heads", "sync_audit", "sync_merges"):
        db.execute(f"DROP TABLE IF EXISTS {table}")


# --- the figures: who lives in each village ---------------------------------------------------------------------

@migration(name="0004_residents")
def _residents(db: sqlite_utils.Database) -> None:
    """Each village's number of resident households (the rate's denominator: poor ÷ all households of the unit),
    entered by the supervisor with the date and the source it comes from (e.g. the population register)."""
    db.execute("ALTER TABLE villages ADD COLUMN residents INTEGER")
    db.execute("ALTER TABLE villages ADD COLUMN residents_date TEXT")
    db.execute("ALTER TABLE villages ADD COLUMN residents_source TEXT")


@migration(name="s005_sync_abandoned")
def _sync_abandoned(db: sqlite_utils.Database) -> None:
    """Bundle numbers a device took and never wrote (its export was killed): a later bundle names them, so the
    importer does not report them missing for ever."""
    db.execute("CREATE TABLE sync_abandoned (device TEXT NOT NULL, sequence INTEGER NOT NULL, "
               "PRIMARY KEY (device, sequence))")


@migration(name="r001_issued_documents")
def _issued_documents(db: sqlite_utils.Database) -> None:
    """The register of issued documents (fieldsurvey/storage/issued.py): append-only, one number per document."""
    db.execute("""CREATE TABLE issued_documents (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,          -- certificate | decision | minutes | posting | request_review | request_escape |
                                     -- household_form | report
        number INTEGER,              -- the document's number where it has one (…/GCN-HN.HCN, …/QĐ-UBND)
        symbol TEXT,                 -- the number as printed ("12/GCN-HN.HCN")
        review_year INTEGER NOT NULL,
        uuid TEXT,                   -- the household of a household's document
        village TEXT,                -- the village of a village's document (minutes, posting list)
        household_class TEXT,        -- the class the document states (certificates: poor | near_poor)
        issued_at TEXT NOT NULL,     -- when it was printed (UTC, ISO 8601)
        issued_on TEXT,              -- the date written on it (YYYY-MM-DD)
        issued_by TEXT NOT NULL,
        template TEXT NOT NULL,      -- the template's id (a province's own, or the bundled one)
        file_name TEXT,
        reprint_of INTEGER REFERENCES issued_documents(id),   -- a copy of an earlier issue, with its number
        batch TEXT NOT NULL)""")     # one printing
    db.execute("CREATE UNIQUE INDEX issued_number ON issued_documents(kind, number) "
               "WHERE number IS NOT NULL AND reprint_of IS NULL")
    db.execute("CREATE INDEX issued_household ON issued_documents(uuid, kind)")
    db.execute("""CREATE TRIGGER issued_no_update BEFORE UPDATE ON issued_documents
        BEGIN SELECT RAISE(ABORT, 'the register of issued documents is append-only'); END""")
    db.execute("""CREATE TRIGGER issued_no_delete BEFORE DELETE ON issued_documents
        BEGIN SELECT RAISE(ABORT, 'the register of issued documents is append-only'); END""")


# --- the figures: the ethnic-minority resident households, and the trace of every change -------------------------

@migration(name="0005_residents_minority")
def _residents_minority(db: sqlite_utils.Database) -> None:
    """Each village's resident households of an ethnic minority (hộ dân tộc thiểu số, of those in `residents`: the
    denominator of the minority rates), and `village_changes`: the append-only trace of every change of a village's
    resident figures, written in the same transaction as the change (fieldsurvey/storage/workspace.py)."""
    db.execute("ALTER TABLE villages ADD COLUMN residents_minority INTEGER")
    db.execute("""CREATE TABLE village_changes (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,            -- UTC, ISO 8601 with milliseconds
        device TEXT NOT NULL,
        user TEXT NOT NULL,
        village TEXT NOT NULL,       -- the village's name
        field TEXT NOT NULL,         -- residents | residents_minority | residents_date | residents_source
        old,                         -- the value before (as stored: a number, a text, NULL: not entered)
        new,                         -- the value after
        reason TEXT)""")             # where the change came from: NULL (entered), 'carry-forward', 'demo'
    db.execute("CREATE INDEX village_changes_village ON village_changes(village, id)")
    db.execute("""CREATE TRIGGER village_changes_no_update BEFORE UPDATE ON village_changes
        BEGIN SELECT RAISE(ABORT, 'the change log of the villages is append-only'); END""")
    db.execute("""CREATE TRIGGER village_changes_no_delete BEFORE DELETE ON village_changes
        BEGIN SELECT RAISE(ABORT, 'the change log of the villages is append-only'); END""")


# --- clean values (issue 15) ----------------------------------------------------------------------------------------

@migration(name="v001_held_values")
def _held_values(db: sqlite_utils.Database) -> None:
    """Each household's answers outside a plausible range (resources/values/household-values.toml), held for the
    supervisor: JSON, NULL when none (storage/columns.py `held_text`). Filled for the households stored before."""
    db.execute("ALTER TABLE households ADD COLUMN held TEXT")
    last = ""
    while True:
        rows = db.execute("SELECT uuid, document FROM households WHERE uuid > ? ORDER BY uuid LIMIT 2000",
                          [last]).fetchall()
        if not rows:
            break
        updates = []
        for uuid, text in rows:
            try:
                held = held_text(json.loads(text))
            except (TypeError, ValueError):
                held = None
            if held is not None:
                updates.append((held, uuid))
        db.conn.executemany("UPDATE households SET held = ? WHERE uuid = ?", updates)
        last = rows[-1][0]
    db.execute("CREATE INDEX households_held ON households(uuid) WHERE held IS NOT NULL")


@migration(name="v002_head_revision_of_household")
def _head_revision_of_household(db: sqlite_utils.Database) -> None:
    """A household's head revision is one of its own revisions: a write that would make another household's
    revision its head is refused by the file itself (the import checks first and says which, sync_store.py)."""
    for event in ("INSERT", "UPDATE OF revision"):
        name = "insert" if event == "INSERT" else "update"
        db.execute(f"""CREATE TRIGGER households_head_revision_{name} BEFORE {event} ON households
            WHEN NEW.revision IS NOT NULL
             AND (SELECT uuid FROM revisions WHERE id = NEW.revision) IS NOT NEW.uuid
             AND EXISTS (SELECT 1 FROM revisions WHERE id = NEW.revision)
            BEGIN SELECT RAISE(ABORT, 'the head revision belongs to another household'); END""")


# --- the sync area: keys replaced, kept as retired ----------------------------------------------------------------

@migration(name="s006_sync_keys_retired")
def _sync_keys_retired(db: sqlite_utils.Database) -> None:
    """A trusted key the supervisor replaced (a new laptop, a new key for the same person) stays in `sync_keys`,
    marked retired (when, and the fingerprint of the key that replaced it): kept for the record, never trusted for a
    new bundle. An older app would go on trusting it, hence the schema version 6 (older apps refuse the file)."""
    db.execute("ALTER TABLE sync_keys ADD COLUMN retired_at TEXT")
    db.execute("ALTER TABLE sync_keys ADD COLUMN replaced_by TEXT")


# --- applying them ------------------------------------------------------------------------------------------------

def names() -> list[str]:
    """Every migration this code knows, in order."""
    return [m.name for m in MIGRATIONS._migrations]


def _adopt_old_record(db: sqlite_utils.Database) -> None:
    """A file made before sqlite-utils kept the record: copy `_migrations` into `_sqlite_migrations`, in order,
    and drop it (one transaction)."""
    if "_migrations" not in db.table_names():
        return
    with db.atomic():
        MIGRATIONS.ensure_migrations_table(db)
        done = {m.name for m in MIGRATIONS.applied(db)}
        for name, at in db.execute("SELECT name, applied_at FROM _migrations ORDER BY rowid").fetchall():
            if name not in done:
                db[MIGRATIONS.migrations_table].insert({"migration_set": MIGRATIONS.name, "name": name,
                                                        "applied_at": at})
        db.execute("DROP TABLE _migrations")


def applied(db: sqlite_utils.Database) -> list[str]:
    """The migrations this file has had, in the order they were applied (the old record included)."""
    old = ([r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")]
           if "_migrations" in db.table_names() else [])
    return old + [m.name for m in MIGRATIONS.applied(db) if m.name not in old]


def apply(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this file has not had yet, in order; return their names."""
    _adopt_old_record(db)
    pending = [m.name for m in MIGRATIONS.pending(db)]
    MIGRATIONS.apply(db)
    return pending
