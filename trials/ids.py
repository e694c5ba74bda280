"""Trial ids bound as one `bigint[]` parameter, quickly.

A search binds its hits' ids (often over a thousand) as one array: psycopg's own list dumper
looks at every element to choose the array's type, ~1.0 ms for 1,400 ids, more than half the
ranked page's statement took in Python (docs/benchmarks.md, session 17). An `Ids` is a list
that psycopg dumps by joining its integers (0.16 ms for 1,400): every place that binds trial
ids binds an `Ids`.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg.adapt import Dumper


class Ids(list):
    """Trial ids (ints) to bind as one bigint[] parameter (IdsDumper)."""

    def __init__(self, ids: Iterable[int] = ()) -> None:
        super().__init__(ids)


class IdsDumper(Dumper):
    """An Ids as PostgreSQL's text form of an int8 array: `{1,2,3}`. Its elements are ints
    (numpy's too): str() of one is its digits, nothing to escape."""

    oid = psycopg.adapters.types["int8"].array_oid

    def dump(self, obj: Ids) -> bytes:
        return ("{" + ",".join(map(str, map(int, obj))) + "}").encode()


def ids(values: Iterable[int]) -> Ids:
    """`values` as an Ids (the same object when it is one already)."""
    return values if isinstance(values, Ids) else Ids(values)


# On the template every connection's adapters are made from (Django's too: its map extends
# psycopg.adapters when its first connection opens, after the models are imported).
psycopg.adapters.register_dumper(Ids, IdsDumper)
