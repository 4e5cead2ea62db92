"""Typing Vietnamese as a keyboard would (QTest's keyClicks accepts ASCII only); the user's hands on the window
(`Keyboard`, every key press counted) and a household typed on the questionnaire with them (`type_household`)."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


def type_text(widget: QWidget, text: str) -> None:
    """One key press and release per character, carrying the character's text (as an input method sends it)."""
    for ch in text:
        key = ord(ch.upper()) if ch.isascii() and ch.isalnum() else (Qt.Key_Space if ch == " " else 0)
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.NoModifier, ch))


def press(widget: QWidget, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.NoModifier) -> None:
    """A key as the user presses it: shortcuts first, then the focused widget."""
    QTest.keyClick(widget.window().windowHandle(), key, modifiers)  # through the window: shortcuts work


class Keyboard:
    """The user's hands on the real window: a key through the window (shortcuts first), text into the widget that has
    the focus; every key press counted once — a letter typed, Enter, Tab, a shortcut."""

    def __init__(self, window):
        self.window, self.count = window, 0

    def focused(self) -> str:
        """The question whose widget has the focus ('' when none)."""
        w = QApplication.focusWidget()
        while w is not None and not w.objectName().startswith("q_"):
            w = w.parentWidget()
        return w.objectName()[2:] if w is not None else ""

    def key(self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.NoModifier) -> None:
        QTest.keyClick(self.window.windowHandle(), key, modifiers)   # shortcuts first, then the focus
        self.count += 1

    def text(self, text: str) -> None:
        if text.isascii():
            QTest.keyClicks(QApplication.focusWidget(), text)
        else:   # QTest types ASCII only: Vietnamese as an input method sends it, one key a character
            type_text(QApplication.focusWidget(), text)
        self.count += len(text)

    def answer(self, question: str, text: str | None = None) -> None:
        """On `question`: type `text` (None: keep what is there), then Enter unless the answer moved on itself (a
        choice picked by its number)."""
        assert self.focused() == question, (self.focused(), question)
        if text:
            self.text(text)
        if self.focused() == question:
            self.key(Qt.Key_Return)


# a member's answers after the id number, by question: an adult of working age, a school-age child
ADULT = (("health_insurance", "1"), ("education", "3"), ("employment", "3"), ("able_to_work", "1"),
         ("disability", "2"), ("monthly_social_allowance", "2"), ("internet_use", "1"))
PUPIL = (("health_insurance", "1"), ("stunted_or_underweight", "2"), ("attending_school", "1"), ("school_level", "2"),
         ("education", "2"), ("disability", "2"), ("monthly_social_allowance", "2"), ("internet_use", "2"))


def type_household(k: Keyboard, village: str, head: str,
                   people: Sequence[tuple[str | None, str, str, str | None, Sequence[tuple[str, str]]]],
                   wages: str) -> None:
    """A household typed on the questionnaire from Ctrl+N to its last answer, with the keyboard alone: the village
    picked by its number, the head named; `people` each added with Ctrl+M — (name, sex, birth year, relationship,
    answers by question), name and relationship None for the head (already filled); the income by the direct route
    (`wages`, 6.000.000 đ from farming, nothing else); a durable house of 60 m², a drilled well and a latrine; no
    information device (the one deprivation). A new member's name is checked to take the focus in view."""
    window = k.window
    k.key(Qt.Key_N, Qt.ControlModifier)                       # a new household
    form = window.form_view
    k.answer("province_code")                                 # the workspace's
    k.answer("commune_code")
    k.answer("village", village)                              # picked by its number, never typed
    k.answer("head_name", head)
    k.answer("address")
    k.answer("phone")
    k.answer("livelihood_agriculture", "1")                   # → the roster
    for name, sex, year, relationship, answers in people:
        k.key(Qt.Key_M, Qt.ControlModifier)                   # add a member: its name in focus, in view
        page = form.pages.currentWidget()
        field = form.fields["members"]["name"].widget
        assert field.visibleRegion().boundingRect().height() == field.height()
        assert page.scroll.viewport().rect().contains(field.mapTo(page.scroll.viewport(), field.rect().bottomRight()))
        k.answer("name", name)
        k.answer("sex", sex)
        k.answer("birth_date")
        k.answer("birth_year", year)
        k.answer("relationship", relationship)
        k.answer("ethnicity")
        k.answer("id_number")
        for question, keys in answers:
            k.answer(question, keys)
    assert form.current_section() == 2                        # the income
    k.answer("income_route", "1")                             # asked directly
    k.answer("income_wages", wages)
    k.answer("income_agriculture", "6000000")
    for question in ("income_business", "income_other", "production_costs"):
        k.answer(question, "0")
    k.answer("social_allowances")                             # → housing
    k.answer("has_house", "1")
    k.answer("wall_material", "1")                            # its "durable" worked out: not a question
    k.answer("column_material", "1")
    k.answer("roof_material", "2")
    k.answer("floor_area", "60")                              # → water and sanitation
    k.answer("water_source", "1")
    k.answer("latrine", "1")                                  # → information
    k.answer("info_devices", "5")                             # "none": the one deprivation
    k.answer("merit_revolution", "2")
    k.answer("ethnic_minority", "1")
