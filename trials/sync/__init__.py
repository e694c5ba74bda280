"""Registry harvesters: the portal keeps itself current from the registries' APIs.

`ctgov.py` harvests ClinicalTrials.gov's API v2 (`manage.py sync ctgov`, `run_ctgov_sync()`):
it begins and ends runs; `scope.py` builds the scope's queries, `harvest.py` pages, loads and
tracks, through the polite HTTP client of `client.py`. Models (runs, resumable per-query state,
what the registry was last seen to list) are in `models.py`, registered with the trials app by
its ready() (trials/apps.py). Nothing is imported here.
"""
