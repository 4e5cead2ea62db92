"""Attacks on the roles, written as an enumerator who wants more than her hand-in may carry: review decisions in a
hand-in, forged history, a second key for a known user, bundles and backups in clear. Each is refused (the
workspace compared by a full SQL dump before and after, `integrity_check` clean) with a message in both languages
that names the bundle and what it carried."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.errors import BundleError
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import households as hh
from fieldsurvey.services import sync as svc
from fieldsurvey.services import workspaces
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync.container import canonical, seal
from fieldsurvey.sync.keys import Identity, key_file_for, public_key_text
from tests.builders import trust_checked
from tests.sync import forge


def state(path: Path) -> str:
    """The whole database as SQL text, hashed; and its integrity checked on the way."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return hashlib.sha256("\n".join(conn.iterdump()).encode("utf-8")).hexdigest()
    finally:
        conn.close()


def hand_in(site, records: list[dict], actions: list[dict] | None = None, sequence: int = 1, signer=None,
            encrypted: bool = True, **over) -> Path:
    """A hand-in written by hand, signed with lan's own key (as her laptop could), encrypted to the supervisor."""
    signer = signer or svc.identity_of(site.lan)
    entries = forge.entries_for(records)
    if actions is not None:
        entries["review.json"] = canonical({"actions": actions})
    counts = {"households": len(records), "actions": len(actions or [])}
    m = forge.manifest(entries, signer, sequence, counts=counts, **over)
    data = seal(forge.raw_zip([("manifest.json", canonical(m)), *entries.items()]), signer,
                svc.identity_of(site.sup).public if encrypted else None)
    out = site.stick / f"forged-{sequence}-{len(list(site.stick.iterdir()))}.fsbundle"
    out.write_bytes(data)
    return out


def import_one(path: Path, bundle: Path) -> svc.ImportReport:
    (report,) = run_to_end(svc.import_bundles(path, [bundle]))
    return report


def refused(site, bundle: Path, key: str) -> svc.ImportReport:
    before = state(site.sup)
    report = import_one(site.sup, bundle)
    assert report.status == "refused" and report.error["key"] == key, report.message
    assert state(site.sup) == before
    assert report.message.startswith(bundle.name)
    return report


# --- review decisions in a hand-in -----------------------------------------------------------------------------

def test_a_hand_in_approving_its_own_household_is_refused_whole(site):
    mine = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    assert site.row(site.sup, mine)["status"] == "submitted"
    bundle = hand_in(site, [], [{"uuid": mine, "action": "approve", "comment": "", "by": "thu",
                                 "at": "2026-11-21T08:00:00+00:00", "owner": None}], sequence=2)
    report = refused(site, bundle, "sync.error.handin_review")
    assert site.row(site.sup, mine)["status"] == "submitted"
    en, vi = report.text("en"), report.text("vi")
    assert bundle.name in en and "review.json" in en and "“approve”" in en and mine in en
    assert bundle.name in vi and "“duyệt”" in vi and "gói nộp" in vi
    # and on the command line, in the user's language
    out = CliRunner().invoke(main, ["import", str(site.sup), str(bundle), "--lang", "vi"])
    assert out.exit_code == 1 and "duyệt" in out.output and "Traceback" not in out.output


def test_a_hand_in_reassigning_a_colleagues_household_and_overwriting_it_is_refused(site):
    theirs = site.add(site.hoa, "hoa", "Hoàng Thị Dung")
    site.send(site.hoa, site.sup)
    before_doc = site.doc(site.sup, theirs)
    record = forge.record(theirs, rev="lan-take-over", name="Hoàng Thị Dung")
    record["document"]["household"]["floor_area"] = 1
    bundle = hand_in(site, [record], [{"uuid": theirs, "action": "reassign", "comment": "", "by": "thu",
                                       "at": "2026-11-21T08:00:00+00:00", "owner": "lan"}])
    report = refused(site, bundle, "sync.error.handin_review")
    assert "“reassign”" in report.text("en") and "“giao lại”" in report.text("vi")
    assert site.row(site.sup, theirs)["owner"] == "hoa" and site.doc(site.sup, theirs) == before_doc


def test_a_hand_in_returning_or_with_an_empty_review_list_is_refused_too(site):
    mine = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    refused(site, hand_in(site, [], [{"uuid": mine, "action": "return", "comment": "x", "by": "thu",
                                      "at": "2026-11-21T08:00:00+00:00", "owner": None}], sequence=2),
            "sync.error.handin_review")
    refused(site, hand_in(site, [], [], sequence=3), "sync.error.handin_review")


def test_a_correction_of_a_colleagues_household_in_a_hand_in_changes_nothing_of_it(site):
    theirs = site.add(site.hoa, "hoa", "Hoàng Thị Dung")
    site.send(site.hoa, site.sup)
    with Workspace.open(site.sup) as ws:
        ws.backups = False
        kept = (ws.get_household(theirs), list(ws.db.execute("SELECT * FROM revisions WHERE uuid = ?", [theirs])),
                list(ws.db.execute("SELECT * FROM audit WHERE uuid = ?", [theirs])))
    record = forge.record(theirs, rev="lan-fix")
    report = import_one(site.sup, hand_in(site, [record]))
    assert report.status == "imported" and [r["uuid"] for r in report.refused] == [theirs]
    assert "assigned to hoa" in report.reasons("en")[0][1]
    with Workspace.open(site.sup) as ws:
        ws.backups = False
        assert (ws.get_household(theirs), list(ws.db.execute("SELECT * FROM revisions WHERE uuid = ?", [theirs])),
                list(ws.db.execute("SELECT * FROM audit WHERE uuid = ?", [theirs]))) == kept


def test_a_hand_in_claiming_approved_waits_for_review_as_submitted(site):
    record = forge.record(status="approved")
    report = import_one(site.sup, hand_in(site, [record]))
    assert report.status == "imported" and report.new == [record["uuid"]]
    assert site.row(site.sup, record["uuid"])["status"] == "submitted"


def test_a_return_bundle_signed_by_an_enumerators_key_is_refused(site):
    """lan's workspace trusts hoa's key (as an enumerator's): hoa cannot send lan review decisions."""
    trust_checked(site.lan, site.root / "hoa.fskey")
    mine = site.add(site.lan, "lan", "Lò Văn Pả")
    hoa = svc.identity_of(site.hoa)
    entries = {"review.json": canonical({"actions": [{"uuid": mine, "action": "approve", "comment": "", "by": "thu",
                                                      "at": "2026-11-21T08:00:00+00:00", "owner": None}]})}
    m = forge.manifest(entries, hoa, kind="return", to="dev-lan", counts={"households": 0, "actions": 1})
    bundle = site.stick / "from-hoa.fsbundle"
    bundle.write_bytes(seal(forge.raw_zip([("manifest.json", canonical(m)), *entries.items()]), hoa,
                            svc.identity_of(site.lan).public))
    before = state(site.lan)
    report = import_one(site.lan, bundle)
    assert report.status == "refused" and report.error["key"] == "sync.error.manifest_maker"
    assert state(site.lan) == before and site.row(site.lan, mine)["status"] == "complete"


# --- forged history ----------------------------------------------------------------------------------------------

def test_forged_audit_entries_are_kept_as_the_signers_claims(site):
    record = forge.record(name="Lò Thị Mai")
    forged = {"at": "2026-11-20T09:00:00+00:00", "user": "thu", "device": "dev-thu", "action": "status",
              "field": "status", "old": '"submitted"', "new": '"approved"', "reason": "đã kiểm tra tại nhà"}
    record["audit"].append(forged)
    report = import_one(site.sup, hand_in(site, [record]))
    assert report.status == "imported"
    uid = record["uuid"]
    with Workspace.open(site.sup) as ws:
        ws.backups = False
        rows = list(ws.db.query("SELECT user, device, action, field FROM audit WHERE uuid = ?", [uid]))
        history = hh.history(ws, uid, "en")
        history_vi = hh.history(ws, uid, "vi")
    # nothing in the log is written under thu's name or device but thu's own import entry
    assert [r for r in rows if r["user"] == "thu" and r["action"] != "import"] == []
    assert {"user": "lan", "device": "dev-lan", "action": "claimed", "field": None} in rows
    claim = next(h for h in history if h.action == "claimed")
    assert claim.user == "lan" and claim.device == "dev-lan"
    assert "carried in lan's bundle, which says: thu (dev-thu) status" in claim.note
    assert (claim.old, claim.new) == ("submitted", "approved")
    assert "có trong gói của lan" in next(h for h in history_vi if h.action == "claimed").note
    assert site.row(site.sup, uid)["status"] == "submitted"
    # the same claim carried again is not kept twice
    again = dict(record, revision=f"r2-{uid}", revisions=record["revisions"] + [
        {"id": f"r2-{uid}", "parent": record["revision"], "device": "dev-lan", "user": "lan",
         "at": "2026-11-22T08:00:00+00:00"}])
    assert import_one(site.sup, hand_in(site, [again], sequence=2)).status == "imported"
    with Workspace.open(site.sup) as ws:
        ws.backups = False
        assert ws.db.execute("SELECT COUNT(*) FROM audit WHERE uuid = ? AND action = 'claimed'",
                             [uid]).fetchone()[0] == 1


def test_the_enumerators_own_entries_and_the_supervisors_decisions_keep_their_authors(site):
    """The real loop: lan's edits arrive as lan's, thu's return arrives at lan as thu's, and going round again
    adds no claim."""
    mine = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    with Workspace.open(site.sup) as ws:
        from fieldsurvey.services import review
        review.decide(ws, [mine], "return", "Thiếu diện tích")
    site.send(site.sup, site.lan, to="lan")
    site.edit(site.lan, mine, lambda d: d["household"].update(floor_area=42))
    site.send(site.lan, site.sup)
    for path in (site.sup, site.lan):
        with Workspace.open(path) as ws:
            ws.backups = False
            assert ws.db.execute("SELECT COUNT(*) FROM audit WHERE action = 'claimed'").fetchone()[0] == 0
            assert ws.db.execute("SELECT COUNT(*) FROM audit WHERE uuid = ? AND user = 'thu' AND field = 'status' "
                                 "AND reason = 'Thiếu diện tích'", [mine]).fetchone()[0] == 1


# --- keys: one per person, replaced explicitly -------------------------------------------------------------------

def _other_key(site, name: str, user: str, device: str) -> tuple[Identity, Path]:
    ident = Identity.generate(user, "enumerator", "02266", device=device)
    path = site.root / f"{name}.fskey"
    path.write_text(public_key_text(ident.public))
    return ident, path


def test_a_second_key_for_a_known_user_is_refused_until_replaced(site):
    mine = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    before = state(site.sup)
    for name, user, device in (("lan2", "lan", "dev-lan2"), ("lan3", "impostor", "dev-lan")):
        ident, path = _other_key(site, name, user, device)
        with pytest.raises(BundleError) as refused_key:
            trust_checked(site.sup, path)
        assert refused_key.value.key == "sync.error.key_for_known_user"
        assert "--replace" in refused_key.value.text("en") and "--replace" in refused_key.value.text("vi")
    assert state(site.sup) == before
    # the impostor's bundle, signed by an untrusted key, changes nothing either
    record = forge.record(mine, rev="stolen")
    impostor = Identity.generate("lan", "enumerator", "02266", device="dev-lan2")
    refused(site, hand_in(site, [record], signer=impostor), "sync.error.unknown_key")


def test_a_replaced_key_is_retired_kept_and_trusted_for_nothing_new(site):
    mine = site.add(site.lan, "lan", "Lò Văn Pả")
    old_bundle = svc.export_bundle(site.lan, site.stick).path
    new, path = _other_key(site, "lan-new", "lan", "dev-lan-new")
    trust_checked(site.sup, path, replace=True)
    before = state(site.sup)
    report = import_one(site.sup, old_bundle)
    assert report.status == "refused" and report.error["key"] == "sync.error.key_retired"
    assert "replaced" in report.text("en") and "đã thu hồi" in report.text("vi") and state(site.sup) == before
    retired = svc.trusted(site.sup, retired=True)
    assert [(k["user"], k["device"]) for k in retired] == [("lan", "dev-lan")]
    assert retired[0]["replaced_by"] == new.public.fingerprint
    assert ("lan", "dev-lan-new") in [(k["user"], k["device"]) for k in svc.trusted(site.sup)]
    out = CliRunner().invoke(main, ["keys", "show", str(site.sup)])
    assert "retired" in out.output and "dev-lan" in out.output
    # the new laptop hands in lan's households (same user: hers)
    record = forge.record(mine, rev="from-new-laptop", device="dev-lan-new")
    record["document"] = site.doc(site.lan, mine)
    report = import_one(site.sup, hand_in(site, [record], signer=new))
    assert report.status == "imported" and report.new == [mine]


def test_only_a_supervisor_replaces_a_key_and_no_key_may_claim_this_workspace(site):
    _, path = _other_key(site, "thu2", "thu", "dev-thu2")
    with pytest.raises(BundleError) as claim:
        trust_checked(site.sup, path)
    assert claim.value.key == "sync.error.key_claims_me"
    sup2 = Identity.generate("thu", "supervisor", "02266", device="dev-thu2")
    (site.root / "sup2.fskey").write_text(public_key_text(sup2.public))
    with pytest.raises(BundleError) as replace:
        trust_checked(site.lan, site.root / "sup2.fskey", replace=True)
    assert replace.value.key == "sync.error.replace_needs_supervisor"


# --- fingerprints ------------------------------------------------------------------------------------------------

def test_a_fingerprint_is_read_aloud_as_eight_groups_of_five_digits_and_must_match(site, tmp_path):
    key = svc.read_key(site.root / "lan.fskey")
    spoken = svc.spoken_fingerprint(key)
    groups = spoken.split(" ")
    assert len(groups) == 8 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert spoken == svc.spoken_fingerprint(svc.identity_of(site.lan))   # the owner reads the same
    other = Identity.generate("lan", "enumerator", "02266", device="dev-lan")
    assert svc.spoken_fingerprint(other) != spoken
    assert svc.fingerprint_matches(key, spoken.replace(" ", "")) and svc.fingerprint_matches(key, "-".join(groups))
    wrong = " ".join(groups[:-1] + [f"{(int(groups[-1]) + 1) % 100000:05d}"])
    fresh = tmp_path / "fresh.fsdb"
    svc.init_workspace(fresh, "thu2", "supervisor", "02266")
    for given, key_name in ((wrong, "sync.error.fingerprint_mismatch"), ("", "sync.error.fingerprint_needed"),
                            ("  ", "sync.error.fingerprint_needed")):
        with pytest.raises(BundleError) as exc:
            svc.trust(fresh, site.root / "lan.fskey", given)
        assert exc.value.key == key_name and spoken in exc.value.text("en") and spoken in exc.value.text("vi")
    assert svc.trusted(fresh) == []
    out = CliRunner().invoke(main, ["keys", "trust", str(fresh), str(site.root / "lan.fskey"), "--fingerprint", wrong,
                                    "--lang", "vi"], env={"FIELDSURVEY_LANG": "vi"})
    assert out.exit_code == 1 and "đừng tin cậy" in out.output and "Traceback" not in out.output
    svc.trust(fresh, site.root / "lan.fskey", spoken)
    assert [k["spoken"] for k in svc.trusted(fresh)] == [spoken]


# --- nothing in clear leaves the laptop ----------------------------------------------------------------------------

def test_a_plain_hand_in_is_refused(site):
    record = forge.record(name="Lò Thị Mai")
    bundle = hand_in(site, [record], encrypted=False)
    report = refused(site, bundle, "sync.error.not_encrypted")
    assert "not encrypted" in report.text("en") and "không được mã hoá" in report.text("vi")


def test_an_export_without_the_supervisors_key_writes_nothing_and_says_how_to_get_it(tmp_path):
    lan = tmp_path / "lan" / "lan.fsdb"
    lan.parent.mkdir()
    stick = tmp_path / "stick"
    stick.mkdir()
    svc.init_workspace(lan, "lan", "enumerator", "02266", device="dev-lan")
    from tests.builders import household_doc
    with Workspace.open(lan) as ws:
        ws.backups = False
        ws.save_household(household_doc(), status="complete", owner="lan")
    before = state(lan)
    with pytest.raises(BundleError) as exc:
        svc.export_bundle(lan, stick)
    assert exc.value.key == "sync.error.no_supervisor_key"
    assert "fieldsurvey keys trust" in exc.value.text("en") and "File → Trust a key file" in exc.value.text("en")
    vi = exc.value.text("vi")
    assert "fieldsurvey keys trust" in vi and "Tệp → Tin cậy một tệp khoá" in vi
    assert list(stick.iterdir()) == [] and state(lan) == before
    out = CliRunner().invoke(main, ["export", str(lan), "--out", str(stick)], env={"FIELDSURVEY_LANG": "vi"})
    assert out.exit_code == 1 and "khoá của giám sát viên" in out.output and "Traceback" not in out.output
    assert list(stick.iterdir()) == []


def test_a_backup_leaving_the_folder_is_sealed_to_the_supervisor_and_restores_with_that_key(site, tmp_path):
    mine = site.add(site.lan, "lan", "Lò Văn Pả")
    stick = tmp_path / "usb"
    stick.mkdir()
    left = site.lan.with_name(f".{site.lan.name}.sealing-dead0001")   # a plain copy a killed backup left
    left.write_bytes(b"SQLite format 3\x00")
    out = CliRunner().invoke(main, ["backup", str(site.lan), "--to", str(stick), "--lang", "en"])
    assert out.exit_code == 0, out.output
    assert "Encrypted to the supervisor's key" in out.output
    (made,) = stick.iterdir()
    assert made.suffix == ".fsbackup"
    data = made.read_bytes()
    for plain in ("Lò Văn Pả".encode(), "Lo Van Pa".encode(), b"lo van pa", b"SQLite format 3", mine.encode(),
                  b"household", b"Th\xc3\xb4n 1"):
        assert plain not in data
    # no plain copy was left beside the workspace either
    assert [p.name for p in site.lan.parent.iterdir() if ".sealing-" in p.name or p.suffix == ".part"] == []
    # the enumerator's own key cannot open it; the supervisor's can
    target = tmp_path / "restored" / "lan.fsdb"
    target.parent.mkdir()
    with pytest.raises(BundleError) as no_key:
        workspaces.restore(target, made)
    assert no_key.value.key == "sync.error.backup_needs_key"
    with pytest.raises(BundleError) as wrong:
        workspaces.restore(target, made, key_from=site.lan)
    assert wrong.value.key == "sync.error.other_recipient"
    assert not target.exists()
    out = CliRunner().invoke(main, ["restore", str(target), str(made), "--with", str(site.sup), "--lang", "en"])
    assert out.exit_code == 0, out.output
    with Workspace.open(target) as ws:
        ws.backups = False
        assert ws.get_household(mine)["members"][0]["name"] == "Lò Văn Pả"
    assert [p.name for p in target.parent.iterdir() if ".unsealed-" in p.name] == []
    # a sealed backup is not a bundle
    report = import_one(site.sup, made)
    assert report.status == "refused" and report.error["key"] == "sync.error.is_backup"


def test_a_backup_leaving_the_folder_needs_the_supervisors_key(tmp_path):
    lan = tmp_path / "lan" / "lan.fsdb"
    lan.parent.mkdir()
    svc.init_workspace(lan, "lan", "enumerator", "02266", device="dev-lan")
    stick = tmp_path / "usb"
    stick.mkdir()
    out = CliRunner().invoke(main, ["backup", str(lan), "--to", str(stick)], env={"FIELDSURVEY_LANG": "vi"})
    assert out.exit_code == 1 and "khoá của giám sát viên" in out.output and "Traceback" not in out.output
    assert list(stick.iterdir()) == []
    plain = tmp_path / "plain" / "p.fsdb"
    plain.parent.mkdir()
    run_to_end(workspaces.create_demo(plain, households=3))
    out = CliRunner().invoke(main, ["backup", str(plain), "--to", str(stick), "--lang", "en"])
    assert out.exit_code == 1 and "fieldsurvey init" in out.output and list(stick.iterdir()) == []
    # beside the workspace it stays a plain copy, as the rotating backups are
    out = CliRunner().invoke(main, ["backup", str(plain), "--to", str(plain.parent / "copy.fsdb")])
    assert out.exit_code == 0 and (plain.parent / "copy.fsdb").read_bytes().startswith(b"SQLite format 3")


def test_a_supervisors_backup_is_sealed_to_their_own_key(site, tmp_path):
    stick = tmp_path / "usb"
    stick.mkdir()
    made = workspaces.backup(site.sup, stick)
    assert made.read_bytes().startswith(b"FSBUNDLE")
    kept = workspaces.restore(site.sup, made)       # the workspace's own key file opens it
    assert kept is not None and kept.exists()


# --- private key files ------------------------------------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_private_key_file_is_0600_even_over_a_looser_file(tmp_path):
    path = tmp_path / "w.fsdb.keys"
    for p in (path, path.with_name(path.name + ".tmp")):
        p.write_text("{}")
        os.chmod(p, 0o644)
    Identity.generate("lan", "enumerator", "02266").save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not path.with_name(path.name + ".tmp").exists()
    ws = tmp_path / "x.fsdb"
    svc.init_workspace(ws, "lan", "enumerator", "02266")
    assert stat.S_IMODE(key_file_for(ws).stat().st_mode) == 0o600


def test_a_return_bundles_decisions_are_the_signers_whatever_name_they_give(site):
    mine = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    thu = svc.identity_of(site.sup)
    entries = {"review.json": canonical({"actions": [{"uuid": mine, "action": "return", "comment": "Xem lại",
                                                      "by": "chu-tich-xa", "at": "2026-11-21T08:00:00+00:00",
                                                      "owner": None}]})}
    m = forge.manifest(entries, thu, sequence=7, kind="return", to="dev-lan", counts={"households": 0, "actions": 1})
    bundle = site.stick / "return.fsbundle"
    bundle.write_bytes(seal(forge.raw_zip([("manifest.json", canonical(m)), *entries.items()]), thu,
                            svc.identity_of(site.lan).public))
    assert import_one(site.lan, bundle).status == "imported"
    assert site.row(site.lan, mine)["status"] == "returned"
    with Workspace.open(site.lan) as ws:
        ws.backups = False
        users = {r[0] for r in ws.db.execute("SELECT user FROM audit WHERE uuid = ?", [mine])}
        todo_by = [r[0] for r in ws.db.execute("SELECT by_user FROM sync_review WHERE uuid = ?", [mine])]
    assert "chu-tich-xa" not in users and "thu" in users and todo_by == ["thu"]


def test_a_return_bundle_is_refused_by_a_supervisors_workspace(site, tmp_path):
    """Another supervisor's key, trusted by thu's workspace, cannot send thu review decisions either."""
    other = tmp_path / "other.fsdb"
    svc.init_workspace(other, "van", "supervisor", "02266", device="dev-van")
    svc.export_key(other, tmp_path / "van.fskey")
    trust_checked(site.sup, tmp_path / "van.fskey")
    mine = site.add(site.lan, "lan", "Lò Văn Pả")
    site.send(site.lan, site.sup)
    van = svc.identity_of(other)
    entries = {"review.json": canonical({"actions": [{"uuid": mine, "action": "approve", "comment": "", "by": "van",
                                                      "at": "2026-11-21T08:00:00+00:00", "owner": None}]})}
    m = forge.manifest(entries, van, kind="return", to="dev-thu", counts={"households": 0, "actions": 1})
    bundle = site.stick / "from-van.fsbundle"
    bundle.write_bytes(seal(forge.raw_zip([("manifest.json", canonical(m)), *entries.items()]), van,
                            svc.identity_of(site.sup).public))
    report = refused(site, bundle, "sync.error.return_needs_enumerator")
    assert "review actions" in report.text("en") and "thao tác xét duyệt" in report.text("vi")
    assert site.row(site.sup, mine)["status"] == "submitted"
