"""`manage.py boot [--collectstatic] [--worker] -- CMD...`: get the database ready, then run CMD.

Used by `make run` and `make serve`: migrate, load the vocabularies, load fixtures/ when there
are no trials yet, then exec the server (so signals reach it directly). With `--worker`, boot
stays as a small supervisor instead: it runs CMD and the job worker (`manage.py procrastinate
worker`, trials/jobs.py) side by side, each in a process group of its own, and

- passes SIGINT/SIGTERM/SIGHUP on to both groups (a server's own children, such as
  runserver's autoreloader, included), waits GRACE seconds, then kills what is left;
- stops the other when one of them ends, and exits with the server's status;
- is outlived by neither: they get SIGTERM from the kernel if boot itself dies (even by
  SIGKILL; Linux's parent-death signal).
"""

import contextlib
import ctypes
import functools
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from trials import jobs
from trials.loading import vocab_tables
from trials.models import Trial

FIXTURE_SOURCES = settings.BASE_DIR / "fixtures" / "sources"
# How long the server and the worker get to stop after a signal before they are killed. The
# worker lets a running job finish for WORKER_GRACE seconds; an import still running then is
# killed, keeps nothing (its transaction rolls back) and is queued again when a worker is back
# (trials.jobs.retry_stalled_jobs).
GRACE = 15
WORKER_GRACE = 10
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def worker_command() -> list[str]:
    return [
        sys.executable,
        str(settings.BASE_DIR / "manage.py"),
        "procrastinate",
        "worker",
        # Two at a time: the small periodic jobs never wait behind a long import (imports and
        # the sync still run one at a time: they share the lock "imports").
        "--concurrency=2",
        f"--shutdown-graceful-timeout={WORKER_GRACE}",
    ]


class Command(BaseCommand):
    help = "Migrate, load vocabularies and starter data, then run the given command."

    def add_arguments(self, parser):
        parser.add_argument("--collectstatic", action="store_true")
        parser.add_argument(
            "--worker", action="store_true", help="run the job worker beside the command"
        )
        parser.add_argument("command", nargs="*", help="what to run afterwards (after --)")

    def handle(self, *args, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        added = vocab_tables.load()
        if any(added.values()):
            self.stdout.write(f"vocabulary: added {added}")
        if not Trial.objects.exists():
            self.stdout.write(f"No trials yet: loading the starter data from {FIXTURE_SOURCES}")
            call_command("import_trials", str(FIXTURE_SOURCES))
        if opts["collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            "To create an admin user: .venv/bin/python manage.py createsuperuser "
            f"(then open /{settings.ADMIN_URL})"
        )
        if not opts["command"]:
            return
        if opts["worker"] and jobs.queue_first_sync():
            self.stdout.write(
                "No ClinicalTrials.gov sync yet: one is queued and runs in the background "
                "(admin → Sync runs; SYNC_CTGOV=0 turns it off)"
            )
        sys.stdout.flush()
        connections.close_all()  # nothing of ours is inherited
        if not opts["worker"]:
            os.execvp(opts["command"][0], opts["command"])  # noqa: S606 - our own Makefile line
        self.stdout.write("Starting the job worker beside the server (trials/jobs.py)")
        sys.stdout.flush()
        nice = (0, settings.JOB_WORKER_NICE)
        sys.exit(supervise(opts["command"], worker_command(), nice=nice))


def _in_child(nice: int = 0) -> None:  # pragma: no cover - runs in the child before exec
    """In a child before exec: the stop signals unblocked (blocked in the supervisor while it
    starts its children), SIGTERM when the supervisor dies (PR_SET_PDEATHSIG = 1), and its
    CPU priority lowered by `nice`."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    if nice:
        os.nice(nice)


def supervise(*commands: list[str], grace: float = GRACE, nice: tuple[int, ...] = ()) -> int:
    """Run the commands side by side until one ends or a stop signal comes; stop them all
    (no process left behind); the first command's exit status (128 + N after signal N).
    `nice`: how much lower each command's CPU priority is (by position; none: the same)."""
    stopping: list[int] = []
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # none lost while starting
    lowered = [*nice, *[0] * len(commands)]
    children = [
        subprocess.Popen(  # noqa: S603
            cmd, process_group=0, preexec_fn=functools.partial(_in_child, lowered[position])
        )
        for position, cmd in enumerate(commands)
    ]

    def on_signal(signum, frame):
        stopping.append(signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.1)
    signum = stopping[0] if stopping else signal.SIGTERM
    for child in children:
        _signal_group(child, signum)
    deadline = time.monotonic() + grace
    while any(child.poll() is None for child in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    for child in children:
        _signal_group(child, signal.SIGKILL)  # also what a child left in its group
        child.wait()
    status = children[0].returncode
    return 128 - status if status < 0 else status


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)
