"""Any search taken away (issue 17, point 1): `/export/trials.csv`, `/export/trials.jsonl` and
`/export/trials.ris` take the search page's parameters and stream every matching trial, in the
page's order, up to `EXPORT_MAX_TRIALS`; past it the file ends with a note that says it was cut
and how to narrow the search.

The parameters are read by `params.parse` and the trials found by the engine (`matching`), as
for the page: nothing here filters. Memory stays flat: the engine gives the ordered ids (an
array), and the rows are fetched and written `CHUNK` at a time, each chunk one query reading
only the columns the format needs (export_columns.py says which). With `page` (and
`page_size`, 1–100, default 20) an export holds that page only.

Registry text is untrusted: a CSV cell starting with `=`, `+`, `-`, `@` (or a tab or carriage
return) is written with a leading `'` so that a spreadsheet shows it as text instead of running
it as a formula (OWASP's "CSV injection"); RIS values are kept on one line each.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterator

import orjson
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from trials.models import Ids, Trial
from trials.search import facets, params
from trials.search.engine import Matches, matching
from trials.web import export_columns, ris
from trials.web.export_columns import COLUMNS, RecordPart, Row

# Rows fetched (and written) at a time: one query each.
CHUNK = 500
# What a spreadsheet may read as the start of a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA = "".join(FORMULA_START)
# No search has more trials than this: the most an export's page asks for (a LIMIT is a bigint).
PAGE_LIMIT_MAX = 2**31 - 1
# The URL parameters that only the page's own display uses: never part of an export's link.
DISPLAY_ONLY = ("page", "page_size", "expand")


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet shows as text: a leading `'` before a formula's first sign."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def csv_cell(value: object) -> str:
    kind = type(value)
    if kind is str:
        return "'" + value if value and value[0] in _FORMULA else value
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    if kind is list or kind is tuple:
        return csv_cell("; ".join(str(item) for item in value))
    if kind is float:
        return f"{value:g}"
    if kind is int:
        return str(value)
    return csv_cell(str(value))


def cut_note(count: int, exported: int) -> str:
    return (
        f"Cut at {exported:,} of {count:,} matching trials (the export's limit, "
        "EXPORT_MAX_TRIALS). Narrow the search to get the rest: add filters (condition, drug, "
        "status, phase, country, near…) or words, or export it in pages (page=1, 2, … with "
        f"page_size up to {settings.API_MAX_PAGE_SIZE})."
    )


# --- Fetching ---------------------------------------------------------------------------------


def statement(fields: list[str], parts: dict[str, RecordPart]) -> str:
    """The rows of an array of ids (`%s`) as one SELECT: the Trial columns, then the record's
    parts, read from one `jsonb_to_record` of the record per row."""
    columns = [
        f"trial.{connection.ops.quote_name(Trial._meta.get_field(name).column)}"
        if name != "pk"
        else "trial.id"
        for name in fields
    ]
    keys = dict(key for part in parts.values() for key in part.keys)
    sql = f"SELECT {', '.join([*columns, *(part.sql for part in parts.values())])}"
    sql += f" FROM {Trial._meta.db_table} trial"
    if keys:
        shape = ", ".join(f"{connection.ops.quote_name(key)} {kind}" for key, kind in keys.items())
        sql += f" CROSS JOIN LATERAL jsonb_to_record(trial.record) AS part({shape})"
    return sql + " WHERE trial.id = ANY(%s::bigint[])"


def rows(matches: Matches, trial_url: Callable[[str], str], *needs: str) -> Iterator[list[Row]]:
    """The matched trials' rows, in order, a chunk at a time: the columns' needs and `needs`,
    `_url` (the trial page's absolute URL) and, with `near`, `_nearest` (its nearest site)."""
    fields, parts = export_columns.needs(COLUMNS, "key", *needs)
    names = [*fields, *parts]
    json_parts = [names.index(name) for name, part in parts.items() if part.json]
    sql = statement(fields, parts)
    export_columns.forget_labels()  # labels are read once per export (curators edit them)
    for start in range(0, len(matches.pks), CHUNK):
        chunk = matches.pks[start : start + CHUNK]
        with connection.cursor() as cursor:
            cursor.execute(sql, [Ids(chunk.tolist())])
            fetched = cursor.fetchall()
        found = {}
        for line in fetched:
            row = dict(zip(names, line, strict=True))
            for index in json_parts:
                if isinstance(text := line[index], str | bytes):
                    row[names[index]] = orjson.loads(text)
            found[row["pk"]] = row
        nearest = matches.nearest_sites(chunk)
        out = []
        for pk in chunk.tolist():
            if (row := found.get(pk)) is None:
                continue  # deleted since the search
            row["_url"] = trial_url(row["key"])
            row["_nearest"] = nearest.get(pk)
            out.append(row)
        yield out


# --- The three formats ------------------------------------------------------------------------


def csv_lines(chunks: Iterator[list[Row]], note: str | None) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in COLUMNS])
    for chunk in chunks:
        for row in chunk:
            writer.writerow([csv_cell(column.value(row)) for column in COLUMNS])
        yield _drain(buffer)
    if note:
        writer.writerow([f"# {note}"])  # one cell, first: a comment row a reader can skip
    yield _drain(buffer)


def jsonl_lines(chunks: Iterator[list[Row]], note: dict | None) -> Iterator[bytes]:
    for chunk in chunks:
        yield b"".join(
            orjson.dumps({column.name: column.value(row) for column in COLUMNS}) + b"\n"
            for row in chunk
        )
    if note:
        yield orjson.dumps({"truncated": note}) + b"\n"


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


FORMATS = {
    # name: (content type, writer, the record parts the writer reads beyond the columns)
    "csv": ("text/csv; charset=utf-8", csv_lines, ()),
    "jsonl": ("application/jsonl; charset=utf-8", jsonl_lines, ()),
    "ris": ("application/x-research-info-systems; charset=utf-8", ris.ris_lines, ris.RIS_NEEDS),
}


# --- The views --------------------------------------------------------------------------------


def _bad(name: str, message: str) -> HttpResponse:
    return HttpResponse(f"{name}: {message}\n", status=400, content_type="text/plain")


@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    content_type, writer, extra = FORMATS[fmt]
    # `page` and `page_size` are validated with the rest (params.parse: 1 to API_MAX_PAGE_SIZE).
    query, errors = params.parse(request.GET)
    if errors:
        name, message = next(iter(errors.items()))
        return _bad(name, message)
    cap = settings.EXPORT_MAX_TRIALS
    page = "page" in request.GET or "page_size" in request.GET  # one page, not every trial
    if page:
        number, size = query.page, query.page_size
        # Never more than the trials there are: page 10**17's LIMIT overflowed a bigint (a 500).
        found = matching(query, limit=min(number * size, PAGE_LIMIT_MAX))
        if number > 1 and len(found.pks) <= (number - 1) * size:
            return HttpResponse(
                f"page: {number} is past the last page\n", status=404, content_type="text/plain"
            )
        found = Matches(found.count, found.pks[(number - 1) * size :], found.near, found.index)
    else:
        found = matching(query, limit=cap)
    cut = not page and found.count > len(found.pks)
    pattern = request.build_absolute_uri(reverse("trial_detail", args=["KEY"]))

    def trial_url(key: str) -> str:
        return pattern.replace("/KEY/", f"/{key}/")

    chunks = rows(found, trial_url, *extra)
    note = cut_note(found.count, len(found.pks)) if cut else None
    if fmt == "jsonl" and note:
        note = {"exported": len(found.pks), "matching": found.count, "limit": cap, "note": note}
    if request.method == "HEAD":  # the headers only: no rows are read
        response = HttpResponse(content_type=content_type)
    else:
        response = StreamingHttpResponse(writer(chunks, note), content_type=content_type)
    day = datetime.date.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="trials-{day}.{fmt}"'
    response["X-Total-Count"] = str(found.count)
    response["X-Export-Count"] = str(len(found.pks))
    if cut:
        response["X-Export-Truncated"] = "1"
    return response


def download_params(data: QueryDict, errors: dict[str, str]) -> QueryDict:
    """The search's parameters as an export's link takes them: without what only the page's
    display uses, and without what the page ignored with a notice (a facet's unknown values,
    a bad number, a place it did not understand), so that the file holds what the page shows."""
    clean = data.copy()
    for name in DISPLAY_ONLY:
        clean.pop(name, None)
    for name in errors:
        if facet := facets.get(name):
            good = [raw for raw in data.getlist(name) if params.accepts(facet, facet.clean(raw))]
            clean.setlist(name, good)
        else:
            clean.pop(name, None)
    if "near" in errors:
        clean.pop("within", None)
        if clean.get("sort") == "distance":
            clean.pop("sort")
    return clean


def links(data: QueryDict, errors: dict[str, str]) -> dict:
    """The search page's download menu and feed link, for its context."""
    clean = download_params(data, errors)
    query = "?" + clean.urlencode() if clean else ""
    return {
        "downloads": [
            {"label": label, "format": fmt, "url": reverse(f"export_{fmt}") + query}
            for fmt, label in (
                ("csv", "CSV (spreadsheet)"),
                ("ris", "RIS (reference manager)"),
                ("jsonl", "JSON Lines"),
            )
        ],
        "export_max": settings.EXPORT_MAX_TRIALS,
        "feed_url": reverse("feed") + query,
    }
