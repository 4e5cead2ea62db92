"""A supervisor's workspace made by `fieldsurvey init` carries her name (`--name`, asked on a terminal when not
given), so the starter packages she makes — and the enumerator's workspace made from one — show the name, never
the user id, as one made by the app's setup does."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.services import households, starter as starters
from fieldsurvey.storage.workspace import Workspace


def run(*args, code=0, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert result.exit_code == code, result.output
    return result.output


def supervisor(tmp_path, *extra, input=None, code=0):
    sup = tmp_path / "commune.fsdb"
    out = run("init", sup, "--user", "thu", "--role", "supervisor", "--commune", "02266", "--villages", "2",
              "--no-encryption", *extra, input=input, code=code)
    return sup, out


def test_the_name_given_to_init_travels_in_the_starter_package_to_the_enumerators_workspace(tmp_path):
    sup, out = supervisor(tmp_path, "--name", "  Trần   Thị Thu ")
    assert "supervisor thu (Trần Thị Thu)" in out
    run("starter", "make", sup, "--for", "Lò Thị Lan", "--out", tmp_path, "--lang", "en")
    package = tmp_path / "02266-lo-thi-lan.fsstart"
    assert starters.read_starter(package).supervisor_name == "Trần Thị Thu"
    shown = run("starter", "show", package, "--lang", "en")
    assert "Trần Thị Thu" in shown
    lan = tmp_path / "lan" / "lan.fsdb"
    out = run("setup", lan, "--starter", package, "--no-encryption", "--lang", "en", input="y\n")
    assert "Trần Thị Thu" in out
    with Workspace.open(lan) as ws:
        assert ws.meta("supervisor_name") == "Trần Thị Thu"
        assert households.people(ws)["thu"] == "Trần Thị Thu"   # her returns and decisions, by her name
    with Workspace.open(sup) as ws:
        assert households.people(ws)["thu"] == "Trần Thị Thu"


def test_without_a_name_the_package_shows_the_user_id_and_init_says_so(tmp_path):
    """The case the name fixes (a script, no terminal, no --name): said on stderr, nothing asked."""
    sup, out = supervisor(tmp_path)
    assert "no name given (--name)" in out and "“thu”" in out
    run("starter", "make", sup, "--for", "Lò Thị Lan", "--out", tmp_path)
    assert starters.read_starter(tmp_path / "02266-lo-thi-lan.fsstart").supervisor_name == "thu"


def test_at_a_terminal_the_name_is_asked(tmp_path, monkeypatch):
    monkeypatch.setattr("fieldsurvey.cli.sync._interactive", lambda: True)
    sup, out = supervisor(tmp_path, input="Trần Thị Thu\n")
    assert "Your name as people know you" in out and "no name given" not in out
    with Workspace.open(sup) as ws:
        assert ws.meta("name") == "Trần Thị Thu"
    run("starter", "make", sup, "--for", "Lò Thị Lan", "--out", tmp_path)
    assert starters.read_starter(tmp_path / "02266-lo-thi-lan.fsstart").supervisor_name == "Trần Thị Thu"


@pytest.mark.parametrize("name, said", [
    ("   ", "a person's name cannot be empty"),
    ("Trần\x07Thu", "holds a character that cannot be printed"),
    ("Thu\nThảo", "holds a character that cannot be printed"),
    ("T" * 101, "the name is 101 characters long, more than the 100 allowed"),
])
def test_a_name_that_cannot_be_one_is_refused_and_nothing_is_made(tmp_path, name, said):
    sup, out = supervisor(tmp_path, "--name", name, code=1)
    assert said in out and "Traceback" not in out
    assert not sup.exists() and not sup.with_name("commune.fsdb.keys").exists()


def test_an_enumerator_made_by_init_with_a_name_is_recorded_as_the_apps_setup_records_her(tmp_path):
    lan = tmp_path / "lan.fsdb"
    run("init", lan, "--user", "lo-thi-lan", "--role", "enumerator", "--commune", "02266", "--no-encryption",
        "--name", "Lò Thị Lan")
    with Workspace.open(lan) as ws:
        assert (ws.meta("enumerator"), ws.meta("enumerator_id"), ws.meta("name")) == \
            ("Lò Thị Lan", "lo-thi-lan", "Lò Thị Lan")


def test_a_province_takes_no_name(tmp_path):
    out = run("init", tmp_path / "p.fsdb", "--user", "so", "--role", "province", "--province", "08",
              "--no-encryption", "--name", "Sở LĐ", code=2)
    assert "--name is for a commune's workspace" in out


def test_an_empty_name_is_refused_in_english_on_the_command_line_and_in_vietnamese_where_asked(tmp_path):
    sup = tmp_path / "x.fsdb"
    out = run("init", sup, "--user", "thu", "--role", "supervisor", "--commune", "02266", "--no-encryption",
              "--name", "", code=1)
    assert "a person's name cannot be empty" in out   # (init has no --lang: English, as its other lines)
    from fieldsurvey.errors import WorkspaceError
    from fieldsurvey.services.sync import person_name
    with pytest.raises(WorkspaceError) as refused:
        person_name("")
    assert refused.value.text("vi") == ("--name: Tên người không được để trống: hãy ghi tên như mọi người vẫn gọi "
                                        "(ví dụ Trần Thị Thu)")
