"""Use cases around one household's classification: assess a document, list standards, load point tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fieldsurvey.domain import refdata
from fieldsurvey.domain.assessed import with_area
from fieldsurvey.domain.classification import Classification, classify_household
from fieldsurvey.domain.document import Area, Household, parse_household
from fieldsurvey.domain.income import PointTable, load_point_table
from fieldsurvey.domain.standards import Standard, StandardRegistry, default_registry
from fieldsurvey.errors import DocumentError
from fieldsurvey.paths import resource


def registry(local_files: list[Path] | None = None) -> StandardRegistry:
    """The shipped standards, plus any local standard files (a province's own)."""
    if not local_files:
        return default_registry()
    reg = StandardRegistry([resource("standards")])
    for path in local_files:
        reg.add_file(Path(path))
    return reg


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
                    point_table: PointTable | None = None, reg: StandardRegistry | None = None,
                    trusted: bool = False) -> Classification:
    """Classify one household document (checked strictly) with the standard named, or the one for its year.
    `trusted`: a document the workspace stored (checked when it came in; an older workspace's text is shown as
    it is, never refused here)."""
    household = with_area(parse_household(data, trusted=trusted))
    standard = pick_standard(household, standard_id, year, reg)
    return classify_household(household, standard, point_table)


def load_table(path: Path | None) -> PointTable | None:
    return load_point_table(Path(path)) if path else None


def area_of(code: str) -> Area | None:
    unit = refdata.commune(code)
    return unit.area if unit else None
