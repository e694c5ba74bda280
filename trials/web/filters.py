"""The templates' own filters, registered in the Jinja2 environment (portal/jinja.py).

Registry text is untrusted: every helper here escapes what it is given; one returning HTML
returns it escaped and marked safe (format_html), which Jinja2 outputs as it is (`__html__`)."""

import datetime
import functools
import html
from urllib.parse import quote

from django.template import defaultfilters
from django.utils.html import format_html, json_script
from django.utils.safestring import mark_safe

from trials.search import labels
from trials.search.facets import get as get_facet
from trials.search.facets import label
from trials.web.links import http_url as _http_url

# Where each registry shows a trial, by the registry names trials/readers/identifiers.py gives.
REGISTRY_URLS = {
    "ClinicalTrials.gov": "https://clinicaltrials.gov/study/{id}",
    "ChiCTR": "https://www.chictr.org.cn/searchprojEN.html?regno={id}",
    "ISRCTN": "https://www.isrctn.com/{id}",
    "EudraCT": "https://www.clinicaltrialsregister.eu/ctr-search/search?query={id}",
    "EU Clinical Trials Register": (
        "https://www.clinicaltrialsregister.eu/ctr-search/search?query={id}"
    ),
    "CTIS": "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={id}",
    "DRKS": "https://drks.de/search/en/trial/{id}",
    "jRCT": "https://jrct.niph.go.jp/en-latest-detail/{id}",
    "ANZCTR": "https://www.anzctr.org.au/{id}.aspx",
    "IRCT": "https://irct.behdasht.gov.ir/search/result?query={id}",
}
# The registries' own pages take the number without the prefix ICTRP adds.
STRIP_PREFIX = {"EU Clinical Trials Register": "EUCTR", "CTIS": "CTIS", "jRCT": "JPRN-"}
# Every other registry's trials are on WHO ICTRP's search portal under their own ID.
ICTRP_URL = "https://trialsearch.who.int/Trial2.aspx?TrialID={id}"

FORMAT_LABELS = {
    "ctgov-page": "ClinicalTrials.gov web page",
    "ctgov-json": "ClinicalTrials.gov record",
    "ctgov-xml": "ClinicalTrials.gov XML record",
    "ictrp-page": "WHO ICTRP web page",
    "ictrp-xml": "WHO ICTRP export",
    "listing-page": "trial listing website",
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
FULL_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# The ways the pages write a date, by Django's format letters (the pages are in English).
DATE_FORMATS = {
    "j M Y": lambda day: f"{day.day} {MONTHS[day.month - 1]} {day.year}",
    "M Y": lambda day: f"{MONTHS[day.month - 1]} {day.year}",
    "F Y": lambda day: f"{FULL_MONTHS[day.month - 1]} {day.year}",
}


def date(value, arg: str | None = None) -> str:
    """Django's `date` filter, with the pages' formats of a plain date written directly:
    Django's goes through its localisation machinery, a tenth of the search page's render.
    Datetimes (time zones) and other formats are Django's."""
    if type(value) is datetime.date and arg in DATE_FORMATS:
        return DATE_FORMATS[arg](value)
    return defaultfilters.date(value, arg)


def registry_url(identifier: dict) -> str | None:
    """The registry's public page for a registry ID; None for sponsor and other IDs."""
    registry = identifier.get("registry") or ""
    if identifier.get("kind") != "registry" or not registry or not identifier.get("id"):
        return None
    value = identifier["id"]
    if registry not in REGISTRY_URLS:
        return _http_url(ICTRP_URL.format(id=quote(value, safe="")))
    if prefix := STRIP_PREFIX.get(registry):
        value = value.removeprefix(prefix)
    return _http_url(REGISTRY_URLS[registry].format(id=quote(value, safe="")))


def http_url(value) -> str | None:
    """The value when it is an http(s) URL, else None: a registry URL is a link only then
    (`javascript:`, `data:` and the like are shown as text; see trials/web/links.py)."""
    return _http_url(value)


def facet_label(value: str, facet: str) -> str:
    return label(facet, value)


def facet_labels(values: list[str], facet: str) -> str:
    """A list of a facet's values in words, `Psoriasis, Atopic dermatitis`: one output for the
    list (the same HTML as a loop writing each label and a comma, at a fraction of the cost;
    escaping the joined text escapes each label)."""
    declared = get_facet(facet)
    label_of = declared.labeller() if declared else str
    return ", ".join(map(label_of, values))


def phase_tag(value: str) -> str:
    """A phase as a tag beside others: `Phase 2`, and `Phase: not applicable` for NA."""
    return "Phase: not applicable" if value == "NA" else label("phase", value)


def country(code: str | None) -> str:
    return labels.country_name(code) if code else ""


def countries(codes: list[str]) -> str:
    """Countries in words, separated by commas (as facet_labels)."""
    return ", ".join(map(country, codes))


def km(value: float | None) -> str:
    """A distance as the results show it: "12 km", "under 1 km"."""
    if value is None:
        return ""
    return "under 1 km" if value < 0.5 else f"{round(value):,} km"


def years(value) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def humanize_enum(value: str | None) -> str:
    if value == "NA":
        return "Not applicable"
    return (value or "").replace("_", " ").replace("-", " ").capitalize()


def source_format(value: str | None) -> str:
    return FORMAT_LABELS.get(value or "", value or "unknown source")


def source_name(source: dict | None) -> str:
    """`ClinicalTrials.gov web page`, or `ChiCTR, via WHO ICTRP web page`."""
    source = source or {}
    label = source_format(source.get("format"))
    registry = source.get("registry")
    if registry and registry not in label:
        return f"{registry}, via {label}"
    return label[:1].upper() + label[1:]


def plain_value(value) -> str:
    """A conflicting field's value in words: lists joined, enums humanized, None 'not given'."""
    if value is None or value == [] or value == "":
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(plain_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {plain_value(v)}" for k, v in value.items() if v is not None)
    text = str(value)
    return humanize_enum(text) if text.isupper() and " " not in text else text


def isodate(value: str | None):
    """`2011-08-03` as <time datetime="2011-08-03">3 Aug 2011</time>; `2011-08` as Aug 2011."""
    if not value:
        return ""
    text = str(value)
    try:
        if len(text) == 7:
            day = datetime.date.fromisoformat(text + "-01")
            shown = f"{MONTHS[day.month - 1]} {day.year}"
        else:
            day = datetime.date.fromisoformat(text[:10])
            shown = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    except ValueError:
        return text
    return format_html('<time datetime="{}">{}</time>', text, shown)


def jsonld(value: dict):
    """A `<script type="application/ld+json">` element for structured data.

    Django's json_script does the escaping (`<`, `>` and `&` become \\u escapes, so registry text
    cannot close the element); only its constant opening tag is changed to the type search
    engines read.
    """
    html = json_script(value)
    opening = '<script type="application/json">'
    assert html.startswith(opening)
    return mark_safe('<script type="application/ld+json">' + html[len(opening) :])  # noqa: S308


def escape(value) -> str:
    """Django's conditional_escape, the same text (`html.escape`; safe HTML as it is), without
    its lazy-string wrapper: the pages escape hundreds of values a render."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _escaped_word(value) -> str:
    """A facet value or label escaped, kept when plain text (the same few thousand are on every
    search page); anything else (safe HTML, a lazy string) escaped as `escape` does each time."""
    return _escaped_text(value) if type(value) is str else escape(value)


@functools.lru_cache(maxsize=8192)
def _escaped_text(value: str) -> str:
    return html.escape(value)


FACET_ITEM = (
    '<li><a href="{url}" class="facet-value{selected}" data-facet="{name}" data-value="{value}"'
    '{current}><span class="check" aria-hidden="true"></span>'
    '<span class="facet-label">{label}{note}</span>'
    '<span class="count">{count}<span class="visually-hidden"> trial{plural}</span></span></a></li>'
)
SELECTED_NOTE = '<span class="visually-hidden"> (selected; follow to remove)</span>'


def facet_items(facet: dict) -> str:
    """A facet's values as list items. Built in Python: the search page shows about a hundred
    of them, and a template include per value cost more than the search itself. Every value
    (registry text included) is escaped before the whole is marked safe."""
    name = escape(facet["name"])
    items = (
        FACET_ITEM.format(
            url=escape(v.url),
            selected=" selected" if v.selected else "",
            name=name,
            value=_escaped_word(v.value),
            current=' aria-current="true"' if v.selected else "",
            label=_escaped_word(v.label),
            note=SELECTED_NOTE if v.selected else "",
            count=v.count if type(v.count) is int else escape(v.count),
            plural="" if v.count == 1 else "s",
        )
        for v in facet["shown"]
    )
    return mark_safe("".join(items))  # noqa: S308 - every value escaped above
