"""Moving households to a newer version of their form (Qt-free; the app and `fieldsurvey form upgrade` share it).

A household keeps the form version it was filled with (services/forms.py); a supervisor moves one household, or every
household on an older version, to the newest installed version of the same form (or a version named): the answers
are carried over by name (form names are document keys), the household is validated under the new version —
completeness and errors — and classified again, and the change is stored as a revision of its own with its audit
entries (`form.version`: 2026.1 → 2026.2, who, when, the reason), so nothing is overwritten without a trace.

A household the new version cannot hold is not moved, and is named with the reason: an answer the new version
refuses (a value that is not one of its choices, text where it asks a number — services/values.py `check_answers`),
an answer valid under the old version that breaks a rule of the new one, a merged duplicate (never edited). The
others move, all in one transaction: a supervisor who moves 800 households to one version expects the 799 that fit
to move and the one that does not to be named, to be corrected and moved afterwards (docs/forms.md, "Moving
households to a newer version"). An approved household needs a reason, as for any change to it (save_form's rule):
without one the whole move is refused before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.errors import DocumentError, FieldSurveyError, FormError, WorkspaceError
from fieldsurvey.formengine.loader import find_form, form_versions
from fieldsurvey.formengine.model import Form
from fieldsurvey.formengine.session import FormSession
from fieldsurvey.services.forms import field_label, form_for_document, workspace_list
from fieldsurvey.services.values import check_answers
from fieldsurvey.progress import Job, Progress, run_to_end
from fieldsurvey.services.workspaces import current_user, opened
from fieldsurvey.storage import queries
from fieldsurvey.storage.workspace import Workspace

LANGS = ("vi", "en")


@dataclass(frozen=True)
class Said:
    """A text the form says (a question's label, a check's message) in each language, rendered by `text(lang)` like
    a catalogue Message."""
    texts: tuple[tuple[str, str], ...]

    def text(self, lang: str = "vi") -> str:
        found = dict(self.texts)
        return found.get(lang) or found.get("en") or next(iter(found.values()), "")


@dataclass(frozen=True)
class _Body:
    """An error said without its `where` (the message that names it says where)."""
    error: FieldSurveyError

    def text(self, lang: str = "vi") -> str:
        return self.error.body(lang)


@dataclass(frozen=True)
class Candidate:
    """A household and the version it would move to."""
    uuid: str
    head_name: str
    village: str
    status: str
    form_id: str
    version: str      # the version it was filled with
    to: str           # the version it moves to


@dataclass(frozen=True)
class Refusal:
    """A household not moved, and why (`reason.text(lang)`: in the user's language, naming the answer)."""
    household: Candidate
    reason: FieldSurveyError

    def text(self, lang: str = "vi") -> str:
        return self.reason.text(lang)


@dataclass(frozen=True)
class Plan:
    """What a move would do, before anything is written: the households that move, those that cannot (and, for the
    move that follows, each moving household's stored document as read and the document it becomes)."""
    moves: tuple[Candidate, ...]
    refused: tuple[Refusal, ...]
    carried: dict[str, tuple[str, "_Carried"]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def needs_reason(self) -> bool:
        """An approved household is among those that move: a reason must be given (as for any change to it)."""
        return any(c.status == HouseholdStatus.APPROVED for c in self.moves)

    @property
    def approved(self) -> int:
        return sum(1 for c in self.moves if c.status == HouseholdStatus.APPROVED)

    @property
    def targets(self) -> list[str]:
        """The versions moved to, as a message names them ('vn-review-2022 2026.2')."""
        return sorted({f"{c.form_id} {c.to}" for c in self.moves})


@dataclass(frozen=True)
class Moved:
    """A household moved: its class and status before and after, and what the new version says of it."""
    household: Candidate
    status_before: str
    status: str
    class_before: str | None
    household_class: str | None
    complete: bool
    errors: int
    revision: str | None


@dataclass(frozen=True)
class Result:
    moved: tuple[Moved, ...]
    refused: tuple[Refusal, ...] = field(default=())


def _version_key(version: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in str(version).replace("-", ".").split("."))


class _Forms:
    """What one plan reads of the installed forms, read once: the versions of each form, each form and version
    loaded, the workspace's villages and its one-row list (a plan may look at 100,000 households)."""

    def __init__(self, ws: Workspace):
        self.installed = form_versions()
        self.loaded: dict[tuple[str, str], Form] = {}
        self.villages = ws.villages()
        self.extra = workspace_list(ws)

    def form(self, form_id: str, version: str) -> Form:
        key = (form_id, version)
        if key not in self.loaded:
            self.loaded[key] = find_form(form_id, version)
        return self.loaded[key]

    def of(self, doc: dict) -> Form:
        """The form (and version) the household was filled with, as services/forms.py finds it."""
        spec = doc.get("form") or {}
        if spec.get("id") and str(spec.get("version") or "") in self.installed.get(str(spec["id"]), ()):
            return self.form(str(spec["id"]), str(spec["version"]))
        return form_for_document(doc)

    def session(self, form: Form, doc: dict) -> FormSession:
        return FormSession(form, doc, villages=self.villages, extra_lists=self.extra)


def _candidate(ws: Workspace, uuid: str, to: str | None, forms: _Forms) -> Candidate | Refusal:
    row = ws.db.execute("SELECT head_name, village, status, form_id, form_version FROM households WHERE uuid = ?",
                        [uuid]).fetchone()
    if row is None:
        raise WorkspaceError("forms.error.no_household", uuid)
    head, village, status, form_id, version = row
    target = to or (forms.installed.get(form_id) or [""])[-1]
    c = Candidate(uuid, head or "", village or "", status, form_id or "", version or "", target)
    if not form_id or form_id not in forms.installed:
        return Refusal(c, FormError("forms.upgrade.no_form", uuid, form=form_id or "—"))
    if target not in forms.installed[form_id]:
        return Refusal(c, FormError("forms.upgrade.no_version", uuid, form=form_id, version=target,
                                    known=", ".join(forms.installed[form_id])))
    if version and _version_key(target) <= _version_key(version):
        return Refusal(c, FormError("forms.upgrade.not_newer", uuid, form=form_id, version=version, to=target))
    if status == HouseholdStatus.MERGED:
        return Refusal(c, FormError("forms.upgrade.merged", uuid))
    return c


def _hard_errors(session: FormSession) -> dict[tuple, str]:
    """(question, member) → question name of every hard error (a broken rule, not a missing answer)."""
    return {(q, m): q for _, m, q in session.errors() if session.state(q, m).status == "error"}


@dataclass(frozen=True)
class _Carried:
    """A household's document on the new version, and what the new version says of it."""
    document: dict
    complete: bool
    errors: int
    was_complete: bool   # what the version it was filled with said


def _moved_document(forms: _Forms, c: Candidate, doc: dict) -> _Carried | FieldSurveyError:
    """The household's document on the new version and what that version says of it, or why the new version cannot
    hold it."""
    new_form = forms.form(c.form_id, c.to)
    carried = json.loads(json.dumps(doc))
    carried["form"] = {**(doc.get("form") or {}), "id": new_form.form_id, "version": new_form.version}
    try:
        check_answers(carried, new_form)   # each answer of its type, one of the choices, one line of text
    except DocumentError as exc:   # the question by its label (the member by name), then what is wrong
        question = Said(tuple((lang, field_label(exc.where or "", [doc], lang)) for lang in LANGS))
        return FormError("forms.upgrade.refused_answer", c.uuid, version=c.to, question=question,
                         field=exc.where or "", error=_Body(exc))
    new = forms.session(new_form, carried)
    old = forms.session(forms.of(doc), doc)
    before = _hard_errors(old)
    broken = [key for key in _hard_errors(new) if key not in before]
    if broken:   # valid under the version it was filled with, refused by the new one
        q, m = broken[0]
        texts = []
        for lang in LANGS:
            new.set_language(lang)
            st = new.state(q, m)
            texts.append((lang, f"{st.label or q}: {st.message}"))
        new.set_language("vi")
        return FormError("forms.upgrade.broken_rule", c.uuid, version=c.to, rule=Said(tuple(texts)))
    return _Carried(new.to_document(), new.is_complete(), len(new.errors()), old.is_complete())


def plan(ws: Workspace, uuids: Iterable[str] | None = None, to: str | None = None) -> Plan:
    """What moving these households (None: every household on an older version than the newest of its form — with
    `to`, than `to`, of the forms that have it) to version `to` (None: the newest installed version of each one's
    form) would do: nothing is written."""
    return run_to_end(planning(ws, uuids, to))


def _wanted(ws: Workspace, uuids: Iterable[str] | None, to: str | None) -> list[str]:
    if uuids is None:
        return [r["uuid"] for form_id, versions in form_versions().items() if to is None or to in versions
                for r in queries.older_form_households(ws.db, form_id, to or versions[-1])]
    wanted = list(dict.fromkeys(uuids))
    if not wanted:
        raise WorkspaceError("storage.error.no_households", "UUID")
    return wanted


def _stored_json(ws: Workspace, uuid: str) -> str:
    row = ws.db.execute("SELECT document FROM households WHERE uuid = ?", [uuid]).fetchone()
    return row[0] if row else ""


def _look(ws: Workspace, uuid: str, to: str | None, forms: _Forms, planned: Plan | None
          ) -> tuple[Candidate, tuple[str, _Carried] | None] | Refusal:
    """One household: why it cannot move, or the move (its stored document as read, and the document it becomes) —
    taken from `planned` when the household is stored as it was when that plan was made."""
    found = _candidate(ws, uuid, to, forms)
    if isinstance(found, Refusal):
        return found
    stored = _stored_json(ws, uuid)
    earlier = planned.carried.get(uuid) if planned is not None else None
    if earlier is not None and earlier[0] == stored and found in planned.moves:
        return found, earlier
    made = _moved_document(forms, found, json.loads(stored))
    if isinstance(made, FieldSurveyError):
        return Refusal(found, made)
    return found, (stored, made)


def planning(ws: Workspace, uuids: Iterable[str] | None = None, to: str | None = None,
             planned: Plan | None = None) -> Job[Plan]:
    """`plan` as a job: one step a household (a worker thread's progress dialog counts them)."""
    wanted = _wanted(ws, uuids, to)
    moves, refused, carried = [], [], {}
    forms = _Forms(ws)
    yield Progress(0, len(wanted), "Checking households")
    for i, uuid in enumerate(wanted, 1):
        looked = _look(ws, uuid, to, forms, planned)
        if isinstance(looked, Refusal):
            refused.append(looked)
        else:
            moves.append(looked[0])
            carried[uuid] = looked[1]
        if i % 20 == 0 or i == len(wanted):
            yield Progress(i, len(wanted), "Checking households")
    return Plan(tuple(moves), tuple(refused), carried)


def upgrade(ws: Workspace, uuids: Iterable[str] | None = None, to: str | None = None, *, reason: str | None = None,
            user: str | None = None, planned: Plan | None = None) -> Result:
    """Move these households (None: every household on an older version) to version `to` (None: the newest of each
    one's form), all in one transaction: each household's answers carried by name, validated and classified under
    the new version, stored as a revision of its own with its audit entries. Households the new version cannot hold
    are not moved and come back in `Result.refused` with the reason. Refused as a whole, nothing written, when an
    approved household would move and no reason is given (WorkspaceError naming how many). `planned`: the plan the
    user was shown — its households moved (each checked again: one changed since is looked at anew)."""
    return run_to_end(upgrading(ws, uuids, to, reason=reason, user=user, planned=planned))


def upgrading(ws: Workspace, uuids: Iterable[str] | None = None, to: str | None = None, *, reason: str | None = None,
              user: str | None = None, planned: Plan | None = None) -> Job[Result]:
    """`upgrade` as a job (closing it before its end writes nothing: the transaction is rolled back)."""
    reason = (reason or "").strip() or None
    who = user or current_user(ws)
    if planned is not None and uuids is None:
        uuids = [c.uuid for c in planned.moves]
    with ws.transaction():   # planned again inside it: what is checked is what is written
        checking = planning(ws, uuids, to, planned)
        while True:
            try:
                step = next(checking)
            except StopIteration as stop:
                p = stop.value
                break
            yield Progress(step.done, 2 * step.total, "Moving households to the new form version")
        if p.needs_reason and reason is None:
            raise WorkspaceError("forms.upgrade.needs_reason", ", ".join(c.uuid[:8] for c in p.moves
                                                                         if c.status == HouseholdStatus.APPROVED),
                                 n=p.approved)
        moved = []
        total = len(p.moves) + len(p.refused)
        for i, c in enumerate(p.moves, 1):
            class_before = ws.household_state(c.uuid).household_class
            made = p.carried[c.uuid][1]
            # the status follows the answers only where the new version says otherwise than the old one: a move
            # changes the version, not what was decided of answers both versions read alike
            status, rid = ws.move_to_form(made.document, made.complete if made.complete != made.was_complete else None,
                                          reason=reason, user=who)
            moved.append(Moved(c, c.status, status.value, class_before, ws.household_state(c.uuid).household_class,
                               made.complete, made.errors, rid))
            if i % 20 == 0:
                yield Progress(total + i, 2 * total, "Moving households to the new form version")
    yield Progress(2 * total, 2 * total, "Moving households to the new form version")
    return Result(tuple(moved), p.refused)


def planning_job(path: Path, uuids: list[str] | None = None, to: str | None = None) -> Job[Plan]:
    """`planning` on its own connection to the workspace file, for a worker thread (the app)."""
    with opened(path, read_only=True) as ws:
        return (yield from planning(ws, uuids, to))


def upgrading_job(path: Path, planned: Plan, *, reason: str | None = None, user: str | None = None
                  ) -> Job[Result]:
    """`upgrading` the households of the plan shown, on its own connection, for a worker thread (the app)."""
    with opened(path) as ws:
        return (yield from upgrading(ws, planned=planned, reason=reason, user=user))


def upgrade_one(ws: Workspace, uuid: str, to: str | None = None, *, reason: str | None = None,
                user: str | None = None) -> Moved:
    """One household moved (the questionnaire's and the list's action); its refusal raised as the error it is."""
    result = upgrade(ws, [uuid], to, reason=reason, user=user)
    if result.refused:
        raise result.refused[0].reason
    return result.moved[0]
