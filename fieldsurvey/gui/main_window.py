"""The main window: a start page (new, open, demo, recent), the household list, the questionnaire and the
dashboard, menus with the keyboard shortcuts, a language switch, text size, and the layout remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QFont, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QMessageBox, QPushButton, QSizePolicy, QSpacerItem, QStackedWidget, QVBoxLayout,
                               QWidget)

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.controllers import FormController, WorkspaceController
from fieldsurvey.gui.crash import log_path, report_error
from fieldsurvey.gui.dashboard_view import DashboardView
from fieldsurvey.gui.form_view import QuestionnaireView
from fieldsurvey.gui.jobs import run_job
from fieldsurvey.gui.list_view import HouseholdListView
from fieldsurvey.gui.models import HouseholdTableModel
from fieldsurvey.gui.review_view import HistoryDialog, ReviewView, TodoView
from fieldsurvey.gui.texts import language, tr
from fieldsurvey.gui.widgets import combo_data
from fieldsurvey.services import figures, forms, households, sync, workspaces

MAX_RECENT = 8
WARM_UP_MS = 300  # after the list is shown and the app idle
CHECK_OFF_THREAD_BYTES = 30_000_000  # a workspace this big is checked on a worker thread when opened from the UI
VIEWS = ("start", "list", "form", "dashboard", "review", "todo")


class StartPage(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("startPage")
        lay = QVBoxLayout(self)
        self.heading = QLabel()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.new_button = QPushButton(objectName="newWorkspace")
        self.open_button = QPushButton(objectName="openWorkspace")
        self.demo_button = QPushButton(objectName="openDemo")
        self.recent_label = QLabel()
        self.recent = QListWidget(objectName="recentList")
        for w in (self.heading, self.intro, self.new_button, self.open_button, self.demo_button, self.recent_label):
            lay.addWidget(w)
        lay.addWidget(self.recent, 1)

    def retranslate(self, _language: str = "") -> None:
        self.heading.setText(f"<h2>{tr('gui.app.title')}</h2>")
        self.intro.setText(tr("gui.start.intro"))
        self.new_button.setText(tr("gui.start.new") + " (Ctrl+Shift+N)")
        self.open_button.setText(tr("gui.start.open") + " (Ctrl+O)")
        self.demo_button.setText(tr("gui.start.demo"))
        self.recent_label.setText(f"<b>{tr('gui.start.recent')}</b>")


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings
        self.workspace = WorkspaceController(self)
        self.model = HouseholdTableModel(self.workspace.count, self.workspace.page, self)
        self.stack = QStackedWidget()
        self.start = StartPage()
        self.list_view = HouseholdListView(self.model)
        self.form_view = QuestionnaireView()
        self.dashboard = DashboardView()
        self.review = ReviewView(self.workspace)
        self.todo = TodoView(self.workspace)
        for w in (self.start, self.list_view, self.form_view, self.dashboard, self.review, self.todo):
            self.stack.addWidget(w)
        self.setCentralWidget(self.stack)
        self.form = FormController(self.workspace, self.form_view, self)
        self.form.ask_reason = self._ask_reason
        self.status_label = QLabel(objectName="statusText")
        self.statusBar().addPermanentWidget(self.status_label)
        self.dashboard_job = None
        self._build_actions()

        self.start.new_button.clicked.connect(self.new_workspace)
        self.start.open_button.clicked.connect(self.open_workspace_dialog)
        self.start.demo_button.clicked.connect(self.open_demo)
        self.start.recent.itemActivated.connect(lambda item: self.open_workspace(Path(item.data(Qt.UserRole)),
                                                                                 wait=False))
        self.list_view.open_requested.connect(self.open_household)
        self.todo.open_requested.connect(self.open_household)
        self.review.open_requested.connect(self.open_household)
        self.review.changed.connect(self._reviewed)
        self.list_view.selection_changed.connect(self._show_detail)
        self.workspace.opened.connect(self._workspace_opened)
        self.form.saved.connect(self._list_dirty)
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        self._list_stale = False
        self.retranslate()
        self.restore_layout()
        self.show_view("start")

    # --- actions and menus ---------------------------------------------------------------------------------------

    def _action(self, key: str, slot, shortcut: str | QKeySequence | None = None, needs_ws: bool = False) -> QAction:
        a = QAction(self)
        a.setObjectName(f"action_{key}")
        a.setData(key)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        a.triggered.connect(lambda _checked=False: slot())
        a.needs_ws = needs_ws  # type: ignore[attr-defined]
        self.actions_by_key[key] = a
        return a

    def _build_actions(self) -> None:
        self.actions_by_key: dict[str, QAction] = {}
        A = self._action
        self.menus = {}
        spec = {
            "file": [A("new_workspace", self.new_workspace, "Ctrl+Shift+N"),
                     A("open_workspace", self.open_workspace_dialog, QKeySequence.Open),
                     A("open_demo", self.open_demo), None,
                     A("classify_all", self.classify_all, "Ctrl+Shift+K", True), None,
                     A("export_bundle", self.export_bundle, "Ctrl+Shift+E", True),
                     A("import_bundles", self.import_bundles, "Ctrl+Shift+I", True), None,
                     A("quit", self.close, QKeySequence.Quit)],
            "household": [A("new_household", self.new_household, QKeySequence.New, True),
                          A("find", self.focus_search, QKeySequence.Find, True),
                          A("next_section", self.form_view.next_section, None, True),
                          A("next_error", self.form_view.next_error, None, True), None,
                          A("history", self.show_history, "Ctrl+Shift+H", True),
                          A("older_forms", self.show_older_forms, None, True)],
            "view": [A("view_list", lambda: self.show_view("list"), "Ctrl+1", True),
                     A("view_form", lambda: self.show_view("form"), "Ctrl+2", True),
                     A("view_dashboard", lambda: self.show_view("dashboard"), "Ctrl+3", True),
                     A("view_review", lambda: self.show_view("review"), "Ctrl+4", True),
                     A("view_todo", lambda: self.show_view("todo"), "Ctrl+5", True), None,
                     A("text_larger", lambda: self.text_size(+1), QKeySequence.ZoomIn),
                     A("text_smaller", lambda: self.text_size(-1), QKeySequence.ZoomOut)],
            "language": [A("lang_vi", lambda: self.set_language("vi")),
                         A("lang_en", lambda: self.set_language("en"))],
            "print": [A("print_sheet", lambda: self.print_document("sheet"), QKeySequence.Print, True),
                      A("print_sheets", lambda: self.print_document("sheets"), None, True),
                      A("print_lists", lambda: self.print_document("lists"), None, True),
                      A("print_certificates", lambda: self.print_document("certificates"), None, True),
                      A("print_summary", lambda: self.print_document("summary"), None, True), None,
                      A("export_xlsx", lambda: self.print_document("xlsx"), None, True)],
            "help": [A("shortcuts", self.show_shortcuts, "F1"), A("log_file", self.show_log_path)],
        }
        self.actions_by_key["next_section"].setShortcutContext(Qt.WidgetShortcut)
        self.actions_by_key["text_larger"].setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        group = QActionGroup(self)
        for k in ("lang_vi", "lang_en"):
            self.actions_by_key[k].setCheckable(True)
            group.addAction(self.actions_by_key[k])
        for name, actions in spec.items():
            menu = self.menuBar().addMenu("")
            menu.setObjectName(f"menu_{name}")
            self.menus[name] = menu
            for a in actions:
                if a is None:
                    menu.addSeparator()
                else:
                    menu.addAction(a)

    def retranslate(self, _language: str = "") -> None:
        self.setWindowTitle(f"{tr('gui.app.title')} — {self.workspace.title()}" if self.workspace.ws
                            else tr("gui.app.title"))
        for name, menu in self.menus.items():
            menu.setTitle(tr(f"gui.menu.{name}"))
        for key, a in self.actions_by_key.items():
            a.setText(tr(f"gui.action.{key}"))
        self.actions_by_key["next_section"].setText(tr("gui.action.next_section") + "\tCtrl+PgDown")
        self.actions_by_key["next_error"].setText(tr("gui.action.next_error") + "\tF8")
        self.actions_by_key[f"lang_{language.code}"].setChecked(True)
        self.start.retranslate()
        self._fill_recent()
        self._update_status()

    def _update_actions(self) -> None:
        for a in self.actions_by_key.values():
            if a.needs_ws:  # type: ignore[attr-defined]
                a.setEnabled(self.workspace.ws is not None)
        self.actions_by_key["view_review"].setEnabled(self.review_available())
        self.actions_by_key["view_todo"].setEnabled(self.todo_available())

    def role(self) -> str | None:
        from fieldsurvey.services.review import role_of

        return role_of(self.workspace.ws) if self.workspace.ws is not None else None

    def review_available(self) -> bool:
        """The Review view is the supervisor's (a workspace with no sync identity, like the demo commune, shows it
        to look at, with a note that deciding needs a supervisor's identity)."""
        return self.workspace.ws is not None and self.role() != "enumerator"

    def todo_available(self) -> bool:
        """The To-do view is the enumerator's: what the supervisor returned or assigned."""
        return self.workspace.ws is not None and self.role() == "enumerator"

    # --- views ------------------------------------------------------------------------------------------------------

    def current_view(self) -> str:
        return VIEWS[self.stack.currentIndex()]

    def _ask_reason(self) -> str | None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(self, tr("gui.form.reason_title"), tr("gui.form.reason_prompt"))
        return text.strip() if ok and text.strip() else None

    def show_view(self, name: str) -> None:
        if name != "form":
            self.form.flush()
        if name != "start" and self.workspace.ws is None:
            name = "start"
        if name == "form" and self.form.session is None:
            self.new_household()
            return
        if name == "dashboard":
            self.load_dashboard()
        if name == "review":
            if not self.review_available():
                name = "list"
            elif self.current_view() != "review":
                self.review.load()
        if name == "todo":
            if not self.todo_available():
                name = "list"
            else:
                self.todo.load()
        if name == "list" and self._list_stale:
            self._list_stale = False
            self.list_view.apply_filter()
        self.stack.setCurrentIndex(VIEWS.index(name))
        self._update_actions()
        if name == "list":
            self.list_view.table.setFocus()
        elif name == "todo":
            self.todo.table.setFocus()

    def _list_dirty(self, _uuid: str = "") -> None:
        self._list_stale = True
        self.list_view.counts_changed()
        self._update_status()

    # --- workspaces -----------------------------------------------------------------------------------------------

    def new_workspace(self) -> None:
        from fieldsurvey.gui.setup_view import SetupDialog

        dialog = SetupDialog(self._default_dir(), self)
        if dialog.exec() and dialog.created:
            self.open_workspace(dialog.created)

    def _default_dir(self) -> Path:
        d = Path.home() / "FieldSurvey"
        return d

    def open_workspace_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, tr("gui.action.open_workspace"), str(self._default_dir()),
                                              "FieldSurvey (*.fsdb);;* (*)")
        if name:
            self.open_workspace(Path(name), wait=False)

    def open_demo(self) -> None:
        from fieldsurvey.services.workspaces import ready_demo

        run_job(ready_demo(), tr("gui.job.demo"), self, on_done=self.open_workspace)

    def open_workspace(self, path: Path, wait: bool = True) -> bool:
        """Open a workspace. A big file's integrity check (storage runs it once per file and process) runs on a
        worker thread first with a progress dialog, unless `wait` (the screenshot mode, scripts): the window
        stays alive meanwhile and the list shows when it is done. Returns False when the file was refused."""
        self.form.flush()
        path = Path(path)
        if not wait and path.is_file() and path.stat().st_size > CHECK_OFF_THREAD_BYTES:
            def done(_result) -> None:
                self.open_workspace(path)

            self._check_job = run_job(workspaces.check_job(path), tr("gui.job.check"), self, on_done=done)
            return True
        try:
            self.workspace.open(path)
        except FieldSurveyError as exc:
            report_error(exc, self)
            return False
        return True

    def _workspace_opened(self) -> None:
        path = str(self.workspace.path)
        recent = [p for p in self.recent() if p != path]
        self.settings.setValue("recent", [path] + recent[:MAX_RECENT - 1])
        self.form.session = None
        self.list_view.set_choices(workspaces.village_names_of(self.workspace.ws), households.owners(self.workspace.ws))
        self.list_view.class_counts_source = self._class_counts
        self.list_view.counts_changed()
        self.list_view.apply_filter()
        self.retranslate()
        self.show_view("list")
        QTimer.singleShot(WARM_UP_MS, self.prepare_questionnaire)

    def prepare_questionnaire(self) -> None:
        """When the app is idle after opening a workspace: load the year's form and build the questionnaire's
        pages with a blank household, so the first household opens as fast as the next ones."""
        if self.workspace.ws is None or self.form.session is not None:
            return
        try:
            session, _status, _owner = forms.open_form(self.workspace.ws, None, None, language.code)
        except FieldSurveyError:
            return  # no form installed for this year: opening a household will say so
        self.form_view.load(session, "")

    def _class_counts(self, village: str | None) -> dict[str, int]:
        return households.class_counts(self.workspace.ws, village) if self.workspace.ws else {}

    def recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if v]

    def _fill_recent(self) -> None:
        self.start.recent.clear()
        for p in self.recent():
            item = QListWidgetItem(p)
            item.setData(Qt.UserRole, p)
            self.start.recent.addItem(item)

    def _update_status(self) -> None:
        if self.workspace.ws is None:
            self.status_label.setText(tr("gui.status_bar.no_workspace"))
            return
        text = tr("gui.status_bar.workspace", title=self.workspace.title(),
                  n=self.workspace.count(households.HouseholdFilter()))
        enumerator = self.workspace.ws.meta("enumerator")
        if enumerator:
            text += " · " + tr("gui.status_bar.enumerator", name=enumerator)
        self.status_label.setText(text)

    # --- households ---------------------------------------------------------------------------------------------------

    def _show_detail(self, uuid: str) -> None:
        try:
            self.list_view.detail.show_detail(self.workspace.detail(uuid))
        except FieldSurveyError as exc:
            report_error(exc, self)

    def new_household(self) -> None:
        if self.workspace.ws is None:
            return
        self.form.new_household(combo_data(self.list_view.village))
        self.stack.setCurrentIndex(VIEWS.index("form"))
        self._update_actions()
        self.form_view.focus_first(0)

    def open_household(self, uuid: str) -> None:
        self.form.open_household(uuid)
        self.stack.setCurrentIndex(VIEWS.index("form"))
        self._update_actions()

    def current_household(self) -> str | None:
        """The household the user is on: open in the questionnaire, or selected in the list, the to-do list or the
        review's table."""
        view = self.current_view()
        if view == "form":
            return self.form.uuid if self.form.stored else None
        if view == "todo":
            return self.todo.current_uuid()
        if view == "review" and self.review.tabs.currentWidget() is self.review.approval:
            idx = self.review.approval.table.currentIndex()
            return idx.data(Qt.UserRole) if idx.isValid() else None
        if view == "review" and self.review.tabs.currentWidget() is self.review.conflicts:
            c = self.review.conflicts.current()
            return c.uuid if c else None
        return self.list_view.current_uuid()

    def show_history(self, uuid: str | None = None) -> HistoryDialog | None:
        """Who changed what, when, for the household the user is on (Ctrl+Shift+H)."""

        self.form.flush()  # what was just typed is in the history too
        uuid = uuid or self.current_household()
        if uuid is None or self.workspace.ws is None:
            self.statusBar().showMessage(tr("gui.history.pick_one"), 8000)
            return None
        try:
            rows = households.history(self.workspace.ws, uuid, language.code)
            head = self.workspace.detail(uuid)
        except FieldSurveyError as exc:
            report_error(exc, self)
            return None
        members = head.document.get("members") or []
        name = next((m.get("name") for m in members if m.get("relationship") == "head"), None) or uuid[:8]
        dialog = HistoryDialog(rows, tr("gui.history.title", head=name), self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()
        self.history_dialog = dialog
        return dialog

    def _reload_open_household(self) -> None:
        """Read the household open in the questionnaire again after an import or a review decision changed the
        workspace behind it."""
        if self.form.session is not None and self.form.stored:
            try:
                self.form.open_household(self.form.uuid)
            except FieldSurveyError as exc:
                report_error(exc, self)

    def _reviewed(self) -> None:
        """A decision in the Review view changed households: the list and the counts follow, and the household
        open in the questionnaire is read again (its next autosave must not put back the status or the answers
        the decision replaced)."""
        self._reload_open_household()
        self._list_stale = True
        self.list_view.counts_changed()
        self._update_status()

    def show_older_forms(self) -> str:
        """The households filled with an older version of their form (they open, validate and print with it)."""
        from fieldsurvey.services.forms import households_on_older_versions

        rows = households_on_older_versions(self.workspace.ws) if self.workspace.ws else []
        if not rows:
            text = tr("gui.older.none")
        else:
            lines = [tr("gui.older.row", name=r["head_name"] or tr("gui.list.no_name"), village=r["village"] or "—",
                        version=r["form_version"], newest=r["newest"]) for r in rows[:40]]
            if len(rows) > 40:
                lines.append("…")
            text = tr("gui.older.some", n=len(rows)) + "\n\n" + "\n".join(lines)
        box = QMessageBox(QMessageBox.Information, tr("gui.action.older_forms"), text, QMessageBox.Ok, self)
        box.setObjectName("olderForms")
        box.open()
        return text

    def focus_search(self) -> None:
        self.show_view("list")
        self.list_view.search.setFocus()
        self.list_view.search.selectAll()

    # --- long work ----------------------------------------------------------------------------------------------------

    def classify_all(self):
        """Re-classify every household (a job: spawned worker processes for a large workspace — never forked from
        this threaded process)."""
        self.form.flush()  # what was just typed is in the workspace before the job reads it
        if self.workspace.path is None:
            return None

        def done(counts) -> None:
            self.list_view.counts_changed()
            self.list_view.apply_filter()
            self.statusBar().showMessage(tr("gui.job.classified", n=sum(counts.values())), 8000)

        return run_job(workspaces.classify_workspace(self.workspace.path), tr("gui.job.classify"), self,
                       on_done=done)

    def export_bundle(self, out: Path | None = None, to: str | None = None):
        """The enumerator's hand-in: the households they own that changed since the last export, to a folder. In a
        supervisor's workspace, the return bundle for one enumerator (`to`, asked for when not given): the review
        decisions not yet sent to them and the corrections of their households."""
        self.form.flush()  # what was just typed is in the workspace before the job reads it
        if self.workspace.path is None:
            return None
        if self.role() == "supervisor":
            from fieldsurvey.services.review import recipients

            if to is None:
                names = recipients(self.workspace.ws)
                if not names:
                    QMessageBox.information(self, tr("gui.action.export_bundle"), tr("gui.sync.no_recipient"))
                    return None
                to = self.ask_recipient(names)
                if not to:
                    return None
        if out is None:
            chosen = QFileDialog.getExistingDirectory(self, tr("gui.action.export_bundle"),
                                                      str(Path(self.workspace.path).parent))
            if not chosen:
                return None
            out = Path(chosen)

        def done(result) -> None:
            if to:
                text = tr("gui.sync.exported_return", path=str(result.path), n=result.households, actions=result.actions,
                          to=to)
            else:
                text = tr("gui.sync.exported", path=str(result.path), n=result.households)
            self.statusBar().showMessage(text, 15000)

        if to:
            return run_job(sync.export_job(self.workspace.path, out, to=to), tr("gui.job.export"), self,
                           on_done=done)
        return run_job(sync.export_job(self.workspace.path, out), tr("gui.job.export"), self, on_done=done)

    def ask_recipient(self, names: list[str]) -> str | None:
        """Which enumerator the supervisor's return bundle is for."""
        from PySide6.QtWidgets import QInputDialog

        dialog = QInputDialog(self)
        dialog.setObjectName("recipientDialog")
        dialog.setWindowTitle(tr("gui.action.export_bundle"))
        dialog.setLabelText(tr("gui.sync.recipient"))
        dialog.setComboBoxItems(names)
        dialog.setComboBoxEditable(False)
        return dialog.textValue() if dialog.exec() else None

    def import_bundles(self, files: list[Path] | None = None):
        """Bring in bundles (an enumerator's hand-in, a supervisor's return): each all or nothing; a refused one
        says why and does not stop the others."""
        from fieldsurvey.services.sync import SUFFIX, import_bundles

        self.form.flush()  # what was just typed is in the workspace before the job reads it
        if self.workspace.path is None:
            return None
        if files is None:
            names, _ = QFileDialog.getOpenFileNames(self, tr("gui.action.import_bundles"),
                                                    str(Path(self.workspace.path).parent), f"*{SUFFIX}")
            if not names:
                return None
            files = [Path(n) for n in names]

        def done(reports) -> None:
            self._reload_open_household()
            self.list_view.counts_changed()
            self.list_view.set_choices(workspaces.village_names_of(self.workspace.ws), households.owners(self.workspace.ws))
            self.list_view.apply_filter()
            self._update_status()
            lines = []
            for r in reports:
                if r.status == "refused":   # why, in the app's language (r.message stays English for the CLI)
                    why = r.text(language.code).removeprefix(f"{r.file}: ")   # the line names the file already
                    lines.append(tr("gui.sync.refused", file=r.file, message=why))
                elif r.status == "already":
                    lines.append(tr("gui.sync.already", file=r.file))
                else:
                    c = r.counts
                    lines.append(tr("gui.sync.imported", file=r.file, new=c["new"], updated=c["updated"],
                                    conflicts=c["conflicts"], refused=c["refused"]))
                    lines += [tr("sync.import.refused_record", uuid=uuid, reason=reason)
                              for uuid, reason in r.reasons(language.code)]
            offer = None
            if self.review_available():
                from fieldsurvey.services.review import open_counts

                waiting = open_counts(self.workspace.ws)
                if waiting["conflicts"] or waiting["duplicates"]:
                    lines += ["", tr("gui.sync.waiting", conflicts=waiting["conflicts"],
                                     duplicates=waiting["duplicates"])]
                    offer = ("review", tr("gui.sync.open_review"))
                if self.current_view() == "review":
                    self.review.load(pick_tab=False)
            elif self.todo_available():
                from fieldsurvey.services.review import todo

                n = len(todo(self.workspace.ws))
                if n:
                    lines += ["", tr("gui.sync.todo_waiting", n=n)]
                    offer = ("todo", tr("gui.sync.open_todo"))
                if self.current_view() == "todo":
                    self.todo.load()
            self.last_import_summary = "\n".join(lines)
            box = QMessageBox(QMessageBox.Information, tr("gui.action.import_bundles"), self.last_import_summary,
                              QMessageBox.Ok, self)
            box.setObjectName("importSummary")
            grid = box.layout()  # wide enough for a bundle's file name and its counts on one line
            grid.addItem(QSpacerItem(760, 0, QSizePolicy.Minimum, QSizePolicy.Expanding), grid.rowCount(), 0, 1,
                         grid.columnCount())
            if offer is not None:
                view, text = offer
                button = box.addButton(text, QMessageBox.AcceptRole)
                button.setObjectName("openReview" if view == "review" else "openTodo")
                button.clicked.connect(lambda _checked=False, v=view: self.show_view(v))
                box.setDefaultButton(button)
            box.open()  # not modal-blocking: the list is already refreshed behind it

        return run_job(import_bundles(self.workspace.path, files), tr("gui.job.import"), self, on_done=done)

    def print_document(self, kind: str, out: Path | None = None):
        """Print (to a PDF, or an Excel workbook) through the printing service, as a job with progress and cancel.
        "sheet": the household open or selected; "sheets"/"lists"/"certificates": the village picked in the list's
        filter, else the whole commune; "summary"/"xlsx": the commune."""
        from fieldsurvey.services import printing

        self.form.flush()  # what was just typed is in the workspace before the job reads it
        if self.workspace.path is None:
            return None
        village = combo_data(self.list_view.village)
        household = None
        if kind == "sheet":
            household = (self.form.uuid if self.current_view() == "form" and self.form.stored
                         else self.list_view.current_uuid())
            if household is None:
                return None
        suffix = ".xlsx" if kind == "xlsx" else ".pdf"
        if out is None:
            name = f"{kind}-{(household or '')[:8] or village or self.workspace.ws.info.commune_code}{suffix}"
            chosen, _ = QFileDialog.getSaveFileName(self, tr(f"gui.action.print_{kind}" if kind != "xlsx"
                                                             else "gui.action.export_xlsx"),
                                                    str(Path(self.workspace.path).parent / name), f"*{suffix}")
            if not chosen:
                return None
            out = Path(chosen)
        lang = language.code
        path = self.workspace.path
        jobs = {"sheet": lambda: printing.print_sheets(path, out, household=household, lang=lang),
                "sheets": lambda: printing.print_sheets(path, out, village=village, lang=lang),
                "lists": lambda: printing.print_lists(path, out, village=village, lang=lang),
                "certificates": lambda: printing.print_certificates(path, out, village=village, lang=lang),
                "summary": lambda: printing.print_summary(path, out, lang=lang),
                "xlsx": lambda: printing.export_xlsx(path, out, lang=lang)}

        def done(n) -> None:
            self.statusBar().showMessage(tr("gui.job.printed", path=str(out), n=n), 10000)

        return run_job(jobs[kind](), tr("gui.job.print"), self, on_done=done)

    def load_dashboard(self, wait: bool = False) -> None:
        if self.workspace.path is None:
            return
        if wait:
            from fieldsurvey.progress import run_to_end

            self.dashboard.show_data(run_to_end(figures.dashboard(self.workspace.ws)))
            return
        if self.dashboard_job is not None and self.dashboard_job.running:
            return
        self.dashboard_job = run_job(figures.dashboard_for(self.workspace.path), tr("gui.job.dashboard"), self,
                                     on_done=self.dashboard.show_data)

    # --- language, text size, layout ----------------------------------------------------------------------------------

    def set_language(self, code: str) -> None:
        language.set(code)
        self.settings.setValue("language", code)

    def text_size(self, step: int) -> None:
        app = QApplication.instance()
        font = QFont(app.font())
        size = max(8, min(20, font.pointSize() + step))
        font.setPointSize(size)
        app.setFont(font)
        self.settings.setValue("text_size", size)
        # headings and the class badge are sized from the text size: draw them again
        if self.form.session is not None:
            self.form_view._title_text = self.form._title()
        language.changed.emit(language.code)

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, tr("gui.action.shortcuts"), tr("gui.shortcuts.text"))

    def show_log_path(self) -> None:
        QMessageBox.information(self, tr("gui.action.log_file"), str(log_path() or "—"))

    def restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        for name, splitter in (("list", self.list_view.splitter), ("form", self.form_view.splitter)):
            value = self.settings.value(f"window/splitter_{name}")
            if value is not None:
                splitter.restoreState(value)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter_list", self.list_view.splitter.saveState())
        self.settings.setValue("window/splitter_form", self.form_view.splitter.saveState())
        self.settings.sync()

    def closeEvent(self, event) -> None:
        from fieldsurvey.gui.jobs import cancel_all

        self.form.close()
        cancel_all()
        self.save_layout()
        self.workspace.close()
        super().closeEvent(event)
