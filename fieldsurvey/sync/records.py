"""What a bundle holds, checked entry by entry: the manifest, one record per household, the review actions, the
supervisor's village list.

Pure checks on data already read into memory (container.py reads it). Every refusal names the bundle and the entry.
"""

from __future__ import annotations

import json
import re
import sys
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from fieldsurvey.parallel import Pays, chunks, map_chunks
from fieldsurvey.domain.document import Household, parse_household
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.results import Message
from fieldsurvey.errors import BundleError, DocumentError
from fieldsurvey.sync.container import DEFAULT_LIMITS, FORMAT_VERSION, Limits, Opened, sha256, strict_json
from fieldsurvey.sync.keys import ROLES, PublicKey

KINDS = ("hand-in", "return", "result")   # result: a commune's result for its province (sync/results.py)
STATUSES = tuple(HouseholdStatus)
ACTIONS = ("approve", "return", "reassign")
_REV = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Revision:
    id: str
    parent: str | None
    device: str
    user: str
    at: str
    merged: str | None = None   # second parent, when the revision settles a conflict

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "parent": self.parent, "device": self.device, "user": self.user, "at": self.at}
        if self.merged:
            d["merged"] = self.merged
        return d


@dataclass
class HouseholdRecord:
    uuid: str
    status: str
    owner: str | None
    revision: str                        # the head revision this record carries
    revisions: list[Revision]            # every ancestor of the head (and the head), oldest first
    document: dict[str, Any] | None      # None when it came back from a worker: see `doc()`
    audit: list[dict[str, Any]] | str = field(default_factory=list)   # the entries, or (prepared) their JSON text
    prepared: Any = None                 # what the importer derives from the document (read_contents' `prepare`)
    text: str | None = None              # the document as JSON, when `prepare` made it (a worker sends only this)
    held: tuple = ()                     # what the importer's `check` holds for the supervisor (its Findings)

    def doc(self) -> dict[str, Any]:
        """The household document (decoded from `text` on first use when a worker checked this record)."""
        if self.document is None:
            self.document = json.loads(self.text or "null")
        return self.document

    def audit_entries(self) -> list[dict[str, Any]]:
        """The audit entries the record carries (decoded from their text, anew each time, once `prepare` kept them
        as text: a long audit decoded takes ten times its bytes, and an import holds every record until it
        commits)."""
        return json.loads(self.audit) if isinstance(self.audit, str) else self.audit

    @property
    def ancestors(self) -> set[str]:
        return {r.id for r in self.revisions}

    def to_dict(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "status": self.status, "owner": self.owner, "revision": self.revision,
                "revisions": [r.to_dict() for r in self.revisions], "document": self.doc(),
                "audit": self.audit_entries()}

    def __reduce__(self) -> tuple:
        """Pickled (from a worker process that checked it) as plain values — several times faster than the
        objects —, the document as its JSON text when `prepare` made it (decoded again only if asked for)."""
        return _record, (self.uuid, self.status, self.owner, self.revision,
                         [(r.id, r.parent, r.device, r.user, r.at, r.merged) for r in self.revisions],
                         self.document if self.text is None else None, self.audit, self.prepared, self.text,
                         self.held)


def _record(uuid: str, status: str, owner: str | None, revision: str, revisions: list[tuple],
            document: dict[str, Any] | None, audit: list[dict[str, Any]] | str, prepared: Any,
            text: str | None, held: tuple = ()) -> HouseholdRecord:
    return HouseholdRecord(uuid, status, owner, revision, [Revision(*r) for r in revisions], document, audit,
                           prepared, text, held)


@dataclass(frozen=True)
class ReviewAction:
    uuid: str
    action: str          # approve | return | reassign
    comment: str
    by: str
    at: str
    owner: str | None    # the new owner, for reassign

    def to_dict(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "action": self.action, "comment": self.comment, "by": self.by, "at": self.at,
                "owner": self.owner}


VILLAGES_FORMAT = 1
VILLAGE_CHANGES = ("rename", "merge")
MAX_VILLAGES = 500


@dataclass(frozen=True)
class VillageRow:
    """A village as the supervisor's list has it: its name and resident figures (None: not entered)."""
    name: str
    residents: int | None = None
    residents_minority: int | None = None
    residents_date: str | None = None
    residents_source: str | None = None


@dataclass(frozen=True)
class VillageStep:
    """A rename (`from` renamed `to`) or a merge (`from` merged into `to`), numbered by the supervisor's change log."""
    id: int
    kind: str            # rename | merge
    old: str
    new: str
    at: str
    by: str


@dataclass(frozen=True)
class VillagesPayload:
    """The supervisor's village list as a return bundle (or a starter package) carries it (`villages.json`, docs/
    sync.md): `version` — the supervisor's newest village change — orders payloads (an older one never undoes a
    newer one), `villages` the list in its order, `steps` every rename and merge, oldest first."""
    version: int
    villages: tuple[VillageRow, ...]
    steps: tuple[VillageStep, ...]


def _village_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100 or value != value.strip() \
            or any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise BundleError("villages.error.payload_name", where, found=repr(str(value)[:40]))
    return value


def _count(value: Any, where: str) -> int | None:
    if value is None:
        return None
    return _int(value, where, 0)


def parse_villages(data: Any, where: str) -> VillagesPayload:
    """A villages payload checked: its format, version, every village (a name of at most 100 characters with no
    control character, counts whole and not negative, no name twice) and every rename or merge (between named
    villages, numbered upwards, none numbered after the version). Refusals name the entry and the item."""
    if not isinstance(data, dict):
        raise BundleError("sync.error.not_object", where)
    if data.get("format") != VILLAGES_FORMAT:
        raise BundleError("villages.error.payload_format", where, format=repr(data.get("format"))[:20],
                          supported=VILLAGES_FORMAT)
    version = _int(data.get("version"), f"{where}: version", 0)
    rows = data.get("villages")
    if not isinstance(rows, list) or len(rows) > MAX_VILLAGES:
        raise BundleError("villages.error.payload_list", where, limit=MAX_VILLAGES)
    villages: list[VillageRow] = []
    for i, row in enumerate(rows):
        w = f"{where}: villages[{i}]"
        if not isinstance(row, dict):
            raise BundleError("sync.error.not_object", w)
        date = row.get("residents_date")
        if date is not None and (not isinstance(date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date)):
            raise BundleError("villages.error.payload_date", f"{w}: residents_date")
        source = _text(row.get("residents_source"), f"{w}: residents_source", 200, optional=True)
        villages.append(VillageRow(_village_name(row.get("name"), f"{w}: name"),
                                   _count(row.get("residents"), f"{w}: residents"),
                                   _count(row.get("residents_minority"), f"{w}: residents_minority"), date, source))
    names = [v.name for v in villages]
    if len(set(names)) != len(names):
        raise BundleError("villages.error.payload_twice", f"{where}: villages",
                          name=next(n for n in names if names.count(n) > 1))
    steps = data.get("changes")
    if not isinstance(steps, list) or len(steps) > 10_000:
        raise BundleError("villages.error.payload_changes", where)
    out: list[VillageStep] = []
    last = 0
    for i, step in enumerate(steps):
        w = f"{where}: changes[{i}]"
        if not isinstance(step, dict):
            raise BundleError("sync.error.not_object", w)
        sid = _int(step.get("id"), f"{w}: id", 1)
        if sid <= last or sid > version:
            raise BundleError("villages.error.payload_order", w, id=sid, version=version)
        last = sid
        kind = step.get("kind")
        if kind not in VILLAGE_CHANGES:
            raise BundleError("villages.error.payload_kind", w, kinds=", ".join(VILLAGE_CHANGES))
        old, new = _village_name(step.get("from"), f"{w}: from"), _village_name(step.get("to"), f"{w}: to")
        if old == new:
            raise BundleError("villages.error.payload_same", w, name=old)
        out.append(VillageStep(sid, kind, old, new, _text(step.get("at"), f"{w}: at", 40),
                               _text(step.get("by"), f"{w}: by", 64)))
    return VillagesPayload(version, tuple(villages), tuple(out))


def villages_data(payload: VillagesPayload) -> dict[str, Any]:
    """The payload as plain data (what `parse_villages` reads back)."""
    return {"format": VILLAGES_FORMAT, "version": payload.version,
            "villages": [{"name": v.name, "residents": v.residents, "residents_minority": v.residents_minority,
                          "residents_date": v.residents_date, "residents_source": v.residents_source}
                         for v in payload.villages],
            "changes": [{"id": s.id, "kind": s.kind, "from": s.old, "to": s.new, "at": s.at, "by": s.by}
                        for s in payload.steps]}


@dataclass
class Manifest:
    format: int
    kind: str
    bundle_id: str
    created_at: str
    device: str
    user: str
    role: str
    commune_code: str
    review_year: int
    review_kind: str
    form_versions: dict[str, list[str]]
    sequence: int
    full: bool
    to: str | None
    counts: dict[str, int]
    entries: dict[str, str]
    abandoned: tuple[int, ...] = ()   # earlier numbers of this device that never became a bundle (a killed export)

    def to_dict(self) -> dict[str, Any]:
        out = {"format": self.format, "kind": self.kind, "bundle_id": self.bundle_id, "created_at": self.created_at,
               "device": self.device, "user": self.user, "role": self.role, "commune_code": self.commune_code,
               "review": {"year": self.review_year, "kind": self.review_kind}, "form_versions": self.form_versions,
               "sequence": self.sequence, "full": self.full, "to": self.to, "counts": self.counts,
               "entries": self.entries}
        if self.abandoned:
            out["abandoned"] = list(self.abandoned)
        return out


@dataclass
class Contents:
    manifest: Manifest
    households: list[HouseholdRecord]
    actions: list[ReviewAction]
    source: str
    signer: PublicKey | None = None    # the trusted key whose signature held (the manifest names its user and device)
    villages: VillagesPayload | None = None   # a return bundle's village list (villages.json)


def _text(value: Any, where: str, limit: int = 200, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BundleError("sync.error.text_length", where, limit=limit)
    return value


def _int(value: Any, where: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise BundleError("sync.error.whole_number", where, low=low)
    return value


def parse_manifest(data: Any, where: str) -> Manifest:
    if not isinstance(data, dict):
        raise BundleError("sync.error.not_object", where)
    fmt = data.get("format")
    if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt > FORMAT_VERSION:
        raise BundleError("sync.error.manifest_newer", where, format=fmt, supported=FORMAT_VERSION)
    if fmt != FORMAT_VERSION:
        raise BundleError("sync.error.manifest_format", where, format=repr(fmt))
    kind = data.get("kind")
    if kind not in KINDS:
        raise BundleError("sync.error.manifest_kind", where, kinds=", ".join(KINDS), found=repr(str(kind)[:40]))
    bundle_id = data.get("bundle_id")
    try:
        uuidlib.UUID(str(bundle_id))
    except ValueError:
        raise BundleError("sync.error.manifest_bundle_id", where) from None
    review = data.get("review")
    if not isinstance(review, dict):
        raise BundleError("sync.error.manifest_review", where)
    forms = data.get("form_versions")
    if not isinstance(forms, dict) or not all(isinstance(v, list) and all(isinstance(x, str) for x in v)
                                              for v in forms.values()):
        raise BundleError("sync.error.manifest_forms", where)
    counts = data.get("counts")
    if not isinstance(counts, dict) or not all(isinstance(v, int) and not isinstance(v, bool)
                                               for v in counts.values()):
        raise BundleError("sync.error.manifest_counts", where)
    entries = data.get("entries")
    if not isinstance(entries, dict) or not all(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v)
                                                for v in entries.values()):
        raise BundleError("sync.error.manifest_entries", where)
    full = data.get("full")
    if not isinstance(full, bool):
        raise BundleError("sync.error.manifest_full", where)
    commune = data.get("commune_code")
    if not isinstance(commune, str) or not re.fullmatch(r"\d{5}", commune):
        raise BundleError("sync.error.manifest_commune", where)
    sequence = _int(data.get("sequence"), f"{where}: sequence", 1)
    abandoned = data.get("abandoned", [])
    if (not isinstance(abandoned, list) or len(abandoned) > 10_000
            or not all(type(n) is int and 1 <= n < sequence for n in abandoned)):
        raise BundleError("sync.error.manifest_abandoned", where)
    return Manifest(fmt, kind, str(bundle_id), _text(data.get("created_at"), f"{where}: created_at", 40),
                    _text(data.get("device"), f"{where}: device", 64), _text(data.get("user"), f"{where}: user", 64),
                    _text(data.get("role"), f"{where}: role", 20), commune,
                    _int(review.get("year"), f"{where}: review.year", 2000),
                    _text(review.get("kind"), f"{where}: review.kind", 20), forms,
                    sequence, full, _text(data.get("to"), f"{where}: to", 64, optional=True), counts, entries,
                    tuple(sorted(set(abandoned))))


def _revision(data: Any, where: str) -> Revision:
    if not isinstance(data, dict):
        raise BundleError("sync.error.revision_object", where)
    rid = data.get("id")
    if not isinstance(rid, str) or not _REV.match(rid):
        raise BundleError("sync.error.revision_id", where)
    parent = data.get("parent")
    if parent is not None and (not isinstance(parent, str) or not _REV.match(parent)):
        raise BundleError("sync.error.revision_parent", where, revision=rid)
    merged = data.get("merged")
    if merged is not None and (not isinstance(merged, str) or not _REV.match(merged)):
        raise BundleError("sync.error.revision_merged", where, revision=rid)
    return Revision(rid, parent, _text(data.get("device"), f"{where}: revision {rid} device", 64),
                    _text(data.get("user"), f"{where}: revision {rid} user", 64),
                    _text(data.get("at"), f"{where}: revision {rid} at", 40), merged)


def parse_household_record(data: Any, where: str, expected_uuid: str, commune_code: str,
                           check: Check | None = None) -> HouseholdRecord:
    """One record of a bundle checked (see the module's doc); last, the importer's `check` of its document's
    values, whose refusal names the entry and the field and whose findings become the record's `held`."""
    if not isinstance(data, dict):
        raise BundleError("sync.error.not_object", where)
    uuid = data.get("uuid")
    if uuid != expected_uuid:
        raise BundleError("sync.error.record_uuid", where, found=repr(str(uuid)[:40]), expected=expected_uuid)
    status = data.get("status")
    if status not in STATUSES:
        raise BundleError("sync.error.record_status", where, statuses=", ".join(STATUSES), found=repr(str(status)[:40]))
    owner = _text(data.get("owner"), f"{where}: owner", 64, optional=True)
    revs = data.get("revisions")
    if not isinstance(revs, list) or not revs:
        raise BundleError("sync.error.record_no_revisions", where)
    revisions = [_revision(r, where) for r in revs]
    ids = [r.id for r in revisions]
    if len(set(ids)) != len(ids):
        raise BundleError("sync.error.record_revision_twice", where)
    head = data.get("revision")
    if head not in ids:
        raise BundleError("sync.error.record_head", where)
    known = set(ids)
    for r in revisions:
        if r.parent is not None and r.parent not in known:
            raise BundleError("sync.error.record_parent_missing", where, revision=r.id, parent=r.parent)
    document = data.get("document")
    try:
        parsed = parse_household(document)
    except DocumentError as exc:
        raise BundleError("sync.error.record_document", where, error=exc) from None
    if parsed.uuid != uuid:
        raise BundleError("sync.error.record_document_uuid", where)
    if parsed.commune_code not in (None, commune_code):
        raise BundleError("sync.error.other_commune_household", where, commune=parsed.commune_code,
                          expected=commune_code)
    audit = data.get("audit", [])
    if not isinstance(audit, list) or not all(isinstance(a, dict) for a in audit):
        raise BundleError("sync.error.record_audit", where)
    for a in audit:
        for key in ("at", "user", "action"):
            _text(a.get(key), f"{where}: audit {key}", 200)
    held: tuple = ()
    if check is not None:
        try:
            held = check(document, status, parsed)
        except DocumentError as exc:
            raise BundleError("sync.error.record_document", where, error=exc) from None
    return HouseholdRecord(uuid, status, owner, head, revisions, document, audit, held=held)


def parse_actions(data: Any, where: str) -> list[ReviewAction]:
    if not isinstance(data, dict) or not isinstance(data.get("actions"), list):
        raise BundleError("sync.error.actions_list", where)
    out = []
    for i, a in enumerate(data["actions"]):
        w = f"{where}: actions[{i}]"
        if not isinstance(a, dict):
            raise BundleError("sync.error.not_object", w)
        if a.get("action") not in ACTIONS:
            raise BundleError("sync.error.action_kind", w, actions=", ".join(ACTIONS))
        uuid = a.get("uuid")
        if not isinstance(uuid, str) or not _UUID.match(uuid):
            raise BundleError("sync.error.action_uuid", w)
        comment = a.get("comment") or ""
        if not isinstance(comment, str) or len(comment) > 4000:
            raise BundleError("sync.error.action_comment", w)
        owner = _text(a.get("owner"), f"{w}: owner", 64, optional=True)
        if a["action"] == "reassign" and owner is None:
            raise BundleError("sync.error.action_owner", w)
        out.append(ReviewAction(uuid, a["action"], comment, _text(a.get("by"), f"{w}: by", 64),
                                _text(a.get("at"), f"{w}: at", 40), owner))
    return out


Prepare = Callable[[list[HouseholdRecord]], None]
# The importer's check of one record's document against the workspace that takes it (services/values.py: its form
# version, review year, answers and plausible ranges), given the document, the status it comes with and the
# document as parse_household read it: raises DocumentError naming the field, or returns what it holds for the
# supervisor. A picklable callable (a spawned worker gets it pickled with the other settings).
Check = Callable[[dict[str, Any], str, Household], tuple]
# From how many records a second process pays for itself (measured, docs/performance.md): a fork costs
# milliseconds; a spawned interpreter (≈ 0.3 s) costs more than checking a hand-in's few thousand records.
PAYS = Pays(forked=600, spawned=None)
CHUNK = 50    # records checked at a time (by a worker, or by this process while it waits)
PREPARE_EVERY = 2 * 1024 * 1024   # bytes of records checked, then prepared (and no longer held decoded)


def _read_records(items: list[tuple[str, bytes]], src: str, commune_code: str, limits: Limits,
                  prepare: Prepare | None, check: Check | None = None) -> list[HouseholdRecord]:
    """Every record checked (strict JSON, shape, ancestry, the document through parse_household, then the
    importer's `check` of its values), in order; the first refusal in that order is raised, naming the entry and
    the field. `prepare` (the importer's work on the checked records, which keeps them as text) runs on each
    `PREPARE_EVERY` bytes of them as they are checked, so that no more than that is held decoded at a time."""
    out = []
    start = size = 0
    for name, raw in items:
        where = f"{src}: {name}"
        data = strict_json(raw, where, limits)
        out.append(parse_household_record(data, where, name[len("households/"):-len(".json")], commune_code, check))
        size += len(raw)
        if prepare is not None and size >= PREPARE_EVERY:
            prepare(out[start:])
            start, size = len(out), 0
    if prepare is not None and (start < len(out) or not out):
        prepare(out[start:])
    return out


def _check_chunk(items: list[tuple[str, bytes]], settings: tuple) -> list[HouseholdRecord]:
    """One chunk of records checked and prepared, in whichever process (settings: _read_records' other arguments)."""
    return _read_records(items, *settings)


def check_records(items: Iterable[tuple[str, bytes]], src: str, commune_code: str, limits: Limits,
                  prepare: Prepare | None, parallel: bool | None = None, check: Check | None = None,
                  count: int | None = None) -> list[HouseholdRecord]:
    """_read_records, on the cores that are free for a large bundle (fieldsurvey.parallel; this process checks
    too): the same records, and the same refusal — the first in the entries' order —, as one process. `parallel`:
    True to use a worker whatever the size (still only on a free core), False never, None to decide. `items` may be
    an iterator (taken a chunk at a time: the importer's lets each entry's bytes go once its chunk is checked);
    then `count` says how many it holds."""
    n = len(items) if count is None else count   # type: ignore[arg-type]
    pays = PAYS if parallel is None else Pays(forked=1, spawned=1) if parallel else Pays(forked=sys.maxsize)
    checked = map_chunks(_check_chunk, chunks(items, CHUNK), (src, commune_code, limits, prepare, check),
                         items=n, pays=pays, here=True)
    return [record for chunk in checked for record in chunk]


def _role(role: str, prefix: str = "sync.role.") -> Any:
    """A role named in a refusal, said in the user's language when it is one of the two roles."""
    if role not in ROLES:
        return role if prefix == "sync.role." else f"a {role}"
    return Message(prefix + role)


def checked_manifest(opened: Opened, limits: Limits = DEFAULT_LIMITS,
                     check_manifest: Callable[[Manifest], None] | None = None) -> Manifest:
    """The manifest, checked against its signer and against the archive (every entry listed, none missing, each
    with its checksum). `check_manifest` runs on it before the entries are compared (the receiver's commune,
    round, addressee)."""
    src = opened.source
    manifest = parse_manifest(strict_json(opened.entries["manifest.json"], f"{src}: manifest.json", limits),
                              f"{src}: manifest.json")
    if manifest.device != opened.signer.device:
        raise BundleError("sync.error.manifest_device", f"{src}: manifest.json", device=manifest.device,
                          signer=opened.signer.device)
    if manifest.user != opened.signer.user:
        raise BundleError("sync.error.manifest_user", f"{src}: manifest.json", user=manifest.user,
                          signer=opened.signer.user)
    if manifest.role != opened.signer.role:
        raise BundleError("sync.error.manifest_role", f"{src}: manifest.json", role=_role(manifest.role),
                          signer=_role(opened.signer.role))
    expected_role = "enumerator" if manifest.kind == "hand-in" else "supervisor"
    if manifest.role != expected_role:
        raise BundleError("sync.error.manifest_maker", f"{src}: manifest.json",
                          kind=Message(f"sync.bundle_a.{manifest.kind}"),
                          expected=Message(f"sync.role_a.{expected_role}"), role=_role(manifest.role, "sync.role_a."))
    if check_manifest is not None:
        check_manifest(manifest)
    names = set(opened.entries) - {"manifest.json"}
    listed = set(manifest.entries)
    for name in sorted(names - listed):
        raise BundleError("sync.error.entry_not_listed", f"{src}: {name}")
    for name in sorted(listed - names):
        raise BundleError("sync.error.entry_missing", f"{src}: {name}")
    for name in sorted(names):
        if sha256(opened.entries[name]) != manifest.entries[name]:
            raise BundleError("sync.error.entry_checksum", f"{src}: {name}")
    return manifest


def read_contents(opened: Opened, limits: Limits = DEFAULT_LIMITS,
                  check_manifest: Callable[[Manifest], None] | None = None, prepare: Prepare | None = None,
                  parallel: bool | None = None, check: Check | None = None, consume: bool = False) -> Contents:
    """Check the manifest against the archive (names, checksums, counts) and parse every record.
    `check_manifest` runs on the manifest before any record is read (the workspace's commune, round, addressee).
    `check` runs on each record's document as it is read (in whichever process checks it): its refusal refuses the
    bundle, naming the entry and the field; what it returns is kept as the record's `held`. `prepare` runs on the
    checked records (in whichever process checked them, a chunk at a time, and within a chunk every
    `PREPARE_EVERY` bytes); it may set each record's `prepared` and `text`. `parallel`: see check_records.
    `consume`: the records' bytes leave `opened` and each is let go once it is checked (the importer: they are
    up to limits.max_total, held until the transaction commits otherwise)."""
    src = opened.source
    manifest = checked_manifest(opened, limits, check_manifest)
    names = set(opened.entries) - {"manifest.json"}
    if "review.json" in names and manifest.kind != "return":
        # A hand-in carries households and the enumerator's own answers, nothing else: a review decision (approve,
        # return, reassign) travels only in a return bundle signed by a key trusted as a supervisor's. Refused
        # before any record is read, naming the first action it carries.
        actions = parse_actions(strict_json(opened.entries["review.json"], f"{src}: review.json", limits),
                                f"{src}: review.json")
        first = actions[0] if actions else None
        raise BundleError("sync.error.handin_review", f"{src}: review.json",
                          action=Message(f"sync.action.{first.action}") if first else "—",
                          uuid=first.uuid if first else "—")
    if "villages.json" in names and manifest.kind != "return":
        # the village list is the supervisor's, as review decisions are: a hand-in carrying it is refused whole
        raise BundleError("villages.error.handin_villages", f"{src}: villages.json")
    households_named = sorted(n for n in names if n.startswith("households/"))
    if consume:
        items: Iterable[tuple[str, bytes]] = ((name, opened.entries.pop(name)) for name in households_named)
    else:
        items = [(name, opened.entries[name]) for name in households_named]
    households = check_records(items, src, manifest.commune_code, limits, prepare, parallel, check,
                               count=len(households_named))
    actions = []
    if "review.json" in names:
        actions = parse_actions(strict_json(opened.entries["review.json"], f"{src}: review.json", limits),
                                f"{src}: review.json")
    if manifest.counts.get("households") != len(households):
        raise BundleError("sync.error.count_households", f"{src}: manifest.json",
                          counted=manifest.counts.get("households"), found=len(households))
    if manifest.counts.get("actions", 0) != len(actions):
        raise BundleError("sync.error.count_actions", f"{src}: manifest.json", counted=manifest.counts.get("actions"),
                          found=len(actions))
    villages = None
    if "villages.json" in names:
        villages = parse_villages(strict_json(opened.entries["villages.json"], f"{src}: villages.json", limits),
                                  f"{src}: villages.json")
    return Contents(manifest, households, actions, src, opened.signer, villages)
