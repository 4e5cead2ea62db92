"""Records what ODK's own engine (JavaRosa) does with this project's own comparison forms
(`tests/fixtures/odk-forms/<form>/`), answer set by answer set, into `<form>.javarosa.json` beside each folder.
`test_odk_recorded.py` replays the recorded answers in this engine and compares every question with JavaRosa's
recorded state — without a JDK —, and, where a JDK is found, checks that JavaRosa still gives what was recorded.

Run again after changing a form or the answers' generator (needs the test extra and a JDK):

    python -m tests.formengine.record_odk            # every form
    python -m tests.formengine.record_odk plots      # one form
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from datetime import date
from pathlib import Path

from fieldsurvey.formengine.loader import load_form
from tests.formengine import javarosa_harness as harness

FORMS = Path(__file__).parents[1] / "fixtures" / "odk-forms"
TODAY = date(2026, 6, 15)   # the answers' dates are drawn around it (the forms do not call today() or now())
CASES = 20


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


if __name__ == "__main__":
    main(sys.argv[1:])
