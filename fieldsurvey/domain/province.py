"""The province's roll-up, pure: what a commune's result carries of each household (its row), the figures the
commune declares (made from its one count), the same figures added up again from the rows (a result whose rows and
figures disagree is refused), and the province's tables by commune with their rates and the seed sentence.

A result row is one household of the commune's review list as the official count saw it (never a merged duplicate):
its status folded into the count's flags (listed, in progress, waiting for approval, counted, not classifiable yet,
moved away), the class it was counted in, its deprivations as one flag per indicator in the standard's order
("1" deprived, "0" not, "?" unknown), the movement columns it counts in for poor and for near-poor
(fieldsurvey.domain.figures.MOVEMENT_COLUMNS), its target groups, whether its head is of an ethnic minority, and —
for a household counted in a class — its head's name, birth date and ID number (so a family counted in two
communes can be found). Rates are over resident households, as the commune's own (docs/figures.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from fieldsurvey.domain.figures import (MOVEMENT_COLUMNS, NEAR, POOR, TARGET_GROUPS, CommuneFigures, Counted, Scope,
                                        class_now, movement_steps)
from fieldsurvey.domain.lifecycle import IN_PROGRESS, OFFICIAL, HouseholdStatus
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.i18n import format_number, t

CLASSES = {"poor": POOR, "near_poor": NEAR}
COUNT_FLAGS = ("listed", "in_progress", "waiting", "counted", "unclassified", "moved_away")
CLASS_COLUMNS = ("poor", "near_poor", "average", "not_poor")
_CLASS_OF = {POOR: "poor", NEAR: "near_poor", HouseholdClass.AVERAGE: "average", HouseholdClass.NOT_POOR: "not_poor"}
RESULT_COLUMNS = (*COUNT_FLAGS, *CLASS_COLUMNS, "members", "low_income_workers")
MINORITY_COLUMNS = ("counted", *CLASS_COLUMNS)


@dataclass(frozen=True, slots=True)
class Head:
    """Who a counted household is, to find it counted in another commune too."""
    name: str
    birth: str            # the head's birth date (YYYY-MM-DD) or, when only the year is known, the year
    id_number: str        # the head's personal ID number ('' when not known)


class ResultRow(NamedTuple):
    """One household of a commune's result (see the module's docstring), field for field as it travels (a JSON
    array in this order). The flags are texts of 0 and 1, one character each; the head's facts are read only for
    a household counted in a class."""
    uuid: str
    village: str
    flags: str                              # COUNT_FLAGS
    household_class: str | None             # one of _CLASS_OF's values, when counted
    deprived: str                           # one flag per indicator: 1 / 0 / ?
    movement: str                           # poor's MOVEMENT_COLUMNS, then near-poor's
    targets: str                            # TARGET_GROUPS
    minority: int                           # 1: the head is of an ethnic minority
    members: int = 0
    low_income_workers: int = 0
    head_name: str = ""
    head_birth: str = ""                    # YYYY-MM-DD, or the year
    head_id: str = ""

    def wire(self) -> list[Any]:
        return list(self)


WIRE = ResultRow._fields


def result_row(row: Counted, indicator_ids: Sequence[str], scope: Scope = Scope.OFFICIAL,
               head: Head | None = None) -> ResultRow:
    """One household as the count (`scope`) saw it, in the shape a result carries."""
    moved = row.status is HouseholdStatus.MOVED_AWAY
    cls = None if moved else class_now(row, scope)
    listed = not moved
    in_progress = listed and row.status in IN_PROGRESS
    waiting = listed and not in_progress and scope is Scope.OFFICIAL and row.status not in OFFICIAL
    counted = listed and not in_progress and not waiting and cls is not None
    unclassified = listed and not in_progress and not waiting and cls is None
    steps = movement_steps(row, scope)
    move = "".join(str(int(c in steps[k])) for k in (POOR, NEAR) for c in MOVEMENT_COLUMNS)
    deprived = "".join("?" if i in row.unknown else "1" if i in row.deprived else "0" for i in indicator_ids)
    targets = "".join(str(int(g in row.details.targets)) if row.details else "0" for g in TARGET_GROUPS)
    minority = row.details is not None and "minority" in row.details.targets
    head = head if counted and head is not None else Head("", "", "")
    return ResultRow(row.uuid, row.village,
                     "".join(str(int(x)) for x in (listed, in_progress, waiting, counted, unclassified, moved)),
                     _CLASS_OF[cls] if counted else None, deprived, move, targets, int(minority),
                     row.members if counted else 0, row.low_income_workers if counted else 0,
                     head.name, head.birth, head.id_number)


# --- the figures a commune declares, and the same added up from its rows ---------------------------------------------

def declared_figures(figures: CommuneFigures, indicator_ids: Sequence[str]) -> dict[str, Any]:
    """The commune's official figures (its one count) in the shape a result carries."""
    c = figures.commune
    m = figures.minority_commune
    results = {"listed": c.listed, "in_progress": c.in_progress, "waiting": c.waiting, "counted": c.counted,
               "unclassified": c.unclassified, "moved_away": c.moved_away, "members": c.members,
               "low_income_workers": c.low_income_workers,
               **{name: c.classes[cls] for cls, name in _CLASS_OF.items()}}
    minority = {"counted": m.counted, **{name: m.classes[cls] for cls, name in _CLASS_OF.items()}}
    return {"residents": c.residents, "minority_residents": m.residents, "results": results, "minority": minority,
            "movement": {k: [figures.movement[cls][-1].values[col] for col in MOVEMENT_COLUMNS]
                         for k, cls in CLASSES.items()},
            "deprivations": {k: [figures.deprivations[cls][i] for i in indicator_ids] for k, cls in CLASSES.items()},
            "targets": {k: [figures.targets[cls][g] for g in TARGET_GROUPS] for k, cls in CLASSES.items()}}


def _total(numbers: Sequence[int | None]) -> int | None:
    return sum(numbers) if numbers and all(n is not None for n in numbers) else None  # type: ignore[arg-type]


def added_up(rows: Iterable[ResultRow], villages: Sequence[tuple[str, int | None, int | None]],
             indicators: int) -> dict[str, Any]:
    """The figures `declared_figures` gives, added up again from a result's rows and villages (rows alike are
    counted together: a commune's rows fall into few kinds)."""
    kinds: Counter = Counter()
    members = workers = 0
    for r in rows:
        poorish = r.household_class in CLASSES
        kinds[(r.flags, r.movement, r.household_class, r.minority, r.deprived if poorish else "",
               r.targets if poorish else "")] += 1
        members += r.members
        workers += r.low_income_workers
    results: Counter = Counter()
    minority: Counter = Counter()
    n = len(MOVEMENT_COLUMNS)
    movement = {k: [0] * n for k in CLASSES}
    deprivations = {k: [0] * indicators for k in CLASSES}
    targets = {k: [0] * len(TARGET_GROUPS) for k in CLASSES}
    for (flags, move, cls, is_minority, deprived, groups), times in kinds.items():
        for name, flag in zip(COUNT_FLAGS, flags):
            results[name] += times * (flag == "1")
        for i, k in enumerate(CLASSES):
            for j in range(n):
                movement[k][j] += times * (move[i * n + j] == "1")
        if cls is None:
            continue
        results[cls] += times
        if is_minority:
            minority["counted"] += times
            minority[cls] += times
        if cls in CLASSES:
            for j, flag in enumerate(deprived):
                deprivations[cls][j] += times * (flag == "1")
            for j, flag in enumerate(groups):
                targets[cls][j] += times * (flag == "1")
    results["members"], results["low_income_workers"] = members, workers
    return {"residents": _total([v[1] for v in villages]), "minority_residents": _total([v[2] for v in villages]),
            "results": {k: results[k] for k in RESULT_COLUMNS},
            "minority": {k: minority[k] for k in MINORITY_COLUMNS},
            "movement": movement, "deprivations": deprivations, "targets": targets}


# --- the province's tables -------------------------------------------------------------------------------------------

def rate(n: int, of: int | None) -> float | None:
    return 100.0 * n / of if of else None


class _Rates:
    """The rates of a unit's year, in % of its resident households (None: their number unknown), from its `poor`,
    `near_poor` and `residents` (this year's or last year's)."""

    @property
    def poverty_rate(self) -> float | None:
        return rate(self.poor, self.residents)

    @property
    def near_poverty_rate(self) -> float | None:
        return rate(self.near_poor, self.residents)


@dataclass(frozen=True)
class LastYear(_Rates):
    """A unit's figures of last year's review (carried from last year's province workspace, or typed in)."""
    year: int
    residents: int | None
    poor: int
    near_poor: int
    source: str = ""


@dataclass(frozen=True)
class UnitRow(_Rates):
    """One commune (or the province) in the province's tables."""
    code: str
    name: str
    residents: int | None                   # resident households (None: a village's number missing)
    minority_residents: int | None
    results: Mapping[str, int]              # RESULT_COLUMNS → households (members: people)
    minority: Mapping[str, int]             # MINORITY_COLUMNS → ethnic-minority households
    movement: Mapping[str, tuple[int, ...]]       # poor / near_poor → MOVEMENT_COLUMNS
    deprivations: Mapping[str, tuple[int, ...]]   # poor / near_poor → one number per indicator
    targets: Mapping[str, tuple[int, ...]]        # poor / near_poor → TARGET_GROUPS
    last_year: LastYear | None = None

    @property
    def poor(self) -> int:
        return self.results["poor"]

    @property
    def near_poor(self) -> int:
        return self.results["near_poor"]

    @property
    def multidimensional_rate(self) -> float | None:
        return rate(self.poor + self.near_poor, self.residents)

    def minority_rate(self, column: str) -> float | None:
        return rate(self.minority[column], self.minority_residents)

    # year over year: this year against last year's figures (None: last year's not known)
    @property
    def poor_change(self) -> int | None:
        return None if self.last_year is None else self.poor - self.last_year.poor

    @property
    def near_poor_change(self) -> int | None:
        return None if self.last_year is None else self.near_poor - self.last_year.near_poor

    @property
    def poverty_rate_change(self) -> float | None:
        """In percentage points (None when either year's resident households are unknown)."""
        return _points(self.poverty_rate, self.last_year.poverty_rate if self.last_year else None)

    @property
    def near_poverty_rate_change(self) -> float | None:
        return _points(self.near_poverty_rate, self.last_year.near_poverty_rate if self.last_year else None)


def _points(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


@dataclass(frozen=True)
class ProvinceTables:
    province_code: str
    province_name: str
    year: int
    indicators: tuple[tuple[int, str, str, str], ...]   # (number, id, name_vi, name_en)
    communes: tuple[UnitRow, ...]                      # the communes that reported, by code
    province: UnitRow                                  # their sum
    not_reported: tuple[tuple[str, str], ...] = ()     # (code, name) of the communes with no result yet


def unit_row(code: str, name: str, values: Mapping[str, Any], indicators: int,
             last_year: LastYear | None = None) -> UnitRow:
    """A table row from the flat sums the storage's query gives (column names as `flat_columns`)."""
    n = len(MOVEMENT_COLUMNS)
    return UnitRow(code, name, values.get("residents"), values.get("minority_residents"),
                   {c: int(values[c] or 0) for c in RESULT_COLUMNS},
                   {c: int(values[f"minority_{c}"] or 0) for c in MINORITY_COLUMNS},
                   {k: tuple(int(values[f"{k}_{c}"] or 0) for c in MOVEMENT_COLUMNS) for k in CLASSES},
                   {k: tuple(int(values[f"{k}_d{j + 1}"] or 0) for j in range(indicators)) for k in CLASSES},
                   {k: tuple(int(values[f"{k}_t_{g}"] or 0) for g in TARGET_GROUPS) for k in CLASSES},
                   last_year)


def summed(code: str, name: str, rows: Sequence[UnitRow], indicators: int,
           last_year: LastYear | None = None) -> UnitRow:
    """The province's row: the communes' rows added up (resident households: known only when every commune's is)."""
    def add(get, width: int) -> dict[str, tuple[int, ...]]:
        return {k: tuple(sum(get(r)[k][j] for r in rows) for j in range(width)) for k in CLASSES}

    return UnitRow(code, name, _total([r.residents for r in rows]), _total([r.minority_residents for r in rows]),
                   {c: sum(r.results[c] for r in rows) for c in RESULT_COLUMNS},
                   {c: sum(r.minority[c] for r in rows) for c in MINORITY_COLUMNS},
                   add(lambda r: r.movement, len(MOVEMENT_COLUMNS)), add(lambda r: r.deprivations, indicators),
                   add(lambda r: r.targets, len(TARGET_GROUPS)), last_year)


def flat_columns(indicators: int) -> list[str]:
    """The names of the sums a storage query gives for one unit (see `unit_row`)."""
    return [*RESULT_COLUMNS, *(f"minority_{c}" for c in MINORITY_COLUMNS),
            *(f"{k}_{c}" for k in CLASSES for c in MOVEMENT_COLUMNS),
            *(f"{k}_d{j + 1}" for k in CLASSES for j in range(indicators)),
            *(f"{k}_t_{g}" for k in CLASSES for g in TARGET_GROUPS)]


def flat_figures(figures: Mapping[str, Any], indicators: int) -> dict[str, int]:
    """A result's figures (the shape `declared_figures` gives) as the flat sums a unit's table row is made from
    (`flat_columns`' names; `unit_row` reads them back)."""
    out = {c: int(figures["results"][c]) for c in RESULT_COLUMNS}
    out.update({f"minority_{c}": int(figures["minority"][c]) for c in MINORITY_COLUMNS})
    for k in CLASSES:
        out.update({f"{k}_{c}": int(v) for c, v in zip(MOVEMENT_COLUMNS, figures["movement"][k], strict=True)})
    for k in CLASSES:
        deprived = figures["deprivations"][k]
        if len(deprived) != indicators:
            raise ValueError(f"{k}: {len(deprived)} deprivations for {indicators} indicators")
        out.update({f"{k}_d{j + 1}": int(v) for j, v in enumerate(deprived)})
    for k in CLASSES:
        out.update({f"{k}_t_{g}": int(v) for g, v in zip(TARGET_GROUPS, figures["targets"][k], strict=True)})
    return out


def figures_of(row: UnitRow) -> dict[str, Any]:
    """A table row in the shape `declared_figures` gives (to compare the province's tables with the communes')."""
    return {"residents": row.residents, "minority_residents": row.minority_residents,
            "results": dict(row.results), "minority": dict(row.minority),
            "movement": {k: list(v) for k, v in row.movement.items()},
            "deprivations": {k: list(v) for k, v in row.deprivations.items()},
            "targets": {k: list(v) for k, v in row.targets.items()}}


def add_figures(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Several communes' declared figures added up (what the province's row must say)."""
    def add(values: list) -> Any:
        first = values[0]
        if isinstance(first, Mapping):
            return {k: add([v[k] for v in values]) for k in first}
        if isinstance(first, list):
            return [add([v[i] for v in values]) for i in range(len(first))]
        return _total(values)
    return add(list(items))


# --- the seed sentence -----------------------------------------------------------------------------------------------

def _pct(value: float | None, lang: str) -> str:
    return "?" if value is None else format_number(round(value, 2), lang, 2)


def sentence(row: UnitRow, year: int, lang: str = "vi") -> str:
    """"N poor households, X %, and M near-poor, Y %, in YEAR; last year …" for one unit."""
    text = t("province.sentence.now", lang, unit=row.name, poor=format_number(row.poor, lang),
             poor_rate=_pct(row.poverty_rate, lang), near=format_number(row.near_poor, lang),
             near_rate=_pct(row.near_poverty_rate, lang), year=year)
    last = row.last_year
    if last is not None:
        text += t("province.sentence.last", lang, poor=format_number(last.poor, lang),
                  poor_rate=_pct(last.poverty_rate, lang), near=format_number(last.near_poor, lang),
                  near_rate=_pct(last.near_poverty_rate, lang), year=last.year)
    return text + "."
