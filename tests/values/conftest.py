"""A supervisor's workspace file for the clean-values attacks, and household documents that pass every check
unless a test breaks them (the official 2026 form's choices, plausible ages and numbers)."""

from __future__ import annotations

import json
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fieldsurvey.cli import main
from fieldsurvey.services import sync as sync_svc
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from fieldsurvey.sync.keys import Identity, public_key_text
from tests.builders import adult, child, household_doc, trust_checked

INFO = WorkspaceInfo("08", "Tuyên Quang", "02266", "Xã Lâm Bình", "rural", 2026, "annual", "vn-2022-2025")
VILLAGES = ["Thôn Nà Đình", "Bản Khuổi Củng"]
# a poor household (rural line 1.5 million đ/person/month, deprived of water, latrine, information, housing area)
POOR = dict(per_person=1_000_000, water_source="unprotected_well", latrine="none", floor_area=10, info_devices=[])


def doc(head: str = "Nguyễn Văn Đức", members: list[dict[str, Any]] | None = None, **answers: Any) -> dict:
    """A household of this workspace on the official form 2026.1, every answer fitting its question."""
    members = members if members is not None else [
        adult(45, relationship="head", name=head, member_id="m1", id_number="008012345678"),
        adult(41, "female", relationship="spouse", name="Hà Thị Mỹ", member_id="m2"),
        child(9, name="Hoàng Bảo Ngọc", member_id="m3", education="none")]
    d = household_doc(members, **{**POOR, **answers})
    d["uuid"] = str(uuidlib.uuid4())
    d["form"] = {"id": "vn-review-2022", "version": "2026.1"}
    d["location"].update(village=VILLAGES[0], province_code="08")
    d["household"].update(head_name=head, merit_revolution="no", ethnic_minority="yes", enumerator="Lan")
    d["household"].pop("waste_handling", None)
    for m in d["members"]:
        m.pop("digital_services", None)
    return d


def write(folder: Path, name: str, document: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")   # (escaped: a lone surrogate written as \\ud800)
    return path


def run(*args: Any):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def households(path: Path) -> list[tuple]:
    """Every household row with its audit and revision counts (what a refusal must leave as it was)."""
    with Workspace.open(path, read_only=True) as ws:
        return [*ws.db.execute("SELECT uuid, document, status, owner, revision FROM households ORDER BY uuid"),
                ws.db.execute("SELECT COUNT(*) FROM audit").fetchone(),
                ws.db.execute("SELECT COUNT(*) FROM revisions").fetchone()]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "commune.fsdb"
    ws = Workspace.create(path, INFO, VILLAGES)
    ws.set_identity(device="dev-thu", user="thu")
    ws.backups = False
    ws.close()
    return path


@pytest.fixture
def supervisor(tmp_path):
    """A supervisor's workspace (thu) that trusts enumerator lan's key: (path, thu's identity, lan's identity)."""
    path = tmp_path / "thu" / "commune.fsdb"
    path.parent.mkdir()
    me = sync_svc.init_workspace(path, "thu", "supervisor", "02266", villages=2, device="dev-thu")
    lan = Identity.generate("lan", "enumerator", "02266", device="dev-lan")
    (tmp_path / "lan.fskey").write_text(public_key_text(lan.public))
    trust_checked(path, tmp_path / "lan.fskey")
    return path, me, lan


def dump(path: Path) -> list[str]:
    """Every row of the workspace as SQL text, to compare before and after a refused import."""
    with Workspace.open(path, read_only=True) as ws:
        return list(ws.db.conn.iterdump())
