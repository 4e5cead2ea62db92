"""A whole commune's review, simulated end to end through the app's own use cases — the test of the whole
(tests/test_commune_review.py) and its benchmark (benchmarks/bench_review.py) run it.

Last year's workspace (households approved) is carried forward; the supervisor enters each village's resident
households (and, of them, the ethnic-minority ones) and hands the carried households to the enumerators in return bundles; each enumerator re-interviews
them and enters new ones through the questionnaire's service (forms.open_form / forms.save_form, answers typed one by
one), and hands them in on a USB stick — with the faults of real life: an export killed before its file was written,
a bundle copied half-way, the same bundle brought twice, an old bundle after a newer one, one family entered by two
enumerators, households returned and then fixed or confirmed unchanged, households that moved away, an import killed
mid-way and retried. The supervisor settles the duplicates, approves what waits, and the figures are read.

`truth(...)` computes the figures straight from the final documents — classifying each with `assess`, counting with
rules written here, never with the app's count — to hold every output against.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fieldsurvey.domain.synthetic import CommuneSpec, Generator, village_names
from fieldsurvey.progress import run_to_end
from fieldsurvey.services import forms, households, review, sync
from fieldsurvey.services.assessment import assess_document
from fieldsurvey.services.workspaces import add_villages, carry_forward, opened, set_residents
from tests.builders import trust_checked
from tests.formengine.random_fill import Filler, RandomDraw

COMMUNE = "02266"                    # Xã Lâm Bình, Tuyên Quang (rural)
STANDARD = "vn-2022-2025"
FINISHED = {"complete", "submitted", "confirmed", "approved"}
POORISH = {"poor", "near_poor"}
MOVES = ("start", "remained", "to_other", "escaped", "unclassified", "moved_away", "from_other", "fell_back", "new",
         "end")


@dataclass
class Review:
    root: Path
    sup: Path
    enumerators: dict[str, Path]
    villages: list[str]
    residents: dict[str, int]
    rng: random.Random
    minority: dict[str, int] = field(default_factory=dict)   # of the resident households, the ethnic-minority ones
    events: Counter = field(default_factory=Counter)     # which faults happened (the test checks they did)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    stick: Path = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.stick = self.root / "stick"
        self.stick.mkdir(exist_ok=True)


# --- filling the questionnaire ----------------------------------------------------------------------------------

class _Typist(Filler):
    """Random_fill's answers, typed into a session the app opened for this workspace (its commune, its round)."""

    def __init__(self, session, draw: RandomDraw, villages: list[str], interview: date):
        self.session, self.form, self.draw = session, session.form, draw
        self.standard = assess_standard()
        self.year = interview.year
        self.interview = interview
        self.today = interview
        self.skipped: set = set()
        self.villages = villages

    def _a_village(self, idx: None) -> None:
        self.session.set_answer("village", self.draw.choice(self.villages))


def assess_standard():
    from fieldsurvey.services.assessment import registry

    return registry().get(STANDARD)


def type_new_household(ws_path: Path, rng: random.Random, villages: list[str], members: int | None = None,
                       head: dict[str, Any] | None = None) -> str:
    """A new household typed into the enumerator's questionnaire and saved as the app saves it."""
    with opened(ws_path) as ws:
        session, _status, owner = forms.open_form(ws, None, rng.choice(villages), "vi")
        interview = date(2026, 9, 1) + timedelta(days=rng.randint(0, 90))
        session.set_answer("interview_date", interview.isoformat())
        n = members or rng.randint(1, 7)
        for i in range(n):
            session.add_member()
        others = [c.name for c in session.form.choices["relationship"] if c.name != "head"]
        for i in range(n):
            session.set_answer("relationship", "head" if i == 0 else rng.choice(others), i)
        typist = _Typist(session, RandomDraw(rng), villages, interview)
        if head:
            for name, value in head.items():
                session.set_answer(name, value, 0)
        typist.fill()
        if head:   # the same family typed twice: the same head as given
            for name, value in head.items():
                session.set_answer(name, value, 0)
        forms.save_form(ws, session, owner)
        return session.document["uuid"]


def reinterview(ws_path: Path, uuid: str, rng: random.Random, villages: list[str]) -> None:
    """A household carried from last year visited again: the interview date, the income and a few answers anew."""
    with opened(ws_path) as ws:
        session, _status, owner = forms.open_form(ws, uuid, None, "vi")
        interview = date(2026, 9, 1) + timedelta(days=rng.randint(0, 90))
        session.set_answer("interview_date", interview.isoformat())
        typist = _Typist(session, RandomDraw(rng), villages, interview)
        if session.value("income_route") in (None, "direct"):
            session.set_answer("income_route", "direct")
            typist._income_amounts()
        typist.fill()
        forms.save_form(ws, session, owner)


def edit_answer(ws_path: Path, uuid: str, name: str, value: Any) -> None:
    with opened(ws_path) as ws:
        session, _status, owner = forms.open_form(ws, uuid, None, "vi")
        session.set_answer(name, value)
        forms.save_form(ws, session, owner, reason="corrected after the supervisor's return")


# --- the review -----------------------------------------------------------------------------------------------------

def last_year(path: Path, villages: list[str], carried: int, seed: int) -> list[str]:
    """Last year's commune: households stored through the same path as the questionnaire's, the finished ones
    approved."""
    sync.init_workspace(path, "thu", "supervisor", COMMUNE, year=2025)
    spec = CommuneSpec("08", COMMUNE, "Xã Lâm Bình", "rural", tuple(villages))
    gen = Generator(spec, 2025, seed, {"line": 1_500_000, "band": 2_250_000})
    docs = []
    for i in range(carried):
        doc = gen.household(i)
        doc["review"] = {"year": 2025, "kind": "annual"}
        doc["interview_date"] = doc["interview_date"] or "2025-10-01"
        # make last year's poor and near-poor common enough to move
        if i % 3 == 0:
            doc["household"].update(income_route="direct", income_wages=800_000 * 12 * len(doc["members"]),
                                    income_agriculture=0, income_business=0, income_other=0, production_costs=0)
        docs.append((f"last-{i}.json", json.dumps(doc, ensure_ascii=False)))
    with opened(path) as ws:
        add_villages(ws, villages)
        added = households.add(ws, docs, owner="thu")
        done = [a.uuid for a in added if a.status == "complete"]
        if done:
            review.decide(ws, done, "approve")
    return [a.uuid for a in added]


def start(root: Path, seed: int = 7, enumerators: int = 3, carried: int = 30) -> Review:
    rng = random.Random(seed)
    villages = list(village_names("rural", 4))
    last = root / "2025.fsdb"
    last_year(last, villages, carried, seed)
    sup = root / "thu" / "2026.fsdb"
    sup.parent.mkdir()
    run_to_end(carry_forward(last, sup, 2026))
    sync.init_workspace(sup, "thu", "supervisor")
    residents = {v: 60 + 17 * i for i, v in enumerate(villages)}
    minority = {v: 31 + 5 * i for i, v in enumerate(villages)}
    with opened(sup) as ws:
        for v, n in residents.items():
            set_residents(ws, v, n, "2026-09-01", "Sổ đăng ký hộ khẩu của xã", minority=minority[v])
    users = {f"e{i + 1}": root / f"e{i + 1}" / "e.fsdb" for i in range(enumerators)}
    for user, path in users.items():
        path.parent.mkdir()
        sync.init_workspace(path, user, "enumerator", COMMUNE, year=2026)
        with opened(path) as ws:
            add_villages(ws, villages)
        sync.export_key(path, root / f"{user}.fskey")
        trust_checked(sup, root / f"{user}.fskey")
    sync.export_key(sup, root / "thu.fskey")
    for path in users.values():
        trust_checked(path, root / "thu.fskey")
    return Review(root, sup, users, villages, residents, rng, minority=minority)


def send(r: Review, src: Path, to: str | None = None) -> Path:
    out = sync.export_bundle(src, r.stick, to=to)
    return out.path


def bring(r: Review, dst: Path, bundles: list[Path]) -> list[sync.ImportReport]:
    return run_to_end(sync.import_bundles(dst, bundles))


def hand_out_carried(r: Review) -> None:
    """The supervisor gives each enumerator their share of last year's households, in return bundles."""
    with opened(r.sup) as ws:
        carried = [row.uuid for row in households.rows(ws)]
        users = list(r.enumerators)
        for i, user in enumerate(users):
            mine = carried[i::len(users)]
            if mine:
                review.decide(ws, mine, "reassign", "rà soát lại năm 2026", owner=user)
    for user, path in r.enumerators.items():
        (report,) = bring(r, path, [send(r, r.sup, to=user)])
        assert report.status == "imported", report.message


def fieldwork(r: Review, new_each: int) -> None:
    """Each enumerator re-interviews their carried households and types new ones."""
    for user, path in r.enumerators.items():
        with opened(path) as ws:
            theirs = [row.uuid for row in households.rows(ws)]
        for uuid in theirs:
            reinterview(path, uuid, r.rng, r.villages)
        for _ in range(new_each):
            type_new_household(path, r.rng, r.villages)


def killed_export(r: Review, path: Path) -> None:
    """The stick pulled while the bundle is written: no file, the number taken."""
    real = sync.write_atomically

    def pulled(target, data):
        raise OSError(5, "Input/output error")

    sync.write_atomically = pulled
    try:
        sync.export_bundle(path, r.stick)
    except OSError:
        r.events["killed_export"] += 1
    finally:
        sync.write_atomically = real


def killed_import(r: Review, bundle: Path) -> None:
    """The supervisor's import killed (SIGKILL) after the bundle's rows were written, before it was recorded."""
    code = (
        "import os, signal, sys\n"
        "from fieldsurvey.storage import sync_store\n"
        "def die(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "sync_store.record_bundle = die\n"
        "from fieldsurvey.progress import run_to_end\n"
        "from fieldsurvey.services import sync\n"
        f"run_to_end(sync.import_bundles({str(r.sup)!r}, [{str(bundle)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1], capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    r.events["killed_import"] += 1


def hand_in(r: Review) -> None:
    """Every enumerator hands in, with the faults of real life on the way."""
    users = list(r.enumerators.items())
    first_user, first = users[0]
    killed_export(r, first)                          # enumerator 1: the first export dies, the next one goes
    b = send(r, first)
    (rep,) = bring(r, r.sup, [b])
    assert rep.status == "imported" and rep.missing_sequences == [], (rep.message, rep.missing_sequences)
    (again,) = bring(r, r.sup, [b])                  # the same bundle brought twice
    assert again.status == "already"
    r.events["repeated"] += 1
    if len(users) > 1:
        _, second = users[1]
        b = send(r, second)
        half = r.root / "half.fsbundle"                # copied half-way: refused, nothing changed
        half.write_bytes(b.read_bytes()[: len(b.read_bytes()) // 2])
        (cut,) = bring(r, r.sup, [half])
        assert cut.status == "refused"
        r.events["truncated"] += 1
        killed_import(r, b)                           # the import killed mid-way, then retried
        (rep,) = bring(r, r.sup, [b])
        assert rep.status == "imported", rep.message
    for _, path in users[2:]:
        older = send(r, path)                          # an old bundle brought after a newer one
        with opened(path) as ws:
            some = households.rows(ws)[0].uuid
        edit_answer(path, some, "phone", "0912345678")
        newer = send(r, path)
        (rep_new,) = bring(r, r.sup, [newer])
        (rep_old,) = bring(r, r.sup, [older])
        assert rep_new.status == rep_old.status == "imported" and rep_old.older
        r.events["stale"] += 1


def same_family_twice(r: Review) -> None:
    """Two enumerators enter the same family (same head: name, birth year, ID number, village)."""
    users = list(r.enumerators.items())
    if len(users) < 2:
        return
    head = {"name": "Ma Văn Sình", "id_number": "008086012345", "birth_date": "1980-03-04", "sex": "male"}
    village = r.villages[0]
    made = []
    for _, path in users[:2]:
        uuid = type_new_household(path, r.rng, [village], members=3, head=head)
        made.append(uuid)
    r.duplicates.append((made[0], made[1]))


def settle_duplicates(r: Review) -> None:
    """The supervisor merges the pairs of one family (the first stays) and keeps apart the others."""
    with opened(r.sup) as ws:
        wanted = {frozenset(p) for p in r.duplicates}
        decisions = []
        for d in review.duplicates(ws):
            pair = frozenset((d.a.uuid, d.b.uuid))
            if pair in wanted:
                keep = next(u for u in (d.a.uuid, d.b.uuid) if u in {p[0] for p in r.duplicates})
                decisions.append((d.id, "merge", keep))
                r.events["merged"] += 1
            else:
                decisions.append((d.id, "apart", None))
        if decisions:
            review.decide_duplicates(ws, decisions)


def returns(r: Review) -> None:
    """The supervisor returns two households of the first enumerator: one is fixed, one checked and unchanged."""
    user, path = next(iter(r.enumerators.items()))
    with opened(r.sup) as ws:
        waiting = [row.uuid for row in households.rows(ws, households.HouseholdFilter(owner=user, status="submitted"))]
    fix, keep = waiting[0], waiting[1]
    with opened(r.sup) as ws:
        review.decide(ws, [fix, keep], "return", "Kiểm tra lại diện tích nhà ở")
    bring(r, path, [send(r, r.sup, to=user)])
    edit_answer(path, fix, "floor_area", 42)
    with opened(path) as ws:
        households.step(ws, [keep], households.Action.CONFIRM, "Đã kiểm tra lại, đúng")
    bring(r, r.sup, [send(r, path)])
    r.events["returned_fixed"] += 1
    r.events["returned_confirmed"] += 1


def moved_away(r: Review) -> None:
    """One household moves away as the supervisor learns it; another as its enumerator finds at the door."""
    with opened(r.sup) as ws:
        carried = [row.uuid for row in households.rows(ws) if ws.get_household(row.uuid).get("previous")]
        households.step(ws, [carried[0]], households.Action.MOVE_AWAY, "chuyển vào Hà Giang")
    user, path = list(r.enumerators.items())[-1]
    with opened(path) as ws:
        theirs = [row.uuid for row in households.rows(ws) if row.uuid != carried[0]
                  and ws.get_household(row.uuid).get("previous")]
        households.step(ws, [theirs[0]], households.Action.MOVE_AWAY, "cả nhà đi làm ăn xa")
    bring(r, r.sup, [send(r, path)])
    r.events["moved_away"] += 2


def approve_most(r: Review) -> list[str]:
    """The supervisor approves what waits for review, except a few (so the official figures differ)."""
    with opened(r.sup) as ws:
        waiting = [row.uuid for row in households.rows(ws) if row.status in ("submitted", "confirmed", "complete")]
        approve = waiting[3:]
        if approve:
            review.decide(ws, approve, "approve")
    return approve


def run(root: Path, seed: int = 7, enumerators: int = 3, carried: int = 30, new_each: int = 10) -> Review:
    r = start(root, seed, enumerators, carried)
    hand_out_carried(r)
    fieldwork(r, new_each)
    same_family_twice(r)
    hand_in(r)
    settle_duplicates(r)
    returns(r)
    moved_away(r)
    approve_most(r)
    return r


# --- the truth, straight from the final documents ------------------------------------------------------------------

@dataclass
class Unit:
    residents: int | None = None
    listed: int = 0
    in_progress: int = 0
    unclassified: int = 0
    waiting: int = 0
    classes: Counter = field(default_factory=Counter)
    moved_away: int = 0
    minority_residents: int | None = None                   # the ethnic-minority resident households entered
    minority_classes: Counter = field(default_factory=Counter)   # counted households whose head is not Kinh


def head_is_minority(doc: dict[str, Any]) -> bool:
    """Written out again here: a household is of an ethnic minority when its head's ethnicity (the first member's
    when none is marked head) is given and is not Kinh."""
    members = doc.get("members") or []
    head = next((m for m in members if m.get("relationship") == "head"), members[0] if members else {})
    ethnicity = str(head.get("ethnicity") or "").strip()
    return bool(ethnicity) and ethnicity.casefold() != "kinh"


@dataclass
class Truth:
    villages: dict[str, Unit]
    commune: Unit
    movement: dict[str, dict[str, Counter]]     # class → village ('' = commune) → column → households
    classes: dict[str, str]                     # uuid → class counted
    words: dict[str, str]                       # uuid → what happened to it since last year (docs/figures.md)
    heads: dict[str, str]                       # uuid → the head's name


def truth(path: Path, official: bool = False) -> Truth:
    """The figures from the documents and their statuses alone: each household classified by `assess`, counted
    by the rules of docs/reports.md ("Who is counted") written out here again."""
    counted_statuses = {"approved"} if official else FINISHED
    with opened(path, read_only=True) as ws:
        residents = {v.name: v.residents for v in ws.village_rows()}
        minority = {v.name: v.residents_minority for v in ws.village_rows()}
        rows = [(uuid, json.loads(text), ws.household_state(uuid).status.value)
                for uuid, text in ws.iter_documents()]
    villages = {v: Unit(residents[v], minority_residents=minority[v]) for v in residents}
    movement: dict[str, dict[str, Counter]] = {c: {} for c in POORISH}
    classes: dict[str, str] = {}
    words: dict[str, str] = {}
    heads: dict[str, str] = {}
    for uuid, doc, status in rows:
        if status == "merged":
            continue
        heads[uuid] = next((m.get("name") for m in doc.get("members") or [] if m.get("relationship") == "head"), "")
        village = (doc.get("location") or {}).get("village") or ""
        unit = villages.setdefault(village, Unit())
        cls = str(assess_document(doc, standard_id=STANDARD).household_class)
        prev = doc.get("previous") or None
        chain = ([prev.get("class")] + [e.get("class") for e in prev.get("earlier") or []]) if prev else []
        last = chain[0] if chain else None
        now = cls if status in counted_statuses and cls != "incomplete" else None
        if status == "moved_away":
            unit.moved_away += 1
            now = None
        else:
            unit.listed += 1
            if status in ("draft", "returned"):
                unit.in_progress += 1
            elif official and status not in counted_statuses:
                unit.waiting += 1
            elif cls == "incomplete":
                unit.unclassified += 1
            else:
                unit.classes[cls] += 1
                classes[uuid] = cls
                if head_is_minority(doc):
                    unit.minority_classes[cls] += 1
        if status == "moved_away":
            words[uuid] = "moved_away"
        elif last in POORISH:
            words[uuid] = ("unclassified" if now is None else f"remained_{now}" if now == last
                           else f"{last}_to_{now}" if now in POORISH else "escaped")
        elif now in POORISH:
            words[uuid] = "fell_back" if any(x in POORISH for x in chain[1:]) else "new"
        else:
            words[uuid] = "stayed_out" if now else "unclassified"
        for c in POORISH:
            other = ({"poor", "near_poor"} - {c}).pop()
            m = movement[c].setdefault(village, Counter())
            if last == c:
                m["start"] += 1
                if status == "moved_away":
                    m["moved_away"] += 1
                elif now == c:
                    m["remained"] += 1
                elif now == other:
                    m["to_other"] += 1
                elif now in ("average", "not_poor"):
                    m["escaped"] += 1
                else:
                    m["unclassified"] += 1
            if now == c:
                m["end"] += 1
                if last == other:
                    m["from_other"] += 1
                elif last != c:
                    m["fell_back" if any(x in POORISH for x in chain[1:]) else "new"] += 1
    commune = Unit(sum(residents.values()) if all(v is not None for v in residents.values()) else None,
                   minority_residents=sum(minority.values()) if all(v is not None for v in minority.values())
                   else None)
    for u in villages.values():
        for attr in ("listed", "in_progress", "unclassified", "waiting", "moved_away"):
            setattr(commune, attr, getattr(commune, attr) + getattr(u, attr))
        commune.classes.update(u.classes)
        commune.minority_classes.update(u.minority_classes)
    for c in POORISH:
        total = Counter()
        for m in movement[c].values():
            total.update(m)
        movement[c][""] = total
    return Truth(villages, commune, movement, classes, words, heads)
