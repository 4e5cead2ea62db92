"""Where the installed data lives: forms/ and resources/ are installed as fieldsurvey.forms and
fieldsurvey.resources (see pyproject.toml), in a plain and in an editable install alike."""

from __future__ import annotations

from pathlib import Path

import fieldsurvey.forms
import fieldsurvey.resources


def resources_dir() -> Path:
    return Path(fieldsurvey.resources.__file__).parent


def forms_dir() -> Path:
    return Path(fieldsurvey.forms.__file__).parent


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
