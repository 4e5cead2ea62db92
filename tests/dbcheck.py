"""What the fault tests check after every attack: the file's own integrity, and a command that ends without a
traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from fieldsurvey.cli import main


def integrity(path: Path) -> list[str]:
    """SQLite's integrity_check of a plain workspace file, read-only (["ok"] when whole)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def cli(*args: str, lang: str = "en"):
    """Run a command in `lang`; it may fail, but with a message, never a traceback."""
    result = CliRunner(env={"FIELDSURVEY_LANG": lang}).invoke(main, list(args))
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit))
    return result
