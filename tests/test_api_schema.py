"""The API's OpenAPI 3.1 document and its page (issue 17 point 5), and schemathesis: generated
requests from the document, every answer checked against it, none a 500."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from portal.wsgi import application
from trials.search import facets, params
from trials.web import api_schema

pytestmark = pytest.mark.django_db


def test_the_document_is_openapi_3_1_with_every_parameter(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    document = response.json()
    assert document["openapi"] == "3.1.0"
    search = document["paths"]["/api/trials/"]["get"]
    names = [parameter["name"] for parameter in search["parameters"]]
    assert names == list(params.known_parameters())
    by_name = {parameter["name"]: parameter for parameter in search["parameters"]}
    # The facet declarations feed the lists: a closed facet's values are its enum.
    phase = facets.get("phase")
    assert by_name["phase"]["schema"]["items"]["enum"] == [c.value for c in phase.choices]
    assert by_name["sort"]["schema"]["enum"][0] == "relevance"
    assert by_name["page_size"]["schema"]["maximum"] == 100
    assert all(parameter["description"] for parameter in search["parameters"])


def test_every_parameter_has_its_sentence():
    own = set(params.known_parameters()) - {facet.name for facet in facets.declared()}
    assert own == set(api_schema.DESCRIPTIONS)


def test_the_api_page_is_the_document_read_aloud(client):
    response = client.get("/api/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in params.known_parameters():
        assert f"<code>{name}</code>" in page
    assert "/api/trials/{key}/" in page
    assert 'href="/api/schema/"' in page


@pytest.fixture
def api_document(db):
    # Requests go straight to the WSGI application, inside the test's transaction: as
    # Django's test client does, the connection is not closed at each request's end.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Not schemathesis's pytest plugin (`from_fixture` reads a pytest internal that pytest 9 no
# longer has): each operation's strategy driven by hypothesis here, the same checks.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_answer_matches_the_document(api_document):
    operations = [result.ok() for result in api_document.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert {"GET /api/trials/", "GET /api/trials/{key}/"} <= labels

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def answers_as_documented(case):
            case.call_and_validate(checks=CHECKS)

        answers_as_documented()
