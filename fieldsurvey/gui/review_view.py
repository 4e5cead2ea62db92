"""The supervisor's Review view (conflicts settled field by field, likely duplicates merged or kept apart,
handed-in households approved, returned with a comment or reassigned — one at a time or in bulk) and the
enumerator's To-do view. The rows come from services/review.py, every decision is one of its use cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from html import escape
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSplitter, QTableView, QTableWidget, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

from fieldsurvey.errors import FieldSurveyError
from fieldsurvey.gui.crash import report_error
from fieldsurvey.gui.dialogs.comment import CommentDialog, ask_yes
from fieldsurvey.gui.jobs import run_job
from fieldsurvey.gui.list_view import beside_detail
from fieldsurvey.gui.models import HouseholdTableModel
from fieldsurvey.gui.texts import day, language, tr, when
from fieldsurvey.gui.widgets import combo_data, read_only_table as _table, table_item as _item
from fieldsurvey.services import review as rv
from fieldsurvey.services.households import HouseholdFilter, HouseholdStatus, STATUSES, owners, people, person
from fieldsurvey.services.workspaces import village_names_of as villages_of


def _decision_layout(tab: QWidget, items: QListWidget, heading: QLabel, table: QTableWidget,
                     left: tuple[QPushButton, ...], right: QPushButton) -> None:
    """The conflicts' and duplicates' tabs: the cases listed on the left; on the right what the chosen one is,
    its table, and the buttons that decide it (the final decision apart, on the right)."""
    heading.setWordWrap(True)
    heading.setTextFormat(Qt.RichText)
    items.setWordWrap(True)   # a long case wraps in the list's width, never cut or scrolled sideways
    items.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    table.setSelectionMode(QAbstractItemView.NoSelection)
    pane = QWidget()
    column = QVBoxLayout(pane)
    column.setContentsMargins(0, 0, 0, 0)
    bar = QHBoxLayout()
    for b in left:
        bar.addWidget(b)
    bar.addStretch(1)
    bar.addWidget(right)
    column.addWidget(heading)
    column.addWidget(table, 1)
    column.addLayout(bar)
    split = QSplitter(Qt.Horizontal)
    split.addWidget(items)
    split.addWidget(pane)
    split.setStretchFactor(0, 1)
    split.setStretchFactor(1, 3)
    split.setSizes([330, 900])
    QHBoxLayout(tab).addWidget(split)


# --- conflicts --------------------------------------------------------------------------------------------------

class _CasesTab(QWidget):
    """A tab of cases to decide (conflicts, likely duplicates): the list on the left, the chosen case shown by
    `_show` on the right."""

    items: list

    def _fill(self, items: list, rows: list[tuple[str, int]]) -> None:
        """List the cases (each row: its text and its id), choose the first, show it."""
        self.items = items
        self.list.blockSignals(True)
        self.list.clear()
        for text, case_id in rows:
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, case_id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        if items:
            self.list.setCurrentRow(0)
        self._show(self.list.currentRow())

    def current(self):
        row = self.list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None


class ConflictsTab(_CasesTab):
    def __init__(self, owner: "ReviewView"):
        super().__init__()
        self.owner = owner
        self.items: list[rv.Conflict] = []
        self.list = QListWidget(objectName="conflictList")
        self.title = QLabel(objectName="conflictTitle")
        self.table = _table("conflictFields", 4)
        self.resolve_button = QPushButton(objectName="resolveConflict")
        self.all_theirs = QPushButton(objectName="allTheirs")
        self.all_ours = QPushButton(objectName="allOurs")
        _decision_layout(self, self.list, self.title, self.table, (self.all_ours, self.all_theirs),
                         self.resolve_button)
        self.combos: dict[str, QComboBox] = {}
        self.list.currentRowChanged.connect(self._show)
        self.resolve_button.clicked.connect(self.resolve)
        self.all_theirs.clicked.connect(lambda: self._pick_all(rv.THEIRS))
        self.all_ours.clicked.connect(lambda: self._pick_all(rv.OURS))

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([tr("gui.review.col.field"), tr("gui.review.col.ours"),
                                              tr("gui.review.col.theirs"), tr("gui.review.col.choice")])
        self.resolve_button.setText(tr("gui.review.resolve"))
        self.all_theirs.setText(tr("gui.review.all_theirs"))
        self.all_ours.setText(tr("gui.review.all_ours"))

    def who(self, user: str | None) -> str:
        """A user as people know them (the enumerator's name written in their households), not the login id."""
        return person(self.owner.people, user) or "?"

    def fill(self, items: list[rv.Conflict]) -> None:
        self._fill(items, [(tr("gui.review.conflict_row", head=c.head_name or tr("gui.list.no_name"),
                               village=c.village or "—", ours=self.who(c.ours_user), theirs=self.who(c.theirs_user),
                               at=when(c.at),
                               n=len(c.choosable)), c.id) for c in items])

    def _show(self, _row: int) -> None:
        c = self.current()
        self.table.setRowCount(0)
        self.combos = {}
        self.resolve_button.setEnabled(c is not None and self.owner.can_decide)
        for b in (self.all_ours, self.all_theirs):
            b.setEnabled(c is not None)
        if c is None:
            self.title.setText(tr("gui.review.no_conflicts"))
            return
        self.title.setText(tr("gui.review.conflict_title", head=escape(c.head_name or tr("gui.list.no_name")),
                              village=escape(c.village or "—"), uuid=c.uuid[:8], ours=escape(self.who(c.ours_user)),
                              ours_device=escape(c.ours_device or "?"), theirs=escape(self.who(c.theirs_user)),
                              theirs_device=escape(c.theirs_device), at=when(c.at)))
        self.table.setHorizontalHeaderItem(1, QTableWidgetItem(tr("gui.review.col.ours_who", who=self.who(c.ours_user))))
        self.table.setHorizontalHeaderItem(2, QTableWidgetItem(tr("gui.review.col.theirs_who", who=self.who(c.theirs_user))))
        self.table.setRowCount(len(c.fields))
        for r, f in enumerate(c.fields):   # the question as the form words it; its audit name only as a tooltip
            label = _item(f.label, f.field)
            label.setToolTip(tr("gui.review.path_tip", path=f.field))
            self.table.setItem(r, 0, label)
            self.table.setItem(r, 1, _item(f.ours))
            self.table.setItem(r, 2, _item(f.theirs))
            combo = QComboBox(objectName=f"choice:{f.field}")
            if f.follows is None:
                combo.addItem(tr("gui.review.keep_ours"), rv.OURS)
                combo.addItem(tr("gui.review.take_theirs"), rv.THEIRS)
                self.combos[f.field] = combo
            else:
                combo.addItem(tr("gui.review.follows_member"), "")
                combo.setEnabled(False)
            self.table.setCellWidget(r, 3, combo)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 320))

    def _pick_all(self, side: str) -> None:
        for combo in self.combos.values():
            combo.setCurrentIndex(combo.findData(side))

    def picked(self) -> dict[str, str]:
        return {f: combo_data(c) or rv.OURS for f, c in self.combos.items()}

    def resolve(self) -> None:
        """Settle the conflict shown, once the supervisor said yes to what changes: the fields that take the
        incoming value (by the form's labels, with both values), how many keep this workspace's."""
        c = self.current()
        if c is None:
            return
        choices = rv.choices_for(c, self.picked())
        if not self.owner.confirm(tr("gui.review.resolve_title"), self.what_changes(c, choices)):
            return
        try:
            rv.resolve_conflict(self.owner.workspace.ws, c.id, choices)
        except FieldSurveyError as exc:
            report_error(exc, self)
            return
        self.owner.decided(tr("gui.review.resolved", head=c.head_name or c.uuid[:8]))


    def what_changes(self, c: rv.Conflict, choices: dict[str, str], most: int = 8) -> str:
        """What resolving with these choices changes, said before it is done."""
        head = c.head_name or tr("gui.list.no_name")
        taken = [f for f in c.choosable if choices.get(f.field) == rv.THEIRS]
        kept = len(c.choosable) - len(taken)
        if not taken:
            return tr("gui.review.resolve_keep_all", head=head, n=kept, theirs=self.who(c.theirs_user))
        lines = [tr("gui.review.resolve_change", label=f.label, ours=f.ours or "—", theirs=f.theirs or "—")
                 for f in taken[:most]]
        if len(taken) > most:
            lines.append(tr("gui.review.and_more", n=len(taken) - most))
        return tr("gui.review.resolve_confirm", head=head, n=len(taken), kept=kept,
                  theirs=self.who(c.theirs_user), changes="\n".join(lines))


# --- duplicates -------------------------------------------------------------------------------------------------

FACTS = ("head_name", "birth_year", "id_numbers", "village", "members", "interview_date", "status", "owner", "uuid")


class DuplicatesTab(_CasesTab):
    def __init__(self, owner: "ReviewView"):
        super().__init__()
        self.owner = owner
        self.items: list[rv.Duplicate] = []
        self.list = QListWidget(objectName="duplicateList")
        self.reason = QLabel(objectName="duplicateReason")
        self.table = _table("duplicateFacts", 2)
        self.table.verticalHeader().setVisible(True)
        self.keep_a = QPushButton(objectName="mergeKeepA")
        self.keep_b = QPushButton(objectName="mergeKeepB")
        self.apart = QPushButton(objectName="keepApart")
        _decision_layout(self, self.list, self.reason, self.table, (self.keep_a, self.keep_b), self.apart)
        self.list.currentRowChanged.connect(self._show)
        self.keep_a.clicked.connect(lambda: self.merge("a"))
        self.keep_b.clicked.connect(lambda: self.merge("b"))
        self.apart.clicked.connect(self.keep_apart)

    def retranslate(self) -> None:
        self.keep_a.setText(tr("gui.review.merge_keep_a"))
        self.keep_b.setText(tr("gui.review.merge_keep_b"))
        self.apart.setText(tr("gui.review.keep_apart"))
        self.table.setHorizontalHeaderLabels([tr("gui.review.household_a"), tr("gui.review.household_b")])
        self.table.setRowCount(len(FACTS))
        self.table.setVerticalHeaderLabels([tr(f"gui.review.fact.{f}") for f in FACTS])

    def fill(self, items: list[rv.Duplicate]) -> None:
        self._fill(items, [(tr("gui.review.duplicate_row", a=d.a.head_name or "?", b=d.b.head_name or "?",
                               reason=tr(f"sync.duplicate.{d.reason}")), d.id) for d in items])

    def _fact(self, f: rv.Facts, name: str) -> str:
        value = getattr(f, name)
        if name == "status":
            return tr(f"status.{value}") if value in STATUSES else str(value)
        if name == "uuid":   # the household's id as the list shows it (its first 8 digits)
            return str(value)[:8]
        if name == "owner":   # the enumerator by name, not the login id
            return person(self.owner.people, value) or "—"
        if name == "interview_date" and value:
            try:
                return day(date.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        return str(value) if value not in ("", None) else "—"

    def _show(self, _row: int) -> None:
        d = self.current()
        for b in (self.keep_a, self.keep_b, self.apart):
            b.setEnabled(d is not None and self.owner.can_decide)
        self.table.clearContents()
        if d is None:
            self.reason.setText(tr("gui.review.no_duplicates"))
            return
        self.reason.setText(tr("gui.review.duplicate_reason", reason=escape(tr(f"sync.duplicate.{d.reason}")),
                               key=escape(d.key.replace("|", " · "))))
        for r, name in enumerate(FACTS):
            for c, side in enumerate((d.a, d.b)):
                item = _item(self._fact(side, name))
                if name != "uuid" and getattr(d.a, name) == getattr(d.b, name) and getattr(d.a, name):
                    item.setBackground(Qt.yellow)  # the same on both sides (the text says it too: equal values)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def merge(self, side: str) -> None:
        d = self.current()
        if d is None:
            return
        keep, gone = (d.a, d.b) if side == "a" else (d.b, d.a)
        if not self.owner.confirm(tr("gui.review.merge_title"),
                                  tr("gui.review.merge_confirm", keep=keep.head_name or keep.uuid[:8],
                                     keep_id=keep.uuid[:8], gone=gone.head_name or gone.uuid[:8],
                                     gone_id=gone.uuid[:8])):
            return
        self._decide(d, "merge", keep.uuid, tr("gui.review.merged", keep=keep.head_name or keep.uuid[:8]))

    def keep_apart(self) -> None:
        """Record the pair as two households, once the supervisor said yes (neither is changed; the pair is not
        flagged again)."""
        d = self.current()
        if d is None:
            return
        if not self.owner.confirm(tr("gui.review.apart_title"),
                                  tr("gui.review.apart_confirm", a=d.a.head_name or d.a.uuid[:8], a_id=d.a.uuid[:8],
                                     a_village=d.a.village or "—", b=d.b.head_name or d.b.uuid[:8],
                                     b_id=d.b.uuid[:8], b_village=d.b.village or "—")):
            return
        self._decide(d, "apart", None, tr("gui.review.kept_apart"))

    def _decide(self, d: rv.Duplicate, decision: str, keep: str | None, message: str) -> None:

        try:
            rv.decide_duplicate(self.owner.workspace.ws, d.id, decision, keep)
        except FieldSurveyError as exc:
            report_error(exc, self)
            return
        self.owner.decided(message)


# --- approve / return / reassign ------------------------------------------------------------------------------------

# what waits for review, in the order the table shows it: households checked with no change after a return (few, the
# answer to the supervisor's own returns) before the handed-in ones; complete ones only when nothing was handed in
HANDED = (HouseholdStatus.CONFIRMED, HouseholdStatus.SUBMITTED)
FILLED_HERE = HouseholdStatus.COMPLETE
WAITING = [str(s) for s in (*HANDED, FILLED_HERE)]   # held answers are checked before a household is approved


class ApproveTab(QWidget):
    """The households waiting for review — by default every one handed in (submitted, and "checked, no change" told
    apart), else the complete ones (a workspace filled here) — or those of the status picked; filters by village and
    enumerator; approve, return or reassign the selected ones."""

    def __init__(self, owner: "ReviewView", count: Callable, page: Callable):
        super().__init__()
        self.owner = owner
        self.shown: dict[str, int] = {}   # status → households, in the table's order (worked out at each refresh)
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.status = QComboBox(objectName="reviewStatus")
        self.village = QComboBox(objectName="reviewVillage")
        self.enumerator = QComboBox(objectName="reviewOwner")
        for combo in (self.status, self.village, self.enumerator):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)   # a long name never
            combo.setMinimumContentsLength(16)                                           # widens the window
            bar.addWidget(combo, 1)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.counts = QLabel(objectName="reviewCounts")
        lay.addWidget(self.counts)
        self.count, self.page = count, page
        self.model = HouseholdTableModel(self._count, self._page, self)
        self.table = QTableView(objectName="reviewTable")
        self.table.setTabKeyNavigation(False)   # Tab leaves the table (arrows move inside it)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setResizeContentsPrecision(0)  # sized from the visible rows only (paged)
        self._sized = False
        lay.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.approve_button = QPushButton(objectName="approveSelected")
        self.return_button = QPushButton(objectName="returnSelected")
        self.reassign_button = QPushButton(objectName="reassignSelected")
        for b in (self.approve_button, self.return_button, self.reassign_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        self.village.currentIndexChanged.connect(lambda _i: self.refresh())
        self.enumerator.currentIndexChanged.connect(lambda _i: self.refresh())
        # a household is looked at before it is approved: double-click or Enter opens it in the questionnaire
        self.table.doubleClicked.connect(lambda idx: owner.open_requested.emit(idx.data(Qt.UserRole)))
        self.table.activated.connect(lambda idx: owner.open_requested.emit(idx.data(Qt.UserRole)))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.approve_button.clicked.connect(self.approve)
        self.return_button.clicked.connect(self.return_selected)
        self.reassign_button.clicked.connect(self.reassign)

    def retranslate(self) -> None:
        self.approve_button.setText(tr("gui.review.approve"))
        self.return_button.setText(tr("gui.review.return"))
        self.reassign_button.setText(tr("gui.review.reassign"))
        current = combo_data(self.status)
        self.status.blockSignals(True)
        self.status.clear()
        self.status.addItem(tr("gui.review.handed_in"), "")
        for s in STATUSES:
            self.status.addItem(tr(f"status.{s}"), s)
        self.status.setCurrentIndex(max(self.status.findData(current or ""), 0))
        self.status.blockSignals(False)
        self.model.retranslate()
        self._selection_changed()

    def set_choices(self, villages: list[str], owners: list[str]) -> None:
        names = self.owner.people   # enumerators by name (the login id stays the filter's value)
        for combo, all_key, values in ((self.village, "gui.list.all_villages", [(v, v) for v in villages]),
                                       (self.enumerator, "gui.list.all_owners",
                                        [(person(names, o), o) for o in owners])):
            current = combo_data(combo) or ""
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(tr(all_key), "")
            for text, v in values:
                combo.addItem(text, v)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)

    def current_filter(self, status: str | None = None) -> HouseholdFilter:
        return HouseholdFilter(village=combo_data(self.village), owner=combo_data(self.enumerator), status=status)

    def statuses(self) -> list[str]:
        """The statuses the table shows: the one picked, else what waits for review here."""
        chosen = combo_data(self.status)
        if chosen:
            return [chosen]
        waiting = [s for s in HANDED if self.count(self.current_filter(s))]
        return waiting or [FILLED_HERE]

    # the model's data source: the statuses shown one after the other, each its own filtered list
    def _count(self, f: HouseholdFilter) -> int:
        self.shown = {s: self.count(replace(f, status=s)) for s in self.statuses()}
        return sum(self.shown.values())

    def _page(self, f: HouseholdFilter, sort: str, descending: bool, offset: int, limit: int):
        rows = []
        for status, n in self.shown.items():
            if offset >= n:
                offset -= n
                continue
            rows += self.page(replace(f, status=status), sort, descending, offset, limit - len(rows))
            offset = 0
            if len(rows) >= limit:
                break
        return rows

    def refresh(self) -> None:
        self.model.refresh(self.current_filter())
        if not self._sized and self.model.rowCount():
            self._sized = True
            self.table.resizeColumnsToContents()
            uuid_column = self.model.COLUMNS.index("uuid")
            self.table.setColumnWidth(uuid_column, max(self.table.columnWidth(uuid_column), 90))
        header = self.table.horizontalHeader()
        for c in range(self.model.columnCount()):   # every heading whole, with or without rows
            self.table.setColumnWidth(c, max(self.table.columnWidth(c), header.sectionSizeHint(c)))
        self._selection_changed()

    def selected(self) -> list[str]:
        return [i.data(Qt.UserRole) for i in self.table.selectionModel().selectedRows()]

    def current_uuid(self) -> str | None:
        idx = self.table.currentIndex()
        return idx.data(Qt.UserRole) if idx.isValid() else None

    def _selection_changed(self) -> None:
        n = len(self.selected()) if self.table.selectionModel() else 0
        if len(self.shown) > 1:   # what waits, status by status: "checked, no change" apart from "submitted"
            parts = " · ".join(f"{tr(f'status.{s}')}: {k}" for s, k in self.shown.items())
            self.counts.setText(tr("gui.review.counts_waiting", n=self.model.total(), statuses=parts, selected=n))
        else:
            status = next(iter(self.shown), FILLED_HERE)
            self.counts.setText(tr("gui.review.counts", n=self.model.total(), status=tr(f"status.{status}"),
                                   selected=n))
        for b in (self.approve_button, self.return_button, self.reassign_button):
            b.setEnabled(n > 0 and self.owner.can_decide)

    def approve(self) -> None:
        """Approve the households picked, once the supervisor said yes to what changes: their heads (the first
        few), their status now, and that they count in the official figures."""
        uuids = self.selected()
        if not uuids:
            return
        if not self.owner.confirm(tr("gui.review.approve_title", n=len(uuids)),
                                  tr("gui.review.approve_confirm", n=len(uuids), heads=self.heads(uuids))):
            return
        self.owner.run_review(uuids, "approve", "", None)

    def heads(self, uuids: list[str], most: int = 8) -> str:
        """The picked households as the supervisor knows them: "Hoàng Văn Dũng (Thôn 1), …" and how many more."""
        rows = {i.data(Qt.UserRole): i.row() for i in self.table.selectionModel().selectedRows()}
        columns = self.model.COLUMNS
        names = []
        for uuid in uuids[:most]:
            row = rows.get(uuid)
            if row is None:
                names.append(uuid[:8])
                continue
            head = self.model.index(row, columns.index("head_name")).data() if "head_name" in columns else ""
            village = self.model.index(row, columns.index("village")).data() if "village" in columns else ""
            names.append(f"{head or uuid[:8]} ({village})" if village else (head or uuid[:8]))
        text = ", ".join(names)
        if len(uuids) > most:
            text += " " + tr("gui.review.and_more", n=len(uuids) - most)
        return text

    def return_selected(self) -> None:
        uuids = self.selected()
        if not uuids:
            return
        dialog = CommentDialog(tr("gui.review.return_title", n=len(uuids)),
                               tr("gui.review.return_prompt") + "\n" + tr("gui.review.return_who", heads=self.heads(uuids)),
                               True, None, self)
        if dialog.exec() == QDialog.Accepted:
            self.owner.run_review(uuids, "return", dialog.text(), None)

    def reassign(self) -> None:
        uuids = self.selected()
        if not uuids:
            return
        dialog = CommentDialog(tr("gui.review.reassign_title", n=len(uuids)),
                               tr("gui.review.reassign_prompt") + "\n" + tr("gui.review.reassign_who",
                                                                            heads=self.heads(uuids)),
                               False, [(person(self.owner.people, e), e) for e in self.owner.enumerators()], self)
        if dialog.exec() == QDialog.Accepted:
            self.owner.run_review(uuids, "reassign", dialog.text(), dialog.owner())


class HeldTab(QWidget):
    """The households with answers outside a plausible range (a household of 40 members, 2,000 m² of living area),
    held for the supervisor to check before approving (`fieldsurvey households held` on the command line): each
    with what is held, in words. Double-click or Enter opens the household in the questionnaire."""

    COLUMNS = ("head_name", "village", "status", "owner", "held")

    def __init__(self, owner: "ReviewView"):
        super().__init__()
        self.owner = owner
        self.items: list[rv.Held] = []
        lay = QVBoxLayout(self)
        self.heading = QLabel(objectName="heldHeading")
        self.heading.setWordWrap(True)
        lay.addWidget(self.heading)
        self.table = _table("heldTable", len(self.COLUMNS))
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        lay.addWidget(self.table, 1)
        self.table.cellDoubleClicked.connect(lambda r, _c: self._open(r))
        self.table.activated.connect(lambda idx: self._open(idx.row()))

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([tr(f"gui.review.held.col.{c}") for c in self.COLUMNS])

    def fill(self, items: list) -> None:
        self.items = items
        self.heading.setText(tr("gui.review.held.heading", n=len(items)) if items else tr("gui.review.held.none"))
        self.table.setRowCount(len(items))
        for r, h in enumerate(items):
            status = tr(f"status.{h.status}") if h.status in STATUSES else h.status
            held = "; ".join(h.answers)
            for c, text in enumerate((h.head_name or tr("gui.list.no_name"), h.village or "—", status,
                                      person(self.owner.people, h.owner) or "—", held)):
                item = _item(text, h.uuid)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(4, max(self.table.columnWidth(4), 300))

    def current_uuid(self) -> str | None:
        r = self.table.currentRow()
        return self.items[r].uuid if 0 <= r < len(self.items) else None

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.items):
            self.owner.open_requested.emit(self.items[row].uuid)


class ReviewView(QWidget):
    """The supervisor's desk: conflicts, likely duplicates, approve / return / reassign."""

    changed = Signal()   # households were changed by a decision (the list and counts are refreshed)
    open_requested = Signal(str)   # a household's uuid, to look at in the questionnaire

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reviewView")
        self.workspace = workspace   # controllers.WorkspaceController
        self.can_decide = False
        self.people: dict[str, str] = {}   # user id → name (households.people)
        self.confirm: Callable[[str, str], bool] = lambda title, text: ask_yes(self, title, text)
        self.last_message = ""
        self.job = None
        lay = QVBoxLayout(self)
        self.note = QLabel(objectName="reviewNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color:#664d03; background:#fff3cd; padding:6px")
        lay.addWidget(self.note)
        self.tabs = QTabWidget(objectName="reviewTabs")
        self.conflicts = ConflictsTab(self)
        self.duplicates = DuplicatesTab(self)
        self.approval = ApproveTab(self, workspace.count, workspace.page)
        self.held = HeldTab(self)
        for w in (self.conflicts, self.duplicates, self.approval, self.held):
            self.tabs.addTab(w, "")
        lay.addWidget(self.tabs, 1)
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        self.retranslate()

    @property
    def path(self) -> Path:
        return self.workspace.path

    def enumerators(self) -> list[str]:
        return rv.enumerators(self.workspace.ws) if self.workspace.ws else []

    def decide(self, which: str) -> None:
        """A decision from the menu or its key (Review menu): its tab in front, then the same step as its button —
        approve, return, reassign the households picked; resolve the conflict shown; merge (keep the first or the
        second) or keep apart the pair shown."""
        tab, step = {"approve": (self.approval, self.approval.approve),
                     "return": (self.approval, self.approval.return_selected),
                     "reassign": (self.approval, self.approval.reassign),
                     "resolve": (self.conflicts, self.conflicts.resolve),
                     "keep_a": (self.duplicates, lambda: self.duplicates.merge("a")),
                     "keep_b": (self.duplicates, lambda: self.duplicates.merge("b")),
                     "apart": (self.duplicates, self.duplicates.keep_apart)}[which]
        if self.tabs.currentWidget() is not tab:
            self.tabs.setCurrentWidget(tab)
            return   # the user sees first what the decision would apply to
        step()

    def current_uuid(self) -> str | None:
        """The household picked: the current row of the approval table, or the conflict shown (a pair of likely
        duplicates is two households: none)."""
        tab = self.tabs.currentWidget()
        if tab is self.approval:
            return self.approval.current_uuid()
        if tab is self.conflicts:
            c = self.conflicts.current()
            return c.uuid if c else None
        if tab is self.held:
            return self.held.current_uuid()
        return None

    def retranslate(self, _language: str = "") -> None:
        for tab in (self.conflicts, self.duplicates, self.approval, self.held):
            tab.retranslate()
        if self.workspace.ws is not None:
            self.load(pick_tab=False)

    def _tab_titles(self) -> None:
        n_c, n_d = len(self.conflicts.items), len(self.duplicates.items)
        self.tabs.setTabText(0, tr("gui.review.tab.conflicts", n=n_c))
        self.tabs.setTabText(1, tr("gui.review.tab.duplicates", n=n_d))
        self.tabs.setTabText(2, tr("gui.review.tab.approve"))
        self.tabs.setTabText(3, tr("gui.review.tab.held", n=len(self.held.items)))

    def load(self, pick_tab: bool = True) -> None:
        """Read the open conflicts, the undecided pairs and the handed-in households again. With `pick_tab`, the
        first tab with something to settle comes to the front (conflicts, then duplicates, then approval)."""
        ws = self.workspace.ws
        if ws is None:
            return
        role = rv.role_of(ws)
        held = self.workspace.read_only_reason()   # opened read-only (another FieldSurvey holds it: who)
        self.can_decide = role == rv.SUPERVISOR and not held
        self.people = people(ws)
        self.approval.model.people = self.people
        self.note.setText(tr("gui.review.no_identity") if role is None else
                          tr("gui.review.not_supervisor") if role != rv.SUPERVISOR else
                          tr("gui.form.read_only", reason=held) if held else "")
        self.note.setVisible(bool(self.note.text()))
        try:
            self.conflicts.fill(rv.conflicts(ws, language.code))
            self.duplicates.fill(rv.duplicates(ws))
            self.held.fill(rv.held(ws, WAITING, language.code))
        except FieldSurveyError as exc:
            report_error(exc, self)
        self.approval.set_choices(villages_of(ws), owners(ws))
        self.approval.refresh()
        self._tab_titles()
        if pick_tab:
            self.tabs.setCurrentIndex(0 if self.conflicts.items else 1 if self.duplicates.items else 2)

    def decided(self, message: str) -> None:
        self.last_message = message
        self.load(pick_tab=False)
        self.changed.emit()
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(message, 10000)

    def run_review(self, uuids: list[str], action: str, comment: str, owner: str | None):
        def done(n: int) -> None:
            self.decided(tr(f"gui.review.done.{action}", n=n, owner=person(self.people, owner) if owner else ""))

        self.job = run_job(rv.decide_job(self.path, uuids, action, comment, owner), tr("gui.job.review"), self,
                           on_done=done)
        return self.job


# --- the enumerator's to-do list -------------------------------------------------------------------------------------

class TodoView(QWidget):
    """What the supervisor sent back: returned households with the comment, newly assigned ones. Beside it the
    list's own detail pane (which already shows the comment); double-click or Enter opens the questionnaire."""

    open_requested = Signal(str)
    confirm_requested = Signal(str)   # a returned household's uuid: "checked, no change"

    COLUMNS = ("head_name", "village", "what", "comment", "by", "at", "status")

    def __init__(self, workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("todoView")
        self.workspace = workspace
        self.items: list[rv.ToDo] = []
        self.people: dict[str, str] = {}   # user id → name (households.people)
        lay = QVBoxLayout(self)
        self.heading = QLabel(objectName="todoHeading")
        lay.addWidget(self.heading)
        self.table = _table("todoTable", len(self.COLUMNS))
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        split, self.detail = beside_detail(self.table)
        lay.addWidget(split, 1)
        bar = QHBoxLayout()
        self.confirm_button = QPushButton(objectName="confirmUnchanged")
        self.confirm_button.setEnabled(False)
        bar.addWidget(self.confirm_button)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.confirm_button.clicked.connect(self._confirm)
        self.table.cellDoubleClicked.connect(lambda r, _c: self._open(r))
        self.table.activated.connect(lambda idx: self._open(idx.row()))
        self.table.currentCellChanged.connect(lambda r, *_: self._show(r))
        language.changed.connect(self.retranslate)  # a bound method: let go when the widget goes
        self.retranslate()

    def retranslate(self, _language: str = "") -> None:
        self.table.setHorizontalHeaderLabels([tr(f"gui.todo.col.{c}") for c in self.COLUMNS])
        self.confirm_button.setText(tr("gui.action.confirm_unchanged"))
        self.confirm_button.setToolTip(tr("gui.list.stand_out.confirmed"))
        if self.workspace.ws is not None:
            self.load()

    def load(self) -> None:
        ws = self.workspace.ws
        self.items = rv.todo(ws) if ws is not None else []
        self.people = self.detail.people = people(ws) if ws is not None else {}   # names, not login ids
        self.heading.setText(f"<b>{tr('gui.todo.heading', n=len(self.items))}</b>" if self.items
                             else tr("gui.todo.empty"))
        self.table.setRowCount(len(self.items))
        for r, t in enumerate(self.items):
            what = tr(f"gui.todo.what.{t.action}")
            status = tr(f"status.{t.status}") if t.status in STATUSES else t.status
            by = person(self.people, t.by)   # the supervisor by name where it is known here
            for c, text in enumerate((t.head_name or tr("gui.list.no_name"), t.village, what, t.comment, by,
                                      when(t.at), status)):
                item = _item(text, t.uuid)
                item.setToolTip(text)
                if t.action == "return":
                    item.setForeground(Qt.darkRed)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(3, max(min(self.table.columnWidth(3), 240), 160))  # the whole comment: tooltip
        # and in the detail pane; every column in sight at 1366 pixels
        if self.items:
            self.table.setCurrentCell(0, 0)
        else:
            self.detail.show_detail(None)
        self._offer_confirm(self.table.currentRow())

    def current_uuid(self) -> str | None:
        r = self.table.currentRow()
        return self.items[r].uuid if 0 <= r < len(self.items) else None

    def _offer_confirm(self, row: int) -> None:
        """"Checked, no change…" is offered for a returned household (the household service decides)."""
        self.confirm_button.setEnabled(0 <= row < len(self.items)
                                       and self.items[row].status == HouseholdStatus.RETURNED)

    def _confirm(self) -> None:
        uuid = self.current_uuid()
        if uuid is not None:
            self.confirm_requested.emit(uuid)

    def _show(self, row: int) -> None:
        self._offer_confirm(row)
        if 0 <= row < len(self.items) and self.workspace.ws is not None:
            try:
                self.detail.show_detail(self.workspace.detail(self.items[row].uuid))
            except FieldSurveyError as exc:
                report_error(exc, self)

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.items):
            self.open_requested.emit(self.items[row].uuid)
