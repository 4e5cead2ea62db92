"""The `fieldsurvey` command: a thin shell over the service layer (click). With no arguments it opens the GUI."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TypeVar

import click

from fieldsurvey import __version__
from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.i18n import t
from fieldsurvey.progress import Job

T = TypeVar("T")


def message_lang(ctx: click.Context | None = None) -> str | None:
    """The language the user asked for: the command's `--lang` when given on the command line, else
    FIELDSURVEY_LANG, else a Vietnamese locale (LC_ALL, LC_MESSAGES, LANG); None: English, as before."""
    if ctx is not None and "lang" in ctx.params and ctx.params["lang"] and \
            ctx.get_parameter_source("lang") is click.core.ParameterSource.COMMANDLINE:
        return ctx.params["lang"]
    chosen = os.environ.get("FIELDSURVEY_LANG", "")
    if chosen in ("vi", "en"):
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "vi" if value.lower().startswith("vi") else None
    return None


def fail(exc: FieldSurveyError, lang: str | None = None) -> None:
    raise click.ClickException(exc.text(lang) if lang else str(exc))


class _Command(click.Command):
    """A command: bad input anywhere below (a FieldSurveyError: what is wrong and where) ends it with that message,
    in the user's language (`message_lang`), and exit status 1 — never a traceback. Commands need not catch it."""

    def invoke(self, ctx: click.Context) -> Any:
        if self.name != "gui":   # a workspace this command holds names it to whoever finds it taken
            from fieldsurvey.services.workspaces import working_as   # lazy: 550 ms at start-up otherwise

            working_as("command", ctx.command_path.partition(" ")[2])
        try:
            return super().invoke(ctx)
        except FieldSurveyError as exc:
            fail(exc, message_lang(ctx))


class _Commands(click.Group):
    """The command group: its commands and groups are `_Command`s and `_Commands`; a refusal while choosing one is
    said the same way."""
    command_class = _Command
    group_class = type

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FieldSurveyError as exc:
            fail(exc, message_lang(ctx))


def run_job(job: Job[T], quiet: bool = False) -> T:
    """Run a generator job, drawing its progress on stderr."""
    last = -1
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            if not quiet and last >= 0:
                click.echo("", err=True)
            return stop.value
        except BaseException:
            if not quiet and last >= 0:
                click.echo("", err=True)   # the message that follows starts on a line of its own
            raise
        if quiet:
            continue
        pct = int(p.fraction * 100)
        if pct != last:
            click.echo(f"\r{p.message}: {p.done}/{p.total} ({pct}%)", err=True, nl=False)
            last = pct


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


PASSPHRASE_ENV = "FIELDSURVEY_PASSPHRASE"
PASSPHRASE_FILE_ENV = "FIELDSURVEY_PASSPHRASE_FILE"


class PassphraseSource:
    """Where the command line takes an encrypted workspace's passphrase from: a file (`--passphrase-file`), the
    environment variable FIELDSURVEY_PASSPHRASE, else the keyboard (hidden; asked again after a wrong one). Never
    written anywhere, never echoed."""

    def __init__(self, file: Path | None):
        self.file = file

    @property
    def again(self) -> bool:
        return self.file is None and PASSPHRASE_ENV not in os.environ

    def given(self) -> str | None:
        if self.file is not None:
            return read_secret_file(self.file)
        return os.environ.get(PASSPHRASE_ENV)

    def __call__(self, path: Path) -> str:
        found = self.given()
        if found is not None:
            return found
        return click.prompt(t("encryption.prompt.passphrase", message_lang() or "en", file=str(path)),
                            hide_input=True, err=True)


def read_secret_file(path: Path) -> str:
    """A passphrase or recovery key kept in a file (CI): its first line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror}") from None
    return text.splitlines()[0] if text else ""


@click.group(cls=_Commands, invoke_without_command=True)
@click.version_option(__version__, prog_name="fieldsurvey")
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              envvar=PASSPHRASE_FILE_ENV,
              help="Read an encrypted workspace's passphrase from this file's first line (also "
                   "FIELDSURVEY_PASSPHRASE_FILE) — for scripts and CI, which have no keyboard.")
@click.pass_context
def main(ctx: click.Context, passphrase_file: Path | None) -> None:
    """FieldSurvey — the yearly review of poor and near-poor households, offline.

    With no command, opens the desktop app.

    \b
    Workspaces are encrypted: a command opening one asks for its passphrase,
    or takes it from --passphrase-file or the environment variable
    FIELDSURVEY_PASSPHRASE (a new one: FIELDSURVEY_NEW_PASSPHRASE, else the
    same). The recovery key: FIELDSURVEY_RECOVERY_KEY.
    """
    from fieldsurvey.services.encryption import ask_with  # lazy: 120 ms at start-up otherwise

    source = PassphraseSource(passphrase_file)
    ctx.obj = source
    ask_with(source)
    if ctx.invoked_subcommand is None:
        ctx.invoke(gui)


@main.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Workspace to open (a commune's FILE.fsdb, or a province's FILE.fsprov).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--view", type=click.Choice(["start", "list", "form", "panel", "dashboard", "review", "conflicts",
                                           "duplicates", "held", "todo", "villages", "print", "official", "issued",
                                           "history", "printed", "province", "setup", "passphrase"]),
              help="The view to show (form and panel: the first poor household; conflicts, duplicates, held: the "
                   "Review view's tab; villages: the villages' resident "
                   "households; print: the Print menu open; official: the official copy's dialog, a supervisor's "
                   "workspace; issued: the register of issued documents; history: the first household's; printed: "
                   "what follows a printout; province: a province workspace's tables by commune; setup, passphrase: the new "
                   "workspace's setup filled in, the passphrase asked on opening).")
@click.option("--demo", is_flag=True, help="Open the ready-made demo commune (built on first use); with --view "
              "province, the ready-made demo province (its communes' results rolled up; built on first use).")
@click.option("--screenshot", type=click.Path(dir_okay=False, path_type=Path),
              help="Render the view to this PNG and exit.")
def gui(db_path: Path | None, lang: str, view: str | None, demo: bool, screenshot: Path | None) -> None:
    """Open the desktop app."""
    from fieldsurvey.gui.app import run  # lazy: 360 ms at start-up otherwise

    sys.exit(run(db_path=db_path, lang=lang, demo=demo, screenshot=screenshot, view=view))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--households", default=800, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--commune", "commune_code", default="02266", show_default=True,
              help="Official 5-digit commune code (default: Xã Lâm Bình, Tuyên Quang).")
@click.option("--year", default=2026, show_default=True, type=click.IntRange(2016, 2030))
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.option("--no-encryption", is_flag=True, help="Leave the file plain (synthetic data only; anyone can read it).")
def demo(file: Path, households: int, seed: int, commune_code: str, year: int, quiet: bool,
         no_encryption: bool) -> None:
    """Build a synthetic commune workspace FILE (deterministic for a seed), encrypted unless --no-encryption: a new
    passphrase is asked for (or FIELDSURVEY_NEW_PASSPHRASE) and the recovery key printed once."""
    from fieldsurvey.cli.encryption import new_passphrase, show_recovery  # lazy: 330 ms at start-up otherwise
    from fieldsurvey.services.encryption import new_encrypted
    from fieldsurvey.services.workspaces import create_demo

    passphrase = None if no_encryption or file.exists() else new_passphrase(file)
    with new_encrypted(file, passphrase) as recovery:
        run_job(create_demo(file, households, seed, commune_code, year), quiet)
        click.echo(f"{file}: {households} households. {_working_figures(file)}")
    if recovery:
        show_recovery(file, recovery)


@main.command()
@click.argument("file", default="-", type=click.File("r", encoding="utf-8"))
@click.option("--standard", "standard_id", help="Standard id (default: the one for the review year).")
@click.option("--year", type=int, help="Review year that picks the standard (default: the document's).")
@click.option("--point-table", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The province's B1 point table (TOML), for households scored with it.")
@click.option("--local-standard", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A local standard file (TOML) to add to the shipped ones.")
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Print only this language's texts.")
def assess(file: Any, standard_id: str | None, year: int | None, point_table: Path | None,
           local_standard: tuple[Path, ...], lang: str | None) -> None:
    """Classify one household document (JSON, FILE or - for standard input) and print the result as JSON."""
    from fieldsurvey.services.assessment import assess_document, load_table, read_document, registry  # lazy: 100 ms at start-up otherwise

    source = getattr(file, "name", "input")
    data = read_document(file.read(), "standard input" if source == "<stdin>" else source)
    result = assess_document(data, standard_id, year, load_table(point_table), registry(list(local_standard)))
    out = result.to_dict()
    if lang:
        out = _one_language(out, lang)
    echo_json(out)


def _one_language(value: Any, lang: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"vi", "en"}:
            return value[lang]
        return {k: _one_language(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [_one_language(v, lang) for v in value]
    return value


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--standard", "standard_id", help="Standard id (default: the workspace's).")
@click.option("--quiet", is_flag=True)
def classify(file: Path, standard_id: str | None, quiet: bool) -> None:
    """Re-classify every household in workspace FILE."""
    from fieldsurvey.services.workspaces import classify_all, opened  # lazy: 330 ms at start-up otherwise

    with opened(file) as ws:
        run_job(classify_all(ws, standard_id), quiet)
        click.echo(_working_figures(ws))


def _working_figures(source: Any) -> str:
    """The commune's working figures as the dashboard and the household list show them (services/figures.py
    `on_screen`: finished households in their class), with what they leave out — never a count of every household
    by its current class, drafts included, which would put other numbers under the same words."""
    from fieldsurvey.services.figures import on_screen  # lazy: 290 ms at start-up otherwise
    from fieldsurvey.services.workspaces import opened
    from fieldsurvey.progress import run_to_end

    with opened(source, read_only=True) as ws:   # a file: read only, no backup made on closing
        figures = run_to_end(on_screen(ws))
    unit = figures.commune
    in_order = sorted((c for c in unit.classes if unit.classes[c]), key=lambda c: list(type(c)).index(c))   # poor first
    classes = ", ".join(f"{cls.value} {unit.classes[cls]}" for cls in in_order)
    left = {"being filled or returned": unit.in_progress, "not classifiable yet": unit.unclassified,
            "moved away": unit.moved_away, "merged as duplicates": figures.merged_in(None)}
    out = ", ".join(f"{n} {why}" for why, n in left.items() if n)
    return (f"Working figures, as the dashboard shows them — {unit.counted} finished households counted: "
            f"{classes or 'none yet'}" + (f"; left out: {out}." if out else "."))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def standards(as_json: bool) -> None:
    """List the poverty standards the app knows and the review years each covers."""
    from fieldsurvey.services.assessment import registry  # lazy: 100 ms at start-up otherwise

    rows = [{"id": s.id, "review_years": [s.first_year, s.last_year], "title": s.title_en,
             "indicators": len(s.indicators), "provisional": s.provisional} for s in registry().all()]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        flag = "  (provisional)" if r["provisional"] else ""
        click.echo(f"{r['id']:<14} {r['review_years'][0]}–{r['review_years'][1]}  {r['indicators']} indicators  "
                   f"{r['title']}{flag}")


# Each area keeps its commands in its own module (fieldsurvey/cli/<area>.py); importing one registers its
# commands on `main`. Shared helpers (fail, echo_json, run_job) stay here.
from fieldsurvey.cli import encryption, forms, households, printing, province, records, starter, sync  # noqa: E402,F401  (registers the commands)

if __name__ == "__main__":
    main()
