"""Use cases around one household's classification: assess a document, list standards, load point tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fieldsurvey.domain import refdata
from fieldsurvey.domain.classification import Classification, classify_household
from fieldsurvey.domain.document import Area, Household, parse_household
from fieldsurvey.domain.results import Status
from fieldsurvey.domain.income import PointTable, load_point_table
from fieldsurvey.domain.standards import Standard, StandardRegistry, default_registry
from fieldsurvey.errors import DocumentError


def registry(local_files: list[Path] | None = None) -> StandardRegistry:
    """The shipped standards, plus any local standard files (a province's own)."""
    if not local_files:
        return default_registry()
    from fieldsurvey.paths import resource

    reg = StandardRegistry([resource("standards")])
    for path in local_files:
        reg.add_file(Path(path))
    return reg


def with_area(household: Household) -> Household:
    """Fill a missing rural/urban area from the commune's type in the reference data (xã → rural, phường → urban)."""
    if household.area is not None or not household.commune_code:
        return household
    unit = refdata.commune(household.commune_code)
    if unit is None:
        return household
    from dataclasses import replace

    return replace(household, area=unit.area, province_code=household.province_code or unit.province_code,
                   commune_name=household.commune_name or unit.name)


def pick_standard(household: Household, standard_id: str | None = None, year: int | None = None,
                  reg: StandardRegistry | None = None) -> Standard:
    reg = reg or default_registry()
    if standard_id:
        return reg.get(standard_id)
    return reg.for_year(year or household.review_year, household.province_code)


def read_document(text: str, source: str = "input") -> dict[str, Any]:
    """Parse JSON text, refusing duplicate keys; the error names the line and column."""
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise DocumentError("storage.error.duplicate_key", source, name=key)
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise DocumentError("storage.error.invalid_json", source, error=exc.msg, line=exc.lineno,
                            column=exc.colno) from None


def assess_document(data: Any, standard_id: str | None = None, year: int | None = None,
                    point_table: PointTable | None = None, reg: StandardRegistry | None = None) -> Classification:
    household = with_area(parse_household(data))
    standard = pick_standard(household, standard_id, year, reg)
    return classify_household(household, standard, point_table)


def load_table(path: Path | None) -> PointTable | None:
    return load_point_table(Path(path)) if path else None


def _summary_encoder():
    """json.dumps of a summary (the same text), with the C encoder made once rather than per call."""
    from json import encoder

    if encoder.c_make_encoder is None:
        return json.JSONEncoder().encode
    iterencode = encoder.c_make_encoder(None, None, encoder.encode_basestring_ascii, None, ": ", ", ", False, False,
                                        True)
    return lambda value: "".join(iterencode(value, 0))


_dumps = _summary_encoder()


def compact(result: Classification) -> tuple:
    """The columns a workspace keeps of a classification (the reasons are recomputed when shown)."""
    # (Hot when a whole workspace is classified: statuses compared by identity, enum members used as the text
    # they are — a StrEnum is a str — rather than through `.value`.)
    deprived, unknown = [], []
    for i in result.indicators:
        if i.status is Status.DEPRIVED:
            deprived.append(i.id)
        elif i.status is Status.UNKNOWN:
            unknown.append(i.id)
    cls = str(result.household_class)
    income = result.income
    summary = {
        "class": cls,
        "standard": result.standard_id,
        "provisional": result.provisional,
        "deprived": deprived,
        "unknown": unknown,
        "b2": result.b2_score,
        "income_route": str(income.route) if income.route else None,
        "income_position": str(income.position),
        "missing": list(result.missing),
        "low_income_workers": [w.member_id for w in result.low_income_workers],
    }
    return (cls, result.standard_id, result.deprivation_count, result.b2_score,
            income.per_person_month, income.b1_score, _dumps(summary))


def area_of(code: str) -> Area | None:
    unit = refdata.commune(code)
    return unit.area if unit else None
