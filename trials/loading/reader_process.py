"""The importer's reader process: reading (parsing, normalizing, preparing rows) in a forked
child while the importing process loads, so that two cores work. The child never touches the
database; events come back through a pipe in chunks.

Killing an import at any moment leaves nothing behind (tests/test_hostile_kill.py): the child
lets go of the database connection it inherits as its first act (the server sees the importer's
session end when the importer dies, and rolls its transaction back), dies with its parent
(PR_SET_PDEATHSIG, and a pipe whose end of file means the parent is gone), dies at once on
SIGTERM and leaves Ctrl-C to its parent, which stops it."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator

# The reader process sends events in chunks and may run AHEAD chunks ahead of the loader, so
# that neither waits for the other while memory stays bounded. Its first chunk is the loader's
# first batch (importer.FIRST_BATCH), sent as soon as it is read.
FIRST_CHUNK = 100
CHUNK = 250
AHEAD = 4
# How long stopping waits for the reader to go, and for the thread that takes its chunks to
# end, before it kills the one and leaves the other (a daemon thread ends with the process).
STOP_WAIT = 5.0
END = "end"  # the event that ends a document of a streaming reader (in_streaming_reader)


def can_fork() -> bool:
    """A forked reader is safe only from a single-threaded process (a forked child gets copies
    of locks that other threads may hold); elsewhere (runserver, test live servers, a library
    with threads of its own) reading stays in the importing process."""
    if not hasattr(os, "fork"):
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1  # threads Python did not start count too
    except OSError:
        return threading.active_count() == 1


def in_reader_process(events: Callable[[list], Iterator[tuple]], paths: list) -> Iterator[tuple]:
    """`events(paths)` computed in a forked child and received here in chunks, so that one
    core parses and normalizes while the other loads. The child waits when it is AHEAD
    chunks ahead of the loader, so memory stays flat. The child never
    touches the database (it inherits the parent's connection and must leave it alone)."""
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    # The parent holds the only writing end of `life` (the child closes its copy): its end of
    # file in the child means the parent is gone, however it died.
    life_read, life_write = os.pipe()
    child = ctx.Process(
        target=_child_main,
        args=(events, paths, sender, (os.getpid(), life_read, life_write)),
        daemon=True,
    )
    child.start()  # now, not on the first next(): nothing may start a thread in between
    sender.close()
    os.close(life_read)
    return _received(child, receiver, life_write)


def in_streaming_reader(
    read: Callable[[str, bytes], Iterator[tuple]],
) -> tuple[Iterator[tuple], Callable[[tuple[str, bytes] | None], None]]:
    """One forked reader for documents sent one by one (see importer.DocumentStream): returns
    the events and `send`. `send((name, data))` hands the reader a document; its events are
    `read(name, data)`'s, then (END, name). `send(None)` ends the reader once it has read what
    was sent. A thread writes to the pipe, so that a large document is written while the
    reader still sends the events of the one before (neither side waits for the other)."""
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)

    def events(_):  # in the reader process
        sender.close()  # so that the parent's end closing (or dying) ends this loop
        while True:
            try:
                item = receiver.recv()
            except (EOFError, OSError):
                return
            if item is None:
                return
            name, data = item
            yield from read(name, data)
            yield (END, name)

    received = in_reader_process(events, [])
    receiver.close()
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_pump, args=(outbox.get, _sending(sender)), daemon=True).start()
    return received, outbox.put


def _sending(sender) -> Callable[[object], None]:
    def send(item) -> None:
        with contextlib.suppress(OSError):  # the reader is gone: its events say why
            sender.send(item)
        if item is None:
            sender.close()

    return send


def _received(child, receiver, life_write: int) -> Iterator[tuple]:
    """The reader's events. A thread takes each chunk off the pipe as it comes (a chunk is
    megabytes, written through a pipe of 64 kB) while this thread waits for the database."""
    inbox: queue.Queue = queue.Queue(maxsize=AHEAD)

    def receive():
        try:
            return receiver.recv()
        except (EOFError, OSError):  # the reader is gone
            return EOFError

    taker = threading.Thread(target=_pump, args=(receive, inbox.put), daemon=True)
    taker.start()
    try:
        while True:
            chunk = inbox.get()
            if chunk is EOFError:
                child.join(5)
                raise RuntimeError(f"the reader process ended early (exit {child.exitcode})")
            if chunk is None:
                return
            if isinstance(chunk, str):
                raise RuntimeError(f"the reader process failed:\n{chunk}")
            yield from chunk
    finally:
        _stop(child)  # the pipe's other end is closed now: the taker ends
        deadline = time.monotonic() + STOP_WAIT
        while taker.is_alive() and time.monotonic() < deadline:
            try:  # make room for its last put
                inbox.get_nowait()
            except queue.Empty:
                taker.join(0.1)
        receiver.close()
        os.close(life_write)


def _stop(child) -> None:
    """End the reader: SIGTERM, then SIGKILL if it has not gone within STOP_WAIT seconds."""
    if child.is_alive():
        child.terminate()
        child.join(STOP_WAIT)
    if child.is_alive():
        child.kill()
    child.join()


def _pump(get: Callable[[], object], put: Callable[[object], None]) -> None:
    """Move chunks from get() to put() up to the last: None (the end), a traceback (str) or
    EOFError (the reader gone)."""
    while True:
        item = get()
        put(item)
        if item is None or item is EOFError or isinstance(item, str):
            return


def _child_main(events, paths: list[str], sender, parent: tuple[int, int, int]) -> None:
    """The reader process's first acts, before any reading: let go of the database, tie its
    life to the parent's, take its own signal dispositions; then read."""
    parent_pid, life_read, life_write = parent
    _drop_database_connections()
    os.close(life_write)
    # SIGTERM (the parent's terminate(), a `kill` of the group) ends it at once: a Python
    # handler inherited from the parent (pgembed turns SIGTERM into SystemExit) would unwind
    # into joins of threads blocked on a pipe nobody reads. Ctrl-C is the parent's to handle.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    threading.Thread(target=_exit_on_eof, args=(life_read,), daemon=True).start()
    _read_into(events, paths, sender)


def _drop_database_connections() -> None:
    """Let go of the database connections inherited from the parent without a word to the
    server: closing them would end the parent's session (libpq says goodbye on the socket the
    two share). The socket's descriptor is pointed at /dev/null instead, so that the server
    sees the session end when the parent dies, and anything written to it goes nowhere."""
    if "django.db" not in sys.modules:
        return
    from django.db import connections

    null = os.open(os.devnull, os.O_RDWR)
    try:
        for wrapper in connections.all(initialized_only=True):
            raw = wrapper.connection
            if raw is None:
                continue
            with contextlib.suppress(OSError, ValueError, AttributeError):  # already closed
                os.dup2(null, raw.fileno())
            wrapper.connection = None  # Django opens no new one here: the child never queries
    finally:
        os.close(null)


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG); exit
    now if the parent died before the request."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no libc prctl: the pipe's end of file still tells
            pass
    if os.getppid() != parent_pid:
        os._exit(1)


def _exit_on_eof(life_read: int) -> None:
    """Exit the process when the parent's end of the life pipe closes (the parent died)."""
    try:
        while os.read(life_read, 1):
            pass
    except OSError:
        pass
    os._exit(1)


def _read_into(events, paths: list[str], sender) -> None:
    """The reader process: send `events(paths)` in chunks, then None (or a traceback). A
    thread sends (pickles and writes) while the reader goes on, up to AHEAD chunks ahead."""
    outbox: queue.Queue = queue.Queue(maxsize=AHEAD)
    # What the parent built (vocabulary, Django) is never garbage: collections skip it.
    gc.freeze()

    poster = threading.Thread(target=_pump, args=(outbox.get, sender.send), daemon=True)
    poster.start()
    try:
        chunk: list[tuple] = []
        size = FIRST_CHUNK  # the loader's first batch, as soon as it is read
        for event in events(paths):
            chunk.append(event)
            # A streamed document is sent whole as soon as it is read (its loader waits).
            if len(chunk) >= size or event[0] == END:
                outbox.put(chunk)
                chunk, size = [], CHUNK
        outbox.put(chunk)
        outbox.put(None)
    except Exception:
        outbox.put(traceback.format_exc())
    finally:
        poster.join()
        sender.close()
