"""Country names to ISO 3166-1 alpha-2, for country lists, site lines and postal addresses.

pycountry knows the ISO names; registries write others ("Korea, Republic of", "Iran (Islamic
Republic of)", "Russia", "UK"), which trials/vocab/countries.json maps, together with a short
table of frequent trial-site cities used only when an address names no country at all.
"""

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import pycountry

_DATA = Path(__file__).resolve().parent.parent / "vocab" / "countries.json"


@cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    return (
        {_fold(k): v for k, v in data["aliases"].items()},
        {_fold(k): v for k, v in data["cities"].items()},
    )


def _fold(value: str) -> str:
    value = value.replace("\u2019", "'").lower().strip()
    value = re.sub(r"^the\s+", "", value)
    return re.sub(r"\s+", " ", value).strip(" .,;")


def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


def country_code(name: str | None, *, codes: bool = True) -> str | None:
    """Alpha-2 for a country name, official name, common name or (with `codes`) alpha-2/3 code."""
    if not name or not name.strip():
        return None
    folded = _fold(name)
    aliases, _ = _tables()
    if folded in aliases:
        return aliases[folded]
    if len(folded) <= 3 and not (codes and folded.isalpha()):
        return None
    for candidate in (folded, _ascii(folded)):
        try:
            return pycountry.countries.lookup(candidate).alpha_2
        except LookupError:
            continue
    return None


def country_from_city(city: str | None) -> str | None:
    if not city:
        return None
    folded = _fold(city)
    return _tables()[1].get(folded) or _tables()[1].get(_ascii(folded))


def country_from_address(address: str | None) -> str | None:
    """The country an address names: the last comma-separated part that is a country (postal
    codes stripped), else a known city among its parts."""
    if not address:
        return None
    parts = [re.sub(r"\b[\dA-Z]{0,3}\d[\d -]{2,}\b", " ", p).strip() for p in address.split(",")]
    parts = [p for p in parts if p]
    for part in reversed(parts):
        # Whole parts only, and no two-letter codes: "New Jersey" is not Jersey, "MA" not Morocco.
        if code := country_code(part, codes=False):
            return code
    for part in reversed(parts):
        words = part.split()
        for count in range(min(len(words), 3), 0, -1):
            if code := country_from_city(" ".join(words[-count:])):
                return code
    return None
