"""A commune's result for its province, in the hand-ins' container (container.py: signed by the commune's
supervisor, encrypted to the province's key; the manifest of records.py, kind "result"):

    manifest.json                 the manifest (sequence: the commune's result number; counts.households)
    result.json                   the commune, the round, the standard's indicators, the villages' resident
                                  households, the official figures (the commune's one count) and what was issued
    result/households-0001.json   the households as the count saw them (fieldsurvey.domain.province.ResultRow),
    result/households-0002.json   CHUNK to an entry, each an array of its fields (domain.province.WIRE)

Pure checks on entries already read and verified (signature, decryption, manifest and checksums); every refusal
names the bundle and the entry. The figures the commune declares must be what its rows add up to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from fieldsurvey.domain.figures import MOVEMENT_COLUMNS, TARGET_GROUPS
from fieldsurvey.domain.province import COUNT_FLAGS, WIRE, ResultRow, added_up
from fieldsurvey.domain.ranges import char_name, control_in
from fieldsurvey.errors import BundleError
from fieldsurvey.sync.container import DEFAULT_LIMITS, Limits, Opened, canonical, sha256, strict_json
from fieldsurvey.sync.records import Manifest, checked_manifest

CHUNK = 2000          # households to an entry (≈ 300 bytes each: far below an entry's limit)
RESULT_FORMAT = 1
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CLASSES = (None, "poor", "near_poor", "average", "not_poor")
_CLASS_SET = frozenset(_CLASSES)
_BIRTH = re.compile(r"\d{4}(-\d{2}-\d{2})?")
_MOVES = 2 * len(MOVEMENT_COLUMNS)


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
        out[chunk_name(i)] = canonical([r.wire() for r in rows[start:start + CHUNK]])
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


_FLAGS = re.compile(r"[01]*")
_DEPRIVED = re.compile(r"[01?]*")


def _rows_json(raw: bytes, where: str) -> Any:
    """A chunk of rows: UTF-8 JSON, no NaN or Infinity. Its shape — a list of arrays of plain values, each string
    within its limit — is checked row by row (`_row`), which is what strict_json's walk would check again."""
    try:
        return _ROWS_DECODE(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BundleError("sync.error.not_utf8", where, byte=exc.start) from None
    except json.JSONDecodeError as exc:
        raise BundleError("sync.error.not_json", where, detail=exc.msg, line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise BundleError("sync.error.too_deep_plain", where) from None
    except ValueError as exc:   # NaN, Infinity
        raise BundleError("sync.error.not_a_number", where, name=str(exc)) from None


def _no_constants(name: str) -> Any:
    raise ValueError(name)


_ROWS_DECODE = json.JSONDecoder(parse_constant=_no_constants).decode


def _bad(where: str, what: str, width: int, allowed: str) -> BundleError:
    return BundleError("result.error.flags", f"{where}: {what}", width=width, allowed=" ".join(allowed))


def _row(data: Any, where: str, indicators: int) -> ResultRow:
    """One row as it travels (domain.province.WIRE), checked field by field."""
    if type(data) is not list or len(data) != len(WIRE):
        raise BundleError("result.error.row_shape", where, fields=len(WIRE))
    uuid, village, flags, cls, deprived, move, targets, minority, members, workers, name, birth, idn = data
    if type(uuid) is not str or not _UUID.fullmatch(uuid):
        raise BundleError("sync.error.action_uuid", where)
    where = f"{where}: {uuid}"
    if type(village) is not str or len(village) > 200:
        raise BundleError("sync.error.text_length", f"{where}: village", limit=200)
    if type(flags) is not str or len(flags) != len(COUNT_FLAGS) or not _FLAGS.fullmatch(flags):
        raise _bad(where, "flags", len(COUNT_FLAGS), "01")
    if cls not in _CLASSES:
        raise BundleError("result.error.class", where, found=repr(str(cls)[:20]))
    if (flags[COUNT_FLAGS.index("counted")] == "1") != (cls is not None):
        raise BundleError("result.error.class_and_flags", where)
    if type(deprived) is not str or len(deprived) != indicators or not _DEPRIVED.fullmatch(deprived):
        raise _bad(where, "deprived", indicators, "01?")
    if type(move) is not str or len(move) != _MOVES or not _FLAGS.fullmatch(move):
        raise _bad(where, "movement", _MOVES, "01")
    if type(targets) is not str or len(targets) != len(TARGET_GROUPS) or not _FLAGS.fullmatch(targets):
        raise _bad(where, "targets", len(TARGET_GROUPS), "01")
    if minority not in (0, 1) or type(minority) is not int:
        raise _bad(where, "minority", 1, "01")
    for value, what in ((members, "members"), (workers, "low_income_workers")):
        if type(value) is not int or not 0 <= value <= 1000:
            raise BundleError("sync.error.whole_number", f"{where}: {what}", low=0)
    for value, what, limit in ((name, "head_name", 200), (birth, "head_birth", 10), (idn, "head_id", 40)):
        if type(value) is not str or len(value) > limit:
            raise BundleError("sync.error.text_length", f"{where}: {what}", limit=limit)
    if birth and not _BIRTH.fullmatch(birth):
        raise BundleError("result.error.birth", where)
    for value, what in ((village, "village"), (name, "head_name"), (idn, "head_id")):
        if not value.isprintable() and (bad := control_in(value)) is not None:   # a NUL, a line break: no name holds one
            raise BundleError("values.error.control", f"{where}: {what}", char=char_name(bad))
    return ResultRow(uuid, village, flags, cls, deprived, move, targets, minority, members, workers, name, birth, idn)


def _strings(values: tuple, limit: int) -> bool:
    return all(type(v) is str for v in values) and max(map(len, values), default=0) <= limit


def _ints(values: tuple, low: int, high: int) -> bool:
    return all(type(v) is int for v in values) and (not values or (low <= min(values) and max(values) <= high))


def _all_fine(data: list, indicators: int) -> bool:
    """Whether every row of a chunk passes `_row`'s checks, column by column (a province's rows hold few different
    flag texts: each is checked once). False: `_row` then finds the first wrong row and says what is wrong."""
    if not all(type(r) is list and len(r) == len(WIRE) for r in data):
        return False
    if not data:
        return True
    uuid, village, flags, cls, deprived, move, targets, minority, members, workers, name, birth, idn = zip(*data)
    counted = COUNT_FLAGS.index("counted")
    try:
        return (_strings(uuid, 36) and all(map(_UUID.fullmatch, uuid)) and _strings(village, 200)
                and _strings(flags, len(COUNT_FLAGS)) and set(cls) <= _CLASS_SET
                and all(len(f) == len(COUNT_FLAGS) and _FLAGS.fullmatch(f) and (f[counted] == "1") == (c is not None)
                        for f, c in set(zip(flags, cls)))
                and _strings(deprived, indicators)
                and all(len(d) == indicators and _DEPRIVED.fullmatch(d) for d in set(deprived))
                and _strings(move, _MOVES) and all(len(m) == _MOVES and _FLAGS.fullmatch(m) for m in set(move))
                and _strings(targets, len(TARGET_GROUPS))
                and all(len(g) == len(TARGET_GROUPS) and _FLAGS.fullmatch(g) for g in set(targets))
                and _ints(minority, 0, 1) and _ints(members, 0, 1000) and _ints(workers, 0, 1000)
                and _strings(name, 200) and _strings(birth, 10) and _strings(idn, 40)
                and all(_BIRTH.fullmatch(b) for b in set(birth) if b)
                and all(map(str.isprintable, set(village))) and all(map(str.isprintable, name))
                and all(map(str.isprintable, idn)))   # (else `_row` says which control character, if one is)
    except TypeError:   # an unhashable value where a text belongs
        return False


def _rows(data: Any, where: str, indicators: int) -> list[ResultRow]:
    """A chunk's rows, checked (see `_row`)."""
    if type(data) is not list:
        raise BundleError("result.error.not_a_list", where)
    if _all_fine(data, indicators):
        return list(map(ResultRow._make, data))
    return [_row(r, where, indicators) for r in data]


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
        rows.extend(_rows(_rows_json(opened.entries[name], w), w, len(indicators)))
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
