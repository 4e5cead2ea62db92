"""Values that the classification produces. Texts are kept as catalogue keys with values and rendered on demand
in Vietnamese or English (see fieldsurvey.i18n)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Mapping, NamedTuple

from fieldsurvey.i18n import has, t


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
