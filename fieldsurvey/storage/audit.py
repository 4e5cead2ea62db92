"""The append-only audit log: who changed what, when, field by field (field paths: fieldsurvey.domain.fieldpaths),
with the reason given. Written in the same transaction as the change it records; triggers refuse any update or
delete. A household's document as it was at any entry is found by undoing, from the stored document, every later
change."""

from __future__ import annotations

import json
from typing import Any, Iterable, NamedTuple

import sqlite_utils

from fieldsurvey.domain import fieldpaths
from fieldsurvey.domain.fieldpaths import MISSING


class Entry(NamedTuple):
    """One audit row as written."""
    at: str
    device: str
    user: str
    uuid: str
    revision: str | None
    action: str
    field: str | None = None
    old: str | None = None       # JSON (NULL: the field was not there)
    new: str | None = None       # JSON
    reason: str | None = None
    detail: str | None = None    # JSON


def as_json(value: Any) -> str | None:
    """A value as the audit log keeps it: JSON, or NULL for a field that is not there (a JSON null is 'null')."""
    return None if value is MISSING else json.dumps(value, ensure_ascii=False, sort_keys=True)


def detail_text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def write(db: sqlite_utils.Database, entries: Iterable[Entry | tuple]) -> None:
    db.conn.executemany("INSERT INTO audit (at, device, user, uuid, revision, action, field, old, new, reason, "
                        "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(entries))


def changes(at: str, device: str, user: str, uuid: str, revision: str | None, action: str,
            old: dict[str, Any] | None, new: dict[str, Any], reason: str | None) -> list[Entry]:
    """One entry per field that differs between two documents."""
    return [Entry(at, device, user, uuid, revision, action, c.path, as_json(c.old), as_json(c.new), reason)
            for c in fieldpaths.diff(old, new)]


def log(db: sqlite_utils.Database, uuid: str | None = None) -> list[dict[str, Any]]:
    """The audit entries (of one household, or all), oldest first; old/new/detail decoded from JSON."""
    sql = "SELECT id, at, device, user, uuid, revision, action, field, old, new, reason, detail FROM audit"
    rows = db.query(sql + (" WHERE uuid = ? ORDER BY id" if uuid else " ORDER BY id"), [uuid] if uuid else [])
    out = []
    for r in rows:
        for k in ("old", "new", "detail"):
            if r[k] is not None:
                try:
                    r[k] = json.loads(r[k])
                except ValueError:
                    pass
        out.append(r)
    return out


def history(db: sqlite_utils.Database, uuid: str) -> list[dict[str, Any]]:
    """Who changed what and when: the household's entries as stored (JSON undecoded), oldest first."""
    return list(db.query("SELECT at, device, user, action, field, old, new, reason, detail FROM audit "
                         "WHERE uuid = ? ORDER BY id", [uuid]))


def document_as_of(db: sqlite_utils.Database, uuid: str, audit_id: int) -> dict[str, Any] | None:
    """The household's document as it was right after entry `audit_id` (None: not yet created)."""
    row = db.execute("SELECT document FROM households WHERE uuid = ?", [uuid]).fetchone()
    if row is None:
        return None
    flat = fieldpaths.flatten(json.loads(row[0]))
    created = db.execute("SELECT MIN(id) FROM audit WHERE uuid = ?", [uuid]).fetchone()[0]
    if created is not None and audit_id < created:
        return None
    for field, old in db.execute(
            "SELECT field, old FROM audit WHERE uuid = ? AND id > ? AND field IS NOT NULL AND field NOT IN "
            "('status', 'owner') ORDER BY id DESC", [uuid, audit_id]):
        if old is None:
            flat.pop(field, None)
        else:
            flat[field] = json.loads(old)
    return fieldpaths.unflatten(flat)
