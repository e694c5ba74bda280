"""Building a benchmark corpus through the real loader (`trials.loading.loader.Loader`).

Records are generated inside worker processes (each with its own Django set-up and database
connection) in chunks; a chunk is one transaction, like one `import_trials` run, and is marked
done in `bench_chunks` in that same transaction, so an interrupted build resumes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from bench import corpus, db

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 500

_loader = None


def load_records(loader, records: list[dict], document) -> Counter:
    """The one call site of the real loader: `Loader.load_many` (the batch API import_trials
    uses), counting the outcomes; a record that fails is counted and the rest go on."""
    results = loader.load_many([(record, document) for record in records])
    outcomes: Counter = Counter()
    for result in results:
        if isinstance(result, Exception):
            outcomes["failed"] += 1
            outcomes[f"error: {type(result).__name__}: {str(result)[:200]}"] += 1
        else:
            outcomes[result] += 1
    return outcomes


def _init_worker(url: str) -> None:
    # The parent decides when to stop (Ctrl-C reaches the whole process group).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from trials.loading.loader import Loader

    global _loader
    _loader = Loader()


def _load_chunk(task: tuple[int, int, int]) -> tuple[int, dict, float, int]:
    from django.db import connection, transaction

    chunk, start, end = task
    records = [corpus.make_record(i) for i in range(start, end)]
    began = time.perf_counter()
    manifest = {
        "generator": "bench.corpus",
        "version": corpus.GENERATOR_VERSION,
        "seed": corpus.SEED,
        "records": [start, end],
    }
    with transaction.atomic():
        document = _loader.document(
            json.dumps(manifest).encode(), f"bench:synthetic/{chunk}", corpus.SOURCE_FORMAT
        )
        outcomes = load_records(_loader, records, document)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_chunks VALUES (%s)", [chunk])
    return chunk, dict(outcomes), time.perf_counter() - began, end - start


def build(url: str, size: int, workers: int) -> dict:
    """Load every chunk not yet done; return timing and outcome counts."""
    done = db.done_chunks(url)
    n_chunks = -(-size // CHUNK)
    tasks = [(c, c * CHUNK, min(size, (c + 1) * CHUNK)) for c in range(n_chunks) if c not in done]
    todo = sum(end - start for _, start, end in tasks)
    print(
        f"loading {todo} of {size} synthetic trials through Loader.load_many "
        f"({workers} worker processes, {CHUNK} records a transaction)",
        flush=True,
    )
    outcomes: Counter = Counter()
    loaded = 0
    busy = 0.0
    began = time.perf_counter()
    last_report = began
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(url,)) as pool:
        for _chunk, counts, seconds, k in pool.imap_unordered(_load_chunk, tasks):
            outcomes.update(counts)
            loaded += k
            busy += seconds
            now = time.perf_counter()
            if now - last_report > 10 or loaded == todo:
                last_report = now
                rate = loaded / (now - began)
                eta = (todo - loaded) / rate if rate else 0
                print(
                    f"  {loaded}/{todo} loaded, {rate:.0f} records/s, ~{eta / 60:.1f} min left",
                    flush=True,
                )
    wall = time.perf_counter() - began
    errors = {k: v for k, v in outcomes.items() if k.startswith("error: ")}
    for message, n in sorted(errors.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {n} x {message}", file=sys.stderr)
    return {
        "records": loaded,
        "seconds": round(wall, 1),
        "records_per_s": round(loaded / wall, 1) if wall else None,
        "records_per_s_per_worker": round(loaded / busy, 1) if busy else None,
        "workers": workers,
        "loader_api": "Loader.load_many",
        "outcomes": {k: v for k, v in outcomes.items() if k not in errors},
    }


def text_hits(url: str) -> dict:
    """How many trials each planted word finds with the portal's own full-text query."""
    out = {}
    with db.connect(url) as conn:
        total = conn.execute("SELECT count(*) FROM trials_trial").fetchone()[0]
        for kind, (word, share) in corpus.PLANTED.items():
            n = conn.execute(
                "SELECT count(*) FROM trials_trial "
                "WHERE search @@ websearch_to_tsquery('english', %s)",
                [word],
            ).fetchone()[0]
            out[kind] = {
                "word": word,
                "target": share,
                "hits": n,
                "fraction": round(n / total, 5) if total else None,
            }
        bands = {
            band: _band_hits(conn, words, total) for band, words in corpus.band_words().items()
        }
    return {"trials": total, "text": out, "bands": bands}


BAND_SAMPLE = 20


def _band_hits(conn, words: list[str], total: int) -> dict:
    """A band's words as the english configuration reads them (each must be its own lexeme,
    merged with no other), and the share of trials its first BAND_SAMPLE words find."""
    lexemes = conn.execute(
        "SELECT array_agg(lexeme) FROM unnest(to_tsvector('english', %s))", [" ".join(words)]
    ).fetchone()[0]
    own = sorted(set(lexemes or [])) == sorted(words)
    counts = [
        conn.execute(
            "SELECT count(*) FROM trials_trial WHERE search @@ websearch_to_tsquery('english', %s)",
            [word],
        ).fetchone()[0]
        for word in words[:BAND_SAMPLE]
    ]
    shares = sorted(n / total for n in counts) if total else [0.0]
    return {
        "words": len(words),
        "own_lexemes": own,
        "sample": len(counts),
        "min": round(shares[0], 5),
        "median": round(shares[len(shares) // 2], 5),
        "max": round(shares[-1], 5),
    }


def vacuum_analyze(url: str) -> None:
    with db.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
