"""The households table's columns that come from a document: the list's columns (village, the head's name and
the folded search text, members, form), the answers held for the supervisor (outside a soft range, see
domain/plausible.py) and the document's JSON text as stored — made the same way for one household saved from the
questionnaire and for a whole bundle imported at once."""

from __future__ import annotations

import json
from json import encoder
from typing import Any

from fieldsurvey.domain.plausible import held_of
from fieldsurvey.i18n import fold

SEARCH_SEP = "\x1f"
LIST_COLUMNS = ("uuid", "village", "head_name", "head_folded", "member_count", "form_id", "form_version",
                "held", "document")
CLASS_COLUMNS = ("class", "standard_id", "deprivations", "b2_score", "income_per_person", "b1_score",
                 "classification")


class Folded(dict):
    """text → fold(text), filled beforehand for many texts at once (fold_all); a text not filled is folded when
    asked for, so a lookup always gives exactly fold(text)."""

    def __missing__(self, text: str) -> str:
        value = self[text] = fold(text)
        return value


def fold_all(texts: list[str]) -> Folded:
    """fold of many texts in one call: fold works character by character (case, the translation table, NFD,
    dropping marks), so folding the texts joined by U+001F and splitting again gives each one's fold. A text
    holding U+001F itself is left to be folded alone."""
    unique = list(dict.fromkeys(t for t in texts if SEARCH_SEP not in t))
    out = Folded()
    if unique:
        out.update(zip(unique, fold(SEARCH_SEP.join(unique)).split(SEARCH_SEP)))
    return out


def names_to_fold(doc: dict[str, Any]) -> list[str]:
    """The texts the columns and the likely-duplicate keys fold for this document (its members' names and its
    village), to fold a whole bundle's at once. Only a prefetch: what is missed is folded when looked up."""
    out = [m["name"] for m in doc.get("members") or [] if isinstance(m, dict) and isinstance(m.get("name"), str)]
    village = (doc.get("location") or {}).get("village")
    if isinstance(village, str):
        out.append(village)
    return out


def _encoder() -> Any:
    """json.dumps(doc, ensure_ascii=False), the text storage keeps, with the encoder made once (no circular-
    reference bookkeeping: a document decoded from JSON cannot hold itself)."""
    if encoder.c_make_encoder is None:  # pragma: no cover - CPython has the C encoder
        return lambda doc: json.dumps(doc, ensure_ascii=False)
    base = json.JSONEncoder(ensure_ascii=False)
    make = encoder.c_make_encoder(None, base.default, encoder.encode_basestring, None, ": ", ", ", False, False,
                                  True)
    return lambda doc: "".join(make(doc, 0))


encode = _encoder()


def head_name(doc: dict[str, Any]) -> str:
    """The head's name: the member whose relationship is head, else the household's `head_name` answer."""
    head = next((m for m in doc.get("members") or [] if isinstance(m, dict) and m.get("relationship") == "head"),
                None)
    name = (head or {}).get("name") or (doc.get("household") or {}).get("head_name") or ""
    return name if isinstance(name, str) else str(name)  # a document is stored as it comes; the list shows text


def search_text(doc: dict[str, Any] | str, head: str | None = None, folded: Folded | None = None) -> str:
    """What the list search looks in, without diacritics: the head's name first (so sorting by it sorts by the
    head), then the other members' names and everyone's ID numbers, separated by U+001F."""
    if isinstance(doc, str):
        doc = json.loads(doc)
    folded = folded if folded is not None else Folded()
    head = head_name(doc) if head is None else head
    members = [m for m in doc.get("members") or [] if isinstance(m, dict)]
    parts = [folded[head]] if head else []
    for m in members:
        name = m.get("name")
        if isinstance(name, str) and name and folded[name] not in parts:
            parts.append(folded[name])
    parts += [m["id_number"] for m in members if isinstance(m.get("id_number"), str) and m["id_number"]]
    return SEARCH_SEP.join(parts)


def held_text(doc: dict[str, Any]) -> str | None:
    """The `held` column: the document's answers outside a plausible range as JSON (a list of
    Finding.to_dict(): held ones, and refused ones an older workspace may hold), or None when there is none."""
    found = held_of(doc)
    return encode([f.to_dict() for f in found]) if found else None


def document_columns(doc: dict[str, Any], folded: Folded | None = None) -> dict[str, Any]:
    """The columns of LIST_COLUMNS for a document (`folded`: its names folded beforehand, see fold_all)."""
    head = head_name(doc)
    form = doc.get("form") or {}
    members = doc.get("members")
    return {"uuid": doc["uuid"], "village": (doc.get("location") or {}).get("village"), "head_name": head,
            "head_folded": search_text(doc, head, folded), "member_count": len(members) if members else 0,
            "form_id": form.get("id"), "form_version": form.get("version"), "held": held_text(doc),
            "document": encode(doc)}
