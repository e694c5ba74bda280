"""Where a request's time goes (issue 15 point 3): the bench's Server-Timing phases."""

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
TIMED = ["trials.search.timing.ServerTimingMiddleware", *settings.MIDDLEWARE]


def _phases(response) -> dict[str, float]:
    pairs = re.findall(r"(\w+);dur=([\d.]+)", response["Server-Timing"])
    return {name: float(ms) for name, ms in pairs}


def test_the_search_page_says_its_phases(client, settings):
    settings.MIDDLEWARE = TIMED
    phases = _phases(client.get("/", {"q": "lenalidomide", "country": "CN"}))
    assert {"parse", "text", "masks", "counts", "page", "present", "render"} <= set(phases)
    assert {"db", "dbn", "total"} <= set(phases)
    assert phases["dbn"] >= 2  # at least the text match and the page of trials
    own = sum(ms for name, ms in phases.items() if name not in ("db", "dbn", "total"))
    # Each phase's own time: nested phases are not counted twice.
    assert own <= phases["total"] * 1.01 + 0.1


def test_the_trial_page_and_the_api_say_theirs(client, settings):
    settings.MIDDLEWARE = TIMED
    assert {"lookup", "related", "present", "render"} <= set(
        _phases(client.get("/trials/NCT01408199/"))
    )
    assert {"parse", "masks", "counts", "page", "present"} <= set(
        _phases(client.get("/api/trials/", {"phase": "PHASE2"}))
    )


def test_without_the_bench_no_timing_is_said(client):
    assert "Server-Timing" not in client.get("/", {"q": "lenalidomide"})
