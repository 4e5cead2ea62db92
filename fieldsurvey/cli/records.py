"""Commands for workspace care: backup, restore, check, carry-forward. Imported by fieldsurvey.cli; registers on `main`."""

from __future__ import annotations

from fieldsurvey.cli import main  # noqa: F401
