"""The province's roll-up, on SQLite and on a real PostgreSQL server: thirty communes' results give the province's
tables, equal to the sum of the communes' own official figures and identical on both engines; a tampered, foreign,
replayed, stale or other-round result is refused with the database unchanged; a family counted in two communes is
listed; a re-sent result replaces the one held and the change is kept."""

from __future__ import annotations

import json
import shutil
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from fieldsurvey.domain.figures import MOVEMENT_COLUMNS
from fieldsurvey.domain.province import add_figures, figures_of
from fieldsurvey.errors import BundleError
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import province, review
from fieldsurvey.services import sync as svc
from fieldsurvey.services.workspaces import opened
from fieldsurvey.sync.container import canonical, pack, sha256
from fieldsurvey.sync.keys import Identity, key_file_for
from fieldsurvey.sync.records import FORMAT_VERSION, Manifest
from tests.province.conftest import COMMUNES, PROVINCE, Built, export, make_commune, new_province, official
from tests.builders import trust_checked


def load(target: str, built: Built, files: list[Path]) -> list[province.ResultReport]:
    return run_to_end(province.import_results(target, files, keys=built.keys))


def snapshot(target: str) -> tuple:
    """Everything the province holds, as its use cases give it."""
    return (province.tables(target), province.changes(target), province.declared(target),
            province.status(target, date(2026, 12, 1)), province.duplicates(target))


# --- thirty communes --------------------------------------------------------------------------------------------------

def test_thirty_communes_roll_up_to_the_sum_of_their_own_official_figures(target, built):
    new_province(target, built)
    reports = load(target, built, [built.root / "results"])   # a folder of results
    assert [r.status for r in reports] == ["imported"] * COMMUNES, [r.text("en") for r in reports]
    tables = province.tables(target)
    own = {c.code: official(c.path) for c in built.communes}
    assert [r.code for r in tables.communes] == sorted(own)
    for row in tables.communes:
        assert figures_of(row) == own[row.code], row.code
    assert figures_of(tables.province) == add_figures(list(own.values()))
    # the figures are not trivial: households moved since last year, some are waiting, some are minority
    p = tables.province
    assert p.movement["poor"][MOVEMENT_COLUMNS.index("start")] > 0
    assert p.movement["poor"][MOVEMENT_COLUMNS.index("escaped")] > 0
    assert p.results["moved_away"] == COMMUNES and p.results["waiting"] > 0 and p.minority["counted"] > 0
    assert p.poor > 0 and p.residents and p.poverty_rate == pytest.approx(100 * p.poor / p.residents)
    assert sum(p.deprivations["poor"]) > 0 and sum(p.targets["poor"]) > 0
    assert len(tables.not_reported) == 92 - COMMUNES


def test_sqlite_and_postgresql_give_identical_tables(tmp_path, built, pg):
    lite = new_province(str(tmp_path / "p.fsprov"), built)
    server = new_province(pg.new_database("identical"), built)
    for target in (lite, server):
        assert all(r.status == "imported" for r in load(target, built, built.results()))
    a, b = province.tables(lite), province.tables(server)
    assert a == b
    assert province.duplicates(lite) == province.duplicates(server)
    assert province.sentences(lite, "vi") == province.sentences(server, "vi")


# --- refused, and nothing changes -------------------------------------------------------------------------------------

def _refusal(report: province.ResultReport) -> str:
    assert report.status == "refused", report.text("en")
    return report.error["key"]


def test_tampered_foreign_replayed_stale_and_other_round_results_are_refused_with_nothing_changed(
        target, built, tmp_path):
    new_province(target, built)
    first = built.communes[0]
    assert load(target, built, [first.result])[0].status == "imported"
    before = snapshot(target)

    tampered = tmp_path / "tampered.fsresult"
    data = bytearray(first.result.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))

    stranger = tmp_path / "stranger"   # a commune of the province whose key the province never trusted
    stranger.mkdir()
    foreign = make_commune(stranger, _unit(COMMUNES + 5), 7, built.province_key)
    export(foreign, stranger / "out")

    cases = {tampered: "sync.error.bad_signature", foreign.result: "sync.error.unknown_key",
             first.result: "province.error.replayed", built.old_round.result: "sync.error.other_round"}
    for path, key in cases.items():
        report = load(target, built, [path])[0]
        assert _refusal(report) == key, report.text("en")
        assert report.text("vi") != report.text("en")
        assert snapshot(target) == before, path.name


def test_an_older_result_after_a_newer_one_is_stale(target, built, tmp_path):
    new_province(target, built)
    c = built.communes[1]
    shutil.copy(c.result, tmp_path / "older.fsresult")
    newer = run_to_end(province.export_result(c.path, tmp_path / "newer.fsresult"))
    assert load(target, built, [newer.path])[0].status == "imported"
    before = snapshot(target)
    report = load(target, built, [tmp_path / "older.fsresult"])[0]
    assert _refusal(report) == "province.error.stale"
    assert "1" in report.text("vi") and "2" in report.text("vi")
    assert snapshot(target) == before


def test_figures_that_are_not_what_the_rows_add_up_to_are_refused(target, built, tmp_path):
    """A result signed by the right key whose declared figures were changed (one more poor household) is refused."""
    new_province(target, built)
    c = built.communes[2]
    me = Identity.load(key_file_for(c.path))
    with opened(c.path, read_only=True) as ws:
        summary, rows = run_to_end(province.result_entries(ws))
    summary["figures"]["results"]["poor"] += 1
    path = _sealed(tmp_path / "forged.fsresult", summary, rows, me, built, c.code)
    before = snapshot(target)
    report = load(target, built, [path])[0]
    assert _refusal(report) == "result.error.figures_disagree"
    assert "results" in report.text("en")
    assert snapshot(target) == before


def _sealed(path: Path, summary: dict, rows: list, me: Identity, built: Built, code: str) -> Path:
    from fieldsurvey.sync.keys import read_public_key
    from fieldsurvey.sync.results import entries_of

    entries = entries_of(summary, rows)
    manifest = Manifest(FORMAT_VERSION, "result", "6f1c2a52-0000-4000-8000-000000000001", "2026-12-01T00:00:00+00:00",
                        me.device, me.user, me.role, code, 2026, "annual", {}, 50, True, "dev-province",
                        {"households": len(rows)}, {n: sha256(d) for n, d in sorted(entries.items())})
    entries["manifest.json"] = canonical(manifest.to_dict())
    path.write_bytes(pack(entries, me, read_public_key(built.province_key)))
    return path


def _unit(i: int):
    from fieldsurvey.domain import refdata

    return next(p for p in refdata.provinces() if p.code == PROVINCE).communes[i]


# --- a family in two communes; a re-sent result ------------------------------------------------------------------------

def test_a_family_counted_in_two_communes_is_listed(target, built):
    new_province(target, built)
    load(target, built, built.results())
    found = province.duplicates(target)
    by_id = [d for d in found if d.how == "id_number"]
    assert [d.key for d in by_id] == [built.twin[0]]
    communes = {h[0] for h in by_id[0].households}
    assert communes == {built.communes[3].code, built.communes[7].code}
    by_name = [d for d in found if d.how == "name_birth"]
    assert any({h[0] for h in d.households} == communes for d in by_name)


def sums_agree(target: str) -> None:
    """The sums the tables read (each commune's rows added up when checked) are what one GROUP BY over the
    households stored gives."""
    with province.opened(target) as store:
        stored = {code: {k: v for k, v in sums.items() if k not in ("residents", "minority_residents")}
                  for code, sums in store.commune_sums(12).items()}
        assert stored == store.sums_from_households(12) and len(stored) > 0


def test_a_result_sent_again_replaces_the_one_held_and_the_change_is_kept(target, built, tmp_path):
    new_province(target, built)
    load(target, built, built.results())
    sums_agree(target)
    c = built.communes[4]
    first = province.tables(target)
    work = tmp_path / c.path.name
    shutil.copy(c.path, work)
    shutil.copy(key_file_for(c.path), key_file_for(work))
    with opened(work) as ws:
        waiting = [u for u, _ in ws.iter_documents() if ws.household_state(u).status in ("complete",)]
        review.decide(ws, waiting, "approve")
    again = run_to_end(province.export_result(work, tmp_path))
    report = load(target, built, [again.path])[0]
    assert report.status == "replaced" and report.replaced is not None, report.text("en")
    tables = province.tables(target)
    row = next(r for r in tables.communes if r.code == c.code)
    assert figures_of(row) == official(work)
    assert row.results["counted"] > next(r for r in first.communes if r.code == c.code).results["counted"]
    history = province.changes(target, c.code)
    assert len(history) == 2 and history[1]["replaced"] == history[0]["bundle_id"]
    state = next(s for s in province.status(target) if s.code == c.code)
    assert state.versions == 2
    sums_agree(target)           # the old rows and sums gone, the new ones in
    with province.opened(target) as store:
        assert store.db.one("SELECT COUNT(*) FROM households WHERE commune_code = ?", [c.code])[0] == \
            report.households


# --- who reported; last year; the sentence; Excel --------------------------------------------------------------------------

def test_who_reported_who_is_late_and_who_has_not(target, built):
    new_province(target, built)
    load(target, built, built.results()[:5])
    made = datetime.now(timezone.utc).date()
    province.set_deadline(target, made - timedelta(days=1))
    states = {s.code: s.state for s in province.status(target, made + timedelta(days=1))}
    assert [states[c.code] for c in built.communes[:5]] == ["late"] * 5
    assert states[built.communes[5].code] == "overdue"
    province.set_deadline(target, made + timedelta(days=10))
    states = {s.code: s.state for s in province.status(target, made)}
    assert states[built.communes[0].code] == "reported" and states[built.communes[5].code] == "missing"
    assert len(states) == 92


def test_last_years_figures_from_last_years_province_and_the_sentence(target, built, tmp_path):
    old = new_province(str(tmp_path / "old.fsprov"), built, year=2025)
    assert load(old, built, [built.old_round.result])[0].status == "imported"
    new_province(target, built)
    load(target, built, built.results())
    assert province.carry_last_year(target, old) == 1
    tables = province.tables(target)
    assert tables.province.last_year is not None and tables.province.last_year.year == 2025
    last = province.tables(old).province
    assert (tables.province.last_year.poor, tables.province.last_year.near_poor) == (last.poor, last.near_poor)
    text = province.sentences(target, "vi")[0]
    p = tables.province
    assert text.startswith("Tỉnh Thái Nguyên: ") and f"{p.poor} hộ nghèo" in text and "năm 2026" in text
    assert f"{last.poor} hộ nghèo" in text and "năm 2025" in text
    rate = f"{p.poverty_rate:.2f}".replace(".", ",")
    assert f"{rate} %" in text
    english = province.sentences(target, "en")
    assert english[0].startswith("Tỉnh Thái Nguyên: ") and "poor households" in english[0]
    assert len(english) == 1 + COMMUNES
    # typed in: one commune's last year
    code = built.communes[0].code
    province.type_last_year(target, code, 2025, 100, 9, 4)
    row = next(r for r in province.tables(target).communes if r.code == code)
    assert row.last_year.poor == 9 and "9 poor" in province.sentences(target, "en")[1]
    with pytest.raises(Exception) as exc:
        province.type_last_year(target, code, 2026, 100, 9, 4)
    assert exc.value.key == "province.error.last_year_year"


def test_the_workbook_holds_the_same_numbers(target, built, tmp_path):
    new_province(target, built)
    load(target, built, built.results())
    out = province.export_xlsx(target, tmp_path / "tinh.xlsx", "vi")
    wb = openpyxl.load_workbook(out)
    assert len(wb.sheetnames) == 5
    sheet = wb[wb.sheetnames[0]]
    tables = province.tables(target)
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(rows) == COMMUNES + 1
    assert rows[-1][0] == PROVINCE and rows[-1][3] == tables.province.poor and rows[-1][5] == tables.province.near_poor
    assert rows[0][1] == tables.communes[0].name and rows[0][2] == tables.communes[0].residents


def test_a_result_for_the_province_is_refused_by_a_communes_import(built, tmp_path):
    c = built.communes[0]
    work = tmp_path / "copy.fsdb"
    shutil.copy(c.path, work)
    shutil.copy(key_file_for(c.path), key_file_for(work))
    report = run_to_end(svc.import_bundles(work, [c.result]))[0]
    assert report.status == "refused"   # encrypted to the province: this commune cannot even read it


def test_only_a_supervisor_with_the_provinces_key_exports_a_result(built, tmp_path):
    enum = tmp_path / "enum.fsdb"
    svc.init_workspace(enum, "lan", "enumerator", built.communes[0].code)
    with pytest.raises(BundleError) as exc:
        run_to_end(province.export_result(enum, tmp_path))
    assert exc.value.key == "sync.error.supervisor_only"
    sup = tmp_path / "sup.fsdb"
    svc.init_workspace(sup, "thu", "supervisor", built.communes[0].code, villages=2)
    with pytest.raises(BundleError) as exc:
        run_to_end(province.export_result(sup, tmp_path))
    assert exc.value.key == "result.error.no_province_key"
    trust_checked(sup, built.province_key)
    with pytest.raises(Exception) as exc:
        run_to_end(province.export_result(sup, tmp_path))
    assert exc.value.key == "result.error.residents_missing"


def test_a_commune_trusts_only_its_own_provinces_key(built, tmp_path):
    other = tmp_path / "other.keys"
    Identity.generate("hn", "province", "01").save(other)
    svc.export_key(tmp_path / "other", tmp_path / "other.fskey")
    sup = tmp_path / "sup.fsdb"
    svc.init_workspace(sup, "thu", "supervisor", built.communes[0].code, villages=1)
    with pytest.raises(BundleError) as exc:
        trust_checked(sup, tmp_path / "other.fskey")
    assert exc.value.key == "sync.error.key_other_province"
    assert json.loads((tmp_path / "other.fskey").read_text())["commune_code"] == "01"


@pytest.mark.parametrize("field, value, key", [
    ("flags", "020100", "result.error.flags"),
    ("deprived", "01", "result.error.flags"),
    ("household_class", "rich", "result.error.class"),
    ("uuid", "not-a-uuid", "sync.error.action_uuid"),
    ("head_birth", "1.1.1970", "result.error.birth"),
    ("members", -1, "sync.error.whole_number"),
    ("head_name", "Lò Văn\x00Pả", "values.error.control"),    # a NUL: PostgreSQL's COPY stopped on it, SQLite kept it
    ("village", "Thôn\n1", "values.error.control"),
    ("head_id", "0871\x1b24", "values.error.control"),
])
def test_a_wrong_row_is_refused_naming_it(built, tmp_path, field, value, key):
    """Rows are checked column by column; the one that is wrong is named (its uuid), whatever the column."""
    target = new_province(str(tmp_path / "p.fsprov"), built)
    c = built.communes[2]
    me = Identity.load(key_file_for(c.path))
    with opened(c.path, read_only=True) as ws:
        summary, rows = run_to_end(province.result_entries(ws))
    counted = next(i for i, r in enumerate(rows) if r.household_class is not None)
    rows[counted] = rows[counted]._replace(**{field: value})
    report = load(target, built, [_sealed(tmp_path / "forged.fsresult", summary, rows, me, built, c.code)])[0]
    assert _refusal(report) == key, report.text("en")
    if field != "uuid":
        assert rows[counted].uuid in report.text("en")
    assert province.tables(target).communes == ()


def test_a_loading_province_never_blocks_a_reader(target, built):
    """While one connection replaces a commune's rows (its transaction open), another reads the tables at once and
    sees the figures as they were (SQLite's WAL; PostgreSQL's MVCC)."""
    from fieldsurvey.storage.province import ProvinceStore, connect

    new_province(target, built)
    load(target, built, built.results()[:3])
    before = province.tables(target)
    writer = ProvinceStore.open(connect(target), target)
    try:
        with writer.db.transaction():
            writer.db.execute("DELETE FROM households WHERE commune_code = ?", [built.communes[0].code])
            writer.db.execute("DELETE FROM commune_sums WHERE commune_code = ?", [built.communes[0].code])
            started = time.perf_counter()
            assert province.tables(target) == before
            assert time.perf_counter() - started < 5
    finally:
        writer.close()
