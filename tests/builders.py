"""Households for tests: every answer set so that nothing is deprived, unless a test says otherwise.

Ages are exact: a member of `age` was born exactly `age` years before the interview date REF.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fieldsurvey.domain.document import Household, parse_household

REF = date(2026, 10, 1)


def born(age: int, days_later: int = 0) -> str:
    """Birth date of someone exactly `age` on REF (`days_later` > 0 makes them that many days younger)."""
    return (REF.replace(year=REF.year - age) + timedelta(days=days_later)).isoformat()


def adult(age: int = 35, sex: str = "male", **answers: Any) -> dict[str, Any]:
    m = {"name": answers.pop("name", f"Người {age}"), "sex": sex, "birth_date": born(age), "relationship": "other",
         "health_insurance": "yes", "employment": "wage_contract", "able_to_work": "yes",
         "education": "upper_secondary", "internet_use": "yes", "digital_services": "yes"}
    m.update(answers)
    return m


def child(age: int, **answers: Any) -> dict[str, Any]:
    level = "preschool" if age < 6 else "primary" if age < 11 else "lower_secondary" if age < 15 else "upper_secondary"
    m = {"name": answers.pop("name", f"Cháu {age}"), "sex": "female", "birth_date": born(age),
         "relationship": "child", "health_insurance": "yes", "stunted_or_underweight": "no",
         "internet_use": "no", "digital_services": "no"}
    if age >= 3:
        m.update(attending_school="yes", school_level=level)
    if age >= 15:
        m.update(education="lower_secondary", employment="student", able_to_work="yes")
    m.update(answers)
    return m


def household_doc(members: list[dict[str, Any]] | None = None, *, area: str = "rural", year: int = 2026,
                  per_person: float | None = 5_000_000, **answers: Any) -> dict[str, Any]:
    members = members if members is not None else [adult(40, relationship="head"), adult(38, "female")]
    n = len(members) or 1
    hh: dict[str, Any] = {
        "livelihood_agriculture": "no",
        "has_house": "yes", "wall_durable": "yes", "column_durable": "yes", "roof_durable": "yes",
        "floor_area": 20 * n, "water_source": "piped", "latrine": "septic", "info_devices": ["tv"],
        "waste_handling": "collected",
    }
    if per_person is not None:
        hh.update(income_route="direct", income_wages=per_person * n * 12, income_agriculture=0,
                  income_business=0, income_other=0, production_costs=0)
    hh.update(answers)
    hh = {k: v for k, v in hh.items() if v is not None}
    ref = REF.replace(year=year)
    return {"uuid": "00000000-0000-4000-8000-000000000001", "review": {"year": year},
            "location": {"area": area, "commune_code": "02266", "village": "Thôn 1"},
            "interview_date": ref.isoformat(), "household": hh,
            "members": [dict(m) for m in members]}


def household(members: list[dict[str, Any]] | None = None, **kw: Any) -> Household:
    return parse_household(household_doc(members, **kw))


def trust_checked(workspace, key_file, **kw):
    """Trust a public-key file as people do: its owner reads the fingerprint aloud, it is compared group by group and
    confirmed (`fieldsurvey keys trust` asks for exactly this)."""
    from fieldsurvey.services import sync as svc

    return svc.trust(workspace, key_file, svc.spoken_fingerprint(svc.read_key(key_file)), **kw)
