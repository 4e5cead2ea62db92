"""Year-to-year movement of households: last review's class (carried forward in the document's `previous`) against
this review's class. Computed, never typed. The same rule as the commune summary (reports/figures.py):

- for poor and for near-poor: start = households whose previous class was that class; of these: remained,
  to_other (poor ↔ near-poor), escaped (now average or not poor), unclassified (not yet classified, or
  incomplete), moved_away (the household left the commune);
- end = remained + from_other + fell_back (previously average / not poor / unclassified) + new (no previous
  record: not on last year's books); a household that moved away is not in the end count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

POOR, NEAR = "poor", "near_poor"
OUT = ("average", "not_poor")
COLUMNS = ("start", "remained", "to_other", "escaped", "unclassified", "moved_away", "from_other", "fell_back", "new",
           "end")

# One word per household (for lists): what happened to it between the two reviews.
REMAINED_POOR, REMAINED_NEAR = "remained_poor", "remained_near_poor"
POOR_TO_NEAR, NEAR_TO_POOR = "poor_to_near_poor", "near_poor_to_poor"
ESCAPED, FELL_BACK, NEW, MOVED_AWAY = "escaped", "fell_back", "new", "moved_away"
UNCLASSIFIED, STAYED_OUT = "unclassified", "stayed_out"


@dataclass(frozen=True)
class Link:
    """One household of this review: its class now and what last review said (None: no previous record)."""
    has_previous: bool
    previous_class: str | None
    current_class: str | None      # None: not classified yet
    moved_away: bool = False
    village: str = ""


def steps(link: Link) -> dict[str, list[str]]:
    """The movement columns this household counts in, for poor and for near-poor."""
    prev, now = link.previous_class, link.current_class
    out: dict[str, list[str]] = {POOR: [], NEAR: []}
    for cls, other in ((POOR, NEAR), (NEAR, POOR)):
        s = out[cls]
        if link.has_previous and prev == cls:
            s.append("start")
            if link.moved_away:
                s.append("moved_away")
            elif now == cls:
                s.append("remained")
            elif now == other:
                s.append("to_other")
            elif now in OUT:
                s.append("escaped")
            else:
                s.append("unclassified")
        if not link.moved_away and now == cls:
            if not link.has_previous:
                s.append("new")
            elif prev == other:
                s.append("from_other")
            elif prev != cls:
                s.append("fell_back")
            s.append("end")
    return out


def household_movement(link: Link) -> str:
    prev, now = (link.previous_class if link.has_previous else None), link.current_class
    poorish = (POOR, NEAR)
    if link.moved_away:
        return MOVED_AWAY
    if not link.has_previous:
        return NEW if now in poorish else (STAYED_OUT if now in OUT else UNCLASSIFIED)
    if prev in poorish:
        if now == prev:
            return REMAINED_POOR if now == POOR else REMAINED_NEAR
        if now in poorish:
            return POOR_TO_NEAR if prev == POOR else NEAR_TO_POOR
        return ESCAPED if now in OUT else UNCLASSIFIED
    if now in poorish:
        return FELL_BACK
    return STAYED_OUT if now in OUT else UNCLASSIFIED


@dataclass
class MovementTable:
    """Per class (poor, near_poor): per village and for the commune, the count in each column."""
    villages: dict[str, dict[str, Counter]] = field(default_factory=dict)
    commune: dict[str, Counter] = field(default_factory=lambda: {POOR: Counter(), NEAR: Counter()})
    households: Counter = field(default_factory=Counter)   # household_movement → households

    def row(self, cls: str, village: str | None = None) -> list[int]:
        counts = self.commune[cls] if village is None else self.villages[village][cls]
        return [counts[c] for c in COLUMNS]


def movement_table(links: Iterable[Link]) -> MovementTable:
    table = MovementTable()
    for link in links:
        here = table.villages.setdefault(link.village, {POOR: Counter(), NEAR: Counter()})
        for cls, cols in steps(link).items():
            here[cls].update(cols)
            table.commune[cls].update(cols)
        table.households[household_movement(link)] += 1
    return table
