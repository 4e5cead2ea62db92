"""After a printout: where the file went, and what to do with it now — print it on paper (the system's print dialog,
then the file handed to the printer the user picked), open it in the desktop's viewer, or close."""

from __future__ import annotations

import ctypes
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QVBoxLayout, QWidget

from fieldsurvey.gui.texts import tr
from fieldsurvey.gui.widgets import FitLabel


def send_to_printer(path: Path, printer: QPrinter) -> bool:
    """Hand a PDF to the printer picked in the print dialog: "print to file" copies it there; on Windows the
    desktop's PDF application prints it (ShellExecute "printto"); elsewhere the print system's `lp` takes it.
    False when the system has no way to take it."""
    if printer.outputFormat() == QPrinter.PdfFormat and printer.outputFileName():
        shutil.copyfile(path, printer.outputFileName())
        return True
    name, copies = printer.printerName(), max(1, printer.copyCount())
    if sys.platform == "win32":   # pragma: no cover - Windows only
        for _ in range(copies):
            done = ctypes.windll.shell32.ShellExecuteW(None, "printto", str(path), f'"{name}"' if name else None,
                                                       None, 0)
            if done <= 32:
                return False
        return True
    lp = shutil.which("lp")
    if lp is None:
        return False
    args = (["-d", name] if name else []) + ["-n", str(copies), str(path)]
    return QProcess.startDetached(lp, args)[0]


class PrintedDialog(QDialog):
    """Printed: the file's place, and **Print…** (a PDF), **Open**, **Close**."""

    def __init__(self, path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("printedDialog")
        self.path = Path(path)
        self.setWindowTitle(tr("gui.printed.title"))
        lay = QVBoxLayout(self)
        self.text = FitLabel(tr("gui.printed.text", file=self.path.name, folder=str(self.path.parent)),
                           objectName="printedText")
        self.text.setWordWrap(True)
        lay.addWidget(self.text)
        self.result_line = FitLabel(objectName="printedResult")
        self.result_line.setWordWrap(True)
        self.result_line.hide()
        lay.addWidget(self.result_line)
        buttons = QDialogButtonBox()
        self.print_button = QPushButton(tr("gui.printed.print"), objectName="printPaper")
        self.open_button = QPushButton(tr("gui.printed.open"), objectName="openFile")
        close = buttons.addButton(tr("gui.close"), QDialogButtonBox.RejectRole)
        close.setObjectName("closePrinted")
        if self.path.suffix.lower() == ".pdf":
            buttons.addButton(self.print_button, QDialogButtonBox.AcceptRole)
        else:
            self.print_button.hide()   # a workbook is printed from the spreadsheet program
        buttons.addButton(self.open_button, QDialogButtonBox.ActionRole)
        self.print_button.clicked.connect(self.print_paper)
        self.open_button.clicked.connect(self.open_file)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        (self.print_button if self.path.suffix.lower() == ".pdf" else self.open_button).setDefault(True)
        self.print_dialog: QPrintDialog | None = None
        self.resize(520, 160)

    def print_paper(self) -> QPrintDialog:
        """The system's print dialog (printer, copies); once the user says Print, the file goes to that printer."""
        printer = QPrinter(QPrinter.HighResolution)
        printer.setDocName(self.path.name)
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("printDialog")
        dialog.setWindowTitle(tr("gui.printed.print_title", file=self.path.name))
        dialog.accepted.connect(lambda: self._send(printer))
        QDialog.open(dialog)   # window-modal, not blocking (QPrintDialog's own open() wants a slot)
        self.print_dialog = dialog
        self._printer = printer
        return dialog

    def _send(self, printer: QPrinter) -> None:
        try:
            ok = send_to_printer(self.path, printer)
        except OSError as exc:
            ok, error = False, str(exc)
        else:
            error = ""
        self.result_line.setText(tr("gui.printed.sent", printer=printer.printerName() or "—") if ok else
                                 tr("gui.printed.not_sent") + (f" ({error})" if error else ""))
        self.result_line.setStyleSheet("" if ok else "color:#842029")
        self.result_line.show()

    def open_file(self) -> bool:
        """The file in the desktop's own viewer (a PDF reader, the spreadsheet program)."""
        ok = QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path)))
        if not ok:
            self.result_line.setText(tr("gui.printed.not_opened", folder=str(self.path.parent)))
            self.result_line.setStyleSheet("color:#842029")
            self.result_line.show()
        return ok
