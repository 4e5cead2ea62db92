"""The commune's summary figures, computed once from the household records and shared by the PDF and the Excel
export (so the two always agree).

Counting rules (docs/reports.md):
- a household whose workspace status is `moved_away` is left out of this year's counts and counted as moved away;
- rates are per household of the unit: poverty rate = poor ÷ households; multidimensional rate = (poor + near-poor)
  ÷ households;
- movement, for poor and for near-poor: start = households whose `previous.class` was that class; remained, changed
  (poor ↔ near-poor), escaped (now average / not poor), not yet classified, moved away; end = remained + from the
  other class + fell back (last year average / not poor) + new (no `previous`: not on last year's books).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from fieldsurvey.domain.alkire_foster import AlkireFoster, alkire_foster, equal_nested_weights
from fieldsurvey.domain.movement import COLUMNS as MOVEMENT_COLUMNS
from fieldsurvey.domain.movement import NEAR as MOVE_NEAR
from fieldsurvey.domain.movement import POOR as MOVE_POOR
from fieldsurvey.domain.movement import Link
from fieldsurvey.domain.movement import steps as movement_steps
from fieldsurvey.domain.results import HouseholdClass, Status
from fieldsurvey.domain.standards import Standard
from fieldsurvey.reports.records import HouseholdRecord, is_minority

POOR = HouseholdClass.POOR
NEAR = HouseholdClass.NEAR_POOR
CLASS_ORDER = (POOR, NEAR, HouseholdClass.AVERAGE, HouseholdClass.NOT_POOR, HouseholdClass.INCOMPLETE)
CAUSES = ("lack_of_land", "lack_of_capital", "lack_of_labour", "lack_of_tools", "lack_of_knowhow", "lack_of_skills",
          "illness", "other")
AF_K = 1 / 3


@dataclass
class UnitResults:
    """One row of the results table (a village, or the commune)."""

    name: str
    households: int = 0
    reviewed: int = 0                 # interviewed (an interview date is recorded)
    classes: Counter = field(default_factory=Counter)
    low_income_workers: int = 0       # members (Decree 30/2025)
    members: int = 0

    @property
    def poor(self) -> int:
        return self.classes[POOR]

    @property
    def near_poor(self) -> int:
        return self.classes[NEAR]

    @property
    def average(self) -> int:
        return self.classes[HouseholdClass.AVERAGE]

    @property
    def poverty_rate(self) -> float:
        return 100.0 * self.poor / self.households if self.households else 0.0

    @property
    def near_poverty_rate(self) -> float:
        return 100.0 * self.near_poor / self.households if self.households else 0.0

    @property
    def multidimensional_rate(self) -> float:
        return 100.0 * (self.poor + self.near_poor) / self.households if self.households else 0.0

    def add(self, rec: HouseholdRecord) -> None:
        self.households += 1
        self.reviewed += rec.interviewed
        self.classes[rec.cls] += 1
        self.low_income_workers += len(rec.result.low_income_workers)
        self.members += len(rec.household.members)




@dataclass
class Movement:
    """Start → end of the year for one class in one unit."""

    name: str
    values: Counter = field(default_factory=Counter)

    def row(self) -> list[int]:
        return [self.values[c] for c in MOVEMENT_COLUMNS]


@dataclass
class CommuneFigures:
    villages: list[UnitResults]
    commune: UnitResults
    movement: dict[HouseholdClass, list[Movement]]        # per class: villages then the commune
    has_previous: bool                                     # any household carries last year's result
    moved_away: int
    indicators: list[tuple[int, str, str, str]]            # (number, id, name_vi, name_en) in the official order
    deprivations: dict[HouseholdClass, Counter]            # class → indicator id → households deprived
    village_deprivations: dict[HouseholdClass, dict[str, Counter]]   # class → village → indicator id → households
    targets: dict[HouseholdClass, Counter]                 # class → target group → households
    ethnicity: dict[HouseholdClass, Counter]               # class → head's ethnicity → households
    causes: dict[HouseholdClass, Counter]                  # class → cause code → households
    children: dict[HouseholdClass, Counter]                # class → child deprivation → children
    af: AlkireFoster
    af_weights: dict[str, float]

    def class_count(self, cls: HouseholdClass) -> int:
        return self.commune.classes[cls]


TARGET_GROUPS = ("no_labour", "merit", "minority", "elderly_alone", "female_head")
CHILD_ITEMS = ("children", "no_insurance", "malnourished", "out_of_school")


def _targets(rec: HouseholdRecord) -> list[str]:
    hh = rec.household
    on = hh.reference_date
    out = []
    from fieldsurvey.domain.document import age_at

    ages = [age_at(m, on) for m in hh.members]
    if hh.members and not any(m.get("able_to_work") == "yes" for m in hh.members):
        out.append("no_labour")
    if hh.get("merit_revolution") in ("yes", True):
        out.append("merit")
    head = rec.head
    if head is not None and is_minority(head.get("ethnicity")):
        out.append("minority")
    if hh.members and all(a is not None and a >= 60 for a in ages):
        out.append("elderly_alone")
    if head is not None and head.get("sex") == "female":
        out.append("female_head")
    return out


def _children(rec: HouseholdRecord) -> Counter:
    from fieldsurvey.domain.document import age_at

    hh = rec.household
    on = hh.reference_date
    c: Counter = Counter()
    for m in hh.members:
        a = age_at(m, on)
        if a is None or a >= 16:
            continue
        c["children"] += 1
        if a >= 6 and m.get("health_insurance") in ("no", False):
            c["no_insurance"] += 1
        if m.get("stunted_or_underweight") in ("yes", True):
            c["malnourished"] += 1
        if a >= 3 and m.get("attending_school") in ("no", False):
            c["out_of_school"] += 1
    return c


def _causes(rec: HouseholdRecord) -> list[str]:
    raw = rec.household.get("poverty_causes")
    if isinstance(raw, str):
        raw = raw.split()
    if not isinstance(raw, list):
        return []
    return [c if c in CAUSES else "other" for c in dict.fromkeys(raw)]


def compute(records: Iterable[HouseholdRecord], villages: Sequence[str], standard: Standard,
            commune_name: str = "") -> CommuneFigures:
    """Every table of the commune summary, in one pass over the records."""
    names = list(villages)
    units = {v: UnitResults(v) for v in names}
    commune = UnitResults(commune_name)
    move = {cls: {v: Movement(v) for v in names} for cls in (POOR, NEAR)}
    move_total = {cls: Movement(commune_name) for cls in (POOR, NEAR)}
    deprivations = {POOR: Counter(), NEAR: Counter()}
    by_village: dict = {POOR: {}, NEAR: {}}
    targets = {POOR: Counter(), NEAR: Counter()}
    ethnicity = {POOR: Counter(), NEAR: Counter()}
    causes = {POOR: Counter(), NEAR: Counter()}
    children = {POOR: Counter(), NEAR: Counter()}
    af_rows: list = []
    has_previous = False
    moved = 0

    for rec in records:
        village = rec.village
        if village not in units:
            units[village] = UnitResults(village)
            names.append(village)
            for cls in (POOR, NEAR):
                move[cls][village] = Movement(village)
        prev = rec.previous
        has_previous = has_previous or prev is not None
        prev_cls = prev.household_class if prev else None
        now = rec.cls
        # movement (for every household, moved-away ones too), by the domain's rule (fieldsurvey.domain.movement)
        moves = movement_steps(Link(prev is not None, prev_cls, now.value, rec.moved_away, village))
        for cls, key in ((POOR, MOVE_POOR), (NEAR, MOVE_NEAR)):
            for s in moves[key]:
                move[cls][village].values[s] += 1
                move_total[cls].values[s] += 1
        if rec.moved_away:
            moved += 1
            continue
        units[village].add(rec)
        commune.add(rec)
        af_rows.append(rec.result.indicators)
        if now in (POOR, NEAR):
            here = by_village[now].setdefault(village, Counter())
            for ind in rec.result.indicators:
                if ind.status is Status.DEPRIVED:
                    deprivations[now][ind.id] += 1
                    here[ind.id] += 1
            targets[now].update(_targets(rec))
            head = rec.head
            ethnicity[now][(head.get("ethnicity") if head else None) or "?"] += 1
            causes[now].update(_causes(rec))
            children[now].update(_children(rec))

    weights = equal_nested_weights([(i.id, i.dimension) for i in standard.indicators])
    return CommuneFigures(
        villages=[units[v] for v in names],
        commune=commune,
        movement={cls: [move[cls][v] for v in names] + [move_total[cls]] for cls in (POOR, NEAR)},
        has_previous=has_previous,
        moved_away=moved,
        indicators=[(i.number, i.id, i.name_vi, i.name_en) for i in standard.indicators],
        deprivations=deprivations,
        village_deprivations={cls: {v: by_village[cls].get(v, Counter()) for v in names} for cls in (POOR, NEAR)},
        targets=targets, ethnicity=ethnicity, causes=causes, children=children,
        af=alkire_foster(af_rows, weights, AF_K),
        af_weights=weights,
    )


def minority_units(records: Iterable[HouseholdRecord], villages: Sequence[str]) -> tuple[dict[str, UnitResults],
                                                                                          UnitResults]:
    """The results table again for the households whose head belongs to an ethnic minority (DTTS), per village and
    for the commune: the report's minority sub-columns. Counts who `compute` counts (not the households that moved
    away) — a reader beside `compute`, to follow the commune's one count when it comes."""
    units = {v: UnitResults(v) for v in villages}
    commune = UnitResults("")
    for rec in records:
        if rec.moved_away:
            continue
        head = rec.head
        if head is None or not is_minority(head.get("ethnicity")):
            continue
        units.setdefault(rec.village, UnitResults(rec.village)).add(rec)
        commune.add(rec)
    return units, commune
