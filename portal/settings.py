"""Settings: one file, read from the environment, safe development defaults.

Environment:
- DJANGO_DEBUG=1            debug mode (off unless asked for; `make run` asks)
- SECRET_KEY                required in production; otherwise generated once into .data/secret_key
- ALLOWED_HOSTS             comma-separated (default: localhost,127.0.0.1,[::1])
- DATABASE_URL              PostgreSQL URL; unset: the embedded server in .data/pg
- DATABASE_REPLICA_URLS     comma-separated PostgreSQL URLs of read replicas (default none):
                            search, trial pages and API reads go there (portal/replicas.py)
- DATABASE_REPLICA_PIN_SECONDS  after a write (POST...), that client reads the primary this
                            long: a curator sees their own edit (default 15)
- DB_WORK_MEM               work_mem of the portal's database connections (default 32MB)
- DJANGO_HTTPS=1            behind TLS: secure cookies, HSTS, SSL redirect
- DJANGO_HSTS_PRELOAD=1     with DJANGO_HTTPS=1: ask browsers' HSTS preload lists to include the
                            site (off by default: hard to undo)
- TRUSTED_PROXY_COUNT       reverse proxies in front that append to X-Forwarded-For (default 0:
                            the header is ignored, the client is REMOTE_ADDR); portal/client.py
- ADMIN_REQUIRE_2FA=1       staff log in with a TOTP code as well (django-otp; `manage.py
                            add_totp USER` gives an account its device)
- LOGIN_*                   the admin login's failure counters and delays (see the end)
- ADMIN_URL                 path of the admin (default "admin/")
- SEARCH_CACHE_SECONDS      how often (s) a worker looks for changed trials (default 2)
- SEARCH_REFRESH_STEP       the most logged changes a worker takes in at one look (default
                            1000): more are taken in over its next looks, 0.1 s apart
- SEARCH_PAGE_CACHE         rendered search answers kept per worker (default 256; 0 = off)
- SEARCH_NEAR_MAX_KM        the largest `within` a search near a place accepts (default 1000 km)
- SEARCH_QUERY_MAX_CHARS    the longest words (`q`) a search accepts (default 1000: a person's
                            paragraph; longer is a form error naming `q`)
- TEXT_INDEX_MB             memory each web worker gives the most frequent words' trials, to
                            match them without PostgreSQL (default 16; 0 = off);
                            trials/search/lexemes.py
- TEXT_INDEX_MIN_ROWS       a word in fewer trials than this is left to PostgreSQL (default 500)
- CACHE_MAX_ENTRIES         entries the database cache (the throttles' counters) keeps before
                            culling (default 1000000)
- API_MAX_PAGE_SIZE         the largest `page_size` the API accepts (default 100)
- API_CACHE_SECONDS         how long a client or proxy may reuse an API answer before it asks
                            again with its ETag (default 0: always ask; a 304 is cheap)
- EXPORT_MAX_TRIALS         trials an export (/export/trials.csv, .jsonl, .ris) holds (10000)
- FEED_MAX_ENTRIES          entries of a search's Atom feed (/feeds/trials.atom; default 50)
- COMPARE_MAX_TRIALS        trials the compare page puts side by side (default 4)
- STATUS_UNCONFIRMED_YEARS  years after which an open status counts as unconfirmed (default 2)
- PORTAL_BENCHMARK=1        serve `/bench/ceiling`, the yardstick page of `make bench`, and say
                            X-Answer-Cache: hit/miss on search answers (only then)
- JOB_WORKER_NICE           how much lower the job worker's CPU priority is than the web
                            server's under `manage.py boot --worker` (default 10; 0 = the same)
- IMPORT_UPLOAD_DIR         where admin uploads wait for their import job (default .data/uploads)
- CTGOV_API_URL             ClinicalTrials.gov API v2 base URL (default the public one)
- SYNC_CTGOV, SYNC_CTGOV_*  the ClinicalTrials.gov sync: on/off, rate, retries (see the end)
- RATE_LIMIT_PAGES          requests per client address and window on pages (default 120; 0 = off)
- RATE_LIMIT_API            the same under /api/ (default 120; 0 = off)
- RATE_LIMIT_EXPORTS        the same under /export/ and /feeds/ (default 20; 0 = off)
- RATE_LIMIT_WINDOW         the rate limits' window, seconds (default 60); trials/web/ratelimit.py
- SEARCH_STATEMENT_TIMEOUT  the longest one statement of a search with words may run (a
                            PostgreSQL duration, default 2s; 0 = no bound); trials/search/timeout.py
- SEARCH_TIME_BUDGET        seconds all of a search's statements may take together before it
                            stops with the same message (default 3)
- DB_OUTAGE_RETRY_AFTER     Retry-After (s) of the 503 answered while the database is away
                            (default 5); portal/outage.py
- SITE_URL                  the portal's address as people reach it, for links in e-mails
                            (default http://localhost:8000)
- EMAIL_HOST                SMTP server for e-mails (the alerts); unset: printed to the console
                            with DJANGO_DEBUG=1, else sent to localhost's MTA
- EMAIL_PORT, EMAIL_USE_TLS port (default 587) and STARTTLS (default on) of EMAIL_HOST
- EMAIL_HOST_USER, EMAIL_HOST_PASSWORD   SMTP login, if the server wants one
- EMAIL_TIMEOUT             seconds an SMTP connection may take (default 30)
- DEFAULT_FROM_EMAIL        the sender (default "Skin trials finder <alerts@localhost>")
- ALERT_CONFIRM_HOURS       hours an alert sign-up waits for its confirmation link (default 48)
- ALERT_SIGNUPS_PER_IP_HOUR, ALERT_SIGNUPS_PER_EMAIL_DAY   sign-ups from one client address an
                            hour (default 20), to one e-mail address a day (default 3)
- ALERT_MAX_PER_EMAIL       alerts one e-mail address may have (default 20)
- ALERT_MAX_TRIALS          trials one alert e-mail lists; the others are counted (default 50)
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.csp import CSP

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
    "django_otp",  # staff logins' second factor (ADMIN_REQUIRE_2FA; trials/admin/login.py)
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise (static files are never counted), before anything else reads the
    # database: a client over its limit costs one statement.
    "trials.web.ratelimit.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.replicas.pin_writers",  # read-your-writes with replicas; nothing without
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",  # SECURE_CSP, below
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    # The public pages (jinja2/): Jinja2, first, so render(), the 404 handler and
    # portal/outage.py find them (portal/jinja.py says why). Admin and the alert e-mails:
    # Django templates (templates/, and the apps' own), the engine after it.
    {
        "NAME": "jinja2",
        "BACKEND": "portal.jinja.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "portal.jinja.environment"},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",  # csp_nonce, for Django admin's
            ],
        },
    },
]

# The development server answers each request in a thread of its own: a connection kept for
# reuse outlives its thread, and a burst of requests ran out of the server's connections ("too
# many clients": 503s for a minute; session 24's hostile round). Kept only under gunicorn.
_RUNSERVER = len(sys.argv) > 1 and sys.argv[1] == "runserver"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or pgembed.predicted_url(),
        conn_max_age=env_int("CONN_MAX_AGE", 0 if _RUNSERVER else 60, minimum=0),
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
# Read replicas (portal/replicas.py): aliases replica_1, replica_2, ... with the primary's
# connection options. Tests mirror them onto the test database (never created or migrated).
DATABASE_REPLICAS = []
_replica_urls = os.environ.get("DATABASE_REPLICA_URLS", "").strip()
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", "") if _replica_urls else [], 1):
    _alias = f"replica_{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES[_alias]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["portal.replicas.ReplicaRouter"]
# Seconds a client that wrote (an unsafe method: a curator's save) reads from the primary
# (0: no pinning; its edits show after the replication lag).
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 15, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# In the database, so that every worker and machine shares it: the admin login throttle counts
# failures here.
# MAX_ENTRIES: the throttles' counters must not be culled by an attacker who fills the table
# (Django's default, 300, drops a third of the entries past it: many addresses' failures would
# evict the count of the account they aim at).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 1_000_000, minimum=1000)},
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
    # Preload lists are hard to leave: only for a site that asks.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]  # "not preloaded": off by choice, see above
# Content-Security-Policy on every answer: the portal's pages load scripts, styles and images
# from the site alone and have no inline script or style (static/). Django admin's own templates
# mark their few inline elements with the request's nonce ({% csp_nonce_attr %}); the nonce
# appears in the header only on pages that use it, so the portal's pages get plain 'self'.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Reverse proxies in front that append the client to X-Forwarded-For: the client is the Nth
# address from the header's right; 0 ignores the header (portal/client.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# The job worker (imports, syncs) yields the CPU to the web server's requests (`nice`): an
# import's reading and normalizing never slows a search by more than its share.
JOB_WORKER_NICE = env_int("JOB_WORKER_NICE", 10, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # While the database is away, a line per 503 rather than a traceback (portal/outage.py).
    "filters": {"outage": {"()": "portal.outage.OutageRecords"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["outage"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# `make bench` sets it for the server it measures; production never serves the ceiling page
# nor the X-Answer-Cache header (trials/web/views.py).
BENCHMARK = env_bool("PORTAL_BENCHMARK")
if BENCHMARK:  # each answer says where its time went (Server-Timing; trials/timing.py)
    MIDDLEWARE.insert(0, "trials.search.timing.ServerTimingMiddleware")

SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 2, minimum=0)
# The most changes a worker's index takes in at one look: more (an import) are taken in over
# its next looks, a step each, so that no request waits for them all (trials/search/index.py).
SEARCH_REFRESH_STEP = env_int("SEARCH_REFRESH_STEP", 1000, minimum=1)
# Rendered search answers kept per worker (0 turns the cache off); see trials/search/cache.py.
SEARCH_PAGE_CACHE = env_int("SEARCH_PAGE_CACHE", 256, minimum=0)
# The farthest a search near a place reaches (`within`, km); see trials/search/params.py.
SEARCH_NEAR_MAX_KM = env_int("SEARCH_NEAR_MAX_KM", 1000, minimum=1)
# The longest `q` a search accepts; see trials/search/params.py.
SEARCH_QUERY_MAX_CHARS = env_int("SEARCH_QUERY_MAX_CHARS", 1000, minimum=1)
TEXT_INDEX_MB = env_int("TEXT_INDEX_MB", 16, minimum=0)
TEXT_INDEX_MIN_ROWS = env_int("TEXT_INDEX_MIN_ROWS", 500, minimum=1)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 100, minimum=1)
API_CACHE_SECONDS = env_int("API_CACHE_SECONDS", 0, minimum=0)
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
# The admin login (trials/admin/login.py): failures counted per account and per address; after
# a counter's free failures each further one doubles the wait before its next attempt, from
# LOGIN_DELAY_BASE seconds up to the counter's bound. An account's bound is short, so that an
# attacker's failures cannot keep the real curator out; an address's is long.
LOGIN_FREE_FAILURES_ADDRESS = env_int("LOGIN_FREE_FAILURES_ADDRESS", 5, minimum=1)
LOGIN_FREE_FAILURES_ACCOUNT = env_int("LOGIN_FREE_FAILURES_ACCOUNT", 10, minimum=1)
LOGIN_DELAY_BASE = env_int("LOGIN_DELAY_BASE", 4, minimum=1)  # seconds, the first wait
LOGIN_MAX_DELAY_ADDRESS = env_int("LOGIN_MAX_DELAY_ADDRESS", 3600, minimum=1)  # seconds
LOGIN_MAX_DELAY_ACCOUNT = env_int("LOGIN_MAX_DELAY_ACCOUNT", 60, minimum=1)  # seconds
LOGIN_FAILURES_KEPT = env_int("LOGIN_FAILURES_KEPT", 86400, minimum=60)  # s after the last
LOGIN_MAX_PASSWORD = env_int("LOGIN_MAX_PASSWORD", 1024, minimum=64)  # characters
ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA")

# Requests per client address and RATE_LIMIT_WINDOW seconds, counted in the database (every
# worker and machine shares the count): 429 with Retry-After beyond (trials/web/ratelimit.py).
# 0 turns a limit off. A page of the portal costs one request (static files are not counted).
RATE_LIMIT_PAGES = env_int("RATE_LIMIT_PAGES", 120, minimum=0)
RATE_LIMIT_API = env_int("RATE_LIMIT_API", 120, minimum=0)
RATE_LIMIT_EXPORTS = env_int("RATE_LIMIT_EXPORTS", 20, minimum=0)
RATE_LIMIT_WINDOW = env_int("RATE_LIMIT_WINDOW", 60, minimum=1)
# The longest one statement of a search with words may run before it is cancelled and the page
# says "search took too long — add a word or a filter" (trials/search/timeout.py); 0: no bound.
SEARCH_STATEMENT_TIMEOUT = env_duration("SEARCH_STATEMENT_TIMEOUT", "2s")
# … and the longest all of a search's statements may run together: past it (seconds) the
# search starts no other statement and says the same; with the bound above, a search never
# takes much more than the two together.
SEARCH_TIME_BUDGET = env_float("SEARCH_TIME_BUDGET", 3.0, minimum=0.0)
# While the database is away pages, the API and /healthz answer 503 with this Retry-After (s).
DB_OUTAGE_RETRY_AFTER = env_int("DB_OUTAGE_RETRY_AFTER", 5, minimum=1)

# E-mail (the alerts, trials/alerts/), through Django's mailers: SMTP when EMAIL_HOST is set or
# DEBUG is off (then EMAIL_HOST defaults to the machine's own MTA, localhost), printed to the
# console in development. Tests use Django's in-memory outbox whatever is set here. The EMAIL_*
# names are environment variables only: Django 6.1 retired the settings of those names.
_email_host = os.environ.get("EMAIL_HOST", "").strip()
if _email_host or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host or "localhost",
                "port": env_int("EMAIL_PORT", 587, minimum=1),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": env_int("EMAIL_TIMEOUT", 30, minimum=1),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "Skin trials finder <alerts@localhost>"
# Links in e-mails are absolute: the portal's address as people reach it.
SITE_URL = (os.environ.get("SITE_URL") or "http://localhost:8000").strip().rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r}: expected an http:// or https:// URL")
# E-mail alerts (trials/alerts/): how long a sign-up waits for its confirmation; sign-ups an
# hour from one client address and a day to one e-mail address; alerts per address; trials
# listed in one e-mail.
ALERT_CONFIRM_HOURS = env_int("ALERT_CONFIRM_HOURS", 48, minimum=1)
ALERT_SIGNUPS_PER_IP_HOUR = env_int("ALERT_SIGNUPS_PER_IP_HOUR", 20, minimum=1)
ALERT_SIGNUPS_PER_EMAIL_DAY = env_int("ALERT_SIGNUPS_PER_EMAIL_DAY", 3, minimum=1)
ALERT_MAX_PER_EMAIL = env_int("ALERT_MAX_PER_EMAIL", 20, minimum=1)
ALERT_MAX_TRIALS = env_int("ALERT_MAX_TRIALS", 50, minimum=1)
