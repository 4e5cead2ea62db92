"""`fieldsurvey print …` and `fieldsurvey export-xlsx` through click, on the real workspace file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from fieldsurvey.cli import main
from tests.reports.conftest import flat, pdf_pages


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_print_sheets_village_and_household(commune, tmp_path):
    out = tmp_path / "sheets.pdf"
    mine = [h for h in commune.present() if h.village == "Thôn Nà Đình"]
    r = run("print", "sheets", str(commune.path), "--out", str(out), "--village", "Thôn Nà Đình", "--quiet")
    assert r.exit_code == 0, r.output
    assert f"{len(mine)} pages" in r.output
    assert len(pdf_pages(out)) == len(mine)

    h = mine[0]
    r = run("print", "sheets", str(commune.path), "--out", str(out), "--household", h.uuid[:8], "--lang", "en")
    assert r.exit_code == 0, r.output
    (text,) = pdf_pages(out)
    assert h.head in text and "Page 1 of 1" in text


def test_print_lists_and_certificates(commune, tmp_path):
    out = tmp_path / "lists.pdf"
    r = run("print", "lists", str(commune.path), "--out", str(out), "--village", "ban khuoi cung", "--quiet")
    assert r.exit_code == 0, r.output
    texts = pdf_pages(out)
    assert f"{len(texts)} pages" in r.output and "BIÊN BẢN KẾT QUẢ HỌP DÂN" in texts[0]
    assert "DANH SÁCH NIÊM YẾT" in flat(texts[-1]) or "DANH SÁCH NIÊM YẾT" in flat(texts[-2])
    r = run("print", "decision", str(commune.path), "--out", str(out), "--number", "17", "--quiet")
    assert r.exit_code == 0, r.output
    assert "Số: ……/QĐ-UBND" in flat(pdf_pages(out)[0])          # a draft carries no number, even when given
    cert = tmp_path / "cert.pdf"
    r = run("print", "certificates", str(commune.path), "--out", str(cert), "--quiet")
    assert r.exit_code == 0, r.output
    texts = pdf_pages(cert)
    assert "Số: ……/GCN-HN.HCN" in flat(texts[0]) and "BẢN NHÁP" in texts[0]     # a draft carries no number
    r = run("print", "certificates", str(commune.path), "--out", str(cert), "--official", "--quiet")
    assert r.exit_code == 1 and "no household is approved yet" in r.output
    r = run("issued", str(commune.path))
    assert r.exit_code == 0 and r.output.strip() == "nothing issued yet"


def test_bad_input_is_a_clear_message(commune, tmp_path):
    out = tmp_path / "x.pdf"
    r = run("print", "sheets", str(commune.path), "--out", str(out), "--village", "Thôn Mười", "--quiet")
    assert r.exit_code == 1 and "no village 'Thôn Mười'" in r.output and "Thôn Nà Đình" in r.output
    assert "Traceback" not in r.output
    r = run("print", "sheets", str(commune.path), "--out", str(tmp_path / "nowhere" / "x.pdf"), "--quiet")
    assert r.exit_code == 1 and "does not exist" in r.output
    r = run("print", "sheets", str(tmp_path / "missing.fsdb"), "--out", str(out))
    assert r.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_print_summary_and_export_xlsx(commune, tmp_path):
    import openpyxl

    pdf, xlsx = tmp_path / "summary.pdf", tmp_path / "summary.xlsx"
    r = run("print", "summary", str(commune.path), "--out", str(pdf), "--lang", "en", "--quiet")
    assert r.exit_code == 0, r.output
    texts = pdf_pages(pdf)
    assert f"{len(texts)} pages" in r.output and "Table 1. RESULTS OF THE 2026 REVIEW BY VILLAGE" in flat(texts[1])
    r = run("print", "analysis", str(commune.path), "--out", str(pdf), "--quiet")
    assert r.exit_code == 0 and "Alkire–Foster" in flat(" ".join(pdf_pages(pdf)))
    r = run("export-xlsx", str(commune.path), "--out", str(xlsx))
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(xlsx)
    assert f"{len(wb.sheetnames)} sheets" in r.output and "Đang xuất Excel" in r.output   # progress, in Vietnamese
    assert wb["1 Kết quả theo thôn"]["B6"].value == "Thôn Nà Đình"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []      # no temporary file left


def test_a_cancelled_lists_job_leaves_nothing(commune, tmp_path):
    from fieldsurvey.services.printing import print_lists

    out = tmp_path / "lists.pdf"
    job = print_lists(commune.path, out)
    for p in job:
        if p.message == "Đang in danh sách họp thôn":
            break
    job.close()
    assert list(tmp_path.iterdir()) == []


def test_an_empty_workspace_prints_without_error(tmp_path):
    import openpyxl

    from fieldsurvey.storage.workspace import Workspace
    from tests.reports.conftest import INFO, VILLAGES

    Workspace.create(tmp_path / "empty.fsdb", INFO, VILLAGES).close()
    ws = str(tmp_path / "empty.fsdb")
    for kind in ("sheets", "certificates"):
        out = tmp_path / f"{kind}.pdf"
        assert run("print", kind, ws, "--out", str(out), "--quiet").exit_code == 0
        (text,) = pdf_pages(out)
        assert "Không có hộ nào để in." in text and "Trang 1/1" in text and "Rà soát định kỳ năm 2026 · In lúc" in text
    out = tmp_path / "summary.pdf"
    assert run("print", "summary", ws, "--out", str(out), "--quiet").exit_code == 0
    assert "Biểu 1. KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO THEO THÔN" in flat(pdf_pages(out)[1])
    assert run("export-xlsx", ws, "--out", str(tmp_path / "e.xlsx"), "--quiet").exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "e.xlsx")
    # no resident households entered: the rates' denominator is empty, never the households listed
    assert wb["1 Kết quả theo thôn"]["C9"].value is None
    assert "Chưa nhập số hộ dân cư cho: Thôn Nà Đình, Bản Khuổi Củng, Thôn Phiêng Luông" in \
        flat(" ".join(pdf_pages(out)))
    # …and the signed copy is refused until they are, saying which villages lack them, and nothing is written
    official = tmp_path / "official.pdf"
    r = run("print", "summary", ws, "--out", str(official), "--official", "--quiet", "--lang", "vi")
    assert r.exit_code != 0 and "Chưa nhập cho: Thôn Nà Đình" in r.output and not official.exists()
    r = run("print", "summary", ws, "--out", str(official), "--official", "--quiet")   # English unless asked
    assert "Not entered for: Thôn Nà Đình" in r.output and not official.exists()
    # the resident households entered, the ethnic-minority ones of two villages not yet: the draft's note and the
    # signed copy's refusal name that one village
    for village, n in zip(VILLAGES, (40, 30, 20)):
        extra = ["--minority", str(n // 2)] if village != VILLAGES[1] else []
        assert run("villages", "residents", ws, village, str(n), *extra).exit_code == 0
    assert run("print", "summary", ws, "--out", str(out), "--quiet").exit_code == 0
    notes = flat(" ".join(pdf_pages(out)))
    assert f"Chưa nhập số hộ dân tộc thiểu số cho: {VILLAGES[1]}." in notes and "Chưa nhập số hộ dân cư" not in notes
    r = run("print", "summary", ws, "--out", str(official), "--official", "--quiet", "--lang", "vi")
    assert r.exit_code != 0 and not official.exists()
    assert f"Báo cáo chính thức ghi tỷ lệ hộ nghèo, hộ cận nghèo trong hộ dân tộc thiểu số của từng thôn nên cần số " \
           f"hộ dân tộc thiểu số của từng thôn. Chưa nhập cho: {VILLAGES[1]}." in " ".join(r.output.split())
    r = run("print", "summary", ws, "--out", str(official), "--official", "--quiet")
    assert f"ethnic-minority resident households. Not entered for: {VILLAGES[1]}." in " ".join(r.output.split())
    assert run("villages", "residents", ws, VILLAGES[1], "30", "--minority", "0").exit_code == 0
    r = run("print", "summary", ws, "--out", str(official), "--official", "--quiet")   # every number entered: what
    assert "no household is approved yet" in r.output and not official.exists()        # stops it now is the count


def test_a_workspace_from_an_older_version_prints(tmp_path):
    """Printing opens the file as the app does: one made by an older FieldSurvey is upgraded first."""
    import shutil

    from tests.reports.conftest import fonts

    old = tmp_path / "old.fsdb"
    shutil.copy(Path(__file__).parents[1] / "fixtures" / "schemas" / "0001_initial.fsdb", old)
    out = tmp_path / "sheets.pdf"
    r = run("print", "sheets", str(old), "--out", str(out), "--quiet")
    assert r.exit_code == 0, r.output
    assert len(pdf_pages(out)) == 12 and all("not embedded" not in f for f in fonts(out))
    assert not (tmp_path / "backups").exists()          # printing made no backup
