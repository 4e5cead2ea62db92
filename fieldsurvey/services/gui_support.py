"""Thin, Qt-free use cases the desktop app needs that compose what the domain and storage already offer.

Everything here is plain Python so it can be tested and benchmarked without a window; the GUI (fieldsurvey.gui)
holds no SQL and no rule and calls these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from fieldsurvey.domain import refdata
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.services.assessment import registry
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo


# --- first run ----------------------------------------------------------------------------------------------------

def province_choices() -> list[tuple[str, str]]:
    """(code, name) of the 34 provinces, in the official order."""
    return [(p.code, p.name) for p in refdata.provinces()]


def commune_choices(text: str, province_code: str | None = None, limit: int = 50) -> list[refdata.Commune]:
    """Communes matching what was typed (diacritics optional), within a province when one is picked."""
    if province_code:
        found = refdata.search_communes(text, limit=10_000)
        return [c for c in found if c.province_code == province_code][:limit]
    return refdata.search_communes(text, limit=limit)


@dataclass(frozen=True)
class NewWorkspace:
    path: Path
    commune_code: str
    villages: tuple[str, ...]
    enumerator: str
    year: int = 2026
    kind: str = "annual"


def create_workspace(spec: NewWorkspace) -> Path:
    """Make a workspace for one commune and review round; the standard follows the year. Records the enumerator
    and makes this installation's identity for sync (device id and keys, in FILE.keys beside the workspace)."""
    unit = refdata.commune(spec.commune_code)
    if unit is None:
        raise WorkspaceError("storage.error.no_commune", "commune", code=spec.commune_code)
    villages = tuple(dict.fromkeys(v.strip() for v in spec.villages if v.strip()))
    if not villages:
        raise WorkspaceError("gui.error.no_village", "villages")
    if not spec.enumerator.strip():
        raise WorkspaceError("gui.error.no_enumerator", "enumerator")
    standard = registry().for_year(spec.year, unit.province_code)
    info = WorkspaceInfo(unit.province_code, unit.province_name, unit.code, unit.name, unit.area.value, spec.year,
                         spec.kind, standard.id)
    user = user_id(spec.enumerator)
    Path(spec.path).parent.mkdir(parents=True, exist_ok=True)  # the default folder (~/FieldSurvey) on first run
    ws = Workspace.create(spec.path, info, villages)
    try:
        ws.set_meta("enumerator", spec.enumerator.strip())
        ws.set_meta("enumerator_id", user)
    finally:
        ws.close()
    from fieldsurvey.services.sync import init_workspace

    init_workspace(Path(spec.path), user, "enumerator")
    return Path(spec.path)


def user_id(name: str) -> str:
    """The plain id sync uses for a person ("Hoàng Thị Hoa" → "hoang-thi-hoa"): households are owned by it."""
    from fieldsurvey.i18n import fold

    slug = "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in fold(name)).split())
    return slug[:64] or "enumerator"


def current_user(ws: Workspace) -> str | None:
    """Who is filling households on this installation: the owner of new households (None when unknown)."""
    user = ws.user
    return None if user == "unknown" else user


# --- sync from the app ----------------------------------------------------------------------------------------------

def export_job(path: Path, out: Path, full: bool = False):
    """The enumerator's hand-in bundle as a job (one step), so the app runs it off the main thread."""
    from fieldsurvey.progress import Progress
    from fieldsurvey.services.sync import export_bundle

    yield Progress(0, 1, "export")
    result = export_bundle(Path(path), Path(out), full=full)
    yield Progress(1, 1, "export")
    return result


def check_job(path: Path):
    """Open and close a workspace once, so storage's integrity check (once per file and process) runs here — on a
    worker thread — and the app's own opening afterwards is instant. Raises the WorkspaceError that says why a
    file is refused."""
    from fieldsurvey.progress import Progress

    yield Progress(0, 1, "check")
    Workspace.open(Path(path)).close()
    yield Progress(1, 1, "check")
    return Path(path)


def workspace_title(ws: Workspace) -> str:
    info = ws.info
    return f"{info.commune_name}, {info.province_name} — {info.review_year}"


def villages_of(ws: Workspace) -> list[str]:
    return ws.villages()


def add_villages(ws: Workspace, names: Iterable[str]) -> None:
    for name in names:
        if name.strip():
            ws.add_village(name.strip())


# --- the household list -------------------------------------------------------------------------------------------
# The list's queries are storage's (fieldsurvey/storage/queries.py: a covering index, pages by key); these pass the
# open workspace's connection.

from fieldsurvey.storage import queries  # noqa: E402
from fieldsurvey.storage.queries import CLASSES, SORTS, HouseholdFilter, HouseholdRow  # noqa: E402,F401
from fieldsurvey.domain.lifecycle import (FINISHED, IN_PROGRESS, HouseholdStatus,  # noqa: E402,F401
                                          WAITING_FOR_REVIEW, after_edit)

STATUSES = tuple(HouseholdStatus)


def household_count(ws: Workspace, f: HouseholdFilter = HouseholdFilter()) -> int:
    return queries.household_count(ws.db, f)


def household_page(ws: Workspace, f: HouseholdFilter = HouseholdFilter(), sort: str = "village",
                   descending: bool = False, offset: int = 0, limit: int = 200) -> list[HouseholdRow]:
    """One page of the filtered, sorted list (ties broken by name, then id, so pages never overlap)."""
    return queries.household_page(ws.db, f, sort, descending, offset, limit)


def owners(ws: Workspace) -> list[str]:
    return queries.owners(ws.db)


def class_counts(ws: Workspace, village: str | None = None) -> dict[str, int]:
    """class → households, in the commune or one village (for the list's counts line)."""
    out: dict[str, int] = {}
    for v, classes in queries.counts_by_village_class(ws.db).items():
        if village is None or v == village:
            for cls, n in classes.items():
                out[cls] = out.get(cls, 0) + n
    return out


# --- one household ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HouseholdDetail:
    uuid: str
    document: dict
    status: str
    owner: str | None
    classification: object  # fieldsurvey.domain.classification.Classification
    to_do: tuple[tuple[str, str, str], ...] = ()  # (action, comment, by whom): the supervisor's returns, reassignments


def household_detail(ws: Workspace, uuid: str) -> HouseholdDetail:
    """The stored document with its classification, recomputed with the workspace's standard (reasons included),
    and what the supervisor asked of it (a return with its comment) when that is still to do."""
    from fieldsurvey.services.assessment import assess_document
    from fieldsurvey.storage import sync_store

    doc = ws.get_household(uuid)
    state = ws.household_state(uuid)
    result = assess_document(doc, standard_id=ws.info.standard_id)
    to_do = tuple((t["action"], t.get("comment") or "", t.get("by_user") or "") for t in sync_store.todo(ws.db)
                  if t["uuid"] == uuid)
    return HouseholdDetail(uuid, doc, state.status, state.owner, result, to_do)


# --- the dashboard ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    figures: object                                       # fieldsurvey.domain.figures.CommuneFigures (the one count)
    enumerators: list[tuple[str, dict[str, int]]]        # owner → status → households
    af_k: float


def dashboard(ws: Workspace, official: bool = False):
    """A job (yields Progress) that gathers the dashboard's figures: the commune's count (the same as every printed
    table's), and the progress of each enumerator by status."""
    from fieldsurvey.domain.figures import AF_K, Scope
    from fieldsurvey.services.figures import commune_figures

    figures = yield from commune_figures(ws, Scope.OFFICIAL if official else Scope.WORKING)
    return Dashboard(figures, list(queries.progress_by_owner(ws.db).items()), AF_K)


def classify_workspace(path: Path):
    """Re-classify every household of the workspace file (a job with its own connection, for a worker thread)."""
    from fieldsurvey.services.workspaces import classify_all

    ws = Workspace.open(path)
    try:
        return (yield from classify_all(ws))
    finally:
        ws.close()


def dashboard_for(path: Path, official: bool = False):
    """`dashboard` with its own connection, for a worker thread."""
    ws = Workspace.open(path)
    try:
        return (yield from dashboard(ws, official))
    finally:
        ws.close()


# --- the questionnaire ----------------------------------------------------------------------------------------------
# The questionnaire is generated from the form (forms/, fieldsurvey.formengine): the view shows a FormSession's
# sections, question states and roster; the session turns the answers into the household document. Which form a
# household is filled with is the forms service's call (services/forms.py: its own version, else the year's form).

def open_form(ws: Workspace, uuid: str | None = None, village: str | None = None, lang: str = "vi"):
    """(session, status, owner) for a stored household, or for a new one (not stored until the first answer,
    owned by whoever works on this installation)."""
    from fieldsurvey.services.forms import open_session

    session, status, owner = open_session(ws, uuid, village, lang)
    return session, status, (current_user(ws) if uuid is None else owner)


def answer_labels(doc: dict, lang: str = "vi") -> dict[str, str]:
    """Question name → label, and "list.choice" → choice label, in the form the household was filled with (for
    the list's detail pane and the panel's "still missing" line)."""
    from fieldsurvey.services.forms import form_for_document

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


def save_form(ws: Workspace, session, status: str, owner: str | None,
              reason: str | None = None) -> str:
    """Autosave: store the document as it stands (one transaction, with its revision and audit rows). A draft
    becomes complete when nothing required is missing, and a complete household that loses an answer goes back to
    draft; other statuses stay. An approved household needs a reason (storage refuses the change without one)."""
    status = after_edit(status, session.is_complete())
    ws.save_household(session.to_document(), status=status, owner=owner, reason=reason, user=current_user(ws))
    return status


def needs_reason(status: str) -> bool:
    """A change to an approved household is audited with a reason."""
    return status == HouseholdStatus.APPROVED


def classify_form(ws_standard_id: str, session):
    """The live classification of the household as it is being filled."""
    from fieldsurvey.services.assessment import assess_document

    return assess_document(session.to_document(), standard_id=ws_standard_id)
