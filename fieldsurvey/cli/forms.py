"""Commands for questionnaires: form validate, form import/export (XLSForm .xlsx). Imported by fieldsurvey.cli; registers on `main`."""

from __future__ import annotations

from fieldsurvey.cli import main  # noqa: F401
