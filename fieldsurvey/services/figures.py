"""The commune's figures as one use case: every household of the workspace counted once by the domain's one count
(fieldsurvey.domain.figures), from what is stored — the class each household's last change wrote, its status, its
village's resident households. The dashboard, the printed summary, the Excel workbook, the village lists, the
certificates and `movement` all take their numbers from here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from fieldsurvey.domain.assessed import with_area
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.figures import (AF_K, MOVEMENT_COLUMNS, NEAR, POOR, CommuneFigures, Counted, Move, Scope, count,
                                        details_of, history_of)
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.progress import Job, Progress
from fieldsurvey.storage import queries
from fieldsurvey.services.households import people
from fieldsurvey.services.workspaces import opened
from fieldsurvey.storage.workspace import Workspace

POOR_CLASSES = (POOR, NEAR)


def counted_rows(ws: Workspace, details: bool = False) -> Iterator[Counted]:
    """Every stored household as the count sees it (`details`: with the group-table facts read from its
    document, for the printed tables)."""
    for row in queries.count_rows(ws.db, documents=details):
        uuid, village, status, cls, summary, members, interviewed, previous = row[:8]
        facts = json.loads(summary) if summary else {}
        extra = None
        if details:
            try:
                extra = details_of(with_area(parse_household(json.loads(row[8]), trusted=True)))
            except FieldSurveyError:
                extra = None
        yield Counted(uuid, village or "", HouseholdStatus(status), HouseholdClass(cls) if cls else None,
                      frozenset(facts.get("deprived", ())), frozenset(facts.get("unknown", ())),
                      len(facts.get("low_income_workers", ())), members or 0, bool(interviewed),
                      history_of(json.loads(previous) if previous else None), extra)


def commune_figures(ws: Workspace, scope: Scope = Scope.WORKING, details: bool = False) -> Job[CommuneFigures]:
    """The commune's figures (a job: it reads every household). `scope`: the working figures (every finished
    household) or the official ones (approved households only)."""
    figures, _ = yield from counted_figures(ws, scope, details)
    return figures


def counted_figures(ws: Workspace, scope: Scope = Scope.WORKING,
                    details: bool = False) -> Job[tuple[CommuneFigures, list[Counted]]]:
    """`commune_figures` and the households as the count saw them (a commune's result for its province carries
    both: services/province.py)."""
    total = ws.household_count()
    yield Progress(0, total, "figures")
    rows: list[Counted] = []
    for row in counted_rows(ws, details):
        rows.append(row)
        if len(rows) % 5000 == 0:
            yield Progress(len(rows), total, "figures")
    villages = [(v.name, v.residents, v.residents_minority) for v in ws.village_rows()]
    figures = count(rows, villages, ws.standard, ws.info.commune_name, scope)
    yield Progress(total, total, "figures")
    return figures, rows


# --- the app's screens ------------------------------------------------------------------------------------------------

def on_screen(ws: Workspace, official: bool = False) -> Job[CommuneFigures]:
    """The figures the app's screens show — the dashboard's table and the household list's count line both take
    theirs from this one call, so the same words never carry two numbers: the working figures (every finished
    household, in its class) or the official ones (approved households only), each village's row and the
    commune's, with the households left out and why (being filled or returned, waiting for approval, not
    classifiable, moved away, merged as duplicates)."""
    return (yield from commune_figures(ws, Scope.OFFICIAL if official else Scope.WORKING))


def on_screen_for(path: Path, official: bool = False) -> Job[CommuneFigures]:
    """`on_screen` with its own connection, for a worker thread."""
    with opened(path) as ws:
        return (yield from on_screen(ws, official))


# --- the dashboard ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    figures: CommuneFigures                               # the one count, as every printed table has it
    enumerators: list[tuple[str, dict[str, int]]]        # owner → status → households
    af_k: float
    names: dict[str, str] = field(default_factory=dict)   # owner → the person's name (households.people)


def dashboard(ws: Workspace, official: bool = False) -> Job[Dashboard]:
    """A job (yields Progress) that gathers the dashboard's figures: the commune's count (the same as every printed
    table's), and the progress of each enumerator by status."""
    figures = yield from on_screen(ws, official)
    return Dashboard(figures, list(queries.progress_by_owner(ws.db).items()), AF_K, people(ws))


def dashboard_for(path: Path, official: bool = False) -> Job[Dashboard]:
    """`dashboard` with its own connection, for a worker thread."""
    with opened(path) as ws:
        return (yield from dashboard(ws, official))


def movement(ws: Workspace, official: bool = False) -> Job[CommuneFigures]:
    """The movement of every household of this review against the earlier ones (the carry-forward's `previous`),
    per village and for the commune: the commune's figures, whose `movement`, `moves_by_household` and
    `previous_year` the movement table reads."""
    return (yield from commune_figures(ws, Scope.OFFICIAL if official else Scope.WORKING))
