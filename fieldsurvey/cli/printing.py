"""Commands for printing and Excel: print sheets|lists|certificates|summary, export-xlsx. Imported by fieldsurvey.cli; registers on `main`."""

from __future__ import annotations

from fieldsurvey.cli import main  # noqa: F401
