"""Sites stored before the gazetteer get a point (issue 14, point 5: distance).

The loader now places each site the registry gave no coordinates for at its city's point in
the offline gazetteer (trials.loading.columns._site_rows, trials/readers/gazetteer.py). This
fills the sites already stored the same way: each distinct (city, region, country) without a
point is looked up once, and one UPDATE writes them all. Only sites without a point are
touched (a registry's coordinates are kept), so running it again changes nothing. It calls the
gazetteer as it is when the migration runs: its data come from a pinned package
(requirements.txt), not from this code, which is why it is not copied here.
"""

from django.db import migrations

_UPDATE = """
UPDATE trials_site AS site SET lat = placed.lat, lon = placed.lon
FROM unnest(%s::text[], %s::text[], %s::text[], %s::float8[], %s::float8[])
    AS placed(city, region, country, lat, lon)
WHERE (site.lat IS NULL OR site.lon IS NULL)
    AND site.city = placed.city
    AND site.country = placed.country
    AND site.region IS NOT DISTINCT FROM placed.region
"""


def place_stored_sites(apps, schema_editor):
    from trials.readers.gazetteer import place_site

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT city, region, country FROM trials_site"
            " WHERE (lat IS NULL OR lon IS NULL) AND city IS NOT NULL AND country IS NOT NULL"
        )
        unplaced = cursor.fetchall()
        columns: list[list] = [[], [], [], [], []]
        for city, region, country in unplaced:
            point = place_site(city, region, country)
            if point:
                for column, value in zip(columns, (city, region, country, *point), strict=True):
                    column.append(value)
        if columns[0]:
            cursor.execute(_UPDATE, columns)


class Migration(migrations.Migration):
    dependencies = [("trials", "0015_drug_class_and_prior_therapy")]

    operations = [migrations.RunPython(place_stored_sites, migrations.RunPython.noop)]
