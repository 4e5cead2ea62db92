"""Shipped form versions: a version households were filled with never changes (forms/released.sha256), new
households get the newest version, and households stored under an older version still open with it and classify
the same. The 2026.2 and 2027.2 versions ask money amounts as decimals (ODK's integer is 32-bit: a yearly income of
3 billion đồng does not fit one); an `integer` answer beyond ODK's bound is refused, held apart like any invalid
answer (docs/forms.md, "Versions")."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from fieldsurvey.formengine.loader import find_form, form_versions, load_form, shipped_forms
from fieldsurvey.formengine.session import FormSession, fill
from fieldsurvey.paths import forms_dir
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import forms as services
from fieldsurvey.services.assessment import assess_document
from fieldsurvey.services.workspaces import create_demo
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from tests.formengine.books import write_xlsform
from tests.formengine.test_official_forms import TODAY, VILLAGES, answers

SCHEMAS = sorted((Path(__file__).parents[1] / "fixtures" / "schemas").glob("*.fsdb"))
MONEY = ("income_wages", "income_agriculture", "income_business", "income_other", "production_costs",
         "social_allowances")
INFO = WorkspaceInfo("08", "Tuyên Quang", "02266", "Xã Lâm Bình", "rural", 2026, "annual", "vn-2022-2025")


def changed_released_files(root: Path) -> list[str]:
    """The files of released form versions that differ from what forms/released.sha256 records, and the shipped
    form files it does not record (a version shipped but not marked released)."""
    recorded: dict[str, str] = {}
    for line in (root / "released.sha256").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            recorded[name.removeprefix("forms/")] = digest
    out = []
    for name, digest in recorded.items():
        path = root / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            out.append(f"changed: {name}")
    for folder in shipped_forms(root):
        for f in sorted(folder.iterdir()):
            if f.relative_to(root).as_posix() not in recorded:
                out.append(f"not recorded: {f.relative_to(root).as_posix()}")
    return out


def test_no_released_form_version_changed():
    """A household keeps the version it was filled with; that version's files must be what it was filled with.
    A change to a form is a new version folder (and its lines in forms/released.sha256)."""
    assert changed_released_files(forms_dir()) == []


def test_an_edit_in_place_is_caught(tmp_path):
    root = tmp_path / "forms"
    shutil.copytree(forms_dir(), root)
    survey = root / "vn-review-2022" / "2026.1" / "survey.csv"
    survey.write_text(survey.read_text(encoding="utf-8").replace(",yes,,,,,,,,,,,,\n", ",yes,,,,,,,,,,,quick,\n", 1),
                      encoding="utf-8")
    shutil.copytree(root / "vn-review-2027" / "2027.2", root / "vn-review-2027" / "2027.3")
    assert changed_released_files(root) == [
        "changed: vn-review-2022/2026.1/survey.csv", "not recorded: vn-review-2027/2027.3/choices.csv",
        "not recorded: vn-review-2027/2027.3/settings.csv", "not recorded: vn-review-2027/2027.3/survey.csv"]


def test_new_households_get_the_newest_version(tmp_path):
    assert form_versions()["vn-review-2022"][-1] == "2026.2" and form_versions()["vn-review-2027"][-1] == "2027.2"
    ws = Workspace.create(tmp_path / "c.fsdb", INFO, VILLAGES)
    try:
        session, _, _ = services.open_session(ws, village=VILLAGES[0])
        assert session.form.version == "2026.2"
        assert services.new_household_document(ws)["form"] == {"id": "vn-review-2022", "version": "2026.2"}
    finally:
        ws.close()
    assert services.current_form(2027).version == "2027.2"
    run_to_end(create_demo(tmp_path / "demo.fsdb", 12, seed=4, villages=2))   # the demo fills new households too
    with Workspace.open(tmp_path / "demo.fsdb", read_only=True) as demo:
        assert {json.loads(d)["form"]["version"] for _, d in demo.iter_documents()} == {"2026.2"}


@pytest.mark.parametrize("fixture", SCHEMAS, ids=[p.stem for p in SCHEMAS])
def test_households_stored_under_2026_1_open_with_it_and_classify_the_same(fixture, tmp_path):
    """Workspaces made by earlier code (tests/fixtures/schemas) hold households filled with 2026.1: each opens with
    2026.1 as it is now (restored to what they were filled with), and it tells them exactly what 2026.2 (the
    display edits made in place, plus decimal amounts) tells them — the same answers kept, the same completeness,
    errors and class: restoring the old files changed nothing a household holds."""
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    newer = find_form("vn-review-2022", "2026.2")
    seen = 0
    with Workspace.open(path) as ws:
        ws.backups = False
        for uuid, text in list(ws.iter_documents()):
            stored = json.loads(text)
            if stored.get("form", {}).get("version") != "2026.1":
                continue
            seen += 1
            session, _, _ = services.open_session(ws, uuid, lang="en")
            assert session.form.version == "2026.1"
            other = FormSession(newer, stored, lang="en", villages=ws.villages())
            mine, theirs = session.to_document(), other.to_document()
            assert mine["form"]["version"] == "2026.1" and theirs["form"]["version"] == "2026.2"
            assert {k: v for k, v in mine.items() if k != "form"} == {k: v for k, v in theirs.items() if k != "form"}
            assert (session.is_complete(), session.errors()) == (other.is_complete(), other.errors())
            standard = ws.info.standard_id
            assert assess_document(mine, standard_id=standard).household_class == \
                assess_document(stored, standard_id=standard).household_class
    assert seen >= 3, fixture.name


@pytest.mark.parametrize("form_id, old, new", [("vn-review-2022", "2026.1", "2026.2"),
                                               ("vn-review-2027", "2027.1", "2027.2")])
def test_the_new_version_carries_the_display_edits_and_asks_amounts_as_decimals(form_id, old, new):
    before, after = find_form(form_id, old), find_form(form_id, new)
    assert [after.by_name[m].type for m in MONEY] == ["decimal"] * 6
    assert [before.by_name[m].type for m in MONEY] == ["integer"] * 6
    assert "quick" in after.by_name["sex"].appearance and "quick" not in before.by_name["sex"].appearance
    assert "thousands-sep" in after.by_name["income_wages"].appearance
    assert after.by_name["enumerator"].default is not None and before.by_name["enumerator"].default is None
    assert [i.name for i in before.items if i.name != "_area_word"] == \
        [i.name for i in after.items if i.name != "_area_word"]


# --- 2³¹ and more ----------------------------------------------------------------------------------------------------

BIG = 3_000_000_000    # a yearly income of 3 billion đồng: more than ODK's integer holds (2,147,483,647)


@pytest.mark.parametrize("form_id", ["vn-review-2022", "vn-review-2027"])
def test_an_income_of_three_billion_fits_the_new_version_and_classifies(form_id):
    form = find_form(form_id)
    ans = answers(form_id, poor=False, form=form)
    ans["income_wages"] = BIG
    session = fill(form, ans, lang="en", today=TODAY, villages=VILLAGES)
    st = session.state("income_wages")
    assert st.status in ("ok", "warning") and st.value == BIG, st   # (the form's own check: above 3 billion?)
    session.set_answer("income_wages", "2147483648")   # as typed: 2³¹
    assert session.state("income_wages").status == "ok" and session.value("income_wages") == 2**31
    assert session.is_complete(), session.errors()
    doc = session.to_document()
    assert doc["household"]["income_wages"] == 2**31
    doc["review"] = {"year": 2027 if form_id == "vn-review-2027" else 2026, "kind": "annual"}
    result = assess_document(doc, standard_id="vn-2027-2030" if form_id == "vn-review-2027" else "vn-2022-2025")
    assert str(result.household_class) == "not_poor"


def test_on_the_old_version_an_amount_of_2_31_is_refused_saying_the_limit():
    form = find_form("vn-review-2022", "2026.1")
    session = fill(form, answers("vn-review-2022", poor=False, form=form), lang="vi", today=TODAY,
                   villages=VILLAGES)
    session.set_answer("income_wages", 2**31 - 1)
    assert session.state("income_wages").status == "ok"
    session.set_answer("income_wages", 2**31)
    st = session.state("income_wages")
    assert st.status == "error" and not session.is_complete()
    assert st.message == "Số nguyên ở đây chỉ được từ -2.147.483.648 đến 2.147.483.647 (giới hạn số nguyên của ODK)"
    session.set_language("en")
    assert session.state("income_wages").message == \
        "A whole number here is from -2,147,483,648 to 2,147,483,647 (the limit of ODK's whole numbers)"
    assert session.to_document()["household"]["income_wages"] == 2**31   # kept as given, flagged


@pytest.mark.parametrize("value, ok", [(2**31 - 1, True), (2**31, False), (-2**31, True), (-2**31 - 1, False),
                                       ("2147483647", True), ("2147483648", False), ("-2147483649", False),
                                       (10**30, False)])
def test_odk_integer_bound_at_its_edges(tmp_path, value, ok):
    """An integer answer beyond ODK's 32-bit int is refused and held apart: what reads it sees no value, as it
    sees none for text in a number question."""
    form = load_form(write_xlsform(tmp_path / "n.xlsx", [
        ["type", "name", "label", "calculation"], ["integer", "n", "N", None],
        ["calculate", "next", None, "${n} + 1"], ["calculate", "given", None, "${n} != ''"]]))
    session = fill(form, {"n": value}, lang="en")
    st = session.state("n")
    assert (st.status == "ok") is ok
    if ok:
        assert session.value("next") == int(value) + 1 and session.value("given") is True
    else:
        assert st.status == "error" and "2,147,483,647" in st.message
        assert session.value("next") is None and session.value("given") is False
        assert session.to_document()["household"]["n"] == int(value)
