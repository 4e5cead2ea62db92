"""Times, ids and hashes stamped on what a workspace stores."""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from datetime import datetime, timezone


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
