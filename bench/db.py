"""Benchmark databases: separate databases on the portal's PostgreSQL server.

`portal_bench_<size>` holds one synthetic corpus. A small `bench_meta` table records which
generator version and size built it and whether the build finished; `bench_chunks` records the
chunks already loaded, so an interrupted build resumes where it stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def server_url() -> str:
    """DATABASE_URL, attaching the embedded server first when it is not set."""
    if not os.environ.get("DATABASE_URL"):
        from portal import pgembed

        pgembed.attach()
    return os.environ["DATABASE_URL"]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def conninfo(url: str) -> str:
    cfg = dj_database_url.parse(url)
    out = f"host={cfg['HOST']} port={cfg['PORT'] or 5432} dbname={cfg['NAME']}"
    if cfg.get("USER"):
        out += f" user={cfg['USER']}"
    if cfg.get("PASSWORD"):
        out += f" password={cfg['PASSWORD']}"
    return out


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(conninfo(url), **kwargs)


def exists(server: str, name: str) -> bool:
    with connect(with_database(server, "postgres"), autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def create(server: str, name: str) -> None:
    """A database as the portal's own is made (portal.pgembed.create_database)."""
    from portal.pgembed import create_database

    with connect(with_database(server, "postgres"), autocommit=True) as conn:
        create_database(conn, name)


def drop(server: str, name: str) -> None:
    with connect(with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url: str, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    """Run `manage.py ARGS` against the database at `url`."""
    env = os.environ | {"DATABASE_URL": url}
    return subprocess.run(  # noqa: S603 - our own manage.py
        [PY, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=not capture,
        capture_output=capture,
        text=True,
    )


def ensure_meta(url: str) -> None:
    with connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
        conn.execute("CREATE TABLE IF NOT EXISTS bench_chunks (chunk int PRIMARY KEY)")


def read_meta(url: str) -> dict[str, str]:
    try:
        with connect(url) as conn:
            return dict(conn.execute("SELECT key, value FROM bench_meta").fetchall())
    except psycopg.Error:
        return {}


def write_meta(url: str, **values) -> None:
    with connect(url, autocommit=True) as conn:
        for key, value in values.items():
            conn.execute(
                "INSERT INTO bench_meta VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, str(value)],
            )


def done_chunks(url: str) -> set[int]:
    with connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT chunk FROM bench_chunks").fetchall()}
