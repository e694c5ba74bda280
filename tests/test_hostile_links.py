"""Registry URLs become links only when they are http(s): anything else is plain text."""

import copy

import pytest

from trials.loading.loader import Loader
from trials.models import RawDocument, Trial
from trials.web.links import http_url

HOSTILE = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "\x01javascript:alert(1)",
    "java\nscript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    " VBScript:msgbox(1)",
    "//evil.example/x",
    "/relative/path",
    "ftp://example.org/file",
    "http:alert(1)",
    "https://",
    "",
    None,
    42,
]


@pytest.mark.parametrize("value", HOSTILE)
def test_anything_but_http_is_no_link(value):
    assert http_url(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "http://example.org/a?b=1",
        "https://trialsearch.who.int/Trial2.aspx?TrialID=CTRI/2020/01/1",
        "HTTPS://EXAMPLE.ORG/",
        " https://example.org/ ",
    ],
)
def test_http_urls_are_links(value):
    assert http_url(value) == value.strip()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "evil",
    ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "vbscript:msgbox(1)"],
)
def test_the_trial_page_and_the_admin_show_a_hostile_web_address_as_text(
    client, admin_client, evil
):
    trial = Trial.objects.get(trial_id="NCT01408199")
    record = copy.deepcopy(trial.sources.first().record)
    record["source"] = {
        "format": "ictrp-xml",
        "registry": "EudraCT",
        "url": evil,
        "refreshed": "2012-01-15",
        "register_url": evil,
    }
    record["enrollment"] = 12
    doc = RawDocument.objects.create(sha256="d" * 64, content=b"x", size=1, name="eu", format="x")
    Loader().load(record, doc)
    html = client.get("/trials/NCT01408199/").content.decode()
    sources = html[html.index('id="sources"') :]
    assert "registry page: " in sources
    lowered = html.lower()
    for scheme in ("javascript:", "data:", "vbscript:"):
        assert f'href="{scheme}' not in lowered and f'href=" {scheme}' not in lowered
    admin_html = admin_client.get(f"/admin/trials/trial/{trial.pk}/change/").content.decode()
    assert admin_html.count("alert(1)") or admin_html.count("msgbox") or "data:text" in admin_html
    for scheme in ("javascript:", "data:", "vbscript:"):
        assert f'href="{scheme}' not in admin_html.lower()
        assert f'href=" {scheme}' not in admin_html.lower()
