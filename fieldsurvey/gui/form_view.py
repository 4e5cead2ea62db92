"""The questionnaire, generated from the form (a fieldsurvey.formengine FormSession): the form's top-level groups as
pages with a navigator showing each section's progress and errors, a widget per question type, the member roster as
a table with add / remove / reorder and the member's sub-form under it, and the live classification beside it.
Relevance, required answers, constraints and warnings follow the session as answers change.

Keyboard-first: Enter moves on, choices by number or first letters, Ctrl+PgDown / Ctrl+PgUp between sections, F8 to
the next error, Ctrl+M adds a member, Ctrl+Enter accepts the warning of the question in focus."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QScrollArea, QSizePolicy, QSplitter, QStackedWidget,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from fieldsurvey.gui.classification_panel import ClassificationPanel
from fieldsurvey.gui.inner_repeats import InnerRepeat
from fieldsurvey.gui.texts import language, larger, number, tr
from fieldsurvey.gui.widgets import ChoiceCombo, FileAnswer, FitLabel, MultiAnswer, RankAnswer, TextAnswer
from fieldsurvey.services.forms import answer_labels

STATUS_STYLE = {"required": "color:#b00020", "error": "color:#b00020; font-weight:bold",
                "warning": "color:#9a5b00", "ok": "", "empty": ""}
ROSTER_PREFERRED = ("name", "sex", "birth_year", "relationship")


COMPUTED_STYLE = "color:#41464b; font-style:italic"   # a value the form works out: read, not asked


class Field:
    """One question on a page: its label, answer widget (None for a note), the value the form works out when the
    question is read-only (shown instead of the widget, out of the tab order), message and warning button."""

    def __init__(self, question, widget, label: QLabel, message: QLabel, confirm: QPushButton | None,
                 computed: QLabel | None = None):
        self.question, self.widget, self.label, self.message, self.confirm = question, widget, label, message, confirm
        self.computed = computed
        self.options: tuple = ()


def widget_for(question):
    """The answer widget for a question type (None: a note, shown by its label alone). The form's appearance
    `quick` makes a choice by number move on; `thousands-sep` shows an amount grouped (12.000.000)."""
    kind = question.type
    appearance = (getattr(question, "appearance", "") or "").split()
    if kind == "select_one":
        combo = ChoiceCombo()
        combo.quick = "quick" in appearance
        return combo
    if kind == "select_multiple":
        return MultiAnswer()
    if kind == "note":
        return None
    if kind in ("image", "audio", "video", "file"):
        return FileAnswer(kind)
    if kind == "rank":
        return RankAnswer()
    answer = TextAnswer(kind if kind in ("integer", "decimal", "date") else "text")
    if kind in ("integer", "decimal") and "thousands-sep" in appearance:   # an amount in đồng: whole, grouped
        answer.group_digits(lambda value: number(value))
    return answer


class QuestionnaireView(QWidget):
    answer_given = Signal(str, object, object)   # name, value, member index (None for a household answer)
    member_added = Signal()
    member_removed = Signal(int)
    member_moved = Signal(int, int)
    warning_confirmed = Signal(str, object)      # name, member index
    inner_added = Signal(str, object)            # a repeat inside the roster's: its name, the outer instance path
    inner_removed = Signal(str, object, int)     # … its name, the outer instance path, the instance removed
    confirm_requested = Signal()                 # a returned household: "checked, no change"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("questionnaireView")
        self.session = None
        self._form_key: tuple | None = None
        self.member = -1
        self.fields: dict[str, dict[str, Field]] = {}
        self.inners: dict[str, list[InnerRepeat]] = {}   # per roster page: the repeats inside the roster's repeat
        self._options_cache: dict[tuple, tuple] = {}
        self.roster: QTableWidget | None = None
        self.roster_columns: list[str] = []
        self._title_text = ""
        outer = QVBoxLayout(self)
        heading = QHBoxLayout()
        self.title = QLabel(objectName="formTitle")
        self.title.setTextFormat(Qt.RichText)
        heading.addWidget(self.title, 1)
        self.confirm_button = QPushButton(objectName="confirmUnchanged")   # offered for a returned household
        self.confirm_button.setFocusPolicy(Qt.NoFocus)
        self.confirm_button.hide()
        self.confirm_button.clicked.connect(self.confirm_requested.emit)
        heading.addWidget(self.confirm_button)
        outer.addLayout(heading)
        self.read_only_note = QLabel(objectName="readOnlyNote")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setStyleSheet("background:#fff3cd; color:#664d03; padding:4px; border:1px solid #664d03")
        self.read_only_note.hide()
        outer.addWidget(self.read_only_note)
        self.read_only: str | None = None
        split = QSplitter(Qt.Horizontal, objectName="formSplitter")
        self.splitter = split
        self.navigator = QListWidget(objectName="sectionNavigator")
        self.navigator.setMinimumWidth(200)
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
        split.setSizes([230, 640, 480])
        outer.addWidget(split, 1)
        self.navigator.currentRowChanged.connect(self._go)
        for keys, slot in (("Ctrl+PgDown", self.next_section), ("Ctrl+PgUp", self.previous_section),
                           ("F8", self.next_error), ("Ctrl+M", self.member_added.emit),
                           ("Ctrl+Del", self._remove_current_member), ("Alt+Up", lambda: self._move_current(-1)),
                           ("Alt+Down", lambda: self._move_current(1)),
                           ("Alt+PgDown", lambda: self.pick_member(self.member + 1)),
                           ("Alt+PgUp", lambda: self.pick_member(self.member - 1)),
                           ("Ctrl+Return", self.confirm_focused_warning)):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        QApplication.instance().focusChanged.connect(self._focus_moved)

    # --- building -----------------------------------------------------------------------------------------------------

    def load(self, session, title: str) -> None:
        """Show `session`; the pages are built once per form (id and version), then refilled."""
        self.session = session
        session.set_language(language.code)
        self._title_text = title
        key = (session.form.form_id, session.form.version)
        if key != self._form_key:
            self._options_cache = {}
            self._build()
            self._form_key = key
        self.member = 0 if session.members() else -1
        for inners in self.inners.values():   # another household: no instance of an inner repeat picked yet
            for inner in inners:
                inner.reset()
        self.refresh()
        self.navigator.setCurrentRow(0)
        self._go(0)

    def _clear(self) -> None:
        # the navigator first, and silently: cleared after the pages, it moved its current row on to a page that was
        # gone (another version of the form opened after one was open)
        self.navigator.blockSignals(True)
        self.navigator.clear()
        self.navigator.blockSignals(False)
        while self.pages.count():
            page = self.pages.widget(0)
            self.pages.removeWidget(page)
            page.deleteLater()
        self.fields = {}
        self.inners = {}
        self.roster = None

    def _build(self) -> None:
        self._clear()
        for section in self.session.sections:
            page = QWidget()
            lay = QVBoxLayout(page)
            heading = QLabel(objectName=f"heading_{section.id}")
            lay.addWidget(heading)
            if section.repeat:
                lay.addLayout(self._roster_bar())
                names = [q.name for q in section.questions if q.is_input]
                self.roster_columns = [n for n in ROSTER_PREFERRED if n in names] or names[:4]
                self.roster = QTableWidget(0, len(self.roster_columns), objectName="roster")
                self.roster.setTabKeyNavigation(False)   # Tab leaves the table (arrows move inside it)
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
                w = widget_for(q)
                label, message = FitLabel(), FitLabel(objectName=f"msg_{q.name}")
                label.setWordWrap(True)
                message.setWordWrap(True)
                confirm = None
                if w is None:  # a note: its text spans the row
                    label.setObjectName(f"note_{q.name}")
                    label.setStyleSheet("color:#084298")
                    form.addRow(label)
                else:
                    w.setObjectName(f"q_{q.name}")
                    w.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
                    label.setBuddy(w)
                    host = QWidget(objectName=f"field_{q.name}")  # hidden with its label: no gap left behind
                    box = QVBoxLayout(host)
                    box.setContentsMargins(0, 0, 0, 0)
                    box.setSpacing(0)
                    box.addWidget(w)
                    computed = FitLabel(objectName=f"computed_{q.name}")   # the value the form works out
                    computed.setStyleSheet(COMPUTED_STYLE)
                    computed.setWordWrap(True)
                    computed.hide()
                    box.addWidget(computed)
                    if isinstance(w, MultiAnswer):   # new boxes: put them in the tab order
                        w.choices_changed.connect(lambda sid=section.id: self._chain_tabs(sid))
                    row = QHBoxLayout()
                    row.addWidget(message, 1)
                    confirm = QPushButton(objectName=f"confirm_{q.name}")
                    confirm.setFocusPolicy(Qt.NoFocus)
                    confirm.clicked.connect(lambda _c=False, name=q.name: self._confirm(name))
                    row.addWidget(confirm)
                    box.addLayout(row)
                    form.addRow(label, host)
                    w.answered.connect(lambda value, name=q.name, inside=q.repeat is not None:
                                       self._answered(name, value, inside))
                fields[q.name] = Field(q, w, label, message, confirm, computed if w is not None else None)
            self.fields[section.id] = fields
            if section.repeat and section.item is not None and section.item.kind == "repeat":
                self.inners[section.id] = [InnerRepeat(self, r, widget_for, Field, form_host)
                                           for r in self.session.repeats_in(section.item)]
                for inner in self.inners[section.id]:
                    form.addRow(inner)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)   # labels wrap: never cut at the side
            scroll.setWidget(form_host)
            lay.addWidget(scroll, 1)
            page.heading = heading  # type: ignore[attr-defined]
            page.form_host = form_host  # type: ignore[attr-defined]
            page.scroll = scroll  # type: ignore[attr-defined]
            self.pages.addWidget(page)
            self.navigator.addItem(QListWidgetItem())
        for section in self.session.sections:
            self._chain_tabs(section.id)
        self._retranslate_fixed()

    def _chain_tabs(self, section_id: str) -> None:
        """Tab goes through a page's answers in reading order, a several-answer question box by box (its boxes
        are made when its choices are known, after the page: Qt would put them last)."""
        chain: list[QWidget] = []
        for f in self.fields.get(section_id, {}).values():
            if isinstance(f.widget, MultiAnswer):
                chain += f.widget.boxes
            elif f.widget is not None:
                chain.append(f.widget)
        for inner in self.inners.get(section_id, ()):
            chain += inner.focusables()
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    def chain_all_tabs(self) -> None:
        for section_id in self.fields:
            self._chain_tabs(section_id)

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The answer being typed is always in view (the page scrolls to it, with its label)."""
        if new is not None and self.session is not None:
            self.reveal(new)

    def reveal(self, widget: QWidget) -> None:
        page = self.pages.currentWidget()
        scroll = getattr(page, "scroll", None)
        if scroll is None or not scroll.widget().isAncestorOf(widget):
            return
        host = widget
        while host.parentWidget() is not None and host.parentWidget() is not scroll.widget():
            host = host.parentWidget()
        margin = max(24, widget.fontMetrics().lineSpacing() * 2)
        scroll.ensureWidgetVisible(host, 0, margin)
        if host is not widget:
            scroll.ensureWidgetVisible(widget, 0, margin)

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

    def _retranslate_fixed(self) -> None:
        """Texts that are the app's, not the form's."""
        if self.roster is not None:
            self.add_button.setText(tr("gui.form.add_member") + " (Ctrl+M)")
            self.remove_button.setText(tr("gui.form.remove_member") + " (Ctrl+Del)")
            self.up_button.setText(tr("gui.form.move_up") + " (Alt+↑)")
            self.down_button.setText(tr("gui.form.move_down") + " (Alt+↓)")
            self.roster.setHorizontalHeaderLabels([self.session.label(c) for c in self.roster_columns])
        for fields in self.fields.values():
            for f in fields.values():
                if isinstance(f.widget, TextAnswer) and f.widget.kind == "date":
                    f.widget.setPlaceholderText(tr("gui.form.date_hint"))
                if isinstance(f.widget, FileAnswer):
                    f.widget.title = tr("gui.form.pick_file")
                    f.widget.button.setToolTip(tr("gui.form.pick_file") + " (F4)")
                    f.widget.edit.setPlaceholderText(tr("gui.form.file_hint"))
                if f.confirm is not None:
                    f.confirm.setText(tr("gui.form.confirm_warning"))
                    f.confirm.setToolTip(tr("gui.form.confirm_warning_tip"))
        for inners in self.inners.values():
            for inner in inners:
                inner.retranslate()

    def retranslate(self, _language: str = "") -> None:
        if self.session is None:
            return
        self.session.set_language(language.code)
        for fields in self.fields.values():
            for f in fields.values():
                f.options = ()  # choice labels are in the new language
        self._retranslate_fixed()
        self.refresh()

    def set_title(self, text: str) -> None:
        """The household's title line (head, status, id, saved or not), as the controller words it."""
        self._title_text = text
        self.title.setText(text)

    def offer_confirm(self, offered: bool) -> None:
        """Show "Checked, no change…" beside the title (a returned household the enumerator may confirm)."""
        self.confirm_button.setText(tr("gui.action.confirm_unchanged"))
        self.confirm_button.setToolTip(tr("gui.list.stand_out.confirmed"))
        self.confirm_button.setVisible(offered)

    def inner(self, name: str) -> InnerRepeat | None:
        """The widget of the repeat `name` inside the roster's repeat (at any depth), if the form has one."""
        for inners in self.inners.values():
            for inner in inners:
                found = inner.find(name)
                if found is not None:
                    return found
        return None

    def select_inner(self, name: str, index: int, focus: bool = False) -> None:
        """The instance of an inner repeat shown at the next refresh; `focus`: then its first question."""
        inner = self.inner(name)
        if inner is not None:
            inner.index = index
            if focus:
                self.refresh()
                inner.focus_first_answer()

    def select_member(self, index: int) -> None:
        """The member whose sub-form is shown at the next refresh (after a member is added, removed or moved)."""
        self.member = index

    def set_read_only(self, reason: str | None) -> None:
        """A workspace opened read-only (another window has it, no write permission): answers are shown, not
        editable, and the note says why."""
        self.read_only = reason
        self.read_only_note.setVisible(bool(reason))
        self.read_only_note.setText(tr("gui.form.read_only", reason=reason or ""))
        for b in (getattr(self, n, None) for n in ("add_button", "remove_button", "up_button", "down_button")):
            if b is not None:
                b.setEnabled(not reason)
        self.refresh()

    # --- showing the session -----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read every state from the session: values, relevance, labels, choices, messages, progress, roster."""
        if self.session is None:
            return
        s = self.session
        lang = language.code
        self.title.setText(self._title_text)
        for i, section in enumerate(s.sections):
            answered, total, errors = s.section_progress(section)
            name = section.label(lang)
            page = self.pages.widget(i)
            page.heading.setText(f"<b style='font-size:{larger(3)}pt'>{i + 1}. {escape(name)}</b>")
            text = f"{i + 1}. {name}  {answered}/{total}"
            if section.repeat:
                text += "  " + tr("gui.form.members_n", n=len(s.members()))
            if errors:
                text += "  " + tr("gui.form.errors_n", n=errors)
            item = self.navigator.item(i)
            item.setText(text)
            item.setForeground(QBrush(QColor("#b00020" if errors else "#0f5132" if answered == total else "#212529")))
            if section.repeat:
                self._refresh_roster()
                page.form_host.setEnabled(self.member >= 0)
                if self.member < 0:
                    continue
            member = self.member if section.repeat else None
            for state in s.section_states(section, member):
                self._show_state(self.fields[section.id][state.question.name], state, member)
            for inner in self.inners.get(section.id, ()):
                inner.refresh((self.member,))
        if any(self.inners.values()):
            self.chain_all_tabs()   # (an inner repeat's answers join the tab order while an instance is picked)

    def show_state(self, f: Field, state, member) -> None:
        """One question's state on its widgets (`member`: None, an instance number, or an instance path)."""
        self._show_state(f, state, member)

    def _show_state(self, f: Field, state, member) -> None:
        visible = state.relevant
        f.label.setVisible(visible)
        if f.widget is None:
            f.label.setText(state.label)
            return
        f.label.setText(escape(state.label) + (" *" if state.required else ""))
        f.label.setToolTip(state.hint)
        f.widget.parentWidget().setVisible(visible)
        f.widget.setToolTip(state.hint)
        if state.question.type in ("select_one", "select_multiple", "rank"):
            options = self._options(state.question, member)
            if options != f.options:
                f.options = options
                if state.question.type in ("select_one", "rank"):
                    f.widget.set_choices(list(options))
                else:
                    f.widget.set_choices(list(options), tr("gui.form.none_of_these"))
        f.widget.set_value(state.value)
        f.widget.setEnabled(not state.read_only and not self.read_only)
        # a value the form works out (the walls' "durable" from their material) is shown as such, not as a
        # greyed question: it is out of the tab order and cannot be taken for the next answer
        computed = bool(state.read_only) and not self.read_only
        # the village is picked from the supervisor's list, never typed: with no list yet, the question says where
        # the list comes from instead of offering nothing
        no_villages = state.question.list_name == "villages" and not f.options
        f.widget.setVisible(not computed and not no_villages)
        f.computed.setVisible(computed or no_villages)
        if computed:
            f.computed.setText(tr("gui.form.computed", value=self._words(state, f.options)))
        elif no_villages:
            f.computed.setText(tr("gui.form.no_villages"))
        if f.label.property("computed") != computed:
            f.label.setProperty("computed", computed)
            f.label.setStyleSheet(COMPUTED_STYLE if computed else "")
        shown = visible and bool(state.message)
        f.message.setVisible(shown)
        f.message.setText(state.message)
        f.message.setStyleSheet(STATUS_STYLE.get(state.status, ""))
        f.confirm.setVisible(shown and state.status == "warning" and not state.confirmed)

    @staticmethod
    def _words(state, options: tuple) -> str:
        """A value as the form words it (a choice's label)."""
        value = state.value
        if value in (None, "", []):
            return "—"
        labels = dict(options)
        if isinstance(value, list):
            return ", ".join(labels.get(v, str(v)) for v in value)
        return labels.get(value, str(value))

    def _options(self, question, member) -> tuple:
        """The choices offered now. A choice filter is evaluated again only when what it reads has changed (the
        commune list is 3,000 long)."""
        s = self.session
        deps = tuple(s.value(d, member) if (s.form.by_name[d].repeat is None or member is not None) else None
                     for d in sorted(question.check_deps) if d in s.form.by_name) \
            if question.choice_filter is not None else ()
        # the village list is the workspace's (it changes with the supervisor's list): part of the key
        villages = tuple(s.villages) if question.list_name == "villages" else ()
        key = (question.name, s.lang, deps, villages)
        cached = self._options_cache.get(key)
        if cached is None:
            cached = self._options_cache[key] = tuple(s.options(question.name, member))
        return cached

    def _refresh_roster(self) -> None:
        members = self.session.members()
        self.roster.blockSignals(True)
        self.roster.setRowCount(len(members))
        for r in range(len(members)):
            for c, name in enumerate(self.roster_columns):
                self.roster.setItem(r, c, QTableWidgetItem(self._roster_text(name, r)))
        if 0 <= self.member < len(members):
            self.roster.setCurrentCell(self.member, 0)
        self.roster.blockSignals(False)
        if 0 <= self.member < len(members):
            self.member_heading.setText(tr("gui.form.member_of", n=self.member + 1, total=len(members),
                                           name=self.session.value("name", self.member) or "…"
                                           if "name" in self.session.form.by_name else "…"))
        else:
            self.member_heading.setText(tr("gui.form.no_members"))

    def _roster_text(self, name: str, r: int) -> str:
        s = self.session
        value = s.value(name, r)
        if name == "birth_year" and not value and "birth_date" in s.form.by_name:
            value = str(s.value("birth_date", r) or "")[:4]
        if value in (None, ""):
            return ""
        if s.form.by_name[name].type == "select_one":
            return dict(s.options(name, r)).get(value, str(value))
        return str(value)

    def show_result(self, result) -> None:
        self.panel.show_result(result, answer_labels(self.session.document, self.session.lang)
                               if self.session is not None else None)

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
        """The focus on the page's first answer, the page scrolled to its top."""
        section = self.session.sections[row]
        page = self.pages.widget(row)
        page.scroll.verticalScrollBar().setValue(0)
        for f in self.fields[section.id].values():
            if f.widget is not None and f.widget.isVisibleTo(page) and f.widget.isEnabled():
                f.widget.setFocus(Qt.ShortcutFocusReason)
                self.reveal(f.widget)
                return

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 (Qt's name)
        """Tab or Enter on the last question of a section moves on to the next section (Shift+Tab on the first,
        back), so the keyboard never leaves the questionnaire for the navigator or the panel."""
        if self.session is not None:
            row = self.current_section()
            page = self.pages.widget(row)
            section_id = self.session.sections[row].id
            widgets = [f.widget for f in self.fields[section_id].values()
                       if f.widget is not None and f.widget.isVisibleTo(page) and f.widget.isEnabled()]
            widgets += [w for inner in self.inners.get(section_id, ()) for w in inner.focusables()
                        if w.isVisibleTo(page) and w.isEnabled()]
            focus = QApplication.focusWidget()
            if widgets and focus is not None:
                edge = widgets[-1] if next else widgets[0]
                if edge is focus or edge.isAncestorOf(focus):
                    last_box = isinstance(edge, MultiAnswer) and edge.boxes and focus is not (
                        edge.boxes[-1] if next else edge.boxes[0])
                    if not last_box:
                        target = row + 1 if next else row - 1
                        if 0 <= target < self.pages.count():
                            self._go(target)
                            if not next:
                                self._focus_last(target)
                            return True
        return super().focusNextPrevChild(next)

    def _focus_last(self, row: int) -> None:
        page = self.pages.widget(row)
        for f in reversed(list(self.fields[self.session.sections[row].id].values())):
            if f.widget is not None and f.widget.isVisibleTo(page) and f.widget.isEnabled():
                f.widget.setFocus(Qt.BacktabFocusReason)
                return

    def current_section(self) -> int:
        return self.pages.currentIndex()

    def next_section(self) -> None:
        self._go(min(self.current_section() + 1, self.pages.count() - 1))

    def previous_section(self) -> None:
        self._go(max(self.current_section() - 1, 0))

    def _order(self, section_id: str) -> int:
        return next(i for i, s in enumerate(self.session.sections) if s.id == section_id)

    def next_error(self) -> None:
        """Go to the first error (or unconfirmed warning) after the current place, wrapping round."""
        if self.session is None:
            return
        problems = self.session.errors() + self.session.warnings()
        if not problems:
            return
        row = self.current_section()
        section = self.session.sections[row]
        here = (row, self.member if section.repeat else -1, self._focused_index(), (), -1)
        focus = QApplication.focusWidget()
        for inner in (i for top in self.inners.get(section.id, ()) for i in top.walk()):   # the focus in a job?
            at = next((k for k, f in enumerate(inner.fields.values()) if f.widget is not None and focus is not None
                       and (f.widget is focus or f.widget.isAncestorOf(focus))), None)
            if at is not None and inner.index >= 0:
                here = (row, self.member, len(section.questions), inner.path()[1:], at)
                break
        keyed = []
        for sid, member, name in problems:
            order = self._order(sid)
            qnames = [q.name for q in self.session.sections[order].questions]
            path = member if isinstance(member, tuple) else (() if member is None else (member,))
            if name in qnames:
                key = (order, path[0] if path else -1, qnames.index(name), (), -1)
            else:   # a question of a repeat inside the roster's: after the member's own, instance by instance
                names = [q.name for q in self.session.questions_of(self.session.form.by_name[name].chain[-1])]
                key = (order, path[0], len(qnames), path[1:], names.index(name))
            keyed.append((key, sid, path, name))
        keyed.sort()
        _key, sid, path, name = next((k for k in keyed if k[0] > here), keyed[0])
        self._go(self._order(sid))
        if path:
            self.pick_member(path[0])
        item = self.session.form.by_name[name]
        for depth in range(1, len(path)):   # the instance of each repeat inside the roster's, outermost first
            self.select_inner(item.chain[depth].name, path[depth])
        if len(path) > 1:
            self.refresh()
            f = self.inner(item.chain[-1].name).fields[name]
        else:
            f = self.fields[sid][name]
        widget = f.widget
        if widget is not None:
            widget.setFocus(Qt.ShortcutFocusReason)

    def _focused_index(self) -> int:
        section = self.session.sections[self.current_section()]
        focus = QApplication.focusWidget()
        for i, f in enumerate(self.fields[section.id].values()):
            if f.widget is not None and focus is not None and (f.widget is focus or f.widget.isAncestorOf(focus)):
                return i
        return -1

    def focused_question(self) -> str | None:
        section = self.session.sections[self.current_section()]
        i = self._focused_index()
        return list(self.fields[section.id])[i] if i >= 0 else None

    # --- warnings ------------------------------------------------------------------------------------------------------

    def _confirm(self, name: str) -> None:
        item = self.session.form.by_name[name]
        self.warning_confirmed.emit(name, self.member if item.repeat is not None else None)

    def confirm_focused_warning(self) -> None:
        name = self.focused_question() if self.session else None
        if name is not None:
            self._confirm(name)

    # --- the roster -------------------------------------------------------------------------------------------------

    def members_page(self) -> int:
        return next(i for i, s in enumerate(self.session.sections) if s.repeat)

    def pick_member(self, index: int) -> None:
        if self.session is None or not 0 <= index < len(self.session.members()):
            return
        self.member = index
        self.refresh()

    def focus_member_form(self) -> None:
        self._go(self.members_page())

    def _remove_current_member(self) -> None:
        if self.session and 0 <= self.member < len(self.session.members()):
            self.member_removed.emit(self.member)

    def _move_current(self, step: int) -> None:
        if self.session and 0 <= self.member < len(self.session.members()):
            to = self.member + step
            if 0 <= to < len(self.session.members()):
                self.member_moved.emit(self.member, to)

    def _answered(self, name: str, value, inside_roster: bool) -> None:
        self.answer_given.emit(name, value, self.member if inside_roster else None)
