"""Printing through the printing service, as a job with progress and Cancel: this household's sheet, the sheets,
village lists and certificates of the village picked in the list's filter (else the whole commune), the commune
summary, and the Excel workbook."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from fieldsurvey.gui.jobs import run_job
from fieldsurvey.gui.texts import language, tr
from fieldsurvey.services import printing

KINDS = ("sheet", "sheets", "lists", "certificates", "summary", "xlsx")


class PrintActions:
    def __init__(self, window):
        self.window = window

    def print_document(self, kind: str, out: Path | None = None):
        """Print (to a PDF, or an Excel workbook). "sheet": the household open or selected; "sheets"/"lists"/
        "certificates": the village picked in the list's filter, else the whole commune; "summary"/"xlsx": the
        commune."""
        w = self.window
        w.form.flush()  # what was just typed is in the workspace before the job reads it
        path = w.workspace.path
        if path is None:
            return None
        village = w.current_village()
        household = None
        if kind == "sheet":
            household = w.current_household()
            if household is None:
                return None
        suffix = ".xlsx" if kind == "xlsx" else ".pdf"
        if out is None:
            name = f"{kind}-{(household or '')[:8] or village or w.workspace.ws.info.commune_code}{suffix}"
            title = tr(f"gui.action.print_{kind}" if kind != "xlsx" else "gui.action.export_xlsx")
            chosen, _ = QFileDialog.getSaveFileName(w, title, str(Path(path).parent / name), f"*{suffix}")
            if not chosen:
                return None
            out = Path(chosen)
        lang = language.code
        jobs = {"sheet": lambda: printing.print_sheets(path, out, household=household, lang=lang),
                "sheets": lambda: printing.print_sheets(path, out, village=village, lang=lang),
                "lists": lambda: printing.print_lists(path, out, village=village, lang=lang),
                "certificates": lambda: printing.print_certificates(path, out, village=village, lang=lang),
                "summary": lambda: printing.print_summary(path, out, lang=lang),
                "xlsx": lambda: printing.export_xlsx(path, out, lang=lang)}
        return run_job(jobs[kind](), tr("gui.job.print"), w,
                       on_done=lambda n: w.say(tr("gui.job.printed", path=str(out), n=n), 10000))
