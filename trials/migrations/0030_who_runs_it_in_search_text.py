"""A trial's criteria text (`text_criteria`, weight D of the generated `search` vector) ends with
who runs it and where, by name: its sites' facilities, its collaborators, its contacts' and
officials' names and affiliations, each once in that order ("Wellman Center for Photomedicine",
"Michael F. Holick": what a clinician looking up a known trial types), as
trials.loading.columns.who_runs_it derives it now. The SQL below is that derivation (the rest of
the text as migration 0028 wrote it; a migration must not change when the code does): tests run
it over the imported seeds (tests/test_search_exclusions.py) and the corpus (tests/relevance)
and find nothing to change. Rows already right are left alone; run `VACUUM (ANALYZE)
trials_trial, trials_rankvector` after it on a large database."""

import importlib

from django.db import migrations

_BEFORE = importlib.import_module("trials.migrations.0028_treatments_in_search_text")


def _array(field: str) -> str:
    return f"CASE WHEN jsonb_typeof(record->'{field}') = 'array' THEN record->'{field}' ELSE '[]'::jsonb END"


# Each name with where it is first said: (part, position in its list, name or affiliation).
_NAMES = f"""
    SELECT site->>'facility' AS name, ARRAY[0, position, 0] AS said
    FROM jsonb_array_elements({_array("sites")}) WITH ORDINALITY AS place(site, position)
    WHERE jsonb_typeof(site->'facility') = 'string'
    UNION ALL
    SELECT item #>> '{{}}', ARRAY[1, position, 0]
    FROM jsonb_array_elements({_array("collaborators")}) WITH ORDINALITY AS helper(item, position)
    WHERE jsonb_typeof(item) = 'string'
    UNION ALL
    SELECT contact->>field, ARRAY[2, position, part]
    FROM jsonb_array_elements({_array("contacts")}) WITH ORDINALITY AS person(contact, position),
        (VALUES ('name', 0), ('affiliation', 1)) AS fields(field, part)
    WHERE jsonb_typeof(contact->field) = 'string'
"""

_WHO = f"""(
    SELECT string_agg(who.name, ' ' ORDER BY who.first)
    FROM (
        SELECT name, min(said) AS first FROM ({_NAMES}) AS names
        WHERE name <> '' GROUP BY name
    ) AS who
)"""

# … at most 150,000 characters of it (trials.loading.columns.SEARCH_TEXT_MAX_CHARS: a tsvector
# holds at most 1 MB of distinct words).
CRITERIA_TEXT = (
    f"left(concat_ws(E'\\n', NULLIF({_BEFORE.CRITERIA_TEXT}, ''), NULLIF({_WHO}, '')), 150000)"
)
REBUILD = (
    f"UPDATE trials_trial SET text_criteria = {CRITERIA_TEXT}"  # noqa: S608 (no input)
    f" WHERE text_criteria IS DISTINCT FROM {CRITERIA_TEXT}"
)


class Migration(migrations.Migration):
    dependencies = [("trials", "0029_rank_by_alternative")]

    operations = [migrations.RunSQL(REBUILD, migrations.RunSQL.noop)]
