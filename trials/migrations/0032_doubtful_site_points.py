"""Sites stored with a registry's point far from their city get their city's point.

ClinicalTrials.gov places some sites at their country's middle or at a village of the same
name ("Milan" at 42.78, 12.60; "Roma" near Mantua): the loader now keeps a registry's point only
when it lies within gazetteer.DOUBTFUL_POINT_KM of a city of the site's name in its country,
else takes the gazetteer's point of the city when it names one place
(trials.loading.columns._site_rows, gazetteer.place_site). This does the same to the sites
already stored: each distinct (city, region, country, point) is looked up once, and one UPDATE
writes those placed otherwise. Running it again changes nothing. As 0016, it calls the
gazetteer as it is when the migration runs (its data come from a pinned package).
"""

from django.db import migrations

_UPDATE = """
UPDATE trials_site AS site SET lat = placed.lat, lon = placed.lon
FROM unnest(%s::text[], %s::text[], %s::text[], %s::float8[], %s::float8[], %s::float8[],
    %s::float8[]) AS placed(city, region, country, given_lat, given_lon, lat, lon)
WHERE site.city = placed.city
    AND site.country = placed.country
    AND site.region IS NOT DISTINCT FROM placed.region
    AND site.lat = placed.given_lat
    AND site.lon = placed.given_lon
"""


def place_doubtful_sites(apps, schema_editor):
    from trials.readers.gazetteer import place_site

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT city, region, country, lat, lon FROM trials_site"
            " WHERE lat IS NOT NULL AND lon IS NOT NULL"
            " AND city IS NOT NULL AND country IS NOT NULL"
        )
        placed = cursor.fetchall()
        columns: list[list] = [[], [], [], [], [], [], []]
        for city, region, country, lat, lon in placed:
            point = place_site(city, region, country, (lat, lon))
            if point and point != (lat, lon):
                values = (city, region, country, lat, lon, *point)
                for column, value in zip(columns, values, strict=True):
                    column.append(value)
        if columns[0]:
            cursor.execute(_UPDATE, columns)


class Migration(migrations.Migration):
    dependencies = [("trials", "0031_completion_date")]

    operations = [migrations.RunPython(place_doubtful_sites, migrations.RunPython.noop)]
