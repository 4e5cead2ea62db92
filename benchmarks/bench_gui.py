"""The desktop app's speed, offscreen (QT_QPA_PLATFORM=offscreen is set here).

    python -m benchmarks.bench_gui [--households 100000]

1. Cold start: a fresh process, to the main window shown with the demo commune's household list filled in and the
   event loop idle (target < 1.5 s).
2. Open a household from the list into the questionnaire with its classification (target < 150 ms).
3. One answer → saved, re-validated and re-classified, panel updated, for a 15-member household (target < 30 ms).
4. A workspace of 100,000 households: the list opens (count + first page painted) in < 0.5 s, and scrolling to the
   end loads only the pages shown (the model pages; it never holds every row).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.harness import best_of, machine, report  # noqa: E402

COLD_START = r"""
import sys
from pathlib import Path
from fieldsurvey.gui.app import make_window
from PySide6.QtCore import QTimer
app, window = make_window("vi")
window.open_workspace(Path(sys.argv[1]))
window.grab()                                     # painted once, list and detail included
QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
app.exec()
"""


def cold_start(path: Path, settings: Path) -> float:
    env = dict(os.environ, FIELDSURVEY_SETTINGS=str(settings), QT_QPA_PLATFORM="offscreen")

    def run() -> None:
        out = subprocess.run([sys.executable, "-c", COLD_START, str(path)], env=env, capture_output=True, text=True,
                             check=True)
        assert "ready" in out.stdout, out.stderr

    return best_of(run, 5)


def big_household(ws, members: int = 15) -> str:
    """A stored household of `members` people (the synthetic generator's household with members copied in)."""
    import copy
    import uuid as uuidlib

    uuid = next(ws.iter_documents())[0]
    doc = ws.get_household(uuid)
    first = doc["members"]
    people = []
    for i in range(members):
        m = copy.deepcopy(first[i % len(first)])
        m["member_id"] = f"m{i + 1}"
        m["name"] = f"{m.get('name', 'Người')} {i + 1}"
        if i:
            m["relationship"] = "child" if m.get("relationship") == "head" else m.get("relationship")
        people.append(m)
    doc["members"] = people
    doc["uuid"] = str(uuidlib.uuid4())
    ws.save_household(doc, status="complete", owner="enumerator-1")
    return doc["uuid"]


def in_window(path: Path, settings: Path) -> None:
    os.environ["FIELDSURVEY_SETTINGS"] = str(settings)
    from PySide6.QtWidgets import QApplication

    from fieldsurvey.gui.app import make_window

    app, window = make_window("vi")
    window.resize(1366, 820)
    window.open_workspace(path)
    app.processEvents()
    uuids = [window.model.row(r).uuid for r in range(0, 40, 4)]
    big = big_household(window.workspace.ws)

    idle_until = time.perf_counter() + 0.6   # the app idles a moment after the list shows: the form is prepared
    while time.perf_counter() < idle_until:
        app.processEvents()
    start = time.perf_counter()
    window.open_household(uuids[-1])
    app.processEvents()
    report("first household opened (after the idle warm-up)", (time.perf_counter() - start) * 1000, "ms", 150)

    def open_each() -> None:
        for u in uuids:
            window.open_household(u)
            app.processEvents()

    per_open = best_of(open_each) / len(uuids) * 1000
    report("open a household (list → questionnaire + classification)", per_open, "ms", 150)
    per_big_open = best_of(lambda: (window.open_household(big), app.processEvents())) * 1000
    report("open the 15-member household", per_big_open, "ms", 150)

    window.open_household(big)
    app.processEvents()
    form = window.form
    values = iter(range(10**9))

    def answer() -> None:
        form.answer("income_wages", 10_000_000 + next(values), None)
        app.processEvents()

    per_answer = best_of(lambda: [answer() for _ in range(20)]) / 20 * 1000
    report("answer → validated + classified, panel redrawn (15 members)", per_answer, "ms", 30)

    def answer_and_save() -> None:
        answer()
        form.flush()

    per_saved = best_of(lambda: [answer_and_save() for _ in range(20)]) / 20 * 1000
    report("… and saved (one transaction: document, revision, audit)", per_saved, "ms", 30)
    assert form.session.value("income_wages") >= 10_000_000
    assert window.workspace.ws.get_household(big)["household"]["income_wages"] == form.session.value("income_wages")
    window.close()
    QApplication.processEvents()


def big_list(path: Path, settings: Path) -> None:
    os.environ["FIELDSURVEY_SETTINGS"] = str(settings)
    from PySide6.QtWidgets import QApplication

    from fieldsurvey.gui.app import make_window

    app, window = make_window("vi")
    window.resize(1366, 820)
    app.processEvents()

    def open_list() -> None:
        window.open_workspace(path)
        window.grab()                     # painted: the count, the first page, the detail of the first row

    from fieldsurvey.services.workspaces import check_job
    from fieldsurvey.progress import run_to_end

    start = time.perf_counter()
    run_to_end(check_job(path))   # what the app runs on a worker thread first (storage's quick_check, once)
    report("  storage's integrity check of that file (worker thread)", (time.perf_counter() - start) * 1000, "ms")
    start = time.perf_counter()
    open_list()
    report("open a list of 100,000 households, first time (painted)", (time.perf_counter() - start) * 1000, "ms",
           500)
    seconds = best_of(open_list)
    model = window.model
    report(f"open a list of {model.rowCount():,} households (painted)", seconds * 1000, "ms", 500)
    table = window.list_view.table
    bar = table.verticalScrollBar()
    model.pages_loaded = 0
    steps = 50
    start = time.perf_counter()
    for i in range(steps + 1):
        bar.setValue(bar.maximum() * i // steps)
        table.viewport().repaint()
    per_step = (time.perf_counter() - start) / (steps + 1) * 1000
    report(f"scroll top to bottom in {steps} jumps, per jump (paint)", per_step, "ms", 100)
    print(f"  pages fetched while scrolling: {model.pages_loaded} of {model.rowCount() // model.PAGE + 1}; "
          f"rows held at the end: {model.cached_rows():,} of {model.rowCount():,}")
    window.list_view.search.setText("nguyen van")
    start = time.perf_counter()
    window.list_view.apply_filter()
    window.grab()
    report("search 'nguyen van' (no diacritics) over all of them", (time.perf_counter() - start) * 1000, "ms")
    sort_col = model.COLUMNS.index("income")
    start = time.perf_counter()
    model.sort(sort_col)
    window.grab()
    report("sort by income", (time.perf_counter() - start) * 1000, "ms")
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--big", type=Path, help="An existing workspace of many households (else one is built).")
    args = parser.parse_args()
    from fieldsurvey.progress import run_to_end
    from fieldsurvey.services.workspaces import create_demo

    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        demo = tmp / "demo.fsdb"
        run_to_end(create_demo(demo, 800))
        report("cold start to a usable window (800 households)", cold_start(demo, tmp / "s1.ini") * 1000, "ms",
               1500)
        in_window(demo, tmp / "s2.ini")
        big = args.big
        if big is None:
            big = tmp / "big.fsdb"
            print(f"building a workspace of {args.households:,} households…", flush=True)
            run_to_end(create_demo(big, args.households))
        big_list(big, tmp / "s3.ini")


if __name__ == "__main__":
    main()
