"""Helpers shared by the admin and curation tests: a curator, documents to import.

Test modules load the fixtures with `pytest_plugins = ["tests.curators"]` and import the rest;
no asserts here, so no assertion rewriting is needed (PYTEST_DONT_REWRITE).
"""

import copy
import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from trials.jobs import import_upload
from trials.loading.importer import run_import
from trials.models import RawDocument

from .conftest import ROOT

STUDY = ROOT / "tests" / "data" / "ctgov-json" / "in" / "single-study.json"


PASSWORD = "a long curator password"


def curator_group() -> Group:
    """The group migration 0004 creates (recreated here: transactional tests flush it)."""
    group, created = Group.objects.get_or_create(name="curator")
    if created:
        group.permissions.set(Permission.objects.filter(content_type__app_label="trials"))
    return group


@pytest.fixture
def curator(db):
    user = User.objects.create_user("cura", password=PASSWORD, is_staff=True)
    user.groups.add(curator_group())
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def study(nct: str = "NCT09000001", **changes) -> dict:
    """The CT.gov API v2 test study, with another ID and any module fields changed:
    study(status="X") sets statusModule.overallStatus, and so on (see below)."""
    data = copy.deepcopy(json.loads(STUDY.read_text()))
    p = data["protocolSection"]
    ident = p["identificationModule"]
    ident["nctId"], ident["nctIdAliases"], ident["secondaryIdInfos"] = nct, [], []
    ident["orgStudyIdInfo"] = {"id": f"ORG-{nct}"}
    if "title" in changes:
        ident["briefTitle"] = changes["title"]
    if "sponsor" in changes:
        p["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = changes["sponsor"]
    if "status" in changes:
        p["statusModule"]["overallStatus"] = changes["status"]
    if "phases" in changes:
        p["designModule"]["phases"] = changes["phases"]
    if "conditions" in changes:
        p["conditionsModule"]["conditions"] = changes["conditions"]
    if "drug" in changes:
        p["armsInterventionsModule"]["interventions"] = [
            {"type": "DRUG", "name": changes["drug"], "armGroupLabels": ["Tofacitinib"]}
        ]
    if "country" in changes:
        p.setdefault("contactsLocationsModule", {})["locations"] = [
            {"facility": "Clinic", "city": "Somewhere", "country": changes["country"]}
        ]
    if "enrollment" in changes:
        p["designModule"]["enrollmentInfo"]["count"] = changes["enrollment"]
    return data


def import_studies(tmp_path, *studies: dict, name: str = "studies.json"):
    """Import studies as one CT.gov download through the importer; the ImportRun."""
    path = tmp_path / name
    path.write_text(json.dumps(list(studies)))
    return run_import([str(path)], keep_all=True).run


def document() -> RawDocument:
    return RawDocument.objects.get_or_create(
        sha256="b" * 64, defaults={"content": b"{}", "size": 2, "name": "t", "format": "t"}
    )[0]


def run_queued_imports() -> int:
    """Run the queued import jobs as the worker would, here, inside the test's transaction
    (which the worker's connections cannot see; tests/test_jobs.py runs the real worker)."""
    ran = 0
    queued = ProcrastinateJob.objects.filter(status="todo", task_name=import_upload.name)
    for job in queued.order_by("id"):
        app.tasks[job.task_name](**job.args)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", [job.id]
            )
        ran += 1
    return ran
