"""The engine against ODK's own (JavaRosa), question by question: the acceptance test of issue 18.

Each form is converted to an XForm by pyxform and filled with the same answers by JavaRosa (javarosa_harness.py,
javarosa/Walk.java) and by this engine; every question's status (hidden, empty, required but empty, constraint
violated, ok) and value must agree. Needs pyxform (the test extra) and a JDK; skipped, saying why, without them.
The only differences allowed are JavaRosa's own bugs, each shown below with its minimal repro (docs/forms.md).
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from fieldsurvey.formengine.loader import load_form
from tests.formengine import javarosa_harness as harness
from tests.formengine.record_odk import EXPRESSIONS, expression_case, expression_rows, form_folders
from tests.formengine.books import write_xlsform

pytestmark = pytest.mark.skipif(harness.available() is not None, reason=str(harness.available()))

PUBLIC = Path(__file__).parents[1] / "fixtures" / "xlsforms"
TODAY = date.today()   # (JavaRosa's today() is the real one)
CASES = 40


_book = write_xlsform


# Forms written to exercise what the comparison found: booleans, dates, division by zero, format-date, regex,
# rounding, repeats (position, sum, count), relevance chains, required and constraint, choice filters.
SYNTHETIC = {
    "typing": ([
        ["type", "name", "label", "relevant", "constraint", "calculation", "required"],
        ["integer", "age", "Age", None, ". <= 120", None, None],
        ["calculate", "adult", None, None, None, "${age} >= 18", None],
        ["text", "job", "Job", "${adult}", None, None, "yes"],
        ["calculate", "adult_is_one", None, None, None, "${adult} = 1", None],
        ["calculate", "adult_plus", None, None, None, "${adult} + 0", None],
        ["calculate", "per_zero", None, None, None, "${age} div 0", None],
        ["calculate", "neg_zero", None, None, None, "-${age} div 0", None],
        ["date", "born", "Born", None, ". <= today()", None, None],
        ["calculate", "born_text", None, None, None, "${born} > '2000-01-01'", None],
        ["calculate", "born_date", None, None, None, "${born} > date('2000-01-01')", None],
        ["calculate", "born_days", None, None, None, "${born} + 1", None],
        ["calculate", "born_fmt", None, None, None, "format-date(${born}, '%a %e %b %Y, %H:%M:%S')", None],
        ["calculate", "years", None, None, None, "int((today() - ${born}) div 365.25)", None],
        ["decimal", "share", "Share", None, ". >= 0 and . <= 1", None, None],
        ["calculate", "pct", None, None, None, "round(${share} * 100, 1)", None],
        ["calculate", "half", None, None, None, "round(${share} * 2.5)", None],
        ["text", "phone", "Phone", None, "regex(., '0[0-9]{9}')", None, None],
        ["calculate", "has_b", None, None, None, "regex(${phone}, '1')", None],
        ["calculate", "num_text", None, None, None, "number(${phone}) + 1", None],
        ["calculate", "txt", None, None, None, "string(${share} * 1000000)", None],
        ["calculate", "mn", None, None, None, "min(${age}, ${share})", None],
    ], None),
    "roster": ([
        ["type", "name", "label", "relevant", "constraint", "calculation", "required", "choice_filter"],
        ["select_one prov", "province", "Province", None, None, None, "yes", None],
        ["select_one dist", "district", "District", None, None, None, None, "prov = ${province}"],
        ["begin repeat", "members", "Members", None, None, None, None, None],
        ["text", "name", "Name", None, None, None, "yes", None],
        ["integer", "age", "Age", None, ". >= 0", None, None, None],
        ["calculate", "pos", None, None, None, "position(..)", None, None],
        ["calculate", "child", None, None, None, "${age} < 16", None, None],
        ["select_one yn", "school", "At school?", "${child}", None, None, "yes", None],
        ["select_multiple help", "aid", "Aid", "${age} >= 60", "not(selected(., 'none') and count-selected(.) > 1)",
         None, None, None],
        ["end repeat", None, None, None, None, None, None, None],
        ["calculate", "n", None, None, None, "count(${members})", None, None],
        ["calculate", "total_age", None, None, None, "sum(${age})", None, None],
        ["calculate", "kids", None, None, None, "count(${school})", None, None],
        ["note", "big", "A big household", "${n} > 2", None, None, None, None],
        ["integer", "rooms", "Rooms", "${n} > 1", ". <= ${n} * 2", None, "${n} > 2", None],
    ], [
        ["list_name", "name", "label", "prov"],
        ["prov", "hn", "Hà Nội", None], ["prov", "tq", "Tuyên Quang", None],
        ["dist", "bd", "Ba Đình", "hn"], ["dist", "hk", "Hoàn Kiếm", "hn"], ["dist", "lb", "Lâm Bình", "tq"],
        ["yn", "yes", "Yes", None], ["yn", "no", "No", None],
        ["help", "food", "Food", None], ["help", "cash", "Cash", None], ["help", "none", "None", None],
    ]),
}


SYNTHETIC["types"] = ([
    ["type", "name", "label", "relevant", "constraint", "calculation", "required", "parameters", "default"],
    ["time", "woke", "Woke up", None, None, None, None, None, None],
    ["calculate", "woke_day", None, None, None, "decimal-time(${woke})", None, None, None],
    ["calculate", "woke_fmt", None, None, None, "format-date-time(${woke}, '%H:%M')", None, None, None],
    ["calculate", "early", None, None, None, "decimal-time(${woke}) < 0.25", None, None, None],
    ["datetime", "visit", "Visit", None, ". <= now()", None, None, None, None],
    ["calculate", "visit_day", None, None, None, "format-date-time(${visit}, '%Y-%m-%d %H')", None, None, None],
    ["calculate", "visit_old", None, None, None, "decimal-date-time(${visit}) < decimal-date-time(today())", None,
     None, None],
    ["geopoint", "where", "Where", None, None, None, None, None, None],
    ["calculate", "lat", None, None, None, "selected-at(${where}, 0)", None, None, None],
    ["barcode", "code", "Code", None, "string-length(.) > 1", None, None, None, None],
    ["image", "photo", "Photo", "${early}", None, None, "yes", None, None],
    ["acknowledge", "ok", "I agree", None, None, None, "yes", None, None],
    ["text", "why", "Why", "${ok} = 'OK'", None, None, None, None, None],
    ["hidden", "secret", None, None, None, None, None, None, "abc"],
    ["calculate", "secret_len", None, None, None, "string-length(${secret})", None, None, None],
    ["range", "score", "Score", None, None, None, None, "start=0 end=10 step=2", None],
    ["calculate", "score2", None, None, None, "${score} * 2", None, None, None],
    ["rank", "prefs", "Order these", None, None, None, None, None, None],
    ["calculate", "top", None, None, None, "selected-at(${prefs}, 0)", None, None, None],
], [["list_name", "name", "label"], ["fruit", "apple", "Apple"], ["fruit", "pear", "Pear"], ["fruit", "fig", "Fig"]])
SYNTHETIC["types"][0][-2][0] = "rank fruit"


# The trigger column (ODK's setvalue on a question's change), at the top and inside a repeat.
SYNTHETIC["trigger"] = ([
    ["type", "name", "label", "calculation", "trigger", "relevant", "constraint"],
    ["integer", "a", "A", None, None, None, None],
    ["integer", "b", "B", "${a} * 2", "${a}", None, ". < 100"],
    ["calculate", "c", None, "${a} + ${b}", "${a}", None, None],
    ["decimal", "d", None, None, "${a}", None, None],
    ["text", "e", "E", None, None, "${c} > 10", None],
    ["begin repeat", "r", "R", None, None, None, None],
    ["text", "who", "Who", None, None, None, None],
    ["calculate", "stamp", None, "concat(${who}, '-', position(..))", "${who}", None, None],
    ["end repeat", None, None, None, None, None, None],
    ["calculate", "stamps", None, "join(' ', ${stamp})", None, None, None],
], None)


# Repeats inside repeats, XPath paths (relative, absolute — as JavaRosa contextualises them —, with conditions,
# current(), instance()), indexed-repeat() across two repeats, and selects whose choices are a repeat's answers. (No
# calculation here reads another instance of its own repeat through a path: JavaRosa does not recompute those as
# answers change — see test_javarosa_bugs…; PATHS_AFRESH checks them against JavaRosa working the form out afresh.)
SYNTHETIC["nested"] = ([
    ["type", "name", "label", "relevant", "constraint", "calculation", "required"],
    ["begin repeat", "hh", "Household", None, None, None, None],
    ["text", "head", "Head", None, None, None, None],
    ["calculate", "hpos", None, None, None, "position(..)", None],
    ["begin repeat", "person", "Person", None, None, None, None],
    ["integer", "age", "Age", None, ". < 120", None, None],
    ["calculate", "ppos", None, None, None, "position(..)", None],
    ["calculate", "older", None, None, None, "${age} > 40", None],
    ["text", "job", "Job", "${age} >= 15", None, None, "${ppos} = 1"],
    ["calculate", "head2", None, None, None, "concat(${head}, '/', ../../head, '/', ../../hpos)", None],
    ["calculate", "abs_age", None, None, None, "/data/hh/person/age + 1", None],
    ["calculate", "mine", None, None, None, "current()/../age * 2", None],
    ["end repeat", None, None, None, None, None, None],
    ["calculate", "n_people", None, None, None, "count(${person})", None],
    ["calculate", "sum_age", None, None, None, "sum(${age})", None],
    ["calculate", "adults", None, None, None, "count(${person}[age >= 18])", None],
    ["calculate", "second", None, None, None, "indexed-repeat(${age}, ${person}, 2)", None],
    ["text", "note_hh", "Note", "${n_people} > 1 and ./head != ''", None, None, None],
    ["end repeat", None, None, None, None, None, None],
    ["calculate", "all_ages", None, None, None, "sum(${age})", None],
    ["calculate", "hh2_p1", None, None, None, "indexed-repeat(${age}, ${hh}, 2, ${person}, 1)", None],
    ["calculate", "first_head", None, None, None, "/data/hh[position() = 1]/head", None],
    ["calculate", "olds", None, None, None, "count(/data/hh/person[age > 60])", None],
    ["select_one yn", "ok", "OK?", None, None, None, None],
    ["calculate", "ok_label", None, None, None, "instance('yn')/root/item[name = current()/../ok]/label", None],
    ["calculate", "n_yn", None, None, None, "count(instance('yn')/root/item)", None],
    ["calculate", "rel", None, None, None, "../ok", None],
    ["text", "why", "Why", "/data/ok = 'no'", None, None, None],
], [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]])
SYNTHETIC["from_repeat"] = ([
    ["type", "name", "label", "choice_filter", "calculation", "relevant"],
    ["begin repeat", "rep", "Repeat", None, None, None],
    ["text", "name", "Name", None, None, None],
    ["integer", "age", "Age", None, None, None],
    ["end repeat", None, None, None, None, None],
    ["select_one ${name}", "choice", "Choose", None, None, None],
    ["select_one ${name}", "adult", "Choose an adult", "${age} > 18", None, None],
    ["begin repeat", "pet", "Pet", None, None, None],
    ["calculate", "pos", None, None, "position(..)", None],
    ["select_one ${animal}", "sel", "Animal", "position() != current()/../pos and animal != ''", None, None],
    ["text", "animal", "Animal type", None, None, "${sel} = ''"],
    ["end repeat", None, None, None, None, None],
], None)


def _forms(tmp: Path) -> list[Path]:
    paths = [p for p in sorted(PUBLIC.glob("*.xlsx"))]
    for folder in form_folders():   # this project's comparison forms (also compared, recorded, without a JDK)
        paths.append(harness.folder_workbook(folder, tmp / folder.name / f"{folder.name}.xlsx"))
    paths.append(PUBLIC.parent / "xls" / "visit.xls")   # an Excel 97–2003 workbook, as pyxform reads it
    for name, (survey, choices) in SYNTHETIC.items():
        paths.append(_book(tmp / f"{name}.xlsx", survey, choices))
    return paths


def test_every_question_agrees_with_odk_on_random_answers(tmp_path):
    jobs, prepared = [], []
    for path in _forms(tmp_path):
        try:
            form = load_form(path)
        except Exception:
            if PUBLIC not in path.parents:
                raise   # a form written for this comparison must load
            continue  # refused here: test_xlsform says which and why
        rnd = random.Random(path.name)
        cases = [harness.random_case(form, rnd, TODAY) for _ in range(CASES)]
        jobs.append((harness.to_xform(path), cases))
        prepared.append((path.name, form, cases))
    assert len(prepared) >= 9
    results = harness.odk_states_many(jobs, [tmp_path / name.rsplit(".", 1)[0] for name, _, _ in prepared])
    compared, differences = 0, []
    for (name, form, cases), odk in zip(prepared, results):
        for n, (case, theirs) in enumerate(zip(cases, odk)):
            assert "error" not in theirs, (name, theirs)
            ours = harness.our_states(harness.fill_ours(form, case, TODAY))
            compared += len(ours)
            differences += [f"{name} case {n}: {d}" for d in harness.compare(ours, theirs)]
    assert compared > 2000
    assert differences == []


def test_expressions_give_the_values_odk_gives(tmp_path):
    """Each expression of record_odk.EXPRESSIONS alone in a form, in both engines (the values are also recorded, for
    test_odk_recorded.py to compare without a JDK)."""
    jobs, ours = [], []
    for i, text in enumerate(EXPRESSIONS):
        path = _book(tmp_path / f"e{i}.xlsx", expression_rows([text]))
        form = load_form(path)
        case = expression_case(form)
        ours.append(harness.our_states(harness.fill_ours(form, case, TODAY))["c0"]["value"])
        jobs.append((harness.to_xform(path), [case]))
    wrong = []
    for text, mine, states in zip(EXPRESSIONS, ours, harness.odk_states_many(jobs)):
        theirs = states[0]["c0"]["value"]
        a, b = harness.normal(mine), harness.normal(theirs)
        if a != b and not harness._same_number(a, b):
            wrong.append(f"{text}: {a!r} here, {b!r} in ODK")
    assert wrong == []


def test_javarosa_bugs_are_the_only_differences_and_are_known(tmp_path):
    """max() of negative numbers: JavaRosa starts from Double.MIN_VALUE (the smallest positive number), so
    max(-3, -5) is 0 there; here it is -3. (docs/forms.md lists it.)"""
    path = _book(tmp_path / "max.xlsx", [["type", "name", "label", "calculation"], ["calculate", "c", None,
                                                                                   "max(-3, -5)"]])
    form = load_form(path)
    odk = harness.odk_states(harness.to_xform(path), [harness.Case({}, [])])[0]
    ours = harness.our_states(harness.fill_ours(form, harness.Case({}, []), TODAY))
    assert (harness.normal(ours["c"]["value"]), harness.normal(odk["c"]["value"])) == ("-3", "0")


# Paths that read another instance of the repeat they stand in: JavaRosa works them out right only afresh (when a
# saved form is opened again), so they are compared with JavaRosa so.
PATHS_AFRESH = [
    ["type", "name", "label", "calculation", "relevant"],
    ["begin repeat", "hh", "Household", None, None],
    ["text", "head", "Head", None, None],
    ["begin repeat", "person", "Person", None, None],
    ["integer", "age", "Age", None, None],
    ["calculate", "first_age", None, "../../person[position() = 1]/age", None],
    ["calculate", "older_than_first", None, "${age} > ../../person[position() = 1]/age", None],
    ["text", "why", "Why", None, "count(../../person[age > current()/../age]) = 0"],
    ["end repeat", None, None, None, None],
    ["calculate", "heads", None, "count(../../hh[head != ''])", None],
    ["calculate", "last_head", None, "/data/hh[position() = count(/data/hh)]/head", None],
    ["end repeat", None, None, None, None],
]


def test_paths_across_instances_agree_with_odk_working_the_form_out_afresh(tmp_path):
    path = _book(tmp_path / "afresh.xlsx", PATHS_AFRESH)
    form = load_form(path)
    rnd = random.Random("afresh")
    cases = [harness.random_case(form, rnd, TODAY) for _ in range(CASES)]
    for case in cases:
        case.reopen = True
    odk = harness.odk_states_many([(harness.to_xform(path), cases)])[0]
    differences = []
    for n, (case, theirs) in enumerate(zip(cases, odk)):
        assert "error" not in theirs, theirs
        ours = harness.our_states(harness.fill_ours(form, case, TODAY))
        differences += [f"case {n}: {d}" for d in harness.compare(ours, theirs)]
    assert differences == []


def test_javarosa_does_not_read_a_number_in_brackets_as_a_position(tmp_path):
    """XPath reads /data/hh[2]/head as /data/hh[position() = 2]/head; JavaRosa's engine finds no node for it (it
    gives '' and count(/data/hh[1]) is 0). Here it is the second household's head, as XPath (and Enketo) read it.
    (docs/forms.md lists it.)"""
    path = _book(tmp_path / "numbered.xlsx", [
        ["type", "name", "label", "calculation"], ["begin repeat", "hh", "Household", None],
        ["text", "head", "Head", None], ["end repeat", None, None, None],
        ["calculate", "second", None, "/data/hh[2]/head"], ["calculate", "n", None, "count(/data/hh[1])"]])
    form = load_form(path)
    q = form.by_name
    case = harness.Case({"hh": 2}, [("hh[1]/head", q["head"], "a", 0), ("hh[2]/head", q["head"], "b", 1)])
    odk = harness.odk_states(harness.to_xform(path), [case])[0]
    ours = harness.our_states(harness.fill_ours(form, case, TODAY))
    assert [(harness.normal(ours[k]["value"]), harness.normal(odk[k]["value"])) for k in ("second", "n")] == [
        ("b", ""), ("1", "0")]


def test_javarosa_does_not_recompute_a_value_that_reads_another_instance_of_its_repeat(tmp_path):
    """A calculation in hh[1] that reads hh[2] through a path is worked out when hh[1] changes, not when hh[2]
    does: in JavaRosa it stays as it was until the form is opened again. Here it follows every answer.
    (docs/forms.md lists it.)"""
    path = _book(tmp_path / "stale.xlsx", [
        ["type", "name", "label", "calculation"], ["begin repeat", "hh", "Household", None],
        ["text", "head", "Head", None], ["calculate", "next_head", None, "../../hh[position() = 2]/head"],
        ["end repeat", None, None, None]])
    form = load_form(path)
    q = form.by_name
    case = harness.Case({"hh": 2}, [("hh[1]/head", q["head"], "a", 0), ("hh[2]/head", q["head"], "b", 1)])
    live = harness.odk_states(harness.to_xform(path), [case])[0]
    case.reopen = True
    afresh = harness.odk_states(harness.to_xform(path), [case])[0]
    ours = harness.our_states(harness.fill_ours(form, case, TODAY))
    assert (ours["hh[1]/next_head"]["value"], live["hh[1]/next_head"]["value"],
            afresh["hh[1]/next_head"]["value"]) == ("b", "", "b")


def test_times_and_moments_are_read_as_odk_reads_them(tmp_path):
    """JavaRosa holds a time as that time on the day it is entered (concat() writes the day), and reads any moment
    as a number of whole days: 06:30 < 18:00 is false there, as is 06:00 < 18:00 on the same day; decimal-time()
    and decimal-date-time() keep the time of day."""
    exprs = ["concat(${t}, '')", "${t} + 0", "${u} - ${t}", "${t} < ${u}", "${t} = ${u}", "${dt} + 0", "${dt} < ${dt2}",
             "${dt2} - ${dt}", "${dt} = ${dt2}", "${t} < ${dt}", "string(${dt})", "decimal-date-time(${dt})",
             "decimal-time(${t})", "${dt} + 1", "format-date-time(${dt} + 1, '%Y-%m-%d %H:%M')",
             "format-date-time(${t}, '%H:%M')"]
    path = _book(tmp_path / "time.xlsx", [
        ["type", "name", "label", "calculation"], ["time", "t", "T", None], ["time", "u", "U", None],
        ["datetime", "dt", "DT", None], ["datetime", "dt2", "DT2", None],
        *[["calculate", f"c{i}", None, e] for i, e in enumerate(exprs)]])
    form = load_form(path)
    q = form.by_name
    case = harness.Case({}, [("t", q["t"], "06:30:00", None), ("u", q["u"], "18:00:00", None),
                             ("dt", q["dt"], "2020-01-01T06:00:00", None),
                             ("dt2", q["dt2"], "2020-01-01T18:00:00", None)])
    odk = harness.odk_states(harness.to_xform(path), [case])[0]
    ours = harness.our_states(harness.fill_ours(form, case, TODAY))
    assert harness.compare(ours, odk) == []
    assert [harness.normal(ours[f"c{i}"]["value"]) for i in (0, 3, 6)] == [TODAY.isoformat(), "0", "0"]


def test_javarosa_keeps_a_repeat_instance_that_its_count_does_not_ask_for(tmp_path):
    """A repeat counted by an answer of 0: JavaRosa keeps the one instance pyxform's XForm starts with; here there is
    none, as the count says. (docs/forms.md lists it.)"""
    path = _book(tmp_path / "count.xlsx", [
        ["type", "name", "label", "repeat_count", "calculation"], ["integer", "n", "N", None, None],
        ["begin repeat", "visit", "Visit", "${n}", None], ["text", "who", "Who", None, None],
        ["calculate", "no", None, None, "position(..)"], ["end repeat", None, None, None, None],
        ["calculate", "visits", None, None, "count(${visit})"]])
    form = load_form(path)
    case = harness.Case({}, [("n", form.by_name["n"], 0, None)])
    odk = harness.odk_states(harness.to_xform(path), [case])[0]
    ours = harness.our_states(harness.fill_ours(form, case, TODAY))
    assert (ours["visits"]["value"], odk["visits"]["value"], "visit[1]/no" in ours, odk["visit[1]/no"]["value"]) == (
        0, "1", False, "1")


@pytest.mark.parametrize("expression, says", [
    ("sum(${a} | ${b})", "unsupported construct"),
    ("count(/data/g/*)", "Unexpected multiplicity mismatch"),
    ("count(instance('yn')/root/item/*)", "Unexpected multiplicity mismatch"),
])
def test_javarosa_stops_on_what_this_engine_refuses_union_and_wildcard(tmp_path, expression, says):
    """The engine refuses 'a | b' and a path step '*' when the form loads (test_paths_and_nested_repeats.py)
    because ODK's engine cannot run them: it stops the form."""
    path = _book(tmp_path / "nodesets.xlsx", [
        ["type", "name", "label", "calculation"], ["select_one yn", "a", "A", None], ["integer", "b", "B", None],
        ["begin group", "g", "G", None], ["integer", "x", "X", None], ["integer", "y", "Y", None],
        ["end group", None, None, None], ["calculate", "c", None, expression]],
        [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]])
    odk = harness.odk_states(harness.to_xform(path), [harness.Case({}, [])])[0]
    assert says in odk.get("error", ""), odk
