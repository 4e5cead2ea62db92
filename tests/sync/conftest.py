"""Three installations in temporary folders: two enumerators (lan, hoa) and their supervisor (thu), keys swapped."""

from __future__ import annotations

import uuid as uuidlib
from pathlib import Path
from typing import Any, Callable

import pytest

from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc
from fieldsurvey.storage.workspace import Workspace
from tests.builders import adult, child, household_doc, trust_checked


class Site:
    def __init__(self, root: Path):
        self.root = root
        self.stick = root / "stick"
        self.stick.mkdir()
        self.sup = root / "thu" / "commune.fsdb"
        self.lan = root / "lan" / "lan.fsdb"
        self.hoa = root / "hoa" / "hoa.fsdb"
        for p in (self.sup, self.lan, self.hoa):
            p.parent.mkdir()
        svc.init_workspace(self.sup, "thu", "supervisor", "02266", villages=3, device="dev-thu")
        svc.init_workspace(self.lan, "lan", "enumerator", "02266", device="dev-lan")
        svc.init_workspace(self.hoa, "hoa", "enumerator", "02266", device="dev-hoa")
        for p in (self.sup, self.lan, self.hoa):
            svc.export_key(p, self.root / f"{p.stem}.fskey")
        for e in (self.lan, self.hoa):
            trust_checked(self.sup, self.root / f"{e.stem}.fskey")
            trust_checked(e, self.root / "commune.fskey")

    def add(self, ws_path: Path, owner: str, name: str, **answers: Any) -> str:
        uid = str(uuidlib.uuid4())
        doc = household_doc([adult(40, relationship="head", name=name, birth_year=1986),
                             adult(38, "female", member_id="m2"), child(8, member_id="m3")], **answers)
        doc["uuid"] = uid
        doc["location"]["village"] = "Thôn 1"
        with Workspace.open(ws_path) as ws:
            ws.save_household(doc, status="complete", owner=owner)
        return uid

    def edit(self, ws_path: Path, uid: str, change: Callable[[dict], None]) -> None:
        with Workspace.open(ws_path) as ws:
            doc = ws.get_household(uid)
            change(doc)
            row = ws.db.execute("SELECT status, owner FROM households WHERE uuid = ?", [uid]).fetchone()
            ws.save_household(doc, status=row[0], owner=row[1])

    def doc(self, ws_path: Path, uid: str) -> dict:
        with Workspace.open(ws_path) as ws:
            return ws.get_household(uid)

    def row(self, ws_path: Path, uid: str) -> dict:
        with Workspace.open(ws_path) as ws:
            return next(ws.db.query("SELECT uuid, status, owner FROM households WHERE uuid = ?", [uid]))

    def send(self, src: Path, dst: Path, to: str | None = None, full: bool = False) -> svc.ImportReport:
        out = svc.export_bundle(src, self.stick, full=full, to=to)
        (report,) = run_to_end(svc.import_bundles(dst, [out.path]))
        assert report.status == "imported", report.message
        return report


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(tmp_path)
