"""Times, ids and hashes stamped on what a workspace stores."""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

# No FieldSurvey ran before this day: a clock that shows an earlier date is wrong (a flat clock battery).
EARLIEST = datetime(2025, 1, 1, tzinfo=timezone.utc)
SKEW = timedelta(days=1)   # a time on record further after "now" than this: the clock went back


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def now_ms() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def doc_hash(document_json: str) -> str:
    """The hash a sealed revision keeps of its document's stored JSON text."""
    return hashlib.sha256(document_json.encode("utf-8")).hexdigest()


def new_revision_id(device: str) -> str:
    return f"{device}.{uuidlib.uuid4().hex[:16]}"


def new_device_id() -> str:
    return f"dev-{uuidlib.uuid4().hex[:12]}"


def stamped_off(stamp: str | None, now: datetime | None = None) -> datetime | None:
    """The time `stamp` gives (ISO text, e.g. a bundle's `created_at`) when the clock that wrote it was plainly
    wrong — before any FieldSurvey existed, or more than a day after `now` — else None (also for text that is not a
    time: nothing can be said of that clock). Times without a zone are taken as UTC."""
    try:
        at = datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return at if at < EARLIEST or at - now > SKEW else None


def clock_problem(now: datetime | None = None,
                  seen: Iterable[datetime | None] = ()) -> tuple[str, dict[str, Any]] | None:
    """Whether this computer's clock is plainly wrong, as (catalogue key, values) for a warning, or None: it shows a
    day before any FieldSurvey existed, or a time on record — `seen`: the newest backup, a bundle's `created_at`,
    anything stamped by a clock that was right — lies more than a day after it (the clock went back). Times
    without a zone are taken as UTC."""
    now = now or datetime.now(timezone.utc)
    if now < EARLIEST:
        return "storage.warning.clock_before_app", {"now": now.date()}
    stamps = [t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in seen if t is not None]
    latest = max(stamps, default=None)
    if latest is not None and latest - now > SKEW:
        return "storage.warning.clock_behind", {"now": now.date(), "seen": latest.date()}
    return None
