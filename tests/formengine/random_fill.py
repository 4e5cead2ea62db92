"""Random households filled through a shipped form the way an enumerator hands one in, for the property that the
form and the classifier agree (tests/formengine/test_form_agrees_with_classifier.py).

A fill answers every question the form asks (relevant) and requires, and a random part of the optional ones, with
answers the form accepts (an answer a hard check refuses is drawn again, except the income amounts: their checks
are what is under test); soft warnings are confirmed, as the enumerator would. The draws lean on the rules' edges:
B1 scores 140/141 and 175/176, incomes exactly at the lines and one đồng above, ages on the indicators' birthdays,
rural and urban communes, farming and not, 1–10 members.

The drawing is behind `Draw`, so the same fill runs under hypothesis (shrinking) and under `random.Random` (the
count of 2,000 fills): `python -m tests.formengine.random_fill --fills 2000`.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Sequence

from fieldsurvey.domain.document import Area
from fieldsurvey.formengine.loader import load_form, shipped_forms
from fieldsurvey.formengine.model import Form, Item
from fieldsurvey.formengine.session import FormSession
from fieldsurvey.services.assessment import assess_document, registry

VILLAGES = ["Thôn Nà Khà", "Thôn Bản Bó", "Tổ dân phố 3"]
STANDARD_OF_FORM = {"vn-review-2022": "vn-2022-2025", "vn-review-2027": "vn-2027-2030"}
REVIEW_YEARS = {"vn-review-2022": (2022, 2026), "vn-review-2027": (2027, 2030)}
AMOUNTS = ("income_wages", "income_agriculture", "income_business", "income_other")
B1_EDGES = (0, 100, 139, 140, 141, 142, 174, 175, 176, 177, 250, 1000)
# Ages where an indicator or a question starts or stops (3, 6, 15, 16, 18, 30/31, 57, 60, 61)
AGE_EDGES = (0, 2, 3, 5, 6, 12, 13, 14, 15, 16, 17, 18, 19, 29, 30, 31, 54, 55, 56, 57, 59, 60, 61, 62, 80)
NAMES = ("Hoàng Văn Páo", "Ma Thị Lan", "Lò Văn Sáng", "Nguyễn Thị Hoa", "Bàn Văn Chiến", "Vi Thị Mến")


class Draw:
    """Where a fill's random choices come from."""

    def integer(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def choice(self, items: Sequence[Any]) -> Any:
        return items[self.integer(0, len(items) - 1)]

    def chance(self, percent: int) -> bool:
        return self.integer(0, 99) < percent


class RandomDraw(Draw):
    def __init__(self, rnd: random.Random):
        self.rnd = rnd

    def integer(self, lo: int, hi: int) -> int:
        return self.rnd.randint(lo, hi)


class HypothesisDraw(Draw):
    def __init__(self, data: Any):
        from hypothesis import strategies as st

        self.data, self.st = data, st

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(self.st.integers(lo, hi))

    def choice(self, items: Sequence[Any]) -> Any:
        return self.data.draw(self.st.sampled_from(list(items)))


@dataclass(frozen=True, slots=True)
class Outcome:
    form: str
    complete: bool
    household_class: str
    document: dict
    missing: tuple[str, ...]
    errors: tuple

    @property
    def agrees(self) -> bool:
        return self.complete == (self.household_class != "incomplete")

    def explain(self) -> str:
        hh = self.document.get("household", {})
        income = {k: hh.get(k) for k in ("income_route", "b1_score_manual", *AMOUNTS, "production_costs")
                  if k in hh}
        return (f"{self.form}: form complete={self.complete}, assess={self.household_class}, "
                f"missing={list(self.missing)}, form errors={list(self.errors)}, "
                f"area={self.document.get('location', {}).get('area')}, "
                f"farming={hh.get('livelihood_agriculture')}, members={len(self.document.get('members', []))}, "
                f"income={income}")


@cache
def _commune_list() -> tuple:
    """Every 25th commune or ward of the reference data, as the engine lists them (the session scans its commune
    list for each look-up of a commune's name and area: the whole list of 3,321 would make each fill slow)."""
    from fieldsurvey.formengine.session import _builtin_list

    return tuple(_builtin_list("vn_communes", [])[::25])


def _communes(area: Area) -> tuple[tuple[str, str], ...]:
    """(province code, commune code) of the listed communes or wards of the area."""
    return tuple((c.get("province"), c.name) for c in _commune_list() if c.get("area") == area.value)


def forms(root: Path | None = None) -> list[Form]:
    return [load_form(folder) for folder in shipped_forms(root)]


def standard_for(form: Form):
    return registry().get(STANDARD_OF_FORM[form.form_id])


class Filler:
    """One household: the interview date, the commune and the roster first (ages are counted at the interview; the
    session opens on them at once), then the form in order, pass after pass until every relevant required question
    is answered."""

    def __init__(self, form: Form, draw: Draw):
        self.form, self.draw = form, draw
        self.standard = standard_for(form)
        first, last = REVIEW_YEARS[form.form_id]
        self.year = draw.integer(first, last)
        self.interview = date(self.year, 9, 1) + timedelta(days=draw.integer(0, 104))  # the annual review
        self.today = date(self.year, 12, 15)
        province, commune = draw.choice(_communes(draw.choice([Area.RURAL, Area.URBAN])))
        n = draw.integer(1, 10)
        head = draw.integer(0, n - 1)
        others = [c.name for c in form.choices["relationship"] if c.name != "head"]
        members = [{"member_id": f"m{i + 1}", "relationship": "head" if i == head else draw.choice(others)}
                   for i in range(n)]
        doc = {"review": {"year": self.year, "kind": "annual"}, "interview_date": self.interview.isoformat(),
               "location": {"province_code": province, "commune_code": commune}, "members": members}
        self.session = FormSession(form, doc, today=self.today, villages=VILLAGES,
                                   extra_lists={"vn_communes": list(_commune_list())})
        self.skipped: set[tuple[str, int | None]] = set()

    # --- the fill ---------------------------------------------------------------------------------------------

    def fill(self) -> FormSession:
        s = self.session
        for _ in range(8):
            if not self._pass():
                break
        for _, member, name in s.warnings():
            s.confirm(name, member)
        return s

    def _pass(self) -> bool:
        """Answer what is relevant and empty, in form order; whether anything was answered."""
        s, changed = self.session, False
        for item in self.form.questions():
            if not item.is_input:
                continue
            for idx in (range(len(s.members())) if item.repeat is not None else [None]):
                st = s.state(item, idx)
                if not st.relevant or st.value is not None or st.read_only or (item.name, idx) in self.skipped:
                    continue
                if not st.required and not self.draw.chance(60):
                    self.skipped.add((item.name, idx))
                    continue
                self._answer(item, idx)
                changed = True
        return changed

    def _answer(self, item: Item, idx: int | None) -> None:
        name, s, d = item.name, self.session, self.draw
        special = getattr(self, f"_a_{name}", None)
        if special is not None:
            special(idx)
            return
        if item.type == "select_one":
            self._select_one(item, idx)
        elif item.type == "select_multiple":
            opts = [c for c, _ in s.options(name, idx)]
            s.set_answer(name, [c for c in opts if d.chance(40)] or [d.choice(opts)], idx)
            if s.state(item, idx).status == "error":  # e.g. 'none' with another choice: one choice then
                self._select_one(item, idx, opts)
        elif item.type in ("integer", "decimal"):
            s.set_answer(name, d.integer(0, 100), idx)
        elif item.type == "date":
            s.set_answer(name, self.interview.isoformat(), idx)
        else:
            s.set_answer(name, d.choice(NAMES), idx)

    def _select_one(self, item: Item, idx: int | None, pool: Sequence[str] | None = None) -> None:
        """A choice the form accepts: one a hard check refuses is drawn again from the rest."""
        s = self.session
        left = list(pool) if pool is not None else [c for c, _ in s.options(item.name, idx)]
        while left:
            value = self.draw.choice(left)
            s.set_answer(item.name, [value] if item.type == "select_multiple" else value, idx)
            if s.state(item, idx).status != "error":
                return
            left.remove(value)

    # --- questions answered with their domain's edges --------------------------------------------------------

    def _a_village(self, idx: None) -> None:
        self.session.set_answer("village", self.draw.choice(VILLAGES))

    def _a_phone(self, idx: None) -> None:
        self.session.set_answer("phone", "09" + "".join(str(self.draw.integer(0, 9)) for _ in range(8)))

    def _a_id_number(self, idx: int) -> None:
        self.session.set_answer("id_number", f"{self.draw.integer(0, 10**12 - 1):012d}", idx)

    def _a_birth_date(self, idx: int) -> None:
        """An age drawn near an indicator's edge, born on, just before or just after the interview's day; or only
        the year is known (the date left empty)."""
        d = self.draw
        if d.chance(30):
            self.skipped.add(("birth_date", idx))
            return
        age = d.choice(AGE_EDGES) if d.chance(70) else d.integer(0, 95)
        shift = d.choice((-1, 0, 1, d.integer(-364, 364)))
        try:
            birthday = self.interview.replace(year=self.interview.year - age)
        except ValueError:  # 29 February
            birthday = self.interview.replace(year=self.interview.year - age, day=28)
        born = birthday + timedelta(days=shift)
        if born > self.interview:
            born = self.interview
        self.session.set_answer("birth_date", born.isoformat(), idx)

    def _a_birth_year(self, idx: int) -> None:
        d = self.draw
        age = d.choice(AGE_EDGES) if d.chance(70) else d.integer(0, 95)
        self.session.set_answer("birth_year", self.interview.year - age, idx)

    def _a_b1_score_manual(self, idx: None) -> None:
        d = self.draw
        self.session.set_answer("b1_score_manual", d.choice(B1_EDGES) if d.chance(70) else d.integer(0, 400))

    def _a_floor_area(self, idx: None) -> None:
        d, n = self.draw, len(self.session.members())
        edge = 8 * n  # the living-area indicator: 8 m² a person
        area = d.choice((edge, edge - 0.5, edge + 0.5, 1, d.integer(5, 200), 150 * n + 1))
        self.session.set_answer("floor_area", area)

    def _income_amounts(self) -> None:
        """All the measured amounts at once: a net income per person and month drawn at the standard's lines (at
        the line, one đồng a year above, the band's top, …), split over the sources, with costs on top."""
        s, d = self.session, self.draw
        area = Area(s.value("area")) if s.value("area") in ("rural", "urban") else Area.RURAL
        lines = self.standard.lines[area]
        n = len(s.members())
        per = d.choice((0, lines.poverty_line, lines.average_band_max, d.integer(0, 2 * lines.average_band_max)))
        net = per * 12 * n + d.choice((0, 1, -1, d.integer(-1_000_000, 1_000_000)))
        costs = d.choice((0, d.integer(0, 50_000_000)))
        if d.chance(5):
            net, costs = -d.integer(1, 10_000_000), d.integer(10_000_000, 20_000_000)  # costs above the income
        gross = max(net + costs, 0)
        parts = [d.integer(0, gross) if d.chance(50) else 0 for _ in AMOUNTS[:-1]]
        parts = sorted(parts)
        cut = [0, *parts, gross]
        amounts = [cut[i + 1] - cut[i] for i in range(len(AMOUNTS))]
        if d.chance(5):
            amounts[d.integer(0, 3)] = d.integer(1, 99_999)  # thousands of đồng typed as đồng: a warning
        if d.chance(10) and s.form.by_name[AMOUNTS[0]].type == "decimal":   # (2026.2 on: amounts are decimals)
            amounts[d.integer(0, 3)] = d.choice((2**31 - 1, 2**31, 3_000_000_000))   # beyond ODK's 32-bit integer
        for name, value in zip(AMOUNTS, amounts):
            s.set_answer(name, value)
        s.set_answer("production_costs", costs)

    _a_income_wages = _a_income_agriculture = _a_income_business = _a_income_other = \
        lambda self, idx: self._income_amounts()

    def _a_production_costs(self, idx: None) -> None:
        self.session.set_answer("production_costs", self.draw.integer(0, 20_000_000))

    def _a_social_allowances(self, idx: None) -> None:
        self.session.set_answer("social_allowances", self.draw.choice((0, 4_320_000, self.draw.integer(0, 10**7))))


def outcome(form: Form, session: FormSession) -> Outcome:
    doc = session.to_document()
    result = assess_document(doc, standard_id=STANDARD_OF_FORM[form.form_id])
    return Outcome(f"{form.form_id}@{form.version}", session.is_complete(), str(result.household_class), doc,
                   tuple(result.missing), tuple(session.errors()))


def random_outcome(form: Form, draw: Draw) -> Outcome:
    return outcome(form, Filler(form, draw).fill())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="How many random fills of each shipped form disagree with assess")
    parser.add_argument("--fills", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--show", type=int, default=3, help="disagreements shown per form")
    parser.add_argument("--forms", type=Path, help="a folder of forms other than forms/ (an older copy, say)")
    args = parser.parse_args(argv)
    for form in forms(args.forms):
        rnd = random.Random(f"{args.seed}-{form.form_id}-{form.version}")
        bad, complete, shown = 0, 0, 0
        for _ in range(args.fills):
            out = random_outcome(form, RandomDraw(rnd))
            complete += out.complete
            if not out.agrees:
                bad += 1
                if shown < args.show:
                    print("  ", out.explain())
                    shown += 1
        print(f"{form.form_id}@{form.version}: {bad} of {args.fills} fills disagree "
              f"({100 * bad / args.fills:.1f} %); {complete} complete")


if __name__ == "__main__":
    main()
