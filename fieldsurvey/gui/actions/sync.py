"""Sync on a USB stick from the app: the enumerator's hand-in, the supervisor's return bundle for one enumerator,
and importing bundles with the summary of what each brought. The one module of the app that names the bundles
service."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.dialogs.import_summary import ImportSummaryDialog, report_lines
from fieldsurvey.gui.dialogs.recipient import ask_recipient
from fieldsurvey.gui.jobs import run_job
from fieldsurvey.gui.look import file_dialog_options
from fieldsurvey.gui.texts import language, tr
from fieldsurvey.services import encryption, households, review, starter
from fieldsurvey.services import sync   # the bundles service: the one import of it in the app


class SyncActions:
    def __init__(self, window):
        self.window = window
        self.last_import_summary = ""
        self.summary: ImportSummaryDialog | None = None
        self.fingerprint_box: QMessageBox | None = None
        self.ask_key = self._ask_key   # (tests and scripts may answer it)

    def export_bundle(self, out: Path | None = None, to: str | None = None):
        """The enumerator's hand-in: the households they own that changed since the last export, to a folder. In a
        supervisor's workspace, the return bundle for one enumerator (`to`, asked for when not given): the review
        decisions not yet sent to them and the corrections of their households."""
        w = self.window
        w.form.flush()  # what was just typed is in the workspace before the job reads it
        path = w.workspace.path
        if path is None:
            return None
        if w.workspace.role() == review.SUPERVISOR and to is None:
            names = review.recipients(w.workspace.ws)
            if not names:
                QMessageBox.information(w, tr("gui.action.export_bundle"), tr("gui.sync.no_recipient"))
                return None
            known = households.people(w.workspace.ws)   # listed by name, the login id behind each
            to = ask_recipient([(households.person(known, n), n) for n in names], w)
            if not to:
                return None
        if w.workspace.role() == review.ENUMERATOR and not sync.supervisor_key_known(w.workspace.ws):
            # a hand-in is always encrypted to the supervisor: without their key there is nothing to write yet
            QMessageBox.information(w, tr("gui.action.export_bundle"), tr("gui.sync.no_supervisor_key"))
            return None
        if out is None:
            chosen = QFileDialog.getExistingDirectory(w, tr("gui.action.export_bundle"), str(Path(path).parent),
                                                     options=QFileDialog.ShowDirsOnly | file_dialog_options())
            if not chosen:
                return None
            out = Path(chosen)

        def done(result) -> None:
            if to:
                text = tr("gui.sync.exported_return", path=str(result.path), n=result.households,
                          actions=result.actions, to=households.person(households.people(w.workspace.ws), to))
            else:
                text = tr("gui.sync.exported", path=str(result.path), n=result.households)
            w.say(text, 15000)

        job = sync.export_job(path, out, to=to) if to else sync.export_job(path, out)
        return run_job(job, tr("gui.job.export"), w, on_done=done)

    def trust_key(self, key_file: Path | None = None) -> bool:
        """Trust a colleague's public-key file (.fskey, e.g. the supervisor's, brought on a stick): its owner, its
        device and its fingerprint are shown, to be compared group by group while its owner reads theirs aloud over
        the phone; trusted only when confirmed. True when trusted."""
        w = self.window
        path = w.workspace.path
        if path is None:
            return False
        if key_file is None:
            name, _ = QFileDialog.getOpenFileName(w, tr("gui.action.trust_key"), str(Path(path).parent), "*.fskey")
            if not name:
                return False
            key_file = Path(name)
        try:
            key = sync.read_key(key_file)
            spoken = sync.spoken_fingerprint(key)
            asked = QMessageBox.question(w, tr("gui.action.trust_key"),
                                         tr("gui.sync.trust_question", role=tr(f"sync.role.{key.role}"),
                                            user=key.user, device=key.device, fingerprint=spoken),
                                         QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if asked != QMessageBox.Yes:
                return False
            sync.trust(path, key_file, spoken)
        except FieldSurveyError as exc:
            report_error(exc, w)
            return False
        w.say(tr("gui.sync.trusted", role=tr(f"sync.role.{key.role}"), user=key.user), 15000)
        return True

    def recover_passphrase(self, header: Path | None = None) -> str | None:
        """The supervisor: the recovery key of an enumerator's workspace whose passphrase is forgotten, from its key
        header (`NAME.fsdb.key`, brought on a stick), opened with this workspace's private key; shown to be read
        out. Refused (said, nothing shown) for a header sealed to another key. The recovery key, or None."""
        w = self.window
        path = w.workspace.path
        if path is None:
            return None
        if header is None:
            name, _ = QFileDialog.getOpenFileName(w, tr("gui.action.recover_passphrase"), str(Path(path).parent),
                                                  "*.key", options=file_dialog_options())
            if not name:
                return None
            header = Path(name)
        try:
            recovery = encryption.recover_for_enumerator(path, header)
        except FieldSurveyError as exc:
            report_error(exc, w)
            return None
        box = QMessageBox(QMessageBox.Information, tr("gui.action.recover_passphrase"),
                          tr("encryption.recovery.recovered", file=Path(header).name) + f"\n\n{recovery}", parent=w)
        box.setObjectName("recoveredKey")
        box.setTextInteractionFlags(Qt.TextSelectableByMouse)
        box.show()
        self.recovered_box = box
        return recovery

    def import_bundles(self, files: list[Path] | None = None):
        """Bring in bundles (an enumerator's hand-in, a supervisor's return): each all or nothing; a refused one
        says why and does not stop the others. The summary says what each brought and what now waits."""
        w = self.window
        w.form.flush()  # what was just typed is in the workspace before the job reads it
        path = w.workspace.path
        if path is None:
            return None
        if files is None:
            names, _ = QFileDialog.getOpenFileNames(w, tr("gui.action.import_bundles"), str(Path(path).parent),
                                                    f"*{sync.SUFFIX}")
            if not names:
                return None
            files = [Path(n) for n in names]
        files = self._confirm_carried_keys(path, files)
        if not files:
            return None
        return run_job(sync.import_bundles(path, files), tr("gui.job.import"), w, on_done=self._imported)

    def _confirm_carried_keys(self, path: Path, files: list[Path]) -> list[Path]:
        """An enumerator's first hand-in carries her key: its owner, device and fingerprint are shown, to compare
        with what her screen shows (Help → My key's fingerprint); trusted when confirmed. The bundles of a key not
        confirmed are left out — nothing of them imported, nothing trusted — and the status bar says so. A carried
        key that cannot be trusted (a second key for someone, one that did not sign the bundle) is left to the
        import, whose summary says why its bundle is refused."""
        w = self.window
        decided: dict[str, bool] = {}
        kept = []
        for f in files:
            try:
                key = sync.carried_key(path, f)
            except FieldSurveyError:
                key = None
            if key is not None:
                if key.fingerprint not in decided:
                    name = starter.enumerator_name(path, key.user) or key.user
                    spoken = sync.spoken_fingerprint(key)
                    decided[key.fingerprint] = self.ask_key(name, key.user, key.device, spoken)
                    if decided[key.fingerprint]:
                        try:
                            sync.trust_carried(path, f, spoken)
                        except FieldSurveyError as exc:
                            report_error(exc, w)
                            decided[key.fingerprint] = False
                    else:
                        w.say(tr("gui.sync.carried_declined", user=name), 15000)
                if not decided[key.fingerprint]:
                    continue
            kept.append(f)
        return kept

    def _ask_key(self, name: str, user: str, device: str, fingerprint: str) -> bool:
        box = QMessageBox(QMessageBox.Question, tr("gui.action.import_bundles"),
                          tr("gui.sync.carried_question", name=name, user=user, device=device,
                             fingerprint=fingerprint), QMessageBox.Yes | QMessageBox.No, self.window)
        box.setObjectName("carriedKeyQuestion")
        box.setDefaultButton(QMessageBox.No)   # Enter alone never trusts a key
        return box.exec() == QMessageBox.Yes

    def show_my_fingerprint(self) -> QMessageBox | None:
        """This installation's key — role, user, device and the fingerprint to read to the supervisor at the first
        import of a hand-in (or to an enumerator setting up from a starter package). Shown without blocking."""
        w = self.window
        path = w.workspace.path
        if path is None:
            return None
        try:
            me = sync.identity_of(path)
            text = tr("gui.sync.my_fingerprint", role=tr(f"sync.role.{me.role}"), user=me.user, device=me.device,
                      fingerprint=sync.spoken_fingerprint(me))
        except FieldSurveyError:
            text = tr("gui.sync.no_identity")
        box = QMessageBox(QMessageBox.Information, tr("gui.action.my_fingerprint"), text, QMessageBox.Ok, w)
        box.setObjectName("myFingerprint")
        box.open()
        self.fingerprint_box = box
        return box

    def _imported(self, reports) -> None:
        w = self.window
        w.households_changed(choices=True)
        ws = w.workspace.ws
        lines = report_lines(reports, language.code, held=lambda entries: review.held_lines(ws, entries, language.code))
        waiting, offer = w.review_actions.waiting()
        if waiting:
            lines += ["", *waiting]
        self.last_import_summary = "\n".join(lines)
        self.summary = ImportSummaryDialog(self.last_import_summary, offer, w)
        self.summary.view_requested.connect(w.show_view)
        self.summary.open()  # not modal-blocking: the list is already refreshed behind it
