"""Alkire–Foster figures on a case small enough to compute by hand."""

from __future__ import annotations

import pytest

from fieldsurvey.domain.alkire_foster import alkire_foster, equal_nested_weights
from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.standards import default_registry
from tests.builders import household

W = {"a": 0.5, "b": 0.25, "c": 0.25}


def test_hand_computed_case():
    rows = [
        {"a": True, "b": True, "c": False},    # c = 0.75 → poor at k = 0.5
        {"a": True, "b": False, "c": False},   # c = 0.5  → poor (c ≥ k)
        {"a": False, "b": True, "c": True},    # c = 0.5  → poor
        {"a": False, "b": True, "c": False},   # c = 0.25 → not poor (censored away)
        {"a": None, "b": True, "c": True},     # unknown → excluded
    ]
    af = alkire_foster(rows, W, k=0.5)
    assert af.households == 4 and af.excluded == 1
    assert af.H == pytest.approx(3 / 4)
    assert af.A == pytest.approx((0.75 + 0.5 + 0.5) / 3)
    assert af.M0 == pytest.approx(af.H * af.A)
    assert af.uncensored["b"] == pytest.approx(3 / 4)
    assert af.censored["b"] == pytest.approx(2 / 4)            # the 4th household is not poor
    assert sum(af.contribution.values()) == pytest.approx(1.0)


def test_weights_must_sum_to_one():
    with pytest.raises(ValueError, match="sum to 1"):
        alkire_foster([], {"a": 0.5}, k=0.3)


def test_nested_weights_for_the_official_indicators_are_a_twelfth_each():
    s = default_registry().get("vn-2022-2025")
    w = equal_nested_weights([(i.id, i.dimension) for i in s.indicators])
    assert sum(w.values()) == pytest.approx(1.0)
    assert all(v == pytest.approx(1 / 12) for v in w.values())


def test_from_classification_results():
    s = default_registry().get("vn-2022-2025")
    w = equal_nested_weights([(i.id, i.dimension) for i in s.indicators])
    deprived = classify_household(household(water_source="surface_water", latrine="none", info_devices=[]), s)
    fine = classify_household(household(), s)
    af = alkire_foster([deprived.indicators, fine.indicators], w, k=3 / 12)
    assert af.H == pytest.approx(0.5)
    assert af.A == pytest.approx(3 / 12)
    assert af.censored["water"] == pytest.approx(0.5)
