"""Commands for questionnaires: `form check`, `form import`, `form export`, `form fill`. Imported by
fieldsurvey.cli; registers on `main`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from fieldsurvey.cli import echo_json, fail, main
from fieldsurvey.errors import FieldSurveyError



@main.group()
def form() -> None:
    """Questionnaires: check a form, convert XLSForm workbooks, fill a form headless."""


def _refused(exc: FieldSurveyError, lang: str = "en") -> None:
    """A form that cannot be used: its located problems as JSON, in `lang` (English unless --lang says)."""
    from fieldsurvey.formengine.model import located

    echo_json({"errors": located(exc, lang)})
    sys.exit(1)


@form.command()
@click.argument("file")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="en", show_default=True,
              help="Language of the errors.")
def check(file: str, lang: str) -> None:
    """Print FILE's questions as JSON (name, type, path, choice list), or its located errors (exit 1).

    FILE is a form folder (survey.csv, choices.csv, settings.csv), an XLSForm .xlsx, or an installed form
    id[@version].
    """
    from fieldsurvey.services.forms import resolve_form

    try:
        f = resolve_form(file)
    except FieldSurveyError as exc:
        _refused(exc, lang)
        return
    questions = []
    for item in f.items:
        if item.kind != "question":
            continue
        q = {"name": item.name, "type": item.type, "path": "/".join(item.path + [item.name])}
        if item.list_name:
            q["choices"] = item.list_name
        if item.repeat is not None:
            q["repeat"] = item.repeat.name
        questions.append(q)
    echo_json({"form_id": f.form_id, "version": f.version, "title": f.title, "default_language": f.default_language,
               "languages": list(f.languages), "questions": questions,
               "choice_lists": {k: [c.name for c in v] for k, v in f.choices.items()}})


@form.command(name="import")
@click.argument("xlsx", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write (default: forms/<form_id>/<version> under the current folder).")
@click.option("--lang", type=click.Choice(["vi", "en"]),
              help="Language of the messages (default: Vietnamese for what was done, English for a refusal).")
def import_(xlsx: Path, out: Path | None, lang: str | None) -> None:
    """Turn an XLSForm workbook into a form folder (CSV sheets); a form that cannot be used is refused, located."""
    from fieldsurvey.formengine.loader import files_beside
    from fieldsurvey.formengine.model import build_form
    from fieldsurvey.formengine.xlsx import import_xlsx, read_xlsx

    try:
        f = build_form(read_xlsx(xlsx), str(xlsx), fallback_id=xlsx.stem, files=files_beside(xlsx.parent))
    except FieldSurveyError as exc:
        _refused(exc, lang or "en")
        return
    folder = out or Path("forms") / f.form_id / f.version
    import_xlsx(xlsx, folder)
    from fieldsurvey.i18n import t

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
    from fieldsurvey.formengine.xlsx import write_xlsx
    from fieldsurvey.services.forms import resolve_form

    try:
        f = resolve_form(source)
    except FieldSurveyError as exc:
        _refused(exc, lang or "en")
        return
    write_xlsx(f, out)
    from fieldsurvey.i18n import t

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
    from datetime import date

    from fieldsurvey.errors import FormError
    from fieldsurvey.formengine.session import fill as fill_form
    from fieldsurvey.services.forms import resolve_form

    try:
        f = resolve_form(source)
    except FieldSurveyError as exc:
        _refused(exc, lang or "en")
        return
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
    try:
        session = fill_form(f, data, lang=lang, today=day, villages=villages)
    except (KeyError, IndexError) as exc:
        fail(FormError("forms.error.unknown_answer", answers.name, name=str(exc.args[0]) if exc.args else "?"))
    echo_json(session.to_document() if as_document else session.rows())


@form.command()
@click.option("--db", "db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A workspace: also list its households filled with an older version.")
def versions(db_path: Path | None) -> None:
    """The installed forms and their versions (JSON); with --db, the workspace's households on an older version."""
    from fieldsurvey.formengine.loader import form_versions

    out: dict = {"forms": form_versions()}
    if db_path is not None:
        from fieldsurvey.services.forms import households_on_older_versions
        from fieldsurvey.storage.workspace import Workspace

        with Workspace.open(db_path, read_only=True) as ws:
            out["older"] = households_on_older_versions(ws)
    echo_json(out)
