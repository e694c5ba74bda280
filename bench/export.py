"""The export line of `make bench` (issue 17, point 1): every trial of the corpus downloaded as
CSV and as JSON Lines from the benchmark's server (its `EXPORT_MAX_TRIALS` is the corpus size),
timed, while the web workers' resident memory is sampled: an export streams, so the worker that
serves it should grow by a few MB at most, whatever the corpus size. Target: 100,000 trials in
under 30 s."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable

from bench.server import _rss_mb

TARGET_SECONDS = 30
# A worker serving an export may grow this much (MB): more is not flat memory.
FLAT_MB = 50
FORMATS = ("csv", "jsonl")
SAMPLE_EVERY = 0.05


class _Sampler(threading.Thread):
    """Each process's largest resident memory (MB) while it runs."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for pid in self.pids():
                if (mb := _rss_mb(pid)) is not None:
                    self.peak[pid] = max(mb, self.peak.get(pid, 0.0))
            self.done.wait(SAMPLE_EVERY)


def download(base: str, path: str, pids: Callable[[], list[int]]) -> dict:
    """GET base+path to the end, timed, with the memory of `pids` before and at its peak."""
    before = {pid: mb for pid in pids() if (mb := _rss_mb(pid)) is not None}
    sampler = _Sampler(pids)
    sampler.peak.update(before)  # the peak is never below the start (memory freed meanwhile)
    sampler.start()
    began = time.perf_counter()
    size = 0
    try:
        with urllib.request.urlopen(base + path, timeout=600) as response:  # noqa: S310
            headers = response.headers
            while chunk := response.read(1 << 20):
                size += len(chunk)
    finally:
        seconds = time.perf_counter() - began
        sampler.done.set()
        sampler.join()
    growth = {pid: sampler.peak[pid] - mb for pid, mb in before.items() if pid in sampler.peak}
    grown = max(growth, key=growth.get, default=None)
    return {
        "path": path,
        "seconds": round(seconds, 2),
        "bytes": size,
        "mb_per_s": round(size / 1e6 / seconds, 1) if seconds else None,
        "trials": int(headers.get("X-Export-Count") or 0),
        "matching": int(headers.get("X-Total-Count") or 0),
        "truncated": headers.get("X-Export-Truncated") == "1",
        # The worker that grew most (the one that served the export): before and at its peak.
        "rss_before_mb": before.get(grown) if grown else None,
        "rss_peak_mb": sampler.peak.get(grown) if grown else None,
        "rss_growth_mb": round(growth[grown], 1) if grown else None,
    }


def run(base: str, pids: Callable[[], list[int]], formats=FORMATS) -> dict:
    out = {}
    for fmt in formats:
        out[fmt] = measured = download(base, f"/export/trials.{fmt}", pids)
        print(line(fmt, measured), flush=True)
    return out


def line(fmt: str, measured: dict) -> str:
    return (
        f"  export {fmt:5} {measured['trials']:>8} trials in {measured['seconds']:6.1f} s "
        f"({measured['bytes'] / 1e6:.0f} MB, {measured['mb_per_s']} MB/s); serving worker RSS "
        f"{measured['rss_before_mb']} → {measured['rss_peak_mb']} MB "
        f"(+{measured['rss_growth_mb']})"
    )


def checks(size: int, exports: dict) -> list[tuple[bool, str]]:
    note = "" if size >= 100_000 else " (100k target, informational at this size)"
    out = []
    for fmt, measured in exports.items():
        complete = measured["trials"] == measured["matching"] and not measured["truncated"]
        out.append(
            (
                measured["seconds"] <= TARGET_SECONDS and complete,
                f"export {fmt}: {measured['trials']} of {measured['matching']} trials in "
                f"{measured['seconds']:.1f} s ≤ {TARGET_SECONDS}{note}",
            )
        )
        growth = measured["rss_growth_mb"]
        out.append(
            (
                growth is not None and growth <= FLAT_MB,
                f"export {fmt}: the serving worker grew {growth} MB ≤ {FLAT_MB} (flat memory)",
            )
        )
    return out
