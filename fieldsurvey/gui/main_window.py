"""The main window assembles the app: the views in a stack (start page, household list, questionnaire, dashboard,
review, to-do), the controllers, the groups of actions (fieldsurvey.gui.actions) and the menus that trigger them,
the language switch, text size and the layout remembered. Behaviour lives in the actions and the controllers; this
module only wires them together and keeps the views in step when households change behind them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QFont, QKeySequence
from PySide6.QtWidgets import (QApplication, QFrame, QLabel, QMainWindow, QMessageBox, QScrollArea, QSizePolicy,
                               QStackedWidget, QWidget)

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.actions.households import HouseholdActions
from fieldsurvey.gui.actions.printing import PrintActions
from fieldsurvey.gui.actions.province import ProvinceActions
from fieldsurvey.gui.actions.review import ReviewActions
from fieldsurvey.gui.actions.starter import StarterActions
from fieldsurvey.gui.actions.sync import SyncActions
from fieldsurvey.gui.actions.workspace import WorkspaceActions
from fieldsurvey.gui.controllers import FormController, WorkspaceController
from fieldsurvey.gui.crash import log_path, report_error
from fieldsurvey.gui.dashboard_view import DashboardView
from fieldsurvey.gui.dialogs.reason import ask_reason
from fieldsurvey.gui.form_view import QuestionnaireView
from fieldsurvey.gui.jobs import cancel_all, run_job
from fieldsurvey.gui.list_view import HouseholdListView
from fieldsurvey.gui.look import fit_screen, fits
from fieldsurvey.gui.models import HouseholdTableModel
from fieldsurvey.gui.province_view import ProvinceView
from fieldsurvey.gui.review_view import ReviewView, TodoView
from fieldsurvey.gui.start_page import StartPage
from fieldsurvey.gui.texts import language, tr
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import figures, forms, households, province, review, workspaces

MAX_RECENT = 8
WARM_UP_MS = 300  # after the list is shown and the app idle
VIEWS = ("start", "list", "form", "dashboard", "review", "todo", "province")
# the list's figures are counted at once up to this many households (≈ 0.1 s on a 2-core laptop: the one count,
# docs/performance.md), on a worker thread above it (the list of 100,000 still opening in under half a second)
LIST_FIGURES_AT_ONCE = 5000
REVIEW_ACTIONS = ("review_approve", "review_return", "review_reassign", "review_resolve", "review_keep_first",
                  "review_keep_second", "review_apart")


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
        self.dashboard = DashboardView(self.workspace)
        self.review = ReviewView(self.workspace)
        self.todo = TodoView(self.workspace)
        self.province_view = ProvinceView()   # the province's role: a province workspace instead of a commune's
        for w in (self.start, self.list_view, self.form_view, self.dashboard, self.review, self.todo,
                  self.province_view):
            self.stack.addWidget(w)
        self._view_policies = [self.stack.widget(i).sizePolicy() for i in range(self.stack.count())]
        self.stack.currentChanged.connect(self._fit_view)
        self._fit_view(self.stack.currentIndex())
        # the views in a scroll area: at the largest text size a view wider or taller than a 1366×768 screen scrolls
        # instead of pushing the window off the screen (at the usual sizes every view fits and nothing scrolls)
        self.scroller = QScrollArea(objectName="viewScroller")
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.NoFrame)
        self.scroller.setFocusPolicy(Qt.NoFocus)   # never a stop of its own for Tab
        self.scroller.setWidget(self.stack)
        self.setCentralWidget(self.scroller)
        self.form = FormController(self.workspace, self.form_view, self)
        self.form.ask_reason = lambda: ask_reason(self)
        self.status_label = QLabel(objectName="statusText")
        self.statusBar().addPermanentWidget(self.status_label)

        self.workspace_actions = WorkspaceActions(self)
        self.sync_actions = SyncActions(self)
        self.starter_actions = StarterActions(self)
        self.print_actions = PrintActions(self)
        self.review_actions = ReviewActions(self)
        self.household_actions = HouseholdActions(self)
        self.province_actions = ProvinceActions(self)
        self.form.confirm_removal = self.household_actions.confirm_removal
        self.form.confirm_inner_removal = self.household_actions.confirm_inner_removal
        self._build_menus()

        self.start.new_button.clicked.connect(self.workspace_actions.new_workspace)
        self.start.open_button.clicked.connect(self.workspace_actions.open_dialog)
        self.start.demo_button.clicked.connect(self.workspace_actions.open_demo)
        self.start.starter_button.clicked.connect(lambda: self.starter_actions.open_starter())
        self.start.recent_chosen.connect(lambda path: self.open_workspace(path, wait=False))
        self.list_view.open_requested.connect(self.open_household)
        self.todo.open_requested.connect(self.open_household)
        self.review.open_requested.connect(self.open_household)
        self.review.changed.connect(self.households_changed)
        self.todo.confirm_requested.connect(self.household_actions.confirm_unchanged)
        self.form_view.confirm_requested.connect(lambda: self.household_actions.confirm_unchanged(self.form.uuid))
        self.list_view.add_household_actions(self.actions_by_key[k] for k in ("history", "upgrade_form",
                                                                                "confirm_unchanged", "move_away",
                                                                                "come_back"))
        self.list_view.selection_changed.connect(self._show_detail)
        self.workspace.opened.connect(self._workspace_opened)
        self.form.saved.connect(self._list_dirty)
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        self._list_stale = False
        self._list_job = None     # the list's figures counted on a worker thread (a large workspace)
        self._list_again = False
        self.dashboard.official.toggled.connect(self._figures_switched)
        self.retranslate()
        self.restore_layout()
        self.show_view("start")

    # --- menus ------------------------------------------------------------------------------------------------------

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

    def _heading(self, key: str) -> QAction:
        """A line in a menu that names the entries under it (greyed, never triggered)."""
        a = QAction(self)
        a.setObjectName(f"action_{key}")
        a.setEnabled(False)
        font = a.font()
        font.setItalic(True)
        a.setFont(font)
        a.needs_ws = False  # type: ignore[attr-defined]
        self.actions_by_key[key] = a
        return a

    def _build_menus(self) -> None:
        self.actions_by_key: dict[str, QAction] = {}
        A = self._action
        ws, sync, printing = self.workspace_actions, self.sync_actions, self.print_actions
        hh = self.household_actions
        self.menus = {}
        spec = {
            "file": [A("new_workspace", ws.new_workspace, "Ctrl+Shift+N"),
                     A("open_workspace", ws.open_dialog, QKeySequence.Open),
                     A("open_demo", ws.open_demo),
                     A("open_starter", lambda: self.starter_actions.open_starter()),
                     A("open_province", self.province_actions.open_dialog), None,
                     A("classify_all", ws.classify_all, "Ctrl+Shift+K", True),
                     A("villages", ws.show_villages, None, True),
                     A("make_starter", self.starter_actions.make_starter, None, True), None,
                     A("export_bundle", sync.export_bundle, "Ctrl+Shift+E", True),
                     A("import_bundles", sync.import_bundles, "Ctrl+Shift+I", True),
                     A("trust_key", sync.trust_key, None, True),
                     A("recover_passphrase", sync.recover_passphrase, None, True), None,
                     A("quit", self.close, QKeySequence.Quit)],
            "household": [A("new_household", self.new_household, QKeySequence.New, True),
                          A("find", self.focus_search, QKeySequence.Find, True),
                          A("next_section", self.form_view.next_section, None, True),
                          A("next_error", self.form_view.next_error, None, True), None,
                          A("undo_removal", hh.undo_removal, "Ctrl+Alt+Z", True), None,
                          A("history", hh.show_history, "Ctrl+Shift+H", True),
                          A("older_forms", hh.show_older_forms, None, True),
                          A("upgrade_form", hh.upgrade_form, None, True),
                          A("upgrade_forms", hh.upgrade_forms, None, True), None,
                          A("confirm_unchanged", hh.confirm_unchanged, None, True),
                          A("move_away", hh.move_away, None, True),
                          A("come_back", hh.come_back, None, True)],
            "view": [A("view_list", lambda: self.show_view("list"), "Ctrl+1", True),
                     A("view_form", lambda: self.show_view("form"), "Ctrl+2", True),
                     A("view_dashboard", lambda: self.show_view("dashboard"), "Ctrl+3", True),
                     A("view_review", lambda: self.show_view("review"), "Ctrl+4", True),
                     A("view_todo", lambda: self.show_view("todo"), "Ctrl+5", True), None,
                     A("text_larger", lambda: self.text_size(+1), QKeySequence.ZoomIn),
                     A("text_smaller", lambda: self.text_size(-1), QKeySequence.ZoomOut)],
            # the supervisor's decisions, each on what is picked in the Review view (asked first where it changes
            # households), listed here with their keys
            "review": [A("review_approve", lambda: self.review_decision("approve"), "Ctrl+Shift+A", True),
                       A("review_return", lambda: self.review_decision("return"), "Ctrl+Shift+R", True),
                       A("review_reassign", lambda: self.review_decision("reassign"), "Ctrl+Shift+G", True), None,
                       A("review_resolve", lambda: self.review_decision("resolve"), "Ctrl+Shift+S", True), None,
                       A("review_keep_first", lambda: self.review_decision("keep_a"), "Alt+1", True),
                       A("review_keep_second", lambda: self.review_decision("keep_b"), "Alt+2", True),
                       A("review_apart", lambda: self.review_decision("apart"), "Ctrl+Shift+T", True)],
            "language": [A("lang_vi", lambda: self.set_language("vi")),
                         A("lang_en", lambda: self.set_language("en"))],
            # drafts of every document (the household's; the village filtered, else the commune's; the commune's),
            # then the official copy and the register of what was issued
            "print": [self._heading("print_drafts"),
                      A("print_sheet", lambda: printing.print_document("sheet"), QKeySequence.Print, True),
                      A("print_sheets", lambda: printing.print_document("sheets"), None, True),
                      A("print_request_review", lambda: printing.print_document("request_review"), None, True),
                      A("print_request_escape", lambda: printing.print_document("request_escape"), None, True), None,
                      A("print_lists", lambda: printing.print_document("lists"), None, True),
                      A("print_minutes", lambda: printing.print_document("minutes"), None, True),
                      A("print_posting", lambda: printing.print_document("posting"), None, True), None,
                      A("print_decision", lambda: printing.print_document("decision"), None, True),
                      A("print_certificates", lambda: printing.print_document("certificates"), None, True),
                      A("print_summary", lambda: printing.print_document("summary"), None, True),
                      A("print_analysis", lambda: printing.print_document("analysis"), None, True),
                      A("export_xlsx", lambda: printing.print_document("xlsx"), None, True), None,
                      self._heading("print_officials"),
                      A("print_official", printing.issue_official, "Ctrl+Shift+P", True),
                      A("print_issued", printing.show_issued, None, True)],
            "help": [A("shortcuts", self.show_shortcuts, "F1"),
                     A("my_fingerprint", sync.show_my_fingerprint, None, True), A("log_file", self.show_log_path)],
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
        title = self.workspace.title() if self.workspace.ws else self.province_title()
        self.setWindowTitle(f"{tr('gui.app.title')} — {title}" if title else tr("gui.app.title"))
        for name, menu in self.menus.items():
            menu.setTitle(tr(f"gui.menu.{name}"))
        for key, a in self.actions_by_key.items():
            a.setText(tr(f"gui.action.{key}"))
        for key in ("print_sheets", "print_request_review", "print_request_escape", "print_lists", "print_minutes",
                    "print_posting", "print_certificates"):
            self.actions_by_key[key].setStatusTip(tr("gui.print.village_tip"))
        self.actions_by_key["next_section"].setText(tr("gui.action.next_section") + "\tCtrl+PgDown")
        self.actions_by_key["next_error"].setText(tr("gui.action.next_error") + "\tF8")
        self.actions_by_key[f"lang_{language.code}"].setChecked(True)
        self.start.retranslate()
        self.start.show_recent(self.recent())
        self._update_status()

    def _update_actions(self) -> None:
        for a in self.actions_by_key.values():
            if a.needs_ws:  # type: ignore[attr-defined]
                a.setEnabled(self.workspace.ws is not None)
        self.actions_by_key["view_review"].setEnabled(self.workspace.review_available())
        for key in REVIEW_ACTIONS:   # the review's decisions: in a supervisor's workspace, on its Review view
            self.actions_by_key[key].setEnabled(self.current_view() == "review" and self.review.can_decide)
        self.actions_by_key["view_todo"].setEnabled(self.workspace.todo_available())
        # starter packages are made by the supervisor, for each enumerator
        self.actions_by_key["make_starter"].setEnabled(self.starter_actions.available())
        # official copies are issued from a supervisor's workspace only
        self.actions_by_key["print_official"].setEnabled(self.print_actions.official_available())
        # "checked, no change" answers a supervisor's return: the enumerator's step, not the supervisor's
        self.actions_by_key["confirm_unchanged"].setEnabled(self.workspace.ws is not None
                                                            and self.workspace.role() != review.SUPERVISOR)

    # --- views ------------------------------------------------------------------------------------------------------

    def current_view(self) -> str:
        return VIEWS[self.stack.currentIndex()]

    def _fit_view(self, index: int) -> None:
        """The stack as large as the view shown, not as the largest of them: the views not shown ignored in its
        size (so at the largest text size a wide dashboard does not make the province's view scroll sideways)."""
        for i, policy in enumerate(self._view_policies):
            self.stack.widget(i).setSizePolicy(policy if i == index else QSizePolicy(QSizePolicy.Ignored,
                                                                                      QSizePolicy.Ignored))
        self.stack.updateGeometry()

    def show_view(self, name: str) -> None:
        if name != "form":
            self.form.flush()
        if name == "province" and self.province_actions.target is None:
            name = "start"
        if name not in ("start", "province") and self.workspace.ws is None:
            name = "start"
        if name == "form" and self.form.session is None:
            self.new_household()
            return
        if name == "dashboard":
            self.dashboard.load()
        if name == "review":
            if not self.workspace.review_available():
                name = "list"
            elif self.current_view() != "review":
                self.review.load()
        if name == "todo":
            if not self.workspace.todo_available():
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

    def review_decision(self, which: str) -> None:
        """A decision of the Review view from the menu or its key: the tab it belongs to is shown, then its button's
        own step (which asks first where it changes households)."""
        if self.current_view() != "review" or not self.review.can_decide:
            return
        self.review.decide(which)

    def current_household(self) -> str | None:
        """The household the user is on: open in the questionnaire, or selected in the list, the to-do list or the
        review's table."""
        view = self.current_view()
        if view == "form":
            return self.form.uuid if self.form.stored else None
        if view == "todo":
            return self.todo.current_uuid()
        if view == "review":
            return self.review.current_uuid()
        return self.list_view.current_uuid()

    def current_village(self) -> str | None:
        """The village picked in the list's filter (None: the whole commune)."""
        return self.list_view.current_village()

    def say(self, text: str, ms: int = 8000) -> None:
        self.statusBar().showMessage(text, ms)

    def households_changed(self, choices: bool = False) -> None:
        """Households were changed behind the views (an import, a review decision, a lifecycle step, classify-all):
        the household open in the questionnaire is read again (its next autosave must not put back the status or
        the answers that were replaced), the list and its counts follow (at once when on screen), and so do the
        status line and the review or to-do view on screen. `choices`: villages and enumerators may be new too."""
        self.form.reload()
        self.list_view.counts_changed()
        if choices:
            self.list_view.set_choices(workspaces.village_names_of(self.workspace.ws),
                                       households.owners(self.workspace.ws))
        if self.current_view() == "list":
            self.list_view.apply_filter()
        else:
            self._list_stale = True
        self._update_status()
        if self.current_view() == "review" and self.sender() is not self.review:
            self.review.load(pick_tab=False)
        if self.current_view() == "todo":
            self.todo.load()

    def figures_changed(self) -> None:
        """What the commune's figures divide by changed (a village's resident households): the dashboard on
        screen counts again (it always does when it is shown)."""
        if self.current_view() == "dashboard":
            self.dashboard.load()

    def _figures_switched(self, _official: bool) -> None:
        """The dashboard's switch changed (working ⇄ official): the list's count line follows it."""
        if self.current_view() == "list":
            self.list_view.recount()
        else:
            self.list_view.counts_changed()
            self._list_stale = True

    def _list_dirty(self, _uuid: str = "") -> None:
        self._list_stale = True
        self.list_view.counts_changed()
        self._update_status()

    # --- workspaces ---------------------------------------------------------------------------------------------------

    def open_workspace(self, path: Path, wait: bool = True) -> bool:
        """Open a workspace (see WorkspaceActions.open); False when the file was refused."""
        return self.workspace_actions.open(path, wait)

    def _remember(self, path: Path) -> None:
        recent = [p for p in self.recent() if p != str(path)]
        self.settings.setValue("recent", [str(path)] + recent[:MAX_RECENT - 1])

    def province_opened(self, path: Path) -> None:
        """A province workspace is shown (ProvinceActions.open): remembered among the recent ones, its view on
        screen, the commune's actions off."""
        self._remember(path)
        self.retranslate()
        self.show_view("province")

    def province_changed(self) -> None:
        """The province's database changed (an import, last year's figures): the title and the status line follow
        (the view read it again)."""
        self.retranslate()

    def province_title(self) -> str:
        view = self.province_view
        if self.province_actions.target is None or view.tables is None:
            return ""
        return tr("gui.province.title", province=view.tables.province_name, year=view.tables.year)

    def _workspace_opened(self) -> None:
        self.province_actions.close()   # a commune's workspace in place of the province's
        self._remember(self.workspace.path)
        self.form.session = None
        self.model.people = self.list_view.detail.people = households.people(self.workspace.ws)
        self.list_view.set_choices(workspaces.village_names_of(self.workspace.ws), households.owners(self.workspace.ws))
        self.list_view.figures_source = self._list_figures
        self.list_view.counts_changed()
        self.list_view.apply_filter()
        self.retranslate()
        self.show_view("list")
        QTimer.singleShot(WARM_UP_MS, self.prepare_questionnaire)
        reason = self.workspace.read_only_reason()
        if reason:   # opened read-only: why (another FieldSurvey holds the file: whose, where, doing what), until replaced
            self.say(reason, 0)
        clock = workspaces.clock_warning(self.workspace.ws)   # a clock plainly wrong: said in the status bar
        if clock:
            self.say(tr(clock[0], **clock[1]), 30000)

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

    def _list_figures(self):
        """The list's count line's figures: the dashboard's (services/figures.py `on_screen`), working or official
        as its switch stands. At once for a commune's usual size; a larger workspace is counted on a worker thread
        (as the dashboard counts), the line saying so meanwhile — the list itself never waits for it (None)."""
        ws = self.workspace.ws
        if ws is None:
            return None
        official = self.dashboard.wants_official()
        if ws.household_count() <= LIST_FIGURES_AT_ONCE:
            return run_to_end(figures.on_screen(ws, official))
        if self._list_job is not None and self._list_job.running:
            self._list_again = True   # counted again when this count is done
            return None
        self._list_again = False
        path = self.workspace.path
        self._list_job = run_job(figures.on_screen_for(path, official), tr("gui.job.dashboard"), self,
                                 on_done=lambda counted: self._list_counted(counted, path), show_dialog=False)
        return None

    def _list_counted(self, counted, path: Path) -> None:
        self._list_job = None
        again, self._list_again = self._list_again, False
        if self.workspace.ws is not None and self.workspace.path == path:   # (not another workspace opened since)
            self.list_view.show_figures(counted)
        if again and self.workspace.ws is not None:   # households saved meanwhile: counted again
            self.list_view.recount()

    def recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [v for v in (value or []) if v]

    def _update_status(self) -> None:
        if self.workspace.ws is None and self.province_actions.target is not None:
            counts = province.status_counts(self.province_view.statuses)
            self.status_label.setText(tr("gui.province.status_bar", title=self.province_title(),
                                         reported=counts["reported"] + counts["late"], total=counts["total"]))
            return
        if self.workspace.ws is None:
            self.status_label.setText(tr("gui.status_bar.no_workspace"))
            return
        text = tr("gui.status_bar.workspace", title=self.workspace.title(),
                  n=self.workspace.count(households.HouseholdFilter()))
        ws = self.workspace.ws
        enumerator = ws.meta("enumerator")
        name = households.person(self.model.people, workspaces.current_user(ws)) or enumerator
        if name:   # who works here, by name (never the login id when the name is known)
            role = self.workspace.role()
            text += " · " + tr("gui.status_bar.supervisor" if role == review.SUPERVISOR else
                               "gui.status_bar.enumerator", name=name)
        reason = self.workspace.read_only_reason()
        if reason:   # another FieldSurvey has the file: said once in full, and kept in short beside the title
            text += " · " + tr("gui.status_bar.read_only")
        self.status_label.setText(text)
        self.status_label.setToolTip(reason or "")

    # --- households ---------------------------------------------------------------------------------------------------

    def _show_detail(self, uuid: str) -> None:
        try:
            self.list_view.detail.show_detail(self.workspace.detail(uuid))
        except FieldSurveyError as exc:
            report_error(exc, self)

    def new_household(self) -> None:
        if self.workspace.ws is None:
            return
        self.form.new_household(self.current_village())
        self.stack.setCurrentIndex(VIEWS.index("form"))
        self._update_actions()
        self.form_view.focus_first(0)

    def open_household(self, uuid: str) -> None:
        self.form.open_household(uuid)
        self.stack.setCurrentIndex(VIEWS.index("form"))
        self._update_actions()

    def focus_search(self) -> None:
        self.show_view("list")
        self.list_view.focus_search()

    # --- language, text size, help, layout ----------------------------------------------------------------------------

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
        self.form.show_title()
        language.changed.emit(language.code)

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, tr("gui.action.shortcuts"), tr("gui.shortcuts.text"))

    def show_log_path(self) -> None:
        QMessageBox.information(self, tr("gui.action.log_file"), str(log_path() or "—"))

    def restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry) or not fits(self):
            fit_screen(self)   # the first window, or one remembered on a larger screen: inside this one
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
        self.form.close()
        cancel_all()
        self.save_layout()
        self.workspace.close()
        super().closeEvent(event)
