"""XLSForm workbooks: public forms nobody here wrote load or are refused with a located message; our forms go to
.xlsx and back keeping their meaning; broken forms are refused, located, never with a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from fieldsurvey.errors import FormError
from fieldsurvey.formengine.loader import find_form, load_form, read_folder, shipped_forms, write_folder
from fieldsurvey.formengine.model import FormErrors, located
from fieldsurvey.formengine.session import FormSession, fill
from fieldsurvey.formengine.loader import export_form
from fieldsurvey.formengine.xlsx import import_xlsx

# The public examples of ../shared/xlsforms, copied unchanged (with their licence) so every clone tests them.
SHARED = Path(__file__).parents[1] / "fixtures" / "xlsforms"
PUBLIC = sorted(SHARED.glob("*.xlsx"))
LOCATED = re.compile(r"^\[((survey|choices|settings) sheet(, row \d+(, column '[^']+')?)?|workbook)\] \S")

# What each public form does here (a change of behaviour shows up as a failure, not silently).
EXPECTED = {
    "attribute_columns_test.xlsx": "refused", "case_insensitivity.xlsx": "refused",
    "choice_filter_test.xlsx": "loads", "field-list.xlsx": "loads", "flat_xlsform_test.xlsx": "refused",
    "group.xlsx": "loads", "include.xlsx": "refused", "loop.xlsx": "loads", "or_other.xlsx": "loads",
    "specify_other.xlsx": "loads", "text_and_integer.xlsx": "loads", "yes_or_no_question.xlsx": "loads",
}


def test_the_public_forms_are_here():
    if not SHARED.is_dir():
        pytest.skip("the shared XLSForm examples are not on this machine")
    assert {p.name for p in PUBLIC} == set(EXPECTED)


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.name)
def test_each_public_form_loads_or_is_refused_with_a_located_message(path):
    try:
        form = load_form(path)
    except FormError as exc:
        assert EXPECTED[path.name] == "refused", located(exc)
        messages = located(exc)
        assert messages and all(LOCATED.match(m) for m in messages), messages
        return
    assert EXPECTED[path.name] == "loads"
    session = FormSession(form, {})
    for section in session.sections:  # every question has a state, and the headless view lists them
        for member in ([None] if not section.repeat else range(len(session.members()))):
            session.section_states(section, member)
    assert session.rows() is not None
    session.to_document()


def test_refusals_name_what_is_not_supported():
    if not SHARED.is_dir():
        pytest.skip("the shared XLSForm examples are not on this machine")
    with pytest.raises(FormErrors) as err:
        load_form(SHARED / "include.xlsx")
    assert located(err.value) == ["[survey sheet, row 3, column 'type'] 'include' is an ODK type this engine "
                                  "does not support (supported: text, integer, decimal, date, time, datetime, "
                                  "select_one, select_multiple, rank, range, geopoint, barcode, image, audio, video, "
                                  "file, acknowledge, note, calculate, hidden, begin/end group, begin/end repeat)"]
    with pytest.raises(FormErrors) as err:
        load_form(SHARED / "case_insensitivity.xlsx")  # SURVEY, LABEL::EN … read; the external select served
    assert located(err.value) == ["[survey sheet, row 4, column 'type'] 'osm c1' cannot be served on a desktop "
                                  "computer (it needs a phone's SIM card or line, its sensors in the background, or "
                                  "drawing on a map)"]


def test_cascading_selects_filter_by_the_answer_before():
    if not SHARED.is_dir():
        pytest.skip("the shared XLSForm examples are not on this machine")
    form = load_form(SHARED / "choice_filter_test.xlsx")
    session = FormSession(form, {})
    session.set_answer("state", "texas")
    assert [n for n, _ in session.options("county")] == ["king", "cameron"]
    session.set_answer("county", "cameron")
    assert [n for n, _ in session.options("city")] == ["brownsville", "harlingen"]


def test_or_other_adds_the_other_choice_and_its_text():
    if not SHARED.is_dir():
        pytest.skip("the shared XLSForm examples are not on this machine")
    form = load_form(SHARED / "or_other.xlsx")
    session = FormSession(form, {})
    assert not session.state("fav_color_other").relevant
    session.set_answer("fav_color", "other")
    assert session.state("fav_color_other").relevant
    session.set_answer("fav_color_other", "teal")
    assert session.to_document()["household"] == {"fav_color": "other", "fav_color_other": "teal"}


@pytest.mark.parametrize("folder", shipped_forms(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_round_trip_through_xlsx_keeps_the_meaning(folder, tmp_path):
    original = load_form(folder)
    book = tmp_path / "form.xlsx"
    export_form(folder, book)
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["survey", "choices", "settings"]
    header = [c.value for c in wb["survey"][1]]
    assert header[:4] == ["type", "name", "label::vi", "label::en"]
    names = [r[1] for r in wb["survey"].iter_rows(min_row=2, values_only=True) if r[1]]
    assert names == [i.name for i in original.items]
    back = import_xlsx(book, tmp_path / "back")
    assert (back.form_id, back.version, back.title) == (original.form_id, original.version, original.title)
    assert [(i.name, i.type, i.list_name, i.labels, i.relevant, i.constraint, i.calculation, i.required,
             i.warning, i.choice_filter, i.path) for i in back.items] == \
           [(i.name, i.type, i.list_name, i.labels, i.relevant, i.constraint, i.calculation, i.required,
             i.warning, i.choice_filter, i.path) for i in original.items]
    assert {k: [(c.name, c.labels, c.extra) for c in v] for k, v in back.choices.items()} == \
           {k: [(c.name, c.labels, c.extra) for c in v] for k, v in original.choices.items()}
    for sheet in ("survey", "choices", "settings"):  # the text files come back as they were
        assert (tmp_path / "back" / f"{sheet}.csv").read_text(encoding="utf-8") == \
               (folder / f"{sheet}.csv").read_text(encoding="utf-8")


def _write(tmp_path, survey, choices=None, settings=None):
    sheets = {"survey": survey}
    if choices is not None:
        sheets["choices"] = choices
    if settings is not None:
        sheets["settings"] = settings
    write_folder(sheets, tmp_path / "f")
    return tmp_path / "f"


@pytest.mark.parametrize("survey, choices, expected", [
    ([{"type": "begin group", "name": "g"}, {"type": "text", "name": "a"}], None,
     "[survey sheet, row 2, column 'type'] 'begin group' g has no 'end group'"),
    ([{"type": "end group", "name": ""}], None,
     "[survey sheet, row 2, column 'type'] 'end group' without a matching 'begin group'"),
    ([{"type": "select_one colours", "name": "c"}], [], "[survey sheet, row 2, column 'type'] the choice list "
     "'colours' is not on the choices sheet"),
    ([{"type": "integer", "name": "a", "relevant": "${b} >"}], None,
     "[survey sheet, row 2, column 'relevant'] expected a value, a ${name}, a function or '(', found the end at "
     "position 7 in '${b} >'"),
    ([{"type": "integer", "name": "a", "constraint": ". > ${zz}"}], None,
     "[survey sheet, row 2, column 'constraint'] refers to ${zz}, which the form does not have"),
    ([{"type": "text", "name": "a"}, {"type": "text", "name": "a"}], None,
     "[survey sheet, row 3, column 'name'] the name 'a' is used twice (first on row 2)"),
    ([{"type": "text", "name": "2a"}], None, "[survey sheet, row 2, column 'name'] '2a' is not a valid name"),
    ([{"type": "calculate", "name": "a", "calculation": "${b} + 1"},
      {"type": "calculate", "name": "b", "calculation": "${a} + 1"}], None,
     "these expressions depend on each other in a circle"),
    ([{"type": "begin repeat", "name": "r"}, {"type": "begin repeat", "name": "s"}, {"type": "end repeat"}], None,
     "[survey sheet, row 2, column 'type'] 'begin repeat' r has no 'end repeat'"),
    ([{"type": "text", "name": "a"}], [{"list_name": "l", "name": "x"}, {"list_name": "l", "name": "x"}],
     "[choices sheet, row 3, column 'name'] the list 'l' has the choice 'x' twice"),
    ([{"type": "xml-external", "name": "where"}], None,
     "[survey sheet, row 2, column 'name'] the file 'where.xml' that the form reads is not beside the form"),
    ([{"type": "select_multiple_external l", "name": "m"}], None,   # (pyxform does not know it either)
     "[survey sheet, row 2, column 'type'] 'select_multiple_external l' is not a known question type"),
    ([{"type": "text", "name": "a", "relevant": "instance('nowhere')/root/item/name = 'x'"}], None,
     "[survey sheet, row 2, column 'relevant'] reads instance('nowhere'), which the form does not have"),
])
def test_broken_forms_are_refused_located(tmp_path, survey, choices, expected):
    with pytest.raises(FormErrors) as err:
        load_form(_write(tmp_path, survey, choices))
    assert any(expected in m for m in located(err.value)), located(err.value)


def test_not_a_workbook_is_refused_located(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"this is not a zip")
    with pytest.raises(FormErrors) as err:
        load_form(bad)
    assert located(err.value)[0].startswith("[workbook] cannot be read as an .xlsx workbook")
    assert located(err.value, "vi")[0].startswith("[tệp bảng tính] Không đọc được tệp này như một bảng tính .xlsx")


def test_a_designer_can_write_xlsform_headers_as_they_like(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Survey"
    ws.append(["TYPE", "Name", "label:Vietnamese", "label::English (en)", "Relevance", "requiredMsg", "required"])
    ws.append(["select one from yn", "ok", "Đồng ý?", "Agree?", None, None, None])
    ws.append(["text", "why", "Vì sao?", "Why?", "${ok} = 'no'", "Cần lý do", "TRUE"])
    cs = wb.create_sheet("choices")
    cs.append(["list name", "name", "label::Vietnamese", "label::English (en)"])
    cs.append(["yn", "yes", "Có", "Yes"])
    cs.append(["yn", "no", "Không", "No"])
    wb.save(tmp_path / "f.xlsx")
    form = load_form(tmp_path / "f.xlsx")
    assert form.default_language == "vi" and form.form_id == "f"
    session = FormSession(form, {})
    assert not session.state("why").relevant
    session.set_answer("ok", "no")
    assert session.state("why").status == "required" and session.state("why").message == "Cần lý do"
    session.set_language("en")
    assert session.label("why") == "Why?"
    assert session.options("ok") == [("yes", "Yes"), ("no", "No")]


def test_a_repeat_count_makes_its_instances(tmp_path):
    folder = _write(tmp_path, [
        {"type": "integer", "name": "n"},
        {"type": "begin repeat", "name": "kids", "repeat_count": "${n}"},
        {"type": "integer", "name": "age", "constraint": ". < 18"},
        {"type": "end repeat"},
        {"type": "calculate", "name": "total", "calculation": "sum(${age})"},
    ])
    session = fill(load_form(folder), {"n": 2, "kids": [{"age": 3}, {"age": 20}]})
    assert len(session.members("kids")) == 2
    assert session.value("total") == 23
    assert session.state("age", 1).status == "error"
    assert [r["path"] for r in session.rows() if r["name"] == "age"] == ["kids[1]/age", "kids[2]/age"]


def test_folder_sheets_read_back_as_written(tmp_path):
    folder = find_form("vn-review-2022")
    sheets = read_folder(Path(folder.sheets and shipped_forms()[1]))
    assert sheets["survey"][0][0] == 2  # rows numbered as the designer sees them: the header is row 1


LOADABLE = [p for p in PUBLIC if EXPECTED.get(p.name) == "loads"]


@pytest.mark.parametrize("path", LOADABLE, ids=lambda p: p.name)
def test_public_forms_that_load_survive_any_answers_and_a_round_trip(path, tmp_path):
    import random

    form = load_form(path)
    rnd = random.Random(path.name)
    session = FormSession(form, {})
    inputs = [i for i in form.questions() if i.is_input]
    for _ in range(40):
        item = rnd.choice(inputs)
        member = None
        if item.repeat is not None:
            if not session.members(item.repeat.name):
                session.add_member(item.repeat.name)
            member = rnd.randrange(len(session.members(item.repeat.name)))
        names = [c.name for c in session.choice_list(item.list_name)] if item.list_name else []
        value = rnd.choice(names + ["", "nonsense", 12, "2026-01-01", ["a", "b"]])
        session.set_answer(item.name, value, member)
    assert isinstance(session.rows(), list) and isinstance(session.to_document(), dict)
    back = import_xlsx(path, tmp_path / "folder")
    export_form(tmp_path / "folder", tmp_path / "again.xlsx")
    again = load_form(tmp_path / "again.xlsx")
    assert [(i.name, i.type, i.list_name, i.labels, i.relevant, i.constraint, i.choice_filter) for i in again.items] \
        == [(i.name, i.type, i.list_name, i.labels, i.relevant, i.constraint, i.choice_filter) for i in back.items]
    assert {k: [(c.name, c.labels) for c in v] for k, v in again.choices.items()} == \
           {k: [(c.name, c.labels) for c in v] for k, v in form.choices.items()}


def test_a_group_inside_a_repeat_is_relevant_per_instance(tmp_path):
    folder = _write(tmp_path, [
        {"type": "begin repeat", "name": "members"},
        {"type": "integer", "name": "age"},
        {"type": "begin group", "name": "adult", "relevant": "${age} >= 18"},
        {"type": "text", "name": "job", "required": "yes"},
        {"type": "end group"},
        {"type": "calculate", "name": "_pos", "calculation": "position(..)"},
        {"type": "end repeat"},
        {"type": "calculate", "name": "with_job", "calculation": "count-selected(concat(${job}))"},
    ])
    session = fill(load_form(folder), {"members": [{"age": 40, "job": "nông dân"}, {"age": 7}]})
    assert session.state("job", 0).relevant and not session.state("job", 1).relevant
    assert session.errors() == []
    assert [session.value("_pos", i) for i in range(2)] == [1, 2]
    session.move_member(1, 0)
    assert [session.value("_pos", i) for i in range(2)] == [1, 2]
    assert session.members()[0]["age"] == 7
    session.set_answer("age", 30, 0)
    assert session.state("job", 0).status == "required"
    assert session.to_document()["members"] == [{"member_id": "m2", "age": 30}, {"member_id": "m1", "age": 40,
                                                                                 "job": "nông dân"}]


def test_a_hostile_document_opens_without_a_crash():
    form = find_form("vn-review-2022")
    for doc in ({"members": "x"}, {"household": [1]}, {"members": [1, None, {"name": ["a"]}]},
                {"household": {"income_wages": {"x": 1}, "floor_area": [1, 2]}}, {"location": "here"}):
        session = FormSession(form, doc)
        session.to_document()
        session.rows()
