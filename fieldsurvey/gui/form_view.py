"""The questionnaire: sections as pages with a navigator showing each section's progress and errors, a widget per
question type, the member roster as a table with add / remove / reorder and a member sub-form, and the live
classification beside it. Keyboard-first: Enter moves on, choices by number or first letters, Ctrl+PgDown /
Ctrl+PgUp between sections, F8 to the next error, Ctrl+M adds a member. Every answer is saved as it is given."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QScrollArea, QSplitter, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from fieldsurvey.gui.classification_panel import ClassificationPanel
from fieldsurvey.gui.texts import has_text, language, tr
from fieldsurvey.gui.widgets import ChoiceCombo, MultiAnswer, TextAnswer

STATUS_STYLE = {"required": "color:#b00020", "error": "color:#b00020; font-weight:bold",
                "warning": "color:#9a5b00", "ok": "", "empty": ""}
ROSTER_COLUMNS = ("name", "sex", "birth_year", "relationship")


def choice_label(list_name: str, code: str) -> str:
    if list_name == "village":
        return code
    for key in (f"choice.{'education' if list_name == 'school_level' else list_name}.{code}",
                f"gui.choice.{list_name}.{code}"):
        if has_text(key):
            return tr(key)
    return code


class Field:
    """One question on a page: its label, answer widget and message."""

    def __init__(self, question, widget, label: QLabel, message: QLabel):
        self.question, self.widget, self.label, self.message = question, widget, label, message


class QuestionnaireView(QWidget):
    answer_given = Signal(str, object, object)   # name, value, member index (None for a household answer)
    member_added = Signal()
    member_removed = Signal(int)
    member_moved = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("questionnaireView")
        self.session = None
        self.member = -1
        self.fields: dict[str, dict[str, Field]] = {}
        outer = QVBoxLayout(self)
        self.title = QLabel(objectName="formTitle")
        self.title.setTextFormat(Qt.RichText)
        outer.addWidget(self.title)
        split = QSplitter(Qt.Horizontal, objectName="formSplitter")
        self.splitter = split
        self.navigator = QListWidget(objectName="sectionNavigator")
        self.navigator.setMinimumWidth(220)
        self.navigator.setMaximumWidth(300)
        self.navigator.setWordWrap(True)
        self.navigator.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.navigator.setFocusPolicy(Qt.NoFocus)
        self.pages = QStackedWidget(objectName="formPages")
        self.panel = ClassificationPanel()
        split.addWidget(self.navigator)
        split.addWidget(self.pages)
        split.addWidget(self.panel)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([240, 640, 480])
        outer.addWidget(split, 1)
        self.navigator.currentRowChanged.connect(self._go)
        for keys, slot in (("Ctrl+PgDown", self.next_section), ("Ctrl+PgUp", self.previous_section),
                           ("F8", self.next_error), ("Ctrl+M", self.member_added.emit),
                           ("Ctrl+Del", self._remove_current_member), ("Alt+Up", lambda: self._move_current(-1)),
                           ("Alt+Down", lambda: self._move_current(1)), ("Alt+PgDown", lambda: self.pick_member(
                               self.member + 1)), ("Alt+PgUp", lambda: self.pick_member(self.member - 1))):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes

    # --- building -----------------------------------------------------------------------------------------------------

    def load(self, session, title: str) -> None:
        """Show `session` (pages are built once per form, then refilled)."""
        first = self.session is None
        self.session = session
        self._title_text = title
        if first:
            self._build()
        self.member = 0 if session.members() else -1
        self.refresh()
        self.navigator.setCurrentRow(0)
        self._go(0)

    def _build(self) -> None:
        for section in self.session.sections:
            page = QWidget()
            lay = QVBoxLayout(page)
            heading = QLabel(objectName=f"heading_{section.id}")
            lay.addWidget(heading)
            if section.repeat:
                lay.addLayout(self._roster_bar())
                self.roster = QTableWidget(0, len(ROSTER_COLUMNS), objectName="roster")
                self.roster.setSelectionBehavior(QAbstractItemView.SelectRows)
                self.roster.setSelectionMode(QAbstractItemView.SingleSelection)
                self.roster.setEditTriggers(QAbstractItemView.NoEditTriggers)
                self.roster.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
                self.roster.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
                self.roster.setMaximumHeight(190)
                self.roster.setFocusPolicy(Qt.NoFocus)
                self.roster.currentCellChanged.connect(lambda r, _c, _r, _p: self.pick_member(r))
                lay.addWidget(self.roster)
                self.member_heading = QLabel(objectName="memberHeading")
                lay.addWidget(self.member_heading)
            form_host = QWidget()
            form = QFormLayout(form_host)
            form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
            fields = {}
            for q in section.questions:
                if q.type == "select_one":
                    w = ChoiceCombo()
                elif q.type == "select_multiple":
                    w = MultiAnswer()
                else:
                    w = TextAnswer(q.type)
                w.setObjectName(f"q_{q.name}")
                label, message = QLabel(), QLabel()
                message.setObjectName(f"msg_{q.name}")
                box = QVBoxLayout()
                box.setSpacing(0)
                box.addWidget(w)
                box.addWidget(message)
                form.addRow(label, box)
                w.answered.connect(lambda value, name=q.name, rep=section.repeat: self._answered(name, value, rep))
                fields[q.name] = Field(q, w, label, message)
            self.fields[section.id] = fields
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(form_host)
            lay.addWidget(scroll, 1)
            page.heading = heading  # type: ignore[attr-defined]
            page.form_host = form_host  # type: ignore[attr-defined]
            self.pages.addWidget(page)
        self.retranslate()

    def _roster_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.add_button = QPushButton(objectName="addMember")
        self.remove_button = QPushButton(objectName="removeMember")
        self.up_button = QPushButton(objectName="memberUp")
        self.down_button = QPushButton(objectName="memberDown")
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            b.setFocusPolicy(Qt.NoFocus)
            bar.addWidget(b)
        bar.addStretch(1)
        self.add_button.clicked.connect(self.member_added.emit)
        self.remove_button.clicked.connect(self._remove_current_member)
        self.up_button.clicked.connect(lambda: self._move_current(-1))
        self.down_button.clicked.connect(lambda: self._move_current(1))
        return bar

    def retranslate(self, _language: str = "") -> None:
        if self.session is None:
            return
        for i, section in enumerate(self.session.sections):
            page = self.pages.widget(i)
            page.heading.setText(f"<b style='font-size:13pt'>{i + 1}. {tr('gui.section.' + section.id)}</b>")
            for f in self.fields[section.id].values():
                q = f.question
                f.label.setText(tr(f"gui.q.{q.name}") + (" *" if q.required else ""))
                if q.type == "select_one":
                    f.widget.set_choices([(c, choice_label(q.choices, c)) for c in self.session.choices(q.choices)])
                elif q.type == "select_multiple":
                    f.widget.set_choices([(c, choice_label(q.choices, c)) for c in self.session.choices(q.choices)],
                                         tr("gui.form.none_of_these"))
        self.add_button.setText(tr("gui.form.add_member") + " (Ctrl+M)")
        self.remove_button.setText(tr("gui.form.remove_member") + " (Ctrl+Del)")
        self.up_button.setText(tr("gui.form.move_up") + " (Alt+↑)")
        self.down_button.setText(tr("gui.form.move_down") + " (Alt+↓)")
        self.roster.setHorizontalHeaderLabels([tr(f"gui.q.{c}") for c in ROSTER_COLUMNS])
        self.refresh()

    # --- showing the session -----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read every state from the session: values, relevance, messages, progress, roster."""
        if self.session is None:
            return
        s = self.session
        self.title.setText(self._title_text)
        for i, section in enumerate(s.sections):
            answered, total, errors = s.section_progress(section)
            text = f"{i + 1}. {tr('gui.section.' + section.id)}  {answered}/{total}"
            if section.repeat:
                text += f"  ({tr('gui.form.members_n', n=len(s.members()))})"
            if errors:
                text += "  " + tr("gui.form.errors_n", n=errors)
            item = self.navigator.item(i)
            if item is None:
                item = QListWidgetItem()
                self.navigator.addItem(item)
            item.setText(text)
            item.setForeground(QBrush(QColor("#b00020" if errors else "#0f5132" if answered == total else "#212529")))
            if section.repeat:
                self._refresh_roster()
                self.pages.widget(i).form_host.setEnabled(self.member >= 0)
                if self.member < 0:
                    continue
            member = self.member if section.repeat else None
            for state in s.section_states(section, member):
                f = self.fields[section.id][state.question.name]
                f.widget.set_value(state.value)
                f.widget.setVisible(state.relevant)
                f.label.setVisible(state.relevant)
                f.message.setVisible(state.relevant and bool(state.message))
                f.message.setText(tr(state.message) if state.message else "")
                f.message.setStyleSheet(STATUS_STYLE[state.status])

    def _refresh_roster(self) -> None:
        members = self.session.members()
        self.roster.blockSignals(True)
        self.roster.setRowCount(len(members))
        for r, m in enumerate(members):
            for c, name in enumerate(ROSTER_COLUMNS):
                v = m.get(name)
                if name == "birth_year" and v is None and m.get("birth_date"):
                    v = str(m["birth_date"])[:4]
                text = choice_label(name, v) if name in ("sex", "relationship") and v else ("" if v is None else str(v))
                item = self.roster.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.roster.setItem(r, c, item)
                item.setText(text)
        if 0 <= self.member < len(members):
            self.roster.setCurrentCell(self.member, 0)
        self.roster.blockSignals(False)
        if 0 <= self.member < len(members):
            m = members[self.member]
            self.member_heading.setText(tr("gui.form.member_of", n=self.member + 1, total=len(members),
                                           name=m.get("name") or "…"))
        else:
            self.member_heading.setText(tr("gui.form.no_members"))

    def show_result(self, result) -> None:
        self.panel.show_result(result)

    def show_problem(self, message: str) -> None:
        self.panel.show_problem(message)

    # --- moving around --------------------------------------------------------------------------------------------

    def _go(self, row: int) -> None:
        if row < 0 or self.session is None:
            return
        self.pages.setCurrentIndex(row)
        if self.navigator.currentRow() != row:
            self.navigator.setCurrentRow(row)
        self.focus_first(row)

    def focus_first(self, row: int) -> None:
        section = self.session.sections[row]
        for f in self.fields[section.id].values():
            if f.widget.isVisibleTo(self.pages.widget(row)) and f.widget.isEnabled():
                f.widget.setFocus(Qt.ShortcutFocusReason)
                return

    def current_section(self) -> int:
        return self.pages.currentIndex()

    def next_section(self) -> None:
        self._go(min(self.current_section() + 1, self.pages.count() - 1))

    def previous_section(self) -> None:
        self._go(max(self.current_section() - 1, 0))

    def next_error(self) -> None:
        """Go to the first error after the current place (wrapping round)."""
        errors = self.session.errors() if self.session else []
        if not errors:
            return
        order = {s.id: i for i, s in enumerate(self.session.sections)}
        here = (self.current_section(), self.member if self.session.sections[self.current_section()].repeat
                else -1, self._focused_index())
        keyed = []
        for sid, member, name in errors:
            qnames = [q.name for q in self.session.sections[order[sid]].questions]
            keyed.append(((order[sid], -1 if member is None else member, qnames.index(name)), sid, member, name))
        keyed.sort()
        target = next((k for k in keyed if k[0] > here), keyed[0])
        _key, sid, member, name = target
        self._go(order[sid])
        if member is not None:
            self.pick_member(member)
        self.fields[sid][name].widget.setFocus(Qt.ShortcutFocusReason)

    def _focused_index(self) -> int:
        section = self.session.sections[self.current_section()]
        for i, f in enumerate(self.fields[section.id].values()):
            if f.widget.hasFocus() or f.widget.isAncestorOf(self.focusWidget() or self):
                return i
        return -1

    # --- the roster -------------------------------------------------------------------------------------------------

    def members_page(self) -> int:
        return next(i for i, s in enumerate(self.session.sections) if s.repeat)

    def pick_member(self, index: int) -> None:
        if self.session is None or not 0 <= index < len(self.session.members()):
            return
        self.member = index
        self.refresh()

    def focus_member_form(self) -> None:
        page = self.members_page()
        self._go(page)

    def _remove_current_member(self) -> None:
        if self.session and 0 <= self.member < len(self.session.members()):
            self.member_removed.emit(self.member)

    def _move_current(self, step: int) -> None:
        if self.session and 0 <= self.member < len(self.session.members()):
            to = self.member + step
            if 0 <= to < len(self.session.members()):
                self.member_moved.emit(self.member, to)

    def _answered(self, name: str, value, repeat: bool) -> None:
        self.answer_given.emit(name, value, self.member if repeat else None)
