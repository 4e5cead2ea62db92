"""`fieldsurvey households add` takes a household only in a village the supervisor lists — as the app's form offers
only those villages (services/values.py `check_listed_village`, called by services/households.py `add`). Through
the real CLI on a real workspace file: refused in the user's language, the village named and the listed ones shown,
nothing stored — not even the good documents given with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldsurvey.storage.workspace import Workspace
from tests.values.conftest import INFO, VILLAGES, doc, dump, run, write


def in_village(village) -> dict:
    d = doc()
    d["location"]["village"] = village
    return d


@pytest.mark.parametrize("lang, said", [
    ("en", "is not on the commune's list of villages (Thôn Nà Đình, Bản Khuổi Củng)"),
    ("vi", "không có trong danh sách thôn của xã (Thôn Nà Đình, Bản Khuổi Củng)"),
])
def test_a_village_the_supervisor_does_not_list_is_refused_naming_it_and_the_listed_ones(workspace, tmp_path, lang,
                                                                                         said):
    before = dump(workspace)
    good = write(tmp_path, "good.json", doc())
    bad = write(tmp_path, "bad.json", in_village("Thôn Nà Khà"))
    result = run("households", "add", workspace, good, bad, "--lang", lang)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "bad.json" in result.output and "«Thôn Nà Khà»" in result.output and said in result.output
    assert ("Village" if lang == "en" else "Thôn") + ": " in result.output   # where: the field, in words
    assert dump(workspace) == before   # all or none: the good one is not stored either


@pytest.mark.parametrize("village", [
    "thon na dinh",      # a listed village's name without its diacritics: the list's own spelling is wanted
    "Thôn Nà Đình ",     # with a space at the end
    "Thôn  Nà Đình",     # two spaces
    "Thôn",              # a part of a listed name
])
def test_a_name_near_a_listed_village_is_not_taken_for_it(workspace, tmp_path, village):
    before = dump(workspace)
    result = run("households", "add", workspace, write(tmp_path, "near.json", in_village(village)), "--lang", "en")
    assert result.exit_code == 1, result.output
    assert f"«{village}»" in result.output
    assert dump(workspace) == before


def test_each_listed_village_is_taken(workspace, tmp_path):
    files = [write(tmp_path, f"{i}.json", in_village(v)) for i, v in enumerate(VILLAGES)]
    assert run("households", "add", workspace, *files).exit_code == 0
    with Workspace.open(workspace, read_only=True) as ws:
        stored = sorted(r[0] for r in ws.db.execute("SELECT village FROM households"))
    assert stored == sorted(VILLAGES)


def test_a_household_with_no_village_yet_is_stored_as_a_draft(workspace, tmp_path):
    """No village given is not a wrong village: the form's required answer is missing, so it waits as a draft."""
    d = doc()
    del d["location"]["village"]
    result = run("households", "add", workspace, write(tmp_path, "n.json", d), "--json")
    assert result.exit_code == 0, result.output
    assert '"status": "draft"' in result.output


def test_a_workspace_with_no_village_yet_refuses_every_village_and_says_to_add_them(tmp_path):
    path = tmp_path / "empty.fsdb"
    ws = Workspace.create(path, INFO, [])
    ws.set_identity(device="dev-thu", user="thu")
    ws.close()
    before = dump(path)
    result = run("households", "add", path, write(tmp_path, "a.json", doc()), "--lang", "en")
    assert result.exit_code == 1, result.output
    assert "«Thôn Nà Đình»" in result.output and "has no village yet" in result.output
    assert "fieldsurvey villages add" in result.output
    assert dump(path) == before


def test_the_refusal_goes_once_the_supervisor_adds_the_village(workspace, tmp_path):
    bad = write(tmp_path, "b.json", in_village("Bản Mới"))
    assert run("households", "add", workspace, bad).exit_code == 1
    assert run("villages", "add", workspace, "Bản Mới").exit_code == 0
    assert run("households", "add", workspace, bad).exit_code == 0
