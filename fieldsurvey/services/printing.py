"""Printing and reporting use cases: read a workspace through its public methods, classify every household with the
workspace's standard (from the documents, so a printout always matches the rules), and hand the records to
fieldsurvey.reports. Qt-free; every function that prints is a job (a generator yielding Progress) so the GUI can
show a bar and cancel, and writes to the caller's path or binary buffer only when the document is complete.

    job = print_sheets(ws, "sheets.pdf", village="Thôn 1")    # ws: an open Workspace or a path
    pages = run_to_end(job)                                     # or drive it with a progress dialog

A record's status is the workspace's (Workspace.household_state): `moved_away` households are left out of this
year's lists, certificates and counts and counted as moved away in the movement tables.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO, Iterator

from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.standards import Standard
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.i18n import fold, t
from fieldsurvey.progress import Job, Progress
from fieldsurvey.reports.base import ReportContext
from fieldsurvey.reports.records import HouseholdRecord, Previous
from fieldsurvey.domain.assessed import with_area
from fieldsurvey.domain.figures import CommuneFigures, Scope
from fieldsurvey.reports.certificates import write_certificates
from fieldsurvey.reports.lists import write_lists
from fieldsurvey.reports.sheets import write_sheets
from fieldsurvey.reports.summary import write_summary
from fieldsurvey.services.exports import write_workbook
from fieldsurvey.services.figures import commune_figures
from fieldsurvey.storage.workspace import Workspace

Source = Workspace | Path | str
Output = IO[bytes] | Path | str


@contextmanager
def _opened(source: Source) -> Iterator[Workspace]:
    if isinstance(source, Workspace):
        yield source
        return
    ws = Workspace.open(source)   # upgrades a file made by an older version; read-only if another one has it open
    ws.backups = False            # printing changes nothing: no backup on close
    try:
        yield ws
    finally:
        ws.close()


@contextmanager
def _target(out: Output) -> Iterator[IO[bytes] | str]:
    """Where a document is written: a binary buffer as given; a path through a temporary name beside it, renamed
    into place only when the document is complete (a cancelled or failed job leaves nothing under the real name)."""
    if not isinstance(out, (str, Path)):
        yield out
        return
    path = Path(out)
    if path.is_dir():
        raise WorkspaceError("report.error.output_is_folder", str(path))
    if not path.parent.is_dir():
        raise WorkspaceError("report.error.no_output_folder", str(path.parent))
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        yield str(part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def workspace_standard(ws: Workspace) -> Standard:
    return ws.standard


def report_context(ws: Workspace, lang: str = "vi", printed_at: datetime | None = None,
                   official: bool = False) -> ReportContext:
    """Commune, review round, standard and the printed-at time that go on every page."""
    info = ws.info
    return ReportContext(commune_code=info.commune_code, commune_name=info.commune_name,
                         province_name=info.province_name, area=info.area, review_year=info.review_year,
                         review_kind=info.review_kind, standard=workspace_standard(ws),
                         printed_at=printed_at or datetime.now().replace(microsecond=0), lang=lang,
                         official=official)


def record_of(doc: dict, standard: Standard, status: str | None = None) -> HouseholdRecord:
    """One stored document → its record (classified now, with the given standard)."""
    household = with_area(parse_household(doc, trusted=True))
    return HouseholdRecord(household, classify_household(household, standard), status,
                           Previous.of(doc.get("previous")))


def match_village(ws: Workspace, village: str) -> str:
    """The workspace's village named `village` (diacritics and case optional)."""
    names = ws.villages()
    if village in names:
        return village
    found = [v for v in names if fold(v) == fold(village)]
    if not found:
        raise WorkspaceError("report.error.no_village", "village", village=village, villages=", ".join(names))
    return found[0]


def read_records(ws: Workspace, village: str | None = None, household: str | None = None,
                 standard: Standard | None = None, lang: str = "vi") -> Job[list[HouseholdRecord]]:
    """Every household (or one village's, or one household) as records, in the printing order: village as the
    workspace lists them, then the head's name. Yields progress while reading."""
    standard = standard or workspace_standard(ws)
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
                 lang: str = "vi", printed_at: datetime | None = None) -> Job[int]:
    """Household classification sheets — one household, a village or the whole commune — into one PDF with
    "Trang X/Y" across the batch. Returns the number of pages."""
    with _opened(source) as ws:
        ctx = report_context(ws, lang, printed_at)
        records = yield from read_records(ws, village, household, ctx.standard, lang)
    if not household:  # a household that left the commune gets no sheet unless asked for by its id
        records = [r for r in records if not r.moved_away]
    with _target(out) as target:
        return (yield from write_sheets(records, ctx, target))


def print_lists(source: Source, out: Output, village: str | None = None, lang: str = "vi",
                printed_at: datetime | None = None, official: bool = False) -> Job[int]:
    """Per village: the lists for the meeting and the public posting (proposed poor, near-poor, escaped, new)
    and the meeting minutes pre-filled with the counts."""
    with _opened(source) as ws:
        ctx = report_context(ws, lang, printed_at, official)
        villages = [match_village(ws, village)] if village else ws.villages()
        _, records = yield from counted(ws, ctx, village)
    yield Progress(0, 1, ctx.tr("report.progress.lists"))
    with _target(out) as target:
        pages = write_lists(records, villages, ctx, target)
    yield Progress(1, 1, ctx.tr("report.progress.lists"))
    return pages


def print_certificates(source: Source, out: Output, village: str | None = None, lang: str = "vi",
                       printed_at: datetime | None = None, first_number: int = 1, official: bool = False
                       ) -> Job[int]:
    """Certificates (Giấy chứng nhận hộ nghèo / hộ cận nghèo) for every household the count holds poor or
    near-poor, numbered from `first_number` in the printing order."""
    with _opened(source) as ws:
        ctx = report_context(ws, lang, printed_at, official)
        _, records = yield from counted(ws, ctx, village)
    yield Progress(0, 1, ctx.tr("report.progress.certificates"))
    with _target(out) as target:
        pages = write_certificates(records, ctx, target, first_number)
    yield Progress(1, 1, ctx.tr("report.progress.certificates"))
    return pages


def counted(ws: Workspace, ctx: ReportContext, village: str | None = None, household: str | None = None,
            details: bool = False) -> Job[tuple[CommuneFigures, list[HouseholdRecord]]]:
    """The commune's figures (the one count: services/figures.py) and the records to print, each with the class
    the count gives it and its movement — so every list, certificate and table says what the count says."""
    figures = yield from commune_figures(ws, Scope.OFFICIAL if ctx.official else Scope.WORKING, details)
    records = yield from read_records(ws, village, household, ctx.standard, ctx.lang)
    return figures, [replace(r, counted=figures.classes_by_household.get(r.household.uuid),
                             move=figures.moves_by_household.get(r.household.uuid)) for r in records]


def _commune_document(source: Source, out: Output, lang: str, printed_at: datetime | None, progress_key: str,
                      write, official: bool = False) -> Job[int]:
    """Count the commune and read every household, then write the figures with `write(figures, records, ctx,
    target)` (the summary PDF or the Excel workbook); returns what `write` returns."""
    with _opened(source) as ws:
        ctx = report_context(ws, lang, printed_at, official)
        figures, records = yield from counted(ws, ctx, details=True)
    yield Progress(0, 1, ctx.tr(progress_key))
    with _target(out) as target:
        result = write(figures, records, ctx, target)
    yield Progress(1, 1, ctx.tr(progress_key))
    return result


def print_summary(source: Source, out: Output, lang: str = "vi", printed_at: datetime | None = None,
                  official: bool = False) -> Job[int]:
    """The commune's summary tables, charts, detailed lists and the Alkire–Foster analysis page, as one PDF
    (`official`: approved households only). Returns the number of pages."""
    return (yield from _commune_document(source, out, lang, printed_at, "report.progress.summary", write_summary,
                                         official))


def export_xlsx(source: Source, out: Output, lang: str = "vi", printed_at: datetime | None = None,
                official: bool = False) -> Job[int]:
    """The commune summary as an Excel workbook (numbers as numbers; `official`: approved households only).
    Returns the number of sheets."""
    return (yield from _commune_document(source, out, lang, printed_at, "report.progress.excel", write_workbook,
                                         official))
