"""A fixed 4-member household typed with the keyboard alone, keystrokes counted: the head, the spouse and two
school-age children; every indicator answered, one of them deprived (no information device); the income by the
direct route from two sources (wages, farming). At most 200 keystrokes and not one mouse event, through the real
window and its widgets (QTest's key clicks)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from fieldsurvey.gui.app import make_window
from fieldsurvey.services import workspaces
from fieldsurvey.storage.workspace import Workspace
from tests.gui.keys import type_text

MOUSE = {QEvent.MouseButtonPress, QEvent.MouseButtonRelease, QEvent.MouseButtonDblClick, QEvent.Wheel}


class NoMouse(QObject):
    """Counts every mouse event the application sees (none is allowed)."""

    def __init__(self):
        super().__init__()
        self.seen = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() in MOUSE:
            self.seen += 1
        return False


class Keyboard:
    """The user's hands: every key press counted once — a letter typed, Enter, Tab, a shortcut."""

    def __init__(self, window):
        self.window, self.count = window, 0

    def focused(self) -> str:
        w = QApplication.focusWidget()
        while w is not None and not w.objectName().startswith("q_"):
            w = w.parentWidget()
        return w.objectName()[2:] if w is not None else ""

    def key(self, key: Qt.Key, modifiers=Qt.NoModifier) -> None:
        QTest.keyClick(self.window.windowHandle(), key, modifiers)   # shortcuts first, then the focus
        self.count += 1

    def text(self, text: str) -> None:
        ascii_only = text.isascii()
        if ascii_only:
            QTest.keyClicks(QApplication.focusWidget(), text)
        else:   # QTest types ASCII only: Vietnamese as an input method sends it, one key a character
            type_text(QApplication.focusWidget(), text)
        self.count += len(text)

    def answer(self, question: str, text: str | None = None) -> None:
        """On `question`: type `text` (None: keep what is there), then Enter unless the answer moved on itself (a
        choice picked by its number)."""
        assert self.focused() == question
        if text:
            self.text(text)
        if self.focused() == question:
            self.key(Qt.Key_Return)


def test_a_four_member_household_takes_at_most_200_keystrokes_and_no_mouse(qtbot, store, tmp_path):
    path = workspaces.create_workspace(workspaces.NewWorkspace(tmp_path / "lan.fsdb", "02266",
                                                               ("Thôn Nà Bó", "Thôn Khuổi Luông"), "Lò Thị Lan"))
    _app, window = make_window("vi", store, hooks=False)
    qtbot.addWidget(window)
    window.open_workspace(path)
    window.activateWindow()
    qtbot.waitActive(window)
    no_mouse = NoMouse()
    QApplication.instance().installEventFilter(no_mouse)
    k = Keyboard(window)
    try:
        k.key(Qt.Key_N, Qt.ControlModifier)                     # a new household
        form = window.form_view
        k.answer("province_code")                                 # the workspace's
        k.answer("commune_code")
        k.answer("village", "1")
        k.answer("head_name", "Hoàng Văn Dũng")
        k.answer("address")
        k.answer("phone")
        k.answer("livelihood_agriculture", "1")                  # → the roster
        adult = [("health_insurance", "1"), ("education", "3"), ("employment", "3"), ("able_to_work", "1"),
                 ("disability", "2"), ("monthly_social_allowance", "2"), ("internet_use", "1")]
        pupil = [("health_insurance", "1"), ("stunted_or_underweight", "2"), ("attending_school", "1"),
                 ("school_level", "2"), ("education", "2"), ("disability", "2"), ("monthly_social_allowance", "2"),
                 ("internet_use", "2")]
        people = [(None, "1", "1978", None, adult),                # the head: name and relationship filled
                  ("Nông Thị Thắm", "2", "1980", "2", adult),
                  ("Hoàng Văn Đức", "1", "2014", "3", pupil),
                  ("Hoàng Thị Én", "2", "2017", "3", pupil)]
        for name, sex, year, relationship, answers in people:
            k.key(Qt.Key_M, Qt.ControlModifier)                   # add a member: its name in focus, in view
            page = form.pages.currentWidget()
            field = form.fields["members"]["name"].widget
            assert field.visibleRegion().boundingRect().height() == field.height()
            assert page.scroll.viewport().rect().contains(
                field.mapTo(page.scroll.viewport(), field.rect().bottomRight()))
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
        k.answer("income_route", "1")                              # asked directly
        k.answer("income_wages", "12000000")
        k.answer("income_agriculture", "6000000")
        for question in ("income_business", "income_other", "production_costs"):
            k.answer(question, "0")
        k.answer("social_allowances")                              # → housing
        k.answer("has_house", "1")
        k.answer("wall_material", "1")                             # its "durable" worked out: not a question
        k.answer("column_material", "1")
        k.answer("roof_material", "2")
        k.answer("floor_area", "60")                               # → water and sanitation
        k.answer("water_source", "1")
        k.answer("latrine", "1")                                   # → information
        k.answer("info_devices", "5")                              # "none": the one deprivation
        k.answer("merit_revolution", "2")
        k.answer("ethnic_minority", "1")
        k.key(Qt.Key_PageDown, Qt.ControlModifier)                 # no causes, no notes: the interview
        assert k.focused() == "enumerator"
        session = window.form.session
        assert session.value("enumerator") == "Lò Thị Lan"         # the form's default: typed once, at setup
        assert session.errors() == [] and session.is_complete()
        assert form.panel.badge.text() == "Hộ cận nghèo"
        qtbot.waitUntil(lambda: not window.form.pending, timeout=5000)
    finally:
        QApplication.instance().removeEventFilter(no_mouse)
    assert no_mouse.seen == 0
    assert k.count <= 200, k.count
    uuid = window.form.uuid
    window.close()
    with Workspace.open(path) as ws:
        doc = ws.get_household(uuid)
    assert [m["name"] for m in doc["members"]] == ["Hoàng Văn Dũng", "Nông Thị Thắm", "Hoàng Văn Đức",
                                                    "Hoàng Thị Én"]
    assert [m["relationship"] for m in doc["members"]] == ["head", "spouse", "child", "child"]
    assert doc["household"]["income_wages"] == 12_000_000 and doc["household"]["income_agriculture"] == 6_000_000
    assert doc["household"]["wall_durable"] == "yes" and doc["household"]["info_devices"] == ["none"]
    print(f"keystrokes: {k.count}")
