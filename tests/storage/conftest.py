"""A small workspace in a temporary folder, with households built by tests/builders.py."""

from __future__ import annotations

import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest

from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from tests.builders import adult, child, household_doc

INFO = WorkspaceInfo("08", "Tuyên Quang", "02266", "Lâm Bình", "rural", 2026, "annual", "vn-2022-2025")


def make_doc(name: str = "Nguyễn Văn A", village: str = "Thôn 1", uid: str | None = None, **answers: Any) -> dict:
    doc = household_doc([adult(40, relationship="head", name=name, member_id="m1", id_number="001086000001"),
                         adult(38, "female", member_id="m2", name="Trần Thị Bình"),
                         child(8, member_id="m3")], **answers)
    doc["uuid"] = uid or str(uuidlib.uuid4())
    doc["location"]["village"] = village
    doc["form"] = {"id": "vn-review-2022", "version": "2026.1"}
    return doc


@pytest.fixture
def ws(tmp_path: Path):
    w = Workspace.create(tmp_path / "commune.fsdb", INFO, ["Thôn 1", "Thôn 2"])
    w.set_identity(device="dev-test", user="lan")
    yield w
    w.close()
