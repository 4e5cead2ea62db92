"""Turn one household's answers into the official classification, with the reasons a supervisor can read out at
the village meeting.

poor       ⇔ income ≤ line and deprived in ≥ 3 indicators (B1 ≤ 140/175 and B2 ≥ 30)
near-poor  ⇔ income ≤ line and deprived in < 3 indicators
average    ⇔ income in the band above the line, for households living from farming, forestry, fishery or salt
not poor   ⇔ otherwise
incomplete ⇔ a missing answer decides the result (the list of what is missing comes with it)
The 2016–2020 two-band scheme is also supported for old records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldsurvey.domain.document import Area, Household
from fieldsurvey.domain.income import IncomePosition, IncomeResult, IncomeRoute, PointTable, assess_income
from fieldsurvey.domain.indicators import DEPRIVED, NO, UNKNOWN, YES, Context, evaluate_all, yes_no
from fieldsurvey.domain.results import HouseholdClass, IndicatorResult, Message, Status
from fieldsurvey.domain.standards import Standard


@dataclass(frozen=True, slots=True)
class LowIncomeWorker:
    member_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Classification:
    household_uuid: str
    household_class: HouseholdClass
    standard_id: str
    standard_title_vi: str
    standard_title_en: str
    provisional: bool            # the standard itself is provisional (each indicator also says if its rule is)
    area: Area | None
    income: IncomeResult
    indicators: tuple[IndicatorResult, ...]
    deprivation_count: int
    unknown_count: int
    b2_score: int
    low_income_workers: tuple[LowIncomeWorker, ...]
    missing: tuple[str, ...]     # what decides an `incomplete` result
    summary: Message

    @property
    def deprived_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.indicators if i.status is Status.DEPRIVED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "household": self.household_uuid,
            "class": self.household_class.value,
            "class_label": {"vi": self.household_class.label("vi"), "en": self.household_class.label("en")},
            "summary": self.summary.both(),
            "standard": {"id": self.standard_id, "title": {"vi": self.standard_title_vi,
                                                           "en": self.standard_title_en}},
            "provisional": self.provisional,
            "area": self.area.value if self.area else None,
            "income": self.income.to_dict(),
            "deprivations": self.deprivation_count,
            "unknown_indicators": self.unknown_count,
            "b2_score": self.b2_score,
            "indicators": [i.to_dict() for i in self.indicators],
            "low_income_workers": [{"member_id": w.member_id, "name": w.name} for w in self.low_income_workers],
            "missing": list(self.missing),
        }


def _low_income_workers(household: Household, ctx: Context, standard: Standard, income: IncomeResult,
                        cls: HouseholdClass) -> tuple[LowIncomeWorker, ...]:
    """Decree 30/2025: members of working age who work, in a household that is neither poor nor near-poor, whose
    income per person is at or below the low-income line. Needs a measured (direct) income."""
    if cls not in (HouseholdClass.AVERAGE, HouseholdClass.NOT_POOR) or income.per_person_month is None:
        return ()
    area = household.area
    limit = standard.lines[area].low_income_worker_max if area else 0
    if not limit or not income.per_person_at_most(limit):
        return ()
    working = set(standard.working_employment)
    return tuple(LowIncomeWorker(m.member_id, m.name) for m, a, age, _, retired in ctx.people
                 if a.get("employment") in working and standard.working_age.includes(age, retired) is True)


def classify_household(household: Household, standard: Standard,
                       point_table: PointTable | None = None) -> Classification:
    ctx = Context.of(household, standard.working_age)
    indicators = evaluate_all(ctx, standard.plan)
    statuses = [i.status for i in indicators]
    deprived = statuses.count(DEPRIVED)
    unknown = statuses.count(UNKNOWN)
    k = standard.poor_min_deprivations
    n = len(indicators)

    area = household.area
    if area is None:
        income = IncomeResult(None, IncomePosition.UNKNOWN, missing=("location.area",))
    else:
        income = assess_income(household, standard, area, point_table)

    position = income.position
    missing: list[str] = []
    values: dict[str, Any] = {"deprived": deprived, "n": n, "k": k}
    if position is IncomePosition.UNKNOWN:
        cls, key = HouseholdClass.INCOMPLETE, "summary.income_unknown"
        missing = list(income.missing)
    elif position is IncomePosition.AT_OR_BELOW_LOWER:
        cls, key = HouseholdClass.POOR, "summary.poor_lower_line"
    elif position is IncomePosition.AT_OR_BELOW_LINE:
        if deprived >= k:
            cls, key = HouseholdClass.POOR, "summary.poor"
        elif deprived + unknown < k:
            cls, key = HouseholdClass.NEAR_POOR, "summary.near_poor"
        else:
            cls, key = HouseholdClass.INCOMPLETE, "summary.deprivations_unknown"
            missing = [m for i in indicators if i.status is UNKNOWN for m in i.missing]
            values["unknown"] = unknown
    elif position in (IncomePosition.AVERAGE_BAND, IncomePosition.ABOVE_LINE):
        farming = yes_no(household.get("livelihood_agriculture"))
        if not standard.average_requires_agriculture or farming == YES:
            if position is IncomePosition.AVERAGE_BAND:
                cls, key = HouseholdClass.AVERAGE, "summary.average"
            else:  # B1 above the line, farming household: its direct income decides average or not
                cls, key = HouseholdClass.INCOMPLETE, "summary.average_needs_income"
                missing = [f"household.{s}" for s in standard.income_sources + standard.income_costs
                           if household.get(s) is None]
        elif farming == NO:
            cls, key = HouseholdClass.NOT_POOR, "summary.not_poor_band_not_farming"
        else:
            cls, key = HouseholdClass.INCOMPLETE, "summary.livelihood_unknown"
            missing = ["household.livelihood_agriculture"]
    else:
        cls, key = HouseholdClass.NOT_POOR, "summary.not_poor"

    # the figures a person reads, rounded on the same side of every line as the exact ones the class was decided on
    if income.route in (IncomeRoute.B1_TABLE, IncomeRoute.B1_MANUAL) and income.b1_score is not None:
        values.update(score=income.shown_b1_score, threshold=income.b1_threshold)
        key += "_b1"
    elif income.per_person_month is not None:
        values.update(income=income.shown_per_person_month, line=income.line, band=income.band_max)
    values["area"] = area.value if area else ""

    return Classification(
        household_uuid=household.uuid,
        household_class=cls,
        standard_id=standard.id,
        standard_title_vi=standard.title_vi,
        standard_title_en=standard.title_en,
        provisional=standard.provisional,
        area=area,
        income=income,
        indicators=indicators,
        deprivation_count=deprived,
        unknown_count=unknown,
        b2_score=deprived * standard.b2_points_per_indicator,
        low_income_workers=_low_income_workers(household, ctx, standard, income, cls),
        missing=tuple(dict.fromkeys(missing)),
        summary=Message(key, values),
    )
