"""The household document: the one JSON shape that the form engine produces, storage keeps, bundles carry and
`fieldsurvey assess` reads. Documented in docs/household-document.md.

Parsing checks the shape and names the field that does not fit: text holds no control character (a line break or
a tab only inside an answer, where a note may hold them; none in a name of the location), and a household has at
most the members the ranges allow (resources/values/household-values.toml) — a larger roster is refused before it
is walked. The answers' plausibility against the form and the ranges is domain/plausible.py's and the services'.
Text is normalised to Unicode NFC on the way in.
"""

from __future__ import annotations

import unicodedata
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Mapping

from fieldsurvey.domain.ranges import check_text, ranges, texts_in
from fieldsurvey.errors import DocumentError

DOCUMENT_KIND = "fieldsurvey/household"
DOCUMENT_VERSION = 1


class Area(StrEnum):
    RURAL = "rural"  # nông thôn (xã)
    URBAN = "urban"  # thành thị (phường)


def nfc(value: Any) -> Any:
    """Normalise every string inside `value` to NFC (lists and dicts walked). ASCII text is already NFC."""
    if isinstance(value, str):
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    return value


def _field(where: str, raw: dict, member: int | None, key: str | None = None) -> str:
    """How a refusal of an answer's text names it: household.notes, members[m2].name (by the member's id)."""
    path = where if member is None else f"members[{raw.get('member_id') or f'm{member + 1}'}]"
    return path if key is None else f"{path}.{key}"


def _answers(raw: Any, where: str, member: int | None = None) -> dict[str, Any]:
    """Check one object of answers and return it with its text in NFC. (Hot: runs for every household read.)
    `member`: the member's index, for a refusal of its text to name it by its id (`members[m2].name`)."""
    if not isinstance(raw, dict):
        raise DocumentError("storage.error.document.answers_object", where)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        kind = type(value)
        if type(key) is not str or not key:
            raise DocumentError("storage.error.document.answer_names", where)
        if not key.isprintable():
            check_text(key, _field(where, raw, member))
        if kind is str:
            if not value.isprintable():   # (ordinary text is: one C call)
                check_text(value, _field(where, raw, member, key), multiline=True)
            if not value.isascii():
                value = unicodedata.normalize("NFC", value)
        elif kind is list:
            for v in value:
                if type(v) is not str or not v.isprintable():
                    for text in texts_in(v):
                        if not text.isprintable():
                            check_text(text, _field(where, raw, member, key), multiline=True)
            value = [nfc(v) for v in value]
        elif kind is float:
            if value != value:  # NaN
                raise DocumentError("storage.error.document.not_a_number", f"{where}.{key}")
        elif kind is dict:
            raise DocumentError("storage.error.document.answer_is_object", f"{where}.{key}")
        out[key if key.isascii() else unicodedata.normalize("NFC", key)] = value
    return out


def parse_date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise DocumentError("storage.error.document.date_format", where)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DocumentError("storage.error.document.not_a_date", where, value=value) from None


@dataclass(frozen=True, slots=True)
class Member:
    member_id: str
    answers: Mapping[str, Any]

    def get(self, name: str) -> Any:
        return self.answers.get(name)

    @property
    def name(self) -> str:
        return self.answers.get("name") or self.member_id


@dataclass(frozen=True, slots=True)
class Household:
    uuid: str
    form_id: str
    form_version: str
    review_year: int
    review_kind: str
    province_code: str | None
    commune_code: str | None
    commune_name: str | None
    village: str | None
    area: Area | None
    interview_date: date | None
    answers: Mapping[str, Any]
    members: tuple[Member, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.answers.get(name)

    @property
    def reference_date(self) -> date:
        """Ages are counted in completed years at the interview date; before an interview, at 1 September of
        the review year (the start of the annual review)."""
        return self.interview_date or date(self.review_year, 9, 1)

    @property
    def head(self) -> Member | None:
        for m in self.members:
            if m.get("relationship") == "head":
                return m
        return None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "document": DOCUMENT_KIND,
            "document_version": DOCUMENT_VERSION,
            "uuid": self.uuid,
            "form": {"id": self.form_id, "version": self.form_version},
            "review": {"year": self.review_year, "kind": self.review_kind},
            "location": {
                "province_code": self.province_code,
                "commune_code": self.commune_code,
                "commune_name": self.commune_name,
                "village": self.village,
                "area": self.area.value if self.area else None,
            },
            "interview_date": self.interview_date.isoformat() if self.interview_date else None,
            "household": dict(self.answers),
            "members": [{"member_id": m.member_id, **m.answers} for m in self.members],
        }
        doc.update(self.extra)
        return doc


_AREAS = {a.value: a for a in Area}
_KNOWN_KEYS = {"document", "document_version", "uuid", "form", "review", "location", "interview_date",
               "household", "members"}


def parse_household(data: Any, trusted: bool = False) -> Household:
    """Check a household document's shape and return it as a `Household`. Raises DocumentError naming the field.

    `trusted`: a document this app stored itself, already checked and normalised when it came in; its answers are
    taken as they are (the shape of the envelope is still checked). For reading a whole workspace quickly."""
    if not isinstance(data, dict):
        raise DocumentError("storage.error.document.not_object", "document")
    kind = data.get("document", DOCUMENT_KIND)
    if kind != DOCUMENT_KIND:
        raise DocumentError("storage.error.document.wrong_kind", "document", expected=DOCUMENT_KIND, found=str(kind))
    version = data.get("document_version", DOCUMENT_VERSION)
    if version != DOCUMENT_VERSION:
        raise DocumentError("storage.error.document.wrong_version", "document_version", version=DOCUMENT_VERSION,
                            found=repr(version))

    raw_uuid = data.get("uuid")
    if trusted and type(raw_uuid) is str and len(raw_uuid) == 36:
        household_uuid = raw_uuid  # stored in its canonical form when it came in
    else:
        if raw_uuid is None:
            raw_uuid = str(uuidlib.uuid4())
        try:
            household_uuid = str(uuidlib.UUID(str(raw_uuid)))
        except ValueError:
            raise DocumentError("storage.error.document.not_uuid", "uuid", value=str(raw_uuid)) from None

    form = data.get("form") or {}
    if not isinstance(form, dict):
        raise DocumentError("storage.error.document.form_object", "form")
    review = data.get("review")
    if not isinstance(review, dict):
        raise DocumentError("storage.error.document.review_required", "review")
    year = review.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise DocumentError("storage.error.document.review_year", "review.year", found=repr(year))
    review_kind = review.get("kind", "annual")
    if review_kind not in ("annual", "monthly"):
        raise DocumentError("storage.error.document.review_kind", "review.kind", found=repr(review_kind))

    location = data.get("location") or {}
    if not isinstance(location, dict):
        raise DocumentError("storage.error.document.location_object", "location")
    area_raw = location.get("area")
    area = _AREAS.get(area_raw) if isinstance(area_raw, str) else None
    if area is None and area_raw is not None:
        raise DocumentError("storage.error.document.area", "location.area", found=repr(area_raw))
    for key in ("province_code", "commune_code", "commune_name", "village"):
        if location.get(key) is not None and not isinstance(location.get(key), str):
            raise DocumentError("storage.error.document.must_be_text", f"location.{key}")
        if not trusted and location.get(key) is not None:
            check_text(location[key], f"location.{key}")
    if not trusted:
        for key in ("id", "version"):
            if isinstance(form.get(key), str):
                check_text(form[key], f"form.{key}")

    answers = data.get("household", {}) if trusted else _answers(data.get("household", {}), "household")
    raw_members = data.get("members", [])
    if not isinstance(raw_members, list):
        raise DocumentError("storage.error.document.members_list", "members")
    if not trusted and len(raw_members) > ranges().max_members:   # refused before a member is walked
        raise DocumentError("values.error.members_too_many", "members", n=len(raw_members),
                            max=ranges().max_members)
    members: list[Member] = []
    if trusted:
        for i, raw in enumerate(raw_members):
            member_answers = dict(raw)  # a copy: the caller's document is left as it was
            members.append(Member(str(member_answers.pop("member_id", None) or f"m{i + 1}"), member_answers))
    seen: set[str] = set()
    for i, raw in enumerate(raw_members if not trusted else ()):
        where = f"members[{i}]"
        if not isinstance(raw, dict):
            raise DocumentError("storage.error.document.member_object", where)
        member_answers = _answers(raw, where, i)
        member_id = str(member_answers.pop("member_id", None) or f"m{i + 1}")
        if member_id in seen:
            raise DocumentError("storage.error.document.member_twice", f"{where}.member_id", member_id=member_id)
        seen.add(member_id)
        members.append(Member(member_id, member_answers))

    extra = {} if data.keys() <= _KNOWN_KEYS else {k: v for k, v in data.items() if k not in _KNOWN_KEYS}
    return Household(
        uuid=household_uuid,
        form_id=str(form.get("id", "")),
        form_version=str(form.get("version", "")),
        review_year=year,
        review_kind=review_kind,
        province_code=location.get("province_code"),
        commune_code=location.get("commune_code"),
        commune_name=location.get("commune_name") if trusted else nfc(location.get("commune_name")),
        village=location.get("village") if trusted else nfc(location.get("village")),
        area=area,
        interview_date=parse_date(data.get("interview_date"), "interview_date"),
        answers=answers,
        members=tuple(members),
        extra=extra,
    )


def birth_of(member: Member) -> date | None:
    """The member's birth date: `birth_date` if it is a date, else 1 January of `birth_year` (as Decree 135/2020
    Art. 3(3) counts a year of birth alone); None when neither is known."""
    born = member.answers.get("birth_date")
    if born:
        if isinstance(born, date):
            return born
        try:
            return date.fromisoformat(born) if isinstance(born, str) else None
        except ValueError:
            return None
    year = member.answers.get("birth_year")
    if isinstance(year, str) and year.isdigit():
        year = int(year)
    if isinstance(year, int) and not isinstance(year, bool) and 1 <= year <= 9999:
        return date(year, 1, 1)
    return None


def age_in_years(born: date, on: date) -> int:
    """Completed years on `on`."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_at(member: Member, on: date) -> int | None:
    """Age in completed years on `on`: from birth_date if known, else from birth_year (on.year − birth_year)."""
    born = birth_of(member)
    return None if born is None else age_in_years(born, on)
