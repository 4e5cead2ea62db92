"""A read query the desktop app's dashboard needs that storage/queries.py does not offer (yet): households per
village and status. Kept apart from queries.py (the storage area's) so the two never collide; docs/gui.md."""

from __future__ import annotations

import sqlite_utils


def progress_by_village(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """village → status → households ('' for households with no village)."""
    from fieldsurvey.storage.queries import statuses_by

    return statuses_by(db, "village")
