"""The API's OpenAPI 3.1 document (/api/schema/), and the same read aloud for /api/.

The search's parameters come from where they are defined: the FilterSet's filters
(trials/search/params.py: their types, bounds and choices) and the facet declarations
(trials/search/facets.py: a closed facet's values are an enum). Only their sentences are
written here, in DESCRIPTIONS; tests/test_api_schema.py fails when a parameter has none.
The answers' shapes are written out below (JSON Schema 2020-12, as OpenAPI 3.1 uses).
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.forms import IntegerField

from trials.search import facets, params
from trials.search.facets import Kind

VERSION = "1.0"

DESCRIPTIONS = {
    "q": "Words to search, as a person types them: conditions, drugs, trial IDs, lay words "
    '("itchy skin"), sentences ("trial for my daughter with eczema"). Quotes for a phrase, '
    "`or` between alternatives, `-word` to leave a word out. Words read as filters (ages, "
    "places, failed treatments) come back in `understood`.",
    "age": "The patient's age in years: trials whose age range admits it.",
    "recruiting": "`1`: only trials open to patients (recruiting, or about to), whose status "
    "a registry confirmed recently.",
    "include_unconfirmed": "With `recruiting=1`: keep open trials whose status no registry "
    "has confirmed for years.",
    "sort": "The order: `relevance` (the default with `q`), `distance` (the default with "
    "`near`), or a column (`updated` is the default otherwise).",
    "page": "The page to answer, from 1. A page past the last is a 404 (`page_out_of_range`).",
    "page_size": "Trials a page.",
    "near": "A place (a city, `City, Country`, a US ZIP code): trials with a site within "
    "`within` km of it. An unknown or ambiguous place is a 400 (`unknown_place`, "
    "`ambiguous_place`, with `choices`).",
    "within": "With `near`: how far a site may be, in km (default 100).",
    "region": "A US state, by its name or two-letter code (`Maryland`, `MD`), or another "
    "country's first-level region by one of its names (`Ontario`, `Queensland`, `Bavaria`, "
    "`Bayern`, `Lombardia`, `广东`), or an area of several US states (`Midwest`, `New "
    "England`, `DMV`: trials/vocab/areas.json): trials with a site in it, as the sites' "
    "region says or, outside the US, as their city lies. An unknown region is a 400.",
}

# Each date filter's two ends (facets.DATE_RANGES).
for _range in facets.DATE_RANGES:
    _what = _range.title.lower()
    DESCRIPTIONS[_range.low] = (
        f"Trials whose {_what} is in or after this period: a year (`2020`), a month "
        f"(`2020-05`) or a day (`2020-05-17`). Trials whose {_what} no registry gives are left "
        "out. Another value is a 400."
    )
    DESCRIPTIONS[_range.high] = (
        f"Trials whose {_what} is in or before this period (its last day): a year (`2022`: to "
        f"31 December 2022), a month or a day. `{_range.low}=2023&{_range.high}=2023`: 2023."
    )

_ERROR = {"$ref": "#/components/schemas/Error"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def _filter_schema(name: str, filter_: django_filters.Filter) -> dict:
    """A FilterSet filter's value as JSON Schema, from its declaration."""
    extra = filter_.extra
    if isinstance(filter_, django_filters.ChoiceFilter):
        return {"type": "string", "enum": [value for value, _ in extra["choices"]]}
    if isinstance(filter_, django_filters.NumberFilter):
        schema: dict = {"type": "number"}
    elif issubclass(filter_.field_class, IntegerField):
        schema = {"type": "integer"}
    else:
        schema = {"type": "string"}
        if "max_length" in extra:
            schema["maxLength"] = extra["max_length"]
    if "min_value" in extra:
        schema["minimum"] = float(extra["min_value"]) if schema["type"] == "number" else 1
    if "max_value" in extra:
        schema["maximum"] = float(extra["max_value"])
    if name == "page_size":
        schema["maximum"] = settings.API_MAX_PAGE_SIZE
    return schema


def _facet_parameter(facet: facets.Facet) -> dict:
    item: dict = {"type": "string"}
    if facet.choices:
        item["enum"] = [choice.value for choice in facet.choices]
    what = "yes (`1`)" if facet.kind is Kind.BOOLEAN else "any of the values given"
    described = f"{facet.title}: trials with {what}. Repeat the parameter for several values."
    if not facet.choices:
        described += " The values are those in the answer's `facets`; another is a 400."
    return {
        "name": facet.name,
        "in": "query",
        "description": described,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": item},
    }


def search_parameters() -> list[dict]:
    """Every parameter of /api/trials/, in params.known_parameters()'s order."""
    out = []
    declared = {facet.name: facet for facet in facets.declared()}
    for name in params.known_parameters():
        if name in declared:
            out.append(_facet_parameter(declared[name]))
            continue
        if name == "within":
            schema = {"type": "number", "minimum": 1, "maximum": settings.SEARCH_NEAR_MAX_KM}
        else:
            schema = _filter_schema(name, params.TrialFilterSet.base_filters[name])
        out.append(
            {"name": name, "in": "query", "description": DESCRIPTIONS[name], "schema": schema}
        )
    return out


def _answer(description: str, schema: dict, headers: bool = True) -> dict:
    answer: dict = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        text = {"type": "string"}
        answer["headers"] = {
            "ETag": {"description": "the data version", "schema": text},
            "Last-Modified": {"description": "the data's last change", "schema": text},
        }
    return answer


def _errors(*codes: int) -> dict:
    words = {
        400: "A parameter is wrong or unknown: `error.parameter` names it.",
        404: "Nothing there (`not_found`), or a page past the last (`page_out_of_range`).",
        405: "A method other than GET, HEAD and OPTIONS.",
        429: "Too many requests from this address: wait `Retry-After` seconds.",
        500: "The server failed.",
        503: "The database is away for a moment: try again after `Retry-After` seconds.",
    }
    out = {str(code): _answer(words[code], _ERROR, headers=False) for code in codes}
    out["304"] = {"description": "Not modified since the ETag or date the client sent."}
    return out


def _paths() -> dict:
    common = (405, 429, 500, 503)
    return {
        "/api/trials/": {
            "get": {
                "operationId": "searchTrials",
                "summary": "Search trials",
                "description": "The search page's search, as JSON: a page of trials, the "
                "count, and every facet's values counted under the other filters.",
                "parameters": search_parameters(),
                "responses": {
                    "200": _answer("A page of trials.", {"$ref": "#/components/schemas/Search"}),
                    **_errors(400, 404, *common),
                },
            }
        },
        "/api/trials/{key}/": {
            "get": {
                "operationId": "getTrial",
                "summary": "One trial",
                "description": "The trial's whole record (`trial/1`, see the record schema), "
                "which registry said what (`provenance`), where they disagree (`conflicts`).",
                "parameters": [
                    {
                        "name": "key",
                        "in": "path",
                        "required": True,
                        "description": "The trial's key (its ID, URL-safe); any of its IDs "
                        "redirects (301) to the key.",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 300},
                    }
                ],
                "responses": {
                    "200": _answer("The trial.", {"$ref": "#/components/schemas/Trial"}),
                    "301": {"description": "Another of the trial's IDs: `Location` is its key."},
                    **_errors(404, *common),
                },
            }
        },
        "/api/schema/": {
            "get": {
                "operationId": "getSchema",
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI 3.1 document."}},
            }
        },
    }


_RESULT = {
    "type": "object",
    "required": ["key", "title", "status", "url", "api_url"],
    "properties": {
        "trial_id": _NULLABLE_STRING,
        "key": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "string"},
        "phases": _STRINGS,
        "conditions": _STRINGS,
        "drugs": _STRINGS,
        "countries": _STRINGS,
        "refractory": {"type": "boolean"},
        "study_type": _NULLABLE_STRING,
        "enrollment": {"type": ["integer", "null"]},
        "start": _NULLABLE_STRING,
        "last_updated": _NULLABLE_STRING,
        "status_verified": _NULLABLE_STRING,
        "status_unconfirmed": {"type": "boolean"},
        "last_synced": _NULLABLE_STRING,
        "url": {"type": "string"},
        "api_url": {"type": "string"},
        "nearest_site": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "properties": {
                        "name": _NULLABLE_STRING,
                        "city": _NULLABLE_STRING,
                        "region": _NULLABLE_STRING,
                        "country": _NULLABLE_STRING,
                        "distance_km": {"type": "number"},
                    },
                },
            ]
        },
    },
}

_SEARCH = {
    "type": "object",
    "required": ["count", "page", "pages", "page_size", "next", "previous", "results", "facets"],
    "properties": {
        "count": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1},
        "next": {"type": ["string", "null"], "description": "The next page's URL."},
        "previous": {"type": ["string", "null"], "description": "The previous page's URL."},
        "region": {
            "type": ["string", "null"],
            "description": "With `region`: the state or province understood, by its name.",
        },
        **{
            date_range.answer: {
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {"from": _NULLABLE_STRING, "to": _NULLABLE_STRING},
                        "required": ["from", "to"],
                    },
                ],
                "description": f"With `{date_range.low}` or `{date_range.high}` (given or read "
                "from `q`): the first and last days admitted (ISO dates; null for an open end).",
            }
            for date_range in facets.DATE_RANGES
        },
        "near": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "properties": {
                        "place": {"type": "string"},
                        "lat": {"type": "number"},
                        "lon": {"type": "number"},
                        "within_km": {"type": "number"},
                    },
                },
            ]
        },
        "relaxed": {
            "type": "boolean",
            "description": "No trial had every word of `q`: these have some of them.",
        },
        "all_words": {
            "type": ["integer", "null"],
            "description": (
                "Fewer than 10 trials had every word of `q`: this many (within the other "
                "filters), listed first; after them, and in `count`, trials with some of its "
                "words. Null when every listed trial has every word."
            ),
        },
        "class_first": {
            "type": ["integer", "null"],
            "description": (
                "`q` names drugs and nothing else, and fewer than 10 trials matched it: this "
                "many (within the other filters), listed first; after them, and in `count`, "
                "the trials of other drugs of their class (`same_class`). Null when the list "
                "was not filled so."
            ),
        },
        "same_class": {
            "type": ["string", "null"],
            "description": "With `class_first`: the drug class the list was filled with.",
        },
        "general_first": {
            "type": ["integer", "null"],
            "description": (
                "`q` names skin diseases, and fewer than 10 trials matched it (or, when no "
                "trial had every word, fewer than 10 of those with some of them are about the "
                "diseases, their groups or kin): this many (within the other filters), listed "
                "first; after them, and in `count`, the trials open to skin diseases in "
                "general, then any others. Null when the list was not filled so."
            ),
        },
        "read_first": {
            "type": ["integer", "null"],
            "description": (
                "Fewer than 10 trials met the treatment failure, the place, the status, the "
                "phase, the age, the start dates or the registry read from `q` (`understood`: "
                "refractory, prior_therapy; country, region, near; recruiting, status; phase; "
                "age_group, age, unless no trial had every word of `q`; start_from, end_to…; "
                "registry): this many, "
                "listed first; after them, and in `count`, the search's trials without those "
                "filters. Null when every listed trial meets them, or none was read."
            ),
        },
        "about_first": {
            "type": ["integer", "null"],
            "description": (
                "`relaxed`, and fewer than 10 trials were about what `q` names most closely "
                "(the diseases it names together, or those it names by a phrase or describes): "
                "this many, listed first; after them, and in `count`, trials about one of the "
                "other diseases it names or the groups they belong to in the vocabulary "
                "(lupus nephritis: systemic lupus erythematosus). Null when the list was not "
                "filled so."
            ),
        },
        "understood": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "parameter": {"type": "string"},
                    "value": {"type": "string"},
                    "from": {"type": "string"},
                },
            },
        },
        "searched": {"type": "string"},
        "mentioned_in_passing": {"type": "integer", "minimum": 0},
        "broader": {
            "type": ["object", "null"],
            "required": ["from", "to"],
            "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
            "description": (
                "No trial is about the diseases `q` names (`from`, as typed): the results are "
                "the trials about the group they belong to (`to`, searched instead: "
                "'pemphigus': 'Autoimmune blistering diseases'), or, for skin diseases of no "
                "group, the trials open to any skin disease (`to`: 'skin diseases in "
                "general'); no trial tests the drugs `q` names alone (`from`): the trials of "
                "the other drugs of their class (`to`: 'golimumab': 'TNF inhibitors'). Null "
                "otherwise."
            ),
        },
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
        "facets": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["value", "label", "count"],
                    "properties": {
                        "value": {"type": "string"},
                        "label": {"type": "string"},
                        "count": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
}

_TRIAL = {
    "type": "object",
    "description": "The trial/1 record (the repository's record schema) and its provenance.",
    "required": ["schema", "key", "url", "title", "status", "provenance"],
    "properties": {
        "schema": {"const": "trial/1"},
        "key": {"type": "string"},
        "url": {"type": "string"},
        "trial_id": _NULLABLE_STRING,
        "title": {"type": "string"},
        "status": {"type": "string"},
        "provenance": {"type": "object"},
        "conflicts": {"type": ["object", "array"]},
        "locked_fields": _STRINGS,
        "status_verified": _NULLABLE_STRING,
        "status_unconfirmed": {"type": "boolean"},
        "last_synced": _NULLABLE_STRING,
    },
}

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "parameter"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "parameter": _NULLABLE_STRING,
                "choices": _STRINGS,
            },
        },
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def document(server: str) -> dict:
    """The OpenAPI 3.1 document, its server the site's root URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Skin trials finder API",
            "version": VERSION,
            "description": "Clinical trials for refractory skin diseases, from every "
            "registry: the search and the trial records. Read-only; GET, HEAD and OPTIONS; "
            "any origin (CORS); ETag and Last-Modified with 304; every error in one JSON "
            "shape. See docs/api.md for the stability promise and the limits.",
        },
        "servers": [{"url": server.rstrip("/")}],
        "paths": _paths(),
        "components": {
            "schemas": {
                "Search": _SEARCH,
                "Result": _RESULT,
                "Trial": _TRIAL,
                "Error": _ERROR_SCHEMA,
            }
        },
    }


def _type_text(schema: dict) -> str:
    if schema.get("type") == "array":
        return "repeatable " + _type_text(schema["items"])
    text = str(schema.get("type", "string"))
    bounds = [f"≥ {schema['minimum']:g}" if "minimum" in schema else ""]
    bounds.append(f"≤ {schema['maximum']:g}" if "maximum" in schema else "")
    bounds.append(f"up to {schema['maxLength']} characters" if "maxLength" in schema else "")
    return " ".join([text, *filter(None, bounds)])


def readable(doc: dict) -> dict:
    """The document as the /api/ page shows it: each operation with its parameters (name,
    where, type, values, description) and its answers."""
    operations = []
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            parameters = [
                {
                    "name": parameter["name"],
                    "where": parameter["in"],
                    "type": _type_text(parameter["schema"]),
                    "values": (parameter["schema"].get("items") or parameter["schema"]).get(
                        "enum", ()
                    ),
                    "description": parameter.get("description", ""),
                }
                for parameter in operation.get("parameters", ())
            ]
            answers = [
                {"code": code, "description": answer["description"]}
                for code, answer in sorted(operation["responses"].items())
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation["summary"],
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                    "answers": answers,
                }
            )
    return {"info": doc["info"], "operations": operations}
