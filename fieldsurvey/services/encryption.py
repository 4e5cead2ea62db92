"""Use cases of workspaces encrypted at rest: a new workspace's passphrase (and the recovery key shown once), unlocking
a file, encrypting a plain workspace in place, a new passphrase, a forgotten one reset with the recovery key. The
passphrase is never written to disk or logged: it lives in the caller's variables until it is turned into a key.
docs/storage.md."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.storage import conversion, encryption


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
    return conversion.encrypt_workspace(Path(path), passphrase, show)


def change_passphrase(path: Path | str, passphrase: str) -> None:
    """A new passphrase (the old one asked for when the file is not unlocked yet)."""
    conversion.change_passphrase(Path(path), passphrase)


def reset_passphrase(path: Path | str, recovery: str, passphrase: str) -> None:
    """A forgotten passphrase replaced with the recovery key's help."""
    conversion.reset_passphrase(Path(path), recovery, passphrase)


def forget_keys() -> None:
    """Drop every key this process unlocked (the app, when it closes a workspace)."""
    encryption.forget_all()
