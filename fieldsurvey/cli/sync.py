"""Commands for sync bundles and keys: init, keys, export, import, conflicts, duplicates, approve, return, assign,
todo, history. Imported by fieldsurvey.cli; registers on `main`. Every command is a thin shell over
fieldsurvey/services/sync.py."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from fieldsurvey.cli import echo_json, main, message_lang, run_job
from dataclasses import asdict, is_dataclass
from fieldsurvey.errors import BundleError
from fieldsurvey.i18n import t

_WS = click.Path(dir_okay=False, path_type=Path)
_EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)



def _show(rows: list[dict], as_json: bool, lines, none_key: str, lang: str) -> None:
    """A list command's output: the rows as JSON, or each row's lines (`lines(row)`), or the catalogue's words for
    an empty list."""
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        for line in lines(row):
            click.echo(line)
    if not rows:
        click.echo(t(none_key, lang))

@main.command()
@click.argument("file", type=_WS)
@click.option("--user", required=True, help="Who works on this installation (letters, digits, . _ -).")
@click.option("--role", type=click.Choice(["enumerator", "supervisor", "province"]), required=True)
@click.option("--commune", "commune_code", help="5-digit commune code (needed when FILE does not exist yet).")
@click.option("--province", "province_code", help="2-digit province code (a province's workspace).")
@click.option("--database", metavar="URL", help="A province's roll-up in this PostgreSQL database "
                                                "(postgresql://user@host/db) instead of FILE; FILE.keys holds its keys.")
@click.option("--year", default=2026, show_default=True, type=click.IntRange(2016, 2030))
@click.option("--villages", default=0, type=click.IntRange(0, 500), help="Number of villages to create.")
@click.option("--name", help="Your name as people know you (e.g. \"Trần Thị Thu\"): shown instead of the user id — "
                            "a supervisor's in every starter package. Asked for on a terminal when not given.")
@click.option("--device", help="Device id (default: a new random one).")
@click.option("--no-encryption", is_flag=True,
              help="Make a new FILE plain, not encrypted (anyone who copies it reads every household).")
def init(file: Path, user: str, role: str, commune_code: str | None, province_code: str | None,
         database: str | None, year: int, villages: int, name: str | None, device: str | None,
         no_encryption: bool) -> None:
    """Give workspace FILE an identity for sync (device id and keys in FILE.keys), creating FILE if needed.

    The person's name (--name) is asked for on a terminal when not given, as the app's setup asks it; in a
    script without it, the user id stands where the name would be (said so).

    A new FILE is encrypted: a passphrase is asked for (or FIELDSURVEY_NEW_PASSPHRASE) and the recovery key
    printed once; --no-encryption leaves it plain.

    \b
    An enumerator and a supervisor then swap public keys:
      fieldsurvey keys export FILE --out me.fskey
      fieldsurvey keys trust FILE their.fskey      (after comparing its fingerprint)
    A province (--role province --province CODE) makes its roll-up workspace: an SQLite FILE, or the tables in a
    PostgreSQL database (--database); it hands its public key to each commune and trusts each commune supervisor's
    (fieldsurvey province trust FILE KEY).
    """
    recovery = None
    if role == "province":   # an SQLite roll-up is encrypted as a commune's workspace is; a server's is the server's
        from fieldsurvey.cli.encryption import new_passphrase, show_recovery  # lazy: 290 ms at start-up otherwise
        from fieldsurvey.services.encryption import new_encrypted
        from fieldsurvey.services.province import init_province, key_file  # lazy: 950 ms at start-up otherwise

        if not province_code:
            raise click.UsageError("--role province needs --province CODE")
        if name is not None:
            raise click.UsageError("--name is for a commune's workspace (--role supervisor or enumerator)")
        passphrase = None if no_encryption or database or file.exists() else new_passphrase(file)
        with new_encrypted(file, passphrase) as recovery:
            ident = init_province(database or file, user, province_code, year, device, key_file(file))
    else:
        from fieldsurvey.cli.encryption import new_passphrase, show_recovery  # lazy: 290 ms at start-up otherwise
        from fieldsurvey.services.encryption import new_encrypted
        from fieldsurvey.services.sync import init_workspace, person_name

        lang = message_lang() or "en"
        if name is None and _interactive():   # asked as the app's setup asks it (the passphrase is asked so, too)
            name = click.prompt(t("sync.prompt.name", lang, user=user), err=True)
        if name is not None:
            name = person_name(name)   # refused before a passphrase is asked or anything is made
        passphrase = None if no_encryption or file.exists() or not commune_code else new_passphrase(file)
        with new_encrypted(file, passphrase) as recovery:
            ident = init_workspace(file, user, role, commune_code, year, villages, device, name=name)
        if name is None:
            click.echo(t("sync.init.no_name", lang, file=str(file), user=ident.user), err=True)
    from fieldsurvey.services.sync import spoken_fingerprint  # lazy: 290 ms at start-up otherwise

    click.echo(f"{file}: {ident.role} {ident.user}" + (f" ({name})" if name and role != "province" else "")
               + f", device {ident.device}")
    click.echo(f"fingerprint {spoken_fingerprint(ident)}")
    if recovery:
        show_recovery(file, recovery)


@main.group()
def keys() -> None:
    """Export, trust and show public keys (compare fingerprints by eye, e.g. read aloud by phone)."""


@keys.command("export")
@click.argument("file", type=_WS)   # a province on a server has only FILE.keys
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Key file to write.")
def keys_export(file: Path, out: Path) -> None:
    """Write this workspace's public key to a small file to hand over."""
    from fieldsurvey.services.sync import export_key, spoken_fingerprint  # lazy: 290 ms at start-up otherwise

    key = export_key(file, out)
    click.echo(f"{out}: {key.role} {key.user}, device {key.device}\nfingerprint {spoken_fingerprint(key)}")


@keys.command("trust")
@click.argument("file", type=_EXISTING)
@click.argument("key_file", type=_EXISTING)
@click.option("--fingerprint", "expected", help="The fingerprint read out by its owner (the 8 groups of 5 digits); "
                                                "refused if it differs. Without it, the fingerprint is shown and "
                                                "you are asked to confirm it.")
@click.option("--replace", is_flag=True, help="Replace the key trusted for the same user or device (a new laptop, "
                                              "a renewed key); the old one is retired, trusted for nothing new.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def keys_trust(file: Path, key_file: Path, expected: str | None, replace: bool, lang: str) -> None:
    """Trust the public key in KEY_FILE: bundles it signs are accepted, bundles to it are encrypted.

    Its owner reads their fingerprint aloud (`fieldsurvey keys show`), e.g. over the phone; compare it with the one
    shown here, group by group, before you confirm."""
    from fieldsurvey.services.sync import trust  # lazy: 290 ms at start-up otherwise

    expected, spoken = confirmed_fingerprint(key_file, expected, lang)
    key = trust(file, key_file, expected, replace=replace)
    click.echo(t("sync.trust.done", lang, role=t(f"sync.role.{key.role}", lang), user=key.user, device=key.device,
                 fingerprint=spoken))


def confirmed_fingerprint(key_file: Path, expected: str | None, lang: str) -> tuple[str, str]:
    """The fingerprint to trust KEY_FILE with: `expected` as given (--fingerprint), else the key's own after it was
    shown, read aloud by its owner and confirmed here (refused when not). Returns it and the key's spoken form."""
    from fieldsurvey.services.sync import read_key, spoken_fingerprint  # lazy: 290 ms at start-up otherwise

    key = read_key(key_file)
    spoken = spoken_fingerprint(key)
    if expected is None:
        click.echo(t("sync.trust.show", lang, role=t(f"sync.role.{key.role}", lang), user=key.user,
                     device=key.device, fingerprint=spoken))
        if not click.confirm(t("sync.trust.confirm", lang), default=False):
            raise click.ClickException(t("sync.trust.not_confirmed", lang))
        expected = spoken
    return expected, spoken


@keys.command("forget")
@click.argument("file", type=_EXISTING)
@click.argument("who")
def keys_forget(file: Path, who: str) -> None:
    """Stop trusting a key (lost or stolen laptop), named by fingerprint, device id or user name."""
    from fieldsurvey.services.sync import forget  # lazy: 290 ms at start-up otherwise

    key = forget(file, who)
    click.echo(f"no longer trusted: {key['role']} {key['user']}, device {key['device']} ({key['fingerprint']})")


@keys.command("show")
@click.argument("file", type=_EXISTING)
@click.option("--json", "as_json", is_flag=True)
def keys_show(file: Path, as_json: bool) -> None:
    """Show this workspace's fingerprint and the keys it trusts."""
    from fieldsurvey.services.sync import identity_of, spoken_fingerprint, trusted  # lazy: 290 ms at start-up otherwise

    me = identity_of(file)
    others = trusted(file)
    retired = trusted(file, retired=True)
    if as_json:
        echo_json({"device": me.device, "user": me.user, "role": me.role, "fingerprint": me.public.fingerprint,
                   "spoken": spoken_fingerprint(me), "trusted": others, "retired": retired})
        return
    click.echo(f"this workspace: {me.role} {me.user}, device {me.device}\nfingerprint {spoken_fingerprint(me)}")
    for k in others:
        click.echo(f"trusts {k['role']:<10} {k['user']:<16} {k['device']:<18} {k['spoken']}")
    for k in retired:
        click.echo(f"retired {k['role']:<9} {k['user']:<16} {k['device']:<18} {k['spoken']}  (since {k['retired_at']})")


@main.command("export")
@click.argument("file", type=_EXISTING)
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Bundle file to write, or a folder (the name then says who, what and when).")
@click.option("--all", "full", is_flag=True, help="Everything, not only what changed since the last export.")
@click.option("--to", "to", help="Recipient: a trusted key file, device id or user name (encrypts to it). "
                                 "An enumerator's default is the one trusted supervisor.")
@click.option("--json", "as_json", is_flag=True)
def export_cmd(file: Path, out: Path, full: bool, to: str | None, as_json: bool) -> None:
    """Write a sync bundle: an enumerator's hand-in, or a supervisor's return bundle (--to ENUMERATOR)."""
    from fieldsurvey.services.sync import export_bundle  # lazy: 290 ms at start-up otherwise

    r = export_bundle(file, out, full, to)
    if as_json:
        echo_json({"path": str(r.path), "bundle_id": r.bundle_id, "sequence": r.sequence,
                   "households": r.households, "actions": r.actions, "encrypted": r.encrypted, "full": r.full})
        return
    click.echo(f"{r.path}: bundle {r.sequence}, {r.households} households, {r.actions} review actions, encrypted")


@main.command("import")
@click.argument("file", type=_EXISTING)
@click.argument("bundles", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--trust-fingerprint", "fingerprints", multiple=True, metavar="DIGITS",
              help="An enumerator's first hand-in carries her key: trust it when its fingerprint is this one (the 8 "
                   "groups of 5 digits her screen shows, Help → My key's fingerprint). Repeat for several. Without "
                   "it, on a terminal, the fingerprint is shown and you are asked; in a script the bundle is "
                   "refused, saying the fingerprint.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--quiet", is_flag=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def import_cmd(file: Path, bundles: tuple[Path, ...], fingerprints: tuple[str, ...], as_json: bool, quiet: bool,
               lang: str) -> None:
    """Import bundles (files, or folders of *.fsbundle) into workspace FILE, each all or nothing.

    Exits with status 1 if any bundle was refused (the others are still imported)."""
    from fieldsurvey.services.sync import SUFFIX, describe, import_bundles  # lazy: 290 ms at start-up otherwise

    paths: list[Path] = []
    for b in bundles:
        paths.extend(sorted(b.glob(f"*{SUFFIX}")) if b.is_dir() else [b])
    declined = _trust_carried_keys(file, paths, fingerprints, ask=not (as_json or quiet), lang=lang)
    reports = run_job(import_bundles(file, [p for p in paths if p not in declined]), quiet or as_json)
    if as_json:
        echo_json([r.to_dict() for r in reports])
    else:
        for r in reports:
            for line in describe(r, lang):
                click.echo(line)
        for p, key in declined.items():
            click.echo(t("sync.import.declined", lang, file=p.name, user=key.user))
    if declined or any(r.status == "refused" for r in reports):
        raise SystemExit(1)


def _interactive() -> bool:
    """Whether someone is at a terminal to be asked (a script with no terminal is never asked: it gives
    --trust-fingerprint)."""
    return sys.stdin.isatty()


def _trust_carried_keys(file: Path, paths: list[Path], fingerprints: tuple[str, ...], ask: bool, lang: str) -> dict:
    """The enumerators' keys the bundles carry and FILE does not trust yet: each trusted when its fingerprint is
    among those given (--trust-fingerprint), or — on a terminal, none given — shown and confirmed. Returns the
    bundles whose key was shown and not confirmed (left out: nothing of them imported, nothing trusted). A key
    neither given nor askable is left to the import, which refuses its bundle and says its fingerprint."""
    from fieldsurvey.services.sync import (carried_key, fingerprint_matches,  # lazy: 290 ms at start-up otherwise
                                           spoken_fingerprint, trust_carried)

    declined: dict = {}
    decided: dict[str, bool] = {}
    for p in paths:
        try:
            key = carried_key(file, p)
        except (BundleError, OSError):
            continue   # the import says why
        if key is None:
            continue
        if key.fingerprint not in decided:
            given = [f for f in fingerprints if fingerprint_matches(key, f)]
            if given:
                decided[key.fingerprint] = True
            elif fingerprints or not ask or not _interactive():
                continue   # refused by the import, naming the fingerprint to compare
            else:
                click.echo(t("sync.import.trust_show", lang, file=p.name, user=key.user, device=key.device,
                             fingerprint=spoken_fingerprint(key)))
                decided[key.fingerprint] = click.confirm(t("sync.import.trust_confirm", lang), default=False)
            if decided[key.fingerprint]:
                trust_carried(file, p, spoken_fingerprint(key))
        if not decided[key.fingerprint]:
            declined[p] = key
    return declined


def _opened(file: Path):
    from fieldsurvey.services.workspaces import opened  # lazy: 330 ms at start-up otherwise

    return opened(file)


def _local_time(text: str) -> str:
    """An audit time (ISO, UTC) as people read it: 23/11/2026 10:55 in this computer's time."""
    try:
        return f"{datetime.fromisoformat(text).astimezone():%d/%m/%Y %H:%M}"
    except (TypeError, ValueError):
        return text


def _plain(value):
    """A result dataclass as JSON-ready data."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return asdict(value) if is_dataclass(value) else value


@main.group()
def conflicts() -> None:
    """List and settle conflicts (two lines of work on one household from the same parent)."""


@conflicts.command("list")
@click.argument("file", type=_EXISTING)
@click.option("--all", "show_all", is_flag=True, help="Settled ones too.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def conflicts_list(file: Path, show_all: bool, as_json: bool, lang: str) -> None:
    """Conflicts with every differing field, this workspace's value beside the incoming one (in words)."""
    from fieldsurvey.services.review import conflicts as find  # lazy: 380 ms at start-up otherwise

    def lines(c) -> list[str]:
        return [f"#{c.id} {c.uuid} {c.head_name} ({c.village}) — {c.theirs_user}"
                + (f" — {t('sync.conflict.settled', lang, by=c.settled_by)}" if c.settled_at else "")] + [
            f"    {f.field}  {f.label}: {f.ours} | {f.theirs}" for f in c.fields]

    with _opened(file) as ws:
        found = find(ws, lang, open_only=not show_all)
    _show(_plain(found) if as_json else found, as_json, lines, "sync.conflict.none", lang)


@conflicts.command("resolve")
@click.argument("file", type=_EXISTING)
@click.argument("conflict_id", type=int)
@click.option("--field", "fields", multiple=True, metavar="FIELD=local|incoming",
              help="One choice per differing field (repeat).")
@click.option("--take", type=click.Choice(["local", "incoming"]), help="The side for every field not chosen.")
def conflicts_resolve(file: Path, conflict_id: int, fields: tuple[str, ...], take: str | None) -> None:
    """Settle conflict CONFLICT_ID field by field."""
    from fieldsurvey.services.review import resolve_conflict  # lazy: 380 ms at start-up otherwise

    choices = {}
    for f in fields:
        name, sep, side = f.rpartition("=")
        if not sep:
            raise BundleError("sync.error.field_choice_syntax", f)
        choices[name] = side
    with _opened(file) as ws:
        out = resolve_conflict(ws, conflict_id, choices, take)
    click.echo(f"settled: household {out.uuid} is now revision {out.revision}")


@main.group()
def duplicates() -> None:
    """Likely duplicate households (same ID number, or same head name + birth year + village)."""


@duplicates.command("list")
@click.argument("file", type=_EXISTING)
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def duplicates_list(file: Path, as_json: bool, lang: str) -> None:
    """Flagged pairs not decided yet, with both households' key facts."""
    from fieldsurvey.services.review import duplicates as find  # lazy: 380 ms at start-up otherwise

    def lines(d) -> list[str]:
        return [f"#{d.id} {t('sync.duplicate.' + d.reason, lang)}: {d.a.uuid} {d.a.head_name} ({d.a.village})  ~  "
                f"{d.b.uuid} {d.b.head_name} ({d.b.village})"]

    with _opened(file) as ws:
        found = find(ws)
    _show(_plain(found) if as_json else found, as_json, lines, "sync.duplicate.none", lang)


@duplicates.command("merge")
@click.argument("file", type=_EXISTING)
@click.argument("pair_id", type=int)
@click.option("--keep", required=True, help="UUID of the household that stays.")
def duplicates_merge(file: Path, pair_id: int, keep: str) -> None:
    """Merge a flagged pair: --keep stays, the other is marked merged into it (its history is kept)."""
    from fieldsurvey.services.review import decide_duplicate  # lazy: 380 ms at start-up otherwise

    with _opened(file) as ws:
        out = decide_duplicate(ws, pair_id, "merge", keep)
    click.echo(f"merged {out.merged} into {out.kept}")


@duplicates.command("keep-apart")
@click.argument("file", type=_EXISTING)
@click.argument("pair_id", type=int)
def duplicates_apart(file: Path, pair_id: int) -> None:
    """Two different families after all: the pair is not flagged again."""
    from fieldsurvey.services.review import decide_duplicate  # lazy: 380 ms at start-up otherwise

    with _opened(file) as ws:
        decide_duplicate(ws, pair_id, "apart")
    click.echo(f"pair {pair_id} kept apart")


@duplicates.command("decide")
@click.argument("file", type=_EXISTING)
@click.argument("decisions", type=click.File("r", encoding="utf-8"))
def duplicates_decide(file: Path, decisions) -> None:
    """Decide many pairs at once, all or none. DECISIONS is a file (or - for standard input) with one pair a
    line: `PAIR merge KEEP-UUID` or `PAIR apart`."""
    from fieldsurvey.services.review import decide_duplicates  # lazy: 380 ms at start-up otherwise

    wanted = []
    for n, line in enumerate(decisions, 1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) not in (2, 3) or not parts[0].isdigit():
            raise BundleError("sync.error.decision_line", f"{getattr(decisions, 'name', '-')}:{n}", line=line.strip())
        wanted.append((int(parts[0]), parts[1], parts[2] if len(parts) == 3 else None))
    with _opened(file) as ws:
        done = decide_duplicates(ws, wanted)
    for d in done:
        click.echo(f"pair {d.pair}: " + (f"merged {d.merged} into {d.kept}" if d.decision == "merge" else "kept apart"))


def _review(file: Path, uuids: tuple[str, ...], action: str, comment: str, owner: str | None = None) -> None:
    from fieldsurvey.services.review import decide  # lazy: 380 ms at start-up otherwise

    with _opened(file) as ws:
        n = decide(ws, list(uuids), action, comment, owner)
    click.echo(f"{action}: {n} household(s); sent with the next return bundle")


@main.command()
@click.argument("file", type=_EXISTING)
@click.argument("uuids", nargs=-1, required=True)
@click.option("--comment", default="")
def approve(file: Path, uuids: tuple[str, ...], comment: str) -> None:
    """Approve households (supervisor)."""
    _review(file, uuids, "approve", comment)


@main.command("return")
@click.argument("file", type=_EXISTING)
@click.argument("uuids", nargs=-1, required=True)
@click.option("--comment", required=True, help="What the enumerator should fix.")
def return_cmd(file: Path, uuids: tuple[str, ...], comment: str) -> None:
    """Return households to their enumerator with a comment (supervisor)."""
    _review(file, uuids, "return", comment)


@main.command()
@click.argument("file", type=_EXISTING)
@click.argument("uuids", nargs=-1, required=True)
@click.option("--to", "owner", required=True, help="The enumerator (user name) who takes them over.")
@click.option("--comment", default="")
def assign(file: Path, uuids: tuple[str, ...], owner: str, comment: str) -> None:
    """Reassign households to another enumerator (supervisor); one owner at a time."""
    _review(file, uuids, "reassign", comment, owner)


@main.command()
@click.argument("file", type=_EXISTING)
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def todo(file: Path, as_json: bool, lang: str) -> None:
    """The enumerator's to-do list: households returned with a comment, or newly assigned."""
    from fieldsurvey.services.households import people, person  # lazy: 380 ms at start-up otherwise
    from fieldsurvey.services.review import todo as todo_list

    def lines(r) -> list[str]:
        by = person(names, r.by)   # the supervisor by name where this workspace knows it
        what = (t("sync.todo.returned", lang, by=by, comment=r.comment) if r.action == "return"
                else t("sync.todo.assigned", lang, by=by))
        return [f"{r.uuid} {r.head_name} ({r.village}): {what}"]

    with _opened(file) as ws:
        found = todo_list(ws)
        names = people(ws)
    _show(_plain(found) if as_json else found, as_json, lines, "sync.todo.empty", lang)


@main.command()
@click.argument("file", type=_EXISTING)
@click.argument("uuid")
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def history(file: Path, uuid: str, as_json: bool, lang: str) -> None:
    """Who changed what and when, for one household (fields named by the form's labels)."""
    from fieldsurvey.services.households import history as household_history, in_words, people  # lazy: 370 ms

    with _opened(file) as ws:
        rows = household_history(ws, uuid, lang)
        names = people(ws)
    if as_json:
        echo_json(_plain(rows))
        return
    for r in rows:   # as the app's History says it: people by name, the action and the field in words
        said = in_words(r, names, lang)
        change = f"{said.field}: {said.old or '—'} → {said.new or '—'}" if r.field else ""
        click.echo(f"{_local_time(r.at)}  {said.who:<18} {said.action:<22} {change}  {said.note}".rstrip())
