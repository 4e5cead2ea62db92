"""How the app looks whatever the platform: the focus visible on every widget the keyboard reaches, Qt's own texts
(standard buttons, file and print dialogs, a text box's menu) in the app's language from our catalogues, and a
window that fits the screen it opens on."""

from __future__ import annotations

from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from fieldsurvey.gui.texts import language
from fieldsurvey.i18n import has, t

FOCUS = "#1a5fb4"   # the focus ring: dark enough on white and on the light blue of a selection
STYLE = f"""
QPushButton, QToolButton {{ border: 1px solid #8c8c8c; border-radius: 3px; padding: 4px 10px; background: #f7f7f7; }}
QPushButton:hover, QToolButton:hover {{ background: #eef3fa; }}
QPushButton:pressed, QToolButton:pressed {{ background: #d9e4f3; }}
QPushButton:default {{ border-color: #4a4a4a; }}
QPushButton:disabled, QToolButton:disabled {{ color: #8c8c8c; border-color: #c4c4c4; background: #f2f2f2; }}
QPushButton:focus, QToolButton:focus {{ border: 2px solid {FOCUS}; padding: 3px 9px; background: #e8f0fb; }}
QCheckBox:focus, QRadioButton:focus {{ background: #dbe7f8; border-radius: 3px; }}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border: 2px solid {FOCUS}; border-radius: 2px; }}
QAbstractItemView:focus {{ border: 2px solid {FOCUS}; }}
QTabBar::tab:focus {{ text-decoration: underline; }}
"""
"""Visible focus (issue 16): a button, a box, a list or a table the keyboard is on is ringed in dark blue."""


MISSED: set[str] = set()
"""Qt's own strings asked for in Vietnamese that the catalogue lacks (Qt keeps its English for them)."""


class QtStrings(QTranslator):
    """Qt's own strings — OK / Cancel / Yes / No, the file and print dialogs, a text box's right-click menu — from
    the catalogues (`qt.<Qt's context>.<Qt's English text>`, resources/i18n/<lang>/qt.json): Qt ships no
    Vietnamese translation. In English Qt's own texts stay."""

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        key = f"qt.{context}.{source}"
        if language.code != "en" and source and has(key, language.code):
            return t(key, language.code)
        if language.code != "en" and source and any(c.isalpha() for c in source):
            MISSED.add(source)   # shown, it is English in a Vietnamese window (the walk test looks for these)
        # not translated here: Qt keeps its own. None is Qt's null string ("no translation"); an empty string would
        # be taken as the translation and blank the text (and every %1 in it)
        return None


_translator: QtStrings | None = None


def install(app: QApplication) -> None:
    """The focus style and Qt's strings in the app's language (once per application)."""
    global _translator
    if _translator is None:
        _translator = QtStrings(app)
        app.installTranslator(_translator)
    if STYLE not in (app.styleSheet() or ""):
        app.setStyleSheet((app.styleSheet() or "") + STYLE)


def file_dialog_options() -> QFileDialog.Option:
    """The app's file dialogs are Qt's own, so they speak the app's language (a platform's native dialog speaks
    the system's, and the QtStrings above cannot reach it)."""
    return QFileDialog.DontUseNativeDialog


def fit_screen(window: QWidget, width: int = 1280, height: int = 800) -> None:
    """`width` × `height`, or less: never larger than the screen's available area (a 1366×768 laptop's is about
    1366×728 once the task bar is off it), placed inside it."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        window.resize(width, height)
        return
    area = screen.availableGeometry()
    frame = max(0, window.frameGeometry().height() - window.geometry().height()) or 32   # the title bar
    w, h = min(width, area.width()), min(height, area.height() - frame)
    window.resize(w, h)
    window.move(area.x() + (area.width() - w) // 2, area.y() + max(0, (area.height() - h - frame) // 2))


def fits(window: QWidget) -> bool:
    """Whether the window lies inside its screen's available area."""
    screen = window.screen() or QApplication.primaryScreen()
    return screen is None or screen.availableGeometry().contains(window.frameGeometry())
