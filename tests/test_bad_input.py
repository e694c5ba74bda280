"""Bad input (issue 4, point 9): each bad input is named with a reason on stderr, the other
inputs still load, the exit status is 1, and a failing record leaves the database as it was.
Big inputs stream: a 200 MB file is never held in memory."""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from trials.loading.writing import Writer
from trials.models import SourceRecord, Trial

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
SINGLE = DATA / "ctgov-json" / "in" / "single-study.json"  # NCT09000001, dermatomyositis
DOWNLOAD = DATA / "ctgov-json" / "in" / "download-array-2.json"  # NCT09000002, NCT09000003
EXPORT = DATA / "ictrp-xml" / "in" / "eu-two-states-and-chictr.xml"


def _import(*paths, extra=("--all",)):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_trials", *extra, *map(str, paths), stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def _counts(out: str) -> dict:
    pairs = (line.split(": ") for line in out.splitlines() if not line.startswith(" "))
    return {k: int(v) for k, v in pairs if v.isdigit()}


def _truncated_zip(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("study.json", SINGLE.read_bytes())
    path = tmp_path / "truncated.zip"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path, the reason stderr must give)."""
    cases = {
        "empty": ("empty.json", b"", "empty file"),
        "binary": ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300), "binary"),
        "malformed JSON": (
            "broken.json",
            b'[{"protocolSection": {"identificationModule": {"nctId": "NCT0900',
            "malformed JSON",
        ),
        "malformed XML": (
            "broken.xml",
            b"<Trials_downloaded_from_ICTRP><Trial><TrialID>NCT09000009</Trial>",
            "malformed XML",
        ),
        "unknown format": ("trials.csv", b"nct_id,title\nNCT09000010,x\n", "not a recognised"),
    }
    found = {}
    for case, (name, data, reason) in cases.items():
        (tmp_path / name).write_bytes(data)
        found[case] = (tmp_path / name, reason)
    found["truncated ZIP"] = (_truncated_zip(tmp_path), "unreadable zip")
    return found


@pytest.mark.parametrize(
    "case",
    ["empty", "binary", "malformed JSON", "malformed XML", "unknown format", "truncated ZIP"],
)
def test_a_bad_input_is_named_and_the_others_still_load(tmp_path, case):
    path, reason = _bad_inputs(tmp_path)[case]
    code, out, err = _import(path, SINGLE, EXPORT)
    assert code == 1
    line = next(line for line in err.splitlines() if line.startswith(f"{path}: "))
    assert reason in line
    assert _counts(out)["failed"] == 1
    assert Trial.objects.filter(trial_id="NCT09000001").exists()
    assert Trial.objects.filter(trial_id="EUCTR2021-000037-14").exists()


def test_all_bad_inputs_at_once_each_get_their_line(tmp_path):
    bad = _bad_inputs(tmp_path)
    code, out, err = _import(*(p for p, _ in bad.values()), SINGLE)
    assert code == 1
    for path, reason in bad.values():
        assert any(line.startswith(f"{path}: ") and reason in line for line in err.splitlines())
    assert _counts(out)["failed"] == len(bad)
    assert _counts(out)["created"] == 1


def test_a_download_broken_halfway_keeps_the_studies_before_the_break(tmp_path):
    text = DOWNLOAD.read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(
        text[: text.index('{"protocolSection":{"identificationModule":{"nctId":"NCT09000003"')]
    )
    code, _out, err = _import(cut)
    assert code == 1
    assert err.startswith(f"{cut}: malformed JSON")
    assert Trial.objects.filter(trial_id="NCT09000002").exists()


def test_latin1_and_utf16_text_decode_and_load(tmp_path):
    study = json.loads(SINGLE.read_text(encoding="utf-8"))
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09000011"
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(json.dumps(study, ensure_ascii=False).encode("latin-1"))
    export = EXPORT.read_text(encoding="utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'")
    utf16 = tmp_path / "utf16.xml"
    utf16.write_bytes(export.encode("utf-16"))  # with a BOM, as Windows tools write it
    code, _out, err = _import(latin1, utf16)
    assert (code, err) == (0, "")
    trial = Trial.objects.get(trial_id="NCT09000011")
    assert "Hospital Clínic" in [s["facility"] for s in trial.record["sites"]]
    eu = Trial.objects.get(trial_id="EUCTR2021-000037-14")
    assert eu.record["contacts"][0]["affiliation"] == "Example Pharma Limited"
    assert Trial.objects.filter(trial_id="ChiCTR2100050713").exists()


def test_a_failing_record_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    assert _import(SINGLE)[0] == 0
    before = Trial.objects.get(trial_id="NCT09000001")
    changed = json.loads(SINGLE.read_text(encoding="utf-8"))
    changed["protocolSection"]["identificationModule"]["briefTitle"] = "A new title"
    (tmp_path / "changed.json").write_text(json.dumps(changed))
    rows = Writer.rows

    def failing(self, record, *args, **kwargs):
        if record.get("trial_id") in ("NCT09000001", "NCT09000003"):
            raise RuntimeError("disk on fire")
        return rows(self, record, *args, **kwargs)

    monkeypatch.setattr(Writer, "rows", failing)
    code, out, err = _import(tmp_path / "changed.json", DOWNLOAD)
    assert code == 1
    assert f"{tmp_path / 'changed.json'} [NCT09000001]: disk on fire" in err.splitlines()
    assert f"{DOWNLOAD} [NCT09000003]: disk on fire" in err.splitlines()
    # The update that failed changed nothing; the new trial that failed does not exist at all.
    after = Trial.objects.get(trial_id="NCT09000001")
    assert (after.title, after.record, after.modified) == (
        before.title,
        before.record,
        before.modified,
    )
    assert after.sources.get().record["title"] == before.record["title"]
    assert not Trial.objects.filter(trial_id="NCT09000003").exists()
    assert not SourceRecord.objects.filter(source_key__contains="NCT09000003").exists()
    assert Trial.objects.filter(trial_id="NCT09000002").exists()
    assert _counts(out)["failed"] == 2


# --- 200 MB: streamed, never slurped ----------------------------------------------------------

SIZE = 200 * 1024 * 1024
# Peak RSS of `manage.py normalize` (Django, vocabularies, the readers): well under the file.
MAX_RSS_MB = 200


def _peak_rss_mb(*args: str) -> tuple[int, float, str, int]:
    """Run manage.py in a child of a fresh interpreter, so that RUSAGE_CHILDREN is its own.
    Returns (exit code, peak RSS in MB, stderr, number of records printed)."""
    probe = (
        "import resource, subprocess, sys;"
        "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE);"
        "n = sum(1 for _ in p.stdout);"
        "sys.stderr.write(p.stderr.read().decode()[-2000:]);"
        "p.wait();"
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, n)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "manage.py", "normalize", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    code, rss_kb, records = proc.stdout.split()
    return int(code), int(rss_kb) / 1024, proc.stderr, int(records)


def test_a_200_mb_junk_file_is_refused_without_reading_it_whole(tmp_path):
    junk = tmp_path / "junk.txt"
    line = b"lorem ipsum dolor sit amet, no trial here at all " * 20 + b"\n"
    with junk.open("wb") as f:
        for _ in range(SIZE // len(line) + 1):
            f.write(line)
    code, rss, err, records = _peak_rss_mb(str(junk), str(SINGLE))
    assert (code, records) == (1, 1)
    # One line; it names the formats the portal reads (issue 13), ctgov-xml among them.
    assert "\n" not in err.strip()
    assert err.startswith(f"{junk}: not a recognised trial document (the portal reads: ")
    assert "ctgov-json" in err and "ctgov-xml" in err
    assert rss < MAX_RSS_MB, f"peak RSS {rss:.0f} MB"


def test_a_200_mb_download_streams_in_bounded_memory(tmp_path):
    """About 400 studies of 0.5 MB (padding in a section the reader ignores): the parser sees
    200 MB, the readers a few hundred studies, so the test is quick."""
    study = json.loads(SINGLE.read_text(encoding="utf-8"))
    study["resultsSection"] = {"padding": "x" * (512 * 1024)}
    path = tmp_path / "big.json"
    count = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("[")
        while f.tell() < SIZE:
            study["protocolSection"]["identificationModule"]["nctId"] = f"NCT1{count:07d}"
            f.write(("," if count else "") + json.dumps(study))
            count += 1
        f.write("]")
    code, rss, err, records = _peak_rss_mb(str(path))
    assert (code, err, records) == (0, "", count)
    assert rss < MAX_RSS_MB, f"peak RSS {rss:.0f} MB for {count} studies"
