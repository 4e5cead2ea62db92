"""The supervisor's review as use cases, for the app and the command line alike: conflicts settled field by field
(every differing field labelled from the household's form), likely duplicates merged or kept apart (one pair or
many at once), households approved, returned with a comment or reassigned; the enumerator's to-do list. Each takes
an open workspace and returns frozen dataclasses; every rule (who may decide, which status may follow which) is
kept here and in the domain's lifecycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldsurvey.domain.lifecycle import Action, HouseholdStatus
from fieldsurvey.domain.plausible import Finding
from fieldsurvey.domain.results import said
from fieldsurvey.errors import BundleError, FieldSurveyError
from fieldsurvey.i18n import has, t
from fieldsurvey.progress import Job, Progress
from fieldsurvey.services import values
from fieldsurvey.services.forms import field_label, value_text
from fieldsurvey.services.workspaces import opened
from fieldsurvey.storage import queries, revisions
from fieldsurvey.storage import sync_store as store
from fieldsurvey.storage.stamps import now_iso
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync.merge import differences, resolve
from fieldsurvey.sync.records import Revision

SUPERVISOR, ENUMERATOR = "supervisor", "enumerator"
# the sides of a conflict as resolve_conflict names them: this workspace's ("ours") and the incoming ("theirs")
OURS, THEIRS = "local", "incoming"
DECISIONS = {"approve": Action.APPROVE, "return": Action.RETURN}


def role_of(ws: Workspace) -> str | None:
    """'supervisor', 'enumerator', or None for a workspace with no sync identity (the demo commune, an older file)."""
    role = ws.meta("role")
    return role if role in (SUPERVISOR, ENUMERATOR) else None


def _supervisor(ws: Workspace) -> None:
    if role_of(ws) != SUPERVISOR:
        raise BundleError("sync.error.supervisor_only", "role")


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
    settled_at: str | None = None
    settled_by: str | None = None

    @property
    def choosable(self) -> list[FieldChoice]:
        return [f for f in self.fields if f.follows is None]


def conflicts(ws: Workspace, lang: str = "vi", open_only: bool = True) -> list[Conflict]:
    """The conflicts (open ones, or all), each with every field on which the two sides differ (ours beside
    theirs, in words)."""
    out = []
    for row in store.conflicts(ws.db, open_only):
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
                            row["created_at"], fields, row["resolved_at"], row["resolved_by"]))
    return out


def choices_for(conflict: Conflict, picked: dict[str, str]) -> dict[str, str]:
    """The choices resolve_conflict takes: every field that can be chosen, 'local' unless picked 'incoming'."""
    bad = {f: side for f, side in picked.items() if side not in (OURS, THEIRS)}
    if bad:
        raise FieldSurveyError("gui.error.bad_choice", ", ".join(sorted(bad)))
    return {f.field: picked.get(f.field, OURS) for f in conflict.choosable}


@dataclass(frozen=True)
class Settled:
    uuid: str
    revision: str
    fields: int


def resolve_conflict(ws: Workspace, conflict_id: int, choices: dict[str, str] | None = None,
                     take: str | None = None) -> Settled:
    """Settle a conflict field by field: `choices` maps each differing field to 'local' or 'incoming'; `take`
    fills every field not chosen with one side. The settled document becomes a new revision whose parents are the
    stored one and the incoming one, so both lines of work are kept in the history and the enumerator's next
    bundle (descending from either) is not a conflict again. The incoming status is kept when the incoming line
    changed it (a household that moved away; on an enumerator's side, the supervisor's return)."""
    row = store.conflict(ws.db, conflict_id)
    if row is None:
        raise BundleError("sync.error.no_conflict", str(conflict_id))
    if row["resolved_at"]:
        raise BundleError("sync.error.conflict_settled", f"conflict {conflict_id}", by=row["resolved_by"],
                          at=row["resolved_at"])
    local = ws.get_household(row["uuid"])
    incoming = json.loads(row["incoming_document"])
    fields = {d["field"] for d in differences(local, incoming)}
    picked = dict(choices or {})
    if take is not None:
        if take not in (OURS, THEIRS):
            raise BundleError("sync.error.take_side", "--take")
        for f in fields:
            picked.setdefault(f, take)
    merged = resolve(local, incoming, {f: v for f, v in picked.items() if f in fields}
                     if take is not None else picked)
    lines = [Revision(r["id"], r.get("parent"), r["device"], r["user"], r["at"], r.get("merged"))
             for r in json.loads(row["incoming_revisions"])]
    # on the supervisor's side the incoming line is a hand-in; on an enumerator's, the supervisor's return bundle
    status = store.settled_status(ws.db, row["uuid"], row["local_revision"], lines, row["incoming_status"],
                                  hand_in=role_of(ws) != ENUMERATOR)
    with ws.transaction():
        rev = store.store_resolution(ws, row["uuid"], merged, lines, row["incoming_revision"], ws.device_id,
                                     ws.user, status)
        store.settle_conflict(ws.db, conflict_id, ws.user, now_iso(), {"choices": picked, "revision": rev})
    return Settled(row["uuid"], rev, len(fields))


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
    decision: str = "open"   # open | merged | apart


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


def duplicates(ws: Workspace, open_only: bool = True) -> list[Duplicate]:
    """Likely duplicate pairs (not decided yet, or all), with why they matched and both households' key facts."""
    return [Duplicate(r["id"], r["reason"], (r["key"] or "").partition(":")[2], _facts(ws, r["uuid_a"]),
                      _facts(ws, r["uuid_b"]), r["status"]) for r in store.duplicates(ws.db, open_only)]


@dataclass(frozen=True)
class Decided:
    pair: int
    decision: str            # merge | apart
    kept: str | None = None
    merged: str | None = None


def decide_duplicate(ws: Workspace, pair: int, decision: str, keep: str | None = None) -> Decided:
    """'apart': two different families after all (never flagged again). 'merge': `keep` (one of the two ids)
    stays; the other household is marked as merged into it — its document and history stay in the workspace."""
    return decide_duplicates(ws, [(pair, decision, keep)])[0]


def decide_duplicates(ws: Workspace, decisions: list[tuple[int, str, str | None]]) -> list[Decided]:
    """Many pairs decided at once, all or none: (pair, 'merge' or 'apart', the id that stays for a merge)."""
    out = []
    with ws.transaction():
        for pair, decision, keep in decisions:
            out.append(_decide(ws, pair, decision, keep))
    return out


def _decide(ws: Workspace, dup_id: int, decision: str, keep: str | None) -> Decided:
    row = store.duplicate(ws.db, dup_id)
    if row is None:
        raise BundleError("sync.error.no_pair", str(dup_id))
    if row["status"] != "open":
        raise BundleError("sync.error.pair_decided", f"pair {dup_id}", by=row["decided_by"],
                          decision=said("sync.decided.", row["status"]))
    if decision == "apart":
        store.decide_duplicate(ws.db, dup_id, "apart", ws.user, now_iso())
        store.append_audit(ws, [(u, "kept-apart", {"pair": dup_id, "other": o}) for u, o in
                                ((row["uuid_a"], row["uuid_b"]), (row["uuid_b"], row["uuid_a"]))],
                           ws.device_id, ws.user)
        return Decided(dup_id, "apart")
    if decision != "merge":
        raise BundleError("sync.error.decision_choice", "decision")
    if keep not in (row["uuid_a"], row["uuid_b"]):
        raise BundleError("sync.error.keep_which", "--keep")
    gone = row["uuid_b"] if keep == row["uuid_a"] else row["uuid_a"]
    store.mark_merged(ws, gone, keep, ws.device_id, ws.user)
    store.decide_duplicate(ws.db, dup_id, "merged", ws.user, now_iso())
    return Decided(dup_id, "merge", keep, gone)


# --- approve / return / reassign ----------------------------------------------------------------------------------

HANDED_IN = (HouseholdStatus.SUBMITTED, HouseholdStatus.CONFIRMED, HouseholdStatus.COMPLETE)  # what waits for review


def decide(ws: Workspace, uuids: list[str], action: str, comment: str = "", owner: str | None = None) -> int:
    """The supervisor approves, returns (with a comment) or reassigns households, one or many at once, all or
    none. The status or owner changes here at once (with an audit entry) as the household lifecycle allows; the
    decision travels in the next return bundle to the enumerator concerned."""
    _supervisor(ws)
    if action == "return" and not comment.strip():
        raise BundleError("sync.error.return_needs_comment", "--comment")
    if action == "reassign" and not owner:
        raise BundleError("sync.error.reassign_needs_owner", "--to")
    if action not in (*DECISIONS, "reassign"):
        raise BundleError("sync.error.decision_choice", "action")
    if not uuids:
        raise BundleError("sync.error.no_households", "UUID")
    with ws.transaction():
        states = store.household_states(ws.db, uuids)
        missing = [u for u in uuids if u not in states]
        if missing:
            raise BundleError("sync.error.no_such_household", ", ".join(missing[:5]))
        rows = []
        for u in uuids:
            if store.open_conflict_count(ws.db, u) and action == "approve":
                raise BundleError("sync.error.open_conflict", u)
            old_owner = states[u]["owner"]
            if action in DECISIONS:
                store.change_status(ws, u, DECISIONS[action], ws.user, comment)
            else:
                store.set_owner(ws, u, owner, ws.device_id, ws.user, comment)
            base = {"direction": "out", "uuid": u, "action": action, "comment": comment, "by_user": ws.user,
                    "at": now_iso(), "owner": owner if action == "reassign" else old_owner}
            # who hears of it: the household's enumerator; for a reassignment, the new one and the previous one
            for recipient in dict.fromkeys([owner, old_owner] if action == "reassign" else [old_owner]):
                if recipient:
                    rows.append({**base, "recipient": recipient})
        store.add_review(ws.db, rows)
    return len(uuids)


def decide_job(path: Path, uuids: list[str], action: str, comment: str = "", owner: str | None = None) -> Job[int]:
    """`decide` as a job with its own connection (the app runs it off the main thread)."""
    yield Progress(0, 1, action)
    with opened(path) as ws:
        n = decide(ws, list(uuids), action, comment, owner)
    yield Progress(1, 1, action)
    return n


def enumerators(ws: Workspace) -> list[str]:
    """Who a household can be reassigned to: the enumerators whose keys are trusted here, and every owner."""
    names = {r["user"] for r in store.trusted_keys(ws.db, ENUMERATOR)}
    names.update(queries.owners(ws.db))
    return sorted(names)


def recipients(ws: Workspace) -> list[str]:
    """The enumerators a supervisor can send a return bundle to: those whose keys are trusted here."""
    return sorted({r["user"] for r in store.trusted_keys(ws.db, ENUMERATOR)})


def open_counts(ws: Workspace) -> dict[str, int]:
    """How many conflicts and likely duplicate pairs wait for the supervisor."""
    return {"conflicts": len(store.conflicts(ws.db, True)), "duplicates": len(store.duplicates(ws.db, True))}


# --- the enumerator's to-do list ---------------------------------------------------------------------------------

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



# --- answers held for the supervisor ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Held:
    """A household waiting for review with answers outside a plausible range, each said with the form's label."""
    uuid: str
    village: str | None
    head_name: str
    status: str
    owner: str | None
    answers: tuple[str, ...]   # "Diện tích ở (m²): 2000 cao hơn 500 — bất thường: cần kiểm tra"


def held(ws: Workspace, statuses: list[str], lang: str = "vi") -> list[Held]:
    """The households of these statuses whose answers are held for the supervisor (values.held_households), each
    answer named by the household's form label — never its field path."""
    out = []
    for h in values.held_households(ws, statuses):
        doc = ws.get_household(h.uuid)
        out.append(Held(h.uuid, h.village, h.head_name, h.status, h.owner,
                        tuple(_finding_words(f, doc, lang) for f in h.findings)))
    return out


def held_lines(ws: Workspace, entries: list[dict[str, Any]], lang: str = "vi") -> list[str]:
    """An import report's held answers (values.held_entry) as the app says them: the household by its head and
    village, each answer by the form's label ("Hộ Hồ Thành Khánh (Thôn 1): chờ cán bộ giám sát kiểm tra — Diện
    tích ở (m²): 2000 cao hơn 500 …"); a household not stored here by its id, as the command line says it."""
    lines = []
    for e in entries:
        try:
            doc = ws.get_household(e["uuid"])
        except FieldSurveyError:
            lines += values.held_lines([e], lang)
            continue
        head = next((m.get("name") for m in doc.get("members", []) if m.get("relationship") == "head"), None)
        village = (doc.get("location") or {}).get("village")
        who = f"{head or e['uuid'][:8]} ({village})" if village else (head or e["uuid"][:8])
        lines += [t("values.import.held", lang, uuid=who, text=_finding_words(Finding.from_dict(f), doc, lang))
                  for f in e["held"]]
    return lines


def _finding_words(f: Finding, doc: dict[str, Any], lang: str) -> str:
    """A held answer named by the household's form label, never its field path (the members by the catalogue)."""
    if has(f"where.{f.field}", lang):
        return f.text(lang)
    return f"{field_label(f.field, [doc], lang)}: {f.error().body(lang)}"
