"""A small commune for the printing tests: three villages, households of every class with Vietnamese names,
last year's result (`previous`) on most of them, one household moved away and one with a long roster."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from tests.builders import adult, child, household_doc

INFO = WorkspaceInfo("08", "Tuyên Quang", "02266", "Xã Lâm Bình", "rural", 2026, "annual", "vn-2022-2025")
VILLAGES = ["Thôn Nà Đình", "Bản Khuổi Củng", "Thôn Phiêng Luông"]
RESIDENTS = {"Thôn Nà Đình": 120, "Bản Khuổi Củng": 95, "Thôn Phiêng Luông": 80}   # resident households
MINORITY = {"Thôn Nà Đình": 84, "Bản Khuổi Củng": 95, "Thôn Phiêng Luông": 52}      # … of them ethnic-minority ones
PRINTED_AT = datetime(2026, 11, 20, 8, 30)

# answers giving each class (rural line 1.5 million đ/person/month)
POOR = dict(per_person=1_000_000, water_source="unprotected", latrine="none", floor_area=10, info_devices=[],
            poverty_causes=["lack_of_land", "illness"])
NEAR = dict(per_person=1_000_000)
NOT_POOR = dict(per_person=5_000_000)
AVERAGE = dict(per_person=1_800_000, livelihood_agriculture="yes")
SURNAMES = ["Nguyễn", "Hoàng", "Đặng", "Lục", "Triệu", "Bàn", "Ma", "Phạm", "Vũ", "Lý"]
GIVEN = ["Thị Hường", "Văn Đức", "Thị Ngọc Ánh", "Văn Dũng", "Thị Thủy", "Quốc Việt", "Thị Nguyệt", "Văn Hải",
         "Thị Ỷ", "Văn Cường", "Thị Yến", "Đình Hưng"]
ETHNIC = ["Tày", "Dao", "H'Mông", "Kinh"]


@dataclass
class Made:
    uuid: str
    village: str
    head: str
    cls: str            # the class these answers give
    previous: str | None
    members: list[str]
    ethnicity: str = ""
    female_head: bool = False
    moved_away: bool = False
    earlier: str | None = None      # the class of the year before last, where the books carry one


def _doc(i: int, village: str, cls: str, previous: str | None, extra_members: int = 0) -> tuple[dict, Made]:
    head = f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[i % len(GIVEN)]}"
    eth = ETHNIC[i % len(ETHNIC)]
    members = [adult(45, "female" if "Thị" in head else "male", relationship="head", name=head, ethnicity=eth,
                     id_number=f"0080{i:08d}"),
               adult(41, "male" if "Thị" in head else "female", relationship="spouse", name=f"Lò Văn Tuấn {i}"
                     if "Thị" in head else f"Hà Thị Mỹ {i}", ethnicity=eth),
               child(9, name=f"Hoàng Bảo Ngọc {i}", ethnicity=eth)]
    for k in range(extra_members):
        members.append(adult(20 + k % 40, "male" if k % 2 else "female", relationship="other",
                             name=f"Người thân số {k + 1} họ Đàm", ethnicity=eth))
    answers = {"poor": POOR, "near_poor": NEAR, "average": AVERAGE, "not_poor": NOT_POOR}[cls]
    doc = household_doc(members, **answers)
    doc["uuid"] = f"{i:08d}-0000-4000-8000-{i:012d}"
    doc["location"]["village"] = village
    doc["household"]["address"] = f"Tổ {i % 5 + 1}, {village}"
    earlier = EARLIER.get(i)
    if previous:
        doc["previous"] = {"uuid": doc["uuid"], "year": 2025, "class": previous, "status": "approved"}
        if earlier:
            doc["previous"]["earlier"] = [{"year": 2024, "class": earlier, "status": "approved"}]
    return doc, Made(doc["uuid"], village, head, cls, previous, [m["name"] for m in members], eth, "Thị" in head,
                     earlier=earlier)


# (village index, class now, class last year) — gives remained, escaped, fell back, new, poor ↔ near-poor
PLAN = [
    (0, "poor", "poor"), (0, "poor", None), (0, "near_poor", "poor"), (0, "not_poor", "poor"),
    (0, "not_poor", None), (0, "not_poor", "not_poor"), (0, "near_poor", "near_poor"), (0, "poor", "not_poor"),
    (1, "poor", "near_poor"), (1, "near_poor", None), (1, "not_poor", "near_poor"), (1, "not_poor", None),
    (1, "not_poor", "not_poor"), (1, "poor", "poor"), (1, "not_poor", None),
    (2, "near_poor", "not_poor"), (2, "not_poor", None), (2, "not_poor", None), (2, "poor", None),
    (2, "not_poor", "not_poor"), (2, "near_poor", "near_poor"), (0, "average", "near_poor"), (1, "average", None),
]
EARLIER = {8: "poor"}   # PLAN's 8th household: poor in 2024, not poor in 2025, poor again now (fell back)
MOVED = (2, "poor", "poor")          # last year poor, left the commune this year
LONG = (1, "poor", "poor", 20)       # a roster too long for one sheet page


@dataclass
class Commune:
    path: Path
    households: list[Made]

    def present(self) -> list[Made]:
        return [h for h in self.households if not h.moved_away]

    def of(self, cls: str, village: str | None = None) -> list[Made]:
        return [h for h in self.present() if h.cls == cls and (village is None or h.village == village)]


def build(path: Path) -> Commune:
    made: list[Made] = []
    ws = Workspace.create(path, INFO, VILLAGES)
    try:
        ws.set_identity(device="dev-test", user="lan")
        for village, n in RESIDENTS.items():
            ws.set_residents(village, n, "2026-09-01", "Sổ hộ khẩu xã", minority=MINORITY[village])
        rows = [(v, c, p, 0) for v, c, p in PLAN] + [LONG, MOVED + (0,)]
        for i, (v, cls, prev, extra) in enumerate(rows, 1):
            doc, m = _doc(i, VILLAGES[v], cls, prev, extra)
            ws.save_household(doc, status="complete", owner="enumerator-1")
            made.append(m)
        ws.change_status(made[-1].uuid, Action.MOVE_AWAY, user="lan")
        made[-1].moved_away = True
    finally:
        ws.close()
    return Commune(path, made)


@pytest.fixture(scope="session")
def commune(tmp_path_factory) -> Commune:
    return build(tmp_path_factory.mktemp("commune") / "commune.fsdb")


def pdf_pages(path: Path | str) -> list[str]:
    """The text of every page, checked to be NFC (no diacritic split off its letter). A draft's "Trang X/Y" has Y
    in a form defined at the end of the file, which pypdf reads as a line of its own: joined back as printed."""
    reader = PdfReader(str(path))
    texts = [re.sub(r"(Trang \d+/|Page \d+ of )\n(\d+)\n", r"\1\2\n", page.extract_text() or "")
             for page in reader.pages]
    for text in texts:
        assert unicodedata.is_normalized("NFC", text), text[:200]
    return texts


def flat(text: str) -> str:
    """Page text with line breaks as spaces (pypdf breaks lines where the PDF moves the pen)."""
    return " ".join(text.split())


def fonts(path: Path | str) -> set[str]:
    reader = PdfReader(str(path))
    names: set[str] = set()
    for page in reader.pages:
        res: Any = page.get("/Resources") or {}
        for f in (res.get("/Font") or {}).values():
            f = f.get_object()
            desc = f.get("/FontDescriptor")
            if desc is None and f.get("/DescendantFonts"):
                desc = f["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            embedded = bool(desc) and any(k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            names.add(f"{f.get('/BaseFont')}{'' if embedded else ' (not embedded)'}")
    return names


@dataclass
class Run:
    """A piece of text as drawn: where it starts (points from the page's bottom left), its size and font."""

    text: str
    x: float
    y: float
    size: float
    font: str

    @property
    def width(self) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        from fieldsurvey.reports.base import FONT, FONT_BOLD, FONT_BOLD_ITALIC, FONT_ITALIC, register_fonts

        register_fonts()
        name = FONT_BOLD_ITALIC if "BoldItalic" in self.font else FONT_BOLD if "Bold" in self.font \
            else FONT_ITALIC if "Italic" in self.font else FONT
        return stringWidth(self.text, name, self.size)


def layout(path: Path | str) -> list[list[Run]]:
    """Every piece of text of every page with its position (the text matrix through the transformation)."""
    reader = PdfReader(str(path))
    pages = []
    for page in reader.pages:
        runs: list[Run] = []

        def visit(text, cm, tm, font, size, runs=runs):
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = (cm[0] ** 2 + cm[1] ** 2) ** 0.5 * (tm[0] ** 2 + tm[1] ** 2) ** 0.5
            runs.append(Run(text.strip(), x, y, size * scale, str((font or {}).get("/BaseFont", ""))))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


MM = 72 / 25.4
A4_SIZE = (595.2756, 841.8898)


def check_state_format(path: Path | str, draft: bool = True) -> None:
    """A4 (portrait or landscape); every text inside the Decree 30 margins (top 20, bottom 20, left 30, right 15
    mm), except a page number centred in the top margin and, on a draft, the footer and the watermark."""
    reader = PdfReader(str(path))
    for number, (page, runs) in enumerate(zip(reader.pages, layout(path)), 1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert {round(w), round(h)} == {595, 842}, (number, w, h)
        for r in runs:
            if r.text in ("BẢN NHÁP", "DRAFT"):
                assert draft
                continue
            if r.y < 20 * MM:
                assert draft and r.y < 12 * MM, (number, r)          # the draft's footer
                continue
            if r.y > h - 20 * MM:
                assert r.text.isdigit() and abs(r.x + r.width / 2 - w / 2) < 2, (number, r)   # the page number
                continue
            assert r.x >= 30 * MM - 0.5, (number, r)
            shrink = 0.2 * r.text.count(" ")       # a justified line may close its word spaces a little (Tw < 0)
            assert r.x + r.width - shrink <= w - 15 * MM + 1, (number, r)


def in_order(text: str, parts: list[str]) -> None:
    """Each of `parts` is in `text`, each after the one before (whitespace ignored: a line may break anywhere)."""
    squeezed = "".join(text.split())
    at = 0
    for part in parts:
        found = squeezed.find("".join(part.split()), at)
        assert found >= 0, f"{part!r} not found after position {at}: …{squeezed[at:at + 300]}"
        at = found + len("".join(part.split()))
