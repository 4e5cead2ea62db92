"""The deprivation rules. A standard file names a rule kind for each indicator and gives its parameters (ages,
areas, accepted answers); the rule reads the household's answers and says deprived / not deprived / unknown with a
one-line reason naming the member and the fact.

Unknown is returned only when a missing answer could change the result; the missing answers are listed as
`household.<answer>` or `members.<member_id>.<answer>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import date
from typing import Any, Callable, Mapping

from fieldsurvey.domain.document import Household, Member, age_at
from fieldsurvey.domain.results import Choice, IndicatorResult, Message, Status
from fieldsurvey.errors import StandardError
from fieldsurvey.i18n import has

# The Vietnamese education ladder, lowest first (used to compare "finished at least …").
EDUCATION_ORDER = ("none", "preschool", "primary", "lower_secondary", "upper_secondary", "vocational", "college",
                   "university")
_LEVEL_RANK = {name: i for i, name in enumerate(EDUCATION_ORDER)}
YES, NO = "yes", "no"
# Module-level aliases: an Enum member looked up on its class is slow in the hot loop.
DEPRIVED, NOT_DEPRIVED, UNKNOWN = Status.DEPRIVED, Status.NOT_DEPRIVED, Status.UNKNOWN


_YES_NO: dict[Any, str] = {YES: YES, NO: NO, True: YES, False: NO}  # 1 and 0 (and 1.0, 0.0) hash as True/False


def yes_no(value: Any) -> str | None:
    """Answers to yes/no questions: 'yes'/'no' (XLSForm), JSON true/false, 1/0. Anything else is unknown."""
    try:
        return _YES_NO.get(value)
    except TypeError:  # a list or an object: not a yes/no answer
        return None


@dataclass(slots=True)
class Context:
    """One household prepared for the rules: each member with its answers and its age, computed once."""

    household: Household
    on: date
    people: list[tuple[Member, Mapping[str, Any], int | None]]

    @classmethod
    def of(cls, household: Household) -> "Context":
        on = household.reference_date
        return cls(household, on, [(m, m.answers, age_at(m, on)) for m in household.members])


def _mfield(member: Member, answer: str) -> str:
    return f"members.{member.member_id}.{answer}"


def _birth(member: Member) -> str:
    return _mfield(member, "birth_date")


# Each rule returns (status, reason key suffix, reason values, missing, member ids)
RuleOutput = tuple[Status, str, dict[str, Any], list[str], list[str]]


def _member_outcome(deprived: list[tuple[Member, dict]], unknown_missing: list[str], eligible: int,
                    ok_values: dict[str, Any] | None = None) -> RuleOutput:
    if deprived:
        first, values = deprived[0]
        values = {"name": first.name, "more": len(deprived) - 1, **values}
        suffix = "deprived_many" if len(deprived) > 1 else "deprived"
        return DEPRIVED, suffix, values, [], [m.member_id for m, _ in deprived]
    if unknown_missing:
        return UNKNOWN, "unknown", {"count": len(unknown_missing)}, unknown_missing, []
    if eligible == 0:
        return NOT_DEPRIVED, "none_eligible", dict(ok_values or {}), [], []
    return NOT_DEPRIVED, "not_deprived", {"count": eligible, **(ok_values or {})}, [], []


def rule_member_flag(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    """Deprived when a member in the age range answers `answer` with `deprived_value` (nutrition, insurance…)."""
    answer, bad = p["answer"], p["deprived_value"]
    lo, hi = p.get("age_from", 0), p.get("age_below", 999)
    deprived, missing, eligible = [], [], 0
    two_way = bad in (YES, NO)
    for m, a, age in ctx.people:
        value = yes_no(a.get(answer)) if two_way else a.get(answer)
        if age is None:
            if value is None or value == bad:
                missing.append(_birth(m))
            continue
        if not lo <= age < hi:
            continue
        eligible += 1
        if value is None:
            missing.append(_mfield(m, answer))
        elif value == bad:
            deprived.append((m, {"age": age}))
    return _member_outcome(deprived, missing, eligible, {"age_from": lo, "age_below": hi})


def rule_employment(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    """Deprived when a working-age member is unemployed or works for wages without a labour contract."""
    bad = p["_bad"]
    lo = p["working_age_min"]
    deprived, missing, eligible = [], [], 0
    for m, a, age in ctx.people:
        job = a.get("employment")
        sex = a.get("sex")
        top = (p["retirement_age_male"] if sex == "male" else p["retirement_age_female"] if sex == "female"
               else max(p["retirement_age_male"], p["retirement_age_female"]))
        if age is None:
            if job is None or job in bad:
                missing.append(_birth(m))
            continue
        if not lo <= age < top:
            continue
        eligible += 1
        if job is None:
            missing.append(_mfield(m, "employment"))
        elif job in bad:
            deprived.append((m, {"age": age, "job": Choice("employment", job)}))
    return _member_outcome(deprived, missing, eligible, {"age_from": lo})


def _is_dependant(m: Member, a: Mapping[str, Any], age: int | None,
                  p: Mapping[str, Any]) -> tuple[bool | None, list[str]]:
    if age is not None and (age < p["child_under"] or age >= p["elderly_from"]):
        return True, []
    able = yes_no(a.get("able_to_work"))
    if able == NO or yes_no(a.get("disability")) == YES or yes_no(a.get("monthly_social_allowance")) == YES:
        return True, []
    if age is not None and able == YES:
        return False, []
    missing = []
    if age is None:
        missing.append(_birth(m))
    if able is None:
        missing.append(_mfield(m, "able_to_work"))
    return (None, missing) if missing else (False, [])


def rule_dependants(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    """Deprived when dependants (children, elderly, disabled, on monthly allowance, unable to work) are more
    than `max_share` of the members. Exactly half is not deprived."""
    members = ctx.household.members
    n = len(members)
    if n == 0:
        return UNKNOWN, "unknown", {"count": 1}, ["members"], []
    certain, unsure, missing, ids = 0, 0, [], []
    for m, a, age in ctx.people:
        dep, miss = _is_dependant(m, a, age, p)
        if dep:
            certain += 1
            ids.append(m.member_id)
        elif dep is None:
            unsure += 1
            missing += miss
    limit = p["max_share"] * n
    values = {"dependants": certain, "members": n}
    if certain > limit:
        return DEPRIVED, "deprived", values, [], ids
    if certain + unsure <= limit:
        return NOT_DEPRIVED, "not_deprived", values, [], []
    return UNKNOWN, "unknown", {"count": len(missing)}, missing, []


def _level_rank(value: Any) -> int | None:
    return _LEVEL_RANK.get(value) if isinstance(value, str) else None


def rule_adult_education(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    """Deprived when a member in an age band is not studying and has not reached the band's level."""
    deprived, missing, eligible = [], [], 0
    bands = p["bands"]
    first, last = p["_first"], p["_last"]
    for m, a, age in ctx.people:
        if age is None:
            missing.append(_birth(m))
            continue
        if not first <= age < last:
            continue
        for band in bands:
            if band["age_from"] <= age < band["age_below"]:
                break
        else:
            continue
        eligible += 1
        if p.get("attending_counts", True) and yes_no(a.get("attending_school")) == YES:
            continue
        if p.get("onjob_training_counts", False) and yes_no(a.get("onjob_training_certified")) == YES:
            continue
        if band.get("vocational_counts", False) and yes_no(a.get("vocational_certificate")) == YES:
            continue
        rank = _level_rank(a.get("education"))
        if rank is None:
            missing.append(_mfield(m, "education"))
        elif rank < _LEVEL_RANK[band["min_level"]]:
            deprived.append((m, {"age": age, "level": Choice("education", a.get("education")),
                                 "min_level": Choice("education", band["min_level"])}))
    return _member_outcome(deprived, missing, eligible, {"age_from": first, "age_to": last - 1})


def rule_child_schooling(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    """Deprived when a child in the age range does not attend school, or attends a level below the lowest
    level right for the age (min_level_by_age: [[age, level], …])."""
    lo, hi = p["age_from"], p["age_below"]
    ladder = p["_ladder"]
    deprived, missing, eligible = [], [], 0
    for m, a, age in ctx.people:
        if age is None:
            missing.append(_birth(m))
            continue
        if not lo <= age < hi:
            continue
        eligible += 1
        attending = yes_no(a.get("attending_school"))
        if attending is None:
            missing.append(_mfield(m, "attending_school"))
        elif attending == NO:
            deprived.append((m, {"age": age, "detail": Message("detail.not_attending")}))
        else:
            need = None
            for from_age, level in ladder:
                if age >= from_age:
                    need = level
            rank = _level_rank(a.get("school_level"))
            if need is not None and rank is not None and rank < _LEVEL_RANK[need]:
                deprived.append((m, {"age": age, "detail": Message(
                    "detail.behind", {"level": Choice("education", a.get("school_level"))})}))
    return _member_outcome(deprived, missing, eligible, {"age_from": lo, "age_to": hi - 1})


def rule_housing_quality(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    hh = ctx.household.answers
    has_house = yes_no(hh.get("has_house"))
    if has_house == NO:
        return DEPRIVED, "no_house", {}, [], []
    parts = p["parts"]
    weak, unsure = [], []
    for part in parts:
        v = yes_no(hh.get(part))
        if v == NO:
            weak.append(part)
        elif v is None:
            unsure.append(part)
    if has_house is None and len(unsure) == len(parts):
        return UNKNOWN, "unknown", {"count": 1}, ["household.has_house"], []
    need = p["min_non_durable"]
    values = {"weak": len(weak), "parts": len(parts), "need": need}
    if len(weak) >= need:
        return DEPRIVED, "deprived", values, [], []
    if len(weak) + len(unsure) < need:
        return NOT_DEPRIVED, "not_deprived", values, [], []
    return UNKNOWN, "unknown", {"count": len(unsure)}, [f"household.{u}" for u in unsure], []


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return None
    return None


def rule_housing_area(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    hh = ctx.household
    if yes_no(hh.get("has_house")) == NO:
        return DEPRIVED, "no_house", {}, [], []
    area = _number(hh.get("floor_area"))
    n = len(hh.members)
    if area is None or n == 0:
        return UNKNOWN, "unknown", {"count": 1}, ["household.floor_area" if area is None else "members"], []
    per = area / n
    values = {"per_person": per, "area": area, "members": n, "min": p["min_m2_per_person"]}
    if per < p["min_m2_per_person"]:
        return DEPRIVED, "deprived", values, [], []
    return NOT_DEPRIVED, "not_deprived", values, [], []


def rule_household_choice(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    value = ctx.household.get(p["answer"])
    if value is None or value == "":
        return UNKNOWN, "unknown", {"count": 1}, [f"household.{p['answer']}"], []
    if value in p["ok_values"]:
        return NOT_DEPRIVED, "not_deprived", {"value": Choice(p["answer"], value)}, [], []
    return DEPRIVED, "deprived", {"value": Choice(p["answer"], value)}, [], []


def _choices(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return None


def rule_household_any_of(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    chosen = _choices(ctx.household.get(p["answer"]))
    if chosen is None:
        return UNKNOWN, "unknown", {"count": 1}, [f"household.{p['answer']}"], []
    have = [c for c in chosen if c in p["ok_values"]]
    if have:
        return NOT_DEPRIVED, "not_deprived", {"value": Choice(p["answer"], have[0])}, [], []
    return DEPRIVED, "deprived", {}, [], []


def rule_no_member(ctx: Context, p: Mapping[str, Any]) -> RuleOutput:
    """Deprived when no member does something (uses the internet, uses digital services)."""
    members = ctx.household.members
    if not members:
        return UNKNOWN, "unknown", {"count": 1}, ["members"], []
    missing = []
    answer = p["answer"]
    for m, a, _ in ctx.people:
        v = yes_no(a.get(answer))
        if v == YES:
            return NOT_DEPRIVED, "not_deprived", {"name": m.name}, [], []
        if v is None:
            missing.append(_mfield(m, answer))
    if missing:
        return UNKNOWN, "unknown", {"count": len(missing)}, missing, []
    return DEPRIVED, "deprived", {"members": len(members)}, [], []


RULES: dict[str, Callable[[Context, Mapping[str, Any]], RuleOutput]] = {
    "member_flag": rule_member_flag,
    "employment": rule_employment,
    "dependants": rule_dependants,
    "adult_education": rule_adult_education,
    "child_schooling": rule_child_schooling,
    "housing_quality": rule_housing_quality,
    "housing_area": rule_housing_area,
    "household_choice": rule_household_choice,
    "household_any_of": rule_household_any_of,
    "no_member": rule_no_member,
}

REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {
    "member_flag": ("answer", "deprived_value"),
    "employment": ("working_age_min", "retirement_age_male", "retirement_age_female", "deprived_employment"),
    "dependants": ("child_under", "elderly_from", "max_share"),
    "adult_education": ("bands",),
    "child_schooling": ("age_from", "age_below"),
    "housing_quality": ("parts", "min_non_durable"),
    "housing_area": ("min_m2_per_person",),
    "household_choice": ("answer", "ok_values"),
    "household_any_of": ("answer", "ok_values"),
    "no_member": ("answer", "yes_value"),
}


_WHOLE_NUMBER_PARAMS = {"age_from", "age_below", "retirement_age_male", "retirement_age_female", "child_under",
                        "elderly_from", "working_age_min", "min_non_durable"}


def check_params(indicator: Any, source: str) -> None:
    """Refuse an indicator whose parameters its rule cannot use, naming the file and key."""
    where = f"{source}: indicators[{indicator.id}].params"
    for key in REQUIRED_PARAMS[indicator.rule]:
        if key not in indicator.params:
            raise StandardError("standards.error.param_missing", f"{where}.{key}", rule=indicator.rule, name=key)
    for key, value in indicator.params.items():
        if key in _WHOLE_NUMBER_PARAMS:
            if isinstance(value, bool) or not isinstance(value, int):
                raise StandardError("standards.error.not_whole_number", f"{where}.{key}", found=repr(value))
        if key in ("max_share", "min_m2_per_person") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise StandardError("standards.error.not_a_number", f"{where}.{key}", found=repr(value))
    if indicator.rule == "adult_education":
        for i, band in enumerate(indicator.params["bands"]):
            if not isinstance(band, dict) or not {"age_from", "age_below", "min_level"} <= set(band):
                raise StandardError("standards.error.band_shape", f"{where}.bands[{i}]")
            if band["min_level"] not in _LEVEL_RANK:
                raise StandardError("standards.error.unknown_level", f"{where}.bands[{i}].min_level",
                                    level=band["min_level"], known=", ".join(EDUCATION_ORDER))
    if indicator.rule == "child_schooling":
        for i, pair in enumerate(indicator.params.get("min_level_by_age", [])):
            if not (isinstance(pair, list) and len(pair) == 2 and pair[1] in _LEVEL_RANK):
                raise StandardError("standards.error.ladder_entry", f"{where}.min_level_by_age[{i}]",
                                    known=", ".join(EDUCATION_ORDER))


def prepare_params(rule: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """A rule's parameters with what the rule derives from them worked out once (per standard, not per
    household): the employment kinds as a set, the education bands' age span, the school ladder in order."""
    p = dict(params)
    if rule == "employment":
        p["_bad"] = frozenset(params["deprived_employment"])
    elif rule == "adult_education":
        p["_first"] = min(b["age_from"] for b in params["bands"])
        p["_last"] = max(b["age_below"] for b in params["bands"])
    elif rule == "child_schooling":
        p["_ladder"] = sorted(params.get("min_level_by_age", []))
    return p


_tuple_new = tuple.__new__  # IndicatorResult and Message are NamedTuples: made without their Python-level __new__
_plans: dict[int, tuple[Any, tuple]] = {}


def _plan(standard: Any) -> tuple:
    """What evaluating a standard's indicators needs, looked up once per standard rather than once per household:
    (rule, params, number, id, name_vi, name_en, provisional, rule name, reason keys by suffix) per indicator."""
    entry = _plans.get(id(standard))
    if entry is None or entry[0] is not standard:
        if len(_plans) > 64:
            _plans.clear()
        entry = (standard, tuple((RULES[i.rule], prepare_params(i.rule, i.params), i.number, i.id, i.name_vi,
                                  i.name_en, i.provisional, i.rule, {}) for i in standard.indicators))
        _plans[id(standard)] = entry
    return entry[1]


def evaluate_all(ctx: Context, standard: Any) -> tuple[IndicatorResult, ...]:
    """Every indicator of the standard, in order (the same results as `evaluate_indicator` one by one)."""
    out = []
    for rule, params, number, ind_id, name_vi, name_en, provisional, rule_name, keys in _plan(standard):
        status, suffix, values, missing, ids = rule(ctx, params)
        key = keys.get(suffix)
        if key is None:
            key = keys[suffix] = _reason_key(ind_id, rule_name, suffix)
        out.append(_tuple_new(IndicatorResult, (number, ind_id, name_vi, name_en, status,
                                                _tuple_new(Message, (key, values)), tuple(missing), tuple(ids),
                                                provisional)))
    return tuple(out)


def evaluate_indicator(ctx: Context, indicator: Any) -> IndicatorResult:
    status, suffix, values, missing, ids = RULES[indicator.rule](ctx, prepare_params(indicator.rule,
                                                                                    indicator.params))
    return IndicatorResult(indicator.number, indicator.id, indicator.name_vi, indicator.name_en, status,
                           Message(_reason_key(indicator.id, indicator.rule, suffix), values), tuple(missing),
                           tuple(ids), indicator.provisional)


@cache
def _reason_key(indicator_id: str, rule: str, suffix: str) -> str:
    key = f"reason.{indicator_id}.{suffix}"
    if has(key):
        return key
    return f"reason.rule.{rule}.{suffix}"  # an indicator a local standard added: the rule's generic wording
