"""A trial's search terms (`text_terms`, weight B of the generated `search` vector) end with the
words a searcher uses for its design and its kinds of arm ("randomized crossover trials",
"open-label", "placebo-controlled"), as
trials.loading.columns._term_words derives them now from trials.readers.design.DESIGN_WORDS
and ARM_WORDS.
The words are copied here, as a migration must not change when the code does; they are
appended to stored trials that do not end with them already, so that running it over freshly
loaded trials changes nothing (tests/test_search_design.py). It rewrites every stored trial's
terms (and so its search vector): run `VACUUM (ANALYZE) trials_trial, trials_rankvector`
after it on a large database, as the searches read the dead rows until autovacuum has come
(100k trials straight after it: words_plain p95 51.8 ms; after the vacuum 51.0, common_text
51.7 -> 36.8; docs/benchmarks.md, session 24)."""

from django.db import migrations

# (field, value) -> words, in the order of the record's design fields.
_WORDS = {
    "allocation": {"RANDOMIZED": "randomized", "NON_RANDOMIZED": "nonrandomized"},
    "intervention_model": {"CROSSOVER": "crossover", "FACTORIAL": "factorial"},
    "masking": {
        "NONE": "open-label",
        "SINGLE": "single-blind",
        "DOUBLE": "double-blind",
        "TRIPLE": "double-blind triple-blind",
        "QUADRUPLE": "double-blind",
    },
    "primary_purpose": {
        "PREVENTION": "prevention",
        "DIAGNOSTIC": "diagnostic",
        "SCREENING": "screening",
        "SUPPORTIVE_CARE": "supportive care",
    },
}


def _case(field: str, words: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{value}' THEN '{word}'" for value, word in words.items())
    return f"CASE record->'design'->>'{field}' {whens} END"


# The kinds of arm a trial has, in this order (trials.readers.design.ARM_WORDS).
_ARM_WORDS = {
    "ACTIVE_COMPARATOR": "active-comparator",
    "PLACEBO_COMPARATOR": "placebo-controlled",
    "SHAM_COMPARATOR": "sham-controlled",
}
_ARMS = """CASE WHEN jsonb_typeof(record->'arms') = 'array'
    THEN record->'arms' ELSE '[]'::jsonb END"""


def _arm(kind: str, word: str) -> str:
    return (
        f"CASE WHEN EXISTS (SELECT 1 FROM jsonb_array_elements({_ARMS}) AS arm"  # noqa: S608
        f" WHERE arm->>'type' = '{kind}') THEN '{word}' END"
    )


DESIGN_WORDS = (
    "concat_ws(' ', "
    + ", ".join(
        [*(_case(f, w) for f, w in _WORDS.items()), *(_arm(k, w) for k, w in _ARM_WORDS.items())]
    )
    + ")"
)
REBUILD = f"""UPDATE trials_trial
SET text_terms = concat_ws(' ', NULLIF(text_terms, ''), {DESIGN_WORDS})
WHERE {DESIGN_WORDS} <> '' AND text_terms <> {DESIGN_WORDS}
    AND right(text_terms, length({DESIGN_WORDS}) + 1) <> ' ' || {DESIGN_WORDS}"""  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("trials", "0025_site_us_region_index")]

    operations = [migrations.RunSQL(REBUILD, migrations.RunSQL.noop)]
