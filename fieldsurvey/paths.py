"""Where the data lives. forms/ and resources/ sit at the top of the repository and are installed inside the
package as fieldsurvey/forms and fieldsurvey/resources (see pyproject.toml): a plain install finds them beside this
file, a source checkout or an editable install one level up."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def _locate(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if (candidate / "__init__.py").is_file():
            return candidate
    raise FileNotFoundError(f"the '{name}' folder is missing from this installation of FieldSurvey")


def resources_dir() -> Path:
    return _locate("resources")


def forms_dir() -> Path:
    return _locate("forms")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
