"""The review use cases on a workspace file, for tests that drive several workspaces by path: each opens the file,
runs the service and closes it, as the command line does."""

from __future__ import annotations

from pathlib import Path

from fieldsurvey.services import households, review as rv
from fieldsurvey.services.workspaces import opened


def list_conflicts(path: Path, open_only: bool = True, lang: str = "vi") -> list[rv.Conflict]:
    with opened(path) as ws:
        return rv.conflicts(ws, lang, open_only)


def resolve_conflict(path: Path, conflict_id: int, choices: dict | None = None, take: str | None = None):
    with opened(path) as ws:
        return rv.resolve_conflict(ws, conflict_id, choices, take)


def list_duplicates(path: Path) -> list[rv.Duplicate]:
    with opened(path) as ws:
        return rv.duplicates(ws)


def decide_duplicate(path: Path, pair: int, decision: str, keep: str | None = None):
    with opened(path) as ws:
        return rv.decide_duplicate(ws, pair, decision, keep)


def review(path: Path, uuids: list[str], action: str, comment: str = "", owner: str | None = None) -> int:
    with opened(path) as ws:
        return rv.decide(ws, uuids, action, comment, owner)


def todo(path: Path) -> list[rv.ToDo]:
    with opened(path) as ws:
        return rv.todo(ws)


def history(path: Path, uuid: str) -> list[households.Change]:
    with opened(path) as ws:
        return households.history(ws, uuid)
