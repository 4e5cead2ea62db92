"""Printing at commune scale: 10,000 households' forms (Phiếu B) and 10,000 certificates, each against a bare
reportlab page of the same layout.

    python -m benchmarks.bench_reports                       # builds /tmp/fs-bench/reports-10k.fsdb once, reuses it
    python -m benchmarks.bench_reports --households 2000 --file /tmp/fs-bench/reports-2k.fsdb

Figures:
- the households' forms end to end (`print_sheets`: read every document, classify it, fill the template, lay out,
  draw, save), split into reading + classifying, preparing (data and layout) and drawing + saving;
- the forms' bare page: the same layout laid out and drawn from texts made ready beforehand (a 200-household sample
  of the forms' data cycled to the full count: no reading, no classification, no catalogue texts), written the way
  the forms are; and, below it, only the writing of pages already laid out;
- 10,000 certificates end to end: the template renderer's certificate (Decision 24/2021, Mẫu số 03) for every
  household of the commune, read and classified from the workspace (the commune has far fewer poor households, so
  every household is given a certificate here, for the count);
- the certificates' bare page: the same layout — the same tables, paragraphs and page breaks — written straight
  with reportlab's platypus from fixed texts, no workspace, no template;
- the ratio of each to its bare page (the issue's limit: within 2×).
Also the summary, lists, decision and the Excel export of the same commune, for scale.
"""

from __future__ import annotations

import argparse
import io
import itertools
import time
from pathlib import Path

from benchmarks.harness import best_of, machine, report


def build(path: Path, households: int) -> None:
    from fieldsurvey.progress import run_to_end
    from fieldsurvey.services.workspaces import create_demo

    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    run_to_end(create_demo(path, households=households, seed=11, villages=12))
    print(f"built {path} ({households:,} households) in {time.perf_counter() - start:.0f} s", flush=True)


def bare_certificates(count: int, out) -> int:
    """The certificate's layout written straight with platypus: the same header, paragraphs, tables (member table
    with the Nam | Nữ sub-columns, the yearly grid), page break, signature and notes, from fixed texts."""
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import (BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer, Table,
                                    TableStyle)

    from fieldsurvey.reports.base import FONT, FONT_BOLD, FONT_ITALIC, PORTRAIT, register_fonts
    from fieldsurvey.reports.stateformat import state_format

    register_fonts()
    sf = state_format()
    width = PORTRAIT[0] - sf.left - sf.right

    def st(size, font=FONT, align=0):
        return ParagraphStyle(f"b{size}{font}{align}", fontName=font, fontSize=size, leading=size * 1.2,
                              alignment=align)

    body, bold, italic = st(14, FONT, TA_JUSTIFY), st(14, FONT_BOLD), st(14, FONT_ITALIC, TA_JUSTIFY)
    cell, head = st(12), st(12, FONT_BOLD, TA_CENTER)
    plain = TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    grid = TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                       ("SPAN", (4, 0), (5, 0))] + [("SPAN", (c, 0), (c, 1)) for c in (0, 1, 2, 3, 6)])
    lines = TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, "black")])

    def one() -> list:
        header = Table([[[Paragraph("UBND XÃ LÂM BÌNH", st(13, FONT_BOLD, TA_CENTER)),
                          Paragraph("Số: 12/GCN-HN.HCN", st(13, FONT, TA_CENTER))], "",
                         [Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st(13, FONT_BOLD, TA_CENTER)),
                          Paragraph("Độc lập - Tự do - Hạnh phúc", st(14, FONT_BOLD, TA_CENTER)),
                          Paragraph("Lâm Bình, ngày 20 tháng 11 năm 2026", st(14, FONT_ITALIC, TA_CENTER))]]],
                       colWidths=[width * 0.36, width * 0.04, width * 0.6], style=plain)
        members = [[Paragraph(x, head) for x in ("STT", "Họ và tên", "Dân tộc", "Quan hệ với chủ hộ", "Năm sinh",
                                                 "", "Ghi chú (trường hợp thay đổi thành viên trong hộ)")],
                   ["", "", "", "", Paragraph("Nam", head), Paragraph("Nữ", head), ""]]
        for i, (name, sex) in enumerate((("Đặng Thị Ngọc Ánh", 1), ("Lò Văn Tuấn", 0), ("Hoàng Bảo Ngọc", 1)), 1):
            members.append([Paragraph(str(i), cell), Paragraph(name, cell), Paragraph("H'Mông", cell),
                            Paragraph("Con", cell), Paragraph("" if sex else "1985", cell),
                            Paragraph("1981" if sex else "", cell), ""])
        members += [[""] * 7 for _ in range(5)]
        years = [[Paragraph(x, head) for x in ("Năm", "Hộ nghèo", "Hộ cận nghèo", "Chủ tịch UBND xã (ký tên, "
                                                                                 "đóng dấu)")]]
        years += [[Paragraph(str(y), cell), Paragraph("x" if y == 2026 else "", cell), "", ""]
                  for y in range(2022, 2027)]
        story = [Paragraph("Mẫu số 03", st(12, FONT_BOLD, TA_RIGHT)), header, Spacer(1, 14),
                 Paragraph("GIẤY CHỨNG NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO", st(14, FONT_BOLD, TA_CENTER))]
        story += [Paragraph(t, italic) for t in (
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
            "Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa "
            "phương ngày 22 tháng 11 năm 2019;",
            "Căn cứ Nghị định số 07/2021/NĐ-CP của Chính phủ quy định chuẩn nghèo đa chiều giai đoạn 2021 – 2025;",
            "Căn cứ kết quả rà soát hộ nghèo, hộ cận nghèo năm 2026 trên địa bàn xã Lâm Bình,")]
        story += [Paragraph("Chủ tịch Ủy ban nhân dân xã Lâm Bình chứng nhận:", bold),
                  Table([[Paragraph("Hộ gia đình ông/bà: Đặng Thị Ngọc Ánh", body),
                          Paragraph("Dân tộc: H'Mông", body)]], colWidths=[width * 0.62, width * 0.38]),
                  Table([[Paragraph("Số CCCD/CMND: 008000000002", body), Paragraph("Ngày cấp: ……", body)]],
                        colWidths=[width * 0.62, width * 0.38]),
                  Paragraph("Nơi thường trú: Tổ 3, Thôn Nà Đình, Xã Lâm Bình, Tuyên Quang", body),
                  Paragraph("I. DANH SÁCH THÀNH VIÊN HỘ GIA ĐÌNH", bold),
                  Table(members, colWidths=[w * width / 11.6 for w in (0.8, 3.2, 1.3, 1.6, 1, 1, 2.2)],
                        style=grid), PageBreak(),
                  Paragraph("II. XÁC NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO HẰNG NĂM", bold),
                  Table(years, colWidths=[w * width / 7.6 for w in (1, 1.3, 1.3, 4)],
                        rowHeights=[None] + [42] * 5, style=lines),
                  Table([["", [Paragraph("CHỦ TỊCH", st(14, FONT_BOLD, TA_CENTER)),
                               Paragraph("(Ký tên, đóng dấu)", st(13, FONT_ITALIC, TA_CENTER)), Spacer(1, 38)]]],
                        colWidths=[width * 0.45, width * 0.55], style=plain),
                  Paragraph("Những điều cần lưu ý:", bold)]
        story += [Paragraph("1. Giấy chứng nhận được cấp cho hộ gia đình làm căn cứ xác định hộ và các thành viên "
                            "được hưởng các chính sách hỗ trợ đối với hộ nghèo, hộ cận nghèo.", st(12, FONT_ITALIC))
                  for _ in range(3)]
        return story

    story: list = []
    for i in range(count):
        if story:
            story.append(PageBreak())
        story += one()
    doc = BaseDocTemplate(out, pagesize=PORTRAIT)
    doc.addPageTemplates([PageTemplate("p", [Frame(sf.left, sf.bottom, width, PORTRAIT[1] - sf.top - sf.bottom,
                                                   leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)])])
    doc.build(story)
    return doc.page


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=10_000)
    ap.add_argument("--file", type=Path, default=Path("/tmp/fs-bench/reports-10k.fsdb"))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--skip-certificates", action="store_true")
    args = ap.parse_args(argv)

    from fieldsurvey.progress import run_to_end
    from fieldsurvey.reports.documents import Inputs, Memo, certificate_data, household_form_data
    from fieldsurvey.reports.render import TemplateRenderer
    from fieldsurvey.reports.sheets import Layout, write_sheets
    from fieldsurvey.reports.templates import load_template
    from fieldsurvey.services import printing
    from fieldsurvey.storage.workspace import Workspace

    if not args.file.exists():
        build(args.file, args.households)
    print(machine())
    out = args.file.with_name("bench-sheets.pdf")
    pages = 0

    def whole() -> None:
        nonlocal pages
        pages = run_to_end(printing.print_sheets(args.file, out))

    t_whole = best_of(whole, args.repeat)
    with Workspace.open(args.file, read_only=True) as ws:
        n = ws.household_count()
        ctx = printing.report_context(ws)
        start = time.perf_counter()
        records = run_to_end(printing.read_records(ws, standard=ctx.standard))
        t_read = time.perf_counter() - start
    records = [r for r in records if not r.moved_away]
    print(f"{n:,} households, {pages:,} form pages, PDF {out.stat().st_size / 1e6:,.1f} MB")
    tpl = load_template("household_form")
    start = time.perf_counter()
    memo, layout, inputs = Memo(ctx), Layout(tpl, ctx), Inputs()
    prepared = [layout.sheet(household_form_data(r, ctx, inputs, memo)) for r in records]
    t_prepare = time.perf_counter() - start

    def draw_only() -> None:
        run_to_end(write_sheets(prepared, len(prepared), ctx, io.BytesIO(), "x"))

    t_draw = best_of(draw_only, args.repeat)
    # the bare page: the same layout laid out and drawn from texts made ready beforehand — a 200-household sample
    # of the forms' data cycled to the full count (no reading, no classifying, no catalogue texts)
    ready = [household_form_data(r, ctx, inputs, memo) for r in records[:200]]
    cycled = list(itertools.islice(itertools.cycle(ready), len(records)))

    def bare() -> None:
        lay = Layout(tpl, ctx)
        run_to_end(write_sheets((lay.sheet(d) for d in cycled), len(cycled), ctx, io.BytesIO(), "x"))

    t_bare = best_of(bare, args.repeat)
    laid = list(itertools.islice(itertools.cycle(prepared[:200]), len(prepared)))
    t_pdf = best_of(lambda: run_to_end(write_sheets(laid, len(laid), ctx, io.BytesIO(), "x")), args.repeat)

    print()
    report("households' forms, end to end (print_sheets)", t_whole, "s", 60.0)
    report("  forms per second, end to end", len(records) / t_whole, "forms/s")
    report("  reading + classifying every household", t_read, "s")
    report("  preparing the forms (data, template, layout)", t_prepare, "s")
    report("  drawing + saving the PDF", t_draw, "s")
    report("bare page of the same layout (laid out and drawn from ready texts)", len(records) / t_bare, "forms/s")
    report("forms end to end against the bare page (time ratio)", t_whole / t_bare, "x", 2.0)
    report("  only writing pages already laid out (no layout at all)", len(records) / t_pdf, "forms/s")

    if not args.skip_certificates:
        cert = load_template("certificate")
        count = len(records)

        def certificates() -> None:
            with Workspace.open(args.file, read_only=True) as ws:
                c = printing.report_context(ws)
                recs = [r for r in run_to_end(printing.read_records(ws, standard=c.standard)) if not r.moved_away]
            TemplateRenderer(c, cert).write(((cert, certificate_data(r, c, cert, inputs, None)) for r in recs),
                                            io.BytesIO())

        t_cert = best_of(certificates, 1)
        t_cert_bare = best_of(lambda: bare_certificates(count, io.BytesIO()), 1)
        report(f"{count:,} certificates, end to end (read, classify, template, platypus)", t_cert, "s")
        report(f"{count:,} certificates, bare platypus page of the same layout", t_cert_bare, "s")
        report("certificates end to end against the bare page (time ratio)", t_cert / t_cert_bare, "x", 2.0)

    for name, job, unit in (("print_summary", printing.print_summary, "pages"),
                            ("print_analysis", printing.print_analysis, "pages"),
                            ("print_lists", printing.print_lists, "pages"),
                            ("print_decision", printing.print_decision, "pages"),
                            ("print_certificates", printing.print_certificates, "pages"),
                            ("export_xlsx", printing.export_xlsx, "sheets")):
        target = args.file.with_name(f"bench-{name}" + (".xlsx" if name == "export_xlsx" else ".pdf"))
        start = time.perf_counter()
        count = run_to_end(job(args.file, target))
        report(f"{name} ({count} {unit})", time.perf_counter() - start, "s")


if __name__ == "__main__":
    main()
