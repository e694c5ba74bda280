"""The CT.gov download reader's streaming parts: the array decoder and the canonical bytes.

`_array_items` reads a JSON array item by item from a refilled buffer; these tests cut the
buffer everywhere (tiny chunks) and the document everywhere (truncations)."""

import json
import random
from pathlib import Path

import pytest

from trials import readers
from trials.readers import ctgov_json, ctgov_json_stream, stream
from trials.readers.errors import ReaderError

from .conftest import CORPUS

DOC = [
    {"a": 'x]y,"z\\', "b": [1, 2.5, -3e-7, {"c": None, "d": True}], "é": "ü" * 30},
    {"nested": [[[]], {}], "text": "line\nbreak\ttab \u2028"},
    [],
    "s",
    3,
]


def _items(text: str) -> list:
    return list(ctgov_json_stream.array_items(stream.Source.from_bytes(text.encode("utf-8"))))


@pytest.fixture(params=[1, 7, 64, 1 << 20], ids=lambda n: f"chunk{n}")
def chunk(request, monkeypatch):
    monkeypatch.setattr(stream, "CHUNK", request.param)
    return request.param


@pytest.mark.parametrize("indent", [None, 2])
def test_items_come_out_as_json_loads_reads_them(chunk, indent):
    assert _items(json.dumps(DOC, indent=indent, ensure_ascii=False)) == DOC


@pytest.mark.parametrize("text", ["[]", " \n[ \n] \n", "\ufeff[]"])
def test_empty_arrays(chunk, text):
    assert _items(text) == []


def test_a_document_cut_anywhere_gives_its_whole_items_then_an_error(chunk):
    text = json.dumps(DOC, indent=1, ensure_ascii=False)
    for cut in range(1, len(text)):
        got = []
        with pytest.raises(ReaderError, match=r"^malformed JSON \("):
            for item in ctgov_json_stream.array_items(
                stream.Source.from_bytes(text[:cut].encode())
            ):
                got.append(item)
        assert got == DOC[: len(got)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1,,2]", "malformed JSON (study 2: Expecting value)"),
        ("[1 2]", "malformed JSON (after study 1: expecting ',' or ']', found '2')"),
        ('[{"a": 1}, {"b" 2}]', "malformed JSON (study 2: Expecting ':' delimiter)"),
        ("{}", "malformed JSON (not an array)"),
        ("[1,]", "malformed JSON (study 2: Expecting value)"),
    ],
)
def test_malformed_arrays_name_the_study(chunk, text, message):
    with pytest.raises(ReaderError) as caught:
        _items(text)
    assert str(caught.value) == message


def test_an_error_in_the_middle_is_reported_without_reading_on(monkeypatch):
    """A syntax error that more text cannot mend stops the reading at once (one near the end
    of the buffer may cost one more read before it is told from a cut item)."""
    monkeypatch.setattr(stream, "CHUNK", 64)
    served = []

    def chunks(source):
        yield '[{"a": 1}, {"b" 2}, {"c": 3}, '
        served.append("rest")
        yield '{"c": 3}]'

    monkeypatch.setattr(ctgov_json_stream, "iter_text", chunks)
    items = ctgov_json_stream.array_items(stream.Source.from_bytes(b""))
    assert next(items) == {"a": 1}
    with pytest.raises(ReaderError, match="study 2"):
        next(items)
    assert served == []


def _json_canonical(study) -> bytes:
    return json.dumps(study, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "study",
    [
        DOC[0],
        {"b": 1, "a": {"z": [1, 2], "y": '\x00\x1f"\\/'}, "big": 2**70},
        {"lat": 40.7128, "tiny": 1e-12, "huge": 1e16, "small": [1e-05, -2.5e-07, 0.0001]},
    ],
)
def test_canonical_bytes_are_json_dumps_bytes(study):
    assert ctgov_json.canonical_bytes(study) == _json_canonical(study)


def test_canonical_bytes_of_random_floats_are_json_dumps_bytes():
    rng = random.Random(7)
    for _ in range(20_000):
        value = rng.random() * 10 ** rng.randint(-30, 30) * rng.choice([1, -1])
        assert ctgov_json.canonical_bytes({"v": value}) == _json_canonical({"v": value})


def test_canonical_bytes_match_json_dumps_over_the_corpus():
    folder = CORPUS / "ctgov-json"
    if not folder.exists():
        pytest.skip(f"the shared corpus is not here ({CORPUS}); CI has it")
    studies = 0
    for path in sorted(folder.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found = data if isinstance(data, list) else data.get("studies", [data])
        for study in found:
            assert ctgov_json.canonical_bytes(study) == _json_canonical(study), path
            studies += 1
    assert studies > 500


_SINGLE = Path(__file__).parent / "data" / "ctgov-json" / "in" / "single-study.json"


def _study(**changes) -> dict:
    study = json.loads(_SINGLE.read_text(encoding="utf-8"))
    for path, value in changes.items():
        module, key = path.split("__")
        study["protocolSection"].setdefault(module, {})[key] = value
    return study


def test_one_value_where_a_list_belongs_is_a_list_of_one():
    study = _study(conditionsModule__conditions="Atopic Dermatitis")
    (record,) = readers.read_bytes(json.dumps(study).encode())
    names = [c["name"] for c in record["conditions"]]
    assert "Atopic Dermatitis" in names and all(len(name) > 1 for name in names)
    study = _study(sponsorCollaboratorsModule__collaborators=[None, {"name": "Sanofi"}, "x"])
    (record,) = readers.read_bytes(json.dumps(study).encode())
    assert record["collaborators"] == ["Sanofi"]


def test_a_study_no_reader_can_make_sense_of_is_a_reader_error_naming_what_failed():
    study = _study(eligibilityModule__minimumAge=18)
    with pytest.raises(ReaderError, match=r"could not be read \(TypeError"):
        list(readers.read_bytes(json.dumps(study).encode()))
    download = {"studies": [_study(), study, _study()]}
    read = []
    with pytest.raises(ReaderError, match=r"1 of 3 study records could not be read.*study 2"):
        for record in readers.read_bytes(json.dumps(download).encode()):
            read.append(record)
    assert len(read) == 2  # the one before and the one after
