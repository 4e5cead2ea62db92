"""Merge decisions (pure): does an incoming revision replace the stored one, change nothing, or conflict? And the
field-by-field comparison and resolution of two documents in conflict.

A revision replaces the stored one only if it descends from it (the stored head is among the incoming record's
ancestors). An incoming head the workspace already knows is old news. Anything else is a conflict: two lines of
work from a common parent; both are kept, nothing is overwritten.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable

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

def flatten(doc: dict[str, Any]) -> dict[str, Any]:
    """A document as path → value, named as the audit log names fields (storage's `changes`):
    `household.<answer>`, `members[<member_id>].<answer>`, `location.<key>`, `interview_date`. A member present on
    one side only shows as `members[<id>]` → the whole member."""
    out: dict[str, Any] = {}
    for key, value in (doc.get("household") or {}).items():
        out[f"household.{key}"] = value
    for key, value in (doc.get("location") or {}).items():
        out[f"location.{key}"] = value
    out["interview_date"] = doc.get("interview_date")
    for i, m in enumerate(doc.get("members") or []):
        mid = _mid(m, i)
        out[f"members[{mid}]"] = "\x00member"
        for key, value in m.items():
            if key != "member_id":
                out[f"members[{mid}].{key}"] = value
    return out


def _mid(member: dict[str, Any], i: int) -> str:
    """A member's id as the parser gives it (m1, m2, … when the document has none)."""
    return str(member.get("member_id") or f"m{i + 1}")


def differences(local: dict[str, Any], incoming: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields on which two documents differ: path, local value, incoming value (None = absent)."""
    a, b = flatten(local), flatten(incoming)
    rows = []
    for path in sorted(set(a) | set(b)):
        if a.get(path) != b.get(path):
            rows.append({"field": path, "local": _shown(a.get(path)), "incoming": _shown(b.get(path))})
    return rows


def _shown(value: Any) -> Any:
    return "(member)" if value == "\x00member" else value


def resolve(local: dict[str, Any], incoming: dict[str, Any], choices: dict[str, str]) -> dict[str, Any]:
    """Build the settled document: start from the local one and take, for each field chosen 'incoming', the
    incoming value. Every differing field must be chosen ('local' or 'incoming'), so nothing is decided silently."""
    diffs = {d["field"] for d in differences(local, incoming)}
    unknown = set(choices) - diffs
    if unknown:
        raise BundleError("sync.error.choice_not_different", "choices", fields=", ".join(sorted(unknown)))
    missing = diffs - set(choices)
    member_paths = {p for p in diffs if p.startswith("members[") and p.endswith("]")}
    # A member added or dropped on one side is decided by its `members[<id>]` choice; its fields follow it.
    missing = {p for p in missing if not any(p.startswith(m + ".") for m in member_paths)}
    if missing:
        raise BundleError("sync.error.choice_missing", "choices", fields=", ".join(sorted(missing)))
    bad = {k: v for k, v in choices.items() if v not in ("local", "incoming")}
    if bad:
        raise BundleError("sync.error.choice_side", ", ".join(sorted(bad)))
    out = copy.deepcopy(local)
    for i, m in enumerate(out.get("members") or []):
        m.setdefault("member_id", _mid(m, i))
    inc_members = {_mid(m, i): m for i, m in enumerate(incoming.get("members") or [])}
    loc_members = {m["member_id"]: m for m in out.get("members") or []}
    for path, side in sorted(choices.items()):
        if side != "incoming":
            continue
        head, _, rest = path.partition(".")
        if path == "interview_date":
            out["interview_date"] = incoming.get("interview_date")
        elif head in ("household", "location"):
            _set(out.setdefault(head, {}), rest, (incoming.get(head) or {}), rest)
        elif path.startswith("members["):
            mid, _, key = path[len("members["):].partition("]")
            key = key.removeprefix(".")
            if not key:
                if mid in inc_members:
                    if mid not in loc_members:
                        out.setdefault("members", []).append({"member_id": mid, **copy.deepcopy(inc_members[mid])})
                        loc_members[mid] = out["members"][-1]
                else:
                    out["members"] = [m for m in out.get("members") or [] if m["member_id"] != mid]
                    loc_members.pop(mid, None)
            elif mid in loc_members:
                _set(loc_members[mid], key, inc_members.get(mid) or {}, key)
    return out


def _set(target: dict[str, Any], key: str, source: dict[str, Any], source_key: str) -> None:
    if source_key in source:
        target[key] = copy.deepcopy(source[source_key])
    else:
        target.pop(key, None)


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
