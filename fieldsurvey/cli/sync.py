"""Commands for sync bundles and keys: export, import, keys. Imported by fieldsurvey.cli; registers on `main`."""

from __future__ import annotations

from fieldsurvey.cli import main  # noqa: F401
