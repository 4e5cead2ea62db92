"""The province's commands, as a province officer types them, on an SQLite file and on a PostgreSQL database."""

from __future__ import annotations

import json
import shutil

import openpyxl
from click.testing import CliRunner
from pypdf import PdfReader

from fieldsurvey.cli import main
from fieldsurvey.services import province
from fieldsurvey.services import sync as svc
from tests.province.conftest import COMMUNES, PROVINCE


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert (result.exit_code == 0) == ok, result.output
    return result


def test_a_province_officer_rolls_up_from_the_command_line(target, built, tmp_path, monkeypatch):
    from fieldsurvey.storage import encryption

    monkeypatch.setattr(encryption, "COST", encryption.Cost(2 ** 10, 8, 1))
    monkeypatch.setenv("FIELDSURVEY_NEW_PASSPHRASE", "sở lao động tỉnh")   # an SQLite roll-up is encrypted
    monkeypatch.setenv("FIELDSURVEY_PASSPHRASE", "sở lao động tỉnh")
    file = tmp_path / "tinh.fsprov"
    db = [] if target.endswith(".fsprov") else ["--database", target]
    if not db:
        file = target
    out = run("init", file, "--user", "so-nnmt", "--role", "province", "--province", PROVINCE, *db).output
    assert "province so-nnmt" in out and "fingerprint" in out
    assert encryption.is_encrypted(file) if not db else not encryption.header_path(file).exists()
    encryption.forget_all()
    run("keys", "export", file, "--out", tmp_path / "tinh.fskey")
    assert json.loads((tmp_path / "tinh.fskey").read_text())["commune_code"] == PROVINCE
    shutil.copy(built.keys, f"{file}.keys")   # the identity the communes' results were encrypted to
    first = built.communes[0]
    spoken = svc.spoken_fingerprint(svc.read_key(first.key))
    refused = CliRunner().invoke(main, [str(a) for a in ("province", "trust", file, first.key, *db)], input="n\n")
    assert refused.exit_code != 0 and spoken in refused.output and "Traceback" not in refused.output
    wrong = run("province", "trust", file, first.key, *db, "--fingerprint", "12345 67890", ok=False)
    assert "Traceback" not in wrong.output and spoken in wrong.output
    asked = CliRunner().invoke(main, [str(a) for a in ("province", "trust", file, first.key, *db)], input="y\n")
    assert asked.exit_code == 0 and spoken in asked.output and first.code in asked.output, asked.output
    for c in built.communes[1:3]:
        told = svc.spoken_fingerprint(svc.read_key(c.key))
        assert c.code in run("province", "trust", file, c.key, *db, "--fingerprint", told).output
    folder = tmp_path / "results"
    folder.mkdir()
    for c in built.communes[:3]:
        shutil.copy(c.result, folder)
    out = run("province", "import", file, folder, *db, "--quiet").output
    assert out.count("kết quả số 1") == 3
    again = json.loads(run("province", "import", file, folder, *db, "--quiet", "--json").output)
    assert [r["status"] for r in again] == ["refused"] * 3 and "imported already" in again[0]["error"]
    if not db:   # the roll-up holds the heads' names and ID numbers: none of them in any file of it
        from pathlib import Path

        with province.opened(file) as store:
            held = store.db.rows("SELECT head_name, head_id FROM households WHERE head_name IS NOT NULL")
        assert len([r for r in held if r[0]]) > 50
        secrets = {v.encode("utf-8") for row in held for v in row if v and len(v) > 8}
        beside = [f for f in Path(file).parent.iterdir() if f.is_file() and f.name.startswith(Path(file).name)]
        assert {Path(file).name, Path(file).name + ".key"} <= {f.name for f in beside}
        for f in beside:
            data = f.read_bytes()
            assert not any(s in data for s in secrets), f
    status = run("province", "status", file, *db, "--lang", "en").output
    assert "3 of 92 communes reported" in status
    run("province", "deadline", file, "2026-01-01", *db)
    assert "(3 late)" in run("province", "status", file, *db, "--lang", "en").output
    tables = json.loads(run("province", "tables", file, *db, "--json").output)
    assert len(tables["communes"]) == 3 and tables["province"]["code"] == PROVINCE
    assert run("province", "tables", file, *db).output.count("\n") == 4
    run("province", "last-year", file, *db, "--commune", PROVINCE, "--year", "2025", "--households", "300000",
        "--poor", "12000", "--near-poor", "15000")
    sentence = run("province", "sentence", file, *db).output.splitlines()[0]
    assert sentence.startswith("Tỉnh Thái Nguyên:") and "12.000 hộ nghèo, 4,00 %" in sentence and "năm 2025" in sentence
    assert "communes reported" not in run("province", "changes", file, *db).output
    assert "Không có hộ nào" in run("province", "duplicates", file, *db).output
    run("province", "export-xlsx", file, *db, "--out", tmp_path / "tinh.xlsx", "--lang", "en")
    assert openpyxl.load_workbook(tmp_path / "tinh.xlsx").sheetnames[0] == "Results by commune"
    bad = run("province", "last-year", file, *db, "--commune", "01001", "--year", "2025", "--poor", "1",
              "--near-poor", "1", ok=False)
    assert "01001" in bad.output
    # this year's workbook is no last year's; one of its format with the year given is
    refused = run("province", "last-year", file, *db, "--workbook", tmp_path / "tinh.xlsx", ok=False)
    assert "Traceback" not in refused.output and "last year" in refused.output
    book = openpyxl.load_workbook(tmp_path / "tinh.xlsx")
    book.properties.identifier = None
    book.save(tmp_path / "old.xlsx")
    assert run("province", "last-year", file, *db, "--workbook", tmp_path / "old.xlsx", "--year", "2025").output \
        == "3 communes\n"
    out = run("province", "export-pdf", file, *db, "--out", tmp_path / "tinh.pdf", "--number", "7",
              "--chairman", "Nguyễn Văn An", "--date", "2026-12-18").output
    assert out.startswith(f"{tmp_path / 'tinh.pdf'}: ") and "pages" in out
    first = " ".join(PdfReader(tmp_path / "tinh.pdf").pages[0].extract_text().split())
    assert "Số: 7/BC-UBND" in first and "ngày 18 tháng 12 năm 2026" in first and "Nguyễn Văn An" in first


def test_a_commune_supervisor_exports_the_result_from_the_command_line(built, tmp_path):
    c = built.communes[5]
    out = run("result", "export", c.path, "--out", tmp_path, "--quiet").output
    assert "result no. 2" in out   # the fixture's export was no. 1
    made = next(tmp_path.glob("*.fsresult"))
    assert made.name.startswith(f"{c.code}_result_2026_0002_")
    assert province.result_files([tmp_path]) == [made]
    assert COMMUNES == 30


def test_results_checked_by_worker_processes_give_the_same_tables(built, tmp_path, monkeypatch):
    """`fieldsurvey province import` in a process of its own checks the results on worker processes (forked) while
    it stores; the tables are those of an import checked in one process."""
    import subprocess
    import sys

    from fieldsurvey import parallel
    from fieldsurvey.progress import run_to_end
    from tests.province.conftest import new_province

    files = built.results()[:6]
    here = new_province(str(tmp_path / "here.fsprov"), built)
    monkeypatch.setattr(province, "PAYS", parallel.Pays(forked=10**9, spawned=None))
    assert all(r.status == "imported" for r in run_to_end(province.import_results(here, files, keys=built.keys)))
    there = new_province(str(tmp_path / "there.fsprov"), built)
    shutil.copy(built.keys, f"{there}.keys")
    code = ("import sys; from fieldsurvey.services import province; from fieldsurvey.progress import run_to_end; "
            "from pathlib import Path; import fieldsurvey.parallel as p; "
            "calls = []; real = p.map_chunks\n"
            "def spy(*a, **k):\n    calls.append(p.start_method()); return real(*a, **k)\n"
            "province.parallel.map_chunks = spy\n"
            "r = run_to_end(province.import_results(sys.argv[1], [Path(x) for x in sys.argv[2:]]))\n"
            "assert all(x.status == 'imported' for x in r), [x.text('en') for x in r]\nprint(calls[0])")
    out = subprocess.run([sys.executable, "-c", code, there, *map(str, files)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "fork"
    assert province.tables(there) == province.tables(here)
