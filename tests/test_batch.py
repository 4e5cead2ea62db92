"""Classify-all on several cores gives exactly the results of one core."""

from __future__ import annotations

from fieldsurvey.progress import run_to_end
from fieldsurvey.services import batch
from fieldsurvey.services.workspaces import classify_all, create_demo
from fieldsurvey.storage.workspace import Workspace


def results(ws: Workspace) -> list[tuple]:
    return ws.db.execute("SELECT uuid, class, deprivations, b2_score, income_per_person, classification "
                         "FROM households ORDER BY uuid").fetchall()


def test_parallel_classification_matches_serial(tmp_path, monkeypatch):
    path = tmp_path / "w.fsdb"
    run_to_end(create_demo(path, households=300, seed=3))
    with Workspace.open(path) as ws:
        serial = results(ws)
        ws.db.execute("UPDATE households SET class = NULL, classification = NULL")
        monkeypatch.setattr(batch, "PARALLEL_FROM", 100)
        monkeypatch.setattr(batch, "CHUNK", 40)
        assert batch.workers_for(300) >= 1
        counts = run_to_end(classify_all(ws))
        assert results(ws) == serial
        assert sum(counts.values()) == 300
