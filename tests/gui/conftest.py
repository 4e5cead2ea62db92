"""Fixtures for the desktop app's tests: a small real workspace file, QSettings in tmp_path, the window."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fieldsurvey.progress import run_to_end


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> Path:
    """A 60-household synthetic commune (built once; each test gets its own copy)."""
    from fieldsurvey.services.workspaces import create_demo

    path = tmp_path_factory.mktemp("demo") / "demo.fsdb"
    run_to_end(create_demo(path, 60, seed=3))
    return path


@pytest.fixture
def workspace_file(demo_file, tmp_path) -> Path:
    path = tmp_path / "commune.fsdb"
    shutil.copy(demo_file, path)
    return path


@pytest.fixture
def unentered_file(workspace_file) -> Path:
    """The demo commune before the supervisor entered any village's resident households (nor, of them, the
    ethnic-minority ones)."""
    from fieldsurvey.services import workspaces

    with workspaces.opened(workspace_file) as ws:
        for name in workspaces.village_names_of(ws):
            workspaces.set_residents(ws, name, None, minority=None)
    return workspace_file


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path, monkeypatch):
    """Logs, the demo commune and settings go under tmp_path, never the user's home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("FIELDSURVEY_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))             # Documents and the like: never the user's
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)


@pytest.fixture(autouse=True)
def _vietnamese_again():
    """Every test starts in Vietnamese (the language is app-wide state)."""
    from fieldsurvey.gui.texts import language

    language.set("vi")
    yield
    language.set("vi")


@pytest.fixture
def store(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def window(qtbot, store):
    from fieldsurvey.gui.app import make_window

    _app, win = make_window("vi", store, hooks=False)
    qtbot.addWidget(win)
    yield win
    win.workspace.close()
