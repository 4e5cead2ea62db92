"""Poverty standards as versioned data: TOML files in resources/standards/ (and local ones a province supplies).

A standard holds the income lines and bands per area, the classification scheme, the score conversion, the
indicators with their rule parameters, and the review years it covers. A local standard names a national one in
`extends` and overrides what differs (lines, indicator parameters; `drop_indicators` removes, new ids add).
Every problem is reported with the file and the key.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from fieldsurvey.domain.ages import (SEXES, RetirementRow, RetirementSchedule, RetirementTable, SchoolAge, StandardAges,
                                     WorkingAge)
from fieldsurvey.domain.document import Area
from fieldsurvey.domain.indicators import RULES, RulePlan, check_params, plan_rules
from fieldsurvey.domain.results import Message
from fieldsurvey.errors import StandardError
from fieldsurvey.paths import resource

RULE_KINDS = frozenset(RULES)
SCHEMES = {"single_line", "two_band"}


@dataclass(frozen=True, slots=True)
class Indicator:
    number: int
    id: str
    dimension: str
    name_vi: str
    name_en: str
    rule: str
    params: Mapping[str, Any]
    provisional: bool

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en


@dataclass(frozen=True, slots=True)
class AreaLines:
    poverty_line: int
    average_band_max: int
    low_income_worker_max: int
    lower_line: int | None = None  # two_band scheme only
    compared: tuple[int, ...] = ()  # every line an income per person is compared with (see AreaLines.of)

    @classmethod
    def of(cls, poverty_line: int, average_band_max: int, low_income_worker_max: int,
           lower_line: int | None = None) -> "AreaLines":
        """The lines of an area, with the list of every line an income per person is compared with: the lower line
        (2016–2020), the poverty line, the top of the average band, the low-income-worker line."""
        compared = tuple(x for x in (lower_line, poverty_line, average_band_max, low_income_worker_max) if x)
        return cls(poverty_line, average_band_max, low_income_worker_max, lower_line, compared)


@dataclass(frozen=True, slots=True)
class Standard:
    id: str
    title_vi: str
    title_en: str
    first_year: int
    last_year: int
    provisional: bool
    scheme: str
    poor_min_deprivations: int
    average_requires_agriculture: bool
    lines: Mapping[Area, AreaLines]
    income_sources: tuple[str, ...]
    income_costs: tuple[str, ...]
    income_excluded: tuple[str, ...]
    b1_threshold: Mapping[Area, float]
    b1_lower_threshold: Mapping[Area, float]
    b2_points_per_indicator: int
    b2_poor_threshold: int
    working_employment: tuple[str, ...]
    low_income_provisional: bool
    indicators: tuple[Indicator, ...]
    working_age: WorkingAge | None      # độ tuổi lao động: employment, dependants, low-income workers
    school_age: SchoolAge | None        # school ages by year of birth: child schooling, adult education
    source: str
    plan: RulePlan = field(repr=False, compare=False)   # the indicators prepared for evaluating, made once here
    extends: str | None = None
    province_codes: tuple[str, ...] = ()

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def title(self, lang: str) -> str:
        return self.title_vi if lang == "vi" else self.title_en

    @property
    def is_local(self) -> bool:
        return bool(self.province_codes)

    @property
    def uses_provisional_rules(self) -> bool:
        return self.provisional or any(i.provisional for i in self.indicators)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and value:
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_indicators(base: list[dict], over: list[dict], drop: list[str], where: str) -> list[dict]:
    by_id = {ind.get("id"): ind for ind in base}
    for name in drop:
        if name not in by_id:
            raise StandardError("standards.error.drop_unknown", f"{where}: drop_indicators", name=name)
        del by_id[name]
    for ind in over:
        if ind.get("id") in by_id:
            by_id[ind["id"]] = _merge(by_id[ind["id"]], ind)
        else:
            by_id[ind.get("id")] = ind
    return list(by_id.values())


_KIND_WORDS = {int: "whole_number", float: "number", (int, float): "number", str: "text", list: "list", dict: "table",
               bool: "true_false"}


def kind_word(kind: type | tuple[type, ...]) -> Message:
    """What a TOML value is (or must be), said in the user's language: a whole number, a number, a text …"""
    return Message(f"standards.kind.{_KIND_WORDS.get(kind, 'other')}")


class _Reader:
    """Reads typed values out of a raw TOML mapping, naming file and key on error."""

    def __init__(self, source: str):
        self.source = source

    def where(self, key: str) -> str:
        return f"{self.source}: {key}"

    def get(self, raw: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: str, default: Any = ...):
        if key not in raw:
            if default is not ...:
                return default
            raise StandardError("standards.error.missing", self.where(path))
        value = raw[key]
        if kind in (int, float, (int, float)) and isinstance(value, bool):
            raise StandardError("standards.error.not_a_number", self.where(path), found=repr(value))
        if not isinstance(value, kind):
            raise StandardError("standards.error.wrong_kind", self.where(path), kind=kind_word(kind),
                                found_kind=kind_word(type(value)), found=repr(value))
        return value


def build_standard(raw: dict[str, Any], source: str) -> Standard:
    """Validate a (merged) raw standard mapping and build the typed Standard."""
    r = _Reader(source)
    sid = r.get(raw, "id", str, "id")
    years = r.get(raw, "review_years", list, "review_years")
    if len(years) != 2 or not all(isinstance(y, int) for y in years) or years[0] > years[1]:
        raise StandardError("standards.error.review_years", r.where("review_years"))
    cls = r.get(raw, "classification", dict, "classification")
    scheme = r.get(cls, "scheme", str, "classification.scheme")
    if scheme not in SCHEMES:
        raise StandardError("standards.error.scheme", r.where("classification.scheme"), found=scheme,
                            known=", ".join(sorted(SCHEMES)))
    income = r.get(raw, "income", dict, "income")
    lines: dict[Area, AreaLines] = {}
    for area in Area:
        a = r.get(income, area.value, dict, f"income.{area.value}")
        p = f"income.{area.value}"
        lower = r.get(a, "lower_line", int, f"{p}.lower_line", None)
        if scheme == "two_band" and lower is None:
            raise StandardError("standards.error.lower_line_missing", r.where(f"{p}.lower_line"))
        line = r.get(a, "poverty_line", int, f"{p}.poverty_line")
        band = r.get(a, "average_band_max", int, f"{p}.average_band_max")
        if line <= 0:
            raise StandardError("standards.error.not_positive", r.where(f"{p}.poverty_line"))
        if band < line:
            raise StandardError("standards.error.band_below_line", r.where(f"{p}.average_band_max"))
        lines[area] = AreaLines.of(line, band, r.get(a, "low_income_worker_max", int, f"{p}.low_income_worker_max"),
                                   lower)
    direct = r.get(income, "direct", dict, "income.direct")
    scoring = r.get(raw, "scoring", dict, "scoring")

    def thresholds(key: str) -> dict[Area, float]:
        table = r.get(scoring, key, dict, f"scoring.{key}", {})
        out = {}
        for k, v in table.items():
            if k not in ("rural", "urban"):
                raise StandardError("standards.error.area_key", r.where(f"scoring.{key}.{k}"), found=k)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise StandardError("standards.error.not_a_number", r.where(f"scoring.{key}.{k}"), found=repr(v))
            out[Area(k)] = v
        return out

    indicators_raw = r.get(raw, "indicators", list, "indicators")
    indicators: list[Indicator] = []
    for i, ind in enumerate(indicators_raw):
        p = f"indicators[{ind.get('id', i)}]" if isinstance(ind, dict) else f"indicators[{i}]"
        if not isinstance(ind, dict):
            raise StandardError("standards.error.wrong_kind", r.where(p), kind=kind_word(dict),
                                found_kind=kind_word(type(ind)), found=repr(ind))
        rule = r.get(ind, "rule", str, f"{p}.rule")
        if rule not in RULE_KINDS:
            raise StandardError("standards.error.unknown_rule", r.where(f"{p}.rule"), rule=rule,
                                known=", ".join(sorted(RULE_KINDS)))
        indicators.append(Indicator(
            number=r.get(ind, "number", int, f"{p}.number"),
            id=r.get(ind, "id", str, f"{p}.id"),
            dimension=r.get(ind, "dimension", str, f"{p}.dimension"),
            name_vi=r.get(ind, "name_vi", str, f"{p}.name_vi"),
            name_en=r.get(ind, "name_en", str, f"{p}.name_en"),
            rule=rule,
            params=r.get(ind, "params", dict, f"{p}.params", {}),
            provisional=r.get(ind, "provisional", bool, f"{p}.provisional", False),
        ))
    indicators.sort(key=lambda x: x.number)
    numbers = [x.number for x in indicators]
    if numbers != list(range(1, len(numbers) + 1)):
        raise StandardError("standards.error.indicator_numbers", r.where("indicators"),
                            found=", ".join(map(str, numbers)))
    ids = [x.id for x in indicators]
    for twice in ids:
        if ids.count(twice) > 1:
            raise StandardError("standards.error.indicator_twice", r.where("indicators"), id=twice)
    ages = StandardAges(working_age=_working_age(raw, r), school_age=_school_age(raw, r))
    for ind in indicators:  # the rules know their own parameters
        check_params(ind, source, ages)

    liw = r.get(raw, "low_income_worker", dict, "low_income_worker", {})
    working_employment = tuple(r.get(liw, "working_employment", list, "low_income_worker.working_employment", []))
    if working_employment and ages.working_age is None:
        raise StandardError("standards.error.needs_working_age", r.where("low_income_worker"))
    scope = r.get(raw, "scope", dict, "scope", {})
    return Standard(
        id=sid,
        title_vi=r.get(raw, "title_vi", str, "title_vi"),
        title_en=r.get(raw, "title_en", str, "title_en"),
        first_year=years[0],
        last_year=years[1],
        provisional=r.get(raw, "provisional", bool, "provisional", False),
        scheme=scheme,
        poor_min_deprivations=r.get(cls, "poor_min_deprivations", int, "classification.poor_min_deprivations"),
        average_requires_agriculture=r.get(cls, "average_band_requires_agriculture", bool,
                                           "classification.average_band_requires_agriculture", True),
        lines=lines,
        income_sources=tuple(r.get(direct, "sources", list, "income.direct.sources")),
        income_costs=tuple(r.get(direct, "costs", list, "income.direct.costs", [])),
        income_excluded=tuple(r.get(direct, "excluded", list, "income.direct.excluded", [])),
        b1_threshold=thresholds("b1_threshold"),
        b1_lower_threshold=thresholds("b1_lower_threshold"),
        b2_points_per_indicator=r.get(scoring, "b2_points_per_indicator", int, "scoring.b2_points_per_indicator"),
        b2_poor_threshold=r.get(scoring, "b2_poor_threshold", int, "scoring.b2_poor_threshold"),
        working_employment=working_employment,
        low_income_provisional=r.get(liw, "provisional", bool, "low_income_worker.provisional", False),
        indicators=tuple(indicators),
        working_age=ages.working_age,
        school_age=ages.school_age,
        source=source,
        plan=plan_rules(indicators, ages),
        extends=raw.get("extends"),
        province_codes=tuple(r.get(scope, "province_codes", list, "scope.province_codes", [])),
    )


def _working_age(raw: Mapping[str, Any], r: _Reader) -> WorkingAge | None:
    """The standard's [working_age]: from which age, and the retirement-age table (by sex and month of birth) that
    ends it."""
    section = r.get(raw, "working_age", dict, "working_age", None)
    if section is None:
        return None
    from_age = r.get(section, "from_age", int, "working_age.from_age")
    name = r.get(section, "retirement_table", str, "working_age.retirement_table")
    return WorkingAge.of(from_age, retirement_table(name, r.where("working_age.retirement_table")))


def _school_age(raw: Mapping[str, Any], r: _Reader) -> SchoolAge | None:
    """The standard's [school_age]: school ages counted by year of birth, against the school year that starts in
    `school_year_start_month`. Without it, school-age rules count completed years."""
    section = r.get(raw, "school_age", dict, "school_age", None)
    if section is None:
        return None
    month = r.get(section, "school_year_start_month", int, "school_age.school_year_start_month")
    if not 1 <= month <= 12:
        raise StandardError("standards.error.month_number", r.where("school_age.school_year_start_month"),
                            found=repr(month))
    return SchoolAge(month)


def tables_dir() -> Path:
    return resource("standards", "tables")


def retirement_table(name: str, where: str = "retirement_table") -> RetirementTable:
    """A retirement-age table shipped in resources/standards/tables/<name>.toml (read once, shared by every
    standard that names it)."""
    path = tables_dir() / f"{name}.toml"
    if not path.is_file():
        raise StandardError("standards.error.no_table", where, name=name,
                            known=", ".join(sorted(p.stem for p in tables_dir().glob("*.toml"))))
    return _read_shipped_table(path)


@cache
def _read_shipped_table(path: Path) -> RetirementTable:
    return read_retirement_table(path)


def read_retirement_table(path: Path) -> RetirementTable:
    """Read and check a retirement-age table: for each sex, rows from the earliest births, each with the first
    month of birth it holds for (none on the first row) and the age [years, months]."""
    raw = read_toml(path)
    r = _Reader(f"tables/{path.name}")
    schedules = {}
    for sex in SEXES:
        rows: list[RetirementRow] = []
        for i, row in enumerate(r.get(raw, sex, list, sex)):
            where = f"{sex}[{i}]"
            if not isinstance(row, dict):
                raise StandardError("standards.error.wrong_kind", r.where(where), kind=kind_word(dict),
                                    found_kind=kind_word(type(row)), found=repr(row))
            age = r.get(row, "age", list, f"{where}.age")
            if len(age) != 2 or not all(type(x) is int for x in age) or not 0 <= age[1] <= 11 or age[0] < 0:
                raise StandardError("standards.error.table_age", r.where(f"{where}.age"), found=repr(age))
            born_from = _year_month(row.get("born_from"), r.where(f"{where}.born_from"))
            if (born_from is None) != (i == 0):
                raise StandardError("standards.error.table_first_row" if i == 0 else "standards.error.missing",
                                    r.where(f"{where}.born_from"))
            if rows and rows[-1].born_from and born_from <= rows[-1].born_from:
                raise StandardError("standards.error.table_order", r.where(f"{where}.born_from"))
            if rows and age[0] * 12 + age[1] < rows[-1].age_in_months:
                raise StandardError("standards.error.table_age_order", r.where(f"{where}.age"))
            rows.append(RetirementRow(born_from, age[0], age[1]))
        if not rows:
            raise StandardError("standards.error.missing", r.where(f"{sex}[0]"))
        schedules[sex] = RetirementSchedule.of(tuple(rows))
    return RetirementTable(r.get(raw, "id", str, "id"), r.get(raw, "title_vi", str, "title_vi"),
                           r.get(raw, "title_en", str, "title_en"), r.get(raw, "source", str, "source"), schedules)


def _year_month(value: Any, where: str) -> tuple[int, int] | None:
    if value is None:
        return None
    parts = value.split("-") if isinstance(value, str) else []
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        raise StandardError("standards.error.table_month", where, found=repr(value))
    return int(parts[0]), int(parts[1])


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise StandardError("standards.error.no_such_file", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise StandardError("standards.error.not_toml", path.name, error=str(exc)) from None
    except UnicodeDecodeError:
        raise StandardError("standards.error.not_utf8", path.name) from None


class StandardRegistry:
    """The standards the app knows: the national ones shipped in resources/standards/ plus local files."""

    def __init__(self, directories: list[Path]):
        self._raw: dict[str, tuple[dict[str, Any], str]] = {}
        self._built: dict[str, Standard] = {}
        for directory in directories:
            for path in sorted(directory.glob("*.toml")):
                self.add_file(path)

    def add_file(self, path: Path) -> str:
        raw = read_toml(path)
        sid = raw.get("id")
        if not isinstance(sid, str) or not sid:
            raise StandardError("standards.error.no_id", f"{path.name}: id")
        if sid in self._raw and self._raw[sid][1] != path.name:
            raise StandardError("standards.error.defined_twice", f"{path.name}: id", id=sid, other=self._raw[sid][1])
        self._raw[sid] = (raw, path.name)
        self._built.pop(sid, None)
        return sid

    def _resolved(self, sid: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
        if sid not in self._raw:
            raise StandardError("storage.error.standard.unknown", "standard", id=sid,
                                known=", ".join(sorted(self._raw)))
        if sid in chain:
            raise StandardError("standards.error.extends_circle", self._raw[sid][1], chain=" → ".join(chain + (sid,)))
        raw, source = self._raw[sid]
        parent = raw.get("extends")
        if parent is None:
            return raw
        if parent not in self._raw:
            raise StandardError("standards.error.extends_unknown", f"{source}: extends", id=parent)
        base = self._resolved(parent, chain + (sid,))
        merged = _merge({k: v for k, v in base.items() if k != "indicators"},
                        {k: v for k, v in raw.items() if k not in ("indicators", "drop_indicators")})
        merged["indicators"] = _merge_indicators(base.get("indicators", []), raw.get("indicators", []),
                                                 raw.get("drop_indicators", []), source)
        merged["extends"] = parent
        if "scope" not in raw:
            merged.pop("scope", None)
        return merged

    def get(self, sid: str) -> Standard:
        if sid not in self._built:
            raw = self._resolved(sid)
            self._built[sid] = build_standard(raw, self._raw[sid][1])
        return self._built[sid]

    def ids(self) -> list[str]:
        return sorted(self._raw)

    def all(self) -> list[Standard]:
        return [self.get(s) for s in self.ids()]

    def for_year(self, year: int, province_code: str | None = None) -> Standard:
        """The standard for a review year: a local standard of the province if one covers the year, else the
        national one."""
        candidates = [s for s in self.all() if s.covers(year)]
        local = [s for s in candidates if province_code and province_code in s.province_codes]
        national = [s for s in candidates if not s.is_local]
        pick = local or national
        if not pick:
            raise StandardError("storage.error.standard.no_year", "review.year", year=year)
        if len(pick) > 1:
            raise StandardError("storage.error.standard.many_years", "review.year", year=year,
                                ids=", ".join(s.id for s in pick))
        return pick[0]


_default: StandardRegistry | None = None


def default_registry() -> StandardRegistry:
    """The shipped standards (cached)."""
    global _default
    if _default is None:
            _default = StandardRegistry([resource("standards")])
    return _default
