"""Templates are data: for every kind of document, a province's file with the columns in another order, another
title and another signature block prints exactly that; a broken file is refused with its line named; the Excel
workbook follows the report's template too."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from fieldsurvey.errors import TemplateError
from fieldsurvey.paths import resource
from fieldsurvey.progress import run_to_end
from fieldsurvey.reports.templates import KINDS as ALL_KINDS, Kind, read_template

# the commune's documents (the province's report, kind province_report, prints from a province's database: its
# template is tested the same ways in tests/province/test_last_year_and_pdf.py)
KINDS = {name: kind for name, kind in ALL_KINDS.items() if name != "province_report"}
from fieldsurvey.services import printing
from tests.reports.conftest import check_state_format, in_order, pdf_pages

JOBS = {
    "certificate": lambda path, out, tpl: printing.print_certificates(path, out, template=tpl),
    "request_review": lambda path, out, tpl: printing.print_requests(path, out, form="review", template=tpl),
    "request_escape": lambda path, out, tpl: printing.print_requests(path, out, form="escape", template=tpl),
    "decision": lambda path, out, tpl: printing.print_decision(path, out, template=tpl),
    "minutes": lambda path, out, tpl: printing.print_minutes(path, out, template=tpl),
    "posting": lambda path, out, tpl: printing.print_posting(path, out, template=tpl),
    "report": lambda path, out, tpl: printing.print_summary(path, out, template=tpl),
    "household_form": lambda path, out, tpl: printing.print_sheets(path, out, template=tpl),
}


def test_every_kind_has_a_bundled_template_and_a_printing_job():
    assert set(JOBS) == set(KINDS)
    for kind in KINDS.values():
        assert read_template(resource("templates", kind.file)).kind == kind.name


def toml(value: Any, top: bool = True) -> str:
    """A TOML text of `value` (tables and arrays written inline, one top-level key a line)."""
    if top:
        return "\n".join(f"{json.dumps(k)} = {toml(v, False)}" for k, v in value.items()) + "\n"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v, False) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml(v, False)}" for k, v in value.items()) + " }"


def label(text: Any) -> str:
    return text if isinstance(text, str) else text["vi"]


def changed(kind: Kind, tmp_path: Path) -> tuple[Path, str, list[str], list[str], list[str]]:
    """The bundled template with its title changed, its first table's columns reversed and its first signature
    block replaced: the file, the new title, the reversed heads, the new signers, the old signers."""
    raw = tomllib.loads(resource("templates", kind.file).read_text(encoding="utf-8"))
    title = f"MẪU RIÊNG CỦA TỈNH: {kind.name.upper()}"
    raw["title"] = title
    table = next(b for b in raw["block"] if b["type"] == "table")
    table["column"] = list(reversed(table["column"]))
    heads = [label(c["label"]) for c in table["column"]]
    signatures = next(b for b in raw["block"] if b["type"] == "signatures")
    old = [label(s["title"]) for s in signatures["signer"] if "title" in s]
    signatures["signer"] = [{"title": "NGƯỜI KÝ THỨ NHẤT", "hint": "(ký thử)"}, {"title": "NGƯỜI KÝ THỨ HAI"}]
    path = tmp_path / f"tinh-{kind.name}.toml"
    path.write_text(toml(raw), encoding="utf-8")
    return path, title, heads, ["NGƯỜI KÝ THỨ NHẤT", "(ký thử)", "NGƯỜI KÝ THỨ HAI"], old


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_provinces_template_prints_exactly_that(commune, tmp_path, name):
    kind = KINDS[name]
    path, title, heads, signers, old = changed(kind, tmp_path)
    out = tmp_path / f"{name}.pdf"
    run_to_end(JOBS[name](commune.path, out, path))
    text = "\n".join(pdf_pages(out))
    in_order(text, [title] + heads)
    in_order(text, signers)
    for gone in old:
        if gone not in heads and gone not in ("CHỦ TỊCH",) + tuple(signers):
            assert gone not in text, (name, gone)
    check_state_format(out, draft=True)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_broken_template_is_refused_with_its_line(commune, tmp_path, name):
    text = resource("templates", KINDS[name].file).read_text(encoding="utf-8")
    at = text.index('field = "', text.index("[[block.column]]"))
    broken = text[:at] + 'field = "no_such_field"' + text[text.index("\n", at):]
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    line = broken[:at].count("\n") + 1
    with pytest.raises(TemplateError) as refused:
        run_to_end(JOBS[name](commune.path, tmp_path / "x.pdf", path))
    assert refused.value.key == "report.template.error.unknown_field"
    assert refused.value.where == f"{path}:{line}"
    assert "no_such_field" in refused.value.text("vi") and "Mẫu này không có cột dữ liệu" in refused.value.text("vi")
    assert not (tmp_path / "x.pdf").exists()


def test_a_template_of_another_kind_is_refused(commune, tmp_path):
    path = tmp_path / "cert.toml"
    path.write_text(resource("templates", KINDS["certificate"].file).read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(TemplateError) as refused:
        run_to_end(printing.print_decision(commune.path, tmp_path / "x.pdf", template=path))
    assert refused.value.key == "report.template.error.wrong_kind" and refused.value.where == f"{path}:1"


def test_the_workbook_follows_a_provinces_report_template(commune, tmp_path):
    import openpyxl

    path, title, heads, _, _ = changed(KINDS["report"], tmp_path)
    out = tmp_path / "r.xlsx"
    run_to_end(printing.export_xlsx(commune.path, out, template=path))
    wb = openpyxl.load_workbook(out)
    ws = wb["1 Kết quả theo thôn"]
    assert [c.value for c in ws[4] if c.value is not None] == heads


def test_each_kinds_data_holds_every_value_and_field_its_templates_may_use(commune):
    """What a template may name (KINDS) is what the documents' builders give: no name a template may use prints
    as a gap."""
    from fieldsurvey.reports import documents as D
    from fieldsurvey.reports.templates import load_template
    from fieldsurvey.services.printing import counted_records, report_context
    from fieldsurvey.storage.workspace import Workspace

    with Workspace.open(commune.path) as ws:
        ws.backups = False
        ctx = report_context(ws)
        fig, records = run_to_end(counted_records(ws, ctx, details=True))
        villages = ws.villages()
    inputs = D.Inputs()
    rec = next(r for r in records if r.cls.value == "poor")
    built = {
        "certificate": D.certificate_data(rec, ctx, load_template("certificate"), inputs, 1),
        "request_review": D.request_data(rec, ctx, inputs),
        "request_escape": D.request_data(rec, ctx, inputs),
        "decision": D.decision_data(records, ctx, inputs),
        "minutes": D.minutes_data(villages[0], records, ctx, inputs),
        "posting": D.posting_data(villages[0], records, ctx, inputs),
        "report": D.report_data(fig, records, ctx, inputs),
        "household_form": D.household_form_data(rec, ctx, inputs, D.Memo(ctx), {   # a rank, a member's job
            "answers": [{"name": "r", "label": "Xếp hạng", "value": "A, B", "order": ["A", "B"]}],
            "members": [{"index": 0, "name": "Lò Văn Tòng", "answers": [], "repeats": [
                {"name": "jobs", "label": "Việc làm", "instances": [
                    {"number": 1, "answers": [{"name": "job", "label": "Công việc", "value": "Lúa", "order": None}],
                     "repeats": []}]}]}]}),
    }
    for name, kind in KINDS.items():
        data = built[name]
        assert set(data.values) == kind.values, (name, set(data.values) ^ kind.values)
        assert set(data.sources) == set(kind.sources), name
        for source, fields in kind.sources.items():
            rows = data.sources[source].rows
            assert rows, (name, source)
            for row in rows:
                assert set(row) <= fields and fields - {"no"} <= set(row), (name, source, set(row) ^ fields)
