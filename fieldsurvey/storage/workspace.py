"""A workspace: one SQLite file for one commune and one review round, through sqlite-utils.

The connection runs in autocommit mode: every write is committed the moment it is made, and anything that must be
all-or-nothing runs inside `db.atomic()`. The schema is built by named migrations (storage/migrations.py).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlite_utils

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.i18n import fold
from fieldsurvey.storage.migrations import apply_migrations

APPLICATION_ID = 0x46535256  # "FSRV": marks a FieldSurvey workspace file


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class WorkspaceInfo:
    province_code: str
    province_name: str
    commune_code: str
    commune_name: str
    area: str
    review_year: int
    review_kind: str
    standard_id: str


def _connect(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    return sqlite_utils.Database(conn)


class Workspace:
    def __init__(self, db: sqlite_utils.Database, path: Path):
        self.db = db
        self.path = path

    # --- opening -------------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path | str, info: WorkspaceInfo, villages: Iterable[str] = ()) -> "Workspace":
        path = Path(path)
        if path.exists():
            raise WorkspaceError("a file of that name already exists; choose another name or remove it", str(path))
        try:
            db = _connect(path)
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot create the workspace: {exc}", str(path)) from None
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        apply_migrations(db)
        ws = cls(db, path)
        with db.atomic():
            for key, value in info.__dict__.items():
                db["meta"].insert({"key": key, "value": str(value)}, pk="key", replace=True)
            db["meta"].insert({"key": "created_at", "value": now_iso()}, pk="key", replace=True)
            for i, name in enumerate(villages):
                ws.add_village(name, sort=i)
        return ws

    @classmethod
    def open(cls, path: Path | str) -> "Workspace":
        path = Path(path)
        if not path.exists():
            raise WorkspaceError("no such file", str(path))
        try:
            db = _connect(path)
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise WorkspaceError(f"is not a FieldSurvey workspace ({exc})", str(path)) from None
        if app_id != APPLICATION_ID:
            raise WorkspaceError("is not a FieldSurvey workspace", str(path))
        apply_migrations(db)
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- settings --------------------------------------------------------------------------------------------------

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db["meta"].insert({"key": key, "value": value}, pk="key", replace=True)

    @property
    def info(self) -> WorkspaceInfo:
        rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        try:
            return WorkspaceInfo(rows["province_code"], rows["province_name"], rows["commune_code"],
                                 rows["commune_name"], rows["area"], int(rows["review_year"]), rows["review_kind"],
                                 rows["standard_id"])
        except KeyError as exc:
            raise WorkspaceError(f"the workspace settings lack {exc}", str(self.path)) from None

    # --- villages ------------------------------------------------------------------------------------------------------

    def add_village(self, name: str, sort: int | None = None) -> None:
        if sort is None:
            sort = self.db.execute("SELECT COALESCE(MAX(sort), -1) + 1 FROM villages").fetchone()[0]
        self.db["villages"].insert({"name": name, "sort": sort}, pk="name", ignore=True)

    def villages(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM villages ORDER BY sort, name")]

    # --- households --------------------------------------------------------------------------------------------------

    @staticmethod
    def _row(doc: dict[str, Any], status: str, owner: str | None) -> dict[str, Any]:
        head = next((m for m in doc.get("members", []) if m.get("relationship") == "head"), None)
        head_name = (head or {}).get("name") or doc.get("household", {}).get("head_name") or ""
        return {
            "uuid": doc["uuid"],
            "village": (doc.get("location") or {}).get("village"),
            "head_name": head_name,
            "head_folded": fold(head_name),
            "member_count": len(doc.get("members", [])),
            "status": status,
            "owner": owner,
            "form_id": (doc.get("form") or {}).get("id"),
            "form_version": (doc.get("form") or {}).get("version"),
            "document": json.dumps(doc, ensure_ascii=False),
            "updated_at": now_iso(),
        }

    def save_household(self, doc: dict[str, Any], status: str = "draft", owner: str | None = None) -> None:
        """Store (insert or replace) one household document; committed at once."""
        self.db["households"].upsert(self._row(doc, status, owner), pk="uuid")

    def save_households(self, docs: Iterable[dict[str, Any]], status: str = "draft",
                        owner: str | None = None) -> int:
        """Store many households in one transaction (all or nothing)."""
        rows = [self._row(d, status, owner) for d in docs]
        with self.db.atomic():
            self.db["households"].upsert_all(rows, pk="uuid")
        return len(rows)

    def get_household(self, uuid: str) -> dict[str, Any]:
        row = self.db.execute("SELECT document FROM households WHERE uuid = ?", [uuid]).fetchone()
        if row is None:
            raise WorkspaceError("no household with this id", uuid)
        return json.loads(row[0])

    def household_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM households").fetchone()[0]

    def iter_documents(self, batch: int = 2000) -> Iterator[tuple[str, str]]:
        """(uuid, document JSON) for every household, in pages, so memory stays flat."""
        last = ""
        while True:
            rows = self.db.execute("SELECT uuid, document FROM households WHERE uuid > ? ORDER BY uuid LIMIT ?",
                                   [last, batch]).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def save_classifications(self, rows: list[tuple]) -> None:
        """rows: (class, standard_id, deprivations, b2, income_per_person, b1_score, summary JSON, uuid)."""
        with self.db.atomic():
            self.db.conn.executemany(
                "UPDATE households SET class = ?, standard_id = ?, deprivations = ?, b2_score = ?, "
                "income_per_person = ?, b1_score = ?, classification = ?, classified_at = ? WHERE uuid = ?",
                [r[:7] + (now_iso(),) + r[7:] for r in rows])

    def counts_by_class(self) -> dict[str, int]:
        return dict(self.db.execute(
            "SELECT COALESCE(class, 'unclassified'), COUNT(*) FROM households GROUP BY 1").fetchall())
