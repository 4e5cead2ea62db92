"""The start page: set up from the supervisor's starter package, a new workspace, open one, the demo commune, the
recent workspaces."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from fieldsurvey.gui.texts import tr


class StartPage(QWidget):
    recent_chosen = Signal(Path)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("startPage")
        lay = QVBoxLayout(self)
        self.heading = QLabel()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.new_button = QPushButton(objectName="newWorkspace")
        self.open_button = QPushButton(objectName="openWorkspace")
        self.starter_button = QPushButton(objectName="openStarter")
        self.demo_button = QPushButton(objectName="openDemo")
        self.recent_label = QLabel()
        self.recent = QListWidget(objectName="recentList")
        for w in (self.heading, self.intro, self.starter_button, self.new_button, self.open_button, self.demo_button,
                  self.recent_label):
            lay.addWidget(w)
        lay.addWidget(self.recent, 1)
        self.recent.itemActivated.connect(lambda item: self.recent_chosen.emit(Path(item.data(Qt.UserRole))))

    def retranslate(self, _language: str = "") -> None:
        self.heading.setText(f"<h2>{tr('gui.app.title')}</h2>")
        self.intro.setText(tr("gui.start.intro"))
        self.new_button.setText(tr("gui.start.new") + " (Ctrl+Shift+N)")
        self.open_button.setText(tr("gui.start.open") + " (Ctrl+O)")
        self.demo_button.setText(tr("gui.start.demo"))
        self.starter_button.setText(tr("gui.start.starter"))
        self.recent_label.setText(f"<b>{tr('gui.start.recent')}</b>")

    def show_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(p)
            item.setData(Qt.UserRole, p)
            self.recent.addItem(item)
