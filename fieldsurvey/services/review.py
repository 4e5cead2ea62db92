"""The desktop app's review screens, Qt-free: what the supervisor's Review view lists (open conflicts with every
differing field labelled from the household's form, likely duplicate pairs with both households' key facts, the
handed-in households, the enumerators a household can go to), the enumerator's to-do list and a household's
history as readable rows — and the review decision as a job for the app's job runner.

Reads take the open workspace (the app's connection); the decisions themselves are services/sync.py's use cases
(resolve_conflict, decide_duplicate, review), which open the workspace file on their own and keep every rule.
No SQL here: the rows come from storage (storage/sync_store.py, storage/queries.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldsurvey.domain import fieldpaths
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.progress import Job, Progress
from fieldsurvey.storage import audit, queries, revisions
from fieldsurvey.storage import sync_store as store
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync.merge import differences

SUPERVISOR, ENUMERATOR = "supervisor", "enumerator"
# the sides of a conflict as resolve_conflict names them: this workspace's ("ours") and the incoming ("theirs")
OURS, THEIRS = "local", "incoming"


def role_of(ws: Workspace) -> str | None:
    """'supervisor', 'enumerator', or None for a workspace with no sync identity (the demo commune, an older file)."""
    role = ws.meta("role")
    return role if role in (SUPERVISOR, ENUMERATOR) else None


# --- labels from the household's own form -----------------------------------------------------------------------

class _Form:
    """Question labels and choice labels of the form a document was filled with (cached per form and language)."""

    _cache: dict[tuple, "_Form"] = {}

    def __init__(self, form: Any, lang: str):
        self.lang, self.default = lang, form.default_language
        self.items = form.by_name
        self.choices = {name: {c.name: c.label(lang, form.default_language) for c in cs}
                        for name, cs in form.choices.items()}

    @classmethod
    def of(cls, doc: dict[str, Any], lang: str) -> "_Form | None":
        from fieldsurvey.services.forms import form_for_document

        try:
            form = form_for_document(doc)
        except FieldSurveyError:
            return None
        key = (form.form_id, form.version, lang)
        if key not in cls._cache:
            cls._cache[key] = cls(form, lang)
        return cls._cache[key]

    def label(self, name: str) -> str | None:
        item = self.items.get(name)
        return item.label(self.lang, self.default) or None if item is not None else None

    def value(self, name: str, value: Any) -> str:
        item = self.items.get(name)
        listed = self.choices.get(getattr(item, "list_name", None) or "", {})
        if isinstance(value, list):
            return ", ".join(listed.get(str(v), str(v)) for v in value)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "✓" if value else "✗"
        return listed.get(str(value), str(value))


_LOCATION = {"village": {"vi": "Thôn", "en": "Village"}, "commune_code": {"vi": "Mã xã", "en": "Commune code"},
             "province_code": {"vi": "Mã tỉnh", "en": "Province code"}}
_MEMBER = {"vi": "Thành viên", "en": "Member"}
_INTERVIEW = {"vi": "Ngày phỏng vấn", "en": "Interview date"}


def _member_name(doc: dict[str, Any], mid: str) -> str:
    for i, m in enumerate(doc.get("members") or []):
        if fieldpaths.member_id(m, i) == mid:
            return str(m.get("name") or "") if isinstance(m, dict) else ""
    return ""


def field_label(path: str, docs: list[dict[str, Any]], lang: str) -> str:
    """A field named as the audit log names it, in words: 'Thành viên m2 (Lò Văn Pả): Họ và tên'."""
    form = next((f for f in (_Form.of(d, lang) for d in docs) if f is not None), None)
    lg = "en" if lang == "en" else "vi"
    mid, name = fieldpaths.split(path)
    if path == "interview_date":
        return _INTERVIEW[lg]
    if path.startswith("location."):
        return _LOCATION.get(name, {}).get(lg, name)
    text = (form.label(name) if form and name else None) or name
    if mid is not None:
        who = next((n for n in (_member_name(d, mid) for d in docs) if n), "")
        member = f"{_MEMBER[lg]} {mid}" + (f" ({who})" if who else "")
        return f"{member}: {text}" if name else member
    return text


def value_text(path: str, value: Any, doc: dict[str, Any], lang: str) -> str:
    """A value as the form says it (a choice's label, not its code); a whole member by its name."""
    mid, name = fieldpaths.split(path)
    if mid is not None and not name:
        return "—" if value is None else (_member_name(doc, mid) or mid)
    form = _Form.of(doc, lang)
    if form is None:
        return "—" if value is None else str(value)
    return form.value(name, value)


# --- conflicts --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldChoice:
    field: str          # as the audit log names it: household.floor_area, members[m2].name, members[m3]
    label: str
    ours: str           # this workspace's value, in words
    theirs: str         # the incoming value, in words
    follows: str | None = None  # a field of a member present on one side only: decided with that member's row


@dataclass(frozen=True)
class Conflict:
    id: int
    uuid: str
    head_name: str
    village: str
    ours_user: str
    ours_device: str
    theirs_user: str
    theirs_device: str
    at: str
    fields: list[FieldChoice]

    @property
    def choosable(self) -> list[FieldChoice]:
        return [f for f in self.fields if f.follows is None]


def conflicts(ws: Workspace, lang: str = "vi") -> list[Conflict]:
    """The open conflicts, each with every field on which the two sides differ (ours beside theirs)."""
    out = []
    for row in store.conflicts(ws.db, True):
        ours = ws.get_household(row["uuid"])
        theirs = json.loads(row["incoming_document"])
        head = revisions.get(ws.db, row["local_revision"])
        diffs = differences(ours, theirs)
        one_sided = {d["field"] for d in diffs if d["field"].startswith("members[") and d["field"].endswith("]")}
        fields = []
        for d in diffs:
            path = d["field"]
            follows = next((m for m in one_sided if path.startswith(m + ".")), None)
            fields.append(FieldChoice(path, field_label(path, [ours, theirs], lang),
                                      value_text(path, d["local"], ours, lang),
                                      value_text(path, d["incoming"], theirs, lang), follows))
        out.append(Conflict(row["id"], row["uuid"], row["head_name"] or "", row["village"] or "",
                            head.user if head else "", head.device if head else "", row["user"], row["device"],
                            row["created_at"], fields))
    return out


def choices_for(conflict: Conflict, picked: dict[str, str]) -> dict[str, str]:
    """The choices resolve_conflict takes: every field that can be chosen, 'local' unless picked 'incoming'."""
    bad = {f: side for f, side in picked.items() if side not in (OURS, THEIRS)}
    if bad:
        raise FieldSurveyError("gui.error.bad_choice", ", ".join(sorted(bad)))
    return {f.field: picked.get(f.field, OURS) for f in conflict.choosable}


# --- duplicates -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """One household's key facts, for comparing a likely duplicate pair side by side."""
    uuid: str
    head_name: str
    birth_year: str
    id_numbers: str
    village: str
    members: int
    status: str
    owner: str
    interview_date: str


@dataclass(frozen=True)
class Duplicate:
    id: int
    reason: str        # id_number | name_year_village
    key: str
    a: Facts
    b: Facts


def _facts(ws: Workspace, uuid: str) -> Facts:
    doc = ws.get_household(uuid)
    state = ws.household_state(uuid)
    members = doc.get("members") or []
    head = next((m for m in members if m.get("relationship") == "head"), members[0] if members else {})
    year = head.get("birth_year") or (head.get("birth_date") or "")[:4]
    ids = [str(m["id_number"]).strip() for m in members if isinstance(m.get("id_number"), str)
           and m["id_number"].strip()]
    return Facts(uuid, str(head.get("name") or ""), str(year or ""), ", ".join(ids),
                 str((doc.get("location") or {}).get("village") or ""), len(members), state.status,
                 state.owner or "", str(doc.get("interview_date") or ""))


def duplicates(ws: Workspace) -> list[Duplicate]:
    """Likely duplicate pairs not decided yet, with why they matched and both households' key facts."""
    return [Duplicate(r["id"], r["reason"], (r["key"] or "").partition(":")[2], _facts(ws, r["uuid_a"]),
                      _facts(ws, r["uuid_b"])) for r in store.duplicates(ws.db, True)]


# --- approve / return / reassign ----------------------------------------------------------------------------------

HANDED_IN = (HouseholdStatus.SUBMITTED, HouseholdStatus.CONFIRMED, HouseholdStatus.COMPLETE)  # what waits for review


def enumerators(ws: Workspace) -> list[str]:
    """Who a household can be reassigned to: the enumerators whose keys are trusted here, and every owner."""
    names = {r["user"] for r in store.trusted_keys(ws.db, ENUMERATOR)}
    names.update(queries.owners(ws.db))
    return sorted(names)


def review_job(path: Path, uuids: list[str], action: str, comment: str = "", owner: str | None = None) -> Job[int]:
    """Approve, return or reassign households (services/sync.review: one transaction, all or nothing) as a job."""
    from fieldsurvey.services.sync import review

    yield Progress(0, 1, action)
    n = review(Path(path), list(uuids), action, comment, owner)
    yield Progress(1, 1, action)
    return n


def recipients(ws: Workspace) -> list[str]:
    """The enumerators a supervisor can send a return bundle to: those whose keys are trusted here."""
    return sorted({r["user"] for r in store.trusted_keys(ws.db, ENUMERATOR)})


def return_bundle_job(path: Path, out: Path, to: str) -> Job[Any]:
    """The supervisor's return bundle for one enumerator (services/sync.export_bundle with `to`) as a job."""
    from fieldsurvey.services.sync import export_bundle

    yield Progress(0, 1, "export")
    result = export_bundle(Path(path), Path(out), to=to)
    yield Progress(1, 1, "export")
    return result


def open_counts(ws: Workspace) -> dict[str, int]:
    """How many conflicts and likely duplicate pairs wait for the supervisor."""
    return {"conflicts": len(store.conflicts(ws.db, True)), "duplicates": len(store.duplicates(ws.db, True))}


# --- the enumerator's to-do list and a household's history ---------------------------------------------------------

@dataclass(frozen=True)
class ToDo:
    uuid: str
    action: str        # return | reassign
    comment: str
    by: str
    at: str
    head_name: str
    village: str
    status: str


def todo(ws: Workspace) -> list[ToDo]:
    """Households returned with the supervisor's comment, or newly assigned, not handed in again yet."""
    return [ToDo(r["uuid"], r["action"], r["comment"] or "", r["by_user"] or "", r["at"] or "",
                 r["head_name"] or "", r["village"] or "", r["status"] or "") for r in store.todo(ws.db)]


@dataclass(frozen=True)
class Change:
    at: str
    user: str
    device: str
    action: str
    field: str          # as the audit log names it ('' for a change of the whole household)
    label: str          # the field in words
    old: str
    new: str
    note: str           # the reason given (a return's comment, an approved household's change)
    detail: dict[str, Any]  # what the entry records besides (the bundle, the other household…), keys as stored


def _decoded(text: Any) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def history(ws: Workspace, uuid: str, lang: str = "vi") -> list[Change]:
    """Who changed what and when, oldest first: every audit entry of the household, fields in words."""
    doc = ws.get_household(uuid)
    out = []
    for r in audit.history(ws.db, uuid):
        path = r.get("field") or ""
        old, new = _decoded(r.get("old")), _decoded(r.get("new"))
        label = field_label(path, [doc], lang) if path and "." in path or path.startswith("members[") else path
        if path in ("status", "owner") or not path:
            old_text, new_text = ("" if old is None else str(old)), ("" if new is None else str(new))
        else:
            old_text, new_text = value_text(path, old, doc, lang), value_text(path, new, doc, lang)
        detail = _decoded(r.get("detail"))
        if not isinstance(detail, dict):
            detail = {} if detail in (None, "") else {"detail": detail}
        out.append(Change(r["at"] or "", r["user"] or "", r["device"] or "", r["action"], path, label, old_text,
                          new_text, r.get("reason") or "", detail))
    return out
