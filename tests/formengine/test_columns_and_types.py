"""Every column spelling and type that pyxform reads is honoured here as ODK honours it, or refused with its sheet,
row and column — never dropped, never read as something else."""

from __future__ import annotations

import openpyxl
import pytest

from fieldsurvey.formengine.loader import find_form, load_form
from fieldsurvey.formengine.model import FormErrors, located, normalise_headers
from fieldsurvey.formengine.session import FormSession, fill
from tests.formengine.books import write_xlsform


def _book(tmp_path, survey, choices=None, name="f.xlsx"):
    return write_xlsform(tmp_path / name, survey, choices)


@pytest.mark.parametrize("headers, expected", [
    # single colons split a header only when no header of the row has '::' (pyxform)
    (["type", "name", "bind:relevant", "bind:constraint", "bind:jr:constraintMsg", "label:English (en)"],
     ["type", "name", "relevant", "constraint", "constraint_message", "label::en"]),
    (["type", "name", "bind::relevant", "bind::jr:constraintMsg::Tiếng Việt", "label::English (en)", "label:x"],
     ["type", "name", "relevant", "constraint_message::vi", "label::en", "label:x"]),
    (["Caption", "COMMAND", "tag", "count", "jr:count", "body::appearance", "control::rows", "media::image::en"],
     ["label", "type", "name", "repeat_count", "repeat_count", "appearance", "rows", "image::en"]),
    (["Relevance", "readonly", "calculate", "requiredMsg", "constraint message", "list name", "choice filter"],
     ["relevant", "read_only", "calculation", "required_message", "constraint_message", "list_name", "choice_filter"]),
    (["type", "name", "bind::odk:length", "body::intent", "State", "my Column"],
     ["type", "name", "bind::odk:length", "control::intent", "State", "my Column"]),  # a form's own column as written
])
def test_headers_read_as_pyxform_reads_them(headers, expected):
    assert normalise_headers(headers) == expected


def test_bind_columns_with_single_colons_are_honoured(tmp_path):
    """bind:relevant and bind:constraint were dropped: age 130 with bind:constraint '. <= 120' passed."""
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "bind:constraint", "bind:relevant", "bind:jr:constraintMsg"],
        ["integer", "age", "Age", ". <= 120", None, "At most 120"],
        ["text", "job", "Job", None, "${age} >= 15", None],
    ]))
    session = fill(form, {"age": 130})
    assert session.state("age").status == "error" and session.state("age").message == "At most 120"
    assert session.state("job").relevant
    session.set_answer("age", 10)
    assert session.state("age").status == "ok" and not session.state("job").relevant


def test_count_and_caption_columns_are_honoured(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "caption", "count"],
        ["integer", "n", "How many children?", None],
        ["begin repeat", "kids", "Children", "${n}"],
        ["text", "kid_name", "Name", None],
        ["end repeat", None, None, None],
    ]))
    assert form.by_name["n"].label("en") == "How many children?"
    session = fill(form, {"n": 3})
    assert len(session.members("kids")) == 3


def test_phone_number_keeps_its_digits_only_rule(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "constraint"],
        ["phone number", "phone", "Phone", None],
        ["phone number", "other_phone", "Other phone", "string-length(.) = 3"],  # a rule of its own replaces it
        ["percentage", "share", "Share", None],
    ]))
    session = fill(form, {"phone": "09x1", "other_phone": "abc", "share": 101})
    assert session.state("phone").status == "error"
    assert session.state("other_phone").status == "ok"
    assert session.state("share").status == "error"
    session.set_answer("phone", "0912345678")
    session.set_answer("share", 100)
    assert session.state("phone").status == "ok" and session.state("share").status == "ok"


@pytest.mark.parametrize("type_text", ["phonenumber", "simserial", "subscriberid", "uri:phonenumber", "osm",
                                       "geotrace", "geoshape", "background-audio", "start-geopoint",
                                       "get phone number"])
def test_what_a_desktop_cannot_serve_is_refused_so(tmp_path, type_text):
    """The phonenumber metadata used to become a text question the enumerator was asked."""
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path, [["type", "name", "label"], ["text", "a", "A"], [type_text, "m", "M"]]))
    assert located(err.value) == [f"[survey sheet, row 3, column 'type'] '{type_text}' cannot be served on a desktop "
                                  "computer (it needs a phone's SIM card or line, its sensors in the background, or "
                                  "drawing on a map)"]
    assert located(err.value, "vi")[0].startswith(f"[trang survey, dòng 3, cột 'type'] Loại '{type_text}' không "
                                                  "dùng được trên máy tính")


@pytest.mark.parametrize("type_text, expected", [
    ("q int", "integer"), ("add text prompt", "text"), ("string", "text"), ("add decimal prompt", "decimal"),
    ("q date", "date"), ("add note prompt", "note"), ("q calculate", "calculate"), ("get today", "meta"),
    ("imei", "meta"), ("start time", "meta"),
])
def test_type_spellings_pyxform_accepts_are_honoured(tmp_path, type_text, expected):
    row = [type_text, "q", "Q", "1" if "calculate" in type_text else None]
    form = load_form(_book(tmp_path, [["type", "name", "label", "calculation"], row]))
    assert form.by_name["q"].type == expected


def test_select_and_container_spellings(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label"],
        ["select1 yn", "a", "A"],
        ["add select multiple prompt using yn", "b", "B"],
        ["begin looped group", "r", "R"],
        ["select one using yn", "c", "C"],
        ["end_repeat", None, None],
        ["begin_group", "g", "G"],
        ["Select_One yn", "d", "D"],
        ["end group", None, None],
    ], [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]))
    assert [(i.name, i.kind, i.type, i.list_name) for i in form.items] == [
        ("a", "question", "select_one", "yn"), ("b", "question", "select_multiple", "yn"),
        ("r", "repeat", "repeat", None), ("c", "question", "select_one", "yn"), ("g", "group", "group", None),
        ("d", "question", "select_one", "yn")]


def test_columns_odk_acts_on_that_are_not_served_are_refused_located(tmp_path):
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path, [
            ["type", "name", "label", "bind::jr:preload", "body::intent", "bind::myAttribute"],
            ["text", "a", "A", None, None, None],
            ["text", "c", "C", "timestamp", None, None],
            ["text", "d", "D", None, "org.app", "anything"],   # a form's own attribute: ODK ignores it
        ]))
    # (an intent — an Android app that fills the question — is not launched: the question is typed)
    assert located(err.value) == [
        "[survey sheet, row 3, column 'bind::jr:preload'] the column 'bind::jr:preload' changes how ODK fills the "
        "form, and this app does not act on it: remove it, or leave it empty"]


def test_a_trigger_sets_the_value_when_its_question_changes_as_odk_setvalue_does(tmp_path):
    """The trigger column was refused. As ODK's setvalue: the calculation is worked out when the trigger question
    changes (and then only), values set one after the other; an answer typed over it stands until the next change;
    a value with neither label nor hint is never asked."""
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "calculation", "trigger"],
        ["integer", "a", "A", None, None],
        ["integer", "b", "B", "${a} * 2", "${a}"],
        ["calculate", "c", None, "${a} + ${b}", "${a}"],
        ["decimal", "d", None, None, "${a}"],       # no calculation: the change clears it
        ["integer", "e", "E", None, None],
    ]))
    session = FormSession(form, {})
    assert [q.name for s in session.sections for q in s.questions] == ["a", "b", "e"]
    session.set_answer("a", 3)
    assert (session.value("b"), session.value("c")) == (6, 9)   # c read the b just set
    session.set_answer("b", 10)
    session.set_answer("e", 1)
    assert (session.value("b"), session.value("c")) == (10, 9)   # nothing recomputes it but a change of a
    session.set_answer("a", 4)
    assert (session.value("b"), session.value("c"), session.value("d")) == (8, 12, None)
    again = FormSession(form, session.to_document())   # the values are kept in the document as answers are
    assert (again.value("b"), again.value("c")) == (8, 12)


@pytest.mark.parametrize("trigger, key", [
    ("a", "forms.error.trigger_not_names"),
    ("${nothing}", "forms.error.unknown_reference"),
    ("${calc}", "forms.error.trigger_not_asked"),
])
def test_a_trigger_that_odk_would_refuse_is_refused_located(tmp_path, trigger, key):
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path, [
            ["type", "name", "label", "calculation", "trigger"],
            ["integer", "a", "A", None, None],
            ["calculate", "calc", None, "1", None],
            ["calculate", "t", None, "now()", trigger],
        ]))
    assert [(e.row, e.column, e.key) for e in err.value.errors] == [(4, "trigger", key)]


def test_a_choice_column_keeps_its_case_for_the_filter_that_names_it(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "choice_filter"],
        ["select_one states", "state", "State", None],
        ["select_one cities", "city", "City", "State = ${state}"],
    ], [["list_name", "name", "label", "State"], ["states", "tx", "Texas", None], ["states", "wa", "Washington", None],
        ["cities", "austin", "Austin", "tx"], ["cities", "seattle", "Seattle", "wa"]]))
    session = fill(form, {"state": "wa"})
    assert [n for n, _ in session.options("city")] == ["seattle"]


def test_a_members_repeat_gets_only_the_defaults_its_form_declares(tmp_path):
    """A form of our own with a `members` repeat and a `relationship` question: no head appears by itself."""
    survey = [["type", "name", "label", "default"],
              ["begin repeat", "members", "Members", None],
              ["select_one rel", "relationship", "Relationship", None],
              ["end repeat", None, None, None]]
    choices = [["list_name", "name", "label"], ["rel", "head", "Head"], ["rel", "child", "Child"]]
    session = FormSession(load_form(_book(tmp_path, survey, choices)), {})
    session.add_member()
    assert session.value("relationship", 0) is None
    # declared as ODK reads it: a default evaluated when each instance is added
    survey[2][3] = "if(position(..) = 1, 'head', 'child')"
    session = FormSession(load_form(_book(tmp_path, survey, choices, name="g.xlsx")), {})
    session.add_member()
    session.add_member()
    assert [session.value("relationship", i) for i in range(2)] == ["head", "child"]
    # the shipped questionnaires keep their first member as the head
    official = FormSession(find_form("vn-review-2022"), {})
    official.add_member()
    assert official.value("relationship", 0) == "head"


def test_a_default_that_reads_another_answer_is_evaluated_once_at_first_opening(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "default"],
        ["integer", "a", "A", "4"],
        ["integer", "b", "B", "${a} * 2"],
        ["date", "d", "D", "today()"],
        ["date", "e", "E", "2026-01-02"],
    ]))
    from datetime import date

    session = FormSession(form, {}, today=date(2026, 11, 20))
    assert (session.value("a"), session.value("b"), session.value("d"), session.value("e")) == \
        (4, 8, "2026-11-20", "2026-01-02")
    session.set_answer("a", 5)
    assert session.value("b") == 8  # once: a default does not follow later answers
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path, [["type", "name", "label", "default"], ["integer", "a", "A", "${zz} + 1"]],
                        name="bad.xlsx"))
    assert located(err.value) == ["[survey sheet, row 2, column 'default'] refers to ${zz}, which the form does not "
                                  "have"]


def test_a_comment_row_is_skipped_and_a_note_without_a_name_is_named_as_pyxform_names_it(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "hint"],
        [None, None, None, "a designer's comment: no type, no name, no label"],
        ["note", None, "Read this first", None],
        ["text", "a", "A", None],
    ]))
    assert [i.name for i in form.items] == ["generated_note_name_3", "a"]
    with pytest.raises(FormErrors) as err:   # a label without a type is a question that lost its type
        load_form(_book(tmp_path, [["type", "name", "label"], [None, None, "Forgotten"]], name="g.xlsx"))
    assert located(err.value) == ["[survey sheet, row 2, column 'type'] a row with content has no type"]


def test_a_value_that_reads_itself_is_refused_as_odk_refuses_it(tmp_path):
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path, [["type", "name", "label", "calculation"], ["calculate", "c", None, "${c} + 1"]]))
    assert located(err.value) == ["[survey sheet, row 2] these expressions depend on each other in a circle: c → c"]


def test_a_repeat_question_read_as_one_value_from_outside_is_refused(tmp_path):
    survey = [["type", "name", "label", "calculation", "relevant"],
              ["begin repeat", "kids", "Kids", None, None],
              ["integer", "age", "Age", None, None],
              ["end repeat", None, None, None, None],
              ["calculate", "total", None, "sum(${age}) + count(${kids})", None],
              ["calculate", "listed", None, "concat(${age})", None],
              ["calculate", "first", None, "indexed-repeat(${age}, ${kids}, 1)", None],
              ["text", "why", "Why?", None, "${age} > 10"]]
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path, survey))
    assert located(err.value) == [
        "[survey sheet, row 8, column 'relevant'] reads ${age}, a question of the repeat 'kids', as one value from "
        "outside that repeat (ODK stops the form once the repeat has two instances): use sum(), count(), max(), "
        "min(), join() or indexed-repeat()"]
    form = load_form(_book(tmp_path, survey[:-1], name="ok.xlsx"))
    session = fill(form, {"kids": [{"age": 3}, {"age": 12}]})
    assert (session.value("total"), session.value("listed"), session.value("first")) == (17, "312", 3)


def test_the_types_a_desktop_can_serve_have_their_input_rules(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "parameters", "default"],
        ["time", "t", "T", None, None], ["datetime", "dt", "DT", None, None], ["geopoint", "g", "G", None, None],
        ["acknowledge", "ack", "Ack", None, None], ["range", "r", "R", "start=0 end=10 step=2", None],
        ["rank fruit", "order", "Order", None, None], ["barcode", "code", "Code", None, None],
        ["image", "photo", "Photo", None, None], ["hidden", "h", None, None, "secret"],
    ], [["list_name", "name", "label"], ["fruit", "apple", "Apple"], ["fruit", "fig", "Fig"]]))
    good = {"t": "7:05", "dt": "2026-11-20 10:20", "g": "21.0285 105.8542 12 5", "ack": True, "r": "4",
            "order": "fig apple", "code": "8934567890123", "photo": "house.jpg"}
    session = fill(form, good)
    assert [session.state(n).status for n in good] == ["ok"] * len(good)
    assert session.value("t").startswith("07:05:00.000") and session.value("ack") == "OK" and session.value("r") == 4
    assert session.to_document()["household"]["h"] == "secret"            # hidden: kept, never asked
    assert all(q.name != "h" for s in session.sections for q in s.questions)
    bad = {"t": "25:00", "dt": "2026-11-20", "g": "91 105", "r": 5, "order": "fig"}
    session = fill(form, bad)
    assert {n: session.state(n).message for n in bad} == {
        "t": "Cần nhập giờ theo dạng GG:PP", "dt": "Cần nhập ngày và giờ theo dạng NNNN-TT-NN GG:PP",
        "g": "Cần nhập vị trí gồm vĩ độ và kinh độ tính bằng độ (ví dụ 21.0285 105.8542)",
        "r": "Cần nhập một số từ 0 đến 10, theo bước 2",
        "order": "Cần xếp thứ tự tất cả các lựa chọn, mỗi lựa chọn một lần"}
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path, [["type", "name", "label", "parameters"],
                                   ["range", "r", "R", "start=5 end=1 step=0"]], name="bad.xlsx"))
    assert located(err.value) == ["[survey sheet, row 2, column 'parameters'] the range's parameters 'start=5 "
                                  "end=1 step=0' are not start=…, end=…, step=… numbers with a step that is not 0 "
                                  "and not wider than the range"]


def test_a_rank_answer_reads_back_from_the_document_as_it_was_given(tmp_path):
    """The household document keeps a rank as the list of its choices in order; reopened, it is that answer again
    (it was once read back as one text and flagged as not ranked)."""
    from fieldsurvey.formengine.session import FormSession

    form = load_form(_book(tmp_path, [["type", "name", "label"], ["rank fruit", "order", "Order"]],
                           [["list_name", "name", "label"], ["fruit", "apple", "Apple"], ["fruit", "fig", "Fig"],
                            ["fruit", "kiwi", "Kiwi"]]))
    doc = fill(form, {"order": "kiwi apple fig"}).to_document()
    assert doc["household"]["order"] == ["kiwi", "apple", "fig"]
    again = FormSession(form, doc)
    assert again.state("order").status == "ok" and again.value("order") == ["kiwi", "apple", "fig"]
    assert again.display("order") == "Kiwi, Apple, Fig"


@pytest.mark.parametrize("parameters, good, bad", [
    ("start=10 end=1 step=1", [10, 7, 1], [0, 11, 2.5]),     # a reversed slider, as pyxform and ODK accept it
    ("start=10 end=1 step=-3", [10, 7, 4, 1], [8, 0]),
    ("start=-1 end=-10 step=-1", [-1, -10], [0, -11]),
    ("start=-1 end=1 step=0.1", [-1, 0.3, 1], [1.1, 0.25]),
])
def test_a_range_may_run_backwards_as_pyxform_accepts_it(tmp_path, parameters, good, bad):
    form = load_form(_book(tmp_path, [["type", "name", "label", "parameters"], ["range", "r", "R", parameters]]))
    for value in good:
        assert fill(form, {"r": value}).state("r").status == "ok", value
    for value in bad:
        assert fill(form, {"r": value}).state("r").status == "error", value


def test_choices_from_a_csv_beside_the_form_and_from_the_external_choices_sheet(tmp_path):
    (tmp_path / "communes.csv").write_text("name,label,province\n001,Phúc Xá,01\n002,Trúc Bạch,01\n"
                                           "070,Lâm Bình,08\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in [["type", "name", "label", "choice_filter"],
                ["select_one_external provinces", "province", "Province", None],
                ["select_one_from_file communes.csv", "commune", "Commune", "province = ${province}"]]:
        ws.append(row)
    ext = wb.create_sheet("external_choices")
    for row in [["list_name", "name", "label"], ["provinces", "01", "Hà Nội"], ["provinces", "08", "Tuyên Quang"]]:
        ext.append(row)
    wb.save(tmp_path / "f.xlsx")
    session = fill(load_form(tmp_path / "f.xlsx"), {"province": "08"})
    assert session.options("commune") == [("070", "Lâm Bình")]
    assert session.options("province") == [("01", "Hà Nội"), ("08", "Tuyên Quang")]
    (tmp_path / "communes.csv").unlink()
    with pytest.raises(FormErrors) as err:
        load_form(tmp_path / "f.xlsx")
    assert located(err.value) == ["[survey sheet, row 3, column 'type'] the file 'communes.csv' that the form reads "
                                  "is not beside the form (keep it in the same folder)"]


def test_form_fill_lists_a_repeat_instance_by_instance_as_odk_walks_it(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label"], ["text", "head", "Head"], ["begin repeat", "kids", "Kids"],
        ["text", "kid", "Name"], ["begin group", "g", "G"], ["integer", "age", "Age"], ["end group", None, None],
        ["end repeat", None, None], ["text", "last", "Last"]]))
    session = fill(form, {"head": "A", "kids": [{"kid": "B", "age": 3}, {"kid": "C", "age": 5}], "last": "D"})
    assert [r["path"] for r in session.rows()] == ["head", "kids[1]/kid", "kids[1]/g/age", "kids[2]/kid",
                                                   "kids[2]/g/age", "last"]
