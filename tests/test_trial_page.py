"""The trial page: every field readable, stable URLs, redirects, escaping."""

import copy
import datetime
import json
import re

import pytest

from trials.loading.loader import Loader
from trials.models import RawDocument, Trial
from trials.readers import identifiers
from trials.web.filters import isodate, plain_value, registry_url

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_record(client):
    response = client.get("/trials/NCT01408199/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Study To Evaluate The Safety And Efficacy Of Lenalidomide For Refractory Cutaneous Lupus",
        "Completed",
        "Phase 4",
        "Hospital Universitari Vall d&#x27;Hebron Research Institute",
        "Vall D&#x27;Hebron Hospital",
        "Spain",
        "2009-016508-21",
        "EudraCT",
        "23217273",
        "Histologically proven cutaneous lupus erythematosus",
        "Presence of antiphospholipid antibodies",
        "18 to 65 years",
        "Talk to your doctor",
        "Refractory disease",
        "https://clinicaltrials.gov/study/NCT01408199",
    ]:
        assert text in html, text


def test_contacts_and_sites_are_shown(client):
    html = client.get("/trials/NCT05488327/").content.decode()
    assert "Lihua Duan" in html
    assert "0791-86895639" in html
    assert "Nanchang" in html


def test_a_trial_without_registry_id_has_a_stable_page(client):
    trial = Trial.objects.get(trial_id__isnull=True)
    assert trial.key.startswith("unregistered-")
    response = client.get(f"/trials/{trial.key}/")
    assert response.status_code == 200
    assert b"Interleukin-2 on Refractory Dermatomyositis" in response.content
    assert b"This trial names no registry ID" in response.content


def test_a_secondary_id_answers_301_to_the_canonical_page(client):
    response = client.get("/trials/2009-016508-21/")
    assert response.status_code == 301
    assert response["Location"] == "/trials/NCT01408199/"


def test_an_id_in_other_case_redirects_too(client):
    response = client.get("/trials/nct01408199/")
    assert response.status_code == 301


@pytest.mark.parametrize("typed", ["NCT1408199", "NCT 01408199", "nct1408199"])
def test_an_id_as_the_search_box_takes_it_redirects_to_the_trial(client, typed):
    response = client.get(f"/trials/{typed}/")
    assert response.status_code == 301
    assert response["Location"] == "/trials/NCT01408199/"


def test_the_pages_answer_head_as_get(client):
    assert client.head("/trials/NCT01408199/").status_code == 200
    assert client.head("/", {"q": "lupus"}).status_code == 200
    assert client.post("/trials/NCT01408199/").status_code == 405


def test_an_unknown_id_is_404(client):
    assert client.get("/trials/NCT00000001/").status_code == 404


def test_registry_text_is_escaped_everywhere(client):
    trial = Trial.objects.get(trial_id="NCT01408199")
    record = copy.deepcopy(trial.sources.first().record)
    evil = '<script>alert("x")</script>'
    record["source"]["format"] = "ctgov-json"
    record["title"] = f"Evil {evil}"
    record["summary"] = evil
    record["criteria"]["inclusion"] = [evil]
    record["sites"][0]["facility"] = evil
    record["identifiers"][0]["id"] = "NCT01408199"
    doc = RawDocument.objects.create(sha256="e" * 64, content=b"x", size=1, name="evil", format="x")
    Loader().load(record, doc)
    # NCT05488327's related trials include it: its title on a card (trials/web/trial_parts.py).
    for url in ("/trials/NCT01408199/", "/trials/NCT05488327/", "/", "/?q=evil", "/?q=alert"):
        html = client.get(url).content.decode()
        assert evil not in html, url
    assert "&lt;script&gt;" in client.get("/trials/NCT01408199/").content.decode()
    assert "Evil &lt;script&gt;" in client.get("/trials/NCT05488327/").content.decode()


def test_snippets_and_json_ld_escape_registry_text(client):
    evil = '<script>alert("x")</script>'
    Trial.objects.create(
        key="EVIL1",
        record={"title": f"Evil {evil}", "summary": evil},
        title=f"Evil {evil}",
        text_summary=f"An alert: {evil}",
    )
    html = client.get("/", {"q": "alert"}).content.decode()
    assert evil not in html
    assert "<mark>alert</mark>" in html
    html = client.get("/trials/EVIL1/").content.decode()
    assert evil not in html
    # JSON-LD cannot be closed early by registry text.
    assert '"name": "Evil \\u003Cscript\\u003Ealert(\\"x\\")\\u003C/script\\u003E"' in html
    assert _jsonld(html)["name"] == f"Evil {evil}"


def test_the_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    client.get("/trials/NCT05488327/")  # warms the vocabulary labels and the related cards
    # The trial with when the portal last copied it (freshness.last_synced: its newest source
    # record, one indexed look-up, in the same query) and the facet index's look at the
    # change log (the related trials come from the index; at most every SEARCH_CACHE_SECONDS,
    # every request in tests); their cards are kept while the log has not moved.
    with django_assert_num_queries(2):
        client.get("/trials/NCT05488327/")
    for n in range(10):
        Trial.objects.create(
            key=f"R{n}", record={}, title=f"Related {n}", conditions=["dermatomyositis"]
        )
    # The index reads the ten new trials and their sites as it follows the change log, then
    # the cards at the new position of the log are read by id.
    with django_assert_num_queries(5):
        response = client.get("/trials/NCT05488327/")
    assert len(response.context["related"]) == 6
    with django_assert_num_queries(2):
        client.get("/trials/NCT05488327/")


def test_an_edit_of_a_related_trial_shows_on_its_card(client):
    assert "NCT04946669" in client.get("/trials/NCT05488327/").content.decode()
    related = Trial.objects.get(key="NCT04946669")
    related.title = "Renamed <b>by a curator</b>"
    related.save()  # the change log moves: the cards kept for its old position are not served
    html = client.get("/trials/NCT05488327/").content.decode()
    assert "Renamed &lt;b&gt;by a curator&lt;/b&gt;" in html


def _jsonld(html: str) -> dict:
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert m, "no JSON-LD"
    return json.loads(m[1])


@pytest.mark.usefixtures("statuses_confirmed")
def test_status_is_in_plain_words(client):
    html = client.get("/trials/ChiCTR1900025376/").content.decode()
    assert "Looking for participants" in html
    html = client.get("/trials/NCT01408199/").content.decode()
    assert "Finished" in html


def test_the_phase_glossary_explains_each_phase(client):
    html = client.get("/trials/NCT04946669/").content.decode()
    assert "What the phases mean" in html
    assert "A first, very small study in people, before phase 1." in html
    assert "Compares the treatment with standard care in a large group." in html


@pytest.mark.usefixtures("statuses_confirmed")
def test_the_key_facts_answer_can_i_join_where_and_whom_to_call(client):
    html = client.get("/trials/ChiCTR1900025376/").content.decode()
    facts = html[html.index('class="key-facts"') : html.index('class="doctor-note"')]
    for text in ["Can I join?", "Looking for participants", "18 to 70 years", "China"]:
        assert text in facts, text
    assert "Mengtao Li" in facts
    assert 'href="tel:+8613911788572"' in facts


def test_eligibility_lists_come_under_the_age_and_sex_summary(client):
    html = client.get("/trials/NCT01408199/").content.decode()
    summary = html.index('class="summary-line"')
    assert summary < html.index("You may be able to join if") < html.index("You cannot join if")


def test_conditions_and_drugs_link_to_their_searches(client):
    html = client.get("/trials/NCT05488327/").content.decode()
    assert 'href="/?condition=dermatomyositis"' in html
    assert 'href="/?drug=lenalidomide"' in html


def test_arms_outcomes_and_sites_by_country_are_shown(client):
    html = client.get("/trials/ChiCTR1900025376/").content.decode()
    assert "intervention group" in html and "control group" in html
    assert "RCLASI" in html and "SLEDAI" in html
    html = client.get("/trials/NCT01408199/").content.decode()
    where = html[html.index('id="where"') : html.index('id="contacts"')]
    assert "<h3>Spain</h3>" in where
    assert "Vall D&#x27;Hebron Hospital" in where


def test_related_trials_share_a_condition_or_drug_open_ones_first(client):
    response = client.get("/trials/NCT05488327/")
    related = response.context["related"]
    keys = [t.key for t in related]
    assert "NCT05488327" not in keys
    # Dermatomyositis: NCT04946669 and the IL-2 trial; lenalidomide: the two lupus trials.
    assert set(keys) == {
        "NCT04946669",
        "ChiCTR1900025376",
        "NCT01408199",
        *[k for k in keys if k.startswith("unregistered-")],
    }
    assert len(keys) == 4
    assert keys[-1] == "NCT01408199"  # the only one not recruiting nor about to
    assert "Related trials" in response.content.decode()


def test_related_trials_from_the_index_are_the_database_s(client):
    """The index's answer (trials/search/related.py) is the ORM query it replaced."""
    from django.db.models import Case, F, Q, Value, When

    from trials.models import Status
    from trials.search.related import related_pks

    for n in range(12):  # open and closed, dated and not, sharing a condition or a drug
        Trial.objects.create(
            key=f"R{n}",
            record={},
            title=f"Related {n}",
            conditions=["dermatomyositis"] if n % 2 else [],
            drugs=["lenalidomide"] if n % 3 == 0 else [],
            status=Status.RECRUITING if n % 4 == 0 else Status.COMPLETED,
            last_updated=None if n % 5 == 0 else datetime.date(2024, 1, 1 + n % 3),
        )
    for trial in Trial.objects.all():
        is_open = Case(When(status__in=Status.OPEN, then=Value(0)), default=Value(1))
        same = Q(conditions__overlap=trial.conditions) | Q(drugs__overlap=trial.drugs)
        expected = list(
            Trial.objects.filter(same)
            .exclude(pk=trial.pk)
            .order_by(is_open, F("last_updated").desc(nulls_last=True), "pk")
            .values_list("pk", flat=True)[:6]
        )
        if not trial.conditions and not trial.drugs:
            expected = []
        assert related_pks(trial.pk, trial.conditions, trial.drugs, 6) == expected, trial.key


@pytest.mark.usefixtures("statuses_confirmed")
def test_the_page_has_medical_trial_json_ld(client):
    data = _jsonld(client.get("/trials/ChiCTR1900025376/").content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalTrial"
    assert data["name"].startswith("Lenalidomide in Treatment-Refractory")
    assert data["identifier"] == ["ChiCTR1900025376"]
    assert data["status"] == "https://schema.org/Recruiting"
    assert data["phase"] == "Phase 4"
    assert "https://schema.org/PlaceboControlledTrial" in data["trialDesign"]
    assert {"@type": "Drug", "name": "Lenalidomide"} in data["studySubject"]
    assert data["healthCondition"][0]["@type"] == "MedicalCondition"
    assert data["studyLocation"] == [{"@type": "Country", "name": "China"}]
    assert data["url"] == "http://testserver/trials/ChiCTR1900025376/"


def test_every_registry_the_readers_name_links_somewhere():
    names = {registry for _, registry in identifiers._REGISTRY_PATTERNS}
    for name in names:
        url = registry_url({"id": "X123", "kind": "registry", "registry": name})
        assert url and url.startswith("https://"), name


@pytest.mark.parametrize(
    ("identifier", "url"),
    [
        (
            {"id": "NCT01408199", "registry": "ClinicalTrials.gov"},
            "https://clinicaltrials.gov/study/NCT01408199",
        ),
        (
            {"id": "EUCTR2021-000037-14", "registry": "EU Clinical Trials Register"},
            "https://www.clinicaltrialsregister.eu/ctr-search/search?query=2021-000037-14",
        ),
        (
            {"id": "CTIS2023-507385-11-00", "registry": "CTIS"},
            "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT=2023-507385-11-00",
        ),
        (
            {"id": "JPRN-jRCTs031210288", "registry": "jRCT"},
            "https://jrct.niph.go.jp/en-latest-detail/jRCTs031210288",
        ),
        (
            {"id": "CTRI/2019/01/017000", "registry": "CTRI"},
            "https://trialsearch.who.int/Trial2.aspx?TrialID=CTRI%2F2019%2F01%2F017000",
        ),
    ],
)
def test_registry_urls(identifier, url):
    assert registry_url({**identifier, "kind": "registry"}) == url


def test_a_sponsors_number_is_not_linked():
    assert registry_url({"id": "CC-5013-CLE-001", "kind": "org", "registry": None}) is None


def test_the_sources_panel_shows_where_sources_disagree(client):
    trial = Trial.objects.get(trial_id="NCT01408199")
    record = copy.deepcopy(trial.sources.first().record)
    record["source"] = {
        "format": "ictrp-page",
        "registry": "EudraCT",
        "url": None,
        "refreshed": "2012-01-15",
        "register_url": "https://www.clinicaltrialsregister.eu/ctr-search/search?query=2009-016508-21",
    }
    record["enrollment"] = 12
    doc = RawDocument.objects.create(sha256="d" * 64, content=b"x", size=1, name="eu", format="x")
    Loader().load(record, doc)
    html = client.get("/trials/NCT01408199/").content.decode()
    sources = html[html.index('id="sources"') :]
    assert "from 2 sources" in sources
    assert "EudraCT, via WHO ICTRP web page" in sources
    assert 'refreshed <time datetime="2012-01-15">' in sources
    assert "Where the sources disagree" in sources
    assert "<td>12</td>" in sources and "<td>15</td>" in sources
    assert "(disputed)" in sources


def test_dates_read_as_words_and_values_in_plain_words():
    assert isodate("2011-08-03") == '<time datetime="2011-08-03">3 Aug 2011</time>'
    assert isodate("2019-08") == '<time datetime="2019-08">Aug 2019</time>'
    assert isodate("soon") == "soon"
    assert plain_value(["PHASE2", "PHASE3"]) == "Phase2, Phase3"
    assert plain_value(None) == "not given"
    assert plain_value("<b>") == "<b>"  # the template escapes it


def test_the_print_stylesheet_is_linked(client):
    html = client.get("/trials/NCT01408199/").content.decode()
    assert 'href="/static/css/print.css" media="print"' in html


def test_snippet_text_is_escaped_before_matches_are_marked(client, monkeypatch):
    from dataclasses import replace

    from trials.web import views

    real = views.search

    def with_snippet(query):
        result = real(query)
        snippet = (('<script>x("', False), ("lupus", True), ("</script>", False))
        return replace(result, trials=tuple(replace(t, snippet=snippet) for t in result.trials))

    monkeypatch.setattr(views, "search", with_snippet)
    html = client.get("/", {"q": "lupus"}).content.decode()
    assert "&lt;script&gt;x(&quot;<mark>lupus</mark>&lt;/script&gt;" in html
    assert "<script>x(" not in html


def test_sources_are_named_by_registry_and_format():
    from trials.web.filters import source_name

    assert source_name({"format": "ctgov-page", "registry": "ClinicalTrials.gov"}) == (
        "ClinicalTrials.gov web page"
    )
    assert source_name({"format": "ictrp-page", "registry": "ChiCTR"}) == (
        "ChiCTR, via WHO ICTRP web page"
    )
    assert source_name({"format": "listing-page"}) == "Trial listing website"


@pytest.mark.parametrize("key", ["%00", "NCT%00", "x" * 300, "%F0%9F%98%80", "(%20)"])
def test_odd_ids_in_the_url_are_404_not_500(client, key):
    assert client.get(f"/trials/{key}/").status_code == 404
    assert client.get(f"/api/trials/{key}/").status_code == 404


def test_the_provenance_rows_escape_registry_text():
    from trials.web.trial_parts import provenance_rows

    source = {"format": "ictrp-page", "registry": "<b>Evil</b> & co", "refreshed": "2012-01-15"}
    html = provenance_rows({"title": source, "sponsor": None}, {"title": []})
    assert "<b>" not in html
    assert "<td>&lt;b&gt;Evil&lt;/b&gt; &amp; co, via WHO ICTRP web page</td>" in html
    assert '<td>Title <span class="disagree">(disputed)</span></td>' in html
    assert '<time datetime="2012-01-15">15 Jan 2012</time>' in html
    assert "<tr><td>Sponsor</td><td>Unknown source</td><td>—</td></tr>" in html
