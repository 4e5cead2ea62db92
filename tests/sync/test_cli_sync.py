"""The loop through the `fieldsurvey` command, as a supervisor would script it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.storage.workspace import Workspace
from tests.builders import household_doc


def run(*args, code=0, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert result.exit_code == code, result.output
    return result.output


def test_cli_init_keys_export_import_review(tmp_path):
    sup, lan, stick = tmp_path / "commune.fsdb", tmp_path / "lan.fsdb", tmp_path / "stick"
    stick.mkdir()
    out = run("init", sup, "--user", "thu", "--role", "supervisor", "--commune", "02266", "--villages", "2",
              "--no-encryption")
    assert "fingerprint" in out
    run("init", lan, "--user", "lan", "--role", "enumerator", "--commune", "02266", "--no-encryption")
    run("keys", "export", sup, "--out", tmp_path / "thu.fskey")
    run("keys", "export", lan, "--out", tmp_path / "lan.fskey")
    lan_fp = json.loads(run("keys", "show", lan, "--json"))["spoken"]
    # a fingerprint read out wrongly is refused
    out = run("keys", "trust", sup, tmp_path / "lan.fskey", "--fingerprint", "12345 67890", code=1)
    assert "do not trust it" in out
    run("keys", "trust", sup, tmp_path / "lan.fskey", "--fingerprint", lan_fp.replace(" ", "-"))
    # without --fingerprint the command shows it and asks; it is trusted only when confirmed
    thu_fp = json.loads(run("keys", "show", sup, "--json"))["spoken"]
    out = run("keys", "trust", lan, tmp_path / "thu.fskey", "--lang", "en", input="n\n", code=1)
    assert thu_fp in out and "Not trusted" in out
    assert "thu" not in run("keys", "show", lan)
    out = run("keys", "trust", lan, tmp_path / "thu.fskey", "--lang", "en", input="y\n")
    assert thu_fp in out and "Trusted: supervisor thu" in out
    assert "lan" in run("keys", "show", sup)

    with Workspace.open(lan) as ws:
        for i in range(3):
            doc = household_doc()
            doc["uuid"] = f"00000000-0000-4000-8000-00000000000{i}"
            ws.save_household(doc, status="complete", owner="lan")
    out = run("export", lan, "--out", stick)
    assert "3 households" in out and "encrypted" in out and "NOT" not in out
    (bundle,) = stick.glob("*.fsbundle")
    assert bundle.name.startswith("02266_lan_hand-in-changes_0001_")
    report = json.loads(run("import", sup, stick, "--json", "--quiet"))
    assert len(report[0]["new"]) == 3
    assert "already imported" in run("import", sup, bundle, "--lang", "en")
    assert "đã nhập" in run("import", sup, bundle)
    assert "0 households" in run("export", lan, "--out", tmp_path / "nothing.fsbundle")   # nothing changed since
    assert "3 households" in run("export", lan, "--all", "--out", tmp_path / "all.fsbundle")

    uid = "00000000-0000-4000-8000-000000000001"
    run("return", sup, uid, "--comment", "Thiếu diện tích")
    run("approve", sup, "00000000-0000-4000-8000-000000000002")
    run("export", sup, "--to", "lan", "--out", stick)
    back = sorted(stick.glob("*thu*"))[-1]
    out = run("import", lan, back, "--lang", "en")
    assert "review actions 2" in out
    assert "Thiếu diện tích" in run("todo", lan)
    said = run("history", lan, uid)   # in words: the action, the status, the comment; no "return by thu"
    assert "Đổi trạng thái" in said and "Bị trả lại" in said and "Thiếu diện tích" in said, said
    assert " by " not in said and "returned" not in said
    said = run("history", lan, uid, "--lang", "en")
    assert "Status changed" in said and "Returned" in said and "status returned" not in said, said

    # a lost laptop: its key is forgotten and its bundles are refused from then on
    assert "no longer trusted" in run("keys", "forget", sup, "lan")
    out = run("import", sup, bundle, "--lang", "en", code=1)
    assert "does not trust" in out

    (stick / "junk.fsbundle").write_bytes(b"not a bundle")
    out = run("import", sup, stick / "junk.fsbundle", "--lang", "en", code=1)
    assert "REFUSED junk.fsbundle: is not a FieldSurvey bundle" in out


def test_cli_conflicts_duplicates_and_assign(site):
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    b1 = site.add(site.hoa, "hoa", "lo van pa")   # same head, birth year and village: a likely duplicate
    site.send(site.lan, site.sup)
    site.send(site.hoa, site.sup)
    out = run("duplicates", "list", site.sup, "--lang", "en")
    assert a1 in out and b1 in out and "Same head name, birth year and village" in out
    pair = json.loads(run("duplicates", "list", site.sup, "--json"))[0]["id"]
    run("duplicates", "keep-apart", site.sup, pair)
    assert "No likely duplicates" in run("duplicates", "list", site.sup, "--lang", "en")
    assert "Không có hộ nghi trùng" in run("duplicates", "list", site.sup)

    site.edit(site.sup, a1, lambda d: d["household"].update(floor_area=30))
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=44))
    site.send(site.lan, site.sup)
    out = run("conflicts", "list", site.sup)
    assert "household.floor_area  Diện tích ở (m²): 30 | 44" in out
    cid = json.loads(run("conflicts", "list", site.sup, "--json"))[0]["id"]
    assert "choose local or incoming" in run("conflicts", "resolve", site.sup, cid, code=1)
    run("conflicts", "resolve", site.sup, cid, "--field", "household.floor_area=incoming")
    assert site.doc(site.sup, a1)["household"]["floor_area"] == 44
    assert "No open conflicts" in run("conflicts", "list", site.sup, "--lang", "en")

    run("assign", site.sup, b1, "--to", "lan", "--comment", "hoa nghỉ ốm")
    assert site.row(site.sup, b1)["owner"] == "lan"
    run("export", site.sup, "--to", "lan", "--out", site.stick / "back.fsbundle")
    run("import", site.lan, site.stick / "back.fsbundle")
    todo = json.loads(run("todo", site.lan, "--json"))
    assert [t["uuid"] for t in todo] == [b1] and todo[0]["action"] == "reassign"
