"""The household's requests pre-filled for the head to sign (Decision 24/2021, Mẫu số 01 and Mẫu số 04)."""

from __future__ import annotations

import re

import pytest

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.progress import run_to_end
from fieldsurvey.reports.templates import load_template
from fieldsurvey.services.printing import print_requests
from tests.reports.conftest import PRINTED_AT, check_state_format, flat, in_order, pdf_pages

POORISH = ("poor", "near_poor")


def heads_of(texts: list[str]) -> list[str]:
    return [re.search(r"Họ và tên: (.+?) Giới tính", flat(t)).group(1) for t in texts if "Họ và tên:" in t]


def test_review_requests_for_the_new_poor_and_near_poor_households(commune, tmp_path):
    out = tmp_path / "01.pdf"
    run_to_end(print_requests(commune.path, out, printed_at=PRINTED_AT))
    texts = pdf_pages(out)
    wanted = [h for h in commune.present() if h.cls in POORISH and h.previous not in POORISH]
    assert sorted(heads_of(texts)) == sorted(h.head for h in wanted)
    tpl = load_template("request_review")
    for text in texts:
        if "Họ và tên:" not in text:
            continue
        in_order(text, ["BẢN NHÁP", "Mẫu số 01", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
                 + tpl.texts("vi"))
        in_order(text, ["Kính gửi: Chủ tịch Ủy ban nhân dân xã Lâm Bình", "Họ và tên:", "Giới tính:", "Sinh ngày:",
                        "Dân tộc:", "Số CCCD/CMND:", "Ngày cấp:", "Nơi thường trú:", "Nơi ở hiện tại:",
                        "Lý do đề nghị:", "NGƯỜI ĐỀ NGHỊ"])
        assert "ỦY BAN NHÂN DÂN\n" not in text and "Số:" not in text          # the motto alone, no number
    h = wanted[0]
    text = flat(next(t for t in texts if h.head in t))
    sex = "2" if h.female_head else "1"
    assert f"Giới tính: {sex} (1: Nam; 2: Nữ)" in text
    assert re.search(rf"1 {re.escape(h.head)} {sex} \d\d/\d\d/\d{{4}} Chủ hộ Có việc làm", text), text
    check_state_format(out, draft=True)


def test_escape_requests_tick_the_sex_and_name_last_years_class(commune, tmp_path):
    out = tmp_path / "04.pdf"
    run_to_end(print_requests(commune.path, out, form="escape", printed_at=PRINTED_AT))
    texts = pdf_pages(out)
    wanted = [h for h in commune.present() if h.previous in POORISH and h.cls != h.previous
              and not (h.previous == "near_poor" and h.cls == "poor")]
    assert sorted(heads_of(texts)) == sorted(h.head for h in wanted)
    for h in wanted:
        text = flat(next(t for t in texts if h.head in t))
        assert "Mẫu số 04" in text and "GIẤY ĐỀ NGHỊ CÔNG NHẬN HỘ THOÁT NGHÈO, HỘ THOÁT CẬN NGHÈO" in text
        assert ("Giới tính: Nam □ Nữ ■" if h.female_head else "Giới tính: Nam ■ Nữ □") in text
        assert f"Hộ gia đình tôi hiện là {'hộ nghèo' if h.previous == 'poor' else 'hộ cận nghèo'}" in text
    with pytest.raises(WorkspaceError):
        run_to_end(print_requests(commune.path, tmp_path / "x.pdf", form="other"))
