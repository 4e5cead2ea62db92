"""Every view in Vietnamese, at 1366×768: no English on screen (a catalogue key shown as such, an English text of
the catalogues, Qt's own buttons), no wrapped label shorter than its text needs (the tops of diacritics cut), and
the window no larger than the screen — at the app's text size and at its largest."""

from __future__ import annotations

import json
import re

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QComboBox, QLabel,
                               QMessageBox, QTableView, QTabWidget, QWidget)

from fieldsurvey.paths import resource

KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+){1,}$")
QT_ENGLISH = {"OK", "&OK", "Cancel", "&Cancel", "&Yes", "Yes", "&No", "No", "Close", "&Close", "Apply", "Save",
              "&Save", "Open", "&Open", "Help", "Reset", "Discard", "Abort", "Retry", "Ignore"}


@pytest.fixture(autouse=True)
def qt_strings_missed():
    """Every string Qt asked the app's translator for and did not get in Vietnamese: shown, it is English."""
    from fieldsurvey.gui import look

    look.MISSED.clear()
    return look.MISSED


def english_texts() -> set[str]:
    """The catalogues' English texts that differ from their Vietnamese ones (a shown one is English on screen)."""
    out: set[str] = set()
    for name in ("gui", "forms", "storage", "reports", "sync", "standards"):
        vi = json.loads(resource("i18n", "vi", f"{name}.json").read_text(encoding="utf-8"))
        en = json.loads(resource("i18n", "en", f"{name}.json").read_text(encoding="utf-8"))
        out.update(v.replace("&", "") for k, v in en.items() if vi.get(k) != v and len(v) > 3 and "{" not in v)
    return out


def shown_texts(root: QWidget) -> list[tuple[str, QWidget]]:
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        if isinstance(w, QLabel):
            out.append((w.text(), w))
        elif isinstance(w, QAbstractButton):
            out.append((w.text(), w))
        elif isinstance(w, QComboBox):
            out.extend((w.itemText(i), w) for i in range(w.count()))
        elif isinstance(w, QTabWidget):
            out.extend((w.tabText(i), w) for i in range(w.count()))
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            out.extend((text, w) for text in cells(w))
        if w.isWindow():
            out.append((w.windowTitle(), w))
    return [(t, w) for t, w in out if t]


def cells(view: QAbstractItemView, rows: int = 40) -> list[str]:
    """What a table or list shows: its headings and the cells of its first rows."""
    model = view.model()
    out = []
    root = QModelIndex()
    columns = model.columnCount(root) if isinstance(view, QTableView) else 1
    for orientation, n in ((Qt.Horizontal, columns), (Qt.Vertical, model.rowCount(root))):
        if not isinstance(view, QTableView):
            continue
        if isinstance(view, QTableView) and (view.horizontalHeader() if orientation == Qt.Horizontal
                                             else view.verticalHeader()).isHidden():
            continue
        out += [str(model.headerData(i, orientation, Qt.DisplayRole) or "") for i in range(min(n, rows))]
    for r in range(min(model.rowCount(root), rows)):
        for c in range(columns):
            value = model.index(r, c).data(Qt.DisplayRole)
            if value not in (None, ""):
                out.append(str(value))
    return [t for t in out if t]


ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")                  # a date as the machine writes it
BARE_AMOUNT = re.compile(r"(?<![\w.,/(-])\d{5,8}(?![\w.,/)-])")   # 12000000: no separators, no unit (a code
                                                                    # in brackets, a commune's (02266), is a code)
FIELD_PATH = re.compile(r"\b(household|location|members\[[^\]]*\])\.[a-z_]+")   # household.floor_area
# a bundle's or a household's short id, 8 hex digits (at times all of them 0–9): an id, not an amount
SHORT_ID = re.compile(r"\b(gói|bundle|mã|id) [0-9a-f]{8}\b")
FINGERPRINT = re.compile(r"(\d{5} ){7}\d{5}")   # a key's spoken fingerprint: 8 groups of 5 digits, read aloud
LOGIN_ID = re.compile(r"^(?!dev-)[a-z]+(-[a-z0-9]+)+$")   # hoang-thi-hoa, giam-sat-demo (a device id
                                                                      # is a device's, not a person's)


def qt_missed() -> set[str]:
    from fieldsurvey.gui import look

    return look.MISSED


def problems(root: QWidget, english: set[str]) -> list[str]:
    found = []
    for text, w in shown_texts(root):
        plain = re.sub(r"<[^>]+>", "", text).replace("&", "").strip()
        where = f"({type(w).__name__} {w.objectName()})"
        if KEY.match(plain):
            found.append(f"catalogue key shown: {plain} {where}")
        elif text in QT_ENGLISH or plain in english or text in qt_missed():
            found.append(f"English: {plain!r} {where}")
        elif FIELD_PATH.search(plain):
            found.append(f"field path where the form's label belongs: {plain[:60]!r} {where}")
        elif ISO_DAY.search(plain):
            found.append(f"date not dd/mm/yyyy: {plain[:60]!r} {where}")
        elif BARE_AMOUNT.search(SHORT_ID.sub("", FINGERPRINT.sub("", plain))) \
                and not re.fullmatch(r"[0-9a-f]{8}|dev-[0-9a-f]{12}", plain):
            found.append(f"number without separators: {plain[:60]!r} {where}")
        elif LOGIN_ID.match(plain):
            found.append(f"login id where a name belongs: {plain!r} {where}")
    for label in root.findChildren(QLabel):
        if label.isVisible() and label.wordWrap() and label.text() and label.width() > 0:
            need = label.heightForWidth(label.width())
            if need > label.height() + 1:
                found.append(f"cut: {label.objectName() or label.text()[:40]!r} {label.height()} < {need}")
    for w in root.findChildren(QWidget):   # a button or a one-line label narrower or lower than its text
        if not w.isVisible() or not isinstance(w, (QAbstractButton, QLabel)) or not w.text():
            continue
        if isinstance(w, QLabel) and (w.wordWrap() or w.textFormat() == Qt.RichText or "<" in w.text()):
            continue
        hint = w.sizeHint()
        if hint.width() > w.width() + 2 or w.fontMetrics().height() > w.height() + 1:
            found.append(f"cut: {type(w).__name__} {w.objectName()} {w.text()[:40]!r} {w.size().toTuple()} < "
                         f"{hint.toTuple()}")
    return found


def upgrade_dialog(folder, parent: QWidget, one: bool = False) -> QWidget:
    """The question asked before households move to the newest version of their form, on a workspace filled with
    2026.1: how many, to which version, one household that cannot move and why, the reason an approved one needs
    (or, for one household, its head named)."""
    from fieldsurvey.gui.dialogs.form_upgrade import UpgradeDialog
    from fieldsurvey.services import form_upgrade
    from fieldsurvey.storage.workspace import Workspace
    from tests.gui.test_form_upgrade import copied

    path = folder / "older.fsdb"
    if not path.exists():
        copied(folder, "0004_residents.fsdb").rename(path)
    with Workspace.open(path) as ws:
        ws.backups = False
        uuids = [u for u, _ in ws.iter_documents()]
        doc = ws.get_household(uuids[0])
        if doc["household"].get("latrine") != "bucket":
            doc["household"]["latrine"] = "bucket"   # a code the form does not offer: it cannot move
            ws.update_household(doc)
        plan = form_upgrade.plan(ws, uuids[1:2] if one else None)
        head = ws.db.execute("SELECT head_name FROM households WHERE uuid = ?", [uuids[1]]).fetchone()[0]
    return UpgradeDialog(plan, parent, head if one else None)


def settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


def walk_province(window, english: set[str]) -> dict[str, list[str]]:
    """The province's view page by page — every tab, and in the tables' tab every table by commune, a per-class one
    for each class — with what `problems` finds on each, and the view wider than the window (scrolled sideways:
    its right side out of sight) said as a problem too."""
    view = window.province_view
    found: dict[str, list[str]] = {}

    def look(name: str) -> None:
        settle()
        found[name] = problems(window, english)
        bar = window.scroller.horizontalScrollBar()
        if bar.maximum() > 0:
            found[name].append(f"wider than the window by {bar.maximum()} px")

    for i in range(view.tabs.count()):
        view.tabs.setCurrentIndex(i)
        if view.tabs.widget(i).isAncestorOf(view.stack):
            for key, button in view.table_buttons.items():
                button.click()
                classes = [b for b in view.class_buttons.values() if b.isVisible()]
                for b in classes or [None]:
                    if b is not None:
                        b.click()
                    look(f"{view.tabs.tabText(i)}: {button.text()}" + (f" · {b.text()}" if b else ""))
        else:
            look(view.tabs.tabText(i))
    return found


@pytest.mark.parametrize("size", [10, 20], ids=["text-10pt", "text-20pt"])
def test_every_view_in_vietnamese_shows_no_english_and_nothing_cut(window, workspace_file, qtbot, size):
    english = english_texts()
    window.text_size(size - QApplication.font().pointSize())
    window.resize(1366, 768)
    window.open_workspace(workspace_file)
    window.resize(1366, 768)
    found: dict[str, list[str]] = {}

    def look(name: str, root: QWidget | None = None) -> None:
        settle()
        found[name] = problems(root or window, english)

    window.show_view("start")
    look("start")
    from fieldsurvey.gui.setup_view import SetupDialog
    setup = SetupDialog(workspace_file.parent, window)
    setup.show()
    setup.search("lam binh")
    look("setup", setup)
    setup.close()
    window.show_view("list")
    window.list_view.table.selectRow(0)
    look("list")
    window.open_household(window.model.row(0).uuid)
    form = window.form_view
    for row in range(form.pages.count()):
        form._go(row)
        look(f"form:{row}")
    window.show_view("dashboard")
    window.dashboard.load(wait=True)
    look("dashboard")
    window.show_view("review")
    for i in range(window.review.tabs.count()):
        window.review.tabs.setCurrentIndex(i)
        look(f"review:{i}")
    dialog = window.household_actions.show_history(window.model.row(0).uuid)
    look("history", dialog)
    dialog.close()
    window.workspace_actions.show_villages()
    look("villages", window.workspace_actions.villages_dialog)
    window.workspace_actions.villages_dialog.close()
    official = window.print_actions.issue_official()
    if official is not None:
        look("official", official)
        official.close()
    issued = window.print_actions.show_issued()
    look("issued", issued)
    issued.close()
    from fieldsurvey.gui.dialogs.printed import PrintedDialog
    printed = PrintedDialog(workspace_file.with_suffix(".pdf"), window)
    printed.show()
    look("printed", printed)
    printed.close()
    from fieldsurvey.gui.dialogs.comment import CommentDialog
    from fieldsurvey.gui.dialogs.reason import reason_dialog
    from fieldsurvey.gui.texts import tr
    approval = window.review.approval
    approval.table.selectRow(0)
    heads = approval.heads(approval.selected())
    for name, dialog in (("return", CommentDialog(tr("gui.review.return_title", n=1), tr("gui.review.return_prompt")
                                                  + "\n" + tr("gui.review.return_who", heads=heads), True, None,
                                                  window)),
                         ("reassign", CommentDialog(tr("gui.review.reassign_title", n=1),
                                                    tr("gui.review.reassign_prompt"), False,
                                                    [(n, n) for n in ("Hoàng Thị Hoa", "Lò Văn Pả")], window)),
                         ("reason", reason_dialog(window)),
                         ("form upgrade", upgrade_dialog(workspace_file.parent, window)),
                         ("form upgrade, one", upgrade_dialog(workspace_file.parent, window, one=True))):
        dialog.show()
        look(name, dialog)
        dialog.close()
    from PySide6.QtWidgets import QFileDialog

    from fieldsurvey.gui.look import file_dialog_options
    for mode in ("open", "save", "folder"):   # Qt's own file dialogs, as the app opens them
        files = QFileDialog(window, "?", str(workspace_file.parent))
        files.setOptions(file_dialog_options())
        if mode == "save":
            files.setAcceptMode(QFileDialog.AcceptSave)
        elif mode == "folder":
            files.setFileMode(QFileDialog.Directory)
        files.show()
        look(f"file dialog: {mode}", files)
        files.close()
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    from PySide6.QtWidgets import QPushButton

    printer = QPrinter()
    printing = QPrintDialog(printer, window)   # the system's print dialog after a printout: Qt's own on Linux
    printing.show()
    settle()
    for more in printing.findChildren(QPushButton):   # its options too
        if more.isVisible() and ">>" in more.text():
            more.click()
    look("print dialog", printing)
    printing.close()
    box = QMessageBox(QMessageBox.Question, "?", "?", QMessageBox.Yes | QMessageBox.No | QMessageBox.Ok
                      | QMessageBox.Cancel, window)
    box.show()
    look("standard buttons", box)
    box.close()
    assert "\n".join(f"{k}: {p}" for k, v in found.items() for p in v) == ""
    hint = window.minimumSizeHint()    # the window fits a 1366×768 screen (its layout can be as small as that)
    assert hint.width() <= 1366 and hint.height() <= 768 - 40, hint


def test_qts_own_texts_not_in_the_catalogue_stay_qts_in_either_language(window):
    """The app's translator gives Qt's strings it has; every other one stays Qt's own, never blank — OK in
    English, and a file dialog's text the catalogue lacks, with its %1 filled (a blank translation once emptied
    them and made Qt warn 'QString::arg: Argument missing')."""
    from PySide6.QtCore import QCoreApplication

    from fieldsurvey.gui.texts import language

    unknown = "No catalogue has this text %1"
    assert QCoreApplication.translate("QFileDialog", unknown) == unknown
    language.set("en")
    assert QCoreApplication.translate("QPlatformTheme", "OK") == "OK"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
    box = QMessageBox(QMessageBox.Icon.Question, "t", "q", QMessageBox.StandardButton.Ok)
    assert box.button(QMessageBox.StandardButton.Ok).text().replace("&", "") == "OK"
    language.set("vi")
    assert QCoreApplication.translate("QPlatformTheme", "OK") != "OK"


@pytest.mark.parametrize("size", [10, 20], ids=["text-10pt", "text-20pt"])
def test_the_review_loop_in_vietnamese_shows_no_english_no_login_id_and_nothing_cut(window, tmp_path, qtbot, size):
    """The views real bundles fill: the supervisor's conflict rows, likely duplicates and a household's history;
    the enumerator's import summary, to-do rows and the "checked, no change" question — every cell in Vietnamese,
    people by name, dates dd/mm/yyyy."""
    from fieldsurvey.gui.dialogs.comment import CommentDialog
    from fieldsurvey.gui.texts import tr
    from fieldsurvey.services import review as rv
    from fieldsurvey.services import sync as svc
    from fieldsurvey.storage.workspace import Workspace
    from tests.sync.conftest import Site

    site = Site(tmp_path)
    for path, user, name in ((site.sup, "thu", "Trần Thị Thu"), (site.lan, "lan", "Lò Thị Lan")):
        with Workspace.open(path) as ws:
            ws.set_meta("name", name)
    a1 = site.add(site.lan, "lan", "Lò Văn Pả")
    site.add(site.lan, "lan", "Nguyễn Văn Ánh")
    site.add(site.hoa, "hoa", "nguyen van anh")
    site.send(site.lan, site.sup)
    site.send(site.hoa, site.sup)
    site.edit(site.sup, a1, lambda d: d["household"].update(floor_area=30))
    site.edit(site.lan, a1, lambda d: d["household"].update(floor_area=44, latrine="none"))
    site.add(site.lan, "lan", "Ma Thị Lan", floor_area=2000)   # held for the supervisor, said in the summary
    hand_in = svc.export_bundle(site.lan, site.stick).path

    english = english_texts()
    window.text_size(size - QApplication.font().pointSize())
    window.resize(1366, 768)
    found: dict[str, list[str]] = {}

    def look(name: str, root: QWidget | None = None) -> None:
        settle()
        found[name] = problems(root or window, english)

    window.open_workspace(site.sup)
    window.resize(1366, 768)
    with qtbot.waitSignal(window.sync_actions.import_bundles([hand_in]).done, timeout=20000):
        pass
    summary = window.sync_actions.summary
    assert "Ma Thị Lan (Thôn 1)" in summary.text() and "Diện tích ở (m²): 2000" in summary.text(), summary.text()
    look("supervisor's import summary", summary)
    summary.hide()
    window.show_view("review")
    for i in range(window.review.tabs.count()):
        window.review.tabs.setCurrentIndex(i)
        look(f"review:{i}")
    history = window.household_actions.show_history(a1)
    look("history", history)
    history.close()
    # the supervisor returns another household; the enumerator imports the return bundle
    b = site.add(site.sup, "lan", "Hà Thị Mai")
    with Workspace.open(site.sup) as ws:
        rv.decide(ws, [b], "return", "Thiếu diện tích nhà ở")
    back = svc.export_bundle(site.sup, site.stick, to="lan").path
    window.open_workspace(site.lan)
    window.resize(1366, 768)
    with qtbot.waitSignal(window.sync_actions.import_bundles([back]).done, timeout=20000):
        pass
    summary = window.sync_actions.summary
    look("import summary", summary)
    summary.hide()
    window.show_view("todo")
    look("todo")
    confirm = CommentDialog(tr("gui.confirm.title"), tr("gui.confirm.prompt", head="Hà Thị Mai"), False, None,
                            window, ok_text=tr("gui.confirm.ok"))
    confirm.show()
    look("checked, no change", confirm)
    confirm.close()
    assert "\n".join(f"{k}: {p}" for k, v in found.items() for p in v) == ""


@pytest.mark.parametrize("size", [10, 20], ids=["text-10pt", "text-20pt"])
def test_the_key_and_passphrase_dialogs_in_vietnamese_show_no_english_and_nothing_cut(window, tmp_path, qtbot, size,
                                                                                       monkeypatch):
    """The dialogs of the keys and of encryption, as the supervisor and the enumerator meet them: making a starter
    package, the enumerator's first run from it (the supervisor's fingerprint to compare), the enumerator's own
    fingerprint, the passphrase asked on opening and its reset with the recovery key (the supervisor named), and the
    recovery key shown once — in Vietnamese, nothing cut, at the usual and the largest text size."""
    from fieldsurvey.gui.dialogs.passphrase import PassphraseDialog, ResetPassphraseDialog, show_recovery_key
    from fieldsurvey.services import encryption
    from fieldsurvey.services import starter as starters
    from fieldsurvey.services import sync as svc
    from fieldsurvey.storage import encryption as keys_at_rest

    monkeypatch.setattr(keys_at_rest, "COST", keys_at_rest.Cost(n=2 ** 10))
    english = english_texts()
    window.text_size(size - QApplication.font().pointSize())
    sup = tmp_path / "thu" / "commune.fsdb"
    sup.parent.mkdir()
    svc.init_workspace(sup, "thu", "supervisor", "02266", villages=4, device="dev-thu")
    window.open_workspace(sup)
    window.resize(1366, 768)
    found: dict[str, list[str]] = {}

    def look(name: str, root: QWidget) -> None:
        settle()
        found[name] = problems(root, english)
        assert root.width() <= 1366 and root.height() <= 768, (name, root.size().toTuple())

    make = window.starter_actions.make_starter()
    make.name.setText("Lò Thị Lan")
    look("make starter", make)
    make.close()
    package = starters.make_starter(sup, tmp_path, "Lò Thị Lan").path
    mine = window.sync_actions.show_my_fingerprint()
    look("my fingerprint", mine)
    mine.close()
    window.workspace.close()
    opening = window.starter_actions.open_starter(package)
    look("open starter", opening)
    fingerprint = opening.fingerprint_text
    opening.close()

    lan = tmp_path / "lan" / "lan.fsdb"
    with encryption.new_encrypted(lan, "mật khẩu của Lan"):
        starters.create_from_starter(package, lan, fingerprint)
    encryption.forget_keys()
    asked = PassphraseDialog(lan, window)
    asked.show()
    look("passphrase", asked)
    asked.close()
    reset = ResetPassphraseDialog(lan, window)
    reset.show()
    look("reset passphrase", reset)
    assert "thu" in reset.supervisor.text() or "Thu" in reset.supervisor.text()   # whom to ask, named
    reset.close()
    shown = show_recovery_key(lan, "000011-000022-000033-000044-000055-000066-000077-000088", window)
    shown.show()
    look("recovery key", shown)
    shown.close()
    assert {k: v for k, v in found.items() if v} == {}
