"""Attacks on the import's memory by a signer the supervisor trusts (so every check before the archive is passed):
the total a bundle unpacks and the records its directory lists are bounded before anything is unpacked, and the
records checked are kept as text, not decoded, until the transaction commits. Each attack is refused (or imported)
with the workspace compared by a full SQL dump before and after, and `integrity_check` clean.

The peak memory of the worst of them is measured by `python -m benchmarks.bench_hostile` (docs/performance.md)."""

from __future__ import annotations

import random
import struct
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fieldsurvey.services import sync as svc
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync import container
from fieldsurvey.sync.container import DEFAULT_LIMITS, Limits, canonical, seal
from fieldsurvey.sync.keys import Identity, key_file_for, public_key_text
from fieldsurvey.sync.records import read_contents
from tests.builders import trust_checked
from tests.sync import forge


@pytest.fixture()
def site(tmp_path):
    ws_path = tmp_path / "commune.fsdb"
    sup = svc.init_workspace(ws_path, "sup", "supervisor", "02266", villages=3)
    lan = Identity.generate("lan", "enumerator", "02266", device="dev-lan")
    (tmp_path / "lan.fskey").write_text(public_key_text(lan.public))
    trust_checked(ws_path, tmp_path / "lan.fskey")
    return {"root": tmp_path, "ws": ws_path, "sup": sup, "lan": lan}


def dump(path: Path) -> list[str]:
    with Workspace.open(path) as ws:
        assert ws.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return list(ws.db.conn.iterdump())


def _import(site, data: bytes, name: str = "attack.fsbundle", limits: Limits = DEFAULT_LIMITS) -> svc.ImportReport:
    path = site["root"] / name
    path.write_bytes(data)
    with Workspace.open(site["ws"]) as ws:
        return svc.import_one(ws, site["sup"], path, limits)


def _sealed(site, items: list[tuple[str, bytes]]) -> bytes:
    return seal(forge.raw_zip(items), site["lan"], site["sup"].public)


def _listed(site, entries: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """The entries with a manifest that lists every one of them with its true checksum."""
    return [("manifest.json", canonical(forge.manifest(entries, site["lan"]))), *entries.items()]


def _nothing_unpacked(monkeypatch) -> None:
    def unpacked(*_args, **_kw):
        raise AssertionError("an entry was unpacked")

    monkeypatch.setattr(container, "_plain_entry", unpacked)
    monkeypatch.setattr(zipfile.ZipFile, "open", unpacked)


def test_a_bomb_of_entries_each_within_its_size_and_ratio_is_refused_by_its_total_before_any_is_unpacked(
        site, monkeypatch):
    rng = random.Random(1)
    block = bytes(rng.choice(b"ab") if i % 40 == 0 else 97 for i in range(1 << 16))   # ≈ 60:1, under the 200:1
    entries = {f"households/{forge.uuidlib.uuid4()}.json": (block * 32)[:DEFAULT_LIMITS.max_entry]
               for _ in range(DEFAULT_LIMITS.max_total // DEFAULT_LIMITS.max_entry + 1)}
    data = _sealed(site, _listed(site, entries))
    assert len(data) < DEFAULT_LIMITS.max_file // 4
    before = dump(site["ws"])
    _nothing_unpacked(monkeypatch)
    report = _import(site, data, "bomb.fsbundle")
    assert report.status == "refused"
    assert report.message == f"bomb.fsbundle: would unpack to more than {DEFAULT_LIMITS.max_total:,} bytes in all"
    limit = f"{DEFAULT_LIMITS.max_total:,}".replace(",", ".")
    assert report.text("vi") == f"bomb.fsbundle: Khi giải nén, toàn bộ gói sẽ vượt quá {limit} byte"
    monkeypatch.undo()
    assert dump(site["ws"]) == before


def _directory_padded(payload: bytes, records: int) -> bytes:
    """The archive with `records` more copies of its first central directory record after its directory, the end
    record's directory size taking them in (its entry counts left as they were)."""
    end = payload.rfind(b"PK\x05\x06")
    size, offset = struct.unpack("<LL", payload[end + 12:end + 20])
    first = payload[offset:offset + 46 + len("manifest.json")]
    extra = first * records
    tail = payload[end:end + 12] + struct.pack("<LL", size + len(extra), offset) + payload[end + 20:]
    return payload[:offset + size] + extra + tail


def test_a_directory_listing_more_records_than_its_end_record_says_is_refused_before_zipfile_reads_it(
        site, monkeypatch):
    entries = forge.entries_for([forge.record()])
    payload = _directory_padded(forge.raw_zip(_listed(site, entries)), DEFAULT_LIMITS.max_entries)
    data = seal(payload, site["lan"], site["sup"].public)
    before = dump(site["ws"])

    def read(*_args, **_kw):
        raise AssertionError("zipfile read the directory")

    monkeypatch.setattr(zipfile, "ZipFile", read)
    report = _import(site, data, "directory.fsbundle")
    monkeypatch.undo()
    assert report.status == "refused"
    count = DEFAULT_LIMITS.max_entries + 2
    assert report.message == (f"directory.fsbundle: holds {count:,} entries, more than a bundle may "
                              f"({DEFAULT_LIMITS.max_entries:,})")
    assert "mục, nhiều hơn mức cho phép" in report.text("vi")
    assert dump(site["ws"]) == before


def test_a_zip64_archive_is_refused(site):
    entries = forge.entries_for([forge.record()])
    payload = forge.raw_zip(_listed(site, entries))
    end = payload.rfind(b"PK\x05\x06")
    locator = b"PK\x06\x07" + struct.pack("<LQL", 0, 0, 1)   # points at no ZIP64 record: refused before zipfile
    data = seal(payload[:end] + locator + payload[end:], site["lan"], site["sup"].public)
    before = dump(site["ws"])
    report = _import(site, data, "zip64.fsbundle")
    assert report.status == "refused" and "ZIP64" in report.message and report.message.startswith("zip64.fsbundle")
    assert dump(site["ws"]) == before


def test_the_file_itself_is_bounded_near_the_total(site):
    assert DEFAULT_LIMITS.max_file <= 2 * DEFAULT_LIMITS.max_total
    big = site["root"] / "big.fsbundle"
    with open(big, "wb") as fh:
        fh.truncate(DEFAULT_LIMITS.max_file + 1)
    with Workspace.open(site["ws"]) as ws:
        report = svc.import_one(ws, site["sup"], big)
    assert report.status == "refused" and "larger than a bundle may be" in report.message


def test_records_with_long_audits_are_imported_whole_and_kept_as_text_until_they_are_stored(site):
    """The attack the limits leave open — every byte valid — is imported, and what the import holds of each record
    once checked is text, not ten times as much decoded."""
    recs = []
    for i in range(3):
        rec = forge.record()
        rec["audit"] = [{"at": f"2026-11-{1 + k % 28:02d}T08:{k % 60:02d}:{k // 60 % 60:02d}+00:00", "user": "lan",
                         "device": "dev-lan", "action": "edit", "field": f"members.{k}.name"}
                        for k in range(12_000 + i)]
        rec["audit"].append(dict(rec["audit"][0]))   # the same entry twice in one record: stored once
        recs.append(rec)
    data = forge.bundle(site["lan"], recs, site["sup"].public)
    me = Identity.load(key_file_for(site["ws"]))
    with Workspace.open(site["ws"]) as ws:
        opened = container.open_bundle(data, "audits.fsbundle", lambda fp: site["lan"].public, me)
        contents = read_contents(opened, prepare=lambda rs: svc._prepare(rs, ws.standard), parallel=False)
    assert all(isinstance(r.audit, str) and r.document is None for r in contents.households)
    assert [len(r.audit_entries()) for r in contents.households] == [len(r["audit"]) for r in
                                                                      sorted(recs, key=lambda r: r["uuid"])]
    report = _import(site, data, "audits.fsbundle")
    assert report.status == "imported" and report.counts["new"] == 3
    with Workspace.open(site["ws"]) as ws:
        for rec in recs:
            n = ws.db.execute("SELECT count(*) FROM audit WHERE uuid = ? AND action = 'edit'",
                              [rec["uuid"]]).fetchone()[0]
            assert n == len(rec["audit"]) - 1
        assert ws.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_checked_records_are_prepared_as_they_are_checked_not_all_at_the_end(site, monkeypatch):
    monkeypatch.setattr("fieldsurvey.sync.records.PREPARE_EVERY", 1)
    calls = []
    recs = [forge.record() for _ in range(4)]
    data = forge.bundle(site["lan"], recs, site["sup"].public)
    me = Identity.load(key_file_for(site["ws"]))
    opened = container.open_bundle(data, "b.fsbundle", lambda fp: site["lan"].public, me)
    contents = read_contents(opened, prepare=lambda rs: calls.append(len(rs)), parallel=False)
    assert calls == [1, 1, 1, 1] and len(contents.households) == 4


def test_an_export_the_import_would_refuse_is_not_written_and_gives_its_number_back(tmp_path, monkeypatch):
    sup_path, enum_path = tmp_path / "sup.fsdb", tmp_path / "lan.fsdb"
    svc.init_workspace(sup_path, "thu", "supervisor", "02266", villages=3, device="dev-thu")
    svc.init_workspace(enum_path, "lan", "enumerator", "02266", device="dev-lan")
    svc.export_key(sup_path, tmp_path / "thu.fskey")
    trust_checked(enum_path, tmp_path / "thu.fskey")
    with Workspace.open(enum_path) as ws:
        for _ in range(3):
            doc = forge.record()["document"]
            ws.save_household(doc, status="complete", owner="lan")
    out = tmp_path / "stick"
    out.mkdir()
    monkeypatch.setattr(svc, "DEFAULT_LIMITS", Limits(max_total=2_000))
    with pytest.raises(svc.BundleError):   # the first try seals the open revisions (what an export does first)
        svc.export_bundle(enum_path, out)
    before = dump(enum_path)
    with pytest.raises(svc.BundleError) as refused:
        svc.export_bundle(enum_path, out)
    assert "3 households make a bundle of" in str(refused.value) and "nothing was written" in str(refused.value)
    assert "3 hộ tạo thành một gói" in refused.value.text("vi")
    assert list(out.iterdir()) == []
    assert dump(enum_path) == before   # no number taken, nothing marked as sent
    monkeypatch.undo()
    result = svc.export_bundle(enum_path, out)
    assert result.sequence == 1 and result.households == 3


@pytest.mark.parametrize("created, flagged", [
    ("2000-01-01T00:03:00+00:00", True),                                   # a flat clock battery
    ((datetime.now(timezone.utc) + timedelta(days=3 * 365)).isoformat(timespec="seconds"), True),   # years ahead
    ((datetime.now(timezone.utc) - timedelta(days=20)).isoformat(timespec="seconds"), False),       # an old bundle
    ("2026-11-20T09:00:00", False),
])
def test_a_bundle_made_under_a_clock_years_off_is_imported_and_flagged(site, created, flagged):
    data = forge.bundle(site["lan"], [forge.record()], site["sup"].public, created_at=created)
    report = _import(site, data, "clock.fsbundle")
    assert report.status == "imported"
    assert (report.clock_off == created) is flagged and (report.clock_off is None) is not flagged
    en, vi = svc.describe(report, "en"), svc.describe(report, "vi")
    assert any("clock of dev-lan, which is plainly wrong" in line for line in en) is flagged
    assert any(f"ghi lập ngày {created[:10]} theo đồng hồ của máy dev-lan" in line for line in vi) is flagged
    assert report.to_dict()["clock_off"] == report.clock_off
