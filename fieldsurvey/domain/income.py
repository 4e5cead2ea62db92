"""Income against the line, by one of three routes:

(a) `direct`    — 12-month income by source minus production costs (state social allowances excluded),
                  ÷ members ÷ 12, compared with the standard's lines;
(b) `b1_table`  — the B1 income-proxy score computed from a point-table file the province supplies
                  (the app never invents one), compared with 140 (rural) / 175 (urban);
(c) `b1_manual` — a B1 score added up on paper and typed in, flagged as such.

The household's `income_route` answer picks the route; without it, the route is inferred from what was answered.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Mapping

from fieldsurvey.domain.document import Area, Household
from fieldsurvey.domain.indicators import _number
from fieldsurvey.domain.results import shown_beside
from fieldsurvey.domain.standards import AreaLines, Standard
from fieldsurvey.errors import StandardError


class IncomeRoute(StrEnum):
    DIRECT = "direct"        # thu nhập thực tế
    B1_TABLE = "b1_table"    # điểm B1 theo bảng điểm của tỉnh
    B1_MANUAL = "b1_manual"  # điểm B1 cộng tay trên phiếu giấy


class IncomePosition(StrEnum):
    AT_OR_BELOW_LOWER = "at_or_below_lower_line"  # two-band scheme (2016–2020): always poor
    AT_OR_BELOW_LINE = "at_or_below_line"
    AVERAGE_BAND = "average_band"
    ABOVE_BAND = "above_band"
    ABOVE_LINE = "above_line"                      # B1 above the threshold: the band is not known from B1
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class IncomeResult:
    """Where the income stands against the line. The class is decided on the exact figures; what a person reads
    (`shown_per_person_month`, `shown_b1_score`) is rounded to the whole đồng / point on the same side of every
    line it was compared with, so a reason never says "1.500.000 đ … above the line 1.500.000 đ"."""

    route: IncomeRoute | None
    position: IncomePosition
    line: int | None = None                 # VND per person per month
    band_max: int | None = None
    per_person_month: float | None = None   # direct route: total ÷ members ÷ 12, unrounded
    total_12m: float | None = None
    b1_score: float | None = None           # B1 routes
    b1_threshold: float | None = None
    manual: bool = False
    point_table: str | None = None
    point_table_synthetic: bool = False
    missing: tuple[str, ...] = ()
    members: int | None = None              # direct route: the divisor of total_12m
    compared_with: tuple[int, ...] = ()     # every line per person per month is compared with (VND)
    b1_compared_with: tuple[float, ...] = ()  # every B1 threshold the score is compared with

    def per_person_at_most(self, amount: int) -> bool:
        """Is the income per person per month at or below `amount`? Decided exactly, on the 12-month total
        (total ≤ amount × members × 12), never on a rounded or divided figure."""
        return self.total_12m <= amount * self.members * 12

    @property
    def shown_per_person_month(self) -> int | None:
        """The income per person per month as a reason shows it: whole đồng, on the right side of every line."""
        if self.per_person_month is None:
            return None
        return shown_beside(self.per_person_month, self.compared_with)

    @property
    def shown_b1_score(self) -> float | None:
        """The B1 score as a reason shows it: whole points, on the right side of every threshold."""
        if self.b1_score is None:
            return None
        return shown_beside(self.b1_score, self.b1_compared_with)

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": self.route.value if self.route else None,
            "position": self.position.value,
            "line": self.line,
            "average_band_max": self.band_max,
            "per_person_month": self.shown_per_person_month,
            "total_12_months": self.total_12m,
            "b1_score": self.b1_score,
            "b1_threshold": self.b1_threshold,
            "b1_entered_by_hand": self.manual,
            "point_table": self.point_table,
            "point_table_synthetic": self.point_table_synthetic,
            "missing": list(self.missing),
        }


# --- B1 point tables --------------------------------------------------------------------------------------------

FACTS = ("household_size", "floor_area_per_person")


@dataclass(frozen=True, slots=True)
class PointItem:
    id: str
    answer: str | None
    fact: str | None
    points: Mapping[str, float]          # answer value → points (other values: 0)
    bands: tuple[tuple[float, float], ...]  # (from, points): the last band whose 'from' ≤ value


@dataclass(frozen=True, slots=True)
class PointTable:
    """A province's B1 point table: a base and items per area. Loaded from a TOML file; see
    resources/pointtables/synthetic-test.toml for the shape."""

    id: str
    title: str
    synthetic: bool
    standard: str
    base: Mapping[Area, float]
    items: Mapping[Area, tuple[PointItem, ...]]
    source: str

    def score(self, household: Household, area: Area) -> tuple[float | None, list[str]]:
        if area not in self.items:
            return None, [f"point table {self.id} has no {area.value} table"]
        total = self.base[area]
        missing: list[str] = []
        for item in self.items[area]:
            if item.fact is not None:
                value = _fact(household, item.fact)
                if value is None:
                    missing.append("household.floor_area" if item.fact == "floor_area_per_person" else "members")
                    continue
            else:
                value = household.get(item.answer)
                if value is None or value == "":
                    missing.append(f"household.{item.answer}")
                    continue
            if item.bands:
                number = _number(value)
                if number is None:
                    missing.append(f"household.{item.answer}")
                    continue
                pts = 0.0
                for start, p in item.bands:
                    if number >= start:
                        pts = p
                total += pts
            else:
                chosen = value if isinstance(value, list) else str(value).split() if isinstance(value, str) else [value]
                total += sum(item.points.get(str(c), 0) for c in chosen)
        return (None if missing else total), missing


def _fact(household: Household, fact: str) -> float | None:
    n = len(household.members)
    if fact == "household_size":
        return float(n) if n else None
    if fact == "floor_area_per_person":
        area = _number(household.get("floor_area"))
        return area / n if area is not None and n else None
    return None


def load_point_table(path: Path) -> PointTable:
    name = path.name
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StandardError("standards.error.no_such_file", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise StandardError("standards.error.not_toml", name, error=str(exc)) from None
    except UnicodeDecodeError:
        raise StandardError("standards.error.not_utf8", name) from None
    for key in ("id", "title", "standard"):
        if not isinstance(raw.get(key), str):
            raise StandardError("standards.error.missing_text", f"{name}: {key}")
    if not isinstance(raw.get("synthetic"), bool):
        raise StandardError("standards.error.synthetic_flag", f"{name}: synthetic")
    base: dict[Area, float] = {}
    items: dict[Area, tuple[PointItem, ...]] = {}
    for area in Area:
        table = raw.get(area.value)
        if table is None:
            continue
        where = f"{name}: {area.value}"
        if not isinstance(table, dict) or isinstance(table.get("base"), bool) or not isinstance(
                table.get("base"), (int, float)):
            raise StandardError("standards.error.point_base", f"{where}.base")
        base[area] = table["base"]
        out = []
        for i, item in enumerate(table.get("items", [])):
            iw = f"{where}.items[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise StandardError("standards.error.point_item_id", iw)
            answer, fact = item.get("answer"), item.get("fact")
            if (answer is None) == (fact is None):
                raise StandardError("standards.error.point_item_source", iw)
            if fact is not None and fact not in FACTS:
                raise StandardError("standards.error.unknown_fact", f"{iw}.fact", fact=str(fact),
                                    known=", ".join(FACTS))
            points = item.get("points", {})
            bands = item.get("bands", [])
            if not points and not bands:
                raise StandardError("standards.error.point_item_points", iw)
            if fact is not None and not bands:
                raise StandardError("standards.error.fact_needs_bands", iw)
            try:
                band_t = tuple(sorted((float(a), float(b)) for a, b in bands))
                points_t = {str(k): float(v) for k, v in points.items()}
            except (TypeError, ValueError):
                raise StandardError("standards.error.point_item_numbers", iw) from None
            out.append(PointItem(item["id"], answer, fact, points_t, band_t))
        items[area] = tuple(out)
    if not base:
        raise StandardError("standards.error.no_area_table", name)
    return PointTable(raw["id"], raw["title"], raw["synthetic"], raw["standard"], base, items, name)


# --- income assessment ------------------------------------------------------------------------------------------


_ROUTES = frozenset(r.value for r in IncomeRoute)


def pick_route(household: Household, standard: Standard) -> IncomeRoute | None:
    chosen = household.get("income_route")
    if chosen in _ROUTES:
        return IncomeRoute(chosen)
    if any(household.get(s) is not None for s in standard.income_sources):
        return IncomeRoute.DIRECT
    if household.get("b1_score_manual") is not None:
        return IncomeRoute.B1_MANUAL
    return None


def direct_income(household: Household, standard: Standard) -> tuple[float | None, int, list[str]]:
    """(total over 12 months: income by source minus production costs, members, missing answers). The total is
    summed exactly rounded (math.fsum), whatever the order of the answers."""
    missing, amounts = [], []
    for name in standard.income_sources:
        v = _number(household.get(name))
        if v is None:
            missing.append(f"household.{name}")
        else:
            amounts.append(v)
    for name in standard.income_costs:
        v = _number(household.get(name))
        if v is None:
            missing.append(f"household.{name}")
        else:
            amounts.append(-v)
    n = len(household.members)
    if n == 0:
        missing.append("members")
    if missing:
        return None, n, missing
    return math.fsum(amounts), n, []


def _at_most(total: float, members: int, amount: int) -> bool:
    """Income per person per month ≤ `amount`, decided on the total: no division, no rounding."""
    return total <= amount * members * 12


def _position_by_income(total: float, members: int, lines: AreaLines, scheme: str) -> IncomePosition:
    if scheme == "two_band" and lines.lower_line is not None and _at_most(total, members, lines.lower_line):
        return IncomePosition.AT_OR_BELOW_LOWER
    if _at_most(total, members, lines.poverty_line):
        return IncomePosition.AT_OR_BELOW_LINE
    if _at_most(total, members, lines.average_band_max):
        return IncomePosition.AVERAGE_BAND
    return IncomePosition.ABOVE_BAND


def _measured(route: IncomeRoute, position: IncomePosition, total: float, members: int, lines: AreaLines,
              **b1: Any) -> IncomeResult:
    return IncomeResult(route, position, line=lines.poverty_line, band_max=lines.average_band_max,
                        per_person_month=total / members / 12, total_12m=total, members=members,
                        compared_with=lines.compared, **b1)


def assess_income(household: Household, standard: Standard, area: Area,
                  point_table: PointTable | None = None) -> IncomeResult:
    lines = standard.lines[area]
    route = pick_route(household, standard)
    if route is IncomeRoute.DIRECT:
        total, members, missing = direct_income(household, standard)
        if total is not None:
            return _measured(route, _position_by_income(total, members, lines, standard.scheme), total, members,
                             lines)
    common = {"line": lines.poverty_line, "band_max": lines.average_band_max}
    if route is None:
        return IncomeResult(None, IncomePosition.UNKNOWN, missing=("household.income_route",), **common)
    if route is IncomeRoute.DIRECT:
        return IncomeResult(route, IncomePosition.UNKNOWN, missing=tuple(missing), **common)

    threshold = standard.b1_threshold.get(area)
    if threshold is None:
        return IncomeResult(route, IncomePosition.UNKNOWN, missing=(
            f"standard {standard.id} has no B1 threshold: use direct income",), **common)
    table_id, synthetic = None, False
    if route is IncomeRoute.B1_MANUAL:
        score = _number(household.get("b1_score_manual"))
        missing = [] if score is not None else ["household.b1_score_manual"]
    else:
        if point_table is None:
            return IncomeResult(route, IncomePosition.UNKNOWN, b1_threshold=threshold,
                                missing=("B1 point table (supplied by the province)",), **common)
        score, missing = point_table.score(household, area)
        table_id, synthetic = point_table.id, point_table.synthetic
    lower = standard.b1_lower_threshold.get(area)
    extra = {"b1_threshold": threshold, "manual": route is IncomeRoute.B1_MANUAL, "point_table": table_id,
             "point_table_synthetic": synthetic,
             "b1_compared_with": (threshold,) if lower is None or standard.scheme != "two_band" else (lower, threshold)}
    if score is None:
        return IncomeResult(route, IncomePosition.UNKNOWN, missing=tuple(missing), **extra, **common)
    if standard.scheme == "two_band" and lower is not None and score <= lower:
        position = IncomePosition.AT_OR_BELOW_LOWER
    elif score <= threshold:
        position = IncomePosition.AT_OR_BELOW_LINE
    else:
        position = IncomePosition.ABOVE_LINE
    # An above-line B1 household may also have its direct income measured, to place it in the average band.
    if position is IncomePosition.ABOVE_LINE and any(household.get(s) is not None for s in standard.income_sources):
        total, members, _ = direct_income(household, standard)
        if total is not None:
            band = _position_by_income(total, members, lines, standard.scheme)
            if band in (IncomePosition.AVERAGE_BAND, IncomePosition.ABOVE_BAND):
                position = band
            return _measured(route, position, total, members, lines, b1_score=score, **extra)
    return IncomeResult(route, position, b1_score=score, **extra, **common)
