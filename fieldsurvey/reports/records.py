"""What the printed documents are made from: one household's document, its classification, and what the carry-forward
remembered of last year. Built by fieldsurvey.services.printing from a workspace; the reports never read storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from fieldsurvey.domain.classification import Classification
from fieldsurvey.domain.document import Household, Member, age_at
from fieldsurvey.domain.lifecycle import HouseholdStatus
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.i18n import fold, has, t

POOR_CLASSES = (HouseholdClass.POOR, HouseholdClass.NEAR_POOR)


@dataclass(frozen=True, slots=True)
class Previous:
    """Last year's result, as the carry-forward wrote it into the document (`"previous": {...}`)."""

    year: int | None
    household_class: str | None    # poor | near_poor | average | not_poor | incomplete
    status: str | None

    @classmethod
    def of(cls, raw: Any) -> "Previous | None":
        if not isinstance(raw, Mapping):
            return None
        year = raw.get("year")
        return cls(year if isinstance(year, int) else None, raw.get("class"), raw.get("status"))


@dataclass(frozen=True, slots=True)
class HouseholdRecord:
    household: Household
    result: Classification
    status: str | None = None      # the workspace's status when known (draft, complete, moved_away …)
    previous: Previous | None = None
    counted: HouseholdClass | None = None   # the class the commune's count gives it (None: not counted in one)
    move: str | None = None                 # what happened to it since last year (fieldsurvey.domain.figures.Move)

    @property
    def cls(self) -> HouseholdClass:
        return self.result.household_class

    @property
    def moved_away(self) -> bool:
        return self.status == HouseholdStatus.MOVED_AWAY

    @property
    def village(self) -> str:
        return self.household.village or ""

    @property
    def head(self) -> Member | None:
        return self.household.head or (self.household.members[0] if self.household.members else None)

    @property
    def head_name(self) -> str:
        head = self.household.head
        if head is not None and head.get("name"):
            return head.name
        return self.household.get("head_name") or (self.head.name if self.head else "")

    @property
    def interviewed(self) -> bool:
        return self.household.interview_date is not None

    def sort_key(self, village_order: Mapping[str, int]) -> tuple:
        return (village_order.get(self.village, len(village_order)), vietnamese_key(self.head_name),
                self.household.uuid)


def vietnamese_key(name: str) -> tuple:
    """Sort Vietnamese names by given name then the full name, diacritics folded (how village lists are read)."""
    parts = name.split()
    return (fold(parts[-1]) if parts else "", fold(name), name)


def birth_year(member: Member) -> int | None:
    born = member.get("birth_date")
    if isinstance(born, str) and len(born) >= 4 and born[:4].isdigit():
        return int(born[:4])
    year = member.get("birth_year")
    if isinstance(year, int) and not isinstance(year, bool):
        return year
    if isinstance(year, str) and year.isdigit():
        return int(year)
    return None


def age(member: Member, on: date) -> int | None:
    return age_at(member, on)


def label(kind: str, code: Any, lang: str) -> str:
    """A code shown by its catalogue label (report.<kind>.<code>, or choice.<kind>.<code>), or as it is."""
    if code in (None, ""):
        return ""
    for key in (f"report.{kind}.{code}", f"choice.{kind}.{code}"):
        if has(key, lang) or has(key):
            return t(key, lang)
    return str(code)


def is_minority(ethnicity: Any) -> bool:
    return bool(ethnicity) and fold(str(ethnicity)) != "kinh"
