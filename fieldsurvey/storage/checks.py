"""The integrity checks of `fieldsurvey check FILE`, read-only: the file (SQLite, FieldSurvey, schema),
integrity_check, foreign keys, pending or unknown migrations, each document parses, the list columns match the
documents, each household's head revision exists. docs/storage.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from fieldsurvey.domain.assessed import stored_classification
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.standards import default_registry
from fieldsurvey.errors import DocumentError, FieldSurveyError, WorkspaceError
from fieldsurvey.progress import Job, Progress
from fieldsurvey.storage import connection, durability, schema
from fieldsurvey.storage.schema import APPLICATION_ID, SCHEMA_VERSION


@dataclass
class Finding:
    check: str                  # a key under storage.check.* in the catalogues
    problems: list[str] = field(default_factory=list)
    count: int = 0              # how many things were looked at

    @property
    def ok(self) -> bool:
        return not self.problems


LIMIT = 20  # problems listed per check


def check_file(path: Path) -> Job[list[Finding]]:
    """Every integrity check on a workspace file, without changing it: the file (SQLite, FieldSurvey, schema),
    integrity_check, foreign keys, each document parses, the list columns match the documents, each household's
    head revision exists. A job; returns the findings (an empty `problems` list means that check passed)."""
    path = Path(path)
    if not path.is_file():
        raise WorkspaceError("storage.error.no_such_file", str(path))
    findings: list[Finding] = []
    conn = connection.connect(path, read_only=True)
    try:
        yield Progress(0, 1, "check")
        f = Finding("file", count=1)
        findings.append(f)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except connection.DATABASE_ERRORS as exc:
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
        except connection.DATABASE_ERRORS as exc:
            f.problems.append(str(exc))
        if not f.ok:
            return findings  # the rest would read a damaged file
        f = Finding("foreign_keys", count=1)
        findings.append(f)
        f.problems += durability.foreign_key_problems(conn)[:LIMIT]
        known = schema.names()
        f = Finding("migrations", count=len(known))
        findings.append(f)
        done = schema.applied(sqlite_utils.Database(conn))
        f.problems += [f"unknown migration {n} (a newer FieldSurvey)" for n in done if n not in known]
        pending = [n for n in known if n not in done]
        if pending:
            f.problems.append("not yet upgraded (opening it in FieldSurvey upgrades it): " + ", ".join(pending))
        has_revisions = "revision" in {r[1] for r in conn.execute("PRAGMA table_info(households)")}
        total = conn.execute("SELECT COUNT(*) FROM households").fetchone()[0]
        docs, cols, revs, classes = (Finding("documents", count=total), Finding("columns", count=total),
                                     Finding("revisions", count=total), Finding("classes", count=total))
        findings += [docs, cols, revs, classes]
        standard_id = (conn.execute("SELECT value FROM meta WHERE key = 'standard_id'").fetchone() or [None])[0]
        try:
            standard = default_registry().get(standard_id) if standard_id else None
        except FieldSurveyError as exc:
            classes.problems.append(str(exc))
            standard = None
        sql = ("SELECT h.uuid, h.document, h.member_count, h.head_name, h.village, h.status, h.class, "
               + ("h.revision, r.uuid FROM households h LEFT JOIN revisions r ON r.id = h.revision"
                  if has_revisions else "NULL, NULL FROM households h"))
        for i, (uuid, text, members, head_name, village, status, cls, head, head_uuid) in \
                enumerate(conn.execute(sql)):
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
            if status not in set(HouseholdStatus):
                bad.append(f"unknown status '{status}'")
            if bad and len(cols.problems) < LIMIT:
                cols.problems.append(f"{uuid}: " + "; ".join(bad))
            if standard is not None and len(classes.problems) < LIMIT:
                try:
                    now = stored_classification(doc, standard).household_class
                except FieldSurveyError:
                    now = None
                if now != cls:
                    classes.problems.append(f"{uuid}: stored class {cls} but the document is {now} now")
            if has_revisions and (head is None or head_uuid != uuid) and len(revs.problems) < LIMIT:
                revs.problems.append(f"{uuid}: " + ("no head revision" if head is None else
                                                    f"head revision {head} is missing or not this household's"))
            if i % 2000 == 0:
                yield Progress(i, total, "check")
        yield Progress(total, total, "check")
    finally:
        conn.close()
    return findings
