"""The state format every printed document follows (Decree 30/2020/NĐ-CP, Phụ lục I), read from
resources/templates/state-format.toml: the paper and its margins, where the page number goes, the serif font family
and the size of each element. Data, never constants in code: a file of the same shape can replace it, and one
outside the Decree's ranges is refused with its line named.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from reportlab.lib.units import mm

from fieldsurvey.paths import resource
from fieldsurvey.reports.datafile import DataFile

# [V] Decree 30/2020, Phụ lục I, Mục I: the margins' ranges in millimetres
MARGIN_RANGES = {"margin_top_mm": (20, 25), "margin_bottom_mm": (20, 25), "margin_left_mm": (30, 35),
                 "margin_right_mm": (15, 20)}
SIZES = ("national_title", "motto", "parent_body", "issuing_body", "number", "place_date", "doc_type", "subject",
         "body", "recipients_label", "recipients", "signer", "signer_name", "sign_hint", "table", "table_head",
         "note", "form_number", "draft_mark")
FONT_ROLES = ("regular", "bold", "italic", "bold_italic")


@dataclass(frozen=True)
class StateFormat:
    id: str
    title: str
    top: float                 # margins, in points
    bottom: float
    left: float
    right: float
    page_number_size: float
    page_number_from_top: float
    fonts: Mapping[str, str]   # role → file name under resources/fonts
    sizes: Mapping[str, float]
    line: float                # leading as a multiple of the size
    paragraph_after: float     # points
    first_line_indent: float   # points

    def size(self, element: str) -> float:
        return self.sizes[element]

    def leading(self, size: float) -> float:
        return round(size * self.line, 2)


def _number(f: DataFile, table: Mapping[str, Any], section: str, key: str, low: float, high: float) -> float:
    path = f"{section}.{key}"
    if key not in table:
        f.fail("report.template.error.missing", path, name=path)
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        f.fail("report.template.error.not_a_number", path, name=path, found=repr(value))
    if not low <= value <= high:
        f.fail("report.template.error.out_of_range", path, name=path, found=value, low=low, high=high)
    return float(value)


def _table(f: DataFile, name: str) -> Mapping[str, Any]:
    value = f.data.get(name)
    if not isinstance(value, dict):
        f.fail("report.template.error.missing", name, name=f"[{name}]")
    return value


def read_state_format(path: Path | str) -> StateFormat:
    f = DataFile.read(path)
    page = _table(f, "page")
    if page.get("paper", "A4") != "A4":
        f.fail("report.template.error.choice", "page.paper", name="paper", found=page.get("paper"), allowed="A4")
    margins = {k: _number(f, page, "page", k, *MARGIN_RANGES[k]) * mm for k in MARGIN_RANGES}
    fonts = _table(f, "font")
    files = {}
    for role in FONT_ROLES:
        name = fonts.get(role)
        if not isinstance(name, str) or not resource("fonts", name).is_file():
            f.fail("report.template.error.no_font", f"font.{role}", name=repr(name))
        files[role] = name
    sizes_table = _table(f, "sizes")
    sizes = {k: _number(f, sizes_table, "sizes", k, 6, 96) for k in SIZES}
    spacing = _table(f, "spacing")
    return StateFormat(
        id=str(f.data.get("id", "")), title=str(f.data.get("title", "")),
        top=margins["margin_top_mm"], bottom=margins["margin_bottom_mm"], left=margins["margin_left_mm"],
        right=margins["margin_right_mm"],
        page_number_size=_number(f, page, "page", "page_number_size", 13, 14),
        page_number_from_top=_number(f, page, "page", "page_number_from_top_mm", 5, 20) * mm,
        fonts=files, sizes=sizes,
        line=_number(f, spacing, "spacing", "line", 1.0, 1.5),
        paragraph_after=_number(f, spacing, "spacing", "paragraph_after_pt", 6, 24),
        first_line_indent=_number(f, spacing, "spacing", "first_line_indent_mm", 0, 12.7) * mm)


@cache
def state_format() -> StateFormat:
    """The bundled state format (Decree 30/2020)."""
    return read_state_format(resource("templates", "state-format.toml"))
