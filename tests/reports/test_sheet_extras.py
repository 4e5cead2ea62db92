"""What a household's form asks beyond the state's fields, on its printed form (Phiếu B): rank answers as their
choices in order, and repeats inside the roster (a member's jobs, each job's payments) under their member — from the
form engine's own view of the answers (FormSession.sheet_extras), read back from the PDF with pypdf."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from fieldsurvey.formengine.loader import find_form
from fieldsurvey.formengine.session import FormSession, has_sheet_extras
from fieldsurvey.progress import run_to_end
from fieldsurvey.services.printing import print_sheets
from fieldsurvey.storage.workspace import Workspace
from tests.builders import adult, child, household_doc
from tests.formengine.derived import derived_version
from tests.reports.conftest import INFO, PRINTED_AT, VILLAGES, flat, pdf_pages

EXTRA_ROWS = {   # (after the question, rows: type, name, label::vi, label::en, appearance, required)
    "livelihood_agriculture": [("rank income_sources", "income_rank", "Các nguồn thu của hộ, từ lớn đến nhỏ",
                                "The household's sources of income, largest first", "", "")],
    "internet_use": [("rank support", "support_wanted", "Hỗ trợ mong muốn, xếp theo thứ tự ưu tiên",
                      "Support wanted, most wanted first", "", ""),
                     ("begin repeat", "jobs", "Việc làm", "Jobs", "", ""),
                     ("text", "job", "Công việc", "Job", "", "yes"),
                     ("integer", "months", "Số tháng làm", "Months worked", "", ""),
                     ("begin repeat", "payments", "Lần nhận tiền", "Payments", "", ""),
                     ("decimal", "amount", "Số tiền", "Amount", "thousands-sep", "yes"),
                     ("date", "paid_on", "Ngày nhận", "Paid on", "", ""),
                     ("end repeat", "", "", "", "", ""),
                     ("end repeat", "", "", "", "", "")]}
CHOICES = [("income_sources", "crops", "Trồng trọt", "Crops"),
           ("income_sources", "livestock", "Chăn nuôi", "Livestock"), ("income_sources", "wages", "Làm thuê", "Wages"), ("support", "credit", "Vay vốn ưu đãi", "Credit"),
           ("support", "training", "Học nghề", "Vocational training"),
           ("support", "jobs", "Giới thiệu việc làm", "Job placement")]


@pytest.fixture
def extras_form(tmp_path, monkeypatch):
    """The installed forms, with a version 2026.9 of the official questionnaire that ranks the household's sources
    of income and each member's wishes, and asks each member's jobs and each job's payments."""
    return derived_version(tmp_path, monkeypatch, "2026.9", choices=CHOICES, after={
        name: [{"type": kind, "name": n, "label::vi": vi, "label::en": en, "appearance": appearance,
                "required": required} for kind, n, vi, en, appearance, required in extra]
        for name, extra in EXTRA_ROWS.items()})


def _household(uuid_end: int, version: str) -> dict:
    members = [adult(45, "male", relationship="head", name="Lò Văn Tòng", ethnicity="Tày"),
               adult(41, "female", relationship="spouse", name="Hà Thị Mỹ", ethnicity="Tày"),
               child(9, name="Lò Bảo Ngọc", ethnicity="Tày")]
    doc = household_doc(members, per_person=1_000_000)
    doc["uuid"] = f"00000000-0000-4000-8000-{uuid_end:012d}"
    doc["form"] = {"id": "vn-review-2022", "version": version}
    doc["location"]["village"] = VILLAGES[0]
    if version == "2026.9":
        doc["household"]["income_rank"] = ["wages", "crops", "livestock"]
        doc["members"][0]["jobs"] = [
            {"job": "Trồng lúa nương", "months": 6,
             "payments": [{"amount": 1_500_000, "paid_on": "2026-03-15"}, {"amount": 2_250_000}]},
            {"job": "Phụ hồ ở thị trấn", "months": 3}]
        doc["members"][1]["support_wanted"] = ["training", "credit", "jobs"]
    return doc


@pytest.fixture
def workspace(tmp_path, extras_form):
    path = tmp_path / "c.fsdb"
    ws = Workspace.create(path, INFO, VILLAGES)
    try:
        ws.set_identity(device="dev-test", user="lan")
        for doc in (_household(1, "2026.9"), _household(2, "2026.2")):
            ws.save_household(doc, status="complete", owner="enumerator-1")
    finally:
        ws.close()
    return path


def test_the_form_engine_gives_ranks_in_order_and_repeats_under_their_member(extras_form):
    form = find_form("vn-review-2022", "2026.9")
    assert has_sheet_extras(form) and not has_sheet_extras(find_form("vn-review-2022", "2026.2"))
    extras = FormSession(form, _household(1, "2026.9"), lang="vi").sheet_extras()
    assert extras["answers"] == [{"name": "income_rank", "label": "Các nguồn thu của hộ, từ lớn đến nhỏ",
                                  "value": "Làm thuê, Trồng trọt, Chăn nuôi",
                                  "order": ["Làm thuê", "Trồng trọt", "Chăn nuôi"]}]
    head, spouse = extras["members"]                      # the child has nothing to show: left out
    assert (head["index"], head["name"], head["answers"]) == (0, "Lò Văn Tòng", [])
    jobs = head["repeats"][0]
    assert jobs["label"] == "Việc làm" and [i["number"] for i in jobs["instances"]] == [1, 2]
    payments = jobs["instances"][0]["repeats"][0]["instances"]
    assert [[a["value"] for a in p["answers"]] for p in payments] == [["1.500.000 đ", "15/03/2026"], ["2.250.000 đ"]]
    assert jobs["instances"][1]["repeats"] == []          # a job with no payment: no empty list printed
    assert spouse["answers"][0]["order"] == ["Học nghề", "Vay vốn ưu đãi", "Giới thiệu việc làm"]


def test_the_printed_form_shows_ranks_as_ordered_lists_and_repeats_under_their_member(workspace, tmp_path):
    out = tmp_path / "sheets.pdf"
    run_to_end(print_sheets(workspace, out, printed_at=PRINTED_AT))
    texts = pdf_pages(out)
    forms = {}
    for text in texts:   # each household's form starts with its head's line
        if "PHIẾU" in text and "Chủ hộ:" in text:
            forms[len(forms)] = text
        else:
            forms[len(forms) - 1] += "\n" + text
    with_extras = [flat(t) for t in forms.values() if "Các câu trả lời khác của phiếu" in t]
    assert len(forms) == 2 and len(with_extras) == 1      # the household on 2026.2: its form as before
    text = with_extras[0]
    wanted = ["1. Thành viên hộ gia đình", "Các câu trả lời khác của phiếu",
              "Các nguồn thu của hộ, từ lớn đến nhỏ: 1. Làm thuê; 2. Trồng trọt; 3. Chăn nuôi",
              "Thành viên 1: Lò Văn Tòng",
              "Việc làm thứ 1: Công việc: Trồng lúa nương; Số tháng làm: 6",
              "Lần nhận tiền thứ 1: Số tiền: 1.500.000 đ; Ngày nhận: 15/03/2026",
              "Lần nhận tiền thứ 2: Số tiền: 2.250.000 đ",
              "Việc làm thứ 2: Công việc: Phụ hồ ở thị trấn; Số tháng làm: 3",
              "Thành viên 2: Hà Thị Mỹ",
              "Hỗ trợ mong muốn, xếp theo thứ tự ưu tiên: 1. Học nghề; 2. Vay vốn ưu đãi; 3. Giới thiệu việc làm",
              "2. Thu nhập (B1)"]
    at = [text.find(w) for w in wanted]
    assert -1 not in at and at == sorted(at), list(zip(wanted, at))
    assert "Lò Bảo Ngọc" not in text[at[1]:at[-1]]       # the child: nothing to add
    # each member's number is their row's in the members' table
    members = text[text.index("1. Thành viên hộ gia đình"):at[1]]
    assert members.index("1 Lò Văn Tòng") < members.index("2 Hà Thị Mỹ")
    plain = next(flat(t) for t in forms.values() if "Các câu trả lời khác" not in t)
    assert "Việc làm thứ" not in plain and "1. Thành viên hộ gia đình" in plain

    # nested repeats indented under their instance, the instance under its member (read from where each line starts)
    starts: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        for key in ("Thành viên 1:", "Việc làm thứ 1:", "Lần nhận tiền thứ 1:"):
            if text.startswith(key) and key not in starts:
                starts[key] = tm[4]

    for page in PdfReader(str(out)).pages:
        page.extract_text(visitor_text=visit)
    assert starts["Thành viên 1:"] < starts["Việc làm thứ 1:"] < starts["Lần nhận tiền thứ 1:"], starts


def test_in_english_the_same_answers_with_the_forms_english_labels(workspace, tmp_path):
    out = tmp_path / "sheets-en.pdf"
    run_to_end(print_sheets(workspace, out, household="00000000-0000-4000-8000-000000000001", lang="en",
                            printed_at=PRINTED_AT))
    text = flat("\n".join(pdf_pages(out)))
    for words in ("Other answers on the questionnaire",
                  "The household's sources of income, largest first: 1. Wages; 2. Crops; 3. Livestock",
                  "Member 1: Lò Văn Tòng", "Jobs 1: Job: Trồng lúa nương; Months worked: 6",
                  "Payments 1: Amount: 1,500,000 VND; Paid on: 15 Mar 2026",
                  "Support wanted, most wanted first: 1. Vocational training; 2. Credit; 3. Job placement"):
        assert words in text, words


def test_an_answers_block_takes_only_the_answers_and_a_province_may_leave_it_out(workspace, tmp_path):
    """A province's own Phiếu B: an `answers` block naming another source is refused, its line named; one without
    the block prints the state's fields only."""
    from fieldsurvey.errors import TemplateError
    from fieldsurvey.paths import resource

    text = resource("templates", "phieu-b.toml").read_text(encoding="utf-8")
    at = text.index('source = "answers"')
    broken = tmp_path / "broken.toml"
    broken.write_text(text[:at] + 'source = "members"' + text[at + len('source = "answers"'):], encoding="utf-8")
    with pytest.raises(TemplateError) as refused:
        run_to_end(print_sheets(workspace, tmp_path / "x.pdf", template=broken))
    assert refused.value.key == "report.template.error.unknown_source"
    assert refused.value.where.startswith(f"{broken}:") and "'members'" in refused.value.text("vi")
    block = text.rindex("[[block]]", 0, at)
    without = tmp_path / "without.toml"
    without.write_text(text[:block] + text[text.index("[[block]]", at):], encoding="utf-8")
    out = tmp_path / "own.pdf"
    run_to_end(print_sheets(workspace, out, template=without))
    text = flat("\n".join(pdf_pages(out)))
    assert "Các câu trả lời khác" not in text and "Việc làm thứ" not in text and "Lò Văn Tòng" in text
