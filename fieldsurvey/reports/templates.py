"""Document templates as data: what an official document holds and in which order — its header, title, paragraphs,
tables with their columns and sub-columns, row groups, totals, notes and signature blocks — read from a TOML file
(resources/templates/*.toml, or a province's own file given in its place) and checked when loaded. A refusal names
the file and the line (`TemplateError`, where = "file.toml:12").

    tpl = load_template("certificate")                      # the bundled Mẫu số 03
    tpl = read_template("my-certificate.toml", "certificate")  # a province's version, checked against the kind

A text in a template is a string, or `{ vi = "…", en = "…" }` for a text that has an English version. Texts may
hold placeholders filled when printing — `{commune}`, `{commune:upper}`, `{date}` … — and every placeholder and
every column's `field` must be one the document kind provides (`KINDS`), so a typo is refused when the file is read,
not found on paper. The fields each kind provides are listed in docs/reports.md.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from fieldsurvey.domain.figures import MOVEMENT_COLUMNS, TARGET_GROUPS
from fieldsurvey.paths import resource
from fieldsurvey.reports.datafile import DataFile

# --- what each kind of document provides ------------------------------------------------------------------------

COMMON = frozenset({
    "commune", "commune_place", "province", "year", "round", "standard", "date", "number", "chairman",
    "printed_at"})
HOUSEHOLD_VALUES = frozenset({
    "head_name", "head_ethnicity", "head_id", "head_id_issued", "head_sex", "head_sex_code", "head_birth_date",
    "residence", "current_address", "village", "village_place", "class_label", "previous_class_label",
    "household_code", "head_male_box", "head_female_box"})
MEMBER_FIELDS = frozenset({
    "no", "name", "ethnicity", "relationship", "birth_year", "birth_year_male", "birth_year_female", "birth_date",
    "sex", "sex_code", "status", "id_number", "notes"})
HOUSEHOLD_ROW_FIELDS = frozenset({
    "no", "head_name", "income", "code", "village", "address", "ethnicity", "minority", "members", "area", "b1", "b2",
    "deprived", "class", "previous_class", "movement", "category", "head_id", "agreed", "agreed_share", "notes",
    "members_text", "female_head"})
UNIT_FIELDS = frozenset({
    "no", "name", "households", "households_minority", "members", "reviewed", "poor", "poor_rate", "poor_minority",
    "poor_minority_rate", "near_poor", "near_poor_rate", "near_poor_minority", "near_poor_minority_rate", "average",
    "not_poor", "incomplete", "low_income_workers", "md_rate", "residents", "listed", "listed_minority", "in_progress",
    "waiting", "unclassified", "counted"})
MOVEMENT_FIELDS = frozenset({"no", "name", *MOVEMENT_COLUMNS})
DEPRIVATION_FIELDS = frozenset({"no", "name", "count"} | {f"i{n}" for n in range(1, 13)})
GROUP_FIELDS = frozenset({"no", "item", "poor", "poor_share", "near_poor", "near_poor_share"})


FORM_VALUES = frozenset({
    "b1_label", "b1_value", "b1_note", "b2_total", "b2_points", "deprivation_count", "indicator_count", "class",
    "summary", "standard_title", "interview_date", "enumerator", "area", "members_count", "phone", "address",
    "low_income_workers"})
VILLAGE_VALUES = frozenset({
    "village", "village_place", "listed", "attending", "attending_share", "chair", "secretary", "meeting_place",
    "meeting_start", "meeting_end", "poor_count", "near_poor_count", "escaped_count", "new_count", "average_count",
    "incomplete_count"})
INDICATOR_FIELDS = frozenset({"no", "name", "deprived", "points", "status", "reason"})
# the lines of an `answers` block: what a household's form asks beyond the state's fields (rank answers, repeats
# inside the roster under their member), a text each, indented by its level, a member's line bold
ANSWER_FIELDS = frozenset({"text", "level", "bold"})


@dataclass(frozen=True)
class Kind:
    """A kind of document: the placeholders its texts may use and the rows (with their fields) its tables may
    show. A `simple` kind is drawn straight on the canvas (thousands of pages): its tables have one row of heads
    and no groups, and its header is the motto alone or none."""

    name: str
    values: frozenset[str]
    sources: Mapping[str, frozenset[str]]
    file: str                     # the bundled template
    simple: bool = False


# the province's tables (fieldsurvey/reports/province.py): a row per commune, the province's row as the total
PROVINCE_VALUES = frozenset({
    "province", "province_place", "year", "round", "standard", "date", "number", "chairman", "printed_at",
    "reported", "missing", "households", "poor_count", "poor_rate", "near_poor_count", "near_poor_rate",
    "last_year_text", "indicator_names"})
COMMUNE_FIELDS = frozenset({
    "no", "code", "name", "residents", "poor", "poor_rate", "near_poor", "near_poor_rate", "md_rate", "average",
    "counted", "waiting", "last_year", "last_poor", "last_poor_rate", "last_near_poor", "last_near_poor_rate",
    "poor_change", "poor_rate_change", "near_poor_change", "near_poor_rate_change"})
COMMUNE_TARGET_FIELDS = frozenset({"no", "code", "name"} | {f"{k}_{g}" for k in ("poor", "near_poor")
                                                            for g in TARGET_GROUPS})
COMMUNE_MINORITY_FIELDS = frozenset({"no", "code", "name", "minority_residents", "counted", "poor", "poor_rate",
                                     "near_poor", "near_poor_rate"})

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("certificate", COMMON | HOUSEHOLD_VALUES,
         {"members": MEMBER_FIELDS, "years": frozenset({"year", "poor", "near_poor", "signature"})},
         "mau-03-giay-chung-nhan.toml"),
    Kind("household_form", COMMON | HOUSEHOLD_VALUES | FORM_VALUES,
         {"members": MEMBER_FIELDS | {"insurance", "work"}, "indicators": INDICATOR_FIELDS,
          "answers": ANSWER_FIELDS}, "phieu-b.toml", simple=True),
    Kind("request_review", COMMON | HOUSEHOLD_VALUES, {"members": MEMBER_FIELDS}, "mau-01-giay-de-nghi-ra-soat.toml"),
    Kind("request_escape", COMMON | HOUSEHOLD_VALUES, {"members": MEMBER_FIELDS},
         "mau-04-giay-de-nghi-thoat-ngheo.toml"),
    Kind("decision", COMMON | {"poor_count", "near_poor_count", "escaped_poor_count", "escaped_near_poor_count",
                               "poor_members", "near_poor_members", "escaped_poor_members",
                               "escaped_near_poor_members", "households"},
         {s: HOUSEHOLD_ROW_FIELDS for s in ("poor", "near_poor", "escaped_poor", "escaped_near_poor")},
         "mau-02-quyet-dinh-cong-nhan.toml"),
    Kind("minutes", COMMON | VILLAGE_VALUES, {"households": HOUSEHOLD_ROW_FIELDS}, "phu-luc-v-bien-ban-hop-dan.toml"),
    Kind("posting", COMMON | VILLAGE_VALUES, {"households": HOUSEHOLD_ROW_FIELDS}, "danh-sach-niem-yet.toml"),
    Kind("report", COMMON | {"households", "poor_count", "near_poor_count", "indicator_names"},
         {"units": UNIT_FIELDS, "movement_poor": MOVEMENT_FIELDS, "movement_near_poor": MOVEMENT_FIELDS,
          "deprivation_poor": DEPRIVATION_FIELDS, "deprivation_near_poor": DEPRIVATION_FIELDS,
          "targets": GROUP_FIELDS, "ethnicity": GROUP_FIELDS, "causes": GROUP_FIELDS, "children": GROUP_FIELDS,
          "households_poor": HOUSEHOLD_ROW_FIELDS, "households_near_poor": HOUSEHOLD_ROW_FIELDS},
         "bao-cao-ket-qua-ra-soat.toml"),
    Kind("province_report", PROVINCE_VALUES,
         {"communes": COMMUNE_FIELDS, "movement_poor": MOVEMENT_FIELDS | {"code"},
          "movement_near_poor": MOVEMENT_FIELDS | {"code"}, "deprivation_poor": DEPRIVATION_FIELDS | {"code"},
          "deprivation_near_poor": DEPRIVATION_FIELDS | {"code"}, "targets": COMMUNE_TARGET_FIELDS,
          "minority": COMMUNE_MINORITY_FIELDS},
         "bao-cao-tong-hop-tinh.toml"),
)}

# kind → setting → (type, default): settings a kind's template may give in [settings]
SETTINGS: dict[str, dict[str, tuple[type, Any]]] = {
    "certificate": {"prefill_year": (bool, True), "prefill_offset": (int, 0)},
    "household_form": {"body_size": (float, 10.5), "table_size": (float, 9.0), "title_size": (float, 13.0)},
}

HEADER_STYLES = ("issuing_body", "motto_only", "village", "none")
BLOCK_TYPES = ("paragraph", "heading", "fields", "table", "signatures", "notes", "page_break", "space", "answers")
PARAGRAPH_STYLES = ("body", "plain", "italic", "bold", "center", "center_bold", "center_italic", "note")
ORIENTATIONS = ("portrait", "landscape")
ALIGNS = ("left", "center", "right")
FORMATS = {"upper", "lower", "lowerfirst", ""}   # lowerfirst: "Xã Lâm Bình" → "xã Lâm Bình" in a sentence


# --- the model ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Text:
    """A text in every language it was written in; `get(lang)` falls back to Vietnamese, then to any."""

    by_lang: Mapping[str, str]

    def get(self, lang: str) -> str:
        return self.by_lang.get(lang) or self.by_lang.get("vi") or next(iter(self.by_lang.values()), "")

    def __bool__(self) -> bool:
        return any(self.by_lang.values())


EMPTY = Text({})


@dataclass(frozen=True)
class Column:
    label: Text
    field: str | None = None              # None: a group of sub-columns
    sub: tuple["Column", ...] = ()
    width: float = 1.0
    align: str | None = None              # None: numbers right, texts left
    sum: bool = False                     # added up in the subtotal and total rows

    def leaves(self) -> list["Column"]:
        return [leaf for s in self.sub for leaf in s.leaves()] if self.sub else [self]


@dataclass(frozen=True)
class Signer:
    above: Text = EMPTY                   # a line above, italic ("……, ngày … tháng … năm …" on a request)
    authority: Text = EMPTY               # "TM. ỦY BAN NHÂN DÂN" (capitals, bold)
    title: Text = EMPTY                   # "CHỦ TỊCH"
    hint: Text = EMPTY                    # "(Ký tên, đóng dấu)"
    name: Text = EMPTY                    # "{chairman}"
    seal: bool = False                    # room for the seal


@dataclass(frozen=True)
class Block:
    type: str
    path: str                             # where it was written (block[3]), for messages
    text: Text = EMPTY                    # paragraph, heading
    style: str = "body"
    items: tuple[Text, ...] = ()          # notes; a signatures block's recipients
    label: Text = EMPTY                   # notes' heading; the recipients' "Nơi nhận:"
    rows: tuple[tuple[Text, ...], ...] = ()     # fields: lines of label-and-value cells
    source: str = ""                      # table: the rows it shows
    columns: tuple[Column, ...] = ()
    group_by: str = ""                    # a field whose value starts a group (a heading row)
    subtotal: Text = EMPTY                # the label of each group's subtotal row ("" for none)
    total: Text = EMPTY                   # the label of the total row ("" for none)
    numbering: str = "continuous"         # the "no" field counts on over groups, or restarts in each
    column_numbers: bool = False          # a row (1) (2) (3) … under the heads
    min_rows: int = 0                     # blank rows up to this many (forms filled by hand)
    row_height: float = 0                 # the body rows' height at least (room to sign in)
    sheet: Text = EMPTY                   # the table's sheet in the Excel workbook
    font_size: float | None = None
    empty: Text = EMPTY                   # said in the table when it has no rows
    signers: tuple[Signer, ...] = ()
    place_date: bool = False              # signatures: the place and date above the right-hand signer
    orientation: str = ""                 # page_break: the next pages' orientation
    height: float = 0                     # space: points
    draft_only: bool = False              # printed on drafts only
    official_only: bool = False           # printed on official copies only


@dataclass(frozen=True)
class Header:
    style: str = "issuing_body"
    parent: Text = EMPTY                  # the parent body, upright (UBND XÃ … above a village)
    body: Text = EMPTY                    # the issuing body, bold; lines split at "\n"
    number: Text = EMPTY                  # "Số: {number}/GCN-HN.HCN"
    place_date: Text = EMPTY              # "{commune_place}, {date}"


@dataclass(frozen=True)
class Template:
    kind: str
    id: str
    name: str                             # the file it was read from
    source: str                           # the legal source and how sure we are ([V] / [U])
    orientation: str
    form_number: Text
    header: Header
    title: Text
    subject: Text
    subtitle: Text
    blocks: tuple[Block, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)   # kind-specific settings (e.g. a grid's prefill)

    def texts(self, lang: str = "vi") -> list[str]:
        """The fixed texts of the template in the order they are printed — the title, subject and subtitle, the
        headings and paragraphs without placeholders, each table's column heads row by row, the signers' authority
        and title: what a test looks for, in order, on the printed page."""
        out = [t.get(lang) for t in (self.title, self.subject, self.subtitle) if t and "{" not in t.get(lang)]
        for b in self.blocks:
            if b.type in ("heading", "paragraph") and b.text and "{" not in b.text.get(lang):
                out.append(b.text.get(lang))
            elif b.type == "table":
                level: list[Column] = list(b.columns)
                while level:
                    out += [c.label.get(lang) for c in level]
                    level = [s for c in level for s in c.sub]
            elif b.type == "signatures":
                for s in b.signers:
                    out += [x.get(lang) for x in (s.authority, s.title) if x]
        return out


# --- reading -----------------------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, f: DataFile, kind: Kind):
        self.f = f
        self.kind = kind

    def fail(self, key: str, path: str, **values: Any):
        self.f.fail(key, path, **values)

    def table(self, raw: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(raw, dict):
            self.fail("report.template.error.not_a_table", path, name=path)
        return raw

    def known(self, raw: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in raw:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                self.fail("report.template.error.unknown_key", where, name=key, allowed=", ".join(sorted(allowed)))

    def text(self, raw: Mapping[str, Any], key: str, path: str, values: frozenset[str] | None = None,
             required: bool = False) -> Text:
        where = f"{path}.{key}" if path else key
        if key not in raw:
            if required:
                self.fail("report.template.error.missing", where, name=where)
            return EMPTY
        value = raw[key]
        if isinstance(value, str):
            by_lang = {"vi": value}
        elif isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
            unknown = [k for k in value if k not in ("vi", "en")]
            if unknown:
                self.fail("report.template.error.unknown_key", where, name=unknown[0], allowed="vi, en")
            by_lang = dict(value)
        else:
            self.fail("report.template.error.not_text", where, name=where, found=repr(value))
        for text in by_lang.values():
            self.placeholders(text, where, self.kind.values if values is None else values)
        return Text(by_lang)

    def placeholders(self, text: str, where: str, allowed: frozenset[str]) -> None:
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError:
            self.fail("report.template.error.braces", where, text=text)
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name not in allowed:
                self.fail("report.template.error.unknown_value", where, value=name,
                          known=", ".join(sorted(allowed)))
            if (spec or "") not in FORMATS or conversion:
                self.fail("report.template.error.bad_format", where, value=name, found=spec or conversion or "",
                          allowed="upper, lower, lowerfirst")

    def choice(self, raw: Mapping[str, Any], key: str, path: str, allowed: tuple[str, ...], default: str) -> str:
        value = raw.get(key, default)
        if value not in allowed:
            where = f"{path}.{key}" if path else key
            self.fail("report.template.error.choice", where, name=key, found=repr(value), allowed=", ".join(allowed))
        return value

    def flag(self, raw: Mapping[str, Any], key: str, path: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            self.fail("report.template.error.not_a_flag", f"{path}.{key}", name=key, found=repr(value))
        return value

    def number(self, raw: Mapping[str, Any], key: str, path: str, low: float, high: float, default: float) -> float:
        value = raw.get(key, default)
        where = f"{path}.{key}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail("report.template.error.not_a_number", where, name=key, found=repr(value))
        if not low <= value <= high:
            self.fail("report.template.error.out_of_range", where, name=key, found=value, low=low, high=high)
        return value

    def array(self, raw: Mapping[str, Any], key: str, path: str) -> list:
        value = raw.get(key, [])
        if not isinstance(value, list):
            self.fail("report.template.error.not_a_list", f"{path}.{key}", name=key)
        return value

    # --- parts ---

    def header(self, raw: Any) -> Header:
        raw = self.table(raw if raw is not None else {}, "header")
        self.known(raw, "header", {"style", "parent", "body", "number", "place_date"})
        styles = ("motto_only", "none") if self.kind.simple else HEADER_STYLES
        return Header(self.choice(raw, "style", "header", styles, styles[0]),
                      self.text(raw, "parent", "header"), self.text(raw, "body", "header"),
                      self.text(raw, "number", "header"), self.text(raw, "place_date", "header"))

    def column(self, raw: Any, path: str, fields: frozenset[str]) -> Column:
        raw = self.table(raw, path)
        self.known(raw, path, {"label", "field", "sub", "width", "align", "sum"})
        label = self.text(raw, "label", path, required=True)
        subs = tuple(self.column(s, f"{path}.sub[{i}]", fields) for i, s in enumerate(self.array(raw, "sub", path)))
        name = raw.get("field")
        if subs and name is not None:
            self.fail("report.template.error.field_and_sub", f"{path}.field")
        if not subs:
            if not isinstance(name, str):
                self.fail("report.template.error.missing", f"{path}.field", name=f"{path}.field")
            if name not in fields:
                self.fail("report.template.error.unknown_field", f"{path}.field", field=name,
                          known=", ".join(sorted(fields)))
        align = raw.get("align")
        if align is not None and align not in ALIGNS:
            self.fail("report.template.error.choice", f"{path}.align", name="align", found=repr(align),
                      allowed=", ".join(ALIGNS))
        return Column(label, name if not subs else None, subs, self.number(raw, "width", path, 0.1, 100, 1.0),
                      align, self.flag(raw, "sum", path))

    def signer(self, raw: Any, path: str) -> Signer:
        raw = self.table(raw, path)
        self.known(raw, path, {"above", "authority", "title", "hint", "name", "seal"})
        return Signer(self.text(raw, "above", path), self.text(raw, "authority", path), self.text(raw, "title", path),
                      self.text(raw, "hint", path), self.text(raw, "name", path), self.flag(raw, "seal", path))

    def block(self, raw: Any, path: str) -> Block:
        raw = self.table(raw, path)
        kind = self.choice(raw, "type", path, BLOCK_TYPES, "")
        common = {"type", "draft_only", "official_only"}
        flags = dict(draft_only=self.flag(raw, "draft_only", path), official_only=self.flag(raw, "official_only", path))
        if kind in ("paragraph", "heading"):
            self.known(raw, path, common | {"text", "style"})
            style = self.choice(raw, "style", path, PARAGRAPH_STYLES, "body" if kind == "paragraph" else "bold")
            return Block(kind, path, text=self.text(raw, "text", path, required=True), style=style, **flags)
        if kind == "notes":
            self.known(raw, path, common | {"label", "items"})
            items = self.array(raw, "items", path)
            return Block(kind, path, label=self.text(raw, "label", path),
                         items=tuple(self.text({"i": v}, "i", f"{path}.items[{i}]") for i, v in enumerate(items)),
                         **flags)
        if kind == "fields":
            self.known(raw, path, common | {"rows"})
            rows = []
            for i, row in enumerate(self.array(raw, "rows", path)):
                where = f"{path}.rows[{i}]"
                cells = row if isinstance(row, list) else [row]
                rows.append(tuple(self.text({"c": c}, "c", where) for c in cells))
            return Block(kind, path, rows=tuple(rows), **flags)
        if kind == "table":
            self.known(raw, path, common | {"source", "column", "group_by", "subtotal", "total", "numbering",
                                            "column_numbers", "min_rows", "row_height", "font_size", "empty", "sheet"})
            source = raw.get("source")
            if source not in self.kind.sources:
                self.fail("report.template.error.unknown_source", f"{path}.source", source=repr(source),
                          known=", ".join(sorted(self.kind.sources)))
            fields = self.kind.sources[source]
            columns = tuple(self.column(c, f"{path}.column[{i}]", fields)
                            for i, c in enumerate(self.array(raw, "column", path)))
            if not columns:
                self.fail("report.template.error.no_columns", path)
            if self.kind.simple:
                for i, c in enumerate(columns):
                    if c.sub:
                        self.fail("report.template.error.simple", f"{path}.column[{i}]", what="sub")
                if raw.get("group_by"):
                    self.fail("report.template.error.simple", f"{path}.group_by", what="group_by")
            group_by = raw.get("group_by", "")
            if group_by and group_by not in fields:
                self.fail("report.template.error.unknown_field", f"{path}.group_by", field=group_by,
                          known=", ".join(sorted(fields)))
            size = raw.get("font_size")
            return Block(kind, path, source=source, columns=columns, group_by=group_by,
                         subtotal=self.text(raw, "subtotal", path, frozenset({"group", "count"})),
                         total=self.text(raw, "total", path, frozenset({"count"})),
                         numbering=self.choice(raw, "numbering", path, ("continuous", "group"), "continuous"),
                         column_numbers=self.flag(raw, "column_numbers", path),
                         min_rows=int(self.number(raw, "min_rows", path, 0, 60, 0)),
                         row_height=self.number(raw, "row_height", path, 0, 200, 0),
                         sheet=self.text(raw, "sheet", path, frozenset()),
                         font_size=None if size is None else self.number(raw, "font_size", path, 6, 14, 12),
                         empty=self.text(raw, "empty", path, frozenset()), **flags)
        if kind == "signatures":
            self.known(raw, path, common | {"signer", "place_date", "recipients"})
            signers = tuple(self.signer(s, f"{path}.signer[{i}]") for i, s in enumerate(self.array(raw, "signer",
                                                                                                   path)))
            if not signers:
                self.fail("report.template.error.no_signers", path)
            recipients = self.table(raw.get("recipients", {}), f"{path}.recipients")
            self.known(recipients, f"{path}.recipients", {"label", "items"})
            items = self.array(recipients, "items", f"{path}.recipients")
            return Block(kind, path, signers=signers, place_date=self.flag(raw, "place_date", path),
                         label=self.text(recipients, "label", f"{path}.recipients"),
                         items=tuple(self.text({"i": v}, "i", f"{path}.recipients.items[{i}]")
                                     for i, v in enumerate(items)), **flags)
        if kind == "answers":   # lines of text from a source of ANSWER_FIELDS under a heading, both left out when none
            self.known(raw, path, common | {"source", "text"})
            source = raw.get("source")
            answer_sources = [k for k, fields in self.kind.sources.items() if fields == ANSWER_FIELDS]
            if source not in answer_sources:
                self.fail("report.template.error.unknown_source", f"{path}.source", source=repr(source),
                          known=", ".join(answer_sources) or "—")
            return Block(kind, path, source=source, text=self.text(raw, "text", path), **flags)
        if kind == "page_break":
            self.known(raw, path, common | {"orientation"})
            return Block(kind, path, orientation=self.choice(raw, "orientation", path, ("",) + ORIENTATIONS, ""),
                         **flags)
        self.known(raw, path, common | {"height"})     # space
        return Block(kind, path, height=self.number(raw, "height", path, 0, 400, 12), **flags)


TOP_KEYS = {"kind", "id", "source", "orientation", "form_number", "header", "title", "subject", "subtitle", "block",
            "settings"}


def read_template(path: Path | str, kind: str | None = None, text: str | None = None) -> Template:
    """Read and check a template file; `kind` (when given) is the kind the caller needs it to be."""
    f = DataFile.read(path, text)
    raw = f.data
    name = raw.get("kind")
    if name not in KINDS:
        f.fail("report.template.error.unknown_kind", "kind", found=repr(name), known=", ".join(sorted(KINDS)))
    if kind is not None and name != kind:
        f.fail("report.template.error.wrong_kind", "kind", found=name, wanted=kind)
    r = _Reader(f, KINDS[name])
    r.known(raw, "", TOP_KEYS)
    blocks = tuple(r.block(b, f"block[{i}]") for i, b in enumerate(r.array(raw, "block", "")))
    settings = dict(r.table(raw.get("settings", {}), "settings"))
    allowed = SETTINGS.get(name, {})
    r.known(settings, "settings", set(allowed))
    for key, (kind_type, default) in allowed.items():
        value = settings.setdefault(key, default)
        if kind_type is bool and not isinstance(value, bool):
            r.fail("report.template.error.not_a_flag", f"settings.{key}", name=key, found=repr(value))
        if kind_type is int and (isinstance(value, bool) or not isinstance(value, int)):
            r.fail("report.template.error.not_a_number", f"settings.{key}", name=key, found=repr(value))
        if kind_type is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                r.fail("report.template.error.not_a_number", f"settings.{key}", name=key, found=repr(value))
            if not 6 <= value <= 16:
                r.fail("report.template.error.out_of_range", f"settings.{key}", name=key, found=value, low=6,
                       high=16)
    return Template(
        kind=name, id=str(raw.get("id", Path(path).stem)), name=str(path), source=str(raw.get("source", "")),
        orientation=r.choice(raw, "orientation", "", ORIENTATIONS, "portrait"),
        form_number=r.text(raw, "form_number", ""), header=r.header(raw.get("header")),
        title=r.text(raw, "title", "", required=True), subject=r.text(raw, "subject", ""),
        subtitle=r.text(raw, "subtitle", ""), blocks=blocks, extra=dict(settings))


@cache
def load_template(kind: str) -> Template:
    """The bundled template of a kind."""
    return read_template(resource("templates", KINDS[kind].file), kind)


def template_for(kind: str, path: Path | str | None = None) -> Template:
    """A province's template file when one is given, else the bundled one."""
    return read_template(path, kind) if path else load_template(kind)
