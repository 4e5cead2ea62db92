"""A repeat inside the roster's repeat (a member's jobs, a plot's crops), shown under the instance it belongs to: its
instances in a small table, buttons to add and remove one, and the questions of the instance picked. A repeat inside
that one is shown the same way inside it, to any depth the engine allows.

Keyboard: Tab reaches the table (Up/Down pick an instance), then "Add" and "Remove" (Space presses them), then the
picked instance's questions; after "Add" the new instance's first question has the focus. Answers go through the
questionnaire view's `answer_given` with the instance path as a tuple (outermost first), as the form session takes
it, so they are autosaved and classified like any answer."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QPushButton,
                               QSizePolicy, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from fieldsurvey.gui.texts import tr
from fieldsurvey.gui.widgets import FitLabel, MultiAnswer

COLUMNS = 3   # the instance table shows the first answers of each instance


class InnerRepeat(QGroupBox):
    """`view`: the questionnaire view (its session, signals and state drawing); `widget_for` and `field`: how it
    makes an answer widget for a question and holds one (form_view's own, passed in)."""

    def __init__(self, view, rep, widget_for: Callable, field: Callable, parent: QWidget | None = None):
        super().__init__(parent)
        Field = field   # noqa: N806 (a class, passed in)
        self.view, self.rep = view, rep
        self.setObjectName(f"repeat_{rep.name}")
        self.prefix: tuple = ()
        self.index = -1
        lay = QVBoxLayout(self)
        self.questions = view.session.questions_of(rep)
        self.columns = [q.name for q in self.questions if q.is_input][:COLUMNS]
        self.table = QTableWidget(0, len(self.columns), objectName=f"instances_{rep.name}")
        self.table.setTabKeyNavigation(False)   # Tab leaves the table; Up/Down pick an instance
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setMaximumHeight(140)
        self.table.currentCellChanged.connect(lambda r, _c, _r, _p: self.pick(r))
        lay.addWidget(self.table)
        bar = QHBoxLayout()
        self.add_button = QPushButton(objectName=f"add_{rep.name}")
        self.remove_button = QPushButton(objectName=f"remove_{rep.name}")
        self.add_button.clicked.connect(lambda: view.inner_added.emit(rep.name, self.prefix))
        self.remove_button.clicked.connect(self._remove)
        bar.addWidget(self.add_button)
        bar.addWidget(self.remove_button)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.host = QWidget(objectName=f"instance_{rep.name}")
        form = QFormLayout(self.host)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.fields: dict = {}
        for q in self.questions:
            w = widget_for(q)
            label, message = FitLabel(), FitLabel(objectName=f"msg_{q.name}")
            label.setWordWrap(True)
            message.setWordWrap(True)
            if w is None:
                label.setObjectName(f"note_{q.name}")
                form.addRow(label)
                self.fields[q.name] = Field(q, None, label, message, None)
                continue
            w.setObjectName(f"q_{q.name}")
            w.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
            label.setBuddy(w)
            cell = QWidget(objectName=f"field_{q.name}")
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(0)
            box.addWidget(w)
            computed = FitLabel(objectName=f"computed_{q.name}")
            computed.hide()
            box.addWidget(computed)
            row = QHBoxLayout()
            row.addWidget(message, 1)
            confirm = QPushButton(objectName=f"confirm_{q.name}")
            confirm.setFocusPolicy(Qt.NoFocus)
            confirm.clicked.connect(lambda _c=False, name=q.name: view.warning_confirmed.emit(name, self.path()))
            row.addWidget(confirm)
            box.addLayout(row)
            form.addRow(label, cell)
            w.answered.connect(lambda value, name=q.name: self._answered(name, value))
            if isinstance(w, MultiAnswer):
                w.choices_changed.connect(view.chain_all_tabs)
            self.fields[q.name] = Field(q, w, label, message, confirm, computed)
        self.inner = [InnerRepeat(view, r, widget_for, field, self.host) for r in view.session.repeats_in(rep)]
        for r in self.inner:
            form.addRow(r)
        lay.addWidget(self.host)

    # --- the instance shown

    def reset(self) -> None:
        """Nothing picked (another household is shown): the next refresh picks the last instance, if any."""
        self.prefix, self.index = (), -1
        for r in self.inner:
            r.reset()

    def path(self) -> tuple:
        return self.prefix + (self.index,)

    def instances(self) -> list:
        return self.view.session.members(self.rep.name, self.prefix) if self.view.session is not None else []

    def pick(self, index: int) -> None:
        if 0 <= index < len(self.instances()) and index != self.index:
            self.index = index
            self.refresh(self.prefix)

    def _answered(self, name: str, value) -> None:
        if self.index >= 0:
            self.view.answer_given.emit(name, value, self.path())

    def _remove(self) -> None:
        if 0 <= self.index < len(self.instances()):
            self.view.inner_removed.emit(self.rep.name, self.prefix, self.index)

    def walk(self) -> list["InnerRepeat"]:
        """This repeat and every one inside it."""
        return [self, *(r for x in self.inner for r in x.walk())]

    def find(self, name: str) -> "InnerRepeat | None":
        """This repeat or one inside it, by name."""
        if self.rep.name == name:
            return self
        return next((r for r in (x.find(name) for x in self.inner) if r is not None), None)

    def focusables(self) -> list[QWidget]:
        """What Tab goes through here, in reading order (the picked instance's answers only while one is)."""
        out: list[QWidget] = [self.table, self.add_button, self.remove_button]
        if self.index >= 0:
            for f in self.fields.values():
                if isinstance(f.widget, MultiAnswer):
                    out += f.widget.boxes
                elif f.widget is not None:
                    out.append(f.widget)
            for r in self.inner:
                out += r.focusables()
        return out

    def focus_first_answer(self) -> None:
        for f in self.fields.values():
            if f.widget is not None and f.widget.isVisibleTo(self) and f.widget.isEnabled():
                f.widget.setFocus(Qt.TabFocusReason)
                self.view.reveal(f.widget)
                return

    # --- drawing

    def retranslate(self) -> None:
        s = self.view.session
        self.setTitle(s.label(self.rep) if s is not None else self.rep.name)
        self.add_button.setText(tr("gui.form.add_instance"))
        self.remove_button.setText(tr("gui.form.remove_instance"))
        if s is not None:
            self.table.setHorizontalHeaderLabels([s.label(c) for c in self.columns])
        for f in self.fields.values():
            if f.confirm is not None:
                f.confirm.setText(tr("gui.form.confirm_warning"))
        for r in self.inner:
            r.retranslate()

    def refresh(self, prefix: tuple) -> None:
        """Show the instances inside the outer instance `prefix`, and the picked one's answers."""
        s = self.view.session
        if s is None:
            return
        if prefix != self.prefix:
            self.prefix, self.index = prefix, -1
        rows = self.instances()
        if not 0 <= self.index < len(rows):
            self.index = len(rows) - 1 if rows else -1
        self.setTitle(f"{s.label(self.rep)} ({len(rows)})")
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r in range(len(rows)):
            for c, name in enumerate(self.columns):
                value = s.value(name, prefix + (r,))
                if s.form.by_name[name].type == "select_one" and value not in (None, ""):
                    value = dict(s.options(name, prefix + (r,))).get(value, value)
                self.table.setItem(r, c, QTableWidgetItem("" if value in (None, "") else str(value)))
        if self.index >= 0:
            self.table.setCurrentCell(self.index, 0)
        self.table.blockSignals(False)
        self.remove_button.setEnabled(self.index >= 0 and not self.view.read_only)
        self.add_button.setEnabled(not self.view.read_only)
        self.host.setVisible(self.index >= 0)
        if self.index < 0:
            return
        for q in self.questions:
            self.view.show_state(self.fields[q.name], s.state(q, self.path()), self.path())
        for r in self.inner:
            r.refresh(self.path())
