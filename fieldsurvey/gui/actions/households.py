"""Actions on the household the user is on (open in the questionnaire, or picked in a list): its history, and the
households filled with an older version of their form."""

from __future__ import annotations

from PySide6.QtCore import Qt

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.dialogs.history import HistoryDialog
from fieldsurvey.gui.dialogs.older_forms import older_forms_text, show_older_forms
from fieldsurvey.gui.texts import language, tr
from fieldsurvey.services import forms, households


class HouseholdActions:
    def __init__(self, window):
        self.window = window
        self.history_dialog: HistoryDialog | None = None

    def head_name(self, uuid: str) -> str:
        """The household's head as the user knows it (its first 8 digits when it has none)."""
        doc = households.detail(self.window.workspace.ws, uuid).document
        members = doc.get("members") or []
        return next((m.get("name") for m in members if m.get("relationship") == "head"), None) or uuid[:8]

    def show_history(self, uuid: str | None = None) -> HistoryDialog | None:
        """Who changed what, when, for the household the user is on (Ctrl+Shift+H)."""
        w = self.window
        w.form.flush()  # what was just typed is in the history too
        uuid = uuid or w.current_household()
        if uuid is None or w.workspace.ws is None:
            w.say(tr("gui.history.pick_one"), 8000)
            return None
        try:
            rows = households.history(w.workspace.ws, uuid, language.code)
            head = self.head_name(uuid)
        except FieldSurveyError as exc:
            report_error(exc, w)
            return None
        dialog = HistoryDialog(rows, tr("gui.history.title", head=head), w)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        self.history_dialog = dialog
        return dialog

    def show_older_forms(self) -> str:
        """The households filled with an older version of their form (they open, validate and print with it)."""
        ws = self.window.workspace.ws
        rows = forms.households_on_older_versions(ws) if ws is not None else []
        show_older_forms(rows, self.window)
        return older_forms_text(rows)
