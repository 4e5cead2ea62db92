"""Workspaces encrypted at rest: the workspace's key, the passphrase that unlocks it, the recovery key that resets a
forgotten passphrase. docs/storage.md.

Each encrypted workspace has a secret of 16 random bytes. The file's SQLCipher key (AES-256, every page) is derived
from it (HKDF-SHA256); so is its key id, which names the secret without saying anything about it. The secret itself
is the **recovery key**, printed once at setup as 8 groups of 6 digits, each group a multiple of 11 (a typo in a
group is caught before anything is tried). The **passphrase** unlocks a copy of the secret kept in the key header
beside the workspace (`<name>.fsdb.key`, a small JSON file): the copy is encrypted (AES-256-GCM) with a key derived
from the passphrase by scrypt, with a salt of its own and the cost written in the header (about half a second on a
commune laptop). The header holds no personal data; without the passphrase or the recovery key it opens nothing.

A wrong passphrase is found by the header's authentication tag — before SQLite is asked to open anything, so the
workspace is never touched. The secrets of the files unlocked in this process are kept in memory only (by key id:
a workspace's backups share its key), never written, never logged; `forget_all` drops them.

An enumerator's workspace that trusts a supervisor's key also keeps, in its key header, a copy of the secret **sealed
to that supervisor** (X25519 with a fresh key, HKDF-SHA256, AES-256-GCM): the supervisor's private key — in their own
workspace's key file — opens it and gives back the recovery key (`recover_sealed`), which resets a forgotten
passphrase as the printed one does. The sealed copies follow the workspace's trusted supervisor keys (services).

A file is encrypted when it does not start with SQLite's header; a workspace not yet made is made encrypted when its
key header is already beside it (written by `set_up`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fieldsurvey import files
from fieldsurvey.errors import WorkspaceError

FORMAT = "fieldsurvey-key/1"
HEADER_SUFFIX = ".key"
SQLITE_MAGIC = b"SQLite format 3\x00"
SECRET_BYTES = 16


@dataclass(frozen=True)
class Cost:
    """scrypt's cost: n (a power of two), r, p. n=2**16, r=8 takes about half a second and 64 MB here."""
    n: int = 2 ** 16
    r: int = 8
    p: int = 1


COST = Cost()   # new headers' cost; the tests lower it (each header says its own)
MIN_PASSPHRASE = 8


def header_path(path: Path | str) -> Path:
    path = Path(path)
    return path.with_name(path.name + HEADER_SUFFIX)


# --- the secret, its key and its id ------------------------------------------------------------------------------------

def _hkdf(secret: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret)


# The HMAC of every page (SQLCipher's `cipher_hmac_algorithm`), part of a file's format: written in its key header.
# New files take SHA-256 (this CPU family has SHA instructions: a third to a half less of what encryption adds,
# docs/performance.md); a header without the field is a file made before, with SQLCipher 4's default SHA-512.
PAGE_HMAC = "HMAC_SHA256"
LEGACY_PAGE_HMAC = "HMAC_SHA512"
PAGE_HMACS = (PAGE_HMAC, LEGACY_PAGE_HMAC)


class DatabaseKey(bytes):
    """A file's SQLCipher raw key (32 bytes) with the page HMAC its file was made with (storage/connection.py sets
    both on every keyed connection)."""
    hmac: str

    def __new__(cls, raw: bytes, hmac: str = PAGE_HMAC) -> "DatabaseKey":
        if hmac not in PAGE_HMACS:
            raise ValueError(hmac)
        key = super().__new__(cls, raw)
        key.hmac = hmac
        return key


def database_key(secret: bytes, hmac: str = PAGE_HMAC) -> DatabaseKey:
    """The SQLCipher raw key (32 bytes) of a workspace whose secret this is, for a file with this page HMAC."""
    return DatabaseKey(_hkdf(secret, b"fieldsurvey workspace database key", 32), hmac)


def identity_key(secret: bytes) -> bytes:
    """The key (32 bytes) that encrypts the private keys of the sync identity kept beside the workspace."""
    return _hkdf(secret, b"fieldsurvey identity key file", 32)


def key_id(secret: bytes) -> str:
    return _hkdf(secret, b"fieldsurvey workspace key id", 8).hex()


def recovery_text(secret: bytes) -> str:
    """The recovery key as printed: 8 groups of 6 digits, each a multiple of 11 (BitLocker's scheme)."""
    groups = [int.from_bytes(secret[i:i + 2], "big") * 11 for i in range(0, SECRET_BYTES, 2)]
    return "-".join(f"{g:06d}" for g in groups)


def parse_recovery(text: str, where: str) -> bytes:
    """The secret a typed recovery key stands for (spaces, dashes anywhere); WorkspaceError naming the group that
    is wrong when it is not one."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) != 48 or any(not (c.isdigit() or c in " -\t") for c in text.strip()):
        raise WorkspaceError("encryption.error.recovery_key_form", where)
    out = b""
    for i in range(8):
        group = int(digits[6 * i:6 * i + 6])
        if group % 11 or group // 11 > 0xFFFF:
            raise WorkspaceError("encryption.error.recovery_key_group", where, group=i + 1)
        out += (group // 11).to_bytes(2, "big")
    return out


# --- the key header ----------------------------------------------------------------------------------------------------

SEALED_CIPHER = "X25519-HKDF-SHA256-AES-256-GCM"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class Sealed:
    """The secret sealed to one supervisor's X25519 key: `to` is that key's fingerprint (as sync names keys), `user`
    the supervisor's user name (shown to the enumerator: whom to ask)."""
    to: str
    user: str
    ephemeral: bytes
    nonce: bytes
    wrapped: bytes

    def to_dict(self) -> dict[str, str]:
        return {"to": self.to, "user": self.user, "cipher": SEALED_CIPHER, "ephemeral": _b64(self.ephemeral),
                "nonce": _b64(self.nonce), "wrapped": _b64(self.wrapped)}


@dataclass(frozen=True)
class Header:
    key_id: str
    cost: Cost
    salt: bytes
    nonce: bytes
    wrapped: bytes
    sealed: tuple[Sealed, ...] = ()
    page_hmac: str = LEGACY_PAGE_HMAC

    def to_json(self) -> str:
        b64 = _b64
        return json.dumps({"format": FORMAT, "key_id": self.key_id,
                           "kdf": {"name": "scrypt", "n": self.cost.n, "r": self.cost.r, "p": self.cost.p,
                                   "salt": b64(self.salt)},
                           "cipher": "AES-256-GCM", "nonce": b64(self.nonce), "wrapped": b64(self.wrapped),
                           "database": "SQLCipher 4, 16 KB pages, raw key = HKDF-SHA256(secret)",
                           **({"page_hmac": self.page_hmac} if self.page_hmac != LEGACY_PAGE_HMAC else {}),
                           **({"sealed": [s.to_dict() for s in self.sealed]} if self.sealed else {})},
                          indent=1) + "\n"


def read_header(path: Path) -> Header:
    """The key header beside workspace `path`; WorkspaceError when it is missing or not one."""
    return read_header_file(header_path(path), str(path))


def read_header_file(hp: Path, where: str | None = None) -> Header:
    """A key header read from its own file (beside its workspace, or copied onto a stick under any name)."""
    hp = Path(hp)
    try:
        data = json.loads(hp.read_text(encoding="utf-8"))
        kdf = data["kdf"]
        if data.get("format") != FORMAT or kdf.get("name") != "scrypt":
            raise ValueError(data.get("format"))
        sealed = tuple(Sealed(str(s["to"]), str(s["user"]), base64.b64decode(s["ephemeral"]),
                              base64.b64decode(s["nonce"]), base64.b64decode(s["wrapped"]))
                       for s in data.get("sealed", []) if s.get("cipher") == SEALED_CIPHER)
        page_hmac = data.get("page_hmac", LEGACY_PAGE_HMAC)
        if page_hmac not in PAGE_HMACS:
            raise ValueError(page_hmac)
        return Header(str(data["key_id"]), Cost(int(kdf["n"]), int(kdf["r"]), int(kdf["p"])),
                      base64.b64decode(kdf["salt"]), base64.b64decode(data["nonce"]),
                      base64.b64decode(data["wrapped"]), sealed, page_hmac)
    except FileNotFoundError:
        raise WorkspaceError("encryption.error.no_key_header", where or str(hp), header=str(hp)) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WorkspaceError("encryption.error.bad_key_header", str(hp), error=type(exc).__name__) from None


def _passphrase_key(passphrase: str, salt: bytes, cost: Cost) -> bytes:
    text = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return hashlib.scrypt(text, salt=salt, n=cost.n, r=cost.r, p=cost.p, dklen=32,
                          maxmem=128 * cost.n * cost.r * cost.p + 16 * 1024 * 1024)


def _aad(kid: str) -> bytes:
    return f"{FORMAT} {kid}".encode("ascii")


def make_header(secret: bytes, passphrase: str, cost: Cost | None = None, sealed: tuple[Sealed, ...] = (),
                page_hmac: str = PAGE_HMAC) -> Header:
    """A key header for `secret` unlocked by `passphrase`; `page_hmac`: the format of the file it goes with (a new
    file: PAGE_HMAC; an existing one keeps its own)."""
    cost = cost or COST
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    kid = key_id(secret)
    wrapped = AESGCM(_passphrase_key(passphrase, salt, cost)).encrypt(nonce, secret, _aad(kid))
    return Header(kid, cost, salt, nonce, wrapped, sealed, page_hmac)


# --- the secret sealed to a supervisor ----------------------------------------------------------------------------------

def _sealing_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient,
                info=b"fieldsurvey workspace secret sealed to a supervisor").derive(shared)


def _sealed_aad(kid: str, to: str) -> bytes:
    return f"{FORMAT} sealed {kid} {to}".encode("ascii")


def seal(secret: bytes, to: str, user: str, public_key: bytes) -> Sealed:
    """The secret sealed to one X25519 public key (32 raw bytes) whose fingerprint is `to`."""
    ephemeral = X25519PrivateKey.generate()
    eph = ephemeral.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = _sealing_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key)), eph, public_key)
    nonce = secrets.token_bytes(12)
    return Sealed(to, user, eph, nonce, AESGCM(key).encrypt(nonce, secret, _sealed_aad(key_id(secret), to)))


def seal_to(path: Path, secret: bytes, recipients: list[tuple[str, str, bytes]]) -> bool:
    """Keep in `path`'s key header one copy of `secret` sealed to each recipient (fingerprint, user, X25519 public
    key) and none to anybody else (a retired or forgotten key loses its copy). Copies already there are kept as they
    are. Whether the header was written."""
    header = read_header(path)
    if header.key_id != key_id(secret):
        raise WorkspaceError("encryption.error.bad_key_header", str(header_path(path)), error="key id")
    wanted = {fp for fp, _, _ in recipients}
    kept = {s.to: s for s in header.sealed if s.to in wanted}
    sealed = tuple(kept.get(fp) or seal(secret, fp, user, public) for fp, user, public in recipients)
    if [s.to for s in sealed] == [s.to for s in header.sealed]:
        return False
    write_header(path, Header(header.key_id, header.cost, header.salt, header.nonce, header.wrapped, sealed,
                              header.page_hmac))
    return True


def recover_sealed(hp: Path, to: str, private_key: X25519PrivateKey) -> str:
    """The recovery key of the workspace whose key header is the file `hp`, opened with the private key of the
    supervisor whose key's fingerprint is `to`. WorkspaceError when the header holds no copy sealed to that key
    (another supervisor's, or the workspace trusted no supervisor), or when the copy does not open."""
    header = read_header_file(hp)
    found = [s for s in header.sealed if s.to == to]
    if not found:
        raise WorkspaceError("encryption.error.not_sealed_to_you" if header.sealed else "encryption.error.not_sealed",
                             str(hp), users=", ".join(s.user for s in header.sealed))
    mine = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sealed = found[0]
    try:
        key = _sealing_key(private_key.exchange(X25519PublicKey.from_public_bytes(sealed.ephemeral)),
                           sealed.ephemeral, mine)
        secret = AESGCM(key).decrypt(sealed.nonce, sealed.wrapped, _sealed_aad(header.key_id, to))
    except (InvalidTag, ValueError):
        raise WorkspaceError("encryption.error.sealed_does_not_open", str(hp)) from None
    if key_id(secret) != header.key_id:
        raise WorkspaceError("encryption.error.sealed_does_not_open", str(hp))
    return recovery_text(secret)


def write_header(path: Path, header: Header) -> None:
    """Write the key header of workspace `path`: to a temporary name, synced, renamed into place."""
    hp = header_path(path)
    tmp = hp.with_name(hp.name + ".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(header.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, hp)
    files.sync_folder(hp.parent)


def copy_header(source: Path, target: Path) -> None:
    """Give workspace file `target` (a backup, a restored copy) the key header of `source`."""
    if Path(source) == Path(target):
        return
    write_header(target, read_header(source))


def check_passphrase(passphrase: str, where: str) -> None:
    """A new passphrase: at least MIN_PASSPHRASE characters."""
    if len(passphrase.strip()) < MIN_PASSPHRASE:
        raise WorkspaceError("encryption.error.passphrase_short", where, least=MIN_PASSPHRASE)


# --- what this process has unlocked -----------------------------------------------------------------------------------

_SECRETS: dict[str, bytes] = {}
_GUARD = threading.Lock()
Asker = Callable[[Path], str]
_ASKER: list[Asker | None] = [None]


def set_asker(asker: Asker | None) -> None:
    """Who is asked for the passphrase of an encrypted file this process has not unlocked yet (the CLI: an
    environment variable, a file or the keyboard; the app unlocks before it opens). None: nobody (refused)."""
    _ASKER[0] = asker


def remember(secret: bytes) -> str:
    kid = key_id(secret)
    with _GUARD:
        _SECRETS[kid] = secret
    return kid


def forget_all() -> None:
    with _GUARD:
        _SECRETS.clear()


def is_plain(path: Path) -> bool:
    """The file starts with SQLite's header (or is empty: SQLite makes it)."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    return head in (SQLITE_MAGIC, b"")


def is_encrypted(path: Path) -> bool:
    """An existing, non-empty file that is not plain SQLite and has a key header beside it."""
    try:
        return not is_plain(path) and header_path(path).is_file()
    except OSError:
        return False


def encrypted_or_new(path: Path) -> bool:
    """Whether a connection to `path` must be keyed: an encrypted file, or a file not made yet (or empty) whose key
    header is already beside it."""
    path = Path(path)
    try:
        if path.exists() and path.stat().st_size > 0:
            return not is_plain(path) and header_path(path).is_file()
    except OSError:
        return False
    return header_path(path).is_file()


def unlock(path: Path, passphrase: str) -> str:
    """Unlock workspace `path` (or a backup) with its passphrase, for this process; its key id. WorkspaceError
    storage.error.wrong_passphrase when the passphrase is not its one — nothing is opened or written then."""
    header = read_header(path)
    try:
        secret = AESGCM(_passphrase_key(passphrase, header.salt, header.cost)).decrypt(
            header.nonce, header.wrapped, _aad(header.key_id))
    except InvalidTag:
        raise WorkspaceError("encryption.error.wrong_passphrase", str(path)) from None
    if key_id(secret) != header.key_id:
        raise WorkspaceError("encryption.error.bad_key_header", str(header_path(path)), error="key id")
    return remember(secret)


def is_unlocked(path: Path) -> bool:
    if not encrypted_or_new(path):
        return True
    try:
        return read_header(path).key_id in _SECRETS
    except WorkspaceError:
        return False


def secret_for(path: Path) -> bytes | None:
    """The secret of an encrypted (or to-be-encrypted) file, None for a plain one. Not unlocked yet: the asker is
    asked (again after a wrong passphrase, up to 3 times); nobody to ask: storage.error.locked."""
    path = Path(path)
    if not encrypted_or_new(path):
        return None
    kid = read_header(path).key_id
    with _GUARD:
        found = _SECRETS.get(kid)
    if found is not None:
        return found
    asker = _ASKER[0]
    if asker is None:
        raise WorkspaceError("encryption.error.locked", str(path))
    for attempt in range(3):
        try:
            unlock(path, asker(path))
            break
        except WorkspaceError as exc:
            if exc.key != "encryption.error.wrong_passphrase" or attempt == 2 or not getattr(asker, "again", False):
                raise
    return _SECRETS[kid]


def identity_protection(path: Path) -> tuple[str, bytes] | None:
    """The key id and key that protect the key file beside an encrypted (or to-be-encrypted) workspace `path` (None:
    a plain one), asking for the passphrase when needed."""
    secret = secret_for(path)
    return None if secret is None else (key_id(secret), identity_key(secret))


def key_for(path: Path) -> DatabaseKey | None:
    """The SQLCipher key of `path` (None: a plain file), with its page HMAC, asking for the passphrase when needed."""
    secret = secret_for(path)
    return None if secret is None else database_key(secret, read_header(Path(path)).page_hmac)


def set_up(path: Path, passphrase: str, cost: Cost | None = None) -> str:
    """A new secret for the workspace about to be made at `path`: its key header written beside it, the secret kept
    for this process. Returns the recovery key (to be printed once)."""
    check_passphrase(passphrase, str(path))
    secret = secrets.token_bytes(SECRET_BYTES)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_header(path, make_header(secret, passphrase, cost))
    remember(secret)
    return recovery_text(secret)


def new_passphrase(path: Path, secret: bytes, passphrase: str, page_hmac: str | None = None) -> None:
    """Write `path`'s key header again for a new passphrase (same secret: the file is not touched; the copies sealed
    to supervisors and the file's page HMAC are kept — `page_hmac` when the header was lost and found again)."""
    check_passphrase(passphrase, str(path))
    try:
        old = read_header(path)
        sealed = old.sealed if old.key_id == key_id(secret) else ()
        page_hmac = page_hmac or old.page_hmac
    except WorkspaceError:   # (lost: reset with the recovery key; the sealed copies come back with the next trust)
        sealed = ()
    write_header(path, make_header(secret, passphrase, sealed=sealed, page_hmac=page_hmac or PAGE_HMAC))
    remember(secret)
