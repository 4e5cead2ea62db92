"""Message catalogues shared by the GUI, the CLI and the printed documents.

`t("key", lang, **values)` looks the key up in resources/i18n/<lang>.json (plus one file per area in
resources/i18n/<lang>/) and fills it in. Placeholders may name
a format: `{income:vnd}` (1.500.000 đ / 1,500,000 VND), `{n:num}` (1.234 / 1,234), `{d:date}` (23/11/2026 /
23 Nov 2026), `{x:dec1}` (8,5 / 8.5), `{size:bytes}` (2,3 MB / 2.3 MB). Vietnamese is the default language; a key missing from a catalogue falls
back to Vietnamese, then to the key itself (so a gap shows, it never crashes).
"""

from __future__ import annotations

import json
import string
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from fieldsurvey.paths import resource

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def _catalogue_dir() -> Path:
    return resource("i18n")


def catalogue_files(lang: str) -> list[Path]:
    """The core catalogue `<lang>.json`, then one file per area in `<lang>/` (gui.json, reports.json, …)."""
    base = _catalogue_dir()
    return [base / f"{lang}.json", *sorted((base / lang).glob("*.json"))]


@cache
def catalogue(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path in catalogue_files(lang):
        with open(path, encoding="utf-8") as fh:
            part = json.load(fh)
        for key, text in part.items():
            if key in merged:
                raise ValueError(f"{path.name}: key {key!r} is already defined in {origin[key].name}")
            merged[key] = text
            origin[key] = path
    return merged


def _group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


def format_number(value: float | int, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """1.500.000 (vi) / 1,500,000 (en); decimals use ',' in Vietnamese and '.' in English."""
    thousands, point = (".", ",") if lang == "vi" else (",", ".")
    negative = value < 0
    value = abs(value)
    if decimals:
        whole, frac = f"{value:.{decimals}f}".split(".")
        text = _group(int(whole), thousands) + point + frac
    else:
        text = _group(int(round(value)), thousands)
    return ("-" if negative else "") + text


def format_money(value: float | int, lang: str = DEFAULT_LANGUAGE) -> str:
    return format_number(value, lang) + (" đ" if lang == "vi" else " VND")


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(value: date, lang: str = DEFAULT_LANGUAGE) -> str:
    if lang == "vi":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def format_size(n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """A size on a disk as people read it: 300 byte / 12 KB / 2,3 MB / 1,5 GB (vi), 300 bytes / 12 KB / 2.3 MB (en)."""
    if n < 1024:
        return f"{format_number(n, lang)} byte" + ("s" if lang != "vi" and n != 1 else "")
    for unit, scale in (("KB", 1024), ("MB", 1024 ** 2), ("GB", 1024 ** 3)):
        if n < scale * 1024 or unit == "GB":
            value = n / scale
            return f"{format_number(value, lang, 1 if value < 100 else 0)} {unit}"
    raise AssertionError("unreachable")


class _Formatter(string.Formatter):
    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "vnd":
            return format_money(value, self.lang)
        if format_spec == "num":
            return format_number(value, self.lang)
        if format_spec == "dec1":
            return format_number(value, self.lang, 1)
        if format_spec == "date":
            return format_date(value, self.lang)
        if format_spec == "bytes":
            return format_size(value, self.lang)
        said = getattr(value, "text", None)   # a message among the values (a catalogue key and its own values)
        if callable(said) and not isinstance(value, str):
            return said(self.lang)
        return super().format_field(value, format_spec)


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **values: Any) -> str:
    """The text for `key` in `lang`, filled in with `values`."""
    template = catalogue(lang).get(key)
    if template is None and lang != DEFAULT_LANGUAGE:
        template = catalogue(DEFAULT_LANGUAGE).get(key)
    if template is None:
        return key
    if not values:
        return template
    try:
        return _Formatter(lang).vformat(template, (), values)
    except (KeyError, IndexError, ValueError):
        return template


def has(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    return key in catalogue(lang)


def _slow_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return stripped.replace("đ", "d")


def _fold_table() -> dict[int, str | None]:
    """Every precomposed Latin letter (U+00C0–U+1EFF, Vietnamese included) → its folded base; combining marks →
    nothing. Built once from unicodedata, so it agrees with the slow path by construction (and a test checks)."""
    table: dict[int, str | None] = {cp: None for cp in range(0x300, 0x370)}
    for cp in range(0xC0, 0x1F00):
        folded = _slow_fold(chr(cp))
        if folded != chr(cp).casefold():
            table[cp] = folded
    table[ord("đ")] = "d"
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower-case and drop diacritics, so 'nguyen van a' matches 'Nguyễn Văn A' (đ → d too). A translation table
    does the common case (Vietnamese names) in one pass; anything it leaves non-ASCII takes the full Unicode path."""
    quick = text.casefold().translate(_FOLD)
    return quick if quick.isascii() else _slow_fold(quick)
