"""Use cases for the care of workspace files (Qt-free): backup, restore, check, and carrying a review forward to
next year with the movement of each household computed. docs/storage.md.
"""

from __future__ import annotations

import json
import sqlite3
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldsurvey.domain.movement import Link, MovementTable, movement_table
from fieldsurvey.errors import DocumentError, WorkspaceError
from fieldsurvey.progress import Job, Progress
from fieldsurvey.storage import backups as store_backups
from fieldsurvey.storage import durability, queries
from fieldsurvey.storage.workspace import ALL_STATUSES, APPLICATION_ID, MERGED, MOVED_AWAY, SCHEMA_VERSION, Workspace

CARRY_NAMESPACE = uuidlib.UUID("5d3c0b1e-6f1e-4a8e-9a57-3f5ad7b0c2a1")


# --- backup and restore -------------------------------------------------------------------------------------------

def backup(path: Path, to: Path | None = None) -> Path:
    """A backup of workspace FILE now: into its rotating `backups/` folder, or to `to` (a file or a folder)."""
    with Workspace.open(path) as ws:
        ws.backups = False
        return store_backups.make_backup(ws, to)


def restore(path: Path, backup_file: Path) -> Path | None:
    """Put a backup in place of workspace FILE (checked first; the replaced file is kept and its path returned)."""
    return store_backups.restore(Path(path), Path(backup_file))


def list_backups(path: Path) -> list[Path]:
    return store_backups.backups_of(Path(path))


# --- check ----------------------------------------------------------------------------------------------------------

@dataclass
class Finding:
    check: str                  # a key under storage.check.* in the catalogues
    problems: list[str] = field(default_factory=list)
    count: int = 0              # how many things were looked at

    @property
    def ok(self) -> bool:
        return not self.problems


LIMIT = 20  # problems listed per check


def check(path: Path) -> Job[list[Finding]]:
    """Every integrity check on a workspace file, without changing it: the file (SQLite, FieldSurvey, schema),
    integrity_check, foreign keys, each document parses, the list columns match the documents, each household's
    head revision exists. A job; returns the findings (an empty `problems` list means that check passed)."""
    from fieldsurvey.domain.document import parse_household
    from fieldsurvey.storage.migrations import MIGRATIONS

    path = Path(path)
    if not path.is_file():
        raise WorkspaceError("no such file", str(path))
    findings: list[Finding] = []
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield Progress(0, 1, "check")
        f = Finding("file", count=1)
        findings.append(f)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            f.problems.append(f"not a FieldSurvey workspace ({exc})")
            return findings
        if app_id != APPLICATION_ID:
            f.problems.append("not a FieldSurvey workspace (another program's SQLite file)")
            return findings
        if version > SCHEMA_VERSION:
            f.problems.append(f"written by a newer FieldSurvey (schema {version})")
        f = Finding("integrity", count=1)
        findings.append(f)
        try:
            f.problems += durability.quick_check(conn, full=True)
        except sqlite3.DatabaseError as exc:
            f.problems.append(str(exc))
        if not f.ok:
            return findings  # the rest would read a damaged file
        f = Finding("foreign_keys", count=1)
        findings.append(f)
        f.problems += durability.foreign_key_problems(conn)[:LIMIT]
        f = Finding("migrations", count=len(MIGRATIONS))
        findings.append(f)
        done = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
        known = [n for n, _ in MIGRATIONS]
        f.problems += [f"unknown migration {n} (a newer FieldSurvey)" for n in done if n not in known]
        pending = [n for n in known if n not in done]
        if pending:
            f.problems.append("not yet upgraded (opening it in FieldSurvey upgrades it): " + ", ".join(pending))
        has_revisions = "revision" in {r[1] for r in conn.execute("PRAGMA table_info(households)")}
        total = conn.execute("SELECT COUNT(*) FROM households").fetchone()[0]
        docs, cols, revs = Finding("documents", count=total), Finding("columns", count=total), \
            Finding("revisions", count=total)
        findings += [docs, cols, revs]
        sql = ("SELECT h.uuid, h.document, h.member_count, h.head_name, h.village, h.status, "
               + ("h.revision, r.uuid FROM households h LEFT JOIN revisions r ON r.id = h.revision"
                  if has_revisions else "NULL, NULL FROM households h"))
        for i, (uuid, text, members, head_name, village, status, head, head_uuid) in enumerate(conn.execute(sql)):
            try:
                doc = json.loads(text)
                hh = parse_household(doc)
            except (ValueError, DocumentError) as exc:
                if len(docs.problems) < LIMIT:
                    docs.problems.append(f"{uuid}: {exc}")
                continue
            bad = []
            if hh.uuid != uuid:
                bad.append(f"the document's uuid is {hh.uuid}")
            if members != len(hh.members):
                bad.append(f"member_count {members} but the document has {len(hh.members)} members")
            if hh.head is not None and head_name != (hh.head.get("name") or ""):
                bad.append(f"head_name '{head_name}' but the head is '{hh.head.get('name')}'")
            if village != hh.village:
                bad.append(f"village '{village}' but the document says '{hh.village}'")
            if status not in ALL_STATUSES:
                bad.append(f"unknown status '{status}'")
            if bad and len(cols.problems) < LIMIT:
                cols.problems.append(f"{uuid}: " + "; ".join(bad))
            if has_revisions and (head is None or head_uuid != uuid) and len(revs.problems) < LIMIT:
                revs.problems.append(f"{uuid}: " + ("no head revision" if head is None else
                                                    f"head revision {head} is missing or not this household's"))
            if i % 2000 == 0:
                yield Progress(i, total, "check")
        yield Progress(total, total, "check")
    finally:
        conn.close()
    return findings


# --- year to year -------------------------------------------------------------------------------------------------

def carried_uuid(old_uuid: str, year: int) -> str:
    """The household's id in next year's workspace: new (one record per review), derived from the old one so that
    carrying forward again gives the same ids."""
    return str(uuidlib.uuid5(CARRY_NAMESPACE, f"{old_uuid}/{year}"))


def carry_forward(old: Path, new: Path, year: int, batch: int = 1000) -> Job[dict[str, int]]:
    """Start next year's review in NEW from workspace OLD: same commune and villages, the standard for `year`;
    every household that did not move away or merge is carried with its members (birth dates stay, so ages
    advance), status draft, owner kept, classification cleared, interview date cleared, and the link
    `previous: {uuid, year, class, status}` (last review's result). Returns counts."""
    from fieldsurvey.services.assessment import registry

    old, new = Path(old), Path(new)
    if new.exists():
        raise WorkspaceError("a file of that name already exists; choose another name", str(new))
    part = new.with_name(new.name + ".part")  # built under this name, renamed when complete
    if part.exists():
        part.unlink()
    src = Workspace.open(old)
    src.backups = False
    try:
        info = src.info
        if year <= info.review_year:
            raise WorkspaceError(f"the new review year must come after {info.review_year}", "--year")
        standard = registry().for_year(year, info.province_code)
        new_info = type(info)(info.province_code, info.province_name, info.commune_code, info.commune_name,
                              info.area, year, "annual", standard.id)
        counts = {"carried": 0, "moved_away": 0, "merged": 0}
        dst = Workspace.create(part, new_info, src.villages())
        dst.backups = False
        try:
            dst.set_identity(user=src.user)
            for key in ("enumerator", "enumerator_id"):
                value = src.meta(key)
                if value:
                    dst.set_meta(key, value)
            dst.set_meta("previous_review", json.dumps({"year": info.review_year, "file": old.name}))
            total = src.household_count()
            yield Progress(0, total, "carry-forward")
            rows = src.db.execute("SELECT uuid, document, status, owner, class FROM households ORDER BY uuid")
            done = 0
            while True:
                chunk = rows.fetchmany(batch)
                if not chunk:
                    break
                items = []
                for uuid, text, status, owner, cls in chunk:
                    if status in (MOVED_AWAY, MERGED):
                        counts[status] += 1
                        continue
                    items.append((_carried(json.loads(text), uuid, year, info.review_year, cls, status), owner))
                dst.save_households_owned(items, status="draft", action="carry-forward")
                counts["carried"] += len(items)
                done += len(chunk)
                yield Progress(done, total, "carry-forward")
        finally:
            dst.close()
        part.replace(new)
        return counts
    finally:
        src.close()
        if part.exists():
            part.unlink()


def _carried(doc: dict[str, Any], old_uuid: str, year: int, old_year: int, cls: str | None, status: str
             ) -> dict[str, Any]:
    out = dict(doc)
    out["uuid"] = carried_uuid(old_uuid, year)
    out["review"] = {**(doc.get("review") or {}), "year": year, "kind": "annual"}
    out["interview_date"] = None
    out["previous"] = {"uuid": old_uuid, "year": old_year, "class": cls, "status": status}
    return out


# --- movement -------------------------------------------------------------------------------------------------------

@dataclass
class Movement:
    table: MovementTable
    households: dict[str, str]   # uuid → household movement (remained_poor, escaped, fell_back, new, moved_away …)
    previous_year: int | None


def movement(ws: Workspace) -> Movement:
    """The movement of every household of this review against the last (from `previous`), and the table."""
    from fieldsurvey.domain.movement import household_movement

    links, labels, year = [], {}, None
    for uuid, village, status, cls, text in queries.previous_links(ws.db):
        prev = json.loads(text).get("previous")
        has = isinstance(prev, dict)
        link = Link(has, prev.get("class") if has else None, cls, status == MOVED_AWAY, village or "")
        if has and isinstance(prev.get("year"), int):
            year = prev["year"]
        links.append(link)
        labels[uuid] = household_movement(link)
    return Movement(movement_table(links), labels, year)
