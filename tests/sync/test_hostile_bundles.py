"""A catalogue of broken and hostile bundles. Each is refused with a message saying what is wrong and in which
file (and entry), and the workspace is exactly as it was (compared by a full SQL dump before and after)."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from fieldsurvey.services import sync as svc
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync.container import Limits, canonical, seal
from fieldsurvey.sync.keys import Identity, public_key_text
from tests.builders import household_doc, trust_checked
from tests.sync import forge

pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    ws_path = root / "commune.fsdb"
    sup = svc.init_workspace(ws_path, "sup", "supervisor", "02266", villages=3)
    lan = Identity.generate("lan", "enumerator", "02266", device="dev-lan")
    stranger = Identity.generate("x", "enumerator", "02266", device="dev-x")
    (root / "lan.fskey").write_text(public_key_text(lan.public))
    trust_checked(ws_path, root / "lan.fskey")
    with Workspace.open(ws_path) as ws:
        for i in range(3):
            doc = household_doc()
            doc["uuid"] = f"00000000-0000-4000-8000-00000000000{i}"
            ws.save_household(doc, status="submitted", owner="lan")
    return {"root": root, "ws": ws_path, "sup": sup, "lan": lan, "stranger": stranger}


def dump(path: Path) -> list[str]:
    with Workspace.open(path) as ws:
        return list(ws.db.conn.iterdump())


def _with_entry(site, name: str, data: bytes, mode: int = stat.S_IFREG | 0o644) -> bytes:
    """A bundle whose manifest lists the hostile entry with its true checksum: only the entry's own check can
    refuse it."""
    rec = forge.record()
    entries = forge.entries_for([rec])
    listed = dict(entries)
    listed[name] = data
    m = forge.manifest(listed, site["lan"])
    items = [("manifest.json", canonical(m)), *entries.items(), (name, data)]
    return seal(_zip(items, {name: mode}), site["lan"], site["sup"].public)


def _zip(items, modes) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = modes.get(name, stat.S_IFREG | 0o644) << 16
            zf.writestr(info, data)
    return buf.getvalue()


def _encrypted_entry(site) -> bytes:
    """A signed bundle whose archive marks an entry as ZIP-encrypted (central directory flag bit 0)."""
    rec = forge.record()
    entries = forge.entries_for([rec])
    m = forge.manifest(entries, site["lan"])
    raw = bytearray(forge.raw_zip([("manifest.json", canonical(m)), *entries.items()]))
    i = raw.rfind(b"PK\x01\x02")
    raw[i + 8] |= 1
    return seal(bytes(raw), site["lan"], site["sup"].public)


def good(site, records=None, **over) -> bytes:
    return forge.bundle(site["lan"], records if records is not None else [forge.record()], site["sup"].public,
                        **over)


def flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] ^= 0x55
    return bytes(b)


def _manifest_bytes(site, records, **over):
    entries = forge.entries_for(records)
    return entries, forge.manifest(entries, site["lan"], **over)


def _sealed(site, items) -> bytes:
    return seal(forge.raw_zip(items), site["lan"], site["sup"].public)


def case_items(site):
    """(name, bundle bytes, expected words in the message)."""
    lan, sup, stranger = site["lan"], site["sup"], site["stranger"]
    rec = forge.record()
    entries, m = _manifest_bytes(site, [rec])
    ok = good(site)
    newer = bytearray(ok)
    newer[8] = 2
    big_text = forge.record()
    big_text["document"]["household"]["note"] = "x" * 50_000
    deep = forge.record()
    deep["document"]["household"]["deep"] = json.loads("[" * 30 + "]" * 30)
    bad_doc = forge.record()
    bad_doc["document"]["review"]["year"] = 1850
    wrong_uuid = forge.record()
    wrong_uuid["uuid"] = str(forge.uuidlib.uuid4())
    wrong_uuid_entries = {f"households/{rec['uuid']}.json": canonical(wrong_uuid)}
    foreign_doc = forge.record()
    foreign_doc["document"]["location"]["commune_code"] = "00001"
    no_parent = forge.record()
    no_parent["revisions"][0]["parent"] = "r0"
    hh_name = f"households/{rec['uuid']}.json"

    def with_manifest(mdict, items_entries):
        return _sealed(site, [("manifest.json", canonical(mdict)), *items_entries.items()])

    return [
        ("empty file", b"", "not a FieldSurvey bundle"),
        ("random bytes", b"\x00garbage" * 40, "not a FieldSurvey bundle"),
        ("bare zip", forge.raw_zip([("manifest.json", b"{}")]), "bare ZIP"),
        ("truncated to half", ok[: len(ok) // 2], "signature"),
        ("last byte cut", ok[:-1], "signature"),
        ("payload byte flipped", flip(ok, len(ok) // 2), "signature"),
        ("header edited", ok.replace(b'"signer":"dev-lan"', b'"signer":"dev-lbn"'), "signature"),
        ("signed by an unknown key", forge.bundle(stranger, [forge.record()], sup.public), "does not trust"),
        ("newer container format", bytes(newer), "newer FieldSurvey"),
        ("newer manifest format", good(site, format=7), "newer than this app"),
        ("foreign commune", good(site, commune_code="00001"), "from commune 00001"),
        ("another review year", good(site, review={"year": 2025, "kind": "annual"}), "review 2025"),
        ("encrypted for another key", forge.bundle(lan, [forge.record()], stranger.public), "another key"),
        ("path traversal name", _with_entry(site, "../../etc/cron.d/evil", b"{}"), "not a name a bundle may hold"),
        ("absolute path name", _with_entry(site, "/etc/passwd", b"{}"), "not a name a bundle may hold"),
        ("symbolic link entry", _with_entry(site, f"households/{forge.uuidlib.uuid4()}.json", b"/etc/passwd",
                                            stat.S_IFLNK | 0o777), "is a link"),
        ("archive bomb", _with_entry(site, f"households/{forge.uuidlib.uuid4()}.json", b"0" * 1_500_000),
         "archive bomb"),
        ("huge text field", good(site, [big_text]), "characters"),
        ("deeply nested answer", good(site, [deep]), "nested"),
        ("invalid JSON in a record", with_manifest({**m, "entries": {hh_name: forge.sha256(b"{not json")}},
                                                   {hh_name: b"{not json"}), "not valid JSON"),
        ("invalid UTF-8 in the manifest", _sealed(site, [("manifest.json", b'{"format": "\xff\xfe"}')]), "UTF-8"),
        ("duplicate keys in a record", with_manifest(
            {**m, "entries": {hh_name: forge.sha256(b'{"uuid": "a", "uuid": "b"}')}},
            {hh_name: b'{"uuid": "a", "uuid": "b"}'}), "appears twice"),
        ("duplicate entry names", _sealed(site, [("manifest.json", canonical(m)), *entries.items(),
                                                 *entries.items()]), "appears twice"),
        ("entry not in the manifest", _sealed(site, [("manifest.json", canonical({**m, "entries": {}})),
                                                     *entries.items()]), "not in the manifest"),
        ("checksum mismatch", with_manifest({**m, "entries": {hh_name: "0" * 64}}, entries), "checksum"),
        ("no manifest", _sealed(site, list(entries.items())), "no manifest"),
        ("invalid household document", good(site, [bad_doc]), "review.year"),
        ("record stored under another uuid", with_manifest(
            {**m, "entries": {hh_name: forge.sha256(wrong_uuid_entries[hh_name])}}, wrong_uuid_entries),
         "stored under"),
        ("household of another commune", good(site, [foreign_doc]), "belongs to commune 00001"),
        ("revision with a missing parent", good(site, [no_parent]), "does not carry"),
        ("manifest names another device", good(site, device="dev-other"), "signed by dev-lan"),
        ("manifest claims another enumerator", good(site, user="hoa"), "signing key is lan's"),
        ("counts that do not add up", good(site, counts={"households": 5, "actions": 0}), "counts 5"),
        ("return bundle to another device", good(site, kind="return"), "is made by a supervisor"),
        ("a directory entry", _with_entry(site, "households/", b""), "not a name a bundle may hold"),
        ("an entry encrypted inside the zip", _encrypted_entry(site), "encrypted inside the archive"),
        ("NaN in a record", with_manifest({**m, "entries": {hh_name: forge.sha256(b'{"a": NaN}')}},
                                          {hh_name: b'{"a": NaN}'}), "not a JSON number"),
    ]


def test_catalogue_has_at_least_25_cases(site):
    assert len(case_items(site)) >= 25


def test_every_hostile_bundle_is_refused_and_changes_nothing(site):
    root, ws_path = site["root"], site["ws"]
    before = dump(ws_path)
    failures = []
    with Workspace.open(ws_path) as ws:
        for i, (name, data, words) in enumerate(case_items(site)):
            path = root / f"case{i:02d}.fsbundle"
            path.write_bytes(data)
            report = svc.import_one(ws, site["sup"], path)
            if report.status != "refused" or words not in report.message or path.name not in report.message:
                failures.append((name, report.status, report.message))
    assert failures == []
    assert dump(ws_path) == before


def test_oversized_file_links_and_folders_are_refused_before_reading(site, tmp_path):
    big = tmp_path / "big.fsbundle"
    big.write_bytes(good(site))
    link = tmp_path / "link.fsbundle"
    link.symlink_to(big)
    before = dump(site["ws"])
    with Workspace.open(site["ws"]) as ws:
        r1 = svc.import_one(ws, site["sup"], big, Limits(max_file=1000))
        r2 = svc.import_one(ws, site["sup"], link)
        r3 = svc.import_one(ws, site["sup"], tmp_path)
    assert r1.status == "refused" and "larger than a bundle may be" in r1.message
    assert r2.status == "refused" and "symbolic link" in r2.message
    assert r3.status == "refused" and "not a regular file" in r3.message
    too_many = tmp_path / "many.fsbundle"
    too_many.write_bytes(good(site, [forge.record() for _ in range(5)]))
    with Workspace.open(site["ws"]) as ws:
        r4 = svc.import_one(ws, site["sup"], too_many, Limits(max_entries=3))
    assert r4.status == "refused" and "6 entries, more than a bundle may (3)" in r4.message
    assert dump(site["ws"]) == before


def test_a_replayed_bundle_and_a_reused_sequence_number_change_nothing(site, tmp_path):
    first = tmp_path / "first.fsbundle"
    first.write_bytes(good(site, sequence=7))
    with Workspace.open(site["ws"]) as ws:
        assert svc.import_one(ws, site["sup"], first).status == "imported"
    before = dump(site["ws"])
    again = tmp_path / "again.fsbundle"
    again.write_bytes(first.read_bytes())
    other = tmp_path / "other.fsbundle"
    other.write_bytes(good(site, sequence=7))   # a different bundle claiming the same number
    with Workspace.open(site["ws"]) as ws:
        r1 = svc.import_one(ws, site["sup"], again)
        r2 = svc.import_one(ws, site["sup"], other)
    assert r1.status == "already" and "nothing changed" in r1.message
    assert r2.status == "refused" and "numbered 7" in r2.message and "other.fsbundle" in r2.message
    assert dump(site["ws"]) == before
