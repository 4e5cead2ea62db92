"""Commands for the starter package: the supervisor makes one per enumerator (`starter make`), anyone shows what
one holds (`starter show`), and the enumerator's workspace is made from it (`setup --starter`). Imported by
fieldsurvey.cli; registers on `main`. A thin shell over fieldsurvey/services/starter.py."""

from __future__ import annotations

from pathlib import Path

import click

from fieldsurvey.cli import main
from fieldsurvey.i18n import t

_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)
_LANG = click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)


@main.group()
def starter() -> None:
    """Starter packages: the supervisor's file that sets up an enumerator's app on its first run."""


@starter.command("make")
@click.argument("file", type=_EXISTING)
@click.option("--for", "name", required=True, help="The enumerator's full name (\"Lò Thị Lan\").")
@click.option("--user", help="The enumerator's user id (default: from the name, \"lo-thi-lan\").")
@click.option("--village", "villages", multiple=True, help="A village assigned to them (repeat; none: the commune).")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="A folder (the file is then <commune>-<user>.fsstart) or a file name.")
@_LANG
def starter_make(file: Path, name: str, user: str | None, villages: tuple[str, ...], out: Path, lang: str) -> None:
    """Make the starter package for one enumerator from supervisor's workspace FILE: the commune, its villages and
    their resident households, the assignment, the form version, the review round and your public key — signed
    with your key. Give it to the enumerator; on its first opening they compare your fingerprint with you once."""
    from fieldsurvey.services import starter as starters   # lazy: 300 ms at start-up otherwise
    from fieldsurvey.services.sync import identity_of, spoken_fingerprint

    made = starters.make_starter(file, out, name, user, villages)
    click.echo(t("starter.made", lang, path=str(made.path), name=made.name, user=made.user, villages=made.villages,
                 fingerprint=spoken_fingerprint(identity_of(file))))


def _shown(pkg, lang: str) -> str:
    from fieldsurvey.services.starter import shown   # lazy: 300 ms at start-up otherwise

    return t("starter.show", lang, **shown(pkg))


@starter.command("show")
@click.argument("package", type=_EXISTING)
@_LANG
def starter_show(package: Path, lang: str) -> None:
    """What a starter package holds and who signed it, with the supervisor's fingerprint."""
    from fieldsurvey.services import starter as starters   # lazy: 300 ms at start-up otherwise

    click.echo(_shown(starters.read_starter(package), lang))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--starter", "package", required=True, type=_EXISTING, help="The supervisor's starter package.")
@click.option("--fingerprint", "expected", help="The supervisor's fingerprint as they read it out (8 groups of 5 "
                                                "digits); refused if it differs. Without it, it is shown and you "
                                                "are asked to confirm it.")
@click.option("--no-encryption", is_flag=True,
              help="Make FILE plain, not encrypted (anyone who copies it reads every household).")
@_LANG
def setup(file: Path, package: Path, expected: str | None, no_encryption: bool, lang: str) -> None:
    """Make an enumerator's workspace FILE from the supervisor's starter package: the commune and its villages as
    the package says, your identity (keys) made, the supervisor trusted once their fingerprint is confirmed.
    Nothing is made when it is not. FILE is encrypted: a passphrase is asked for (or FIELDSURVEY_NEW_PASSPHRASE)
    and the recovery key printed once; --no-encryption leaves it plain."""
    from fieldsurvey.cli.encryption import new_passphrase, show_recovery  # lazy: 300 ms at start-up otherwise
    from fieldsurvey.services import starter as starters
    from fieldsurvey.services.encryption import new_encrypted
    from fieldsurvey.services.sync import identity_of, spoken_fingerprint

    pkg = starters.read_starter(package)
    starters.check_new(file)
    if expected is None:
        click.echo(_shown(pkg, lang))
        if not click.confirm(t("starter.confirm", lang), default=False):
            raise click.ClickException(t("starter.not_confirmed", lang))
        expected = spoken_fingerprint(pkg.supervisor)
    passphrase = None if no_encryption else new_passphrase(file, lang)
    with new_encrypted(file, passphrase) as recovery:
        starters.create_from_starter(package, file, expected)
    me = identity_of(file)
    click.echo(t("starter.created", lang, path=str(file), name=pkg.assignment.name, user=me.user,
                 supervisor=pkg.supervisor_name, fingerprint=spoken_fingerprint(me)))
    if recovery:
        show_recovery(file, recovery, lang)
