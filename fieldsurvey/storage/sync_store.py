"""Queries of the sync area (bundles seen, device sequences, trusted keys, conflicts, duplicates, review comments)
and the batched writes of an import. Its tables are made by the schema's s00x migrations (storage/schema.py).

All SQL of the sync area lives here; fieldsurvey/sync and fieldsurvey/services/sync.py call these functions. None
of them opens a transaction: the caller wraps an import in one `db.atomic()` so it is all or nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import sqlite_utils

from fieldsurvey.domain.lifecycle import Action, HouseholdStatus, after_hand_in
from fieldsurvey.storage import audit, revisions
from fieldsurvey.storage.columns import CLASS_COLUMNS, Folded, document_columns, fold_all, names_to_fold
from fieldsurvey.storage.stamps import doc_hash, new_revision_id, now_iso, now_ms


# --- trusted keys -----------------------------------------------------------------------------------------------

def trust_key(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    db["sync_keys"].insert({**row, "retired_at": None, "replaced_by": None}, pk="fingerprint", replace=True)


def trusted_key(db: sqlite_utils.Database, fingerprint: str) -> dict[str, Any] | None:
    """The key with this fingerprint, if trusted now (a retired key is not: see retire_keys)."""
    rows = list(db.query("SELECT * FROM sync_keys WHERE fingerprint = ? AND retired_at IS NULL", [fingerprint]))
    return rows[0] if rows else None


def trusted_keys(db: sqlite_utils.Database, role: str | None = None) -> list[dict[str, Any]]:
    """The keys trusted now (not the retired ones)."""
    if role:
        return list(db.query("SELECT * FROM sync_keys WHERE role = ? AND retired_at IS NULL ORDER BY user, device",
                             [role]))
    return list(db.query("SELECT * FROM sync_keys WHERE retired_at IS NULL ORDER BY role, user, device"))


def known_key(db: sqlite_utils.Database, fingerprint: str) -> dict[str, Any] | None:
    """The key with this fingerprint, trusted now or retired (for a backup made before its key was replaced)."""
    rows = list(db.query("SELECT * FROM sync_keys WHERE fingerprint = ?", [fingerprint]))
    return rows[0] if rows else None


def retired_keys(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Keys replaced by another: kept for the record, trusted for nothing."""
    return list(db.query("SELECT * FROM sync_keys WHERE retired_at IS NOT NULL ORDER BY retired_at, user"))


def retire_keys(db: sqlite_utils.Database, fingerprints: Iterable[str], replaced_by: str, at: str) -> None:
    db.conn.executemany("UPDATE sync_keys SET retired_at = ?, replaced_by = ? WHERE fingerprint = ?",
                        [(at, replaced_by, fp) for fp in fingerprints])


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


def pending_export_file(db: sqlite_utils.Database, sequence: int, path: str) -> None:
    """Where the bundle numbered `sequence` is about to be written."""
    db.execute("UPDATE sync_exports SET file_name = ? WHERE sequence = ?", [path, sequence])


def release_export(db: sqlite_utils.Database, sequence: int) -> None:
    """Give back the number an export took when its file could not be written at all (a full or write-protected
    stick): nothing under it exists, so the next export uses it and nothing reads as a gap."""
    db.execute("DELETE FROM sync_exports WHERE sequence = ? AND kind = 'pending'", [sequence])


def abandoned_exports(db: sqlite_utils.Database) -> list[int]:
    """Numbers this workspace took for a bundle it never wrote: an export killed or failed before its file was in
    place (no file where it was going, on a folder that is there to look in — a bundle on another stick is not
    taken for abandoned)."""
    out = []
    for sequence, name in db.execute("SELECT sequence, file_name FROM sync_exports WHERE kind = 'pending' "
                                     "ORDER BY sequence"):
        target = Path(name) if name else None
        if target is None or (target.parent.is_dir() and not target.exists()):
            out.append(sequence)
    return out


def record_abandoned(db: sqlite_utils.Database, device: str, sequences: Iterable[int]) -> None:
    db.conn.executemany("INSERT OR IGNORE INTO sync_abandoned (device, sequence) VALUES (?, ?)",
                        [(device, s) for s in sequences])


def abandoned_of(db: sqlite_utils.Database, device: str) -> set[int]:
    """The numbers a device said it never wrote a bundle under."""
    return {r[0] for r in db.execute("SELECT sequence FROM sync_abandoned WHERE device = ?", [device])}


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


def forget_duplicate_index(db: sqlite_utils.Database, uuids: Iterable[str]) -> None:
    """These households' likely-duplicate keys dropped, to be made again from their documents at the next import
    (their village changed: a key names it)."""
    rows = [(u,) for u in uuids]
    db.conn.executemany("DELETE FROM sync_dup_keys WHERE uuid = ?", rows)
    db.conn.executemany("DELETE FROM sync_dup_indexed WHERE uuid = ?", rows)


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
            audit = [_carried(a) for a in db.query(
                f"SELECT {', '.join(_AUDIT_KEYS)} FROM audit WHERE uuid = ? ORDER BY id", [uuid])]
            yield {"uuid": uuid, "status": status, "owner": own, "revision": head,
                   "revisions": _revision_rows(db, uuid, head), "document": json.loads(document), "audit": audit}
        last = rows[-1][0]


def _carried(row: dict[str, Any]) -> dict[str, Any]:
    """An audit row as a bundle carries it; an entry kept here as another signer's claim travels as it came (its
    author's name and device), so the side that holds the original recognises it; the receiving side keeps it, in
    turn, as this bundle's signer's claim."""
    if row["action"] == CLAIMED and row["detail"]:
        try:
            claimed = json.loads(row["detail"])["claimed"]
            if isinstance(claimed, dict) and all(isinstance(claimed.get(k), str) for k in ("at", "user", "action")):
                return claimed
        except (ValueError, KeyError, TypeError):
            pass
    return {k: row[k] for k in _AUDIT_KEYS if row[k] is not None}


_HOUSEHOLD_COLUMNS = ("uuid", "village", "head_name", "head_folded", "member_count", "status", "owner", "form_id",
                      "form_version", "held", "document", "updated_at", *CLASS_COLUMNS, "classified_at", "revision",
                      "created_at")
_UPSERT = (f"INSERT INTO households ({', '.join(_HOUSEHOLD_COLUMNS)}) VALUES ({', '.join('?' * len(_HOUSEHOLD_COLUMNS))}) "
           "ON CONFLICT(uuid) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _HOUSEHOLD_COLUMNS[1:-1]))


def _revision_tuples(uuid: str, revisions: list[Any], head: str, head_hash: str | None) -> list[tuple]:
    return [(r.id, uuid, r.parent, r.merged, r.device, r.user, r.at, r.at, r.at,
             head_hash if r.id == head else None) for r in revisions]


_INSERT_REVISIONS = ("INSERT OR IGNORE INTO revisions (id, uuid, parent, merged, device, user, created_at, at, "
                     "sealed_at, doc_hash, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sync')")


def store_incoming(ws: Any, items: list[tuple[Any, str, str | None]], bundle_id: str = "",
                   device: str = "", user: str = "", existing: set[str] | None = None,
                   folded: Folded | None = None, signer: tuple[str, str] | None = None) -> None:
    """Store household records taken from a bundle (new, or descending from the stored head), each as
    (record, status, owner): the document becomes the head revision (sealed, as it came), its ancestry is recorded,
    the audit entries it carries are appended (those not held yet) with one `import` entry naming the bundle, and
    older open conflicts it supersedes close. Batched: one statement per table for the whole bundle. A revision
    that another household holds (here, or in the same lot) refuses the lot first (revisions.check_owners).
    `existing`: the uuids among them the workspace held before (the others have no audit entries or conflicts to
    look up); None looks them all up. `signer` (device, user): the trusted key that signed the bundle — an audit
    entry the bundle carries that is not that signer's own (another user or device) is kept as the signer's
    claim (`claim_entry`), so the history shows who really signed it. A record's `prepared` (see
    services.sync._prepare) holds its columns, document hash and class columns when made beforehand; else they are
    made here (`folded`: fold_all over their names, if the caller has it)."""
    if not items:
        return
    db = ws.db
    revisions.check_owners(db, [(rec.uuid, [r.id for r in rec.revisions]) for rec, _, _ in items])
    now = now_ms()
    updated_at = now_iso()
    unclassified = (None,) * len(CLASS_COLUMNS)
    rows: list[tuple] = []   # in the order of _HOUSEHOLD_COLUMNS
    revs: list[tuple] = []
    for rec, status, owner in items:
        if rec.prepared is not None:   # columns, hash and class made where the record was checked
            columns, hashed, classified = rec.prepared[0], rec.prepared[1], rec.prepared[3]
        else:
            if folded is None:
                folded = fold_all([t for r, _, _ in items for t in names_to_fold(r.doc())])
            columns = document_columns(rec.doc(), folded)
            hashed = doc_hash(columns["document"])
            classified = ws.classify(rec.doc())
        rows.append((columns["uuid"], columns["village"], columns["head_name"], columns["head_folded"],
                     columns["member_count"], HouseholdStatus(status).value, owner, columns["form_id"],
                     columns["form_version"], columns["held"], columns["document"], updated_at, *(classified or unclassified),
                     updated_at, rec.revision, now))
        revs.extend(_revision_tuples(rec.uuid, rec.revisions, rec.revision, hashed))
    db.conn.executemany(_INSERT_REVISIONS, revs)
    db.conn.executemany(_UPSERT, rows)
    uuids = [rec.uuid for rec, _, _ in items]
    if existing is not None:
        uuids = [u for u in uuids if u in existing]
    known: dict[str, set[tuple]] = {}
    conflicted: set[str] = set()
    for chunk in _chunks(uuids):
        q = ",".join("?" * len(chunk))
        for row in db.execute(f"SELECT uuid, at, device, action, field FROM audit WHERE uuid IN ({q})", chunk):
            known.setdefault(row[0], set()).add(row)
        conflicted.update(r[0] for r in db.execute(
            f"SELECT uuid FROM sync_conflicts WHERE resolved_at IS NULL AND uuid IN ({q})", chunk))
        for key in _claimed_keys(db, chunk):
            known.setdefault(key[0], set()).add(key)
    entries: list[tuple] = []
    detail = json.dumps({"bundle": bundle_id}) if bundle_id else None
    text = audit.detail_text
    signer_device, signer_user = signer or (None, None)
    for rec, _, _ in items:
        seen = known.pop(rec.uuid, set())   # the keys include the uuid: one household's at a time
        for a in rec.audit_entries():
            key = (rec.uuid, a["at"], a.get("device") or "", a["action"], a.get("field"))
            if key in seen:
                continue
            seen.add(key)
            if signer is not None and (a.get("device") or "", a["user"]) != (signer_device, signer_user):
                # not the signer's own entry: kept as the signer's claim, never under the name it gives
                entries.append(claim_entry(rec.uuid, a, signer_device, signer_user, bundle_id))
                continue
            entries.append((a["at"], key[2], a["user"], rec.uuid, a.get("revision"), a["action"], key[4],
                            text(a.get("old")), text(a.get("new")), text(a.get("reason")), text(a.get("detail"))))
        entries.append((now, device, user, rec.uuid, rec.revision, "import", None, None, None, None, detail))
        if len(entries) >= 10_000:   # written as they come: a bundle may carry hundreds of thousands
            audit.write(db, entries)
            entries = []
    audit.write(db, entries)
    for rec, _, _ in items:
        if rec.uuid in conflicted:
            supersede_conflicts(db, rec.uuid, rec.ancestors)


CLAIMED = "claimed"
_CLAIM_KEYS = ("at", "device", "user", "revision", "action", "field", "old", "new", "reason", "detail")


def claim_entry(uuid: str, entry: dict[str, Any], device: str, user: str, bundle_id: str) -> tuple:
    """An audit entry carried in a bundle whose author is not the bundle's signer, as an audit row: written
    under the signer's user and device, action `claimed`, no field (so it never counts as a change of the
    document), the entry as it came kept whole in the detail (`claimed`) with the bundle."""
    claimed = {k: entry[k] for k in _CLAIM_KEYS if entry.get(k) is not None}
    return (entry["at"], device, user, uuid, None, CLAIMED, None, None, None, None,
            json.dumps({"claimed": claimed, "bundle": bundle_id}, ensure_ascii=False, sort_keys=True))


def _claimed_keys(db: sqlite_utils.Database, uuids: list[str]) -> set[tuple]:
    """The (uuid, at, device, action, field) of the entries kept as claims, as they came: the same entry carried
    again (in another bundle, or relayed back) is not kept twice."""
    out: set[tuple] = set()
    q = ",".join("?" * len(uuids))
    for uuid, detail in db.execute(f"SELECT uuid, detail FROM audit WHERE action = '{CLAIMED}' AND uuid IN ({q})",
                                   uuids):
        try:
            c = json.loads(detail)["claimed"]
            out.add((uuid, c["at"], c.get("device") or "", c["action"], c.get("field")))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def supersede_conflicts(db: sqlite_utils.Database, uuid: str, ancestors_of_head: set[str]) -> None:
    for cid, rev in db.execute("SELECT id, incoming_revision FROM sync_conflicts WHERE uuid = ? AND "
                               "resolved_at IS NULL", [uuid]).fetchall():
        if rev in ancestors_of_head:
            db.execute("UPDATE sync_conflicts SET resolved_at = ?, resolved_by = 'superseded' WHERE id = ?",
                       [now_ms(), cid])


def store_resolution(ws: Any, uuid: str, document: dict[str, Any], incoming: list[Any], incoming_head: str,
                     device: str, user: str, status: str | None = None, owner: Any = None,
                     action: str = "resolve") -> str:
    """The settled document as a new sealed revision: parent = the stored head (its open edits sealed first),
    second parent (`merged`) = the incoming head, whose ancestry is recorded too. Audited field by field as
    `action`. Status and owner stay unless given."""
    db = ws.db
    revisions.check_owners(db, [(uuid, [r.id for r in incoming])])
    ws.seal([uuid], user=user)
    state = ws.household_state(uuid)
    status = HouseholdStatus(status or state.status)
    owner = state.owner if owner is None else owner
    db.conn.executemany(_INSERT_REVISIONS, _revision_tuples(uuid, incoming, "", None))
    rid = new_revision_id(device)
    now = now_ms()
    db.execute("INSERT INTO revisions (id, uuid, parent, merged, device, user, created_at, at, sealed_at, status, "
               "doc_hash, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'local')",
               [rid, uuid, state.revision, incoming_head, device, user, now, now, now, status.value,
                doc_hash(document_columns(document)["document"])])
    ws.adopt_revision(document, rid, status, owner, user=user, action=action)
    supersede_conflicts(db, uuid, ancestors(db, uuid, rid))
    return rid


def unchanged_since_common(db: sqlite_utils.Database, uuid: str, head: str, incoming_ancestors: set[str]) -> bool:
    """True when the stored document is the same as at the newest revision both sides share: the stored line
    only changed status or owner (a review decision), so the incoming document can be taken without losing any
    answer written here."""
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


def settled_status(db: sqlite_utils.Database, uuid: str, local_head: str | None, incoming: list[Any],
                   incoming_status: str | None, hand_in: bool = True) -> HouseholdStatus | None:
    """The status a settled conflict keeps: the incoming one when the incoming line changed it (e.g. the household
    moved away) since the newest revision both lines share — as a hand-in would have set it (`hand_in`: the
    supervisor's side), or as the supervisor decided it (an enumerator settling a return bundle's household: returned
    stays returned) — else None (the stored status stays)."""
    if not incoming_status:
        return None
    parents = {r.id: (r.parent, r.merged) for r in incoming}
    line, todo = set(), [r.id for r in incoming[-1:]]
    while todo:
        rid = todo.pop()
        if rid in line or rid not in parents:
            continue
        line.add(rid)
        todo.extend(p for p in parents[rid] if p)
    shared = ancestors(db, uuid, local_head) & line if local_head else set()
    rows = {r[0]: r[1] for r in db.execute("SELECT id, status FROM revisions WHERE uuid = ?", [uuid])}
    common = [rid for rid in (r.id for r in reversed(incoming)) if rid in shared]
    before = rows.get(common[0]) if common else None
    if incoming_status == before:
        return None
    return after_hand_in(incoming_status) if hand_in else HouseholdStatus(incoming_status)


def append_audit(ws: Any, entries: list[tuple[str, str, Any]], device: str, user: str) -> None:
    now = now_ms()
    audit.write(ws.db, [audit.Entry(now, device, user, u, None, action, detail=audit.detail_text(detail))
                        for u, action, detail in entries])


def change_status(ws: Any, uuid: str, action: Action, user: str, comment: str = "") -> None:
    """A review decision: the status changes as the lifecycle says (sealing the revision), audited with the
    comment as the reason."""
    ws.change_status(uuid, action, reason=comment or f"{action.value} by {user}", user=user)


def set_owner(ws: Any, uuid: str, owner: str, device: str, user: str, comment: str = "") -> None:
    ws.set_owner(uuid, owner, reason=comment or f"reassigned by {user}", user=user)


def mark_received(db: sqlite_utils.Database, rows: list[tuple[str, str, str]]) -> None:
    """What a device has: the revision it sent (so a return bundle does not send it back)."""
    db.conn.executemany("INSERT OR REPLACE INTO sync_sent (uuid, to_device, revision) VALUES (?, ?, ?)", rows)


def mark_merged(ws: Any, gone: str, keep: str, device: str, user: str) -> None:
    ws.change_status(gone, Action.MERGE, reason=f"duplicate of {keep}", user=user)
    append_audit(ws, [(gone, "merged-into", {"into": keep}), (keep, "merged-from", {"from": gone})], device, user)


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
