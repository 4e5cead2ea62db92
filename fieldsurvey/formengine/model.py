"""A questionnaire as data: XLSForm's `survey`, `choices` and `settings` sheets read into a `Form`.

`build_form(sheets)` takes the sheets as rows of text (from the CSV folder in forms/ or from an .xlsx) and either
returns a `Form` or raises `FormErrors` listing every problem found, each located the way pyxform does it:
sheet, row (as the designer numbers it: the header is row 1) and column. Every expression is parsed once here.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from xml.etree import ElementTree
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from fieldsurvey.errors import FormError
from fieldsurvey.formengine import linear_regex
from fieldsurvey.formengine.expr import (ExpressionError, Node, XNode, _children, document, last_saved_names, parse,
                                         references, regex_patterns, tokenize, uses_position)
from fieldsurvey.i18n import t

LANGS = ("vi", "en")

INPUT_TYPES = {"text", "integer", "decimal", "date", "select_one", "select_multiple", "time", "datetime",
               "acknowledge", "geopoint", "barcode", "image", "audio", "video", "file", "range", "rank"}
OTHER_TYPES = {"note", "calculate", "hidden"}   # hidden: a value (its default) kept in the document, never asked
FILE_TYPES = {"image", "audio", "video", "file"}   # the answer is the chosen file's name

# Every type spelling pyxform 4.5 accepts (lower-case, spaces collapsed) → what it is here. Each is served, or
# refused with the reason: never read as something else.
TYPE_ALIASES = {
    **dict.fromkeys(("text", "string", "q string", "add text prompt"), "text"),
    **dict.fromkeys(("integer", "int", "q int", "add integer prompt"), "integer"),
    **dict.fromkeys(("decimal", "q decimal", "add decimal prompt"), "decimal"),
    **dict.fromkeys(("date", "q date", "add date prompt"), "date"),
    **dict.fromkeys(("note", "q note", "add note prompt"), "note"),
    **dict.fromkeys(("calculate", "q calculate", "add calculate prompt"), "calculate"),
    "time": "time", "hidden": "hidden", "range": "range",
    **dict.fromkeys(("datetime", "q date time", "date time", "add date time prompt", "add datetime prompt",
                     "q datetime"), "datetime"),
    **dict.fromkeys(("acknowledge", "q acknowledge", "add acknowledge prompt", "trigger"), "acknowledge"),
    **dict.fromkeys(("geopoint", "q geopoint", "location", "q location", "add location prompt", "gps"), "geopoint"),
    **dict.fromkeys(("barcode", "q barcode", "add barcode prompt"), "barcode"),
    **dict.fromkeys(("image", "photo", "q picture", "q image", "add image prompt", "add photo prompt"), "image"),
    **dict.fromkeys(("audio", "q audio", "add audio prompt"), "audio"),
    **dict.fromkeys(("video", "q video", "add video prompt"), "video"),
    **dict.fromkeys(("file", "add file prompt"), "file"),
    # the same types with a rule of their own (pyxform's constraint for them; a constraint on the row replaces it)
    "phone number": "text", "percentage": "integer", "number of days in last month": "integer",
    "number of days in last six months": "integer", "number of days in last year": "integer",
}
IMPLICIT_CONSTRAINTS = {
    "phone number": "regex(., '^\\d*$')", "percentage": "0 <= . and . <= 100",
    "number of days in last month": "0 <= . and . <= 31", "number of days in last six months": "0 <= . and . <= 183",
    "number of days in last year": "0 <= . and . <= 365",
}
# ODK metadata that has a meaning on a laptop: recorded, never asked (start/end: when the form was opened; today).
META_TYPES = {
    **dict.fromkeys(("start", "start time", "get start time"), "start"),
    **dict.fromkeys(("end", "end time", "get end time"), "end"),
    **dict.fromkeys(("today", "get today"), "today"),
    **dict.fromkeys(("deviceid", "imei", "device id", "get device id", "uri:deviceid"), "deviceid"),
    **dict.fromkeys(("username", "uri:username"), "username"),
    **dict.fromkeys(("email", "uri:email"), "email"),
    "audit": "audit",
}
# What a desktop cannot serve: a phone's SIM and line, the phone's sensors in the background, map drawing.
DESKTOP_CANNOT = {
    "subscriberid", "subscriber id", "get subscriber id", "uri:subscriberid", "simserial", "sim id", "get sim id",
    "uri:simserial", "phonenumber", "get phone number", "uri:phonenumber", "start-geopoint", "background-geopoint",
    "background-audio", "osm", "geotrace", "q geotrace", "geoshape", "q geoshape",
}
# ODK types this engine does not serve (refused, named). (`select_multiple_external` is no ODK type: pyxform 4.5
# refuses it too, as an unknown type.)
NOT_YET = {"include"}
# Rows that only declare a secondary instance read from a file beside the form: instance('NAME') is NAME.csv/.xml.
EXTERNAL_INSTANCES = {"csv-external": ".csv", "xml-external": ".xml"}
SELECT_PREFIXES = {
    **dict.fromkeys(("select_one", "select one", "select1", "select one from", "select_one_from",
                     "add select one prompt using", "select one using", "q select1"), "select_one"),
    **dict.fromkeys(("select_multiple", "select all that apply", "select all that apply from", "select multiple from",
                     "add select multiple prompt using", "select multiple using", "q select"), "select_multiple"),
    # choices from a CSV file beside the form (its `name` and `label` columns, or those `parameters` name)
    **dict.fromkeys(("select_one_from_file", "select one from file"), "select_one"),
    **dict.fromkeys(("select_multiple_from_file", "select multiple from file"), "select_multiple"),
    **dict.fromkeys(("select_one_external", "select one external"), "select_one"),  # the external_choices sheet
    "rank": "rank",                       # every choice of the list put in order
}
CONTAINERS = {"group": "group", "repeat": "repeat", "lgroup": "repeat", "looped group": "repeat"}

# Column names as designers write them (first part, snake-cased) → the name used here: pyxform's aliases.
COLUMN_ALIASES = {
    "caption": "label", "command": "type", "tag": "name", "value": "name", "relevance": "relevant",
    "readonly": "read_only", "calculate": "calculation", "count": "repeat_count", "jr:count": "repeat_count",
    "requiredmsg": "required_message", "constraining_message": "constraint_message",
    "constraintmsg": "constraint_message", "set_form_id": "form_id", "set_form_title": "form_title",
    "noapperrorstring": "no_app_error_string", "list name": "list_name", "body": "control",
}
# `bind::x` and `control::x` (`body::x`) attributes that are columns of their own here.
BIND_COLUMNS = {"relevant": "relevant", "required": "required", "constraint": "constraint",
                "calculate": "calculation", "readonly": "read_only", "jr:constraintmsg": "constraint_message",
                "jr:requiredmsg": "required_message", "jr:noapperrorstring": "no_app_error_string"}
CONTROL_COLUMNS = {"appearance": "appearance", "jr:count": "repeat_count", "rows": "rows", "autoplay": "autoplay"}
# Columns ODK acts on that this engine does not: a form that fills one is refused, located (never dropped).
# (`intent` — an Android app that fills a question or a group — is not launched here: the questions are typed.)
UNSERVED_COLUMNS: set[str] = set()
# `bind::`/`control::` attributes with a meaning in ODK that this engine does not give them (refused, located). Any
# other attribute is a form's own, which ODK ignores too (saveIncomplete is honoured: every answer is saved).
UNSERVED_ATTRIBUTES = {"bind::type", "bind::jr:preload", "bind::jr:preloadparams", "control::jr:noaddremove"}
MEDIA = {"image", "audio", "video", "big-image"}
TRANSLATED = {"label", "hint", "required_message", "constraint_message", "warning_message", "guidance_hint",
              "no_app_error_string", *MEDIA}

NAME = re.compile(r"^[^\W\d][\w.\-]*$")

# Bounds on what a form may hold, far beyond any real questionnaire (a form past them is refused, located):
MAX_NESTING = 32       # groups and repeats inside one another
MAX_CELL = 32_767      # characters in one cell (Excel's own limit)

# Choice lists the engine supplies when a form uses them without defining them (documented in docs/forms.md).
BUILTIN_LISTS = ("vn_provinces", "vn_communes", "villages")


@dataclass(frozen=True, slots=True)
class Located:
    """One problem of a form definition: where (sheet, row as the designer numbers it — the header is row 1, 0 for
    the sheet as a whole — and column) and what (a catalogue key and the values that fill it).
    `text(lang)` says it: '[survey sheet, row 12, column 'type'] …' / '[trang survey, dòng 12, cột 'type'] …'."""
    sheet: str
    row: int
    column: str | None
    key: str
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def where(self, lang: str = "vi") -> str:
        if self.sheet == "workbook":
            return t("forms.where.workbook", lang)
        if self.column:
            return t("forms.where.cell", lang, sheet=self.sheet, row=self.row, column=self.column)
        if self.row:
            return t("forms.where.row", lang, sheet=self.sheet, row=self.row)
        return t("forms.where.sheet", lang, sheet=self.sheet)

    def body(self, lang: str = "vi") -> str:
        return FormError(self.key, None, **self.values).body(lang)

    def text(self, lang: str = "vi") -> str:
        return f"[{self.where(lang)}] {self.body(lang)}"

    def __str__(self) -> str:
        return self.text("en")


class FormErrors(FormError):
    """Every problem found in a form definition, each located (sheet, row, column); `where` is the form's file or
    folder. `text(lang)` says the first 20 in that language."""

    SHOWN = 20

    def __init__(self, errors: list[Located], source: str = "form"):
        self.errors = list(errors)
        more = len(self.errors) - self.SHOWN
        if more > 0:
            super().__init__("forms.error.refused_more", source, problems=self.errors[:self.SHOWN], more=more)
        else:
            super().__init__("forms.error.refused", source, problems=self.errors)

    def __reduce__(self) -> tuple:
        return FormErrors, (self.errors, self.where)


@dataclass(slots=True)
class Choice:
    name: str
    labels: dict[str, str]
    extra: dict[str, str]

    def label(self, lang: str, default: str = "vi") -> str:
        return self.labels.get(lang) or self.labels.get(default) or next(iter(self.labels.values()), self.name)

    def get(self, column: str) -> str:
        if column == "name":
            return self.name
        if column == "label":
            return self.label("vi")
        if column.startswith("label::"):
            return self.labels.get(column[7:], "")
        return self.extra.get(column, "")


@dataclass(slots=True, eq=False)
class Item:
    """A survey row: a question, a note, a calculation, a group or a repeat."""
    kind: str                       # question | group | repeat
    type: str                       # text, integer, …, note, calculate; "group"/"repeat" for the containers
    name: str
    row: int
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    list_name: str | None = None
    list_source: str = ""             # where a select's choices come from: choices | file | external
    required: bool | Node = False
    required_message: dict[str, str] = field(default_factory=dict)
    relevant: Node | None = None
    constraint: Node | None = None
    constraint_message: dict[str, str] = field(default_factory=dict)
    warning: Node | None = None
    warning_message: dict[str, str] = field(default_factory=dict)
    calculation: Node | None = None
    default: str | None = None
    default_expr: Node | None = None     # a default that is an expression (evaluated once, as ODK does)
    read_only: bool | Node = False
    appearance: str = ""
    choice_filter: Node | None = None
    repeat_count: Node | None = None
    parent: "Item | None" = None     # the enclosing group or repeat
    repeat: "Item | None" = None     # the nearest enclosing repeat (not the item itself)
    chain: tuple["Item", ...] = ()   # the repeats the item lies in, outermost first (a repeat itself included)
    children: list["Item"] = field(default_factory=list)
    deps: frozenset[str] = frozenset()   # names its relevance and value read (the group above included)
    check_deps: frozenset[str] = frozenset()  # names its checks, choice filter and label read
    anywhere: frozenset[str] = frozenset()    # of those, the names read in any instance (not only its own)
    positional: bool = False             # reads position(..)
    label_refs: frozenset[str] = frozenset()
    columns: dict[str, str] = field(default_factory=dict)   # the row as written (for export)
    meta: str = ""                       # for ODK metadata (type "meta"): start, end, today, deviceid, …
    range: tuple[float, float, float] | None = None   # a range question's start, end and step
    triggers: tuple[str, ...] = ()       # `trigger`: the questions whose change sets this value (ODK's setvalue)
    trigger_value: Node | None = None    # …to this expression (its `calculation`; none: the value is cleared)
    asked: bool = True                   # False for a triggered value with neither label nor hint (never shown)
    element: str = ""                    # its node's name in ODK's XForm when not its name (a loop's copies)

    @property
    def xml_name(self) -> str:
        """The name of its node in the form's instance (what XPath paths step through)."""
        return self.element or self.name

    @property
    def is_input(self) -> bool:
        return self.kind == "question" and self.type in INPUT_TYPES

    @property
    def choices(self) -> str | None:  # the shape the GUI's builtin questions have
        return self.list_name

    @property
    def path(self) -> list[str]:
        out = []
        p = self.parent
        while p is not None:
            out.append(p.xml_name)
            p = p.parent
        return list(reversed(out))

    def label(self, lang: str, default: str = "vi") -> str:
        return self.labels.get(lang) or self.labels.get(default) or next(iter(self.labels.values()), "")

    def __hash__(self) -> int:
        return hash(self.name)


@dataclass(slots=True)
class Form:
    form_id: str
    version: str
    title: str
    default_language: str
    languages: tuple[str, ...]
    items: list[Item]                  # every survey row in form order (containers included)
    by_name: dict[str, Item]
    top: list[Item]                    # the top-level items
    choices: dict[str, list[Choice]]
    settings: dict[str, str]
    sheets: dict[str, list[dict[str, str]]]   # the rows as read (for export; columns normalised)
    external: dict[str, list[Choice]] = field(default_factory=dict)   # the external_choices sheet's lists
    triggered: dict[str, list[Item]] = field(default_factory=dict)    # a question → the values its change sets
    instances: dict[str, XNode] = field(default_factory=dict)   # instance('NAME'): choice lists, files beside it
    order: list[Item] = field(default_factory=list)        # evaluation order (dependencies first)
    dependents: dict[str, list[Item]] = field(default_factory=dict)   # downstream values, in order (Downstream)
    readers: dict[str, list[Item]] = field(default_factory=dict)      # the items whose expressions read a name

    def questions(self) -> Iterable[Item]:
        return (i for i in self.items if i.kind == "question")

    def repeats(self) -> list[Item]:
        return [i for i in self.items if i.kind == "repeat"]


# --- reading the sheets -----------------------------------------------------------------------------------------

def normalise_headers(headers: list[str]) -> list[str]:
    """A sheet's header row as pyxform reads it, to the names used here: 'LABEL::EN' → 'label::en',
    'label:English (en)' → 'label::en' (single colons split only when no header of the row has '::'),
    'bind::relevant' / 'bind:relevant' → 'relevant', 'caption' → 'label', 'count' → 'repeat_count',
    'body::appearance' → 'appearance'. A column pyxform does not know keeps its spelling (a choice column that a
    choice_filter names by its case); a `bind::`/`control::` attribute with no column here stays 'bind::x'."""
    double = any("::" in str(h) for h in headers)
    return [normalise_column(h, double) if str(h).strip() else "" for h in headers]


KNOWN_COLUMNS = {
    "type", "name", "label", "hint", "guidance_hint", "required", "required_message", "relevant", "constraint",
    "constraint_message", "calculation", "default", "read_only", "appearance", "choice_filter", "repeat_count",
    "parameters", "trigger", "intent", "media", "bind", "control", "instance", "autoplay", "rows",
    "no_app_error_string", "list_name", "warning", "warning_message", "form_id", "form_title", "version",
    "default_language", "allow_choice_duplicates", "instance_name", "style", "public_key", "submission_url",
    "namespaces", "clean_text_values", "auto_send", "auto_delete", "save_to", *MEDIA,
}


def normalise_column(header: str, double: bool = True) -> str:
    text = str(header).strip()
    if double or "::" in text:
        tokens = [t.strip() for t in text.split("::")]
    else:
        tokens = [t.strip() for t in text.split(":")]
        low = [t.lower() for t in tokens]
        if "jr" in low:  # 'bind:jr:constraintMsg' with single colons
            j = low.index("jr")
            tokens = tokens[:j] + [f"jr:{tokens[j + 1]}" if j + 1 < len(tokens) else "jr"] + tokens[j + 2:]
    first = "_".join(tokens[0].split()).lower()
    first = COLUMN_ALIASES.get(first, COLUMN_ALIASES.get(tokens[0].lower(), first))
    if first not in KNOWN_COLUMNS:
        return text  # a column of the form's own (pyxform leaves it as written)
    rest = tokens[1:]
    if first == "bind" and rest:
        attr = rest[0].lower()
        if attr not in BIND_COLUMNS:
            return "::".join(["bind", rest[0], *rest[1:]])
        first, rest = BIND_COLUMNS[attr], rest[1:]
    elif first == "control" and rest:
        attr = rest[0].lower()
        if attr not in CONTROL_COLUMNS:
            return "::".join(["control", rest[0], *rest[1:]])
        first, rest = CONTROL_COLUMNS[attr], rest[1:]
    elif first == "media" and rest and rest[0].lower() in MEDIA:
        first, rest = rest[0].lower(), rest[1:]
    if not rest:
        return first
    if first in TRANSLATED:
        return f"{first}::{language_code('::'.join(rest))}"
    return "::".join([first, *(r.lower() for r in rest)])


def language_code(text: str) -> str:
    """'English (en)' → 'en', 'Vietnamese' → 'vi', 'EN' → 'en'; other names stay, lower-cased."""
    t = str(text).strip()
    m = re.search(r"\(([A-Za-z]{2,3})\)\s*$", t)
    if m:
        return m.group(1).lower()
    low = t.lower()
    return {"english": "en", "vietnamese": "vi", "tiếng việt": "vi", "tieng viet": "vi"}.get(low, low)


_SPACES = re.compile(" +")
_SMART_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _cleaned(rows: list[tuple[int, dict[str, str]]], collapse: bool) -> list[tuple[int, dict[str, str]]]:
    """Cells as pyxform reads them: 'smart' quotes as plain ones (‘yes’ → 'yes'), and with `collapse` (the survey
    sheet, unless settings say clean_text_values = no) a run of spaces as one, none at either end."""
    out = []
    for n, row in rows:
        clean = {}
        for k, v in row.items():
            if v:
                v = v.translate(_SMART_QUOTES)
                if collapse:
                    v = _SPACES.sub(" ", v.strip())
            clean[k] = v
        out.append((n, clean))
    return out


def _truthy(text: str) -> bool | None:
    low = text.strip().lower()
    if low in ("yes", "true", "true()", "1", "y"):
        return True
    if low in ("", "no", "false", "false()", "0", "n"):
        return False
    return None


def _translations(row: dict[str, str], column: str, default_lang: str) -> dict[str, str]:
    out = {}
    for key, value in row.items():
        if value == "":
            continue
        if key == column:
            out.setdefault(default_lang, value)
        elif key.startswith(column + "::"):
            out[key[len(column) + 2:]] = value
    return out


LOOP_ELEMENT = "\x00element"   # (a row made from a loop: its node's name, when the row's name had to change)
_LOOP_BEGIN = re.compile(r"begin[ _]loop\s+over\s+(\S+)", re.I)
_LOOP_END = re.compile(r"end[ _]loop", re.I)


def _expand_loops(rows: list[tuple[int, dict[str, str]]], choices: dict[str, list[Choice]], default_lang: str,
                  add: Callable[[Located], None]) -> tuple[list[tuple[int, dict[str, str]]], dict[str, str]]:
    """`begin loop over LIST` … `end loop` as pyxform makes it: a group holding one group per choice of LIST (but
    `none`), named and labelled as the choice, each holding the rows between, with `%(name)s` and `%(label)s` in
    their cells (not in their names) the choice's name and label. A name that the copies repeat gets a name of its
    own here (the loop's, the choice's and its own, joined by '_'), its node keeping the name ODK gives it. Also
    gives the names that stand for several questions so, each with its loop (pyxform refuses ${name} of them)."""
    if not any(_LOOP_BEGIN.fullmatch(" ".join(r.get("type", "").split())) or _LOOP_END.fullmatch(
            r.get("type", "").strip()) for _, r in rows):
        return rows, {}
    other_lists = set()   # lists that an 'or_other' select adds 'other' to (pyxform: the loop goes over it too)
    for _, row in rows:
        _, list_name, or_other, _ = _parse_type(row.get("type", "")) if row.get("type", "").strip() else (
            "", None, False, "")
        if or_other and list_name:
            other_lists.add(list_name)
    # (row number, cells, the names of the loop groups around a copy joined by '_' — '' outside —, its loop)
    out: list[tuple[int, dict[str, str], str, str]] = []

    def expand(block: list[tuple[int, dict[str, str]]], around: str, outer: str) -> None:
        i = 0
        while i < len(block):
            rownum, row = block[i]
            m = _LOOP_BEGIN.fullmatch(" ".join(row.get("type", "").split()))
            if not m:
                if _LOOP_END.fullmatch(row.get("type", "").strip()):
                    add(Located("survey", rownum, "type", "forms.error.end_without_begin",
                                {"type": row["type"].strip(), "kind": "loop over …"}))
                    i += 1
                    continue
                out.append((rownum, row, around, outer))
                i += 1
                continue
            depth, j = 1, i + 1   # the matching end loop
            while j < len(block) and depth:
                t = " ".join(block[j][1].get("type", "").split())
                depth += 1 if _LOOP_BEGIN.fullmatch(t) else (-1 if _LOOP_END.fullmatch(t) else 0)
                j += 1
            inner = block[i + 1:j - 1] if depth == 0 else block[i + 1:]
            list_name, loop = m.group(1), row.get("name", "").strip()
            out.append((rownum, {**row, "type": "begin group"}, around, outer))
            items = list(choices.get(list_name, []))
            if list_name in other_lists and all(c.name != "other" for c in items):
                items.append(Choice("other", {"vi": "Khác", "en": "Other"}, {}))
            if list_name not in choices:
                add(Located("survey", rownum, "type", "forms.error.no_such_list", {"list": list_name}))
            here = "_".join(x for x in (around, loop) if x)
            for c in items:
                if c.name == "none":
                    continue   # (pyxform leaves a select's 'none' out of a loop)
                head = {"type": "begin group", "name": c.name, LOOP_ELEMENT: c.name}
                head.update({f"label::{lang}": text for lang, text in c.labels.items()})
                out.append((rownum, head, here, outer or loop))
                expand([(n, _substituted(r, c, default_lang)) for n, r in inner], f"{here}_{c.name}", outer or loop)
                out.append((rownum, {"type": "end group"}, here, outer or loop))
            if depth == 0:
                out.append((block[j - 1][0], {**block[j - 1][1], "type": "end group"}, around, outer))
            i = j

    expand(rows, "", "")
    count: dict[str, int] = {}
    for _, row, _, _ in out:
        name = row.get("name", "").strip()
        if name:
            count[name] = count.get(name, 0) + 1
    ambiguous: dict[str, str] = {}
    result = []
    for rownum, row, around, loop in out:
        name = row.get("name", "").strip()
        if around and name and count[name] > 1 and NAME.match(name):
            ambiguous.setdefault(name, loop)
            row = {**row, "name": f"{around}_{name}", LOOP_ELEMENT: name}
        result.append((rownum, row))
    return result, ambiguous


def _substituted(row: dict[str, str], choice: Choice, default_lang: str) -> dict[str, str]:
    """A row of a loop for one choice: %(name)s and %(label)s in its cells (the label in the cell's language)."""
    out = {}
    for key, text in row.items():
        if "%(" in text and key != "name":   # (pyxform checks a name before: '%(name)s_x' is no name there)
            lang = key.split("::", 1)[1] if "::" in key else default_lang
            label = choice.labels.get(lang) or choice.labels.get(default_lang) or next(iter(choice.labels.values()),
                                                                                       choice.name)
            text = text.replace("%(name)s", choice.name).replace("%(label)s", label)
        out[key] = text
    return out


def _parse_type(text: str) -> tuple[str, str | None, bool, str]:
    """(type, choice list, or_other, where the choices come from: choices | file | external) from a type cell:
    'select_one yes_no', 'select one from x or specify other', 'select_one_from_file states.csv',
    'begin_group' → 'begin group', 'begin looped group' → 'begin repeat'; other types lower-cased as written."""
    t = " ".join(text.strip().split())
    low = t.lower()
    or_other = False
    for suffix in (" or_other", " or specify other"):
        if low.endswith(suffix):
            t, low, or_other = t[: -len(suffix)], low[: -len(suffix)], True
    m = re.fullmatch(r"(begin|end)[ _](group|repeat|lgroup|looped group|loop)\b(.*)", low)
    if m and m.group(2) == "loop":
        return f"{m.group(1)} loop", None, or_other, "choices"
    if m:
        return f"{m.group(1)} {CONTAINERS[m.group(2)]}", None, or_other, "choices"
    for prefix in sorted(SELECT_PREFIXES, key=len, reverse=True):
        if low.startswith(prefix + " "):
            rest = t[len(prefix) + 1:].strip()
            if rest and " " not in rest:
                source = "file" if "file" in prefix else ("external" if "external" in prefix else "choices")
                ref = re.fullmatch(r"\$\{\s*([^}\s]+)\s*\}", rest)
                if ref and source == "choices":   # select_one ${q}: the answers q was given in its repeat
                    return SELECT_PREFIXES[prefix], ref.group(1), or_other, "repeat"
                return SELECT_PREFIXES[prefix], rest, or_other, source
    return low, None, or_other, "choices"


def build_form(sheets: dict[str, list[tuple[int, dict[str, str]]]], source: str = "form",
               fallback_id: str = "form", files: Callable[[str], str | None] | None = None) -> Form:
    """sheets: sheet name (lower-case) → [(row number, {column: text})], columns already normalised. `files` gives
    the text of a file beside the form (the CSV of a select_one_from_file), or None when there is none."""
    errors: list[Located] = []
    add = errors.append

    if "survey" not in sheets:
        raise FormErrors([Located("survey", 0, None, "forms.error.no_survey_sheet")], source)
    settings_rows = _cleaned(sheets.get("settings") or [], False)
    settings = dict(settings_rows[0][1]) if settings_rows else {}
    default_lang = language_code(settings.get("default_language") or "") or ""
    # the cells as pyxform reads them: "smart" quotes as plain ones, and in the survey sheet runs of spaces and line
    # breaks as one space (unless settings say clean_text_values = no)
    survey_rows = _cleaned(sheets["survey"], _truthy(settings.get("clean_text_values", "yes")) is not False)
    choice_rows = _cleaned(sheets.get("choices") or [], False)
    external_rows = _cleaned(sheets.get("external_choices") or [], False)

    # which languages the form speaks
    langs: list[str] = []
    for _, row in survey_rows + choice_rows + external_rows:
        for key in row:
            if "::" in key and key.split("::")[0] in TRANSLATED:
                lang = key.split("::", 1)[1]
                if lang not in langs:
                    langs.append(lang)
    if not default_lang:
        default_lang = "vi" if "vi" in langs else (langs[0] if langs else "vi")

    # --- choices (the external_choices sheet's lists apart: a select_one_external reads only those)
    choices: dict[str, list[Choice]] = {}
    external: dict[str, list[Choice]] = {}
    allow_dupes = _truthy(settings.get("allow_choice_duplicates", "")) is True
    names_in: dict[str, set[str]] = {}
    external_names: dict[str, set[str]] = {}
    for sheet, rownum, row in [("choices", n, r) for n, r in choice_rows] \
            + [("external_choices", n, r) for n, r in external_rows]:
        list_name = row.get("list_name", "").strip()
        name = row.get("name", "").strip()
        if not list_name and not name and not any(v for v in row.values()):
            continue
        if not list_name:
            add(Located(sheet, rownum, "list_name", "forms.error.choice_no_list"))
            continue
        if name == "":
            add(Located(sheet, rownum, "name", "forms.error.choice_no_name", {"list": list_name}))
            continue
        lists, seen = (choices, names_in) if sheet == "choices" else (external, external_names)
        items = lists.setdefault(list_name, [])
        names = seen.setdefault(list_name, set())
        if not allow_dupes and name in names:
            add(Located(sheet, rownum, "name", "forms.error.choice_twice", {"list": list_name, "name": name}))
            continue
        labels = _translations(row, "label", default_lang)
        extra = {k: v for k, v in row.items() if k not in ("list_name", "name") and not k.startswith("label")}
        items.append(Choice(name, labels, extra))
        names.add(name)

    # --- secondary instances: instance('LIST') for each choice list, and files beside the form (added below)
    instances = _Instances(choices, default_lang)

    survey_rows, loop_names = _expand_loops(survey_rows, choices, default_lang, add)

    # --- survey
    items: list[Item] = []
    by_name: dict[str, Item] = {}
    top: list[Item] = []
    stack: list[Item] = []
    pending: list[tuple[Item, str, str, int]] = []   # (item, column, text, row) expressions to parse

    unserved: set[str] = set()
    refused_names: set[str] = set()   # rows refused (their names are not reported again where they are read)
    for rownum, row in survey_rows:
        for column, text in row.items():
            if text.strip() and column not in unserved and (
                    column in UNSERVED_COLUMNS or column.lower() in UNSERVED_ATTRIBUTES):
                unserved.add(column)   # (named once, on the first row that fills it)
                add(Located("survey", rownum, column, "forms.error.column_unsupported", {"column": column}))
        type_text = row.get("type", "").strip()
        if not type_text:
            # a row with neither name nor label is a comment, skipped (pyxform); with one, a question lacks its type
            if row.get("name", "").strip() or any(v.strip() for k, v in row.items() if k.split("::")[0] == "label"):
                add(Located("survey", rownum, "type", "forms.error.no_type"))
            continue
        kind_type, list_name, or_other, list_source = _parse_type(type_text)
        if kind_type in ("end group", "end repeat"):
            want = "group" if kind_type == "end group" else "repeat"
            if not stack or stack[-1].kind != want:
                add(Located("survey", rownum, "type", "forms.error.end_without_begin",
                            {"type": type_text, "kind": want}))
            else:
                stack.pop()
            continue
        name = row.get("name", "").strip()
        meta = ""

        def refuse(problem: Located) -> None:
            """The row is refused; a refused group or repeat still pairs with its end (no second error there)."""
            add(problem)
            if name:
                refused_names.add(name)
            if kind_type in ("begin group", "begin repeat"):
                stack.append(Item(kind_type.split()[1], kind_type.split()[1], name, rownum))
        if kind_type in ("begin group", "begin repeat"):
            kind = "group" if kind_type == "begin group" else "repeat"
            qtype = kind
        elif kind_type in ("select_one", "select_multiple", "rank"):
            kind, qtype = "question", kind_type
        elif kind_type in TYPE_ALIASES:
            kind, qtype = "question", TYPE_ALIASES[kind_type]
        elif kind_type in META_TYPES:
            kind, qtype, meta = "question", "meta", META_TYPES[kind_type]
        elif kind_type in EXTERNAL_INSTANCES:
            # csv-external / xml-external: no question, instance('NAME') reads NAME.csv / NAME.xml beside the form
            if not name or not NAME.match(name):
                refuse(Located("survey", rownum, "name", "forms.error.no_name" if not name else "forms.error.bad_name",
                               {"type": type_text, "name": name}))
                continue
            doc = _instance_from_file(name + EXTERNAL_INSTANCES[kind_type], files)
            if isinstance(doc, Located):
                refuse(Located("survey", rownum, "name", doc.key, doc.values))
            else:
                instances[name] = doc
            continue
        else:
            not_yet = kind_type in NOT_YET or kind_type.split(" ")[0] in NOT_YET \
                or any(kind_type.startswith(n + " ") for n in NOT_YET)
            desktop = kind_type in DESKTOP_CANNOT or kind_type.split(" ")[0] in DESKTOP_CANNOT
            refuse(Located("survey", rownum, "type", "forms.error.type_desktop" if desktop else (
                "forms.error.unsupported_type" if not_yet else "forms.error.unknown_type"), {"type": type_text}))
            continue
        if not name and qtype == "note":
            name = f"generated_note_name_{rownum}"   # as pyxform names a note that has none
        if not name and meta == "audit":
            name = "audit"                           # as pyxform names it
        if not name:
            refuse(Located("survey", rownum, "name", "forms.error.no_name", {"type": type_text}))
            continue
        if not NAME.match(name):
            refuse(Located("survey", rownum, "name", "forms.error.bad_name", {"name": name}))
            continue
        if name in by_name:
            refuse(Located("survey", rownum, "name", "forms.error.name_twice",
                           {"name": name, "first": by_name[name].row}))
            continue
        item = Item(kind, qtype, name, rownum, columns={k: v for k, v in row.items() if k != LOOP_ELEMENT}, meta=meta,
                    element=row.get(LOOP_ELEMENT, ""))
        item.labels = _translations(row, "label", default_lang)
        item.hints = _translations(row, "hint", default_lang)
        item.required_message = _translations(row, "required_message", default_lang)
        item.constraint_message = _translations(row, "constraint_message", default_lang)
        item.warning_message = _translations(row, "warning_message", default_lang)
        item.appearance = row.get("appearance", "").strip()
        item.default = row.get("default") or None
        if item.default is not None and _is_dynamic(item.default, qtype):
            pending.append((item, "default_expr", item.default, rownum))
        item.list_name = list_name
        item.list_source = list_source if list_name else ""
        if kind_type in ("select_one", "select_multiple", "rank") and not list_name:
            refuse(Located("survey", rownum, "type", "forms.error.select_no_list", {"type": type_text}))
            continue
        if list_source == "file" and list_name not in choices:
            doc = _instance_from_file(list_name, files)
            found = doc if isinstance(doc, Located) else _choices_from_instance(doc, list_name,
                                                                                row.get("parameters", ""), default_lang)
            if isinstance(found, Located):
                refuse(Located("survey", rownum, "type", found.key, found.values))
                continue
            choices[list_name] = found
            names_in[list_name] = {c.name for c in found}
            instances.setdefault(list_name.rsplit(".", 1)[0], doc)
        if kind_type == "range":
            bounds = _range_parameters(row.get("parameters", ""))
            if bounds is None:
                refuse(Located("survey", rownum, "parameters", "forms.error.range_parameters",
                               {"parameters": row.get("parameters", "")}))
                continue
            item.range = bounds
        lists = external if list_source == "external" else choices
        if list_name and list_source != "repeat" and list_name not in lists and list_name not in BUILTIN_LISTS:
            add(Located("survey", rownum, "type", "forms.error.no_such_list", {"list": list_name}))
        if or_other and list_name in choices and list_source not in ("external", "repeat"):
            if "other" not in names_in[list_name]:
                choices[list_name].append(Choice("other", {"vi": "Khác", "en": "Other"}, {}))
                names_in[list_name].add("other")
        for column in ("required", "read_only"):
            text = row.get(column, "").strip()
            flag = _truthy(text)
            if flag is None:
                pending.append((item, column, text, rownum))
            else:
                setattr(item, column, flag)
        trigger_text = row.get("trigger", "").strip()
        if trigger_text:
            # ODK's setvalue: when one of these questions changes, the value becomes the calculation's, computed then
            names = re.findall(r"\$\{\s*([^}]*?)\s*\}", trigger_text)
            if not names or re.sub(r"\$\{[^}]*\}", "", trigger_text).strip(" ,"):
                refuse(Located("survey", rownum, "trigger", "forms.error.trigger_not_names", {"trigger": trigger_text}))
                continue
            item.triggers = tuple(dict.fromkeys(names))
            item.asked = qtype != "calculate" and bool(item.labels or item.hints)
        for column in ("relevant", "constraint", "warning", "calculation", "choice_filter", "repeat_count"):
            text = row.get(column, "").strip()
            if column == "calculation" and item.triggers:
                if text:
                    pending.append((item, "trigger_value", text, rownum))
                continue
            if column == "constraint" and not text:
                text = IMPLICIT_CONSTRAINTS.get(kind_type, "")
            if text:
                if column == "repeat_count" and kind != "repeat":
                    continue
                pending.append((item, column, text, rownum))
        if qtype == "calculate" and not row.get("calculation", "").strip() and not item.default \
                and not item.triggers:
            # (a calculation with only a default holds that value, given once, as pyxform 4.5 makes it)
            add(Located("survey", rownum, "calculation", "forms.error.calculation_empty", {"name": name}))
        parent = stack[-1] if stack else None
        item.parent = parent
        item.repeat = parent if parent is not None and parent.kind == "repeat" else (parent.repeat if parent else None)
        item.chain = (parent.chain if parent is not None else ()) + ((item,) if kind == "repeat" else ())
        (parent.children if parent else top).append(item)
        items.append(item)
        by_name[name] = item
        if kind in ("group", "repeat"):
            if len(stack) == MAX_NESTING:
                add(Located("survey", rownum, "type", "forms.error.too_deep", {"limit": MAX_NESTING}))
            stack.append(item)
        if or_other and list_name:
            other = Item("question", "text", f"{name}_other", rownum, parent=parent, repeat=item.repeat,
                         labels={k: v + " (khác)" if k == "vi" else v + " (other)" for k, v in item.labels.items()},
                         chain=item.chain)
            pending.append((other, "relevant", f"selected(${{{name}}}, 'other')", rownum))
            (parent.children if parent else top).append(other)
            items.append(other)
            by_name.setdefault(other.name, other)
    for open_item in stack:
        add(Located("survey", open_item.row, "type", "forms.error.not_closed",
                    {"kind": open_item.kind, "name": open_item.name}))

    if "instanceID" not in by_name and any(re.search(r"\$\{\s*instanceID\s*\}", text) for _, _, text, _ in pending):
        item = Item("question", "meta", "instanceID", 0, meta="instanceID")   # meta/instanceID, as pyxform adds it
        items.append(item)
        top.append(item)
        by_name[item.name] = item

    # --- expressions, parsed once
    for item, column, text, rownum in pending:
        where = {"default_expr": "default", "trigger_value": "calculation"}.get(column, column)
        try:
            node = parse(text, columns=(column == "choice_filter"))
        except ExpressionError as exc:
            add(Located("survey", rownum, where, exc.key, exc.values))
            continue
        unknown = {r for r in references(node) | last_saved_names(node) if r not in by_name}
        if unknown & refused_names:
            continue   # it reads a row refused above: that row's message says why
        if unknown & set(loop_names):
            u = sorted(unknown & set(loop_names))[0]
            add(Located("survey", rownum, where, "forms.error.loop_name_ambiguous",
                        {"ref": f"${{{u}}}", "loop": loop_names[u]}))
            continue
        if unknown:
            add(Located("survey", rownum, where, "forms.error.unknown_reference",
                        {"refs": ", ".join(f"${{{u}}}" for u in sorted(unknown))}))
            continue
        bad_pattern = _bad_pattern(node)
        if bad_pattern is not None:
            add(Located("survey", rownum, where, *bad_pattern))
            continue
        missing = sorted({name for name, _ in _instance_names(node) if name not in instances})
        if set(missing) & refused_names:
            continue   # it reads a file refused above: that row's message says why
        if missing:
            add(Located("survey", rownum, where, "forms.error.no_such_instance",
                        {"names": ", ".join(f"'{m}'" for m in missing)}))
            continue
        source = by_name.get(item.list_name or "") if item.list_source == "repeat" and column == "choice_filter" \
            else None
        single = _repeat_read_as_one(node, item, by_name, top, source.repeat if source is not None else None)
        if single is not None:
            add(Located("survey", rownum, where, "forms.error.repeat_as_one_value",
                        {"name": f"${{{single.name}}}", "repeat": single.repeat.name}))
            continue
        setattr(item, column, node)
    label_ref = re.compile(r"\$\{([^}]*)\}")
    for item in items:
        refs = set()
        for text in list(item.labels.values()) + list(item.hints.values()):
            refs |= {re.sub(r"^last-saved#\s*", "", m.strip()) for m in label_ref.findall(text)}
        missing = sorted(r for r in refs if r not in by_name)
        if missing and not set(missing) & refused_names:
            add(Located("survey", item.row, "label", "forms.error.unknown_reference",
                        {"refs": ", ".join(f"${{{u}}}" for u in missing)}))
        item.label_refs = frozenset(r for r in refs if r in by_name)
    for item in items:
        if item.list_source == "repeat":
            src = by_name.get(item.list_name or "")
            if src is None:
                if item.list_name not in refused_names:
                    add(Located("survey", item.row, "type", "forms.error.unknown_reference",
                                {"refs": f"${{{item.list_name}}}"}))
            elif src.kind != "question" or src.repeat is None:
                add(Located("survey", item.row, "type", "forms.error.choices_not_from_repeat",
                            {"name": f"${{{src.name}}}"}))
    triggered: dict[str, list[Item]] = {}
    for item in items:
        for name in item.triggers:
            source_item = by_name.get(name)
            if source_item is None:
                if name not in refused_names:
                    add(Located("survey", item.row, "trigger", "forms.error.unknown_reference",
                                {"refs": f"${{{name}}}"}))
            elif source_item.kind != "question" or source_item.type in ("calculate", "note", "meta", "hidden") \
                    or not source_item.asked:
                add(Located("survey", item.row, "trigger", "forms.error.trigger_not_asked",
                            {"name": f"${{{name}}}"}))
            elif not _prefix(item.chain, source_item.chain):
                add(Located("survey", item.row, "trigger", "forms.error.trigger_other_repeat",
                            {"name": f"${{{name}}}", "repeat": item.repeat.name}))
            else:
                triggered.setdefault(name, []).append(item)

    if errors:   # (a row of a loop is copied once per choice: its problem is told once)
        raise FormErrors(list({(e.sheet, e.row, e.column, e.key, repr(e.values)): e for e in errors}.values()), source)

    form = Form(
        form_id=(settings.get("form_id") or fallback_id).strip(),
        version=str(settings.get("version") or "1").strip(),
        title=(settings.get("form_title") or settings.get("form_id") or fallback_id).strip(),
        default_language=default_lang,
        languages=tuple(langs) or (default_lang,),
        items=items, by_name=by_name, top=top, choices=choices, settings=settings, external=external,
        triggered=triggered, instances=instances,
        sheets={k: [r for _, r in v] for k, v in sheets.items()},
    )
    _dependency_order(form, source)
    return form


def _parameters(text: str) -> dict[str, str]:
    """'start=0 end=10 step=1' → {'start': '0', …} (spaces or commas between, as pyxform reads them)."""
    out = {}
    for part in re.split(r"[\s,;]+", text.strip()):
        key, eq, value = part.partition("=")
        if eq:
            out[key.strip().lower()] = value.strip()
    return out


def _range_parameters(text: str) -> tuple[float, float, float] | None:
    """A range's (start, end, step): ODK's defaults 1, 10, 1. As pyxform accepts them, the end may be before the
    start and the step negative (a reversed slider); None when they are not numbers, the step is 0 or wider than
    the range."""
    params = _parameters(text)
    try:
        start, end, step = (float(params.get(k, d)) for k, d in (("start", "1"), ("end", "10"), ("step", "1")))
    except ValueError:
        return None
    if not all(math.isfinite(x) for x in (start, end, step)) or step == 0 or step > abs(end - start):
        return None
    return start, end, step


MAX_FILE = 50_000_000   # characters of a file beside the form that a secondary instance is read from


def _instance_from_file(file_name: str, files: Callable[[str], str | None] | None) -> XNode | Located:
    """The secondary instance a file beside the form holds (instance('NAME') for NAME.csv, .xml or .geojson), as ODK
    reads it: a CSV as root/item elements with one child per column; an XML file as its elements; a GeoJSON file's
    features as root/item elements with `geometry` (ODK's 'lat lon 0 0' points, ';' between them), `id` and each
    property. A Located problem (sheet and row filled in by the caller) when it is missing or cannot be read."""
    low = file_name.lower()
    if not low.endswith((".csv", ".xml", ".geojson")):
        return Located("survey", 0, None, "forms.error.choice_file_kind", {"file": file_name})
    text = files(file_name) if files is not None else None
    if text is None:
        return Located("survey", 0, None, "forms.error.no_choice_file", {"file": file_name})
    if len(text) > MAX_FILE:
        return Located("survey", 0, None, "forms.error.file_too_big", {"file": file_name, "limit": MAX_FILE})
    root = XNode("root")
    if low.endswith(".csv"):
        try:
            reader = csv.reader(io.StringIO(text))
            header = [h.strip() for h in next(reader, [])]
            for row in reader:
                if any(c.strip() for c in row):
                    item = root.add("item")
                    for h, c in zip(header, row):
                        if h:
                            item.add(h, c.strip())
        except csv.Error:
            return Located("survey", 0, None, "forms.error.file_unreadable", {"file": file_name, "error": "CSV"})
    elif low.endswith(".xml"):
        if re.search(r"<!(DOCTYPE|ENTITY)", text):   # no entities: a file cannot grow without end when read
            return Located("survey", 0, None, "forms.error.file_unreadable", {"file": file_name, "error": "DOCTYPE"})
        try:
            element = ElementTree.fromstring(text)
        except ElementTree.ParseError as exc:
            return Located("survey", 0, None, "forms.error.file_unreadable", {"file": file_name, "error": str(exc)})
        root = XNode(_local(element.tag))
        todo = [(element, root)]
        while todo:
            el, node = todo.pop()
            node.text = (el.text or "").strip() if len(el) == 0 else ""
            for child in el:
                todo.append((child, node.add(_local(child.tag))))
    else:
        try:
            features = json.loads(text).get("features")
            if not isinstance(features, list):
                raise ValueError("no features")
            for feature in features:
                item = root.add("item")
                item.add("geometry", _geojson_geometry((feature or {}).get("geometry") or {}))
                properties = dict((feature or {}).get("properties") or {})
                if "id" in feature:
                    properties.setdefault("id", feature["id"])
                for key, value in properties.items():
                    item.add(str(key), "" if value is None else str(value))
        except (ValueError, AttributeError, TypeError) as exc:
            return Located("survey", 0, None, "forms.error.file_unreadable", {"file": file_name, "error": str(exc)})
    return document(root)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _geojson_geometry(geometry: dict) -> str:
    """A GeoJSON geometry as ODK writes a geopoint, geotrace or geoshape: 'lat lon 0 0', ';' between points."""
    coords = geometry.get("coordinates")
    kind = geometry.get("type")
    points = [coords] if kind == "Point" else (coords[0] if kind == "Polygon" and coords else coords)
    out = []
    for point in points or []:
        if isinstance(point, list) and len(point) >= 2:
            out.append(f"{point[1]} {point[0]} {point[2] if len(point) > 2 else 0} 0")
    return ";".join(out)


def _choices_from_instance(doc: XNode, file_name: str, parameters: str, default_lang: str) -> list[Choice] | Located:
    """The choices of a select_one_from_file: the instance's root/item elements, the choice's name from their
    `name` child and its label from `label` (a GeoJSON feature's `id` and `title`; or the children `parameters`
    name: value=…, label=…); the other children serve choice_filter."""
    params = _parameters(parameters)
    geo = file_name.lower().endswith(".geojson")
    value_col = params.get("value", "id" if geo else "name")
    label_col = params.get("label", "title" if geo else "label")
    root = doc.children[0] if doc.children else None
    items = [c for c in root.children if c.name == "item"] if root is not None and root.name == "root" else []
    if items and not any(c.name == value_col for c in items[0].children):
        return Located("survey", 0, None, "forms.error.choice_file_columns", {"file": file_name, "column": value_col})
    out = []
    for node in items:
        fields = {c.name: c.value() for c in node.children}
        name = fields.get(value_col, "").strip()
        if name:
            label = fields.get(label_col, "").strip() or name
            extra = {k: v for k, v in fields.items() if k not in (value_col, label_col)}
            choice = Choice(name, {default_lang: label}, extra)
            node.choice = choice
            out.append(choice)
    return out


class _Instances(dict):
    """instance('NAME') → its document node: the files beside the form (read when the form loads) and the choice
    lists, each built the first time an expression reads it (a list of 100,000 choices costs nothing until then)."""

    def __init__(self, choices: dict[str, list[Choice]], default_lang: str):
        super().__init__()
        self._choices = choices
        self._lang = default_lang

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) or name in self._choices

    def __missing__(self, name: str) -> XNode:
        if name not in self._choices:
            raise KeyError(name)
        doc = self[name] = _choice_instance(name, self._choices[name], self._lang)
        return doc

    def get(self, name: str, default: object = None) -> object:
        return self[name] if name in self else default


def _choice_instance(list_name: str, choices: list[Choice], default_lang: str) -> XNode:
    """A choice list as pyxform puts it in the XForm, instance('LIST')/root/item: `name`, then `label` (a list whose
    labels are in more than one language has `itextId` instead, read with jr:itext()), then the other columns."""
    root = XNode("root")
    translated = any(set(c.labels) - {default_lang} for c in choices)
    for n, c in enumerate(choices):
        item = root.add("item")
        item.choice = c
        item.add("name", c.name)
        if translated:
            item.add("itextId", f"{list_name}-{n}")
        else:
            item.add("label", c.label(default_lang))
        for k, v in c.extra.items():
            item.add(k, v)
    return document(root)


# pyxform's lexer for a default (parsing/expression.py), its terminals in the order of their priorities: the first
# that matches wins. Only the kinds the decision below needs are named.
_NCNAME = r"[^\W\d][\w.\-]*"
_DEFAULT_TOKENS = re.compile("|".join(f"(?P<{k}>{v})" for k, v in (
    ("DATETIME", r"-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\s+)?(?:(?:\+|\-)\d{2}:\d{2}|Z)?"),
    ("DATE", r"-?\d{4}-\d{2}-\d{2}"),
    ("TIME", r"\d{2}:\d{2}:\d{2}(?:\.\s+)?(?:(?:\+|\-)\d{2}:\d{2}|Z)?"),
    ("NUMBER", r"-?\d+\.\d*|-?\.\d+|-?\d+"),
    ("OPS_MATH", r"[*+\-]| mod | div "),
    ("OTHER_OPS", r"=|!=|<|>|<=|>=| and | or "),
    ("OPS_UNION", r"\|"),
    ("PUNCT", r"[(){}\[\]]|\.\.|\.|/"),
    ("LITERAL", r"\"[^\"]*\"|'[^']*'"),
    ("COMMA", r","),
    ("WHITESPACE", r"\s+"),
    ("PYXFORM_REF", r"\$\{(?:last-saved#)?" + _NCNAME + r"\}"),
    ("FUNC_CALL", _NCNAME + r"(?::" + _NCNAME + r")?\("),
    ("OTHER", r"."),
)), re.S)


def _is_dynamic(text: str, qtype: str) -> bool:
    """pyxform's rule (utils.default_is_dynamic): a default is an expression when its tokens hold an arithmetic
    operator, a '|', a ${name} or a function call — read by pyxform's lexer, where 2020-01-01 is a date and -105.8 a
    number — except that for a date, date-time or geopoint a '-' operator met first makes it the value as written."""
    for m in _DEFAULT_TOKENS.finditer(text):
        kind = m.lastgroup
        if kind == "OPS_MATH" and m.group() == "-" and qtype in ("date", "datetime", "geopoint"):
            return False
        if kind in ("OPS_MATH", "OPS_UNION", "PYXFORM_REF", "FUNC_CALL"):
            return True
    return False


# The functions that take all the instances of a repeat's question (its first argument, for indexed-repeat).
AGGREGATES = {"count", "sum", "max", "min", "count-non-empty", "join", "checklist", "weighted-checklist"}


def _prefix(a: tuple, b: tuple) -> bool:
    """Whether the chain of repeats `a` is the start of (or equal to) `b`."""
    return len(a) <= len(b) and all(x is y for x, y in zip(a, b))


def _repeat_read_as_one(node: Node, item: Item, by_name: dict[str, Item], top: list[Item],
                        source: Item | None = None) -> Item | None:
    """The first question of a repeat that `item`'s expression reads as one value from outside that repeat (ODK
    stops such a form when the repeat has two instances: use sum(), count(), join() or indexed-repeat()). A path
    with a condition in brackets picks its nodes and is not counted. `source`: the repeat a select_one ${q} chooses
    from, whose questions its choice_filter reads instance by instance."""
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        n, many = stack.pop()
        kind = n[0]
        if kind == "ref":
            it = by_name.get(n[1])
            if not many and it is not None and it.kind == "question" and not _prefix(it.chain, item.chain) \
                    and not (source is not None and source in it.chain):
                return it
        elif kind == "call":
            name, args = n[1], n[2]
            for i, a in enumerate(args):
                takes_all = name in AGGREGATES or (name == "indexed-repeat" and (i == 0 or i % 2 == 1)) \
                    or (name == "concat" and len(args) == 1)   # concat(${q}) joins every instance's value
                stack.append((a, takes_all))
        elif kind == "path":
            if not many and not _has_predicates(n):
                for it in _path_items(n, item, by_name, top):
                    if it.kind == "question" and not _prefix(it.chain, item.chain):
                        return it
            stack += [(c, True) for c in _children(n)]   # (inside a path: a start picked from, or a condition)
        else:
            stack += [(c, False) for c in _children(n)]
    return None


def _has_predicates(node: Node) -> bool:
    start, steps = node[1], node[2]
    return bool(start[0] == "expr" and start[2]) or any(p for _, _, p in steps)


_DOC, _ROOT = "#document", "#root"   # the main instance's document node and root element, where a path starts


def _path_items(node: Node, context: Item | list, by_name: dict[str, Item], top: list[Item],
                origin: Item | None = None) -> list[Item]:
    """The items of the form a path can reach (read from the form's structure, not from answers): '/data/g/x',
    '../x', 'current()/../x', '${rep}/x', from the item (or items: what a condition tests) it is read from. A path
    into a secondary instance (instance('…')) reaches none."""
    start, steps = node[1], node[2]
    items = context if isinstance(context, list) else [context]
    if start[0] == "root":
        here: list = [_DOC]
    elif start[0] == "ctx":
        here = list(items)
    else:
        first = start[1]
        if first[0] == "ref" and first[1] in by_name:
            here = [by_name[first[1]]]
        elif first[0] == "call" and first[1] == "current":   # the item whose expression it is
            here = [origin] if origin is not None else list(items[:1])
        else:
            return []
    for axis, name, _ in steps:
        nxt: list = []
        for x in here:
            if axis == "self":
                nxt.append(x)
            elif axis == "parent":
                if x != _DOC:
                    nxt.append(_DOC if x == _ROOT else (x.parent if x.parent is not None else _ROOT))
            elif x == _DOC:
                nxt.append(_ROOT)
            else:
                kids = top if x == _ROOT else (x.children if x.kind in ("group", "repeat") else [])
                nxt.extend(c for c in kids if name == "*" or c.xml_name == name)
        here = [x for x in dict.fromkeys(nxt) if x is not None]
    return [x for x in here if isinstance(x, Item)]


def _reads(node: Node, item: Item, by_name: dict[str, Item], top: list[Item]) -> tuple[set[str], set[str]]:
    """The names an expression reads: (those read in the instance the item stands in — ${name}, relative paths,
    absolute paths as JavaRosa contextualises them —, those read in any instance — through a path with a condition
    in brackets, what such a condition reads of the nodes it tests, indexed-repeat())."""
    aligned: set[str] = set()
    anywhere: set[str] = set()
    stack: list[tuple[Node, bool, list]] = [(node, False, [item])]
    while stack:
        n, loose, here = stack.pop()
        kind = n[0]
        if kind == "ref":
            (anywhere if loose else aligned).add(n[1])
        elif kind == "path":
            picked = loose or _has_predicates(n)
            for it in _path_items(n, here, by_name, top, item):
                (anywhere if picked else aligned).add(it.name)
            start = n[1]
            if start[0] == "expr":
                stack.append((start[1], loose, here))
                tested = _path_items(("path", start, ()), here, by_name, top, item)
                stack += [(c, True, tested) for c in start[2]]
            for depth, (_, _, predicates) in enumerate(n[2], start=1):
                if predicates:   # a condition reads what it tests: the nodes reached at that step
                    tested = _path_items(("path", start, n[2][:depth]), here, by_name, top, item)
                    stack += [(c, True, tested) for c in predicates]
        elif kind == "call" and n[1] == "indexed-repeat":
            stack += [(a, True, here) for a in n[2]]
        else:
            stack += [(c, loose, here) for c in _children(n)]
    return aligned, anywhere


def _instance_names(node: Node) -> list[tuple[str, Node]]:
    """The instance('NAME') calls written with a name (checked when the form loads)."""
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] == "call" and n[1] == "instance" and n[2] and n[2][0][0] == "str":
            out.append((n[2][0][1], n))
        stack += _children(n)
    return out


def _bad_pattern(node: Node) -> tuple[str, dict[str, Any]] | None:
    """(key, values) of the first regex() pattern written in the expression that this engine cannot run."""
    for pattern in regex_patterns(node):
        try:
            linear_regex.compile_pattern(pattern)
        except linear_regex.PatternError as exc:
            key = {"unsupported": "forms.error.regex_unsupported", "too_long": "forms.error.regex_too_long"}.get(
                exc.kind, "forms.error.regex_malformed")
            return key, {"pattern": f"'{pattern}'", "pos": exc.pos, "limit": linear_regex.MAX_PROGRAM}
    return None


def _value_expressions(item: Item) -> list[Node]:
    return [n for n in (item.relevant, item.calculation, item.repeat_count) if n is not None]


def _check_expressions(item: Item) -> list[Node]:
    return [n for n in (item.constraint, item.warning, item.choice_filter,
                        item.required if not isinstance(item.required, bool) else None,
                        item.read_only if not isinstance(item.read_only, bool) else None) if n is not None]


def _dependency_order(form: Form, source: str) -> None:
    """Each item's dependencies (what its relevance and value read, and the group it sits in; apart, what its
    checks read), the order that computes dependencies first, and who depends on whom. A cycle of values is
    refused, located; a check may read anything (a constraint on a question may read a sum of that question)."""
    for item in form.items:
        deps: set[str] = set()
        checks: set[str] = set(item.label_refs)
        anywhere: set[str] = set()
        positional = False
        for node in _value_expressions(item):
            aligned, loose = _reads(node, item, form.by_name, form.top)
            deps |= aligned | loose
            anywhere |= loose
            positional = positional or uses_position(node)
        for node in _check_expressions(item):
            aligned, loose = _reads(node, item, form.by_name, form.top)
            checks |= aligned | loose
            anywhere |= loose
            positional = positional or uses_position(node)
        if item.list_source == "repeat" and item.list_name in form.by_name:   # its choices are those answers
            source = form.by_name[item.list_name]
            checks |= {source.name, *(r.name for r in source.chain)}
            anywhere |= {source.name, *(r.name for r in source.chain)}
            if item.choice_filter is not None:
                aligned, loose = _reads(item.choice_filter, item, form.by_name, form.top)
                anywhere |= aligned | loose
        if item.parent is not None:
            deps.add(item.parent.name)
        deps &= form.by_name.keys()
        checks &= form.by_name.keys()
        if item.name in deps:   # a relevance or value that reads itself: ODK refuses it as a cycle
            raise FormErrors([Located("survey", item.row, None, "forms.error.cycle",
                                      {"cycle": f"{item.name} → {item.name}"})], source)
        item.deps = frozenset(deps)
        item.check_deps = frozenset(checks - deps)
        item.anywhere = frozenset(anywhere)
        item.positional = positional
    order: list[Item] = []
    state: dict[str, int] = {}
    for start in form.items:
        if state.get(start.name):
            continue
        stack: list[tuple[Item, Iterable[str]]] = [(start, iter(sorted(start.deps)))]
        state[start.name] = 1
        while stack:
            item, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[item.name] = 2
                order.append(item)
                continue
            dep = form.by_name[nxt]
            if state.get(nxt) == 1:
                cycle = [s[0].name for s in stack[[s[0].name for s in stack].index(nxt):]]
                raise FormErrors([Located("survey", dep.row, None, "forms.error.cycle",
                                          {"cycle": " → ".join(cycle + [nxt])})], source)
            if not state.get(nxt):
                state[nxt] = 1
                stack.append((dep, iter(sorted(dep.deps))))
    form.order = order
    direct: dict[str, list[str]] = {}
    readers: dict[str, list[Item]] = {}
    for item in form.items:
        for d in item.deps:
            direct.setdefault(d, []).append(item.name)
        for d in item.deps | item.check_deps:
            readers.setdefault(d, []).append(item)
    form.dependents = Downstream(form, direct, {item.name: i for i, item in enumerate(order)})
    form.readers = readers


class Downstream(dict):
    """name → everything downstream of it (what its relevance and value read, transitively), in evaluation order.
    Worked out for a name the first time it is asked for: a form's load stays linear in its size (a chain of
    8,000 relevances has 32 million downstream pairs, and a session only ever asks for the answers it is given)."""

    def __init__(self, form: Form, direct: dict[str, list[str]], rank: dict[str, int]):
        super().__init__()
        self._form = form
        self._direct = direct
        self._rank = rank

    def __missing__(self, name: str) -> list[Item]:
        if name not in self._form.by_name:
            raise KeyError(name)
        seen: set[str] = set()
        todo = [name]
        while todo:
            n = todo.pop()
            for d in self._direct.get(n, ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        rank = self._rank
        out = sorted((self._form.by_name[n] for n in seen), key=lambda i: rank[i.name])
        self[name] = out
        return out


def located(exc: FormError, lang: str = "en") -> list[str]:
    """The messages of a refused form in `lang`, one per problem, each with its sheet, row and column."""
    if isinstance(exc, FormErrors):
        return [e.text(lang) for e in exc.errors]
    return [exc.text(lang)]


def raw_value(value: Any) -> str:
    """A cell as text: None → '', 1.0 → '1', True → 'TRUE' (what the designer sees in the spreadsheet)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
