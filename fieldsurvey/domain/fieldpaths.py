"""A household document's fields by path — the one way the audit log, the merge of two lines of work, the
conflict view and a household's history name a field and compare two documents.

    interview_date                 a top-level answer
    household.floor_area           an answer of a section (household, location, review, form, previous, …)
    members[m2].name               a member's answer, the member named by its id (m1, m2 … when it has none)
    members[m2]                    the member as a whole (present on one side only in a diff)
    members.order                  the members' ids in their order

`flatten` gives every field of a document by path, `unflatten` builds the document back, `diff` lists what differs
between two documents (a field that is not there is MISSING, never None: a JSON null is a value).
"""

from __future__ import annotations

from typing import Any, NamedTuple

MEMBERS = "members"
ORDER = "members.order"
WHOLE_MEMBER: Any = True   # the value of `members[<id>]` in a flattened document


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Change(NamedTuple):
    path: str
    old: Any     # MISSING when the field is new
    new: Any     # MISSING when the field is gone


def member_id(member: Any, index: int) -> str:
    """A member's id as the household document's parser gives it: its own, else m1, m2 … by position."""
    mid = member.get("member_id") if isinstance(member, dict) else None
    return str(mid or f"m{index + 1}")


def member_path(mid: str, name: str = "") -> str:
    return f"{MEMBERS}[{mid}].{name}" if name else f"{MEMBERS}[{mid}]"


def split(path: str) -> tuple[str | None, str]:
    """(member id, answer name) of a path: ('m2', 'name') for members[m2].name, ('m2', '') for members[m2], (None,
    'floor_area') for household.floor_area, (None, 'interview_date') for interview_date."""
    if path.startswith(MEMBERS + "["):
        mid, _, rest = path[len(MEMBERS) + 1:].partition("]")
        return mid, rest.removeprefix(".")
    return None, path.partition(".")[2] if "." in path else path


def section(path: str) -> str:
    """The part of the document a path is in: 'members', 'household', 'location', … or '' for a top-level field."""
    if path.startswith(MEMBERS + "[") or path == ORDER:
        return MEMBERS
    head, dot, _ = path.partition(".")
    return head if dot else ""


def flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """Every field of a document by path (see the module's docstring); nested tables become dotted paths."""
    out: dict[str, Any] = {}
    if not isinstance(doc, dict):
        return out
    for key, value in doc.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key == MEMBERS and not prefix and isinstance(value, list):
            ids = []
            for i, member in enumerate(value):
                mid = member_id(member, i)
                ids.append(mid)
                if isinstance(member, dict):
                    out[member_path(mid)] = WHOLE_MEMBER
                    for k, v in member.items():
                        if k != "member_id":
                            out[member_path(mid, k)] = v
                else:
                    out[member_path(mid)] = member
            out[ORDER] = ids
        elif isinstance(value, dict) and value:
            out.update(flatten(value, path))
        else:
            out[path] = value
    return out


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """The document back from its fields (the inverse of `flatten`)."""
    doc: dict[str, Any] = {}
    members: dict[str, Any] = {}
    for path, value in flat.items():
        if path == ORDER:
            continue
        mid, name = split(path) if path.startswith(MEMBERS + "[") else (None, "")
        if mid is not None:
            if name:
                members.setdefault(mid, {})[name] = value
            elif value is not WHOLE_MEMBER:
                members[mid] = value
            else:
                members.setdefault(mid, {})
            continue
        parts = path.split(".")
        here = doc
        for p in parts[:-1]:
            here = here.setdefault(p, {})
        here[parts[-1]] = value
    if ORDER in flat:
        doc[MEMBERS] = [{"member_id": mid, **members.get(mid, {})} if isinstance(members.get(mid, {}), dict)
                        else members[mid] for mid in flat[ORDER]]
    return doc


def diff(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Change]:
    """Every field that differs between two documents, in the order of the old document then the new; a change of
    the members' order alone comes last."""
    a, b = flatten(old or {}), flatten(new or {})
    out = [Change(path, a.get(path, MISSING), b.get(path, MISSING))
           for path in [*a, *(p for p in b if p not in a)] if a.get(path, MISSING) != b.get(path, MISSING)]
    if len(out) > 1:
        out.sort(key=lambda c: c.path == ORDER)
    return out
