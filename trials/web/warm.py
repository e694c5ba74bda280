"""What a process builds on its first pages, built before it serves any.

A process reads its vocabularies into the text match's phrases, the readings' patterns and the
spelling's words, and compiles its templates, on the first page that needs each: ~0.7 s for a
first search with words at 100k trials (0.6 s of it the text match's phrases), several seconds
in a fresh worker sharing two cores with an import. That search's time bound
(SEARCH_TIME_BUDGET, timeout.py) counted it: the soak's first minute answered "search took too
long" and its p95 passed a second (docs/benchmarks.md, session 42).

So gunicorn's master, once it has built the facet index, asks for a few pages of each kind
(`warm()`, portal/gunicorn_conf.py): the workers it forks start with all of it, shared
copy-on-write and frozen out of the collector's reach. Any other process (`make run`'s
runserver) builds the searches' part before its first bounded search, outside the bound
(`searches_ready`, trials/web/views.py). Nothing is cached from these pages, nor counted by the
rate limits (the views are called without the middleware).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import resolve

from trials.search import cache

log = logging.getLogger(__name__)

# Searches that between them go through every reading and the text match's kinds of words:
# people's words and a place, a relative, a child and a failed treatment, a misspelling, a drug
# class and a phase, a quoted phrase, a cancer had and gone, other languages and scripts.
QUERIES = (
    "itchy skin near Boston",
    "trial for my daughter with eczema, methotrexate did not work",
    "lupsu",
    "JAK inhibitor for hidradenitis phase 3",
    '"pyoderma gangrenosum" -placebo',
    "had breast cancer 5 years ago, now dermatomyositis rash",
    "Schuppenflechte in München",
    "银屑病 北京",
    "psoriasis zxqv",
)
_searched = False


def searches_ready() -> None:
    """The searches' one-time part built (QUERIES searched), once per process."""
    global _searched
    if _searched:
        return
    from trials.search import params
    from trials.search.engine import search

    for text in QUERIES:
        query, _ = params.parse(QueryDict(urlencode({"q": text})))
        search(query)
    _searched = True


def _host() -> str:
    """A host name ALLOWED_HOSTS accepts, for the pages' absolute links."""
    for host in settings.ALLOWED_HOSTS:
        if host != "*":
            return host.lstrip(".")
    return "localhost"


def _pages() -> list[str]:
    from trials.models import Trial

    keys = list(Trial.objects.order_by("pk").values_list("key", flat=True)[:1])
    pages = ["/", "/?condition=psoriasis&phase=PHASE2&page=2", "/?near=Bethesda&within=50"]
    pages += ["/api/trials/?q=lupus", "/api/trials/?condition=psoriasis&sort=start"]
    pages += [f"/?{urlencode({'q': text})}" for text in QUERIES]
    for key in keys:
        pages += [f"/trials/{key}/", f"/api/trials/{key}/"]
    return pages


def warm() -> float:
    """Ask for each kind of page once (its answer dropped); the seconds it took."""
    began = time.monotonic()
    searches_ready()
    factory = RequestFactory(SERVER_NAME=_host())
    for url in _pages():
        parts = urlsplit(url)
        match = resolve(parts.path)
        try:
            response = match.func(factory.get(url), *match.args, **match.kwargs)
        except Exception as exc:  # one page's failure leaves the others warmed
            log.warning("warming %s failed: %r", url, exc)
            continue
        if response.status_code >= 400:
            log.warning("warming %s answered %s", url, response.status_code)
    cache.PAGES.clear()  # not one of these is a page anyone asked for
    return time.monotonic() - began
