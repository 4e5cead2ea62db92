"""Questionnaire engine: loading the official form, and recomputing a 15-member household after one answer.

    python -m benchmarks.bench_forms

1. Loading the official form (forms/vn-review-2022, newest version) from its CSV sheets: reading, parsing every
   expression, dependency order — a cold load (the loader's cache cleared each time). Limit 100 ms.
2. One answer changes in a filled 15-member household: `set_answer` recomputes what it touches (values and
   relevance in dependency order, then the checks that read a changed value). Measured for a member answer that
   feeds household totals (relationship: the head check of every member), a member's birth date (age → relevance
   of the member's questions), and a household amount (income → per-person income, warnings). Limit 5 ms.
3. For comparison: a full recomputation of the same household, and opening a session on a stored document.
4. Big forms (issue 18): a 10,000-question workbook (every question's relevance reads the one before, a constraint
   on each) and a 100,000-choice list, loaded from .xlsx, against pyxform converting the same file (when pyxform is
   installed: the test extra). Limit: within 2× of pyxform. Also the growth from half the size (linear: ≈ 2×).

    python -m benchmarks.bench_forms [--big-only]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.harness import best_of, machine, report
from fieldsurvey.formengine import loader
from fieldsurvey.formengine.loader import find_form, load_form, shipped_forms
from fieldsurvey.formengine.session import FormSession, fill

TODAY = date(2026, 11, 20)


def household(n: int = 15) -> dict:
    members = []
    for i in range(n):
        members.append({"name": f"Thành viên {i + 1}", "sex": "male" if i % 2 else "female",
                        "birth_date": f"{1950 + (i * 5) % 70}-0{1 + i % 9}-1{i % 9}",
                        "relationship": "head" if i == 0 else "child", "health_insurance": "yes",
                        "attending_school": "no", "education": "primary", "employment": "self_employed",
                        "able_to_work": "yes", "stunted_or_underweight": "no", "internet_use": "yes"})
    return {"province_code": "08", "commune_code": "02266", "village": "Thôn 1", "head_name": "Thành viên 1",
            "livelihood_agriculture": "yes", "members": members, "income_route": "direct",
            "income_wages": 120_000_000, "income_agriculture": 80_000_000, "income_business": 0,
            "income_other": 0, "production_costs": 10_000_000, "social_allowances": 0, "has_house": "yes",
            "wall_material": "concrete_brick", "column_material": "steel", "roof_material": "tile",
            "floor_area": 120, "water_source": "piped", "latrine": "septic", "info_devices": ["tv"],
            "merit_revolution": "no", "ethnic_minority": "no", "enumerator": "A", "interview_date": "2026-10-12"}


def per_change(session: FormSession, name: str, values: list, member: int | None, rounds: int = 200) -> float:
    """Mean seconds of one set_answer (alternating values so every call changes something)."""
    start = time.perf_counter()
    for i in range(rounds):
        session.set_answer(name, values[i % len(values)], member)
    return (time.perf_counter() - start) / rounds


def main() -> None:
    print(machine())
    folder = [p for p in shipped_forms() if p.parent.name == "vn-review-2022"][-1]

    def cold_load() -> None:
        loader._load_folder.cache_clear()
        load_form(folder)

    report("load the official form (cold, CSV → parsed, ordered)", best_of(cold_load, 5) * 1000, "ms", 100)
    form = find_form("vn-review-2022")
    items = sum(1 for _ in form.questions())
    session = fill(form, household(15), today=TODAY, villages=["Thôn 1"])
    assert session.is_complete(), session.errors()
    states = len(session._states)
    print(f"official form {form.form_id} {form.version}: {items} questions; a 15-member household has {states} "
          "question states")
    cases = [
        ("member relationship head↔child (head check of all 15)", "relationship", ["head", "child"], 7),
        ("member birth date (age → relevance of 10 questions)", "birth_date", ["2015-03-01", "1980-03-01"], 7),
        ("household income (per-person income, warnings)", "income_wages", [120_000_000, 90_000_000], None),
        ("household has_house (housing questions shown/hidden)", "has_house", ["no", "yes"], None),
    ]
    worst = 0.0
    for label, name, values, member in cases:
        t = min(per_change(session, name, values, member) for _ in range(3))
        worst = max(worst, t)
        report(f"one answer, 15 members: {label}", t * 1e6, "µs", 5000)
    full = best_of(session.recompute, 5)
    report("full recomputation of the 15-member household", full * 1000, "ms")
    doc = session.to_document()
    report("open a session on a stored 15-member document", best_of(
        lambda: FormSession(form, doc, today=TODAY, villages=["Thôn 1"]), 5) * 1000, "ms")
    print(f"incremental vs full: worst single change {worst * 1000:.2f} ms, full {full * 1000:.2f} ms "
          f"({full / worst:.1f}x)")


def chain_form(path: Path, n: int) -> Path:
    """n questions, each shown when the one before is positive, each with a constraint."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("survey")
    ws.append(["type", "name", "label", "relevant", "constraint"])
    ws.append(["integer", "q0", "Q0", None, ". >= 0"])
    for i in range(1, n):
        ws.append(["integer" if i % 3 else "text", f"q{i}", f"Question {i}", f"${{q{i - 1}}} != ''",
                   ". >= 0" if i % 3 else "string-length(.) < 50"])
    ws = wb.create_sheet("settings")
    ws.append(["form_id", "version"])
    ws.append(["chain", "1"])
    wb.save(path)
    return path


def choices_form(path: Path, n: int) -> Path:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("survey")
    ws.append(["type", "name", "label"])
    ws.append(["select_one big", "pick", "Pick one"])
    cs = wb.create_sheet("choices")
    cs.append(["list_name", "name", "label"])
    for i in range(n):
        cs.append(["big", f"c{i}", f"Choice {i}"])
    ws = wb.create_sheet("settings")
    ws.append(["form_id", "version"])
    ws.append(["choices", "1"])
    wb.save(path)
    return path


def big_forms() -> None:
    try:
        from pyxform.xls2xform import convert
    except ImportError:
        convert = None
        print("pyxform is not installed (pip install -e '.[test]'): our figures only")
    with tempfile.TemporaryDirectory() as tmp:
        for label, make, n in (("10,000-question form (chained relevance)", chain_form, 10_000),
                               ("100,000-choice list", choices_form, 100_000)):
            half = make(Path(tmp) / "half.xlsx", n // 2)
            full = make(Path(tmp) / "full.xlsx", n)
            ours_half = best_of(lambda: load_form(half), 2)
            ours = best_of(lambda: load_form(full), 2)
            if convert is not None:
                theirs = best_of(lambda: convert(xlsform=str(full), validate=False), 2)
                report(f"load the {label}: pyxform", theirs, "s")
                report(f"load the {label}: here", ours, "s", 2 * theirs)
                print(f"  here / pyxform: {ours / theirs:.2f} (limit 2)")
            else:
                report(f"load the {label}: here", ours, "s")
            print(f"  growth from {n // 2:,} to {n:,}: {ours / ours_half:.2f}x (linear: 2x)")


if __name__ == "__main__":
    if "--big-only" not in sys.argv:
        main()
    big_forms()
