"""Commands for printing and Excel: print sheets|lists|certificates|summary, export-xlsx, issued. Imported by
fieldsurvey.cli; registers on `main`. docs/reports.md."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import click

from fieldsurvey.cli import echo_json, main, run_job

_FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_OUT = click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                    help="The file to write (written under a temporary name, renamed when complete).")
_LANG = click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
_QUIET = click.option("--quiet", is_flag=True, help="No progress output.")
_VILLAGE = click.option("--village", help="Only this village (its name; diacritics and case optional).")


def _official(fn: Callable) -> Callable:
    """The options every official document takes: draft or official copy, a province's template, the inputs."""
    for option in reversed((
        click.option("--official", is_flag=True,
                     help="The official copy: approved households only, no draft marks, recorded in the workspace's "
                          "register of issued documents."),
        click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path), multiple=True,
                     help="A province's own template file for a document printed here (the file says which; "
                          "may be given once per kind; docs/reports.md)."),
        click.option("--inputs", "inputs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="A TOML file with what the workspace does not hold: the chairman's name, a number, the "
                          "date, the meeting's attendance and votes (docs/reports.md)."),
        click.option("--chairman", help="The signer's name (else from --inputs, else left to fill by hand)."),
        click.option("--date", "issued_on", type=click.DateTime(["%Y-%m-%d"]),
                     help="The date written on the official copy, YYYY-MM-DD (default: today)."),
    )):
        fn = option(fn)
    return fn


def _inputs(inputs_file: Path | None, chairman: str | None, issued_on: datetime | None, number: str | None = None):
    from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

    return printing.document_inputs(inputs_file, chairman, issued_on, number)


def _run(job, out: Path, quiet: bool, what: str) -> None:
    count = run_job(job, quiet)
    click.echo(f"{out}: {count} {what}")


@main.group("print")
def print_group() -> None:
    """Print the official documents as PDF, in the state format (drafts unless --official): households' forms,
    requests, village minutes and posting lists, the decision, certificates, the commune's report; and the
    analysis."""


@print_group.command("sheets")
@_FILE
@_OUT
@_VILLAGE
@click.option("--household", help="Only this household (its id, or the start of it).")
@_official
@_LANG
@_QUIET
def print_sheets(file: Path, out: Path, village: str | None, household: str | None, official: bool,
                 template: tuple[Path, ...], inputs_file: Path | None, chairman: str | None,
                 issued_on: datetime | None, lang: str, quiet: bool) -> None:
    """The households' forms for signature (Phiếu B pre-filled: members, B1 labelled for what it is, B2 with each
    indicator's points and the total, the class), one per household, from workspace FILE. A draft unless
    --official."""
    from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

    _run(printing.print_sheets(file, out, village=village, household=household, lang=lang, official=official,
                               template=template, inputs=_inputs(inputs_file, chairman, issued_on)),
         out, quiet, "pages")


def _village_command(name: str, job_name: str, doc: str) -> None:
    @print_group.command(name, help=doc)
    @_FILE
    @_OUT
    @_VILLAGE
    @_official
    @_LANG
    @_QUIET
    def command(file: Path, out: Path, village: str | None, official: bool, template: tuple[Path, ...],
                inputs_file: Path | None, chairman: str | None, issued_on: datetime | None, lang: str,
                quiet: bool) -> None:
        from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

        job = getattr(printing, job_name)(file, out, village=village, lang=lang, official=official,
                                          template=template, inputs=_inputs(inputs_file, chairman, issued_on))
        _run(job, out, quiet, "pages")


_village_command("lists", "print_lists",
                 "Per village: the minutes of the village meeting (Circular 07/2021, Phụ lục V) with the attendance "
                 "and the vote per household, then the list for the public posting. A draft unless --official.")
_village_command("minutes", "print_minutes", "Per village: the minutes of the village meeting only.")
_village_command("posting", "print_posting", "Per village: the list for the public posting only.")


@print_group.command("decision")
@_FILE
@_OUT
@click.option("--number", help="The decision's number in the commune's register (…/QĐ-UBND).")
@_official
@_LANG
@_QUIET
def print_decision(file: Path, out: Path, number: str | None, official: bool, template: tuple[Path, ...],
                   inputs_file: Path | None, chairman: str | None, issued_on: datetime | None, lang: str,
                   quiet: bool) -> None:
    """The commune chairman's decision recognising the lists of poor, near-poor, escaped poor and escaped near-poor
    households (Decision 24/2021, Mẫu số 02), with the four lists by village. A draft unless --official."""
    from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

    _run(printing.print_decision(file, out, lang=lang, official=official, template=template,
                                 inputs=_inputs(inputs_file, chairman, issued_on, number)), out, quiet, "pages")


@print_group.command("certificates")
@_FILE
@_OUT
@_VILLAGE
@click.option("--household", help="Only this household (its id, or the start of it).")
@click.option("--first-number", type=click.IntRange(1, 10_000_000),
              help="Official copy: the number of the first new certificate (…/GCN-HN.HCN), above every number "
                   "already given (default: the next one).")
@_official
@_LANG
@_QUIET
def print_certificates(file: Path, out: Path, village: str | None, household: str | None, first_number: int | None,
                       official: bool, template: tuple[Path, ...], inputs_file: Path | None, chairman: str | None,
                       issued_on: datetime | None, lang: str, quiet: bool) -> None:
    """Certificates of poor and near-poor households (Giấy chứng nhận hộ nghèo, hộ cận nghèo; Decision 24/2021,
    Mẫu số 03). A draft unless --official."""
    from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

    inputs = _inputs(inputs_file, chairman, issued_on)
    _run(printing.print_certificates(file, out, village=village, lang=lang, first_number=first_number,
                                     official=official, template=template, inputs=inputs, household=household),
         out, quiet, "pages")


@print_group.command("requests")
@_FILE
@_OUT
@click.option("--form", type=click.Choice(["review", "escape"]), default="review", show_default=True,
              help="review: Mẫu số 01 (request for a review), for the new poor and near-poor households; escape: "
                   "Mẫu số 04 (request to be recognised as escaped), for the households escaping.")
@_VILLAGE
@click.option("--household", help="Only this household (its id, or the start of it), whatever its group.")
@_official
@_LANG
@_QUIET
def print_requests(file: Path, out: Path, form: str, village: str | None, household: str | None, official: bool,
                   template: tuple[Path, ...], inputs_file: Path | None, chairman: str | None,
                   issued_on: datetime | None, lang: str, quiet: bool) -> None:
    """Household requests (Decision 24/2021, Mẫu số 01 / Mẫu số 04) pre-filled from the household, for its head to
    sign."""
    from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

    _run(printing.print_requests(file, out, form=form, village=village, household=household, lang=lang,
                                 official=official, template=template,
                                 inputs=_inputs(inputs_file, chairman, issued_on)), out, quiet, "pages")


@print_group.command("summary")
@_FILE
@_OUT
@click.option("--number", help="The report's number in the commune's register (…/BC-UBND).")
@_official
@_LANG
@_QUIET
def print_summary(file: Path, out: Path, number: str | None, official: bool, template: tuple[Path, ...],
                  inputs_file: Path | None, chairman: str | None, issued_on: datetime | None, lang: str,
                  quiet: bool) -> None:
    """The commune's report on the review with its tables: results by village with the ethnic-minority sub-counts,
    movement, deprivations per indicator, groups, the lists of poor and near-poor households. A draft unless
    --official. The analysis is `print analysis`."""
    from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

    _run(printing.print_summary(file, out, lang=lang, official=official, template=template,
                                inputs=_inputs(inputs_file, chairman, issued_on, number)), out, quiet, "pages")


@print_group.command("analysis")
@_FILE
@_OUT
@_LANG
@_QUIET
def print_analysis(file: Path, out: Path, lang: str, quiet: bool) -> None:
    """The analysis, apart from the official tables: charts of the rates and deprivations, the Alkire–Foster
    measures."""
    from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

    _run(printing.print_analysis(file, out, lang=lang), out, quiet, "pages")


@main.command("export-xlsx")
@_FILE
@_OUT
@click.option("--number", help="The report's number in the commune's register (…/BC-UBND).")
@_official
@_LANG
@_QUIET
def export_xlsx(file: Path, out: Path, number: str | None, official: bool, template: tuple[Path, ...],
                inputs_file: Path | None, chairman: str | None, issued_on: datetime | None, lang: str,
                quiet: bool) -> None:
    """The commune's report as an Excel workbook following the same template (a sheet per table, numbers as
    numbers), and the Alkire–Foster analysis."""
    from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

    _run(printing.export_xlsx(file, out, lang=lang, official=official, template=template,
                              inputs=_inputs(inputs_file, chairman, issued_on, number)), out, quiet, "sheets")


@main.command("issued")
@_FILE
@click.option("--kind", help="Only documents of this kind (certificate, decision, minutes, posting, …).")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
def issued(file: Path, kind: str | None, as_json: bool) -> None:
    """The register of official documents issued from workspace FILE: kind, number, household or village, the date
    written on it, when and by whom it was printed, and whether it was a reprint."""
    from fieldsurvey.services import printing  # lazy: 840 ms at start-up otherwise

    rows = printing.issued_documents(file, kind)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        what = r["uuid"][:8] if r["uuid"] else (r["village"] or "")
        reprint = f" (reprint of #{r['reprint_of']})" if r["reprint_of"] else ""
        click.echo(f"#{r['id']} {r['kind']} {r['symbol'] or '-'} {what} {r['issued_on'] or ''} "
                   f"{r['issued_at']} {r['issued_by']}{reprint}")
    if not rows:
        click.echo("nothing issued yet")

