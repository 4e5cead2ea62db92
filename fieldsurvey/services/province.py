"""The province's roll-up as use cases, Qt-free, for the CLI (and later the app):

- a commune's supervisor exports the review's result (`export_result`): the households as the official count saw
  them, the villages' resident households, the official figures — the same numbers the commune printed, from the
  one count (services/figures.py) — and what was issued; signed with the supervisor's key and encrypted to the
  province's, in the hand-ins' container (fieldsurvey/sync/container.py);
- the province (a third role: `fieldsurvey init FILE --role province --province CODE`) imports a folder of them
  (`import_results`: each all or nothing; refused when foreign, tampered, replayed, stale or of another round; a newer
  result of a commune replaces the one held, the change kept), sees who reported and who is late, the households
  counted in two communes, and the province's tables by commune with last year beside them, in Excel too.

The province's database is an SQLite file (the default) — storage/province.py holds every query.
"""

from __future__ import annotations

import contextlib
import json
import uuid as uuidlib
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from fieldsurvey import parallel
from fieldsurvey.domain import refdata
from fieldsurvey.domain.figures import Scope
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.province import (Head, LastYear, ProvinceTables, declared_figures, flat_figures, result_row,
                                         sentence, summed, unit_row)
from fieldsurvey.domain.results import review_round
from fieldsurvey.errors import BundleError, FieldSurveyError, WorkspaceError
from fieldsurvey.i18n import t
from fieldsurvey.progress import Job, Progress
from fieldsurvey.reports.base import ReportContext
from fieldsurvey.reports.province import province_report_data
from fieldsurvey.reports.render import TemplateRenderer
from fieldsurvey.reports.templates import load_template, read_template
from fieldsurvey.services import encryption as at_rest
from fieldsurvey.services.assessment import registry
from fieldsurvey.services.figures import counted_figures
from fieldsurvey.services.province_xlsx import read_results, write_workbook
from fieldsurvey.services.sync import (error_data, error_from_data, fingerprint_matches, identity_of,
                                      spoken_fingerprint)
from fieldsurvey.storage import issued as issued_register
from fieldsurvey.storage import sync_store
from fieldsurvey.storage.province import ProvinceInfo, ProvinceStore, connect
from fieldsurvey.storage.stamps import now_iso
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync.container import (DEFAULT_LIMITS, Limits, canonical, open_bundle, pack, read_file, sha256,
                                        write_atomically)
from fieldsurvey.sync.keys import Identity, PublicKey, b64, key_file_for, read_public_key
from fieldsurvey.sync.records import FORMAT_VERSION, Manifest
from fieldsurvey.sync.results import CommuneResult, entries_of, read_result

SUFFIX = ".fsresult"
WORKSPACE_SUFFIX = ".fsprov"        # a province's workspace on a laptop (the app opens it in the province's view)
PROVINCE = "province"
SUPERVISOR = "supervisor"


# --- the province's database -----------------------------------------------------------------------------------------

def is_server(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def key_file(file: Path) -> Path:
    """Where a workspace FILE's keys are (FILE.keys)."""
    return key_file_for(Path(file))


def keys_of(target: str | Path, keys: Path | None = None) -> Path:
    """The province's key file: `keys`, or FILE.keys beside an SQLite file (a server's province names its own)."""
    if keys is not None:
        return Path(keys)
    if is_server(target):
        raise WorkspaceError("province.error.needs_keys", "--keys")
    return key_file_for(Path(target))


@contextlib.contextmanager
def opened(target: str | Path) -> Iterator[ProvinceStore]:
    store = ProvinceStore.open(connect(target), str(target))
    try:
        yield store
    finally:
        store.close()


def is_province_file(path: str | Path) -> bool:
    """Whether a file is a province's workspace (by its name: FILE.fsprov), not a commune's."""
    return not is_server(path) and Path(path).suffix.lower() == WORKSPACE_SUFFIX


def info(target: str | Path) -> ProvinceInfo:
    """The province, its review round and standard (refused when TARGET is not a province's workspace)."""
    with opened(target) as store:
        return store.info


def create_province(target: str | Path, province_code: str, year: int = 2026) -> ProvinceInfo:
    """A province's database for a review year (made here: an SQLite file, or the tables in a PostgreSQL
    database), with no identity."""
    province = next((p for p in refdata.provinces() if p.code == province_code), None)
    if province is None:
        raise WorkspaceError("province.error.no_such_province", "--province", code=province_code)
    standard = registry().for_year(year, province_code)
    info = ProvinceInfo(province.code, province.name, year, "annual", standard.id)
    ProvinceStore.create(connect(target, create=True), info, len(standard.indicators)).close()
    return info


def init_province(target: str | Path, user: str, province_code: str, year: int = 2026,
                  device: str | None = None, keys: Path | None = None) -> Identity:
    """A province's workspace: its database (made here) and its identity (keys in FILE.keys, or `keys`)."""
    keyfile = keys_of(target, keys)
    if keyfile.exists():
        raise WorkspaceError("sync.error.identity_exists", str(keyfile))
    create_province(target, province_code, year)
    identity = Identity.generate(user, PROVINCE, province_code, device)
    at_rest.save_identity(identity, target, keyfile)   # private keys encrypted beside an encrypted province file
    return identity


def trust_commune(target: str | Path, key_path: Path, fingerprint: str) -> PublicKey:
    """Trust a commune supervisor's public key, after its fingerprint was compared with the one the supervisor reads
    out (`fingerprint`: the digits of `spoken_fingerprint` as confirmed; refused when empty or different) — the same
    rule as a commune trusting an enumerator (services.sync.trust)."""
    key = read_public_key(Path(key_path))
    if not fingerprint or not fingerprint.strip():
        raise BundleError("sync.error.fingerprint_needed", str(key_path), fingerprint=spoken_fingerprint(key))
    if not fingerprint_matches(key, fingerprint):
        raise BundleError("sync.error.fingerprint_mismatch", str(key_path), fingerprint=spoken_fingerprint(key))
    with opened(target) as store:
        info = store.info
        if key.role != SUPERVISOR:
            raise BundleError("province.error.key_not_supervisor", str(key_path), role=key.role)
        unit = refdata.commune(key.commune_code)
        if unit is None or unit.province_code != info.province_code:
            raise BundleError("province.error.key_other_province", str(key_path), commune=key.commune_code,
                              province=info.province_name)
        store.trust_key({"fingerprint": key.fingerprint, "device": key.device, "user_name": key.user,
                         "role": key.role, "commune_code": key.commune_code, "sign_key": b64(key.sign_key),
                         "encrypt_key": b64(key.encrypt_key), "trusted_at": now_iso()})
    return key


# --- the commune's side: its result ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResultExport:
    path: Path
    bundle_id: str
    sequence: int
    households: int
    poor: int
    near_poor: int


def _head(doc: dict[str, Any]) -> Head:
    members = doc.get("members") or []
    head = next((m for m in members if isinstance(m, dict) and m.get("relationship") == "head"),
                members[0] if members and isinstance(members[0], dict) else {})
    birth = head.get("birth_date") if isinstance(head.get("birth_date"), str) else \
        str(head["birth_year"]) if isinstance(head.get("birth_year"), int) else ""
    idn = head.get("id_number")
    return Head(str(head.get("name") or "").strip()[:200], birth[:10],
                idn.strip()[:40] if isinstance(idn, str) else "")


def result_entries(ws: Workspace) -> Job[tuple[dict[str, Any], list]]:
    """What a commune's result carries (all but the manifest): its summary and its rows."""
    figures, counted = yield from counted_figures(ws, Scope.OFFICIAL, details=True)
    if figures.residents_missing:
        raise WorkspaceError("result.error.residents_missing", str(ws.path),
                             villages=", ".join(figures.residents_missing))
    ids = [i.id for i in ws.standard.indicators]
    heads: dict[str, Head] = {}
    wanted = set(figures.classes_by_household)
    for uuid, text in ws.iter_documents():
        if uuid in wanted:
            heads[uuid] = _head(json.loads(text))
    rows = [result_row(r, ids, Scope.OFFICIAL, heads.get(r.uuid)) for r in counted
            if r.status is not HouseholdStatus.MERGED]
    info = ws.info
    villages = [{"name": v.name, "residents": v.residents, "minority_residents": figures.minority[v.name].residents}
                for v in figures.villages]
    issued = [{"kind": d["kind"], "number": d["number"], "issued_on": d["issued_on"],
               "household_class": d["household_class"], "reprint": d["reprint_of"] is not None}
              for d in issued_register.issued(ws.db) if d["review_year"] == info.review_year]
    summary = {"commune": {"code": info.commune_code, "name": info.commune_name,
                           "province_code": info.province_code, "area": info.area},
               "standard": ws.standard.id, "indicators": ids, "villages": villages,
               "figures": declared_figures(figures, ids), "issued": issued}
    return summary, rows


def export_result(path: Path, out: Path, to: str | Path | None = None, at: datetime | None = None) -> Job[ResultExport]:
    """Write the commune's result for its province (a job: it counts every household). The supervisor only; to the
    province's key trusted here (`to`: which, when several)."""
    me = identity_of(path)
    at = at or datetime.now(timezone.utc)
    with Workspace.open(path) as ws:
        if me.role != SUPERVISOR:
            raise BundleError("sync.error.supervisor_only", "role")
        provinces = [r for r in sync_store.trusted_keys(ws.db, PROVINCE)
                     if to is None or str(to) in (r["device"], r["user"], r["fingerprint"])]
        if len(provinces) != 1:
            raise BundleError("result.error.no_province_key" if not provinces else "result.error.several_provinces",
                              "--to" if to else "keys")
        recipient = PublicKey.from_row(provinces[0])
        yield Progress(0, 1, "result")
        summary, rows = yield from result_entries(ws)
        info = ws.info
        # the number is taken (and kept) before the file exists: a number is never used twice
        with ws.db.atomic():
            sequence = int(ws.meta("result_sequence") or 0) + 1
            ws.set_meta("result_sequence", str(sequence))
        bundle_id = str(uuidlib.uuid4())
        entries = entries_of(summary, rows)
        manifest = Manifest(FORMAT_VERSION, "result", bundle_id, at.isoformat(timespec="seconds"), me.device,
                            me.user, me.role, info.commune_code, info.review_year, info.review_kind, {}, sequence,
                            True, recipient.device, {"households": len(rows)},
                            {name: sha256(data) for name, data in sorted(entries.items())})
        entries["manifest.json"] = canonical(manifest.to_dict())
        data = pack(entries, me, recipient)
        out = Path(out)
        if out.is_dir():
            out = out / f"{info.commune_code}_result_{info.review_year}_{sequence:04d}_{at:%Y%m%d-%H%M}{SUFFIX}"
        write_atomically(out, data)
        results = summary["figures"]["results"]
        yield Progress(1, 1, "result")
        return ResultExport(out, bundle_id, sequence, len(rows), results["poor"], results["near_poor"])


# --- the province's side: importing results --------------------------------------------------------------------------

@dataclass
class ResultReport:
    file: str
    status: str = "imported"            # imported | replaced | refused
    commune_code: str | None = None
    commune_name: str | None = None
    sequence: int | None = None
    households: int = 0
    poor: int = 0
    near_poor: int = 0
    replaced: str | None = None         # the bundle it replaced
    error: dict[str, Any] | None = None

    def text(self, lang: str = "vi") -> str:
        if self.error is not None:
            return t("province.import.refused", lang, reason=error_from_data(self.error).text(lang))
        return t(f"province.import.{self.status}", lang, file=self.file, commune=self.commune_name,
                 code=self.commune_code, sequence=self.sequence, households=self.households, poor=self.poor,
                 near=self.near_poor)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["error"] = self.text("en") if self.error else None
        return out


def result_files(sources: Iterable[Path]) -> list[Path]:
    """The result files named, a folder standing for the result files in it (by name)."""
    out: list[Path] = []
    for p in map(Path, sources):
        out.extend(sorted(p.glob(f"*{SUFFIX}")) if p.is_dir() else [p])
    return out


def check_result(store: ProvinceStore, me: Identity, path: Path, limits: Limits = DEFAULT_LIMITS) -> CommuneResult:
    """Every check that needs no write (file, signature, decryption, manifest, checksums, the round, the commune,
    the standard, the rows against the figures); raises BundleError naming the file."""
    return _checked(store.info, store.trusted_key, me, Path(path), limits)


def _checked(info: ProvinceInfo, trusted: Callable[[str], dict[str, Any] | None], me: Identity, path: Path,
             limits: Limits) -> CommuneResult:
    source = path.name
    data = read_file(path, limits)

    def find(fp: str) -> PublicKey | None:
        row = trusted(fp)
        return PublicKey.from_row(row) if row else None

    opened_bundle = open_bundle(data, source, find, me, limits)

    def check(m: Manifest) -> None:
        where = f"{source}: manifest.json"
        if m.kind != "result":
            raise BundleError("result.error.not_a_result", where)
        if m.commune_code != opened_bundle.signer.commune_code:
            raise BundleError("result.error.other_commune_key", where, commune=m.commune_code,
                              signer=opened_bundle.signer.commune_code)
        unit = refdata.commune(m.commune_code)
        if unit is None or unit.province_code != info.province_code:
            raise BundleError("province.error.key_other_province", where, commune=m.commune_code,
                              province=info.province_name)
        if (m.review_year, m.review_kind) != (info.review_year, info.review_kind):
            raise BundleError("sync.error.other_round", where, kind=review_round(m.review_kind), year=m.review_year,
                              expected_kind=review_round(info.review_kind), expected_year=info.review_year)

    def check_summary(summary: dict[str, Any], where: str) -> None:
        if summary.get("standard") != info.standard_id:
            raise BundleError("result.error.other_standard", where, standard=str(summary.get("standard"))[:40],
                              expected=info.standard_id)

    return read_result(opened_bundle, check, check_summary, limits)


def import_one(store: ProvinceStore, me: Identity, path: Path, limits: Limits = DEFAULT_LIMITS) -> ResultReport:
    """One commune's result, all or nothing (its many rows live until it is stored: the cycle collector waits)."""
    with parallel.collector_paused():
        try:
            outcome: CommuneResult | dict[str, Any] = check_result(store, me, path, limits)
        except FieldSurveyError as exc:
            outcome = error_data(exc)
        return _store_one(store, Path(path).name, outcome)


def _check_files(paths: list[Path], context: tuple) -> list[CommuneResult | dict[str, Any]]:
    """Results checked (in a worker process when several files are imported and a core is there for it): each a
    CommuneResult, or its refusal as plain data."""
    info, trusted, me, limits = context
    out: list[CommuneResult | dict[str, Any]] = []
    for path in paths:
        try:
            out.append(_checked(info, trusted.get, me, path, limits))
        except FieldSurveyError as exc:
            out.append(error_data(exc))
    return out


def _store_one(store: ProvinceStore, file: str, outcome: CommuneResult | dict[str, Any]) -> ResultReport:
    """A checked result stored in place of the commune's (unless it was seen already, or is older)."""
    report = ResultReport(file)
    if not isinstance(outcome, CommuneResult):
        report.status, report.error = "refused", outcome
        return report
    result, m = outcome, outcome.manifest
    report.commune_code, report.commune_name, report.sequence = m.commune_code, result.commune_name, m.sequence
    try:
        seen = store.bundle_seen(m.bundle_id)
        if seen:
            raise BundleError("province.error.replayed", report.file, at=seen)
        held = store.current(m.commune_code)
        if held is not None and not _newer(m, held):
            raise BundleError("province.error.stale", report.file, sequence=m.sequence, created=m.created_at,
                              held=held["sequence"], held_created=held["created_at"])
        figures = result.figures
        now = now_iso()
        head = {"commune_code": m.commune_code, "bundle_id": m.bundle_id, "sequence": m.sequence,
                "device": m.device, "user_name": m.user, "created_at": m.created_at, "imported_at": now,
                "file_name": report.file, "households": len(result.households)}
        store.replace_result(
            {**head, "commune_name": result.commune_name, "standard_id": result.standard_id,
             "figures": figures, "issued": [asdict(d) for d in result.issued]},
            [(v.name, v.residents, v.minority_residents) for v in result.villages], result.households,
            {**head, "residents": figures["residents"], "poor": figures["results"]["poor"],
             "near_poor": figures["results"]["near_poor"], "commune_name": result.commune_name},
            flat_figures(figures, len(result.indicators)))
    except FieldSurveyError as exc:
        report.status, report.error = "refused", error_data(exc)
        return report
    report.status = "replaced" if held else "imported"
    report.replaced = held["bundle_id"] if held else None
    report.households = len(result.households)
    report.poor, report.near_poor = figures["results"]["poor"], figures["results"]["near_poor"]
    return report


def _newer(m: Manifest, held: dict[str, Any]) -> bool:
    """Whether a result is newer than the one held for its commune: a later number from the same device, or — from
    another device (a new laptop) — made later."""
    if m.device == held["device"]:
        return m.sequence > held["sequence"]
    return m.created_at > held["created_at"]


# From how many files a worker process checking them (while this one stores) pays for itself: a fork costs
# milliseconds, a commune's result takes a second or so to check. Spawned workers (the desktop app) never: the
# province's private key would have to be handed to a fresh interpreter.
PAYS = parallel.Pays(forked=2, spawned=None)


def import_results(target: str | Path, sources: Iterable[Path], keys: Path | None = None,
                   limits: Limits = DEFAULT_LIMITS) -> Job[list[ResultReport]]:
    """Import commune results (files, or folders of them), one after another, each all or nothing; a refused one
    does not stop the others. The results are checked on the other cores while this process stores the ones
    checked (fieldsurvey.parallel), in the files' order. Yields progress."""
    paths = result_files(sources)
    me = at_rest.identity(target, keys_of(target, keys))
    reports = []
    with opened(target) as store:
        context = (store.info, store.trusted_key_rows(), me, limits)
        checked = parallel.map_chunks(_check_files, ([p] for p in paths), context, items=len(paths), pays=PAYS)
        try:
            with parallel.collector_paused():
                for i, (path, (outcome,)) in enumerate(zip(paths, checked)):
                    yield Progress(i, len(paths), path.name)
                    reports.append(_store_one(store, path.name, outcome))
        finally:
            checked.close()
        yield Progress(len(paths), len(paths), "")
    return reports


# --- who reported ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CommuneStatus:
    code: str
    name: str
    state: str                    # reported | late | missing | overdue
    versions: int = 0             # results received (more than one: it changed)
    imported_at: str | None = None
    created_at: str | None = None
    households: int = 0


STATES = ("reported", "late", "missing", "overdue")


def status_counts(rows: Iterable[CommuneStatus]) -> dict[str, int]:
    """How many communes are in each state, and how many changed their result (sent more than one)."""
    rows = list(rows)
    out = {s: sum(r.state == s for r in rows) for s in STATES}
    out["changed"] = sum(r.versions > 1 for r in rows)
    out["total"] = len(rows)
    return out


def status_summary(rows: Iterable[CommuneStatus], lang: str = "vi") -> str:
    """"N of M communes reported (L late), K not yet"."""
    c = status_counts(rows)
    return t("province.status.summary", lang, reported=c["reported"] + c["late"], total=c["total"], late=c["late"],
             missing=c["missing"] + c["overdue"])


def set_deadline(target: str | Path, deadline: date) -> None:
    with opened(target) as store:
        store.set_meta("deadline", deadline.isoformat())


def deadline(target: str | Path) -> str | None:
    """The day communes' results are due (YYYY-MM-DD), None when not set."""
    with opened(target) as store:
        return store.meta("deadline")


def status(target: str | Path, today: date | None = None) -> list[CommuneStatus]:
    """Every commune of the province: reported (in time), late (after the deadline), missing (not yet), overdue
    (not yet, and the deadline passed); how many results it sent (more than one: it changed)."""
    today = today or date.today()
    with opened(target) as store:
        info = store.info
        deadline = store.meta("deadline")
        held = {r["commune_code"]: r for r in store.reported()}
    province = next(p for p in refdata.provinces() if p.code == info.province_code)
    out = []
    for c in province.communes:
        r = held.get(c.code)
        if r is None:
            state = "overdue" if deadline and today.isoformat() > deadline else "missing"
            out.append(CommuneStatus(c.code, c.name, state))
            continue
        late = bool(deadline) and r["created_at"][:10] > deadline
        out.append(CommuneStatus(c.code, r["commune_name"], "late" if late else "reported", r["versions"],
                                 r["imported_at"], r["created_at"], r["households"]))
    return out


def changes(target: str | Path, commune: str | None = None) -> list[dict[str, Any]]:
    """Every result imported (the replaced ones too), oldest first: the province's record of what changed."""
    with opened(target) as store:
        return store.history(commune)


@dataclass(frozen=True)
class InTwoCommunes:
    how: str                      # id_number | name_birth
    key: str
    households: tuple[tuple[str, str, str, str, str], ...]   # (commune, uuid, head, birth, ID number)


def duplicates(target: str | Path) -> list[InTwoCommunes]:
    """Households counted in two communes (same head's ID number; or same head's name, diacritics folded, and birth
    date), for the communes to settle."""
    with opened(target) as store:
        rows = store.duplicates()
    groups: dict[tuple[str, str], list] = {}
    for how, key, *rest in rows:
        groups.setdefault((how, key), []).append(tuple(rest))
    return [InTwoCommunes(how, key, tuple(v)) for (how, key), v in groups.items()]


# --- last year --------------------------------------------------------------------------------------------------------

def carry_last_year(target: str | Path, old: str | Path) -> int:
    """Last year's figures by commune (and for the province), from last year's province workspace."""
    old_tables = tables(old)
    rows = {r.code: LastYear(old_tables.year, r.residents, r.poor, r.near_poor, str(old))
            for r in old_tables.communes}
    rows[old_tables.province_code] = LastYear(old_tables.year, old_tables.province.residents,
                                              old_tables.province.poor, old_tables.province.near_poor, str(old))
    with opened(target) as store:
        if store.info.review_year <= old_tables.year or store.info.province_code != old_tables.province_code:
            raise WorkspaceError("province.error.not_last_year", str(old), year=old_tables.year,
                                 province=old_tables.province_name)
        store.set_last_year(rows)
    return len(rows) - 1


def read_last_year_workbook(target: str | Path, book: Path, year: int | None = None) -> int:
    """Last year's figures by commune (and for the province) from last year's province workbook — the one
    `export_xlsx` wrote (it says its province and year), or one of its format (then `year` says which year).
    Refused, with nothing stored, when it is another province's, of this year or later, names a commune not in
    the province, or holds a cell that is not a number of households."""
    figures = read_results(Path(book), year)
    with opened(target) as store:
        info = store.info
        if figures.province_code not in (None, info.province_code) or figures.year >= info.review_year:
            raise WorkspaceError("province.error.not_last_year", str(book), year=figures.year,
                                 province=info.province_name)
        for code in figures.rows:
            unit = refdata.commune(code)
            if code != info.province_code and (unit is None or unit.province_code != info.province_code):
                raise WorkspaceError("province.error.not_in_province", str(book), code=code,
                                     province=info.province_name)
        store.set_last_year(figures.rows)
    return sum(code != info.province_code for code in figures.rows)


def units(target: str | Path) -> list[tuple[str, str]]:
    """The province (its 2-digit code) and its communes: (code, name), for typing last year's figures in."""
    code = info(target).province_code
    p = next(p for p in refdata.provinces() if p.code == code)
    return [(p.code, p.name), *((c.code, c.name) for c in p.communes)]


def type_last_year(target: str | Path, code: str, year: int, residents: int | None, poor: int, near_poor: int,
                   source: str = "") -> None:
    """Last year's figures of one commune (or, with the province's code, of the province), typed in."""
    with opened(target) as store:
        info = store.info
        unit = refdata.commune(code)
        if code != info.province_code and (unit is None or unit.province_code != info.province_code):
            raise WorkspaceError("province.error.not_in_province", "--commune", code=code,
                                 province=info.province_name)
        if year >= info.review_year:
            raise WorkspaceError("province.error.last_year_year", "--year", year=year, review=info.review_year)
        store.set_last_year({code: LastYear(year, residents, poor, near_poor, source or "typed")})


# --- the tables -------------------------------------------------------------------------------------------------------

def tables(target: str | Path) -> ProvinceTables:
    """The province's tables by commune, made by queries on its database, with last year beside them."""
    with opened(target) as store:
        info = store.info
        standard = registry().get(info.standard_id)
        n = len(standard.indicators)
        sums = store.commune_sums(n)
        names = {r["commune_code"]: r["commune_name"] for r in store.reported()}
        last = store.last_year()
    rows = tuple(unit_row(code, names[code], sums[code], n, last.get(code)) for code in sorted(sums))
    province = next(p for p in refdata.provinces() if p.code == info.province_code)
    province_last = last.get(info.province_code)
    if province_last is None and rows and all(r.last_year for r in rows):
        ly = [r.last_year for r in rows]
        province_last = LastYear(ly[0].year, None if any(x.residents is None for x in ly)
                                 else sum(x.residents for x in ly), sum(x.poor for x in ly),
                                 sum(x.near_poor for x in ly), "communes")
    return ProvinceTables(info.province_code, info.province_name, info.review_year,
                          tuple((i.number, i.id, i.name_vi, i.name_en) for i in standard.indicators), rows,
                          summed(info.province_code, info.province_name, rows, n, province_last),
                          tuple((c.code, c.name) for c in province.communes if c.code not in sums))


def sentences(target: str | Path, lang: str = "vi") -> list[str]:
    """The seed sentences: the province first, then each commune that reported."""
    tb = tables(target)
    return [sentence(r, tb.year, lang) for r in (tb.province, *tb.communes)]


def sentence_of(tb: ProvinceTables, row: Any, lang: str = "vi") -> str:
    """The seed sentence of one row of tables already made (the province's, or a commune's)."""
    return sentence(row, tb.year, lang)


def declared(target: str | Path) -> dict[str, dict[str, Any]]:
    """Each commune's official figures as its result declared them."""
    with opened(target) as store:
        return store.declared()


def export_pdf(target: str | Path, out: Path, lang: str = "vi", *, number: str | None = None,
               chairman: str | None = None, issued_on: date | None = None,
               template: Path | None = None) -> int:
    """The province's tables as a state-format report (resources/templates/bao-cao-tong-hop-tinh.toml, or a
    province's own file of the same kind): the covering report, then results with last year and the change,
    movement, the 12 deprivations, target groups and ethnic-minority households by commune, the province's row as
    each table's total. Returns the number of pages."""
    tb = tables(target)
    with opened(target) as store:
        info = store.info
    tpl = read_template(template, "province_report") if template else load_template("province_report")
    printed_at = datetime.now().replace(microsecond=0)
    ctx = ReportContext(commune_code=info.province_code, commune_name=info.province_name,
                        province_name=info.province_name, area="rural", review_year=info.review_year,
                        review_kind=info.review_kind, standard=registry().get(info.standard_id),
                        printed_at=printed_at, lang=lang, official=True, issued_on=issued_on)
    data = province_report_data(tb, ctx, number, chairman)
    with open(Path(out), "wb") as target_file:
        return TemplateRenderer(ctx, tpl).write([(tpl, data)], target_file)


def export_xlsx(target: str | Path, out: Path, lang: str = "vi") -> Path:
    """The province's tables as an Excel workbook."""
    write_workbook(tables(target), Path(out), lang)
    return Path(out)

