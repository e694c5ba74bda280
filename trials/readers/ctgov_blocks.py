"""The anchored blocks of a ClinicalTrials.gov study page: arms, interventions, sponsors,
contacts, sites, references, identifiers, outcomes. Each block's lines are told apart by anchor
lines the site prints ("Group Type EXPERIMENTAL", "Role: CONTACT", "Sponsor Role lead")."""

import re

from trials.readers import normalize
from trials.readers.finish import add_identifier
from trials.readers.record import Intervention, Site

_ANCHOR = re.compile(r"^(Group Type|Intervention Type|Sponsor Role|Site Status)\b\s*:?\s*(.*)$")
_SPONSOR_CLASSES = {
    "OTHER",
    "INDUSTRY",
    "NIH",
    "FED",
    "OTHER_GOV",
    "INDIV",
    "NETWORK",
    "AMBIG",
    "UNKNOWN",
}
_PHONE = re.compile(r"^\+?[\d(][\d\s()+\-./]{5,}(?:\s*(?:ext\.?|x)\s*\d+)?$", re.IGNORECASE)


def split_at_anchor(lines: list[str], anchor: str) -> list[tuple[list[str], str]]:
    """Blocks of lines each closed by an anchor line ("Sponsor Role lead"), with its value."""
    blocks: list[tuple[list[str], str]] = []
    pending: list[str] = []
    for line in lines:
        match = _ANCHOR.match(line)
        if match and match[1] == anchor:
            blocks.append((pending, match[2].strip()))
            pending = []
        else:
            pending.append(line)
    if pending:
        blocks.append((pending, ""))
    return blocks


def intervention(name: str, itype: str | None, description: str | None) -> Intervention:
    return {
        "name": name,
        "type": itype.upper().replace(" ", "_") if itype else None,
        "description": description,
        "drug": None,
        "is_placebo": False,
    }


def arms(record: dict, lines: list[str]) -> None:
    """Study Groups: arm label, arm description, "Group Type X", then per intervention its
    name, "Intervention Type X" and its description. Which free lines belong to whom is told
    by their place between the anchors."""
    arm: dict | None = None
    last: dict | None = None
    pending: list[str] = []
    for line in lines:
        match = _ANCHOR.match(line)
        if match and match[1] == "Group Type":
            if last is not None and last["description"] is None and len(pending) > 1:
                last["description"] = pending.pop(0)
            label, description = (
                (pending[0], " ".join(pending[1:]) or None) if pending else (None, None)
            )
            arm = {
                "label": label,
                "type": match[2] or None,
                "description": description,
                "interventions": [],
            }
            record["arms"].append(arm)
            pending, last = [], None
        elif match and match[1] == "Intervention Type" and arm is not None and pending:
            if last is not None and last["description"] is None and len(pending) > 1:
                last["description"] = " ".join(pending[:-1])
            last = intervention(pending[-1], match[2], None)
            arm["interventions"].append(pending[-1])
            pending = []
        else:
            pending.append(line)
    if last is not None and pending:
        last["description"] = " ".join(pending)


def interventions(record: dict, lines: list[str], *, headingless: bool = False) -> None:
    for block, itype in split_at_anchor(lines, "Intervention Type"):
        if not (block and itype):
            continue
        if headingless:  # the block holds everything since the last anchor: name, description?
            has_description = len(block) > 1 and block[-1].endswith(".")
            name = block[-2] if has_description else block[-1]
            description = block[-1] if has_description else None
        else:
            name, description = block[0], " ".join(block[1:]) or None
        record["interventions"].append(intervention(name, itype, description))


def sponsors(record: dict, lines: list[str]) -> None:
    for block, role in split_at_anchor(lines, "Sponsor Role"):
        if not block or not role:
            continue
        # The name is the line before the agency class ("OTHER"), when the class is printed.
        name = block[-2] if block[-1] in _SPONSOR_CLASSES and len(block) > 1 else block[-1]
        if role.lower() == "lead" and not record["sponsor"]:
            record["sponsor"] = name
        elif role.lower() == "collaborator":
            record["collaborators"].append(name)


def contacts(record: dict, lines: list[str]) -> None:
    roles = [i for i, line in enumerate(lines) if line.startswith("Role:")]
    for number, role_at in enumerate(roles):
        contact = dict.fromkeys(("name", "role", "email", "phone", "affiliation"))
        contact["role"] = lines[role_at][5:].strip().upper().replace(" ", "_") or None
        before = (
            lines[role_at - 1]
            if role_at > 0 and (number == 0 or role_at - 1 > roles[number - 1])
            else None
        )
        if before and not _PHONE.match(before) and "@" not in before:
            contact["name"] = before
        end = roles[number + 1] - 1 if number + 1 < len(roles) else len(lines)
        for line in lines[role_at + 1 : end]:
            if "@" in line and not contact["email"]:
                contact["email"] = line
            elif _PHONE.match(line) and not contact["phone"]:
                contact["phone"] = line
            elif not contact["affiliation"]:
                contact["affiliation"] = line
        if contact["name"] or contact["email"] or contact["phone"]:
            record["contacts"].append(contact)


def site(facility: str | None, place: str | None, status: str | None) -> Site:
    parts = [p.strip() for p in (place or "").split(",") if p.strip() and not p.strip().isdigit()]
    country = normalize.country_code(parts[-1]) if parts else None
    if country:
        parts = parts[:-1]
    else:
        country = normalize.country_from_address(place)
    return {
        "facility": facility,
        "city": parts[0] if parts else None,
        "region": parts[1] if len(parts) > 1 else None,
        "country": country,
        "status": status,
        "lat": None,
        "lon": None,
    }


def sites(record: dict, lines: list[str]) -> None:
    for block, status in split_at_anchor(lines, "Site Status"):
        if not block:
            continue
        facility, place = (block[0], block[-1]) if len(block) > 1 else (None, block[0])
        record["sites"].append(site(facility, place, status or None))


def references(record: dict, lines: list[str]) -> None:
    citation: list[str] = []
    for line in lines:
        if match := re.match(r"^PMID:\s*(\d+)", line):
            if record["references"]:
                record["references"][-1]["pmid"] = match[1]
        elif line.startswith("Reference Type"):
            if citation:
                record["references"].append({"citation": " ".join(citation), "pmid": None})
            citation = []
        else:
            citation.append(line)
    if citation:
        record["references"].append({"citation": " ".join(citation), "pmid": None})


def identifiers(record: dict, lines: list[str]) -> None:
    current: str | None = None
    for line in lines:
        if line.startswith("Identifier Source:"):
            source = line.partition(":")[2].strip()
            add_identifier(record, current, kind="org" if source == "org_study_id" else "other")
            current = None
        elif not line.startswith("Identifier Type:"):
            current = line


def outcomes(record: dict, lines: list[str], kind: str) -> None:
    for line in lines:
        if match := re.match(r"^Time ?Frame:\s*(.*)$", line, re.IGNORECASE):
            if record["outcomes"] and record["outcomes"][-1]["time_frame"] is None:
                record["outcomes"][-1]["time_frame"] = match[1] or None
        else:
            record["outcomes"].append({"kind": kind, "measure": line, "time_frame": None})
