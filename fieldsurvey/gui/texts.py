"""The interface language, switchable at run time. Every visible string goes through `tr()` (the shared
catalogues in resources/i18n); views connect to `language.changed` and re-set their texts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from fieldsurvey.i18n import DEFAULT_LANGUAGE, LANGUAGES, format_date, format_money, format_number, t


class Language(QObject):
    changed = Signal(str)

    def __init__(self, code: str = DEFAULT_LANGUAGE):
        super().__init__()
        self.code = code if code in LANGUAGES else DEFAULT_LANGUAGE

    def set(self, code: str) -> None:
        if code in LANGUAGES and code != self.code:
            self.code = code
            self.changed.emit(code)


language = Language()


def tr(key: str, /, **values: Any) -> str:
    return t(key, language.code, **values)


def money(value: float | int | None) -> str:
    return "" if value is None else format_money(value, language.code)


def number(value: float | int | None, decimals: int = 0) -> str:
    return "" if value is None else format_number(value, language.code, decimals)


def day(value) -> str:
    return "" if value is None else format_date(value, language.code)


def when(text: str) -> str:
    """An ISO time as the user reads it: 23/11/2026 10:55 (a time stored with its zone — the workspace stores UTC —
    in the computer's own)."""
    try:
        at = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text or ""
    if at.tzinfo is not None:
        at = at.astimezone()
    return f"{day(at.date())} {at:%H:%M}"


def larger(step: int) -> int:
    """A point size `step` points above the interface's text size (headings, the class badge), so they follow
    the text-size setting (View → Larger / Smaller text)."""
    app = QApplication.instance()
    base = app.font().pointSize() if app is not None else -1
    return (base if base > 0 else 10) + step


def percent(share: float) -> str:
    return format_number(share * 100, language.code, 1) + " %"


def error_text(exc: BaseException) -> str:
    """What the app shows for an error: a FieldSurveyError in the interface language (its catalogue key and
    values, see fieldsurvey.errors), anything else as it prints."""
    text = getattr(exc, "text", None)
    if callable(text) and hasattr(exc, "key"):
        return text(language.code)
    return str(exc)
