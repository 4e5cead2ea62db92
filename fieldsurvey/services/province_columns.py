"""What each of the province's tables shows of a commune's row (domain.province.UnitRow), written once for the two
outputs that lay the tables out as columns: the Excel workbook (services/province_xlsx.py, a sheet per table) and
the app's province view (gui/province_view.py, a table chosen on screen). Both take the rows of the one
`services.province.tables()` the state-format PDF (reports/province.py) prints, so the three never count apart.

The tables: results (with last year and the change), movement of poor and of near-poor households, the 12
deprivations, target groups, ethnic-minority households. A per-class table's columns each name their class (poor,
near-poor): the workbook writes both classes side by side ("Hộ nghèo: đầu năm"), the app shows one class at a
time, as the PDF's tables 2a/2b and 3a/3b do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable, Sequence

from fieldsurvey.domain.figures import MOVEMENT_COLUMNS, TARGET_GROUPS
from fieldsurvey.domain.province import CLASSES, ProvinceTables, UnitRow
from fieldsurvey.i18n import t

TABLES = ("results", "movement", "deprivations", "targets", "minority")
PER_CLASS = ("movement", "deprivations", "targets")   # the tables whose columns each name a class
HOUSEHOLD_CLASSES = tuple(CLASSES)            # poor, near_poor: the classes a per-class table is split by


class Kind(StrEnum):
    """What a column's numbers are (None: unknown, for each)."""
    COUNT = "count"                           # households (an int; a change of households may be negative)
    RATE = "rate"                             # a rate in %, two decimals
    POINTS = "points"                         # a change of a rate, in percentage points, two decimals
    YEAR = "year"                             # a year (an int, written without a thousands' separator)


@dataclass(frozen=True)
class Column:
    heading: str                              # as the workbook writes it: "Hộ nghèo: đầu năm"
    value: Callable[[UnitRow], Any]
    kind: Kind = Kind.COUNT
    of_class: str | None = None               # poor | near_poor: the class a per-class table's column is of
    name: str = ""                            # the heading without its class ("đầu năm"), for one class shown

    @property
    def rate(self) -> bool:
        """A rate or a change of one: two decimals."""
        return self.kind in (Kind.RATE, Kind.POINTS)

    @property
    def short(self) -> str:
        return self.name or self.heading


@dataclass(frozen=True)
class Table:
    key: str                                  # one of TABLES
    title: str
    columns: tuple[Column, ...]

    @property
    def per_class(self) -> bool:
        return any(c.of_class for c in self.columns)

    def of_class(self, household_class: str) -> tuple[Column, ...]:
        """The columns of one class (a table with no class: all of them)."""
        return tuple(c for c in self.columns if c.of_class in (None, household_class))


def _results(lang: str) -> list[Column]:
    def last(get: Callable[[Any], Any]) -> Callable[[UnitRow], Any]:
        return lambda r: get(r.last_year) if r.last_year else None

    return [Column(t("province.col.residents", lang), lambda r: r.residents),
            Column(t("province.col.poor", lang), lambda r: r.poor),
            Column(t("province.col.poor_rate", lang), lambda r: r.poverty_rate, Kind.RATE),
            Column(t("province.col.near_poor", lang), lambda r: r.near_poor),
            Column(t("province.col.near_poor_rate", lang), lambda r: r.near_poverty_rate, Kind.RATE),
            Column(t("province.col.multidimensional_rate", lang), lambda r: r.multidimensional_rate, Kind.RATE),
            Column(t("province.col.last_year", lang), last(lambda y: y.year), Kind.YEAR),
            Column(t("province.col.last_poor", lang), last(lambda y: y.poor)),
            Column(t("province.col.last_poor_rate", lang), last(lambda y: y.poverty_rate), Kind.RATE),
            Column(t("province.col.last_near_poor", lang), last(lambda y: y.near_poor)),
            Column(t("province.col.last_near_poor_rate", lang), last(lambda y: y.near_poverty_rate), Kind.RATE),
            Column(t("province.col.poor_change", lang), lambda r: r.poor_change),
            Column(t("province.col.poor_rate_change", lang), lambda r: r.poverty_rate_change, Kind.POINTS),
            Column(t("province.col.near_poor_change", lang), lambda r: r.near_poor_change),
            Column(t("province.col.near_poor_rate_change", lang), lambda r: r.near_poverty_rate_change, Kind.POINTS),
            Column(t("province.col.average", lang), lambda r: r.results["average"]),
            Column(t("province.col.counted", lang), lambda r: r.results["counted"]),
            Column(t("province.col.waiting", lang), lambda r: r.results["waiting"] + r.results["in_progress"])]


def _per_class(lang: str, names: Sequence[str], get: Callable[[UnitRow, str], Sequence[int]],
               count: bool = False) -> list[Column]:
    """A column per class and name; `count`: the class's households first (of how many the numbers are)."""
    out: list[Column] = []
    for k in CLASSES:
        klass = t(f"province.class.{k}", lang)
        if count:
            name = t("province.col.households", lang)
            out.append(Column(f"{klass}: {name}", lambda r, k=k: r.results[k], Kind.COUNT, k, name))
        for j, name in enumerate(names):
            out.append(Column(f"{klass}: {name}", lambda r, k=k, j=j: get(r, k)[j], Kind.COUNT, k, name))
    return out


def _minority(lang: str) -> list[Column]:
    return [Column(t("province.col.minority_residents", lang), lambda r: r.minority_residents),
            Column(t("province.col.counted", lang), lambda r: r.minority["counted"]),
            Column(t("province.col.poor", lang), lambda r: r.minority["poor"]),
            Column(t("province.col.poor_rate", lang), lambda r: r.minority_rate("poor"), Kind.RATE),
            Column(t("province.col.near_poor", lang), lambda r: r.minority["near_poor"]),
            Column(t("province.col.near_poor_rate", lang), lambda r: r.minority_rate("near_poor"), Kind.RATE)]


def tables_of(tb: ProvinceTables, lang: str) -> list[Table]:
    """The province's tables as columns, in the workbook's order (TABLES)."""
    indicators = [name_vi if lang == "vi" else name_en for _, _, name_vi, name_en in tb.indicators]
    columns = {
        "results": _results(lang),
        "movement": _per_class(lang, [t(f"province.move.{c}", lang) for c in MOVEMENT_COLUMNS],
                               lambda r, k: r.movement[k]),
        "deprivations": _per_class(lang, indicators, lambda r, k: r.deprivations[k], count=True),
        "targets": _per_class(lang, [t(f"province.target.{g}", lang) for g in TARGET_GROUPS],
                              lambda r, k: r.targets[k]),
        "minority": _minority(lang)}
    return [Table(key, t(f"province.table.{key}", lang), tuple(columns[key])) for key in TABLES]


def rows_of(tb: ProvinceTables) -> tuple[UnitRow, ...]:
    """Every table's rows: the communes that reported, by code, and the province's row last."""
    return (*tb.communes, tb.province)
