"""Questionnaires in use (Qt-free): which form a household is filled with, a form session opened on a workspace
household and saved back through the storage API, and the households still on an older form version.

A household keeps the form id and version it was filled with (`document["form"]`); it opens, validates and prints
with that version as long as the version is installed in forms/. New households get the newest version of the
form for the review year (2022–2026: vn-review-2022; 2027–2030: vn-review-2027, provisional).
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import date
from pathlib import Path
from typing import Any

from fieldsurvey.domain.lifecycle import HouseholdStatus, after_edit
from fieldsurvey.errors import FormError, WorkspaceError
from fieldsurvey.formengine.loader import find_form, form_versions, load_form
from fieldsurvey.formengine.model import Form
from fieldsurvey.formengine.session import FormSession
from fieldsurvey.storage import queries
from fieldsurvey.storage.workspace import Workspace


def form_id_for_year(year: int) -> str:
    return "vn-review-2027" if year >= 2027 else "vn-review-2022"


def current_form(year: int) -> Form:
    """The newest installed version of the official form for this review year."""
    return find_form(form_id_for_year(year))


def form_for_document(doc: dict) -> Form:
    """The form (and version) a household was filled with; a household from elsewhere (no form, or one not
    installed, such as the app's built-in form) opens with the current form for its review year."""
    spec = doc.get("form") or {}
    try:
        if spec.get("id"):
            return find_form(str(spec["id"]), str(spec["version"]) if spec.get("version") else None)
    except FormError:
        pass
    year = (doc.get("review") or {}).get("year") or date.today().year
    return current_form(int(year))


def resolve_form(spec: str | Path) -> Form:
    """A form named on the command line: a folder, an .xlsx, or an installed id with an optional @version."""
    p = Path(spec)
    if p.exists():
        return load_form(p)
    text = str(spec)
    form_id, _, version = text.partition("@")
    return find_form(form_id, version or None)


def new_household_document(ws: Workspace, village: str | None = None) -> dict:
    """A fresh household for this workspace's commune and round, on the current form."""
    info = ws.info
    form = current_form(info.review_year)
    return {"document": "fieldsurvey/household", "document_version": 1, "uuid": str(uuidlib.uuid4()),
            "form": {"id": form.form_id, "version": form.version},
            "review": {"year": info.review_year, "kind": info.review_kind},
            "location": {"province_code": info.province_code, "commune_code": info.commune_code,
                         "commune_name": info.commune_name, "area": info.area,
                         **({"village": village} if village else {})},
            "household": {}, "members": []}


def open_session(ws: Workspace, uuid: str | None = None, village: str | None = None,
                 lang: str | None = None) -> tuple[FormSession, str, str | None]:
    """(session, status, owner) for a stored household on its own form version, or for a new one."""
    if uuid is None:
        doc = new_household_document(ws, village)
        return (FormSession(form_for_document(doc), doc, lang=lang, villages=ws.villages()), HouseholdStatus.DRAFT,
                ws.meta("enumerator_id") or ws.meta("enumerator"))
    state = queries.status_owner(ws.db, uuid)
    if state is None:
        raise WorkspaceError("forms.error.no_household", uuid)
    doc = ws.get_household(uuid)
    return FormSession(form_for_document(doc), doc, lang=lang, villages=ws.villages()), state[0], state[1]


def save_session(ws: Workspace, session: FormSession, status: str = HouseholdStatus.DRAFT,
                 owner: str | None = None) -> str:
    """Store the document as it stands — a draft is always saved, whatever is missing. A draft becomes complete
    when nothing required is missing and no error or unconfirmed warning is left; a complete household that loses
    an answer goes back to draft; other statuses (submitted, approved…) stay (fieldsurvey.domain.lifecycle)."""
    status = after_edit(status, session.is_complete())
    ws.save_household(session.to_document(), status=status, owner=owner)
    return status


def households_on_older_versions(ws: Workspace) -> list[dict[str, Any]]:
    """Households filled with an older version of an installed form than its newest (uuid, head_name, village,
    form_id, form_version, newest, status)."""
    out = []
    for form_id, versions in form_versions().items():
        newest = versions[-1]
        for row in queries.older_form_households(ws.db, form_id, newest):
            out.append({**row, "form_id": form_id, "newest": newest})
    return out


def printable_household(doc: dict, lang: str = "vi") -> dict[str, Any]:
    """A household's answers with the labels of the form version it was filled with (for a printed sheet)."""
    form = form_for_document(doc)
    village = (doc.get("location") or {}).get("village")
    session = FormSession(form, doc, lang=lang, villages=[village] if village else [])
    return {"form": {"id": form.form_id, "version": form.version, "title": form.title},
            "sections": session.printable()}


def validate_household(ws: Workspace, uuid: str, lang: str | None = None) -> dict[str, Any]:
    """A stored household checked against its own form version: errors and warnings, by question."""
    session, status, _ = open_session(ws, uuid, lang=lang)
    def described(entries: list) -> list[dict[str, Any]]:
        return [{"section": s, "member": m, "question": q, "message": session.state(q, m).message}
                for s, m, q in entries]
    return {"uuid": uuid, "form": {"id": session.form.form_id, "version": session.form.version},
            "status": status, "complete": session.is_complete(), "errors": described(session.errors()),
            "warnings": described(session.warnings())}
