"""One helper runs any generator job (fieldsurvey.progress.Job) on the thread pool, with a progress dialog and a
Cancel button. Cancelling closes the generator between two steps (the job's own `finally` clean-up runs); an error
in the job is logged and shown by the crash dialog's reporter, never swallowed."""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from fieldsurvey.progress import Job
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.texts import number, tr


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class _Task(QRunnable):
    def __init__(self, job: Job, signals: _Signals, cancel: threading.Event):
        super().__init__()
        self.job, self.signals, self.cancel = job, signals, cancel
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            while True:
                if self.cancel.is_set():
                    self.job.close()
                    self.signals.cancelled.emit()
                    return
                try:
                    p = next(self.job)
                except StopIteration as stop:
                    self.signals.finished.emit(stop.value)
                    return
                self.signals.progress.emit(p.done, p.total, p.message)
        except Exception as exc:  # logged and shown on the main thread (crash.report_error)
            self.signals.failed.emit(exc)


class JobHandle(QObject):
    """A running job: `done(result)`, `failed(exception)` or `cancelled()` is emitted once on the main thread."""

    done = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.was_cancelled = False

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return not self._finished.is_set()


running: set[JobHandle] = set()


def cancel_all(wait_ms: int = 5000) -> None:
    """Cancel every running job and wait (a while) for the workers to stop between two steps — on closing."""
    for handle in list(running):
        handle.cancel()
    QThreadPool.globalInstance().waitForDone(wait_ms)


def run_job(job: Job, title: str, parent: QWidget | None = None,
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            show_dialog: bool = True, pool: QThreadPool | None = None) -> JobHandle:
    """Start `job` on the thread pool; show a progress dialog (after a short delay) with Cancel."""
    handle = JobHandle(parent)
    signals = _Signals()
    handle.signals = signals  # kept alive as long as the handle
    dialog: QProgressDialog | None = None
    if show_dialog:
        dialog = QProgressDialog(title, tr("gui.cancel"), 0, 0, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(handle.cancel)
        handle.dialog = dialog

    def progress(done: int, total: int, message: str) -> None:
        if dialog is not None:
            dialog.setMaximum(max(total, 1))
            dialog.setValue(min(done, max(total, 1)))
            dialog.setLabelText(f"{title}\n{number(done)} / {number(total)}")

    def close_dialog() -> None:
        handle._finished.set()
        running.discard(handle)
        if dialog is not None:
            dialog.canceled.disconnect(handle.cancel)
            dialog.close()
            dialog.deleteLater()

    def finished(value: Any) -> None:
        handle.result = value
        close_dialog()
        if on_done:
            on_done(value)
        handle.done.emit(value)

    def failed(exc: BaseException) -> None:
        handle.error = exc
        close_dialog()
        if on_error:
            on_error(exc)
        else:
            report_error(exc, parent)
        handle.failed.emit(exc)

    def cancelled() -> None:
        handle.was_cancelled = True
        close_dialog()
        handle.cancelled.emit()

    signals.progress.connect(progress, Qt.QueuedConnection)
    signals.finished.connect(finished, Qt.QueuedConnection)
    signals.failed.connect(failed, Qt.QueuedConnection)
    signals.cancelled.connect(cancelled, Qt.QueuedConnection)
    running.add(handle)
    (pool or QThreadPool.globalInstance()).start(_Task(job, signals, handle._cancel))
    return handle
