"""A household's revisions: each household has a chain of them (docs/storage.md). Autosave updates the device's open
revision in place; a revision is sealed when it is exported or synced or when the status changes, and the next
edit starts a child revision. Sealed revisions never change and none is ever deleted (triggers refuse it).

Reads and the rows written; the transaction is the caller's (storage/workspace.py, storage/sync_store.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import sqlite_utils

from fieldsurvey.errors import BundleError
from fieldsurvey.storage.stamps import doc_hash, new_revision_id


@dataclass(frozen=True)
class Revision:
    id: str
    uuid: str
    parent: str | None
    merged: str | None
    device: str
    user: str
    created_at: str
    at: str
    sealed_at: str | None
    status: str | None
    doc_hash: str | None
    origin: str

    @property
    def sealed(self) -> bool:
        return self.sealed_at is not None


_COLUMNS = "id, uuid, parent, merged, device, user, created_at, at, sealed_at, status, doc_hash, origin"


def current(db: sqlite_utils.Database, uuid: str) -> Revision | None:
    """The household's head revision."""
    row = db.execute(f"SELECT {_COLUMNS} FROM revisions WHERE id = (SELECT revision FROM households WHERE uuid = ?)",
                     [uuid]).fetchone()
    return Revision(*row) if row else None


def get(db: sqlite_utils.Database, revision_id: str) -> Revision | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM revisions WHERE id = ?", [revision_id]).fetchone()
    return Revision(*row) if row else None


def of(db: sqlite_utils.Database, uuid: str) -> list[Revision]:
    """Every revision of a household this workspace holds, oldest first."""
    return [Revision(*r) for r in db.execute(f"SELECT {_COLUMNS} FROM revisions WHERE uuid = ? ORDER BY rowid",
                                             [uuid])]


def chain(db: sqlite_utils.Database, uuid: str) -> list[Revision]:
    """The head revision and its ancestors by first parent, newest first."""
    by_id = {r.id: r for r in of(db, uuid)}
    head = db.execute("SELECT revision FROM households WHERE uuid = ?", [uuid]).fetchone()
    out, rid = [], head[0] if head else None
    while rid in by_id and len(out) <= len(by_id):
        out.append(by_id[rid])
        rid = by_id[rid].parent
    return out


def start(db: sqlite_utils.Database, uuid: str, parent: str | None, device: str, user: str, at: str,
          status: str) -> str:
    """A new open revision (the first of a household, or a child of its sealed head); returns its id."""
    rid = new_revision_id(device)
    db.execute("INSERT INTO revisions (id, uuid, parent, device, user, created_at, at, status) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [rid, uuid, parent, device, user, at, at, status])
    return rid


def touch(db: sqlite_utils.Database, rid: str, at: str, user: str, status: str | None = None) -> None:
    """An edit went into this open revision."""
    if status is None:
        db.execute("UPDATE revisions SET at = ?, user = ? WHERE id = ?", [at, user, rid])
    else:
        db.execute("UPDATE revisions SET at = ?, user = ?, status = ? WHERE id = ?", [at, user, status, rid])


def seal(db: sqlite_utils.Database, rows: Iterable[tuple[str, str, str]], at: str) -> None:
    """Seal revisions: (revision id, its document's stored JSON, status)."""
    db.conn.executemany("UPDATE revisions SET sealed_at = ?, doc_hash = ?, status = ? WHERE id = ?",
                        [(at, doc_hash(document), status, rid) for rid, document, status in rows])


def open_heads(db: sqlite_utils.Database, uuids: Iterable[str] | None = None) -> list[tuple[str, str, str, str]]:
    """(uuid, head revision, document JSON, status) of households whose head is open (all, or these)."""
    sql = ("SELECT h.uuid, h.revision, h.document, h.status FROM households h JOIN revisions r ON r.id = h.revision "
           "WHERE r.sealed_at IS NULL")
    if uuids is None:
        return db.execute(sql).fetchall()
    out: list[tuple[str, str, str, str]] = []
    for uuid in uuids:
        out.extend(db.execute(sql + " AND h.uuid = ?", [uuid]).fetchall())
    return out


def store_foreign(db: sqlite_utils.Database, uuid: str, revisions: Iterable[dict[str, Any]]) -> int:
    """Record revisions made on another device (sealed, as they came: id, parent, device, user, at, and optionally
    merged, status, doc_hash). Known ids are skipped. Returns rows added."""
    rows = [(r["id"], uuid, r.get("parent"), r.get("merged"), r["device"], r["user"], r["at"], r["at"],
             r.get("sealed_at") or r["at"], r.get("status"), r.get("doc_hash")) for r in revisions]
    before = db.conn.total_changes
    db.conn.executemany(
        "INSERT OR IGNORE INTO revisions (id, uuid, parent, merged, device, user, created_at, at, sealed_at, "
        "status, doc_hash, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'foreign')", rows)
    return db.conn.total_changes - before


def check_owners(db: sqlite_utils.Database, carried: Iterable[tuple[str, Iterable[str]]]) -> None:
    """A revision is one household's only: refuse (BundleError naming the household, the revision and the other
    household) revisions carried for a household — (uuid, revision ids) — that another household of the same lot
    carries, or that this workspace holds for another household. Before anything is written, so that a household's
    head is never another's revision (`fieldsurvey check` would find it; the file's trigger refuses it too)."""
    owner: dict[str, str] = {}
    for uuid, ids in carried:
        for rid in ids:
            other = owner.setdefault(rid, uuid)
            if other != uuid:
                raise BundleError("values.error.revision_twice", f"households/{uuid}.json", revision=rid,
                                  uuid=uuid, other=other)
    ids = list(owner)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for rid, uuid in db.execute(f"SELECT id, uuid FROM revisions WHERE id IN ({', '.join('?' * len(chunk))})",
                                    chunk):
            if uuid != owner[rid]:
                raise BundleError("values.error.revision_of_other_household", f"households/{owner[rid]}.json",
                                  uuid=owner[rid], revision=rid, other=uuid)
