"""A questionnaire as data: XLSForm's `survey`, `choices` and `settings` sheets read into a `Form`.

`build_form(sheets)` takes the sheets as rows of text (from the CSV folder in forms/ or from an .xlsx) and either
returns a `Form` or raises `FormErrors` listing every problem found, each located the way pyxform does it:
sheet, row (as the designer numbers it: the header is row 1) and column. Every expression is parsed once here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from fieldsurvey.errors import FormError
from fieldsurvey.formengine import linear_regex
from fieldsurvey.formengine.expr import ExpressionError, Node, parse, references, regex_patterns, uses_position
from fieldsurvey.i18n import t

LANGS = ("vi", "en")

INPUT_TYPES = {"text", "integer", "decimal", "date", "select_one", "select_multiple"}
OTHER_TYPES = {"note", "calculate"}
# ODK metadata: recorded by the device, never asked. Loaded as hidden values (start/end/today: the date).
META_TYPES = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email",
              "audit", "uri:deviceid", "uri:username", "uri:email", "uri:subscriberid", "uri:simserial",
              "uri:phonenumber", "start-geopoint", "background-geopoint"}
ALIASES = {"phone number": "text", "phonenumber": "text", "string": "text", "int": "integer",
           "select all that apply": "select_multiple", "select one": "select_one", "begin_group": "begin group",
           "end_group": "end group", "begin_repeat": "begin repeat", "end_repeat": "end repeat"}
KNOWN_ELSEWHERE = {  # ODK types we recognise but do not support: refused with this name
    "geopoint", "geotrace", "geoshape", "image", "audio", "video", "file", "barcode", "acknowledge", "range",
    "rank", "osm", "select_one_external", "select_multiple_external", "select_one_from_file",
    "select_multiple_from_file", "begin loop", "end loop", "include", "start", "end", "today", "deviceid",
    "subscriberid", "simserial", "phonenumber_meta", "username", "email", "audit", "time", "datetime",
    "hidden", "xml-external", "csv-external", "background-audio", "trigger", "dateTime",
}

# Column names as designers write them → the name used here (after lower-casing and "::" splitting).
COLUMN_ALIASES = {
    "list name": "list_name", "requiredmsg": "required_message", "required message": "required_message",
    "constraint message": "constraint_message", "constraintmsg": "constraint_message", "readonly": "read_only",
    "read only": "read_only", "relevance": "relevant", "calculate": "calculation", "choice filter": "choice_filter",
    "repeat count": "repeat_count", "jr:count": "repeat_count", "bind::relevant": "relevant",
    "bind::constraint": "constraint", "bind::calculate": "calculation", "bind::required": "required",
    "bind::readonly": "read_only", "bind::jr:constraintmsg": "constraint_message", "form id": "form_id",
    "form title": "form_title", "default language": "default_language", "warning message": "warning_message",
}
TRANSLATED = {"label", "hint", "required_message", "constraint_message", "warning_message", "guidance_hint"}

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
    required: bool | Node = False
    required_message: dict[str, str] = field(default_factory=dict)
    relevant: Node | None = None
    constraint: Node | None = None
    constraint_message: dict[str, str] = field(default_factory=dict)
    warning: Node | None = None
    warning_message: dict[str, str] = field(default_factory=dict)
    calculation: Node | None = None
    default: str | None = None
    read_only: bool | Node = False
    appearance: str = ""
    choice_filter: Node | None = None
    repeat_count: Node | None = None
    parent: "Item | None" = None     # the enclosing group or repeat
    repeat: "Item | None" = None     # the enclosing repeat (one level of repeats is supported)
    children: list["Item"] = field(default_factory=list)
    deps: frozenset[str] = frozenset()   # names its relevance and value read (the group above included)
    check_deps: frozenset[str] = frozenset()  # names its checks, choice filter and label read
    positional: bool = False             # reads position(..)
    label_refs: frozenset[str] = frozenset()
    columns: dict[str, str] = field(default_factory=dict)   # the row as written (for export)

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
            out.append(p.name)
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
    order: list[Item] = field(default_factory=list)        # evaluation order (dependencies first)
    dependents: dict[str, list[Item]] = field(default_factory=dict)   # downstream values, in order (Downstream)
    readers: dict[str, list[Item]] = field(default_factory=dict)      # the items whose expressions read a name

    def questions(self) -> Iterable[Item]:
        return (i for i in self.items if i.kind == "question")

    def repeats(self) -> list[Item]:
        return [i for i in self.items if i.kind == "repeat"]


# --- reading the sheets -----------------------------------------------------------------------------------------

def normalise_column(header: str) -> str:
    """'LABEL::EN' → 'label::en'; 'label:English (en)' → 'label::en'; 'requiredMsg' → 'required_message'."""
    text = str(header).strip()
    low = text.lower()
    if low in COLUMN_ALIASES:
        return COLUMN_ALIASES[low]
    if "::" in text:
        base, lang = text.split("::", 1)
    elif ":" in text and not low.startswith(("jr:", "bind:", "media:", "body:", "instance:")):
        base, lang = text.split(":", 1)
    else:
        return COLUMN_ALIASES.get(low, low)
    base = COLUMN_ALIASES.get(base.strip().lower(), base.strip().lower())
    return f"{base}::{language_code(lang)}" if base in TRANSLATED else f"{base}::{lang.strip().lower()}"


def language_code(text: str) -> str:
    """'English (en)' → 'en', 'Vietnamese' → 'vi', 'EN' → 'en'; other names stay, lower-cased."""
    t = str(text).strip()
    m = re.search(r"\(([A-Za-z]{2,3})\)\s*$", t)
    if m:
        return m.group(1).lower()
    low = t.lower()
    return {"english": "en", "vietnamese": "vi", "tiếng việt": "vi", "tieng viet": "vi"}.get(low, low)


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


def _parse_type(text: str) -> tuple[str, str | None, bool]:
    """(type, choice list, or_other) from a type cell ('select_one yes_no', 'select one from x or specify other')."""
    t = " ".join(text.strip().split())
    low = t.lower()
    or_other = False
    for suffix in (" or_other", " or specify other"):
        if low.endswith(suffix):
            t, low, or_other = t[: -len(suffix)], low[: -len(suffix)], True
    m = re.fullmatch(r"(select_one|select_multiple|select one|select all that apply)(?: from)? (\S+)", t,
                     re.IGNORECASE)
    if m:
        kind = ALIASES.get(m.group(1).lower(), m.group(1).lower())
        return kind, m.group(2), or_other
    return ALIASES.get(low, low), None, or_other


def build_form(sheets: dict[str, list[tuple[int, dict[str, str]]]], source: str = "form",
               fallback_id: str = "form") -> Form:
    """sheets: sheet name (lower-case) → [(row number, {column: text})], columns already normalised."""
    errors: list[Located] = []
    add = errors.append

    if "survey" not in sheets:
        raise FormErrors([Located("survey", 0, None, "forms.error.no_survey_sheet")], source)
    settings_rows = sheets.get("settings") or []
    settings = dict(settings_rows[0][1]) if settings_rows else {}
    default_lang = language_code(settings.get("default_language") or "") or ""
    survey_rows = sheets["survey"]
    choice_rows = sheets.get("choices") or []

    # which languages the form speaks
    langs: list[str] = []
    for _, row in survey_rows + choice_rows:
        for key in row:
            if "::" in key and key.split("::")[0] in TRANSLATED:
                lang = key.split("::", 1)[1]
                if lang not in langs:
                    langs.append(lang)
    if not default_lang:
        default_lang = "vi" if "vi" in langs else (langs[0] if langs else "vi")

    # --- choices
    choices: dict[str, list[Choice]] = {}
    allow_dupes = _truthy(settings.get("allow_choice_duplicates", "")) is True
    names_in: dict[str, set[str]] = {}
    for rownum, row in choice_rows:
        list_name = row.get("list_name", "").strip()
        name = row.get("name", "").strip()
        if not list_name and not name and not any(v for v in row.values()):
            continue
        if not list_name:
            add(Located("choices", rownum, "list_name", "forms.error.choice_no_list"))
            continue
        if name == "":
            add(Located("choices", rownum, "name", "forms.error.choice_no_name", {"list": list_name}))
            continue
        items = choices.setdefault(list_name, [])
        names = names_in.setdefault(list_name, set())
        if not allow_dupes and name in names:
            add(Located("choices", rownum, "name", "forms.error.choice_twice", {"list": list_name, "name": name}))
            continue
        labels = _translations(row, "label", default_lang)
        extra = {k: v for k, v in row.items() if k not in ("list_name", "name") and not k.startswith("label")}
        items.append(Choice(name, labels, extra))
        names.add(name)

    # --- survey
    items: list[Item] = []
    by_name: dict[str, Item] = {}
    top: list[Item] = []
    stack: list[Item] = []
    pending: list[tuple[Item, str, str, int]] = []   # (item, column, text, row) expressions to parse

    for rownum, row in survey_rows:
        type_text = row.get("type", "").strip()
        if not type_text:
            if any(v.strip() for v in row.values()):
                add(Located("survey", rownum, "type", "forms.error.no_type"))
            continue
        kind_type, list_name, or_other = _parse_type(type_text)
        if kind_type in ("end group", "end repeat"):
            want = "group" if kind_type == "end group" else "repeat"
            if not stack or stack[-1].kind != want:
                add(Located("survey", rownum, "type", "forms.error.end_without_begin",
                            {"type": type_text, "kind": want}))
            else:
                stack.pop()
            continue
        name = row.get("name", "").strip()
        if kind_type in ("begin group", "begin repeat"):
            kind = "group" if kind_type == "begin group" else "repeat"
            qtype = kind
        elif kind_type in INPUT_TYPES or kind_type in OTHER_TYPES:
            kind, qtype = "question", kind_type
        elif kind_type in META_TYPES:
            kind, qtype = "question", "meta"
        else:
            first = kind_type.split(" ")[0]
            odk = kind_type in KNOWN_ELSEWHERE or first in KNOWN_ELSEWHERE or kind_type.startswith(
                ("begin loop", "end loop"))
            add(Located("survey", rownum, "type", "forms.error.unsupported_type" if odk else "forms.error.unknown_type",
                        {"type": type_text}))
            continue
        if not name:
            add(Located("survey", rownum, "name", "forms.error.no_name", {"type": type_text}))
            continue
        if not NAME.match(name):
            add(Located("survey", rownum, "name", "forms.error.bad_name", {"name": name}))
            continue
        if name in by_name:
            add(Located("survey", rownum, "name", "forms.error.name_twice", {"name": name, "first": by_name[name].row}))
            continue
        item = Item(kind, qtype, name, rownum, columns=dict(row))
        item.labels = _translations(row, "label", default_lang)
        item.hints = _translations(row, "hint", default_lang)
        item.required_message = _translations(row, "required_message", default_lang)
        item.constraint_message = _translations(row, "constraint_message", default_lang)
        item.warning_message = _translations(row, "warning_message", default_lang)
        item.appearance = row.get("appearance", "").strip()
        item.default = row.get("default") or None
        item.list_name = list_name
        if kind_type in ("select_one", "select_multiple") and not list_name:
            add(Located("survey", rownum, "type", "forms.error.select_no_list", {"type": type_text}))
            continue
        if list_name and list_name not in choices and list_name not in BUILTIN_LISTS:
            add(Located("survey", rownum, "type", "forms.error.no_such_list", {"list": list_name}))
        if or_other and list_name in choices:
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
        for column in ("relevant", "constraint", "warning", "calculation", "choice_filter", "repeat_count"):
            text = row.get(column, "").strip()
            if text:
                if column == "repeat_count" and kind != "repeat":
                    continue
                pending.append((item, column, text, rownum))
        if qtype == "calculate" and not row.get("calculation", "").strip():
            add(Located("survey", rownum, "calculation", "forms.error.calculation_empty", {"name": name}))
        parent = stack[-1] if stack else None
        item.parent = parent
        item.repeat = parent if parent is not None and parent.kind == "repeat" else (parent.repeat if parent else None)
        if kind == "repeat" and item.repeat is not None:
            add(Located("survey", rownum, "type", "forms.error.nested_repeat",
                        {"name": name, "outer": item.repeat.name}))
            continue
        (parent.children if parent else top).append(item)
        items.append(item)
        by_name[name] = item
        if kind in ("group", "repeat"):
            if len(stack) == MAX_NESTING:
                add(Located("survey", rownum, "type", "forms.error.too_deep", {"limit": MAX_NESTING}))
            stack.append(item)
        if or_other and list_name:
            other = Item("question", "text", f"{name}_other", rownum, parent=parent, repeat=item.repeat,
                         labels={k: v + " (khác)" if k == "vi" else v + " (other)" for k, v in item.labels.items()})
            pending.append((other, "relevant", f"selected(${{{name}}}, 'other')", rownum))
            (parent.children if parent else top).append(other)
            items.append(other)
            by_name.setdefault(other.name, other)
    for open_item in stack:
        add(Located("survey", open_item.row, "type", "forms.error.not_closed",
                    {"kind": open_item.kind, "name": open_item.name}))

    # --- expressions, parsed once
    for item, column, text, rownum in pending:
        try:
            node = parse(text, columns=(column == "choice_filter"))
        except ExpressionError as exc:
            add(Located("survey", rownum, column, exc.key, exc.values))
            continue
        unknown = {r for r in references(node) if r not in by_name}
        if unknown:
            add(Located("survey", rownum, column, "forms.error.unknown_reference",
                        {"refs": ", ".join(f"${{{u}}}" for u in sorted(unknown))}))
            continue
        bad_pattern = _bad_pattern(node)
        if bad_pattern is not None:
            add(Located("survey", rownum, column, *bad_pattern))
            continue
        setattr(item, column, node)
    label_ref = re.compile(r"\$\{([^}]*)\}")
    for item in items:
        refs = set()
        for text in list(item.labels.values()) + list(item.hints.values()):
            refs |= {m.strip() for m in label_ref.findall(text)}
        missing = sorted(r for r in refs if r not in by_name)
        if missing:
            add(Located("survey", item.row, "label", "forms.error.unknown_reference",
                        {"refs": ", ".join(f"${{{u}}}" for u in missing)}))
        item.label_refs = frozenset(r for r in refs if r in by_name)

    if errors:
        raise FormErrors(errors, source)

    form = Form(
        form_id=(settings.get("form_id") or fallback_id).strip(),
        version=str(settings.get("version") or "1").strip(),
        title=(settings.get("form_title") or settings.get("form_id") or fallback_id).strip(),
        default_language=default_lang,
        languages=tuple(langs) or (default_lang,),
        items=items, by_name=by_name, top=top, choices=choices, settings=settings,
        sheets={k: [r for _, r in v] for k, v in sheets.items()},
    )
    _dependency_order(form, source)
    return form


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
        positional = False
        for node in _value_expressions(item):
            deps |= references(node)
            positional = positional or uses_position(node)
        for node in _check_expressions(item):
            checks |= references(node)
            positional = positional or uses_position(node)
        if item.parent is not None:
            deps.add(item.parent.name)
        deps.discard(item.name)
        item.deps = frozenset(deps)
        item.check_deps = frozenset(checks - deps)
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
