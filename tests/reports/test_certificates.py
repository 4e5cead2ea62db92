"""Certificates (Decision 24/2021, Mẫu số 03) printed from their template, read back: the template's fields in
order, the members under the right sex, draft against official copy, the register of numbers, a province's own
template and a broken one."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime

import pytest

from fieldsurvey.errors import TemplateError, WorkspaceError
from fieldsurvey.paths import resource
from fieldsurvey.domain.lifecycle import Action
from fieldsurvey.progress import run_to_end
from fieldsurvey.reports.documents import Inputs
from fieldsurvey.reports.templates import load_template, read_template
from fieldsurvey.services.printing import issued_documents, next_number, print_certificates
from fieldsurvey.storage.workspace import Workspace
from tests.reports.conftest import PRINTED_AT, check_state_format, flat, fonts, in_order, layout, pdf_pages

POORISH = ("poor", "near_poor")


def certificates(texts: list[str]) -> list[str]:
    """The text of each certificate (its pages joined), in the order printed."""
    out: list[str] = []
    for text in texts:
        if "GIẤY CHỨNG NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO" in text or "CERTIFICATE OF POOR" in text:
            out.append(text)
        else:
            out[-1] += "\n" + text
    return out


def head_of(text: str) -> str:
    return re.search(r"Hộ gia đình ông/bà: (.+?) Dân tộc:", flat(text)).group(1)


@pytest.fixture(scope="module")
def drafts(commune, tmp_path_factory):
    out = tmp_path_factory.mktemp("certs") / "certs.pdf"
    pages = run_to_end(print_certificates(commune.path, out, printed_at=PRINTED_AT))
    return out, pages, pdf_pages(out)


def test_a_draft_certificate_per_poor_and_near_poor_household(commune, drafts):
    out, pages, texts = drafts
    assert pages == len(texts)
    certs = certificates(texts)
    wanted = [h for h in commune.present() if h.cls in POORISH]
    assert sorted(head_of(c) for c in certs) == sorted(h.head for h in wanted)
    tpl = load_template("certificate")
    for text, h in zip(certs, sorted(wanted, key=lambda h: head_of(next(c for c in certs if h.head in c)))):
        in_order(text, ["BẢN NHÁP", "Mẫu số 03", "UBND XÃ LÂM BÌNH", "Số: ……/GCN-HN.HCN",
                        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                        "Lâm Bình, ngày …… tháng …… năm ……"] + tpl.texts("vi"))
        in_order(text, ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
                        "Căn cứ kết quả rà soát hộ nghèo, hộ cận nghèo năm 2026 trên địa bàn xã Lâm Bình,",
                        "Chủ tịch Ủy ban nhân dân xã Lâm Bình chứng nhận:", "Hộ gia đình ông/bà:", "Dân tộc:",
                        "Số CCCD/CMND:", "Ngày cấp:", "Nơi thường trú:", "Những điều cần lưu ý:",
                        "chưa được đối chiếu với văn bản chính thức"])
        assert "In lúc 08:30 ngày 20/11/2026" in text
    check_state_format(out, draft=True)
    assert all("LiberationSerif" in f and "not embedded" not in f for f in fonts(out))


def test_the_members_and_the_yearly_grid(commune, drafts):
    """Every member in the member table; the review year's box marked with the class; the years of the period."""
    _, _, texts = drafts
    certs = {head_of(c): c for c in certificates(texts)}
    for h in commune.present():
        if h.cls not in POORISH:
            continue
        text = certs[h.head]
        for name in h.members:
            assert name in text
        grid = flat(text[text.index("II. XÁC NHẬN"):])
        assert re.search(r"2022 2023 2024 2025 2026 x", grid), grid[:300]
        assert "Chủ tịch UBND xã (ký tên, đóng dấu)" in grid


def test_the_year_of_birth_is_under_the_members_sex(commune, drafts):
    out, _, texts = drafts
    h = next(h for h in commune.present() if h.cls == "poor" and len(h.members) == 3)
    runs = next(r for r, t in zip(layout(out), texts) if f"Hộ gia đình ông/bà: {h.head}" in flat(t))
    male_x = next(r.x + r.width / 2 for r in runs if r.text == "Nam")
    female_x = next(r.x + r.width / 2 for r in runs if r.text == "Nữ")
    years = [r for r in runs if re.fullmatch(r"(19|20)\d\d", r.text) and r.y > 300]
    member_years = [r for r in years if abs(r.x + r.width / 2 - male_x) < 4 or abs(r.x + r.width / 2 - female_x) < 4]
    assert len(member_years) == 3
    head_year = max(member_years, key=lambda r: r.y)      # the head's row is the first
    head_is_female = h.female_head
    assert abs(head_year.x + head_year.width / 2 - (female_x if head_is_female else male_x)) < 4


def _approve(path, uuids):
    with Workspace.open(path) as ws:
        ws.backups = False
        ws.set_identity(user="can-bo-xa")
        for uuid in uuids:
            ws.change_status(uuid, Action.APPROVE, user="can-bo-xa")


@pytest.fixture
def approved_commune(commune, tmp_path):
    path = tmp_path / "approved.fsdb"
    shutil.copy(commune.path, path)
    poorish = [h for h in commune.present() if h.cls in POORISH]
    _approve(path, [h.uuid for h in poorish[:4]])
    return path, poorish


def test_the_official_copy_numbers_only_approved_households_and_records_them(approved_commune, tmp_path):
    path, poorish = approved_commune
    out = tmp_path / "official.pdf"
    run_to_end(print_certificates(path, out, official=True, printed_at=PRINTED_AT,
                                  inputs=Inputs(chairman="Nguyễn Văn Hùng")))
    texts = pdf_pages(out)
    certs = certificates(texts)
    assert sorted(head_of(c) for c in certs) == sorted(h.head for h in poorish[:4])
    numbers = []
    for text in certs:
        assert "BẢN NHÁP" not in text and "chưa được đối chiếu" not in text and "In lúc" not in text
        assert "Lâm Bình, ngày 20 tháng 11 năm 2026" in flat(text)
        assert "Nguyễn Văn Hùng" in text
        numbers.append(int(re.search(r"Số: (\d+)/GCN-HN.HCN", text).group(1)))
    assert numbers == [1, 2, 3, 4]
    check_state_format(out, draft=False)
    # a certificate's second page carries its page number "2" at the top; its first page none
    runs = layout(out)
    assert [r.text for r in runs[1] if r.y > 800] == ["2"] and [r for r in runs[0] if r.y > 800] == []
    register = issued_documents(path, "certificate")
    assert [(r["number"], r["symbol"], r["reprint_of"]) for r in register] == \
        [(n, f"{n}/GCN-HN.HCN", None) for n in range(1, 5)]
    by_head = {h.uuid: h for h in poorish}
    assert {by_head[r["uuid"]].head for r in register} == {h.head for h in poorish[:4]}
    assert all(r["issued_on"] == "2026-11-20" and r["issued_by"] == "can-bo-xa" and r["file_name"] == "official.pdf"
               for r in register)

    # printed again, a household keeps its number (a reprint); a newly approved one gets the next number
    _approve(path, [poorish[4].uuid])
    again = tmp_path / "again.pdf"
    run_to_end(print_certificates(path, again, official=True, printed_at=datetime(2026, 12, 2, 9, 0),
                                  inputs=Inputs(issued_on=date(2026, 12, 1))))
    found = {head_of(c): int(re.search(r"Số: (\d+)/GCN-HN.HCN", c).group(1)) for c in certificates(pdf_pages(again))}
    first = {by_head[r["uuid"]].head: r["number"] for r in register}
    assert {k: v for k, v in found.items() if k in first} == first
    assert found[poorish[4].head] == 5
    assert "ngày 01 tháng 12 năm 2026" in flat(pdf_pages(again)[0])
    register = issued_documents(path, "certificate")
    assert len(register) == 9 and sum(1 for r in register if r["reprint_of"]) == 4
    assert len({r["number"] for r in register if not r["reprint_of"]}) == 5


def test_certificate_numbers_are_never_given_twice(approved_commune, tmp_path):
    path, _ = approved_commune
    run_to_end(print_certificates(path, tmp_path / "a.pdf", official=True, first_number=40))
    numbers = sorted(r["number"] for r in issued_documents(path, "certificate"))
    assert numbers == [40, 41, 42, 43]
    with pytest.raises(WorkspaceError) as used:
        run_to_end(print_certificates(path, tmp_path / "b.pdf", official=True, first_number=43))
    assert used.value.text("vi").startswith("Số giấy chứng nhận đầu tiên: Số 43 đã được cấp (số lớn nhất đã cấp là 43)")
    assert str(used.value).startswith("--first-number: number 43 has been given already")   # the CLI's words
    assert not (tmp_path / "b.pdf").exists()
    assert next_number(path, "certificate") == 44 and next_number(path, "decision") == 1   # what the app offers
    import sqlite3

    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO issued_documents (kind, number, review_year, issued_at, issued_by, template, batch) "
                   "VALUES ('certificate', 41, 2026, 'x', 'y', 'z', 'b')")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM issued_documents")
    db.close()


def test_no_approved_household_no_official_copy(commune, tmp_path):
    with pytest.raises(WorkspaceError) as refused:
        run_to_end(print_certificates(commune.path, tmp_path / "x.pdf", official=True))
    assert "Chưa có hộ nào đã được duyệt" in refused.value.text("vi")
    assert list(tmp_path.iterdir()) == []


# --- a province's own template ------------------------------------------------------------------------------------

PROVINCE = '''
kind = "certificate"
id = "tinh-x-gcn-2026"
title = "GIẤY CHỨNG NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year}"
[header]
style = "issuing_body"
parent = "UBND TỈNH {province:upper}"
body = "ỦY BAN NHÂN DÂN\\n{commune:upper}"
number = "Số: {number}/GCN-UBND"
place_date = "{commune_place}, {date}"
[[block]]
type = "fields"
rows = [["Chủ hộ: {head_name}"], ["Thôn: {village}"]]
[[block]]
type = "table"
source = "members"
[[block.column]]
label = "Năm sinh"
field = "birth_year"
[[block.column]]
label = "Giới tính"
field = "sex"
[[block.column]]
label = "Họ và tên thành viên"
field = "name"
[[block.column]]
label = "STT"
field = "no"
[[block]]
type = "signatures"
[[block.signer]]
authority = "KT. CHỦ TỊCH"
title = "PHÓ CHỦ TỊCH"
hint = "(Ký, ghi rõ họ tên và đóng dấu)"
seal = true
[[block.signer]]
title = "NGƯỜI LẬP"
hint = "(Ký, ghi rõ họ tên)"
'''


def test_a_provinces_template_prints_exactly_what_it_says(commune, tmp_path):
    path = tmp_path / "tinh-x.toml"
    path.write_text(PROVINCE, encoding="utf-8")
    out = tmp_path / "p.pdf"
    h = next(h for h in commune.present() if h.cls == "poor")
    run_to_end(print_certificates(commune.path, out, template=path, household=h.uuid))
    (text,) = pdf_pages(out)
    in_order(text, ["UBND TỈNH TUYÊN QUANG", "ỦY BAN NHÂN DÂN", "XÃ LÂM BÌNH", "Số: ……/GCN-UBND",
                    "GIẤY CHỨNG NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2026", f"Chủ hộ: {h.head}", f"Thôn: {h.village}",
                    "Năm sinh", "Giới tính", "Họ và tên thành viên", "STT", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH",
                    "(Ký, ghi rõ họ tên và đóng dấu)", "NGƯỜI LẬP", "(Ký, ghi rõ họ tên)"])
    for gone in ("Mẫu số 03", "Căn cứ", "I. DANH SÁCH", "Quan hệ với chủ hộ", "Những điều cần lưu ý"):
        assert gone not in text
    # each member's row: year, sex, name, number — in the province's order
    assert re.search(r"19\d\d Nữ|19\d\d Nam", flat(text))
    assert re.search(rf"(Nam|Nữ) {re.escape(h.head)} 1", flat(text))
    check_state_format(out)


@pytest.mark.parametrize("change, needle, key", [
    (('field = "sex"', 'field = "gender"'), 'field = "gender"', "report.template.error.unknown_field"),
    (("{head_name}", "{head_nam}"), "{head_nam}", "report.template.error.unknown_value"),
    (('title = "GIẤY', 'titel = "GIẤY'), "titel", "report.template.error.unknown_key"),
    (('source = "members"', 'source = "member"'), 'source = "member"', "report.template.error.unknown_source"),
    (('kind = "certificate"', 'kind = "decision"'), 'kind = "decision"', "report.template.error.wrong_kind"),
    (('style = "issuing_body"', 'style = "issuer"'), 'style = "issuer"', "report.template.error.choice"),
    (("[[block.signer]]\ntitle", "[[block.signer]\ntitle"), "[[block.signer]\n", "report.template.error.syntax"),
    (('seal = true', 'seal = "yes"'), 'seal = "yes"', "report.template.error.not_a_flag"),
    (('{province:upper}', '{province:title}'), "{province:title}", "report.template.error.bad_format"),
])
def test_a_broken_template_is_refused_with_the_line_named(commune, tmp_path, change, needle, key):
    text = PROVINCE.replace(*change, 1)
    assert text != PROVINCE
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    line = text[:text.index(needle)].count("\n") + 1
    with pytest.raises(TemplateError) as refused:
        read_template(path, "certificate")
    assert refused.value.key == key
    assert refused.value.where == f"{path}:{line}"
    with pytest.raises(TemplateError):     # and printing with it prints nothing
        run_to_end(print_certificates(commune.path, tmp_path / "x.pdf", template=path))
    assert not (tmp_path / "x.pdf").exists()


def test_every_bundled_template_loads():
    from fieldsurvey.reports.templates import KINDS

    for kind in KINDS:
        if resource("templates", KINDS[kind].file).exists():
            assert load_template(kind).kind == kind


def test_the_official_copy_from_the_command_line(approved_commune, tmp_path):
    import json

    from click.testing import CliRunner

    from fieldsurvey.cli import main

    path, poorish = approved_commune
    inputs = tmp_path / "inputs.toml"
    inputs.write_text('chairman = "Hà Văn Thắng"\ndate = 2026-12-01\n', encoding="utf-8")
    out = tmp_path / "gcn.pdf"
    r = CliRunner().invoke(main, ["print", "certificates", str(path), "--out", str(out), "--official", "--inputs",
                                  str(inputs), "--date", "2026-12-03", "--first-number", "3", "--quiet"])
    assert r.exit_code == 0, r.output
    text = flat(pdf_pages(out)[0])
    assert "Số: 3/GCN-HN.HCN" in text and "Lâm Bình, ngày 03 tháng 12 năm 2026" in text     # --date wins
    assert "Hà Văn Thắng" in flat("".join(pdf_pages(out)))
    r = CliRunner().invoke(main, ["issued", str(path), "--json"])
    rows = json.loads(r.output)
    assert [x["symbol"] for x in rows] == ["3/GCN-HN.HCN", "4/GCN-HN.HCN", "5/GCN-HN.HCN", "6/GCN-HN.HCN"]
    r = CliRunner().invoke(main, ["issued", str(path)])
    assert r.output.startswith("#1 certificate 3/GCN-HN.HCN ")
    inputs.write_text('chairman = "Hà Văn Thắng"\ndate = "1/12/2026"\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["print", "certificates", str(path), "--out", str(out), "--inputs", str(inputs)])
    assert r.exit_code == 1 and f"{inputs}:2: “date” must be a date written YYYY-MM-DD" in r.output
