"""Household classification sheets read back from the PDF and checked against the workspace."""

from __future__ import annotations

import re

import pytest

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.progress import run_to_end
from fieldsurvey.services.printing import print_sheets
from tests.reports.conftest import PRINTED_AT, VILLAGES, flat, fonts, pdf_pages

LABEL = {"poor": "HỘ NGHÈO", "near_poor": "HỘ CẬN NGHÈO", "average": "HỘ CÓ MỨC SỐNG TRUNG BÌNH",
         "not_poor": "HỘ KHÔNG NGHÈO"}


@pytest.fixture(scope="module")
def commune_sheets(commune, tmp_path_factory):
    out = tmp_path_factory.mktemp("sheets") / "sheets.pdf"
    pages = run_to_end(print_sheets(commune.path, out, printed_at=PRINTED_AT))
    return out, pages, pdf_pages(out)


def test_one_sheet_per_household_and_pages_numbered_across_the_batch(commune, commune_sheets):
    out, pages, texts = commune_sheets
    present = commune.present()
    long_roster = [h for h in present if len(h.members) > 12]
    assert len(long_roster) == 1
    assert pages == len(texts) == len(present) + 1            # the long roster takes a second page
    for number, text in enumerate(texts, 1):
        assert f"Trang {number}/{len(texts)}" in text
        assert "Xã Lâm Bình, Tuyên Quang" in text and "Rà soát định kỳ năm 2026" in text
        assert "In lúc 08:30 ngày 20/11/2026" in text


def test_each_household_on_its_own_page_with_its_class(commune, commune_sheets):
    _, _, texts = commune_sheets
    firsts = [t for t in texts if "Chủ hộ:" in t]
    assert len(firsts) == len(texts) - 1
    heads = {}
    for raw in firsts:
        boxed = [line for line in raw.split("\n") if line in LABEL.values()]
        assert len(boxed) == 1, raw         # exactly one class, in its box
        text = flat(raw)
        m = re.search(r"Chủ hộ: (.+?) Thôn: (.+?) Địa chỉ", text)
        assert m, text[:300]
        heads[m.group(1)] = (text, boxed[0])
    assert set(heads) == {h.head for h in commune.present()}
    for h in commune.present():
        text, boxed = heads[h.head]
        assert f"Thôn: {h.village} " in text
        assert boxed == LABEL[h.cls]
        assert f"Số thành viên: {len(h.members)} " in text
        for name in h.members[:12]:
            assert name in text
        for n in range(1, 13):                     # the 12 indicators, numbered in the official order
            assert re.search(rf"\b{n} ", text)


def test_moved_away_household_gets_no_sheet(commune, commune_sheets):
    _, _, texts = commune_sheets
    moved = [h for h in commune.households if h.moved_away]
    assert moved and not any(moved[0].head in t for t in texts)


def test_long_roster_continues_on_the_next_page(commune, commune_sheets):
    _, _, texts = commune_sheets
    h = next(h for h in commune.present() if len(h.members) > 12)
    i = next(i for i, t in enumerate(texts) if f"Chủ hộ: {h.head} " in flat(t))
    assert f"{h.head} — danh sách thành viên tiếp theo" in flat(texts[i + 1])
    assert "Chủ hộ:" not in texts[i + 1]
    for name in h.members[12:]:
        assert name in texts[i + 1]
    assert all(name not in texts[i + 1] for name in h.members[:12] if name != h.head)


def test_font_embedded_and_covers_vietnamese(commune_sheets):
    out, _, texts = commune_sheets
    found = fonts(out)
    assert found and all("not embedded" not in f for f in found)
    assert any("LiberationSerif" in f for f in found)
    joined = "".join(texts)
    for word in ("PHIẾU KẾT QUẢ RÀ SOÁT, XẾP LOẠI HỘ GIA ĐÌNH", "Ngọc Ánh", "Thị Ỷ", "Thủy", "Nguyệt", "Đức",
                 "Khuổi Củng", "Phiêng Luông", "Nà Đình"):
        assert word in joined


def test_one_village_and_one_household(commune, tmp_path):
    out = tmp_path / "v.pdf"
    run_to_end(print_sheets(commune.path, out, village="thon na dinh", printed_at=PRINTED_AT))
    texts = pdf_pages(out)
    mine = [h for h in commune.present() if h.village == VILLAGES[0]]
    assert len(texts) == len(mine)
    assert {re.search(r"Chủ hộ: (.+?) Thôn:", flat(t)).group(1) for t in texts} == {h.head for h in mine}
    assert texts[-1].rstrip().endswith(f"Trang {len(mine)}/{len(mine)}")

    h = commune.present()[3]
    one = tmp_path / "one.pdf"
    assert run_to_end(print_sheets(commune.path, one, household=h.uuid[:8])) == 1
    (text,) = pdf_pages(one)
    assert f"Chủ hộ: {h.head} " in flat(text) and "Trang 1/1" in text

    with pytest.raises(WorkspaceError, match="no village"):
        run_to_end(print_sheets(commune.path, tmp_path / "x.pdf", village="Thôn Không Có"))
    with pytest.raises(WorkspaceError, match="no household"):
        run_to_end(print_sheets(commune.path, tmp_path / "x.pdf", household="ffffffff"))
    assert not (tmp_path / "x.pdf").exists()


def test_english_sheet(commune, tmp_path):
    out = tmp_path / "en.pdf"
    h = commune.of("poor")[0]
    run_to_end(print_sheets(commune.path, out, household=h.uuid, lang="en", printed_at=PRINTED_AT))
    (text,) = pdf_pages(out)
    assert "Page 1 of 1" in text and "\nPOOR\n" in text and h.head in text


def test_closing_the_job_leaves_no_pdf(commune, tmp_path):
    out = tmp_path / "cancelled.pdf"
    job = print_sheets(commune.path, out, printed_at=PRINTED_AT)
    for p in job:      # every sheet drawn, the file not yet saved: the last moment a user could cancel
        if p.message == "Đang in phiếu xếp loại hộ" and p.done == p.total:
            break
    else:
        pytest.fail("the job never reported printing")
    job.close()
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_nothing_clipped_or_overlapping(commune, commune_sheets, tmp_path):
    """Column heads, the 12 indicator names and long work labels are printed whole; the English labels of the
    identification block (longer than the Vietnamese) do not run into their values."""
    _, _, texts = commune_sheets
    text = flat(texts[0])
    for whole in ("TT Họ và tên Quan hệ Giới tính Năm sinh Dân tộc Số định danh BHYT Việc làm / hoạt động",
                  "Phương tiện phục vụ tiếp cận thông tin", "Người phụ thuộc trong hộ gia đình",
                  "Diện tích nhà ở bình quân đầu người", "làm công, có HĐLĐ"):
        assert whole in text, whole
    from pypdf import PdfReader
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from fieldsurvey.reports.base import FONT, register_fonts

    register_fonts()
    out = tmp_path / "en.pdf"
    h = commune.present()[0]
    run_to_end(print_sheets(commune.path, out, household=h.uuid, lang="en"))
    page = PdfReader(str(out)).pages[0]
    xs: dict[str, float] = {}
    page.extract_text(visitor_text=lambda t, cm, tm, font, size: xs.setdefault(t.strip(), tm[4]) if t.strip()
                      else None)
    label = "Head of household:"
    assert xs[h.head] >= xs[label] + stringWidth(label, FONT, 8.5)
    text = flat(page.extract_text())
    assert "No. Name Relation Sex Born Ethnicity ID number Insured Work / activity" in text
    assert "Means of access to information" in text
