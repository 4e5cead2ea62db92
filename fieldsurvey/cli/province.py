"""Commands for the province's roll-up: a commune's result (`fieldsurvey result export`) and the province's workspace
(`fieldsurvey province …`). Imported by fieldsurvey.cli; registers on `main`. Every command is a thin shell over
fieldsurvey/services/province.py.

A province's workspace is an SQLite file FILE with its keys in FILE.keys; with `--database postgresql://…` the
roll-up lives in that PostgreSQL database instead, and FILE only names where the keys are (FILE.keys)."""

from __future__ import annotations

import functools
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

import click

from fieldsurvey.cli import echo_json, main, run_job
from fieldsurvey.cli.sync import confirmed_fingerprint
from fieldsurvey.i18n import format_number, t

_FILE = click.Path(dir_okay=False, path_type=Path)
_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
_LANG = click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)


def _svc() -> Any:
    from fieldsurvey.services import province  # lazy: 950 ms at start-up otherwise (Excel, sync, the count)

    return province


def _target(file: Path, database: str | None) -> str:
    return database or str(file)


def on_province(fn: Callable) -> Callable:
    """FILE and --database: the command's `target` (the database) and `keys` (the province's key file)."""
    @click.argument("file", type=_FILE)
    @click.option("--database", metavar="URL",
                  help="The roll-up lives in this PostgreSQL database (postgresql://user@host/db); FILE then only "
                       "names the keys (FILE.keys).")
    @functools.wraps(fn)
    def wrapper(file: Path, database: str | None, **kw: Any) -> Any:
        return fn(target=_target(file, database), keys=_svc().key_file(file), **kw)
    return wrapper


# --- the commune's result ---------------------------------------------------------------------------------------------

@main.group()
def result() -> None:
    """A commune's result for its province (the commune's supervisor)."""


@result.command("export")
@click.argument("file", type=_EXISTING)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="A file, or a folder to write it in.")
@click.option("--to", "to", help="The province's key (device, user or fingerprint) when several are trusted.")
@click.option("--quiet", is_flag=True)
def result_export(file: Path, out: Path, to: str | None, quiet: bool) -> None:
    """Write the commune's result for its province: approved households with their classes, deprivations and
    movement, the villages' resident households, the official figures and what was issued; signed, and encrypted to
    the province's key (trust it first: fieldsurvey keys trust FILE PROVINCE.fskey --fingerprint …)."""
    done = run_job(_svc().export_result(file, out, to), quiet)
    click.echo(f"{done.path}: result no. {done.sequence}, {done.households} households, {done.poor} poor, "
               f"{done.near_poor} near-poor")


# --- the province ----------------------------------------------------------------------------------------------------

@main.group("province")
def province_group() -> None:
    """The province's roll-up of its communes' results (a province's workspace: fieldsurvey init FILE --role
    province --province CODE)."""


@province_group.command("trust")
@on_province
@click.argument("key_file", type=_EXISTING)
@click.option("--fingerprint", "expected", help="The fingerprint read out by the commune's supervisor (the 8 groups "
                                                "of 5 digits of `fieldsurvey keys show`); refused if it differs. "
                                                "Without it, the fingerprint is shown and you are asked to confirm it.")
@_LANG
def province_trust(target: str, keys: Path, key_file: Path, expected: str | None, lang: str) -> None:
    """Trust a commune supervisor's public key: its results are accepted from now on. Compare its fingerprint,
    group by group, with the one the supervisor reads out before you confirm."""
    expected, spoken = confirmed_fingerprint(key_file, expected, lang)
    key = _svc().trust_commune(target, key_file, expected)
    click.echo(f"{key_file}: {key.role} {key.user}, commune {key.commune_code}, device {key.device}\n"
               f"fingerprint {spoken}")


@province_group.command("import")
@on_province
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.option("--quiet", is_flag=True)
@_LANG
def province_import(target: str, keys: Path, sources: tuple[Path, ...], as_json: bool, quiet: bool,
                    lang: str) -> None:
    """Import commune results (files, or folders of .fsresult files), each all or nothing; a newer result of a
    commune replaces the one held."""
    reports = run_job(_svc().import_results(target, sources, keys), quiet)
    if as_json:
        echo_json([r.to_dict() for r in reports])
        return
    for r in reports:
        click.echo(r.text(lang))


@province_group.command("status")
@on_province
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Judge lateness as of this day (default: today).")
@click.option("--json", "as_json", is_flag=True)
@_LANG
def province_status(target: str, keys: Path, today: Any, as_json: bool, lang: str) -> None:
    """Which communes reported, which are late, which have not, and which sent a changed result."""
    rows = _svc().status(target, today.date() if today else None)
    if as_json:
        echo_json([asdict(r) for r in rows])
        return
    for r in rows:
        changed = f" — {t('province.status.changed', lang, n=r.versions - 1)}" if r.versions > 1 else ""
        sent = f" ({t('province.status.sent', lang, at=r.created_at, households=r.households)})" if r.created_at else ""
        click.echo(f"{r.code}  {r.name:<32} {t('province.status.' + r.state, lang)}{sent}{changed}")
    click.echo(_svc().status_summary(rows, lang))


@province_group.command("deadline")
@on_province
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
def province_deadline(target: str, keys: Path, day: Any) -> None:
    """Set the day by which communes must send their results (YYYY-MM-DD)."""
    _svc().set_deadline(target, day.date())
    click.echo(day.date().isoformat())


@province_group.command("changes")
@on_province
@click.argument("commune", required=False)
@click.option("--json", "as_json", is_flag=True)
@_LANG
def province_changes(target: str, keys: Path, commune: str | None, as_json: bool, lang: str) -> None:
    """Every result imported, the replaced ones too (of one commune when given), oldest first."""
    rows = _svc().changes(target, commune)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['commune_code']}  no. {r['sequence']}  {r['created_at']} → {r['imported_at']}  "
                   f"{r['households']} / {r['poor']} / {r['near_poor']}"
                   + (f"  (replaces {r['replaced']})" if r["replaced"] else "") + f"  {r['file_name']}")
    if not rows:
        click.echo(t("province.changes.none", lang))


@province_group.command("duplicates")
@on_province
@click.option("--json", "as_json", is_flag=True)
@_LANG
def province_duplicates(target: str, keys: Path, as_json: bool, lang: str) -> None:
    """Households counted in two communes (same head's ID number, or same head's name and birth date), for the
    communes to settle."""
    found = _svc().duplicates(target)
    if as_json:
        echo_json([asdict(d) for d in found])
        return
    for d in found:
        click.echo(t(f"province.duplicates.{d.how}", lang, key=d.key))
        for commune, uuid, head, birth, idn in d.households:
            click.echo(f"  {commune}  {uuid}  {head}  {birth}  {idn}")
    if not found:
        click.echo(t("province.duplicates.none", lang))


@province_group.command("last-year")
@on_province
@click.option("--from", "old", metavar="OLD", help="Last year's province workspace (a file or postgresql://…).")
@click.option("--workbook", type=_EXISTING, help="Last year's province workbook (the one export-xlsx wrote; "
                                                "another of its format needs --year).")
@click.option("--commune", "code", help="Type in one commune's figures (its 5-digit code; the province's 2-digit "
                                        "code for the province's).")
@click.option("--year", type=int, help="The year of the typed-in figures.")
@click.option("--households", "residents", type=click.IntRange(0), help="Resident households that year.")
@click.option("--poor", type=click.IntRange(0))
@click.option("--near-poor", "near_poor", type=click.IntRange(0))
def province_last_year(target: str, keys: Path, old: str | None, workbook: Path | None, code: str | None,
                       year: int | None,
                       residents: int | None, poor: int | None, near_poor: int | None) -> None:
    """Last year's figures beside this year's: carried from last year's province workspace (--from), read from
    last year's province workbook (--workbook), or typed in for one commune (--commune CODE --year Y --households N
    --poor N --near-poor N)."""
    if workbook:
        n = _svc().read_last_year_workbook(target, workbook, year)
        click.echo(f"{n} communes")
        return
    if old:
        n = _svc().carry_last_year(target, old)
        click.echo(f"{n} communes")
        return
    if not (code and year and poor is not None and near_poor is not None):
        raise click.UsageError("give --from OLD, --workbook BOOK, or --commune, --year, --poor and --near-poor")
    _svc().type_last_year(target, code, year, residents, poor, near_poor)
    click.echo(f"{code} {year}: {poor} / {near_poor}")


@province_group.command("tables")
@on_province
@click.option("--json", "as_json", is_flag=True, help="Every table, as JSON.")
@_LANG
def province_tables(target: str, keys: Path, as_json: bool, lang: str) -> None:
    """The province's results by commune (resident households, poor, near-poor and their rates, last year beside
    them); --json: every table (results, movement, the 12 deprivations, target groups, ethnic minority)."""
    tb = _svc().tables(target)
    if as_json:
        echo_json(asdict(tb))
        return

    def pct(v: float | None) -> str:
        return "—" if v is None else format_number(round(v, 2), lang, 2)

    for r in (*tb.communes, tb.province):
        last = r.last_year
        click.echo(f"{r.code:<6}{r.name:<34}{r.residents if r.residents is not None else '—':>8}"
                   f"{r.poor:>7}{pct(r.poverty_rate):>7}{r.near_poor:>7}{pct(r.near_poverty_rate):>7}"
                   + (f"   {last.year}: {last.poor} {pct(last.poverty_rate)} {last.near_poor} "
                      f"{pct(last.near_poverty_rate)}" if last else ""))


@province_group.command("sentence")
@on_province
@_LANG
def province_sentence(target: str, keys: Path, lang: str) -> None:
    """The figures in words: "N poor households, X %, and M near-poor, Y %, in YEAR; last year …", for the province
    and each commune that reported."""
    for line in _svc().sentences(target, lang):
        click.echo(line)


@province_group.command("export-xlsx")
@on_province
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@_LANG
def province_export_xlsx(target: str, keys: Path, out: Path, lang: str) -> None:
    """The province's tables as an Excel workbook (a sheet per table, a row per commune, the province last)."""
    click.echo(str(_svc().export_xlsx(target, out, lang)))



@province_group.command("export-pdf")
@on_province
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--number", help="The report's number (Số …/BC-UBND); left dotted to fill in by hand when not given.")
@click.option("--chairman", help="The name under the signature.")
@click.option("--date", "issued_on", type=click.DateTime(["%Y-%m-%d"]),
              help="The date written on it (YYYY-MM-DD); dotted when not given.")
@click.option("--template", type=_EXISTING, help="A province's own template of the same kind (province_report).")
@_LANG
def province_export_pdf(target: str, keys: Path, out: Path, number: str | None, chairman: str | None,
                        issued_on: Any, template: Path | None, lang: str) -> None:
    """The province's tables as a state-format report (PDF): results with last year and the change, movement, the
    12 deprivations, target groups and ethnic-minority households by commune, the province's row as the total."""
    pages = _svc().export_pdf(target, out, lang, number=number, chairman=chairman,
                              issued_on=issued_on.date() if issued_on else None, template=template)
    click.echo(f"{out}: {pages} pages")
