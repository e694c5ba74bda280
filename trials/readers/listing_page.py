"""ClinicalTrialExchange listing pages saved as text: seed 004.

The site prints `Label:` then the value — twice in one layout, once in another; a third layout
has no "Overview" header and blank fields — and its text extraction glues labels onto the
previous value ("…indexes.Phase:", "Phase 3Accepts Healthy Volunteers?", "NoDetails"), so
labels are first put back on lines of their own.

Placeholders: the site prints "Target enrollment: 0" for every trial and "Trial end date:
1969-12-31" when it has none; both are null with a warning. Its text names no trial ID (the
page URL does: `--url …/NCT05495321`). `source.registry` is the register of the trial's ID
when one is known (from the URL), else null: the site itself is not a register.

Extractions that start part-way (no "Overview", no title, the first labels cut off) are read
for what they hold: two of the site's own labels recognise them, the title is taken only when
the page starts with it (the Status label follows), and values standing without their label
are read only by a shape nothing else has (a known status, "Phase 2", a sex) — with a
`values_read_by_shape` warning. Dates without a label stay unread: start or end is unknowable.
"""

import re
from collections.abc import Iterator

from trials.readers import normalize
from trials.readers.errors import ReaderError
from trials.readers.finish import add_identifier, finish, warn
from trials.readers.limits import Limits
from trials.readers.record import VALUES_READ_BY_SHAPE, TrialRecord, empty_record, warning
from trials.readers.vocabulary import Vocabulary

FORMAT = "listing-page"

# Labels as the site prints them; the value follows on the same or the next lines.
_LABELS = {
    "status:": "status",
    "trial start date:": "start",
    "trial end date:": "completion",
    "target enrollment:": "enrollment",
    "participant gender:": "sex",
    "minimum age:": "min_age",
    "maximum age:": "max_age",
    "phase:": "phase",
    "accepts healthy volunteers?": "healthy",
    "lead sponsor:": "sponsor",
    "collaborators:": "collaborators",
    "treatments:": "treatments",
    "conditions:": "conditions",
    "trial id:": "trial_id",
    "nct id:": "trial_id",
    "summary": "summary",
    "criteria": "criteria",
    "details": "details",
    "overview": "overview",
}
_GLUED = re.compile(
    r"(?<=\S)(Status:|Trial start date:|Trial end date:|Target enrollment:|Participant gender:|"
    r"Minimum age:|Maximum age:|Phase:|Accepts Healthy Volunteers\?|Lead Sponsor:|"
    r"Collaborators:|Treatments:|Conditions:)"
)
_GLUED_WORD = re.compile(r"^(Yes|No|Unknown|.{1,40}?[a-z0-9.)])(Details|Criteria|Summary)$")
_LISTS = {"treatments", "conditions", "collaborators"}
_PROSE = {"summary", "criteria"}


# Labels only this site prints; two of them (at a line start or glued to a value) recognise a
# page whose extraction starts part-way, after the title and the first fields.
_SITE_LABELS = (
    "Target enrollment:",
    "Participant gender:",
    "Trial end date:",
    "Trial start date:",
    "Accepts Healthy Volunteers?",
    "Lead Sponsor:",
    "Treatments:",
    "Collaborators:",
)


def sniff(text: str) -> bool:
    if any(marker in text for marker in ("Target enrollment:", "Participant gender:")):
        return True
    if "Trial end date:" in text:
        return True
    found = {label for label in _SITE_LABELS if label in text}
    return len(found) >= 2 or (len(found) == 1 and bool(re.search(r"[a-z.)]Phase:\n", text)))


def _unglue(text: str) -> list[str]:
    lines: list[str] = []
    for raw in _GLUED.sub(r"\n\1", text).split("\n"):
        line = raw.strip()
        if match := _GLUED_WORD.match(line):
            lines += [match[1], match[2]]
        else:
            lines.append(line)
    return lines


def _label(line: str) -> tuple[str | None, str]:
    """(field, value on the same line) when the line starts with a label."""
    lowered = line.lower()
    for label, field in _LABELS.items():
        bare = not label.endswith((":", "?"))
        if (bare and lowered == label) or (not bare and lowered.startswith(label)):
            return field, line[len(label) :].strip()
    return None, line


def _fields(lines: list[str]) -> tuple[str | None, dict[str, list[str]], list[str]]:
    """(title, values per field, unlabelled lines of the overview). The title is the line the
    page starts with (or the one after "Overview") when the Status label follows it; a page
    whose extraction starts part-way has no title, and the values before its first label are
    kept apart, to be read by their shape."""
    fields: dict[str, list[str]] = {}
    loose: list[str] = []
    current: str | None = None
    first_label: str | None = None
    for line in lines:
        field, rest = _label(line)
        if field:
            current = field
            first_label = first_label or field
            fields.setdefault(field, [])
            if rest:
                fields[field].append(rest)
        elif current in (None, "overview"):
            if line:
                loose.append(line)
        elif current in _PROSE or line:
            fields[current].append(line)
    title = None
    if loose and (first_label == "overview" or (first_label == "status" and len(loose) == 1)):
        title = loose.pop(0)
    return title, fields, loose


def _by_shape(record: dict, lines: list[str]) -> None:
    """Values printed without their label (the page starts part-way, or a layout lost them):
    only shapes that cannot be anything else are read — a status the vocabulary knows, "Phase
    2", a sex — and the record says so."""
    warnings = record["warnings"]
    read = False
    for line in lines:
        folded = " ".join(line.lower().split())
        if record["status_raw"] is None and folded in normalize.status_map():
            record["status_raw"] = line
            record["status"] = normalize.parse_status(line, warnings=warnings)
            read = True
        elif record["phase_raw"] is None and re.fullmatch(
            r"(?:early\s+)?phase\s*[0-4iv/ ]+", folded
        ):
            record["phase_raw"] = line
            record["phases"] = normalize.parse_phases(line, warnings=warnings)
            read = True
        elif record["sex"] is None and folded in ("all", "male", "female"):
            record["sex"] = normalize.parse_sex(line, warnings=warnings)
            read = True
    if read:
        message = "layout: values without their labels read by their shape"
        warn(record, warning(None, VALUES_READ_BY_SHAPE, None, message))


def _single(values: list[str]) -> str | None:
    """One value, whether the layout printed it once or twice."""
    values = [v for v in values if v]
    return values[0] if values else None


def read(
    data: bytes,
    *,
    url: str | None = None,
    vocab: Vocabulary | None = None,
    limits: Limits | None = None,  # a page is read whole: Source.read holds it to the byte limit
) -> Iterator[TrialRecord]:
    # Long on purpose: the record is filled field by field in the page's order, so the function
    # reads as the mapping table from the registry's labels to trial/1; helpers for its parts
    # would each take the whole record and scatter that table.
    text = normalize.clean_text(normalize.decode_bytes(data)) or ""
    title, fields, loose = _fields(_unglue(text))
    if not title and not fields:
        raise ReaderError("not a listing page (no title or fields)")
    record = empty_record(FORMAT, data)
    warnings = record["warnings"]
    one = {k: _single(v) for k, v in fields.items() if k not in _LISTS | _PROSE}

    record["title"] = title
    if one.get("trial_id"):
        record["trial_id"] = one["trial_id"]
        add_identifier(record, one["trial_id"])
    record["status_raw"] = one.get("status")
    record["status"] = normalize.parse_status(record["status_raw"], warnings=warnings)
    record["start"] = normalize.parse_date(one.get("start"), field="start", warnings=warnings)
    record["completion"] = normalize.parse_date(
        one.get("completion"), field="completion", warnings=warnings
    )
    record["enrollment_raw"] = one.get("enrollment")
    record["enrollment"] = normalize.parse_enrollment(
        record["enrollment_raw"], zero_is_placeholder=True, warnings=warnings
    )
    record["sex"] = normalize.parse_sex(one.get("sex"), warnings=warnings)
    record["phase_raw"] = one.get("phase")
    record["phases"] = normalize.parse_phases(record["phase_raw"], warnings=warnings)
    record["healthy_volunteers"] = normalize.parse_bool(
        one.get("healthy"), field="healthy_volunteers", warnings=warnings
    )
    record["sponsor"] = one.get("sponsor")
    record["collaborators"] = list(dict.fromkeys(fields.get("collaborators", [])))
    record["summary"] = normalize.clean_text("\n".join(fields.get("summary", [])))

    criteria = normalize.clean_text("\n".join(fields.get("criteria", [])))
    record["criteria"] = normalize.split_criteria(criteria)
    if "min_age" in one or "max_age" in one:
        record["min_age_years"] = normalize.parse_age(
            one.get("min_age"), field="min_age_years", warnings=warnings
        )
        record["max_age_years"] = normalize.parse_age(
            one.get("max_age"), field="max_age_years", warnings=warnings
        )
    else:
        record["min_age_years"], record["max_age_years"] = normalize.ages_from_criteria(criteria)

    _by_shape(record, loose)

    for name in dict.fromkeys(fields.get("conditions", [])):
        record["conditions"].append({"name": name, "term": None})
    for name in dict.fromkeys(fields.get("treatments", [])):
        record["interventions"].append(
            {"name": name, "type": None, "description": None, "drug": None, "is_placebo": False}
        )
    yield finish(record, vocab=vocab, url=url)
