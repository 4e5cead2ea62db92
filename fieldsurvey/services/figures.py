"""The commune's figures as one use case: every household of the workspace counted once by the domain's one count
(fieldsurvey.domain.figures), from what is stored — the class each household's last change wrote, its status, its
village's resident households. The dashboard, the printed summary, the Excel workbook, the village lists, the
certificates and `movement` all take their numbers from here."""

from __future__ import annotations

import json
from typing import Iterator

from fieldsurvey.domain.assessed import with_area
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.figures import (MOVEMENT_COLUMNS, NEAR, POOR, CommuneFigures, Counted, Move, Scope, count,
                                        details_of, history_of)
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.progress import Job, Progress
from fieldsurvey.storage import queries
from fieldsurvey.storage.workspace import Workspace

__all__ = ["MOVEMENT_COLUMNS", "POOR_CLASSES", "CommuneFigures", "Move", "Scope", "commune_figures", "counted_rows"]
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
    total = ws.household_count()
    yield Progress(0, total, "figures")
    rows: list[Counted] = []
    for row in counted_rows(ws, details):
        rows.append(row)
        if len(rows) % 5000 == 0:
            yield Progress(len(rows), total, "figures")
    villages = [(v.name, v.residents) for v in ws.village_rows()]
    figures = count(rows, villages, ws.standard, ws.info.commune_name, scope)
    yield Progress(total, total, "figures")
    return figures
