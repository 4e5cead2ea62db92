"""The supervisor's key as the recovery path of an enumerator's encrypted workspace (issue 20, pt 3), end to end
with real workspaces and real keys, through the `fieldsurvey` command as a commune would run it: the enumerator
forgot the passphrase, copies the workspace's key header onto a stick (it holds no personal data) and brings or
sends it to the commune's poverty officer; the officer's workspace opens the copy sealed to their key and prints
the recovery key; the officer reads it out; the enumerator sets a new passphrase with it. Another supervisor's key,
the enumerator's own key, a retired or forgotten supervisor key, a tampered header: refused, nothing learnt."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.errors import WorkspaceError
from fieldsurvey.services import encryption as at_rest
from fieldsurvey.storage import backups, encryption
from fieldsurvey.storage.workspace import Workspace
from tests.builders import household_doc

CHEAP = encryption.Cost(2 ** 10, 8, 1)
SUP, LAN, OTHER = "thu là giám sát viên xã", "lan điều tra thôn một", "một giám sát viên khác"
KEY = re.compile(r"(\d{6}-){7}\d{6}")


@pytest.fixture(autouse=True)
def _keys(monkeypatch):
    monkeypatch.setattr(encryption, "COST", CHEAP)
    for name in ("FIELDSURVEY_PASSPHRASE", "FIELDSURVEY_NEW_PASSPHRASE", "FIELDSURVEY_RECOVERY_KEY",
                 "FIELDSURVEY_PASSPHRASE_FILE"):
        monkeypatch.delenv(name, raising=False)
    encryption.forget_all()
    yield
    encryption.forget_all()
    encryption.set_asker(None)


def run(monkeypatch, *args, code=0, passphrase=None, new=None, recovery=None, input=None):
    """One command, as a new process would run it: nothing unlocked before."""
    encryption.forget_all()
    for name, value in (("FIELDSURVEY_PASSPHRASE", passphrase), ("FIELDSURVEY_NEW_PASSPHRASE", new),
                        ("FIELDSURVEY_RECOVERY_KEY", recovery)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def commune(tmp_path, monkeypatch):
    """The officer's workspace (thu), an enumerator's (lan, trusting thu's key, with two households and a backup)
    and another supervisor's installation (binh) — all encrypted, each with its own passphrase."""
    sup, lan, other = tmp_path / "thu" / "commune.fsdb", tmp_path / "lan" / "lan.fsdb", tmp_path / "binh" / "b.fsdb"
    for path, user, role, pw in ((sup, "thu", "supervisor", SUP), (lan, "lan", "enumerator", LAN),
                                 (other, "binh", "supervisor", OTHER)):
        path.parent.mkdir()
        out = run(monkeypatch, "init", path, "--user", user, "--role", role, "--commune", "02266", "--villages", "1",
                  new=pw)
        assert KEY.search(out) and encryption.is_encrypted(path)
    run(monkeypatch, "keys", "export", sup, "--out", tmp_path / "thu.fskey", passphrase=SUP)
    run(monkeypatch, "keys", "export", other, "--out", tmp_path / "binh.fskey", passphrase=OTHER)
    spoken = json.loads(run(monkeypatch, "keys", "show", sup, "--json", passphrase=SUP))["spoken"]
    run(monkeypatch, "keys", "trust", lan, tmp_path / "thu.fskey", "--fingerprint", spoken, passphrase=LAN)
    encryption.unlock(lan, LAN)
    with Workspace.open(lan) as ws:
        for i in range(2):
            doc = household_doc()
            doc["uuid"] = f"00000000-0000-4000-8000-00000000000{i}"
            ws.save_household(doc, status="complete", owner="lan")
        backups.make_backup(ws)
    encryption.forget_all()
    return sup, lan, other


def test_the_supervisor_recovers_a_forgotten_passphrase_from_the_key_header_brought_on_a_stick(
        commune, tmp_path, monkeypatch):
    sup, lan, other = commune
    assert at_rest.sealed_to(lan) == ["thu"]   # whom the enumerator asks
    stick = tmp_path / "stick"
    stick.mkdir()
    header = stick / "lan.fsdb.key"
    shutil.copy(encryption.header_path(lan), header)
    out = run(monkeypatch, "households", "list", lan, passphrase="tôi quên mất rồi", code=1)   # forgotten

    out = run(monkeypatch, "passphrase", "recover", sup, header, "--lang", "en", passphrase=SUP)
    assert "Read it out to the enumerator" in out
    (recovery,) = [m.group(0) for m in KEY.finditer(out)]
    out = run(monkeypatch, "passphrase", "reset", lan, "--lang", "en", recovery=recovery, new="mật khẩu mới của lan")
    assert "new passphrase is set" in out
    out = run(monkeypatch, "households", "list", lan, passphrase="mật khẩu mới của lan")
    assert "00000000-0000-4000-8000-000000000001" in out
    run(monkeypatch, "households", "list", lan, passphrase=LAN, code=1)   # the forgotten one opens nothing
    encryption.forget_all()
    kept = backups.backups_of(lan)
    assert kept
    for b in kept:   # nor does it open the backups: they take the new one
        with pytest.raises(WorkspaceError):
            encryption.unlock(b, LAN)
        encryption.unlock(b, "mật khẩu mới của lan")
    # the new header still holds the copy sealed to the supervisor: a second forgetting is recovered the same way
    assert at_rest.sealed_to(lan) == ["thu"]
    again = run(monkeypatch, "passphrase", "recover", sup, lan, passphrase=SUP)
    assert recovery in again


def test_another_supervisors_key_or_the_enumerators_own_recovers_nothing(commune, tmp_path, monkeypatch):
    sup, lan, other = commune
    before = encryption.header_path(lan).read_bytes()
    out = run(monkeypatch, "passphrase", "recover", other, lan, "--lang", "en", passphrase=OTHER, code=1)
    assert "only with the supervisor's key of thu" in out and not KEY.search(out)
    out = run(monkeypatch, "passphrase", "recover", other, lan, "--lang", "vi", passphrase=OTHER, code=1)
    assert "chỉ mở được bằng khóa của giám sát viên thu" in out
    out = run(monkeypatch, "passphrase", "recover", lan, lan, "--lang", "en", passphrase=LAN, code=1)
    assert "only a supervisor's workspace" in out and not KEY.search(out)
    # a header whose sealed copy names binh's key but was made for thu's does not open with binh's either
    data = json.loads(before)
    encryption.forget_all()
    encryption.unlock(other, OTHER)
    binh = at_rest.identity(other)
    data["sealed"][0]["to"] = binh.public.fingerprint
    forged = tmp_path / "forged.key"
    forged.write_text(json.dumps(data))
    with pytest.raises(WorkspaceError) as err:
        at_rest.recover_for_enumerator(other, forged)
    assert err.value.key == "encryption.error.sealed_does_not_open"
    assert encryption.header_path(lan).read_bytes() == before


def test_a_forgotten_or_replaced_supervisor_key_loses_its_copy(commune, tmp_path, monkeypatch):
    sup, lan, other = commune
    run(monkeypatch, "keys", "forget", lan, "thu", passphrase=LAN)
    assert at_rest.sealed_to(lan) == []
    out = run(monkeypatch, "passphrase", "recover", sup, lan, "--lang", "en", passphrase=SUP, code=1)
    assert "holds no copy of the workspace's key for a supervisor" in out
    # the commune's new officer (binh) is trusted instead: their key recovers it now, thu's does not
    spoken = json.loads(run(monkeypatch, "keys", "show", other, "--json", passphrase=OTHER))["spoken"]
    run(monkeypatch, "keys", "trust", lan, tmp_path / "binh.fskey", "--fingerprint", spoken, passphrase=LAN)
    assert at_rest.sealed_to(lan) == ["binh"]
    assert KEY.search(run(monkeypatch, "passphrase", "recover", other, lan, passphrase=OTHER))
    run(monkeypatch, "passphrase", "recover", sup, lan, passphrase=SUP, code=1)


def test_a_supervisor_key_trusted_by_another_path_is_sealed_at_the_next_hand_in(tmp_path, monkeypatch):
    """The starter package stores the supervisor's key without `keys trust`: the hand-in seals to it."""
    from fieldsurvey.services import sync
    from fieldsurvey.storage import sync_store
    from fieldsurvey.sync.keys import b64

    sup, lan = tmp_path / "s" / "sup.fsdb", tmp_path / "l" / "lan.fsdb"
    for path, user, role, pw in ((sup, "thu", "supervisor", SUP), (lan, "lan", "enumerator", LAN)):
        path.parent.mkdir()
        run(monkeypatch, "init", path, "--user", user, "--role", role, "--commune", "02266", new=pw)
    encryption.unlock(sup, SUP)
    key = sync.identity_of(sup).public
    encryption.unlock(lan, LAN)
    with Workspace.open(lan) as ws:
        sync_store.trust_key(ws.db, {"fingerprint": key.fingerprint, "device": key.device, "user": key.user,
                                     "role": key.role, "commune_code": key.commune_code,
                                     "sign_key": b64(key.sign_key), "encrypt_key": b64(key.encrypt_key),
                                     "trusted_at": "2026-01-01T00:00:00+00:00"})
    assert at_rest.sealed_to(lan) == []
    sync.export_bundle(lan, tmp_path / "hand-in.fsbundle")
    assert at_rest.sealed_to(lan) == ["thu"]
    assert KEY.search(run(monkeypatch, "passphrase", "recover", sup, lan, passphrase=SUP))


def test_a_plain_workspace_and_a_supervisors_own_hold_no_sealed_copy(tmp_path, monkeypatch):
    plain, sup = tmp_path / "p.fsdb", tmp_path / "s.fsdb"
    run(monkeypatch, "init", plain, "--user", "lan", "--role", "enumerator", "--commune", "02266", "--no-encryption")
    run(monkeypatch, "init", sup, "--user", "thu", "--role", "supervisor", "--commune", "02266", new=SUP)
    run(monkeypatch, "keys", "export", sup, "--out", tmp_path / "thu.fskey", passphrase=SUP)
    spoken = json.loads(run(monkeypatch, "keys", "show", sup, "--json", passphrase=SUP))["spoken"]
    run(monkeypatch, "keys", "trust", plain, tmp_path / "thu.fskey", "--fingerprint", spoken)
    assert not encryption.header_path(plain).exists()
    assert at_rest.sealed_to(sup) == []
