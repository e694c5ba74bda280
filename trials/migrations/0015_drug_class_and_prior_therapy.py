"""Two facets (issue 14, points 3 and 4): `drug_class`, the classes of the drugs a trial tests,
and `prior_therapy`, what it requires to have failed. Two derived Trial columns, as
trials.loading.columns derives them now (`classes_of_drugs`, `failed_therapies`), each with its
GIN index like the other array facets, filled here for the stored trials: from the vocabulary
tables (the drug classes as curators edited them, as the loader reads them) and the stored
merged record's refractory reading. The SQL below is those derivations, copied here as a
migration must not change when the code does: tests/test_therapy_facets.py runs it over loaded
trials and finds what the loader wrote. Trials read before this version keep the reading they
were stored with until they are re-normalized (admin action)."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

# (class slug, member drug slug or NULL) for every class, as the tables hold them.
_MEMBERSHIPS = """memberships AS (
    SELECT drug_class.slug AS class, drug.slug AS drug
    FROM trials_drugclass AS drug_class
    LEFT JOIN trials_drug_classes AS membership ON membership.drugclass_id = drug_class.id
    LEFT JOIN trials_drug AS drug ON drug.id = membership.drug_id
)"""
# Class -> every other class whose members include all of its (at least one) members.
_WIDER = """members AS (
    SELECT class, array_remove(array_agg(drug), NULL) AS drugs FROM memberships GROUP BY class
), wider AS (
    SELECT narrow.class AS narrow, wide.class AS wide
    FROM members AS narrow JOIN members AS wide
        ON wide.class <> narrow.class
        AND cardinality(narrow.drugs) > 0
        AND narrow.drugs <@ wide.drugs
)"""

TESTED_CLASSES = f"""WITH {_MEMBERSHIPS}
UPDATE trials_trial AS trial SET drug_classes = ARRAY(
    SELECT DISTINCT membership.class COLLATE "C"
    FROM unnest(trial.drugs) AS tested(drug)
    JOIN memberships AS membership ON membership.drug = tested.drug
    ORDER BY 1
)::varchar(100)[]
WHERE cardinality(trial.drugs) > 0"""

_NAMED = "trial.record->'refractory'->'prior_therapies'"
FAILED_THERAPIES = f"""WITH {_MEMBERSHIPS}, {_WIDER}
UPDATE trials_trial AS trial SET prior_therapies = ARRAY(
    SELECT DISTINCT found.slug COLLATE "C"
    FROM jsonb_array_elements_text({_NAMED}) AS named(slug)
    CROSS JOIN LATERAL (
        SELECT named.slug
        UNION SELECT membership.class FROM memberships AS membership
            WHERE membership.drug = named.slug
        UNION SELECT wider.wide FROM wider WHERE wider.narrow = named.slug
        UNION SELECT wider.wide FROM memberships AS membership
            JOIN wider ON wider.narrow = membership.class
            WHERE membership.drug = named.slug
    ) AS found(slug)
    ORDER BY 1
)::varchar(100)[]
WHERE jsonb_typeof({_NAMED}) = 'array' AND jsonb_array_length({_NAMED}) > 0"""

# A refractory trial naming no treatment (trials.readers.refractory.NONE_NAMED; a migration
# keeps its own copy of the value).
NONE_NAMED = f"""UPDATE trials_trial AS trial SET prior_therapies = ARRAY['unspecified']
WHERE trial.is_refractory AND cardinality(trial.prior_therapies) = 0"""


class Migration(migrations.Migration):
    dependencies = [("trials", "0014_criteria_without_exclusions")]

    operations = [
        migrations.AddField(
            model_name="trial",
            name="drug_classes",
            field=ArrayField(
                base_field=models.CharField(max_length=100), blank=True, default=list, size=None
            ),
        ),
        migrations.AddField(
            model_name="trial",
            name="prior_therapies",
            field=ArrayField(
                base_field=models.CharField(max_length=100), blank=True, default=list, size=None
            ),
        ),
        migrations.RunSQL(TESTED_CLASSES, migrations.RunSQL.noop),
        migrations.RunSQL(FAILED_THERAPIES, migrations.RunSQL.noop),
        migrations.RunSQL(NONE_NAMED, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="trial",
            index=GinIndex(fields=["drug_classes"], name="trial_drug_classes_gin"),
        ),
        migrations.AddIndex(
            model_name="trial",
            index=GinIndex(fields=["prior_therapies"], name="trial_prior_therapies_gin"),
        ),
    ]
