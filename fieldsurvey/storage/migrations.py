"""Named schema migrations, applied in order, each in its own transaction, recorded in `_migrations`.

Never edit a migration that has shipped: add a new one. Tests open a fixture file of every earlier schema.
"""

from __future__ import annotations

from typing import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        MIGRATIONS.append((name, fn))
        return fn

    return register


@migration("0001_initial")
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


def applied(db: sqlite_utils.Database) -> list[str]:
    if "_migrations" not in db.table_names():
        return []
    return [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")]


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this file has not had yet; return their names."""
    if "_migrations" not in db.table_names():
        db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = set(applied(db))
    new = []
    from fieldsurvey.storage.workspace import now_iso

    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.atomic():
            fn(db)
            db["_migrations"].insert({"name": name, "applied_at": now_iso()})
        new.append(name)
    return new


# The sync area keeps its tables and queries in storage/sync_store.py; its migrations register after these.
from fieldsurvey.storage import sync_store  # noqa: E402,F401
