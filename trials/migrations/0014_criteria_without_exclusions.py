"""Exclusion criteria are no longer search text (issue 14, point 1): a trial that names a
disease only among who cannot join is not about it. `text_criteria` (weight D of the generated
`search` vector) becomes the inclusion criteria (or the whole criteria text when the reader
could not tell inclusion from exclusion), the description and the sites' cities (point 5:
"lupus Bethesda"), as trials.loading.columns._criteria_text derives it now. The SQL below is
that derivation, copied here as a migration must not change when the code does: tests run it
over the imported seeds (tests/test_search_exclusions.py) and the corpus (tests/relevance) and
find nothing to change. Rows already right are left alone."""

from django.db import migrations

_LIST_LENGTH = """CASE WHEN jsonb_typeof(record->'criteria'->'{part}') = 'array'
    THEN jsonb_array_length(record->'criteria'->'{part}') ELSE 0 END"""

_INCLUSION = f"""CASE
    WHEN {_LIST_LENGTH.format(part="inclusion")} > 0 OR {_LIST_LENGTH.format(part="exclusion")} > 0
    THEN (
        SELECT string_agg(item.value, E'\\n' ORDER BY item.position)
        FROM jsonb_array_elements_text(
            CASE WHEN jsonb_typeof(record->'criteria'->'inclusion') = 'array'
                THEN record->'criteria'->'inclusion' ELSE '[]'::jsonb END
        ) WITH ORDINALITY AS item(value, position)
    )
    ELSE record->'criteria'->>'text'
END"""

_SITES = """CASE WHEN jsonb_typeof(record->'sites') = 'array'
    THEN record->'sites' ELSE '[]'::jsonb END"""

_CITIES = f"""(
    SELECT string_agg(city.name, ' ' ORDER BY city.first)
    FROM (
        SELECT site->>'city' AS name, min(position) AS first
        FROM jsonb_array_elements({_SITES}) WITH ORDINALITY AS place(site, position)
        WHERE coalesce(site->>'city', '') <> ''
        GROUP BY site->>'city'
    ) AS city
)"""

CRITERIA_TEXT = (
    f"concat_ws(E'\\n', NULLIF({_INCLUSION}, ''), NULLIF(record->>'description', ''),"
    f" NULLIF({_CITIES}, ''))"
)
REBUILD = (
    f"UPDATE trials_trial SET text_criteria = {CRITERIA_TEXT}"  # noqa: S608 (no input)
    f" WHERE text_criteria IS DISTINCT FROM {CRITERIA_TEXT}"
)


class Migration(migrations.Migration):
    dependencies = [("trials", "0013_freshness_and_site_coordinates")]

    operations = [migrations.RunSQL(REBUILD, migrations.RunSQL.noop)]
