"""A real PostgreSQL server for the tests, from the binaries the `pgserver` wheel brings (the test extra), in a
throw-away folder, listening on 127.0.0.1 only, on a free port; stopped and removed at the end.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as a dedicated system user
(`fieldsurvey-pg`, made with useradd when missing, no home, no shell) that owns the throw-away folder. The binaries
are copied into that folder (with the wheel's libraries beside them, where their RPATH looks), so the user needs no
access to the virtual environment's folders and nothing outside the folder changes hands.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SYSTEM_USER = "fieldsurvey-pg"


def _wheel() -> Path:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the test extra's pgserver wheel is not installed: pip install '.[test]'")
    return Path(list(spec.submodule_search_locations)[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _system_user() -> str | None:
    """None when not root; else the user the server runs as (made when missing)."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       check=True, capture_output=True)
    return SYSTEM_USER


@dataclass
class Server:
    base: Path
    port: int
    user: str | None

    @property
    def bin(self) -> Path:
        return self.base / "pgserver" / "pginstall" / "bin"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: object) -> subprocess.CompletedProcess:
        kw = {"user": self.user} if self.user else {}
        done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=self.base, **kw)
        if done.returncode != 0:
            log = self.base / "data" / "log"
            raise RuntimeError(f"{args[0]} failed: {done.stderr}\n{log.read_text() if log.exists() else ''}")
        return done

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(self.bin / "pg_ctl", "-D", self.base / "data", "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def start() -> Server:
    wheel = _wheel()
    user = _system_user()
    base = Path(tempfile.mkdtemp(prefix="fieldsurvey-pg-"))
    try:
        shutil.copytree(wheel / "pginstall", base / "pgserver" / "pginstall", symlinks=True)
        libs = wheel.parent / "pgserver.libs"
        if libs.is_dir():
            shutil.copytree(libs, base / "pgserver.libs", symlinks=True)
        (base / "data").mkdir()
        os.chmod(base, 0o755)
        if user:
            import pwd

            pw = pwd.getpwnam(user)
            for p in (base, base / "data"):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        server = Server(base, _free_port(), user)
        server._run(server.bin / "initdb", "-D", base / "data", "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                    "--locale=C", "--no-sync")
        server._run(server.bin / "pg_ctl", "-D", base / "data", "-w", "-t", "60", "-l", base / "data" / "log", "-o",
                    f"-h 127.0.0.1 -p {server.port} -k '' -c fsync=off -c synchronous_commit=off "
                    "-c full_page_writes=off", "start")
        return server
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
