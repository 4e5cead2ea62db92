"""Attacks on what a workspace takes in: control characters, answers outside their type, choice list or plausible
range, a form version or a review year the workspace does not have, a roster of 100,000 members — through
`fieldsurvey households add` (click's CliRunner on a real workspace file), the questionnaire's save and a signed,
encrypted hand-in. Each is refused with the field named, in Vietnamese and in English, and nothing is stored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fieldsurvey.domain.plausible import check_answer
from fieldsurvey.errors import DocumentError
from fieldsurvey.services import forms
from fieldsurvey.services import sync as sync_svc
from fieldsurvey.services import values
from fieldsurvey.storage.workspace import Workspace
from tests.builders import adult
from tests.sync import forge
from tests.values.conftest import INFO, doc, dump, households, run, write


def refused(workspace: Path, tmp_path: Path, document: dict, lang: str = "en") -> str:
    """`households add` of a good document and this one: refused (exit 1), nothing of either stored."""
    before = households(workspace)
    good = write(tmp_path, "good.json", doc())
    bad = write(tmp_path, "bad.json", document)
    result = run("households", "add", workspace, good, bad, "--lang", lang)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert households(workspace) == before
    return result.output


def both(workspace: Path, tmp_path: Path, document: dict) -> tuple[str, str]:
    return refused(workspace, tmp_path, document, "vi"), refused(workspace, tmp_path, document, "en")


def member(d: dict, i: int, **answers) -> dict:
    d["members"][i].update(answers)
    return d


# --- control characters -----------------------------------------------------------------------------------------

CONTROLS = [
    # (how the document is broken, the field named, the character named)
    (lambda d: member(d, 0, name="Lò Văn\x01Pả"), "members[m1].name", "U+0001"),
    (lambda d: member(d, 1, ethnicity="Tày\x1b[31m"), "members[m2].ethnicity", "U+001B"),
    (lambda d: member(d, 0, id_number="008012345678\x00"), "members[m1].id_number", "U+0000"),
    (lambda d: d["household"].update(address="Thôn 1\x85"), "household.address", "U+0085"),   # C1 (NEL)
    (lambda d: d["household"].update(notes="ghi chú\x7f"), "household.notes", "U+007F"),       # DEL
    (lambda d: d["household"].update(notes="a\rb"), "household.notes", "U+000D"),      # a CR alone, even in a note
    (lambda d: d["household"].update(poverty_causes=["illness", "x\x08"]), "household.poverty_causes", "U+0008"),
    (lambda d: d["location"].update(village="Thôn\x0c1"), "Village", "U+000C"),   # location.village, in words
    (lambda d: d["household"].update(notes="\ud800"), "household.notes", "U+D800"),   # a lone surrogate
    (lambda d: member(d, 0, name="Lò Văn\nPả"), "members[m1].name", "U+000A"),        # no line break in a name
    (lambda d: member(d, 0, name="Lò\tVăn"), "members[m1].name", "U+0009"),
    (lambda d: d["household"].update(address="Thôn 1\r\nXã Lâm Bình"), "household.address", "U+000D"),
]


@pytest.mark.parametrize("breaks, field, char", CONTROLS, ids=[c[1] + " " + c[2] for c in CONTROLS])
def test_a_control_character_is_refused_by_households_add_with_the_field_named(workspace, tmp_path, breaks, field,
                                                                               char):
    d = doc()
    breaks(d)
    vi, en = both(workspace, tmp_path, d)
    assert f"bad.json: is not a household document FieldSurvey can store: {field}: " in en
    assert char in en and char in vi
    assert f"bad.json: Không phải phiếu hộ mà FieldSurvey lưu được: " in vi
    assert ("Có ký tự điều khiển" in vi and "holds a control character" in en) or \
        ("Chỉ được ghi trên một dòng" in vi and "is one line of text" in en)


def test_a_note_may_run_over_several_lines_and_is_stored_as_written(workspace, tmp_path):
    d = doc()
    d["household"]["notes"] = "Nhà dột\nCần hỗ trợ\r\n\tsửa mái"
    assert run("households", "add", workspace, write(tmp_path, "n.json", d)).exit_code == 0
    with Workspace.open(workspace, read_only=True) as ws:
        assert ws.get_household(d["uuid"])["household"]["notes"] == "Nhà dột\nCần hỗ trợ\r\n\tsửa mái"


def test_the_questionnaire_save_refuses_a_control_character_entered_and_keeps_an_older_one(workspace, tmp_path):
    d = doc()
    assert run("households", "add", workspace, write(tmp_path, "a.json", d)).exit_code == 0
    with Workspace.open(workspace) as ws:
        ws.backups = False
        before = ws.get_household(d["uuid"])
        with pytest.raises(DocumentError) as bad:
            ws.save_answer(d["uuid"], "name", "Hà Thị\x07Mỹ", member="m2")
        assert str(bad.value).startswith("members[m2].name: holds a control character (U+0007")
        assert bad.value.text("vi").startswith("members[m2].name: Có ký tự điều khiển (U+0007")
        session, _, owner = forms.open_form(ws, d["uuid"])
        with pytest.raises(DocumentError, match=r"household\.notes: holds a control character \(U\+0000"):
            session.set_answer("notes", "ổn\x00")   # refused as it is given (tests/values/test_entry.py)
        assert "notes" not in session.to_document()["household"]
        with pytest.raises(DocumentError, match=r"household\.notes: holds a control character \(U\+0000"):
            ws.save_form({**before, "household": {**before["household"], "notes": "ổn\x00"}}, True)   # and saved
        assert ws.get_household(d["uuid"]) == before
        # an older FieldSurvey stored a control character: the household can still be worked on, the value kept
        ws.db.execute("UPDATE households SET document = ? WHERE uuid = ?",
                      [json.dumps({**before, "household": {**before["household"], "address": "Thôn\x01 1"}},
                                  ensure_ascii=False), d["uuid"]])
        ws.save_answer(d["uuid"], "floor_area", 12)
        after = ws.get_household(d["uuid"])
        assert after["household"]["floor_area"] == 12 and after["household"]["address"] == "Thôn\x01 1"


def test_check_answer_is_the_questionnaires_check_of_one_answer():
    check_answer("Lò Văn Pả", "members[m1].name")
    check_answer("dòng 1\ndòng 2", "household.notes", multiline=True)
    check_answer(["tv", "radio"], "household.info_devices")
    check_answer(12.5, "household.floor_area")
    with pytest.raises(DocumentError) as line:
        check_answer("dòng 1\ndòng 2", "household.address")
    assert line.value.text("vi") == ("household.address: Chỉ được ghi trên một dòng: không được có dấu xuống dòng "
                                     "hoặc dấu tab (U+000A)")
    with pytest.raises(DocumentError, match=r"^household\.notes: holds a control character \(U\+001F"):
        check_answer("a\x1fb", "household.notes", multiline=True)


# --- answers outside their type, choice list or plausible range --------------------------------------------------

def _born_in(year: int):
    def breaks(d: dict) -> None:
        d["members"][1].pop("birth_date", None)
        d["members"][1]["birth_year"] = year
    return breaks


IMPLAUSIBLE = [
    # (how, the field, English words, Vietnamese words)
    (lambda d: member(d, 1, birth_date="2031-09-01"), "members[m2].birth_date",   # age −5 at the interview
     "born 2031-09-01, after the interview date 2026-10-01", "Ngày sinh 2031-09-01 sau ngày phỏng vấn 2026-10-01"),
    (_born_in(1500), "members[m2].birth_year", "526 years old on 2026-10-01: older than 120",
     "526 tuổi vào ngày 2026-10-01: quá 120 tuổi"),
    (lambda d: member(d, 1, birth_date="1905-09-30"), "members[m2].birth_date", "121 years old on 2026-10-01",
     "121 tuổi"),
    (lambda d: d["household"].update(water_source="lava"), "household.water_source",
     "“lava” is not one of this question's choices: piped, drilled_well",
     "“lava” không phải là một lựa chọn của câu hỏi này"),
    (lambda d: d["household"].update(info_devices=["tv", "telepathy"]), "household.info_devices",
     "“telepathy” is not one of this question's choices", "“telepathy” không phải là một lựa chọn"),
    (lambda d: member(d, 0, sex="x"), "members[m1].sex", "“x” is not one of this question's choices: male, female",
     "các lựa chọn là: male, female"),
    (lambda d: d["household"].update(floor_area="lots"), "household.floor_area",
     "“lots” is not a number (the form asks for a number here)", "“lots” không phải là một số"),
    (lambda d: d["household"].update(income_wages=12.5), "household.income_wages", "“12.5” is not a whole number",
     "“12.5” không phải là một số nguyên"),
    (lambda d: member(d, 0, birth_date="1981-02-30"), "members[m1].birth_date",
     "“1981-02-30” is not a date written YYYY-MM-DD", "không phải là một ngày viết theo dạng NNNN-TT-NN"),
    (lambda d: d["household"].update(floor_area=-3), "household.floor_area",
     "-3 is below the lowest plausible value, 0", "-3 thấp hơn giá trị hợp lý nhỏ nhất là 0"),
    (lambda d: d["household"].update(floor_area=12_000), "household.floor_area",
     "12000 is above the highest plausible value, 10000", "12000 cao hơn giá trị hợp lý lớn nhất là 10000"),
    (lambda d: d["household"].update(income_wages=-1), "household.income_wages",
     "-1 is below the lowest plausible value, 0", "-1 thấp hơn giá trị hợp lý nhỏ nhất là 0"),
    (lambda d: d["household"].update(income_route="b1_manual", b1_score_manual=5000), "household.b1_score_manual",
     "5000 is above the highest plausible value, 1000", "5000 cao hơn giá trị hợp lý lớn nhất là 1000"),
]


@pytest.mark.parametrize("breaks, field, en_words, vi_words", IMPLAUSIBLE, ids=[c[1] for c in IMPLAUSIBLE])
def test_an_implausible_answer_is_refused_with_the_field_named(workspace, tmp_path, breaks, field, en_words,
                                                               vi_words):
    d = doc()
    breaks(d)
    vi, en = both(workspace, tmp_path, d)
    assert f"bad.json: is not a household document FieldSurvey can store: {field}: " in en
    assert en_words in en, en
    assert f"bad.json: Không phải phiếu hộ mà FieldSurvey lưu được: {field}: " in vi
    assert vi_words in vi, vi


BELONGS = [
    (lambda d: d.update(form={"id": "vn-review-2022", "version": "2099.1"}),
     "Form version: version 2099.1 of the form “vn-review-2022” is not installed in this FieldSurvey "
     "(installed: 2025.1, 2026.1, 2026.2)",
     "Phiên bản phiếu: Phiên bản 2099.1 của phiếu “vn-review-2022” chưa được cài trong FieldSurvey này"),
    (lambda d: d.update(form={"id": "phieu-tinh-x", "version": "1"}),
     "Form: the form “phieu-tinh-x” is not installed in this FieldSurvey",
     "Phiếu: Phiếu “phieu-tinh-x” chưa được cài trong FieldSurvey này"),
    (lambda d: d.update(review={"year": 2029, "kind": "annual"}),
     "Review year: a household of the 2029 review: this workspace holds the 2026 review",
     "Năm rà soát: Hộ thuộc đợt rà soát năm 2029, nhưng tệp rà soát này là của năm 2026"),
    (lambda d: d.update(review={"year": 2026, "kind": "monthly"}),
     "Review kind: a household of a 'monthly' review: this workspace's review is 'annual'",
     "Loại rà soát: Hộ thuộc loại rà soát 'monthly', nhưng tệp rà soát này là loại 'annual'"),
    (lambda d: d["location"].update(commune_code="00001"),
     "Commune code: a household of commune 00001: this workspace is Xã Lâm Bình (02266)",
     "Mã xã/phường: Hộ thuộc xã/phường mã 00001, nhưng tệp rà soát này là của Xã Lâm Bình (mã 02266)"),
]


@pytest.mark.parametrize("breaks, en_words, vi_words", BELONGS, ids=["version", "form", "year", "kind", "commune"])
def test_a_form_version_review_year_or_commune_the_workspace_does_not_have_is_refused(workspace, tmp_path, breaks,
                                                                                      en_words, vi_words):
    d = doc()
    breaks(d)
    vi, en = both(workspace, tmp_path, d)
    assert en_words in en, en
    assert vi_words in vi, vi


def test_the_former_built_in_form_and_no_form_at_all_open_with_the_current_form(workspace, tmp_path):
    a, b = doc(), doc()
    a["form"] = {"id": "fieldsurvey-builtin", "version": "2026.1"}
    del b["form"]
    result = run("households", "add", workspace, write(tmp_path, "a.json", a), write(tmp_path, "b.json", b))
    assert result.exit_code == 0, result.output
    with Workspace.open(workspace, read_only=True) as ws:
        assert {ws.get_household(x["uuid"])["form"]["version"] for x in (a, b)} == {"2026.2"}   # the newest


# --- the household's size -------------------------------------------------------------------------------------------

def test_a_household_of_100000_members_is_refused_before_it_is_read_further(workspace, tmp_path):
    d = doc()
    d["members"] = [adult(30, member_id=f"m{i}", name=f"Người {i}") for i in range(100_000)]
    vi, en = both(workspace, tmp_path, d)
    assert "bad.json: is not a household document FieldSurvey can store: Members: 100,000 members: a household " \
           "has at most 100; the document is refused" in en
    assert "Thành viên của hộ: 100.000 thành viên: một hộ có nhiều nhất 100 thành viên" in vi


def test_the_questionnaires_save_refuses_a_roster_past_the_bound_and_stores_nothing(workspace):
    d = doc(members=[adult(30, member_id=f"m{i}", relationship="head" if i == 0 else "child") for i in range(101)])
    with Workspace.open(workspace) as ws:
        ws.backups = False
        for save in (lambda: ws.save_form(d, True), lambda: ws.save_household(d)):
            with pytest.raises(DocumentError, match=r"^members: 101 members: a household has at most 100"):
                save()
        assert ws.household_count() == 0
        ok = doc(members=d["members"][:100])
        ws.save_form(ok, True)     # 100 members: the bound itself
        assert ws.household_count() == 1


def test_a_roster_of_100000_saved_locally_is_refused_by_its_length_before_it_is_classified(workspace, monkeypatch):
    """Once a 100,000-member household took 52 s to save (classified, every member walked) and then made every later
    hand-in refused. Now the save refuses it by its length: nothing classified, nothing stored."""
    d = doc(members=[adult(30, member_id=f"m{i}", relationship="head" if i == 0 else "child")
                     for i in range(100_000)])
    with Workspace.open(workspace) as ws:
        ws.backups = False
        monkeypatch.setattr(Workspace, "classify", lambda *a, **k: pytest.fail("classified"))
        for save in (lambda: ws.save_form(d, True), lambda: ws.save_household(d)):
            with pytest.raises(DocumentError) as refused:
                save()
            assert refused.value.text("en") == ("Members: 100,000 members: a household has at most 100; the "
                                                "document is refused")
        assert ws.household_count() == 0


# --- the import: each household of a hand-in ---------------------------------------------------------------------

def test_a_hand_in_carrying_a_control_character_is_refused_naming_the_household_and_field(supervisor, tmp_path):
    path, me, lan = supervisor
    rec = forge.record()
    rec["document"]["members"][0]["name"] = "Lò Văn\x01Pả"
    bundle = tmp_path / "x.fsbundle"
    bundle.write_bytes(forge.bundle(lan, [forge.record(), rec], me.public))
    before = dump(path)
    with Workspace.open(path) as ws:
        ws.backups = False
        report = sync_svc.import_one(ws, me, bundle)
    assert report.status == "refused"
    assert report.text("en") == (f"x.fsbundle: households/{rec['uuid']}.json: household document: "
                                 "members[m1].name: holds a control character (U+0001), which text may not hold: "
                                 "remove it")
    assert "members[m1].name: Có ký tự điều khiển (U+0001)" in report.text("vi")
    assert dump(path) == before


def _record_doc(**over) -> dict:
    rec = forge.record()
    d = doc(**over)
    d["uuid"] = rec["uuid"]
    return d


def test_the_imports_check_of_a_record_refuses_a_finished_household_and_holds_a_drafts_value():
    """`values.check_record` — what the import calls for each household (wired in services/sync.py)."""
    info = INFO
    lava = _record_doc(water_source="lava")
    for status in ("draft", "submitted"):
        with pytest.raises(DocumentError, match=r"^household\.water_source: “lava” is not one of"):
            values.check_record(lava, info, status)
    old = _record_doc()
    old["members"][1]["birth_date"] = "1500-01-01"
    with pytest.raises(DocumentError) as finished:
        values.check_record(old, info, "submitted")
    assert finished.value.text("vi") == ("members[m2].birth_date: 526 tuổi vào ngày 2026-10-01: quá 120 tuổi — "
                                         "hãy kiểm tra lại ngày hoặc năm sinh")
    held = values.check_record(old, info, "draft")   # work in progress the app itself may have saved: held
    assert [(f.field, f.key, f.held) for f in held] == [("members[m2].birth_date", "values.error.too_old", False)]
    nobody = _record_doc(members=[])
    assert values.check_record(nobody, info, "draft") == ()
    with pytest.raises(DocumentError) as empty:
        values.check_record(nobody, info, "submitted")
    assert empty.value.text("en") == ("Members: a household handed in as complete has no member (it needs at "
                                      "least 1)")
    assert empty.value.text("vi") == ("Thành viên của hộ: Hộ được nộp là đã nhập đủ nhưng không có thành viên nào "
                                      "(cần ít nhất 1)")


def test_a_value_outside_a_hard_range_keeps_a_household_a_draft_in_the_questionnaire(workspace, tmp_path):
    """What the app saves, an import takes: a household whose answers lie outside a hard range is never complete
    (so it is never handed in as finished, which the import would refuse)."""
    d = doc()
    assert run("households", "add", workspace, write(tmp_path, "a.json", d)).exit_code == 0
    with Workspace.open(workspace) as ws:
        ws.backups = False
        session, _, owner = forms.open_form(ws, d["uuid"])
        assert session.is_complete()
        session.set_answer("floor_area", 50_000)   # the app's field takes up to 10⁹
        assert forms.save_form(ws, session, owner) == "draft"
        session.set_answer("floor_area", 50)
        assert forms.save_form(ws, session, owner) == "complete"


# --- a head revision is one household's only ---------------------------------------------------------------------

def test_a_new_household_carrying_another_households_revision_is_refused(supervisor, tmp_path):
    path, me, lan = supervisor
    a = forge.record()
    first = tmp_path / "1.fsbundle"
    first.write_bytes(forge.bundle(lan, [a], me.public, sequence=1))
    with Workspace.open(path) as ws:
        ws.backups = False
        assert sync_svc.import_one(ws, me, first).status == "imported"
    b = forge.record(rev=a["revision"])      # a new household whose head is a's revision
    c = forge.record(rev="r2-c", parent=a["revision"])   # … or whose ancestry is
    d1, d2 = forge.record(rev="same"), forge.record(rev="same")   # two households of one bundle, one revision
    cases = [([b], f"household {b['uuid']} carries revision {a['revision']}, which belongs to another household "
                   f"({a['uuid']}): a revision is one household's only"),
             ([c], f"household {c['uuid']} carries revision {a['revision']}, which belongs to another household"),
             ([d1, d2], f"revision same is carried by two households of this bundle")]
    for n, (records, words) in enumerate(cases, 2):
        bundle = tmp_path / f"{n}.fsbundle"
        bundle.write_bytes(forge.bundle(lan, records, me.public, sequence=n))
        before = dump(path)
        with Workspace.open(path) as ws:
            ws.backups = False
            report = sync_svc.import_one(ws, me, bundle)
        assert report.status == "refused" and words in report.text("en"), report.text("en")
        assert "mỗi phiên bản chỉ thuộc về một hộ" in report.text("vi")
        assert dump(path) == before
    from fieldsurvey.progress import run_to_end
    from fieldsurvey.services.workspaces import check

    assert all(f.ok for f in run_to_end(check(path)))


def test_the_file_itself_refuses_a_head_revision_of_another_household(workspace, tmp_path):
    a, b = doc(), doc()
    assert run("households", "add", workspace, write(tmp_path, "a.json", a), write(tmp_path, "b.json", b)
               ).exit_code == 0
    import sqlite3

    with sqlite3.connect(workspace) as c:
        head_a = c.execute("SELECT revision FROM households WHERE uuid = ?", [a["uuid"]]).fetchone()[0]
        with pytest.raises(sqlite3.IntegrityError, match="the head revision belongs to another household"):
            c.execute("UPDATE households SET revision = ? WHERE uuid = ?", [head_a, b["uuid"]])


# --- an earlier workspace ----------------------------------------------------------------------------------------

def test_an_earlier_workspaces_households_are_held_when_it_is_opened(tmp_path):
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "0003_list_index.fsdb"
    path = tmp_path / "old.fsdb"
    shutil.copy(fixture, path)
    import sqlite3

    with sqlite3.connect(path) as c:
        uuid, text = c.execute("SELECT uuid, document FROM households ORDER BY uuid LIMIT 1").fetchone()
        d = json.loads(text)
        d["household"]["floor_area"] = 2000
        c.execute("UPDATE households SET document = ? WHERE uuid = ?", [json.dumps(d, ensure_ascii=False), uuid])
    # closed cleanly by the FieldSurvey that stored the value: the document was changed here behind the app's back
    # (its sealed revision's hash and its stored class no longer match it), which the whole check made on opening a
    # workspace not closed cleanly would find and open read-only (tests/storage/test_open_checks.py)
    (tmp_path / ".old.fsdb.lock").write_bytes(b"closed\n")
    with Workspace.open(path) as ws:
        ws.backups = False
        held = values.held_households(ws)
    assert [(h.uuid, [(f.field, f.held) for f in h.findings]) for h in held] == \
        [(uuid, [("household.floor_area", True)])]


def test_an_older_households_control_character_never_stops_its_detail_from_showing(workspace, tmp_path):
    from fieldsurvey.services import households as svc

    d = doc()
    assert run("households", "add", workspace, write(tmp_path, "a.json", d)).exit_code == 0
    with Workspace.open(workspace) as ws:
        ws.backups = False
        d["members"][0]["name"] = "Lò Văn\x01Pả"
        ws.db.execute("UPDATE households SET document = ? WHERE uuid = ?", [json.dumps(d), d["uuid"]])
        shown = svc.detail(ws, d["uuid"])
    assert shown.classification.household_class == "poor"
    assert shown.document["members"][0]["name"] == "Lò Văn\x01Pả"
