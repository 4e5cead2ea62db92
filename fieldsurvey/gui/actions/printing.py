"""Printing through the printing service, as a job with progress and Cancel. Drafts of every document the state
receives, from the Print menu: this household's form; the forms, requests (Mẫu 01, Mẫu 04), village minutes and
posting lists and certificates of the village picked in the list's filter (else the whole commune); the chairman's
decision, the commune's report, the analysis and the Excel workbook. The official copy through its dialog — in a
supervisor's workspace only — and the register of what was issued."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.dialogs.issued import IssuedDialog
from fieldsurvey.gui.dialogs.official import OfficialDialog, OfficialRequest
from fieldsurvey.gui.dialogs.printed import PrintedDialog
from fieldsurvey.gui.jobs import JobHandle, run_job
from fieldsurvey.gui.look import file_dialog_options
from fieldsurvey.gui.texts import day, error_text, language, tr
from fieldsurvey.i18n import fold
from fieldsurvey.services import households, printing, review, workspaces
from fieldsurvey.services.households import HouseholdFilter, HouseholdStatus

CHAIRMAN_SETTING = "print/chairman"   # the signer's name, remembered between uses
FOLDER_SETTING = "print/folder"       # where the last document was saved


@dataclass(frozen=True)
class Document:
    """A document the app prints: `reach` what it may be narrowed to ("household": one household or a village,
    "village", "commune"); `number` the number it carries ("decision", "report": the commune's; "certificate":
    from the register); `signed` whether it carries the chairman's name; `official` whether it has an official
    copy; `suffix` the file's."""
    key: str
    reach: str = "commune"
    number: str | None = None
    signed: bool = False
    official: bool = True
    suffix: str = ".pdf"


DOCUMENTS = {d.key: d for d in (
    Document("sheets", "household"),                    # Phiếu B, for the head's signature
    Document("request_review", "household"),            # Mẫu số 01
    Document("request_escape", "household"),            # Mẫu số 04
    Document("lists", "village"),                       # biên bản họp dân + danh sách niêm yết
    Document("minutes", "village"),
    Document("posting", "village"),
    Document("decision", number="decision", signed=True),            # Mẫu số 02 and its four lists
    Document("certificates", "household", number="certificate", signed=True),   # Mẫu số 03
    Document("summary", number="report", signed=True),               # báo cáo kết quả rà soát
    Document("xlsx", number="report", signed=True, suffix=".xlsx"),
    Document("analysis", official=False),
)}


def document_job(kind: str, path: Path, out: Path, village: str | None = None, household: str | None = None,
                 lang: str = "vi", official: bool = False, inputs=None, first_number: int | None = None):
    """The printing service's job for a document of `kind` (DOCUMENTS; "sheet" is "sheets" for one household)."""
    kind = "sheets" if kind == "sheet" else kind
    common = {"lang": lang, "official": official, "inputs": inputs}
    scope = {"village": village, "household": household}
    if kind == "sheets":
        return printing.print_sheets(path, out, **scope, **common)
    if kind in ("request_review", "request_escape"):
        return printing.print_requests(path, out, form=kind.split("_")[1], **scope, **common)
    if kind == "lists":
        return printing.print_lists(path, out, village=village, **common)
    if kind == "minutes":
        return printing.print_minutes(path, out, village=village, **common)
    if kind == "posting":
        return printing.print_posting(path, out, village=village, **common)
    if kind == "decision":
        return printing.print_decision(path, out, **common)
    if kind == "certificates":
        return printing.print_certificates(path, out, first_number=first_number, **scope, **common)
    if kind == "summary":
        return printing.print_summary(path, out, **common)
    if kind == "xlsx":
        return printing.export_xlsx(path, out, **common)
    if kind == "analysis":
        return printing.print_analysis(path, out, lang=lang)
    raise KeyError(kind)


def slug(text: str) -> str:
    """A name as a file name carries it: "Thôn Nà Đình" → "thon-na-dinh"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


class PrintActions:
    def __init__(self, window):
        self.window = window
        self.job: JobHandle | None = None                       # the last printing started
        self.official_dialog: OfficialDialog | None = None
        self.issued_dialog: IssuedDialog | None = None
        self.printed_dialog: PrintedDialog | None = None        # what to do with the last printout

    # --- drafts -------------------------------------------------------------------------------------------------------

    def print_document(self, kind: str, out: Path | None = None) -> JobHandle | None:
        """Print a draft (to a PDF, or an Excel workbook). "sheet": the household open or selected; the forms,
        requests, minutes, posting lists and certificates: the village picked in the list's filter, else the whole
        commune; the decision, the report, the analysis and the workbook: the commune."""
        w = self.window
        w.form.flush()  # what was just typed is in the workspace before the job reads it
        path = w.workspace.path
        if path is None:
            return None
        household = None
        if kind == "sheet":
            household = w.current_household()
            if household is None:
                w.say(tr("gui.print.pick_household"), 8000)
                return None
        d = DOCUMENTS["sheets" if kind == "sheet" else kind]
        village = w.current_village() if d.reach != "commune" and household is None else None
        if out is None:
            out = self.ask_file(tr(f"gui.action.{action_key(kind)}"), kind, False, village, household, w)
            if out is None:
                return None
        self.job = run_job(document_job(kind, path, out, village, household, language.code), tr("gui.job.print"), w,
                           on_done=lambda n: self.printed(out, tr("gui.job.printed", path=str(out), n=n)))
        return self.job

    def printed(self, out: Path, message: str) -> PrintedDialog:
        """A printout is written: say where, and offer to print it on paper or open it (not modal: the work goes
        on beside it)."""
        w = self.window
        w.say(message, 15000)
        if self.printed_dialog is not None:
            self.printed_dialog.deleteLater()
        dialog = PrintedDialog(out, w)
        dialog.show()
        dialog.raise_()
        self.printed_dialog = dialog
        return dialog

    def default_name(self, kind: str, official: bool, village: str | None = None, household: str | None = None,
                     number: str | None = None) -> str:
        """A file name the user recognises, in the app's language: "ban-nhap-quyet-dinh-xa-lam-binh-2026.pdf",
        "giay-chung-nhan-thon-1-2026.pdf", "quyet-dinh-125-xa-lam-binh-2026.pdf", "phieu-b-0e64fcd9-2026.pdf"."""
        info = self.window.workspace.ws.info
        d = DOCUMENTS["sheets" if kind == "sheet" else kind]
        parts = [] if official else [tr("gui.print.file.draft")]
        parts.append(tr(f"gui.print.file.{d.key}"))
        if number:
            parts.append(number)
        if household:
            parts.append(household[:8])
        else:
            parts.append(village or info.commune_name)
        parts.append(str(info.review_year))
        return "-".join(slug(p) for p in parts if slug(p)) + d.suffix

    def ask_file(self, title: str, kind: str, official: bool, village: str | None, household: str | None,
                 parent: QWidget, number: str | None = None) -> Path | None:
        """Where to write the document: a save dialog in the folder used last (remembered in the settings), else
        the user's Documents folder, with a default name; None when the user cancelled."""
        settings = self.window.settings
        folder = Path(str(settings.value(FOLDER_SETTING, "") or ""))
        if not str(folder) or str(folder) == "." or not folder.is_dir():
            folder = documents_folder()
        suffix = DOCUMENTS["sheets" if kind == "sheet" else kind].suffix
        name = self.default_name(kind, official, village, household, number)
        chosen, _ = QFileDialog.getSaveFileName(parent, title, str(folder / name), f"*{suffix}",
                                                options=file_dialog_options())
        if not chosen:
            return None
        out = Path(chosen)
        if out.suffix.lower() != suffix:
            out = out.with_name(out.name + suffix)
        settings.setValue(FOLDER_SETTING, str(out.parent))
        return out

    # --- the official copy --------------------------------------------------------------------------------------------

    def official_available(self) -> bool:
        """Official copies are issued from a supervisor's workspace: an enumerator's (or one with no sync identity)
        cannot issue them."""
        workspace = self.window.workspace
        return workspace.ws is not None and workspace.role() == review.SUPERVISOR

    def issue_official(self) -> OfficialDialog | None:
        """Print → Official copy…: the dialog; printing starts when the user asks (`_print_official`)."""
        w = self.window
        if not self.official_available():
            return None
        w.form.flush()
        ws = w.workspace.ws
        note = tr("gui.form.read_only", reason=w.workspace.read_only_reason()) if ws.read_only else ""
        household = w.current_household()
        try:
            approved = households.count(ws, HouseholdFilter(status=HouseholdStatus.APPROVED))
            next_certificate = printing.next_number(ws, "certificate")
            last = self._last_numbers(printing.issued_documents(ws))
            head = self._heads(ws, [household]).get(household, ("", ""))[0] if household else ""
        except FieldSurveyError as exc:
            report_error(exc, w)
            return None
        dialog = OfficialDialog([d for d in DOCUMENTS.values() if d.official], workspaces.village_names_of(ws),
                                w.current_village(), (household, head or household[:8]) if household else None,
                                str(w.settings.value(CHAIRMAN_SETTING, "") or ""), approved, next_certificate, last,
                                note, parent=w)
        dialog.print_requested.connect(self._print_official)
        dialog.open()
        if self.official_dialog is not None:
            self.official_dialog.deleteLater()   # the one used last time
        self.official_dialog = dialog
        return dialog

    @staticmethod
    def _last_numbers(rows: list[dict]) -> dict[str, str]:
        """kind → the last number the register gave it, in words ("125/QĐ-UBND, 10/12/2026")."""
        last: dict[str, str] = {}
        for r in rows:
            if r["kind"] in ("decision", "report") and r.get("symbol"):
                on = r.get("issued_on")
                last[r["kind"]] = r["symbol"] + (f", {day(date.fromisoformat(on))}" if on else "")
        return last

    def _print_official(self, request: OfficialRequest) -> None:
        w, dialog = self.window, self.official_dialog
        if request.chairman:
            w.settings.setValue(CHAIRMAN_SETTING, request.chairman)
        out = self.ask_file(tr("gui.official.title"), request.kind, True, request.village, request.household,
                            dialog, request.number)
        if out is None:
            return
        inputs = printing.document_inputs(None, request.chairman or None, request.issued_on, request.number)
        job = document_job(request.kind, w.workspace.path, out, request.village, request.household, language.code,
                           official=True, inputs=inputs, first_number=request.first_number)
        dialog.busy(True)

        def done(n) -> None:
            dialog.busy(False)
            dialog.accept()
            self.printed(out, tr("gui.official.printed", path=str(out), n=n))
            if self.issued_dialog is not None and self.issued_dialog.isVisible():
                self.refresh_issued()

        def failed(exc: BaseException) -> None:
            dialog.busy(False)
            if isinstance(exc, FieldSurveyError):   # a refusal (nothing approved, residents missing, a number used)
                dialog.refuse(error_text(exc))
            else:
                report_error(exc, dialog)

        self.job = run_job(job, tr("gui.job.print_official"), dialog, on_done=done, on_error=failed)
        self.job.cancelled.connect(lambda: dialog.busy(False))

    # --- the register -------------------------------------------------------------------------------------------------

    def show_issued(self) -> IssuedDialog | None:
        """Print → Register of issued documents: what was issued from this workspace, read-only."""
        w = self.window
        ws = w.workspace.ws
        if ws is None:
            return None
        try:
            rows = self._named(ws, printing.issued_documents(ws))
            heads = self._heads(ws, [r["uuid"] for r in rows if r.get("uuid")])
        except FieldSurveyError as exc:
            report_error(exc, w)
            return None
        if self.issued_dialog is not None:
            self.issued_dialog.deleteLater()     # another workspace's, or the one shown last time
        dialog = IssuedDialog(rows, heads, w.workspace.title(), w)
        dialog.show()   # not modal: it stays open beside the printing, and follows it
        self.issued_dialog = dialog
        return dialog

    def refresh_issued(self) -> None:
        """The register on screen reads the register again (another official copy was printed)."""
        ws = self.window.workspace.ws
        rows = self._named(ws, printing.issued_documents(ws))
        self.issued_dialog.show_rows(rows, self._heads(ws, [r["uuid"] for r in rows if r.get("uuid")]))

    @staticmethod
    def _named(ws, rows: list[dict]) -> list[dict]:
        """The register's rows with who printed each by name (households.people), never the login id."""
        names = households.people(ws)
        return [{**r, "issued_by": households.person(names, r.get("issued_by"))} for r in rows]

    @staticmethod
    def _heads(ws, uuids: list[str]) -> dict[str, tuple[str, str]]:
        """uuid → (head's name, village) of the households named."""
        wanted = set(uuids)
        if not wanted:
            return {}
        if len(wanted) == 1:
            uuid = next(iter(wanted))
            rows = households.page(ws, HouseholdFilter(search=uuid), limit=5)
        else:
            rows = households.rows(ws)
        return {r.uuid: (r.head_name, r.village or "") for r in rows if r.uuid in wanted}


def documents_folder() -> Path:
    """The user's Documents folder (where an officer looks for a file), made if the system names it but it is not
    there yet; the home folder when the system has none."""
    where = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation)
    if where:
        try:
            Path(where).mkdir(parents=True, exist_ok=True)
            return Path(where)
        except OSError:
            pass
    return Path.home()


def action_key(kind: str) -> str:
    """The menu action that prints a draft of `kind` (its text titles the save dialog)."""
    return "export_xlsx" if kind == "xlsx" else f"print_{kind}"
