"""Clean values: the plausible ranges of a household's answers (data: resources/values/household-values.toml) and the
characters text may hold. Pure; the checks that use them are in domain/plausible.py (ranges) and domain/document.py
(text, the household's size).

Text holds no control character: none of C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), nor a lone surrogate — they
cannot be shown, printed or written to a workbook, and a carriage return or a tab at the start of a spreadsheet cell
is a way into a formula. A text that may run over several lines (a note) may hold line breaks (LF, or CR LF) and
tabs; one-line text (a name, an ID number, a village) holds none.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from fieldsurvey.errors import DocumentError, StandardError
from fieldsurvey.paths import resource

# Never in text: C0 controls but tab, LF and CR; DEL and the C1 controls; lone surrogates; a CR not followed by LF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]|\r(?!\n)")
_LINE = re.compile("[\t\n\r]")   # not in one-line text


def control_in(text: str, multiline: bool = False) -> str | None:
    """The first character of `text` that it may not hold (a control character; in one-line text also a line
    break or a tab), or None. Fast for ordinary text (one C call)."""
    if text.isprintable():
        return None
    found = _CONTROL.search(text)
    if found is None and not multiline:
        found = _LINE.search(text)
    return found.group()[:1] if found else None


def char_name(char: str) -> str:
    """A character as a message names it: U+0001, U+000A (with its Unicode name when it has one)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def check_text(value: str, where: str, multiline: bool = False) -> None:
    """Refuse text holding a character it may not hold (see the module's doc), naming the field and the
    character."""
    bad = control_in(value, multiline)
    if bad is not None:
        key = "values.error.line_break" if bad in "\t\n\r" and not multiline else "values.error.control"
        raise DocumentError(key, where, char=char_name(bad))


def texts_in(value: Any) -> list[str]:
    """The strings inside an answer (itself, or those in a list, walked)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in texts_in(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*texts_in(k), *texts_in(v))]
    return []


# --- plausible ranges ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Range:
    """Hard bounds (outside: refused) and soft bounds (outside: held for the supervisor); None: not checked."""
    min: float | None = None
    max: float | None = None
    soft_min: float | None = None
    soft_max: float | None = None
    unit: str | None = None     # "dong": an amount of money in đồng, which has no fraction (`whole`)

    @property
    def whole(self) -> bool:
        """Whether an answer must be a whole number: money in đồng has no fraction of a đồng."""
        return self.unit == "dong"

    def verdict(self, value: float) -> str | None:
        """'below' / 'above' (refused), 'soft_below' / 'soft_above' (held), or None (plausible)."""
        if self.min is not None and value < self.min:
            return "below"
        if self.max is not None and value > self.max:
            return "above"
        if self.soft_min is not None and value < self.soft_min:
            return "soft_below"
        if self.soft_max is not None and value > self.soft_max:
            return "soft_above"
        return None


@dataclass(frozen=True, slots=True)
class Ranges:
    id: str
    version: str
    members: Range                      # the household's size
    min_members_complete: int           # members of a household handed in as complete (or later)
    age: Range                          # completed years on the interview date
    household: Mapping[str, Range]      # household answers that are numbers
    former_forms: frozenset[str]        # form ids a household may name though none is installed
    source: str = ""

    @property
    def max_members(self) -> int:
        return int(self.members.max) if self.members.max is not None else 10**9


_BOUNDS = ("min", "max", "soft_min", "soft_max")
UNITS = ("dong",)   # the units a range may name: "dong" (money in đồng, whole)


def _range(raw: Any, where: str) -> Range:
    if not isinstance(raw, dict):
        raise StandardError("values.error.range_table", where)
    values: dict[str, float | None] = {}
    for key in _BOUNDS:
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise StandardError("values.error.range_number", f"{where}.{key}", found=repr(value))
        values[key] = value
    lo, hi = values["min"], values["max"]
    if lo is not None and hi is not None and lo > hi:
        raise StandardError("values.error.range_order", where, low=lo, high=hi)
    unit = raw.get("unit")
    if unit is not None and unit not in UNITS:
        raise StandardError("values.error.range_unit", f"{where}.unit", found=repr(unit), known=", ".join(UNITS))
    return Range(**values, unit=unit)


def load_ranges(path: Path) -> Ranges:
    """A ranges file (TOML), checked: every bound a number, no `min` above its `max`."""
    where = str(path)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise StandardError("values.error.ranges_file", where, error=str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise StandardError("values.error.ranges_file", where, error=str(exc)) from None
    members = raw.get("members") or {}
    min_complete = members.get("min_complete", 1) if isinstance(members, dict) else 1
    if isinstance(min_complete, bool) or not isinstance(min_complete, int):
        raise StandardError("values.error.range_number", f"{where}: members.min_complete", found=repr(min_complete))
    household = raw.get("household") or {}
    if not isinstance(household, dict):
        raise StandardError("values.error.range_table", f"{where}: household")
    former = (raw.get("forms") or {}).get("former") or []
    return Ranges(str(raw.get("id", path.stem)), str(raw.get("version", "")),
                  _range({k: v for k, v in members.items() if k in _BOUNDS}, f"{where}: members"), min_complete,
                  _range(raw.get("age") or {}, f"{where}: age"),
                  {name: _range(r, f"{where}: household.{name}") for name, r in household.items()},
                  frozenset(str(f) for f in former), where)


@cache
def ranges() -> Ranges:
    """The shipped ranges (resources/values/household-values.toml), read once."""
    return load_ranges(resource("values", "household-values.toml"))
