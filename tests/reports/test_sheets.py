"""The households' forms for signature (Phiếu B pre-filled) read back from the PDF and checked against the workspace
and the domain's classification."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.document import parse_household
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.progress import run_to_end
from fieldsurvey.reports.templates import load_template
from fieldsurvey.services.assessment import registry, with_area
from fieldsurvey.services.printing import issued_documents, print_sheets
from fieldsurvey.storage.workspace import Workspace
from tests.reports.conftest import (PRINTED_AT, VILLAGES, check_state_format, flat, fonts, in_order, layout,
                                    pdf_pages)

LABEL = {"poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo", "average": "Hộ có mức sống trung bình",
         "not_poor": "Hộ không nghèo"}


@pytest.fixture(scope="module")
def commune_sheets(commune, tmp_path_factory):
    out = tmp_path_factory.mktemp("sheets") / "sheets.pdf"
    pages = run_to_end(print_sheets(commune.path, out, printed_at=PRINTED_AT))
    return out, pages, pdf_pages(out)


@pytest.fixture(scope="module")
def results(commune):
    """Each household's classification, straight from the domain."""
    standard = registry().get("vn-2022-2025")
    with Workspace.open(commune.path) as ws:
        ws.backups = False
        return {uuid: classify_household(with_area(parse_household(json.loads(text), trusted=True)), standard)
                for uuid, text in ws.iter_documents()}


def forms(texts: list[str]) -> dict[str, str]:
    """Each household's form (its pages joined), by the head's name."""
    out: dict[str, str] = {}
    head = None
    for text in texts:
        m = re.search(r"Chủ hộ: (.+?) Thôn:", flat(text))
        if m:
            head = m.group(1)
            out[head] = text
        else:
            out[head] += "\n" + text
    return out


def test_one_form_per_household_pages_numbered_across_the_batch(commune, commune_sheets):
    out, pages, texts = commune_sheets
    assert pages == len(texts)
    assert set(forms(texts)) == {h.head for h in commune.present()}
    for number, text in enumerate(texts, 1):
        assert f"Trang {number}/{len(texts)}" in text and "BẢN NHÁP" in text
        assert "Xã Lâm Bình, Tuyên Quang · Rà soát định kỳ năm 2026 · In lúc 08:30 ngày 20/11/2026" in text
    moved = next(h for h in commune.households if h.moved_away)
    assert not any(moved.head in t for t in texts)
    check_state_format(out, draft=True)
    assert all("LiberationSerif" in f and "not embedded" not in f for f in fonts(out))


def test_each_form_holds_the_household_b1_labelled_and_b2_with_its_points(commune, commune_sheets, results):
    _, _, texts = commune_sheets
    by_head = forms(texts)
    tpl = load_template("household_form")
    for h in commune.present():
        text = by_head[h.head]
        res = results[h.uuid]
        in_order(text, tpl.texts("vi"))
        assert f"Thôn: {h.village} " in flat(text) and f"Số thành viên: {len(h.members)} " in flat(text)
        for name in h.members:
            assert name in text
        # B2: one line per indicator in the official order, 10 points each deprived one, and the total
        body = flat(text[text.index("3. Mức độ thiếu hụt"):text.index("4. Kết quả xếp loại")])
        for ind in res.indicators:
            points = 10 if ind.status.value == "deprived" else 0
            mark = "x " if points else ""
            assert re.search(rf"\b{ind.number} {re.escape(ind.name_vi)} {mark}{points} ", body), (ind.number, body)
        assert body.endswith(f"Tổng điểm B2 {res.b2_score}") and res.b2_score == 10 * res.deprivation_count
        assert f"4. Kết quả xếp loại: {LABEL[h.cls]}" in flat(text)
        # B1: what the income is, said as it is — here measured directly, which is not a B1 score
        assert "tính trực tiếp từ các nguồn thu (không phải điểm B1)" in flat(text)
        assert "Phiếu B1" not in text
        in_order(text, ["CHỦ HỘ", "RÀ SOÁT VIÊN", "(Ký, ghi rõ họ tên)"])


def test_a_long_roster_continues_on_a_numbered_page_with_the_heads_again(commune, commune_sheets):
    out, _, texts = commune_sheets
    h = next(h for h in commune.present() if len(h.members) > 12)
    i = next(i for i, t in enumerate(texts) if f"Chủ hộ: {h.head} " in flat(t))
    assert "Chủ hộ:" not in texts[i + 1]
    runs = layout(out)[i + 1]
    assert [r.text for r in runs if r.y > 790] == ["2"]          # its page number, in the top margin
    following = flat(texts[i + 1])
    assert following.startswith("BẢN NHÁP") or "TT Họ và tên Quan hệ" in following
    assert all(name in "\n".join(texts[i:i + 2]) for name in h.members)


def test_a_b1_score_typed_in_is_labelled_as_such(commune, tmp_path):
    from tests.builders import adult, household_doc

    path = tmp_path / "b1.fsdb"
    shutil.copy(commune.path, path)
    doc = household_doc([adult(40, relationship="head", name="Nông Văn Bảy")], per_person=None,
                        income_route="b1_manual", b1_score_manual=120)
    doc["uuid"] = "0b6f0c7e-8d3a-4a55-9d8e-1b2c3d4e5f60"
    doc["location"]["village"] = VILLAGES[0]
    with Workspace.open(path) as ws:
        ws.backups = False
        ws.save_household(doc, status="complete")
    out = tmp_path / "b1.pdf"
    run_to_end(print_sheets(path, out, household="0b6f0c7e"))
    text = flat(pdf_pages(out)[0])
    assert "Điểm B1 (cộng tay trên phiếu giấy rồi nhập vào): 120 điểm — ngưỡng 140 điểm (nông thôn)" in text
    assert "không phải điểm B1" not in text


def test_one_village_one_household_and_bad_input(commune, tmp_path):
    out = tmp_path / "v.pdf"
    run_to_end(print_sheets(commune.path, out, village="thon na dinh", printed_at=PRINTED_AT))
    mine = [h for h in commune.present() if h.village == VILLAGES[0]]
    assert set(forms(pdf_pages(out))) == {h.head for h in mine}
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


def test_english_form(commune, tmp_path):
    out = tmp_path / "en.pdf"
    h = commune.of("poor")[0]
    run_to_end(print_sheets(commune.path, out, household=h.uuid, lang="en", printed_at=PRINTED_AT))
    (text,) = pdf_pages(out)
    assert "Page 1 of 1" in text and "4. Classification: Poor" in flat(text) and h.head in text
    assert "No. Name Relation Sex Born Ethnicity ID number Insured Work / activity" in flat(text)
    assert "Income per person per month, measured from its sources (not a B1 score)" in flat(text)


def test_closing_the_job_leaves_no_pdf(commune, tmp_path):
    out = tmp_path / "cancelled.pdf"
    job = print_sheets(commune.path, out, printed_at=PRINTED_AT)
    for p in job:      # every form drawn, the file not yet saved: the last moment a user could cancel
        if p.message == "Đang in phiếu hộ gia đình" and p.done == p.total and p.total:
            break
    else:
        pytest.fail("the job never reported printing")
    job.close()
    assert list(tmp_path.iterdir()) == []


def test_the_official_copy_only_for_approved_households(commune, tmp_path):
    path = tmp_path / "w.fsdb"
    shutil.copy(commune.path, path)
    approved = commune.present()[:3]
    with Workspace.open(path) as ws:
        ws.backups = False
        for h in approved:
            ws.change_status(h.uuid, Action.APPROVE)
    out = tmp_path / "official.pdf"
    run_to_end(print_sheets(path, out, official=True))
    texts = pdf_pages(out)
    assert set(forms(texts)) == {h.head for h in approved}
    joined = "\n".join(texts)
    assert "BẢN NHÁP" not in joined and "Trang " not in joined and "chưa đối chiếu" not in joined
    check_state_format(out, draft=False)
    assert sorted(r["uuid"] for r in issued_documents(path, "household_form")) == sorted(h.uuid for h in approved)
