"""Every identifier, whatever its characters, gets a URL-safe key: the trial's URL can be built
and answers for an ID of every registry pattern the identifier module knows."""

import copy
import re

import pytest
from django.urls import reverse

from trials.loading.columns import distinct_key, url_key
from trials.loading.loader import Loader
from trials.models import RawDocument, Trial
from trials.readers import identifiers

pytestmark = pytest.mark.django_db

# One ID of every registry pattern in trials/readers/identifiers.py.
SAMPLES = [
    "NCT01234567",
    "ChiCTR2000012345",
    "EUCTR2020-001234-12",
    "CTIS2023-501234-12-00",
    "2020-001235-12",
    "ISRCTN12345678",
    "DRKS00012345",
    "jRCT1234567890",
    "JPRN-UMIN000012345",
    "JapicCTI-123456",
    "KCT0001234",
    "NL-OMON12345",
    "NL1234",
    "ACTRN12612000123456",
    "CTRI/2020/01/022345",
    "IRCT20200101012345N1",
    "PACTR202001123456789",
    "TCTR20200101001",
    "SLCTR/2020/001",
    "RBR-abc123",
    "PER-001-20",
    "LBCTR2020011234",
    "ITMCTR2020000123",
]
SAFE = re.compile(r"[A-Za-z0-9._~-]+")


def test_the_samples_cover_every_registry_pattern():
    for pattern, registry in identifiers._REGISTRY_PATTERNS:
        assert any(pattern.fullmatch(sample.upper()) for sample in SAMPLES), registry
    for sample in SAMPLES:
        assert identifiers.classify_identifier(sample)[0] == "registry", sample


def _record(base: dict, trial_id: str, number: int) -> dict:
    record = copy.deepcopy(base)
    registry = identifiers.classify_identifier(trial_id)[1]
    record["trial_id"] = identifiers.canonical_identifier(trial_id)
    record["identifiers"] = [{"id": record["trial_id"], "kind": "registry", "registry": registry}]
    record["title"] = f"Hostile key trial number {number}"
    record["source"] = {
        **record["source"],
        "format": "ictrp-xml",
        "registry": registry,
        "url": None,
        "source_id": None,
    }
    return record


@pytest.fixture
def base():
    return copy.deepcopy(Trial.objects.get(trial_id="NCT01408199").sources.first().record)


def test_every_registry_id_has_a_url_that_answers(client, base):
    document = RawDocument.objects.create(
        sha256="k" * 64, content=b"x", size=1, name="k", format="x"
    )
    items = [(_record(base, sample, n), document) for n, sample in enumerate(SAMPLES)]
    outcomes = Loader().load_many(items)
    assert outcomes == ["created"] * len(SAMPLES), outcomes
    for sample in SAMPLES:
        canonical = identifiers.canonical_identifier(sample)
        trial = Trial.objects.get(trial_id=canonical)
        assert SAFE.fullmatch(trial.key), trial.key
        url = reverse("trial_detail", args=[trial.key])
        assert url == trial.get_absolute_url()
        response = client.get(url)
        assert response.status_code == 200, (sample, url)
        assert client.get(reverse("api_trial", args=[trial.key])).status_code == 200
    # Every listing that shows them builds their URLs.
    response = client.get("/", {"q": "Hostile key trial"})
    assert response.status_code == 200
    assert "/trials/CTRI-2020-01-022345/" in response.content.decode()
    assert client.get("/api/trials/", {"q": "Hostile key trial"}).status_code == 200


def test_well_formed_ids_keep_their_key_and_slashes_become_dashes():
    for sample in SAMPLES:
        canonical = identifiers.canonical_identifier(sample)
        if "/" not in canonical:
            assert url_key(canonical) == canonical
    assert url_key("CTRI/2020/01/022345") == "CTRI-2020-01-022345"
    assert url_key("SLCTR/2020/001") == "SLCTR-2020-001"
    for hostile in ["..", ".", "a b?c#d", "/", "研究-1", "x" * 500, "%2F", "a\x00b"]:
        key = url_key(hostile)
        assert SAFE.fullmatch(key) and key.strip(".") and len(key) <= 100, (hostile, key)
        assert reverse("trial_detail", args=[key])
    assert distinct_key("CTRI/2020/01/1") != url_key("CTRI/2020/01/1")


def test_the_raw_id_in_the_url_redirects_to_the_key(client, base):
    document = RawDocument.objects.create(
        sha256="r" * 64, content=b"x", size=1, name="r", format="x"
    )
    Loader().load(_record(base, "CTRI/2020/01/022345", 1), document)
    response = client.get("/trials/CTRI/2020/01/022345/")
    assert response.status_code == 301
    assert response["Location"] == "/trials/CTRI-2020-01-022345/"
    assert client.get("/trials/CTRI%2F2020%2F01%2F022345/").status_code == 301


def test_two_ids_that_make_the_same_key_get_two_keys(client, base):
    document = RawDocument.objects.create(
        sha256="c" * 64, content=b"x", size=1, name="c", format="x"
    )
    Loader().load(_record(base, "CTRI/2020/01/022345", 1), document)
    other = _record(base, "CTRI/2020/01/022345", 2)
    other["trial_id"] = "CTRI-2020-01-022345"  # a sponsor's way of writing it: no registry ID
    other["identifiers"] = [{"id": "CTRI-2020-01-022345", "kind": "other", "registry": None}]
    other["source"]["source_id"] = "other-copy"
    assert Loader().load_many([(other, document)]) == ["created"]
    keys = sorted(Trial.objects.filter(title__startswith="Hostile").values_list("key", flat=True))
    assert len(keys) == 2 and keys[0] == "CTRI-2020-01-022345", keys
    for key in keys:
        assert client.get(reverse("trial_detail", args=[key])).status_code == 200


def test_the_migration_rewrites_unsafe_stored_keys():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("trials.migrations.0012_url_safe_keys")
    Trial.objects.create(key="CTRI/2019/02/1", record={}, title="old unsafe key")
    Trial.objects.create(key="CTRI-2019-02-1", record={}, title="its look-alike")
    Trial.objects.create(key="..", record={}, title="dots")
    migration.rewrite_unsafe_keys(apps, None)
    keys = set(Trial.objects.values_list("key", flat=True))
    assert all(SAFE.fullmatch(key) and key.strip(".") for key in keys)
    assert "CTRI-2019-02-1" in keys and "NCT01408199" in keys
    assert len([key for key in keys if key.startswith("CTRI-2019-02-1")]) == 2
