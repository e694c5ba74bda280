"""Imports from the admin: upload files or a ZIP, queued for a job that runs the same importer,
the run's report. The queued jobs run here in the test's transaction (run_queued_imports);
tests/test_jobs.py runs them through the real worker."""

import io
import json
import zipfile

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from trials.models import ImportRun, Trial

from .curators import run_queued_imports, study

pytest_plugins = ["tests.curators"]  # the curator fixtures
pytestmark = pytest.mark.django_db
UPLOAD = "/admin/trials/importrun/add/"


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    return settings.IMPORT_UPLOAD_DIR


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _studies(*ncts: str) -> bytes:
    return json.dumps([study(n, title=f"Trial {n}") for n in ncts]).encode()


def test_the_upload_form_lists_past_runs(curator_client, tmp_path):
    ImportRun.objects.create(paths=["earlier.json"], counts={"created": 3})
    html = curator_client.get(UPLOAD).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "earlier.json" in html


def test_uploaded_files_are_imported_and_land_on_the_report(curator_client, curator):
    response = curator_client.post(
        UPLOAD,
        {"files": [_upload("a.json", _studies("NCT09200001")), _upload("b.txt", b"")]},
    )
    run = ImportRun.objects.first()
    assert run.status == ImportRun.State.QUEUED
    assert not Trial.objects.filter(trial_id="NCT09200001").exists()  # not in the request
    assert run_queued_imports() == 1
    run.refresh_from_db()
    assert run.status == ImportRun.State.DONE
    assert response.status_code == 302
    assert response["Location"] == f"/admin/trials/importrun/{run.pk}/change/"
    assert run.paths == ["a.json", "b.txt"]
    assert run.counts["created"] == 1
    assert run.counts["failed"] == 1
    assert run.errors[0][0] == "b.txt"
    assert Trial.objects.filter(trial_id="NCT09200001").exists()

    report = curator_client.get(response["Location"]).content.decode()
    assert "created" in report
    assert "b.txt" in report  # per-file errors
    assert "empty" in report.lower()
    entry = LogEntry.objects.get(object_id=str(run.pk))
    assert (entry.user, entry.action_flag) == (curator, ADDITION)


def test_a_zip_is_read_member_by_member(curator_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("one.json", _studies("NCT09200011"))
        archive.writestr("two.json", _studies("NCT09200012", "NCT09200013"))
    curator_client.post(UPLOAD, {"files": [_upload("batch.zip", buffer.getvalue())]})
    run_queued_imports()
    run = ImportRun.objects.first()
    assert run.paths == ["batch.zip"]
    assert run.counts["created"] == 3
    assert Trial.objects.filter(trial_id__startswith="NCT092000").count() == 3


def test_out_of_scope_trials_are_skipped_unless_asked(curator_client):
    lung = json.dumps(study("NCT09200021", title="Lung study", conditions=["Lung cancer"])).encode()
    curator_client.post(UPLOAD, {"files": [_upload("lung.json", lung)]})
    run_queued_imports()
    assert ImportRun.objects.first().counts["skipped"] == 1
    curator_client.post(UPLOAD, {"files": [_upload("lung.json", lung)], "keep_all": "on"})
    run_queued_imports()
    assert ImportRun.objects.first().counts["created"] == 1


def test_a_form_without_files_says_so(curator_client):
    response = curator_client.post(UPLOAD, {})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_runs_are_reports_not_forms(curator_client):
    run = ImportRun.objects.create(paths=["x.json"], counts={"created": 1}, errors=[["x", "y"]])
    response = curator_client.get(f"/admin/trials/importrun/{run.pk}/change/")
    assert response.status_code == 200
    assert 'type="submit"' not in response.content.decode().split("</form>")[-1]
    assert curator_client.get("/admin/trials/importrun/").status_code == 200
