"""Clean values: the check a household document passes before a workspace takes it from elsewhere — `households add`,
and (wired by the sync area) each household of an imported bundle. Beyond the document's shape and text
(domain/document.py, strict): the document belongs to this workspace (its review year and kind, its commune, a form
version this installation has), each answer fits its question in that form (a number where the form asks for a
number, a date, one of the choices, one line of text where the text is one line), and each answer lies within its
plausible range (domain/plausible.py; the ranges are data: resources/values/household-values.toml).

What lies outside a hard bound is refused, the field named; what lies only outside a soft bound is returned, held for
the supervisor (the households table keeps it too: storage/columns.py `held`, listed by `held_households`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from typing import Any, Iterable, Mapping

from fieldsurvey.domain import fieldpaths
from fieldsurvey.domain.document import Household, parse_household
from fieldsurvey.domain.lifecycle import FINISHED, HouseholdStatus
from fieldsurvey.domain.plausible import Finding, findings
from fieldsurvey.domain.ranges import check_text, control_in, ranges, texts_in
from fieldsurvey.errors import DocumentError
from fieldsurvey.i18n import t
from fieldsurvey.formengine.loader import find_form, form_versions
from fieldsurvey.formengine.model import Form
from fieldsurvey.storage import queries
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
BUILTIN_LISTS = ("vn_provinces", "vn_communes", "villages")   # filled by the engine: not checked here
_LOCATION = ("province_code", "commune_code", "commune_name", "village", "area", "interview_date")


@lru_cache(maxsize=4)
def _installed() -> dict[str, tuple[str, ...]]:
    """form id → its versions installed in forms/ (read once: forms are installed with the app)."""
    return {form_id: tuple(versions) for form_id, versions in form_versions().items()}


@lru_cache(maxsize=32)
def _form(form_id: str, version: str | None) -> Form:
    return find_form(form_id, version)


def _form_of(h: Household, info: WorkspaceInfo) -> Form:
    """The form the document names, installed here — or, for a document that names none (or the app's former
    built-in form), the current form of the workspace's review year. A form or version not installed: refused."""
    if h.form_id and h.form_id not in ranges().former_forms:
        versions = _installed().get(h.form_id)
        if versions is None:
            raise DocumentError("values.error.form_not_installed", "form.id", form=h.form_id,
                                known=", ".join(sorted(_installed())))
        if h.form_version and h.form_version not in versions:
            raise DocumentError("values.error.form_version_not_installed", "form.version", form=h.form_id,
                                version=h.form_version, known=", ".join(versions))
        return _form(h.form_id, h.form_version or None)
    return _form("vn-review-2027" if info.review_year >= 2027 else "vn-review-2022", None)


def _belongs(h: Household, info: WorkspaceInfo) -> None:
    """The review round and the commune of the workspace."""
    if h.review_year != info.review_year:
        raise DocumentError("values.error.other_review_year", "review.year", found=h.review_year,
                            year=info.review_year)
    if h.review_kind != info.review_kind:
        raise DocumentError("values.error.other_review_kind", "review.kind", found=h.review_kind,
                            kind=info.review_kind)
    if h.commune_code not in (None, "", info.commune_code):
        raise DocumentError("values.error.other_commune", "location.commune_code", found=h.commune_code,
                            commune=info.commune_code, name=info.commune_name)


@dataclass(frozen=True, slots=True)
class _Question:
    """What an answer is checked against: the question's type, its choices (None: not checked here), the choices
    as a message lists them, and whether its text may run over several lines."""
    kind: str
    choices: frozenset[str] | None = None
    listed: str = ""
    multiline: bool = False


@dataclass(frozen=True)
class _Questions:
    household: Mapping[str, _Question]
    members: Mapping[str, _Question]
    location: Mapping[str, _Question]


_CHECKED_TYPES = {"integer", "decimal", "range", "date", "select_one", "select_multiple", "text"}


_MADE: dict[int, tuple[Form, _Questions]] = {}   # id(form) → (the form, kept alive; its questions)


def _questions(form: Form) -> _Questions:
    """The form's questions whose answers are checked, by where they are kept (made once per loaded form)."""
    made = _MADE.get(id(form))
    if made is None or made[0] is not form:
        made = _MADE[id(form)] = (form, _make_questions(form))
    return made[1]


def _make_questions(form: Form) -> _Questions:
    household: dict[str, _Question] = {}
    members: dict[str, _Question] = {}
    location: dict[str, _Question] = {}
    for item in form.questions():
        if item.type not in _CHECKED_TYPES:
            continue
        names = None
        if item.list_name and item.list_name not in BUILTIN_LISTS and item.list_name in form.choices:
            names = [c.name for c in form.choices[item.list_name]]
        q = _Question(item.type, frozenset(names) if names is not None else None, ", ".join(names or ()),
                      "multiline" in item.appearance.split())
        if item.repeat is not None:
            if item.repeat.name == "members":
                members[item.name] = q
        elif item.name in _LOCATION:
            location[item.name] = q
        else:
            household[item.name] = q
    return _Questions(household, members, location)


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _misfit(q: _Question, value: Any) -> tuple[str, dict[str, Any]] | None:
    """Why an answer does not fit its question (a catalogue key and its values), or None when it fits. (Hot: runs
    for every answer of every household imported; the field's name is made only for a refusal.)"""
    kind = q.kind
    if kind == "select_one":
        if q.choices is None or (type(value) is str and value in q.choices) or value is None or value == "":
            return None
        v = "yes" if value is True else "no" if value is False else value
        if isinstance(v, (dict, list)) or str(v) not in q.choices:
            return "values.error.not_a_choice", {"value": _shown(v), "choices": q.listed}
        return None
    if value is None or value == "" or value == []:
        return None
    if kind == "text":
        for text in texts_in(value):
            if not text.isprintable() and control_in(text, q.multiline) is not None:
                return "", {"text": text}   # said by check_text, which names the character
    elif kind == "select_multiple":
        given = value.split() if isinstance(value, str) else value if isinstance(value, list) else [value]
        for v in given:
            if q.choices is not None and (isinstance(v, (dict, list)) or str(v) not in q.choices):
                return "values.error.not_a_choice", {"value": _shown(v), "choices": q.listed}
    elif kind == "integer":
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())
                                           or (isinstance(value, str) and _INTEGER.fullmatch(value.strip()))):
            return "values.error.not_whole_number", {"value": _shown(value)}
    elif kind in ("decimal", "range"):
        if isinstance(value, bool) or not ((isinstance(value, (int, float)) and math.isfinite(value))
                                           or (isinstance(value, str) and _DECIMAL.fullmatch(value.strip()))):
            return "values.error.not_a_number", {"value": _shown(value)}
    elif kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return "values.error.not_a_date", {"value": _shown(value)}
    return None


def _refuse(q: _Question, misfit: tuple[str, dict[str, Any]], where: str) -> None:
    key, values = misfit
    if not key:
        check_text(values["text"], where, multiline=q.multiline)
    raise DocumentError(key, where, **values)


_NUMBERS = frozenset({"integer", "decimal", "range"})
_FRACTIONS = frozenset({"decimal", "range"})


def _misfits(answers: Mapping[str, Any], asked: Mapping[str, _Question]) -> tuple[str, _Question, Any] | None:
    """The first answer of `answers` that does not fit its question: (its name, the question, why), or None. The
    answers that plainly fit (a choice of the list, printable one-line text, a number where a number is asked — most
    of them) are passed over without a call."""
    for name, value in answers.items():
        q = asked.get(name)
        if q is None:
            continue
        kind, t = q.kind, type(value)
        if t is str:
            if (kind == "text" and value.isprintable()) or \
                    (kind == "select_one" and (q.choices is None or value in q.choices)):
                continue
        elif t is int:
            if kind in _NUMBERS:
                continue
        elif t is float and kind in _FRACTIONS and math.isfinite(value):
            continue
        misfit = _misfit(q, value)
        if misfit is not None:
            return name, q, misfit
    return None


def check_answers(doc: Mapping[str, Any], form: Form) -> None:
    """Every answer of the document that is a question of `form` fits it (type, choices, one-line text); answers
    the form does not ask (kept from elsewhere) and calculations are left as they are. Raises DocumentError naming
    the field (household.floor_area, members[m2].sex, location.village)."""
    questions = _questions(form)
    found = _misfits(doc.get("household") or {}, questions.household)
    if found is not None:
        name, q, misfit = found
        _refuse(q, misfit, f"household.{name}")
    location = doc.get("location") or {}
    for name, q in questions.location.items():
        value = location.get(name)
        if q.kind == "text" and isinstance(value, str):
            misfit = _misfit(q, value)
            if misfit is not None:
                _refuse(q, misfit, f"location.{name}")
    asked = questions.members
    for i, member in enumerate(doc.get("members") or []):
        if not isinstance(member, dict):
            continue
        found = _misfits(member, asked)
        if found is not None:
            name, q, misfit = found
            _refuse(q, misfit, fieldpaths.member_path(fieldpaths.member_id(member, i), name))


def check_listed_village(doc: Mapping[str, Any], listed: Iterable[str]) -> None:
    """The household's village is one the supervisor lists (the app's form offers only those): a village given
    that the list does not have is refused, naming it and the villages there are. No village given is left to the
    form (a required answer still missing: the household stays a draft). The import does not call this: a hand-in
    may name a village the supervisor has since renamed or merged, and is stored with a warning instead
    (services/villages.py `village_lines`)."""
    location = doc.get("location")
    village = location.get("village") if isinstance(location, Mapping) else None
    if village is None or village == "":
        return
    names = list(listed)
    if village in names:
        return
    if not names:
        raise DocumentError("values.error.no_villages", "location.village", village=_shown(village))
    raise DocumentError("values.error.village_not_listed", "location.village", village=_shown(village),
                        villages=", ".join(names))


@dataclass(frozen=True)
class Checked:
    """A document that passed: as parsed, the form it is read with, and what is held for the supervisor."""
    household: Household
    form: Form
    held: tuple[Finding, ...]


def check_household(doc: Mapping[str, Any], info: WorkspaceInfo, *, complete: bool = False,
                    hold_drafts: bool = False, shape_checked: bool = False, today: date | None = None,
                    parsed: Household | None = None) -> Checked:
    """Everything a household document from elsewhere must pass before `info`'s workspace takes it (see the
    module's doc). Raises DocumentError naming the field; returns what is held for the supervisor.

    `complete`: the household comes as finished (complete, submitted, confirmed, approved) — it needs a member.
    `hold_drafts`: a value outside a hard range in a household that is not finished is held, not refused (work in
    progress the app itself may have saved, see Workspace.save_form); a finished one is refused.
    `shape_checked`: the caller has passed the document through `parse_household` (strict) already — as the
    import's record check does — so its shape, text and size are not checked twice; `parsed`: what that gave."""
    h = parsed if parsed is not None and shape_checked else parse_household(doc, trusted=shape_checked)
    _belongs(h, info)
    form = _form_of(h, info)
    check_answers(doc, form)
    found = findings(h, complete=complete, today=today)
    for f in found:
        if not f.held and (complete or not hold_drafts):
            raise f.error()
    return Checked(h, form, tuple(found))


def check_record(doc: Mapping[str, Any], info: WorkspaceInfo, status: str | None,
                 shape_checked: bool = False, parsed: Household | None = None) -> tuple[Finding, ...]:
    """`check_household` for a household record of a bundle, with the status it comes with: a finished one is
    refused for a value outside a hard range (and needs a member), a draft's such value is held. Returns what is
    held for the supervisor. For the import (services/sync.py), whose record check (sync/records.py) has parsed
    the document strictly already: `shape_checked=True` there (`parsed`: what it read)."""
    return check_household(doc, info, complete=status in FINISHED, hold_drafts=True,
                           shape_checked=shape_checked, parsed=parsed).held


@dataclass(frozen=True)
class RecordCheck:
    """The import's check of each household record of a bundle (sync/records.py `Check`): `check_record` against
    this workspace. A plain value, so that a worker process checking a chunk of records gets it pickled."""
    info: WorkspaceInfo

    def __call__(self, doc: Mapping[str, Any], status: str, parsed: Household | None = None
                 ) -> tuple[Finding, ...]:
        return check_record(doc, self.info, status, shape_checked=True, parsed=parsed)


# --- what is held -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeldHousehold:
    uuid: str
    village: str | None
    head_name: str
    status: str
    owner: str | None
    findings: tuple[Finding, ...]

    def to_dict(self, lang: str = "vi") -> dict[str, Any]:
        return {"uuid": self.uuid, "village": self.village, "head_name": self.head_name, "status": self.status,
                "owner": self.owner, "held": [{**f.to_dict(), "text": f.text(lang)} for f in self.findings]}


def held_households(ws: Workspace, statuses: Iterable[str] | None = None) -> list[HeldHousehold]:
    """The households with answers outside a plausible range (held for the supervisor; a draft's or an older
    workspace's values outside a hard range too), in the list's order (village, head), merged duplicates left out:
    for the supervisor's review and `households held`."""
    out = []
    for uuid, village, head, status, owner, held in queries.held_rows(ws.db, list(statuses or ())):
        if status == HouseholdStatus.MERGED:
            continue
        try:
            found = tuple(Finding.from_dict(f) for f in json.loads(held))
        except (TypeError, ValueError, AttributeError):
            continue
        out.append(HeldHousehold(uuid, village, head or "", status, owner, found))
    return out

# --- the import report ------------------------------------------------------------------------------------------

def held_entry(uuid: str, held: Iterable[Finding]) -> dict[str, Any]:
    """A household's held answers as an import report keeps them (plain data: JSON, the report's `held` list)."""
    return {"uuid": uuid, "held": [f.to_dict() for f in held]}


def held_lines(entries: Iterable[Mapping[str, Any]], lang: str = "vi") -> list[str]:
    """The held answers of an import report (`held_entry`s) as lines in `lang`, for the CLI and the app."""
    return [t("values.import.held", lang, uuid=e["uuid"], text=Finding.from_dict(f).text(lang))
            for e in entries for f in e["held"]]
