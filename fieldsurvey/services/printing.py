"""Printing and reporting use cases: read a workspace through its public methods, classify every household with the
workspace's standard (from the documents, so a printout always matches the rules), and hand the records to
fieldsurvey.reports. Qt-free; every function that prints is a job (a generator yielding Progress) so the GUI can
show a bar and cancel, and writes to the caller's path or binary buffer only when the document is complete.

    job = print_sheets(ws, "sheets.pdf", village="Thôn 1")    # ws: an open Workspace or a path
    pages = run_to_end(job)                                     # or drive it with a progress dialog

A record's status is the workspace's (Workspace.household_state): `moved_away` households are left out of this
year's lists, certificates and counts and counted as moved away in the movement tables.

Every official document is printed from its template (fieldsurvey.reports.templates: the bundled one, or a
province's own file given as `template`). A draft (the default) carries "BẢN NHÁP" and the notes on provisional
rules and is made from every household; the official copy (`official=True`) carries neither, is made only from
the households `official_records` keeps (approved ones), and is recorded in the workspace's register of issued
documents (storage/issued.py) with its number — a certificate number is never given twice.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Iterator, Sequence

from fieldsurvey.domain.assessed import with_area
from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.figures import CommuneFigures, Scope
from fieldsurvey.domain.standards import Standard
from fieldsurvey import files
from fieldsurvey.errors import TemplateError, WorkspaceError
from fieldsurvey.i18n import t
from fieldsurvey.progress import Job, Progress
from fieldsurvey.reports.analysis import write_analysis
from fieldsurvey.reports.base import ReportContext
from fieldsurvey.reports.documents import (certificate_data, certified, decision_data, household_form_data, Inputs,
                                           Memo, minutes_data, posting_data, read_inputs, report_data, request_data,
                                           requesting)
from fieldsurvey.reports.records import HouseholdRecord, Previous
from fieldsurvey.reports.render import TemplateRenderer
from fieldsurvey.reports.sheets import Layout, write_sheets
from fieldsurvey.reports.templates import load_template, read_template
from fieldsurvey.services import forms
from fieldsurvey.services.exports import write_workbook
from fieldsurvey.services.figures import commune_figures
from fieldsurvey.services.villages import match_village
from fieldsurvey.storage import issued
from fieldsurvey.storage.stamps import now_iso
from fieldsurvey.storage.workspace import Workspace

Source = Workspace | Path | str
Output = IO[bytes] | Path | str


@contextmanager
def _opened(source: Source, writable: bool = False) -> Iterator[Workspace]:
    """The workspace to print from; `writable` when the printing records what it issues (an official copy)."""
    if isinstance(source, Workspace):
        if writable and source.read_only:
            raise source.refusal()
        yield source
        return
    ws = Workspace.open(source)   # upgrades a file made by an older version; read-only if another one has it open
    ws.backups = False            # printing changes no household: no backup on close
    try:
        if writable and ws.read_only:
            raise ws.refusal()
        yield ws
    finally:
        ws.close()


@contextmanager
def _target(out: Output) -> Iterator[IO[bytes] | str]:
    """Where a document is written: a binary buffer as given; for a path, a temporary file on this computer, copied
    to the path only when the document is complete, through fieldsurvey.files (a hidden name beside it, synced,
    renamed): a cancelled or failed job leaves nothing under the real name and nothing beside it, and a full or
    write-protected stick ends in a WriteError saying so."""
    if not isinstance(out, (str, Path)):
        yield out
        return
    path = Path(out)
    if path.is_dir():
        raise WorkspaceError("report.error.output_is_folder", str(path))
    if not path.parent.is_dir():
        raise WorkspaceError("report.error.no_output_folder", str(path.parent))
    with tempfile.TemporaryFile() as built:   # nameless where the system allows it: nothing stays if killed
        yield built
        files.copy_from(built, path)


def report_context(ws: Workspace, lang: str = "vi", printed_at: datetime | None = None, official: bool = False,
                   issued_on: date | None = None) -> ReportContext:
    """Commune, review round, standard, the printed-at time, and for an official copy the date written on it
    (today unless given)."""
    info = ws.info
    printed_at = printed_at or datetime.now().replace(microsecond=0)
    return ReportContext(commune_code=info.commune_code, commune_name=info.commune_name,
                         province_name=info.province_name, area=info.area, review_year=info.review_year,
                         review_kind=info.review_kind, standard=ws.standard, printed_at=printed_at,
                         lang=lang, official=official,
                         issued_on=(issued_on or printed_at.date()) if official else None)


def document_inputs(inputs_file: Path | None = None, chairman: str | None = None, issued_on: date | datetime | None = None,
                    number: str | None = None) -> Inputs:
    """What a document needs beyond the workspace: the inputs file (if any), with the chairman's name, the date
    written on an official copy and its number given apart overriding it."""
    inputs = read_inputs(inputs_file) if inputs_file else Inputs()
    changes: dict[str, Any] = {}
    if chairman:
        changes["chairman"] = chairman
    if issued_on:
        changes["issued_on"] = issued_on.date() if isinstance(issued_on, datetime) else issued_on
    if number:
        changes["number"] = number
    return replace(inputs, **changes) if changes else inputs


def official_records(records: list[HouseholdRecord]) -> list[HouseholdRecord]:
    """The households an official copy is made from: those the commune's count (in the official scope: approved
    households only) counts in a class."""
    return [r for r in records if r.counted is not None]


def counted_records(ws: Workspace, ctx: ReportContext, village: str | None = None, household: str | None = None,
                    details: bool = False) -> Job[tuple[CommuneFigures, list[HouseholdRecord]]]:
    """The commune's figures (the one count: services/figures.py — approved households only for an official
    copy) and the records to print, each with the class the count gives it and its movement since last year, so
    every list, certificate and table says what the count says."""
    scope = Scope.OFFICIAL if ctx.official else Scope.WORKING
    figures = yield from commune_figures(ws, scope, details)
    records = yield from read_records(ws, village, household, ctx.standard, ctx.lang)
    return figures, [replace(r, counted=figures.classes_by_household.get(r.household.uuid),
                             move=figures.moves_by_household.get(r.household.uuid)) for r in records]


def record_of(doc: dict, standard: Standard, status: str | None = None) -> HouseholdRecord:
    """One stored document → its record (classified now, with the given standard)."""
    household = with_area(parse_household(doc, trusted=True))
    return HouseholdRecord(household, classify_household(household, standard), status,
                           Previous.of(doc.get("previous")))


def read_records(ws: Workspace, village: str | None = None, household: str | None = None,
                 standard: Standard | None = None, lang: str = "vi") -> Job[list[HouseholdRecord]]:
    """Every household (or one village's, or one household) as records, in the printing order: village as the
    workspace lists them, then the head's name. Yields progress while reading."""
    standard = standard or ws.standard
    reading = t("report.progress.reading", lang)
    order = {v: i for i, v in enumerate(ws.villages())}
    records: list[HouseholdRecord] = []
    if household:
        docs = _find_household(ws, household)
        records = [record_of(d, standard, _status(ws, d.get("uuid"))) for d in docs]
        yield Progress(1, 1, reading)
        return records
    if village:
        village = match_village(ws, village)
    total = ws.household_count()
    yield Progress(0, total, reading)
    for done, (_uuid, text) in enumerate(ws.iter_documents(), 1):
        doc = json.loads(text)
        if village is None or (doc.get("location") or {}).get("village") == village:
            records.append(record_of(doc, standard, _status(ws, _uuid)))
        if done % 500 == 0:
            yield Progress(done, total, reading)
    yield Progress(total, total, reading)
    records.sort(key=lambda r: r.sort_key(order))
    return records


def _status(ws: Workspace, uuid: str | None) -> str | None:
    try:
        return ws.household_state(uuid).status if uuid else None
    except WorkspaceError:
        return None


def _find_household(ws: Workspace, key: str) -> list[dict]:
    key = key.strip().lower()
    if len(key) == 36:
        return [ws.get_household(key)]
    found = [json.loads(text) for uuid, text in ws.iter_documents() if uuid.startswith(key)]
    if len(found) != 1:
        raise WorkspaceError("report.error.no_household" if not found else "report.error.ambiguous_id", key,
                             n=len(found))
    return found


# --- documents ---------------------------------------------------------------------------------------------------

def print_sheets(source: Source, out: Output, village: str | None = None, household: str | None = None,
                 lang: str = "vi", printed_at: datetime | None = None, *, official: bool = False,
                 template: "TemplateFiles" = None, inputs: Inputs | None = None) -> Job[int]:
    """The households' forms for signature (Phiếu B pre-filled: members, B1 labelled for what it is, B2 with the
    points of each indicator and the total, the class) — one household, a village or the whole commune — into one
    PDF. A draft's pages say "Trang X/Y" across the batch. Returns the number of pages."""
    tpl = _templates(("household_form",), template)["household_form"]
    inputs = inputs or Inputs()
    with _opened(source, writable=official) as ws:
        ctx = report_context(ws, lang, printed_at, official, inputs.issued_on)
        _, records = yield from counted_records(ws, ctx, village, household)
        if not household:  # a household that left the commune gets no form unless asked for by its id
            records = [r for r in records if not r.moved_away]
        if official:
            records = _approved(ws, records, ctx, "household_form")
        memo = Memo(ctx)
        layout = Layout(tpl, ctx)
        extras = forms.SheetExtras(lang)   # rank answers, repeats inside the roster: the form engine's view of them
        sheets = (layout.sheet(household_form_data(
            r, ctx, inputs, memo, extras.of(r.household.form_id, r.household.form_version, r.household.to_dict)))
            for r in records)
        with _target(out) as target:
            pages = yield from write_sheets(sheets, len(records), ctx, target, tpl.title.get(lang))
            if official:
                batch = _batch(ctx)
                _record(ws, [_register_row(ws, ctx, "household_form", tpl.id, batch, uuid=r.household.uuid,
                                           village=r.village, household_class=(r.counted or r.cls).value) for r in records], out)
    return pages


TemplateFiles = Path | str | Sequence[Path | str] | None


def _templates(kinds: Sequence[str], given: TemplateFiles) -> dict:
    """The template of each kind: a province's file given for it (each file says its kind), else the bundled one."""
    paths = [given] if isinstance(given, (str, Path)) else list(given or [])
    out = {k: load_template(k) for k in kinds}
    for path in paths:
        tpl = read_template(path)
        if tpl.kind not in kinds:
            raise TemplateError("report.template.error.wrong_kind", f"{path}:1", found=tpl.kind,
                                wanted=", ".join(kinds))
        out[tpl.kind] = tpl
    return out


def _village_documents(source: Source, out: Output, kinds: Sequence[str], village: str | None, lang: str,
                       printed_at: datetime | None, official: bool, template: TemplateFiles,
                       inputs: Inputs | None) -> Job[int]:
    """Per village, one document of each kind (minutes, posting list) into one PDF."""
    build = {"minutes": minutes_data, "posting": posting_data}
    tpls = _templates(kinds, template)
    inputs = inputs or Inputs()
    with _opened(source, writable=official) as ws:
        ctx = report_context(ws, lang, printed_at, official, inputs.issued_on)
        villages = [match_village(ws, village)] if village else ws.villages()
        _, records = yield from counted_records(ws, ctx, village)
        if official:
            records = _approved(ws, records, ctx, kinds[0])
        items = [(tpls[k], build[k](v, records, ctx, inputs)) for v in villages for k in kinds]
        message = ctx.tr("report.progress.lists")
        yield Progress(0, 1, message)
        with _target(out) as target:
            pages = TemplateRenderer(ctx, tpls[kinds[0]]).write(items, target)
            if official:
                batch = _batch(ctx)
                _record(ws, [_register_row(ws, ctx, k, tpls[k].id, batch, village=v) for v in villages
                             for k in kinds], out)
        yield Progress(1, 1, message)
    return pages


def _approved(ws: Workspace, records: list[HouseholdRecord], ctx: ReportContext, kind: str) -> list[HouseholdRecord]:
    chosen = official_records(records)
    if not chosen:
        raise WorkspaceError("report.error.nothing_approved", str(ws.path), what=ctx.tr(f"report.kind.{kind}"))
    return chosen


def _batch(ctx: ReportContext) -> str:
    return f"{ctx.printed_at.isoformat()}-{os.getpid()}"


def print_lists(source: Source, out: Output, village: str | None = None, lang: str = "vi",
                printed_at: datetime | None = None, *, official: bool = False, template: TemplateFiles = None,
                inputs: Inputs | None = None) -> Job[int]:
    """Per village: the minutes of the village meeting (Circular 07/2021, Phụ lục V) with the attendance and the
    vote per household, then the list for the public posting. Returns the number of pages."""
    return (yield from _village_documents(source, out, ("minutes", "posting"), village, lang, printed_at, official,
                                          template, inputs))


def print_minutes(source: Source, out: Output, village: str | None = None, lang: str = "vi",
                  printed_at: datetime | None = None, *, official: bool = False, template: TemplateFiles = None,
                  inputs: Inputs | None = None) -> Job[int]:
    """The village meetings' minutes only."""
    return (yield from _village_documents(source, out, ("minutes",), village, lang, printed_at, official, template,
                                          inputs))


def print_posting(source: Source, out: Output, village: str | None = None, lang: str = "vi",
                  printed_at: datetime | None = None, *, official: bool = False, template: TemplateFiles = None,
                  inputs: Inputs | None = None) -> Job[int]:
    """The villages' lists for the public posting only."""
    return (yield from _village_documents(source, out, ("posting",), village, lang, printed_at, official, template,
                                          inputs))


def print_decision(source: Source, out: Output, lang: str = "vi", printed_at: datetime | None = None, *,
                   official: bool = False, template: TemplateFiles = None, inputs: Inputs | None = None) -> Job[int]:
    """The commune chairman's decision recognising the lists (Decision 24/2021, Mẫu số 02) with its four lists:
    poor, near-poor, escaped poor, escaped near-poor households, by village. Its number is the commune's (from
    `inputs.number`); printed officially again under the same number, it is recorded as a reprint."""
    tpl = _templates(("decision",), template)["decision"]
    inputs = inputs or Inputs()
    with _opened(source, writable=official) as ws:
        ctx = report_context(ws, lang, printed_at, official, inputs.issued_on)
        _, records = yield from counted_records(ws, ctx)
        if official:
            records = _approved(ws, records, ctx, "decision")
        data = decision_data(records, ctx, inputs)
        message = ctx.tr("report.progress.decision")
        yield Progress(0, 1, message)
        with _target(out) as target:
            pages = TemplateRenderer(ctx, tpl).write([(tpl, data)], target)
            if official:
                number = int(inputs.number) if inputs.number and inputs.number.isdigit() else None
                first = issued.first_of_number(ws.db, "decision", number) if number is not None else None
                _record(ws, [_register_row(ws, ctx, "decision", tpl.id, _batch(ctx), number=number,
                                           symbol=f"{inputs.number}/QĐ-UBND" if inputs.number else None,
                                           reprint_of=first["id"] if first else None)], out)
        yield Progress(1, 1, message)
    return pages


def print_certificates(source: Source, out: Output, village: str | None = None, lang: str = "vi",
                       printed_at: datetime | None = None, first_number: int | None = None, *,
                       official: bool = False, template: TemplateFiles = None, inputs: Inputs | None = None,
                       household: str | None = None) -> Job[int]:
    """Certificates (Giấy chứng nhận hộ nghèo, hộ cận nghèo; Decision 24/2021, Mẫu số 03) for every poor and
    near-poor household (or one village's, or one household's). A draft carries no number. The official copy is
    made for approved households only, each numbered: a household that already has this year's certificate gets
    its number again (a reprint), the others the next numbers never given (from `first_number` when that is
    higher) — and what was issued is recorded in the workspace. Returns the number of pages."""
    tpl = _templates(("certificate",), template)["certificate"]
    inputs = inputs or Inputs()
    with _opened(source, writable=official) as ws:
        ctx = report_context(ws, lang, printed_at, official, inputs.issued_on)
        _, records = yield from counted_records(ws, ctx, village, household)
        chosen = certified(records)
        numbers: dict[str, int] = {}
        register: list[dict] = []
        if official:
            if not chosen:
                raise WorkspaceError("report.error.nothing_approved", str(ws.path),
                                     what=ctx.tr("report.kind.certificate"))
            numbers, register = _certificate_numbers(ws, chosen, ctx, tpl.id, first_number)
        message = ctx.tr("report.progress.certificates")
        yield Progress(0, 1, message)
        with _target(out) as target:
            pages = TemplateRenderer(ctx, tpl).write(
                ((tpl, certificate_data(r, ctx, tpl, inputs, numbers.get(r.household.uuid))) for r in chosen), target)
            if register:
                _record(ws, register, out)
        yield Progress(1, 1, message)
    return pages


def print_requests(source: Source, out: Output, form: str = "review", village: str | None = None,
                   household: str | None = None, lang: str = "vi", printed_at: datetime | None = None, *,
                   official: bool = False, template: TemplateFiles = None, inputs: Inputs | None = None) -> Job[int]:
    """Household requests pre-filled for the head to sign (Decision 24/2021): `form` "review" — Mẫu số 01, for the
    new poor and near-poor households — or "escape" — Mẫu số 04, for the households escaping; with `household`,
    that household's whatever its group. Returns the number of pages."""
    if form not in ("review", "escape"):
        raise WorkspaceError("report.error.no_such_form", "--form", form=form, forms="review, escape")
    kind = f"request_{form}"
    tpl = _templates((kind,), template)[kind]
    inputs = inputs or Inputs()
    with _opened(source, writable=official) as ws:
        ctx = report_context(ws, lang, printed_at, official, inputs.issued_on)
        _, records = yield from counted_records(ws, ctx, village, household)
        if official:
            records = _approved(ws, records, ctx, kind)
        chosen = records if household else requesting(records, kind)
        message = ctx.tr("report.progress.requests")
        yield Progress(0, 1, message)
        with _target(out) as target:
            pages = TemplateRenderer(ctx, tpl).write([(tpl, request_data(r, ctx, inputs)) for r in chosen], target)
            if official:
                batch = _batch(ctx)
                _record(ws, [_register_row(ws, ctx, kind, tpl.id, batch, uuid=r.household.uuid, village=r.village,
                                           household_class=(r.counted or r.cls).value) for r in chosen], out)
        yield Progress(1, 1, message)
    return pages


def _certificate_numbers(ws: Workspace, chosen: list[HouseholdRecord], ctx: ReportContext, template_id: str,
                         first_number: int | None) -> tuple[dict[str, int], list[dict]]:
    """Each household's certificate number, and the rows that record them: this year's earlier number of a
    household again (a reprint), else the next one never given."""
    highest = issued.highest_number(ws.db, "certificate")
    if first_number is not None and first_number <= highest:
        raise WorkspaceError("report.error.number_used", "--first-number", number=first_number, highest=highest)
    earlier = issued.first_issues(ws.db, "certificate", ctx.review_year, (r.household.uuid for r in chosen))
    following = max(highest + 1, first_number or 1)
    numbers: dict[str, int] = {}
    rows = []
    batch = _batch(ctx)
    for rec in chosen:
        uuid = rec.household.uuid
        first = earlier.get(uuid)
        if first is not None:
            number = first["number"]
        else:
            number, following = following, following + 1
        numbers[uuid] = number
        rows.append(_register_row(ws, ctx, "certificate", template_id, batch, number=number,
                                  symbol=f"{number}/GCN-HN.HCN", uuid=uuid, village=rec.village,
                                  household_class=(rec.counted or rec.cls).value, reprint_of=first["id"] if first else None))
    return numbers, rows


def _register_row(ws: Workspace, ctx: ReportContext, kind: str, template_id: str, batch: str, **values) -> dict:
    row = {"kind": kind, "review_year": ctx.review_year, "issued_at": now_iso(),
           "issued_on": ctx.issued_on.isoformat() if ctx.issued_on else None, "issued_by": ws.user,
           "template": template_id, "batch": batch}
    row.update(values)
    return row


def _record(ws: Workspace, rows: list[dict], out: Output) -> None:
    """What an official printing issued, into the workspace's register, all or nothing."""
    name = Path(out).name if isinstance(out, (str, Path)) else None
    with ws.db.atomic():
        issued.record(ws.db, [dict(r, file_name=name) for r in rows])


def issued_documents(source: Source, kind: str | None = None) -> list[dict]:
    """The workspace's register of issued official documents, oldest first."""
    with _opened(source) as ws:
        return issued.issued(ws.db, kind)


def next_number(source: Source, kind: str = "certificate") -> int:
    """The number the next new document of `kind` gets when none is asked for: one above the highest the register
    ever gave (the app offers it as the first certificate number)."""
    with _opened(source) as ws:
        return issued.highest_number(ws.db, kind) + 1


def _report(source: Source, out: Output, lang: str, printed_at: datetime | None, official: bool,
            template: TemplateFiles, inputs: Inputs | None, progress_key: str, write) -> Job[int]:
    """Read every household (an official copy: the approved ones), compute the commune's figures, make the report's
    data from its template, then `write(template, data, figures, ctx, target)` — the PDF or the workbook."""
    tpl = _templates(("report",), template)["report"]
    inputs = inputs or Inputs()
    with _opened(source, writable=official) as ws:
        ctx = report_context(ws, lang, printed_at, official, inputs.issued_on)
        figures, records = yield from counted_records(ws, ctx, details=True)
        if official:
            if figures.residents_missing:       # a signed report states every rate: its denominators first
                raise WorkspaceError("report.error.no_residents", str(ws.path),
                                     villages=", ".join(figures.residents_missing))
            if figures.minority_missing:        # … the minority rates' too
                raise WorkspaceError("report.error.no_minority", str(ws.path),
                                     villages=", ".join(figures.minority_missing))
            records = _approved(ws, records, ctx, "report")
        data = report_data(figures, records, ctx, inputs)
        yield Progress(0, 1, ctx.tr(progress_key))
        with _target(out) as target:
            result = write(tpl, data, figures, ctx, target)
            if official:
                number = int(inputs.number) if inputs.number and inputs.number.isdigit() else None
                first = issued.first_of_number(ws.db, "report", number) if number is not None else None
                _record(ws, [_register_row(ws, ctx, "report", tpl.id, _batch(ctx), number=number,
                                           symbol=f"{inputs.number}/BC-UBND" if inputs.number else None,
                                           reprint_of=first["id"] if first else None)], out)
        yield Progress(1, 1, ctx.tr(progress_key))
    return result


def print_summary(source: Source, out: Output, lang: str = "vi", printed_at: datetime | None = None, *,
                  official: bool = False, template: TemplateFiles = None, inputs: Inputs | None = None) -> Job[int]:
    """The commune's report (báo cáo kết quả rà soát) with its tables from the report template: results by village
    with the ethnic-minority sub-counts, movement of poor and near-poor households, deprivations per indicator,
    groups, the lists of poor and near-poor households. Returns the number of pages."""
    def write(tpl, data, figures, ctx, target) -> int:
        return TemplateRenderer(ctx, tpl).write([(tpl, data)], target)

    return (yield from _report(source, out, lang, printed_at, official, template, inputs, "report.progress.summary",
                               write))


def print_analysis(source: Source, out: Output, lang: str = "vi", printed_at: datetime | None = None) -> Job[int]:
    """The analysis, apart from the official tables: charts of the rates and deprivations, the Alkire–Foster
    measures. Returns the number of pages."""
    with _opened(source) as ws:
        ctx = report_context(ws, lang, printed_at)
        figures, records = yield from counted_records(ws, ctx, details=True)
    yield Progress(0, 1, ctx.tr("report.progress.analysis"))
    with _target(out) as target:
        pages = write_analysis(figures, records, ctx, target)
    yield Progress(1, 1, ctx.tr("report.progress.analysis"))
    return pages


def export_xlsx(source: Source, out: Output, lang: str = "vi", printed_at: datetime | None = None, *,
                official: bool = False, template: TemplateFiles = None, inputs: Inputs | None = None) -> Job[int]:
    """The commune's report as an Excel workbook following the same template (a sheet per table, numbers as
    numbers) and the Alkire–Foster analysis. Returns the number of sheets."""
    return (yield from _report(source, out, lang, printed_at, official, template, inputs, "report.progress.excel",
                               write_workbook))
