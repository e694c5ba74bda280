"""A polite HTTP client for registry APIs (stdlib only: urllib, gzip).

Polite: at most `rate` requests a second (request starts at least 1/rate s apart), and on a 429,
a 5xx, a timeout, a broken connection or a truncated body it waits and tries again, up to
`retries` times: exponential backoff (`backoff`, doubling, capped at `max_wait`) with full
jitter, or the server's `Retry-After` when it sends one. Then a clear `FetchError`.

Why the standard library: the client needs GET, a timeout, gzip and a status code; urllib has
them, and no well-kept Python client for ClinicalTrials.gov's API v2 exists to adopt instead
(docs/research: "a thin pager of our own is the norm"). One dependency fewer to pin and audit.

Time is read and spent through a `Clock` (monotonic time and sleep), so tests run a fake one
and never sleep for real.
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass

import orjson

USER_AGENT = "skin-trials-portal-sync/1 (+https://github.com/; polite harvester, <=1 req/s)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Clock:
    """Real time. Tests pass a fake with the same two methods."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FetchError(Exception):
    """A request that failed for good (retries spent, or an answer not worth retrying)."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait  # the server's Retry-After, when it gave one


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    waited: float = 0.0  # seconds spent waiting (rate limit and backoff)


class Client:
    def __init__(
        self,
        base_url: str,
        *,
        rate: float = 1.0,
        timeout: float = 60.0,
        retries: int = 6,
        backoff: float = 2.0,
        max_wait: float = 600.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.clock = clock or Clock()
        self.rng = rng or random.Random()
        self.stats = Stats()
        self._last_start: float | None = None

    def url(self, path: str, params: dict | None = None) -> str:
        query = urllib.parse.urlencode(params or {}, quote_via=urllib.parse.quote)
        return f"{self.base_url}/{path.lstrip('/')}" + (f"?{query}" if query else "")

    def get_json(self, path: str, params: dict | None = None) -> tuple[object, bytes]:
        """GET and parse a JSON answer: (the parsed value, the body). A body that does not
        parse is taken as truncated in transit and asked for again."""
        url = self.url(path, params)
        attempt = 0
        while True:
            try:
                body = self._get_once(url)
                try:
                    return orjson.loads(body), body
                except ValueError as exc:  # cut short (or garbled) on the way: ask again
                    raise _Retry(f"unreadable JSON ({exc.__class__.__name__}: {exc})") from None
            except _Retry as retry:
                attempt += 1
                if attempt > self.retries:
                    raise FetchError(
                        f"GET {url}: gave up after {attempt} attempts (last: {retry})"
                    ) from None
                self.stats.retries += 1
                wait = self._backoff(attempt) if retry.wait is None else retry.wait
                if wait > self.max_wait:
                    raise FetchError(
                        f"GET {url}: the server asks to wait {wait:.0f} s (more than "
                        f"{self.max_wait:.0f} s) after: {retry}"
                    ) from None
                self._sleep(wait)

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform between 0 and backoff * 2^(attempt-1), capped; never less than
        the rate limit's interval."""
        ceiling = min(self.max_wait, self.backoff * 2 ** (attempt - 1))
        return max(self.interval, self.rng.uniform(ceiling / 2, ceiling))

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.waited += seconds
            self.clock.sleep(seconds)

    def _pace(self) -> None:
        if self._last_start is not None and self.interval:
            wait = self._last_start + self.interval - self.clock.monotonic()
            self._sleep(wait)
        self._last_start = self.clock.monotonic()

    def _get_once(self, url: str) -> bytes:
        self._pace()
        self.stats.requests += 1
        request = urllib.request.Request(  # noqa: S310 (http(s) only: checked in __init__)
            url,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "User-Agent": USER_AGENT,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
                encoding = response.headers.get("Content-Encoding", "")
        except urllib.error.HTTPError as exc:
            status = exc.code
            try:
                text = exc.read().decode("utf-8", "replace")[:2000]
            except (OSError, http.client.HTTPException):
                text = ""
            finally:
                exc.close()
            if status in RETRY_STATUSES:
                wait = _retry_after(exc.headers.get("Retry-After"))
                raise _Retry(f"HTTP {status}", wait) from None
            raise FetchError(f"GET {url}: HTTP {status}: {text[:300]}", status, text) from None
        except http.client.IncompleteRead as exc:
            raise _Retry(f"truncated body ({len(exc.partial)} bytes read)") from None
        except TimeoutError as exc:
            raise _Retry(f"timed out ({exc})") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ValueError | urllib.error.URLError) or _is_bad_url(exc):
                raise FetchError(f"GET {url}: {exc.reason}") from None
            raise _Retry(f"connection failed ({exc.reason})") from None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            raise _Retry(f"connection failed ({exc.__class__.__name__}: {exc})") from None
        if "gzip" in encoding.lower():
            try:
                body = gzip.decompress(body)
            except (EOFError, OSError, zlib.error) as exc:
                raise _Retry(f"truncated gzip body ({exc})") from None
        return body


def _is_bad_url(exc: urllib.error.URLError) -> bool:
    return isinstance(exc.reason, str) and exc.reason.startswith("unknown url type")


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())
