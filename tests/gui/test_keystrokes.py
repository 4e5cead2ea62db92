"""A fixed 4-member household typed with the keyboard alone, keystrokes counted: the head, the spouse and two
school-age children; every indicator answered, one of them deprived (no information device); the income by the
direct route from two sources (wages, farming). At most 200 keystrokes and not one mouse event, through the real
window and its widgets (QTest's key clicks)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication

from fieldsurvey.gui.app import make_window
from fieldsurvey.services import workspaces
from fieldsurvey.storage.workspace import Workspace
from tests.gui.keys import ADULT, PUPIL, Keyboard, type_household

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
        type_household(k, "1", "Hoàng Văn Dũng", [(None, "1", "1978", None, ADULT),   # the head: named, related
                                                  ("Nông Thị Thắm", "2", "1980", "2", ADULT),
                                                  ("Hoàng Văn Đức", "1", "2014", "3", PUPIL),
                                                  ("Hoàng Thị Én", "2", "2017", "3", PUPIL)], "12000000")
        form = window.form_view
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
