"""Property: random edits on three devices, random hand-ins and return bundles, in any order, end with no lost
revision and no silent overwrite at the supervisor's. (More examples: FIELDSURVEY_PROPERTY_EXAMPLES=300.)"""

from __future__ import annotations

import json

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldsurvey.services.workspaces import opened
from fieldsurvey.sync.merge import differences
from tests import onfile
from fieldsurvey.services import sync as svc
from fieldsurvey.storage import sync_store as store
from fieldsurvey.storage.workspace import Workspace

DEVICES = ("lan", "hoa", "thu")
OPS = st.lists(st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(DEVICES), st.integers(0, 2)),
    st.tuples(st.just("hand-in"), st.sampled_from(DEVICES[:2]), st.just(0)),
    st.tuples(st.just("return"), st.sampled_from(DEVICES[:2]), st.just(0)),
    st.tuples(st.just("settle"), st.just("thu"), st.just(0)),
), min_size=1, max_size=14)


def _heads(path):
    with Workspace.open(path) as ws:
        return {u: s["head"] for u, s in store.household_states(ws.db, [r[0] for r in ws.db.execute(
            "SELECT uuid FROM households")]).items()}


def _ancestors(path, uuid, head):
    with Workspace.open(path) as ws:
        return store.ancestors(ws.db, uuid, head)


def _settle_all(site):
    """The supervisor keeps every value on both sides where only one side has it (so nothing is dropped)."""
    while conflicts := onfile.list_conflicts(site.sup):
        c = conflicts[0]
        with opened(site.sup) as ws:
            row = store.conflict(ws.db, c.id)
            local, incoming = ws.get_household(row["uuid"]), json.loads(row["incoming_document"])
        choices = {d["field"]: ("incoming" if d["local"] is None else "local") for d in differences(local, incoming)}
        onfile.resolve_conflict(site.sup, c.id, choices)


@settings(max_examples=int(os.environ.get("FIELDSURVEY_PROPERTY_EXAMPLES", "12")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(ops=OPS)
def test_random_edits_lose_nothing_and_overwrite_nothing_silently(tmp_path_factory, ops):
    from tests.sync.conftest import Site

    site = Site(tmp_path_factory.mktemp("prop"))
    path = {"lan": site.lan, "hoa": site.hoa, "thu": site.sup}
    uuids = [site.add(site.lan, "lan", "Lò Văn Pả"), site.add(site.lan, "lan", "Hà Thị Lan"),
             site.add(site.hoa, "hoa", "Ma Văn Tuấn")]
    owner = {uuids[0]: "lan", uuids[1]: "lan", uuids[2]: "hoa"}
    site.send(site.lan, site.sup)
    site.send(site.hoa, site.sup)
    tokens: dict[str, set[str]] = {u: set() for u in uuids}
    n = 0
    for op, who, i in ops:
        u = uuids[i]
        if op == "edit":
            if who != "thu" and owner[u] != who:
                continue
            n += 1
            token = f"edit_{n}"
            tokens[u].add(token)
            site.edit(path[who], u, lambda d, t=token: d["household"].update({t: who}))
        elif op == "hand-in":
            before = _heads(site.sup)
            site.send(path[who], site.sup)
            after = _heads(site.sup)
            for uid, head in after.items():
                if head != before.get(uid):   # a head only ever moves forward
                    assert before[uid] in _ancestors(site.sup, uid, head)
        elif op == "return":
            site.send(site.sup, path[who], to=who)
        else:
            _settle_all(site)
    # final round: everyone hands in, the supervisor settles, sends back, everyone hands in again
    for who in ("lan", "hoa"):
        site.send(path[who], site.sup)
    _settle_all(site)
    for uid, toks in tokens.items():
        doc = site.doc(site.sup, uid)
        missing = {t for t in toks if t not in doc["household"]}
        assert missing == set(), (uid, missing)
    for who in ("lan", "hoa"):
        site.send(site.sup, path[who], to=who)
        site.send(path[who], site.sup)
    assert onfile.list_conflicts(site.sup) == []
    # no lost revision: every revision an enumerator made is known to the supervisor (in the household's history)
    with Workspace.open(site.sup) as ws:
        held = {r[0] for r in ws.db.execute("SELECT id FROM revisions")}
    for who in ("lan", "hoa"):
        with Workspace.open(path[who]) as ws:
            made = {r[0] for r in ws.db.execute("SELECT id FROM revisions WHERE device = ?", [f"dev-{who}"])}
        assert made and made <= held, (who, made - held)
