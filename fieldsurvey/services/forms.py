"""Questionnaires in use (Qt-free): which form a household is filled with, a form session opened on a workspace
household and saved back through the storage API, and the households still on an older form version.

A household keeps the form id and version it was filled with (`document["form"]`); it opens, validates and prints
with that version as long as the version is installed in forms/. New households get the newest version of the
form for the review year (2022–2026: vn-review-2022; 2027–2030: vn-review-2027, provisional).
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from fieldsurvey.domain import fieldpaths
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.errors import FieldSurveyError, FormError, WorkspaceError
from fieldsurvey.formengine.loader import files_beside, find_form, form_versions, load_form
from fieldsurvey.formengine.model import Choice, Form, build_form, located
from fieldsurvey.formengine.session import FormSession, has_sheet_extras
from fieldsurvey.formengine.session import fill as fill_session
from fieldsurvey.formengine.xlsx import import_xlsx, read_xlsx, write_xlsx
from fieldsurvey.i18n import format_money, has, t
from fieldsurvey.services.assessment import assess_document
from fieldsurvey.services.workspaces import current_user
from fieldsurvey.storage import audit, queries
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


# --- forms as files: check, import and export XLSForm workbooks, fill one headless ------------------------------------

@dataclass(frozen=True)
class FormSummary:
    form_id: str
    version: str
    title: str
    default_language: str
    languages: list[str]
    questions: list[dict[str, Any]]      # name, type, path, choices (list name), repeat
    choice_lists: dict[str, list[str]]


def describe_form(f: Form) -> FormSummary:
    """A form's questions and choice lists, for `form check`."""
    questions = []
    for item in f.items:
        if item.kind != "question":
            continue
        q: dict[str, Any] = {"name": item.name, "type": item.type, "path": "/".join(item.path + [item.xml_name])}
        if item.list_name:
            q["choices"] = item.list_name
        if item.repeat is not None:
            q["repeat"] = item.repeat.name
        questions.append(q)
    return FormSummary(f.form_id, f.version, f.title, f.default_language, list(f.languages), questions,
                       {k: [c.name for c in v] for k, v in f.choices.items()})


def refusals(exc: FieldSurveyError, lang: str = "en") -> list[str]:
    """A form's located problems (sheet, row, column: what is wrong), in `lang`."""
    return located(exc, lang)


def import_workbook(xlsx: Path, out: Path | None = None) -> tuple[Form, Path]:
    """An XLSForm workbook checked (refused, located, when it cannot be used) and written as a form folder
    (default: forms/<form_id>/<version> under the current folder)."""
    f = build_form(read_xlsx(xlsx), str(xlsx), fallback_id=xlsx.stem, files=files_beside(xlsx.parent))
    folder = out or Path("forms") / f.form_id / f.version
    import_xlsx(xlsx, folder)
    return f, folder


def export_workbook(f: Form, out: Path) -> None:
    write_xlsx(f, out)


def fill_headless(f: Form, answers: dict[str, Any], lang: str | None = None, today: date | None = None,
                  villages: tuple[str, ...] = ()) -> FormSession:
    """A form filled with answers {name: value, repeat: [{name: value}, …]}, as the app would hold it."""
    try:
        return fill_session(f, answers, lang=lang, today=today, villages=villages)
    except (KeyError, IndexError) as exc:
        raise FormError("forms.error.unknown_answer", "answers", name=str(exc.args[0]) if exc.args else "?") \
            from None


def installed_versions() -> dict[str, list[str]]:
    return form_versions()


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


WORKSPACE_LIST = "workspace"   # what a form may read of the workspace: pulldata('workspace', COLUMN, 'name', 'this')


def workspace_list(ws: Workspace) -> dict[str, list[Choice]]:
    """The workspace as a one-row list a form reads with pulldata, as an ODK form reads a CSV file sent with it:
    `pulldata('workspace', 'enumerator', 'name', 'this')` is the name of who fills households on this installation
    (the setup's), so the official questionnaire's "Điều tra viên" starts filled by the form's own `default`."""
    enumerator = ws.meta("enumerator") or ""
    return {WORKSPACE_LIST: [Choice("this", {"vi": enumerator, "en": enumerator}, {"enumerator": enumerator})]}


def open_session(ws: Workspace, uuid: str | None = None, village: str | None = None,
                 lang: str | None = None) -> tuple[FormSession, str, str | None]:
    """(session, status, owner) for a stored household on its own form version, or for a new one."""
    if uuid is None:
        doc = new_household_document(ws, village)
        return (FormSession(form_for_document(doc), doc, lang=lang, villages=ws.villages(),
                            extra_lists=workspace_list(ws)), HouseholdStatus.DRAFT,
                ws.meta("enumerator_id") or ws.meta("enumerator"))
    state = queries.status_owner(ws.db, uuid)
    if state is None:
        raise WorkspaceError("forms.error.no_household", uuid)
    doc = ws.get_household(uuid)
    return (FormSession(form_for_document(doc), doc, lang=lang, villages=ws.villages(),
                        extra_lists=workspace_list(ws)), state[0], state[1])


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


class SheetExtras:
    """What a household's printed form (Phiếu B) shows beside the state's fields: its rank answers and each
    member's repeats inside the roster (FormSession.sheet_extras, with the labels of the form version it was filled
    with). One per printing job: each form version is looked at once, and a household whose form asks neither —
    every household of the official questionnaires — opens no session (a commune prints thousands)."""

    def __init__(self, lang: str = "vi"):
        self.lang = lang
        self.asks: dict[tuple[str, str], bool] = {}    # (form id, version) → whether it asks any

    def of(self, form_id: str, version: str, document: Callable[[], dict]) -> dict[str, Any] | None:
        """The household's (its document made only when its form asks any); None when there is none."""
        key = (str(form_id), str(version))
        if self.asks.get(key) is False:
            return None
        doc = document()
        try:
            form = form_for_document(doc)
        except FieldSurveyError:
            return None
        if key not in self.asks:
            self.asks[key] = has_sheet_extras(form)
        if not self.asks[key]:
            return None
        village = (doc.get("location") or {}).get("village")
        extras = FormSession(form, doc, lang=self.lang, villages=[village] if village else []).sheet_extras()
        return extras if extras["answers"] or extras["members"] else None


def validate_household(ws: Workspace, uuid: str, lang: str | None = None) -> dict[str, Any]:
    """A stored household checked against its own form version: errors and warnings, by question."""
    session, status, _ = open_session(ws, uuid, lang=lang)
    def described(entries: list) -> list[dict[str, Any]]:
        return [{"section": s, "member": m, "question": q, "message": session.state(q, m).message}
                for s, m, q in entries]
    return {"uuid": uuid, "form": {"id": session.form.form_id, "version": session.form.version},
            "status": status, "complete": session.is_complete(), "errors": described(session.errors()),
            "warnings": described(session.warnings())}


# --- fields in words: the form's own labels ------------------------------------------------------------------

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
        if isinstance(value, (int, float)) and "thousands-sep" in (getattr(item, "appearance", "") or "").split():
            return format_money(value, self.lang)   # an amount: "12.000.000 đ", as the questionnaire shows it
        return listed.get(str(value), str(value))


_LOCATION = {"village": {"vi": "Thôn", "en": "Village"}, "commune_code": {"vi": "Mã xã", "en": "Commune code"},
             "province_code": {"vi": "Mã tỉnh", "en": "Province code"}}

_MEMBER = {"vi": "Thành viên", "en": "Member"}

_INTERVIEW = {"vi": "Ngày phỏng vấn", "en": "Interview date"}

_ORDER = {"vi": "Thứ tự thành viên", "en": "Order of the members"}



def _member_name(doc: dict[str, Any], mid: str) -> str:
    for i, m in enumerate(doc.get("members") or []):
        if fieldpaths.member_id(m, i) == mid:
            return str(m.get("name") or "") if isinstance(m, dict) else ""
    return ""



def field_label(path: str, docs: list[dict[str, Any]], lang: str) -> str:
    """A field named as the audit log names it, in words: 'Thành viên Lò Văn Pả: Họ và tên' (a member with no name
    yet by its id: 'Thành viên m2: Họ và tên'); the members' order as 'Thứ tự thành viên'."""
    form = next((f for f in (_Form.of(d, lang) for d in docs) if f is not None), None)
    lg = "en" if lang == "en" else "vi"
    mid, name = fieldpaths.split(path)
    if path == "interview_date":
        return _INTERVIEW[lg]
    if path == fieldpaths.ORDER:
        return _ORDER[lg]
    if path.startswith("location."):
        return _LOCATION.get(name, {}).get(lg, name)
    if path.startswith("form.") and has(f"forms.field.form_{name}", lg):   # a move to another version of the form
        return t(f"forms.field.form_{name}", lg)
    text = (form.label(name) if form and name else None) or name
    if mid is not None:
        who = next((n for n in (_member_name(d, mid) for d in docs) if n), "")
        member = f"{_MEMBER[lg]} {who or mid}"
        return f"{member}: {text}" if name else member
    return text



def is_calculated(path: str, doc: dict[str, Any]) -> bool:
    """Whether the field is a value the form calculates (a `calculate` row: `no_working_capacity` from the members'
    ability to work), not an answer anyone gives — it follows from answers the history shows, and has no label."""
    form = _Form.of(doc, "vi")
    item = form.items.get(fieldpaths.split(path)[1] or "") if form is not None else None
    return item is not None and item.type == "calculate"


def value_text(path: str, value: Any, doc: dict[str, Any], lang: str) -> str:
    """A value as the form says it (a choice's label, not its code); a whole member by its name."""
    mid, name = fieldpaths.split(path)
    if mid is not None and not name:
        return "—" if value is None else (_member_name(doc, mid) or mid)
    if path == fieldpaths.ORDER and isinstance(value, list):   # the members by name, in their order
        return ", ".join(_member_name(doc, str(m)) or str(m) for m in value)
    form = _Form.of(doc, lang)
    if form is None:
        return "—" if value is None else str(value)
    return form.value(name, value)



def answer_labels(doc: dict, lang: str = "vi") -> dict[str, str]:
    """Question name → label, and "list.choice" → choice label, in the form the household was filled with (for
    the list's detail pane and the panel's "still missing" line)."""
    form = form_for_document(doc)
    key = (form.form_id, form.version, lang)
    if key not in _LABELS:
        labels = {name: item.label(lang, form.default_language) or name for name, item in form.by_name.items()}
        for list_name, choices in form.choices.items():
            for c in choices:
                labels[f"{list_name}.{c.name}"] = c.label(lang, form.default_language)
        _LABELS[key] = labels
    return _LABELS[key]



_LABELS: dict[tuple, dict[str, str]] = {}


# --- the questionnaire in the app ------------------------------------------------------------------------------

def open_form(ws: Workspace, uuid: str | None = None, village: str | None = None, lang: str = "vi"):
    """(session, status, owner) for a stored household, or for a new one (not stored until the first answer,
    owned by whoever works on this installation)."""
    session, status, owner = open_session(ws, uuid, village, lang)
    return session, status, (current_user(ws) if uuid is None else owner)



def save_form(ws: Workspace, session: FormSession, owner: str | None, reason: str | None = None) -> str:
    """Autosave: store the document as it stands (one transaction, with its class, revision and audit rows). A
    draft becomes complete when nothing required is missing, and a complete household that loses an answer goes
    back to draft; other statuses stay (fieldsurvey.domain.lifecycle). An approved household needs a reason
    (storage refuses the change without one). Returns the status now."""
    return ws.save_form(session.to_document(), session.is_complete(), owner=owner, reason=reason,
                        user=current_user(ws))


# --- a member removed, and put back -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RemovedMember:
    """A member removed from a household, as the audit log keeps it: where it stood and its answers."""
    uuid: str
    member_id: str
    position: int
    answers: dict[str, Any]
    audit_id: int       # the audit entry of its removal

    @property
    def name(self) -> str:
        return str(self.answers.get("name") or "")


def last_removed_member(ws: Workspace, uuid: str) -> RemovedMember | None:
    """The member removed last from the household and not put back since (None: none), read from the audit log —
    the workspace keeps every removal, so it can be undone after the app was closed."""
    doc = ws.get_household(uuid)
    if doc is None:
        raise WorkspaceError("forms.error.no_household", uuid)
    present = {fieldpaths.member_id(m, i) for i, m in enumerate(doc.get("members") or [])}
    rows = ws.db.execute("SELECT id, field FROM audit WHERE uuid = ? AND field LIKE 'members[%]' AND old IS NOT NULL "
                         "AND new IS NULL ORDER BY id DESC", [uuid]).fetchall()
    for audit_id, field in rows:
        mid, name = fieldpaths.split(field)
        if name or mid is None or mid in present:
            continue
        before = audit.document_as_of(ws.db, uuid, audit_id - 1) or {}
        members = before.get("members") or []
        for position, member in enumerate(members):
            if fieldpaths.member_id(member, position) == mid:
                return RemovedMember(uuid, mid, position, dict(member), audit_id)
        return None
    return None


def classify_form(ws_standard_id: str, session):
    """The live classification of the household as it is being filled."""
    return assess_document(session.to_document(), standard_id=ws_standard_id)

