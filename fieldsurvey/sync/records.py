"""What a bundle holds, checked entry by entry: the manifest, one record per household, the review actions.

Pure checks on data already read into memory (container.py reads it). Every refusal names the bundle and the entry.
"""

from __future__ import annotations

import gc
import json
import marshal
import os
import pickle
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any, Callable

from fieldsurvey import forking
from fieldsurvey.domain.document import parse_household
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.results import Message
from fieldsurvey.errors import BundleError, DocumentError
from fieldsurvey.sync.container import DEFAULT_LIMITS, FORMAT_VERSION, Limits, Opened, sha256, strict_json
from fieldsurvey.sync.keys import ROLES

KINDS = ("hand-in", "return")
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


def parse_household_record(data: Any, where: str, expected_uuid: str, commune_code: str) -> HouseholdRecord:
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
    return HouseholdRecord(uuid, status, owner, head, revisions, document, audit)


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
PARALLEL_FROM = 600   # records: below this, one process checks them all faster than two (forking costs ≈ 10 ms)
SHARE = 0.5           # of the records, this process's part
PREPARE_EVERY = 2 * 1024 * 1024   # bytes of records checked, then prepared (and no longer held decoded)


def _read_records(items: list[tuple[str, bytes]], src: str, commune_code: str, limits: Limits,
                  prepare: Prepare | None) -> list[HouseholdRecord]:
    """Every record checked (strict JSON, shape, ancestry, the document through parse_household), in order; the
    first refusal in that order is raised. `prepare` (the importer's work on the checked records, which keeps them
    as text) runs on each `PREPARE_EVERY` bytes of them as they are checked, so that no more than that is held
    decoded at a time. The list of items is consumed: each entry's bytes are let go once it is checked."""
    out = []
    start = size = 0
    for i, (name, raw) in enumerate(items):
        items[i] = None   # type: ignore[call-overload]
        where = f"{src}: {name}"
        data = strict_json(raw, where, limits)
        out.append(parse_household_record(data, where, name[len("households/"):-len(".json")], commune_code))
        size += len(raw)
        if prepare is not None and size >= PREPARE_EVERY:
            prepare(out[start:])
            start, size = len(out), 0
    if prepare is not None and (start < len(out) or not out):
        prepare(out[start:])
    return out


def can_fork() -> bool:
    """A second process may be forked and pays: this process may use two cores, and forking is safe here
    (fieldsurvey.forking: Linux, one thread — Python's or native; the desktop app runs jobs in a thread)."""
    return forking.cores() >= 2 and forking.can_fork()


def _read_records_in_two(items: list[tuple[str, bytes]], src: str, commune_code: str, limits: Limits,
                         prepare: Prepare | None) -> list[HouseholdRecord]:
    """_read_records on both cores: a forked child checks (and prepares) the second half while this process does
    the first; the child sends its records back through a pipe (marshalled; the documents as JSON text, decoded here only
    if asked for) or its first refusal. Same records, same refusal (the first half's first, else the second's) as one
    process; nothing is written anywhere until every record is checked."""
    half = int(len(items) * SHARE)
    mine, theirs = items[:half], items[half:]
    items.clear()   # each half's bytes are let go as that half is checked
    rfd, wfd = os.pipe()
    try:
        pid = os.fork()
    except OSError:   # no process to spare (limits, memory): one process does it all
        os.close(rfd)
        os.close(wfd)
        return _read_records(mine + theirs, src, commune_code, limits, prepare)
    if pid == 0:   # the child: check, send, leave at once (no cleanup of the parent's state, no flushing)
        try:
            gc.disable()   # nothing of the parent's is finalised here
            os.close(rfd)
            try:
                records = _read_records(theirs, src, commune_code, limits, prepare)
                message = marshal.dumps(("ok", [_plain(rec) for rec in records]))
            except BundleError as exc:   # pickled whole: its key and values (its Vietnamese) come along
                message = marshal.dumps(("refused", pickle.dumps(exc)))
            except BaseException as exc:   # a defect, not a refusal: the parent raises it
                message = marshal.dumps(("error", f"{type(exc).__name__}: {exc}"))
            with os.fdopen(wfd, "wb") as fh:
                fh.write(message)
        finally:
            os._exit(0)
    os.close(wfd)
    reaped = False
    try:
        with os.fdopen(rfd, "rb") as fh:
            first = _read_records(mine, src, commune_code, limits, prepare)
            sent = fh.read()
        forking.reap(pid)
        reaped = True
    finally:
        if not reaped:   # this half was refused (or failed): the child's work is not needed
            try:
                os.kill(pid, 9)
            except OSError:
                pass
            forking.reap(pid)
    try:
        answer = marshal.loads(sent) if sent else None
    except (EOFError, ValueError, TypeError):   # cut short: the child was killed while it wrote
        answer = None
    if answer is None:   # the child died without a (whole) answer (killed, out of memory): its part is checked here
        return first + _read_records(theirs, src, commune_code, limits, prepare)
    if answer[0] == "refused":
        raise pickle.loads(answer[1])   # the child's own BundleError, from this program's own child
    if answer[0] != "ok":
        raise RuntimeError(f"checking records in a second process failed: {answer[1]}")
    return first + [_record(plain) for plain in answer[1]]


def _plain(rec: HouseholdRecord) -> tuple:
    """A checked record as plain values for the trip back from the child (marshal: several times faster than
    pickling the objects); the document goes as its JSON text when `prepare` made it."""
    return (rec.uuid, rec.status, rec.owner, rec.revision,
            [(r.id, r.parent, r.device, r.user, r.at, r.merged) for r in rec.revisions],
            rec.document if rec.text is None else None, rec.audit, rec.prepared, rec.text)


def _record(plain: tuple) -> HouseholdRecord:
    uuid, status, owner, revision, revisions, document, audit, prepared, text = plain
    return HouseholdRecord(uuid, status, owner, revision, [Revision(*r) for r in revisions], document, audit,
                           prepared, text)


def _role(role: str, prefix: str = "sync.role.") -> Any:
    """A role named in a refusal, said in the user's language when it is one of the two roles."""
    if role not in ROLES:
        return role if prefix == "sync.role." else f"a {role}"
    return Message(prefix + role)


def read_contents(opened: Opened, limits: Limits = DEFAULT_LIMITS,
                  check_manifest: Callable[[Manifest], None] | None = None, prepare: Prepare | None = None,
                  parallel: bool | None = None, consume: bool = False) -> Contents:
    """Check the manifest against the archive (names, checksums, counts) and parse every record.
    `check_manifest` runs on the manifest before any record is read (the workspace's commune, round, addressee).
    `prepare` runs on the checked records (in whichever process checked them); it may set each record's
    `prepared` and `text`. `parallel`: use a second process for a large bundle when it is safe (None: decide).
    `consume`: the records' bytes leave `opened` and each is let go once it is checked (the importer: they are
    up to limits.max_total, held until the transaction commits otherwise)."""
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
        def a(role: str) -> str:
            return "an enumerator" if role == "enumerator" else f"a {role}"

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
    take = opened.entries.pop if consume else opened.entries.__getitem__
    items = [(name, take(name)) for name in sorted(n for n in names if n.startswith("households/"))]
    if parallel is None:
        parallel = len(items) >= PARALLEL_FROM and can_fork()
    read = _read_records_in_two if parallel and len(items) > 1 else _read_records
    households = read(items, src, manifest.commune_code, limits, prepare)
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
    return Contents(manifest, households, actions, src)
