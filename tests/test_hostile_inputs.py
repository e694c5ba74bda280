"""Nothing a registry sends can break the portal: hostile inputs fail alone, within limits.

Each hostile file (generated here, streaming, in a temporary directory: none is committed) is
read in a subprocess beside good documents; the subprocess's peak RSS stays under 300 MB, the
hostile file fails as `PATH: reason` naming the limit, and the good documents are read. The
importer does the same with its forked reader (its peak is the importing process's or its
children's, whichever is larger)."""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from bench.corpus import make_ctgov_study
from trials.readers import Limits, ReaderError, Source, iter_inputs, read_bytes, read_source

# Its module fixtures are made once: run whole on one worker (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("test_hostile_inputs")

ROOT = Path(__file__).resolve().parent.parent
PEAK_MB = 300
DEEP = 100_000
BIG = 600 * 1024 * 1024  # the ZIP's one string, inflated
HUGE = 80 * 1024 * 1024  # a plain file's one string (over the 32 MiB record limit)
# manage.py, reporting its peak RSS (its own and its children's) as it exits. Its own is its
# memory's high-water mark (VmHWM), not getrusage's: Linux carries the peak of the process that
# exec'd it (here pytest, hundreds of MB late in the suite) into ru_maxrss.
MEASURED = (
    "import atexit, resource, runpy, sys\n"
    "def peak():\n"
    "    status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
    "    own = int(status.split()[0])\n"
    "    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "    print(f'PEAK-KB {own} {kids}', file=sys.stderr)\n"
    "atexit.register(peak)\n"
    "sys.argv = ['manage.py', *sys.argv[1:]]\n"
    "runpy.run_path('manage.py', run_name='__main__')\n"
)


def _study_json(number: int) -> str:
    return json.dumps(make_ctgov_study(number))


def _write(path: Path, parts) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for part in parts:
            out.write(part)
    return path


def _long(size: int):
    chunk = "A" * (1024 * 1024)
    for _ in range(size // len(chunk)):
        yield chunk


def _hostile(directory: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, what its failure names)."""
    head = '{"protocolSection": {"identificationModule": {"nctId": "NCT09999999"}}, "x": '
    files = {
        "json-array-nested-100000": (
            _write(directory / "deep-array.json", ["[", head, "[" * DEEP, "]" * DEEP, "}]"]),
            "READER_MAX_DEPTH",
        ),
        "json-object-nested-100000": (
            _write(directory / "deep-object.json", [head, '{"a":' * DEEP, "1", "}" * DEEP, "}"]),
            "READER_MAX_DEPTH",
        ),
        "ctgov-xml-nested-100000": (
            _write(
                directory / "deep-ctgov.xml",
                ["<clinical_study>", "<a>" * DEEP, "</a>" * DEEP, "</clinical_study>"],
            ),
            "READER_MAX_DEPTH",
        ),
        "ictrp-xml-nested-100000": (
            _write(
                directory / "deep-ictrp.xml",
                [
                    "<Trials_downloaded_from_ICTRP><Trial><Main>",
                    "<a>" * DEEP,
                    "</a>" * DEEP,
                    "</Main></Trial></Trials_downloaded_from_ICTRP>",
                ],
            ),
            "READER_MAX_DEPTH",
        ),
        "json-array-huge-string": (
            _write(
                directory / "huge-string.json",
                [
                    '[{"protocolSection": {"descriptionModule": {"briefSummary": "',
                    *_long(HUGE),
                    '"}}}]',
                ],
            ),
            "READER_MAX_RECORD_BYTES",
        ),
        "json-object-huge-string": (
            _write(
                directory / "huge-object.json",
                [
                    '{"protocolSection": {"descriptionModule": {"briefSummary": "',
                    *_long(HUGE),
                    '"}}}',
                ],
            ),
            "READER_MAX_RECORD_BYTES",
        ),
        "ictrp-xml-huge-string": (
            _write(
                directory / "huge-string.xml",
                [
                    "<Trials_downloaded_from_ICTRP><Trial><Main><TrialID>NCT09999998</TrialID>",
                    "<public_title>",
                    *_long(HUGE),
                    "</public_title></Main></Trial>",
                    "</Trials_downloaded_from_ICTRP>",
                ],
            ),
            "READER_MAX_RECORD_BYTES",
        ),
    }
    bomb = directory / "bomb.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("studies.json", "w", force_zip64=True) as member,
    ):
        member.write(b'[{"protocolSection": {"descriptionModule": {"briefSummary": "')
        for chunk in _long(BIG):
            member.write(chunk.encode())
        member.write(b'"}}}]')
    assert bomb.stat().st_size < 1024 * 1024
    files["zip-0.6MB-holding-600MB-string"] = (bomb, "READER_MAX_RECORD_BYTES")
    return files


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile")
    good = [_write(directory / f"good-{number}.json", [_study_json(number)]) for number in (1, 2)]
    return good, _hostile(directory)


def _run(*args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, float]:
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, **(env or {})},
    )
    found = re.search(r"PEAK-KB (\d+) (\d+)", result.stderr)
    assert found, result.stderr[-3000:]
    return result, max(int(found[1]), int(found[2])) / 1024


PEAKS: dict[str, float] = {}


@pytest.mark.parametrize(
    "name",
    [
        "json-array-nested-100000",
        "json-object-nested-100000",
        "ctgov-xml-nested-100000",
        "ictrp-xml-nested-100000",
        "json-array-huge-string",
        "json-object-huge-string",
        "ictrp-xml-huge-string",
        "zip-0.6MB-holding-600MB-string",
    ],
)
def test_a_hostile_file_fails_alone_in_bounded_memory(inputs, name):
    good, hostile = inputs
    path, limit = hostile[name]
    result, peak = _run("normalize", str(good[0]), str(path), str(good[1]))
    PEAKS[name] = peak
    print(f"{name}: peak RSS {peak:.0f} MB")
    assert peak < PEAK_MB, f"{name}: peak RSS {peak:.0f} MB"
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["trial_id"] for r in records] == ["NCT80000001", "NCT80000002"], result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("PEAK-KB")]
    assert len(lines) == 1 and lines[0].startswith(f"{path}"), result.stderr[-2000:]
    assert limit in lines[0], lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_the_importer_loads_the_rest_of_a_hostile_batch(inputs, django_db_blocker):
    good, hostile = inputs
    paths = [str(good[0]), *(str(path) for path, _ in hostile.values()), str(good[1])]
    config = settings.DATABASES["default"]
    from urllib.parse import quote

    url = (
        f"postgres://{config['USER']}@{quote(str(config['HOST']), safe='')}:{config['PORT']}"
        f"/{config['NAME']}"
    )
    result, peak = _run("import_trials", "--all", "--dry-run", *paths, env={"DATABASE_URL": url})
    print(f"import_trials on the whole hostile batch: peak RSS {peak:.0f} MB")
    assert peak < PEAK_MB
    assert "created: 2" in result.stdout, result.stdout + result.stderr[-3000:]
    assert f"failed: {len(hostile)}" in result.stdout
    assert "Traceback" not in result.stderr
    for path, limit in hostile.values():
        assert re.search(rf"^{re.escape(str(path))}\S*: .*{limit}", result.stderr, re.M), (
            path,
            result.stderr[-3000:],
        )


def test_limits_are_plain_values_the_readers_keep():
    tight = Limits(record_bytes=2048, depth=5, string_chars=40, zip_bytes=100, zip_members=1)
    nested = json.dumps({"protocolSection": {"a": {"b": {"c": {"d": {"e": 1}}}}}}).encode()
    with pytest.raises(ReaderError, match="READER_MAX_DEPTH=5"):
        list(read_source(Source.from_bytes(nested, limits=tight)))
    assert list(read_bytes(nested))  # within the defaults

    long_text = json.dumps({"protocolSection": {"a": "x" * 50}}).encode()
    with pytest.raises(ReaderError, match="READER_MAX_STRING=40"):
        list(read_source(Source.from_bytes(long_text, limits=tight)))
    assert list(read_bytes(long_text))  # within the defaults


def test_zip_members_and_inflated_bytes_are_limited(tmp_path):
    archive_path = tmp_path / "many.zip"
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in (1, 2, 3):
            archive.writestr(f"s{number}.json", _study_json(number))
    found = list(iter_inputs([str(archive_path)], Limits(zip_members=2)))
    assert len(found) == 1 and "READER_MAX_ZIP_MEMBERS=2" in str(found[0][1])
    found = list(iter_inputs([str(archive_path)], Limits(zip_bytes=1000)))
    assert len(found) == 1 and "READER_MAX_ZIP_BYTES=1000" in str(found[0][1])
    assert len(list(iter_inputs([str(archive_path)]))) == 3


def test_a_recursion_error_is_a_read_error(monkeypatch):
    from trials.readers import ctgov_json

    def deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(ctgov_json, "study_record", deep)
    with pytest.raises(ReaderError, match="RecursionError"):
        list(read_bytes(_study_json(1).encode()))
