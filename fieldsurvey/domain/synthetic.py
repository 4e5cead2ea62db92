"""Synthetic households for the demo commune, the tests and the benchmarks. Deterministic for a seed.

The shape follows the seed figures in the domain notes: realistic household sizes (1–9, mean about 3.7) and ages,
roughly 4 % poor and 4 % near-poor, some average-living farm households, and a few incomplete drafts. Income and
deprivations are drawn together from a hidden tier, then the real classification engine decides the class.
"""

from __future__ import annotations

import random
import uuid as uuidlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Ma", "Lò", "Sầm", "Hà"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Công", "Thành"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Kim"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đông", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quang", "Sơn",
           "Tài", "Thắng", "Tuấn", "Việt", "Páo", "Sình", "Tú"]
GIVEN_F = ["Anh", "Bích", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Liên", "Mai", "Nga", "Nhung",
           "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Yến"]
MAJORITY = ("Kinh", "Hoa")  # not ethnic minorities for the target groups
ETHNICITIES = ["Kinh"] * 14 + ["Tày", "Thái", "Mường", "Khmer", "H'Mông", "Nùng", "Dao"]
SIZE_WEIGHTS = [(1, 8), (2, 16), (3, 22), (4, 26), (5, 14), (6, 8), (7, 4), (8, 1.5), (9, 0.5)]
DEPRIVABLE = ["employment", "nutrition", "health_insurance", "adult_education", "child_schooling",
              "housing_quality", "housing_area", "water", "latrine", "telecom", "information_devices"]


@dataclass(frozen=True)
class CommuneSpec:
    province_code: str
    commune_code: str
    commune_name: str
    area: str  # rural | urban
    villages: tuple[str, ...]


ENUMERATOR_NAMES = ("Hoàng Thị Hoa", "Lý Văn Thắng", "Nông Thị Mai", "Ma Văn Hùng", "Triệu Thị Lan", "Bế Văn Quý",
                    "La Thị Hằng", "Hà Văn Tiến")


def enumerator_name(index: int) -> str:
    """The display name of the demo's enumerator number `index` (0-based)."""
    return ENUMERATOR_NAMES[index % len(ENUMERATOR_NAMES)]


def village_names(area: str, count: int) -> tuple[str, ...]:
    word = "Thôn" if area == "rural" else "Tổ dân phố"
    return tuple(f"{word} {i}" for i in range(1, count + 1))


def _birth_year(member: dict[str, Any]) -> int:
    return member["birth_year"] if "birth_year" in member else int(member["birth_date"][:4])


class Generator:
    def __init__(self, spec: CommuneSpec, year: int, seed: int, lines: dict[str, int] | None = None,
                 size_weights: list[tuple[int, float]] | None = None):
        """`size_weights`: (household size, weight) pairs; the default gives about 3.7 members a household."""
        self.spec = spec
        self.year = year
        self.rng = random.Random(seed)
        # the standard's lines for the area: (poverty line, top of the average band)
        self.line, self.band = (lines or {}).get("line", 1_500_000), (lines or {}).get("band", 2_250_000)
        self._sizes = [s for s, _ in size_weights or SIZE_WEIGHTS]
        self._weights = [w for _, w in size_weights or SIZE_WEIGHTS]

    def _name(self, sex: str, family: str) -> str:
        r = self.rng
        middle = r.choice(MIDDLE_M if sex == "male" else MIDDLE_F)
        given = r.choice(GIVEN_M if sex == "male" else GIVEN_F)
        return f"{family} {middle} {given}"

    def _birth(self, age: int, on: date) -> dict[str, Any]:
        if self.rng.random() < 0.3:
            return {"birth_year": on.year - age}
        born = on - timedelta(days=int(age * 365.25) + self.rng.randint(1, 364))
        return {"birth_date": born.isoformat()}

    def _members(self, on: date, ethnicity: str) -> list[dict[str, Any]]:
        r = self.rng
        size = r.choices(self._sizes, self._weights)[0]
        head_sex = "male" if r.random() < 0.75 else "female"
        head_age = r.randint(22, 82) if size > 1 else r.randint(25, 90)
        family = r.choice(FAMILY)
        people = [("head", head_sex, head_age)]
        if size >= 2 and head_age < 80:
            people.append(("spouse", "female" if head_sex == "male" else "male",
                           max(18, head_age + r.randint(-6, 4))))
        while len(people) < size:
            slot = r.random()
            if slot < 0.7 and head_age >= 20:
                child_age = max(0, min(head_age - 18, r.randint(0, max(0, head_age - 18))))
                people.append(("child", r.choice(["male", "female"]), child_age))
            elif slot < 0.85 and head_age < 65:
                people.append(("parent", r.choice(["male", "female"]), head_age + r.randint(20, 32)))
            else:
                people.append(("grandchild", r.choice(["male", "female"]), r.randint(0, 12)))
        members = []
        for i, (rel, sex, age) in enumerate(people):
            m: dict[str, Any] = {
                "member_id": f"m{i + 1}",
                "name": self._name(sex, family if rel in ("head", "child", "grandchild") else r.choice(FAMILY)),
                "sex": sex,
                "relationship": rel,
                "ethnicity": ethnicity,
                **self._birth(age, on),
                "health_insurance": "yes",
                "internet_use": "yes" if 10 <= age <= 60 and r.random() < 0.8 else "no",
                "digital_services": "yes" if 16 <= age <= 55 and r.random() < 0.5 else "no",
            }
            if age >= 14:
                m["id_number"] = f"{r.randint(1, 96):03d}{r.randint(0, 1)}{age % 100:02d}{r.randint(0, 999999):06d}"
            if age < 16:
                m["stunted_or_underweight"] = "no"
            # school ages count by year of birth against the school year running on the interview date (Education
            # Law 2019 Art. 28; the standard's [school_age]: a school year starts in September)
            school_age = (on.year if on.month >= 9 else on.year - 1) - _birth_year(m)
            if 3 <= school_age < 19:
                m["attending_school"] = "yes"
                m["school_level"] = ("preschool" if school_age < 6 else "primary" if school_age < 11 else
                                     "lower_secondary" if school_age < 15 else "upper_secondary")
            elif 19 <= school_age <= 30:
                m["attending_school"] = "no"  # the questionnaire asks everyone of school age 3–30
            if 6 <= age < 15:  # highest level finished, as the questionnaire asks from age 6
                m["education"] = "none" if age < 11 else "primary"
            if age >= 15:
                m["education"] = r.choice(["primary", "lower_secondary", "upper_secondary", "upper_secondary",
                                           "vocational", "university"]) if age < 60 else r.choice(
                    ["none", "primary", "lower_secondary"])
                if age < 19 and m["education"] in ("upper_secondary", "vocational", "university"):
                    m["education"] = "lower_secondary"
            if 15 <= age < 62:
                if m.get("attending_school") == "yes":
                    m["employment"] = "student"
                else:
                    m["employment"] = r.choices(["wage_contract", "self_employed", "homemaker", "wage_no_contract"],
                                                [40, 45, 10, 5])[0]
                m["able_to_work"] = "yes"
            elif age >= 62:
                m["employment"] = "retired" if r.random() < 0.4 else "not_working"
                m["able_to_work"] = "no" if age >= 70 else "yes"
            if age >= 15 and r.random() < 0.03:
                m["disability"] = "yes"
                m["able_to_work"] = "no"
            members.append(m)
        return members

    def _deprive(self, what: str, hh: dict[str, Any], members: list[dict[str, Any]], on: date) -> None:
        r = self.rng

        def age(m: dict) -> int:
            return on.year - (m.get("birth_year") or int(m["birth_date"][:4]))

        if what == "employment":
            workers = [m for m in members if 15 <= age(m) < 60 and m.get("employment") != "student"]
            if workers:
                r.choice(workers)["employment"] = r.choice(["unemployed", "wage_no_contract"])
        elif what == "nutrition":
            kids = [m for m in members if age(m) < 15]
            if kids:
                r.choice(kids)["stunted_or_underweight"] = "yes"
        elif what == "health_insurance":
            r.choice([m for m in members if age(m) >= 7] or members)["health_insurance"] = "no"
        elif what == "adult_education":
            young = [m for m in members if 17 <= age(m) <= 29]
            if young:
                m = r.choice(young)
                m["attending_school"], m["education"] = "no", "primary"
                m.pop("school_level", None)
        elif what == "child_schooling":
            kids = [m for m in members if 4 <= age(m) < 15]
            if kids:
                m = r.choice(kids)
                m["attending_school"] = "no"
                m.pop("school_level", None)
        elif what == "housing_quality":
            hh["wall_durable"], hh["roof_durable"] = "no", "no"
        elif what == "housing_area":
            hh["floor_area"] = max(4, int(len(members) * r.uniform(3, 7.5)))
        elif what == "water":
            hh["water_source"] = r.choice(["unprotected_well", "surface_water", "unprotected_spring"])
        elif what == "latrine":
            hh["latrine"] = r.choice(["pit_no_slab", "open", "none"])
        elif what == "telecom":
            for m in members:
                m["internet_use"] = "no"
        elif what == "information_devices":
            hh["info_devices"] = []

    def household(self, index: int) -> dict[str, Any]:
        r = self.rng
        spec = self.spec
        on = date(self.year, 9, 1) + timedelta(days=r.randint(0, 60))  # September–October
        ethnicity = r.choice(ETHNICITIES)
        members = self._members(on, ethnicity)
        n = len(members)
        tier = r.random()
        farming = spec.area == "rural" and r.random() < 0.55 or r.random() < 0.05
        if tier < 0.04:      # poor
            per_person, deprive = r.uniform(0.45, 0.98) * self.line, r.randint(3, 6)
        elif tier < 0.08:    # near-poor
            per_person, deprive = r.uniform(0.6, 0.99) * self.line, r.randint(0, 1)
        elif tier < 0.16:    # just above the line: the average band
            per_person, deprive = r.uniform(self.line * 1.01, self.band), r.randint(0, 3)
        else:
            per_person, deprive = r.uniform(1.02, 4.0) * self.band, r.choices([0, 1, 2], [70, 22, 8])[0]
        total = per_person * n * 12
        costs = round(total * r.uniform(0.05, 0.25) / 1000) * 1000 if farming else 0
        gross = total + costs
        share_agri = r.uniform(0.4, 0.9) if farming else 0.0
        income = {
            "income_agriculture": round(gross * share_agri / 1000) * 1000,
            "income_wages": round(gross * (1 - share_agri) * 0.8 / 1000) * 1000,
            "income_business": 0,
            "production_costs": costs,
        }
        income["income_other"] = max(0, round(gross / 1000) * 1000 - income["income_agriculture"]
                                     - income["income_wages"])
        head = members[0]
        hh: dict[str, Any] = {
            "head_name": head["name"],
            "address": f"{spec.villages[index % len(spec.villages)]}, {spec.commune_name}",
            "phone": f"09{r.randint(10000000, 99999999)}",
            "livelihood_agriculture": "yes" if farming else "no",
            "income_route": "direct",
            **income,
            "social_allowances": 0,
            "has_house": "yes",
            "wall_durable": "yes",
            "column_durable": "yes",
            "roof_durable": "yes",
            "floor_area": int(n * r.uniform(9, 30)),
            "water_source": r.choice(["piped", "piped", "drilled_well", "protected_dug_well", "rain_water"]),
            "latrine": r.choice(["septic", "septic", "semi_septic", "pour_flush"]),
            "info_devices": r.sample(["tv", "phone", "radio", "computer"], r.randint(1, 3)),
            "waste_handling": r.choice(["collected", "collected", "composted_or_buried", "open_dumping"]),
            "merit_revolution": "yes" if r.random() < 0.02 else "no",
            "ethnic_minority": "no" if ethnicity in MAJORITY else "yes",
        }
        for what in r.sample(DEPRIVABLE, deprive):
            self._deprive(what, hh, members, on)
        if tier < 0.08:
            hh["poverty_causes"] = r.sample(["lack_of_land", "lack_of_capital", "lack_of_labour", "lack_of_tools",
                                             "lack_of_knowhow", "lack_of_skills", "illness", "other"],
                                            r.randint(1, 3))
        draft = r.random() < 0.03
        if draft:  # an interview not finished: a few answers still empty
            for key in r.sample(["floor_area", "water_source", "latrine", "income_wages", "info_devices"], 2):
                hh.pop(key, None)
            members[-1].pop("health_insurance", None)
        uid = uuidlib.UUID(int=r.getrandbits(128), version=4)
        return {
            "document": "fieldsurvey/household",
            "document_version": 1,
            "uuid": str(uid),
            "form": {"id": "vn-review-2022", "version": "2026.1"},   # (create_demo: the newest installed version)
            "review": {"year": self.year, "kind": "annual"},
            "location": {"province_code": spec.province_code, "commune_code": spec.commune_code,
                         "commune_name": spec.commune_name, "village": spec.villages[index % len(spec.villages)],
                         "area": spec.area},
            "interview_date": None if draft else on.isoformat(),
            "household": hh,
            "members": members,
        }

    def households(self, count: int) -> Iterator[dict[str, Any]]:
        for i in range(count):
            yield self.household(i)
