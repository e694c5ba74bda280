"""A fake ClinicalTrials.gov API v2 on 127.0.0.1, for the sync's tests and benchmark.

It serves `GET /api/v2/version` and `GET /api/v2/studies` as the real API does, for what the
sync uses: `format=json`, `pageSize` (default 10, at most 1000), `pageToken`/`nextPageToken`,
`countTotal` (`totalCount` on the first page only), `query.cond` (terms joined with ` OR `,
quoted or not: a study matches when one term occurs, as whole words, in one of its conditions
or keywords, case-insensitively),
`filter.advanced=AREA[LastUpdatePostDate]RANGE[from,to]` (`MIN`/`MAX`) and `filter.ids`
(comma- or pipe-separated NCT IDs). Studies are answered in NCT ID order.

Failures are scripted with `fail_next(kind, ...)`, each for one coming request to a path:
`429` (with Retry-After), `503`, `slow` (answers after `seconds`), `truncate` (Content-Length
of the whole body, half of it sent, connection closed), `expire` (every page token given so
far answers 400, as an expired token does: for the next request that carries one). Every
request is logged (`requests`).

Run standalone for the benchmark: `python -m tests.fakes.ctgov --synthetic 5000 --port 8123`.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson

PREFIX = "/api/v2"
_RANGE = re.compile(r"^AREA\[LastUpdatePostDate\]RANGE\[([^,\]]*),([^\]]*)\]$")


def study(
    nct: str,
    *,
    conditions: list[str] | None = None,
    updated: str = "2026-01-15",
    status: str = "RECRUITING",
    title: str | None = None,
    phase: str = "PHASE2",
) -> dict:
    """A small API v2 study document."""
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct,
                "briefTitle": title or f"A study of treatment in {', '.join(conditions or [])}",
                "organization": {"fullName": "Fake Sponsor", "class": "INDUSTRY"},
            },
            "statusModule": {
                "overallStatus": status,
                "statusVerifiedDate": updated[:7],
                "lastUpdatePostDateStruct": {"date": updated, "type": "ACTUAL"},
                "studyFirstSubmitDate": "2025-01-10",
            },
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Fake Sponsor"}},
            "descriptionModule": {"briefSummary": f"Summary of {nct}."},
            "conditionsModule": {"conditions": conditions or ["Psoriasis"]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": [phase],
                "enrollmentInfo": {"count": 40, "type": "ESTIMATED"},
            },
            "eligibilityModule": {"sex": "ALL", "minimumAge": "18 Years"},
        },
        "hasResults": False,
    }


def load_corpus(folder: Path) -> list[dict]:
    """The API v2 studies of a folder of downloads (arrays), search answers and single studies."""
    studies: dict[str, dict] = {}
    for path in sorted(folder.rglob("*.json")):
        data = json.loads(path.read_bytes())
        items = data if isinstance(data, list) else data.get("studies") or [data]
        for item in items:
            if isinstance(item, dict) and "protocolSection" in item:
                nct = item["protocolSection"].get("identificationModule", {}).get("nctId")
                if nct:
                    studies[nct] = item
    return list(studies.values())


@dataclass
class Request:
    at: float  # time.monotonic()
    path: str
    params: dict
    status: int = 200


@dataclass
class FakeRegistry:
    data_timestamp: str = "2026-06-01T09:00:00"
    studies: dict[str, dict] = field(default_factory=dict)
    gzip: bool = False
    requests: list[Request] = field(default_factory=list)
    _faults: list[tuple[str, str, dict]] = field(default_factory=list)
    _generation: int = 0
    _selections: dict = field(default_factory=dict)  # query -> NCT IDs (cleared on changes)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    # Called with each Request before it is answered (tests hold a request there).
    on_request: object = None

    # Content ---------------------------------------------------------------------------------

    def put(self, *studies: dict) -> None:
        with self._lock:
            for s in studies:
                self.studies[_nct(s)] = s
            self._selections.clear()

    def remove(self, nct: str) -> None:
        with self._lock:
            self.studies.pop(nct, None)
            self._selections.clear()

    def fail_next(self, kind: str, path: str = "studies", **options) -> None:
        """Script a failure for the next request to `path` (`studies` or `version`)."""
        with self._lock:
            self._faults.append((kind, path, options))

    def study_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "studies"]

    # Serving ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{PREFIX}"

    def start(self, port: int = 0) -> FakeRegistry:
        registry = self

        class Handler(_Handler):
            fake = registry

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _fault(self, path: str, params: dict) -> tuple[str, dict] | None:
        with self._lock:
            for i, (kind, where, options) in enumerate(self._faults):
                if kind == "expire" and "pageToken" not in params:
                    continue  # for the next request that has a page token to expire
                if where == path:
                    del self._faults[i]
                    return kind, options
        return None

    def answer(self, path: str, params: dict) -> tuple[int, dict]:
        if path == "version":
            return 200, {"apiVersion": "2.0.3", "dataTimestamp": self.data_timestamp}
        if path != "studies":
            return 404, {"message": "not found"}
        if params.get("format", "json") != "json":
            return 400, {"message": "only json here"}
        try:
            size = min(1000, max(1, int(params.get("pageSize", 10))))
        except ValueError:
            return 400, {"message": "pageSize must be an integer"}
        offset = 0
        if token := params.get("pageToken"):
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                offset, generation = state["o"], state["g"]
            except (ValueError, KeyError, TypeError):
                return 400, {"message": "invalid pageToken"}
            if generation != self._generation:
                return 400, {"message": "pageToken expired"}
        try:
            matches = self._select(params)
        except ValueError as exc:
            return 400, {"message": str(exc)}
        page = matches[offset : offset + size]
        answer: dict = {}
        if params.get("countTotal") == "true" and not token:
            answer["totalCount"] = len(matches)
        answer["studies"] = page
        if offset + size < len(matches):
            state = {"o": offset + size, "g": self._generation}
            answer["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
        return 200, answer

    def _select(self, params: dict) -> list[dict]:
        key = tuple(params.get(k) for k in ("filter.ids", "query.cond", "filter.advanced"))
        with self._lock:
            ids = self._selections.get(key)
            if ids is None:
                studies = [self.studies[k] for k in sorted(self.studies)]
            else:
                return [self.studies[i] for i in ids if i in self.studies]
        studies = self._filter(studies, params)
        with self._lock:
            self._selections[key] = [_nct(s) for s in studies]
        return studies

    def _filter(self, studies: list[dict], params: dict) -> list[dict]:
        if ids := params.get("filter.ids"):
            wanted = {i.strip().upper() for i in re.split(r"[,|]", ids) if i.strip()}
            studies = [s for s in studies if _ids(s) & wanted]
        if cond := params.get("query.cond"):
            terms = [t.strip().strip('"').lower() for t in cond.split(" OR ")]
            # Whole words, as the registry matches them: "psoriasi" (Italian) is no "psoriasis".
            whole = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, terms)) + r")(?!\w)")
            studies = [s for s in studies if _matches(s, whole)]
        if advanced := params.get("filter.advanced"):
            m = _RANGE.match(advanced)
            if not m:
                raise ValueError(f"unsupported filter.advanced {advanced!r}")
            low, high = m[1].strip(), m[2].strip()
            studies = [
                s
                for s in studies
                if (low in ("", "MIN") or _updated(s) >= low)
                and (high in ("", "MAX") or _updated(s) <= high)
            ]
        return studies


def _nct(s: dict) -> str:
    return s["protocolSection"]["identificationModule"]["nctId"]


def _ids(s: dict) -> set[str]:
    ident = s["protocolSection"]["identificationModule"]
    return {ident["nctId"].upper(), *(a.upper() for a in ident.get("nctIdAliases") or [])}


def _updated(s: dict) -> str:
    status = s["protocolSection"].get("statusModule") or {}
    return ((status.get("lastUpdatePostDateStruct") or {}).get("date") or "")[:10]


def _matches(s: dict, terms: re.Pattern) -> bool:
    p = s["protocolSection"]
    module = p.get("conditionsModule") or {}
    names = [n.lower() for n in (module.get("conditions") or []) + (module.get("keywords") or [])]
    return any(terms.search(n) for n in names)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeRegistry
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path[len(PREFIX) :].strip("/") if url.path.startswith(PREFIX) else url.path
        params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        request = Request(time.monotonic(), path, params)
        self.fake.requests.append(request)
        if self.fake.on_request is not None:
            self.fake.on_request(request)
        fault = self.fake._fault(path, params)
        kind, options = fault or (None, {})
        if kind == "429":
            request.status = 429
            retry_after = str(options.get("retry_after", 3))
            return self._send(429, {"message": "Too Many Requests"}, {"Retry-After": retry_after})
        if kind == "503":
            request.status = 503
            return self._send(503, {"message": "Service Unavailable"})
        if kind == "expire":
            self.fake._generation += 1
        if kind == "slow":
            time.sleep(options.get("seconds", 2))
        status, answer = self.fake.answer(path, params)
        request.status = status
        self._send(status, answer, truncate=kind == "truncate")

    def _send(self, status, answer, headers=None, truncate=False):
        body = orjson.dumps(answer)
        extra = dict(headers or {})
        if self.fake.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, 1)
            extra["Content-Encoding"] = "gzip"
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra.items():
                self.send_header(k, v)
            if truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if truncate else body)
            if truncate:
                self.wfile.flush()
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            self.close_connection = True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=0, help="N synthetic studies (bench)")
    parser.add_argument("--corpus", type=Path, help="a folder of API v2 JSON files")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args(argv)
    fake = FakeRegistry(gzip=args.gzip)
    if args.synthetic:
        from bench.corpus import make_ctgov_study

        fake.put(*(make_ctgov_study(i) for i in range(args.synthetic)))
    if args.corpus:
        fake.put(*load_corpus(args.corpus))
    fake.start(args.port)
    print(fake.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
