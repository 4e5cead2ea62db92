"""A stored household document classified: the document parsed, its area filled from the reference data, classified
with a standard — and the classification reduced to what a workspace keeps of it (the reasons are made again when
they are shown). The one path from a document to its stored class: the questionnaire's autosave, an import, a
settled conflict, a merge, carry-forward and classify-all all take it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from json import encoder
from dataclasses import replace
from typing import Any, NamedTuple

from fieldsurvey.domain import refdata
from fieldsurvey.domain.classification import Classification, classify_household
from fieldsurvey.domain.document import Household, parse_household
from fieldsurvey.domain.income import PointTable
from fieldsurvey.domain.results import Status
from fieldsurvey.domain.standards import Standard


def with_area(household: Household) -> Household:
    """Fill a missing rural/urban area from the commune's type in the reference data (xã → rural, phường → urban)."""
    if household.area is not None or not household.commune_code:
        return household
    unit = refdata.commune(household.commune_code)
    if unit is None:
        return household
    return replace(household, area=unit.area, province_code=household.province_code or unit.province_code,
                   commune_name=household.commune_name or unit.name)


def classify_document(doc: Any, standard: Standard, point_table: PointTable | None = None,
                      trusted: bool = False) -> Classification:
    """Classify a household document (a dict as stored or as typed) with `standard`. `trusted`: the document was
    checked when it was stored, so the parser skips the checks that cost time."""
    return classify_household(with_area(parse_household(doc, trusted=trusted)), standard, point_table)


class Stored(NamedTuple):
    """What a workspace keeps of a classification: the households table's class columns."""
    household_class: str
    standard_id: str
    deprivations: int
    b2_score: int
    income_per_person: float | None
    b1_score: float | None
    summary: str          # JSON: class, standard, deprived and unknown indicators, income route, missing …


def _summary_encoder():
    """json.dumps of a summary (the same text), with the C encoder made once rather than per call."""
    if encoder.c_make_encoder is None:  # pragma: no cover - CPython has the C encoder
        return json.JSONEncoder().encode
    iterencode = encoder.c_make_encoder(None, None, encoder.encode_basestring_ascii, None, ": ", ", ", False, False,
                                        True)
    return lambda value: "".join(iterencode(value, 0))


_dumps = _summary_encoder()


def stored(result: Classification) -> Stored:
    """The columns a workspace keeps of a classification."""
    deprived = [i.id for i in result.indicators if i.status is Status.DEPRIVED]
    unknown = [i.id for i in result.indicators if i.status is Status.UNKNOWN]
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
    return Stored(cls, result.standard_id, result.deprivation_count, result.b2_score, income.shown_per_person_month,
                  income.b1_score, _dumps(summary))


def standard_fingerprint(standard: Standard) -> str:
    """What a standard says, as one hash (its lines, rules, parameters): a workspace keeps the one its classes were
    made with, so a standard file edited since is noticed."""
    return hashlib.sha256(json.dumps(_plain(standard), sort_keys=True, ensure_ascii=False).encode("utf-8")
                          ).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """A standard's data as plain values: dataclass fields, mappings, sequences, text and numbers (anything else —
    a prepared rule, a cache — is left out: it is made from the data, not part of it)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict) or hasattr(value, "items") and callable(value.items):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return None


def stored_classification(doc: Any, standard: Standard, trusted: bool = True) -> Stored:
    """A stored document's class columns (what storage writes with every change of a household)."""
    return stored(classify_document(doc, standard, trusted=trusted))
