"""The starter package's use cases, for the CLI and the app: the supervisor makes one for an enumerator; the
enumerator's first run reads it (who signed it, the fingerprint to compare once) and, once confirmed, makes the
workspace from it — identity made, supervisor trusted, commune and villages fixed. The format: fieldsurvey/sync/
starter.py; why it is signed and not encrypted: docs/sync.md."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from fieldsurvey.domain import refdata
from fieldsurvey.errors import BundleError, FieldSurveyError, WorkspaceError
from fieldsurvey.services import forms, sync
from fieldsurvey.services.assessment import registry
from fieldsurvey.services.villages import apply_villages_payload, travelling_list
from fieldsurvey.services.workspaces import user_id
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo
from fieldsurvey.sync.container import read_file, write_atomically
from fieldsurvey.sync.keys import key_file_for
from fieldsurvey.sync.starter import (LIMITS, SUFFIX, Assignment, Starter, pack_starter,
                                      read_starter as _read)

STARTERS_META = "starters"   # the supervisor's workspace: the packages made, user → name, villages, when


@dataclass(frozen=True)
class MadeStarter:
    path: Path
    user: str
    name: str
    villages: int


def make_starter(path: Path, out: Path, name: str, user: str | None = None, villages: tuple[str, ...] = (),
                 at: datetime | None = None) -> MadeStarter:
    """Write the starter package for one enumerator (`name` as people know them; `user`: the id households are
    owned by, from the name when not given; `villages`: those assigned, none meaning the whole commune) into
    `out` — a folder (`<commune>-<user>.fsstart`) or a file name. A supervisor's workspace only."""
    path = Path(path)
    me = sync.identity_of(path)
    if me.role != "supervisor":
        raise WorkspaceError("starter.error.needs_supervisor", str(path))
    name = " ".join(name.split())
    if not name:
        raise WorkspaceError("gui.error.no_enumerator", "enumerator")
    user = user or user_id(name)
    if user == me.user:
        raise WorkspaceError("starter.error.for_supervisor", str(path), user=user)
    at = at or datetime.now(timezone.utc)
    with Workspace.open(path) as ws:
        info = ws.info
        listed = travelling_list(ws)
        rows = listed.villages
        if not rows:
            raise WorkspaceError("starter.error.no_villages", str(path))
        known = {v.name for v in rows}
        for v in villages:
            if v not in known:
                raise WorkspaceError("report.error.no_village", "village", village=v, villages=", ".join(known))
        form = forms.current_form(info.review_year)
        starter = Starter(me.public, ws.meta("enumerator") or ws.meta("name") or me.user, info.province_code,
                          info.commune_code, info.review_year, info.review_kind, info.standard_id, form.form_id,
                          form.version, listed, Assignment(user, name, tuple(villages)),
                          at.isoformat(timespec="seconds"))
        data = pack_starter(starter, me)
        out = Path(out)
        if out.is_dir():
            out = out / f"{info.commune_code}-{user}{SUFFIX}"
        write_atomically(out, data)
        made = json.loads(ws.meta(STARTERS_META) or "{}")
        made[user] = {"name": name, "villages": list(villages), "made_at": starter.created_at}
        ws.set_meta(STARTERS_META, json.dumps(made, ensure_ascii=False, sort_keys=True))
    return MadeStarter(out, user, name, len(rows))


def starters_made(ws: Workspace) -> dict[str, dict]:
    """The packages this supervisor made: user → {name, villages, made_at}."""
    return json.loads(ws.meta(STARTERS_META) or "{}")


def enumerator_name(path: Path, user: str) -> str | None:
    """The name the supervisor gave `user` in a starter package (None: no package was made for them)."""
    with Workspace.open(path, read_only=True) as ws:
        return (starters_made(ws).get(user) or {}).get("name")


def read_starter(file: Path) -> Starter:
    """A starter package read and checked (signature, shape): who signed it and its fingerprint
    (`sync.spoken_fingerprint(starter.supervisor)`) to show before anything is made."""
    file = Path(file)
    return _read(read_file(file, LIMITS), file.name)


def shown(pkg: Starter) -> dict[str, str]:
    """What the first run shows of a package before anything is made: the supervisor (name, user, device) and
    their fingerprint to compare, the commune, the review year, whom it is for, the villages."""
    unit = refdata.commune(pkg.commune_code)
    return {"supervisor": pkg.supervisor_name, "user": pkg.supervisor.user, "device": pkg.supervisor.device,
            "fingerprint": sync.spoken_fingerprint(pkg.supervisor),
            "commune": f"{unit.name if unit else ''} ({pkg.commune_code})", "year": str(pkg.review_year),
            "name": pkg.assignment.name, "enumerator": pkg.assignment.user,
            "villages": ", ".join(v.name for v in pkg.villages.villages)}


def check_new(path: Path) -> None:
    """Refusals of the new workspace's file name, made before a passphrase is asked."""
    path = Path(path)
    if path.exists():
        raise WorkspaceError("storage.error.file_exists_create", str(path))
    if key_file_for(path).exists():
        raise WorkspaceError("sync.error.identity_exists", str(key_file_for(path)))


def create_from_starter(file: Path, path: Path, fingerprint: str) -> Path:
    """The enumerator's workspace made from a starter package, once the supervisor's fingerprint was compared
    (`fingerprint`: what was confirmed; refused when it differs or is empty, and nothing is made): the commune, its
    villages and their figures fixed from the package, the enumerator recorded, this installation's identity made,
    the supervisor's key trusted. All or nothing: a refusal on the way removes what was made. Encrypted when the
    caller made its key header first (services.encryption.new_encrypted), as the setup does."""
    file, path = Path(file), Path(path)
    starter = read_starter(file)
    sync.check_fingerprint(starter.supervisor, fingerprint, file.name)
    check_new(path)
    unit = refdata.commune(starter.commune_code)
    if unit is None:
        raise WorkspaceError("storage.error.no_commune", file.name, code=starter.commune_code)
    if starter.form_version not in forms.installed_versions().get(starter.form_id, []):
        raise BundleError("starter.error.form_not_installed", file.name, form=starter.form_id,
                          version=starter.form_version)
    if starter.standard_id not in registry().ids():
        raise BundleError("starter.error.standard_not_installed", file.name, standard=starter.standard_id)
    info = WorkspaceInfo(unit.province_code, unit.province_name, unit.code, unit.name, unit.area.value,
                         starter.review_year, starter.review_kind, starter.standard_id)
    a = starter.assignment
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with Workspace.create(path, info) as ws:
            apply_villages_payload(ws, starter.villages, by=starter.supervisor.user, where=file.name)
            ws.set_meta("enumerator", a.name)
            ws.set_meta("enumerator_id", a.user)
            ws.set_meta("assigned_villages", json.dumps(list(a.villages), ensure_ascii=False))
            ws.set_meta("supervisor_name", starter.supervisor_name)
        sync.init_workspace(path, a.user, "enumerator")
        sync.trust_key(path, starter.supervisor, fingerprint, file.name)
    except (FieldSurveyError, OSError):
        for left in (path, key_file_for(path)):
            left.unlink(missing_ok=True)
        raise
    return path


def assigned_villages(ws: Workspace) -> list[str]:
    """The villages the supervisor assigned to this enumerator (empty: the whole commune, or not set up from a
    starter package)."""
    return json.loads(ws.meta("assigned_villages") or "[]")

