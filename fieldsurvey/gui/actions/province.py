"""The province's steps in the app: open a province workspace (FILE.fsprov, its keys in FILE.fsprov.keys), import a
folder of communes' results (a job with progress, each result all or nothing, a summary after), last year's figures
(from last year's province workspace, from last year's workbook, or typed in), the tables to Excel and to a
state-format PDF. Each is one call of fieldsurvey/services/province.py; the view shows what it gives."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.dialogs import passphrase as passphrase_dialog
from fieldsurvey.gui.dialogs.last_year import LastYearDialog
from fieldsurvey.gui.jobs import run_job
from fieldsurvey.gui.look import file_dialog_options
from fieldsurvey.gui.texts import language, tr
from fieldsurvey.services import province


class ProvinceActions:
    def __init__(self, window):
        self.window = window
        self.target: Path | None = None     # the province workspace open, None: none
        self.import_job = None
        self.last_import: list = []         # the reports of the last import (ResultReport)
        self.last_import_summary = ""
        self.summary_box: QMessageBox | None = None
        self.typed_dialog: LastYearDialog | None = None
        view = window.province_view
        view.import_button.clicked.connect(lambda _checked=False: self.import_results())
        view.xlsx_button.clicked.connect(lambda _checked=False: self.export_xlsx())
        view.pdf_button.clicked.connect(lambda _checked=False: self.export_pdf())
        view.from_workspace.triggered.connect(lambda _checked=False: self.last_year_from_workspace())
        view.from_workbook.triggered.connect(lambda _checked=False: self.last_year_from_workbook())
        view.typed_in.triggered.connect(lambda _checked=False: self.type_last_year())

    def folder(self) -> str:
        return str(self.target.parent) if self.target else str(Path.home())

    # --- open, close ------------------------------------------------------------------------------------------------

    def open_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self.window, tr("gui.action.open_province"), self.folder(),
                                              f"FieldSurvey (*{province.WORKSPACE_SUFFIX});;* (*)",
                                              options=file_dialog_options())
        if name:
            self.open(Path(name))

    def open(self, path: Path) -> bool:
        """Show a province workspace (the commune workspace open is closed first); False when refused. An encrypted
        one (made by `fieldsurvey init --role province`) asks its passphrase first."""
        path = Path(path)
        if not passphrase_dialog.ask_passphrase(path, self.window):
            return False
        try:
            province.info(path)
        except FieldSurveyError as exc:
            report_error(exc, self.window)
            return False
        self.window.form.flush()
        self.window.workspace.close()
        self.target = path
        self.window.province_view.open(path)
        self.window.province_opened(path)
        return True

    def close(self) -> None:
        self.target = None
        self.window.province_view.close()

    # --- import -----------------------------------------------------------------------------------------------------

    def import_results(self, sources: list[Path] | None = None):
        """Import a folder of results (asked for), or the files and folders given: a job with progress; the view
        and a summary follow."""
        if self.target is None:
            return None
        if sources is None:
            chosen = QFileDialog.getExistingDirectory(self.window, tr("gui.province.import"), self.folder(),
                                                      options=QFileDialog.ShowDirsOnly | file_dialog_options())
            if not chosen:
                return None
            sources = [Path(chosen)]
        self.import_job = run_job(province.import_results(self.target, sources, province.key_file(self.target)),
                                  tr("gui.province.importing"), self.window, on_done=self._imported)
        return self.import_job

    def _imported(self, reports) -> None:
        lang = language.code
        self.last_import = reports
        view = self.window.province_view
        view.changed_now = {r.commune_code for r in reports if r.status == "replaced"}
        view.load()
        self.window.province_changed()
        counts = {s: sum(r.status == s for r in reports) for s in ("imported", "replaced", "refused")}
        head = tr("gui.province.import_done", **counts)
        self.last_import_summary = "\n".join([head, ""] + [r.text(lang) for r in reports])
        self.window.say(head)
        box = QMessageBox(QMessageBox.Information, tr("gui.province.import"), head, QMessageBox.Ok, self.window)
        box.setObjectName("provinceImportSummary")
        box.setDetailedText("\n".join(r.text(lang) for r in reports))
        box.open()
        self.summary_box = box

    # --- last year --------------------------------------------------------------------------------------------------

    def _last_year_done(self, n: int) -> None:
        self.window.province_view.load()
        self.window.province_changed()
        self.window.province_view.show_tab("results")
        self.window.say(tr("gui.province.last_year.done", n=n))

    def last_year_from_workspace(self, old: Path | None = None) -> bool:
        if self.target is None:
            return False
        if old is None:
            name, _ = QFileDialog.getOpenFileName(self.window, tr("gui.province.last_year.workspace"), self.folder(),
                                                  f"FieldSurvey (*{province.WORKSPACE_SUFFIX})",
                                                  options=file_dialog_options())
            if not name:
                return False
            old = Path(name)
        try:
            n = province.carry_last_year(self.target, old)
        except FieldSurveyError as exc:
            report_error(exc, self.window)
            return False
        self._last_year_done(n)
        return True

    def last_year_from_workbook(self, book: Path | None = None) -> bool:
        if self.target is None:
            return False
        if book is None:
            name, _ = QFileDialog.getOpenFileName(self.window, tr("gui.province.last_year.workbook"), self.folder(),
                                                  "Excel (*.xlsx)", options=file_dialog_options())
            if not name:
                return False
            book = Path(name)
        try:
            n = province.read_last_year_workbook(self.target, book)
        except FieldSurveyError as exc:
            report_error(exc, self.window)
            return False
        self._last_year_done(n)
        return True

    def type_last_year(self):
        """A dialog: one commune's (or the province's) figures of last year, typed in."""
        if self.target is None:
            return None
        units = province.units(self.target)
        dialog = LastYearDialog(units, province.info(self.target).review_year - 1, self.save_typed, self.window)
        dialog.open()
        self.typed_dialog = dialog
        return dialog

    def save_typed(self, code: str, year: int, residents: int | None, poor: int, near_poor: int) -> bool:
        try:
            province.type_last_year(self.target, code, year, residents, poor, near_poor)
        except FieldSurveyError as exc:
            report_error(exc, self.window)
            return False
        self._last_year_done(1)
        return True

    # --- export -----------------------------------------------------------------------------------------------------

    def _out(self, suffix: str, title: str, out: Path | None) -> Path | None:
        if out is not None:
            return Path(out)
        info = province.info(self.target)
        default = Path(self.folder()) / f"tinh-{info.province_code}-{info.review_year}{suffix}"
        name, _ = QFileDialog.getSaveFileName(self.window, title, str(default), f"*{suffix}",
                                              options=file_dialog_options())
        return Path(name) if name else None

    def export_xlsx(self, out: Path | None = None) -> Path | None:
        return self._export(".xlsx", "gui.province.xlsx", province.export_xlsx, out)

    def export_pdf(self, out: Path | None = None) -> Path | None:
        return self._export(".pdf", "gui.province.pdf", province.export_pdf, out)

    def _export(self, suffix: str, title_key: str, write, out: Path | None) -> Path | None:
        """The province's tables written by `write` (the workbook or the PDF) where the user says; the path, or None."""
        if self.target is None:
            return None
        out = self._out(suffix, tr(title_key), out)
        if out is None:
            return None
        try:
            write(self.target, out, language.code)
        except FieldSurveyError as exc:
            report_error(exc, self.window)
            return None
        self.window.say(tr("gui.province.written", path=str(out)))
        return out
