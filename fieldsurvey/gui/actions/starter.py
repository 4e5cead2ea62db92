"""The starter package from the app: the supervisor makes one for an enumerator (File → Make a starter package…);
the enumerator's first run opens one (the start page, File → Open a starter package…), compares the supervisor's
fingerprint once and gets a workspace with the commune and its villages fixed, the supervisor trusted."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.dialogs.passphrase import show_recovery_key
from fieldsurvey.gui.actions.workspace import WorkspaceActions
from fieldsurvey.gui.dialogs.starter import MakeStarterDialog, OpenStarterDialog
from fieldsurvey.gui.look import file_dialog_options
from fieldsurvey.gui.texts import tr
from fieldsurvey.services import review, starter, workspaces


class StarterActions:
    def __init__(self, window):
        self.window = window
        self.make_dialog: MakeStarterDialog | None = None
        self.open_dialog: OpenStarterDialog | None = None
        self.recovery_box = None

    def available(self) -> bool:
        """Making a package: a supervisor's workspace, open for writing."""
        w = self.window.workspace
        return w.ws is not None and not w.ws.read_only and w.role() == review.SUPERVISOR

    def make_starter(self) -> MakeStarterDialog | None:
        """Ask the enumerator's name (and the villages assigned) and write their package beside the workspace (or
        in the folder picked). The dialog is shown without blocking; the status bar says where the file is."""
        w = self.window
        if not self.available():
            return None
        path = w.workspace.path

        def make(folder: Path, name: str, villages: tuple[str, ...]):
            return starter.make_starter(path, folder, name, villages=villages)

        dialog = MakeStarterDialog(workspaces.village_names_of(w.workspace.ws), Path(path).parent, make, w)
        dialog.accepted.connect(lambda: w.say(tr("gui.starter.made", path=str(dialog.made.path)), 30000))
        dialog.open()
        self.make_dialog = dialog
        return dialog

    def open_starter(self, file: Path | None = None, plain: bool = False) -> OpenStarterDialog | None:
        """The enumerator's first run from a starter package: read and checked first (a changed or foreign-signed
        package is refused, nothing made), then the supervisor's fingerprint shown to compare; on confirmation the
        workspace is made and opened. `plain`: no passphrase (the demo, tests). The dialog is shown without
        blocking."""
        w = self.window
        if file is None:
            name, _ = QFileDialog.getOpenFileName(w, tr("gui.action.open_starter"), str(Path.home()),
                                                  f"*{starter.SUFFIX}", options=file_dialog_options())
            if not name:
                return None
            file = Path(name)
        try:
            pkg = starter.read_starter(file)
        except FieldSurveyError as exc:
            report_error(exc, w)
            return None
        shown = starter.shown(pkg)
        default = WorkspaceActions.default_dir() / f"{pkg.commune_code}-{pkg.review_year}-{pkg.assignment.user}.fsdb"

        def create(path: Path, fingerprint: str) -> Path:
            return starter.create_from_starter(file, path, fingerprint)

        dialog = OpenStarterDialog(shown, default, create, plain, w)
        dialog.accepted.connect(lambda: self._created(dialog))
        dialog.open()
        self.open_dialog = dialog
        return dialog

    def _created(self, dialog: OpenStarterDialog) -> None:
        if dialog.recovery:   # shown once, over the workspace just opened
            self.recovery_box = show_recovery_key(dialog.created, dialog.recovery, self.window)
            self.recovery_box.open()
        self.window.open_workspace(dialog.created)
