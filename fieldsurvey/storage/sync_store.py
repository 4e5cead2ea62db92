"""Tables and queries of the sync area (bundles seen, device sequences, trusted keys, conflicts, duplicates,
review comments). Migrations defined here with `fieldsurvey.storage.migrations.migration` run after the core ones.

All SQL of the sync area lives here; fieldsurvey/sync and fieldsurvey/services/sync.py call these functions. None
of them opens a transaction: the caller wraps an import in one `db.atomic()` so it is all or nothing.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import sqlite_utils

from fieldsurvey.storage.migrations import migration


@migration("s001_sync_tables")
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


# --- trusted keys -----------------------------------------------------------------------------------------------

def trust_key(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    db["sync_keys"].insert(row, pk="fingerprint", replace=True)


def trusted_key(db: sqlite_utils.Database, fingerprint: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM sync_keys WHERE fingerprint = ?", [fingerprint]))
    return rows[0] if rows else None


def trusted_keys(db: sqlite_utils.Database, role: str | None = None) -> list[dict[str, Any]]:
    if role:
        return list(db.query("SELECT * FROM sync_keys WHERE role = ? ORDER BY user, device", [role]))
    return list(db.query("SELECT * FROM sync_keys ORDER BY role, user, device"))


def forget_key(db: sqlite_utils.Database, fingerprint: str) -> int:
    return db.execute("DELETE FROM sync_keys WHERE fingerprint = ?", [fingerprint]).rowcount


# --- bundles seen and written --------------------------------------------------------------------------------------

def prepare_import(db: sqlite_utils.Database) -> None:
    """A bigger page cache for this connection while bundles are imported (64 MB instead of SQLite's 2 MB): a
    large workspace's indexes stay in memory across the bundles of one run."""
    db.execute("PRAGMA cache_size = -65536")


def bundle_seen(db: sqlite_utils.Database, bundle_id: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM sync_bundles WHERE bundle_id = ?", [bundle_id]))
    return rows[0] if rows else None


def device_sequences(db: sqlite_utils.Database, device: str) -> list[int]:
    return [r[0] for r in db.execute("SELECT sequence FROM sync_bundles WHERE device = ? ORDER BY sequence",
                                     [device])]


def last_sequence(db: sqlite_utils.Database, device: str) -> int:
    return db.execute("SELECT COALESCE(MAX(sequence), 0) FROM sync_bundles WHERE device = ?", [device]).fetchone()[0]


def record_bundle(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    db.execute("INSERT INTO sync_bundles (bundle_id, kind, device, user, sequence, created_at, imported_at, "
               "file_name, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [row["bundle_id"], row["kind"], row["device"], row["user"], row["sequence"], row["created_at"],
                row["imported_at"], row.get("file_name"), json.dumps(row.get("report") or {}, ensure_ascii=False)])


def bundles(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM sync_bundles ORDER BY imported_at, device, sequence"))


def next_export_sequence(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COALESCE(MAX(sequence), 0) + 1 FROM sync_exports").fetchone()[0]


def record_export(db: sqlite_utils.Database, row: dict[str, Any], sent: Iterable[tuple[str, str, str]]) -> None:
    db["sync_exports"].insert(row, pk="sequence")
    db.conn.executemany("INSERT OR REPLACE INTO sync_sent (uuid, to_device, revision) VALUES (?, ?, ?)", list(sent))


def finish_export(db: sqlite_utils.Database, sequence: int, kind: str, households: int, file_name: str,
                  sent: Iterable[tuple[str, str, str]]) -> None:
    """The bundle numbered `sequence` is written: record what it carries as sent."""
    db.execute("UPDATE sync_exports SET kind = ?, households = ?, file_name = ? WHERE sequence = ?",
               [kind, households, file_name, sequence])
    db.conn.executemany("INSERT OR REPLACE INTO sync_sent (uuid, to_device, revision) VALUES (?, ?, ?)", list(sent))


def sent_revisions(db: sqlite_utils.Database, to_device: str) -> dict[str, str]:
    return dict(db.execute("SELECT uuid, revision FROM sync_sent WHERE to_device = ?", [to_device]).fetchall())


def exports(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM sync_exports ORDER BY sequence"))


# --- conflicts --------------------------------------------------------------------------------------------------

def add_conflict(db: sqlite_utils.Database, row: dict[str, Any]) -> bool:
    """Keep the incoming side of a conflict. False if this very revision is already kept."""
    cur = db.execute(
        "INSERT OR IGNORE INTO sync_conflicts (uuid, local_revision, incoming_revision, incoming_document, "
        "incoming_status, incoming_owner, incoming_revisions, device, user, bundle_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row["uuid"], row["local_revision"], row["incoming_revision"], row["incoming_document"],
         row["incoming_status"], row["incoming_owner"], row["incoming_revisions"], row["device"], row["user"],
         row["bundle_id"], row["created_at"]])
    return cur.rowcount == 1


def conflict_revisions(db: sqlite_utils.Database, uuids: Iterable[str]) -> dict[str, set[str]]:
    """Incoming revisions already kept as conflicts (open or settled), per household."""
    out: dict[str, set[str]] = {}
    for chunk in _chunks(list(uuids)):
        q = ",".join("?" * len(chunk))
        for uuid, rev in db.execute(f"SELECT uuid, incoming_revision FROM sync_conflicts WHERE uuid IN ({q})",
                                    chunk):
            out.setdefault(uuid, set()).add(rev)
    return out


def conflicts(db: sqlite_utils.Database, open_only: bool = True) -> list[dict[str, Any]]:
    where = "WHERE resolved_at IS NULL" if open_only else ""
    return list(db.query(f"SELECT c.*, h.head_name, h.village FROM sync_conflicts c "
                         f"LEFT JOIN households h ON h.uuid = c.uuid {where} ORDER BY c.id"))


def conflict(db: sqlite_utils.Database, conflict_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM sync_conflicts WHERE id = ?", [conflict_id]))
    return rows[0] if rows else None


def settle_conflict(db: sqlite_utils.Database, conflict_id: int, by: str, at: str, resolution: dict) -> None:
    db.execute("UPDATE sync_conflicts SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?",
               [at, by, json.dumps(resolution, ensure_ascii=False), conflict_id])


def open_conflict_count(db: sqlite_utils.Database, uuid: str) -> int:
    return db.execute("SELECT COUNT(*) FROM sync_conflicts WHERE uuid = ? AND resolved_at IS NULL",
                      [uuid]).fetchone()[0]


# --- duplicates -------------------------------------------------------------------------------------------------

def index_duplicate_keys(db: sqlite_utils.Database, rows: list[tuple[str, str]], created_at: str) -> int:
    """Record (key, uuid) pairs and flag every pair of different households sharing a key. Returns the number of
    new flags. A pair decided before (merged or kept apart) is not flagged again."""
    if not rows:
        return 0
    db.conn.executemany("INSERT OR IGNORE INTO sync_dup_keys (key, uuid) VALUES (?, ?)", rows)
    before = db.execute("SELECT COUNT(*) FROM sync_duplicates").fetchone()[0]
    keys = sorted({k for k, _ in rows})
    for chunk in _chunks(keys):
        q = ",".join("?" * len(chunk))
        db.execute(
            "INSERT OR IGNORE INTO sync_duplicates (uuid_a, uuid_b, reason, key, created_at) "
            "SELECT a.uuid, b.uuid, substr(a.key, 1, instr(a.key, ':') - 1), a.key, ? FROM sync_dup_keys a "
            f"JOIN sync_dup_keys b ON a.key = b.key AND a.uuid < b.uuid WHERE a.key IN ({q})", [created_at, *chunk])
    return db.execute("SELECT COUNT(*) FROM sync_duplicates").fetchone()[0] - before


def duplicates(db: sqlite_utils.Database, open_only: bool = True) -> list[dict[str, Any]]:
    where = "WHERE d.status = 'open'" if open_only else ""
    return list(db.query(
        "SELECT d.*, a.head_name AS head_a, a.village AS village_a, b.head_name AS head_b, b.village AS village_b "
        f"FROM sync_duplicates d LEFT JOIN households a ON a.uuid = d.uuid_a LEFT JOIN households b "
        f"ON b.uuid = d.uuid_b {where} ORDER BY d.id"))


def duplicate(db: sqlite_utils.Database, dup_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM sync_duplicates WHERE id = ?", [dup_id]))
    return rows[0] if rows else None


def decide_duplicate(db: sqlite_utils.Database, dup_id: int, status: str, by: str, at: str) -> None:
    db.execute("UPDATE sync_duplicates SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
               [status, by, at, dup_id])


def drop_duplicate_keys(db: sqlite_utils.Database, uuid: str) -> None:
    db.execute("DELETE FROM sync_dup_keys WHERE uuid = ?", [uuid])


# --- review actions ---------------------------------------------------------------------------------------------

def add_review(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    db.conn.executemany(
        "INSERT INTO sync_review (direction, uuid, action, comment, by_user, at, owner, recipient, bundle_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r["direction"], r["uuid"], r["action"], r.get("comment") or "", r["by_user"], r["at"], r.get("owner"),
          r.get("recipient"), r.get("bundle_id")) for r in rows])


def unsent_reviews(db: sqlite_utils.Database, recipient: str) -> list[dict[str, Any]]:
    """The supervisor's review actions not yet sent to this enumerator (user name)."""
    return list(db.query("SELECT * FROM sync_review WHERE direction = 'out' AND bundle_id IS NULL AND recipient = ? "
                         "ORDER BY id", [recipient]))


def mark_reviews_sent(db: sqlite_utils.Database, ids: list[int], bundle_id: str) -> None:
    db.conn.executemany("UPDATE sync_review SET bundle_id = ? WHERE id = ?", [(bundle_id, i) for i in ids])


def todo(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Received returns and reassignments not yet dealt with, with the household's name and village."""
    return list(db.query(
        "SELECT r.*, h.head_name, h.village, h.status FROM sync_review r LEFT JOIN households h ON h.uuid = r.uuid "
        "WHERE r.direction = 'in' AND r.done_at IS NULL AND (r.action = 'return' OR (r.action = 'reassign' AND "
        "r.owner = r.recipient)) ORDER BY r.id"))


def mark_todo_done(db: sqlite_utils.Database, uuid: str, at: str) -> None:
    db.execute("UPDATE sync_review SET done_at = ? WHERE direction = 'in' AND uuid = ? AND done_at IS NULL",
               [at, uuid])


def reviews_of(db: sqlite_utils.Database, uuid: str) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM sync_review WHERE uuid = ? ORDER BY id", [uuid]))


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- identity in the workspace meta -----------------------------------------------------------------------------

def set_identity(ws: Any, device: str, user: str, role: str) -> None:
    """Record who works on this workspace (the private keys stay in the key file beside it)."""
    with ws.db.atomic():
        ws.set_identity(device, user)
        ws.set_meta("role", role)


# --- revisions and audit: on the storage model's `revisions` and `audit` tables (docs/storage.md) ---------------

@migration("s002_sync_revisions_provisional")
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


def _now() -> str:
    from fieldsurvey.storage.workspace import now_ms

    return now_ms()


def household_states(db: sqlite_utils.Database, uuids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """uuid → head revision (open or sealed), every revision id held, status, owner."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(list(uuids)):
        q = ",".join("?" * len(chunk))
        for uuid, status, owner, head, sealed_at in db.execute(
                f"SELECT h.uuid, h.status, h.owner, h.revision, r.sealed_at FROM households h "
                f"LEFT JOIN revisions r ON r.id = h.revision WHERE h.uuid IN ({q})", chunk):
            out[uuid] = {"head": head, "open": head is not None and sealed_at is None, "known": set(),
                         "status": status, "owner": owner}
        for uuid, rid in db.execute(f"SELECT uuid, id FROM revisions WHERE uuid IN ({q})", chunk):
            if uuid in out:
                out[uuid]["known"].add(rid)
    return out


def ancestors(db: sqlite_utils.Database, uuid: str, head: str) -> set[str]:
    """The head and every revision it descends from (by parent and by `merged`, the second parent)."""
    rows = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, parent, merged FROM revisions WHERE uuid = ?",
                                                   [uuid])}
    seen: set[str] = set()
    todo = [head]
    while todo:
        rid = todo.pop()
        if rid in seen or rid not in rows:
            continue
        seen.add(rid)
        todo.extend(p for p in rows[rid] if p)
    return seen


def _revision_rows(db: sqlite_utils.Database, uuid: str, head: str) -> list[dict[str, Any]]:
    keep = ancestors(db, uuid, head)
    out = []
    for r in db.query("SELECT id, parent, merged, device, user, at, sealed_at FROM revisions WHERE uuid = ? "
                      "ORDER BY rowid", [uuid]):
        if r["id"] in keep:
            d = {"id": r["id"], "parent": r["parent"], "device": r["device"], "user": r["user"],
                 "at": r["sealed_at"] or r["at"]}
            if r["merged"]:
                d["merged"] = r["merged"]
            out.append(d)
    return out


def seal_open_revisions(ws: Any, device: str, user: str) -> int:
    """Seal every open revision before an export (storage: Workspace.seal)."""
    return len(ws.seal(user=user))


_AUDIT_KEYS = ("at", "device", "user", "revision", "action", "field", "old", "new", "reason", "detail")


def export_records(db: sqlite_utils.Database, owner: str, already: dict[str, str]) -> Iterable[dict[str, Any]]:
    """Bundle records of the households `owner` holds whose head differs from `already[uuid]`: the document, the
    head's ancestry and the household's audit entries."""
    last = ""
    while True:
        rows = db.execute("SELECT uuid, status, owner, document, revision FROM households WHERE owner = ? AND "
                          "uuid > ? AND revision IS NOT NULL ORDER BY uuid LIMIT 1000", [owner, last]).fetchall()
        if not rows:
            return
        for uuid, status, own, document, head in rows:
            if already.get(uuid) == head:
                continue
            audit = [{k: a[k] for k in _AUDIT_KEYS if a[k] is not None} for a in db.query(
                f"SELECT {', '.join(_AUDIT_KEYS)} FROM audit WHERE uuid = ? ORDER BY id", [uuid])]
            yield {"uuid": uuid, "status": status, "owner": own, "revision": head,
                   "revisions": _revision_rows(db, uuid, head), "document": json.loads(document), "audit": audit}
        last = rows[-1][0]


_HOUSEHOLD_COLUMNS = ("uuid", "village", "head_name", "head_folded", "member_count", "status", "owner", "form_id",
                      "form_version", "document", "updated_at", "revision", "created_at")
_UPSERT = (f"INSERT INTO households ({', '.join(_HOUSEHOLD_COLUMNS)}) VALUES ({', '.join('?' * len(_HOUSEHOLD_COLUMNS))}) "
           "ON CONFLICT(uuid) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _HOUSEHOLD_COLUMNS[1:-1]))


def _revision_tuples(uuid: str, revisions: list[Any], head: str, head_hash: str | None) -> list[tuple]:
    return [(r.id, uuid, r.parent, r.merged, r.device, r.user, r.at, r.at, r.at,
             head_hash if r.id == head else None) for r in revisions]


_INSERT_REVISIONS = ("INSERT OR IGNORE INTO revisions (id, uuid, parent, merged, device, user, created_at, at, "
                     "sealed_at, doc_hash, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sync')")


_SEP = "\x1f"


class Folded(dict):
    """text → fold(text), filled beforehand for many texts at once (fold_all); a text not filled is folded when
    asked for, so a lookup always gives exactly fold(text)."""

    def __missing__(self, text: str) -> str:
        from fieldsurvey.i18n import fold

        value = self[text] = fold(text)
        return value


def fold_all(texts: list[str]) -> Folded:
    """fold of many texts in one call: fold works character by character (case, the translation table, NFD,
    dropping marks), so folding the texts joined by U+001F and splitting again gives each one's fold. A text
    holding U+001F itself is left to be folded alone."""
    from fieldsurvey.i18n import fold

    unique = list(dict.fromkeys(t for t in texts if _SEP not in t))
    out = Folded()
    if unique:
        out.update(zip(unique, fold(_SEP.join(unique)).split(_SEP)))
    return out


def _encoder() -> Any:
    """json.dumps(doc, ensure_ascii=False), the text storage keeps, with the encoder made once (no circular-
    reference bookkeeping: a document decoded from JSON cannot hold itself)."""
    from json import encoder

    if encoder.c_make_encoder is None:  # pragma: no cover - CPython has the C encoder
        return lambda doc: json.dumps(doc, ensure_ascii=False)
    base = json.JSONEncoder(ensure_ascii=False)
    make = encoder.c_make_encoder(None, base.default, encoder.encode_basestring, None, ": ", ", ", False, False,
                                  True)
    return lambda doc: "".join(make(doc, 0))


_encode = _encoder()


def document_columns(doc: dict[str, Any], folded: Folded) -> dict[str, Any]:
    """The households columns that come from the document alone, exactly as `Workspace._row` makes them (the
    list's columns and the document's JSON text), with the names folded beforehand (`folded`: fold_all over
    names_to_fold). tests/sync/test_import_rows.py holds the two to the same output."""
    from fieldsurvey.storage.workspace import SEARCH_SEP

    members = doc.get("members", [])
    head = next((m for m in members if m.get("relationship") == "head"), None)
    head_name = (head or {}).get("name") or doc.get("household", {}).get("head_name") or ""
    if not isinstance(head_name, str):
        head_name = str(head_name)
    members = members or []   # search_text reads `doc.get("members") or []`
    parts = [folded[head_name]] if head_name else []
    for m in members:
        if not isinstance(m, dict):
            continue
        name = m.get("name")
        if isinstance(name, str) and name and folded[name] not in parts:
            parts.append(folded[name])
    for m in members:
        if isinstance(m, dict) and isinstance(m.get("id_number"), str) and m["id_number"]:
            parts.append(m["id_number"])
    form = doc.get("form") or {}
    return {"uuid": doc["uuid"], "village": (doc.get("location") or {}).get("village"), "head_name": head_name,
            "head_folded": SEARCH_SEP.join(parts), "member_count": len(doc.get("members", [])),
            "form_id": form.get("id"), "form_version": form.get("version"), "document": _encode(doc)}


def household_rows(docs: list[tuple[dict[str, Any], str, str | None]], updated_at: str,
                   folded: Folded) -> list[dict[str, Any]]:
    """The households rows of many (document, status, owner), as `Workspace._row` makes them one at a time."""
    return [{**document_columns(doc, folded), "status": status, "owner": owner, "updated_at": updated_at}
            for doc, status, owner in docs]


def names_to_fold(doc: dict[str, Any]) -> list[str]:
    """The texts household_rows and the likely-duplicate keys fold for this document (its members' names and its
    village), to fold a whole bundle's at once. Only a prefetch: what is missed is folded when looked up."""
    out = [m["name"] for m in doc.get("members") or [] if isinstance(m, dict) and isinstance(m.get("name"), str)]
    village = (doc.get("location") or {}).get("village")
    if isinstance(village, str):
        out.append(village)
    return out


def store_incoming(ws: Any, items: list[tuple[Any, str, str | None]], bundle_id: str = "",
                   device: str = "", user: str = "", existing: set[str] | None = None,
                   folded: Folded | None = None) -> None:
    """Store household records taken from a bundle (new, or descending from the stored head), each as
    (record, status, owner): the document becomes the head revision (sealed, as it came), its ancestry is recorded,
    the audit entries it carries are appended (those not held yet) with one `import` entry naming the bundle, and
    older open conflicts it supersedes close. Batched: one statement per table for the whole bundle.
    `existing`: the uuids among them the workspace held before (the others have no audit entries or conflicts to
    look up); None looks them all up. A record's `prepared` (see services.sync._prepare) holds its columns and
    document hash when made beforehand; else they are made here (`folded`: fold_all over their names, if the
    caller has it)."""
    if not items:
        return
    from fieldsurvey.storage.workspace import doc_hash, now_iso

    db = ws.db
    now = _now()
    updated_at = now_iso()
    rows: list[dict[str, Any]] = []
    revs: list[tuple] = []
    for rec, status, owner in items:
        if rec.prepared is not None:   # columns and hash made where the record was checked
            columns, hashed = rec.prepared[0], rec.prepared[1]
        else:
            if folded is None:
                folded = fold_all([t for r, _, _ in items for t in names_to_fold(r.doc())])
            columns = document_columns(rec.doc(), folded)
            hashed = doc_hash(columns["document"])
        rows.append({**columns, "status": status, "owner": owner, "updated_at": updated_at,
                     "revision": rec.revision, "created_at": now})
        revs.extend(_revision_tuples(rec.uuid, rec.revisions, rec.revision, hashed))
    db.conn.executemany(_INSERT_REVISIONS, revs)
    db.conn.executemany(_UPSERT, [tuple(r[c] for c in _HOUSEHOLD_COLUMNS) for r in rows])
    uuids = [rec.uuid for rec, _, _ in items]
    if existing is not None:
        uuids = [u for u in uuids if u in existing]
    known: set[tuple] = set()
    conflicted: set[str] = set()
    for chunk in _chunks(uuids):
        q = ",".join("?" * len(chunk))
        known.update(db.execute(f"SELECT uuid, at, device, action, field FROM audit WHERE uuid IN ({q})", chunk))
        conflicted.update(r[0] for r in db.execute(
            f"SELECT uuid FROM sync_conflicts WHERE resolved_at IS NULL AND uuid IN ({q})", chunk))
    audit = []
    detail = json.dumps({"bundle": bundle_id}) if bundle_id else None
    for rec, _, _ in items:
        for a in rec.audit:
            key = (rec.uuid, a["at"], a.get("device") or "", a["action"], a.get("field"))
            if key in known:
                continue
            known.add(key)
            audit.append((a["at"], a.get("device") or "", a["user"], rec.uuid, a.get("revision"), a["action"],
                          a.get("field"), *(_text(a.get(k)) for k in ("old", "new", "reason", "detail"))))
        audit.append((now, device, user, rec.uuid, rec.revision, "import", None, None, None, None, detail))
    db.conn.executemany("INSERT INTO audit (at, device, user, uuid, revision, action, field, old, new, reason, "
                        "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", audit)
    for rec, _, _ in items:
        if rec.uuid in conflicted:
            supersede_conflicts(db, rec.uuid, rec.ancestors)


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def supersede_conflicts(db: sqlite_utils.Database, uuid: str, ancestors_of_head: set[str]) -> None:
    for cid, rev in db.execute("SELECT id, incoming_revision FROM sync_conflicts WHERE uuid = ? AND "
                               "resolved_at IS NULL", [uuid]).fetchall():
        if rev in ancestors_of_head:
            db.execute("UPDATE sync_conflicts SET resolved_at = ?, resolved_by = 'superseded' WHERE id = ?",
                       [_now(), cid])


def store_resolution(ws: Any, uuid: str, document: dict[str, Any], incoming: list[Any], incoming_head: str,
                     device: str, user: str, status: str | None = None, owner: Any = None,
                     action: str = "resolve") -> str:
    """The settled document as a new sealed revision: parent = the stored head (its open edits sealed first),
    second parent (`merged`) = the incoming head, whose ancestry is recorded too. Audited field by field as
    `action`. Status and owner stay unless given."""
    from fieldsurvey.storage.workspace import doc_hash, new_revision_id

    db = ws.db
    ws.seal([uuid], user=user)
    state = ws.household_state(uuid)
    status = status or state["status"]
    owner = state["owner"] if owner is None else owner
    db.conn.executemany(_INSERT_REVISIONS, _revision_tuples(uuid, incoming, "", None))
    rid = new_revision_id(device)
    now = _now()
    row = ws._row(document, status, owner)
    db.execute("INSERT INTO revisions (id, uuid, parent, merged, device, user, created_at, at, sealed_at, status, "
               "doc_hash, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local')",
               [rid, uuid, state["revision"], incoming_head, device, user, now, now, now, status,
                doc_hash(row["document"])])
    ws.adopt_revision(document, rid, status, owner, user=user, action=action)
    supersede_conflicts(db, uuid, ancestors(db, uuid, rid))
    return rid


def unchanged_since_common(db: sqlite_utils.Database, uuid: str, head: str, incoming_ancestors: set[str]) -> bool:
    """True when the stored document is the same as at the newest revision both sides share: the stored line
    only changed status or owner (a review decision), so the incoming document can be taken without losing any
    answer written here."""
    from fieldsurvey.storage.workspace import doc_hash

    rows = {r[0]: r[1:] for r in db.execute(
        "SELECT id, parent, merged, doc_hash, sealed_at FROM revisions WHERE uuid = ?", [uuid])}
    if head not in rows:
        return False
    parent, merged, head_hash, sealed_at = rows[head]
    if sealed_at is None or head_hash is None:
        document = db.execute("SELECT document FROM households WHERE uuid = ?", [uuid]).fetchone()[0]
        head_hash = doc_hash(document)
    # breadth-first from the head: the first revision the incoming line also holds is the common one
    queue, seen = [head], set()
    while queue:
        rid = queue.pop(0)
        if rid in seen or rid not in rows:
            continue
        seen.add(rid)
        if rid in incoming_ancestors:
            return rows[rid][2] is not None and rows[rid][2] == head_hash
        queue.extend(p for p in rows[rid][:2] if p)
    return False


def append_audit(ws: Any, entries: list[tuple[str, str, Any]], device: str, user: str) -> None:
    now = _now()
    ws.db.conn.executemany(
        "INSERT INTO audit (at, device, user, uuid, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [(now, device, user, u, action, _text(detail)) for u, action, detail in entries])


def set_status(ws: Any, uuid: str, status: str, device: str, user: str, comment: str = "") -> None:
    """A review decision: the status changes (sealing the revision), audited with the comment as the reason."""
    ws.set_status(uuid, status, reason=comment or f"{status} by {user}", user=user, check=False)


def set_owner(ws: Any, uuid: str, owner: str, device: str, user: str, comment: str = "") -> None:
    ws.set_owner(uuid, owner, reason=comment or f"reassigned by {user}", user=user)


def mark_received(db: sqlite_utils.Database, rows: list[tuple[str, str, str]]) -> None:
    """What a device has: the revision it sent (so a return bundle does not send it back)."""
    db.conn.executemany("INSERT OR REPLACE INTO sync_sent (uuid, to_device, revision) VALUES (?, ?, ?)", rows)


def mark_merged(ws: Any, gone: str, keep: str, device: str, user: str) -> None:
    ws.set_status(gone, "merged", reason=f"duplicate of {keep}", user=user, check=False)
    append_audit(ws, [(gone, "merged-into", {"into": keep}), (keep, "merged-from", {"from": gone})], device, user)


def history(db: sqlite_utils.Database, uuid: str) -> list[dict[str, Any]]:
    """Who changed what and when: the household's audit entries, oldest first."""
    return list(db.query("SELECT at, device, user, action, field, old, new, reason, detail FROM audit "
                         "WHERE uuid = ? ORDER BY id", [uuid]))


@migration("s003_sync_duplicate_index")
def _dup_index(db: sqlite_utils.Database) -> None:
    # households whose duplicate keys are in sync_dup_keys (those made in this workspace are indexed lazily)
    db.execute("CREATE TABLE sync_dup_indexed (uuid TEXT PRIMARY KEY)")
    db.execute("CREATE INDEX sync_dup_keys_uuid ON sync_dup_keys(uuid)")
    db.execute("CREATE INDEX sync_conflicts_uuid ON sync_conflicts(uuid, resolved_at)")


def unindexed_documents(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    # Households are never deleted, so equal counts mean every household is indexed (the common case: cheap).
    if (db.execute("SELECT COUNT(*) FROM households").fetchone()[0]
            <= db.execute("SELECT COUNT(*) FROM sync_dup_indexed").fetchone()[0]):
        return []
    # uuids first (the primary-key index covers the query: no document is read), then the few documents
    uuids = [r[0] for r in db.execute("SELECT uuid FROM households WHERE uuid NOT IN "
                                      "(SELECT uuid FROM sync_dup_indexed)")]
    out: list[tuple[str, str]] = []
    for chunk in _chunks(uuids):
        q = ",".join("?" * len(chunk))
        out.extend(db.execute(f"SELECT uuid, document FROM households WHERE uuid IN ({q})", chunk).fetchall())
    return out


def mark_indexed(db: sqlite_utils.Database, uuids: Iterable[str]) -> None:
    db.conn.executemany("INSERT OR IGNORE INTO sync_dup_indexed (uuid) VALUES (?)", [(u,) for u in uuids])


@migration("s004_drop_provisional_revisions")
def _drop_provisional(db: sqlite_utils.Database) -> None:
    """Revisions and audit live in the storage model's tables now (0002_lifecycle carried s002's rows over)."""
    for table in ("sync_revisions", "sync_heads", "sync_audit", "sync_merges"):
        db.execute(f"DROP TABLE IF EXISTS {table}")
