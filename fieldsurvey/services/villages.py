"""The commune's villages as the supervisor keeps them, and as they reach the enumerators.

The supervisor **adds**, **renames** and **merges** villages and enters their resident households (**counts**:
services.workspaces.set_residents, with its own checks and change log). A rename or a merge is a recorded change — a row
of the append-only `village_changes` (who, when, old → new) — and every household of the village follows it: its stored
village is changed as a revision of its own, audited as `village` with the reason ("Thôn A → Thôn B"), so History shows
it and every figure, list and printout counts it under the village's new name. Merging adds the two villages' resident
households (and their ethnic-minority ones) together: both were counted from the same register, and the merged village
holds both. A village merged away with no figure entered at all adds nothing (often a name added only to take in
households that named it differently): the kept village's figures stay. Otherwise a number either village lacks is not
entered after the merge either (one alone would be half a figure; the dashboard asks for it). The date becomes the later
of the two, the sources are both named.

The list travels to the enumerators in every return bundle (`villages.json`: `villages_payload`), and the starter
package carries it too; `apply_villages_payload` makes an enumerator's list the supervisor's — all or nothing, a payload
already applied (or older than one applied) changing nothing — and moves the enumerator's own households along the
renames and merges they have not had yet. An enumerator never types a village: the form's village question offers only
these (services/forms.py).

On the supervisor's side, a household handed in with a village's former name (or a listed name typed differently)
follows the rename at once (`follow_renames`, called by the import); one naming a village the supervisor never had is
stored as it came and named in the import summary — it is not added to the list, and the figures show it apart as not on
the list.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from fieldsurvey.errors import WorkspaceError
from fieldsurvey.i18n import fold, t
from fieldsurvey.storage import sync_store as store
from fieldsurvey.storage.workspace import Village, Workspace
from fieldsurvey.sync.records import VillageRow, VillagesPayload, VillageStep, parse_villages, villages_data

MAX_NAME = 100
VERSION_KEY = "villages_version"   # meta: the version of the supervisor's list last applied (an enumerator's side)
REASON_RETURN = "supervisor"       # village_changes.reason of a change that came from the supervisor's list


# --- the list ----------------------------------------------------------------------------------------------------

def village_list(ws: Workspace) -> list[Village]:
    """The villages in their order, with their resident households."""
    return ws.village_rows()


def clean_name(text: str, where: str = "village") -> str:
    """A village's name as typed, made one: NFC, spaces collapsed. Refused: empty, longer than 100 characters, a
    control character."""
    name = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not name:
        raise WorkspaceError("villages.error.empty_name", where)
    if len(name) > MAX_NAME:
        raise WorkspaceError("villages.error.name_too_long", where, n=len(name), max=MAX_NAME)
    if not name.isprintable():
        raise WorkspaceError("villages.error.name_control", where, name=name.encode("unicode_escape").decode())
    return name


def match_village(ws: Workspace, village: str) -> str:
    """The listed village a name stands for (the same once case and diacritics are set aside); refused, naming
    the villages, when none."""
    names = ws.villages()
    if village in names:
        return village
    found = [v for v in names if fold(v) == fold(village)]
    if not found:
        raise WorkspaceError("report.error.no_village", "village", village=village, villages=", ".join(names))
    return found[0]


def _supervisor(ws: Workspace) -> None:
    """The village list is the supervisor's: an enumerator's workspace gets it from them."""
    if ws.meta("role") == "enumerator":
        raise WorkspaceError("villages.error.supervisors", str(ws.path))


def _not_listed(ws: Workspace, name: str, but: str | None = None) -> None:
    """Refuse a name the list already has (the same once case and diacritics are set aside: "Thon Na Dinh" is
    "Thôn Nà Đình")."""
    same = [v for v in ws.villages() if fold(v) == fold(name) and v != but]
    if same:
        raise WorkspaceError("villages.error.exists", name, name=name, existing=same[0])


def add_village(ws: Workspace, name: str) -> Village:
    """A new village at the end of the list (recorded in the change log as added)."""
    _supervisor(ws)
    name = clean_name(name)
    _not_listed(ws, name)
    with ws.transaction():
        ws.add_village(name)
        ws.log_village_change(name, "added", None, name)
    return next(v for v in ws.village_rows() if v.name == name)


def households_in(ws: Workspace, village: str) -> int:
    """How many households (of every status) are stored with this village."""
    return len(ws.households_of_village(village))


@dataclass(frozen=True)
class Moved:
    """What a rename or a merge did: the village's old and new name, and the households that followed it."""
    old: str
    new: str
    households: tuple[str, ...]


def rename_village(ws: Workspace, village: str, new_name: str) -> Moved:
    """Rename a village (its place and resident figures kept); its households follow, each as a revision. A name
    another village has is refused (merge them instead)."""
    _supervisor(ws)
    old = match_village(ws, village)
    new = clean_name(new_name, "new_name")
    if new == old:
        raise WorkspaceError("villages.error.same_name", old, name=old)
    _not_listed(ws, new, but=old)
    with ws.transaction():
        ws.rename_village_row(old, new)
        ws.log_village_change(new, "name", old, new)
        moved = _move_households(ws, old, new, _reason("rename", old, new))
    return Moved(old, new, moved)


def merge_villages(ws: Workspace, village: str, into: str) -> Moved:
    """Merge `village` into `into`: its households follow (each as a revision), its resident households are added
    to `into`'s (see the module's doc), and it leaves the list. Both stay in the change log."""
    _supervisor(ws)
    source, target = match_village(ws, village), match_village(ws, into)
    if source == target:
        raise WorkspaceError("villages.error.merge_same", source, name=source)
    rows = {v.name: v for v in ws.village_rows()}
    a, b = rows[source], rows[target]
    with ws.transaction():
        ws.log_village_change(target, "merged_into", source, target)
        if a.residents is not None or a.residents_minority is not None:   # (nothing entered: nothing to add)
            residents, minority = _added(a.residents, b.residents), _added(a.residents_minority, b.residents_minority)
            dates = [d for d in (a.residents_date, b.residents_date) if d]
            sources = list(dict.fromkeys(s for s in (b.residents_source, a.residents_source) if s))
            ws.set_residents(target, residents, max(dates) if dates else None, "; ".join(sources)[:200] or None,
                             minority=minority, reason="merge")
        moved = _move_households(ws, source, target, _reason("merge", source, target))
        ws.remove_village_row(source)
    return Moved(source, target, moved)


def _added(merged: int | None, kept: int | None) -> int | None:
    """A count after merging a village that has figures entered: both added up; not entered when either is not (one
    alone would be half a figure)."""
    return None if merged is None or kept is None else kept + merged


def _reason(kind: str, old: str, new: str) -> str:
    """The reason each moved household's revision keeps (plain text in the audit log, in Vietnamese as the
    commune's records are; History shows it as it is)."""
    return f"{'Gộp thôn' if kind == 'merge' else 'Đổi tên thôn'}: {old} → {new}"


def _move_households(ws: Workspace, old: str, new: str, reason: str, user: str | None = None) -> tuple[str, ...]:
    """Every household stored with village `old` moved to `new`, each as a revision (inside the caller's
    transaction); their likely-duplicate keys (which name the village) are made again at the next import."""
    uuids = ws.households_of_village(old)
    for uuid in uuids:
        ws.move_household_village(uuid, new, reason=reason, user=user)
    store.forget_duplicate_index(ws.db, uuids)
    return tuple(uuids)


# --- the payload: the list as it travels to the enumerators ----------------------------------------------------

def travelling_list(ws: Workspace) -> VillagesPayload:
    """The supervisor's village list as it travels (see `villages_payload`), not yet plain data."""
    version = ws.db.execute("SELECT COALESCE(MAX(id), 0) FROM village_changes").fetchone()[0]
    rows = tuple(VillageRow(v.name, v.residents, v.residents_minority, v.residents_date, v.residents_source)
                 for v in ws.village_rows())
    steps = tuple(VillageStep(i, "rename" if what == "name" else "merge", old, new, at, user)
                  for i, what, old, new, at, user in ws.db.execute(
                      "SELECT id, field, old, new, at, user FROM village_changes "
                      "WHERE field IN ('name', 'merged_into') AND old IS NOT NULL ORDER BY id"))
    return VillagesPayload(version, rows, steps)


def villages_payload(ws: Workspace) -> dict[str, Any]:
    """The supervisor's village list as plain data, for a return bundle (`villages.json`) or a starter package:

    `{"format": 1, "version": N, "villages": [{"name", "residents", "residents_minority", "residents_date",
    "residents_source"}…], "changes": [{"id", "kind": "rename"|"merge", "from", "to", "at", "by"}…]}` —
    `version` is the newest change of the list (the change log's number: it only grows), the villages in their
    order, every rename and merge oldest first."""
    return villages_data(travelling_list(ws))


@dataclass(frozen=True)
class Applied:
    """What applying a supervisor's list did on an enumerator's side. `already`: nothing (it, or a newer one, was
    applied before). `kept`: villages of this workspace not on the supervisor's list, kept because households here
    still name them (the enumerator moves them, or asks the supervisor)."""
    version: int
    already: bool = False
    renamed: tuple[tuple[str, str], ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    households: tuple[str, ...] = field(default=())


def applied_version(ws: Workspace) -> int | None:
    """The version of the supervisor's list this workspace last applied (None: never)."""
    value = ws.meta(VERSION_KEY)
    return int(value) if value is not None else None


def apply_villages_payload(ws: Workspace, payload: dict[str, Any] | VillagesPayload, by: str,
                           where: str = "villages.json") -> Applied:
    """Make this workspace's village list the supervisor's (an enumerator's side; `by`: the supervisor's user, the
    signer of the bundle or package it came in) — in one transaction, all or nothing:

    1. the renames and merges numbered after the version applied here, in order: the village renamed (or taken
       into the other), this workspace's households of it following, each as a revision;
    2. a village here whose name differs from one of the list only by case or diacritics ("Thon Na Dinh", typed
       before the list came) takes the list's name, its households following;
    3. the list's villages added, in its order, with its resident figures; a village here not on it leaves the
       list, unless households here still name it (`kept`).

    A payload whose version is not newer than the one applied here changes nothing (`already`): applying the same
    twice is harmless, and an older list never undoes a newer one. Raises BundleError for a payload that is not one
    (naming `where` and the item)."""
    parsed = payload if isinstance(payload, VillagesPayload) else parse_villages(payload, where)
    before = applied_version(ws)
    if before is not None and parsed.version <= before:
        return Applied(parsed.version, already=True)
    renamed: list[tuple[str, str]] = []
    moved: list[str] = []
    with ws.transaction():
        listed_now = {v.name for v in parsed.villages}
        for step in parsed.steps:
            if before is not None and step.id <= before:
                continue
            if before is None and step.old in listed_now:
                # never applied here (a new workspace, or one from a starter package that had the list as it is):
                # a former name the list uses again now is that village, not the one renamed away from it
                continue
            had = step.old in ws.villages()
            here = _follow(ws, step.old, step.new, step.kind, by)
            moved += here
            if had or here:   # (a step this side had nothing of is not news here)
                renamed.append((step.old, step.new))
        wanted = [v.name for v in parsed.villages]
        for name in wanted:   # the same name typed differently here ("Thon Na Dinh")
            if name in ws.villages():
                continue
            alike = [v for v in ws.villages() if fold(v) == fold(name) and v not in wanted]
            if alike:
                moved += _follow(ws, alike[0], name, "rename", by)
                renamed.append((alike[0], name))
        added = []
        for v in parsed.villages:
            if v.name not in ws.villages():
                ws.add_village(v.name)
                ws.log_village_change(v.name, "added", None, v.name, reason=REASON_RETURN, user=by)
                added.append(v.name)
            ws.set_residents(v.name, v.residents, v.residents_date, v.residents_source,
                             minority=v.residents_minority, reason=REASON_RETURN, user=by)
        removed, kept = [], []
        for name in ws.villages():
            if name in wanted:
                continue
            if ws.households_of_village(name):
                kept.append(name)
            else:
                ws.remove_village_row(name)
                ws.log_village_change(name, "removed", name, None, reason=REASON_RETURN, user=by)
                removed.append(name)
        ws.set_village_order(wanted)
        _follow_assigned(ws, renamed)
        ws.set_meta(VERSION_KEY, str(parsed.version))
    return Applied(parsed.version, False, tuple(renamed), tuple(added), tuple(removed), tuple(kept), tuple(moved))


def _follow_assigned(ws: Workspace, renamed: list[tuple[str, str]]) -> None:
    """The villages a starter package assigned to this enumerator (meta `assigned_villages`, services/starter.py)
    under their names now."""
    text = ws.meta("assigned_villages")
    if not text or not renamed:
        return
    names = json.loads(text)
    for old, new in renamed:
        names = [new if n == old else n for n in names]
    ws.set_meta("assigned_villages", json.dumps(list(dict.fromkeys(names)), ensure_ascii=False))


def _follow(ws: Workspace, old: str, new: str, kind: str, by: str) -> list[str]:
    """One rename or merge of the supervisor's, on this side: the village row renamed (or dropped into `new` when
    this side has both), logged, its households moved."""
    names = ws.villages()
    if old in names:
        if new in names:
            ws.remove_village_row(old)
            ws.log_village_change(new, "merged_into", old, new, reason=REASON_RETURN, user=by)
        else:
            ws.rename_village_row(old, new)
            ws.log_village_change(new, "name", old, new, reason=REASON_RETURN, user=by)
    # the households' revisions are this side's own (its user and device), the reason naming the change
    return list(_move_households(ws, old, new, _reason(kind, old, new)))


# --- the supervisor's import: households naming a former or an unknown village -----------------------------------

@dataclass(frozen=True)
class Followed:
    """Households a hand-in brought with a village's former name, moved to its name now (uuid, old, new), and
    those naming a village the supervisor's list never had (uuid, village)."""
    moved: tuple[tuple[str, str, str], ...] = ()
    unknown: tuple[tuple[str, str], ...] = ()


def follow_renames(ws: Workspace, villages_of: dict[str, str | None], user: str | None = None) -> Followed:
    """For households just imported (uuid → the village their document names): one with a village's former name
    (or a listed name typed differently: case, diacritics) follows the rename or merge (a revision, as the
    supervisor's own rename made); one naming a village never on the list is left as it came and returned in
    `unknown`, for the import summary. Inside the caller's transaction."""
    listed = set(ws.villages())
    moved, unknown = [], []
    for uuid, village in sorted(villages_of.items()):
        if not village or village in listed:
            continue
        now = ws.current_village(village)
        if now is None:   # the same name typed differently ("Thon Na Dinh"): that village
            now = next((v for v in listed if fold(v) == fold(village)), None)
        if now is None:
            unknown.append((uuid, village))
            continue
        ws.move_household_village(uuid, now, reason=_reason("rename", village, now), user=user)
        moved.append((uuid, village, now))
    store.forget_duplicate_index(ws.db, [m[0] for m in moved])
    return Followed(tuple(moved), tuple(unknown))


def village_lines(report: Any, lang: str = "vi") -> list[str]:
    """What an import did about villages, as lines (the CLI's and the app's summary), from its report
    (services.sync.ImportReport): households that followed a rename, households naming a village not on the list, and
    what the supervisor's list changed here."""
    lines = [t("sync.import.village_followed", lang, uuid=uuid, old=old, new=new)
             for uuid, old, new in report.villages_followed]
    lines += [t("sync.import.village_unknown", lang, uuid=uuid, village=village)
              for uuid, village in report.unknown_villages]
    if report.villages:
        lines += _list_lines(report.villages, lang)
    return lines


def _list_lines(changed: dict[str, Any], lang: str = "vi") -> list[str]:
    lines = [t("sync.import.villages_applied", lang)]
    lines += [t("sync.import.village_renamed", lang, old=old, new=new) for old, new in changed.get("renamed", [])]
    if changed.get("added"):
        lines.append(t("sync.import.villages_added", lang, villages=", ".join(changed["added"])))
    if changed.get("removed"):
        lines.append(t("sync.import.villages_removed", lang, villages=", ".join(changed["removed"])))
    if changed.get("kept"):
        lines.append(t("sync.import.villages_kept", lang, villages=", ".join(changed["kept"])))
    if changed.get("households"):
        lines.append(t("sync.import.villages_households", lang, n=changed["households"]))
    return lines
