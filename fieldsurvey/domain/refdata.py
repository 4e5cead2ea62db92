"""Reference data: Vietnam's 34 provinces and 3,321 communes with official codes (Decision 19/2025/QĐ-TTg, as of
July 2026; source and licence beside the file in resources/refdata/). Units keep changing, so households store
the code and the name as they were at review time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from fieldsurvey.domain.document import Area
from fieldsurvey.i18n import fold
from fieldsurvey.paths import resource


@dataclass(frozen=True, slots=True)
class Commune:
    code: str           # 5 digits
    name: str           # "Xã Lâm Bình", "Phường Ba Đình"
    kind: str           # xa | phuong | dac_khu
    area: Area
    province_code: str  # 2 digits
    province_name: str


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    communes: tuple[Commune, ...]


@cache
def provinces() -> tuple[Province, ...]:
    with open(resource("refdata", "admin-units-2026-07.json"), encoding="utf-8") as fh:
        raw = json.load(fh)
    out = []
    for p in raw["provinces"]:
        communes = tuple(Commune(c["code"], c["name"], c["kind"], Area(c["area"]), p["code"], p["name"])
                         for c in p["communes"])
        out.append(Province(p["code"], p["name"], communes))
    return tuple(out)


@cache
def _by_code() -> dict[str, Commune]:
    return {c.code: c for p in provinces() for c in p.communes}


def commune(code: str) -> Commune | None:
    return _by_code().get(code)


def all_communes() -> list[Commune]:
    return list(_by_code().values())


def search_communes(text: str, limit: int = 50) -> list[Commune]:
    """Communes whose name or province (diacritics optional) contains every word typed, or whose code starts so."""
    words = fold(text).split()
    out = []
    for c in _by_code().values():
        hay = fold(f"{c.name} {c.province_name} {c.code}")
        if all(w in hay for w in words):
            out.append(c)
            if len(out) >= limit:
                break
    return out
