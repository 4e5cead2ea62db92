"""Read queries for the household list, the dashboard and reports (Qt-free, fast at 100k households).

The list is found in two steps: the filter, search and sort run on the covering index `households_list` (no
document is read), then only the page's rows are fetched by key. Search is without diacritics on the folded
search text (names and ID numbers, storage.workspace.search_text) or on the start of the household's UUID.
docs/storage.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

import sqlite_utils

from fieldsurvey.i18n import fold

CLASSES = ("poor", "near_poor", "average", "not_poor", "incomplete")
SORTS = {"head_name": "head_folded", "village": "village", "class": "class", "status": "status", "owner": "owner",
         "members": "member_count", "income": "income_per_person", "deprivations": "deprivations",
         "updated": "updated_at", "uuid": "uuid"}
LIST_INDEX = "households_list"


@dataclass(frozen=True)
class HouseholdFilter:
    village: str | None = None
    household_class: str | None = None   # a CLASSES value, or "unclassified"
    status: str | None = None
    owner: str | None = None
    search: str = ""                     # name or ID number (diacritics optional) or the start of the household id


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    uuid: str
    village: str | None
    head_name: str
    member_count: int
    status: str
    owner: str | None
    household_class: str | None
    deprivations: int | None
    income_per_person: float | None
    updated_at: str | None


_ROW_COLUMNS = ("uuid, village, head_name, member_count, status, owner, class, deprivations, income_per_person, "
                "updated_at")


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def where(f: Any) -> tuple[str, list[Any]]:
    """SQL condition and arguments for a filter (any object with the HouseholdFilter fields)."""
    parts: list[str] = []
    args: list[Any] = []
    for column, value in (("village", f.village), ("status", f.status), ("owner", f.owner)):
        if value:
            parts.append(f"{column} = ?")
            args.append(value)
    cls = getattr(f, "household_class", None)
    if cls == "unclassified":
        parts.append("class IS NULL")
    elif cls:
        parts.append("class = ?")
        args.append(cls)
    text = (f.search or "").strip()
    if text:
        parts.append("(head_folded LIKE ? ESCAPE '\\' OR uuid LIKE ? ESCAPE '\\')")
        args += [f"%{_like(' '.join(fold(text).split()))}%", f"{_like(text.lower())}%"]
    return (" WHERE " + " AND ".join(parts)) if parts else "", args


def household_count(db: sqlite_utils.Database, f: Any = HouseholdFilter()) -> int:
    cond, args = where(f)
    return db.execute(f"SELECT COUNT(*) FROM households INDEXED BY {LIST_INDEX}{cond}", args).fetchone()[0]


def _order(sort: str, descending: bool) -> str:
    column = SORTS.get(sort, "village")
    way = "DESC" if descending else "ASC"
    if column in ("head_folded", "uuid"):
        return f"{column} {way}, uuid"
    return f"{column} {way}, head_folded, uuid"


def household_uuids(db: sqlite_utils.Database, f: Any = HouseholdFilter(), sort: str = "village",
                    descending: bool = False, offset: int = 0, limit: int = 200) -> list[str]:
    """The ids of one page of the filtered, sorted list (ties broken by name then id: pages never overlap)."""
    cond, args = where(f)
    return [r[0] for r in db.execute(
        f"SELECT uuid FROM households INDEXED BY {LIST_INDEX}{cond} ORDER BY {_order(sort, descending)} "
        "LIMIT ? OFFSET ?", args + [limit, offset])]


def household_page(db: sqlite_utils.Database, f: Any = HouseholdFilter(), sort: str = "village",
                   descending: bool = False, offset: int = 0, limit: int = 200) -> list[HouseholdRow]:
    """One page of the filtered, sorted household list."""
    uuids = household_uuids(db, f, sort, descending, offset, limit)
    if not uuids:
        return []
    q = ",".join("?" * len(uuids))
    by_id = {r[0]: r for r in db.execute(f"SELECT {_ROW_COLUMNS} FROM households WHERE uuid IN ({q})", uuids)}
    return [HouseholdRow(*by_id[u]) for u in uuids if u in by_id]


def owners(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT owner FROM households WHERE owner IS NOT NULL ORDER BY 1")]


def enumerator_names(db: sqlite_utils.Database) -> dict[str, str]:
    """owner id → the enumerator's name most often written in that owner's households (the form's "Điều tra
    viên")."""
    out: dict[str, str] = {}
    rows = db.execute("SELECT owner, json_extract(document, '$.household.enumerator') AS name, COUNT(*) AS n "
                      "FROM households WHERE owner IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 3 DESC")
    for owner, name, _n in rows:
        if owner not in out and isinstance(name, str) and name.strip():
            out[owner] = name.strip()
    return out


def counts_by_village_class(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """village → class → households ('' for no village, 'unclassified' for no class)."""
    out: dict[str, dict[str, int]] = {}
    for village, cls, n in db.execute(
            "SELECT COALESCE(village, ''), COALESCE(class, 'unclassified'), COUNT(*) FROM households "
            "GROUP BY village, class"):
        row = out.setdefault(village, {})
        row[cls] = row.get(cls, 0) + n
    return out


def statuses_by(db: sqlite_utils.Database, column: str) -> dict[str, dict[str, int]]:
    """`column` ('owner' or 'village') → status → households ('' for households without one)."""
    if column not in ("owner", "village"):
        raise ValueError(f"no progress by {column!r}")
    out: dict[str, dict[str, int]] = {}
    for key, status, n in db.execute(
            f"SELECT COALESCE({column}, ''), status, COUNT(*) FROM households GROUP BY 1, status ORDER BY 1"):
        row = out.setdefault(key, {})
        row[status] = row.get(status, 0) + n
    return out


def progress_by_owner(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """enumerator (owner) → status → households ('' for households with no owner)."""
    return statuses_by(db, "owner")


def form_versions(db: sqlite_utils.Database) -> dict[tuple[str | None, str | None], int]:
    """(form id, form version) → households."""
    return {(f, v): n for f, v, n in db.execute(
        "SELECT form_id, form_version, COUNT(*) FROM households GROUP BY form_id, form_version")}


def _version_key(version: str | None) -> tuple:
    parts = []
    for p in (version or "").replace("-", ".").split("."):
        parts.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return tuple(parts)


def older_form_households(db: sqlite_utils.Database, form_id: str, version: str) -> list[dict[str, Any]]:
    """Households filled with an older version of this form (uuid, head_name, village, form_version, status)."""
    older = [v for (f, v) in form_versions(db) if f == form_id and _version_key(v) < _version_key(version)]
    if not older:
        return []
    q = ",".join("?" * len(older))
    return list(db.query(
        f"SELECT uuid, head_name, village, form_version, status FROM households WHERE form_id = ? AND "
        f"form_version IN ({q}) ORDER BY village, head_folded, uuid", [form_id, *older]))


def status_owner(db: sqlite_utils.Database, uuid: str) -> tuple[str, str | None] | None:
    row = db.execute("SELECT status, owner FROM households WHERE uuid = ?", [uuid]).fetchone()
    return (row[0], row[1]) if row else None


def classification_summaries(db: sqlite_utils.Database) -> Iterator[dict[str, Any]]:
    """The stored classification summary (decoded) of every classified household, for the dashboard."""
    for (text,) in db.execute("SELECT classification FROM households WHERE classification IS NOT NULL"):
        yield json.loads(text)


def previous_links(db: sqlite_utils.Database) -> Iterator[tuple[str, str | None, str, str | None, str | None]]:
    """(uuid, village, status, class now, document JSON) of every household, for the year-to-year movement."""
    yield from db.execute("SELECT uuid, village, status, class, document FROM households ORDER BY village, uuid")


def carry_rows(db: sqlite_utils.Database, batch: int = 1000) -> Iterator[list[tuple[str, str, str, str | None,
                                                                                    str | None]]]:
    """(uuid, document JSON, status, owner, class) of every household, in batches, for the carry-forward."""
    rows = db.execute("SELECT uuid, document, status, owner, class FROM households ORDER BY uuid")
    while True:
        chunk = rows.fetchmany(batch)
        if not chunk:
            return
        yield chunk


def count_rows(db: sqlite_utils.Database, documents: bool = False) -> Iterator[tuple]:
    """What the commune's count reads of every household, in the list's order (village, head): uuid, village,
    status, stored class, stored classification (JSON), member count, whether an interview date is recorded, the
    carry-forward's `previous` (JSON) — and the whole document when `documents`."""
    extra = ", document" if documents else ""
    yield from db.execute(
        "SELECT uuid, village, status, class, classification, member_count, "
        "json_extract(document, '$.interview_date') IS NOT NULL, json_extract(document, '$.previous')"
        f"{extra} FROM households ORDER BY village, head_folded, uuid")


def held_rows(db: sqlite_utils.Database, statuses: list[str] | None = None
              ) -> list[tuple[str, str | None, str, str, str | None, str]]:
    """(uuid, village, head_name, status, owner, held JSON) of the households with answers held for the supervisor
    (the `held` column, storage/columns.py), in the list's order (village, head); only these statuses when given."""
    sql = "SELECT uuid, village, head_name, status, owner, held FROM households WHERE held IS NOT NULL"
    args: list[Any] = []
    if statuses:
        sql += f" AND status IN ({', '.join('?' * len(statuses))})"
        args += statuses
    return db.execute(sql + " ORDER BY village, head_folded, uuid", args).fetchall()
