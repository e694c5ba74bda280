"""Settings: one file, read from the environment, safe development defaults.

Environment:
- DJANGO_DEBUG=1            debug mode (off unless asked for; `make run` asks)
- SECRET_KEY                required in production; otherwise generated once into .data/secret_key
- ALLOWED_HOSTS             comma-separated (default: localhost,127.0.0.1,[::1])
- DATABASE_URL              PostgreSQL URL; unset: the embedded server in .data/pg
- DB_WORK_MEM               work_mem of the portal's database connections (default 32MB)
- DJANGO_HTTPS=1            behind TLS: secure cookies, HSTS, SSL redirect
- ADMIN_URL                 path of the admin (default "admin/")
- SEARCH_CACHE_SECONDS      how often (s) a worker looks for changed trials (default 2)
- SEARCH_PAGE_CACHE         rendered search answers kept per worker (default 256; 0 = off)
- SEARCH_NEAR_MAX_KM        the largest `within` a search near a place accepts (default 1000 km)
- EXPORT_MAX_TRIALS         trials an export (/export/trials.csv, .jsonl, .ris) holds (10000)
- FEED_MAX_ENTRIES          entries of a search's Atom feed (/feeds/trials.atom; default 50)
- COMPARE_MAX_TRIALS        trials the compare page puts side by side (default 4)
- STATUS_UNCONFIRMED_YEARS  years after which an open status counts as unconfirmed (default 2)
- PORTAL_BENCHMARK=1        serve `/bench/ceiling`, the yardstick page of `make bench`, and say
                            X-Answer-Cache: hit/miss on search answers (only then)
- IMPORT_UPLOAD_DIR         where admin uploads wait for their import job (default .data/uploads)
- CTGOV_API_URL             ClinicalTrials.gov API v2 base URL (default the public one)
- SYNC_CTGOV, SYNC_CTGOV_*  the ClinicalTrials.gov sync: on/off, rate, retries (see the end)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.management.utils import get_random_secret_key

from portal import pgembed
from portal.env import env_bool, env_duration, env_float, env_int, env_list, env_memory

# NumPy (the facet index) needs no BLAS thread pool: idle BLAS threads would only cost memory
# in every worker and make a process multi-threaded, which stops the importer from forking
# its reader process (trials.loading.importer). Set before anything imports NumPy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

BASE_DIR = Path(__file__).resolve().parent.parent


def env_secret(name: str) -> str:
    """The secret from the environment, else one generated once and kept under .data/."""
    if value := os.environ.get(name):
        return value
    path = BASE_DIR / ".data" / name.lower()
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = env_secret("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "procrastinate.contrib.django",  # the job queue's tables, `manage.py procrastinate worker`
    "trials",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or pgembed.predicted_url(),
        conn_max_age=env_int("CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
# work_mem: a full-text query that matches a fifth of a million trials needs ~10 MB for an
# exact bitmap of their pages; with PostgreSQL's default (4 MB) the planner scans the whole
# table instead (3.7 s instead of 0.6 s at 1M; docs/benchmarks.md). A connection's own setting,
# so the server's default for other clients is left alone.
# idle_in_transaction_session_timeout: a session of the portal's that holds a transaction open
# without a word for this long is ended by the server, its locks released. An import is one
# transaction; killed with its process, the server notices at once, but a process that hangs
# (stopped, or a bug) would otherwise hold the import's locks until killed by hand.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    f"-c work_mem={env_memory('DB_WORK_MEM', '32MB')} "
    "-c idle_in_transaction_session_timeout="
    + env_duration("DB_IDLE_IN_TRANSACTION_TIMEOUT", "5min")
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# In the database, so that every worker and machine shares it: the admin login throttle counts
# failures here.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and `make run` serve static files without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_HTTPS"):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# `make bench` sets it for the server it measures; production never serves the ceiling page
# nor the X-Answer-Cache header (trials/web/views.py).
BENCHMARK = env_bool("PORTAL_BENCHMARK")

SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 2, minimum=0)
# Rendered search answers kept per worker (0 turns the cache off); see trials/search/cache.py.
SEARCH_PAGE_CACHE = env_int("SEARCH_PAGE_CACHE", 256, minimum=0)
# The farthest a search near a place reaches (`within`, km); see trials/search/params.py.
SEARCH_NEAR_MAX_KM = env_int("SEARCH_NEAR_MAX_KM", 1000, minimum=1)
# Taking a search away (issue 17): an export holds at most this many trials and says so when it
# was cut (trials/web/exports.py); a feed this many entries, the newest changes first
# (trials/web/feeds.py); the compare page this many trials side by side (trials/web/compare.py).
EXPORT_MAX_TRIALS = env_int("EXPORT_MAX_TRIALS", 10_000, minimum=1)
FEED_MAX_ENTRIES = env_int("FEED_MAX_ENTRIES", 50, minimum=1)
COMPARE_MAX_TRIALS = env_int("COMPARE_MAX_TRIALS", 4, minimum=2)

# Background jobs (trials/jobs.py, run by `manage.py procrastinate worker`, which `make run` and
# `make serve` start beside the web server). The tasks live in trials/jobs.py.
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "jobs"
# Admin uploads are kept here until their import job has run (the worker runs beside the web
# server, on the same machine; elsewhere point both at a shared folder).
IMPORT_UPLOAD_DIR = Path(os.environ.get("IMPORT_UPLOAD_DIR") or BASE_DIR / ".data" / "uploads")
# ClinicalTrials.gov API v2 sync (trials/sync/): `manage.py sync ctgov`, and daily by the job
# worker (trials/jobs.py) unless SYNC_CTGOV=0.
CTGOV_API_URL = (os.environ.get("CTGOV_API_URL") or "https://clinicaltrials.gov/api/v2").rstrip("/")
SYNC_CTGOV = env_bool("SYNC_CTGOV", True)  # 0: the daily job does not run
# Hours between the job worker's syncs (it looks every hour; a failed sync is retried then).
SYNC_CTGOV_EVERY = env_float("SYNC_CTGOV_EVERY", 24.0, minimum=1)
SYNC_CTGOV_RATE = env_float("SYNC_CTGOV_RATE", 1.0, minimum=0)  # requests/s at most (0: no limit)
SYNC_CTGOV_TIMEOUT = env_float("SYNC_CTGOV_TIMEOUT", 60.0, minimum=0.1)  # seconds per request
SYNC_CTGOV_RETRIES = env_int("SYNC_CTGOV_RETRIES", 6, minimum=0)  # of one request, then failure
SYNC_CTGOV_BACKOFF = env_float("SYNC_CTGOV_BACKOFF", 2.0, minimum=0)  # first retry's wait (s)
SYNC_CTGOV_MAX_WAIT = env_float("SYNC_CTGOV_MAX_WAIT", 600.0, minimum=0)  # longest, Retry-After too
SYNC_CTGOV_PAGE_SIZE = env_int("SYNC_CTGOV_PAGE_SIZE", 1000, minimum=1)
SYNC_CTGOV_RECHECK = env_int("SYNC_CTGOV_RECHECK", 1000, minimum=0)  # known IDs re-checked a run
# Limits on every input the readers take (trials/readers/limits.py says why): an input over one
# fails alone, `PATH: reason` naming the setting, and the rest of the batch loads.
READER_MAX_RECORD_BYTES = env_int("READER_MAX_RECORD_BYTES", 32 * 1024 * 1024, minimum=1024)
READER_MAX_DEPTH = env_int("READER_MAX_DEPTH", 100, minimum=10)
READER_MAX_STRING = env_int("READER_MAX_STRING", 1_000_000, minimum=1000)
READER_MAX_ZIP_BYTES = env_int("READER_MAX_ZIP_BYTES", 64 * 1024**3, minimum=1024)
READER_MAX_ZIP_MEMBERS = env_int("READER_MAX_ZIP_MEMBERS", 2_000_000, minimum=1)
# A recruiting-type status not confirmed for this many years is shown as not confirmed and left
# out of "Recruiting or soon" (ClinicalTrials.gov's rule for "Unknown status"); trials/models.py.
STATUS_UNCONFIRMED_YEARS = env_int("STATUS_UNCONFIRMED_YEARS", 2, minimum=1)
