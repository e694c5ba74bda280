"""Template helpers. Registry text is untrusted: nothing here marks anything safe."""

from urllib.parse import quote

from django import template

from trials import labels

register = template.Library()

# Where each registry shows a trial, by the registry names the readers give.
REGISTRY_URLS = {
    "ClinicalTrials.gov": "https://clinicaltrials.gov/study/{id}",
    "ChiCTR": "https://www.chictr.org.cn/searchprojEN.html?regno={id}",
    "ISRCTN": "https://www.isrctn.com/{id}",
    "EudraCT": "https://www.clinicaltrialsregister.eu/ctr-search/search?query={id}",
    "EU CTR": "https://www.clinicaltrialsregister.eu/ctr-search/search?query={id}",
    "CTIS": "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={id}",
    "DRKS": "https://drks.de/search/en/trial/{id}",
    "jRCT": "https://jrct.niph.go.jp/en-latest-detail/{id}",
    "ANZCTR": "https://www.anzctr.org.au/TrialSearch.aspx?searchTxt={id}",
    "CTRI": "https://ctri.nic.in/Clinicaltrials/advancesearchmain.php?keyword={id}",
    "IRCT": "https://irct.behdasht.gov.ir/search/result?query={id}",
}


@register.filter
def registry_url(identifier: dict) -> str | None:
    pattern = REGISTRY_URLS.get(identifier.get("registry") or "")
    if not pattern or identifier.get("kind") != "registry":
        return None
    return pattern.format(id=quote(identifier["id"].removeprefix("JPRN-"), safe=""))


@register.filter
def facet_label(value: str, facet: str) -> str:
    return labels.label(facet, value)


@register.filter
def country(code: str | None) -> str:
    return labels.country_name(code) if code else ""


@register.filter
def years(value) -> str:
    if value is None:
        return ""
    return f"{value:g}"


@register.filter
def humanize_enum(value: str | None) -> str:
    if value == "NA":
        return "Not applicable"
    return (value or "").replace("_", " ").replace("-", " ").capitalize()
