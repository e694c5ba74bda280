"""Exports of any search (issue 17, point 1): CSV, JSON Lines and RIS, streamed a chunk at a
time, the search's own trials in the page's order, capped with a note, spreadsheet-safe."""

import csv
import io
import json
import re

import pytest

from trials.models import Trial
from trials.web import export_columns, exports
from trials.web.export_columns import COLUMNS

from .conftest import ROOT

pytestmark = pytest.mark.django_db

NAMES = [column.name for column in COLUMNS]


def _body(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def _csv(client, **params) -> list[list[str]]:
    response = client.get("/export/trials.csv", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="trials-')
    return list(csv.reader(io.StringIO(_body(response))))


def _jsonl(client, **params) -> list[dict]:
    response = client.get("/export/trials.jsonl", params)
    assert response.status_code == 200, response.content
    return [json.loads(line) for line in _body(response).splitlines()]


def _api_ids(client, **params) -> list[str | None]:
    return [hit["trial_id"] for hit in client.get("/api/trials/", params).json()["results"]]


def test_the_csv_has_the_declared_columns_and_every_trial(client):
    table = _csv(client)
    assert table[0] == NAMES
    assert len(table) == 1 + 5
    row = dict(zip(NAMES, table[1 + [r[0] for r in table[1:]].index("NCT01408199")], strict=True))
    assert row["status"] == "Completed"
    assert row["phases"] == "Phase 4"
    assert row["countries"] == "ES"
    assert row["conditions"] == "Cutaneous lupus erythematosus"
    assert row["failed_therapies_required"] == "Thalidomide; Antimalarials; Corticosteroids"
    assert row["url"] == "http://testserver/trials/NCT01408199/"
    assert row["min_age_years"] == "18" and row["sex"] == "All" and row["refractory"] == "yes"


@pytest.mark.parametrize(
    "params",
    [{}, {"country": "CN", "sort": "enrollment"}, {"q": "lenalidomide"}, {"drug": "lenalidomide"}],
)
def test_an_export_holds_the_search_s_trials_in_the_page_s_order(client, params):
    assert [row["trial_id"] for row in _jsonl(client, **params)] == _api_ids(client, **params)
    assert [row[0] or None for row in _csv(client, **params)[1:]] == _api_ids(client, **params)


def test_each_jsonl_line_is_an_object_of_the_columns(client):
    lines = _jsonl(client, country="CN")
    assert len(lines) == 3
    assert all(list(line) == NAMES for line in lines)
    first = next(line for line in lines if line["trial_id"] == "ChiCTR1900025376")
    assert first["conditions"] == ["Systemic lupus erythematosus", "Cutaneous lupus erythematosus"]
    assert first["primary_outcomes"] == ["RCLASI", "SLEDAI"]
    assert first["refractory"] is True and first["max_age_years"] == 70


def test_ris_has_one_record_per_trial(client):
    response = client.get("/export/trials.ris", {"country": "CN"})
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    text = _body(response)
    records = [r for r in text.split("ER  - \r\n") if r.strip()]
    assert len(records) == 3
    assert all(r.strip().startswith("TY  - DBASE") for r in records)
    assert "AN  - ChiCTR1900025376\r\n" in text
    assert "UR  - http://testserver/trials/ChiCTR1900025376/\r\n" in text
    assert "KW  - Lenalidomide\r\n" in text
    # Every line is a tag line: nothing a registry wrote spills over.
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in text.splitlines() if line)


def test_a_cut_export_says_so_and_how_to_narrow(client, settings):
    settings.EXPORT_MAX_TRIALS = 2
    response = client.get("/export/trials.csv")
    assert response["X-Total-Count"] == "5" and response["X-Export-Count"] == "2"
    assert response["X-Export-Truncated"] == "1"
    table = list(csv.reader(io.StringIO(_body(response))))
    assert len(table) == 1 + 2 + 1
    assert table[-1][0].startswith("# Cut at 2 of 5 matching trials")
    assert "Narrow the search" in table[-1][0]
    lines = _jsonl(client)
    assert len(lines) == 3 and lines[-1]["truncated"]["exported"] == 2
    assert lines[-1]["truncated"]["matching"] == 5 and lines[-1]["truncated"]["limit"] == 2
    ris = _body(client.get("/export/trials.ris"))
    assert ris.count("TY  - DBASE") == 2
    assert "TY  - GEN\r\nTI  - Export cut\r\nN1  - Cut at 2 of 5" in ris


def test_an_export_under_the_cap_has_no_note(client, settings):
    settings.EXPORT_MAX_TRIALS = 5
    response = client.get("/export/trials.csv")
    assert "X-Export-Truncated" not in response
    assert not any(row[0].startswith("#") for row in csv.reader(io.StringIO(_body(response))))


def test_formula_cells_are_neutralised(client):
    Trial.objects.create(
        key="EVIL-1",
        trial_id="EVIL-1",
        title='=HYPERLINK("http://evil.example","click")',
        sponsor="+cmd|' /C calc'!A0",
        countries=["ES"],
        record={"contacts": [{"name": "@SUM(1+1)*cmd", "phone": "-2+3"}]},
    )
    client.get("/")  # the index reads the new trial
    table = _csv(client, country="ES")
    row = dict(zip(NAMES, next(r for r in table[1:] if r[0] == "EVIL-1"), strict=True))
    assert row["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["sponsor"] == "'+cmd|' /C calc'!A0"
    assert row["contact"].startswith("'@SUM")
    # JSON Lines keeps the text as the registry wrote it (no spreadsheet reads it).
    line = next(x for x in _jsonl(client, country="ES") if x["trial_id"] == "EVIL-1")
    assert line["title"].startswith("=HYPERLINK")


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_every_formula_start_gets_a_quote(cell):
    assert exports.csv_cell(cell) == "'" + cell
    assert exports.csv_cell(["-a", "b"]) == "'-a; b"
    assert exports.csv_cell(-1) == "-1"  # numbers are the portal's own, never text


def test_a_line_break_in_registry_text_stays_inside_its_ris_value(client):
    Trial.objects.create(
        key="RIS-1",
        title="Line\r\nER  - \r\nTY  - JOUR",
        countries=["NZ"],
        record={"summary": "a\nKW  - injected"},
    )
    client.get("/")
    text = _body(client.get("/export/trials.ris", {"country": "NZ"}))
    assert "TI  - Line ER - TY - JOUR\r\n" in text
    assert "AB  - a KW - injected\r\n" in text
    assert text.count("TY  - ") == 1


def test_rows_are_fetched_a_chunk_at_a_time(client, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(exports, "CHUNK", 2)
    client.get("/")  # builds the index, reads the vocabulary labels
    response = client.get("/export/trials.jsonl")
    # The change-log poll, then one query per chunk of two as the file is streamed.
    with django_assert_num_queries(3):
        chunks = iter(response.streaming_content)
        assert next(chunks).count(b"\n") == 2
        assert next(chunks).count(b"\n") == 2
        assert next(chunks).count(b"\n") == 1
    assert list(chunks) == []


def test_an_export_costs_the_search_and_one_query_per_chunk(client, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(2):  # the change-log poll; the one chunk
        _body(client.get("/export/trials.csv", {"country": "CN"}))
    # With text: the poll, the matching ids, one chunk (the trials open to any skin disease,
    # fewer than words.FILL_BELOW trials being about dermatomyositis here, are marked by the
    # index: engine._general_filled).
    with django_assert_num_queries(3):
        _body(client.get("/export/trials.ris", {"q": "dermatomyositis", "sort": "updated"}))
    with django_assert_num_queries(3):
        _body(client.get("/export/trials.ris", {"q": "dermatomyositis trials", "sort": "updated"}))


def test_near_fills_the_nearest_site(client):
    (line,) = _jsonl(client, near="Barcelona, Spain")
    assert line["trial_id"] == "NCT01408199"
    assert line["nearest_site"].startswith("Vall D'Hebron Hospital, Barcelona")
    assert 0 <= line["distance_km"] < 10
    assert all(row["nearest_site"] is None for row in _jsonl(client, country="CN"))


def test_one_page_of_an_export(client):
    everything = _api_ids(client)
    page = _jsonl(client, page="2", page_size="2")
    assert [row["trial_id"] for row in page] == everything[2:4]
    assert len(_jsonl(client, page_size="3")) == 3


@pytest.mark.parametrize(
    ("params", "status", "named"),
    [
        ({"country": "XX"}, 400, "country"),
        ({"age": "old"}, 400, "age"),
        ({"near": "Nowhereville Zzz"}, 400, "near"),
        ({"page_size": "101"}, 400, "page_size"),
        ({"page": "0"}, 400, "page"),
        ({"page": "9", "page_size": "2"}, 404, "page"),
        # page × page_size past a bigint: a 404 like any page past the last, not a 500
        ({"q": "lupus", "page": "461168601842738791"}, 404, "page"),
        ({"page": "92233720368547759", "page_size": "100"}, 404, "page"),
    ],
)
def test_bad_parameters_are_named_never_a_500(client, params, status, named):
    response = client.get("/export/trials.csv", params)
    assert response.status_code == status
    assert response.content.decode().startswith(f"{named}:")


def test_the_readme_documents_every_column():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### The export's columns", 1)[1].split("\n#", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, re.M)
    assert documented == NAMES


def test_every_column_reads_what_it_declares():
    fields, parts = export_columns.needs()
    assert "pk" in fields and set(parts) <= set(export_columns.RECORD_PARTS)
    assert {f.name for f in Trial._meta.get_fields()} >= set(fields) - {"pk"}


def test_the_results_page_links_the_downloads_and_the_feed(client):
    response = client.get("/", {"country": ["CN", "XX"], "page": "1", "drug": "lenalidomide"})
    links = {d["format"]: d["url"] for d in response.context["downloads"]}
    # The page's own display (page) and what it ignored (XX) stay out of the file's link.
    assert links == {
        fmt: f"/export/trials.{fmt}?country=CN&drug=lenalidomide" for fmt in ("csv", "ris", "jsonl")
    }
    html = response.content.decode()
    assert 'href="/export/trials.csv?country=CN&amp;drug=lenalidomide" download' in html
    assert response.context["feed_url"] == "/feeds/trials.atom?country=CN&drug=lenalidomide"


def test_a_place_the_page_could_not_read_is_left_out_of_the_links(client):
    response = client.get("/", {"near": "Nowhereville Zzz", "within": "50", "sort": "distance"})
    assert response.context["downloads"][0]["url"] == "/export/trials.csv"


def test_head_gives_the_headers_without_reading_rows(client, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(1):  # the change-log poll: no chunk is read
        response = client.head("/export/trials.csv", {"country": "CN"})
    assert response.status_code == 200 and response["X-Export-Count"] == "3"
    assert not response.content


def test_the_menu_says_when_a_download_would_be_cut(client, settings):
    assert "Download all 5 trials:" in client.get("/").content.decode()
    settings.EXPORT_MAX_TRIALS = 2
    html = client.get("/").content.decode()
    assert "Download the first 2 of the 5 trials (an export holds at most 2" in html
