"""The importer's reader process: reading (parsing, normalizing, preparing rows) in a forked
child while the importing process loads, so that two cores work. The child never touches the
database; events come back through a pipe in chunks."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import queue
import threading
import traceback
from collections.abc import Callable, Iterator

# The reader process sends events in chunks and may run AHEAD chunks ahead of the loader, so
# that neither waits for the other while memory stays bounded. Its first chunk is the loader's
# first batch (importer.FIRST_BATCH), sent as soon as it is read.
FIRST_CHUNK = 100
CHUNK = 250
AHEAD = 4
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
    child = ctx.Process(target=_read_into, args=(events, paths, sender), daemon=True)
    child.start()  # now, not on the first next(): nothing may start a thread in between
    sender.close()
    return _received(child, receiver)


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


def _received(child, receiver) -> Iterator[tuple]:
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
        if child.is_alive():
            child.terminate()
        child.join()  # the pipe's other end is closed now: the taker ends
        while taker.is_alive():
            try:  # make room for its last put
                inbox.get_nowait()
            except queue.Empty:
                taker.join(0.1)
        receiver.close()


def _pump(get: Callable[[], object], put: Callable[[object], None]) -> None:
    """Move chunks from get() to put() up to the last: None (the end), a traceback (str) or
    EOFError (the reader gone)."""
    while True:
        item = get()
        put(item)
        if item is None or item is EOFError or isinstance(item, str):
            return


def _read_into(events, paths: list, sender) -> None:
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
