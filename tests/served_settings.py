"""Settings of a server a test starts (tests/test_outage_live.py): the portal's, DEBUG off, with
static files served from the source tree as in the other tests (no collectstatic)."""

from portal.settings import *  # noqa: F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
