"""nDCG@10 over graded judgments, and what a run measured (for the terminal summary)."""

from __future__ import annotations

import math

CUTOFF = 10
# query -> (kind, nDCG@10, the first results' ids with their grades)
MEASURED: dict[str, tuple[str, float, list[tuple[str, int]]]] = {}


def dcg(grades: list[int]) -> float:
    return sum((2**grade - 1) / math.log2(position + 2) for position, grade in enumerate(grades))


def ndcg(result_grades: list[int], judged_grades: list[int]) -> float:
    """nDCG@10 of the results' grades against the best order of every judged grade. A query
    with nothing relevant judged scores 1 when it lists nothing, else 0."""
    ideal = dcg(sorted(judged_grades, reverse=True)[:CUTOFF])
    if not ideal:
        return 0.0 if result_grades[:CUTOFF] else 1.0
    return dcg(result_grades[:CUTOFF]) / ideal


def mean() -> float:
    values = [value for _, value, _ in MEASURED.values()]
    return sum(values) / len(values) if values else 0.0


def report_lines() -> list[str]:
    lines = []
    by_kind: dict[str, list[float]] = {}
    for query, (kind, value, top) in MEASURED.items():
        by_kind.setdefault(kind, []).append(value)
        shown = " ".join(f"{trial}:{grade}" for trial, grade in top[:5]) or "(nothing)"
        lines.append(f"{value:5.3f}  [{kind}] {query!r}  top: {shown}")
    lines.append(
        "by kind: "
        + ", ".join(
            f"{kind} {sum(values) / len(values):.3f} ({len(values)})"
            for kind, values in sorted(by_kind.items())
        )
    )
    lines.append(f"mean nDCG@{CUTOFF} over {len(MEASURED)} queries: {mean():.3f}")
    return lines
