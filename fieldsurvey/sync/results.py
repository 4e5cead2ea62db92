"""A commune's result for its province, in the hand-ins' container (container.py: signed by the commune's
supervisor, encrypted to the province's key; the manifest of records.py, kind "result"):

    manifest.json                 the manifest (sequence: the commune's result number; counts.households)
    result.json                   the commune, the round, the standard's indicators, the villages' resident
                                  households, the official figures (the commune's one count) and what was issued
    result/households-0001.json   the households as the count saw them (fieldsurvey.domain.province.ResultRow),
    result/households-0002.json   CHUNK to an entry

Pure checks on entries already read and verified (signature, decryption, manifest and checksums); every refusal
names the bundle and the entry. The figures the commune declares must be what its rows add up to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from fieldsurvey.domain.figures import MOVEMENT_COLUMNS, TARGET_GROUPS
from fieldsurvey.domain.province import COUNT_FLAGS, Head, ResultRow, added_up
from fieldsurvey.errors import BundleError
from fieldsurvey.sync.container import DEFAULT_LIMITS, Limits, Opened, canonical, sha256, strict_json
from fieldsurvey.sync.records import Manifest, checked_manifest

CHUNK = 2000          # households to an entry (≈ 300 bytes each: far below an entry's limit)
RESULT_FORMAT = 1
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CLASSES = (None, "poor", "near_poor", "average", "not_poor")
_BIRTH = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


@dataclass(frozen=True)
class Village:
    name: str
    residents: int | None
    minority_residents: int | None


@dataclass(frozen=True)
class Issued:
    kind: str
    number: int | None
    issued_on: str | None
    household_class: str | None
    reprint: bool


@dataclass
class CommuneResult:
    manifest: Manifest
    commune_code: str
    commune_name: str
    province_code: str
    standard_id: str
    indicators: tuple[str, ...]
    villages: tuple[Village, ...]
    figures: dict[str, Any]              # the commune's official figures (domain.province.declared_figures)
    issued: tuple[Issued, ...]
    households: list[ResultRow]
    source: str


def chunk_name(i: int) -> str:
    return f"result/households-{i + 1:04d}.json"


def entries_of(summary: dict[str, Any], rows: list[ResultRow]) -> dict[str, bytes]:
    """The result's entries (all but the manifest)."""
    out = {"result.json": canonical({"format": RESULT_FORMAT, **summary})}
    for i, start in enumerate(range(0, len(rows), CHUNK)):
        out[chunk_name(i)] = canonical([r.to_dict() for r in rows[start:start + CHUNK]])
    return out


def _int(value: Any, where: str, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if type(value) is not int or value < 0:
        raise BundleError("sync.error.whole_number", where, low=0)
    return value


def _text(value: Any, where: str, limit: int = 200, empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not empty) or len(value) > limit:
        raise BundleError("sync.error.text_length", where, limit=limit)
    return value


def _flags(value: Any, width: int, where: str, allowed: str = "01") -> str:
    if not isinstance(value, str) or len(value) != width or any(c not in allowed for c in value):
        raise BundleError("result.error.flags", where, width=width, allowed=" ".join(allowed))
    return value


def _row(data: Any, where: str, indicators: int) -> ResultRow:
    if not isinstance(data, dict):
        raise BundleError("sync.error.not_object", where)
    uuid = data.get("uuid")
    if not isinstance(uuid, str) or not _UUID.match(uuid):
        raise BundleError("sync.error.action_uuid", where)
    where = f"{where}: {uuid}"
    flags = _flags(data.get("flags"), len(COUNT_FLAGS), f"{where}: flags")
    cls = data.get("class")
    if cls not in _CLASSES:
        raise BundleError("result.error.class", where, found=repr(str(cls)[:20]))
    counted = flags[COUNT_FLAGS.index("counted")] == "1"
    if counted != (cls is not None):
        raise BundleError("result.error.class_and_flags", where)
    head = data.get("head")
    if head is not None:
        if not isinstance(head, dict):
            raise BundleError("sync.error.not_object", f"{where}: head")
        birth = head.get("birth") or ""
        if birth and (not isinstance(birth, str) or not _BIRTH.match(birth)):
            raise BundleError("result.error.birth", f"{where}: head")
        head = Head(_text(head.get("name"), f"{where}: head.name", empty=True), birth,
                    _text(head.get("id_number") or "", f"{where}: head.id_number", 40, empty=True))
    if not isinstance(data.get("minority"), bool):
        raise BundleError("result.error.flags", f"{where}: minority", width=1, allowed="true false")
    return ResultRow(uuid, _text(data.get("village"), f"{where}: village", empty=True),
                     tuple(map(int, flags)), cls,
                     _flags(data.get("deprived"), indicators, f"{where}: deprived", "01?"),
                     tuple(map(int, _flags(data.get("movement"), 2 * len(MOVEMENT_COLUMNS), f"{where}: movement"))),
                     tuple(map(int, _flags(data.get("targets"), len(TARGET_GROUPS), f"{where}: targets"))),
                     data["minority"], _int(data.get("members"), f"{where}: members"),
                     _int(data.get("low_income_workers"), f"{where}: low_income_workers"), head)


def read_result(opened: Opened, check_manifest: Callable[[Manifest], None],
                check_summary: Callable[[dict[str, Any], str], None],
                limits: Limits = DEFAULT_LIMITS) -> CommuneResult:
    """A commune's result, every entry checked (`check_manifest`: the province's round and addressee, before any
    entry is read; `check_summary(result.json, where)`: the commune and the standard)."""
    src = opened.source
    manifest = checked_manifest(opened, limits, check_manifest)
    if manifest.kind != "result":
        raise BundleError("result.error.not_a_result", f"{src}: manifest.json")
    where = f"{src}: result.json"
    if "result.json" not in opened.entries:
        raise BundleError("sync.error.entry_missing", where)
    summary = strict_json(opened.entries["result.json"], where, limits)
    if not isinstance(summary, dict):
        raise BundleError("sync.error.not_object", where)
    if summary.get("format") != RESULT_FORMAT:
        raise BundleError("result.error.format", where, format=repr(summary.get("format")), supported=RESULT_FORMAT)
    commune = summary.get("commune")
    if not isinstance(commune, dict) or commune.get("code") != manifest.commune_code:
        raise BundleError("result.error.commune", where, commune=manifest.commune_code)
    check_summary(summary, where)
    indicators = summary.get("indicators")
    if not isinstance(indicators, list) or not indicators or not all(isinstance(i, str) for i in indicators):
        raise BundleError("result.error.indicators", where)
    villages = []
    for i, v in enumerate(summary.get("villages") if isinstance(summary.get("villages"), list) else [None]):
        w = f"{where}: villages[{i}]"
        if not isinstance(v, dict):
            raise BundleError("sync.error.not_object", w)
        villages.append(Village(_text(v.get("name"), f"{w}: name"), _int(v.get("residents"), f"{w}: residents", True),
                                _int(v.get("minority_residents"), f"{w}: minority_residents", True)))
    issued = []
    for i, d in enumerate(summary.get("issued") if isinstance(summary.get("issued"), list) else [None]):
        w = f"{where}: issued[{i}]"
        if not isinstance(d, dict):
            raise BundleError("sync.error.not_object", w)
        issued.append(Issued(_text(d.get("kind"), f"{w}: kind", 40), _int(d.get("number"), f"{w}: number", True),
                             d.get("issued_on") if isinstance(d.get("issued_on"), str) else None,
                             d.get("household_class") if isinstance(d.get("household_class"), str) else None,
                             bool(d.get("reprint"))))
    rows: list[ResultRow] = []
    chunks = sorted(n for n in opened.entries if n.startswith("result/"))
    if chunks != [chunk_name(i) for i in range(len(chunks))]:
        raise BundleError("result.error.chunks", src)
    for name in chunks:
        w = f"{src}: {name}"
        data = strict_json(opened.entries[name], w, limits)
        if not isinstance(data, list):
            raise BundleError("result.error.not_a_list", w)
        rows.extend(_row(r, w, len(indicators)) for r in data)
    if manifest.counts.get("households") != len(rows):
        raise BundleError("sync.error.count_households", f"{src}: manifest.json",
                          counted=manifest.counts.get("households"), found=len(rows))
    if len({r.uuid for r in rows}) != len(rows):
        raise BundleError("result.error.household_twice", src)
    figures = summary.get("figures")
    again = added_up(rows, [(v.name, v.residents, v.minority_residents) for v in villages], len(indicators))
    if figures != again:
        raise BundleError("result.error.figures_disagree", where,
                          parts=", ".join(k for k in again if not isinstance(figures, dict)
                                          or figures.get(k) != again[k]))
    return CommuneResult(manifest, manifest.commune_code, _text(commune.get("name"), f"{where}: commune.name"),
                         _text(commune.get("province_code"), f"{where}: commune.province_code", 2),
                         _text(summary.get("standard"), f"{where}: standard", 40), tuple(indicators),
                         tuple(villages), figures, tuple(issued), rows, src)


def digest(entries: dict[str, bytes]) -> str:
    """One checksum of a result's entries (what changed between two results of a commune is seen by it)."""
    return sha256(b"".join(name.encode() + b"\0" + sha256(data).encode() for name, data in sorted(entries.items())))
