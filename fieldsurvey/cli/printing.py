"""Commands for printing and Excel: print sheets|lists|certificates|summary, export-xlsx. Imported by fieldsurvey.cli;
registers on `main`. docs/reports.md."""

from __future__ import annotations

from pathlib import Path

import click

from fieldsurvey.cli import main, run_job

_FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_OUT = click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                    help="The file to write (written under a temporary name, renamed when complete).")
_LANG = click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
_QUIET = click.option("--quiet", is_flag=True, help="No progress output.")
_VILLAGE = click.option("--village", help="Only this village (its name; diacritics and case optional).")


def _run(job, out: Path, quiet: bool, what: str) -> None:
    count = run_job(job, quiet)
    click.echo(f"{out}: {count} {what}")


@main.group("print")
def print_group() -> None:
    """Print household sheets, village lists and minutes, certificates or the commune summary as PDF."""


@print_group.command("sheets")
@_FILE
@_OUT
@_VILLAGE
@click.option("--household", help="Only this household (its id, or the start of it).")
@_LANG
@_QUIET
def print_sheets(file: Path, out: Path, village: str | None, household: str | None, lang: str, quiet: bool) -> None:
    """Household classification sheets (one A4 page per household) from workspace FILE."""
    from fieldsurvey.services import printing  # lazy: 800 ms at start-up otherwise

    _run(printing.print_sheets(file, out, village=village, household=household, lang=lang), out, quiet, "pages")


@print_group.command("lists")
@_FILE
@_OUT
@_VILLAGE
@_LANG
@_QUIET
def print_lists(file: Path, out: Path, village: str | None, lang: str, quiet: bool) -> None:
    """Per village: the meeting minutes pre-filled with the counts and the lists of households proposed poor,
    near-poor, escaped and new, for the meeting and the public posting."""
    from fieldsurvey.services import printing  # lazy: 800 ms at start-up otherwise

    _run(printing.print_lists(file, out, village=village, lang=lang), out, quiet, "pages")


@print_group.command("certificates")
@_FILE
@_OUT
@_VILLAGE
@click.option("--first-number", default=1, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Number of the first certificate (…/GCN-HN.HCN).")
@_LANG
@_QUIET
def print_certificates(file: Path, out: Path, village: str | None, first_number: int, lang: str,
                       quiet: bool) -> None:
    """Certificates of poor and near-poor households (Giấy chứng nhận hộ nghèo / hộ cận nghèo)."""
    from fieldsurvey.services import printing  # lazy: 800 ms at start-up otherwise

    _run(printing.print_certificates(file, out, village=village, lang=lang, first_number=first_number), out,
         quiet, "pages")


_OFFICIAL = click.option("--official", is_flag=True,
                         help="The official figures: approved households only (else every finished household).")


@print_group.command("summary")
@_FILE
@_OUT
@_OFFICIAL
@_LANG
@_QUIET
def print_summary(file: Path, out: Path, official: bool, lang: str, quiet: bool) -> None:
    """The commune's summary: results by village, movement, deprivations, target groups, charts, detailed lists and
    the Alkire–Foster analysis page."""
    from fieldsurvey.services import printing  # lazy: 800 ms at start-up otherwise

    _run(printing.print_summary(file, out, lang=lang, official=official), out, quiet, "pages")


@main.command("export-xlsx")
@_FILE
@_OUT
@_OFFICIAL
@_LANG
@_QUIET
def export_xlsx(file: Path, out: Path, official: bool, lang: str, quiet: bool) -> None:
    """The commune summary as an Excel workbook (a sheet per table, numbers as numbers)."""
    from fieldsurvey.services import printing  # lazy: 800 ms at start-up otherwise

    _run(printing.export_xlsx(file, out, lang=lang, official=official), out, quiet, "sheets")
