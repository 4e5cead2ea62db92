"""Attacks through the real bundle import (a signed, encrypted hand-in made by a trusted enumerator's key, imported by
`services.sync.import_one` into a supervisor's workspace file): answers outside their type, choice list or plausible
range, a form version or review year the workspace does not have, a roster of 100,000 members. Each refuses the
bundle naming the entry and the field, in Vietnamese and English, and leaves the file as it was (its dump compared
before and after, `integrity_check` clean); a soft range (a household of 40) is imported and held for the supervisor.
The check runs where the records are checked — in this process or in a worker (fieldsurvey.parallel)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from fieldsurvey import parallel
from fieldsurvey.domain import document as document_module
from fieldsurvey.errors import BundleError
from fieldsurvey.services import sync as sync_svc
from fieldsurvey.services import values
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync import records
from fieldsurvey.sync.container import Limits
from fieldsurvey.sync.keys import Identity
from tests.builders import adult
from tests.sync import forge
from tests.values.conftest import doc, dump, run
from tests.values.test_refusals import BELONGS, CONTROLS, IMPLAUSIBLE


def integrity(path: Path) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        return c.execute("PRAGMA integrity_check").fetchall()


def record_of(d: dict, status: str = "submitted") -> dict:
    """A bundle's record carrying the document `d` (its own uuid and revision)."""
    rec = forge.record(uuid=d["uuid"], status=status)
    rec["document"] = d
    return rec


def import_of(path: Path, me: Identity, lan: Identity, tmp_path: Path, recs: list[dict], sequence: int = 1,
              **kw) -> sync_svc.ImportReport:
    bundle = tmp_path / f"{sequence}.fsbundle"
    bundle.write_bytes(forge.bundle(lan, recs, me.public, sequence=sequence))
    with Workspace.open(path) as ws:
        ws.backups = False
        return sync_svc.import_one(ws, me, bundle, **kw)


def refused_import(supervisor, tmp_path: Path, bad: dict, status: str = "submitted") -> tuple[str, str, dict]:
    """A hand-in of a good household and this one: refused as a whole, the file exactly as it was."""
    path, me, lan = supervisor
    rec = record_of(bad, status)
    before = dump(path)
    report = import_of(path, me, lan, tmp_path, [record_of(doc()), rec])
    assert report.status == "refused", report.message
    assert dump(path) == before
    assert integrity(path) == [("ok",)]
    return report.text("vi"), report.text("en"), rec


@pytest.mark.parametrize("breaks, field, en_words, vi_words", IMPLAUSIBLE, ids=[c[1] for c in IMPLAUSIBLE])
def test_a_hand_in_with_an_answer_outside_its_type_choices_or_range_is_refused_naming_the_field(
        supervisor, tmp_path, breaks, field, en_words, vi_words):
    d = doc()
    breaks(d)
    vi, en, rec = refused_import(supervisor, tmp_path, d)
    assert en.startswith(f"1.fsbundle: households/{rec['uuid']}.json: household document: {field}: "), en
    assert en_words in en, en
    assert f"households/{rec['uuid']}.json: Phiếu của hộ: {field}: " in vi and vi_words in vi, vi


@pytest.mark.parametrize("breaks, en_words, vi_words", BELONGS, ids=["version", "form", "year", "kind", "commune"])
def test_a_hand_in_with_a_form_version_or_review_year_the_workspace_does_not_have_is_refused(
        supervisor, tmp_path, breaks, en_words, vi_words):
    d = doc()
    breaks(d)
    vi, en, rec = refused_import(supervisor, tmp_path, d)
    assert f"households/{rec['uuid']}.json" in en
    if en_words.startswith("Commune code"):
        # the record check names another commune's household first (sync/records.py), in its own words
        assert "00001" in en and "00001" in vi
        return
    assert en_words in en, en
    assert vi_words in vi, vi


@pytest.mark.parametrize("breaks, field, char", CONTROLS[:4], ids=[c[1] + " " + c[2] for c in CONTROLS[:4]])
def test_a_hand_in_with_a_control_character_is_refused_naming_the_field(supervisor, tmp_path, breaks, field, char):
    d = doc()
    breaks(d)
    vi, en, _ = refused_import(supervisor, tmp_path, d)
    assert field in en and char in en and char in vi


def test_a_draft_outside_a_hard_range_is_imported_and_held_a_finished_one_refused(supervisor, tmp_path):
    path, me, lan = supervisor
    d = doc()
    d["members"][1]["birth_year"] = 1500
    d["members"][1].pop("birth_date", None)
    refused_import(supervisor, tmp_path, d, "submitted")
    report = import_of(path, me, lan, tmp_path, [record_of(d, "draft")], sequence=2)
    assert report.status == "imported" and report.new == [d["uuid"]]
    assert [(f["field"], f["held"]) for e in report.held for f in e["held"]] == [("members[m2].birth_year", False)]
    with Workspace.open(path, read_only=True) as ws:
        (h,) = values.held_households(ws)
    assert h.uuid == d["uuid"] and [f.field for f in h.findings] == ["members[m2].birth_year"]


@pytest.mark.parametrize("n, status, words", [
    (101, "draft", "Members: 101 members: a household has at most 100; the document is refused"),
    (0, "submitted", "Members: a household handed in as complete has no member (it needs at least 1)")])
def test_a_hand_in_with_a_household_too_large_or_finished_without_members_is_refused(supervisor, tmp_path, n, status,
                                                                                    words):
    d = doc(members=[adult(30, member_id=f"m{i}", relationship="head" if i == 1 else "child")
                     for i in range(1, n + 1)])
    vi, en, rec = refused_import(supervisor, tmp_path, d, status)
    assert en.endswith(f"households/{rec['uuid']}.json: household document: {words}"), en
    assert "Thành viên của hộ: " in vi


def test_a_household_of_40_is_imported_and_held_for_the_supervisor_never_refused(supervisor, tmp_path):
    path, me, lan = supervisor
    forty = doc(members=[adult(30, member_id=f"m{i}", name=f"Người {i}",
                               relationship="head" if i == 1 else "child") for i in range(1, 41)])
    plain = doc()
    report = import_of(path, me, lan, tmp_path, [record_of(plain), record_of(forty)])
    assert report.status == "imported", report.message
    assert sorted(report.new) == sorted([plain["uuid"], forty["uuid"]])
    assert report.held == [{"uuid": forty["uuid"], "held": [
        {"field": "members", "key": "values.held.members", "values": {"n": 40, "max": 100, "soft_max": 15},
         "held": True}]}]
    en, vi = sync_svc.describe(report, "en"), sync_svc.describe(report, "vi")
    assert f"household {forty['uuid']}: held for the supervisor to check — Members: 40 members, more than 15 — " \
           "unusual: check it" in en
    assert f"Hộ {forty['uuid']}: chờ cán bộ giám sát kiểm tra — Thành viên của hộ: 40 thành viên, nhiều hơn 15" \
           in "\n".join(vi)
    assert report.to_dict()["held"] == report.held   # --json prints it
    listed = run("households", "held", path, "--lang", "en")
    assert listed.exit_code == 0 and forty["uuid"] in listed.output and plain["uuid"] not in listed.output
    assert "40 members, more than 15" in listed.output
    with Workspace.open(path, read_only=True) as ws:
        assert ws.household_state(forty["uuid"]).status == "submitted"
    assert integrity(path) == [("ok",)]


def test_a_household_of_100000_members_in_a_hand_in_is_refused_before_its_members_are_read(supervisor, tmp_path,
                                                                                         monkeypatch):
    """The container's limits let it through (a roster of bare members is small); the record check refuses it by
    its length, before a single member is walked."""
    path, me, lan = supervisor
    d = doc()
    d["members"] = [{"member_id": f"m{i}"} for i in range(100_000)]
    walked = []
    real = document_module._answers
    monkeypatch.setattr(document_module, "_answers", lambda raw, where, *a: (walked.append(where),
                                                                            real(raw, where, *a))[1])
    before = dump(path)
    report = import_of(path, me, lan, tmp_path, [record_of(d)],
                       limits=Limits(max_entry=8 * 1024 * 1024, max_ratio=100_000))
    assert report.status == "refused"
    assert report.text("en") == (f"1.fsbundle: households/{d['uuid']}.json: household document: Members: 100,000 "
                                 "members: a household has at most 100; the document is refused")
    assert "100.000 thành viên" in report.text("vi")
    assert walked == ["household"]   # the household's answers, and no member
    assert dump(path) == before and integrity(path) == [("ok",)]


class WhereChecked:
    """The import's check (values.RecordCheck) that also says which process ran it — slow in the test's own
    process, so that a spawned worker surely takes chunks too."""

    def __init__(self, check: values.RecordCheck, parent: int):
        self.check, self.parent = check, parent

    def __call__(self, document: dict, status: str, parsed) -> tuple:
        if os.getpid() == self.parent:
            time.sleep(0.3)
        return (*self.check(document, status, parsed), os.getpid())


def test_the_check_runs_in_the_workers_that_check_the_records_and_its_findings_come_back(supervisor, tmp_path,
                                                                                          monkeypatch):
    """As the desktop app checks a large bundle (spawned workers, a chunk each): every record is checked against
    the workspace where its chunk is checked, what it holds comes back with the record, and a refusal is the same
    as in one process."""
    from fieldsurvey.sync.container import open_bundle
    from tests.sync.test_parallel_check import PREPARE

    path, me, lan = supervisor
    monkeypatch.setattr(parallel, "start_method", lambda: "spawn")
    monkeypatch.setattr(parallel, "free_cores", lambda: 2)
    monkeypatch.setattr(records, "CHUNK", 2)
    with Workspace.open(path, read_only=True) as ws:
        info = ws.info
    docs = [doc(members=[adult(30, member_id=f"m{i}", relationship="head" if i == 1 else "child")
                         for i in range(1, 17)]) for _ in range(16)]   # 16 members each: held
    data = forge.bundle(lan, [record_of(x) for x in docs], me.public)
    opened = open_bundle(data, "b.fsbundle", {lan.public.fingerprint: lan.public}.get, me)
    check = WhereChecked(values.RecordCheck(info), os.getpid())
    got = records.read_contents(opened, prepare=PREPARE, parallel=True, check=check)
    assert [r.held[0].key for r in got.households] == ["values.held.members"] * 16
    assert {r.held[-1] for r in got.households} - {os.getpid()}, "no record was checked by a worker"

    docs[11]["household"]["water_source"] = "lava"
    bad = forge.bundle(lan, [record_of(x) for x in docs], me.public)
    refusals = []
    for workers in (True, False):
        with pytest.raises(BundleError) as refused:
            records.read_contents(open_bundle(bad, "b.fsbundle", {lan.public.fingerprint: lan.public}.get, me),
                                  prepare=PREPARE, parallel=workers, check=values.RecordCheck(info))
        refusals.append(str(refused.value))
    assert refusals[0] == refusals[1]
    assert f"households/{docs[11]['uuid']}.json: household document: household.water_source: “lava”" in refusals[0]
