"""List the records a relevance judgment should look at: plain Python, no Django, no engine.

    manage.py normalize ../shared/corpus > .data/corpus.jsonl      # once
    python tests/relevance/candidates.py 'psoria' 'plaque'          # regexes, case-insensitive

Reads the normalized records (the corpus's JSON lines and fixtures/seeds.jsonl, which the test
database also holds), merges those of one trial, and prints each trial any pattern matches in its
conditions, titles, interventions or sites, with its ages; then the trials where a pattern is
only in the summary, description or criteria (inclusion / exclusion said apart), so that a
judge sees the near misses too. The judgments are made by reading these, never from the
search engine's results.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FILES = (ROOT / ".data" / "corpus.jsonl", ROOT / "fixtures" / "seeds.jsonl")


def load(files) -> dict[str, list[dict]]:
    """Records by trial (trial_id, else title), each trial's records together."""
    trials: dict[str, list[dict]] = {}
    for path in files:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            trials.setdefault(record.get("trial_id") or "title:" + record["title"], []).append(
                record
            )
    return trials


def _core(records: list[dict]) -> dict[str, str]:
    """The parts a judge reads first, joined over the trial's records."""
    parts: dict[str, set[str]] = {"conditions": set(), "titles": set(), "interventions": set()}
    parts["sites"] = set()
    for record in records:
        parts["conditions"].update(item["name"] for item in record.get("conditions") or [])
        parts["titles"].update(
            filter(None, [record.get("title"), record.get("official_title"), record.get("acronym")])
        )
        for item in record.get("interventions") or []:
            parts["interventions"].add(
                (item.get("name") or "") + (f" [{item['drug']}]" if item.get("drug") else "")
            )
        for site in record.get("sites") or []:
            place = [site.get(name) for name in ("facility", "city", "region", "country")]
            parts["sites"].add(", ".join(filter(None, place)))
    return {name: " | ".join(sorted(values)) for name, values in parts.items()}


def _rest(records: list[dict]) -> dict[str, str]:
    criteria = [record.get("criteria") or {} for record in records]
    return {
        "summary": " ".join(record.get("summary") or "" for record in records),
        "description": " ".join(record.get("description") or "" for record in records),
        "inclusion": " ".join(" ".join(c.get("inclusion") or []) for c in criteria),
        "exclusion": " ".join(" ".join(c.get("exclusion") or []) for c in criteria),
        "criteria text": " ".join(c.get("text") or "" for c in criteria),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="+")
    parser.add_argument("--files", nargs="*", default=DEFAULT_FILES)
    parser.add_argument("--sites", action="store_true", help="print the sites too")
    args = parser.parse_args(argv)
    patterns = [re.compile(pattern, re.IGNORECASE) for pattern in args.patterns]
    near = []
    for trial_id, records in load(args.files).items():
        core, rest = _core(records), _rest(records)
        first = records[0]
        ages = f"{first.get('min_age_years')}-{first.get('max_age_years')}"
        if any(p.search(text) for p in patterns for text in core.values()):
            where = [name for name, text in core.items() if any(p.search(text) for p in patterns)]
            print(f"== {trial_id}  ages {ages}  [{', '.join(where)}]")
            print(f"   title: {core['titles'][:300]}")
            print(f"   conditions: {core['conditions'][:300]}")
            print(f"   interventions: {core['interventions'][:300]}")
            if args.sites:
                print(f"   sites: {core['sites'][:400]}")
        elif hits := [name for name, text in rest.items() if any(p.search(text) for p in patterns)]:
            near.append(f"   {trial_id} ({', '.join(hits)}): {core['titles'][:120]}")
    if near:
        print("-- only in summary / description / criteria:")
        print("\n".join(near))


if __name__ == "__main__":
    main(sys.argv[1:])
