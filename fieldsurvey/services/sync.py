"""Sync use cases, Qt-free, for the CLI and the GUI: set up an installation's identity, exchange and trust keys
(from a key file, or the enumerator's key a hand-in carries, once its fingerprint is confirmed),
export a bundle, import bundles (one transaction each), settle conflicts and duplicates, and the review loop
(approve, return, reassign; the enumerator's to-do list; a household's history).

A workspace's identity is its key file (FILE.keys, beside the workspace; see fieldsurvey/sync/keys.py for why).
"""

from __future__ import annotations

import json
import unicodedata
import uuid as uuidlib
import zlib
from functools import partial
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from fieldsurvey import files, parallel
from fieldsurvey.domain import refdata
from fieldsurvey.domain.ranges import control_in
from fieldsurvey.domain.synthetic import village_names
from fieldsurvey.domain.results import Message, review_round, said
from fieldsurvey.errors import BundleError, FieldSurveyError, WorkspaceError, WriteError
from fieldsurvey.i18n import fold, t
from fieldsurvey.progress import Job, Progress
from fieldsurvey.services import encryption as at_rest
from fieldsurvey.services import values, villages
from fieldsurvey.services.assessment import registry
from fieldsurvey.domain.assessed import stored_classification
from fieldsurvey.domain import lifecycle
from fieldsurvey.domain.lifecycle import Action, HouseholdStatus, after_hand_in
from fieldsurvey.domain.standards import Standard
from fieldsurvey.storage import audit, connection
from fieldsurvey.storage import backups as store_backups
from fieldsurvey.storage import sync_store as store
from fieldsurvey.storage.columns import document_columns, fold_all, names_to_fold
from fieldsurvey.storage.stamps import doc_hash, now_iso, stamped_off
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from fieldsurvey.sync.container import (DEFAULT_LIMITS, MAGIC, Limits, canonical, open_bundle, open_sealed, pack,
                                        read_file, seal, sha256, write_atomically)
from fieldsurvey.sync.container import carried_key as container_carried_key
from fieldsurvey.sync.container import signer_id
from fieldsurvey.sync.keys import (SPOKEN_GROUP_DIGITS, Identity, PublicKey, b64, key_file_for, public_key_text,
                                   read_public_key)
from fieldsurvey.sync.merge import Local, Outcome, decide, differences, duplicate_keys, resolve
from fieldsurvey.sync.records import (FORMAT_VERSION, Contents, HouseholdRecord, Manifest, Revision, ReviewAction,
                                      read_contents)

SUFFIX = ".fsbundle"


# --- identity and keys ------------------------------------------------------------------------------------------

def _for_writing(path: Path) -> Workspace:
    """The workspace opened to be written: refused with the reason when it opened read-only (another FieldSurvey —
    the app's window or a command — holds it: the reason names which, whose, where), never an SQLite "attempt to
    write a readonly database" halfway."""
    ws = Workspace.open(path)
    if ws.read_only:
        error = ws.refusal()
        ws.backups = False
        ws.close()
        raise error
    return ws


NAME_MAX = 100   # characters of a person's name (a starter package carries at most 200)


def person_name(name: str, where: str = "--name") -> str:
    """A person's name as people know them ("Trần Thị Thu"), as typed: NFC, spaces run together and trimmed;
    refused when empty, longer than NAME_MAX or holding a character that cannot be printed."""
    name = unicodedata.normalize("NFC", name)
    if control_in(name) is not None:   # a control character, a line break or a tab: one line of text
        raise WorkspaceError("sync.error.name_control", where, name=name.encode("unicode_escape").decode())
    name = " ".join(name.split())
    if not name:
        raise WorkspaceError("sync.error.name_empty", where)
    if len(name) > NAME_MAX:
        raise WorkspaceError("sync.error.name_too_long", where, n=len(name), max=NAME_MAX)
    return name


def init_workspace(path: Path, user: str, role: str, commune_code: str | None = None, year: int = 2026,
                   villages: int = 0, device: str | None = None, name: str | None = None) -> Identity:
    """Give a workspace its identity (device id + keys), creating the workspace first if FILE does not exist.
    `name`: the person's name as people know them (meta `name`; an enumerator's also as the setup records it,
    meta `enumerator`), shown wherever the user id would be — the supervisor's in each starter package she makes."""
    path = Path(path)
    name = person_name(name) if name is not None else None
    keyfile = key_file_for(path)
    if keyfile.exists():
        raise WorkspaceError("sync.error.identity_exists", str(keyfile))
    if not path.exists():
        if not commune_code:
            raise WorkspaceError("sync.error.needs_commune", str(path))
        unit = refdata.commune(commune_code)
        if unit is None:
            raise WorkspaceError("sync.error.no_such_commune", "--commune", code=commune_code)
        standard = registry().for_year(year, unit.province_code)
        info = WorkspaceInfo(unit.province_code, unit.province_name, unit.code, unit.name, unit.area.value, year,
                             "annual", standard.id)
        Workspace.create(path, info, village_names(unit.area.value, villages) if villages else ()).close()
    with _for_writing(path) as ws:
        commune = ws.info.commune_code
        if commune_code and commune_code != commune:
            raise WorkspaceError("sync.error.workspace_commune", str(path), commune=commune, given=commune_code)
        identity = Identity.generate(user, role, commune, device or ws.device_id)
        at_rest.save_identity(identity, path)   # private keys encrypted beside an encrypted workspace
        store.set_identity(ws, identity.device, identity.user, identity.role)
        if name:
            ws.set_meta("name", name)
            if role == "enumerator":   # as the app's setup records her (the questionnaire's enumerator by default)
                ws.set_meta("enumerator", name)
                ws.set_meta("enumerator_id", identity.user)
    return identity


def identity_of(path: Path) -> Identity:
    return at_rest.identity(path)


def export_key(path: Path, out: Path) -> PublicKey:
    key = identity_of(path).public
    write_atomically(Path(out), public_key_text(key).encode("utf-8"))
    return key


def read_key(key_path: Path) -> PublicKey:
    """A public-key file (.fskey) read and checked, to show who it is and its fingerprint before it is trusted."""
    return read_public_key(Path(key_path))


def spoken_fingerprint(key: PublicKey | Identity) -> str:
    """A key's fingerprint as people read it aloud over the phone and compare it: 40 digits derived from the key's
    hash (fieldsurvey.sync.keys.spoken_digits) in eight groups of five, `12345 67890 …`. The one rendering the
    command line and the app show."""
    if isinstance(key, Identity):
        key = key.public
    digits = key.digits
    return " ".join(digits[i:i + SPOKEN_GROUP_DIGITS] for i in range(0, len(digits), SPOKEN_GROUP_DIGITS))


def fingerprint_matches(key: PublicKey, given: str) -> bool:
    """Whether `given` (typed or pasted; spaces, dashes and case do not matter) is this key's fingerprint: its 40
    digits, or the key's id as bundle headers name it (eight groups of four letters and digits)."""
    plain = "".join(c for c in given.upper() if c.isalnum())
    return bool(plain) and plain in (key.digits, key.fingerprint.replace("-", ""))


def trust(path: Path, key_path: Path, fingerprint: str, replace: bool = False) -> PublicKey:
    """Trust another installation's public key, after its fingerprint was compared with the one its owner reads out
    (`fingerprint`: what was confirmed — the digits of `spoken_fingerprint`; refused when it differs or is empty).

    One trusted key per person and per device: a key for a user name or a device this workspace already trusts
    under another key is refused, unless `replace` — the supervisor replacing a lost laptop's or a renewed key
    explicitly; the old key is then retired (kept, marked, trusted for no new bundle)."""
    return trust_key(path, read_public_key(Path(key_path)), fingerprint, str(key_path), replace)


def trust_key(path: Path, key: PublicKey, fingerprint: str, where: str, replace: bool = False) -> PublicKey:
    """`trust` for a key already read (from a key file, a starter package, a hand-in that carries it): `where`
    names where it came from in a refusal."""
    check_fingerprint(key, fingerprint, where)
    me = identity_of(path)
    with _for_writing(path) as ws:
        others = _check_trustable(ws, me, key, where, replace)
        now = now_iso()
        with ws.db.atomic():
            store.retire_keys(ws.db, [r["fingerprint"] for r in others], key.fingerprint, now)
            store.trust_key(ws.db, {"fingerprint": key.fingerprint, "device": key.device, "user": key.user,
                                    "role": key.role, "commune_code": key.commune_code,
                                    "sign_key": b64(key.sign_key), "encrypt_key": b64(key.encrypt_key),
                                    "trusted_at": now})
        at_rest.seal_for_supervisors(ws)   # an enumerator's supervisor can now reset a forgotten passphrase
    return key


def check_fingerprint(key: PublicKey, fingerprint: str, where: str) -> None:
    if not fingerprint or not fingerprint.strip():
        raise BundleError("sync.error.fingerprint_needed", where, fingerprint=spoken_fingerprint(key))
    if not fingerprint_matches(key, fingerprint):
        raise BundleError("sync.error.fingerprint_mismatch", where, fingerprint=spoken_fingerprint(key))


def _check_trustable(ws: Workspace, me: Identity, key: PublicKey, where: str,
                     replace: bool = False) -> list[dict[str, Any]]:
    """The refusals of trusting `key` in this workspace (another commune or province, this workspace's own key or
    name, a second key for a user or device already trusted unless `replace`); the trusted keys it replaces."""
    if key.role == "province":   # the province this commune reports to (its key names the province)
        if key.commune_code != ws.info.province_code:
            raise BundleError("sync.error.key_other_province", where, province=key.commune_code,
                              expected=ws.info.province_code)
    elif key.commune_code != ws.info.commune_code:
        raise BundleError("sync.error.key_other_commune", where, commune=key.commune_code,
                          expected=ws.info.commune_code)
    if key.fingerprint == me.public.fingerprint:
        raise BundleError("sync.error.own_key", where)
    if key.device == me.device or key.user == me.user:
        raise BundleError("sync.error.key_claims_me", where, user=key.user, device=key.device)
    others = [r for r in store.trusted_keys(ws.db) if r["fingerprint"] != key.fingerprint
              and (r["user"] == key.user or r["device"] == key.device)]
    if others and not replace:
        old = others[0]
        raise BundleError("sync.error.key_for_known_user", where, user=key.user, device=key.device,
                          old_device=old["device"], old_fingerprint=spoken_fingerprint(PublicKey.from_row(old)))
    if others and me.role != "supervisor":
        raise BundleError("sync.error.replace_needs_supervisor", where, user=key.user)
    return others


def carried_key(path: Path, bundle: Path) -> PublicKey | None:
    """The enumerator's key a hand-in carries (every hand-in carries its signer's public key in its signed header),
    when this supervisor's workspace does not trust it yet — to show its owner, device and fingerprint and ask
    whether it is the one the enumerator's screen shows (`trust_carried`). None: the bundle's signer is trusted
    already (or retired), it carries no key, or this workspace is not a supervisor's (an enumerator trusts her
    supervisor from the starter package, never from a bundle). Refused (BundleError): a carried key that did not
    sign the bundle, one that is not an enumerator's, or one this workspace could not trust (another commune; a
    second key for a user or a device it trusts — one key per person and device holds)."""
    me = identity_of(path)
    if me.role != "supervisor":
        return None
    bundle = Path(bundle)
    data = read_file(bundle)
    with Workspace.open(path, read_only=True) as ws:
        if store.known_key(ws.db, signer_id(data, bundle.name)) is not None:
            return None   # trusted (or retired): the import says the rest, nothing to ask
        key = _carried(data, bundle.name)
        if key is not None:
            _check_trustable(ws, me, key, bundle.name)
    return key


def _carried(data: bytes, source: str) -> PublicKey | None:
    key = container_carried_key(data, source)
    if key is not None and key.role != "enumerator":   # a hand-in is an enumerator's: nobody else's key by this way
        raise BundleError("sync.error.carried_not_enumerator", source, role=said("sync.role.", key.role),
                          user=key.user)
    return key


def trust_carried(path: Path, bundle: Path, fingerprint: str) -> PublicKey:
    """Trust the enumerator's key a hand-in carries (`carried_key`), after its fingerprint was compared with the one
    the enumerator's screen shows (`fingerprint`: what was confirmed; refused when it differs or is empty)."""
    key = carried_key(path, bundle)
    if key is None:
        raise BundleError("sync.error.nothing_to_trust", Path(bundle).name)
    return trust_key(path, key, fingerprint, Path(bundle).name)


def forget(path: Path, who: str) -> dict[str, Any]:
    """Stop trusting a key (a lost or stolen laptop): named by fingerprint, device id or user name. Its bundles are
    refused from now on; what it handed in before stays."""
    with _for_writing(path) as ws:
        rows = [r for r in store.trusted_keys(ws.db)
                if who in (r["fingerprint"], r["device"], r["user"])
                or who.upper().replace(" ", "") == r["fingerprint"]]
        if len(rows) != 1:
            raise BundleError("sync.error.no_trusted_key" if not rows else "sync.error.several_trusted_keys", who)
        store.forget_key(ws.db, rows[0]["fingerprint"])
        at_rest.seal_for_supervisors(ws)   # a forgotten supervisor's key recovers nothing any more
        return {k: rows[0][k] for k in ("fingerprint", "device", "user", "role")}


def trusted(path: Path, retired: bool = False) -> list[dict[str, Any]]:
    """The keys this workspace trusts (`retired`: those replaced by another, kept for the record), each with its
    fingerprint to read aloud (`spoken`)."""
    with Workspace.open(path) as ws:
        rows = store.retired_keys(ws.db) if retired else store.trusted_keys(ws.db)
        return [{**{k: r[k] for k in ("fingerprint", "device", "user", "role", "trusted_at")},
                 "spoken": spoken_fingerprint(PublicKey.from_row(r)),
                 **({"retired_at": r["retired_at"], "replaced_by": r["replaced_by"]} if retired else {})}
                for r in rows]


def supervisor_key_known(ws: Workspace) -> bool:
    """Whether an enumerator's workspace trusts a supervisor's key (a hand-in is encrypted to it: without it, the
    export is refused and says how to get one)."""
    return bool(store.trusted_keys(ws.db, "supervisor"))


def _recipient(ws: Workspace, me: Identity, to: str | Path | None) -> PublicKey | None:
    """The key to encrypt to: a key file, a trusted device or user name, or (for an enumerator) the one trusted
    supervisor — refused when there is none (sync.error.no_supervisor_key says how to get it). None only for a
    supervisor who named no enumerator (refused by the caller)."""
    if to is not None:
        if Path(to).is_file():
            key = read_public_key(Path(to))
            if store.trusted_key(ws.db, key.fingerprint) is None:
                raise BundleError("sync.error.key_not_trusted", str(to))
            return key
        rows = [r for r in store.trusted_keys(ws.db) if str(to) in (r["device"], r["user"], r["fingerprint"])]
        if len(rows) != 1:
            raise BundleError("sync.error.no_trusted_recipient" if not rows
                              else "sync.error.several_trusted_recipients",
                              str(to))
        return PublicKey.from_row(rows[0])
    if me.role == "enumerator":
        sups = store.trusted_keys(ws.db, "supervisor")
        if len(sups) == 1:
            return PublicKey.from_row(sups[0])
        if len(sups) > 1:
            raise BundleError("sync.error.several_supervisors", "--to")
        # no plain personal data leaves the laptop: a hand-in is always encrypted to the supervisor
        raise BundleError("sync.error.no_supervisor_key", str(ws.path), file=str(ws.path))
    return None


# --- export -----------------------------------------------------------------------------------------------------

@dataclass
class ExportResult:
    path: Path
    bundle_id: str
    sequence: int
    households: int
    actions: int
    encrypted: bool
    full: bool


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in fold(text)).strip("-")[:40] or "x"


def export_bundle(path: Path, out: Path, full: bool = False, to: str | Path | None = None,
                  at: datetime | None = None) -> ExportResult:
    """Write one bundle. An enumerator's hand-in carries the households they own that changed since their last
    export (all of them with `full`); a supervisor's return bundle (`to` = an enumerator) carries the review
    actions not yet sent to them and the households they own whose stored revision they have not got."""
    me = identity_of(path)
    at = at or datetime.now(timezone.utc)
    with _for_writing(path) as ws:
        at_rest.seal_for_supervisors(ws)   # (a supervisor key trusted by another path: the starter package)
        info = ws.info
        recipient = _recipient(ws, me, to)
        if me.role == "supervisor" and recipient is None:
            raise BundleError("sync.error.return_needs_recipient", "--to")
        if me.role == "supervisor" and recipient is not None and recipient.role != "enumerator":
            raise BundleError("sync.error.return_to_enumerator", str(to))
        to_device = recipient.device if me.role == "supervisor" and recipient else ""
        # 1. Seal, take the next sequence number and record it as used — committed before the file exists, so a
        #    crash later leaves at worst a gap in the numbers (reported by the importer), never a number used twice.
        with ws.db.atomic():
            store.seal_open_revisions(ws, me.device, me.user)
            abandoned = store.abandoned_exports(ws.db)   # numbers a killed export took and never wrote
            sequence = store.next_export_sequence(ws.db)
            bundle_id = str(uuidlib.uuid4())
            store.record_export(ws.db, {"sequence": sequence, "bundle_id": bundle_id, "kind": "pending",
                                        "to_device": recipient.device if recipient else None, "full": int(full),
                                        "households": 0, "created_at": at.isoformat(timespec="seconds"),
                                        "file_name": None}, [])
        # 2. Build the bundle from what is stored now.
        entries: dict[str, bytes] = {}
        forms: dict[str, set[str]] = {}
        sent: list[tuple[str, str, str]] = []
        actions: list[dict[str, Any]] = []
        if me.role == "enumerator":
            owner, kind = me.user, "hand-in"
        else:
            owner, kind = recipient.user, "return"
            actions = store.unsent_reviews(ws.db, owner)
        already = {} if full else store.sent_revisions(ws.db, to_device)
        for rec in store.export_records(ws.db, owner, already):
            doc = rec["document"]
            form = doc.get("form") or {}
            forms.setdefault(str(form.get("id", "")), set()).add(str(form.get("version", "")))
            entries[f"households/{rec['uuid']}.json"] = canonical(rec)
            sent.append((rec["uuid"], to_device, rec["revision"]))
        if actions:
            entries["review.json"] = canonical({"actions": [
                {"uuid": a["uuid"], "action": a["action"], "comment": a["comment"], "by": a["by_user"],
                 "at": a["at"], "owner": a["owner"]} for a in actions]})
        n_households = len(entries) - (1 if actions else 0)
        if kind == "return":   # the village list, every time: applied once on the other side (its version)
            entries["villages.json"] = canonical(villages.villages_payload(ws))
        manifest = Manifest(FORMAT_VERSION, kind, bundle_id, at.isoformat(timespec="seconds"), me.device,
                            me.user, me.role, info.commune_code, info.review_year, info.review_kind,
                            {k: sorted(v) for k, v in sorted(forms.items())}, sequence, full,
                            recipient.device if recipient else None,
                            {"households": n_households, "actions": len(actions)},
                            {name: sha256(data) for name, data in sorted(entries.items())}, tuple(abandoned))
        entries["manifest.json"] = canonical(manifest.to_dict())
        size = sum(map(len, entries.values()))
        if size > DEFAULT_LIMITS.max_total or len(entries) > DEFAULT_LIMITS.max_entries:
            # a bundle the other side's import would refuse unread: not written, its number given back
            with ws.db.atomic():
                store.release_export(ws.db, sequence)
            raise BundleError("sync.error.export_too_large", None, households=n_households, size=size,
                              limit=DEFAULT_LIMITS.max_total, entries=DEFAULT_LIMITS.max_entries - 2)
        # a hand-in carries the enumerator's public key: the supervisor's first import shows its fingerprint
        data = pack(entries, me, recipient, carry_key=kind == "hand-in")
        out = Path(out)
        if out.is_dir():
            stamp = at.strftime("%Y%m%d-%H%M")
            what = f"{kind}-{'full' if full else 'changes'}"
            out = out / f"{info.commune_code}_{_slug(me.user)}_{what}_{sequence:04d}_{stamp}{SUFFIX}"
        # 3. The file, via a temporary name — where it goes recorded first, so that an export killed before the
        #    file was renamed into place is known, next time, never to have been written (the next bundle says so).
        store.pending_export_file(ws.db, sequence, str(out.resolve()))
        try:
            write_atomically(out, data)
        except WriteError:   # a full or write-protected stick: nothing was written, so the number is given back
            store.release_export(ws.db, sequence)
            raise
        # 4. Only now is what it carries marked as sent: a crash before this line sends it again next time (the
        #    importer finds it unchanged), it is never lost.
        with ws.db.atomic():
            store.finish_export(ws.db, sequence, kind, n_households, out.name, sent)
            store.mark_reviews_sent(ws.db, [a["id"] for a in actions], bundle_id)
            if kind == "hand-in":
                for uuid, _, _ in sent:  # a returned household handed in again is off the to-do list
                    store.mark_todo_done(ws.db, uuid, manifest.created_at)
            store.append_audit(ws, [(r[0], "export", {"bundle": bundle_id, "sequence": sequence})
                                    for r in sent], me.device, me.user)
    return ExportResult(out, bundle_id, sequence, n_households, len(actions), recipient is not None, full)


def export_job(path: Path, out: Path, full: bool = False, to: str | None = None) -> Job[ExportResult]:
    """`export_bundle` as a job (one step), so the app runs it off the main thread: an enumerator's hand-in, or a
    supervisor's return bundle for one enumerator (`to`)."""
    yield Progress(0, 1, "export")
    result = export_bundle(Path(path), Path(out), full=full, to=to)
    yield Progress(1, 1, "export")
    return result


# --- backups that leave the workspace's folder -------------------------------------------------------------------

BACKUP_SUFFIX = ".fsbackup"
BACKUP_CONTENT = "backup"
BACKUP_LIMITS = replace(DEFAULT_LIMITS, max_file=16 * 1024 * 1024 * 1024)


def outside_folder(path: Path, to: Path) -> bool:
    """Whether a backup written to `to` (a file or a folder) lands outside the workspace's folder (and the folders
    below it): on a stick, another disk, a shared folder."""
    to = Path(to)
    folder = (to if to.is_dir() else to.parent).resolve()
    home = Path(path).resolve().parent
    return folder != home and not folder.is_relative_to(home)


def backup_recipient(ws: Workspace, me: Identity) -> PublicKey:
    """Whom a backup leaving the laptop is encrypted to: the supervisor — for an enumerator, the one supervisor's
    key the workspace trusts; for a supervisor, their own key."""
    if me.role == "supervisor":
        return me.public
    sups = store.trusted_keys(ws.db, "supervisor")
    if len(sups) > 1:
        raise BundleError("sync.error.several_supervisors", str(ws.path))
    if not sups:
        raise BundleError("sync.error.backup_needs_supervisor_key", str(ws.path), file=str(ws.path))
    return PublicKey.from_row(sups[0])


def sealed_backup(path: Path, to: Path, at: datetime | None = None) -> Path:
    """A backup of workspace FILE written outside its folder (`backup --to` a stick): the consistent copy
    (SQLite's backup API, checked, made beside the workspace and removed after), compressed, signed by this
    installation and encrypted to the supervisor's key, in the bundles' container (header `content: backup`),
    as `<name>-<UTC time>.fsbackup` in a folder or under the name given. Nothing of it is readable without the
    supervisor's private key; `restore_sealed` reads it."""
    path, to = Path(path), Path(to)
    if not key_file_for(path).exists():
        raise BundleError("sync.error.backup_needs_identity", str(path), file=str(path))
    me = identity_of(path)
    stamp = (at or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    target = to / f"{path.stem}-{stamp}{BACKUP_SUFFIX}" if to.is_dir() else to
    if target.exists():
        raise WorkspaceError("storage.error.file_exists", str(target))
    with Workspace.open(path) as ws:
        ws.backups = False
        recipient = backup_recipient(ws, me)
        _remove_plain_leftovers(path, "sealing")
        plain = path.with_name(f".{path.name}.sealing-{uuidlib.uuid4().hex[:8]}")
        try:
            store_backups.copy_database(ws.db.conn, plain)
            data = plain.read_bytes()
        finally:
            plain.unlink(missing_ok=True)
    files.discard_partials(target.parent, f"{path.stem}-*")   # what a killed backup left on that stick
    write_atomically(target, seal(zlib.compress(data, 6), me, recipient, content=BACKUP_CONTENT))
    return target


def _remove_plain_leftovers(path: Path, what: str) -> None:
    """Plain copies a killed sealed backup or restore left beside the workspace (`.NAME.sealing-…`,
    `.NAME.unsealed-…` and their temporary names): removed before the next one."""
    for left in path.parent.glob(f".{path.name}.{what}-*"):
        left.unlink(missing_ok=True)
    for left in path.parent.glob(f"..{path.name}.{what}-*.partial"):
        left.unlink(missing_ok=True)


def is_sealed(path: Path) -> bool:
    """Whether a file is in the bundles' container (a sealed backup), not a plain workspace file."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def restore_sealed(path: Path, backup_file: Path, key_from: Path | None = None) -> Path | None:
    """Put a sealed backup (`sealed_backup`) in place of workspace FILE. It is decrypted with the private key of
    `key_from` — the supervisor's workspace, whose key file is beside it (default: FILE's own, for a supervisor's own
    backup); its signature must be by that key or by a key that workspace trusts or trusted (a retired key: a lost
    laptop's backup is what restores are for). The plain copy is written beside FILE, restored as any backup
    (checked first, the replaced file kept), then removed. Returns the kept file's path, as `restore` does."""
    path, backup_file = Path(path), Path(backup_file)
    key_from = Path(key_from) if key_from is not None else path
    if not key_file_for(key_from).exists():
        raise BundleError("sync.error.backup_needs_key", str(backup_file), file=str(key_from))
    me = identity_of(key_from)
    data = read_file(backup_file, BACKUP_LIMITS)

    def find(fp: str) -> PublicKey | None:
        if fp == me.public.fingerprint:
            return me.public
        if not key_from.exists():
            return None
        with Workspace.open(key_from, read_only=True) as ws:
            row = store.known_key(ws.db, fp)
        return PublicKey.from_row(row) if row else None

    _, payload = open_sealed(data, backup_file.name, find, me, BACKUP_CONTENT, BACKUP_LIMITS)
    try:
        plain = zlib.decompress(payload)
    except zlib.error as exc:
        raise BundleError("sync.error.archive_damaged", backup_file.name, error=str(exc)) from None
    _remove_plain_leftovers(path, "unsealed")
    tmp = path.with_name(f".{path.name}.unsealed-{uuidlib.uuid4().hex[:8]}")
    try:
        write_atomically(tmp, plain)
        return store_backups.restore(path, tmp)
    finally:
        tmp.unlink(missing_ok=True)


# --- import -----------------------------------------------------------------------------------------------------

def error_data(exc: FieldSurveyError) -> dict[str, Any]:
    """A refusal as plain data (JSON-serialisable): its English message, where, catalogue key and values — a value
    that is itself an error or a Message kept as plain data too, so `error_from_data` can say it again in any
    language."""
    return {"where": exc.where, "key": exc.key,
            "values": {k: _plain_value(v) for k, v in exc.values.items()}}


def _plain_value(value: Any) -> Any:
    if isinstance(value, FieldSurveyError):
        return {"error": error_data(value)}
    if isinstance(value, Message):
        return {"text": value.key, "values": {k: _plain_value(v) for k, v in value.values.items()}}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain_value(v) for v in value]
    return str(value)


def _value_back(value: Any) -> Any:
    if isinstance(value, dict) and "error" in value:
        return error_from_data(value["error"])
    if isinstance(value, dict) and "text" in value:
        return Message(value["text"], {k: _value_back(v) for k, v in value.get("values", {}).items()})
    if isinstance(value, list):
        return [_value_back(v) for v in value]
    return value


def error_from_data(data: dict[str, Any]) -> FieldSurveyError:
    """The refusal that `error_data` made plain, again as an error (for its `text(lang)`)."""
    return FieldSurveyError(data.get("key"), data.get("where"),
                            **{k: _value_back(v) for k, v in (data.get("values") or {}).items()})


def _refused_record(uuid: str, key: str, **values: Any) -> dict[str, Any]:
    """A record refused inside an accepted bundle: `uuid`, and the catalogue key and values that say why in the
    user's language (`ImportReport.reasons`; the English `reason` is what to_dict and the CLI show)."""
    refusal = BundleError(key, None, **values)
    return {"uuid": uuid, "reason": refusal.message, "key": key, "values": error_data(refusal)["values"]}


@dataclass
class ImportReport:
    file: str
    status: str = "imported"               # imported | already | refused
    message: str = ""
    bundle_id: str | None = None
    kind: str | None = None
    device: str | None = None
    user: str | None = None
    sequence: int | None = None
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)   # updated by a two-parent revision (see docs/sync.md)
    duplicates: int = 0
    actions: int = 0
    missing_sequences: list[int] = field(default_factory=list)
    older: bool = False
    clock_off: str | None = None           # the bundle's `created_at`, when the clock that made it was plainly wrong
    error: dict[str, Any] | None = None   # a refused bundle's refusal as plain data (error_data), for text(lang)
    imported_at: str | None = None        # an `already` bundle: when it was imported
    held: list[dict[str, Any]] = field(default_factory=list)   # households stored with answers held for the
    # supervisor (outside a soft range: a household of 40): values.held_entry each, plain data
    villages_followed: list[list[str]] = field(default_factory=list)   # [uuid, former village, village now]: a
    # hand-in's household naming a village's former name, moved along its rename or merge
    unknown_villages: list[list[str]] = field(default_factory=list)    # [uuid, village]: naming a village the
    # supervisor's list never had (stored as it came, not added to the list)
    villages: dict[str, Any] | None = None   # a return bundle's village list applied here (what it changed)

    def to_dict(self) -> dict[str, Any]:
        """What the CLI prints with --json (as it always has: the English message and reasons)."""
        out = asdict(self)
        del out["error"]
        out["refused"] = [{"uuid": r["uuid"], "reason": r["reason"]} for r in self.refused]
        return out

    def text(self, lang: str = "vi") -> str:
        """Why the bundle was refused, in `lang` (the English `message` when there is nothing to translate)."""
        if self.error is None:
            return self.message
        return error_from_data(self.error).text(lang)

    def reasons(self, lang: str = "vi") -> list[tuple[str, str]]:
        """Each record refused inside the bundle: its uuid and why, in `lang`."""
        return [(r["uuid"], error_from_data({"key": r["key"], "values": r.get("values")}).text(lang))
                for r in self.refused]

    @property
    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "conflicts": len(self.conflicts), "refused": len(self.refused)}


def check_bundle(ws: Workspace, me: Identity, path: Path, limits: Limits = DEFAULT_LIMITS) -> Contents:
    """Every check that needs no write: file, signature, decryption, archive, manifest, checksums, records; the
    commune, the review round and the addressee. Raises BundleError naming the file (and entry)."""
    source = Path(path).name
    data = read_file(Path(path), limits)

    def find(fp: str) -> PublicKey | None:
        row = store.trusted_key(ws.db, fp)
        if row is None:
            old = store.known_key(ws.db, fp)
            if old is not None:   # replaced: trusted for no new bundle
                raise BundleError("sync.error.key_retired", source, user=old["user"], device=old["device"],
                                  at=old["retired_at"])
            carried = _carried(data, source) if me.role == "supervisor" else None
            if carried is not None:   # an enumerator's first hand-in: her key is compared and trusted first
                _check_trustable(ws, me, carried, source)
                raise BundleError("sync.error.key_not_yet_trusted", source, user=carried.user,
                                  device=carried.device, fingerprint=spoken_fingerprint(carried))
        return PublicKey.from_row(row) if row else None

    opened = open_bundle(data, source, find, me, limits)
    if not opened.encrypted:   # no plain personal data travels: every bundle is encrypted to its recipient
        raise BundleError("sync.error.not_encrypted", source)
    del data   # the file's bytes (up to limits.max_file): what is needed of them is in `opened`
    info = ws.info

    def check(m: Manifest) -> None:
        where = f"{source}: manifest.json"
        if m.kind == "result":   # a commune's result goes to its province (services/province.py)
            raise BundleError("sync.error.result_for_province", where)
        if m.commune_code != info.commune_code:
            raise BundleError("sync.error.other_commune", where, commune=m.commune_code, expected=info.commune_code,
                              name=info.commune_name)
        if (m.review_year, m.review_kind) != (info.review_year, info.review_kind):
            raise BundleError("sync.error.other_round", where, kind=review_round(m.review_kind), year=m.review_year,
                              expected_kind=review_round(info.review_kind), expected_year=info.review_year)
        if m.kind == "hand-in" and me.role != "supervisor":
            raise BundleError("sync.error.handin_needs_supervisor", where)
        if m.kind == "return" and me.role != "enumerator":   # review decisions go to an enumerator only
            raise BundleError("sync.error.return_needs_enumerator", where, actions=m.counts.get("actions", 0))
        if m.kind == "return" and m.to != me.device:
            raise BundleError("sync.error.return_other_device", where, to=m.to, device=me.device)

    # each household's values checked against this workspace as its record is read (services/values.py): a form
    # version or review year it does not have, an answer outside its type, choices or plausible range refuses the
    # bundle, naming the entry and the field
    contents = read_contents(opened, limits, check, prepare=partial(_prepare, standard=ws.standard),
                             check=values.RecordCheck(info), consume=True)
    return contents


def _prepare(records: list[HouseholdRecord], standard: Standard) -> None:
    """What an import derives from each checked document, made where the record was checked (a worker process
    for a large bundle, see records.check_records): the households columns and the document's JSON text as
    storage keeps them, its hash, its likely-duplicate keys as rows (key, uuid) — the names of all of them folded in
    one call — and its class with the workspace's standard."""
    folded = fold_all([t for rec in records for t in names_to_fold(rec.document)])
    for rec in records:
        columns = document_columns(rec.document, folded)
        rec.text = columns["document"]
        try:
            classified = tuple(stored_classification(rec.document, standard))  # plain: it may cross a pipe
        except FieldSurveyError:
            classified = None
        rec.prepared = (columns, doc_hash(rec.text),
                        [(f"{kind}:{value}", rec.uuid) for kind, value in duplicate_keys(rec.document,
                                                                                         folded.__getitem__)],
                        classified)
        # Kept as text from here on, decoded again only when asked for (one record at a time): decoded, a record
        # takes about ten times its bytes, and every record is held until the transaction commits.
        rec.document = None
        rec.audit = json.dumps(rec.audit, ensure_ascii=False, separators=(",", ":"))


def import_bundles(path: Path, bundles: Iterable[Path], limits: Limits = DEFAULT_LIMITS) -> Job[list[ImportReport]]:
    """Import bundles one after another, each in its own transaction (all of it or none of it). A refused bundle
    does not stop the others; its report says why."""
    paths = [Path(p) for p in bundles]
    me = identity_of(path)
    reports: list[ImportReport] = []
    with _for_writing(path) as ws:
        store.prepare_import(ws.db)
        for i, p in enumerate(paths):
            yield Progress(i, len(paths), p.name)
            reports.append(import_one(ws, me, p, limits))
        yield Progress(len(paths), len(paths), "")
    return reports


def import_one(ws: Workspace, me: Identity, path: Path, limits: Limits = DEFAULT_LIMITS) -> ImportReport:
    with parallel.collector_paused():
        return _import_one(ws, me, path, limits)


def _import_one(ws: Workspace, me: Identity, path: Path, limits: Limits = DEFAULT_LIMITS) -> ImportReport:
    report = ImportReport(Path(path).name)
    try:
        contents = check_bundle(ws, me, path, limits)
    except FieldSurveyError as exc:
        report.status, report.message, report.error = "refused", str(exc), error_data(exc)
        return report
    m = contents.manifest
    report.bundle_id, report.kind, report.device, report.user, report.sequence = (m.bundle_id, m.kind, m.device,
                                                                                  m.user, m.sequence)
    if stamped_off(m.created_at):   # imported all the same: flagged, so that the dates it carries are not believed
        report.clock_off = m.created_at
    seen = store.bundle_seen(ws.db, m.bundle_id)
    if seen:
        report.status = "already"
        report.imported_at = seen["imported_at"]
        report.error = error_data(BundleError("sync.error.already_imported", None, at=seen["imported_at"]))
        report.message = str(error_from_data(report.error))
        return report
    sequences = store.device_sequences(ws.db, m.device)
    if m.sequence in sequences:
        report.status = "refused"
        refusal = BundleError("sync.error.sequence_reused", report.file, device=m.device, sequence=m.sequence)
        report.message, report.error = str(refusal), error_data(refusal)
        return report
    try:
        with ws.db.atomic():
            _apply(ws, me, contents, report)
            last = max(sequences, default=0)
            report.older = m.sequence < last
            store.record_abandoned(ws.db, m.device, m.abandoned)   # never written: not missing
            known = set(sequences) | {m.sequence} | store.abandoned_of(ws.db, m.device)
            report.missing_sequences = [s for s in range(1, max(known) + 1) if s not in known]
            store.record_bundle(ws.db, {"bundle_id": m.bundle_id, "kind": m.kind, "device": m.device,
                                        "user": m.user, "sequence": m.sequence, "created_at": m.created_at,
                                        "imported_at": now_iso(), "file_name": report.file,
                                        "report": report.counts})
    except FieldSurveyError as exc:
        return ImportReport(report.file, "refused", str(exc), m.bundle_id, m.kind, m.device, m.user, m.sequence,
                            error=error_data(exc))
    except connection.ERRORS as exc:   # the transaction was rolled back: nothing of the bundle is stored
        refusal = WorkspaceError("sync.error.cannot_store", report.file, error=str(exc))
        return ImportReport(report.file, "refused", str(refusal), m.bundle_id, m.kind, m.device, m.user,
                            m.sequence, error=error_data(refusal))
    return report


def _apply(ws: Workspace, me: Identity, contents: Contents, report: ImportReport) -> None:
    m = contents.manifest
    records = contents.households
    # Who handed in is the trusted key that signed (read_contents checked the manifest names the same user and
    # device; one trusted key per user and device, see `trust`): ownership goes by that key.
    signer = contents.signer
    by = signer.user if signer is not None else m.user
    states = store.household_states(ws.db, [r.uuid for r in records])
    kept = store.conflict_revisions(ws.db, [r.uuid for r in records])
    now = now_iso()
    _prepare([rec for rec in records if rec.prepared is None], ws.standard)
    dup_rows: list[tuple[str, str]] = []
    received: list[tuple[str, str, str]] = []
    incoming: list[tuple[HouseholdRecord, str, str | None]] = []
    for rec in records:
        state = states.get(rec.uuid)
        if m.kind == "hand-in" and state and state["owner"] not in (None, "", by):
            report.refused.append(_refused_record(rec.uuid, "sync.error.record_assigned", owner=state["owner"],
                                                  user=by))
            continue
        if state and state["status"] == HouseholdStatus.MERGED:
            report.refused.append(_refused_record(rec.uuid, "sync.error.record_merged"))
            continue
        if m.kind == "hand-in" and rec.owner not in (None, by):
            report.refused.append(_refused_record(rec.uuid, "sync.error.record_owner", owner=rec.owner, user=by))
            continue
        local = Local(state["head"], frozenset(state["known"]) | kept.get(rec.uuid, set())) if state else None
        outcome = Outcome.NEW if local is None else decide(local, rec.revision, rec.ancestors)
        if outcome is Outcome.CONFLICT and store.unchanged_since_common(ws.db, rec.uuid, state["head"],
                                                                        rec.ancestors):
            # Only the status or owner changed here since the common revision (e.g. a return or an approval):
            # the incoming answers are taken, as a revision with both lines as parents — nothing is lost.
            status = after_hand_in(rec.status) if m.kind == "hand-in" else rec.status
            owner = state["owner"] if m.kind == "hand-in" or rec.owner is None else rec.owner
            store.store_resolution(ws, rec.uuid, rec.doc(), rec.revisions, rec.revision, me.device, me.user,
                                   status, owner, action="merge")
            report.updated.append(rec.uuid)
            report.merged.append(rec.uuid)
            if rec.held:
                report.held.append(values.held_entry(rec.uuid, rec.held))
            store.drop_duplicate_keys(ws.db, rec.uuid)
            dup_rows.extend(rec.prepared[2])
            continue
        if outcome is Outcome.UNCHANGED:
            report.unchanged.append(rec.uuid)
        elif outcome is Outcome.CONFLICT:
            store.add_conflict(ws.db, {"uuid": rec.uuid, "local_revision": state["head"],
                                       "incoming_revision": rec.revision,
                                       "incoming_document": rec.text,
                                       "incoming_status": rec.status, "incoming_owner": rec.owner,
                                       "incoming_revisions": json.dumps([r.to_dict() for r in rec.revisions]),
                                       "device": m.device, "user": m.user, "bundle_id": m.bundle_id,
                                       "created_at": now})
            store.append_audit(ws, [(rec.uuid, "conflict", {"bundle": m.bundle_id, "local": state["head"],
                                                            "incoming": rec.revision, "from": m.user})],
                               me.device, me.user)
            report.conflicts.append(rec.uuid)
        else:
            status = rec.status
            owner = rec.owner if m.kind == "return" else by
            if m.kind == "hand-in":
                status = after_hand_in(status)
            if m.kind == "return" and state:
                owner = state["owner"] if rec.owner is None else rec.owner
            incoming.append((rec, status, owner))
            (report.new if outcome is Outcome.NEW else report.updated).append(rec.uuid)
            if rec.held:
                report.held.append(values.held_entry(rec.uuid, rec.held))
            dup_rows.extend(rec.prepared[2])
            if outcome is Outcome.UPDATED:
                store.drop_duplicate_keys(ws.db, rec.uuid)
        if outcome in (Outcome.NEW, Outcome.UPDATED) or (state and rec.revision == state["head"]):
            # the other side holds this revision: no need to send it back (supervisor: to that device;
            # enumerator: to the supervisor, until it changes here)
            received.append((rec.uuid, m.device if me.role == "supervisor" else "", rec.revision))
    store.store_incoming(ws, incoming, m.bundle_id, me.device, me.user, existing=set(states),
                         signer=(signer.device, signer.user) if signer is not None else None)
    store.mark_received(ws.db, received)
    if m.kind == "hand-in":
        # a household naming a village's former name follows the rename; one naming a village never listed is
        # named in the summary (not added to the list)
        stored = {rec.uuid for rec, _, _ in incoming} | set(report.merged)
        followed = villages.follow_renames(ws, {rec.uuid: _village_of(rec) for rec in records if rec.uuid in stored})
        report.villages_followed = [list(m) for m in followed.moved]
        report.unknown_villages = [list(u) for u in followed.unknown]
    # households made in this workspace (not imported) are compared too: index their keys once (those just
    # stored are indexed above, so they are not read back)
    store.mark_indexed(ws.db, [r.uuid for r, _, _ in incoming])
    scanned = []
    for uuid, text in store.unindexed_documents(ws.db):
        scanned.append(uuid)
        dup_rows.extend((f"{kind}:{value}", uuid) for kind, value in duplicate_keys(json.loads(text)))
    store.mark_indexed(ws.db, scanned)
    report.duplicates = store.index_duplicate_keys(ws.db, dup_rows, now)
    if contents.actions:
        if m.kind != "return" or signer is None or signer.role != "supervisor":   # read_contents refused it already
            raise BundleError("sync.error.handin_review", f"{contents.source}: review.json",
                              action=said("sync.action.", contents.actions[0].action), uuid=contents.actions[0].uuid)
        _apply_actions(ws, me, contents.actions, m.bundle_id, signer.user)
        report.actions = len(contents.actions)
    if contents.villages is not None:
        if m.kind != "return" or signer is None or signer.role != "supervisor":   # read_contents refused it already
            raise BundleError("villages.error.handin_villages", f"{contents.source}: villages.json")
        applied = villages.apply_villages_payload(ws, contents.villages, signer.user)
        if not applied.already:
            report.villages = {"version": applied.version, "renamed": [list(r) for r in applied.renamed],
                               "added": list(applied.added), "removed": list(applied.removed),
                               "kept": list(applied.kept), "households": len(applied.households)}


def _village_of(rec: HouseholdRecord) -> str | None:
    """The village a record's document names (the columns prepared from it)."""
    columns = rec.prepared[0] if rec.prepared else None
    if columns is not None and "village" in columns:
        return columns["village"]
    return (rec.doc().get("location") or {}).get("village")


def _apply_actions(ws: Workspace, me: Identity, actions: list[ReviewAction], bundle_id: str, signer: str) -> None:
    """A return bundle's review decisions, applied and audited as the signing supervisor's (`signer`: the user of the
    trusted key that signed it — never the name an action gives)."""
    rows = []
    for a in actions:
        state = store.household_states(ws.db, [a.uuid]).get(a.uuid)
        if state is None:
            raise BundleError("sync.error.action_unknown_household", f"{bundle_id}: review.json", uuid=a.uuid)
        if a.action in (Action.APPROVE, Action.RETURN):
            # the household the bundle carries may hold the decision already (its status came with it)
            if state["status"] != lifecycle.target(Action(a.action), HouseholdStatus.SUBMITTED):
                store.change_status(ws, a.uuid, Action(a.action), signer, a.comment)
        elif a.action == "reassign":
            store.set_owner(ws, a.uuid, a.owner, me.device, signer, a.comment)
        rows.append({"direction": "in", "uuid": a.uuid, "action": a.action, "comment": a.comment, "by_user": signer,
                     "at": a.at, "owner": a.owner, "recipient": me.user, "bundle_id": bundle_id})
    store.add_review(ws.db, rows)


# --- conflicts --------------------------------------------------------------------------------------------------

# --- duplicates -------------------------------------------------------------------------------------------------

# --- review loop ------------------------------------------------------------------------------------------------

def describe(report: ImportReport, lang: str = "vi") -> list[str]:
    """The import report as lines of text in the user's language (the CLI prints them; the GUI shows them)."""
    if report.status == "refused":   # in the user's language, naming the file
        said = report.text(lang)
        return [t("sync.import.refused", lang, message=said if said.startswith(report.file) else
                  f"{report.file}: {said}")]
    if report.status == "already":
        return [t("sync.import.already", lang, file=report.file, at=report.imported_at)]
    c = report.counts
    lines = [t("sync.import.summary", lang, file=report.file, kind=t(f"sync.kind.{report.kind}", lang),
               sequence=report.sequence, user=report.user, device=report.device, new=c["new"],
               updated=c["updated"], unchanged=c["unchanged"], conflicts=c["conflicts"], refused=c["refused"],
               duplicates=report.duplicates, actions=report.actions)]
    lines += [t("sync.import.refused_record", lang, uuid=uuid, reason=reason) for uuid, reason in report.reasons(lang)]
    lines += values.held_lines(report.held, lang)
    lines += villages.village_lines(report, lang)
    if report.older:
        lines.append(t("sync.import.older", lang))
    if report.clock_off:
        lines.append(t("sync.import.clock_off", lang, device=report.device, created=report.clock_off[:10]))
    if report.missing_sequences:
        lines.append(t("sync.import.gap", lang, device=report.device,
                       sequences=", ".join(map(str, report.missing_sequences))))
    return lines
