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
from datetime import date
from typing import Any, Iterable, Mapping

from fieldsurvey.domain import fieldpaths
from fieldsurvey.domain.document import Household, parse_household
from fieldsurvey.domain.lifecycle import FINISHED, HouseholdStatus
from fieldsurvey.domain.plausible import Finding, findings
from fieldsurvey.domain.ranges import check_text, ranges, texts_in
from fieldsurvey.errors import DocumentError
from fieldsurvey.formengine.loader import find_form, form_versions
from fieldsurvey.formengine.model import Form, Item
from fieldsurvey.storage import queries
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
BUILTIN_LISTS = ("vn_provinces", "vn_communes", "villages")   # filled by the engine: not checked here
_LOCATION = ("province_code", "commune_code", "commune_name", "village", "area", "interview_date")


def _form_of(h: Household, info: WorkspaceInfo) -> Form:
    """The form the document names, installed here — or, for a document that names none (or the app's former
    built-in form), the current form of the workspace's review year. A form or version not installed: refused."""
    if h.form_id and h.form_id not in ranges().former_forms:
        versions = form_versions().get(h.form_id)
        if versions is None:
            raise DocumentError("values.error.form_not_installed", "form.id", form=h.form_id,
                                known=", ".join(sorted(form_versions())))
        if h.form_version and h.form_version not in versions:
            raise DocumentError("values.error.form_version_not_installed", "form.version", form=h.form_id,
                                version=h.form_version, known=", ".join(versions))
        return find_form(h.form_id, h.form_version or None)
    return find_form("vn-review-2027" if info.review_year >= 2027 else "vn-review-2022")


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


def _choices(form: Form, item: Item) -> set[str] | None:
    if not item.list_name or item.list_name in BUILTIN_LISTS or item.list_name not in form.choices:
        return None
    return {c.name for c in form.choices[item.list_name]}


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _fits(form: Form, item: Item, value: Any, where: str) -> None:
    """One answer against its question: refused (DocumentError naming `where`) when it is not of the question's
    type, not one of its choices, or a line break in one-line text."""
    kind = item.type
    if value is None or value == "" or value == []:
        return
    if kind == "integer":
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())
                                           or (isinstance(value, str) and _INTEGER.fullmatch(value.strip()))):
            raise DocumentError("values.error.not_whole_number", where, value=_shown(value))
    elif kind in ("decimal", "range"):
        if isinstance(value, bool) or not ((isinstance(value, (int, float)) and math.isfinite(value))
                                           or (isinstance(value, str) and _DECIMAL.fullmatch(value.strip()))):
            raise DocumentError("values.error.not_a_number", where, value=_shown(value))
    elif kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            raise DocumentError("values.error.not_a_date", where, value=_shown(value)) from None
    elif kind in ("select_one", "select_multiple"):
        names = _choices(form, item)
        if names is None:
            return
        if kind == "select_one":
            given = ["yes" if value is True else "no" if value is False else value]
        else:
            given = value.split() if isinstance(value, str) else value if isinstance(value, list) else [value]
        for v in given:
            if isinstance(v, (dict, list)) or str(v) not in names:
                raise DocumentError("values.error.not_a_choice", where, value=_shown(v),
                                    choices=", ".join(c.name for c in form.choices[item.list_name]))
    elif kind == "text":
        multiline = "multiline" in item.appearance.split()
        for text in texts_in(value):
            check_text(text, where, multiline=multiline)


def check_answers(doc: Mapping[str, Any], form: Form) -> None:
    """Every answer of the document that is a question of `form` fits it (type, choices, one-line text); answers
    the form does not ask (kept from elsewhere) and calculations are left as they are."""
    household = doc.get("household") or {}
    for name, value in household.items():
        item = form.by_name.get(name)
        if item is not None and item.kind == "question" and item.repeat is None:
            _fits(form, item, value, f"household.{name}")
    location = doc.get("location") or {}
    for name in _LOCATION:
        item = form.by_name.get(name)
        value = location.get(name) if name != "interview_date" else None
        if item is not None and item.type == "text" and isinstance(value, str):
            _fits(form, item, value, f"location.{name}")
    for i, member in enumerate(doc.get("members") or []):
        if not isinstance(member, dict):
            continue
        mid = fieldpaths.member_id(member, i)
        for name, value in member.items():
            item = form.by_name.get(name)
            if item is not None and item.kind == "question" and item.repeat is not None:
                _fits(form, item, value, fieldpaths.member_path(mid, name))


@dataclass(frozen=True)
class Checked:
    """A document that passed: as parsed, the form it is read with, and what is held for the supervisor."""
    household: Household
    form: Form
    held: tuple[Finding, ...]


def check_household(doc: Mapping[str, Any], info: WorkspaceInfo, *, complete: bool = False,
                    hold_drafts: bool = False, today: date | None = None) -> Checked:
    """Everything a household document from elsewhere must pass before `info`'s workspace takes it (see the
    module's doc). Raises DocumentError naming the field; returns what is held for the supervisor.

    `complete`: the household comes as finished (complete, submitted, confirmed, approved) — it needs a member.
    `hold_drafts`: a value outside a hard range in a household that is not finished is held, not refused (work in
    progress the app itself may have saved, see Workspace.save_form); a finished one is refused."""
    h = parse_household(doc)                  # shape, control characters, the roster's bound
    _belongs(h, info)
    form = _form_of(h, info)
    check_answers(doc, form)
    found = findings(h, complete=complete, today=today)
    for f in found:
        if not f.held and (complete or not hold_drafts):
            raise f.error()
    return Checked(h, form, tuple(found))


def check_record(doc: Mapping[str, Any], info: WorkspaceInfo, status: str | None) -> tuple[Finding, ...]:
    """`check_household` for a household record of a bundle, with the status it comes with: a finished one is
    refused for a value outside a hard range (and needs a member), a draft's such value is held. Returns what is
    held for the supervisor. For the import (services/sync.py)."""
    return check_household(doc, info, complete=status in FINISHED, hold_drafts=True).held


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

