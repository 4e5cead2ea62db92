"""Commands for households and villages without the app: list and add households, the lifecycle steps on them
(checked with no change, moved away, came back), and the villages' resident households (ethnic-minority ones
included) with the trace of every change of them. Imported by
fieldsurvey.cli; registers on `main`. Every command is a thin shell over the services (households, workspaces)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from fieldsurvey.cli import echo_json, main
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.i18n import has, t

_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
_LANG = click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)


@main.group()
def households() -> None:
    """List and add households, and those held for the supervisor; mark them checked with no change, moved away or
    back."""


@households.command("list")
@click.argument("file", type=_EXISTING)
@click.option("--status", help="Only households in this status (draft, complete, submitted, returned, confirmed, "
                              "approved, moved_away, merged).")
@click.option("--village", help="Only this village.")
@click.option("--class", "household_class",
              help="Only households of this class, as stored (poor, near_poor, average, not_poor, incomplete, "
                   "unclassified).")
@click.option("--owner", help="Only this enumerator's households.")
@click.option("--search", default="", help="A name or ID number (diacritics optional), or the start of an id.")
@click.option("--json", "as_json", is_flag=True)
@_LANG
def households_list(file: Path, status: str | None, village: str | None, household_class: str | None,
                    owner: str | None, search: str, as_json: bool, lang: str) -> None:
    """The households of workspace FILE in the list's order (village, head), filtered."""
    from fieldsurvey.services import households as svc  # lazy: 370 ms at start-up otherwise
    from fieldsurvey.services.workspaces import opened

    svc.check_filter(status, household_class)
    f = svc.HouseholdFilter(village, household_class, status, owner, search)
    with opened(file, read_only=True) as ws:
        rows = svc.rows(ws, f)
    if as_json:
        echo_json([asdict(r) for r in rows])
        return
    for r in rows:
        cls = t(f"class.{r.household_class}", lang) if r.household_class else t("class.unclassified", lang)
        click.echo(f"{r.uuid}  {r.village or '—':<20} {r.head_name:<28} {t(f'status.{r.status}', lang):<22} {cls}")
    if not rows:
        click.echo(t("households.none", lang))


@households.command("add")
@click.argument("file", type=_EXISTING)
@click.argument("documents", nargs=-1, required=True, type=_EXISTING)
@click.option("--owner", help="The enumerator who owns them (default: whoever works on this installation).")
@click.option("--json", "as_json", is_flag=True)
@_LANG
def households_add(file: Path, documents: tuple[Path, ...], owner: str | None, as_json: bool, lang: str) -> None:
    """Store household documents (JSON, docs/household-document.md) in workspace FILE through the questionnaire's
    own path: each checked (its village one the supervisor lists, money in whole đồng…), classified, audited,
    owned; all of them or none."""
    from fieldsurvey.services import households as svc  # lazy: 370 ms at start-up otherwise
    from fieldsurvey.services.workspaces import opened

    with opened(file) as ws:
        added = svc.add(ws, svc.read_files(documents), owner)
    if as_json:
        echo_json([asdict(a) for a in added])
        return
    for a in added:
        cls = t(f"class.{a.household_class}", lang) if a.household_class else t("class.unclassified", lang)
        click.echo(t("households.added", lang, source=a.source, uuid=a.uuid, status=t(f"status.{a.status}", lang),
                     cls=cls))
        for f in a.held:
            click.echo("  " + t("values.held.line", lang, text=f.text(lang)))


@households.command("held")
@click.argument("file", type=_EXISTING)
@click.option("--status", "statuses", multiple=True,
              help="Only households in this status (repeatable), e.g. submitted.")
@click.option("--json", "as_json", is_flag=True)
@_LANG
def households_held(file: Path, statuses: tuple[str, ...], as_json: bool, lang: str) -> None:
    """Households with answers outside their plausible range, held for the supervisor to check (a household of 40
    members, 2,000 m² of living area…; resources/values/household-values.toml), each answer named."""
    from fieldsurvey.services import households as svc  # lazy: 370 ms at start-up otherwise
    from fieldsurvey.services import values
    from fieldsurvey.services.workspaces import opened

    for status in statuses:
        svc.check_filter(status, None)
    with opened(file, read_only=True) as ws:
        found = values.held_households(ws, statuses)
    if as_json:
        echo_json([h.to_dict(lang) for h in found])
        return
    for h in found:
        click.echo(f"{h.uuid}  {h.village or '—':<20} {h.head_name:<28} {t(f'status.{h.status}', lang)}")
        for f in h.findings:
            click.echo("  " + t("values.held.line" if f.held else "values.held.refused_line", lang,
                                text=f.text(lang)))
    if not found:
        click.echo(t("values.held.none", lang))


def _step(file: Path, uuids: tuple[str, ...], action: str, reason: str, lang: str) -> None:
    from fieldsurvey.services import households as svc  # lazy: 370 ms at start-up otherwise
    from fieldsurvey.services.workspaces import opened

    with opened(file) as ws:
        n = svc.step(ws, list(uuids), svc.Action(action), reason)
    click.echo(t(f"households.step.{action}", lang, n=n))


@households.command("confirm")
@click.argument("file", type=_EXISTING)
@click.argument("uuids", nargs=-1, required=True)
@click.option("--comment", default="", help="What was checked.")
@_LANG
def households_confirm(file: Path, uuids: tuple[str, ...], comment: str, lang: str) -> None:
    """Households the supervisor returned, checked and found right: "checked, no change" (handed in again as such)."""
    _step(file, uuids, "confirm", comment, lang)


@households.command("moved-away")
@click.argument("file", type=_EXISTING)
@click.argument("uuids", nargs=-1, required=True)
@click.option("--reason", default="", help="Where to, when (kept in the history).")
@_LANG
def households_moved_away(file: Path, uuids: tuple[str, ...], reason: str, lang: str) -> None:
    """Households that left the commune: counted only as moved away in the movement tables."""
    _step(file, uuids, "move_away", reason, lang)


@households.command("came-back")
@click.argument("file", type=_EXISTING)
@click.argument("uuids", nargs=-1, required=True)
@click.option("--reason", default="")
@_LANG
def households_came_back(file: Path, uuids: tuple[str, ...], reason: str, lang: str) -> None:
    """Households marked as moved away that live in the commune again: reviewed again from a draft."""
    _step(file, uuids, "come_back", reason, lang)


@main.group()
def villages() -> None:
    """The commune's villages and their resident households (the rates' denominator)."""


def _village_line(v, lang: str) -> str:
    """A village's figures on one line: its resident households (date, source), and of them the ethnic-minority
    ones."""
    residents = t("villages.residents", lang, n=v.residents, date=v.residents_date or "—",
                  source=v.residents_source or "—") if v.residents is not None else t("villages.no_residents", lang)
    minority = t("villages.minority", lang, m=v.residents_minority) if v.residents_minority is not None \
        else t("villages.no_minority", lang)
    return f"{v.name:<28} {residents}; {minority}"


@villages.command("list")
@click.argument("file", type=_EXISTING)
@click.option("--json", "as_json", is_flag=True)
@_LANG
def villages_list(file: Path, as_json: bool, lang: str) -> None:
    """Each village with its number of resident households, the date and the source, and of them the households of
    an ethnic minority."""
    from fieldsurvey.services.workspaces import opened, villages as find  # lazy: 330 ms at start-up otherwise

    with opened(file, read_only=True) as ws:
        rows = find(ws)
    if as_json:
        echo_json([asdict(v) for v in rows])
        return
    for v in rows:
        click.echo(_village_line(v, lang))


def _count_or_none(text: str) -> int | None:
    """--minority's value: a whole number (a negative one too: the service says why it is refused), or none (or
    nothing) to clear the number entered."""
    text = text.strip()
    if text.lower() in ("", "none"):
        return None
    try:
        return int(text)
    except ValueError:
        raise WorkspaceError("villages.error.not_a_count", "--minority", value=text) from None


@villages.command("residents")
@click.argument("file", type=_EXISTING)
@click.argument("village")
@click.argument("number", type=click.IntRange(0, None))
@click.option("--minority", metavar="M", help="Of them, the households of an ethnic minority (hộ DTTS: the "
              "denominator of the minority rates); 'none' clears it. Not given: the number entered stays.")
@click.option("--date", "taken", help="When the figure was taken (YYYY-MM-DD).")
@click.option("--source", help="Where it comes from (e.g. the population register).")
@_LANG
def villages_residents(file: Path, village: str, number: int, minority: str | None, taken: str | None,
                       source: str | None, lang: str) -> None:
    """Record VILLAGE's NUMBER of resident households (diacritics and case optional in the name), and with
    --minority how many of them are of an ethnic minority."""
    from fieldsurvey.services.workspaces import KEEP, opened, set_residents  # lazy: 330 ms at start-up otherwise

    with opened(file) as ws:
        v = set_residents(ws, village, number, taken, source,
                          minority=KEEP if minority is None else _count_or_none(minority))
    click.echo(_village_line(v, lang))


villages.add_command(villages_residents, "count")   # the same command: a village's count of resident households


@villages.command("add")
@click.argument("file", type=_EXISTING)
@click.argument("names", nargs=-1, required=True)
@_LANG
def villages_add(file: Path, names: tuple[str, ...], lang: str) -> None:
    """Add villages (NAMES) at the end of the list, the supervisor's — all or none: one whose name the list has
    already (case and diacritics aside) refuses them all."""
    from fieldsurvey.services.villages import add_village  # lazy: 330 ms at start-up otherwise
    from fieldsurvey.services.workspaces import opened

    with opened(file) as ws, ws.transaction():   # all of them or none
        added = [add_village(ws, name) for name in names]
    for v in added:
        click.echo(t("villages.added", lang, village=v.name))


@villages.command("rename")
@click.argument("file", type=_EXISTING)
@click.argument("village")
@click.argument("new_name")
@_LANG
def villages_rename(file: Path, village: str, new_name: str, lang: str) -> None:
    """Rename VILLAGE to NEW_NAME: recorded (who, when, old and new name), and every household of it follows, each
    as a revision; sent to the enumerators in their next return bundle."""
    from fieldsurvey.services.villages import rename_village  # lazy: 330 ms at start-up otherwise
    from fieldsurvey.services.workspaces import opened

    with opened(file) as ws:
        moved = rename_village(ws, village, new_name)
    click.echo(t("villages.renamed", lang, old=moved.old, new=moved.new, n=len(moved.households)))


@villages.command("merge")
@click.argument("file", type=_EXISTING)
@click.argument("village")
@click.argument("into")
@_LANG
def villages_merge(file: Path, village: str, into: str, lang: str) -> None:
    """Merge VILLAGE into INTO: its households follow (each as a revision), its resident households are added to
    INTO's (not entered in either: not entered), and it leaves the list; recorded, and sent to the enumerators in
    their next return bundle."""
    from fieldsurvey.services.villages import merge_villages  # lazy: 330 ms at start-up otherwise
    from fieldsurvey.services.workspaces import opened

    with opened(file) as ws:
        moved = merge_villages(ws, village, into)
    click.echo(t("villages.merged", lang, old=moved.old, new=moved.new, n=len(moved.households)))


@villages.command("changes")
@click.argument("file", type=_EXISTING)
@click.argument("village", required=False)
@click.option("--json", "as_json", is_flag=True)
@_LANG
def villages_changes(file: Path, village: str | None, as_json: bool, lang: str) -> None:
    """Every change of the villages (of VILLAGE only, when given, with those under its former names), newest
    first: when, who, what — added, renamed, merged, a resident figure —, the value before and after, and where it
    came from."""
    from fieldsurvey.services.workspaces import opened, village_changes  # lazy: 330 ms at start-up otherwise

    with opened(file, read_only=True) as ws:
        rows = village_changes(ws, village)
    if as_json:
        echo_json([asdict(c) for c in rows])
        return
    if not rows:
        click.echo(t("villages.no_changes", lang))
    for c in rows:
        said = f"villages.reason.{c.reason}"
        reason = f" ({t(said, lang) if has(said, lang) else c.reason})" if c.reason else ""
        click.echo(t("villages.change", lang, at=c.at, user=c.user, village=c.village,
                     field=t(f"villages.field.{c.field}", lang), old="—" if c.old is None else c.old,
                     new="—" if c.new is None else c.new, reason=reason))
