"""Commands for workspace care: backup, restore, check, carry-forward, movement. Imported by fieldsurvey.cli;
registers on `main`."""

from __future__ import annotations

from pathlib import Path

import click

from fieldsurvey.cli import main, run_job
from fieldsurvey.cli import echo_json
from fieldsurvey.i18n import t


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "to", type=click.Path(path_type=Path),
              help="Write the backup here (a file or a folder) instead of the rotating backups/ folder. Outside the "
                   "workspace's folder (a stick) it is encrypted to the supervisor's key (.fsbackup).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def backup(file: Path, to: Path | None, lang: str) -> None:
    """Back up workspace FILE now (SQLite backup API; checked before it is kept)."""
    from fieldsurvey.services.workspaces import backup as do_backup  # lazy: 330 ms at start-up otherwise

    from fieldsurvey.services.sync import is_sealed  # lazy: 290 ms at start-up otherwise

    made = do_backup(file, to)
    click.echo(t("storage.backup.done", lang, path=str(made)))
    if is_sealed(made):
        click.echo(t("sync.backup.sealed", lang))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("backup_file", metavar="[BACKUP]", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--with", "key_from", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="For an encrypted backup (.fsbackup): the supervisor's workspace, whose key file decrypts it "
                   "(default: FILE's own key file).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def restore(file: Path, backup_file: Path | None, key_from: Path | None, lang: str) -> None:
    """Put BACKUP in place of workspace FILE. The backup is checked first; the replaced file is kept. Without
    BACKUP, lists the backups kept for FILE. An encrypted backup (written to a stick by `backup --to`) is
    decrypted with the supervisor's key (--with)."""
    from fieldsurvey.services.workspaces import list_backups  # lazy: 330 ms at start-up otherwise
    from fieldsurvey.services.workspaces import restore as do_restore

    if backup_file is None:
        found = list_backups(file)
        click.echo(t("storage.restore.list" if found else "storage.restore.none", lang, path=str(file)))
        for p in found:
            click.echo(f"    {p}")
        raise SystemExit(1)
    kept = do_restore(file, backup_file, key_from)
    click.echo(t("storage.restore.done", lang, path=str(file), backup=str(backup_file)))
    if kept is not None:
        click.echo(t("storage.restore.kept", lang, path=str(kept)))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def check(file: Path, quiet: bool, lang: str) -> None:
    """Run the integrity checks on workspace FILE and print what they found (exit status 1 on problems)."""
    from fieldsurvey.services.workspaces import check as do_check  # lazy: 330 ms at start-up otherwise

    findings = run_job(do_check(file), quiet)
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
    from fieldsurvey.services.workspaces import carry_forward as do_carry  # lazy: 330 ms at start-up otherwise

    counts = run_job(do_carry(old, new, year), quiet)
    click.echo(t("storage.carry.done", lang, path=str(new), year=year, **counts))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (the table and each household's movement).")
@click.option("--official", is_flag=True, help="Count approved households only (the official figures).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def movement(file: Path, as_json: bool, official: bool, lang: str) -> None:
    """Print the movement of households since last year's review (from the carry-forward link), per village and
    for the commune: poor and near-poor at the start, remained, escaped, fell back, new, moved away, at the end."""
    from fieldsurvey.services.figures import MOVEMENT_COLUMNS, POOR_CLASSES  # lazy: 560 ms at start-up otherwise
    from fieldsurvey.services.figures import movement as compute
    from fieldsurvey.services.workspaces import opened

    with opened(file, read_only=True) as ws:
        fig = run_job(compute(ws, official), quiet=True)
    names = [v.name for v in fig.villages]

    def rows(cls) -> dict:
        return {name: dict(zip(MOVEMENT_COLUMNS, m.row())) for name, m in zip(names, fig.movement[cls])}

    if as_json:
        echo_json({"previous_year": fig.previous_year, "official": official,
                   "commune": {c.value: dict(zip(MOVEMENT_COLUMNS, fig.movement[c][-1].row())) for c in POOR_CLASSES},
                   "villages": {v: {c.value: rows(c)[v] for c in POOR_CLASSES} for v in names},
                   "households": {u: m.value for u, m in fig.moves_by_household.items()}})
        return
    if fig.previous_year is None:
        click.echo(t("storage.movement.no_previous", lang, path=str(file)))
        return
    heads = [t(f"storage.movement.col.{c}", lang) for c in MOVEMENT_COLUMNS]
    width = max(len(v) for v in [*names, t("storage.movement.commune", lang)]) + 2
    for cls in POOR_CLASSES:
        click.echo(t(f"storage.movement.title.{cls.value}", lang, year=fig.previous_year or "?"))
        click.echo(" " * width + " ".join(f"{h:>10}" for h in heads))
        for name, m in zip(names, fig.movement[cls]):
            click.echo(f"{name:<{width}}" + " ".join(f"{n:>10}" for n in m.row()))
        click.echo(f"{t('storage.movement.commune', lang):<{width}}"
                   + " ".join(f"{n:>10}" for n in fig.movement[cls][-1].row()))
