"""Commands for workspaces encrypted at rest: encrypt a plain workspace in place, change a passphrase, reset a
forgotten one with the recovery key (printed at setup, or recovered by the enumerator's supervisor); and the new passphrase that `init` and `demo` ask for. Imported by
fieldsurvey.cli; registers on `main`. docs/storage.md."""

from __future__ import annotations

import os
from pathlib import Path

import click

from fieldsurvey.cli import PASSPHRASE_ENV, PassphraseSource, main, message_lang, read_secret_file
from fieldsurvey.i18n import t

NEW_PASSPHRASE_ENV = "FIELDSURVEY_NEW_PASSPHRASE"
RECOVERY_ENV = "FIELDSURVEY_RECOVERY_KEY"
_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)


def _lang(lang: str | None = None) -> str:
    return lang or message_lang() or "en"


def new_passphrase(where: Path, lang: str | None = None) -> str:
    """A new passphrase: FIELDSURVEY_NEW_PASSPHRASE, else the passphrase source (`--passphrase-file`,
    FIELDSURVEY_PASSPHRASE), else typed twice (hidden); at least 8 characters."""
    from fieldsurvey.services.encryption import check_new_passphrase  # lazy: 120 ms at start-up otherwise

    lang = _lang(lang)
    found = os.environ.get(NEW_PASSPHRASE_ENV)
    if found is None:
        source = click.get_current_context().find_object(PassphraseSource)
        found = source.given() if source is not None else os.environ.get(PASSPHRASE_ENV)
    if found is None:
        while True:
            found = click.prompt(t("encryption.prompt.new_passphrase", lang, file=str(where)), hide_input=True,
                                 err=True)
            again = click.prompt(t("encryption.prompt.repeat", lang), hide_input=True, err=True)
            if found == again:
                break
            click.echo(t("encryption.error.passphrases_differ", lang), err=True)
    check_new_passphrase(found, str(where))
    return found


def show_recovery(path: Path, recovery: str, lang: str | None = None) -> None:
    """The recovery key, once: to be written down and kept apart from the laptop."""
    click.echo(t("encryption.recovery.shown", _lang(lang), file=str(path)))
    click.echo(f"    {recovery}")


def _recovery_key(file: Path | None, lang: str) -> str:
    if file is not None:
        return read_secret_file(file)
    if RECOVERY_ENV in os.environ:
        return os.environ[RECOVERY_ENV]
    return click.prompt(t("encryption.prompt.recovery_key", lang), hide_input=True, err=True)


@main.command()
@click.argument("file", type=_EXISTING)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def encrypt(file: Path, lang: str) -> None:
    """Encrypt plain workspace FILE in place, and its backups: all or nothing, the plain file replaced only after
    the encrypted copy is checked. Asks for a new passphrase (or FIELDSURVEY_NEW_PASSPHRASE) and prints the
    recovery key once."""
    from fieldsurvey.services.encryption import encrypt as do_encrypt  # lazy: 120 ms at start-up otherwise
    from fieldsurvey.services.encryption import is_encrypted

    passphrase = new_passphrase(file, lang) if not is_encrypted(file) else ""   # (then its own is asked for)
    # the recovery key is printed as soon as the encrypted copy is checked, before it replaces the plain file
    recovery = do_encrypt(file, passphrase, show=lambda key: show_recovery(file, key, lang))
    if recovery is None:
        click.echo(t("encryption.done.already", lang, file=str(file)))
        return
    click.echo(t("encryption.done.encrypted", lang, file=str(file)))


@main.group()
def passphrase() -> None:
    """Change an encrypted workspace's passphrase, or reset a forgotten one with the recovery key."""


@passphrase.command("change")
@click.argument("file", type=_EXISTING)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def passphrase_change(file: Path, lang: str) -> None:
    """Give encrypted workspace FILE (and its backups) a new passphrase: the old one is asked for first (or
    FIELDSURVEY_PASSPHRASE), the new one then (or FIELDSURVEY_NEW_PASSPHRASE)."""
    from fieldsurvey.services.encryption import (change_passphrase,  # lazy: 120 ms at start-up otherwise
                                                 needs_passphrase, unlock)

    if needs_passphrase(file):
        source = click.get_current_context().find_object(PassphraseSource) or PassphraseSource(None)
        unlock(file, source(file))
    change_passphrase(file, new_passphrase(file, lang))
    click.echo(t("encryption.done.changed", lang, file=str(file)))


@passphrase.command("recover")
@click.argument("file", type=_EXISTING)
@click.argument("header", type=_EXISTING)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def passphrase_recover(file: Path, header: Path, lang: str) -> None:
    """The supervisor: the recovery key of an enumerator's workspace whose passphrase is forgotten. FILE is the
    supervisor's own workspace (its key file beside it opens the copy sealed to the supervisor); HEADER the
    enumerator's key header (NAME.fsdb.key, brought on a stick or sent — it holds no personal data), or their
    workspace file with its key header beside it. Read the key to the enumerator, who resets the passphrase with
    it (`fieldsurvey passphrase reset`, or the app)."""
    from fieldsurvey.services.encryption import recover_for_enumerator  # lazy: 120 ms at start-up otherwise

    recovery = recover_for_enumerator(file, header)
    click.echo(t("encryption.recovery.recovered", lang, file=str(header)))
    click.echo(f"    {recovery}")


@passphrase.command("reset")
@click.argument("file", type=_EXISTING)
@click.option("--recovery-key-file", type=_EXISTING, help="Read the recovery key from this file's first line "
              "(else FIELDSURVEY_RECOVERY_KEY, else it is asked for).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def passphrase_reset(file: Path, recovery_key_file: Path | None, lang: str) -> None:
    """A forgotten passphrase: with the recovery key printed when FILE was encrypted — or the one the supervisor
    recovered from FILE's key header (`passphrase recover`) — choose a new one (or FIELDSURVEY_NEW_PASSPHRASE). The workspace's data is not touched; its backups take the new passphrase too."""
    from fieldsurvey.services.encryption import reset_passphrase  # lazy: 120 ms at start-up otherwise

    recovery = _recovery_key(recovery_key_file, lang)
    reset_passphrase(file, recovery, new_passphrase(file, lang))
    click.echo(t("encryption.done.reset", lang, file=str(file)))
