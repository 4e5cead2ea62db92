"""Commands for workspace care: backup, restore, check, carry-forward. Imported by fieldsurvey.cli; registers on `main`."""

from __future__ import annotations

from pathlib import Path

import click

from fieldsurvey.cli import fail, main, run_job
from fieldsurvey.errors import FieldSurveyError


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "to", type=click.Path(path_type=Path),
              help="Write the backup here (a file or a folder) instead of the rotating backups/ folder.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def backup(file: Path, to: Path | None, lang: str) -> None:
    """Back up workspace FILE now (SQLite backup API; checked before it is kept)."""
    from fieldsurvey.i18n import t
    from fieldsurvey.services.records import backup as do_backup

    try:
        made = do_backup(file, to)
    except FieldSurveyError as exc:
        fail(exc)
    click.echo(t("storage.backup.done", lang, path=str(made)))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("backup_file", metavar="[BACKUP]", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def restore(file: Path, backup_file: Path | None, lang: str) -> None:
    """Put BACKUP in place of workspace FILE. The backup is checked first; the replaced file is kept. Without
    BACKUP, lists the backups kept for FILE."""
    from fieldsurvey.i18n import t
    from fieldsurvey.services.records import list_backups
    from fieldsurvey.services.records import restore as do_restore

    if backup_file is None:
        found = list_backups(file)
        click.echo(t("storage.restore.list" if found else "storage.restore.none", lang, path=str(file)))
        for p in found:
            click.echo(f"    {p}")
        raise SystemExit(1)
    try:
        kept = do_restore(file, backup_file)
    except FieldSurveyError as exc:
        fail(exc)
    click.echo(t("storage.restore.done", lang, path=str(file), backup=str(backup_file)))
    if kept is not None:
        click.echo(t("storage.restore.kept", lang, path=str(kept)))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def check(file: Path, quiet: bool, lang: str) -> None:
    """Run the integrity checks on workspace FILE and print what they found (exit status 1 on problems)."""
    from fieldsurvey.i18n import t
    from fieldsurvey.services.records import check as do_check

    try:
        findings = run_job(do_check(file), quiet)
    except FieldSurveyError as exc:
        fail(exc)
    bad = 0
    for f in findings:
        name = t(f"storage.check.{f.check}", lang)
        if f.ok:
            click.echo(t("storage.check.ok", lang, check=name, count=f.count))
        else:
            bad += 1
            click.echo(t("storage.check.problems", lang, check=name, problems=len(f.problems)))
            for p in f.problems:
                click.echo(f"    {p}")
    if bad:
        click.echo(t("storage.check.failed", lang, file=str(file), checks=bad))
        raise SystemExit(1)
    click.echo(t("storage.check.passed", lang, file=str(file)))


@main.command(name="carry-forward")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", required=True, type=click.IntRange(2016, 2100), help="The new review year.")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def carry_forward(old: Path, new: Path, year: int, quiet: bool, lang: str) -> None:
    """Start next year's review NEW from this year's workspace OLD (households and members carried over,
    statuses reset, last year's result kept as the link)."""
    from fieldsurvey.i18n import t
    from fieldsurvey.services.records import carry_forward as do_carry

    try:
        counts = run_job(do_carry(old, new, year), quiet)
    except FieldSurveyError as exc:
        fail(exc)
    click.echo(t("storage.carry.done", lang, path=str(new), year=year, **counts))
