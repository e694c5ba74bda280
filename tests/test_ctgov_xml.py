"""The legacy ClinicalTrials.gov XML reader (issue 13, point 4) beyond its golden files: the same
study read from XML and from API v2 JSON, safe parsing, the 2013 variant's design line, text
unwrapping, an AllPublicXML-shaped ZIP in flat memory, and non-trial files skipped, not failed.

The golden modern study is written as the XML twin of the JSON golden study
(tests/data/ctgov-json/in/single-study.json): both must read the same.
"""

import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from trials.readers import FORMATS, ReaderError, detect_format, read_bytes
from trials.readers import ctgov_xml as cx

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "ctgov-xml" / "in"

# Where the two formats may differ for the same study: the raw words each format uses, the
# criteria text's layout, and the document itself (format, hash).
RAW_WORDS = {"status_raw", "phase_raw", "enrollment_raw"}


def _one(data: bytes, **kwargs) -> dict:
    (found,) = read_bytes(data, **kwargs)
    return found


def _pair(xml: Path, js: Path) -> tuple[dict, dict]:
    return _one(xml.read_bytes()), _one(js.read_bytes())


def _assert_same_study(x: dict, j: dict, *, skip: set[str] = frozenset()) -> None:
    assert x["source"]["format"] == "ctgov-xml"
    assert j["source"]["format"] == "ctgov-json"
    for field in x:
        if field in RAW_WORDS | {"source", "criteria", "sites"} | skip:
            continue
        assert x[field] == j[field], field
    # The same sites, but legacy XML has no coordinates: only API v2 JSON's `geoPoint` gives them.
    assert all(site["lat"] is None and site["lon"] is None for site in x["sites"])
    no_coordinates = {"lat": None, "lon": None}
    assert x["sites"] == [site | no_coordinates for site in j["sites"]]
    assert {k: v for k, v in x["source"].items() if k not in ("format", "sha256")} == {
        k: v for k, v in j["source"].items() if k not in ("format", "sha256")
    }
    assert x["criteria"]["inclusion"] == j["criteria"]["inclusion"]
    assert x["criteria"]["exclusion"] == j["criteria"]["exclusion"]


def test_the_golden_modern_study_is_the_json_golden_single_study_in_xml():
    x, j = _pair(GOLDEN / "modern-same-study-as-json.xml", DATA / "ctgov-json/in/single-study.json")
    # The JSON golden file's arm names "Drug: Tofacitinib", an intervention it calls CP-690,550;
    # the XML links arms and interventions by label, so the arm lists CP-690,550.
    _assert_same_study(x, j, skip={"arms"})
    assert [a["interventions"] for a in x["arms"]] == [["CP-690,550"]]
    assert x["arms"][0] | {"interventions": None} == j["arms"][0] | {"interventions": None}


# --- Sniffing and parsing --------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        "<clinical_study>",
        '<?xml version="1.0" encoding="UTF-8"?>\n<clinical_study rank="12">',
        "\ufeff<!-- a comment -->\n<clinical_study>",
        '<?xml version="1.0"?><!DOCTYPE clinical_study SYSTEM "public.dtd"><clinical_study>',
    ],
)
def test_sniffed(head):
    assert cx.sniff(head + "<id_info/></clinical_study>")


@pytest.mark.parametrize(
    "text",
    [
        "<search_results count='2'><clinical_study><nct_id>NCT1</nct_id></clinical_study>",
        "NCT ID: NCT05488327\nclinical_study",
        '{"clinical_study": 1}',
    ],
)
def test_not_sniffed(text):
    assert not cx.sniff(text)


def _study(body: str, *, prolog: str = "") -> bytes:
    ids = "<id_info><nct_id>NCT09000040</nct_id></id_info>"
    return f"{prolog}<clinical_study>{ids}{body}</clinical_study>".encode()


def test_entities_are_refused_and_nothing_is_fetched():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE clinical_study [<!ENTITY a "ha">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<clinical_study><brief_title>&b;</brief_title></clinical_study>"
    )
    with pytest.raises(ReaderError, match=r"^refused XML \(declares an entity"):
        list(read_bytes(laughs.encode(), fmt="ctgov-xml"))
    external = (
        '<?xml version="1.0"?><!DOCTYPE clinical_study [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<clinical_study><brief_title>&e;</brief_title></clinical_study>"
    )
    with pytest.raises(ReaderError, match=r"^refused XML"):
        list(read_bytes(external.encode(), fmt="ctgov-xml"))
    # An external DTD is named, never read: the study reads as if it were not there.
    dtd = '<!DOCTYPE clinical_study SYSTEM "http://127.0.0.1:9/public.dtd">'
    assert _one(_study("<brief_title>T</brief_title>", prolog=dtd))["title"] == "T"


def test_malformed_deep_and_foreign_documents_say_why():
    with pytest.raises(ReaderError, match=r"^malformed XML \(mismatched tag"):
        list(read_bytes(b"<clinical_study><brief_title>x</clinical_study>"))
    deep = "<clinical_study>" + "<a>" * 100 + "</a>" * 100 + "</clinical_study>"
    with pytest.raises(ReaderError, match=r"nested deeper than 64"):
        list(read_bytes(deep.encode()))
    with pytest.raises(ReaderError, match=r"not a ClinicalTrials.gov study \(root element"):
        list(read_bytes(b"<search_results/>", fmt="ctgov-xml"))


def test_results_sections_are_never_built_and_cost_nothing():
    results = "<clinical_results>" + "<x><y>posted result</y></x>" * 20000 + "</clinical_results>"
    study = cx.parse(_study(f"<brief_title>T</brief_title>{results}"))
    assert study.find("clinical_results") is None
    assert study.findtext("brief_title") == "T"
    # With attributes (never seen) the section is parsed, still not built.
    results = results.replace("<clinical_results>", '<clinical_results a="1">')
    study = cx.parse(_study(f"<brief_title>T</brief_title>{results}"))
    assert study.find("clinical_results") is None
    # A section that is not closed is no reason to cut: the document is malformed.
    with pytest.raises(ReaderError, match="malformed XML"):
        cx.parse(_study("<clinical_results><x/>").replace(b"</clinical_study>", b""))


def test_latin1_and_utf16_decode():
    data = _study("<brief_title>Étude dermatologique</brief_title>").decode().encode("latin-1")
    assert _one(data)["title"] == "Étude dermatologique"
    declared = '<?xml version="1.0" encoding="UTF-16"?>\n'
    data = _study("<brief_title>Étude</brief_title>", prolog=declared).decode().encode("utf-16")
    assert detect_format(data) == "ctgov-xml"
    assert _one(data)["title"] == "Étude"


# --- Values ----------------------------------------------------------------------------------


def test_the_2013_design_line_is_split_at_its_labels():
    line = (
        "Allocation: Randomized, Endpoint Classification: Safety/Efficacy Study, Intervention "
        "Model: Crossover Assignment, Masking: Double Blind (Subject, Caregiver), Primary "
        "Purpose: Supportive Care"
    )
    assert _one(_study(f"<study_design>{line}</study_design>"))["design"] == {
        "allocation": "RANDOMIZED",
        "intervention_model": "CROSSOVER",
        "masking": "DOUBLE",
        "primary_purpose": "SUPPORTIVE_CARE",
    }
    observational = "Observational Model: Cohort, Time Perspective: Prospective"
    got = _one(_study(f"<study_design>{observational}</study_design>"))
    assert set(got["design"].values()) == {None}
    assert got["warnings"] == []


def test_textblocks_lose_their_wrapping_but_keep_paragraphs_items_and_headings():
    block = textwrap.dedent(
        """
              Patients whose disease had an inadequate response
              to methotrexate.

              -  INCLUSION CRITERIA:

                 1. first item that is
                    wrapped
                 2. 12.5 mg starts no item when
                    wrapped
                 12.5 mg daily
            Exclusion Criteria:
                 a) pregnancy
        """
    )
    assert cx.textblock(block) == (
        "Patients whose disease had an inadequate response to methotrexate.\n\n"
        "INCLUSION CRITERIA:\n\n"
        "1. first item that is wrapped\n"
        "2. 12.5 mg starts no item when wrapped 12.5 mg daily\n"
        "Exclusion Criteria:\n"
        "a) pregnancy"
    )
    assert cx.textblock("  \n \n") is None


def test_legacy_words_are_written_as_api_v2_enums():
    assert cx._enum("Placebo Comparator") == "PLACEBO_COMPARATOR"
    assert cx._enum("Sub-Investigator") == "SUB_INVESTIGATOR"
    assert cx._enum("Active, not recruiting") == "ACTIVE_NOT_RECRUITING"
    assert cx._enum(" - ") is None and cx._enum(None) is None


# --- AllPublicXML archives and the files beside trial documents -------------------------------

MEMBER = """<?xml version="1.0" encoding="UTF-8"?>
<clinical_study>
  <id_info><org_study_id>ORG-{n}</org_study_id><nct_id>{nct}</nct_id></id_info>
  <brief_title>Study {n} of Plaque Psoriasis</brief_title>
  <overall_status>Completed</overall_status>
  <phase>Phase 2</phase>
  <study_type>Interventional</study_type>
  <condition>Psoriasis</condition>
  <eligibility><gender>All</gender><minimum_age>18 Years</minimum_age></eligibility>
  <location><facility><address><city>Berlin</city><country>Germany</country></address>
  </facility></location>
  <clinical_results>{padding}</clinical_results>
</clinical_study>
"""
MEMBERS = 2000
# Each member carries 24 kB of posted results (inflated and decoded, cut before parsing): the
# archive inflates to ~50 MB, so keeping members or records around would show in the peak RSS.
PADDING = "<x>posted results, not part of trial/1</x>" * 600


def _allpublicxml_zip(path: Path, members: int = MEMBERS) -> Path:
    """Folders NCT0000xxxx/ of one study each, as in AllPublicXML, with the non-trial files
    found beside such studies."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", "ClinicalTrials.gov studies, one XML file per study.\n")
        archive.writestr("MANIFEST.json", json.dumps([{"file": "NCT00000001.xml"}]))
        for n in range(1, members + 1):
            nct = f"NCT{n:08d}"
            text = MEMBER.format(n=n, nct=nct, padding=PADDING)
            archive.writestr(f"{nct[:7]}xxxx/{nct}.xml", text)
    return path


PROBE = """
import io, json, resource, sys, time
from trials.management.commands.normalize import run

class Count(io.TextIOBase):
    lines = 0
    def write(self, text):
        self.lines += text.count("\\n")
        if self.lines == 500 and not hasattr(self, "early"):
            self.early = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return len(text)

out, err = Count(), io.StringIO()
start = time.monotonic()
code = run(sys.argv[1:], fmt=None, url=None, out=out, err=err)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"code": code, "records": out.lines, "early_kb": out.early, "peak_kb": peak,
                  "seconds": time.monotonic() - start, "err": err.getvalue()}))
"""


def test_an_allpublicxml_zip_streams_in_flat_memory_and_skips_its_other_files(tmp_path):
    archive = _allpublicxml_zip(tmp_path / "AllPublicXML.zip")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(archive)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    assert (got["code"], got["records"]) == (0, MEMBERS)
    assert got["err"].splitlines() == [
        f"{archive}:MANIFEST.json: skipped, {READS}",
        f"{archive}:README.txt: skipped, {READS}",
    ]
    growth_mb = (got["peak_kb"] - got["early_kb"]) / 1024
    # 1,500 more studies (~36 MB inflated) after the first 500 add next to nothing.
    assert growth_mb < 15, f"peak RSS grew {growth_mb:.1f} MB over 1,500 members"
    # One open archive for all members: reopening it per member is quadratic (minutes here).
    assert got["seconds"] < 60


READS = (
    "not a recognised trial document (the portal reads: "
    "ctgov-json, ictrp-xml, ctgov-xml, ictrp-page, ctgov-page, listing-page; see README)"
)


def test_the_error_for_an_unrecognised_file_names_every_format():
    with pytest.raises(ReaderError) as caught:
        list(read_bytes(b"Just some notes, no trial.\n"))
    assert str(caught.value) == READS
    assert all(name in str(caught.value) for name in FORMATS)


def test_the_readme_names_every_format():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in FORMATS)


def _folder_with_other_files(tmp_path: Path) -> Path:
    folder = tmp_path / "NCT0000xxxx"
    folder.mkdir()
    for n in (1, 2):
        nct = f"NCT{n:08d}"
        (folder / f"{nct}.xml").write_text(MEMBER.format(n=n, nct=nct, padding=""))
    (folder / "MANIFEST.json").write_text('[{"file": "NCT00000001.xml"}]')
    # A README that describes the formats by their root elements is still no trial document.
    (folder / "README").write_text(
        "One XML file per study (`<clinical_study>`); the WHO export's root is\n"
        "`<Trials_downloaded_from_ICTRP>`, each trial a `<Trial>` element.\n"
    )
    (folder / "notes.txt").write_text("downloaded 2023-02-03\n")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100))
    return folder


def test_normalize_skips_other_files_beside_studies_and_fails_them_when_named(tmp_path):
    from trials.management.commands.normalize import run

    folder = _folder_with_other_files(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert run([str(folder)], fmt=None, url=None, out=out, err=err) == 0
    assert len(out.getvalue().splitlines()) == 2
    skipped = sorted(line.split(": skipped, ")[0] for line in err.getvalue().splitlines())
    assert skipped == [
        str(folder / n) for n in ("MANIFEST.json", "README", "logo.png", "notes.txt")
    ]
    assert f"{folder / 'logo.png'}: skipped, binary content" in err.getvalue()
    # Named on its own, the same file is an error: the person meant it to be read.
    out, err = io.StringIO(), io.StringIO()
    assert run([str(folder / "MANIFEST.json")], fmt=None, url=None, out=out, err=err) == 1
    assert err.getvalue() == f"{folder / 'MANIFEST.json'}: {READS}\n"


@pytest.mark.django_db
def test_import_counts_other_files_as_skipped_not_failed(tmp_path):
    folder = _folder_with_other_files(tmp_path)
    archive = _allpublicxml_zip(tmp_path / "AllPublicXML.zip", members=3)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_trials", "--all", str(folder), str(archive), stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert "failed: 0" in lines or not any(line.startswith("failed") for line in lines)
    assert "  skipped, not a trial document: 6" in lines
    assert err.getvalue() == ""


def test_every_golden_input_sniffs_as_ctgov_xml():
    for path in GOLDEN.glob("*.xml"):
        assert detect_format(path.read_bytes()) == "ctgov-xml", path.name
