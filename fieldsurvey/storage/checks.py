"""The integrity checks of `fieldsurvey check FILE`, read-only: the file (SQLite, FieldSurvey, schema),
integrity_check, foreign keys, pending or unknown migrations, each document parses, the list columns match the
documents, each household's head revision exists. docs/storage.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from fieldsurvey.domain.assessed import standard_fingerprint, stored_classification
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.standards import default_registry
from fieldsurvey.errors import DocumentError, FieldSurveyError, WorkspaceError
from fieldsurvey.i18n import fold
from fieldsurvey.progress import Job, Progress, run_to_end
from fieldsurvey.storage import connection, durability, schema
from fieldsurvey.storage.columns import document_columns
from fieldsurvey.storage.schema import APPLICATION_ID, SCHEMA_VERSION
from fieldsurvey.storage.stamps import doc_hash


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
    conn = connection.connect(path, read_only=True)
    try:
        return (yield from check_connection(conn, path=path))
    finally:
        conn.close()


def check_connection(conn: Any, opening: bool = False, path: Path | None = None
                     ) -> Job[list[Finding]]:
    """The checks of `check_file` on an open connection (nothing written). `opening`: the check a workspace gets
    when it is opened after it was not closed cleanly — the same checks, except that migrations not yet applied
    are no problem (opening applies them next) and stored classes are compared only when they were made with the
    workspace's standard as this FieldSurvey has it (meta `classified_with`; else classify-all is due, not a
    fault of the file)."""
    findings: list[Finding] = []
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
        cut = durability.size_problem(conn, path) if path is not None else None
        if cut:
            f.problems.append(cut)
    except connection.DATABASE_ERRORS as exc:
        f.problems.append(str(exc))
    if not f.ok:
        return findings  # the rest would read a damaged file
    try:
        yield from _contents(conn, findings, opening)
    except connection.DATABASE_ERRORS as exc:   # a page integrity_check passed but the rows cannot be read as stored
        findings.append(Finding("integrity", [str(exc)], 1))
    return findings


def _contents(conn: Any, findings: list[Finding], opening: bool) -> Iterator[Progress]:
    f = Finding("foreign_keys", count=1)
    findings.append(f)
    f.problems += durability.foreign_key_problems(conn)[:LIMIT]
    known = schema.names()
    f = Finding("migrations", count=len(known))
    findings.append(f)
    done = schema.applied(sqlite_utils.Database(conn))
    f.problems += [f"unknown migration {n} (a newer FieldSurvey)" for n in done if n not in known]
    pending = [n for n in known if n not in done]
    if pending and not opening:
        f.problems.append("not yet upgraded (opening it in FieldSurvey upgrades it): " + ", ".join(pending))
    has_revisions = "revision" in {r[1] for r in conn.execute("PRAGMA table_info(households)")}
    total = conn.execute("SELECT COUNT(*) FROM households").fetchone()[0]
    docs, cols, revs, classes = (Finding("documents", count=total), Finding("columns", count=total),
                                 Finding("revisions", count=total), Finding("classes", count=total))
    findings += [docs, cols, revs, classes]
    standard_id = _meta(conn, "standard_id")
    try:
        standard = default_registry().get(standard_id) if standard_id else None
    except FieldSurveyError as exc:
        classes.problems.append(str(exc))
        standard = None
    if opening and standard is not None and _meta(conn, "classified_with") != standard_fingerprint(standard):
        standard = None   # the classes are due to be made again with this standard: not the file's fault
    sql = ("SELECT h.uuid, h.document, h.member_count, h.head_name, h.village, h.status, h.class, h.head_folded, "
           "h.form_id, h.form_version, h.standard_id, h.deprivations, h.b2_score, h.income_per_person, h.b1_score, "
           "h.classification, "
           + ("h.revision, r.uuid, r.sealed_at, r.doc_hash FROM households h "
              "LEFT JOIN revisions r ON r.id = h.revision"
              if has_revisions else "NULL, NULL, NULL, NULL FROM households h"))
    found = {"documents": docs, "columns": cols, "classes": classes, "revisions": revs}
    for i, row in enumerate(conn.execute(sql)):
        try:
            said = _household(row, standard, has_revisions)
        except Exception as exc:   # a document whose shape nothing expects (a flipped key): said, never raised
            said = {"documents": [f"{row[0]}: cannot be checked ({type(exc).__name__}: {exc})"]}
        for check, problems in said.items():
            if problems and len(found[check].problems) < LIMIT:
                found[check].problems.append(f"{row[0]}: " + "; ".join(problems) if check != "documents"
                                             else problems[0])
        if i % 2000 == 0:
            yield Progress(i, total, "check")
    readable = Finding("readable", count=0)
    findings.append(readable)
    for table in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]:
        readable.count += 1
        json_columns = [c for c in ("old", "new", "detail") if table == "audit"]
        try:
            names = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
            for row in conn.execute(f"SELECT * FROM [{table}]"):
                for c in json_columns:
                    text = row[names.index(c)]
                    if text is not None:
                        try:
                            json.loads(text)
                        except ValueError as exc:
                            if len(readable.problems) < LIMIT:
                                readable.problems.append(f"{table} row {row[0]}: {c} is not JSON ({exc})")
        except connection.DATABASE_ERRORS as exc:   # a text that is not UTF-8 any more (either binding)
            readable.problems.append(f"{table}: cannot be read ({exc})"[:300])
    yield Progress(total, total, "check")


def _household(row: tuple, standard: Any, has_revisions: bool) -> dict[str, list[str]]:
    """What is wrong with one household's row, by check."""
    (uuid, text, members, head_name, village, status, cls, folded, form_id, form_version, *stored_cols,
     head, head_uuid, sealed_at, sealed_hash) = row
    try:
        doc = json.loads(text)
        hh = parse_household(doc)
    except (ValueError, TypeError, DocumentError) as exc:
        return {"documents": [f"{uuid}: {exc}"]}
    bad: list[str] = []
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
    made = document_columns(doc)
    if head_name != made["head_name"] and not bad:
        bad.append(f"head_name '{head_name}' but the document's head is '{made['head_name']}'")
    if folded != made["head_folded"] and folded != fold(made["head_name"]):   # (before 0003: the head's only)
        bad.append("the search text is not made from the document's names and ID numbers")
    if (form_id, form_version) != (made["form_id"], made["form_version"]):
        bad.append(f"form {form_id} {form_version} but the document says {made['form_id']} {made['form_version']}")
    if text != made["document"]:
        bad.append("the document's text is not as FieldSurvey writes it")
    said = {"columns": bad, "classes": [], "revisions": []}
    if standard is not None:
        try:
            now = stored_classification(doc, standard)
        except FieldSurveyError:
            now = None
        if (now.household_class if now else None) != cls:
            said["classes"].append(f"stored class {cls} but the document is {now.household_class if now else None} now")
        elif now is not None and (tuple(now[1:6]) != tuple(stored_cols[:5]) or not _summary_of(stored_cols[5], now)):
            said["classes"].append("the stored classification (standard, deprivations, scores, income per person, "
                                   "summary) is not the document's now")
    if has_revisions:
        if head is None or head_uuid != uuid:
            said["revisions"].append("no head revision" if head is None else
                                     f"head revision {head} is missing or not this household's")
        elif sealed_at is not None and sealed_hash is not None and sealed_hash != doc_hash(text):
            said["revisions"].append(f"the document is not the one its sealed head revision {head} holds")
    return said


def _summary_of(text: str | None, now: Any) -> bool:
    """The stored summary says what the document's classification says now: the same JSON — or, written by a
    FieldSurvey whose summary had other fields, the same in the fields both have."""
    try:
        summary = json.loads(text) if text else None
        fresh = json.loads(now.summary)
    except ValueError:
        return False
    if not isinstance(summary, dict) or not isinstance(fresh, dict):
        return False
    return all(summary[k] == fresh[k] for k in set(summary) & set(fresh)) and "class" in summary


def _meta(conn: Any, key: str) -> str | None:
    return (conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone() or [None])[0]


def problems_on_opening(conn: Any) -> list[Finding]:
    """The findings with problems of the check a workspace gets when it is opened after it was not closed cleanly
    (`check_connection(opening=True)`, run to its end); [] when the file is sound."""
    return [f for f in run_to_end(check_connection(conn, opening=True)) if not f.ok]
