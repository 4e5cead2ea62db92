"""The register of official documents issued from a workspace (sổ theo dõi văn bản đã cấp): what was printed as
the official copy, for which household, with which number, when and by whom. Rows are never changed or deleted, and
a certificate number is never given twice: a reprint of a household's certificate points at the original and
carries its number. All SQL of the register lives here; fieldsurvey/services/printing.py calls these functions
inside its own transaction.
"""

from __future__ import annotations

from typing import Any, Iterable

import sqlite_utils

COLUMNS = ("id", "kind", "number", "symbol", "review_year", "uuid", "village", "household_class", "issued_at",
           "issued_on", "issued_by", "template", "file_name", "reprint_of", "batch")


def highest_number(db: sqlite_utils.Database, kind: str) -> int:
    """The highest number ever given to a document of `kind` (0 when none)."""
    return db.execute("SELECT COALESCE(MAX(number), 0) FROM issued_documents WHERE kind = ?", [kind]).fetchone()[0]


def first_issues(db: sqlite_utils.Database, kind: str, review_year: int, uuids: Iterable[str]) -> dict[str, dict]:
    """Each household's first issue of `kind` for the review year (its number, the class it stated), if any."""
    out: dict[str, dict] = {}
    wanted = list(dict.fromkeys(uuids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM issued_documents WHERE kind = ? AND review_year = ? AND reprint_of IS "
            f"NULL AND uuid IN ({', '.join('?' * len(chunk))}) ORDER BY id", [kind, review_year, *chunk]).fetchall()
        for row in rows:
            out.setdefault(row[5], dict(zip(COLUMNS, row)))
    return out


def first_of_number(db: sqlite_utils.Database, kind: str, number: int) -> dict[str, Any] | None:
    """The first issue of a document of `kind` under `number`, if any."""
    row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM issued_documents WHERE kind = ? AND number = ? AND "
                     "reprint_of IS NULL", [kind, number]).fetchone()
    return dict(zip(COLUMNS, row)) if row else None


def record(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Add issued documents to the register (the caller holds the transaction)."""
    db.conn.executemany(
        f"INSERT INTO issued_documents ({', '.join(COLUMNS[1:])}) VALUES ({', '.join('?' * (len(COLUMNS) - 1))})",
        [[r.get(c) for c in COLUMNS[1:]] for r in rows])


def issued(db: sqlite_utils.Database, kind: str | None = None) -> list[dict[str, Any]]:
    """The register, oldest first (of one kind when given)."""
    where, args = ("WHERE kind = ?", [kind]) if kind else ("", [])
    return [dict(zip(COLUMNS, r)) for r in db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM issued_documents {where} ORDER BY id", args).fetchall()]
