"""Answer widgets, keyboard-first: a choice by its number or first letters (diacritics optional), dates typed as
dd/mm/yyyy and stored ISO, Vietnamese thousands separators in amounts, boxes ticked by number."""

from __future__ import annotations

import openpyxl
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from fieldsurvey.formengine.loader import load_form
from fieldsurvey.formengine.session import FormSession
from fieldsurvey.gui.form_view import QuestionnaireView
from fieldsurvey.gui.widgets import ChoiceCombo, FileAnswer, MultiAnswer, TextAnswer
from tests.gui.keys import press, type_text

YES_NO = [("yes", "Có"), ("no", "Không")]
LEVELS = [(f"l{i}", f"Mức {i}") for i in range(1, 13)]


def test_a_choice_by_its_first_letters_without_diacritics(qtbot):
    combo = ChoiceCombo()
    qtbot.addWidget(combo)
    combo.set_choices(YES_NO)
    got = []
    combo.answered.connect(got.append)
    type_text(combo, "kh")
    assert got[-1] == "no" and combo.currentText() == "2. Không"
    assert combo._reset.isActive()
    combo._reset.stop()
    combo._reset.timeout.emit()  # the pause after which the typed letters are forgotten
    type_text(combo, "c")
    assert got[-1] == "yes"


def test_a_choice_by_a_two_digit_number_and_delete_clears_it(qtbot):
    combo = ChoiceCombo()
    qtbot.addWidget(combo)
    combo.set_choices(LEVELS)
    got = []
    combo.answered.connect(got.append)
    type_text(combo, "1")
    type_text(combo, "1")
    assert got[-1] == "l11"
    combo.show()
    press(combo, Qt.Key_Delete)
    assert got[-1] is None and combo.currentIndex() == 0


def test_dates_and_amounts_as_typed_in_vietnam(qtbot):
    date = TextAnswer("date")
    amount = TextAnswer("integer")
    for w in (date, amount):
        qtbot.addWidget(w)
    assert date.to_value("06/12/1978") == "1978-12-06"
    assert date.to_value("31/02/2020") == "31/02/2020"      # not a date: kept as typed, the form says so
    assert amount.to_value("1.500.000") == 1_500_000
    date.set_value("2026-11-23")
    assert date.text() == "23/11/2026"


def test_boxes_ticked_by_number(qtbot):
    boxes = MultiAnswer()
    qtbot.addWidget(boxes)
    boxes.set_choices([("tv", "Ti vi"), ("radio", "Radio"), ("none", "Không có")])
    got = []
    boxes.answered.connect(got.append)
    type_text(boxes.boxes[0], "1")
    type_text(boxes.boxes[0], "2")
    assert got[-1] == ["tv", "radio"]
    type_text(boxes.boxes[0], "1")
    assert got[-1] == ["radio"]


def test_a_photo_is_a_file_picked_with_f4_or_typed_and_the_form_keeps_its_name(qtbot, tmp_path, monkeypatch):
    """image/audio/video/file questions (issue 18): a file picker beside a box for the file's name."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in [["type", "name", "label", "required"], ["begin group", "house", "House", None],
                ["image", "photo", "Photo of the house", "yes"], ["audio", "voice", "Voice note", None],
                ["end group", None, None, None]]:
        ws.append(row)
    wb.save(tmp_path / "f.xlsx")
    session = FormSession(load_form(tmp_path / "f.xlsx"), {})
    view = QuestionnaireView()
    qtbot.addWidget(view)
    view.answer_given.connect(lambda name, value, member: (session.set_answer(name, value, member), view.refresh()))
    view.load(session, "A house")
    photo = view.findChild(FileAnswer, "q_photo")
    assert photo is not None and photo.kind == "image" and view.findChild(FileAnswer, "q_voice").kind == "audio"
    asked = []

    def chosen(parent, title, folder, filters, **_options):
        asked.append((title, filters))
        return str(tmp_path / "nhà số 7.jpg"), filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(chosen))
    def key(k):
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(photo.edit, QKeyEvent(kind, k, Qt.NoModifier))

    key(Qt.Key_F4)
    assert session.value("photo") == "nhà số 7.jpg" and session.state("photo").status == "ok"
    assert asked and asked[0][1].startswith("image (*.jpg")
    photo.edit.clear()
    type_text(photo.edit, "roof.png")
    assert session.value("photo") == "roof.png"
    photo.edit.selectAll()
    key(Qt.Key_Delete)
    assert session.value("photo") is None and session.state("photo").status == "required"
    photo.button.click()
    assert session.value("photo") == "nhà số 7.jpg" and photo.edit.text() == "nhà số 7.jpg"


def test_an_amount_asked_as_a_decimal_is_typed_grouped_beyond_two_billion(qtbot):
    """Form 2026.2 asks money amounts as decimals (ODK's integer stops at 2,147,483,647): the box still groups the
    đồng (3.000.000.000) and takes 3 billion typed; a plain integer box takes ODK's whole 32-bit range."""
    from fieldsurvey.formengine.loader import find_form
    from fieldsurvey.gui.form_view import widget_for

    amount = widget_for(find_form("vn-review-2022", "2026.2").by_name["income_wages"])
    plain = TextAnswer("integer")
    for w in (amount, plain):
        qtbot.addWidget(w)
    got = []
    amount.answered.connect(got.append)
    type_text(amount, "3000000000")
    assert got[-1] == 3_000_000_000 and isinstance(got[-1], int)
    assert amount.to_value("3.000.000.000") == 3_000_000_000
    amount.set_value(3_000_000_000.0)
    assert amount.text() == "3.000.000.000"
    assert plain.validator().top() == 2**31 - 1 and plain.validator().bottom() == -2**31


def test_a_ranking_is_put_in_order_with_the_keyboard(qtbot, tmp_path):
    """rank LIST (issue 18): every choice listed, the highlighted one moved with Ctrl+Up/Down, Space takes the order
    as it stands, Delete clears it, Enter moves on — through the questionnaire view, keys only."""
    from fieldsurvey.gui.widgets import RankAnswer
    from tests.gui.keys import press

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for row in [["type", "name", "label", "required"], ["begin group", "farm", "Farm", None],
                ["text", "crop_note", "Main field", None], ["rank crops", "crops", "Crops by income", "yes"],
                ["integer", "plots", "Plots", None], ["end group", None, None, None]]:
        ws.append(row)
    choices = wb.create_sheet("choices")
    for row in [["list_name", "name", "label"], ["crops", "rice", "Lúa"], ["crops", "maize", "Ngô"],
                ["crops", "cassava", "Sắn"]]:
        choices.append(row)
    wb.save(tmp_path / "f.xlsx")
    session = FormSession(load_form(tmp_path / "f.xlsx"), {})
    view = QuestionnaireView()
    qtbot.addWidget(view)
    view.answer_given.connect(lambda name, value, member: (session.set_answer(name, value, member), view.refresh()))
    view.load(session, "A farm")
    view.show()
    rank = view.findChild(RankAnswer, "q_crops")
    assert rank is not None
    assert [rank.item(i).text() for i in range(rank.count())] == ["1. Lúa", "2. Ngô", "3. Sắn"]
    assert session.state("crops").status == "required"
    note = view.findChild(TextAnswer, "q_crop_note")
    qtbot.waitUntil(lambda: note.hasFocus(), timeout=3000)
    press(note, Qt.Key_Tab)
    assert rank.hasFocus()
    press(rank, Qt.Key_Down)                                   # the highlight on Ngô
    press(rank, Qt.Key_Up, Qt.ControlModifier)                 # Ngô first
    assert session.value("crops") == ["maize", "rice", "cassava"] and session.state("crops").status == "ok"
    assert [rank.item(i).text() for i in range(rank.count())] == ["1. Ngô", "2. Lúa", "3. Sắn"]
    press(rank, Qt.Key_Down)
    press(rank, Qt.Key_Down, Qt.ControlModifier)               # Lúa last
    assert session.value("crops") == ["maize", "cassava", "rice"]
    press(rank, Qt.Key_Delete)
    assert session.value("crops") is None and session.state("crops").status == "required"
    press(rank, Qt.Key_Space)                                  # the order as it stands: the form's
    assert session.value("crops") == ["rice", "maize", "cassava"]
    press(rank, Qt.Key_Return)
    assert view.findChild(TextAnswer, "q_plots").hasFocus()
