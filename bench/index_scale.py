"""The facet index alone at 1M trials: memory and the engine's counting time, no database.

`python -m bench.index_scale --size 1M` fills a `FacetIndex` with synthetic rows shaped like the
benchmark corpus (Zipf-ranked conditions, drugs, countries; multi-valued phases) through the
same `_append` the database path uses, then reports the process's resident memory and the time
of the engine's mask-and-count work for a few query shapes. It answers "does the in-worker index
fit the 400 MB budget at 1M, and how long do exact counts take there" without building a 13 GB
database; the HTTP figures come from `python -m bench`.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _zipf(rng: random.Random, n: int, k: int) -> list[int]:
    return list({min(int(rng.paretovariate(1.1)) - 1, n - 1) for _ in range(k)})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=SIZES, default="1M")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import numpy as np

    from trials.models import Phase, Status, StudyType
    from trials.search.index import FacetIndex

    n = SIZES[args.size]
    rng = random.Random(7)
    conditions = [f"condition-{i}" for i in range(60)]
    drugs = [f"drug-{i}" for i in range(200)]
    countries = [f"C{i}" for i in range(40)]
    phases = Phase.values
    before = _rss_mb()
    index = FacetIndex()
    layout = index.row_layout()
    day = datetime.date(2020, 1, 1)
    chunk = []
    started = time.perf_counter()
    for pk in range(1, n + 1):
        values = {
            "id": pk,
            "status": rng.choice(Status.values),
            "phases": rng.sample(phases, rng.choice([1, 1, 1, 2])),
            "conditions": [conditions[i] for i in _zipf(rng, 60, rng.randint(1, 3))],
            "drugs": [drugs[i] for i in _zipf(rng, 200, rng.randint(1, 4))],
            "countries": [countries[i] for i in _zipf(rng, 40, rng.randint(1, 5))],
            "is_refractory": rng.random() < 0.25,
            "min_age": rng.choice([None, 18.0, 12.0]),
            "max_age": rng.choice([None, 65.0, 75.0]),
            "sex": rng.choice([None, "ALL", "FEMALE"]),
            "last_updated": day,
            "start_date": day,
            "enrollment": rng.randint(10, 500),
            "study_type": rng.choice(StudyType.values),
            "registries": ["ClinicalTrials.gov"],
        }
        chunk.append(tuple(values[name] for name in layout))
        if len(chunk) == 20_000:
            index._append(chunk)
            chunk = []
    if chunk:
        index._append(chunk)
    build = time.perf_counter() - started
    index.order("updated")
    for facet in ("condition", "drug", "country", "phase"):
        index.multi[facet].prepare()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    after = _rss_mb()

    def timed(label: str, masks: dict) -> None:
        reps = 20
        t = time.perf_counter()
        for _ in range(reps):
            m = index.alive.copy()
            for mask in masks.values():
                m &= mask
            for facet in ("condition", "drug", "phase", "status", "country"):
                others = [k for k in masks if k != facet]
                if others:
                    sub = index.alive.copy()
                    for k in others:
                        sub &= masks[k]
                    index.counts(facet, sub)
                else:
                    index.counts(facet, None)
            order = index.order("updated")
            order[m[order]][:20]
        ms = (time.perf_counter() - t) / reps * 1000
        print(f"  {label:<34} {ms:7.1f} ms  ({int(m.sum())} hits)")

    print(f"{n} trials: index built in {build:.1f} s (synthetic rows, no database)")
    print(f"  RSS {before:.0f} MB before, {after:.0f} MB after; peak {peak_kb / 1024:.0f} MB")
    print("engine work per search (masks, five facets' disjunctive counts, first page):")
    timed("no filter", {})
    timed("one facet", {"condition": index.facet_mask("condition", ["condition-0"])})
    three = {
        "condition": index.facet_mask("condition", ["condition-3"]),
        "phase": index.facet_mask("phase", ["PHASE2"]),
        "country": index.facet_mask("country", ["C1"]),
    }
    timed("three facets", three)
    text = np.zeros(index.row_count, bool)
    text[np.random.default_rng(1).choice(index.row_count, index.row_count // 5, replace=False)] = (
        True
    )
    timed("20% text hits + one facet", {"q": text, "drug": index.facet_mask("drug", ["drug-0"])})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
