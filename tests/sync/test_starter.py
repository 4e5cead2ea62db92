"""The starter package and the enumerator's key in her first hand-in, through the services on real files: the
supervisor makes the package; the enumerator's workspace is made from it once the supervisor's fingerprint is
confirmed (nothing made otherwise, nor from a changed or foreign-signed package); her first hand-in carries her key,
which the supervisor trusts once its fingerprint is confirmed — never a second key for a user, never a key that did
not sign the bundle."""

from __future__ import annotations

import json

import pytest

from fieldsurvey.errors import BundleError, FieldSurveyError
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import starter as starters
from fieldsurvey.services import sync as svc
from fieldsurvey.services import workspaces
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync import container
from fieldsurvey.sync.keys import Identity, key_file_for
from fieldsurvey.sync.starter import pack_starter
from tests.builders import adult, household_doc, trust_checked


@pytest.fixture
def sup(tmp_path):
    path = tmp_path / "thu" / "commune.fsdb"
    path.parent.mkdir()
    svc.init_workspace(path, "thu", "supervisor", "02266", villages=3, device="dev-thu")
    with workspaces.opened(path) as ws:
        names = workspaces.village_names_of(ws)
        workspaces.set_residents(ws, names[0], 120, "2026-09-01", "Sổ hộ khẩu", minority=80)
        workspaces.set_residents(ws, names[1], 95)
    return path


def _lan(tmp_path, sup, **kw):
    made = starters.make_starter(sup, tmp_path, "Lò Thị Lan", **kw)
    start = starters.read_starter(made.path)
    lan = tmp_path / "lan" / "lan.fsdb"
    starters.create_from_starter(made.path, lan, svc.spoken_fingerprint(start.supervisor))
    return made, lan


def test_the_package_carries_the_commune_villages_assignment_form_round_and_supervisor(sup, tmp_path):
    made = starters.make_starter(sup, tmp_path, "Lò Thị Lan", villages=())
    assert made.path.name == "02266-lo-thi-lan.fsstart" and made.user == "lo-thi-lan"
    s = starters.read_starter(made.path)
    thu = svc.identity_of(sup)
    assert s.supervisor.fingerprint == thu.public.fingerprint and s.supervisor.role == "supervisor"
    assert (s.commune_code, s.review_year, s.review_kind) == ("02266", 2026, "annual")
    assert (s.form_id, s.form_version) == ("vn-review-2022", "2026.2")   # the newest installed
    assert s.assignment.user == "lo-thi-lan" and s.assignment.name == "Lò Thị Lan"
    with workspaces.opened(sup) as ws:
        rows = workspaces.villages(ws)
        assert starters.starters_made(ws)["lo-thi-lan"]["name"] == "Lò Thị Lan"
    assert [(v.name, v.residents, v.residents_minority) for v in s.villages.villages] == \
        [(v.name, v.residents, v.residents_minority) for v in rows]
    assert s.villages.villages[0].residents == 120 and s.villages.villages[0].residents_source == "Sổ hộ khẩu"
    # signed, not encrypted: it holds no family's data, and the enumerator has no key yet to encrypt to
    header = json.loads(made.path.read_bytes()[13:13 + int.from_bytes(made.path.read_bytes()[9:13], "big")])
    assert header["encryption"] is None and header["content"] == "starter"


def test_only_a_supervisor_makes_one_and_only_for_an_enumerator(sup, tmp_path):
    with pytest.raises(FieldSurveyError) as exc:
        starters.make_starter(sup, tmp_path, "thu")
    assert exc.value.key == "starter.error.for_supervisor"
    _made, lan = _lan(tmp_path, sup)
    with pytest.raises(FieldSurveyError) as exc:
        starters.make_starter(lan, tmp_path, "Hoàng Thị Hoa")
    assert exc.value.key == "starter.error.needs_supervisor"
    assert "giám sát viên" in exc.value.text("vi")


def test_the_first_run_makes_the_workspace_identity_and_trust_with_the_villages_fixed(sup, tmp_path):
    made, lan = _lan(tmp_path, sup)
    with Workspace.open(lan) as ws:
        assert ws.info.commune_code == "02266" and ws.info.review_year == 2026
        assert ws.meta("enumerator") == "Lò Thị Lan" and ws.user == "lo-thi-lan"
        got = [(v.name, v.residents, v.residents_minority, v.residents_date) for v in ws.village_rows()]
    with Workspace.open(sup) as ws:
        want = [(v.name, v.residents, v.residents_minority, v.residents_date) for v in ws.village_rows()]
    assert got == want and got[0][1] == 120
    me = svc.identity_of(lan)
    assert (me.user, me.role) == ("lo-thi-lan", "enumerator")
    assert [(k["user"], k["role"]) for k in svc.trusted(lan)] == [("thu", "supervisor")]


def test_a_wrong_or_missing_fingerprint_makes_nothing(sup, tmp_path):
    made = starters.make_starter(sup, tmp_path, "Lò Thị Lan")
    lan = tmp_path / "lan.fsdb"
    for given in ("", "12345 67890 12345 67890 12345 67890 12345 67890"):
        with pytest.raises(BundleError):
            starters.create_from_starter(made.path, lan, given)
        assert not lan.exists() and not key_file_for(lan).exists()


def test_a_changed_or_foreign_signed_package_is_refused_in_both_languages_and_makes_nothing(sup, tmp_path):
    made = starters.make_starter(sup, tmp_path, "Lò Thị Lan")
    good = made.path.read_bytes()
    lan = tmp_path / "lan.fsdb"
    # one village's count changed on the stick
    tampered = tmp_path / "tampered.fsstart"
    tampered.write_bytes(good.replace(b'"residents":120', b'"residents":920'))
    assert tampered.read_bytes() != good
    # a package made and signed by someone else, carrying the real supervisor's key in its header
    thu = svc.identity_of(sup)
    mallory = Identity.generate("thu", "supervisor", "02266", "dev-thu")
    forged = starters.read_starter(made.path)
    data = pack_starter(forged, mallory)
    header_len = int.from_bytes(data[9:13], "big")
    header = json.loads(data[13:13 + header_len])
    header["signer_key"] = thu.public.to_dict()
    header["key"] = thu.public.fingerprint
    raw = container.canonical(header)
    foreign = tmp_path / "foreign.fsstart"
    body = data[:9] + len(raw).to_bytes(4, "big") + raw + data[13 + header_len:-64]
    foreign.write_bytes(body + mallory.sign(body))
    for bad in (tampered, foreign):
        with pytest.raises(BundleError) as exc:
            starters.create_from_starter(bad, lan, svc.spoken_fingerprint(thu))
        assert exc.value.key == "starter.error.refused"
        assert "Chưa tạo gì cả" in exc.value.text("vi") and "Nothing was made" in exc.value.text("en")
        assert not lan.exists() and not key_file_for(lan).exists()


def test_an_enumerators_key_signed_package_is_refused(sup, tmp_path):
    made = starters.make_starter(sup, tmp_path, "Lò Thị Lan")
    s = starters.read_starter(made.path)
    other = Identity.generate("lan2", "enumerator", "02266")
    fake = tmp_path / "fake.fsstart"
    fake.write_bytes(pack_starter(s, other))
    with pytest.raises(BundleError) as exc:
        starters.read_starter(fake)
    assert exc.value.key == "starter.error.not_supervisor"


def _hand_in(lan, tmp_path, name="Lò Văn Pả"):
    doc = household_doc([adult(40, relationship="head", name=name)])
    with Workspace.open(lan) as ws:
        doc["location"]["village"] = ws.villages()[0]
        ws.save_household(doc, "complete", owner="lo-thi-lan")
    stick = tmp_path / "stick"
    stick.mkdir(exist_ok=True)
    return svc.export_bundle(lan, stick).path, doc["uuid"]


def test_the_first_hand_in_carries_the_enumerators_key_trusted_once_confirmed(sup, tmp_path):
    _made, lan = _lan(tmp_path, sup)
    bundle, uuid = _hand_in(lan, tmp_path)
    key = svc.carried_key(sup, bundle)
    assert key.fingerprint == svc.identity_of(lan).public.fingerprint and key.user == "lo-thi-lan"
    # not confirmed: the import refuses it, saying whose key it is and its fingerprint; nothing stored
    (report,) = run_to_end(svc.import_bundles(sup, [bundle]))
    assert report.status == "refused" and report.error["key"] == "sync.error.key_not_yet_trusted"
    assert svc.spoken_fingerprint(key) in report.text("vi") and "--trust-fingerprint" in report.text("en")
    assert svc.trusted(sup) == []
    with pytest.raises(BundleError):
        svc.trust_carried(sup, bundle, "11111 22222 33333 44444 55555 66666 77777 88888")
    assert svc.trusted(sup) == []
    svc.trust_carried(sup, bundle, svc.spoken_fingerprint(svc.identity_of(lan)))
    assert [(k["user"], k["role"]) for k in svc.trusted(sup)] == [("lo-thi-lan", "enumerator")]
    assert svc.carried_key(sup, bundle) is None   # trusted now: nothing to ask
    (report,) = run_to_end(svc.import_bundles(sup, [bundle]))
    assert report.status == "imported" and report.new == [uuid]
    assert starters.enumerator_name(sup, "lo-thi-lan") == "Lò Thị Lan"


def test_a_carried_key_for_a_user_already_trusted_under_another_key_is_refused(sup, tmp_path):
    _made, lan = _lan(tmp_path, sup)
    bundle, _ = _hand_in(lan, tmp_path)
    svc.trust_carried(sup, bundle, svc.spoken_fingerprint(svc.identity_of(lan)))
    # a second laptop claiming to be lan: a new identity under the same user name
    lan2 = tmp_path / "lan2" / "lan.fsdb"
    starters.create_from_starter(_made.path, lan2, svc.spoken_fingerprint(svc.identity_of(sup)))
    assert svc.identity_of(lan2).user == "lo-thi-lan"
    (tmp_path / "stick2").mkdir()
    doc = household_doc([adult(40, relationship="head", name="Kẻ Giả")])
    with Workspace.open(lan2) as ws:
        doc["location"]["village"] = ws.villages()[0]
        ws.save_household(doc, "complete", owner="lo-thi-lan")
    second = svc.export_bundle(lan2, tmp_path / "stick2").path
    with pytest.raises(BundleError) as exc:
        svc.carried_key(sup, second)
    assert exc.value.key == "sync.error.key_for_known_user"
    with pytest.raises(BundleError):
        svc.trust_carried(sup, second, svc.spoken_fingerprint(svc.identity_of(lan2)))
    (report,) = run_to_end(svc.import_bundles(sup, [second]))
    assert report.status == "refused" and report.error["key"] == "sync.error.key_for_known_user"
    assert [k["fingerprint"] for k in svc.trusted(sup)] == [svc.identity_of(lan).public.fingerprint]


def test_a_carried_key_that_did_not_sign_the_bundle_is_refused(sup, tmp_path):
    _made, lan = _lan(tmp_path, sup)
    bundle, _ = _hand_in(lan, tmp_path)
    data = bundle.read_bytes()
    header_len = int.from_bytes(data[9:13], "big")
    header = json.loads(data[13:13 + header_len])
    other = Identity.generate("lo-thi-lan", "enumerator", "02266", svc.identity_of(lan).device)
    for swapped in ({**header, "signer_key": other.public.to_dict()},
                    {**header, "signer_key": other.public.to_dict(), "key": other.public.fingerprint}):
        raw = container.canonical(swapped)
        forged = tmp_path / "forged.fsbundle"
        forged.write_bytes(data[:9] + len(raw).to_bytes(4, "big") + raw + data[13 + header_len:])
        with pytest.raises(BundleError) as exc:
            svc.carried_key(sup, forged)
        assert exc.value.key == "sync.error.carried_key_not_signer"
        with pytest.raises(BundleError):
            svc.trust_carried(sup, forged, svc.spoken_fingerprint(other))
        (report,) = run_to_end(svc.import_bundles(sup, [forged]))
        assert report.status == "refused"
        assert svc.trusted(sup) == []


def test_a_supervisors_key_is_never_trusted_from_a_bundle(sup, tmp_path):
    hung = Identity.generate("hung", "supervisor", "02266")
    bundle = tmp_path / "x.fsbundle"
    bundle.write_bytes(container.pack({"manifest.json": b"{}"}, hung, svc.identity_of(sup).public, carry_key=True))
    with pytest.raises(BundleError) as exc:
        svc.carried_key(sup, bundle)
    assert exc.value.key == "sync.error.carried_not_enumerator" and "giám sát viên" in exc.value.text("vi")
    (report,) = run_to_end(svc.import_bundles(sup, [bundle]))
    assert report.status == "refused" and svc.trusted(sup) == []
    # a return bundle carries no key: nothing to ask
    _made, lan = _lan(tmp_path, sup)
    bundle, _ = _hand_in(lan, tmp_path)
    svc.trust_carried(sup, bundle, svc.spoken_fingerprint(svc.identity_of(lan)))
    run_to_end(svc.import_bundles(sup, [bundle]))
    back = svc.export_bundle(sup, tmp_path, to="lo-thi-lan").path
    assert svc.carried_key(lan, back) is None


def test_a_starter_package_is_never_imported_as_a_bundle(sup, tmp_path):
    made, lan = _lan(tmp_path, sup)
    (report,) = run_to_end(svc.import_bundles(lan, [made.path]))
    assert report.status == "refused" and report.error["key"] == "sync.error.is_starter"
    assert "gói khởi tạo" in report.text("vi")


def test_the_package_carries_the_village_list_as_return_bundles_do_with_its_version(sup, tmp_path):
    """One travelling form of the village list: a package made after a rename and a merge sets the enumerator's list
    at the supervisor's version, so a return bundle carrying the same list changes nothing there, and the villages
    are the list's, in its order, with its figures."""
    from fieldsurvey.services import villages as vs
    with workspaces.opened(sup) as ws:
        first, second, third = workspaces.village_names_of(ws)
        vs.rename_village(ws, first, "Thôn Nà Đình")
        vs.merge_villages(ws, third, second)
        listed = vs.travelling_list(ws)
    assert listed.version > 0 and len(listed.steps) == 2
    made, lan = _lan(tmp_path, sup)
    with workspaces.opened(lan) as ws:
        assert vs.applied_version(ws) == listed.version
        assert workspaces.village_names_of(ws) == ["Thôn Nà Đình", second]
        assert [(v.residents, v.residents_minority) for v in workspaces.villages(ws)] == \
            [(v.residents, v.residents_minority) for v in listed.villages]
        assert vs.apply_villages_payload(ws, vs.villages_data(listed), by="thu").already
