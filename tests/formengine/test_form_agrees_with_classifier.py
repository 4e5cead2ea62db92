"""The questionnaire and the classifier agree (issue 14, point 6): a shipped form calls a household complete exactly
when `assess` can classify it — never complete while `assess` says incomplete, nor the other way round. Where the
rule needs the measured income (the average-living-standard band of a farming household whose B1 score is above
the threshold), the form asks for it through its own relevant/required columns and calculations."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldsurvey.domain.document import Area
from fieldsurvey.formengine.loader import find_form, load_form, shipped_forms
from fieldsurvey.formengine.session import FormSession
from fieldsurvey.services.assessment import assess_document
from tests.formengine.random_fill import (
    AMOUNTS, VILLAGES, HypothesisDraw, RandomDraw, outcome, random_outcome, standard_for,
)

FORMS = shipped_forms()
IDS = [f"{p.parent.name}/{p.name}" for p in FORMS]
TODAY = date(2026, 12, 15)
LAM_BINH, BA_DINH = ("08", "02266"), ("01", "00004")  # a rural xã, an urban phường


@pytest.mark.parametrize("folder", FORMS, ids=IDS)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_random_fill_is_complete_exactly_when_assess_can_classify_it(folder, data):
    form = load_form(folder)
    out = random_outcome(form, HypothesisDraw(data))
    assert out.agrees, out.explain()


def test_the_random_fills_reach_the_edges_the_property_is_about():
    """The strategy is not vacuous: it reaches both areas, farming and not, B1 on and one above each threshold,
    incomes at the line and one đồng above, fills the form refuses, and every class."""
    form = find_form("vn-review-2022", "2026.1")
    rnd = random.Random(14)
    seen: Counter = Counter()
    for _ in range(300):
        out = random_outcome(form, RandomDraw(rnd))
        hh, n = out.document["household"], len(out.document["members"])
        area = out.document["location"]["area"]
        seen[("area", area)] += 1
        seen[("farming", hh["livelihood_agriculture"])] += 1
        seen[("class", out.household_class)] += 1
        seen[("complete", out.complete)] += 1
        if hh["income_route"] == "b1_manual":
            seen[("b1", area, hh["b1_score_manual"])] += 1
            seen[("b1 measured", "income_wages" in hh)] += 1
        if "production_costs" in hh:
            net = sum(hh[k] for k in AMOUNTS) - hh["production_costs"]
            line = standard_for(form).lines[Area(area)].poverty_line
            seen[("net - line", net - line * 12 * n)] += 1
    for case in [("area", "rural"), ("area", "urban"), ("farming", "yes"), ("farming", "no"), ("b1", "rural", 140),
                 ("b1", "rural", 141), ("b1", "urban", 175), ("b1", "urban", 176), ("b1 measured", True),
                 ("b1 measured", False), ("net - line", 0), ("net - line", 1), ("complete", False),
                 *[("class", c) for c in ("poor", "near_poor", "average", "not_poor", "incomplete")]]:
        assert seen[case], case


@pytest.mark.parametrize("form_id, version", [("vn-review-2022", "2026.2"), ("vn-review-2027", "2027.2")])
def test_amounts_beyond_odk_integer_are_reached_and_still_classify(form_id, version):
    """From 2026.2 / 2027.2 the amounts are decimals: the random fills reach amounts of 2³¹ đồng and more, and the
    form and the classifier still agree on every one of them."""
    form = find_form(form_id, version)
    rnd = random.Random(31)
    big = [out for out in (random_outcome(form, RandomDraw(rnd)) for _ in range(400))
           if any(isinstance(out.document["household"].get(k), (int, float))
                  and out.document["household"][k] >= 2**31 for k in AMOUNTS)]
    assert len(big) >= 5 and any(out.complete for out in big)
    assert all(out.agrees for out in big), next(out.explain() for out in big if not out.agrees)


def test_the_property_finds_the_form_that_hid_the_measured_income(tmp_path):
    """The form as it was (measured income asked on the direct route only) disagrees with `assess` on some fill:
    the property can fail."""
    folder = tmp_path / "2026.0"
    shutil.copytree(next(p for p in FORMS if p.parts[-2:] == ("vn-review-2022", "2026.1")), folder)
    survey = folder / "survey.csv"
    text = survey.read_text(encoding="utf-8")
    survey.write_text(text.replace("${_measured_income} = 1", "${income_route} = 'direct'"), encoding="utf-8")
    old = load_form(folder)
    rnd = random.Random(1)
    first = next((out for out in (random_outcome(old, RandomDraw(rnd)) for _ in range(300)) if not out.agrees), None)
    assert first is not None
    assert first.complete and first.household_class == "incomplete"
    assert "household.income_wages" in first.missing


# --- the B1 route at its edges, by hand ------------------------------------------------------------------------

def _household(form, unit: tuple[str, str], farming: str, b1: int) -> FormSession:
    members = [
        {"name": "Hoàng Văn Páo", "sex": "male", "birth_year": 1979, "relationship": "head",
         "health_insurance": "no", "education": "primary", "employment": "wage_no_contract", "able_to_work": "yes"},
        {"name": "Ma Thị Lan", "sex": "female", "birth_year": 1983, "relationship": "spouse",
         "health_insurance": "yes", "education": "primary", "employment": "self_employed", "able_to_work": "yes"},
    ]
    for m in members:
        m["digital_services" if form.form_id == "vn-review-2027" else "internet_use"] = "no"
    ans = {"interview_date": "2026-10-12", "province_code": unit[0], "commune_code": unit[1],
           "village": VILLAGES[0], "head_name": "Hoàng Văn Páo", "livelihood_agriculture": farming,
           "members": members, "income_route": "b1_manual", "b1_score_manual": b1, "has_house": "yes",
           "wall_durable": "no", "column_durable": "yes", "roof_durable": "no", "floor_area": 30,
           "water_source": "piped", "latrine": "septic", "info_devices": ["phone"], "merit_revolution": "no",
           "ethnic_minority": "no", "enumerator": "Nguyễn Thị Hoa"}
    session = FormSession(form, {"review": {"year": 2026, "kind": "annual"}}, today=TODAY, villages=VILLAGES)
    for key, value in ans.items():
        if key != "members" and key in form.by_name:
            session.set_answer(key, value)
    for m in members:
        j = session.add_member()
        for key, value in m.items():
            session.set_answer(key, value, j)
    return session


def _measured(session: FormSession, net: int) -> None:
    session.set_answer("income_wages", 0)
    session.set_answer("income_agriculture", net + 10_000_000)
    session.set_answer("income_business", 0)
    session.set_answer("income_other", 0)
    session.set_answer("production_costs", 10_000_000)


def _class(session: FormSession) -> str:
    return str(assess_document(session.to_document(), standard_id="vn-2022-2025").household_class)


B1_FORMS = [p for p in FORMS if load_form(p).form_id == "vn-review-2022"]


@pytest.mark.parametrize("folder", B1_FORMS, ids=lambda p: p.name)
@pytest.mark.parametrize("unit,area", [(LAM_BINH, Area.RURAL), (BA_DINH, Area.URBAN)], ids=["rural", "urban"])
def test_measured_income_is_asked_exactly_when_b1_is_above_the_threshold_on_a_farming_household(folder, unit, area):
    form = load_form(folder)
    std = standard_for(form)
    threshold = int(std.b1_threshold[area])
    for farming in ("yes", "no"):
        on = _household(form, unit, farming, threshold)  # at the threshold: income at or below the line
        assert not on.state("income_wages").relevant and on.is_complete()
        assert _class(on) == "poor"  # deprived in employment, insurance, housing quality, telecom
        above = _household(form, unit, farming, threshold + 1)
        if farming == "no":
            assert not above.state("income_wages").relevant and above.is_complete()
            assert _class(above) == "not_poor"
            continue
        assert above.state("income_wages").relevant and above.state("income_wages").required
        assert str(threshold) in above.label("measured_income_note")
        assert not above.is_complete() and _class(above) == "incomplete"
        lines, n = std.lines[area], 2
        for net, expected in [(lines.poverty_line * 12 * n + 1, "average"),
                              (lines.average_band_max * 12 * n, "average"),
                              (lines.average_band_max * 12 * n + 1, "not_poor")]:
            _measured(above, net)
            assert above.errors() == [] and above.is_complete(), (net, above.errors())
            assert _class(above) == expected, net
        above.set_answer("b1_score_manual", threshold)  # the score corrected down: the income is hidden again
        assert not above.state("income_wages").relevant and "income_wages" not in above.to_document()["household"]
        assert above.is_complete() and _class(above) == "poor"


@pytest.mark.parametrize("folder", B1_FORMS, ids=lambda p: p.name)
@pytest.mark.parametrize("net_per_line", [0, -1])
def test_a_measured_income_at_or_below_the_line_contradicts_a_b1_score_above_it(folder, net_per_line):
    """`assess` cannot classify it (the B1 score says above the line, the measured income at or below): the form
    refuses it on the income route, in the enumerator's language, until the score or the amounts are corrected."""
    form = load_form(folder)
    session = _household(form, LAM_BINH, "yes", 141)
    _measured(session, 1_500_000 * 12 * 2 + net_per_line)
    assert session.state("income_route").status == "error"
    assert "thu nhập đo được không cao hơn chuẩn nghèo" in session.state("income_route").message
    session.set_language("en")
    assert "measured income is not above the poverty line" in session.state("income_route").message
    assert not session.is_complete() and _class(session) == "incomplete"
    session.set_answer("income_route", "direct")  # asked directly: the measured income decides, near-poor or poor
    assert session.is_complete() and _class(session) == "poor"


@pytest.mark.parametrize("folder", B1_FORMS, ids=lambda p: p.name)
def test_the_forms_thresholds_are_the_standards(folder):
    """The form repeats the standard's B1 thresholds and poverty lines in its calculations: they must not drift."""
    form = load_form(folder)
    std = standard_for(form)
    for unit, area in [(LAM_BINH, Area.RURAL), (BA_DINH, Area.URBAN)]:
        session = _household(form, unit, "yes", 0)
        assert session.value("area") == area.value
        assert session.value("_b1_threshold") == std.b1_threshold[area]
        assert session.value("_poverty_line") == std.lines[area].poverty_line
    assert std.average_requires_agriculture  # the form asks the measured income of farming households only


def test_the_2027_form_offers_no_b1_score_while_its_standard_has_no_threshold():
    form = find_form("vn-review-2027")
    std = standard_for(form)
    assert not std.b1_threshold
    fresh = FormSession(form, {"review": {"year": 2027, "kind": "annual"}}, today=date(2027, 12, 15))
    assert fresh.options("income_route") == [("direct", "Thu thập thu nhập trực tiếp")]
    assert fresh.value("income_route") == "direct"
    carried = _household(form, LAM_BINH, "yes", 120)  # a household carried forward with a hand-added B1 score
    assert carried.state("income_route").status == "error" and not carried.is_complete()
    doc = carried.to_document()
    doc["review"]["year"] = 2027
    assert str(assess_document(doc, standard_id="vn-2027-2030").household_class) == "incomplete"
