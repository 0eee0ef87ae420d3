"""A throw-away PostgreSQL cluster for tests: ``initdb`` + ``pg_ctl`` on a free 127.0.0.1 port
in a temp folder, password authentication (scram-sha-256), stopped and deleted at the end.

PostgreSQL refuses to run as root; as root the cluster belongs to the Debian package's
``postgres`` user (``runuser``). ``scripts/system_deps.sh`` installs the package when missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ddss.orchestration import free_port

__all__ = ["PgCluster", "missing_reason", "throwaway_cluster"]

USER = "ddss"


@dataclass(frozen=True)
class PgCluster:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def dsn(self) -> str:
        """Without the password: that comes from the environment or a file, as in production."""
        return f"host={self.host} port={self.port} user={self.user} dbname={self.dbname}"

    def new_database(self) -> str:
        """A fresh empty database on this cluster (one per test); its DSN, without the password."""
        import psycopg

        name = f"t_{os.urandom(6).hex()}"
        with psycopg.connect(self.dsn, password=self.password, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return f"host={self.host} port={self.port} user={self.user} dbname={name}"


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(versions[-1]) if versions else None


def missing_reason() -> str | None:
    if not (_bin("initdb") and _bin("pg_ctl")):
        return "PostgreSQL (initdb, pg_ctl) is not installed; scripts/system_deps.sh installs it"
    return None


def _as_owner(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def throwaway_cluster() -> Iterator[PgCluster]:
    base = Path(tempfile.mkdtemp(prefix="ddss-pg-"))
    password = os.urandom(12).hex()
    (base / "pw").write_text(password)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(base / "pw", "postgres")
    data, port = base / "data", free_port()
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(
        _as_owner([_bin("initdb"), "-D", str(data), "-U", USER, "-A", "scram-sha-256", f"--pwfile={base / 'pw'}", "-E", "UTF8"]),
        **run,
    )
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
    subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"]), **run)
    try:
        yield PgCluster("127.0.0.1", port, USER, password, "postgres")
    finally:
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
