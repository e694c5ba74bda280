"""The public pages' Jinja2 environment (portal/jinja.py) reads like Django's template language."""

import pytest
from django.template import RequestContext, engines
from django.template import Template as DjangoTemplate
from django.test import RequestFactory
from django.utils.html import escape as django_escape
from django.utils.safestring import mark_safe

from portal import jinja

HOSTILE = ["<script>alert('x')</script>", 'a "quoted" & <b>', "plain", "", "&#39;", 12, None]


def _render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


@pytest.mark.parametrize("value", HOSTILE)
def test_output_is_escaped_as_django_escapes_it(value):
    assert _render("{{ value }}", value=value) == django_escape(value)
    assert jinja.escape(value) == django_escape(value)


def test_safe_html_is_output_as_it_is():
    assert _render("{{ value }}", value=mark_safe("<b>a</b>")) == "<b>a</b>"


def test_linebreaks_escapes_registry_text():
    html = _render("{{ text|linebreaks }}", text="<script>x</script>\n\nnext")
    assert html == "<p>&lt;script&gt;x&lt;/script&gt;</p>\n\n<p>next</p>"


def test_a_missing_variable_prints_nothing_and_is_none_as_in_django():
    source = "[{{ record.criteria.text }}]{% if record.age is not none %}given{% endif %}"
    assert _render(source, record={}) == "[]"
    assert _render("{{ missing|default('Not given') }}") == "Not given"


@pytest.mark.parametrize(
    "query", ["", "page=3&q=a+b", "country=ES&country=CN&page=2", "q=%3Cx%3E&include_unconfirmed=0"]
)
def test_querystring_is_django_s_tag(query):
    request = RequestFactory().get("/?" + query)
    django = DjangoTemplate("{% querystring include_unconfirmed=1 page=None %}")
    ours = _render("{{ querystring(request, include_unconfirmed=1, page=None) }}", request=request)
    assert ours == django.render(RequestContext(request))


@pytest.mark.parametrize("fmt", ["j M Y", "M Y", "F Y", "Y-m-d"])
def test_the_date_filter_writes_what_django_s_writes(fmt):
    import datetime

    from django.template import defaultfilters

    from trials.web.filters import date

    start = datetime.date(1999, 12, 25)
    for offset in range(0, 800, 7):
        day = start + datetime.timedelta(days=offset)
        assert date(day, fmt) == defaultfilters.date(day, fmt)
    moment = datetime.datetime(2026, 12, 1, 23, 30, tzinfo=datetime.UTC)
    assert date(moment, fmt) == defaultfilters.date(moment, fmt)
    assert date(None, fmt) == defaultfilters.date(None, fmt)


def test_constant_links_follow_the_script_prefix_and_settings():
    from django.test import override_settings
    from django.urls import reverse, set_script_prefix

    from portal.jinja import static, url

    assert url("search") == reverse("search")
    set_script_prefix("/portal/")
    try:
        assert url("search") == "/portal/"
    finally:
        set_script_prefix("/")
    assert url("search") == "/"
    before = static("css/portal.css")
    with override_settings(STATIC_URL="/elsewhere/"):
        assert static("css/portal.css").startswith("/elsewhere/")
    assert static("css/portal.css") == before


def test_facet_items_escape_labels_each_time_they_are_not_plain_text():
    from django.utils.safestring import SafeString

    from trials.web.filters import facet_items

    Value = __import__("collections").namedtuple("Value", "value label count selected url")
    plain = facet_items({"name": "sponsor", "shown": [Value("<x>", "<x>", 3, False, "?a=<")]})
    assert "&lt;x&gt;" in plain and "<x>" not in plain and "?a=&lt;" in plain
    safe = facet_items(
        {"name": "sponsor", "shown": [Value("v", SafeString("<i>x</i>"), 1, True, "?")]}
    )
    assert "<i>x</i>" in safe and "trial</span>" in safe
    again = facet_items({"name": "sponsor", "shown": [Value("v", "<i>x</i>", 1, False, "?")]})
    assert "&lt;i&gt;x&lt;/i&gt;" in again
