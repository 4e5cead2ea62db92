"""Actions on the workspace as a whole: make a new one (the setup), open one (a big file checked on a worker thread
first), the demo commune, re-classify every household, the villages and their resident households."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.dialogs import passphrase as passphrase_dialog
from fieldsurvey.gui.dialogs.passphrase import show_recovery_key
from fieldsurvey.gui.dialogs.villages import VillageEdits, VillagesDialog
from fieldsurvey.gui.jobs import run_job
from fieldsurvey.gui.look import file_dialog_options
from fieldsurvey.gui.setup_view import SetupDialog
from fieldsurvey.gui.texts import tr
from fieldsurvey.services import province, review, villages, workspaces

CHECK_OFF_THREAD_BYTES = 30_000_000  # a workspace this big is checked on a worker thread when opened from the UI


class WorkspaceActions:
    def __init__(self, window):
        self.window = window
        self.check_job = None     # the integrity check of a big file being opened (a JobHandle)
        self.classify_job = None
        self.villages_dialog: VillagesDialog | None = None

    @staticmethod
    def default_dir() -> Path:
        return Path.home() / "FieldSurvey"

    def new_workspace(self) -> None:
        dialog = SetupDialog(self.default_dir(), self.window)
        if dialog.exec() and dialog.created:
            if dialog.recovery:
                show_recovery_key(dialog.created, dialog.recovery, self.window).exec()
            self.open(dialog.created)

    def open_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self.window, tr("gui.action.open_workspace"), str(self.default_dir()),
                                              "FieldSurvey (*.fsdb *.fsprov);;* (*)", options=file_dialog_options())
        if name:
            self.open(Path(name), wait=False)

    def open_demo(self):
        return run_job(workspaces.ready_demo(), tr("gui.job.demo"), self.window, on_done=self.open)

    def open(self, path: Path, wait: bool = True) -> bool:
        """Open a workspace. A big file's integrity check (storage runs it once per file and process) runs on a
        worker thread first with a progress dialog, unless `wait` (the screenshot mode, scripts): the window
        stays alive meanwhile and the list shows when it is done. Returns False when the file was refused."""
        self.window.form.flush()
        path = Path(path)
        if not passphrase_dialog.ask_passphrase(path, self.window):   # an encrypted file: unlocked first
            return False
        if province.is_province_file(path):   # a province's workspace (an SQLite one encrypted too): its view
            return self.window.province_actions.open(path)
        if not wait and path.is_file() and path.stat().st_size > CHECK_OFF_THREAD_BYTES:
            self.check_job = run_job(workspaces.check_job(path), tr("gui.job.check"), self.window,
                                     on_done=lambda _result: self.open(path))
            return True
        try:
            self.window.workspace.open(path)
        except FieldSurveyError as exc:
            report_error(exc, self.window)
            return False
        return True

    def classify_all(self):
        """Re-classify every household (a job: spawned worker processes for a large workspace — never forked from
        this threaded process)."""
        self.window.form.flush()  # what was just typed is in the workspace before the job reads it
        path = self.window.workspace.path
        if path is None:
            return None

        def done(counts) -> None:
            self.window.households_changed()
            self.window.say(tr("gui.job.classified", n=sum(counts.values())), 8000)

        self.classify_job = run_job(workspaces.classify_workspace(path), tr("gui.job.classify"), self.window,
                                    on_done=done)
        return self.classify_job

    def show_villages(self) -> VillagesDialog | None:
        """The villages with their resident households (and ethnic-minority ones), the date and the source; the
        supervisor enters or changes them (each saved at once through workspaces.set_residents) and adds, renames and
        merges villages (services.villages); the dashboard and the household list follow. In an enumerator's
        workspace, or one opened read-only, they are shown to read, with a note saying why."""
        workspace = self.window.workspace
        ws = workspace.ws
        if ws is None:
            return None
        note = ""
        if ws.read_only:
            note = tr("gui.form.read_only", reason=workspace.read_only_reason())
        elif workspace.role() == review.ENUMERATOR:
            note = tr("gui.villages.supervisors")

        def save(village, residents, date, source, minority):
            return workspaces.set_residents(ws, village, residents, date, source, minority=minority)

        edit = None if note else VillageEdits(
            lambda name: villages.add_village(ws, name),
            lambda village, name: villages.rename_village(ws, village, name),
            lambda village, into: villages.merge_villages(ws, village, into), lambda: villages.village_list(ws),
            lambda village: villages.households_in(ws, village))
        dialog = VillagesDialog(tr("gui.villages.title", commune=workspace.title()), workspaces.villages(ws),
                                None if note else save, note, self.window, edit)
        dialog.changed.connect(self.window.figures_changed)
        dialog.renamed.connect(lambda: self.window.households_changed(choices=True))
        dialog.open()
        self.villages_dialog = dialog
        return dialog
