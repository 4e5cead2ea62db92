"""Attacks on the Excel export: a household head named as a formula, a control character an older workspace stored.
The workbook is written by `fieldsurvey export-xlsx` on the real workspace file and read back with openpyxl."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from fieldsurvey.services.exports import cell_text, put
from tests.values.conftest import doc, run, write

FORMULAS = ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1:A2)", "=cmd|' /C calc'!A0"]


def cells(path: Path) -> list:
    return [c for ws in openpyxl.load_workbook(path) for row in ws.iter_rows() for c in row if c.value is not None]


def test_a_head_named_as_a_formula_reads_back_as_that_text_never_a_formula(workspace, tmp_path):
    files = [write(tmp_path, f"h{i}.json", doc(head=name)) for i, name in enumerate(FORMULAS)]
    added = run("households", "add", workspace, *files, "--lang", "en")
    assert added.exit_code == 0, added.output
    out = tmp_path / "report.xlsx"
    assert run("export-xlsx", workspace, "--out", out).exit_code == 0
    found = cells(out)
    heads = {c.value: c for c in found if c.value in FORMULAS}
    assert set(heads) == set(FORMULAS)      # each head on the list of poor households, exactly as typed
    for text, cell in heads.items():
        assert cell.data_type == "s" and cell.quotePrefix, text
    assert [c.coordinate for c in found if c.data_type == "f"] == []   # nothing in the workbook runs


def test_a_village_named_as_a_formula_is_text_on_every_sheet(workspace, tmp_path):
    with sqlite3.connect(workspace) as c:   # a village list from elsewhere (setup reads the official list)
        c.execute("INSERT INTO villages (name, sort) VALUES ('=1+1', 9)")
    d = doc()
    d["location"]["village"] = "=1+1"
    assert run("households", "add", workspace, write(tmp_path, "v.json", d)).exit_code == 0
    out = tmp_path / "report.xlsx"
    assert run("export-xlsx", workspace, "--out", out).exit_code == 0
    village = [c for c in cells(out) if c.value == "=1+1"]
    assert len(village) >= 5 and all(c.data_type == "s" for c in village)


def _stored_as_an_older_fieldsurvey_did(path: Path, documents: list[dict], village: str | None = None) -> None:
    """Households and a village written into the file as an older FieldSurvey stored them, with no check at entry
    (their class columns are the clean documents' that `households add` stored first)."""
    with sqlite3.connect(path) as c:
        if village:
            c.execute("INSERT INTO villages (name, sort) VALUES (?, 9)", [village])
        for d in documents:
            head = next(m["name"] for m in d["members"] if m.get("relationship") == "head")
            c.execute("UPDATE households SET document = ?, village = ?, head_name = ? WHERE uuid = ?",
                      [json.dumps(d, ensure_ascii=False), d["location"]["village"], head, d["uuid"]])


def test_an_older_workspaces_control_character_is_written_escaped_and_the_export_never_fails(workspace, tmp_path):
    clean = [doc(), doc(), doc()]
    assert run("households", "add", workspace, *[write(tmp_path, f"{i}.json", d) for i, d in enumerate(clean)]
               ).exit_code == 0
    older = json.loads(json.dumps(clean))
    older[0]["members"][0]["name"] = "Lò Văn\x01Pả"
    older[0]["members"][1]["name"] = "Hà Thị\x1bMỹ\x85"
    older[0]["household"]["notes"] = "\x00"
    older[0]["location"]["village"] = "Thôn\x02 Mới"
    older[1]["members"][0]["name"] = "\t=1+1"      # a tab, then a formula
    older[2]["members"][0]["name"] = "\r@SUM(A1)"  # a carriage return, then a formula
    _stored_as_an_older_fieldsurvey_did(workspace, older, village="Thôn\x02 Mới")
    out = tmp_path / "report.xlsx"
    result = run("export-xlsx", workspace, "--out", out)
    assert result.exit_code == 0, result.output
    found = cells(out)
    texts = [c.value for c in found if isinstance(c.value, str)]
    assert "Lò Văn␁Pả" in texts and "Thôn␂ Mới" in texts
    assert any("Hà Thị␛Mỹ\ufffd" in t for t in texts)
    assert not any(ch in t for t in texts for ch in "\x00\x01\x02\x1b\x85")
    led = [c for c in found if isinstance(c.value, str) and c.value.lstrip("\t\r\n").startswith(("=1+1", "@SUM"))
           and c.value[0] in "\t\r\n"]
    assert len(led) >= 2 and all(c.data_type == "s" and c.quotePrefix for c in led)
    assert [c.coordinate for c in found if c.data_type == "f"] == []


def test_a_negative_number_stays_a_number_and_a_negative_looking_text_is_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    put(ws, 1, 1, -5)
    put(ws, 2, 1, -2.5)
    put(ws, 3, 1, "-5")
    put(ws, 4, 1, "Thôn 1")
    wb.save(tmp_path / "n.xlsx")
    back = openpyxl.load_workbook(tmp_path / "n.xlsx").active
    assert (back["A1"].value, back["A1"].data_type) == (-5, "n")
    assert (back["A2"].value, back["A2"].data_type) == (-2.5, "n")
    assert (back["A3"].value, back["A3"].data_type, back["A3"].quotePrefix) == ("-5", "s", True)
    assert (back["A4"].value, back["A4"].quotePrefix) == ("Thôn 1", False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=8))
@example(["\ufffe", "a\uffffb", "\x00\x9f\ud800"])   # what XML 1.0 has no place for (hypothesis found U+FFFE)
def test_any_text_is_written_and_read_back_as_text(tmp_path_factory, texts):
    """Whatever text a household holds, the workbook is written, opens, and holds it as text: the same text when
    it holds nothing a workbook cannot, else with each such character shown as a symbol."""
    wb = Workbook()
    ws = wb.active
    for i, text in enumerate(texts, 1):
        put(ws, i, 1, text)
    path = tmp_path_factory.mktemp("any") / "t.xlsx"
    wb.save(path)
    back = openpyxl.load_workbook(path).active
    for i, text in enumerate(texts, 1):
        cell = back.cell(i, 1)
        assert cell.data_type == "s"
        assert cell.value == cell_text(text).replace("\r\n", "\n").replace("\r", "\n")   # (XML reads CR as LF)
        if text.isprintable() and text[:1] not in "=+-@":
            assert cell.value == text and not cell.quotePrefix

