"""Keys, fingerprints, the signed and encrypted container, read in memory within limits."""

from __future__ import annotations

import stat

import pytest

from fieldsurvey.errors import BundleError
from fieldsurvey.sync.container import Limits, open_bundle, pack, strict_json, write_atomically
from fieldsurvey.sync.keys import Identity, fingerprint, parse_public_key, public_key_text, read_public_key
from tests.builders import trust_checked


@pytest.fixture(scope="module")
def ids():
    return Identity.generate("lan", "enumerator", "02266"), Identity.generate("sup", "supervisor", "02266")


def finder(*keys):
    table = {k.public.fingerprint: k.public for k in keys}
    return table.get


def test_fingerprint_is_short_groups_and_depends_on_both_keys(ids):
    a, _ = ids
    fp = a.public.fingerprint
    groups = fp.split("-")
    assert len(groups) == 8 and all(len(g) == 4 and g.isalnum() and g.upper() == g for g in groups)
    assert fingerprint(a.public.sign_key, bytes(32)) != fp


def test_key_files_round_trip_and_private_file_is_owner_only(ids, tmp_path):
    a, _ = ids
    a.save(tmp_path / "w.keys")
    assert stat.S_IMODE((tmp_path / "w.keys").stat().st_mode) == 0o600
    again = Identity.load(tmp_path / "w.keys")
    assert again.public == a.public
    (tmp_path / "a.pub").write_text(public_key_text(a.public))
    assert read_public_key(tmp_path / "a.pub") == a.public


def test_a_public_key_file_with_an_edited_key_is_refused(ids):
    a, s = ids
    data = a.public.to_dict()
    data["sign"] = s.public.to_dict()["sign"]
    with pytest.raises(BundleError, match="fingerprint"):
        parse_public_key(data, "a.pub")


def test_signed_and_encrypted_bundle_opens_only_for_the_recipient(ids):
    a, s = ids
    data = pack({"manifest.json": b'{"x": 1}'}, a, s.public)
    assert b'"x"' not in data  # encrypted: the contents are not readable on the stick
    opened = open_bundle(data, "b", finder(a), s)
    assert opened.encrypted and opened.entries == {"manifest.json": b'{"x": 1}'}
    other = Identity.generate("sup2", "supervisor", "02266")
    with pytest.raises(BundleError, match="encrypted for another key"):
        open_bundle(data, "b", finder(a), other)


def test_unknown_signer_and_any_flipped_byte_are_refused(ids):
    a, s = ids
    data = pack({"manifest.json": b"{}"}, a, None)
    with pytest.raises(BundleError, match="does not trust"):
        open_bundle(data, "b", finder(s), s)
    for pos in (20, len(data) // 2, len(data) - 70, len(data) - 1):
        bad = bytearray(data)
        bad[pos] ^= 1
        with pytest.raises(BundleError):
            open_bundle(bytes(bad), "b", finder(a), s)


def test_limits_refuse_big_files_and_bombs(ids):
    a, s = ids
    with pytest.raises(BundleError, match="larger than a bundle may be"):
        open_bundle(pack({"manifest.json": b"{}"}, a, None), "b", finder(a), s, Limits(max_file=100))
    bomb = pack({"manifest.json": b" " * 5_000_000}, a, None)
    with pytest.raises(BundleError, match="archive bomb|more than an entry"):
        open_bundle(bomb, "b", finder(a), s)


def test_strict_json_refuses_duplicates_nan_bad_utf8_and_deep_nesting():
    with pytest.raises(BundleError, match="appears twice"):
        strict_json(b'{"a": 1, "a": 2}', "x")
    with pytest.raises(BundleError, match="not a JSON number"):
        strict_json(b'{"a": NaN}', "x")
    with pytest.raises(BundleError, match="UTF-8"):
        strict_json(b'{"a": "\xff"}', "x")
    with pytest.raises(BundleError, match="nested"):
        strict_json(b"[" * 40 + b"]" * 40, "x")
    assert strict_json('{"tên": "Lò Văn Pả"}'.encode(), "x") == {"tên": "Lò Văn Pả"}


def test_write_atomically_leaves_no_partial_file(tmp_path):
    write_atomically(tmp_path / "b.fsb", b"data")
    assert [p.name for p in tmp_path.iterdir()] == ["b.fsb"]


def test_pack_refuses_names_outside_the_layout(ids):
    a, _ = ids
    with pytest.raises(BundleError, match="not a name a bundle may hold"):
        pack({"../evil.json": b"{}", "manifest.json": b"{}"}, a, None)


def test_trust_refuses_another_communes_key_and_the_workspaces_own(tmp_path):
    from fieldsurvey.services import sync as svc

    ws = tmp_path / "w.fsdb"
    svc.init_workspace(ws, "thu", "supervisor", "02266")
    svc.export_key(ws, tmp_path / "own.fskey")
    other = Identity.generate("an", "enumerator", "00004")
    (tmp_path / "other.fskey").write_text(public_key_text(other.public))
    with pytest.raises(BundleError, match="commune 00004"):
        trust_checked(ws, tmp_path / "other.fskey")
    with pytest.raises(BundleError, match="own key"):
        trust_checked(ws, tmp_path / "own.fskey")
    assert svc.trusted(ws) == []


def _nesting(v) -> int:
    if isinstance(v, dict):
        return 1 + max((_nesting(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((_nesting(x) for x in v), default=0)
    return 0


def test_nesting_depth_read_from_the_bytes_matches_the_parsed_value():
    import json as _json

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from fieldsurvey.sync.container import _depth

    text = st.text(alphabet='[]{}"\\ab\n', max_size=8)
    values = st.recursive(st.none() | st.integers() | text,
                          lambda kids: st.lists(kids, max_size=3) | st.dictionaries(text, kids, max_size=3),
                          max_leaves=12)

    @settings(max_examples=200, deadline=None)
    @given(values, st.booleans())
    def check(v, ascii_only):
        assert _depth(_json.dumps(v, ensure_ascii=ascii_only).encode()) == _nesting(v)

    check()


def test_nesting_of_the_decoded_value_decides_as_the_bytes_do():
    """strict_json measures nesting on the decoded value (and on the bytes only when they do not decode): the same
    number, so the same refusal, whatever the layout of the text."""
    import json as _json

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from fieldsurvey.sync.container import _depth
    from fieldsurvey.sync.container import _nesting as nesting

    text = st.text(alphabet='[]{}"\\ab\n', max_size=6)
    values = st.recursive(st.none() | st.integers() | text,
                          lambda kids: st.lists(kids, max_size=2) | st.dictionaries(text, kids, max_size=2),
                          max_leaves=30)

    @settings(max_examples=300, deadline=None)
    @given(values, st.sampled_from([None, 0, 2]), st.integers(1, 8))
    def check(v, indent, limit):
        raw = _json.dumps(v, indent=indent, ensure_ascii=False).encode()
        assert min(nesting(v, limit), limit + 1) == min(_depth(raw), limit + 1) == min(_nesting(v), limit + 1)
        limits = Limits(max_depth=limit)
        if _depth(raw) > limit:
            with pytest.raises(BundleError, match="nested more than"):
                strict_json(raw, "x", limits)
            with pytest.raises(BundleError, match="nested more than"):   # too deep and not JSON: nesting first
                strict_json(raw + b" ]", "x", limits)
        else:
            assert strict_json(raw, "x", limits) == v

    check()


def _archive_entries(payload: bytes) -> dict[str, bytes]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


@pytest.mark.parametrize("method", ["deflated", "stored", "bzip2"])
def test_archive_entries_read_directly_are_what_zipfile_reads(method):
    """Plain stored or deflated entries are read straight from the bytes; anything else (here bzip2) goes through
    zipfile's reader. Either way the entries are exactly what zipfile reads."""
    import zipfile

    from fieldsurvey.sync.container import DEFAULT_LIMITS, _read_archive
    from tests.sync import forge

    compress = {"deflated": zipfile.ZIP_DEFLATED, "stored": zipfile.ZIP_STORED, "bzip2": zipfile.ZIP_BZIP2}[method]
    items = [("manifest.json", b'{"a": 1}'), *forge.entries_for([forge.record() for _ in range(5)]).items(),
             (f"households/{forge.uuidlib.uuid4()}.json", "Nguyễn Văn Đức ".encode() * 500)]
    payload = forge.raw_zip(items, compress=compress)
    assert _read_archive(payload, "b.fsbundle", DEFAULT_LIMITS) == _archive_entries(payload) == dict(items)


def test_a_damaged_entry_is_refused_as_zipfile_refuses_it():
    """An entry whose bytes do not unpack to its CRC is left to zipfile, which refuses it as before."""
    from fieldsurvey.sync.container import DEFAULT_LIMITS, _read_archive
    from tests.sync import forge

    payload = bytearray(forge.raw_zip([("manifest.json", b'{"text": "' + b"abc" * 300 + b'"}')]))
    start = payload.index(b"manifest.json") + len("manifest.json")
    payload[start + 40] ^= 0x01   # a byte of the deflated data
    with pytest.raises(BundleError, match="cannot be read from the archive"):
        _read_archive(bytes(payload), "b.fsbundle", DEFAULT_LIMITS)


@pytest.mark.parametrize("raw", [b'\xef\xbb\xbf{"a": 1}', b'{"a": 1} x', b'{"a": [1, 2}', b'{"a": Infinity}',
                                 b'{"a": -Infinity}', b'{"' + b"k" * 201 + b'": 1}', b'{"a": {"b": 1, "b": 1}}',
                                 b'{"a": 1}', '{"tên": ["Lò Văn Pả", {"x": null}]}'.encode(), b'"text"', b"[]"])
def test_strict_json_says_what_json_loads_says(raw):
    """strict_json decodes with one decoder made once; it accepts what json.loads accepts (within the limits) and
    its refusals say what json.loads says."""
    import json
    import re

    try:
        expected = json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as exc:
        with pytest.raises(BundleError, match=re.escape(f"not valid JSON: {exc.msg} at line {exc.lineno}")):
            strict_json(raw, "x")
        return
    except ValueError:
        expected = None
    if b"Infinity" in raw or b'"b": 1, "b"' in raw or b"k" * 201 in raw:
        with pytest.raises(BundleError):
            strict_json(raw, "x")
    else:
        assert strict_json(raw, "x") == expected
