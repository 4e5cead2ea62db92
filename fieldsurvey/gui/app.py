"""The desktop app's entry: `run(db_path, lang, demo, screenshot)` (used by `fieldsurvey gui`). Sets up the
bundled font, logging and the crash dialog, the interface language, the main window with its remembered layout —
and, for the docs and the tests, renders one view to a PNG and exits."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSettings
from PySide6.QtGui import QFont, QFontDatabase, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QDialog

from fieldsurvey.gui import look
from fieldsurvey.gui.actions.printing import documents_folder
from fieldsurvey.gui.crash import install_excepthook, setup_logging
from fieldsurvey.gui.dialogs.passphrase import PassphraseDialog
from fieldsurvey.gui.main_window import MainWindow
from fieldsurvey.gui.setup_view import SetupDialog
from fieldsurvey.gui.texts import language
from fieldsurvey.paths import resource
from fieldsurvey.progress import run_to_end
from fieldsurvey.services.households import HouseholdFilter
from fieldsurvey.services import encryption
from fieldsurvey.services.demo_province import ready_demo_province
from fieldsurvey.services.workspaces import ready_demo, working_as


def load_fonts(app: QApplication, size: int = 10) -> str | None:
    """Use the bundled DejaVu Sans so Vietnamese renders on a machine with no fonts of its own."""
    family = None
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font_id = QFontDatabase.addApplicationFont(str(resource("fonts", name)))
        if font_id >= 0 and family is None:
            family = QFontDatabase.applicationFontFamilies(font_id)[0]
    if family:
        app.setFont(QFont(family, size))
    return family


def settings() -> QSettings:
    """Where the layout, language, text size and recent workspaces are kept (FIELDSURVEY_SETTINGS overrides)."""
    path = os.environ.get("FIELDSURVEY_SETTINGS")
    if path:
        return QSettings(path, QSettings.IniFormat)
    return QSettings(QSettings.IniFormat, QSettings.UserScope, "FieldSurvey", "fieldsurvey")


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("FieldSurvey")
    app.setOrganizationName("FieldSurvey")
    return app


def make_window(lang: str | None = None, store: QSettings | None = None, hooks: bool = True):
    """The app, its font and language, and the main window (shown). Used by `run` and the tests (which keep
    pytest-qt's own exception hook: `hooks=False`)."""
    app = application()
    store = store or settings()
    load_fonts(app, int(store.value("text_size", 10)))
    look.install(app)
    setup_logging()
    if hooks:
        install_excepthook()
    language.set(lang or str(store.value("language", "vi")))
    window = MainWindow(store)
    window.show()
    return app, window


def prepare_screenshot(window, view: str) -> QDialog | None:
    """Put the window in the state a screenshot of `view` shows: a list with a household selected, a poor
    household in the questionnaire with its classification, the dashboard's figures, the Print menu open, the
    official copy's dialog (the chairman's name as remembered), the register of issued documents. A dialog of the
    start (`DIALOG_VIEWS`: no window of the app's keeps it) is shown and given back, for `grab`."""
    window.resize(1366, 768)
    if view == "province" and window.current_view() == "province":   # the results by commune, last year beside
        window.province_view.show_tab("results")
        return
    if view in DIALOG_VIEWS:   # a dialog of the start: the setup filled in as an enumerator would, the passphrase asked
        dialog = DIALOG_VIEWS[view](window)
        dialog.show()
        return dialog
    if window.workspace.ws is None:
        return
    if view == "start":
        window.show_view("start")
        return
    if view in ("history", "printed"):   # a dialog over the list, a household picked
        window.show_view("list")
        window.list_view.table.selectRow(0)
        if view == "history":
            window.household_actions.show_history()
        else:
            name = window.print_actions.default_name("sheet", False, household=window.list_view.current_uuid())
            window.print_actions.printed(documents_folder() / name, "")
        return
    if view == "dashboard":
        window.dashboard.load(wait=True)
        window.stack.setCurrentWidget(window.dashboard)
        return
    if view == "villages":
        window.dashboard.load(wait=True)
        window.stack.setCurrentWidget(window.dashboard)
        window.workspace_actions.show_villages()
        return
    if view in PRINT_VIEWS:   # the list with a household picked, and the Print menu or a printing dialog over it
        window.show_view("list")
        window.list_view.table.selectRow(0)
        if view == "official":   # the certificates: every field shown, the first number the register's next one
            dialog = window.print_actions.issue_official()
            if dialog is not None:
                dialog.pick("certificates")
        elif view == "issued":
            window.print_actions.show_issued()
        return
    if view in REVIEW_TABS:   # the Review view with one of its tabs in front
        window.show_view("review")
        window.review.tabs.setCurrentWidget(getattr(window.review, REVIEW_TABS[view]))
        return
    if view in ("review", "todo"):
        window.show_view(view)
        if view == "review" and window.current_view() == "review":
            table = window.review.approval.table  # a few households picked, as for a bulk approval
            for r in range(min(3, window.review.approval.model.rowCount())):
                table.selectionModel().select(table.model().index(r, 0),
                                              QItemSelectionModel.Select | QItemSelectionModel.Rows)
        return
    window.show_view("list")
    window.list_view.table.selectRow(0)
    if view in ("form", "panel"):
        rows = window.workspace.page(HouseholdFilter(household_class="poor"), "members", True, 0, 1) or \
            window.workspace.page(HouseholdFilter(), "members", True, 0, 1)
        if rows:
            window.open_household(rows[0].uuid)
            window.form_view.pick_member(0)
            window.form_view.focus_member_form()


def _setup_shown(window) -> QDialog:
    dialog = SetupDialog(window.workspace_actions.default_dir(), window)
    dialog.commune_search.setText("Lâm Bình")
    dialog.communes.setCurrentRow(0)
    dialog.enumerator.setText("Hoàng Thị Hoa")
    return dialog


def _passphrase_shown(window) -> QDialog:
    path = window.workspace.path or window.workspace_actions.default_dir() / "02266-2026-hoang-thi-hoa.fsdb"
    return PassphraseDialog(Path(path), window)


PRINT_VIEWS = ("print", "official", "issued")
DIALOG_VIEWS = {"setup": _setup_shown, "passphrase": _passphrase_shown}
REVIEW_TABS = {"conflicts": "conflicts", "duplicates": "duplicates", "held": "held"}   # --view: the Review's tab


def grab_with_menu(window, menu) -> QPixmap:
    """The window with one of its menus open under its title, as the user sees it (a menu is a window of its own:
    drawn over the window's picture where it opens)."""
    app = QApplication.instance()
    bar = window.menuBar()
    title = bar.actionGeometry(menu.menuAction())
    bar.setActiveAction(menu.menuAction())   # opened as when the user clicks its title (highlighted)
    for _ in range(3):
        app.processEvents()
    picture = window.grab()
    painter = QPainter(picture)
    # where it opens on a screen as wide as the window (the offscreen screen is narrower and would push it left)
    painter.drawPixmap(bar.mapTo(window, title.bottomLeft()), menu.grab())
    painter.end()
    menu.hide()
    return picture


def grab(window, view: str, path: Path, shown: QDialog | None = None) -> bool:
    """`view` saved as a PNG at `path`: the window, or the dialog over it (`shown`: the one `prepare_screenshot`
    gave back)."""
    app = QApplication.instance()
    for _ in range(3):
        app.processEvents()
    if view == "print":
        return grab_with_menu(window, window.menus["print"]).save(str(path))
    dialogs = {"official": window.print_actions.official_dialog, "issued": window.print_actions.issued_dialog,
               "history": window.household_actions.history_dialog, "printed": window.print_actions.printed_dialog}
    dialog = shown if shown is not None else dialogs.get(view)
    if dialog is not None:
        for _ in range(3):
            app.processEvents()
        return dialog.grab().save(str(path))
    widget = window.form_view.panel if view == "panel" else window
    if view == "panel":
        widget.resize(560, 720)
    if view == "villages" and window.workspace_actions.villages_dialog is not None:
        widget = window.workspace_actions.villages_dialog
        widget.resize(900, 420)
        for _ in range(3):
            app.processEvents()
    return widget.grab().save(str(path))


def run(db_path: Path | None = None, lang: str = "vi", demo: bool = False, screenshot: Path | None = None,
        view: str | None = None) -> int:
    working_as("app")   # a second FieldSurvey finding the workspace taken names this window
    app, window = make_window(lang)
    encryption.ask_with(None)   # a passphrase is asked in the app's dialog, never on a terminal behind it
    if demo and db_path is None:   # the demo commune, or with --view province the demo province
        db_path = run_to_end(ready_demo_province() if view == "province" else ready_demo())
    if db_path is not None:
        if not window.open_workspace(Path(db_path), wait=bool(screenshot)) and screenshot:
            return 1
    if view and not screenshot:
        if view == "villages":
            window.show_view("dashboard")
            window.workspace_actions.show_villages()
        elif view in ("history", "printed") or view in REVIEW_TABS:
            prepare_screenshot(window, view)
        elif view in PRINT_VIEWS:   # the list, with the printing dialog asked for over it
            window.show_view("list")
            if view == "official":
                window.print_actions.issue_official()
            elif view == "issued":
                window.print_actions.show_issued()
        else:
            window.show_view(view if view != "panel" else "form")
    if screenshot:
        shown = prepare_screenshot(window, view or "list")
        ok = grab(window, view or "list", Path(screenshot), shown)
        window.save_layout = lambda: None  # a screenshot does not change the remembered layout
        window.close()
        return 0 if ok else 1
    return app.exec()
