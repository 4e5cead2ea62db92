"""Village lists and minutes read back from the PDF and checked against the workspace."""

from __future__ import annotations

import re

import pytest

from fieldsurvey.progress import run_to_end
from fieldsurvey.services.printing import print_lists
from tests.reports.conftest import PRINTED_AT, VILLAGES, flat, fonts, pdf_pages

POORISH = ("poor", "near_poor")
CATS = {"poor": "DANH SÁCH HỘ ĐỀ NGHỊ CÔNG NHẬN HỘ NGHÈO",
        "near_poor": "DANH SÁCH HỘ ĐỀ NGHỊ CÔNG NHẬN HỘ CẬN NGHÈO",
        "escaped": "DANH SÁCH HỘ ĐỀ NGHỊ CÔNG NHẬN THOÁT NGHÈO, THOÁT CẬN NGHÈO",
        "new": "DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO PHÁT SINH MỚI"}


def expected(commune, village: str) -> dict[str, set[str]]:
    mine = [h for h in commune.present() if h.village == village]
    return {"poor": {h.head for h in mine if h.cls == "poor"},
            "near_poor": {h.head for h in mine if h.cls == "near_poor"},
            "escaped": {h.head for h in mine if h.previous in POORISH and h.cls not in POORISH},
            "new": {h.head for h in mine if h.cls in POORISH and h.previous not in POORISH}}


@pytest.fixture(scope="module")
def lists_pdf(commune, tmp_path_factory):
    out = tmp_path_factory.mktemp("lists") / "lists.pdf"
    pages = run_to_end(print_lists(commune.path, out, printed_at=PRINTED_AT))
    return out, pages, pdf_pages(out)


def test_lists_per_village_hold_the_right_households(commune, lists_pdf):
    out, pages, texts = lists_pdf
    assert pages == len(texts) == len(VILLAGES) * 5      # minutes + four lists, one page each at this size
    heads = {h.head for h in commune.households}
    for v, village in enumerate(VILLAGES):
        want = expected(commune, village)
        assert any(want.values())
        for k, cat in enumerate(("poor", "near_poor", "escaped", "new")):
            text = flat(texts[v * 5 + 1 + k])
            assert CATS[cat] in text and village.upper() in text
            listed = {h for h in heads if h in text}
            assert listed == want[cat], (village, cat)
            assert f"Tổng số: {len(want[cat])} hộ" in text
    moved = next(h for h in commune.households if h.moved_away)
    assert not any(moved.head in t for t in texts)
    for number, text in enumerate(texts, 1):
        assert f"Trang {number}/{len(texts)}" in text and "In lúc 08:30 ngày 20/11/2026" in text
        assert "Rà soát định kỳ năm 2026" in text
    assert all("not embedded" not in f for f in fonts(out))


def test_minutes_are_prefilled_with_the_counts(commune, lists_pdf):
    _, _, texts = lists_pdf
    for v, village in enumerate(VILLAGES):
        text = flat(texts[v * 5])
        want = expected(commune, village)
        assert "BIÊN BẢN" in text and village.upper() in text
        assert f"Số hộ đề nghị công nhận hộ nghèo: {len(want['poor'])} hộ" in text
        assert f"Số hộ đề nghị công nhận hộ cận nghèo: {len(want['near_poor'])} hộ" in text
        assert f"thoát nghèo, thoát cận nghèo: {len(want['escaped'])} hộ" in text
        assert f"phát sinh mới: {len(want['new'])} hộ" in text
        average = len([h for h in commune.present() if h.village == village and h.cls == "average"])
        assert f"Số hộ có mức sống trung bình: {average} hộ" in text


def test_one_village_lists(commune, tmp_path):
    out = tmp_path / "one.pdf"
    assert run_to_end(print_lists(commune.path, out, village="BẢN KHUỔI CỦNG", printed_at=PRINTED_AT)) == 5
    texts = pdf_pages(out)
    assert all("BẢN KHUỔI CỦNG" in flat(t) for t in texts)
