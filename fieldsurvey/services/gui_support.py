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
        raise WorkspaceError(f"no commune with code '{spec.commune_code}' in the reference data", "commune")
    villages = tuple(dict.fromkeys(v.strip() for v in spec.villages if v.strip()))
    if not villages:
        raise WorkspaceError("add at least one village (thôn, tổ dân phố)", "villages")
    if not spec.enumerator.strip():
        raise WorkspaceError("the enumerator's name is required", "enumerator")
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
from fieldsurvey.storage.queries import CLASSES, SORTS, STATUSES, HouseholdFilter, HouseholdRow  # noqa: E402,F401


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
    return HouseholdDetail(uuid, doc, state["status"], state["owner"], result, to_do)


# --- the dashboard ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    villages: list[tuple[str, dict[str, int]]]           # village → class → households
    village_status: dict[str, dict[str, int]]            # village → status → households
    enumerators: list[tuple[str, dict[str, int]]]        # owner → status → households
    indicators: list[tuple[str, str, str, int, int]]     # id, name vi, name en, deprived households, known
    classified: int
    alkire_foster: object                                 # fieldsurvey.domain.alkire_foster.AlkireFoster
    af_k: float


def dashboard(ws: Workspace, k: float = 1 / 3):
    """A job (yields Progress) that gathers the dashboard's figures: households per village and class (and
    status), per enumerator and status, deprivations per indicator, and the Alkire–Foster figures as analysis."""
    from fieldsurvey.domain.alkire_foster import alkire_foster, equal_nested_weights
    from fieldsurvey.progress import Progress

    standard = registry().get(ws.info.standard_id)
    villages: dict[str, dict[str, int]] = {v: {} for v in ws.villages()}
    for village, classes in queries.counts_by_village_class(ws.db).items():
        villages.setdefault(village, {}).update(classes)
    people = queries.progress_by_owner(ws.db)
    from fieldsurvey.storage.gui_queries import progress_by_village

    village_status = progress_by_village(ws.db)
    ids = [i.id for i in standard.indicators]
    deprived = dict.fromkeys(ids, 0)
    known = dict.fromkeys(ids, 0)
    rows: list[dict[str, bool | None]] = []
    total = ws.household_count()
    done = 0
    yield Progress(0, total, "Dashboard")
    for c in queries.classification_summaries(ws.db):
        dep, unk = set(c.get("deprived", ())), set(c.get("unknown", ()))
        flags = {}
        for i in ids:
            if i in unk:
                flags[i] = None
            else:
                known[i] += 1
                flags[i] = i in dep
                deprived[i] += i in dep
        rows.append(flags)
        done += 1
        if done % 5000 == 0:
            yield Progress(done, total, "Dashboard")
    weights = equal_nested_weights([(i.id, i.dimension) for i in standard.indicators])
    af = alkire_foster(rows, weights, k)
    yield Progress(total, total, "Dashboard")
    return Dashboard(list(villages.items()), village_status, list(people.items()),
                     [(i.id, i.name_vi, i.name_en, deprived[i.id], known[i.id]) for i in standard.indicators],
                     len(rows), af, k)


def classify_workspace(path: Path):
    """Re-classify every household of the workspace file (a job with its own connection, for a worker thread)."""
    from fieldsurvey.services.workspaces import classify_all

    ws = Workspace.open(path)
    try:
        return (yield from classify_all(ws))
    finally:
        ws.close()


def dashboard_for(path: Path, k: float = 1 / 3):
    """`dashboard` with its own connection, for a worker thread."""
    ws = Workspace.open(path)
    try:
        return (yield from dashboard(ws, k))
    finally:
        ws.close()


# --- the questionnaire ----------------------------------------------------------------------------------------------
# The form engine (issue 7) is to generate the questionnaire from forms/. Until its session API lands, the desktop
# app fills households through this small built-in form: the answers of docs/household-document.md that the
# classification reads, in sections, with the member roster as a repeat. It keeps the session shape the GUI needs
# (sections, question states, set_answer, roster add/remove/move, to_document) so the engine's session can take
# its place without touching the views.

BUILTIN_FORM_ID = "fieldsurvey-builtin"
BUILTIN_FORM_VERSION = "2026.1"
YES_NO = ("yes", "no")


@dataclass(frozen=True, slots=True)
class Question:
    name: str
    type: str                          # text | integer | decimal | date | select_one | select_multiple
    choices: str | None = None         # choice list name
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    warn_above: float | None = None    # a soft warning: can be true, worth a second look


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    questions: tuple[Question, ...]
    repeat: bool = False


Q = Question
SECTIONS: tuple[Section, ...] = (
    Section("identification", (Q("village", "select_one", "village", required=True), Q("address", "text"),
                               Q("phone", "text"), Q("interview_date", "date", required=True),
                               Q("livelihood_agriculture", "select_one", "yes_no", required=True))),
    Section("members", (
        Q("name", "text", required=True), Q("sex", "select_one", "sex", required=True),
        Q("birth_year", "integer", required=True, minimum=1900, maximum=2030), Q("birth_date", "date"),
        Q("relationship", "select_one", "relationship", required=True), Q("ethnicity", "text"),
        Q("id_number", "text"), Q("health_insurance", "select_one", "yes_no", required=True),
        Q("attending_school", "select_one", "yes_no", required=True), Q("school_level", "select_one", "school_level"),
        Q("education", "select_one", "education", required=True),
        Q("vocational_certificate", "select_one", "yes_no"),
        Q("employment", "select_one", "employment", required=True),
        Q("able_to_work", "select_one", "yes_no"), Q("disability", "select_one", "yes_no"),
        Q("monthly_social_allowance", "select_one", "yes_no"),
        Q("stunted_or_underweight", "select_one", "yes_no"), Q("internet_use", "select_one", "yes_no", required=True),
    ), repeat=True),
    Section("income", (Q("income_route", "select_one", "income_route", required=True),
                       Q("income_wages", "integer", minimum=0, warn_above=2_000_000_000),
                       Q("income_agriculture", "integer", minimum=0, warn_above=2_000_000_000),
                       Q("income_business", "integer", minimum=0, warn_above=2_000_000_000),
                       Q("income_other", "integer", minimum=0, warn_above=2_000_000_000),
                       Q("production_costs", "integer", minimum=0), Q("social_allowances", "integer", minimum=0),
                       Q("b1_score_manual", "integer", minimum=0, maximum=1000))),
    Section("housing", (Q("has_house", "select_one", "yes_no", required=True),
                        Q("wall_durable", "select_one", "yes_no"), Q("column_durable", "select_one", "yes_no"),
                        Q("roof_durable", "select_one", "yes_no"),
                        Q("floor_area", "decimal", minimum=0.1, maximum=2000))),
    Section("water", (Q("water_source", "select_one", "water_source", required=True),
                      Q("latrine", "select_one", "latrine", required=True))),
    Section("information", (Q("info_devices", "select_multiple", "info_devices"),)),
    Section("other", (Q("merit_revolution", "select_one", "yes_no"), Q("notes", "text"))),
)
CHOICES: dict[str, tuple[str, ...]] = {
    "yes_no": YES_NO,
    "sex": ("male", "female"),
    "relationship": ("head", "spouse", "child", "parent", "grandchild", "sibling", "other"),
    "school_level": ("preschool", "primary", "lower_secondary", "upper_secondary", "vocational", "college",
                     "university"),
    "education": ("none", "primary", "lower_secondary", "upper_secondary", "vocational", "college", "university"),
    "employment": ("wage_contract", "wage_no_contract", "self_employed", "unemployed", "student", "homemaker",
                   "retired", "not_working"),
    "income_route": ("direct", "b1_manual"),
    "water_source": ("piped", "drilled_well", "protected_dug_well", "protected_spring", "rain_water", "bottled",
                     "unprotected_well", "unprotected_spring", "surface_water", "other"),
    "latrine": ("septic", "semi_septic", "pour_flush", "double_vault", "ventilated_pit", "pit_no_slab", "open",
                "none", "other"),
    "info_devices": ("tv", "radio", "computer", "phone"),
}
# When a question is asked (the rest are hidden and their answers do not count).
_HOUSING_PARTS = ("wall_durable", "column_durable", "roof_durable", "floor_area")
_DIRECT = ("income_wages", "income_agriculture", "income_business", "income_other", "production_costs",
           "social_allowances")


@dataclass(frozen=True, slots=True)
class QuestionState:
    question: Question
    value: object
    relevant: bool
    status: str        # ok | empty | required | error | warning
    message: str = ""  # a catalogue key for the GUI to show ("" when ok)


def _empty(value: object) -> bool:
    return value is None or value == ""


class BuiltinFormSession:
    """One household being filled: answers in, question states and the household document out."""

    def __init__(self, document: dict, villages: list[str]):
        self.document = document
        self.villages = villages
        self.document.setdefault("household", {})
        self.document.setdefault("members", [])

    # --- structure ---------------------------------------------------------------------------------------------------

    sections = SECTIONS

    def choices(self, list_name: str) -> tuple[str, ...]:
        return tuple(self.villages) if list_name == "village" else CHOICES[list_name]

    # --- answers -----------------------------------------------------------------------------------------------------

    def value(self, name: str, member: int | None = None) -> object:
        if member is not None:
            return self.document["members"][member].get(name)
        if name == "village":
            return (self.document.get("location") or {}).get("village")
        if name == "interview_date":
            return self.document.get("interview_date")
        return self.document["household"].get(name)

    def set_answer(self, name: str, value: object, member: int | None = None) -> None:
        if isinstance(value, str):
            import unicodedata

            value = unicodedata.normalize("NFC", value.strip())
        target: dict
        if member is not None:
            target = self.document["members"][member]
        elif name == "village":
            target = self.document.setdefault("location", {})
        elif name == "interview_date":
            target = self.document
        else:
            target = self.document["household"]
        if value is None or value == "":  # an empty list stays: "none of these" is an answer
            target.pop(name, None)
        else:
            target[name] = value

    # --- the roster ------------------------------------------------------------------------------------------------

    def members(self) -> list[dict]:
        return self.document["members"]

    def add_member(self) -> int:
        import uuid as uuidlib

        used = {m.get("member_id") for m in self.members()}
        n = len(self.members()) + 1
        while f"m{n}" in used:
            n += 1
        member = {"member_id": f"m{n}"}
        if not self.members():
            member["relationship"] = "head"
        member.setdefault("member_uuid", str(uuidlib.uuid4()))
        self.members().append(member)
        return len(self.members()) - 1

    def remove_member(self, index: int) -> None:
        del self.members()[index]

    def move_member(self, index: int, to: int) -> None:
        ms = self.members()
        if 0 <= index < len(ms) and 0 <= to < len(ms):
            ms.insert(to, ms.pop(index))

    # --- validation ------------------------------------------------------------------------------------------------

    def _relevant(self, q: Question, member: int | None) -> bool:
        if member is not None:
            m = self.members()[member]
            if q.name == "school_level":
                return m.get("attending_school") == "yes"
            return True
        route = self.document["household"].get("income_route")
        if q.name in _DIRECT:
            return route != "b1_manual"
        if q.name == "b1_score_manual":
            return route == "b1_manual"
        if q.name in _HOUSING_PARTS:
            return self.document["household"].get("has_house") != "no"
        return True

    def state(self, q: Question, member: int | None = None) -> QuestionState:
        value = self.value(q.name, member)
        relevant = self._relevant(q, member)
        if not relevant:
            return QuestionState(q, value, False, "ok")
        if _empty(value):
            if q.name == "birth_year" and member is not None and self.members()[member].get("birth_date"):
                return QuestionState(q, value, True, "empty")  # the full date of birth is enough
            return QuestionState(q, value, True, "required" if q.required else "empty",
                                 "gui.form.required" if q.required else "")
        if q.type in ("integer", "decimal"):
            try:
                x = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return QuestionState(q, value, True, "error", "gui.form.not_a_number")
            if (q.minimum is not None and x < q.minimum) or (q.maximum is not None and x > q.maximum):
                return QuestionState(q, value, True, "error", "gui.form.out_of_range")
            if q.warn_above is not None and x > q.warn_above:
                return QuestionState(q, value, True, "warning", "gui.form.check_large")
            if q.name == "birth_year" and self.document.get("interview_date"):
                if x > int(str(self.document["interview_date"])[:4]):
                    return QuestionState(q, value, True, "error", "gui.form.born_after_interview")
        if q.type == "date":
            from datetime import date

            try:
                date.fromisoformat(str(value))
            except ValueError:
                return QuestionState(q, value, True, "error", "gui.form.bad_date")
        if q.type == "select_one" and value not in self.choices(q.choices or ""):
            return QuestionState(q, value, True, "error", "gui.form.not_a_choice")
        if q.name == "relationship" and value == "head":
            heads = sum(1 for m in self.members() if m.get("relationship") == "head")
            if heads > 1:
                return QuestionState(q, value, True, "error", "gui.form.two_heads")
        return QuestionState(q, value, True, "ok")

    def section_states(self, section: Section, member: int | None = None) -> list[QuestionState]:
        return [self.state(q, member) for q in section.questions]

    def section_progress(self, section: Section) -> tuple[int, int, int]:
        """(answered, relevant questions, errors) — over every member for the roster."""
        if section.repeat:
            states = [s for i in range(len(self.members())) for s in self.section_states(section, i)]
            extra_error = 0 if any(m.get("relationship") == "head" for m in self.members()) else 1
        else:
            states, extra_error = self.section_states(section), 0
        relevant = [s for s in states if s.relevant]
        answered = sum(1 for s in relevant if not _empty(s.value))
        errors = sum(1 for s in relevant if s.status in ("required", "error")) + extra_error
        return answered, len(relevant), errors

    def errors(self) -> list[tuple[str, int | None, str]]:
        """(section id, member index or None, question name) of every hard error and empty required answer."""
        out = []
        for section in self.sections:
            for member in (range(len(self.members())) if section.repeat else [None]):
                out += [(section.id, member, s.question.name) for s in self.section_states(section, member)
                        if s.relevant and s.status in ("required", "error")]
        return out

    def is_complete(self) -> bool:
        return bool(self.members()) and not self.errors()

    def to_document(self) -> dict:
        """The household document with only relevant answers (a hidden question's answer does not count)."""
        import copy

        doc = copy.deepcopy(self.document)
        for section in self.sections:
            for member in (range(len(self.members())) if section.repeat else [None]):
                for q in section.questions:
                    if not self._relevant(q, member):
                        target = doc["members"][member] if member is not None else doc["household"]
                        target.pop(q.name, None)
        for m in doc["members"]:
            if isinstance(m.get("birth_year"), str) and m["birth_year"].isdigit():
                m["birth_year"] = int(m["birth_year"])
        for name in _DIRECT + ("b1_score_manual",):
            v = doc["household"].get(name)
            if isinstance(v, str):
                try:
                    doc["household"][name] = int(v)
                except ValueError:
                    pass
        if isinstance(doc["household"].get("floor_area"), str):
            try:
                doc["household"]["floor_area"] = float(doc["household"]["floor_area"].replace(",", "."))
            except ValueError:
                pass
        return doc


def new_household_document(ws: Workspace, village: str | None = None) -> dict:
    """A fresh household document for this workspace's commune and round."""
    import uuid as uuidlib

    info = ws.info
    return {"document": "fieldsurvey/household", "document_version": 1, "uuid": str(uuidlib.uuid4()),
            "form": {"id": BUILTIN_FORM_ID, "version": BUILTIN_FORM_VERSION},
            "review": {"year": info.review_year, "kind": info.review_kind},
            "location": {"province_code": info.province_code, "commune_code": info.commune_code,
                         "commune_name": info.commune_name, "area": info.area,
                         **({"village": village} if village else {})},
            "interview_date": None, "household": {}, "members": []}


def open_form(ws: Workspace, uuid: str | None = None, village: str | None = None) -> tuple[BuiltinFormSession, str,
                                                                                          str | None]:
    """(session, status, owner) for a stored household, or for a new one (not stored until the first answer)."""
    if uuid is None:
        return BuiltinFormSession(new_household_document(ws, village), ws.villages()), "draft", current_user(ws)
    state = ws.household_state(uuid)  # a WorkspaceError when there is no such household
    doc = ws.get_household(uuid)
    if doc.get("interview_date") is None:
        doc.pop("interview_date", None)
    return BuiltinFormSession(doc, ws.villages()), state["status"], state["owner"]


def save_form(ws: Workspace, session: BuiltinFormSession, status: str, owner: str | None,
              reason: str | None = None) -> str:
    """Autosave: store the document as it stands (one transaction, with its revision and audit rows). A draft
    becomes complete when nothing required is missing, and a complete household that loses an answer goes back to
    draft; other statuses stay. An approved household needs a reason (storage refuses the change without one)."""
    if status in ("draft", "complete"):
        status = "complete" if session.is_complete() else "draft"
    ws.save_household(session.to_document(), status=status, owner=owner, reason=reason, user=current_user(ws))
    return status


def needs_reason(status: str) -> bool:
    """A change to an approved household is audited with a reason."""
    return status == "approved"


def classify_form(ws_standard_id: str, session: BuiltinFormSession):
    """The live classification of the household as it is being filled."""
    from fieldsurvey.services.assessment import assess_document

    return assess_document(session.to_document(), standard_id=ws_standard_id)
