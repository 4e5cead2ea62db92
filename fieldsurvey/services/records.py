"""Use cases for the care of workspace files (Qt-free): backup, restore, check, and carrying a review forward to
next year with the movement of each household computed. docs/storage.md.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from pathlib import Path
from typing import Any

from fieldsurvey.domain.figures import CommuneFigures, Scope
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.progress import Job, Progress
from fieldsurvey.storage import backups as store_backups
from fieldsurvey.services.figures import commune_figures
from fieldsurvey.storage import checks, queries
from fieldsurvey.domain.lifecycle import RESIDENT, HouseholdStatus
from fieldsurvey.storage.lock import lock_path
from fieldsurvey.storage.workspace import Workspace

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

Finding = checks.Finding


def check(path: Path) -> Job[list[Finding]]:
    """Every integrity check on workspace FILE, without changing it (storage/checks.py). A job; returns the
    findings (a finding with no problems passed)."""
    return checks.check_file(Path(path))


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
        raise WorkspaceError("storage.error.file_exists", str(new))
    part = new.with_name(new.name + ".part")  # built under this name, renamed when complete
    if part.exists():
        part.unlink()
    src = Workspace.open(old)
    src.backups = False
    try:
        info = src.info
        if year <= info.review_year:
            raise WorkspaceError("storage.error.year_must_follow", "--year", year=info.review_year)
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
            done = 0
            for chunk in queries.carry_rows(src.db, batch):
                items = []
                for uuid, text, status, owner, cls in chunk:
                    if status not in RESIDENT:
                        counts[status] += 1
                        continue
                    items.append((_carried(json.loads(text), uuid, year, info.review_year, cls, status),
                                  HouseholdStatus.DRAFT, owner))
                dst.save_households(items, action="carry-forward")
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
        for leftover in (lock_path(part), part.with_name(part.name + "-journal")):
            leftover.unlink(missing_ok=True)  # nobody else opens a half-made file; its journal is empty once closed


def _carried(doc: dict[str, Any], old_uuid: str, year: int, old_year: int, cls: str | None, status: str
             ) -> dict[str, Any]:
    """Next year's document: the same household and members, a new id, no interview yet, and `previous`: last
    review's result, with every earlier year's result the household carried (`earlier`, newest first) — the chain
    the movement columns read (fell back: poor again after having escaped; new: never poor on record)."""
    out = dict(doc)
    out["uuid"] = carried_uuid(old_uuid, year)
    out["review"] = {**(doc.get("review") or {}), "year": year, "kind": "annual"}
    out["interview_date"] = None
    before = doc.get("previous") if isinstance(doc.get("previous"), dict) else None
    earlier = []
    if before is not None:
        earlier = [{k: before.get(k) for k in ("year", "class", "status")}]
        earlier += [e for e in before.get("earlier") or [] if isinstance(e, dict)]
    out["previous"] = {"uuid": old_uuid, "year": old_year, "class": cls, "status": status, "earlier": earlier}
    return out


# --- movement -------------------------------------------------------------------------------------------------------

def movement(ws: Workspace, official: bool = False) -> Job[CommuneFigures]:
    """The movement of every household of this review against the earlier ones (the carry-forward's `previous`),
    per village and for the commune: the commune's figures (the one count), whose `movement`, `moves_by_household`
    and `previous_year` the movement table reads."""
    return (yield from commune_figures(ws, Scope.OFFICIAL if official else Scope.WORKING))
