"""Typing Vietnamese as a keyboard would (QTest's keyClicks accepts ASCII only)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget


def type_text(widget: QWidget, text: str) -> None:
    """One key press and release per character, carrying the character's text (as an input method sends it)."""
    for ch in text:
        key = ord(ch.upper()) if ch.isascii() and ch.isalnum() else (Qt.Key_Space if ch == " " else 0)
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.NoModifier, ch))


def press(widget: QWidget, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.NoModifier) -> None:
    """A key as the user presses it: shortcuts first, then the focused widget."""
    from PySide6.QtTest import QTest

    QTest.keyClick(widget.window().windowHandle(), key, modifiers)  # through the window: shortcuts work
