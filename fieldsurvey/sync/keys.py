"""Identity of an installation: an Ed25519 signing key and an X25519 encryption key, kept in a key file beside the
workspace (FILE.keys, readable by its owner only), and the small public-key files exchanged between enumerators and
their supervisor. Fingerprints are base32 in short groups, to be read aloud and compared by eye.

Why a key file and not the workspace meta: a workspace is copied for backups and sent up for province reports; a
copy must never carry the device's private identity (a clone could sign bundles as that device and reuse its
sequence numbers). The key file stays on the machine; losing it means making a new identity, which the supervisor
trusts again after comparing the new fingerprint.

Beside an encrypted workspace the key file's private keys are encrypted too (AES-256-GCM, with a key the caller
derives from the workspace's secret: `save(protection=…)`, `load(unlock=…)`); its public part — who it is — stays
readable. A thief of the laptop then cannot sign bundles as its owner without the passphrase.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import uuid as uuidlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from fieldsurvey.errors import BundleError

KEY_FILE_KIND = "fieldsurvey/private-keys"
PUBLIC_KEY_KIND = "fieldsurvey/public-key"
ROLES = ("enumerator", "supervisor", "province")
# A province's key names its province (2 digits) where a commune's names its commune (5 digits).
UNIT_CODE = {"province": r"\d{2}"}
MAX_KEY_FILE = 16_384
_RAW = serialization.Encoding.Raw


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, where: str, length: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise BundleError("sync.error.not_base64_text", where)
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise BundleError("sync.error.bad_base64", where) from None
    if length is not None and len(data) != length:
        raise BundleError("sync.error.wrong_length", where, length=length, found=len(data))
    return data


def _key_hash(sign_key: bytes, encrypt_key: bytes) -> bytes:
    return hashlib.sha256(b"fieldsurvey-key-v1" + sign_key + encrypt_key).digest()


def fingerprint(sign_key: bytes, encrypt_key: bytes) -> str:
    """The key's id (bundle headers, the trusted-keys table): SHA-256 of both public keys, first 20 bytes in
    base32, eight groups of four letters/digits."""
    text = base64.b32encode(_key_hash(sign_key, encrypt_key)[:20]).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


SPOKEN_GROUPS, SPOKEN_GROUP_DIGITS = 8, 5


def spoken_digits(sign_key: bytes, encrypt_key: bytes) -> str:
    """The same hash as 40 decimal digits (the whole SHA-256 as a number, modulo 10⁴⁰: ≈ 133 bits), for people to
    read aloud over the phone in groups of five (services.sync.spoken_fingerprint renders them)."""
    width = SPOKEN_GROUPS * SPOKEN_GROUP_DIGITS
    return str(int.from_bytes(_key_hash(sign_key, encrypt_key), "big") % 10 ** width).zfill(width)


@dataclass(frozen=True)
class PublicKey:
    device: str
    user: str
    role: str
    commune_code: str
    sign_key: bytes      # Ed25519, 32 bytes raw
    encrypt_key: bytes   # X25519, 32 bytes raw

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "PublicKey":
        """A trusted key as a store keeps it: its fields, the two keys in base64 (`user`, or a province's
        `user_name`)."""
        return cls(row["device"], row["user"] if "user" in row else row["user_name"], row["role"],
                   row["commune_code"], unb64(row["sign_key"], "key"), unb64(row["encrypt_key"], "key"))

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_key, self.encrypt_key)

    @property
    def digits(self) -> str:
        """The fingerprint to read aloud: 40 digits (services.sync.spoken_fingerprint groups them)."""
        return spoken_digits(self.sign_key, self.encrypt_key)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": PUBLIC_KEY_KIND, "version": 1, "device": self.device, "user": self.user, "role": self.role,
                "commune_code": self.commune_code, "sign": b64(self.sign_key), "encrypt": b64(self.encrypt_key),
                "fingerprint": self.fingerprint}

    def verifier(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.sign_key)

    def x25519(self) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(self.encrypt_key)


_DEVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_name(value: Any, where: str) -> str:
    """Device ids and user names travel in file names and reports: short, plain, no path separators."""
    if not isinstance(value, str) or not _DEVICE.match(value):
        raise BundleError("sync.error.bad_name", where)
    return value


def parse_public_key(data: Any, source: str) -> PublicKey:
    if not isinstance(data, dict) or data.get("kind") != PUBLIC_KEY_KIND:
        raise BundleError("sync.error.not_public_key", source)
    if data.get("version") != 1:
        raise BundleError("sync.error.key_version", source, version=repr(data.get("version")))
    role = data.get("role")
    if role not in ROLES:
        raise BundleError("sync.error.key_role", source, roles=", ".join(ROLES), found=repr(role))
    commune = data.get("commune_code")
    if not isinstance(commune, str) or not re.fullmatch(UNIT_CODE.get(role, r"\d{5}"), commune):
        raise BundleError("sync.error.key_commune", source)
    key = PublicKey(check_name(data.get("device"), f"{source}: device"), check_name(data.get("user"),
                    f"{source}: user"), role, commune, unb64(data.get("sign"), f"{source}: sign", 32),
                    unb64(data.get("encrypt"), f"{source}: encrypt", 32))
    if "fingerprint" in data and data["fingerprint"] != key.fingerprint:
        raise BundleError("sync.error.key_altered", source)
    try:
        key.verifier()
        key.x25519()
    except ValueError:
        raise BundleError("sync.error.key_invalid", source) \
            from None
    return key


def read_public_key(path: Path) -> PublicKey:
    path = Path(path)
    try:
        raw = path.read_bytes()[:MAX_KEY_FILE + 1]
    except OSError as exc:
        raise BundleError("sync.error.key_unreadable", str(path), error=exc.strerror) from None
    if len(raw) > MAX_KEY_FILE:
        raise BundleError("sync.error.key_too_large", str(path))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BundleError("sync.error.key_not_json", str(path)) from None
    return parse_public_key(data, str(path))


class Identity:
    """This installation's private keys (and who it is)."""

    def __init__(self, device: str, user: str, role: str, commune_code: str, signing: Ed25519PrivateKey,
                 encryption: X25519PrivateKey):
        self.device, self.user, self.role, self.commune_code = device, user, role, commune_code
        self.signing, self.encryption = signing, encryption

    @classmethod
    def generate(cls, user: str, role: str, commune_code: str, device: str | None = None) -> "Identity":
        if role not in ROLES:
            raise BundleError("sync.error.role_choice", "role", roles=", ".join(ROLES))
        device = device or f"dev-{uuidlib.uuid4().hex[:12]}"
        return cls(check_name(device, "device"), check_name(user, "user"), role, commune_code,
                   Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.device, self.user, self.role, self.commune_code,
                         self.signing.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw),
                         self.encryption.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw))

    def sign(self, data: bytes) -> bytes:
        return self.signing.sign(data)

    def save(self, path: Path, protection: tuple[str, bytes] | None = None) -> None:
        """Write the key file, readable by its owner only (0600 whatever mode a file left at the temporary name
        had: O_CREAT keeps an existing file's mode, so it is removed first and the mode set on the open file), via a
        temporary name. `protection` (a key id and a 32-byte key): the private keys encrypted with it."""
        raw = serialization.PrivateFormat.Raw
        none = serialization.NoEncryption()
        data: dict[str, Any] = {"kind": KEY_FILE_KIND, "version": 1, "device": self.device, "user": self.user,
                                "role": self.role, "commune_code": self.commune_code}
        private = {"sign": b64(self.signing.private_bytes(_RAW, raw, none)),
                   "encrypt": b64(self.encryption.private_bytes(_RAW, raw, none))}
        if protection is None:
            data.update(private)
        else:
            kid, key = protection
            nonce = secrets.token_bytes(12)
            sealed = AESGCM(key).encrypt(nonce, json.dumps(private).encode("ascii"), _key_file_aad(data, kid))
            data["protected"] = {"key_id": kid, "cipher": "AES-256-GCM", "nonce": b64(nonce), "data": b64(sealed)}
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, unlock: Callable[[str], bytes] | None = None) -> "Identity":
        """The identity in key file `path`; a protected one's private keys decrypted with the key `unlock` gives
        for the key id the file names (the workspace's: its passphrase asked for when not unlocked)."""
        path = Path(path)
        if not path.exists():
            raise BundleError("sync.error.no_key_file", str(path))
        try:
            data = json.loads(path.read_bytes()[:MAX_KEY_FILE].decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise BundleError("sync.error.key_file_unreadable", str(path)) from None
        if not isinstance(data, dict) or data.get("kind") != KEY_FILE_KIND:
            raise BundleError("sync.error.not_key_file", str(path))
        where = str(path)
        if isinstance(data.get("protected"), dict):
            data = {**data, **_unprotect(data, unlock, where)}
        return cls(check_name(data.get("device"), where), check_name(data.get("user"), where), data.get("role"),
                   data.get("commune_code"),
                   Ed25519PrivateKey.from_private_bytes(unb64(data.get("sign"), where, 32)),
                   X25519PrivateKey.from_private_bytes(unb64(data.get("encrypt"), where, 32)))


def _key_file_aad(data: dict[str, Any], kid: str) -> bytes:
    """What the protected private keys are bound to: who the file says it is, and the key id."""
    return json.dumps([KEY_FILE_KIND, data.get("device"), data.get("user"), data.get("role"),
                       data.get("commune_code"), kid]).encode("utf-8")


def _unprotect(data: dict[str, Any], unlock: Callable[[str], bytes] | None, where: str) -> dict[str, Any]:
    sealed = data["protected"]
    kid = sealed.get("key_id")
    if unlock is None or not isinstance(kid, str):
        raise BundleError("sync.error.key_file_locked", where)
    try:
        private = AESGCM(unlock(kid)).decrypt(unb64(sealed.get("nonce"), where, 12), unb64(sealed.get("data"), where),
                                              _key_file_aad(data, kid))
        out = json.loads(private.decode("ascii"))
    except (InvalidTag, ValueError):
        raise BundleError("sync.error.key_file_wrong_key", where) from None
    if not isinstance(out, dict):
        raise BundleError("sync.error.key_file_wrong_key", where)
    return {"sign": out.get("sign"), "encrypt": out.get("encrypt")}


def is_protected(path: Path) -> bool:
    """Whether the key file's private keys are encrypted."""
    try:
        return '"protected"' in Path(path).read_text(encoding="utf-8")[:MAX_KEY_FILE]
    except (OSError, UnicodeDecodeError):
        return False


def key_file_for(workspace_path: Path) -> Path:
    workspace_path = Path(workspace_path)
    return workspace_path.with_name(workspace_path.name + ".keys")


def public_key_text(key: PublicKey) -> str:
    return json.dumps(key.to_dict(), indent=1) + "\n"
