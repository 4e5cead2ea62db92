"""Never a silent exit: an unexpected error is logged with its traceback and shown in a dialog that says what
happened and what to do. Errors the app expects (FieldSurveyError: a bad file, a refused bundle…) show their own
message fit for a user."""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.texts import error_text, tr

log = logging.getLogger("fieldsurvey.gui")
_log_path: Path | None = None


def log_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "fieldsurvey"


def setup_logging(path: Path | None = None) -> Path:
    """Log to a rotating file (and keep the path to show in the crash dialog)."""
    global _log_path
    path = path or log_dir() / "fieldsurvey.log"
    if _log_path == path:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("fieldsurvey")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _log_path = path
    return path


def log_path() -> Path | None:
    return _log_path


class CrashDialog(QDialog):
    def __init__(self, exc: BaseException, details: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle(tr("gui.crash.title"))
        layout = QVBoxLayout(self)
        if isinstance(exc, FieldSurveyError):
            what = tr("gui.crash.known", message=error_text(exc))
        else:
            what = tr("gui.crash.unexpected", error=f"{type(exc).__name__}: {exc}")
        self.message = QLabel(what)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.todo = QLabel(tr("gui.crash.todo", log=str(_log_path or "")), objectName="crashTodo")
        self.todo.setWordWrap(True)
        layout.addWidget(self.todo)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setVisible(not isinstance(exc, FieldSurveyError))
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(tr("gui.close"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(620, 360)


open_dialogs: list[CrashDialog] = []


def report_error(exc: BaseException, parent: QWidget | None = None) -> CrashDialog | None:
    """Log `exc` and show it. Non-blocking, so a failing test or a failing timer never hangs the app."""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if isinstance(exc, FieldSurveyError):
        log.warning("%s", exc)
    else:
        log.error("unexpected error\n%s", details)
    if QApplication.instance() is None:
        print(details, file=sys.stderr)
        return None
    dialog = CrashDialog(exc, details, parent or QApplication.activeWindow())
    open_dialogs.append(dialog)
    dialog.finished.connect(lambda _=0, d=dialog: open_dialogs.remove(d) if d in open_dialogs else None)
    dialog.show()
    return dialog


class _Relay(QObject):
    error = Signal(object)


_relays: list[_Relay] = []


def install_excepthook() -> None:
    """Route uncaught exceptions (main thread and others) to the log and the crash dialog."""
    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        report_error(exc)

    relay = _Relay()  # lives on the main thread: a signal from another thread is delivered there
    relay.error.connect(report_error)
    _relays.append(relay)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        exc = args.exc_value or args.exc_type()
        relay.error.emit(exc)

    sys.excepthook = hook
    threading.excepthook = thread_hook
