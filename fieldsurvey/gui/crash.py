"""Never a silent exit: an unexpected error is logged with its traceback and shown in a dialog that says what
happened and what to do. Errors the app expects (FieldSurveyError: a bad file, a refused bundle…) show their own
message fit for a user.

What is written — the log file, the crash dialog's details (the report a user copies and sends) — never holds a
household's personal data nor a passphrase: an exception's message may hold any value the code was working on
(`invalid literal for int() with base 10: '001987654321-'`, `KeyError: 'Vàng Thị Mỷ Xuyên'`), so a traceback is
written with its frames (file, line, function, the line of code) and each exception's type, its message only when
the exception is one whose message is the system's own (an SQLite or an operating-system error); a FieldSurveyError
is written as its catalogue key and where it happened, without the values that fill its text (the dialog shows
the user the whole message on the screen). See `private_traceback`."""

from __future__ import annotations

import logging
import os
import sqlite3
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


def _said(exc: BaseException) -> str:
    """One exception as written: its type, and its message where that is the system's own, never built from the
    values the code works on — SQLite's ("database is locked", "UNIQUE constraint failed: households.uuid") and the
    operating system's, without the file's name ("[Errno 28] No space left on device"). Any other message is left
    out."""
    name = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ("builtins", "__main__"):
        name = f"{module}.{name}"
    if isinstance(exc, FieldSurveyError):   # the key and where; the values (a name, an answer) stay out
        return f"{name}: {exc.key}" + (f" (at {exc.where})" if exc.where else "")
    if isinstance(exc, OSError) and exc.strerror:   # without the file's name (a file may be named for a family)
        return f"{name}: [Errno {exc.errno}] {exc.strerror}"
    if isinstance(exc, sqlite3.Error):
        return f"{name}: {exc}"
    return f"{name}: (its message is left out: it may hold a household's data)"


def private_traceback(exc: BaseException) -> str:
    """`exc`'s traceback as the log and the crash report write it: every frame (file, line, function, the line of
    code — code, never data) and each exception of the chain (cause, context) by its type, with its message only
    where that is the system's own (`_said`). Never a value the code was working on: no local variable, no
    exception message built from an answer, a name, an ID number or a passphrase."""
    parts: list[str] = []
    seen: set[int] = set()
    chain: list[tuple[BaseException, str]] = []
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause of the following exception:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above exception, another exception occurred:"
        else:
            current = None
    for e, link_to_next in reversed(chain):   # the oldest first, as Python prints a chain
        lines = ["Traceback (most recent call last):\n"]
        for frame in traceback.extract_tb(e.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n')
            if frame.line:
                lines.append(f"    {frame.line.strip()}\n")
        lines.append(_said(e) + "\n")
        parts.append("".join(lines))
        if link_to_next:
            parts.append("\n" + link_to_next + "\n\n")
    return "".join(parts)


class PrivateFormatter(logging.Formatter):
    """The log file's lines: an exception logged with the record (`log.exception`, `exc_info=`) is written as
    `private_traceback` writes it — anywhere in the app (storage, sync, the jobs) — never with its message."""

    def format(self, record: logging.LogRecord) -> str:
        # logging keeps the first handler's rendering of the exception on the record (exc_text) and every other
        # handler reuses it: this one always writes its own, and leaves the record's as it found it
        kept = record.exc_text
        record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_text = kept

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        exc = ei[1]
        if exc is None:
            return ""
        return private_traceback(exc).rstrip("\n")


def setup_logging(path: Path | None = None) -> Path:
    """Log to a rotating file (and keep the path to show in the crash dialog)."""
    global _log_path
    path = path or log_dir() / "fieldsurvey.log"
    if _log_path == path:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(PrivateFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
    """Log `exc` and show it. Non-blocking, so a failing test or a failing timer never hangs the app. What is
    written (the log) and the details shown to copy (the crash report) hold no household data and no passphrase:
    `private_traceback`; the message the dialog shows the user on the screen is the whole one."""
    details = private_traceback(exc)
    if isinstance(exc, FieldSurveyError):
        log.warning("%s", _said(exc))
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
