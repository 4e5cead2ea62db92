"""The starter package: one small file the supervisor makes for each enumerator, from which the enumerator's app is
set up on its first run — the commune, its villages (with their resident households), the enumerator's assignment,
the form version, the review round and the supervisor's public key. No SQL here: the format, written and read.

The file is the bundles' container (fieldsurvey/sync/container.py) with `"content": "starter"` in its signed header
and the supervisor's public key carried in it (`signer_key`); the payload is one JSON document. It is **signed, not
encrypted**: it holds no household and no personal data of any family (the villages' names and resident counts are
the commune's public figures, posted at every village meeting), and the enumerator has no key yet to encrypt to.
What matters is that nobody can change it on the way (the signature) and that the key in it is the supervisor's
(the enumerator compares its fingerprint once, with the supervisor, before anything is made).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fieldsurvey.errors import BundleError
from fieldsurvey.sync.container import DEFAULT_LIMITS, Limits, canonical, open_signed, seal, strict_json
from fieldsurvey.sync.keys import Identity, PublicKey, check_name
from fieldsurvey.sync.records import VillagesPayload, parse_villages, villages_data

CONTENT = "starter"
SUFFIX = ".fsstart"
KIND = "fieldsurvey/starter"
FORMAT_VERSION = 1
LIMITS = Limits(max_file=1024 * 1024)


@dataclass(frozen=True)
class Assignment:
    """Whom the package is for: the user id households are owned by, the person's name, the villages assigned to
    them (empty: the whole commune)."""
    user: str
    name: str
    villages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Starter:
    supervisor: PublicKey          # the key that signed the package (carried in its header)
    supervisor_name: str
    province_code: str
    commune_code: str
    review_year: int
    review_kind: str
    standard_id: str
    form_id: str
    form_version: str
    villages: VillagesPayload      # the supervisor's village list, as return bundles carry it (sync/records.py)
    assignment: Assignment
    created_at: str


# --- writing and reading ---------------------------------------------------------------------------------------------

def pack_starter(starter: Starter, supervisor: Identity) -> bytes:
    """The package's bytes: the payload signed by the supervisor, with their public key in the signed header."""
    a = starter.assignment
    payload = {"kind": KIND, "version": FORMAT_VERSION, "created_at": starter.created_at,
               "supervisor_name": starter.supervisor_name,
               "commune": {"province_code": starter.province_code, "commune_code": starter.commune_code},
               "review": {"year": starter.review_year, "kind": starter.review_kind,
                          "standard": starter.standard_id},
               "form": {"id": starter.form_id, "version": starter.form_version},
               "villages": villages_data(starter.villages),
               "assignment": {"user": a.user, "name": a.name, "villages": list(a.villages)}}
    return seal(canonical(payload), supervisor, None, content=CONTENT, carry_key=True)


def read_starter(data: bytes, source: str, limits: Limits = LIMITS) -> Starter:
    """The package checked: signed by the supervisor's key it carries (any changed byte, another key's signature:
    refused), then its payload's shape. Whether the key is really the supervisor's is for the enumerator to
    compare (its fingerprint) before anything is made."""
    if len(data) > limits.max_file:
        raise BundleError("starter.error.too_large", source, limit=limits.max_file)
    try:
        key, payload = open_signed(data, source, CONTENT, limits)
    except BundleError as exc:
        raise BundleError("starter.error.refused", source, reason=exc) from None
    if key.role != "supervisor":
        raise BundleError("starter.error.not_supervisor", source, user=key.user)
    where = f"{source}: starter"
    raw = strict_json(payload, where, DEFAULT_LIMITS)
    if not isinstance(raw, dict) or raw.get("kind") != KIND:
        raise BundleError("starter.error.not_starter", source)
    if raw.get("version") != FORMAT_VERSION:
        raise BundleError("starter.error.version", source, version=repr(raw.get("version")))
    commune, review, form, assignment = (raw.get(k) if isinstance(raw.get(k), dict) else {}
                                         for k in ("commune", "review", "form", "assignment"))
    code = commune.get("commune_code")
    if code != key.commune_code:
        raise BundleError("starter.error.commune", where)
    province = commune.get("province_code")
    if not isinstance(province, str) or not re.fullmatch(r"\d{2}", province):
        raise BundleError("starter.error.field", where, field="commune.province_code")
    year = review.get("year")
    if type(year) is not int or not 2016 <= year <= 2100:
        raise BundleError("starter.error.field", where, field="review.year")
    for name, value in (("review.kind", review.get("kind")), ("review.standard", review.get("standard")),
                        ("form.id", form.get("id")), ("form.version", form.get("version")),
                        ("supervisor_name", raw.get("supervisor_name")), ("created_at", raw.get("created_at")),
                        ("assignment.name", assignment.get("name"))):
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise BundleError("starter.error.field", where, field=name)
    villages = parse_villages(raw.get("villages"), f"{where}: villages")
    if not villages.villages:
        raise BundleError("starter.error.villages", where)
    user = check_name(assignment.get("user"), f"{where}: assignment.user")
    assigned = assignment.get("villages", [])
    names = {v.name for v in villages.villages}
    if not isinstance(assigned, list) or any(v not in names for v in assigned):
        raise BundleError("starter.error.field", where, field="assignment.villages")
    if user == key.user:
        raise BundleError("starter.error.for_supervisor", where, user=user)
    return Starter(key, raw["supervisor_name"].strip(), province, code, year, review["kind"], review["standard"],
                   form["id"], form["version"], villages, Assignment(user, assignment["name"].strip(),
                                                                     tuple(assigned)), raw["created_at"])
