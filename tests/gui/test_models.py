"""The household list model, tested without a window: it pages, it never loads every row."""

from __future__ import annotations

from PySide6.QtCore import Qt

from fieldsurvey.gui.models import HouseholdTableModel
from fieldsurvey.services import households
from fieldsurvey.storage.workspace import Workspace


def _model(ws: Workspace) -> HouseholdTableModel:
    model = HouseholdTableModel(lambda f: households.count(ws, f),
                                lambda f, s, d, o, n: households.page(ws, f, s, d, o, n))
    model.PAGE = 10
    model.KEEP_PAGES = 2
    model.refresh()
    return model


def test_the_row_count_comes_first_and_rows_arrive_a_page_at_a_time(workspace_file):
    with Workspace.open(workspace_file) as ws:
        model = _model(ws)
        assert model.rowCount() == 60
        assert model.pages_loaded == 0
        assert model.index(0, 0).data() and model.pages_loaded == 1
        model.index(5, 0).data()
        assert model.pages_loaded == 1
        model.index(59, 0).data()
        model.index(35, 0).data()
        assert model.pages_loaded == 3
        assert model.cached_rows() <= 2 * model.PAGE  # old pages are let go


def test_pages_follow_the_sort_without_gaps_or_repeats(workspace_file):
    with Workspace.open(workspace_file) as ws:
        model = _model(ws)
        model.sort(model.COLUMNS.index("income"), Qt.DescendingOrder)
        uuids = [model.index(r, 0).data(Qt.UserRole) for r in range(model.rowCount())]
        assert len(set(uuids)) == 60
        incomes = [model.row(r).income_per_person for r in range(60)]
        known = [x for x in incomes if x is not None]
        assert known == sorted(known, reverse=True)


def test_class_is_shown_by_text_and_colour(workspace_file):
    with Workspace.open(workspace_file) as ws:
        model = _model(ws)
        model.refresh(households.HouseholdFilter(household_class="poor"))
        assert model.rowCount() == ws.counts_by_class()["poor"]
        col = model.COLUMNS.index("class")
        assert model.index(0, col).data() == "Hộ nghèo"
        assert model.index(0, col).data(Qt.BackgroundRole).color().name() == "#f8d7da"


def test_search_ignores_diacritics_and_finds_by_id(workspace_file):
    with Workspace.open(workspace_file) as ws:
        model = _model(ws)
        name = model.row(0).head_name
        from fieldsurvey.i18n import fold

        model.refresh(households.HouseholdFilter(search=fold(name).upper()))
        assert name in [model.row(r).head_name for r in range(model.rowCount())]
        uuid = model.row(0).uuid
        model.refresh(households.HouseholdFilter(search=uuid[:8]))
        assert [model.row(r).uuid for r in range(model.rowCount())] == [uuid]
