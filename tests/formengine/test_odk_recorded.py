"""The engine against ODK's own (JavaRosa) on this project's own comparison forms, without a JDK.

`tests/fixtures/odk-forms/` holds forms written here to exercise what the XLSForm project's own test forms use
(pyxform's test workbooks are not copied into this repository): the `bind:` and `jr:` column spellings, the older
type spellings (`select one from`, `select all that apply from … or specify other`, `string`, `int`, `gps`,
`trigger`, `dateTime`, `begin_group`), every widget a desktop serves with defaults of each type, two languages,
smart quotes, groups with appearances, a repeat counted by a calculation, repeats inside repeats, math functions,
constraint messages that read answers, a loop over a choice list. Beside each folder, `<form>.javarosa.json` records
random answer sets and the state JavaRosa gave every node for them (`python -m tests.formengine.record_odk` makes
it). Here the answers are replayed in this engine and every question's status and value must equal JavaRosa's; where
a JDK is found, JavaRosa is run again on the same answers and must still give what was recorded.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fieldsurvey.formengine.loader import load_form
from tests.formengine import javarosa_harness as harness
from tests.formengine.record_odk import (EXPRESSIONS, FORMS, expression_book, expression_case, form_folders, recording,
                                        xform_of)

FOLDERS = form_folders()


def _recorded(folder: Path) -> tuple[date, list[dict]]:
    head, *cases = [json.loads(line) for line in recording(folder).read_text(encoding="utf-8").splitlines()]
    assert head["form"] == folder.name and head["cases"] == len(cases)
    return date.fromisoformat(head["today"]), cases


def test_every_comparison_form_has_its_recording():
    assert [f.name for f in FOLDERS] == ["counts", "files", "loops", "plots", "roster", "widgets"]
    assert all(recording(f).is_file() for f in FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_every_question_agrees_with_what_javarosa_gave_on_the_same_answers(folder):
    form = load_form(folder)
    today, cases = _recorded(folder)
    compared, answered, differences = 0, 0, []
    for n, rec in enumerate(cases):
        theirs = harness.odk_from_kept(rec["javarosa"])
        assert "error" not in theirs, theirs
        case = harness.case_from_json(form, rec["case"])
        ours = harness.our_states(harness.fill_ours(form, case, today))
        compared += sum(1 for path in ours if path in theirs)
        answered += len(case.answers)
        differences += [f"case {n}: {d}" for d in harness.compare(ours, theirs)]
    assert differences == []
    assert compared >= 8 * len(cases) and answered >= 3 * len(cases)   # the forms were filled, not skipped


def test_the_comparison_sees_a_difference(tmp_path):
    """The recorded comparison is not blind: the roster's count of women changed here to count the men disagrees
    with what JavaRosa recorded, and only there."""
    folder = tmp_path / "roster"
    folder.mkdir()
    for name in ("survey.csv", "choices.csv", "settings.csv"):
        text = (FOLDERS[4] / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace("count(${sex}[. = 'female'])", "count(${sex}[. = 'male'])"),
                                   encoding="utf-8")
    form = load_form(folder)
    today, cases = _recorded(FOLDERS[4])
    differences = []
    for rec in cases:
        ours = harness.our_states(harness.fill_ours(form, harness.case_from_json(form, rec["case"]), today))
        differences += harness.compare(ours, harness.odk_from_kept(rec["javarosa"]))
    assert len(differences) >= 5 and all(d.startswith("women: value") for d in differences)


def _recorded_expressions() -> list[tuple[str, str]]:
    path = FORMS / "expressions.javarosa.json"
    return [(d["expression"], d["javarosa"]) for d in map(json.loads, path.read_text(encoding="utf-8").splitlines())]


def test_expressions_give_the_values_javarosa_gave(tmp_path):
    """record_odk.EXPRESSIONS (typing, dates, times, numbers, infinities, regex, rounding, the functions issue 18
    found missing), each with the value JavaRosa gave it (x: date 2020-01-01, n: 10, e: empty, t: 'abc', d: 2.5)."""
    recorded = _recorded_expressions()
    assert [text for text, _ in recorded] == EXPRESSIONS   # (record again after changing the list)
    form = load_form(expression_book(tmp_path / "expressions.xlsx", EXPRESSIONS))
    ours = harness.our_states(harness.fill_ours(form, expression_case(form), date(2026, 6, 15)))
    wrong = []
    for i, (text, theirs) in enumerate(recorded):
        a, b = harness.normal(ours[f"c{i}"]["value"]), harness.normal(theirs)
        if a != b and not harness._same_number(a, b):
            wrong.append(f"{text}: {a!r} here, {b!r} in ODK")
    assert wrong == []
    assert len({b for _, b in recorded}) > 30   # (the values differ: the recording is not of a form that failed)


@pytest.mark.skipif(harness.available() is not None, reason=str(harness.available()))
def test_javarosa_still_gives_the_recorded_values_of_the_expressions(tmp_path):
    path = expression_book(tmp_path / "expressions.xlsx", EXPRESSIONS)
    live = harness.odk_states(harness.to_xform(path), [expression_case(load_form(path))])[0]
    assert [(text, live[f"c{i}"]["value"]) for i, text in enumerate(EXPRESSIONS)] == _recorded_expressions()


@pytest.mark.skipif(harness.available() is not None, reason=str(harness.available()))
def test_javarosa_still_gives_what_was_recorded():
    jobs, recorded = [], []
    for folder in FOLDERS:
        _, cases = _recorded(folder)
        form = load_form(folder)
        jobs.append((xform_of(folder), [harness.case_from_json(form, rec["case"]) for rec in cases]))
        recorded.append([rec["javarosa"] for rec in cases])
    live = [[harness.odk_kept(states) for states in form_states]
            for form_states in harness.odk_states_many(jobs, list(FOLDERS))]
    assert live == recorded
