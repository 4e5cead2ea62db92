"""Plausible answers: a household's size, its members' ages and its numbers against the ranges of
resources/values/household-values.toml (domain/ranges.py), and the check storage makes of what is entered.

`findings(household)` lists what lies outside a range — each a `Finding` that is either refused (outside the hard
bounds: the import and `households add` refuse the document, the field named) or held (outside the soft bounds
only: accepted, and held for the supervisor to look at). Pure: the form's types and choice lists are checked by the
services (services/values.py), which know the forms.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from fieldsurvey.domain import fieldpaths
from fieldsurvey.domain.document import Household, age_in_years, birth_of, parse_household
from fieldsurvey.domain.ranges import Range, Ranges, check_text, ranges, texts_in
from fieldsurvey.errors import DocumentError

# the catalogue key of each verdict a Range gives (values.error.*: refused; values.held.*: held)
_KEYS = {"below": "values.error.below", "above": "values.error.above",
         "soft_below": "values.held.below", "soft_above": "values.held.above"}


@dataclass(frozen=True)
class Finding:
    """An answer outside its plausible range: `field` as the audit log names it (household.floor_area,
    members[m2].birth_date, members), the catalogue key and values that say what is wrong, and whether it is
    only held for the supervisor (True) or refused (False)."""
    field: str
    key: str
    values: Mapping[str, Any] = field(default_factory=dict)
    held: bool = False

    def error(self) -> DocumentError:
        return DocumentError(self.key, self.field, **self.values)

    def text(self, lang: str = "vi") -> str:
        """'household.floor_area: 2.000 m² …' in `lang`."""
        return self.error().text(lang)

    def __str__(self) -> str:
        return str(self.error())

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON): what the households table's `held` column and the import report keep."""
        return {"field": self.field, "key": self.key, "values": dict(self.values), "held": self.held}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Finding":
        return cls(str(data.get("field", "")), str(data.get("key", "")), dict(data.get("values") or {}),
                   bool(data.get("held", True)))


def _number(value: Any) -> float | None:
    """An answer as a number when it is one (JSON number, or a number written as text), else None (the form's
    type check says that it is not a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if value == value else None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return None
        return number if number == number and abs(number) != float("inf") else None
    return None


def _shown(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def _in_range(where: str, value: float, rng: Range, unit: str = "") -> Finding | None:
    verdict = rng.verdict(value)
    if verdict is None:
        return None
    bound = {"below": rng.min, "above": rng.max, "soft_below": rng.soft_min, "soft_above": rng.soft_max}[verdict]
    return Finding(where, _KEYS[verdict], {"value": _shown(value), "bound": _shown(bound)},
                   held=verdict.startswith("soft"))


def findings(household: Household, *, complete: bool = False, today: date | None = None,
             rng: Ranges | None = None) -> list[Finding]:
    """Every answer of the household outside its range, refused ones and held ones, in the document's order:
    the household's size (no member in a household handed in as `complete`, or more than the ranges allow), each
    member's age on the interview date (born after it, or too old; before an interview: on `today`), and the
    household's numbers that the ranges name."""
    rng = rng or ranges()
    out: list[Finding] = []
    n = len(household.members)
    if complete and n < rng.min_members_complete:
        out.append(Finding("members", "values.error.members_none", {"n": n, "min": rng.min_members_complete}))
    size = rng.members.verdict(n)
    if size in ("above", "soft_above"):
        out.append(Finding("members", "values.error.members_too_many" if size == "above" else
                           "values.held.members", {"n": n, "max": rng.max_members,
                                                   "soft_max": _shown(rng.members.soft_max or 0)},
                           held=size == "soft_above"))
    on = household.interview_date or today or date.today()
    for m in household.members:
        born = birth_of(m)
        if born is None:
            continue
        if born > on:
            verdict = "after"
        else:
            age = age_in_years(born, on)
            verdict = rng.age.verdict(age)
            if verdict is None:
                continue
        where = fieldpaths.member_path(m.member_id, "birth_date" if m.get("birth_date") else "birth_year")
        if verdict == "after":
            out.append(Finding(where, "values.error.born_after", {"born": born.isoformat(), "on": on.isoformat()}))
        elif verdict == "above":
            out.append(Finding(where, "values.error.too_old", {"age": age, "on": on.isoformat(),
                                                               "max": _shown(rng.age.max or 0)}))
        elif verdict == "soft_above":
            out.append(Finding(where, "values.held.old", {"age": age, "on": on.isoformat(),
                                                          "soft_max": _shown(rng.age.soft_max or 0)}, held=True))
    for name, r in rng.household.items():
        number = _number(household.answers.get(name))
        if number is not None:
            found = _fraction(f"household.{name}", number, r) or _in_range(f"household.{name}", number, r)
            if found is not None:
                out.append(found)
    return out


def _fraction(where: str, value: float, rng: Range) -> Finding | None:
    """An amount in đồng with a fraction of a đồng (1000.5): refused, as a value outside the hard bounds is, with
    the whole amounts on either side of it."""
    if not rng.whole or float(value).is_integer():
        return None
    return Finding(where, "values.error.fraction_of_dong",
                   {"value": _shown(value), "below": math.floor(value), "above": math.ceil(value)})


def fraction_of_dong(name: str, value: Any, rng: Ranges | None = None) -> bool:
    """Whether `value`, the answer to the household question `name` (a document key: income_wages), is an amount in
    đồng (resources/values/household-values.toml, `unit = "dong"`) with a fraction of a đồng — for the
    questionnaire (formengine/session.py), which flags it as it flags an answer of the wrong type. A value that is
    not a number is not this rule's to say."""
    r = (rng or ranges()).household.get(name)
    if r is None or not r.whole:
        return False
    number = _number(value)
    return number is not None and not float(number).is_integer()


def held_of(doc: Mapping[str, Any], rng: Ranges | None = None) -> list[Finding]:
    """The findings of a stored document (as storage keeps it: the `held` column), refused ones included — an
    older workspace may hold what is refused today. Never raises: a document that cannot be read has none."""
    try:
        household = parse_household(doc, trusted=True)
        return findings(household, rng=rng)
    except (DocumentError, TypeError, ValueError, AttributeError):
        return []


# --- what storage checks on every save -------------------------------------------------------------------------------

# In a document's JSON text (json.dumps, ensure_ascii=False): an escaped C0 control, or DEL, a C1 control or a lone
# surrogate as they are. Text without one holds no control character, and nothing more needs to be looked at.
_SUSPECT = re.compile(r"\\u00[01][0-9a-fA-F]|\\[bfnrt]|[\x7f-\x9f\ud800-\udfff]")


def check_size(doc: Mapping[str, Any], rng: Ranges | None = None) -> None:
    """Refuse a household of more members than the ranges allow (before anything else of it is looked at)."""
    members = doc.get("members")
    limit = (rng or ranges()).max_members
    if isinstance(members, list) and len(members) > limit:
        raise DocumentError("values.error.members_too_many", "members", n=len(members), max=limit)


def check_entered(doc: dict[str, Any], before: dict[str, Any] | None = None, text: str | None = None) -> None:
    """What storage checks of a document it is about to save: its size, and that no text entered — a value that
    differs from `before` (the stored document; None: a new household, every value) — holds a control character.
    A value stored earlier (an older workspace) is left as it is: the export writes it escaped. `text`: the
    document's JSON as storage writes it; when it holds no control character at all, nothing more is looked at."""
    check_size(doc)
    if text is not None and _SUSPECT.search(text) is None:
        return
    changes = fieldpaths.diff(before, doc) if before is not None else \
        [fieldpaths.Change(path, fieldpaths.MISSING, value) for path, value in fieldpaths.flatten(doc).items()]
    for change in changes:
        if not change.path.isprintable():
            check_text(change.path, change.path.encode("unicode_escape").decode("ascii"))
        for value in texts_in(change.new):
            if not value.isprintable():
                check_text(value, change.path, multiline=True)


def check_answer(value: Any, where: str, *, multiline: bool = False) -> None:
    """One answer as the questionnaire takes it (formengine/session.py `set_answer`): refused, with the field named
    (`where`: household.notes, members[m2].name), when a text in it holds a control character — or, `multiline`
    False (any text question but one whose appearance is `multiline`), a line break or a tab."""
    for text in texts_in(value):
        check_text(text, where, multiline=multiline)


def implausible(doc: Mapping[str, Any]) -> list[Finding]:
    """The values of a document outside a hard range (what an import refuses in a finished household): a household
    holding one is not complete (Workspace.save_form)."""
    return [f for f in held_of(doc) if not f.held]
