"""Values that the classification produces. Texts are kept as catalogue keys with values and rendered on demand
in Vietnamese or English (see fieldsurvey.i18n)."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any, Iterable, Mapping, NamedTuple

from fieldsurvey.i18n import has, t


def shown_beside(value: float, thresholds: Iterable[float], per: int = 1) -> float:
    """`value` as a reason shows it, rounded to 1/`per` (1: whole đồng or points; 10: tenths of a m²) — the nearest
    such number, except that it never lands on, or across, a threshold `value` was compared with and is not on:
    1,500,000.03 beside the line 1,500,000 shows as 1,500,001, and 7.96 m² beside 8 m² as 7.9. So the number shown
    is within one unit of the truth and always on the same side of every threshold as the truth."""
    shown = round(value * per)
    for threshold in thresholds:
        if not _same_side(shown / per, value, threshold):   # rounded onto or across it: round the other way
            shown = math.ceil(value * per) if value > threshold else math.floor(value * per)
            if not all(_same_side(shown / per, value, t) for t in thresholds):   # thresholds finer than 1/per
                return value if per >= 10_000 else shown_beside(value, thresholds, per * 10)
            break
    return shown if per == 1 else shown / per


def _same_side(a: float, b: float, threshold: float) -> bool:
    """a and b both below, both on, or both above the threshold."""
    return (a < threshold) == (b < threshold) and (a > threshold) == (b > threshold)


class Status(StrEnum):
    DEPRIVED = "deprived"          # thiếu hụt
    NOT_DEPRIVED = "not_deprived"  # không thiếu hụt
    UNKNOWN = "unknown"            # chưa đủ thông tin


class HouseholdClass(StrEnum):
    POOR = "poor"              # hộ nghèo
    NEAR_POOR = "near_poor"    # hộ cận nghèo
    AVERAGE = "average"        # hộ có mức sống trung bình
    NOT_POOR = "not_poor"      # hộ không nghèo
    INCOMPLETE = "incomplete"  # chưa đủ thông tin để xếp loại

    @property
    def severity(self) -> int:
        """Poorer is higher: poor 3, near-poor 2, average 1, not poor 0 (incomplete −1)."""
        return {"poor": 3, "near_poor": 2, "average": 1, "not_poor": 0}.get(self.value, -1)

    def label(self, lang: str = "vi") -> str:
        return t(f"class.{self.value}", lang)


class Message(NamedTuple):
    """A catalogue key and its values; `.text(lang)` renders it. (A NamedTuple: immutable and cheap to make —
    the classification makes a dozen per household.)"""

    key: str
    values: Mapping[str, Any] = {}

    def text(self, lang: str = "vi") -> str:
        values = {k: (v.text(lang) if isinstance(v, (Message, Choice)) else v) for k, v in self.values.items()}
        return t(self.key, lang, **values)

    def both(self) -> dict[str, str]:
        return {"vi": self.text("vi"), "en": self.text("en")}


def said(prefix: str, code: Any) -> Any:
    """A code shown in a message: its words (the catalogue's `prefix` + code) when the catalogue has them, else the
    code itself."""
    return Message(prefix + str(code)) if has(prefix + str(code)) else code


def review_round(kind: str) -> Any:
    """A review round's kind (annual, monthly) as a message says it."""
    return said("sync.round.", kind)


class Choice(NamedTuple):
    """An answer's code shown by its label (`choice.<list>.<code>` in the catalogue), or the code itself."""

    list_name: str
    code: Any

    def text(self, lang: str = "vi") -> str:
        key = f"choice.{self.list_name}.{self.code}"
        return t(key, lang) if has(key, lang) or has(key) else str(self.code)


class IndicatorResult(NamedTuple):
    number: int
    id: str
    name_vi: str
    name_en: str
    status: Status
    reason: Message
    missing: tuple[str, ...] = ()
    member_ids: tuple[str, ...] = ()
    provisional: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "id": self.id,
            "name": {"vi": self.name_vi, "en": self.name_en},
            "status": self.status.value,
            "reason": self.reason.both(),
            "missing": list(self.missing),
            "members": list(self.member_ids),
            "provisional": self.provisional,
        }
