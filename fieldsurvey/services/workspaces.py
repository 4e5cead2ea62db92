"""Use cases on a whole workspace: set one up for a commune (or the demo commune), its villages and their resident
households, classify every household, look after the file (backup, restore, check), and carry a review forward to
next year. Each takes an open workspace, or a path through `opened`."""

from __future__ import annotations

import json
import os
import uuid as uuidlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date as date_type
from pathlib import Path
from typing import Any, Iterable, Iterator

from fieldsurvey.domain import refdata
from fieldsurvey.domain.assessed import standard_fingerprint
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.figures import minority_household
from fieldsurvey.domain.lifecycle import RESIDENT, HouseholdStatus
from fieldsurvey.domain.synthetic import CommuneSpec, Generator, enumerator_name, village_names
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.formengine.loader import form_versions
from fieldsurvey.i18n import fold
from fieldsurvey.progress import Job, Progress
from fieldsurvey.services.assessment import registry
from fieldsurvey.services.batch import classify_stream
from fieldsurvey.services.sync import init_workspace, is_sealed, outside_folder, restore_sealed, sealed_backup
from fieldsurvey.services.villages import match_village
from fieldsurvey.storage import backups as store_backups
from fieldsurvey.storage import checks, encryption, queries
from fieldsurvey.storage import lock
from fieldsurvey.storage.lock import lock_path
from fieldsurvey.storage.stamps import clock_problem
from fieldsurvey.storage.workspace import KEEP, Village, VillageChange, Workspace, WorkspaceInfo
from fieldsurvey.sync.keys import key_file_for

DEFAULT_DEMO_COMMUNE = "02266"  # Xã Lâm Bình, Tuyên Quang: a rural mountain commune
BATCH = 1000
WRITE_EVERY = 5000  # classification results per write transaction
CARRY_NAMESPACE = uuidlib.UUID("5d3c0b1e-6f1e-4a8e-9a57-3f5ad7b0c2a1")
DEMO_SUPERVISOR = "giam-sat-demo"
DEMO_SUPERVISOR_NAME = "Trần Thị Mai"   # the demo's commune poverty officer, as screens name her

def working_as(what: str, command: str = "") -> None:
    """Say what this process is — "app" (the window) or "command" (and which: "import", "keys trust") — so that a
    second FieldSurvey finding a workspace taken by it names it (storage.lock.holder)."""
    lock.working_as(what, command)


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


# --- setting up a workspace ---------------------------------------------------------------------------------

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
    villages: tuple[str, ...] = ()   # an enumerator's come from the supervisor (none typed at setup)
    enumerator: str = ""
    year: int = 2026
    kind: str = "annual"


def check_new_workspace(spec: NewWorkspace) -> None:
    """The refusals `create_workspace` would meet in what was filled in (a commune, a village, the enumerator), made
    before anything is written (the app asks for the passphrase after these)."""
    _new_workspace_info(spec)


def _new_workspace_info(spec: NewWorkspace) -> tuple[WorkspaceInfo, tuple[str, ...]]:
    unit = refdata.commune(spec.commune_code)
    if unit is None:
        raise WorkspaceError("storage.error.no_commune", "commune", code=spec.commune_code)
    # none is fine: an enumerator's list of villages is the supervisor's, and comes with the starter package or a
    # return bundle (services/villages.py)
    villages = tuple(dict.fromkeys(v.strip() for v in spec.villages if v.strip()))
    if not spec.enumerator.strip():
        raise WorkspaceError("gui.error.no_enumerator", "enumerator")
    standard = registry().for_year(spec.year, unit.province_code)
    info = WorkspaceInfo(unit.province_code, unit.province_name, unit.code, unit.name, unit.area.value, spec.year,
                         spec.kind, standard.id)
    return info, villages


def create_workspace(spec: NewWorkspace) -> Path:
    """Make a workspace for one commune and review round; the standard follows the year. Records the enumerator
    and makes this installation's identity for sync (device id and keys, in FILE.keys beside the workspace).
    Encrypted when its key header was written first (services.encryption.new_encrypted)."""
    info, villages = _new_workspace_info(spec)
    user = user_id(spec.enumerator)
    Path(spec.path).parent.mkdir(parents=True, exist_ok=True)  # the default folder (~/FieldSurvey) on first run
    ws = Workspace.create(spec.path, info, villages)
    try:
        ws.set_meta("enumerator", spec.enumerator.strip())
        ws.set_meta("enumerator_id", user)
    finally:
        ws.close()
    init_workspace(Path(spec.path), user, "enumerator")
    return Path(spec.path)


def user_id(name: str) -> str:
    """The plain id sync uses for a person ("Hoàng Thị Hoa" → "hoang-thi-hoa"): households are owned by it."""
    slug = "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in fold(name)).split())
    return slug[:64] or "enumerator"


def current_user(ws: Workspace) -> str | None:
    """Who is filling households on this installation: the owner of new households (None when unknown)."""
    user = ws.user
    return None if user == "unknown" else user


def workspace_title(ws: Workspace) -> str:
    info = ws.info
    return f"{info.commune_name}, {info.province_name} — {info.review_year}"


# --- villages ------------------------------------------------------------------------------------------------------

def villages(ws: Workspace) -> list[Village]:
    """The commune's villages in their order, with their resident households when entered."""
    return ws.village_rows()


def village_names_of(ws: Workspace) -> list[str]:
    return ws.villages()


def add_villages(ws: Workspace, names: Iterable[str]) -> None:
    for name in names:
        if name.strip():
            ws.add_village(name.strip())


def set_residents(ws: Workspace, village: str, residents: int | None, date: str | None = None,
                  source: str | None = None, *, minority: int | None = KEEP) -> Village:
    """Record a village's number of resident households (the denominator of its rates), with the date it was
    taken (YYYY-MM-DD) and where it comes from (e.g. the population register), and of them the households of an
    ethnic minority (the denominator of the minority rates): `minority` KEEP (the default) leaves the stored number
    as it is, None clears it. Refused: a negative number, a date that is not one, more minority households than
    resident households. Every field that changes is recorded in the village's change log (`village_changes`)."""
    name = match_village(ws, village)
    if residents is not None and residents < 0:
        raise WorkspaceError("storage.error.residents_negative", "residents", n=residents)
    if minority is not KEEP and minority is not None and minority < 0:
        raise WorkspaceError("storage.error.minority_negative", name, n=minority)
    if date:
        try:
            date_type.fromisoformat(date)
        except ValueError:
            raise WorkspaceError("storage.error.residents_date", "date", value=date) from None
    stored = next(v for v in ws.village_rows() if v.name == name)
    kept = stored.residents_minority if minority is KEEP else minority
    if residents is not None and kept is not None and kept > residents:
        raise WorkspaceError("storage.error.minority_more", name, minority=kept, residents=residents)
    ws.set_residents(name, residents, date, (source or "").strip() or None, minority=minority)
    return next(v for v in ws.village_rows() if v.name == name)


def village_changes(ws: Workspace, village: str | None = None) -> list[VillageChange]:
    """The changes of a village's resident figures (every village's when None), newest first: who, when, which
    field, the value before and after, where the change came from."""
    return ws.village_changes(None if village is None else match_village(ws, village))


# --- the demo commune and classifying everything -----------------------------------------------------------------

DEMO_RESIDENTS_SOURCE = "Sổ theo dõi hộ dân cư của xã (dữ liệu mẫu)"


def create_demo(path: Path, households: int = 800, seed: int = 1, commune_code: str = DEFAULT_DEMO_COMMUNE,
                year: int = 2026, villages: int = 8,
                size_weights: list[tuple[int, float]] | None = None) -> Job[dict[str, int]]:
    """Build a synthetic commune workspace: real commune code and name, several villages, realistic households,
    classified with the standard for the year, each village's resident households and ethnic-minority resident
    households entered (the demo lists every household of the commune). Deterministic for a seed. Yields
    progress; returns class counts."""
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
        installed = form_versions()   # form id → its installed versions, oldest first
        done = 0
        living: Counter = Counter()      # the demo lists every household of the commune: they are its residents
        minority: Counter = Counter()    # … and those of them whose head is of an ethnic minority
        yield Progress(0, households, "Creating households")
        while done < households:
            n = min(BATCH, households - done)
            docs = [gen.household(done + i) for i in range(n)]
            for doc in docs:   # filled as a new household is: with the newest installed version of its form
                doc["form"]["version"] = installed[doc["form"]["id"]][-1]
            with ws.db.atomic():
                for i, doc in enumerate(docs):
                    status = HouseholdStatus.DRAFT if doc["interview_date"] is None else HouseholdStatus.COMPLETE
                    who = (done + i) % len(owners)
                    doc["household"]["enumerator"] = enumerator_name(who)
                    ws.save_household(doc, status=status, owner=owners[who])
                    living[doc["location"]["village"]] += 1
                    minority[doc["location"]["village"]] += minority_household(parse_household(doc, trusted=True))
            done += n
            yield Progress(done, households, "Creating households")
        with ws.db.atomic():
            for name in names:
                ws.set_residents(name, living[name], f"{year}-09-01", DEMO_RESIDENTS_SOURCE,
                                 minority=minority[name], reason="demo")
        counts = yield from classify_all(ws)
        return counts
    finally:
        ws.close()


def classify_all(ws: Workspace, standard_id: str | None = None) -> Job[dict[str, int]]:
    """Re-classify every household of a workspace with its standard — or switch the workspace to the standard
    named and classify every household with it at once — on every core when the workspace is large. Yields
    progress; closing the job stops it between chunks (what was written stays, and the workspace keeps saying its
    classes are not all current until a whole run finishes)."""
    standard = registry().get(standard_id or ws.info.standard_id)
    if standard.id != ws.info.standard_id:
        ws.use_standard(standard)
    ws.set_meta("classified_with", "")   # not current until this run has written every household
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
    ws.set_meta("classified_with", standard_fingerprint(standard))
    return ws.counts_by_class()


def classes_current(ws: Workspace) -> bool:
    """Whether every stored class was made with the standard as its file reads now. Every change of a household
    classifies it at once; only an edited standard file (or a classify-all cut short) leaves older classes behind,
    and then the app says so and offers Re-classify all."""
    return ws.meta("classified_with") == standard_fingerprint(ws.standard)


def classify_workspace(path: Path):
    """Re-classify every household of the workspace file (a job with its own connection, for a worker thread)."""
    ws = Workspace.open(path)
    try:
        return (yield from classify_all(ws))
    finally:
        ws.close()


def check_job(path: Path):
    """Open and close a workspace once, so storage's integrity check (once per file and process) runs here — on a
    worker thread — and the app's own opening afterwards is instant. Raises the WorkspaceError that says why a
    file is refused."""
    yield Progress(0, 1, "check")
    Workspace.open(Path(path)).close()
    yield Progress(1, 1, "check")
    return Path(path)


def summary(path: Path) -> dict:
    """What a workspace holds, for a first look: commune, round, standard, households by class."""
    with Workspace.open(path) as ws:
        info = ws.info
        return {"commune": f"{info.commune_name}, {info.province_name}", "commune_code": info.commune_code,
                "year": info.review_year, "standard": info.standard_id, "households": ws.household_count(),
                "classes": ws.counts_by_class(), "villages": ws.villages()}


def ready_demo(path: Path | None = None) -> Job[Path]:
    """The ready-made demo commune (`fieldsurvey gui --demo`): built on first use, and made a supervisor's commune
    workspace (an identity with its keys beside it) so that every supervisor's tool — review, approve, return, return
    bundles — can be tried on it. Yields progress; returns the path."""
    path = Path(path) if path is not None else demo_path()
    if not path.exists():
        yield from create_demo(path)
    if not key_file_for(path).exists():
        init_workspace(path, DEMO_SUPERVISOR, "supervisor")
        with opened(path) as ws:
            ws.set_meta("name", DEMO_SUPERVISOR_NAME)   # shown by name, never as giam-sat-demo
    return path


def demo_path() -> Path:
    """Where the ready-made demo commune lives for this user."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "fieldsurvey"
    base.mkdir(parents=True, exist_ok=True)
    return base / "demo-lam-binh-2026.fsdb"


# --- backup, restore, check ---------------------------------------------------------------------------------

def backup(path: Path, to: Path | None = None) -> Path:
    """A backup of workspace FILE now: into its rotating `backups/` folder, or to `to` (a file or a folder). A
    backup leaving the workspace's folder (a stick, another disk) is encrypted to the supervisor's key
    (services.sync.sealed_backup); one beside the workspace is a plain workspace file."""
    if to is not None and outside_folder(path, to):
        return sealed_backup(path, to)
    if to is not None and not Path(to).is_dir():   # a file named inside the workspace's folder: its folder made
        Path(to).parent.mkdir(parents=True, exist_ok=True)
    with Workspace.open(path) as ws:
        ws.backups = False
        return store_backups.make_backup(ws, to)


def restore(path: Path, backup_file: Path, key_from: Path | None = None) -> Path | None:
    """Put a backup in place of workspace FILE (checked first; the replaced file is kept and its path returned).
    A sealed backup (one written outside the workspace's folder) is decrypted with the key of `key_from`, the
    supervisor's workspace (default: FILE's own key file)."""
    if is_sealed(Path(backup_file)):
        return restore_sealed(Path(path), Path(backup_file), key_from)
    return store_backups.restore(Path(path), Path(backup_file))


def clock_warning(source: Workspace | Path) -> tuple[str, dict[str, Any]] | None:
    """(catalogue key, values) of a warning when this computer's clock is plainly wrong — before FieldSurvey existed,
    or behind the newest backup of the workspace by more than a day — else None (storage.stamps.clock_problem)."""
    path = source.path if isinstance(source, Workspace) else Path(source)
    return clock_problem(seen=[store_backups.newest_date(path)])


def list_backups(path: Path) -> list[Path]:
    return store_backups.backups_of(Path(path))


Finding = checks.Finding


def check(path: Path) -> Job[list[Finding]]:
    """Every integrity check on workspace FILE, without changing it (storage/checks.py). A job; returns the
    findings (a finding with no problems passed)."""
    return checks.check_file(Path(path))


# --- year to year ------------------------------------------------------------------------------------------

def carried_uuid(old_uuid: str, year: int) -> str:
    """The household's id in next year's workspace: new (one record per review), derived from the old one so that
    carrying forward again gives the same ids."""
    return str(uuidlib.uuid5(CARRY_NAMESPACE, f"{old_uuid}/{year}"))


def carry_forward(old: Path, new: Path, year: int, batch: int = 1000) -> Job[dict[str, int]]:
    """Start next year's review in NEW from workspace OLD: same commune and villages, the standard for `year`;
    every household that did not move away or merge is carried with its members (birth dates stay, so ages
    advance), status draft, owner kept, classification cleared, interview date cleared, and the link
    `previous: {uuid, year, class, status}` (last review's result). Returns counts."""
    old, new = Path(old), Path(new)
    if new.exists():
        raise WorkspaceError("storage.error.file_exists", str(new))
    part = new.with_name(new.name + ".part")  # built under this name, renamed when complete
    if part.exists():
        part.unlink()
    src = Workspace.open(old)
    src.backups = False
    try:
        if encryption.is_encrypted(old):   # next year's workspace: encrypted with this one's key (same passphrase)
            encryption.copy_header(old, part)
        info = src.info
        if year <= info.review_year:
            raise WorkspaceError("storage.error.year_must_follow", "--year", year=info.review_year)
        standard = registry().for_year(year, info.province_code)
        new_info = type(info)(info.province_code, info.province_name, info.commune_code, info.commune_name,
                              info.area, year, "annual", standard.id)
        counts = {"carried": 0, "moved_away": 0, "merged": 0}
        dst = Workspace.create(part, new_info, src.villages())
        dst.backups = False
        try:
            dst.set_identity(user=src.user)
            # last year's resident households (and minority ones), until the supervisor enters new ones
            for v in src.village_rows():
                dst.set_residents(v.name, v.residents, v.residents_date, v.residents_source,
                                  minority=v.residents_minority, reason="carry-forward")
            for key in ("enumerator", "enumerator_id"):
                value = src.meta(key)
                if value:
                    dst.set_meta(key, value)
            dst.set_meta("previous_review", json.dumps({"year": info.review_year, "file": old.name}))
            total = src.household_count()
            yield Progress(0, total, "carry-forward")
            done = 0
            for chunk in queries.carry_rows(src.db, batch):
                items = []
                for uuid, text, status, owner, cls in chunk:
                    if status not in RESIDENT:
                        counts[status] += 1
                        continue
                    items.append((_carried(json.loads(text), uuid, year, info.review_year, cls, status),
                                  HouseholdStatus.DRAFT, owner))
                dst.save_households(items, action="carry-forward")
                counts["carried"] += len(items)
                done += len(chunk)
                yield Progress(done, total, "carry-forward")
        finally:
            dst.close()
        if encryption.header_path(part).exists():
            encryption.copy_header(part, new)
        part.replace(new)
        return counts
    finally:
        src.close()
        if part.exists():
            part.unlink()
        encryption.header_path(part).unlink(missing_ok=True)
        for leftover in (lock_path(part), *(part.with_name(part.name + side) for side in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)  # nobody else opens a half-made file; its journal is empty once closed


def _carried(doc: dict[str, Any], old_uuid: str, year: int, old_year: int, cls: str | None, status: str
             ) -> dict[str, Any]:
    """Next year's document: the same household and members, a new id, no interview yet, and `previous`: last
    review's result, with every earlier year's result the household carried (`earlier`, newest first) — the chain
    the movement columns read (fell back: poor again after having escaped; new: never poor on record)."""
    out = dict(doc)
    out["uuid"] = carried_uuid(old_uuid, year)
    out["review"] = {**(doc.get("review") or {}), "year": year, "kind": "annual"}
    out["interview_date"] = None
    before = doc.get("previous") if isinstance(doc.get("previous"), dict) else None
    earlier = []
    if before is not None:
        earlier = [{k: before.get(k) for k in ("year", "class", "status")}]
        earlier += [e for e in before.get("earlier") or [] if isinstance(e, dict)]
    out["previous"] = {"uuid": old_uuid, "year": old_year, "class": cls, "status": status, "earlier": earlier}
    return out
