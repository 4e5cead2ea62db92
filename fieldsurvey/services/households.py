"""Use cases on households: the list (filters, search, pages, counts — its line of figures is the dashboard's,
services/figures.py `on_screen`), one household's detail and history, adding household documents brought from
elsewhere through the questionnaire's own path, and the lifecycle steps an enumerator or a supervisor takes on
households (confirm unchanged, moved away, came back)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from fieldsurvey.domain import fieldpaths, lifecycle
from fieldsurvey.domain.lifecycle import (FINISHED, IN_PROGRESS, WAITING_FOR_REVIEW, Action, HouseholdStatus,
                                          TransitionError)
from fieldsurvey.errors import DocumentError, FieldSurveyError, WorkspaceError
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.plausible import Finding
from fieldsurvey.formengine.session import FormSession
from fieldsurvey.i18n import has, t
from fieldsurvey.services import values
from fieldsurvey.services.assessment import assess_document, read_document
from fieldsurvey.services.forms import field_label, is_calculated, value_text
from fieldsurvey.storage import audit, queries
from fieldsurvey.storage import sync_store as store
from fieldsurvey.storage.queries import CLASSES, SORTS, HouseholdFilter, HouseholdRow
from fieldsurvey.storage.stamps import now_iso
from fieldsurvey.storage.workspace import Workspace

STATUSES = tuple(HouseholdStatus)


# --- the list ---------------------------------------------------------------------------------------------------------
# The list's queries are storage's (a covering index, pages by key); these pass the open workspace's connection.

def count(ws: Workspace, f: HouseholdFilter = HouseholdFilter()) -> int:
    return queries.household_count(ws.db, f)


def page(ws: Workspace, f: HouseholdFilter = HouseholdFilter(), sort: str = "village", descending: bool = False,
         offset: int = 0, limit: int = 200) -> list[HouseholdRow]:
    """One page of the filtered, sorted list (ties broken by name, then id, so pages never overlap)."""
    return queries.household_page(ws.db, f, sort, descending, offset, limit)


def rows(ws: Workspace, f: HouseholdFilter = HouseholdFilter(), sort: str = "village") -> list[HouseholdRow]:
    """Every household the filter finds, in the list's order."""
    out: list[HouseholdRow] = []
    while True:
        got = page(ws, f, sort, offset=len(out), limit=2000)
        out += got
        if len(got) < 2000:
            return out


def check_filter(status: str | None, household_class: str | None) -> None:
    """A status or class typed on the command line that is not one: refused, with the ones there are."""
    if status and status not in {s.value for s in HouseholdStatus}:
        raise WorkspaceError("storage.error.unknown_status", "--status", status=status,
                             known=", ".join(s.value for s in HouseholdStatus))
    if household_class and household_class not in (*CLASSES, "unclassified"):
        raise WorkspaceError("storage.error.unknown_class", "--class", value=household_class,
                             known=", ".join((*CLASSES, "unclassified")))


def owners(ws: Workspace) -> list[str]:
    return queries.owners(ws.db)


def people(ws: Workspace) -> dict[str, str]:
    """user id → the person's name, for screens that would otherwise show a login id ("hoang-thi-hoa" → "Hoàng
    Thị Hoa"): this installation's own enumerator (the setup's name) or person (meta `name`: the demo's
    supervisor), each owner of households by the enumerator's name written in them, the enumerators a supervisor
    made starter packages for (meta `starters`) and an enumerator's supervisor (meta `supervisor_name`, from her
    starter package). An id with no name known is not in it (shown as it is)."""
    names = queries.enumerator_names(ws.db)
    try:   # the enumerators a supervisor made starter packages for, by the names she gave them
        made = json.loads(ws.meta("starters") or "{}")
    except ValueError:
        made = {}
    names.update({u: str(m["name"]) for u, m in made.items() if isinstance(m, dict) and m.get("name")})
    supervisors = store.trusted_keys(ws.db, "supervisor")   # an enumerator's supervisor, as her starter package named
    if ws.meta("supervisor_name") and len(supervisors) == 1:   # her
        names[supervisors[0]["user"]] = ws.meta("supervisor_name")
    own_id, own_name = ws.meta("enumerator_id"), ws.meta("enumerator")
    if own_id and own_name:
        names[own_id] = own_name
    user, user_name = ws.meta("user"), ws.meta("name")   # this installation's person, whatever the role
    if user and user_name:
        names[user] = user_name
    return names


def person(names: dict[str, str], user: str | None) -> str:
    """A user as people know them: the name, else the id as it is."""
    return names.get(user or "", user or "")


# --- one household ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HouseholdDetail:
    uuid: str
    document: dict
    status: str
    owner: str | None
    classification: object  # fieldsurvey.domain.classification.Classification
    to_do: tuple[tuple[str, str, str], ...] = ()  # (action, comment, by whom): the supervisor's returns, reassignments


def detail(ws: Workspace, uuid: str) -> HouseholdDetail:
    """The stored document with its classification, recomputed with the workspace's standard (reasons included),
    and what the supervisor asked of it (a return with its comment) when that is still to do."""
    doc = ws.get_household(uuid)
    state = ws.household_state(uuid)
    result = assess_document(doc, standard_id=ws.info.standard_id, trusted=True)
    to_do = tuple((t["action"], t.get("comment") or "", t.get("by_user") or "") for t in store.todo(ws.db)
                  if t["uuid"] == uuid)
    return HouseholdDetail(uuid, doc, state.status, state.owner, result, to_do)


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
    """Who changed what and when, oldest first: every audit entry of the household, fields in words — but the values
    the form calculates from the answers (they have no label; the answers they follow from are shown)."""
    doc = ws.get_household(uuid)
    out = []
    for r in audit.history(ws.db, uuid):
        note = r.get("reason") or ""
        if r["action"] == store.CLAIMED:
            # an entry a bundle carried that its signer did not write: shown under the signer's name, what it
            # claims said in words (never as the claimed author's own entry)
            r, note = _claim(r, lang)
        path = r.get("field") or ""
        if path and is_calculated(path, doc):
            continue   # calculated by the form from answers shown here (kept in the audit log all the same)
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
                          new_text, note, detail))
    return out


DECIDED_BY = re.compile(r"^(approve|return|reassigned|confirm|move_away|come_back|merge) by (\S+)$")


@dataclass(frozen=True)
class ChangeInWords:
    """A history entry as people read it (the app's History, `fieldsurvey history`): the person's name, the action,
    the field by the form's label, values and statuses in words, the note."""
    who: str
    action: str
    field: str
    old: str
    new: str
    note: str


def in_words(ch: Change, names: dict[str, str], lang: str = "vi") -> ChangeInWords:
    """One history entry in words: who by name (never the login id where the name is known; "—" where no one was
    named), what was done, the field, before and after, and the reason — or what the entry records."""
    key = f"gui.history.action.{ch.action}"
    action = t(key, lang) if has(key, lang) else ch.action
    field, old, new = ch.label or ch.field, ch.old, ch.new
    if ch.field == "status":
        field = t("gui.list.col.status", lang)
        old, new = (t(f"status.{v}", lang) if v in STATUSES else v for v in (old, new))
    elif ch.field == "owner":
        field = t("gui.list.col.owner", lang)
        old, new = (person(names, v) for v in (old, new))
    who = person(names, ch.user)
    if who == "unknown":   # made where no one was named (a demo, an older file)
        who = "—"
    return ChangeInWords(who, action, field, old, new, _note(ch, names, lang))


def _note(ch: Change, names: dict[str, str], lang: str) -> str:
    """The reason given, else what the entry records, in words (a bundle or a household by its first 8 digits)."""
    if ch.note:
        decided = DECIDED_BY.match(ch.note)   # the reason storage records for a decision given without a comment
        if decided:
            return t("gui.history.note.decided_by", lang, who=person(names, decided.group(2)))
        return ch.note

    def shown(key: str, value) -> str:
        text = "" if value is None else str(value)
        if len(text) == 36 and text.count("-") == 4:   # a bundle's or a household's id: its first digits
            return text[:8]
        if key == "owner":   # a person, by name
            return person(names, text)
        return t(f"status.{text}", lang) if key == "status" and text in STATUSES else text

    d = {k: shown(k, v) for k, v in ch.detail.items()}
    key = f"gui.history.note.{ch.action}"
    if has(key, lang) and d:
        return t(key, lang, **{k: d.get(k, "") for k in ("bundle", "sequence", "from", "into", "other", "owner",
                                                          "status", "pair")})
    return ", ".join(f"{k}: {v}" for k, v in d.items())


def _claim(row: dict[str, Any], lang: str) -> tuple[dict[str, Any], str]:
    """A claimed entry (sync_store.claim_entry) as a history row: the signer's user and device, action `claimed`,
    the field and values it claims (to be read, never counted), and a note naming who it says did what."""
    detail = _decoded(row.get("detail"))
    claimed = detail.get("claimed") if isinstance(detail, dict) else None
    if not isinstance(claimed, dict):
        return row, ""
    shown = {**row, "field": claimed.get("field"), "old": claimed.get("old"), "new": claimed.get("new"),
             "detail": json.dumps({"bundle": detail.get("bundle")}) if detail.get("bundle") else None}
    note = t("sync.history.claimed", lang, user=row["user"], by=claimed.get("user", "?"),
             device=claimed.get("device", "?"), action=claimed.get("action", "?"))
    reason = claimed.get("reason")
    return shown, f"{note}: {reason}" if reason else note


# --- adding households brought from elsewhere ---------------------------------------------------------------------

@dataclass(frozen=True)
class Added:
    uuid: str
    status: HouseholdStatus
    household_class: str | None
    source: str
    held: tuple[Finding, ...] = ()   # answers outside a soft range: held for the supervisor (services/values.py)


def add(ws: Workspace, documents: Iterable[tuple[str, str]], owner: str | None = None) -> list[Added]:
    """Store household documents (source name, JSON text) — data brought in from other systems, scripted tests —
    through the questionnaire's own path: each checked strictly (duplicate keys, the document's shape, no control
    character, the household's size; its review year, commune and form version this workspace's; each answer of
    its question's type, one of its choices, within its plausible range — services/values.py; its village one the
    supervisor lists), filled into its
    form to see whether it is complete, stored with its class, revision and audit rows, owned by `owner` (else
    whoever works on this installation). All of them or none: one bad document refuses the whole lot, naming it.
    Answers outside a soft range are stored and held for the supervisor (`Added.held`)."""
    parsed = []
    info, villages = ws.info, ws.villages()
    for source, text in documents:
        doc = read_document(text, source)
        try:
            doc["uuid"] = parse_household(doc).uuid   # a document without an id gets one
            checked = values.check_household(doc, info)
            values.check_listed_village(doc, villages)
            session = FormSession(checked.form, doc, villages=villages)
            complete = session.is_complete()
            if complete:   # a finished household needs its members, too
                checked = values.check_household(doc, info, complete=True)
        except DocumentError as exc:
            raise DocumentError("storage.error.document_in", source, error=exc) from None
        parsed.append((source, session.to_document(), complete, checked.held))
    who = owner or (None if ws.user == "unknown" else ws.user)
    out = []
    with ws.transaction():
        for source, doc, complete, held in parsed:
            status = ws.save_form(doc, complete, owner=who)
            out.append(Added(doc["uuid"], status, ws.household_state(doc["uuid"]).household_class, source, held))
    return out


def read_files(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(name, text) of household document files, for `add`."""
    out = []
    for p in paths:
        try:
            out.append((Path(p).name, Path(p).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentError("storage.error.cannot_read", str(p), error=str(exc)) from None
    return out


# --- lifecycle steps on households ------------------------------------------------------------------------------------

def step(ws: Workspace, uuids: list[str], action: Action, reason: str = "", user: str | None = None) -> int:
    """Move households on as `action` (confirm unchanged, moved away, came back), all or none: a household whose
    status the action cannot start from refuses the lot, saying which, its status and why."""
    if not uuids:
        raise WorkspaceError("storage.error.no_households", "UUID")
    with ws.transaction():
        for uuid in uuids:
            ws.change_status(uuid, action, reason=reason or None, user=user)
            if action is Action.CONFIRM:   # checked, no change: the return is dealt with
                store.mark_todo_done(ws.db, uuid, now_iso())
    return len(uuids)


def needs_reason(status: str) -> bool:
    """A change to an approved household is audited with a reason."""
    return lifecycle.needs_reason(status)
