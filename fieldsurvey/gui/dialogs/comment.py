"""A comment or reason asked before a decision (a return, a reassignment, a household moved away or back, a
returned household checked with no change), and the plain yes / no question asked before a merge."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QLabel, QMessageBox, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from fieldsurvey.gui.texts import tr
from fieldsurvey.gui.widgets import FitLabel


class CommentDialog(QDialog):
    """A comment, required or not (an empty required one is refused with `required_key`'s message and the dialog
    stays open), and for a reassignment the enumerator who takes the households over."""

    def __init__(self, title: str, prompt: str, required: bool, enumerators: list[tuple[str, str]] | None = None,
                 parent: QWidget | None = None, required_key: str = "gui.review.comment_required",
                 ok_text: str | None = None):
        super().__init__(parent)
        self.setObjectName("commentDialog")
        self.setWindowTitle(title)
        self.required = required
        self.required_key = required_key
        lay = QVBoxLayout(self)
        self.who = None
        if enumerators is not None:
            lay.addWidget(QLabel(tr("gui.review.reassign_to")))
            self.who = QComboBox(objectName="enumeratorChoice")
            self.who.setEditable(True)  # an enumerator whose key is not trusted yet can be typed
            for name, user in enumerators:   # shown by name; the login id is what is stored
                self.who.addItem(name, user)
            lay.addWidget(self.who)
        self.prompt = FitLabel(prompt, objectName="commentPrompt")   # as tall as its lines, at any text size
        lay.addWidget(self.prompt)
        self.comment = QPlainTextEdit(objectName="commentText")
        self.comment.setTabChangesFocus(True)
        lay.addWidget(self.comment)
        self.error = QLabel(objectName="commentError")
        self.error.setStyleSheet("color:#842029")
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(ok_text or tr("gui.review.ok"))
        buttons.button(QDialogButtonBox.Cancel).setText(tr("gui.cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        lay.addWidget(buttons)
        self.resize(max(460, self.sizeHint().width()), max(260, self.sizeHint().height()))

    def text(self) -> str:
        return self.comment.toPlainText().strip()

    def owner(self) -> str:
        """The enumerator picked (their login id), or the id typed for one not listed."""
        if self.who is None:
            return ""
        text = self.who.currentText().strip()
        index = self.who.findText(text)
        return str(self.who.itemData(index)) if index >= 0 else text

    def accept(self) -> None:
        if self.who is not None and not self.owner():
            self.error.setText(tr("gui.review.owner_required"))
            self.error.show()
            return
        if self.required and not self.text():
            self.error.setText(tr(self.required_key))
            self.error.show()
            self.comment.setFocus()
            return
        super().accept()


def ask_comment(parent: QWidget, title: str, prompt: str, required: bool, **options) -> str | None:
    """The comment typed (possibly empty when not required), or None when the user cancelled."""
    dialog = CommentDialog(title, prompt, required, parent=parent, **options)
    return dialog.text() if dialog.exec() == QDialog.Accepted else None


def ask_yes(parent: QWidget, title: str, text: str) -> bool:
    """A yes / no question, "No" by default."""
    box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.Yes | QMessageBox.No, parent)
    box.setObjectName("confirmBox")
    box.setDefaultButton(QMessageBox.No)
    return box.exec() == QMessageBox.Yes
