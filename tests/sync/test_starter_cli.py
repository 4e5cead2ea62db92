"""The starter package and the first hand-in's key through the `fieldsurvey` command, as a supervisor and an
enumerator would type it (and as a script with no terminal does it)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.storage.workspace import Workspace
from tests.builders import adult, household_doc


def run(*args, code=0, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert result.exit_code == code, result.output
    return result.output


def test_starter_setup_hand_in_and_the_first_import_with_the_fingerprint(tmp_path, monkeypatch):
    sup, lan, stick = tmp_path / "commune.fsdb", tmp_path / "lan" / "lan.fsdb", tmp_path / "stick"
    stick.mkdir()
    run("init", sup, "--user", "thu", "--role", "supervisor", "--commune", "02266", "--villages", "3",
        "--no-encryption")
    thu_fp = json.loads(run("keys", "show", sup, "--json"))["spoken"]
    out = run("starter", "make", sup, "--for", "Lò Thị Lan", "--out", tmp_path, "--lang", "en")
    package = tmp_path / "02266-lo-thi-lan.fsstart"
    assert package.is_file() and thu_fp in out
    assert thu_fp in run("starter", "show", package)
    # not confirmed: nothing made
    out = run("setup", lan, "--starter", package, "--no-encryption", "--lang", "en", input="n\n", code=1)
    assert thu_fp in out and "nothing was made" in out and not lan.exists()
    out = run("setup", lan, "--starter", package, "--no-encryption", "--fingerprint", "1" * 40, code=1)
    assert not lan.exists()
    out = run("setup", lan, "--starter", package, "--no-encryption", "--lang", "en", input="y\n")
    lan_fp = json.loads(run("keys", "show", lan, "--json"))["spoken"]
    assert lan_fp in out
    with Workspace.open(sup) as ws:
        villages = ws.villages()
    with Workspace.open(lan) as ws:
        assert ws.villages() == villages and ws.meta("enumerator") == "Lò Thị Lan"
        doc = household_doc([adult(40, relationship="head", name="Lò Văn Pả")])
        doc["location"]["village"] = villages[0]
        ws.save_household(doc, "complete", owner="lo-thi-lan")
    run("export", lan, "--out", stick)
    # a script with no terminal, no fingerprint given: refused, saying the fingerprint to compare
    out = run("import", sup, stick, "--lang", "en", code=1)
    assert lan_fp in out and "--trust-fingerprint" in out
    assert json.loads(run("keys", "show", sup, "--json"))["trusted"] == []
    # at a terminal: shown and asked; "n" imports nothing and trusts nothing
    monkeypatch.setattr("fieldsurvey.cli.sync._interactive", lambda: True)
    out = run("import", sup, stick, "--lang", "en", input="n\n", code=1)
    assert lan_fp in out and "not imported" in out
    assert json.loads(run("keys", "show", sup, "--json"))["trusted"] == []
    # a wrong fingerprint given: refused as unconfirmed
    run("import", sup, stick, "--trust-fingerprint", "1" * 40, code=1)
    assert json.loads(run("keys", "show", sup, "--json"))["trusted"] == []
    run("import", sup, stick, "--trust-fingerprint", lan_fp, "--lang", "en")
    trusted = json.loads(run("keys", "show", sup, "--json"))["trusted"]
    assert [(k["user"], k["spoken"]) for k in trusted] == [("lo-thi-lan", lan_fp)]
    with Workspace.open(sup) as ws:
        assert ws.db.execute("SELECT owner, status FROM households").fetchall() == [("lo-thi-lan", "submitted")]
