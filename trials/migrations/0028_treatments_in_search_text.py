"""A trial's criteria text (`text_criteria`, weight D of the generated `search` vector) also
holds what its treatments are, as its interventions describe them, placebos' left out
("TQH3821, a selective IRAK4 inhibitor": the mechanism or class a clinician searches by, which
the vocabulary may not know yet), between the description and the sites' cities, as
trials.loading.columns._criteria_text derives it now. The SQL below is that derivation (the
inclusion criteria and the cities as migration 0014 wrote them; a migration must not change
when the code does): tests run it over the imported seeds (tests/test_search_exclusions.py) and
the corpus (tests/relevance) and find nothing to change. Rows already right are left alone; run
`VACUUM (ANALYZE) trials_trial, trials_rankvector` after it on a large database."""

import importlib

from django.db import migrations

_BEFORE = importlib.import_module("trials.migrations.0014_criteria_without_exclusions")

_INTERVENTIONS = """CASE WHEN jsonb_typeof(record->'interventions') = 'array'
    THEN record->'interventions' ELSE '[]'::jsonb END"""

_TREATMENTS = f"""(
    SELECT string_agg(item->>'description', E'\\n' ORDER BY position)
    FROM jsonb_array_elements({_INTERVENTIONS}) WITH ORDINALITY AS treatment(item, position)
    WHERE jsonb_typeof(item) = 'object'
        AND jsonb_typeof(item->'description') = 'string'
        AND item->>'description' <> ''
        AND coalesce(item->'is_placebo', 'null'::jsonb) IN ('false'::jsonb, 'null'::jsonb)
)"""

CRITERIA_TEXT = (
    f"concat_ws(E'\\n', NULLIF({_BEFORE._INCLUSION}, ''), NULLIF(record->>'description', ''),"
    f" NULLIF({_TREATMENTS}, ''), NULLIF({_BEFORE._CITIES}, ''))"
)
REBUILD = (
    f"UPDATE trials_trial SET text_criteria = {CRITERIA_TEXT}"  # noqa: S608 (no input)
    f" WHERE text_criteria IS DISTINCT FROM {CRITERIA_TEXT}"
)


class Migration(migrations.Migration):
    dependencies = [("trials", "0027_outcome_instruments")]

    operations = [migrations.RunSQL(REBUILD, migrations.RunSQL.noop)]
