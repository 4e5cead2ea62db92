"""Workbooks read as pyxform 4.5 reads them — what running pyxform's own test forms through the loader found:
a form ODK accepts loads here, or is refused for a type a desktop cannot serve (docs/forms.md)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from fieldsurvey.formengine.loader import load_form
from fieldsurvey.formengine.model import FormErrors, located
from fieldsurvey.formengine.session import FormSession, fill
from fieldsurvey.formengine.xlsx import MAX_EMPTY_ROWS, import_xlsx, read_xlsx, write_xlsx

XLS = Path(__file__).parents[1] / "fixtures" / "xls"


def _book(path, sheets: dict[str, list[list]]):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_an_excel_97_workbook_is_read_as_pyxform_reads_it(tmp_path):
    """tests/fixtures/xls/visit.xls (this project's own, made by make_visit_xls.py): a sheet named 'Survey', a sheet
    of notes not read, date, time, number and TRUE cells typed as Excel types them, a non-breaking space."""
    xls = XLS / "visit.xls"
    sheets = read_xlsx(xls)
    assert sorted(sheets) == ["choices", "settings", "survey"]
    rows = {r["name"]: r for _, r in sheets["survey"]}
    assert [(rows[n]["default"], rows[n]["required"]) for n in ("visit_date", "arrived", "people", "area")] == [
        ("2026-03-09 00:00:00", "TRUE"), ("09:30:00", ""), ("3", "TRUE"), ("2.5", "")]   # as pyxform writes them
    assert sheets["settings"] == [(2, {"form_id": "visit_xls", "version": "2026", "default_language": "en"})]
    form = load_form(xls)
    assert (form.form_id, form.version, form.by_name["met_head"].label("en")) == ("visit_xls", "2026", "Met the head?")
    session = FormSession(form, {})
    # (an Excel date cell is no date to ODK's engine either: pyxform writes it with its time, see the default test)
    assert [(q, session.value(q), session.state(q).status) for q in ("visit_date", "arrived", "people", "area",
                                                                      "per_person")] == [
        ("visit_date", None, "required"), ("arrived", "09:30:00.000Z", "ok"), ("people", 3, "ok"),
        ("area", 2.5, "ok"), ("per_person", 2.5 / 3, "ok")]
    imported = import_xlsx(xls, tmp_path / "visit")   # form import writes it as the text format
    assert load_form(tmp_path / "visit").sheets == imported.sheets == form.sheets


def test_a_damaged_excel_97_workbook_is_refused_located(tmp_path):
    old = tmp_path / "census.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))   # an OLE2 header and nothing after it
    for read in (load_form, lambda p: import_xlsx(p, tmp_path / "out")):
        with pytest.raises(FormErrors) as err:
            read(old)
        assert [e.key for e in err.value.errors] == ["forms.error.not_a_workbook"]
        assert located(err.value)[0].startswith("[workbook] ")


def test_a_workbook_of_one_sheet_is_its_survey_whatever_its_name(tmp_path):
    form = load_form(_book(tmp_path / "f.xlsx", {"Sheet1": [["type", "name", "label"], ["text", "a", "A"]]}))
    assert [i.name for i in form.items] == ["a"]
    with pytest.raises(FormErrors) as err:   # with two sheets, neither named survey, there is no survey
        load_form(_book(tmp_path / "g.xlsx", {"Sheet1": [["type", "name"]], "Sheet2": [["type", "name"]]}))
    assert err.value.errors[0].key == "forms.error.no_survey_sheet"


def test_rows_after_a_long_run_of_empty_rows_are_not_part_of_the_form_as_in_pyxform(tmp_path):
    rows = [["type", "name", "label"], ["text", "a", "A"]] + [[None, None, None]] * MAX_EMPTY_ROWS \
        + [["text", "b", "B"]] + [[None, None, None]] * (MAX_EMPTY_ROWS + 1) + [["party like it's 1999", None, None]]
    form = load_form(_book(tmp_path / "f.xlsx", {"survey": rows}))
    assert [(i.name, i.row) for i in form.items] == [("a", 2), ("b", 63)]


def test_smart_quotes_are_plain_quotes_and_survey_spaces_collapse_as_pyxform_cleans_them(tmp_path):
    form = load_form(_book(tmp_path / "f.xlsx", {"survey": [
        ["type", "name", "label", "relevant"],
        ["text", "a", "A", None],
        ["text", "b", "Say  “why”   here", "${a} = ‘dead’"],
    ]}))
    assert form.by_name["b"].label("en") == 'Say "why" here'
    assert fill(form, {"a": "dead"}).state("b").relevant
    assert not fill(form, {"a": "alive"}).state("b").relevant


def test_the_external_choices_sheet_holds_lists_of_its_own(tmp_path):
    """choice_name_as_type.xls (pyxform's example): the same list on both sheets was refused as choices twice."""
    form = load_form(_book(tmp_path / "f.xlsx", {
        "survey": [["type", "name", "label", "choice_filter"], ["select_one zone", "zone", "Zone", None],
                   ["select_one_external zone", "zone2", "Zone (external)", None]],
        "choices": [["list name", "name", "label"], ["zone", "north", "North"], ["zone", "south", "South"]],
        "external_choices": [["list name", "name", "label"], ["zone", "north", "North"], ["zone", "east", "East"]],
    }))
    session = FormSession(form, {})
    assert [n for n, _ in session.options("zone")] == ["north", "south"]
    assert [n for n, _ in session.options("zone2")] == ["north", "east"]
    assert fill(form, {"zone2": "south"}).state("zone2").status == "error"


def test_a_calculation_with_only_a_default_holds_it_and_an_unnamed_audit_is_named_audit(tmp_path):
    form = load_form(_book(tmp_path / "f.xlsx", {"survey": [
        ["type", "name", "label", "calculation", "default"],
        ["calculate", "fixed", None, None, "7"],
        ["calculate", "double", None, "${fixed} * 2", None],
        ["audit", None, None, None, None],
    ]}))
    session = FormSession(form, {})
    assert (session.value("fixed"), session.value("double")) == ("7", 14)
    assert "audit" in form.by_name
    again = FormSession(form, session.to_document())
    assert again.value("fixed") == "7"


def test_a_refused_group_or_repeat_does_not_bring_more_messages_than_its_own(tmp_path):
    """A refused 'begin repeat' left its 'end repeat' unmatched and every reference to it unknown: three messages
    for one problem."""
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path / "f.xlsx", {"survey": [
            ["type", "name", "label", "relevant"],
            ["begin group", "g", "G", None],
            ["geoshape", "plot", "Plot", None],
            ["text", "why", "Why", "${plot} != ''"],
            ["end group", None, None, None],
            ["begin group", "9bad", "Bad name", None],
            ["text", "x", "X", None],
            ["end group", None, None, None],
        ]}))
    assert [(e.row, e.key) for e in err.value.errors] == [(3, "forms.error.type_desktop"), (6, "forms.error.bad_name")]


def test_instance_id_and_the_last_saved_household_are_read_as_odk_reads_them(tmp_path):
    """${instanceID} (pyxform's meta/instanceID) and ${last-saved#name} (the answer in the household saved last with
    this form; empty when none was, as on a device where nothing was saved yet)."""
    form = load_form(_book(tmp_path / "f.xlsx", {"survey": [
        ["type", "name", "label", "calculation", "default"],
        ["text", "village", "Village ${last-saved#village}", None, "${last-saved#village}"],
        ["calculate", "id", None, "${instanceID}", None],
        ["begin repeat", "kids", "Kids", None, None],
        ["integer", "age", "Age", None, None],
        ["end repeat", None, None, None, None],
        ["calculate", "last_ages", None, "sum(${last-saved#age})", None],
    ]}))
    first = fill(form, {"village": "Nà Khà", "kids": [{"age": 3}, {"age": 9}]})
    saved = first.to_document()
    assert first.value("id") == f"uuid:{saved['uuid']}" and first.value("last_ages") == 0
    second = FormSession(form, {}, last_saved=saved)
    assert (second.value("village"), second.value("last_ages")) == ("Nà Khà", 12)   # the default is the last answer
    assert second.state("village").label == "Village Nà Khà"
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path / "g.xlsx", {"survey": [["type", "name", "calculation"],
                                                           ["calculate", "c", "${last-saved#nothing}"]]}))
    assert located(err.value) == ["[survey sheet, row 2, column 'calculation'] refers to ${nothing}, which the form "
                                  "does not have"]


@pytest.mark.parametrize("default, qtype, value, status", [
    ("2020-01-01", "date", "2020-01-01", "ok"),            # pyxform's lexer reads a date, not 2020 - 1 - 1
    ("21.0285 -105.8542 14 5", "geopoint", "21.0285 -105.8542 14.0 5.0", "ok"),
    ("10-2", "integer", None, "empty"),   # '-2' is a number there: '10-2' is text, which ODK's integer holds as none
    ("10 - 2", "integer", 8, "ok"),
])
def test_a_default_is_an_expression_when_pyxform_says_so(tmp_path, default, qtype, value, status):
    form = load_form(_book(tmp_path / "f.xlsx", {"survey": [["type", "name", "label", "default"],
                                                            [qtype, "q", "Q", default]]}))
    session = FormSession(form, {})
    assert (session.value("q"), session.state("q").status) == (value, status)


def test_a_default_its_type_cannot_read_is_no_value_as_in_odk(tmp_path):
    """ODK reads a form's default by the question's type and loads the form with no value where it cannot (checked
    against JavaRosa): an Excel date cell that pyxform writes '1900-01-01 00:00:00' is no date."""
    form = load_form(_book(tmp_path / "f.xlsx", {"survey": [
        ["type", "name", "label", "default", "calculation"],
        ["date", "seen", "Seen", "1900-01-01 00:00:00", None],
        ["decimal", "share", "Share", "abc", None],
        ["time", "woke", "Woke", "9:30", None],
        ["integer", "n", "N", "12", None],
        ["select_one yn", "ok", "OK", "maybe", None],
        ["calculate", "next", None, None, "${n} + 1"],
    ], "choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]}))
    session = FormSession(form, {})
    assert [(q, session.value(q), session.state(q).status) for q in ("seen", "share", "woke", "n", "ok", "next")] == [
        ("seen", None, "empty"), ("share", None, "empty"), ("woke", "09:30:00.000Z", "ok"), ("n", 12, "ok"),
        ("ok", "maybe", "error"), ("next", 13, "ok")]   # (a select keeps it, as ODK does, and flags it here)


def test_what_the_comparison_forms_found_holds_without_odk(tmp_path):
    """Found by comparing this project's comparison forms with JavaRosa (tests/fixtures/odk-forms): '.' in a
    condition in brackets is the node it tests; a hidden repeat instance is not counted; a repeat counted by an
    answer keeps its instances (and their answers) while it is hidden; a time is that time today, and a moment
    compares and counts as whole days."""
    form = load_form(_book(tmp_path / "f.xlsx", {"survey": [
        ["type", "name", "label", "relevant", "calculation", "repeat_count"],
        ["select_one yn", "any", "Any?", None, None, None],
        ["begin repeat", "tree", "Tree", "${any} = 'yes'", None, None],
        ["select_one yn", "dead", "Dead?", None, None, None],
        ["integer", "stems", "Stems", None, None, None],
        ["begin repeat", "stem", "Stem", None, None, "${stems}"],
        ["integer", "cbh", "Circumference", None, None, None],
        ["end repeat", None, None, None, None, None],
        ["end repeat", None, None, None, None, None],
        ["calculate", "trees", None, None, "count(${tree})", None],
        ["calculate", "dead_trees", None, None, "count(${dead}[. = 'yes'])", None],
        ["calculate", "all_cbh", None, None, "sum(${cbh})", None],
        ["time", "t", "T", None, None, None],
        ["time", "u", "U", None, None, None],
        ["calculate", "t_text", None, None, "concat(${t}, '')", None],
        ["calculate", "t_before_u", None, None, "${t} < ${u}", None],
        ["calculate", "t_part", None, None, "decimal-time(${t})", None],
    ], "choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]}))
    from datetime import date
    s = FormSession(form, {}, today=date(2026, 6, 15))
    s.set_answer("any", "yes")
    s.add_member("tree")
    s.add_member("tree")
    s.set_answer("dead", "yes", 0)
    s.set_answer("dead", "no", 1)
    s.set_answer("stems", 2, 0)
    s.set_answer("cbh", 30, (0, 1))
    assert (s.value("trees"), s.value("dead_trees"), s.value("all_cbh")) == (2, 1, 30)
    s.set_answer("any", "no")
    assert (s.value("trees"), s.value("dead_trees"), s.value("all_cbh")) == (0, 0, 0)
    s.set_answer("any", "yes")
    assert (s.value("trees"), s.value("dead_trees"), s.value("all_cbh"), s.value("cbh", (0, 1))) == (2, 1, 30, 30)
    s.set_answer("t", "06:30:00")
    s.set_answer("u", "18:00:00")
    assert (s.value("t_text"), s.value("t_before_u"), s.value("t_part")) == ("2026-06-15", False, 0.2708333333333333)


def test_a_loop_over_a_choice_list_is_a_group_per_choice_as_pyxform_makes_it(tmp_path):
    """tests/fixtures/odk-forms/loops (also compared with JavaRosa): `begin loop over water` makes a group per
    choice — 'none' left out, 'other' added by the or_other select — with %(name)s and %(label)s filled in each
    language; the copies' names are the loop's, the choice's and their own, their nodes named as in ODK."""
    folder = Path(__file__).parents[1] / "fixtures" / "odk-forms" / "loops"
    form = load_form(folder)
    q = form.by_name["per_source_river_trips"]
    assert (q.xml_name, q.path, q.labels) == ("trips", ["per_source", "river"], {
        "en": "Trips a day to the river", "vi": "Số lần đi lấy nước ở sông mỗi ngày"})
    assert [c.name for c in form.by_name["per_source"].children] == ["well", "river", "piped", "other"]
    session = fill(form, {"sources": ["well", "river"], "per_source_well_trips": 3, "per_source_well_litres": 80,
                          "per_source_river_trips": 2, "per_source_piped_trips": 5})
    assert (session.value("total_trips"), session.value("from_well"), session.value("much")) == (5, 80.0, None)
    assert session.state("much").relevant and not session.state("per_source_piped_trips").relevant
    assert [r["path"] for r in session.rows() if r["name"].endswith("_trips") and "/" in r["path"]] == [
        "per_source/well/trips", "per_source/river/trips"]
    assert session.to_document()["household"]["per_source_well_daily"] == 240
    export = tmp_path / "loops.xlsx"   # the workbook keeps the loop as it was written
    write_xlsx(form, export)
    assert [r["type"] for _, r in read_xlsx(export)["survey"]][1:6] == [
        "begin loop over water", "integer", "decimal", "calculate", "end loop"]


@pytest.mark.parametrize("rows, problem", [
    ([["begin loop over yn", "l", None], ["integer", "n", None], ["end loop", None, None],
      ["calculate", "c", "${n} + 1"]],
     "[survey sheet, row 5, column 'calculation'] ${n} names one question in each choice of the loop 'l', so it "
     "does not say which: read one by its path (/data/l/CHOICE/NAME)"),
    ([["begin loop over yn", "l", None], ["integer", "%(name)s_n", None], ["end loop", None, None]],
     "[survey sheet, row 3, column 'name'] '%(name)s_n' is not a valid name (a letter or _ first, then letters, "
     "digits, _, - or .)"),
    ([["begin loop over colours", "l", None], ["integer", "n", None], ["end loop", None, None]],
     "[survey sheet, row 2, column 'type'] the choice list 'colours' is not on the choices sheet"),
    ([["integer", "n", None], ["end loop", None, None]],
     "[survey sheet, row 3, column 'type'] 'end loop' without a matching 'begin loop over …'"),
])
def test_a_loop_that_cannot_be_made_is_refused_located(tmp_path, rows, problem):
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path / "f.xlsx", {
            "survey": [["type", "name", "calculation"], *rows],
            "choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]}))
    assert located(err.value) == [problem]


def test_a_form_in_another_language_gets_the_apps_own_messages_in_english(tmp_path):
    """A form written in Swahili only (UCL_Biomass_Plot_Form, a pyxform test form, has sw and en): the engine's own
    messages (required, a wrong type) have no Swahili text — English, not a crash looking for a sw catalogue."""
    form = load_form(_book(tmp_path / "f.xlsx", {"survey": [
        ["type", "name", "label::Swahili (sw)", "required", "constraint", "constraint_message::Swahili (sw)"],
        ["integer", "miti", "Miti mingapi?", "yes", ". < 100", "Chini ya 100"],
        ["integer", "umri", "Umri", None, None, None]],
        "settings": [["default_language"], ["Swahili (sw)"]]}))
    session = FormSession(form, {})
    assert (session.lang, session.state("miti").message) == (
        "sw", "Required: answer it before the questionnaire is complete")
    session.set_answer("miti", 120)
    session.set_answer("umri", "kumi")
    assert (session.state("miti").message, session.state("umri").message) == ("Chini ya 100", "Enter a whole number")
