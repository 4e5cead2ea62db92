"""Actions on the household the user is on (open in the questionnaire, or picked in a list): its history, the
households filled with an older version of their form and their move to the newest version, and the lifecycle steps the household service takes — a
returned household checked with no change, a household moved away or come back — each asked first, with its
comment or reason."""

from __future__ import annotations

from PySide6.QtCore import Qt

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.dialogs.comment import ask_comment, ask_yes
from fieldsurvey.gui.dialogs.form_upgrade import UpgradeDialog, show_none_can_move, versions_of
from fieldsurvey.gui.dialogs.history import HistoryDialog
from fieldsurvey.gui.jobs import JobHandle, run_job
from fieldsurvey.gui.dialogs.older_forms import older_forms_text, show_older_forms
from fieldsurvey.gui.texts import language, tr
from fieldsurvey.services import form_upgrade, forms, households


class HouseholdActions:
    def __init__(self, window):
        self.window = window
        self.history_dialog: HistoryDialog | None = None
        self.upgrade_dialog: UpgradeDialog | None = None   # the last move's question (tests read it)
        self.planning_job: JobHandle | None = None          # the last move's planning, then the move itself
        self.upgrade_job: JobHandle | None = None
        self.refused_box = None

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
            names = households.people(w.workspace.ws)
        except FieldSurveyError as exc:
            report_error(exc, w)
            return None
        dialog = HistoryDialog(rows, tr("gui.history.title", head=head), w, names)
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

    # --- households moved to a newer version of their form -------------------------------------------------------------

    def upgrade_form(self, uuid: str | None = None) -> JobHandle | None:
        """Household → Move to the newer form version…: the household the user is on, asked first."""
        picked = self._picked(uuid)
        return self._upgrade(*picked) if picked else None

    def _picked(self, uuid: str | None) -> tuple[list[str], str] | None:
        """The household an action is for — the one given, or the one the user is on — with its head's name, what
        was just typed saved first; None (said in the status bar, or the error shown) when there is none."""
        w = self.window
        w.form.flush()   # what was just typed is in the workspace first
        uuid = uuid or w.current_household()
        if uuid is None or w.workspace.ws is None:
            w.say(tr("gui.household.pick_one"), 8000)
            return None
        try:
            return [uuid], self.head_name(uuid)
        except FieldSurveyError as exc:
            report_error(exc, w)
            return None

    def upgrade_forms(self) -> JobHandle | None:
        """Household → Move every household to the newest form version…: all those on an older version, asked
        first (how many, to which version, who cannot move and why)."""
        self.window.form.flush()
        if self.window.workspace.ws is None:
            return None
        return self._upgrade(None, None)

    def _upgrade(self, uuids: list[str] | None, head: str | None) -> JobHandle:
        """Plan the move on a worker thread (nothing written; a progress dialog for a large commune), say it and ask
        (a reason required when an approved household moves), then move on a worker thread through the service —
        the households that cannot move named with the reason. Returns the planning job (tests wait on
        `upgrade_job`, the move's, once it is started)."""
        w = self.window
        path = w.workspace.path
        self.upgrade_job = None

        def planned(plan: form_upgrade.Plan) -> None:
            if not plan.moves:
                if plan.refused and uuids is not None:   # the household alone: why it does not move
                    w.say(plan.refused[0].reason.body(language.code), 15000)
                elif plan.refused:
                    self.refused_box = show_none_can_move(plan, w)
                else:
                    w.say(tr("gui.upgrade.nothing"), 10000)
                return
            dialog = UpgradeDialog(plan, w, head)
            self.upgrade_dialog = dialog
            if dialog.exec() != UpgradeDialog.Accepted:
                return
            self.upgrade_job = run_job(form_upgrade.upgrading_job(path, plan, reason=dialog.text() or None),
                                       tr("gui.upgrade.title"), w, on_done=lambda result: moved(plan, result))

        def moved(plan: form_upgrade.Plan, result: form_upgrade.Result) -> None:
            w.households_changed()
            to = versions_of(plan)
            left = len(plan.refused) + len(result.refused)   # (named in the question; any found since, counted)
            if left:
                w.say(tr("gui.upgrade.done_refused", n=len(result.moved), to=to, refused=left), 20000)
            else:
                w.say(tr("gui.upgrade.done", n=len(result.moved), to=to), 15000)

        self.planning_job = run_job(form_upgrade.planning_job(path, uuids), tr("gui.upgrade.title"), w,
                                    on_done=planned)
        return self.planning_job

    # --- a member removed, and put back ---------------------------------------------------------------------------------

    def confirm_removal(self, index: int) -> bool:
        """Before a member is removed (Ctrl+Del, the Remove button): say who goes with how many answers, and how to
        undo it; "No" is the default."""
        session = self.window.form.session
        member = session.members()[index]
        name = member.get("name") or tr("gui.remove_member.unnamed", n=index + 1)
        answers = sum(1 for k, v in member.items() if k != "member_id" and v not in (None, "", []))
        if not ask_yes(self.window, tr("gui.remove_member.title"),
                       tr("gui.remove_member.prompt", name=name, n=index + 1, answers=answers)):
            return False
        self.window.say(tr("gui.remove_member.done", name=name), 20000)
        return True

    def confirm_inner_removal(self, repeat: str, path: tuple, index: int) -> bool:
        """Before an instance of a repeat inside the roster's is removed (its Remove button): what goes, with how
        many answers; "No" is the default."""
        session = self.window.form.session
        instance = session.members(repeat, path)[index]
        answers = sum(1 for v in instance.values() if v not in (None, "", []) and not isinstance(v, list)) + \
            sum(1 for v in instance.values() if isinstance(v, list) and v and not isinstance(v[0], dict))
        what = session.label(repeat)
        return ask_yes(self.window, tr("gui.remove_instance.title"),
                       tr("gui.remove_instance.prompt", what=what, n=index + 1, answers=answers))

    def undo_removal(self) -> bool:
        """Household → Undo the removal of a member (Ctrl+Alt+Z): the member removed last from the household open in
        the questionnaire comes back where it stood, with its answers — found in the workspace's audit log, so even
        after the app was closed."""
        w = self.window
        form = w.form
        form.flush()
        if form.session is None or not form.stored or w.current_view() != "form":
            w.say(tr("gui.undo_removal.nothing"), 8000)
            return False
        try:
            removed = forms.last_removed_member(w.workspace.ws, form.uuid)
        except FieldSurveyError as exc:
            report_error(exc, w)
            return False
        if removed is None:
            w.say(tr("gui.undo_removal.nothing"), 8000)
            return False
        if form.restore_member(removed) is None:
            return False
        w.form_view.focus_member_form()
        w.say(tr("gui.undo_removal.done", name=removed.name or removed.member_id), 10000)
        return True

    # --- lifecycle steps -------------------------------------------------------------------------------------------------

    def confirm_unchanged(self, uuid: str | None = None) -> bool:
        """The enumerator checked a returned household again and nothing needs changing: it goes back to the
        supervisor as "checked, no change" with the next hand-in (an optional note for the supervisor)."""
        return self._step(uuid, households.Action.CONFIRM, "confirm", required=False, ok_text=tr("gui.confirm.ok"))

    def move_away(self, uuid: str | None = None) -> bool:
        """The household left the commune (a reason is required): counted only in the movement table."""
        return self._step(uuid, households.Action.MOVE_AWAY, "move_away", required=True)

    def come_back(self, uuid: str | None = None) -> bool:
        """A household that moved away lives here again (a reason is required): back to draft, reviewed again."""
        return self._step(uuid, households.Action.COME_BACK, "come_back", required=True)

    def _step(self, uuid: str | None, action, texts: str, required: bool, ok_text: str | None = None) -> bool:
        """Ask (the `gui.<texts>.*` wording), then move the household on through households.step; a refusal (its
        status does not allow it) is said in the app's language. True when the step was taken."""
        w = self.window
        picked = self._picked(uuid)
        if picked is None:
            return False
        [uuid], head = picked
        options = {"ok_text": ok_text} if ok_text else {}
        if required:
            options["required_key"] = f"gui.{texts}.required"
        comment = ask_comment(w, tr(f"gui.{texts}.title"), tr(f"gui.{texts}.prompt", head=head), required, **options)
        if comment is None:
            return False
        try:
            households.step(w.workspace.ws, [uuid], action, comment)
        except FieldSurveyError as exc:
            report_error(exc, w)
            return False
        w.households_changed()
        w.say(tr(f"gui.{texts}.done", head=head), 10000)
        return True
