"""The comparison with ODK's own engine (issue 18's acceptance test): a form is converted to an XForm by pyxform,
filled with the same answers by JavaRosa (the classes inside the ODK_Validate.jar that the pyxform wheel carries,
driven by `javarosa/Walk.java`, compiled here with javac) and by this engine, and the state of every question —
relevant, value, required but empty, constraint violated — is compared.

Not part of the app: pyxform (the test extra) and a JDK (javac 17) are needed; `available()` says whether they are.
"""

from __future__ import annotations

import functools
import json
import math
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fieldsurvey.formengine.expr import datetime_text, references
from fieldsurvey.formengine.model import Form, Item
from fieldsurvey.formengine.session import FormSession

HERE = Path(__file__).parent
JAVA_TYPES = {"integer": "int", "decimal": "decimal", "date": "date", "select_one": "select1",
              "select_multiple": "select", "text": "string", "time": "time", "datetime": "dateTime",
              "geopoint": "geopoint", "rank": "rank"}


def _jar() -> Path | None:
    try:
        import pyxform
    except ImportError:
        return None
    jar = Path(pyxform.__file__).parent / "validators" / "odk_validate" / "bin" / "ODK_Validate.jar"
    return jar if jar.is_file() else None


def available() -> str | None:
    """None when the comparison can run; else what is missing."""
    if _jar() is None:
        return "pyxform (with its ODK_Validate.jar) is not installed: pip install -e '.[test]'"
    if not shutil.which("javac") or not shutil.which("java"):
        return "no JDK (javac and java) on the PATH"
    return None


@functools.cache
def _classes() -> Path:
    out = Path(tempfile.mkdtemp(prefix="fieldsurvey-javarosa-"))
    subprocess.run(["javac", "-d", str(out), "-cp", str(_jar()), str(HERE / "javarosa" / "Walk.java")], check=True,
                   capture_output=True, text=True)
    return out


def to_xform(path: Path) -> str:
    """The XForm pyxform makes of a workbook (no validation: JavaRosa reads it below)."""
    from pyxform.xls2xform import convert

    return convert(xlsform=str(path), validate=False).xform


@dataclass
class Case:
    repeats: dict[str, int]                 # repeat name → instances (in each instance of the repeats around it)
    answers: list[tuple[str, Item, Any, Any]]   # (path with [n] on repeats, question, value, instance path)
    reopen: bool = False   # JavaRosa works everything out afresh after the answers, as when a saved form is opened


def odk_states(xform: str, cases: list[Case], media: Path | None = None) -> list[dict[str, dict]]:
    """JavaRosa's state of every node, case by case: path → {relevant, value, required, constraint}."""
    return odk_states_many([(xform, cases)], [media])[0]


def odk_states_many(jobs: list[tuple[str, list[Case]]], media: list[Path | None] | None = None
                    ) -> list[list[dict[str, dict]]]:
    """odk_states for several forms in one run of the JVM (it takes a few seconds to start); `media`: each form's
    folder of files (a select_one_from_file's CSV, a csv-external's), where JavaRosa reads them."""
    with tempfile.TemporaryDirectory() as tmp:
        payload: dict[str, list] = {"jobs": []}
        for n, (xform, cases) in enumerate(jobs):
            xml = Path(tmp) / f"form{n}.xml"
            xml.write_text(xform, encoding="utf-8")
            folder = media[n] if media else None
            payload["jobs"].append({"xform": str(xml), "media": str(Path(folder or tmp).resolve()), "cases": [
                {"repeats": c.repeats, "reopen": c.reopen,
                 "answers": [{"path": p, "type": _java_type(q, v), "value": _java_value(q, v)}
                             for p, q, v, _ in c.answers]}
                for c in cases]})
        run = subprocess.run(["java", "-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8",
                              "-Dstdout.encoding=UTF-8", "-cp", f"{_jar()}:{_classes()}", "Walk"],
                             input=json.dumps(payload, ensure_ascii=False),
                             capture_output=True, text=True, timeout=1200, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-3000:])
    lines = iter(run.stdout.splitlines())
    out = []
    for _, cases in jobs:
        states = []
        for _ in cases:
            rows = json.loads(next(lines))
            states.append({"error": rows[0]["error"]} if rows and "error" in rows[0] else {r["path"]: r for r in rows})
        out.append(states)
    return out


def _java_type(q: Item, v: Any) -> str:
    if q.type == "range":   # pyxform makes a range an int when its parameters are whole, else a decimal
        return "int" if isinstance(v, int) else "decimal"
    return JAVA_TYPES.get(q.type, "string")


def _java_value(q: Item, v: Any) -> str:
    if isinstance(v, list):
        return " ".join(v)
    return str(v)


def _make_instances(form: Form, session: FormSession, repeats: dict[str, int]) -> None:
    """Each repeat (outer ones first) with its number of instances in every instance of the repeats around it, as
    Walk.java makes them in JavaRosa."""
    for rep in form.repeats():
        if rep.name in repeats and rep.repeat_count is None:
            for outer in session._paths(rep.chain[:-1]):
                while len(session.members(rep.name, outer)) < repeats[rep.name]:
                    session.add_member(rep.name, outer)


def fill_ours(form: Form, case: Case, today: date) -> FormSession:
    session = FormSession(form, {}, today=today)
    _make_instances(form, session, case.repeats)
    for _, q, v, member in case.answers:
        session.set_answer(q.name, v, member)
    return session


def node_path(item: Item, path: tuple) -> str:
    """A question's path as Walk.java writes it: 'members[2]/g/age', a repeat's instance number after its name."""
    steps, k = [], 0
    ancestors = []
    p = item.parent
    while p is not None:
        ancestors.append(p)
        p = p.parent
    for a in reversed(ancestors):
        if a.kind == "repeat":
            steps.append(f"{a.xml_name}[{path[k] + 1}]")
            k += 1
        else:
            steps.append(a.xml_name)
    return "/".join(steps + [item.xml_name])


def our_states(session: FormSession) -> dict[str, dict]:
    """This engine's state of every question, keyed as Walk.java keys JavaRosa's (path with [n] on repeats)."""
    out = {}
    form = session.form
    for item in form.items:
        if item.kind != "question":
            continue
        for path in session._instances_of(item):
            st = session._states[(item.name, path)]
            qs = session.state(item, path or None)
            out[node_path(item, path)] = {"relevant": st.relevant, "value": st.value, "status": qs.status,
                                          "type": item.type}
    return out


def normal(value: Any) -> str:
    """A value as both engines print it: booleans 1/0, numbers without a trailing .0, lists space-separated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if len(text) == 24 and text.endswith("T00:00:00.000Z"):
        return text[:10]   # a date a calculation holds: JavaRosa writes it as that day's midnight
    try:
        number = float(text)
    except ValueError:
        return text
    if text.strip().lower() in ("nan", "inf", "-inf", "infinity", "-infinity"):
        return text
    return normal(number)


def odk_status(row: dict) -> str:
    if not row["relevant"]:
        return "hidden"
    if row["value"] == "":
        return "required" if row["required"] else "empty"
    if row["constraint"] is False:
        return "error"
    return "ok"


def our_status(row: dict) -> str:
    if not row["relevant"]:
        return "hidden"
    return {"ok": "ok", "empty": "empty", "required": "required", "error": "error", "warning": "ok"}[row["status"]]


def compare(ours: dict[str, dict], odk: dict[str, dict]) -> list[str]:
    """The differences, one line per question: status, then value (compared only where relevant)."""
    diffs = []
    for path, mine in ours.items():
        theirs = odk.get(path)
        if theirs is None or theirs.get("container"):
            continue  # (a question ODK has not: or_other's text question, a meta value)
        a, b = our_status(mine), odk_status(theirs)
        if mine["type"] == "note":   # a note has no value: shown or not is all there is
            a, b = ("hidden" if a == "hidden" else "shown"), ("hidden" if b == "hidden" else "shown")
        if a != b:
            diffs.append(f"{path}: status {a} here, {b} in ODK (value {normal(mine['value'])!r} / {theirs['value']!r})")
            continue
        if a == "hidden" or mine["type"] == "note":
            continue
        x, y = normal(mine["value"]), normal(theirs["value"])
        if x != y and not _same_number(x, y):
            diffs.append(f"{path}: value {x!r} here, {y!r} in ODK")
    return diffs


def _same_number(x: str, y: str) -> bool:
    try:
        a, b = float(x), float(y)
    except ValueError:
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# --- random answers ---------------------------------------------------------------------------------------------

def random_case(form: Form, rnd: random.Random, today: date) -> Case:
    """Answers an enumerator could give, in form order: a select's answer is one of the choices offered at that
    moment (its choice_filter applied to the answers before it); about one answer in seven is left empty."""
    repeats = {r.name: rnd.randint(1, 3) for r in form.repeats() if r.repeat_count is None}
    # an answer a repeat count reads is kept small: JavaRosa makes every instance it asks for (10⁶ would stall it)
    counts = {name for r in form.repeats() if r.repeat_count is not None for name in references(r.repeat_count)}
    session = FormSession(form, {}, today=today)
    _make_instances(form, session, repeats)
    answers: list[tuple[str, Item, Any, Any]] = []
    for item in form.items:
        if item.kind != "question" or not item.is_input or item.calculation is not None:
            continue
        for path in session._instances_of(item):
            if rnd.random() < 0.15:
                continue  # left empty
            member = path or None
            value = rnd.randint(0, 4) if item.name in counts and item.type == "integer" else \
                _random_value(item, session, member, rnd, today)
            if value is None:
                continue
            answers.append((node_path(item, path), item, value, member))
            session.set_answer(item.name, value, member)
    return Case(repeats, answers)


def _random_value(item: Item, session: FormSession, idx: int | None, rnd: random.Random, today: date) -> Any:
    if item.type == "integer":
        return rnd.choice([rnd.randint(-3, 130), 0, 1, 18, 120, rnd.randint(1000, 10**6)])
    if item.type == "decimal":
        return rnd.choice([round(rnd.uniform(-10, 200), 2), 0.5, 1.0, 0.0])
    if item.type == "date":
        return (today - timedelta(days=rnd.randint(-400, 40000))).isoformat()
    if item.type in ("select_one", "select_multiple"):
        names = [name for name, _ in session.options(item.name, idx)] if item.list_name else []
        if not names:
            return None
        if item.type == "select_one":
            return rnd.choice(names)
        return sorted(set(rnd.sample(names, rnd.randint(1, min(3, len(names))))), key=names.index)
    if item.type in ("text", "barcode"):
        return rnd.choice(["a", "abc", "0912345678", "Nguyễn Văn A", "12", "x y", "yes", "no"])
    if item.type in ("image", "audio", "video", "file"):
        return rnd.choice(["photo.jpg", "clip.mp4", "note.m4a", "paper.pdf"])
    if item.type == "time":
        return f"{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00"
    if item.type == "datetime":
        day = today - timedelta(days=rnd.randint(-30, 3000))
        return f"{day.isoformat()}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00"
    if item.type == "geopoint":
        return f"{rnd.uniform(8, 23):.5f} {rnd.uniform(102, 110):.5f}"
    if item.type == "acknowledge":
        return "OK"
    if item.type == "range" and item.range is not None:
        start, end, step = item.range   # (a reversed range runs from start down to end)
        stride = abs(step) if end >= start else -abs(step)
        value = start + stride * rnd.randint(0, int(abs(end - start) // abs(step)))
        return int(value) if float(value).is_integer() else value
    if item.type == "rank" and item.list_name:
        names = [c.name for c in session.choice_list(item.list_name)]
        rnd.shuffle(names)
        return names
    return None


# --- recorded answers: JavaRosa's states kept beside our own forms, so the comparison runs without a JDK ----------

def folder_workbook(folder: Path, out: Path) -> Path:
    """A form folder (survey.csv, choices.csv, settings.csv) as the workbook pyxform reads: each CSV a sheet, the
    cells as written; the form's other files (a select_one_from_file's, a csv-external's) copied beside it."""
    import csv
    import shutil

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in ("survey", "choices", "settings", "external_choices"):
        path = folder / f"{sheet}.csv"
        if path.is_file():
            ws = wb.create_sheet(sheet)
            with path.open(encoding="utf-8-sig", newline="") as f:
                for row in csv.reader(f):
                    ws.append([cell if cell != "" else None for cell in row])
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    for path in folder.iterdir():
        if path.is_file() and path.stem not in ("survey", "choices", "settings", "external_choices") \
                and path.suffix in (".csv", ".xml", ".geojson"):
            shutil.copyfile(path, out.parent / path.name)
    return out


def case_to_json(case: Case) -> dict:
    """A case as the recording keeps it: answers by question name, the instance as a list of numbers."""
    return {"repeats": case.repeats, "reopen": case.reopen,
            "answers": [[p, q.name, v, list(m) if isinstance(m, tuple) else m] for p, q, v, m in case.answers]}


def case_from_json(form: Form, data: dict) -> Case:
    return Case(dict(data["repeats"]), [(p, form.by_name[name], v, tuple(m) if isinstance(m, list) else m)
                                        for p, name, v, m in data["answers"]], bool(data.get("reopen")))


def odk_kept(states: dict[str, dict]) -> dict[str, list]:
    """What the recording keeps of JavaRosa's state of each node: [relevant, value, required, constraint]."""
    if "error" in states:
        return {"error": states["error"]}
    return {path: [row["relevant"], row["value"], row["required"], row["constraint"]]
            for path, row in states.items() if not row.get("container")}


def odk_from_kept(kept: dict[str, list]) -> dict[str, dict]:
    if "error" in kept:
        return {"error": kept["error"]}
    return {path: {"path": path, "relevant": r, "value": v, "required": q, "constraint": c}
            for path, (r, v, q, c) in kept.items()}
