"""Behaviour, apart from layout: the open workspace, the household list, the questionnaire being filled. Each
controller calls the service layer (fieldsurvey.services) — no SQL and no rule here."""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from html import escape
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.texts import error_text, language, tr, larger
from fieldsurvey.services import forms, households, review, workspaces

log = logging.getLogger("fieldsurvey.gui")


class WorkspaceController(QObject):
    """The workspace open in the window: the services take `ws` as it is; `path` is for jobs that open their own
    connection on a worker thread."""

    opened = Signal()
    closed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.ws: workspaces.Workspace | None = None
        self.path: Path | None = None
        self._open = ExitStack()

    def open(self, path: Path) -> None:
        stack = ExitStack()
        ws = stack.enter_context(workspaces.opened(Path(path)))  # a WorkspaceError says why not; the caller shows it
        self.close()
        self._open, self.ws, self.path = stack, ws, Path(path)
        log.info("opened %s", path)
        self.opened.emit()

    def close(self) -> None:
        if self.ws is not None:
            self._open.close()
            self.ws = self.path = None
            self.closed.emit()

    def title(self) -> str:
        return workspaces.workspace_title(self.ws) if self.ws else ""

    def read_only_reason(self) -> str | None:
        """Why nothing can be changed here, in the app's language — another FieldSurvey holds the file (whose window
        or which command, whose login, which computer, its process, since when), a read-only disk… —, or None."""
        ws = self.ws
        return tr(ws.read_only_key, **ws.read_only_values) if ws is not None and ws.read_only else None

    # --- who works here ------------------------------------------------------------------------------------------

    def role(self) -> str | None:
        """The workspace's sync role (supervisor, enumerator), None without a sync identity or a workspace."""
        return review.role_of(self.ws) if self.ws is not None else None

    def review_available(self) -> bool:
        """The Review view is the supervisor's (a workspace with no sync identity, like the demo commune, shows it
        to look at, with a note that deciding needs a supervisor's identity)."""
        return self.ws is not None and self.role() != review.ENUMERATOR

    def todo_available(self) -> bool:
        """The To-do view is the enumerator's: what the supervisor returned or assigned."""
        return self.ws is not None and self.role() == review.ENUMERATOR

    # the list model's data source
    def count(self, f: households.HouseholdFilter) -> int:
        return households.count(self.ws, f) if self.ws else 0

    def page(self, f, sort, descending, offset, limit):
        return households.page(self.ws, f, sort, descending, offset, limit) if self.ws else []

    def detail(self, uuid: str):
        return households.detail(self.ws, uuid)


SAVE_DELAY_MS = 400  # answers typed in a burst are saved together: one transaction and audit row per pause


class FormController(QObject):
    """One household in the questionnaire. Every answer re-validates and re-classifies at once; it is saved (one
    transaction, with its revision and audit rows) after a short pause in typing, and at once before anything
    else happens — another household, another view, a member added or removed, closing the window."""

    classified = Signal(object)
    saved = Signal(str)          # the household's uuid
    status_changed = Signal(str)

    def __init__(self, workspace: WorkspaceController, view, parent: QObject | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.view = view
        self.session = None
        self.status = households.HouseholdStatus.DRAFT
        self.owner: str | None = None
        self.stored = False
        self.pending = False
        self.reason: str | None = None
        # asked once per household before an approved one is changed; returns the reason, or None to give up
        self.ask_reason: Callable[[], str | None] = lambda: None
        # asked before a member is removed (its index): True to go on
        self.confirm_removal: Callable[[int], bool] = lambda _index: True
        # asked before an instance of a repeat inside the roster's is removed (repeat, outer path, index)
        self.confirm_inner_removal: Callable[[str, tuple, int], bool] = lambda _r, _p, _i: True
        self.last_timing_ms = 0.0
        self._timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        view.answer_given.connect(self.answer)
        view.member_added.connect(self.add_member)
        view.member_removed.connect(self.remove_member)
        view.member_moved.connect(self.move_member)
        view.warning_confirmed.connect(self.confirm_warning)
        view.inner_added.connect(self.add_inner)
        view.inner_removed.connect(self.remove_inner)

    @property
    def uuid(self) -> str | None:
        return self.session.document["uuid"] if self.session else None

    def new_household(self, village: str | None = None) -> None:
        self.flush()
        self.session, self.status, self.owner = forms.open_form(self.workspace.ws, None, village,
                                                                      language.code)
        self.stored, self.reason = False, None
        self._show()

    def open_household(self, uuid: str) -> None:
        self.flush()
        self.session, self.status, self.owner = forms.open_form(self.workspace.ws, uuid, lang=language.code)
        self.stored, self.reason = True, None
        self._show()

    def close(self) -> None:
        self.flush()
        self.session = None

    def reload(self) -> None:
        """Read the open household again after something else changed it in the workspace (an import, a review
        decision, a lifecycle step), so its next autosave never puts back a status or answers that were replaced."""
        if self.session is not None and self.stored:
            try:
                self.open_household(self.uuid)
            except FieldSurveyError as exc:
                report_error(exc, self.view)

    def show_title(self) -> None:
        """Draw the title again (its heading is sized from the text size)."""
        if self.session is not None:
            self.view.set_title(self._title())

    def _title(self) -> str:
        head = next((m.get("name") for m in self.session.members() if m.get("relationship") == "head"), None)
        saved = (tr("gui.form.autosaved") if self.stored and not self.pending else tr("gui.form.not_saved_yet"))
        return (f"<b style='font-size:{larger(3)}pt'>{escape(head or tr('gui.form.new_household'))}</b> · "
                f"{tr('status.' + self.status)} · {self.session.document['uuid'][:8]} · {saved}")

    @property
    def read_only(self) -> bool:
        ws = self.workspace.ws
        return ws is not None and ws.read_only

    def _show(self) -> None:
        self.view.load(self.session, self._title())
        ws = self.workspace.ws
        self.view.set_read_only(self.workspace.read_only_reason())
        self._offer_confirm()
        self.reclassify()

    def _offer_confirm(self) -> None:
        """A returned household (stored, in a workspace that can be written, and not the supervisor's who returned
        it) may be confirmed "checked, no change"; the household service decides whether that step is allowed."""
        self.view.offer_confirm(self.stored and self.status == households.HouseholdStatus.RETURNED
                                and not self.read_only and self.workspace.role() != review.SUPERVISOR)

    def reclassify(self):
        try:
            result = forms.classify_form(self.workspace.ws.info.standard_id, self.session)
        except FieldSurveyError as exc:  # an answer half-typed (a date, a number): say so, classify once it is whole
            self.view.show_problem(error_text(exc))
            return None
        self.view.show_result(result)
        self.classified.emit(result)
        return result

    def _changed(self, save_now: bool = False) -> None:
        """Re-validate and re-classify at once; save after a pause (or now)."""
        start = time.perf_counter()
        self.pending = True
        self.view.set_title(self._title())
        self.view.refresh()
        self.reclassify()
        self.last_timing_ms = (time.perf_counter() - start) * 1000
        if save_now:
            self.flush()
        else:
            self._timer.start()

    def flush(self) -> bool:
        """Save what is not saved yet. False when nothing could be saved (no reason given for an approved
        household — its answers are then read back from the workspace — or the workspace refused)."""
        self._timer.stop()
        if not self.pending or self.session is None or self.workspace.ws is None:
            return True
        if households.needs_reason(self.status) and not self.reason:
            self.reason = self.ask_reason()
            if not self.reason:
                self.pending = False
                self.open_household(self.uuid)  # back to what is stored
                return False
        try:
            status = forms.save_form(self.workspace.ws, self.session, self.owner, self.reason)
        except FieldSurveyError as exc:
            self.pending = False
            report_error(exc, self.view)
            return False
        self.pending = False
        self.stored = True
        if status != self.status:
            self.status = status
            self.status_changed.emit(status)
            self._offer_confirm()
        self.view.set_title(self._title())
        self.saved.emit(self.uuid)
        return True

    def confirm_warning(self, name: str, member) -> None:
        """The enumerator accepts a warning: the answer is true as it stands (kept in the document)."""
        if self.read_only:
            return
        self.session.confirm(name, member)
        self._changed()

    def answer(self, name: str, value, member) -> None:
        """An answer given in the questionnaire. One the session refuses (a control character, a line break in a
        one-line answer) is not recorded: the field shows the answer as it was, and the panel says why, naming
        the field."""
        if self.read_only:
            return
        try:
            self.session.set_answer(name, value, member)
        except FieldSurveyError as exc:
            self.view.refresh()
            self.view.show_problem(error_text(exc))
            return
        self._changed()

    def add_member(self) -> None:
        if self.read_only:
            return
        try:
            index = self.session.add_member()
        except FieldSurveyError as exc:   # a roster at its bound (resources/values/household-values.toml)
            self.view.show_problem(error_text(exc))
            return
        self.view.select_member(index)
        self._changed(save_now=True)
        self.view.focus_member_form()

    def remove_member(self, index: int) -> bool:
        """Remove a member once the user said yes (`confirm_removal`); stored at once (the audit log keeps the
        member: `restore_member` puts it back)."""
        if self.read_only or self.session is None or not 0 <= index < len(self.session.members()):
            return False
        if not self.confirm_removal(index):
            return False
        self.session.remove_member(index)
        self.view.select_member(min(index, len(self.session.members()) - 1))
        self._changed(save_now=True)
        return True

    def restore_member(self, removed: forms.RemovedMember) -> int | None:
        """Put a removed member back where it stood (Household → Undo the removal); stored at once."""
        if self.read_only or self.session is None or removed.uuid != self.uuid:
            return None
        answers = dict(removed.answers)
        answers.setdefault("member_id", removed.member_id)
        index = self.session.insert_member(answers, removed.position)
        self.view.select_member(index)
        self._changed(save_now=True)
        return index

    def add_inner(self, repeat: str, path) -> None:
        """An instance of a repeat inside the roster's repeat, added in the outer instance `path` (a tuple); its
        first question gets the focus. Stored at once."""
        if self.read_only or self.session is None:
            return
        index = self.session.add_member(repeat, tuple(path))
        self._changed(save_now=True)
        self.view.select_inner(repeat, index, focus=True)

    def remove_inner(self, repeat: str, path, index: int) -> None:
        """An instance of a repeat inside the roster's repeat removed, once the user said yes; stored at once."""
        if self.read_only or self.session is None or not self.confirm_inner_removal(repeat, tuple(path), index):
            return
        self.session.remove_member(index, repeat, tuple(path))
        self.view.select_inner(repeat, max(index - 1, 0))
        self._changed(save_now=True)

    def move_member(self, index: int, to: int) -> None:
        if self.read_only:
            return
        self.session.move_member(index, to)
        self.view.select_member(to)
        self._changed(save_now=True)
