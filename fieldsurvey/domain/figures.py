"""The commune's figures: who is counted, and one function that counts them — the dashboard, the printed summary,
the Excel workbook, the village lists, the certificates and the movement table all take their numbers from here.

Who is counted (docs/reports.md, "Who is counted"):
- a household of this review's list that lives in the commune (never one merged into another as a duplicate, never
  one that moved away — that one counts only in the movement tables, as moved away);
- in a class only when its questionnaire is finished (complete, handed in, confirmed or approved) — or, for the
  official figures, only when it is approved; drafts and households sent back are shown apart, never in a class;
- a finished household its answers cannot classify yet ("incomplete") is shown apart too.

Rates are per household of the unit: poverty rate = poor ÷ the unit's resident households (the number the supervisor
entered for each village, e.g. from the population register); multidimensional rate = (poor + near-poor) ÷ the
same. The minority rows (households whose head is of an ethnic minority) have their own denominator: the unit's
ethnic-minority resident households, entered beside the resident households. Where a village's number is missing
(or is 0) the rate is unknown (None), never the documents' count; the commune's number is the sum of its villages'
when every village has one.

Movement, for poor and for near-poor (a household's earlier years come from the carry-forward's `previous`):
- start: last year's class was this class; of these: remained, to the other class, escaped (now average or not
  poor), not decided yet (not finished, not approved for the official figures, or not classifiable), moved away;
- end: remained + from the other class + fell back + new, where fell back (tái nghèo / tái cận nghèo) is a household
  not poor or near-poor last year that was poor or near-poor in an earlier year on record, and new (phát sinh) one
  that was neither in any year on record (or is not on last year's books at all).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Iterable, Mapping, Sequence

from fieldsurvey.domain.alkire_foster import AlkireFoster, alkire_foster, equal_nested_weights
from fieldsurvey.domain.document import Household, age_at
from fieldsurvey.domain.lifecycle import FINISHED, IN_PROGRESS, OFFICIAL, HouseholdStatus
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.domain.standards import Standard
from fieldsurvey.i18n import fold

POOR = HouseholdClass.POOR
NEAR = HouseholdClass.NEAR_POOR
POORISH = frozenset({POOR, NEAR})
OUT = frozenset({HouseholdClass.AVERAGE, HouseholdClass.NOT_POOR})
CLASS_ORDER = (POOR, NEAR, HouseholdClass.AVERAGE, HouseholdClass.NOT_POOR, HouseholdClass.INCOMPLETE)
MOVEMENT_COLUMNS = ("start", "remained", "to_other", "escaped", "unclassified", "moved_away", "from_other",
                    "fell_back", "new", "end")
CAUSES = ("lack_of_land", "lack_of_capital", "lack_of_labour", "lack_of_tools", "lack_of_knowhow", "lack_of_skills",
          "illness", "other")
TARGET_GROUPS = ("no_labour", "merit", "minority", "elderly_alone", "female_head")
CHILD_ITEMS = ("children", "no_insurance", "malnourished", "out_of_school")
AF_K = 1 / 3


class Scope(StrEnum):
    """Which finished households the figures count in a class."""
    WORKING = "working"     # every finished household (the supervisor's working figures)
    OFFICIAL = "official"   # approved households only (what the commune signs)


class Move(StrEnum):
    """What happened to one household between the last review and this one."""
    REMAINED_POOR = "remained_poor"
    REMAINED_NEAR = "remained_near_poor"
    POOR_TO_NEAR = "poor_to_near_poor"
    NEAR_TO_POOR = "near_poor_to_poor"
    ESCAPED = "escaped"          # thoát nghèo / thoát cận nghèo
    FELL_BACK = "fell_back"      # tái nghèo / tái cận nghèo
    NEW = "new"                  # phát sinh
    MOVED_AWAY = "moved_away"
    UNDECIDED = "unclassified"   # not decided yet (not finished / not approved / not classifiable)
    STAYED_OUT = "stayed_out"    # neither poor nor near-poor, then or now


@dataclass(frozen=True, slots=True)
class Earlier:
    """One earlier review's result of a household, as the carry-forward kept it."""
    year: int | None
    household_class: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class Details:
    """What the printed group tables need of a household beyond its class (made from its document)."""
    targets: tuple[str, ...] = ()          # TARGET_GROUPS it belongs to
    ethnicity: str = "?"                   # the head's
    causes: tuple[str, ...] = ()           # CAUSES of its poverty
    children: Mapping[str, int] = field(default_factory=dict)   # CHILD_ITEMS → children


@dataclass(frozen=True, slots=True)
class Counted:
    """One household as the count sees it: the stored facts, never reclassified here."""
    uuid: str
    village: str
    status: HouseholdStatus
    household_class: HouseholdClass | None     # the stored class (None: not classified)
    deprived: frozenset[str] = frozenset()     # indicator ids
    unknown: frozenset[str] = frozenset()
    low_income_workers: int = 0
    members: int = 0
    interviewed: bool = False
    history: tuple[Earlier, ...] = ()          # earlier reviews, newest (last year) first; () : not on the books
    details: Details | None = None


def counted_in_class(row: Counted, scope: Scope) -> bool:
    """Whether the household's class is counted (see the module's docstring)."""
    allowed = OFFICIAL if scope is Scope.OFFICIAL else FINISHED
    return (row.status in allowed and row.household_class is not None
            and row.household_class is not HouseholdClass.INCOMPLETE)


def class_now(row: Counted, scope: Scope) -> HouseholdClass | None:
    """The class the figures give the household (None: not decided yet, or not counted)."""
    return row.household_class if counted_in_class(row, scope) else None


def movement(row: Counted, scope: Scope) -> Move:
    """The one word for what happened to a household since the last review."""
    if row.status is HouseholdStatus.MOVED_AWAY:
        return Move.MOVED_AWAY
    now = class_now(row, scope)
    last = _class(row.history[0]) if row.history else None
    if last in POORISH:
        if now is None:
            return Move.UNDECIDED
        if now is last:
            return Move.REMAINED_POOR if now is POOR else Move.REMAINED_NEAR
        if now in POORISH:
            return Move.POOR_TO_NEAR if last is POOR else Move.NEAR_TO_POOR
        return Move.ESCAPED
    if now in POORISH:
        return Move.FELL_BACK if any(_class(e) in POORISH for e in row.history[1:]) else Move.NEW
    return Move.STAYED_OUT if now is not None else Move.UNDECIDED


def _class(e: Earlier) -> HouseholdClass | None:
    try:
        return HouseholdClass(e.household_class) if e.household_class else None
    except ValueError:
        return None


def movement_steps(row: Counted, scope: Scope) -> dict[HouseholdClass, list[str]]:
    """The movement columns this household counts in, for poor and for near-poor."""
    move = movement(row, scope)
    last = _class(row.history[0]) if row.history else None
    now = class_now(row, scope) if move is not Move.MOVED_AWAY else None
    out: dict[HouseholdClass, list[str]] = {POOR: [], NEAR: []}
    for cls in (POOR, NEAR):
        steps = out[cls]
        if last is cls:
            steps.append("start")
            steps.append({Move.MOVED_AWAY: "moved_away", Move.UNDECIDED: "unclassified", Move.ESCAPED: "escaped"}
                         .get(move, "remained" if now is cls else "to_other"))
        if now is cls:
            steps.append({Move.NEW: "new", Move.FELL_BACK: "fell_back"}
                         .get(move, "remained" if last is cls else "from_other"))
            steps.append("end")
    # `remained` is one column counted once
    for cls in (POOR, NEAR):
        if out[cls].count("remained") == 2:
            out[cls].remove("remained")
    return out


@dataclass
class UnitResults:
    """One row of the results table (a village, or the commune)."""
    name: str
    residents: int | None = None       # resident households of the unit, as entered (None: not entered)
    listed: int = 0                    # households of this review's list living here
    in_progress: int = 0               # drafts and households sent back: shown apart, never in a class
    waiting: int = 0                   # finished but not yet approved (the official figures show them apart)
    counted: int = 0                   # households counted in a class
    unclassified: int = 0              # finished, but their answers cannot classify them yet
    reviewed: int = 0                  # counted households interviewed (an interview date recorded)
    classes: Counter = field(default_factory=Counter)
    low_income_workers: int = 0        # members (Decree 30/2025) of counted households
    members: int = 0                   # members of counted households
    moved_away: int = 0

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
    def households(self) -> int | None:
        """The rate's denominator: the unit's resident households (None when not entered)."""
        return self.residents

    def rate(self, n: int) -> float | None:
        return 100.0 * n / self.residents if self.residents else None

    @property
    def poverty_rate(self) -> float | None:
        return self.rate(self.poor)

    @property
    def near_poverty_rate(self) -> float | None:
        return self.rate(self.near_poor)

    @property
    def multidimensional_rate(self) -> float | None:
        return self.rate(self.poor + self.near_poor)


@dataclass
class Movement:
    """Start → end of the year for one class in one unit."""
    name: str
    values: Counter = field(default_factory=Counter)

    def row(self) -> list[int]:
        return [self.values[c] for c in MOVEMENT_COLUMNS]


@dataclass
class CommuneFigures:
    scope: Scope
    villages: list[UnitResults]
    commune: UnitResults
    movement: dict[HouseholdClass, list[Movement]]        # per class: villages then the commune
    moves: Counter                                         # Move → households
    has_previous: bool                                     # any household carries last year's result
    previous_year: int | None
    moved_away: int
    residents_missing: list[str]                           # villages with no resident-household number
    minority_missing: list[str]                            # villages with no ethnic-minority resident households
    indicators: list[tuple[int, str, str, str]]            # (number, id, name_vi, name_en) in the official order
    deprivations: dict[HouseholdClass, Counter]            # class → indicator id → households deprived
    village_deprivations: dict[HouseholdClass, dict[str, Counter]]   # class → village → indicator id → households
    targets: dict[HouseholdClass, Counter]                 # class → target group → households
    ethnicity: dict[HouseholdClass, Counter]               # class → head's ethnicity → households
    causes: dict[HouseholdClass, Counter]                  # class → cause code → households
    children: dict[HouseholdClass, Counter]                # class → child deprivation → children
    minority: dict[str, UnitResults]                       # village → the same row for ethnic-minority households
                                                           # (`residents`: the village's minority residents)
    minority_commune: UnitResults                          # … and for the commune
    indicator_deprived: Counter                            # indicator id → counted households deprived in it
    indicator_known: Counter                               # indicator id → counted households it is known for
    af: AlkireFoster
    af_weights: dict[str, float]
    classes_by_household: dict[str, HouseholdClass]        # uuid → the class counted (counted households only)
    moves_by_household: dict[str, Move]                    # uuid → what happened to it
    unlisted: list[str] = field(default_factory=list)     # villages households name that are not on the list (a
                                                           # row each after the listed ones)
    merged: Counter = field(default_factory=Counter)       # village → households merged into another (duplicates:
                                                           # in no row; the list of households still shows them)

    def class_count(self, cls: HouseholdClass) -> int:
        return self.commune.classes[cls]

    def unit(self, village: str | None) -> UnitResults | None:
        """The row of one village (None: the commune's row); None when no household or listed village has that
        name."""
        if village is None:
            return self.commune
        return next((u for u in self.villages if u.name == village), None)

    def merged_in(self, village: str | None) -> int:
        """Households of a village (None: of the commune) merged into another as duplicates."""
        return sum(self.merged.values()) if village is None else self.merged[village]


def _tally(unit: UnitResults, row: Counted, scope: Scope) -> HouseholdClass | None:
    """A resident household of the list into its unit's row; its class when it is counted in one."""
    unit.listed += 1
    if row.status in IN_PROGRESS:
        unit.in_progress += 1
        return None
    if scope is Scope.OFFICIAL and row.status not in OFFICIAL:
        unit.waiting += 1
        return None
    if not counted_in_class(row, scope):
        unit.unclassified += 1
        return None
    cls = row.household_class
    unit.counted += 1
    unit.reviewed += row.interviewed
    unit.classes[cls] += 1
    unit.low_income_workers += row.low_income_workers
    unit.members += row.members
    return cls


def count(rows: Iterable[Counted], villages: Sequence[tuple[str, int | None] | tuple[str, int | None, int | None]],
          standard: Standard, commune_name: str = "", scope: Scope = Scope.WORKING) -> CommuneFigures:
    """Every figure of the commune, in one pass over its households. `villages`: (name, resident households,
    ethnic-minority resident households) in the commune's order, a number None when not entered (a pair: the
    minority number not entered); a household of a village not listed gets a row of its own after them, named in
    `unlisted` too: with no resident households, it leaves the commune's rates unknown until its households are
    put in a listed village (the village added to the list, or merged into one: services/villages.py)."""
    given = [(v[0], v[1], v[2] if len(v) > 2 else None) for v in villages]
    names = [v for v, _, _ in given]
    units = {v: UnitResults(v, residents) for v, residents, _ in given}
    # the same rows for households whose head is of an ethnic minority, over the minority resident households
    minority = {v: UnitResults(v, residents) for v, _, residents in given}
    move = {cls: {v: Movement(v) for v in names} for cls in (POOR, NEAR)}
    move_total = {cls: Movement(commune_name) for cls in (POOR, NEAR)}
    deprivations = {POOR: Counter(), NEAR: Counter()}
    by_village: dict = {POOR: {}, NEAR: {}}
    targets = {POOR: Counter(), NEAR: Counter()}
    ethnicity = {POOR: Counter(), NEAR: Counter()}
    causes = {POOR: Counter(), NEAR: Counter()}
    children = {POOR: Counter(), NEAR: Counter()}
    ids = [i.id for i in standard.indicators]
    af_rows: list[dict[str, bool | None]] = []
    ind_deprived: Counter = Counter()
    ind_known: Counter = Counter()
    moves: Counter = Counter()
    classes: dict[str, HouseholdClass] = {}
    moves_by: dict[str, Move] = {}
    merged: Counter = Counter()
    has_previous, previous_year = False, None

    for row in rows:
        if row.status is HouseholdStatus.MERGED:
            merged[row.village] += 1
            continue   # a duplicate: its household is counted once, as the one it was merged into
        village = row.village
        if village not in units:
            units[village] = UnitResults(village)
            names.append(village)
            for cls in (POOR, NEAR):
                move[cls][village] = Movement(village)
        unit = units[village]
        if row.history:
            has_previous = True
            previous_year = previous_year or row.history[0].year
        word = movement(row, scope)
        moves[word] += 1
        moves_by[row.uuid] = word
        for cls, steps in movement_steps(row, scope).items():
            move[cls][village].values.update(steps)
            move_total[cls].values.update(steps)
        if row.status is HouseholdStatus.MOVED_AWAY:
            unit.moved_away += 1
            continue
        minority_here = None
        if row.details is not None and "minority" in row.details.targets:   # head of an ethnic minority
            minority_here = minority.setdefault(village, UnitResults(village))   # (a village not listed)
        cls = None
        for u in (unit, minority_here):
            if u is not None:
                cls = _tally(u, row, scope)
        if cls is None:
            continue
        classes[row.uuid] = cls
        af_rows.append({i: None if i in row.unknown else i in row.deprived for i in ids})
        ind_deprived.update(row.deprived)
        ind_known.update(i for i in ids if i not in row.unknown)
        if cls in POORISH:
            here = by_village[cls].setdefault(village, Counter())
            for i in row.deprived:
                deprivations[cls][i] += 1
                here[i] += 1
            if row.details is not None:
                targets[cls].update(row.details.targets)
                ethnicity[cls][row.details.ethnicity or "?"] += 1
                causes[cls].update(row.details.causes)
                children[cls].update(row.details.children)

    commune = _summed(commune_name, [units[v] for v in names])
    listed = {v for v, _, _ in given}
    commune.residents = _total([units[v].residents for v in names])
    minority_rows = {v: minority.get(v) or UnitResults(v) for v in names}
    minority_commune = _summed(commune_name, list(minority_rows.values()))
    minority_commune.residents = _total([u.residents for u in minority_rows.values()])
    weights = equal_nested_weights([(i.id, i.dimension) for i in standard.indicators])
    return CommuneFigures(
        scope=scope,
        villages=[units[v] for v in names],
        commune=commune,
        movement={cls: [move[cls][v] for v in names] + [move_total[cls]] for cls in (POOR, NEAR)},
        moves=moves,
        has_previous=has_previous,
        previous_year=previous_year,
        moved_away=commune.moved_away,
        residents_missing=[v for v in names if units[v].residents is None],
        minority_missing=[v for v in names if minority_rows[v].residents is None],
        indicators=[(i.number, i.id, i.name_vi, i.name_en) for i in standard.indicators],
        deprivations=deprivations,
        village_deprivations={cls: {v: by_village[cls].get(v, Counter()) for v in names} for cls in (POOR, NEAR)},
        targets=targets, ethnicity=ethnicity, causes=causes, children=children,
        indicator_deprived=ind_deprived, indicator_known=ind_known,
        minority=minority_rows,
        minority_commune=minority_commune,
        af=alkire_foster(af_rows, weights, AF_K),
        af_weights=weights,
        classes_by_household=classes,
        moves_by_household=moves_by,
        unlisted=[v for v in names if v not in listed],
        merged=merged,
    )


def _total(numbers: Sequence[int | None]) -> int | None:
    """The commune's number: the sum of its villages', when every village has one."""
    return sum(numbers) if numbers and all(n is not None for n in numbers) else None  # type: ignore[arg-type]


def _summed(name: str, rows: Sequence[UnitResults]) -> UnitResults:
    out = UnitResults(name)
    for u in rows:
        for attr in ("listed", "in_progress", "waiting", "counted", "unclassified", "reviewed", "low_income_workers",
                     "members", "moved_away"):
            setattr(out, attr, getattr(out, attr) + getattr(u, attr))
        out.classes.update(u.classes)
    return out


def history_of(previous: object) -> tuple[Earlier, ...]:
    """A document's `previous` (the carry-forward's link) as the household's earlier results, newest first."""
    if not isinstance(previous, Mapping):
        return ()
    chain = [previous, *[e for e in previous.get("earlier") or [] if isinstance(e, Mapping)]]
    return tuple(Earlier(e.get("year") if isinstance(e.get("year"), int) else None,
                         e.get("class") if isinstance(e.get("class"), str) else None,
                         e.get("status") if isinstance(e.get("status"), str) else None) for e in chain)


def details_of(household: Household) -> Details:
    """The group-table facts of one household (target groups, the head's ethnicity, causes, children)."""
    on = household.reference_date
    members = household.members
    ages = [age_at(m, on) for m in members]
    head = household.head or (members[0] if members else None)
    targets = []
    if members and not any(m.get("able_to_work") == "yes" for m in members):
        targets.append("no_labour")
    if household.get("merit_revolution") in ("yes", True):
        targets.append("merit")
    if minority_household(household):
        targets.append("minority")
    if members and all(a is not None and a >= 60 for a in ages):
        targets.append("elderly_alone")
    if head is not None and head.get("sex") == "female":
        targets.append("female_head")
    raw = household.get("poverty_causes")
    if isinstance(raw, str):
        raw = raw.split()
    causes = tuple(c if c in CAUSES else "other" for c in dict.fromkeys(raw)) if isinstance(raw, list) else ()
    kids: Counter = Counter()
    for m, a in zip(members, ages):
        if a is None or a >= 16:
            continue
        kids["children"] += 1
        if a >= 6 and m.get("health_insurance") in ("no", False):
            kids["no_insurance"] += 1
        if m.get("stunted_or_underweight") in ("yes", True):
            kids["malnourished"] += 1
        if a >= 3 and m.get("attending_school") in ("no", False):
            kids["out_of_school"] += 1
    ethnicity = (head.get("ethnicity") if head is not None else None) or "?"
    return Details(tuple(targets), str(ethnicity), causes, dict(kids))


def minority_household(household: Household) -> bool:
    """A household of an ethnic minority (hộ dân tộc thiểu số): its head's ethnicity — or, with no head named, its
    first member's — is not Kinh."""
    members = household.members
    head = household.head or (members[0] if members else None)
    return head is not None and is_minority(head.get("ethnicity"))


def is_minority(ethnicity: object) -> bool:
    """An ethnic minority household: any ethnicity but Kinh."""
    return bool(ethnicity) and fold(str(ethnicity)) != "kinh"
