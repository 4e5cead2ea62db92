"""Nothing a form or an answer does crashes or freezes the engine: deep and long expressions, deeply nested groups,
huge cells, dates beyond the calendar, regular expressions that backtrack without end in other engines, a stray
cell at the far corner of a sheet. Each is either served or refused with its sheet, row and column."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from fieldsurvey.formengine import linear_regex
from fieldsurvey.formengine.loader import load_form, write_folder
from fieldsurvey.formengine.model import MAX_NESTING, FormErrors, located
from fieldsurvey.formengine.session import FormSession, fill


def _folder(tmp_path, survey, choices=None):
    sheets = {"survey": survey}
    if choices is not None:
        sheets["choices"] = choices
    write_folder(sheets, tmp_path / "f")
    return tmp_path / "f"


def test_a_3000_term_sum_in_relevant_loads_and_answers(tmp_path):
    survey = [{"type": "integer", "name": f"q{i}"} for i in range(3000)]
    survey.append({"type": "text", "name": "last", "relevant": " + ".join(f"${{q{i}}}" for i in range(3000))
                   + " > 5"})
    form = load_form(_folder(tmp_path, survey))
    session = FormSession(form, {})
    assert not session.state("last").relevant
    session.set_answer("q2999", 6)
    assert not session.state("last").relevant   # the others are empty: the sum is NaN, as in ODK
    session = FormSession(form, {"household": {f"q{i}": 0 for i in range(3000)}})
    assert not session.state("last").relevant
    session.set_answer("q1500", 6)
    assert session.state("last").relevant


def test_groups_nested_past_the_bound_are_refused_located(tmp_path):
    depth = 3000
    survey = [{"type": "begin group", "name": f"g{i}"} for i in range(depth)] + [{"type": "text", "name": "a"}] \
        + [{"type": "end group"} for _ in range(depth)]
    with pytest.raises(FormErrors) as err:
        load_form(_folder(tmp_path, survey))
    assert located(err.value)[0] == (f"[survey sheet, row {MAX_NESTING + 2}, column 'type'] groups and repeats nest "
                                     f"more than {MAX_NESTING} levels deep here")
    assert located(err.value, "vi")[0].startswith(f"[trang survey, dòng {MAX_NESTING + 2}, cột 'type'] Các nhóm")
    # at the bound, a form loads and fills
    survey = [{"type": "begin group", "name": f"g{i}"} for i in range(MAX_NESTING)] \
        + [{"type": "text", "name": "a", "required": "yes"}] + [{"type": "end group"} for _ in range(MAX_NESTING)]
    session = fill(load_form(_folder(tmp_path / "ok", survey)), {"a": "x"})
    assert session.rows()[0]["path"] == "/".join(f"g{i}" for i in range(MAX_NESTING)) + "/a"


def test_a_megabyte_label_is_refused_located_in_csv_and_in_xlsx(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "survey.csv").write_text("type,name,label\ntext,a,A\ntext,b," + "x" * 1_000_000 + "\n",
                                       encoding="utf-8")
    with pytest.raises(FormErrors) as err:
        load_form(folder)
    assert located(err.value) == ["[survey sheet, row 3] a cell holds more than 131072 characters; a cell may "
                                  "hold at most 32767 (as in Excel)"]
    (folder / "survey.csv").write_text("type,name,label\ntext,a,A\ntext,b," + "x" * 40_000 + "\n", encoding="utf-8")
    with pytest.raises(FormErrors) as err:
        load_form(folder)
    assert located(err.value) == ["[survey sheet, row 3, column 'label'] a cell holds 40000 characters; a cell may "
                                  "hold at most 32767 (as in Excel)"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["text", "a", "y" * 32_767])   # openpyxl (as Excel) writes no longer cell: lengthen it in the file
    wb.save(tmp_path / "book.xlsx")
    with zipfile.ZipFile(tmp_path / "book.xlsx") as src, zipfile.ZipFile(tmp_path / "big.xlsx", "w") as dst:
        for entry in src.infolist():
            data = src.read(entry)
            if entry.filename.startswith("xl/"):  # the text sits in the sheet or in the shared strings
                data = data.replace(b"y" * 32_767, b"y" * 40_000)
            dst.writestr(entry, data)
    with pytest.raises(FormErrors) as err:
        load_form(tmp_path / "big.xlsx")
    assert located(err.value, "vi") == ["[trang survey, dòng 2, cột 'label'] Ô này có 40000 ký tự; mỗi ô chỉ được "
                                        "tối đa 32767 ký tự (như trong Excel)"]


def test_a_stray_cell_at_the_far_corner_does_not_make_the_sheet_huge(tmp_path):
    """The sheet's recorded size (A1:XFD1048576) is not trusted: only the used range is read. (Before, the loader
    walked 16,384 × 1,048,576 cells.)"""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["text", "a", "A"])
    ws.append(["integer", "b", "B"])
    ws["XFD1048576"] = "stray"
    ws["XFD1"] = None
    wb.save(tmp_path / "stray.xlsx")
    form = load_form(tmp_path / "stray.xlsx")
    assert [i.name for i in form.items] == ["a", "b"]


def test_dates_from_answers_beyond_the_calendar_give_no_date(tmp_path):
    form = load_form(_folder(tmp_path, [
        {"type": "integer", "name": "days"},
        {"type": "calculate", "name": "when", "calculation": "format-date(today() + ${days}, '%Y-%m-%d')"},
        {"type": "calculate", "name": "far", "calculation": "date(99999999)"},
        {"type": "integer", "name": "n", "constraint": ". < 10"},
    ]))
    session = fill(form, {"days": 3_000_000, "n": 10 ** 400})
    assert session.value("when") is None and session.value("far") is None
    assert session.state("n").status == "error"
    session.set_answer("days", 1)
    assert session.value("when") is not None


def test_an_answer_cannot_make_a_regular_expression_run_without_end(tmp_path):
    form = load_form(_folder(tmp_path, [
        {"type": "text", "name": "t", "constraint": "regex(., '^(a+)+$')"},
        {"type": "text", "name": "u", "constraint": "regex(., '(x+x+)+y')"},
    ]))
    session = fill(form, {"t": "a" * 10_000 + "!", "u": "x" * 5_000})   # hours for a backtracking engine
    assert session.state("t").status == "error" and session.state("u").status == "error"
    session.set_answer("t", "a" * 10_000)
    assert session.state("t").status == "ok"


@pytest.mark.parametrize("pattern, where, key", [
    ("(a)\\1", "4", "regex_unsupported"), ("(?=a)b", "1", "regex_unsupported"),
    ("[a-z&&[^e]]", "1", "regex_unsupported"), ("(ab", "1", "regex_malformed"), ("a{3,2}", "2", "regex_malformed"),
    ("(a{1000}){1000}", None, "regex_too_long"),
])
def test_a_pattern_the_engine_cannot_run_is_refused_when_the_form_loads(tmp_path, pattern, where, key):
    with pytest.raises(FormErrors) as err:
        load_form(_folder(tmp_path, [{"type": "text", "name": "t", "constraint": f"regex(., '{pattern}')"}]))
    problem = err.value.errors[0]
    assert (problem.sheet, problem.row, problem.column, problem.key) == \
        ("survey", 2, "constraint", f"forms.error.{key}")
    assert str(problem).startswith(f"[survey sheet, row 2, column 'constraint'] the regular expression '{pattern}'")
    assert problem.text("vi").startswith(f"[trang survey, dòng 2, cột 'constraint'] Biểu thức chính quy '{pattern}'")
    if where:
        assert f"position {where}" in str(problem)


@pytest.mark.parametrize("pattern, text, expected", [
    ("^0[0-9]{9}$", "0912345678", True), ("^0[0-9]{9}$", "091234567", False),
    ("^(\\d{9}|\\d{12})$", "123456789012", True),
    ("\\bcat\\b", "a cat!", True), ("\\bcat\\b", "concat", False), ("(?i)^abc$", "AbC", True),
    ("^\\w+$", "Hoàng", False),          # Java's \w is ASCII, as ODK reads it
    ("^\\p{L}+$", "Hoàng", True), ("^[\\p{L} ]+$", "Nguyễn Văn A", True), ("a.c", "a\nc", False),
    ("abc$", "abc\n", True), ("^$", "", True), ("x*", "", True), ("[]a]", "]", True), ("[a-]", "-", True),
    ("^\\u0041\\x42$", "AB", True), ("^[^\\d\\s]+$", "ab", True), ("^(?<year>\\d{4})-\\d{2}$", "2026-01", True),
    ("a{2,}", "aa", True), ("a{2,}", "a", False), ("^(ab)*?$", "abab", True), ("^a++$", "aaa", True),
])
def test_the_linear_engine_matches_as_java_does(pattern, text, expected):
    assert linear_regex.search(pattern, text) is expected


ATOMS = ["a", "b", ".", "[ab]", "[^a]", "\\d", "\\w", "\\s", "(a|b)", "(ab)", "(?:a|)", "^", "$", "\\b", "x", "[0-9]"]
QUANTIFIERS = ["", "*", "+", "?", "{2}", "{1,2}", "{0,}", "*?", "+?"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ATOMS), st.sampled_from(QUANTIFIERS)), min_size=1, max_size=5),
       st.lists(st.text(alphabet="abx1 _", max_size=8), min_size=1, max_size=4))
def test_the_linear_engine_agrees_with_a_backtracking_one_where_both_run(parts, texts):
    """On ASCII text without line ends Python's re (ASCII mode) and Java agree; so must the linear engine."""
    pattern = "".join(a + q for a, q in parts)
    try:
        reference = re.compile(pattern, re.ASCII)
    except re.error:
        return
    for text in texts:
        assert linear_regex.search(pattern, text) == (reference.search(text) is not None), (pattern, text)


def test_an_answer_cannot_make_a_repeat_of_a_million_instances(tmp_path):
    """A repeat counted by an answer makes at most 500 instances (ODK makes them all and stalls: found when a
    random answer set asked JavaRosa for 10⁶)."""
    form = load_form(_folder(tmp_path, [
        {"type": "integer", "name": "n", "label": "N"},
        {"type": "begin repeat", "name": "r", "label": "R", "repeat_count": "${n}"},
        {"type": "integer", "name": "x", "label": "X"},
        {"type": "end repeat", "name": "", "label": ""},
        {"type": "calculate", "name": "c", "label": "", "calculation": "count(${r})"}]))
    session = FormSession(form, {})
    session.set_answer("n", 1_000_000)
    assert (len(session.members("r")), session.value("c")) == (500, 500)
    session.set_answer("n", 3)
    assert (len(session.members("r")), session.value("c")) == (3, 3)
