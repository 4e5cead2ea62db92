"""Household sheets at commune scale: a 10,000-household demo commune printed into one PDF.

    python -m benchmarks.bench_reports                       # builds /tmp/fs-bench/reports-10k.fsdb once, reuses it
    python -m benchmarks.bench_reports --households 2000 --file /tmp/fs-bench/reports-2k.fsdb

Figures:
- the whole commune's sheets end to end (`print_sheets`: read every document, classify it, lay out, draw, save) —
  limit: under a minute (issue 6);
- the same sheets split into their steps: reading + classifying, preparing the texts, drawing + saving;
- the raw limit: a bare reportlab page of the same layout — the same pages drawn from texts made ready beforehand
  (no data, no classification, nothing prepared), written the way the sheets are; the ratio says what the data
  costs on top of the layout;
- the same bare layout through reportlab's plain canvas.drawString, to show what drawing each string costs.
Also the summary, lists and certificates of the same commune, and the Excel export, for scale.
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


def plain_canvas_draw(sheets, ctx, out) -> int:
    """The bare layout with reportlab's own drawString for every string (what the sheets did before)."""
    from reportlab.pdfgen.canvas import Canvas

    from fieldsurvey.reports import sheets as S

    class PlainPen(S.Pen):
        def text(self, x, y, s, font=S.FONT, size=7.5):
            if s:
                self.c.setFont(font, size)
                self.c.drawString(x, y, s)

        def fill(self, colour):
            self.c.setFillColor(colour)

        def show_page(self):
            self.c.showPage()

    c = Canvas(out, pagesize=S.PORTRAIT, pageCompression=1, initialFontName=S.FONT)
    pen = PlainPen(c)
    page = 1
    for d in sheets:
        page += S.draw_sheet(pen, d, page, 0, "{page}/{total}")
    c.save()
    return page - 1


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=10_000)
    ap.add_argument("--file", type=Path, default=Path("/tmp/fs-bench/reports-10k.fsdb"))
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)

    from fieldsurvey.progress import run_to_end
    from fieldsurvey.reports.sheets import Texts, prepare, sheet_pages, write_prepared
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
    n = args.households
    with Workspace.open(args.file, read_only=True) as ws:
        n = ws.household_count()
        ctx = printing.report_context(ws)
        start = time.perf_counter()
        records = run_to_end(printing.read_records(ws, standard=ctx.standard))
        t_read = time.perf_counter() - start
    print(f"{n:,} households, {pages:,} pages, PDF {out.stat().st_size / 1e6:,.1f} MB")
    start = time.perf_counter()
    texts = Texts(ctx)
    prepared = [prepare(r, ctx, texts) for r in records]
    t_prepare = time.perf_counter() - start
    total_pages = sum(sheet_pages(len(r.household.members)) for r in records)

    def draw_only() -> None:
        run_to_end(write_prepared(prepared, len(prepared), total_pages, ctx, io.BytesIO()))

    t_draw = best_of(draw_only, args.repeat)

    # the bare page: the same layout drawn from texts made ready once; a 200-household sample cycled to the full
    # count (the encodings and measurements a document remembers are the same as with the real sheets)
    sample = prepared[:200]
    sample_pages = sum(d.pages for d in sample)
    bare_sheets = list(itertools.islice(itertools.cycle(sample), n))
    bare_pages = sum(d.pages for d in bare_sheets)

    def bare() -> None:
        run_to_end(write_prepared(bare_sheets, n, bare_pages, ctx, io.BytesIO()))

    t_bare = best_of(bare, args.repeat)

    start = time.perf_counter()
    plain_canvas_draw(bare_sheets[:1000], ctx, io.BytesIO())
    t_plain = (time.perf_counter() - start) * n / 1000
    del sample_pages

    print()
    report("whole commune's sheets, end to end (print_sheets)", t_whole, "s", 60.0)
    report("  sheets per second, end to end", n / t_whole, "sheets/s")
    report("  reading + classifying every household", t_read, "s")
    report("  preparing the texts", t_prepare, "s")
    report("  drawing + saving the PDF", t_draw, "s")
    report("bare reportlab page of the same layout (ready texts)", n / t_bare, "sheets/s")
    report("end to end against the bare page (time ratio)", t_whole / t_bare, "x")
    report("bare layout through canvas.drawString per string (est.)", n / t_plain, "sheets/s")

    for name, job, unit in (("print_summary", printing.print_summary, "pages"),
                            ("print_lists", printing.print_lists, "pages"),
                            ("print_certificates", printing.print_certificates, "pages"),
                            ("export_xlsx", printing.export_xlsx, "sheets")):
        target = args.file.with_name(f"bench-{name}" + (".xlsx" if name == "export_xlsx" else ".pdf"))
        start = time.perf_counter()
        count = run_to_end(job(args.file, target))
        report(f"{name} ({count} {unit})", time.perf_counter() - start, "s")


if __name__ == "__main__":
    main()
