"""Trial identifiers: which registry an ID belongs to, its canonical spelling, and junk IDs.

Merging trials across sources is done on identifiers only (research.md), so a wrong or junk ID
here means a false merge later: placeholders such as `ISRCTN00000000` or "not applicable" are
rejected outright, and IDs we cannot place are `other`, never guessed to be a registry's.
"""

import re

# (pattern, registry). Patterns match the whole (upper-cased, space-trimmed) value; the first
# group, when present, is the canonical ID (e.g. EUCTR without its member-state suffix).
_REGISTRY_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(NCT\d{8})"), "ClinicalTrials.gov"),
    (re.compile(r"(CHICTR-?(?:[A-Z]{2,4}-)?\d{6,12})"), "ChiCTR"),
    (re.compile(r"(EUCTR\d{4}-\d{6}-\d{2})(?:-[A-Z]{2}|-3RD)?"), "EU Clinical Trials Register"),
    # An EU CT number, its "-00" suffix left off too ("2023-505976-31": no EudraCT number's
    # middle part reaches 500000; the registries write both)
    (re.compile(r"(?:CTIS)?(\d{4}-5\d{5}-\d{2}(?:-\d{2})?)"), "CTIS"),
    (
        re.compile(r"(?:EUDRACT\s*(?:NO\.?|NUMBER)?:?\s*)?(\d{4}-\d{6}-\d{2})(?:-[A-Z]{2})?"),
        "EudraCT",
    ),
    (re.compile(r"(ISRCTN\d{8})"), "ISRCTN"),
    (re.compile(r"(DRKS\d{8})"), "DRKS"),
    (re.compile(r"((?:JPRN-)?JRCT[A-Z]?\d{9,10})"), "jRCT"),
    (re.compile(r"((?:JPRN-)?UMIN\d{9})"), "UMIN-CTR"),
    (re.compile(r"((?:JPRN-)?JAPIC(?:CTI)?-?\d{6})"), "JapicCTI"),
    (re.compile(r"(KCT\d{7})"), "CRIS"),
    (re.compile(r"(NL-OMON\d+)"), "OMON"),
    (re.compile(r"((?:NL|NTR)\d{3,5})"), "OMON"),
    (re.compile(r"(ACTRN\d{14})[A-Z]?"), "ANZCTR"),
    (re.compile(r"(CTRI/\d{4}/\d+/\d+)"), "CTRI"),
    (re.compile(r"(IRCT\d+N\d+)"), "IRCT"),
    (re.compile(r"(PACTR\d{15,16})"), "PACTR"),
    (re.compile(r"(TCTR\d{11})"), "TCTR"),
    (re.compile(r"(SLCTR/\d{4}/\d{3})"), "SLCTR"),
    (re.compile(r"(RBR-\w{6,8})"), "ReBEC"),
    (re.compile(r"(PER-\d{3}-\d{2})"), "REPEC"),
    (re.compile(r"(LBCTR\d{10})"), "LBCTR"),
    (re.compile(r"(ITMCTR\d+)"), "ITMCTR"),
]

JUNK_IDS = {
    "",
    "-",
    "--",
    "n/a",
    "na",
    "nil",
    "nil known",
    "none known",
    "not known",
    "none",
    "null",
    "not applicable",
    "not available",
    "not assigned",
    "unknown",
    "pending",
    "tbc",
    "tbd",
    "0",
}


# All of them at once, in order: the first that matches the whole value is the one whose group
# (each pattern has one) took part; one search in C instead of a call each.
_ANY_REGISTRY = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _REGISTRY_PATTERNS))

_NON_DIGITS = re.compile(r"\D")
_SPACES = re.compile(r"\s+")


def _is_junk(value: str) -> bool:
    folded = value.strip().strip(".").lower()
    if folded in JUNK_IDS:
        return True
    digits = _NON_DIGITS.sub("", value)
    # ISRCTN00000000, NCT00000000, 0000-000000-00: placeholder numbers, never a trial.
    return bool(digits) and set(digits) == {"0"}


def _match(value: str) -> tuple[str, str] | None:
    compact = _SPACES.sub("", value.strip())
    upper = compact.upper()
    match = _ANY_REGISTRY.fullmatch(upper)
    if match is None:
        return None
    group = match.lastindex
    registry = _REGISTRY_PATTERNS[group - 1][1]
    # Prefixes are upper case; ReBEC's suffixes are case-sensitive, so keep them as written.
    canonical = (
        compact[match.start(group) : match.end(group)] if registry == "ReBEC" else match[group]
    )
    if registry == "jRCT":
        canonical = _JRCT.sub(lambda found: "jRCT" + found[1].lower(), canonical)
    elif registry == "ChiCTR":
        canonical = "ChiCTR" + canonical[6:]
    elif registry == "CTIS":
        canonical = "CTIS" + canonical if value.strip().upper().startswith("CTIS") else match[group]
    return canonical, registry


_JRCT = re.compile(r"JRCT([A-Z]?)")


def classify_identifier(value: str | None) -> tuple[str, str | None] | None:
    """(kind, registry) for an ID as written; None for junk ("N/A", `ISRCTN00000000`, …).

    kind is `registry` for an ID of a public registry, else `other` (callers that know the ID
    is the sponsor's protocol number say `org` themselves)."""
    if value is None or _is_junk(value):
        return None
    found = _match(value)
    return ("registry", found[1]) if found else ("other", None)


def canonical_identifier(value: str | None) -> str | None:
    """The ID as the registry spells it; EUCTR numbers lose their member-state suffix
    (`EUCTR2021-000037-14-ES` -> `EUCTR2021-000037-14`: one trial, many countries)."""
    if value is None or _is_junk(value):
        return None
    found = _match(value)
    return found[0] if found else _SPACES.sub(" ", value.strip())


def identifier_entry(value: str | None, *, kind: str | None = None) -> dict | None:
    """`{"id", "kind", "registry"}` for the record's identifiers list, or None for junk.
    A registry ID stays `registry` even where a source calls it the org's (seed 001's EudraCT
    number); `kind` is used for the rest. (classify_identifier and canonical_identifier in one.)"""
    if value is None or _is_junk(value):
        return None
    found = _match(value)
    if found:
        return {"id": found[0], "kind": "registry", "registry": found[1]}
    return {"id": _SPACES.sub(" ", value.strip()), "kind": kind or "other", "registry": None}


_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])(NCT\d{8}|ChiCTR-?[A-Z0-9-]{8,20}|EUCTR\d{4}-\d{6}-\d{2}(?:-[A-Z]{2})?"
    r"|ISRCTN\d{8}|DRKS\d{8}|(?:JPRN-)?jRCT[a-z]?\d{9,10}|(?:JPRN-)?UMIN\d{9}|KCT\d{7}"
    r"|NL-OMON\d+|ACTRN\d{14}|CTRI/\d{4}/\d+/\d+|IRCT\d+N\d+|PACTR\d{15,16}|TCTR\d{11}"
    r"|CTIS\d{4}-5\d{5}-\d{2}-\d{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)


def ids_in_text(text: str | None) -> list[str]:
    """Registry IDs found anywhere in a text or URL (`/clinical-trials/slug/NCT05495321`)."""
    if not text:
        return []
    seen: list[str] = []
    for raw in _IN_TEXT.findall(text):
        canonical = canonical_identifier(raw)
        if canonical and classify_identifier(raw) and canonical not in seen:
            seen.append(canonical)
    return seen


_LABEL = re.compile(r"^[^:：]{1,40}[:：]\s*")  # "ClinicalTrials.gov number: ", "DRKS-ID: "
_REMARK = re.compile(r"\s*[\[(][^\])]*[\])]\s*$")  # "… [Registered on: 2020/01/15]"


def identifier_parts(value: str | None) -> list[str]:
    """The IDs of one value as registers write secondary IDs: one ID, or several with labels
    ("EudraCT/CTIS number: 2020-001234-56; ClinicalTrials.gov number: NCT04567890",
    "2020-001234-57, NCT04567891, IRAS 281234"). A value holding no registry ID is one."""
    if not value or _match(value):
        return [value] if value else []
    pieces = [piece.strip() for piece in re.split(r"[;,；]", value) if piece.strip()]
    parts = [_registry_id_in(piece) or piece for piece in pieces]
    return parts if any(map(_match, parts)) else [value]


def _registry_id_in(piece: str) -> str | None:
    """The registry ID a piece is, less a label before it or a remark after it."""
    bare = _REMARK.sub("", piece)
    for candidate in (piece, bare, _LABEL.sub("", piece), _LABEL.sub("", bare)):
        if candidate and _match(candidate):
            return candidate
    return None


def identifier_norm(value: str) -> str:
    """How identifiers are compared: case, spaces and dashes around the edges do not matter."""
    return "".join(value.split()).upper().strip("-")


# The prefix WHO ICTRP (or a register) writes before another register's number: EUCTR before a
# EudraCT number, JPRN- before jRCT, UMIN and JapicCTI numbers, CTIS before an EU CT number.
_RELAYED = (
    ("EUCTR", re.compile(r"\d{4}-\d{6}-\d{2}")),
    ("CTIS", re.compile(r"\d{4}-5\d{5}-\d{2}-\d{2}")),
    ("JPRN-", re.compile(r"(?:JRCT[A-Z]?\d{9,10}|UMIN\d{9}|JAPIC(?:CTI)?-?\d{6})")),
)


def relay_norms(norm: str) -> set[str]:
    """A normalized registry ID with and without the prefix a relay writes before it
    (`EUCTR2013-002987-17` and `2013-002987-17`, `JPRN-JRCT2071210009` and `JRCT2071210009`):
    one trial, however a source writes its number, so records of it merge."""
    for prefix, number in _RELAYED:
        bare = norm.removeprefix(prefix)
        if number.fullmatch(bare):
            return {bare, prefix + bare}
    return {norm}
