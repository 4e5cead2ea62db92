"""Commands for questionnaires: `form check`, `form import`, `form export`, `form fill`, `form versions`. Imported
by fieldsurvey.cli; registers on `main`. A thin shell over fieldsurvey/services/forms.py."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

import click

from fieldsurvey.cli import echo_json, fail, main, run_job
from fieldsurvey.errors import FieldSurveyError, FormError
from fieldsurvey.i18n import t


@main.group()
def form() -> None:
    """Questionnaires: check a form, convert XLSForm workbooks, fill a form headless."""


def _refused(exc: FieldSurveyError, lang: str = "en") -> None:
    """A form that cannot be used: its located problems as JSON, in `lang` (English unless --lang says)."""
    from fieldsurvey.services import forms as svc  # lazy: 680 ms at start-up otherwise

    echo_json({"errors": svc.refusals(exc, lang)})
    sys.exit(1)


def _resolved(source: str, lang: str):
    from fieldsurvey.services import forms as svc  # lazy: 680 ms at start-up otherwise

    try:
        return svc.resolve_form(source)
    except FieldSurveyError as exc:
        _refused(exc, lang)


@form.command()
@click.argument("file")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="en", show_default=True,
              help="Language of the errors.")
def check(file: str, lang: str) -> None:
    """Print FILE's questions as JSON (name, type, path, choice list), or its located errors (exit 1).

    FILE is a form folder (survey.csv, choices.csv, settings.csv), an XLSForm .xlsx (or Excel 97–2003 .xls), or an
    installed form id[@version].
    """
    from fieldsurvey.services import forms as svc  # lazy: 680 ms at start-up otherwise

    echo_json(asdict(svc.describe_form(_resolved(file, lang))))


@form.command(name="import")
@click.argument("xlsx", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write (default: forms/<form_id>/<version> under the current folder).")
@click.option("--lang", type=click.Choice(["vi", "en"]),
              help="Language of the messages (default: Vietnamese for what was done, English for a refusal).")
def import_(xlsx: Path, out: Path | None, lang: str | None) -> None:
    """Turn an XLSForm workbook (.xlsx or .xls) into a form folder (CSV sheets); a form that cannot be used is
    refused, located."""
    from fieldsurvey.services import forms as svc  # lazy: 680 ms at start-up otherwise

    try:
        f, folder = svc.import_workbook(xlsx, out)
    except FieldSurveyError as exc:
        _refused(exc, lang or "en")
        return
    click.echo(t("forms.import.done", lang or "vi", source=str(xlsx), folder=str(folder)))
    click.echo(t("forms.check.ok", lang or "vi", form=f.form_id, version=f.version,
                 questions=sum(1 for _ in f.questions()), lists=len(f.choices)))


@form.command(name="export")
@click.argument("source")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .xlsx to write.")
@click.option("--lang", type=click.Choice(["vi", "en"]),
              help="Language of the messages (default: Vietnamese for what was done, English for a refusal).")
def export(source: str, out: Path, lang: str | None) -> None:
    """Write a form as an XLSForm workbook. SOURCE is a form folder, an .xlsx or an installed id[@version]."""
    from fieldsurvey.services import forms as svc  # lazy: 680 ms at start-up otherwise

    f = _resolved(source, lang or "en")
    svc.export_workbook(f, out)
    click.echo(t("forms.export.done", lang or "vi", form=f.form_id, version=f.version, file=str(out)))


@form.command()
@click.argument("source")
@click.argument("answers", type=click.File("r", encoding="utf-8"))
@click.option("--lang", type=click.Choice(["vi", "en"]), help="Language of the messages (default: the form's).")
@click.option("--village", "villages", multiple=True, help="A village the 'villages' list offers (repeatable).")
@click.option("--today", help="The date today() means (YYYY-MM-DD; default: today).")
@click.option("--document", "as_document", is_flag=True, help="Print the household document instead.")
def fill(source: str, answers, lang: str | None, villages: tuple[str, ...], today: str | None,
         as_document: bool) -> None:
    """The headless view of a filled form: every relevant question in form order with its path, value and status.

    ANSWERS is a JSON object {name: value, repeat: [{name: value}, …]} (- for standard input).
    """
    from fieldsurvey.services import forms as svc  # lazy: 680 ms at start-up otherwise

    f = _resolved(source, lang or "en")
    try:
        data = json.loads(answers.read())
    except json.JSONDecodeError as exc:
        fail(FormError("forms.error.answers_not_json", answers.name, error=exc.msg, line=exc.lineno,
                       column=exc.colno))
    if not isinstance(data, dict):
        fail(FormError("forms.error.answers_not_object", answers.name))
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        fail(FormError("forms.error.today_not_date", "--today", value=today))
    session = svc.fill_headless(f, data, lang=lang, today=day, villages=villages)
    echo_json(session.to_document() if as_document else session.rows())


@form.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A workspace: also list its households filled with an older version.")
def versions(db_path: Path | None) -> None:
    """The installed forms and their versions (JSON); with --db, the workspace's households on an older version."""
    from fieldsurvey.services import forms as svc  # lazy: 680 ms at start-up otherwise
    from fieldsurvey.services.workspaces import opened

    out: dict = {"forms": svc.installed_versions()}
    if db_path is not None:
        with opened(db_path, read_only=True) as ws:
            out["older"] = svc.households_on_older_versions(ws)
    echo_json(out)


@form.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--household", "uuids", multiple=True, metavar="UUID",
              help="Move this household (repeatable); without it, every household on an older version.")
@click.option("--to", "to", metavar="VERSION", help="The version to move to (default: the newest installed version of "
                                                      "each household's form).")
@click.option("--reason", default="", help="Why (kept in each household's history); required when an approved "
                                            "household moves.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def upgrade(file: Path, uuids: tuple[str, ...], to: str | None, reason: str, as_json: bool, lang: str) -> None:
    """Move households to a newer version of their form: the answers carried over by name, each household checked
    and classified again under the new version, the move kept in its history; all in one transaction. A household
    the new version cannot hold is not moved and is named with the reason (exit status 1; the others move)."""
    from fieldsurvey.services import form_upgrade as svc  # lazy: 680 ms at start-up otherwise
    from fieldsurvey.services.workspaces import opened

    with opened(file) as ws:   # (its progress on stderr: a commune's hundreds of households take a few seconds)
        result = run_job(svc.upgrading(ws, list(uuids) or None, to, reason=reason), quiet=as_json)
    if as_json:
        echo_json({"moved": [{"uuid": m.household.uuid, "head_name": m.household.head_name,
                              "village": m.household.village, "form_id": m.household.form_id,
                              "from": m.household.version, "to": m.household.to, "status_before": m.status_before,
                              "status": m.status, "class_before": m.class_before, "class": m.household_class,
                              "complete": m.complete, "errors": m.errors, "revision": m.revision}
                             for m in result.moved],
                   "refused": [{"uuid": r.household.uuid, "head_name": r.household.head_name,
                                "village": r.household.village, "form_id": r.household.form_id,
                                "version": r.household.version, "reason": r.text(lang)} for r in result.refused]})
    else:
        _upgrade_summary(result, lang)
    if result.refused:
        sys.exit(1)


def _upgrade_summary(result, lang: str) -> None:
    def name(h) -> str:
        return h.head_name or t("gui.list.no_name", lang)

    if not result.moved and not result.refused:
        click.echo(t("forms.upgrade.none", lang))
        return
    for to in sorted({m.household.to for m in result.moved}):
        moved = [m for m in result.moved if m.household.to == to]
        click.echo(t("forms.upgrade.done", lang, n=len(moved), to=to))
        for m in moved:
            cls = t(f"class.{m.household_class}", lang) if m.household_class else t("class.unclassified", lang)
            click.echo("  " + t("forms.upgrade.moved_line", lang, name=name(m.household),
                                village=m.household.village or "—", version=m.household.version, to=to,
                                status=t(f"status.{m.status}", lang), cls=cls))
    if result.moved:
        click.echo(t("forms.upgrade.class_changed", lang,
                     n=sum(1 for m in result.moved if m.class_before != m.household_class)))
    if result.refused:
        click.echo(t("forms.upgrade.refused_head", lang, n=len(result.refused)))
        for r in result.refused:
            click.echo("  " + t("forms.upgrade.refused_line", lang, name=name(r.household),
                                village=r.household.village or "—", version=r.household.version or "—",
                                reason=r.reason.body(lang)))
