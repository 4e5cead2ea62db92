"""Use cases on a whole workspace: build the demo commune, classify every household."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from fieldsurvey.domain import refdata
from fieldsurvey.domain.synthetic import CommuneSpec, Generator, enumerator_name, village_names
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.progress import Job, Progress
from fieldsurvey.services.assessment import registry
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo

DEFAULT_DEMO_COMMUNE = "02266"  # Xã Lâm Bình, Tuyên Quang: a rural mountain commune
BATCH = 1000
WRITE_EVERY = 5000  # classification results per write transaction


@contextmanager
def opened(source: Workspace | Path | str, read_only: bool | None = None) -> Iterator[Workspace]:
    """An open workspace for a use case: the one given, or the file opened (upgraded when older, read-only when
    another FieldSurvey has it or `read_only`) and closed after. A read-only use makes no backup on close."""
    if isinstance(source, Workspace):
        yield source
        return
    ws = Workspace.open(Path(source), read_only=read_only)
    if read_only:
        ws.backups = False
    try:
        yield ws
    finally:
        ws.close()


def create_demo(path: Path, households: int = 800, seed: int = 1, commune_code: str = DEFAULT_DEMO_COMMUNE,
                year: int = 2026, villages: int = 8,
                size_weights: list[tuple[int, float]] | None = None) -> Job[dict[str, int]]:
    """Build a synthetic commune workspace: real commune code and name, several villages, realistic households,
    classified with the standard for the year. Deterministic for a seed. Yields progress; returns class counts."""
    unit = refdata.commune(commune_code)
    if unit is None:
        raise WorkspaceError("storage.error.no_commune", "--commune", code=commune_code)
    standard = registry().for_year(year, unit.province_code)
    lines = standard.lines[unit.area]
    info = WorkspaceInfo(unit.province_code, unit.province_name, unit.code, unit.name, unit.area.value, year,
                         "annual", standard.id)
    names = village_names(unit.area.value, villages)
    ws = Workspace.create(path, info, names)
    ws.backups = False  # generated data: nothing to back up
    try:
        gen = Generator(CommuneSpec(unit.province_code, unit.code, unit.name, unit.area.value, names), year, seed,
                        {"line": lines.poverty_line, "band": lines.average_band_max}, size_weights)
        owners = [f"enumerator-{i}" for i in range(1, max(2, villages // 2) + 1)]
        done = 0
        yield Progress(0, households, "Creating households")
        while done < households:
            n = min(BATCH, households - done)
            docs = [gen.household(done + i) for i in range(n)]
            with ws.db.atomic():
                for i, doc in enumerate(docs):
                    status = HouseholdStatus.DRAFT if doc["interview_date"] is None else HouseholdStatus.COMPLETE
                    who = (done + i) % len(owners)
                    doc["household"]["enumerator"] = enumerator_name(who)
                    ws.save_household(doc, status=status, owner=owners[who])
            done += n
            yield Progress(done, households, "Creating households")
        counts = yield from classify_all(ws)
        return counts
    finally:
        ws.close()


def classify_all(ws: Workspace, standard_id: str | None = None) -> Job[dict[str, int]]:
    """Re-classify every household of a workspace with its standard (or the one named), on every core when the
    workspace is large. Yields progress; closing the job stops it between chunks (what was written stays)."""
    from fieldsurvey.services.batch import classify_stream

    standard = registry().get(standard_id or ws.info.standard_id)
    total = ws.household_count()
    ws.prepare_bulk_write()
    done = held = 0
    yield Progress(0, total, "Classifying")
    try:
        for rows in classify_stream(ws.iter_documents(raw=True), standard, total):
            # Each chunk is written as it comes (the workers go on meanwhile); the transaction is committed every
            # WRITE_EVERY rows, because each commit syncs the disk several times.
            ws.save_classifications(rows, hold=True)
            held += len(rows)
            if held >= WRITE_EVERY:
                ws.commit_held()
                held = 0
            done += len(rows)
            yield Progress(done, total, "Classifying")
    finally:  # finished, failed or cancelled: what was classified and written is committed
        ws.commit_held()
    return ws.counts_by_class()


def summary(path: Path) -> dict:
    """What a workspace holds, for a first look: commune, round, standard, households by class."""
    with Workspace.open(path) as ws:
        info = ws.info
        return {"commune": f"{info.commune_name}, {info.province_name}", "commune_code": info.commune_code,
                "year": info.review_year, "standard": info.standard_id, "households": ws.household_count(),
                "classes": ws.counts_by_class(), "villages": ws.villages()}


DEMO_SUPERVISOR = "giam-sat-demo"


def ready_demo(path: Path | None = None) -> Job[Path]:
    """The ready-made demo commune (`fieldsurvey gui --demo`): built on first use, and made a supervisor's commune
    workspace (an identity with its keys beside it) so that every supervisor's tool — review, approve, return, return
    bundles — can be tried on it. Yields progress; returns the path."""
    from fieldsurvey.services.sync import init_workspace
    from fieldsurvey.sync.keys import key_file_for

    path = Path(path) if path is not None else demo_path()
    if not path.exists():
        yield from create_demo(path)
    if not key_file_for(path).exists():
        init_workspace(path, DEMO_SUPERVISOR, "supervisor")
    return path


def demo_path() -> Path:
    """Where the ready-made demo commune lives for this user."""
    import os

    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "fieldsurvey"
    base.mkdir(parents=True, exist_ok=True)
    return base / "demo-lam-binh-2026.fsdb"
