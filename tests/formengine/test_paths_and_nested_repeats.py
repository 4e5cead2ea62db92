"""Repeats inside repeats, XPath paths (relative, absolute, with conditions in brackets, current(), instance()),
selects whose choices are a repeat's answers or a file beside the form, and csv-external / xml-external: what ODK
accepts and this engine refused. (Each is also checked against ODK's own engine in test_odk_agreement.py.)"""

from __future__ import annotations

import json

import pytest

from fieldsurvey.formengine.loader import load_form
from fieldsurvey.formengine.model import FormErrors, located
from fieldsurvey.formengine.session import FormSession, fill
from tests.formengine.books import write_xlsform


def _book(tmp_path, survey, choices=None, name="f.xlsx"):
    return write_xlsform(tmp_path / name, survey, choices)


NESTED = [
    ["type", "name", "label", "calculation", "relevant", "constraint"],
    ["begin repeat", "hh", "Household", None, None, None],
    ["text", "head", "Head", None, None, None],
    ["begin repeat", "person", "Person", None, None, None],
    ["integer", "age", "Age", None, None, ". < 120"],
    ["calculate", "ppos", None, "position(..)", None, None],
    ["calculate", "head_too", None, "../../head", None, None],
    ["text", "job", "Job", None, "${age} >= 15", None],
    ["end repeat", None, None, None, None, None],
    ["calculate", "n", None, "count(${person})", None, None],
    ["calculate", "adults", None, "count(${person}[age >= 18])", None, None],
    ["calculate", "second_age", None, "indexed-repeat(${age}, ${person}, 2)", None, None],
    ["end repeat", None, None, None, None, None],
    ["calculate", "all_ages", None, "sum(${age})", None, None],
    ["calculate", "hh2_p1", None, "indexed-repeat(${age}, ${hh}, 2, ${person}, 1)", None, None],
    ["calculate", "first_head", None, "/data/hh[position() = 1]/head", None, None],
    ["calculate", "olds", None, "count(/data/hh/person[age > 60])", None, None],
]


def test_a_repeat_inside_a_repeat_is_filled_instance_by_instance(tmp_path):
    form = load_form(_book(tmp_path, NESTED))
    session = fill(form, {"hh": [
        {"head": "Lan", "person": [{"age": 70}, {"age": 12}, {"age": 30}]},
        {"head": "Minh", "person": [{"age": 65}]},
    ]})
    assert [(session.value("n", (k,)), session.value("adults", (k,))) for k in (0, 1)] == [(3, 2), (1, 1)]
    assert session.value("second_age", (0,)) == 12 and session.value("second_age", (1,)) is None
    assert session.value("head_too", (1, 0)) == "Minh" and session.value("ppos", (0, 2)) == 3
    assert (session.value("all_ages"), session.value("hh2_p1"), session.value("first_head"),
            session.value("olds")) == (177, 65, "Lan", 2)
    assert session.state("job", (0, 1)).relevant is False and session.state("job", (0, 2)).relevant
    session.set_answer("age", 130, (1, 0))
    assert session.state("age", (1, 0)).status == "error"
    changed = session.set_answer("age", 10, (1, 0))   # a change in one instance reaches what reads it, only that
    assert (session.value("all_ages"), session.value("olds"), session.value("adults", (1,))) == (122, 1, 0)
    assert ("adults", 1) in changed and ("adults", 0) not in changed and ("job", (1, 0)) in changed
    with pytest.raises(IndexError):   # a question two repeats deep is named by two instance numbers
        session.set_answer("age", 5, 0)
    paths = [(r["path"], r["instance"]) for r in session.rows() if r["name"] == "age"]
    assert paths == [("hh[1]/person[1]/age", 1), ("hh[1]/person[2]/age", 2), ("hh[1]/person[3]/age", 3),
                     ("hh[2]/person[1]/age", 1)]


def test_a_repeat_inside_a_repeat_is_kept_in_the_document_and_read_back(tmp_path):
    form = load_form(_book(tmp_path, NESTED))
    session = fill(form, {"hh": [{"head": "Lan", "person": [{"age": 70}, {"age": 12}]}, {"head": "Minh"}]})
    doc = session.to_document()
    assert doc["household"]["hh"] == [
        {"head": "Lan", "person": [{"age": 70, "ppos": 1, "head_too": "Lan"},
                                   {"age": 12, "ppos": 2, "head_too": "Lan"}],
         "n": 2, "adults": 1, "second_age": 12},
        {"head": "Minh", "n": 0, "adults": 0},
    ]
    again = FormSession(form, doc)
    assert again.members("person", (0,)) and len(again.members("person", (0,))) == 2
    assert again.value("all_ages") == 82 and again.rows() == session.rows()
    broken = json.loads(json.dumps(doc))
    broken["household"]["hh"][1]["person"] = "not a list"   # a document of the wrong shape opens
    assert FormSession(form, broken).members("person", (1,)) == []


def test_relative_and_absolute_paths_read_as_odk_reads_them(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "calculation", "relevant"],
        ["integer", "a", "A", None, None],
        ["begin group", "g", "G", None, None],
        ["integer", "b", "B", None, None],
        ["calculate", "sum_ab", None, "../../a + ../b", None],
        ["calculate", "here", None, "./../b * 10", None],
        ["end group", None, None, None, None],
        ["calculate", "abs", None, "/data/g/b + /data/a", None],
        ["calculate", "nothing", None, "name = 'x'", None],   # a child of the calculation: none, as in ODK
        ["text", "why", "Why", None, "current()/../g/b > 2"],
    ]))
    session = fill(form, {"a": 1, "b": 3})
    assert [session.value(n) for n in ("sum_ab", "here", "abs", "nothing")] == [4, 30, 4, False]
    assert session.state("why").relevant
    session.set_answer("b", 2)   # what a path reads is followed as ${name} is
    assert (session.value("sum_ab"), session.state("why").relevant) == (3, False)


def test_choices_from_a_repeats_answers(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "choice_filter"],
        ["begin repeat", "rep", "Person", None],
        ["text", "name", "Name", None],
        ["integer", "age", "Age", None],
        ["end repeat", None, None, None],
        ["select_one ${name}", "choice", "Who", None],
        ["select_one ${name}", "adult", "Which adult", "${age} > 18"],
    ]))
    session = fill(form, {"rep": [{"name": "Lan", "age": 40}, {"name": "Bé", "age": 3}, {"age": 50}]})
    assert session.options("choice") == [("Lan", "Lan"), ("Bé", "Bé")]
    assert session.options("adult") == [("Lan", "Lan")]
    session.set_answer("adult", "Bé")
    assert session.state("adult").status == "error"
    session.set_answer("age", 20, 1)   # the check follows the answers it chooses from
    assert session.state("adult").status == "ok"


def test_files_beside_the_form_are_instances_to_choose_from_and_to_read(tmp_path):
    (tmp_path / "cities.xml").write_text(
        "<root><item><name>hn</name><label>Hà Nội</label><region>north</region></item>"
        "<item><name>hcm</name><label>TP HCM</label><region>south</region></item></root>", encoding="utf-8")
    (tmp_path / "wells.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "w1", "geometry": {"type": "Point", "coordinates": [105.8, 21.03]},
         "properties": {"title": "Giếng 1", "depth": "12"}}]}), encoding="utf-8")
    (tmp_path / "prices.csv").write_text("item,price\nrice,15000\nsalt,8000\n", encoding="utf-8")
    (tmp_path / "staff.xml").write_text("<staff><person><id>7</id><name>Hoa</name></person></staff>",
                                        encoding="utf-8")
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "choice_filter", "calculation"],
        ["select_one_from_file cities.xml", "city", "City", "region = 'north'", None],
        ["select_one_from_file wells.geojson", "well", "Well", None, None],
        ["csv-external", "prices", None, None, None],
        ["xml-external", "staff", None, None, None],
        ["calculate", "rice", None, None, "instance('prices')/root/item[item = 'rice']/price"],
        ["calculate", "salt", None, None, "pulldata('prices', 'price', 'item', 'salt')"],
        ["calculate", "who", None, None, "instance('staff')/staff/person[id = 7]/name"],
        ["calculate", "city_label", None, None, "instance('cities')/root/item[name = ${city}]/label"],
        ["calculate", "where", None, None, "instance('wells')/root/item[id = ${well}]/geometry"],
    ]))
    session = fill(form, {"city": "hn", "well": "w1"})
    assert session.options("city") == [("hn", "Hà Nội")] and session.options("well") == [("w1", "Giếng 1")]
    assert [session.value(n) for n in ("rice", "salt", "who", "city_label", "where")] == [
        "15000", "8000", "Hoa", "Hà Nội", "21.03 105.8 0 0"]


@pytest.mark.parametrize("rows, files, expected", [
    ([["csv-external", "prices"]], {},
     "[survey sheet, row 2, column 'name'] the file 'prices.csv' that the form reads is not beside the form"),
    ([["xml-external", "staff"]], {"staff.xml": "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>"},
     "[survey sheet, row 2, column 'name'] the file 'staff.xml' beside the form cannot be read (DOCTYPE)"),
    ([["select_one_from_file c.xml", "c"]], {"c.xml": "<root><item><value>x</value></item></root>"},
     "[survey sheet, row 2, column 'type'] the choices file 'c.xml' has no column 'name'"),
    ([["text", "t"], ["calculate", "x", "instance('nowhere')/root/item"]], {},
     "[survey sheet, row 3, column 'calculation'] reads instance('nowhere'), which the form does not have"),
    ([["select_one ${t}", "s"], ["text", "t"]], {},
     "[survey sheet, row 2, column 'type'] the choices of a select from ${t} are the answers to a question of a "
     "repeat, and ${t} is not one"),
])
def test_what_odk_would_refuse_is_refused_located(tmp_path, rows, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(FormErrors) as err:
        load_form(_book(tmp_path, [["type", "name", "calculation"]] + rows))
    assert located(err.value)[0].startswith(expected)


def test_an_absolute_path_inside_a_repeat_is_its_own_instance_as_javarosa_reads_it(tmp_path):
    form = load_form(_book(tmp_path, [
        ["type", "name", "label", "calculation"],
        ["begin repeat", "r", "R", None], ["integer", "x", "X", None],
        ["calculate", "double", None, "/data/r/x * 2"], ["end repeat", None, None, None],
        ["calculate", "total", None, "sum(/data/r/x)"],
    ]))
    session = fill(form, {"r": [{"x": 1}, {"x": 5}]})
    assert [session.value("double", k) for k in (0, 1)] == [2, 10] and session.value("total") == 6


def test_what_a_change_recomputes_always_equals_working_everything_out_again(tmp_path):
    """Only what a change touches is recomputed (its own instance while it stays inside, every instance when a
    path reads any of them): after each answer the states equal those of a full recomputation."""
    import random

    form = load_form(_book(tmp_path, NESTED + [
        ["calculate", "older_than_first", None,
         "count(/data/hh/person[age > /data/hh[position() = 1]/person[position() = 1]/age])", None, None],
    ]))
    rnd = random.Random(7)
    session = fill(form, {"hh": [{"head": "A", "person": [{}, {}, {}]}, {"head": "B", "person": [{}, {}]}]})
    for _ in range(60):
        hh = rnd.randrange(2)
        person = rnd.randrange(len(session.members("person", (hh,))))
        if rnd.random() < 0.2:
            session.set_answer("head", rnd.choice(["A", "B", ""]), hh)
        else:
            session.set_answer("age", rnd.choice([5, 17, 18, 40, 61, 90, ""]), (hh, person))
        incremental = {k: v.key() for k, v in session._states.items()}
        session.recompute()
        assert {k: v.key() for k, v in session._states.items()} == incremental


# --- what ODK's engine cannot run: a union of node-sets, a wildcard step ----------------------------------------------

@pytest.mark.parametrize("column, expression, symbol, position", [
    ("calculation", "sum(${a} | ${b})", "|", 10),
    ("calculation", "count(/data/a | /data/b)", "|", 15),
    ("relevant", "count(/data/g/*) > 0", "*", 15),
    ("constraint", "sum(/data/r/*) < 10", "*", 13),
    ("calculation", "count(instance('yn')/root/item/*)", "*", 32),
])
def test_a_union_or_a_wildcard_is_refused_located_as_odk_cannot_run_it(tmp_path, column, expression, symbol,
                                                                       position):
    """JavaRosa stops a form on 'a | b' ("unsupported construct") and on a path step '*' ("Unexpected multiplicity
    mismatch"; test_odk_agreement.py shows both): refused when the form loads, with sheet, row and column, never
    read as something else (sum(${a} | ${b}) was 0 here)."""
    survey = [["type", "name", "label", "calculation", "relevant", "constraint"],
              ["integer", "a", "A", None, None, None], ["integer", "b", "B", None, None, None],
              ["begin group", "g", "G", None, None, None], ["integer", "x", "X", None, None, None],
              ["end group", None, None, None, None, None],
              ["begin repeat", "r", "R", None, None, None], ["integer", "v", "V", None, None, None],
              ["end repeat", None, None, None, None, None]]
    row = {"calculation": ["calculate", "c", None, expression, None, None],
           "relevant": ["text", "c", "C", None, expression, None],
           "constraint": ["integer", "c", "C", None, None, expression]}[column]
    survey.append(row)
    with pytest.raises(FormErrors) as refused:
        load_form(_book(tmp_path, survey, [["list_name", "name", "label"], ["yn", "yes", "Yes"]]))
    en, vi = located(refused.value, "en"), located(refused.value, "vi")
    assert len(en) == 1 and en[0].startswith(f"[survey sheet, row {len(survey)}, column '{column}'] "
                                             f"'{symbol}' at position {position} in {expression!r}: ODK's engine "
                                             "cannot "), en
    assert vi[0].startswith(f"[trang survey, dòng {len(survey)}, cột '{column}'] '{symbol}' ở vị trí {position} "
                            "trong "), vi
    assert "bộ máy của ODK không" in vi[0]


def test_a_star_that_multiplies_is_no_wildcard(tmp_path):
    form = load_form(_book(tmp_path, [["type", "name", "label", "calculation"], ["integer", "a", "A", None],
                                      ["calculate", "twice", None, "${a} * 2"], ["calculate", "sq", None, "${a}*${a}"],
                                      ["calculate", "path", None, "/data/a * /data/a"]]))
    session = fill(form, {"a": 3})
    assert [session.value(n) for n in ("twice", "sq", "path")] == [6, 9, 9]
