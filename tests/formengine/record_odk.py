"""Records what ODK's own engine (JavaRosa) does with this project's own comparison forms
(`tests/fixtures/odk-forms/<form>/`), answer set by answer set, into `<form>.javarosa.json` beside each folder.
`test_odk_recorded.py` replays the recorded answers in this engine and compares every question with JavaRosa's
recorded state — without a JDK —, and, where a JDK is found, checks that JavaRosa still gives what was recorded.

Run again after changing a form or the answers' generator (needs the test extra and a JDK):

    python -m tests.formengine.record_odk            # every form
    python -m tests.formengine.record_odk plots      # one form
    python -m tests.formengine.record_odk expressions   # the values of EXPRESSIONS (expressions.javarosa.json)
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from datetime import date
from pathlib import Path

from fieldsurvey.formengine.loader import load_form
from fieldsurvey.formengine.model import Form
from tests.formengine import javarosa_harness as harness

FORMS = Path(__file__).parents[1] / "fixtures" / "odk-forms"
TODAY = date(2026, 6, 15)   # the answers' dates are drawn around it (the forms do not call today() or now())
CASES = 20


# Expressions whose value both engines must give (x: date 2020-01-01, n: 10, e: empty, t: 'abc', d: 2.5).
EXPRESSIONS = [
    "${x} > '2019-01-01'", "${x} > date('2019-01-01')", "${x} = '2020-01-01'", "'2020-01-01' < '2021-01-01'",
    "${x} + 1", "${x} - date('2019-12-31')", "${x} = 18262", "${x} < today()", "format-date(${x}, '%e/%n/%y %a %b')",
    "format-date('2020-01-01T10:20:30', '%H:%M:%S %3')", "${b}", "${b} + 0", "${b} = 'true'", "${f} = 0",
    "boolean(${f})", "string(${b})", "if(${b}, 'y', 'n')", "${n} div 0", "-${n} div 0", "0 div 0", "${e} + 1",
    "${e} = 0", "${e} = ''", "${t} + 1", "round(2.5)", "round(-2.5)", "round(1.005, 2)", "round(-1.005, 2)",
    "round(1234.5, -2)", "int(-2.7)", "-7 mod 3", "7.5 mod 2", "number('1,5')", "number('+3')", "number('1e3')",
    "number(' 12 ')", "number('1_0')", "number('2020-01-01')", "string(2147483648)", "string(0.0001)",
    "string(12345678.5)", "string(1234567.5)", "string(0.1 + 0.2)", "max(1, 'a')", "min(${n}, ${e})",
    "regex('abc', '^a')", "regex('abc', 'a.c')", "regex('0912345678', '0[0-9]{9}')", "regex(${t}, '(a|b)+c')",
    "substr('hello', 1, 3)", "count-selected('a b  c')", "coalesce(${e}, 'x')", "'a' < 'b'", "'10' < '9'",
    "string-length(${e})", "concat(${d}, '')", "${d} * 2",
    # the functions issue 18 found missing
    "ends-with('abc', 'bc')", "substring-before('a-b-c', '-')", "substring-after('a-b-c', '-')",
    "translate('abcabc', 'ab', 'B')", "normalize-space('  a   b ')", "count-non-empty(${e})", "selected-at('a b c', 1)",
    "selected-at('a b c', 5)", "join(', ', 'a', ${t}, ${n})", "once(${n} + 1)", "string-length(uuid())",
    "string-length(uuid(8))", "digest('abc', 'SHA-256', 'hex')", "digest('abc', 'MD5')", "base64-decode('aMOp')",
    "boolean-from-string('1')", "boolean-from-string('yes')", "decimal-date-time('2020-01-01T12:00:00')",
    "format-date-time(date-time(18262.25), '%Y-%m-%d %H:%M')", "date-time(18262.25)", "string(date-time(18262.25))",
    "checklist(1, 2, true(), false(), 1)", "checklist(-1, 1, true(), true())",
    "weighted-checklist(2, 10, true(), 2, false(), 5)", "pow(2, 10)", "pow(-8, 1 div 3)", "log(0)", "log(-1)",
    "log10(1000)", "exp(1)", "exp10(2)", "sqrt(-1)", "sqrt(2)", "pi()", "sin(0)", "atan2(1, 1)", "round(pi(), 3)",
    "random() < 1", "decimal-date-time(today()) = decimal-date-time(today())", "format-date(now(), '%H') != ''",
]


def expression_rows(expressions: list[str]) -> list[list]:
    """A survey sheet: the questions the expressions read, and a calculation c0, c1, … for each expression."""
    return [["type", "name", "label", "calculation"], ["date", "x", "X", None], ["integer", "n", "N", None],
            ["integer", "e", "E", None], ["text", "t", "T", None], ["decimal", "d", "D", None],
            ["calculate", "b", None, "1 = 1"], ["calculate", "f", None, "1 = 0"],
            *[["calculate", f"c{i}", None, text] for i, text in enumerate(expressions)]]


def expression_case(form: Form) -> harness.Case:
    q = form.by_name
    return harness.Case({}, [("x", q["x"], "2020-01-01", None), ("n", q["n"], 10, None), ("t", q["t"], "abc", None),
                             ("d", q["d"], 2.5, None)])


def expression_book(path: Path, expressions: list[str]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in expression_rows(expressions):
        ws.append(row)
    wb.save(path)
    return path


def record_expressions() -> Path:
    """JavaRosa's value of every expression of EXPRESSIONS, with the answers of expression_case."""
    with tempfile.TemporaryDirectory() as tmp:
        path = expression_book(Path(tmp) / "expressions.xlsx", EXPRESSIONS)
        states = harness.odk_states(harness.to_xform(path), [expression_case(load_form(path))])[0]
    if "error" in states:
        raise SystemExit(f"expressions: JavaRosa fails: {states['error']}")
    out = FORMS / "expressions.javarosa.json"
    lines = [json.dumps({"expression": text, "javarosa": states[f"c{i}"]["value"]}, ensure_ascii=False)
             for i, text in enumerate(EXPRESSIONS)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def form_folders() -> list[Path]:
    return sorted(p.parent for p in FORMS.glob("*/survey.csv"))


def recording(folder: Path) -> Path:
    return folder.parent / f"{folder.name}.javarosa.json"


def xform_of(folder: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        return harness.to_xform(harness.folder_workbook(folder, Path(tmp) / f"{folder.name}.xlsx"))


def record(folder: Path) -> Path:
    form = load_form(folder)
    rnd = random.Random(folder.name)
    cases = [harness.random_case(form, rnd, TODAY) for _ in range(CASES)]
    states = harness.odk_states(xform_of(folder), cases, folder)
    failed = [s["error"] for s in states if "error" in s]
    if failed:   # a recording of JavaRosa failing compares nothing: the form must be one JavaRosa can fill
        raise SystemExit(f"{folder.name}: JavaRosa fails on {len(failed)} answer sets: {failed[0]}")
    out = recording(folder)
    lines = [json.dumps({"form": folder.name, "today": TODAY.isoformat(), "cases": len(cases)}, ensure_ascii=False)]
    for case, odk in zip(cases, states):
        lines.append(json.dumps({"case": harness.case_to_json(case), "javarosa": harness.odk_kept(odk)},
                                ensure_ascii=False, sort_keys=True))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main(names: list[str]) -> None:
    missing = harness.available()
    if missing:
        sys.exit(missing)
    for folder in form_folders():
        if not names or folder.name in names:
            print(record(folder))
    if not names or "expressions" in names:
        print(record_expressions())


if __name__ == "__main__":
    main(sys.argv[1:])
