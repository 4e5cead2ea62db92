"""The village meeting's minutes (Phụ lục V), the posting lists and the chairman's decision (Mẫu số 02) with its four
lists, read back from the PDF and checked against the workspace and the commune's figures."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest

from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.progress import run_to_end
from fieldsurvey.reports.documents import Inputs
from fieldsurvey.reports.templates import load_template
from fieldsurvey.services.printing import issued_documents, print_decision, print_lists, print_minutes
from fieldsurvey.storage.workspace import Workspace
from tests.reports.conftest import PRINTED_AT, VILLAGES, check_state_format, flat, fonts, in_order, pdf_pages

POORISH = ("poor", "near_poor")
GROUPS = {"new_poor": "Hộ nghèo mới (phát sinh hoặc tái nghèo)",
          "new_near_poor": "Hộ cận nghèo mới (phát sinh hoặc tái cận nghèo)",
          "near_poor_to_poor": "Hộ cận nghèo trở thành hộ nghèo",
          "poor_to_near_poor": "Hộ thoát nghèo trở thành hộ cận nghèo",
          "escaped_poor": "Hộ thoát nghèo", "escaped_near_poor": "Hộ thoát cận nghèo",
          "remained_poor": "Hộ nghèo tiếp tục là hộ nghèo",
          "remained_near_poor": "Hộ cận nghèo tiếp tục là hộ cận nghèo"}


def group_of(h) -> str | None:
    """The group a household of the fixture is discussed under, straight from what the fixture made."""
    if h.cls in POORISH and h.previous not in POORISH:
        return "new_poor" if h.cls == "poor" else "new_near_poor"
    if h.previous in POORISH and h.cls not in POORISH:
        return "escaped_poor" if h.previous == "poor" else "escaped_near_poor"
    if h.previous in POORISH:
        if h.previous == h.cls:
            return f"remained_{h.cls}"
        return f"{h.previous}_to_{h.cls}"
    return None


def groups_printed(text: str, heads: set[str]) -> dict[str, set[str]]:
    """Which heads are printed under which group heading."""
    found: dict[str, set[str]] = {}
    flat_text = flat(text)
    marks = sorted((m.start(), key) for key, label in GROUPS.items() for m in re.finditer(re.escape(label) + r"(?! \()"
                                                                                           if key == "escaped_poor"
                                                                                           else re.escape(label),
                                                                                           flat_text))
    # "Hộ thoát nghèo" is also the start of "Hộ thoát nghèo trở thành …": keep the longest label at a position
    marks = [(pos, key) for pos, key in marks
             if not any(p == pos and len(GROUPS[k]) > len(GROUPS[key]) for p, k in marks)]
    for i, (pos, key) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(flat_text)
        found[key] = {h for h in heads if h in flat_text[pos:end]}
    return found


@pytest.fixture(scope="module")
def lists_pdf(commune, tmp_path_factory):
    out = tmp_path_factory.mktemp("lists") / "lists.pdf"
    first = commune.households[0]
    inputs = Inputs(meeting={VILLAGES[0]: {"chair": "Hoàng Văn Dũng", "secretary": "Lý Thị Hoa", "attending": 7,
                                           "place": "nhà văn hóa thôn", "start": "8 giờ 00", "end": "10 giờ 30"}},
                    votes={first.uuid[:8]: 6})
    pages = run_to_end(print_lists(commune.path, out, printed_at=PRINTED_AT, inputs=inputs))
    return out, pages, pdf_pages(out)


def split_documents(texts: list[str], starts: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for text in texts:
        if any(s in flat(text) for s in starts):
            out.append(text)
        else:
            out[-1] += "\n" + text
    return out


def test_minutes_and_posting_per_village_in_the_templates_order(commune, lists_pdf):
    out, pages, texts = lists_pdf
    assert pages == len(texts)
    docs = split_documents(texts, ("BIÊN BẢN KẾT QUẢ HỌP DÂN", "DANH SÁCH NIÊM YẾT CÔNG KHAI"))
    assert len(docs) == 2 * len(VILLAGES)
    minutes_tpl, posting_tpl = load_template("minutes"), load_template("posting")
    heads = {h.head for h in commune.households}
    for v, village in enumerate(VILLAGES):
        minutes, posting = docs[2 * v], docs[2 * v + 1]
        place = village.split(" ", 1)[1]
        in_order(minutes, ["BẢN NHÁP", "UBND XÃ LÂM BÌNH", village.upper(), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                           f"{place}, ngày …… tháng …… năm ……"] + minutes_tpl.texts("vi"))
        in_order(posting, [village.upper(), f"{place}, ngày"] + posting_tpl.texts("vi"))
        want: dict[str, set[str]] = {}
        for h in commune.present():
            if h.village == village and group_of(h):
                want.setdefault(group_of(h), set()).add(h.head)
        assert want
        for doc in (minutes, posting):
            got = {k: v for k, v in groups_printed(doc, heads).items() if v}
            assert got == want, (village, got, want)
        moved = next(h for h in commune.households if h.moved_away)
        assert moved.head not in minutes and moved.head not in posting
        listed = sum(1 for h in commune.present() if h.village == village)
        if v == 0:
            assert f"Đại diện 7 hộ gia đình trên tổng số {listed} hộ trong danh sách cần rà soát, đạt tỷ lệ " \
                   f"{100 * 7 / listed:.2f}%".replace(".", ",") in flat(minutes)
            assert "1. Chủ trì: Hoàng Văn Dũng" in minutes and "kết thúc vào hồi 10 giờ 30" in flat(minutes)
            first = commune.households[0]
            at = flat(minutes).index(first.head)
            assert re.match(r" 40 Hộ nghèo 6 85,71 ", flat(minutes)[at + len(first.head):]), flat(minutes)[at:at + 80]
        else:
            assert "Đại diện …… hộ gia đình trên tổng số" in flat(minutes)
        # the posting's subtotal per group counts the households, its total all of them
        total = sum(len(x) for x in want.values())
        assert f"Tổng cộng: {total} hộ" in flat(posting)
    check_state_format(out, draft=True)
    assert all("LiberationSerif" in f and "not embedded" not in f for f in fonts(out))


def test_one_village(commune, tmp_path):
    out = tmp_path / "one.pdf"
    assert run_to_end(print_minutes(commune.path, out, village="BẢN KHUỔI CỦNG", printed_at=PRINTED_AT)) >= 1
    texts = pdf_pages(out)
    assert all("BẢN KHUỔI CỦNG" in flat(t) or "BIÊN BẢN" not in t for t in texts)
    assert "DANH SÁCH NIÊM YẾT" not in "".join(texts)


@pytest.fixture(scope="module")
def decision_pdf(commune, tmp_path_factory):
    out = tmp_path_factory.mktemp("decision") / "decision.pdf"
    pages = run_to_end(print_decision(commune.path, out, printed_at=PRINTED_AT))
    return out, pages, pdf_pages(out)


def test_the_decision_counts_are_the_figures_and_its_lists_hold_the_households(commune, decision_pdf):
    from fieldsurvey.services.printing import counted_records, report_context

    out, pages, texts = decision_pdf
    with Workspace.open(commune.path) as ws:
        ws.backups = False
        ctx = report_context(ws)
        figures, records = run_to_end(counted_records(ws, ctx))
    first = flat(texts[0])
    poor, near = figures.commune.poor, figures.commune.near_poor
    escaped_poor = sum(1 for h in commune.present() if h.previous == "poor" and h.cls != "poor")
    escaped_near = sum(1 for h in commune.present() if h.previous == "near_poor" and h.cls not in POORISH)
    members = {c: sum(len(h.members) for h in commune.present() if h.cls == c) for c in POORISH}
    assert f"Điều 1. Công nhận {poor} hộ nghèo ({members['poor']} nhân khẩu), {near} hộ cận nghèo " \
           f"({members['near_poor']} nhân khẩu), {escaped_poor} hộ thoát nghèo và {escaped_near} hộ thoát cận " \
           f"nghèo năm 2026 trên địa bàn xã Lâm Bình" in first
    tpl = load_template("decision")
    in_order("\n".join(texts), ["Mẫu số 02", "ỦY BAN NHÂN DÂN", "XÃ LÂM BÌNH", "Số: ……/QĐ-UBND"] + tpl.texts("vi"))
    in_order(first, ["Nơi nhận:", "- Như Điều 3;", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"])
    annexes = {"DANH SÁCH HỘ NGHÈO NĂM 2026": [h for h in commune.present() if h.cls == "poor"],
               "DANH SÁCH HỘ CẬN NGHÈO NĂM 2026": [h for h in commune.present() if h.cls == "near_poor"],
               "DANH SÁCH HỘ THOÁT NGHÈO NĂM 2026": [h for h in commune.present() if h.previous == "poor"
                                                      and h.cls != "poor"],
               "DANH SÁCH HỘ THOÁT CẬN NGHÈO NĂM 2026": [h for h in commune.present() if h.previous == "near_poor"
                                                          and h.cls not in POORISH]}
    from pypdf import PdfReader

    reader = PdfReader(str(out))
    heads = {h.head for h in commune.households}
    for title, households in annexes.items():
        i = next(i for i, t in enumerate(texts) if title in flat(t))
        page = flat(texts[i])
        assert round(float(reader.pages[i].mediabox.width)) == 842          # landscape
        assert "(Kèm theo Quyết định số ……/QĐ-UBND ngày …… tháng …… năm …… của Chủ tịch Ủy ban nhân dân xã Lâm " \
               "Bình)" in page
        assert {h for h in heads if h in page} == {h.head for h in households}, title
        assert f"Tổng cộng: {len(households)} hộ {sum(len(h.members) for h in households)}" in page
        for village in VILLAGES:
            mine = [h for h in households if h.village == village]
            if mine:
                assert f"{village} " in page and f"Cộng: {len(mine)} hộ {sum(len(h.members) for h in mine)}" in page
    check_state_format(out, draft=True)


def test_the_official_decision_is_recorded_with_its_number(commune, tmp_path):
    path = tmp_path / "w.fsdb"
    shutil.copy(commune.path, path)
    with Workspace.open(path) as ws:
        ws.backups = False
        for h in commune.present()[:6]:
            ws.change_status(h.uuid, Action.APPROVE)
    inputs = Inputs(chairman="Nguyễn Văn Hùng", number="125", issued_on=date(2026, 12, 10))
    out = tmp_path / "qd.pdf"
    run_to_end(print_decision(path, out, official=True, inputs=inputs))
    texts = pdf_pages(out)
    text = flat("\n".join(texts))
    assert "BẢN NHÁP" not in text and "Số: 125/QĐ-UBND" in text and "Lâm Bình, ngày 10 tháng 12 năm 2026" in text
    assert "(Kèm theo Quyết định số 125/QĐ-UBND ngày 10 tháng 12 năm 2026 của Chủ tịch" in text
    approved = commune.present()[:6]
    heads = {h.head for h in commune.households}
    assert {h for h in heads if h in text} <= {h.head for h in approved}
    check_state_format(out, draft=False)
    run_to_end(print_decision(path, tmp_path / "again.pdf", official=True, inputs=inputs))
    rows = issued_documents(path, "decision")
    assert [(r["number"], r["symbol"], r["reprint_of"]) for r in rows] == [(125, "125/QĐ-UBND", None),
                                                                        (125, "125/QĐ-UBND", rows[0]["id"])]
    run_to_end(print_lists(path, tmp_path / "l.pdf", official=True, inputs=inputs))
    assert [(r["kind"], r["village"]) for r in issued_documents(path) if r["kind"] != "decision"] == \
        [(k, v) for v in VILLAGES for k in ("minutes", "posting")]
