"""Use cases of workspaces encrypted at rest: a new workspace's passphrase (and the recovery key shown once), unlocking
a file, encrypting a plain workspace in place, a new passphrase, a forgotten one reset with the recovery key — the
printed one, or the one an enumerator's supervisor recovers from the workspace's key header with their private key.
The passphrase is never written to disk or logged: it lives in the caller's variables until it is turned into a key.
docs/storage.md."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from fieldsurvey.errors import BundleError, WorkspaceError
from fieldsurvey.storage import conversion, encryption
from fieldsurvey.storage import sync_store as store
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync.keys import Identity, is_protected, key_file_for, unb64


def ask_with(asker: Callable[[Path], str] | None) -> None:
    """Who gives the passphrase of an encrypted file not unlocked yet (CLI: environment, file or keyboard)."""
    encryption.set_asker(asker)


def needs_passphrase(path: Path | str) -> bool:
    """An encrypted workspace (or backup) this process has not unlocked yet."""
    path = Path(path)
    return path.is_file() and encryption.is_encrypted(path) and not encryption.is_unlocked(path)


def is_encrypted(path: Path | str) -> bool:
    return Path(path).is_file() and encryption.is_encrypted(Path(path))


def unlock(path: Path | str, passphrase: str) -> None:
    """Unlock an encrypted workspace for this process (its backups too: they share its key). WorkspaceError
    encryption.error.wrong_passphrase — the file untouched — when it is not its passphrase."""
    encryption.unlock(Path(path), passphrase)


def check_new_passphrase(passphrase: str, where: str) -> None:
    encryption.check_passphrase(passphrase, where)


@contextmanager
def new_encrypted(path: Path | str, passphrase: str | None) -> Iterator[str | None]:
    """Around making a new workspace at `path`: with a passphrase, its key header is written first (the workspace is
    then made encrypted) and the recovery key given to show once; if making it fails, the header goes again. None:
    a plain workspace (the demo, or `--no-encryption`)."""
    path = Path(path)
    if passphrase is None:
        if not path.exists():   # a key header left beside a file that is gone would make the new one encrypted
            encryption.header_path(path).unlink(missing_ok=True)
        yield None
        return
    if path.exists():   # (its key header is never replaced: the file there would open no more)
        raise WorkspaceError("storage.error.file_exists_create", str(path))
    recovery = encryption.set_up(path, passphrase)
    try:
        yield recovery
    except BaseException:
        if not path.exists():
            encryption.header_path(path).unlink(missing_ok=True)
        raise


def encrypt(path: Path | str, passphrase: str, show: Callable[[str], None] | None = None) -> str | None:
    """Encrypt a plain workspace in place (all or nothing) and its backups; the recovery key to show once (None: it
    was already encrypted; plain backups a killed conversion left are encrypted now). `show` is given the recovery
    key before the encrypted copy replaces the plain file."""
    recovery = conversion.encrypt_workspace(Path(path), passphrase, show)
    protect_identity(path)   # the sync identity's private keys beside it (also after a kill left them plain)
    return recovery


def change_passphrase(path: Path | str, passphrase: str) -> None:
    """A new passphrase (the old one asked for when the file is not unlocked yet)."""
    conversion.change_passphrase(Path(path), passphrase)


def reset_passphrase(path: Path | str, recovery: str, passphrase: str) -> None:
    """A forgotten passphrase replaced with the recovery key's help."""
    conversion.reset_passphrase(Path(path), recovery, passphrase)


def forget_keys() -> None:
    """Drop every key this process unlocked (the app, when it closes a workspace)."""
    encryption.forget_all()


# --- the supervisor's key as the recovery path of an enumerator's workspace --------------------------------------------

def seal_for_supervisors(ws: Workspace) -> bool:
    """Keep the key header of an enumerator's encrypted workspace (open, so unlocked) holding its secret sealed to
    each supervisor key the workspace trusts now — and to no retired or forgotten one. Called wherever a key is
    trusted or forgotten (and on each hand-in, which costs a read of the small header). Nothing for a plain
    workspace, a supervisor's or a province's. Whether the header was written; then its encrypted backups get it
    too."""
    path = Path(ws.path)
    if ws.read_only or not encryption.is_encrypted(path) or ws.meta("role") != "enumerator":
        return False
    secret = encryption.secret_for(path)
    assert secret is not None
    recipients = [(row["fingerprint"], row["user"], unb64(row["encrypt_key"], "key", 32))
                  for row in store.trusted_keys(ws.db, "supervisor")]
    if not encryption.seal_to(path, secret, recipients):
        return False
    conversion.spread_header(path)
    return True


def header_of(path: Path | str) -> Path:
    """The key header meant: the file itself when it is one (copied onto a stick, under any name), else the key
    header beside the workspace `path`."""
    path = Path(path)
    return path if not path.name.endswith(".fsdb") else encryption.header_path(path)


def recover_for_enumerator(supervisor: Path | str, header: Path | str) -> str:
    """The recovery key of an enumerator's workspace, from its key header (`NAME.fsdb.key`, brought on a stick or
    sent: it holds no personal data) opened with the private key of the supervisor's workspace `supervisor` (its
    passphrase asked for when it is encrypted and not unlocked). The supervisor reads it out or writes it down; the
    enumerator resets the passphrase with it (`reset_passphrase`). Refused — nothing learnt — for a header not
    sealed to this supervisor's key."""
    supervisor = Path(supervisor)
    me = identity(supervisor)
    if me.role != "supervisor":
        raise WorkspaceError("encryption.error.recover_needs_supervisor", str(supervisor), role=me.role)
    return encryption.recover_sealed(header_of(header), me.public.fingerprint, me.encryption)


def copy_header_for_supervisor(path: Path | str, folder: Path | str) -> Path:
    """The key header of workspace `path` copied into `folder` (a stick) as `NAME.fsdb.key`, for the supervisor to
    recover the recovery key from (`recover_for_enumerator`); it holds no personal data. Its path."""
    path, folder = Path(path), Path(folder)
    target = folder / path.name
    encryption.write_header(target, encryption.read_header(path))
    return encryption.header_path(target)


def sealed_to(path: Path | str) -> list[str]:
    """The user names of the supervisors whose key can recover this encrypted workspace (whom to ask)."""
    try:
        return [s.user for s in encryption.read_header(Path(path)).sealed]
    except WorkspaceError:
        return []


# --- the sync identity's key file beside an encrypted workspace ---------------------------------------------------------

def identity(path: Path | str, keys: Path | str | None = None) -> Identity:
    """The identity (private keys) of the workspace `path`, from its key file (`keys`, else FILE.keys beside it);
    beside an encrypted workspace its private keys are decrypted with the workspace's key (the passphrase asked for
    when the workspace is not unlocked yet)."""
    keyfile = Path(keys) if keys is not None else key_file_for(Path(path))

    def unlock(kid: str) -> bytes:
        protection = encryption.identity_protection(Path(path)) if not _is_server(path) else None
        if protection is None or protection[0] != kid:
            raise BundleError("sync.error.key_file_wrong_key", str(keyfile))
        return protection[1]

    return Identity.load(keyfile, unlock)


def save_identity(ident: Identity, path: Path | str, keys: Path | str | None = None) -> Path:
    """Write the key file of workspace `path` (`keys`, else FILE.keys): its private keys encrypted with the
    workspace's key when the workspace is encrypted (or about to be made so), plain beside a plain one."""
    keyfile = Path(keys) if keys is not None else key_file_for(Path(path))
    ident.save(keyfile, None if _is_server(path) else encryption.identity_protection(Path(path)))
    return keyfile


def protect_identity(path: Path | str) -> bool:
    """The key file beside an encrypted workspace encrypted now when it is still plain (after `encrypt`, or a key
    file from before). Whether it was."""
    keyfile = key_file_for(Path(path))
    if not keyfile.is_file() or is_protected(keyfile) or not is_encrypted(path):
        return False
    save_identity(Identity.load(keyfile), path)
    return True


def _is_server(target: Path | str) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))
