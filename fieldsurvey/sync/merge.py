"""Merge decisions (pure): does an incoming revision replace the stored one, change nothing, or conflict? And the
field-by-field comparison and resolution of two documents in conflict.

A revision replaces the stored one only if it descends from it (the stored head is among the incoming record's
ancestors). An incoming head the workspace already knows is old news. Anything else is a conflict: two lines of
work from a common parent; both are kept, nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable

from fieldsurvey.domain import fieldpaths
from fieldsurvey.errors import BundleError
from fieldsurvey.i18n import fold


class Outcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    REFUSED = "refused"


@dataclass(frozen=True)
class Local:
    head: str | None          # the stored head revision
    known: frozenset[str]     # every revision id the workspace holds for this household


def decide(local: Local | None, incoming_head: str, incoming_ancestors: set[str]) -> Outcome:
    if local is None:
        return Outcome.NEW
    if incoming_head == local.head or incoming_head in local.known:
        return Outcome.UNCHANGED
    if local.head is None or local.head in incoming_ancestors:
        return Outcome.UPDATED
    return Outcome.CONFLICT


# --- field-by-field ---------------------------------------------------------------------------------------------
# Fields are named by their paths (fieldsurvey.domain.fieldpaths), as the audit log names them; a member present on
# one side only differs as `members[<id>]`, the whole member, and its answers follow that choice.

MEMBER_SHOWN = "(member)"


def _is_member(path: str) -> bool:
    mid, name = fieldpaths.split(path)
    return mid is not None and not name


def differences(local: dict[str, Any], incoming: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields on which two documents differ: path, local value, incoming value (None = absent). The members'
    order is not a field of its own: it follows which members are kept."""
    rows = []
    for c in sorted(fieldpaths.diff(local, incoming), key=lambda c: c.path):
        if c.path == fieldpaths.ORDER:
            continue
        rows.append({"field": c.path, "local": _shown(c.path, c.old), "incoming": _shown(c.path, c.new)})
    return rows


def _shown(path: str, value: Any) -> Any:
    if value is fieldpaths.MISSING:
        return None
    return MEMBER_SHOWN if _is_member(path) and value is fieldpaths.WHOLE_MEMBER else value


def resolve(local: dict[str, Any], incoming: dict[str, Any], choices: dict[str, str]) -> dict[str, Any]:
    """Build the settled document: start from the local one and take, for each field chosen 'incoming', the
    incoming value. Every differing field must be chosen ('local' or 'incoming'), so nothing is decided silently."""
    diffs = {d["field"] for d in differences(local, incoming)}
    unknown = set(choices) - diffs
    if unknown:
        raise BundleError("sync.error.choice_not_different", "choices", fields=", ".join(sorted(unknown)))
    member_paths = {p for p in diffs if _is_member(p)}
    # A member added or dropped on one side is decided by its `members[<id>]` choice; its fields follow it.
    missing = {p for p in diffs - set(choices) if not any(p.startswith(m + ".") for m in member_paths)}
    if missing:
        raise BundleError("sync.error.choice_missing", "choices", fields=", ".join(sorted(missing)))
    bad = {k: v for k, v in choices.items() if v not in ("local", "incoming")}
    if bad:
        raise BundleError("sync.error.choice_side", ", ".join(sorted(bad)))
    flat, theirs = fieldpaths.flatten(local), fieldpaths.flatten(incoming)
    order = list(flat.get(fieldpaths.ORDER, []))
    for path, side in sorted(choices.items()):
        if side != "incoming":
            continue
        if _is_member(path):
            mid = fieldpaths.split(path)[0]
            prefix = path + "."
            for key in [k for k in flat if k == path or k.startswith(prefix)]:
                del flat[key]
            if path in theirs:
                flat.update({k: v for k, v in theirs.items() if k == path or k.startswith(prefix)})
                order.append(mid) if mid not in order else None
            elif mid in order:
                order.remove(mid)
        elif path in theirs:
            flat[path] = theirs[path]
        else:
            flat.pop(path, None)
    if fieldpaths.ORDER in flat or order:
        flat[fieldpaths.ORDER] = order
    return fieldpaths.unflatten(flat)


# --- likely duplicates ------------------------------------------------------------------------------------------

def duplicate_keys(doc: dict[str, Any], fold: Callable[[str], str] = fold) -> list[tuple[str, str]]:
    """The keys under which two households are likely the same family: the head's (or any member's) ID number,
    and the head's name + birth year + village, folded (no case, no diacritics). `fold` may be a lookup in texts
    folded beforehand all at once (an import folds a whole bundle's names in one call)."""
    keys: list[tuple[str, str]] = []
    members = doc.get("members") or []
    for m in members:
        idn = m.get("id_number")
        if isinstance(idn, str) and idn.strip():
            keys.append(("id_number", idn.strip()))
    head = next((m for m in members if m.get("relationship") == "head"), None)
    if head and isinstance(head.get("name"), str) and head["name"].strip():
        year = head.get("birth_year")
        if not year and isinstance(head.get("birth_date"), str):
            year = head["birth_date"][:4]
        village = (doc.get("location") or {}).get("village") or ""
        if year:
            keys.append(("name_year_village",
                         f"{' '.join(fold(head['name']).split())}|{year}|{' '.join(fold(village).split())}"))
    return keys
