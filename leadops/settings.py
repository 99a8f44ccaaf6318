"""LeadOps settings: everything comes from the environment through django-environ.

With no environment at all the app runs on the embedded default: a SQLite file, a Celery worker + beat on a
broker folder (no server), mock email and rule-based scoring. DATABASE_URL / REDIS_URL switch to PostgreSQL, Redis.
Every setting is listed with its safe default in `.env.example`. Nothing else in
the project reads os.environ.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from leadops import broker, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _setting(name: str, cast: Callable[..., Any], default: Any, choices: tuple[str, ...] = ()) -> Any:
    """Read one variable; a bad value stops start-up with a message naming it."""
    try:
        value = cast(name, default=default)
    except (ValueError, TypeError, ImproperlyConfigured) as error:
        raise ImproperlyConfigured(
            f"Environment variable {name}={env.str(name, default='')!r} is invalid: {error}"
        ) from None
    if choices and value not in choices:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} must be one of: {', '.join(choices)}")
    return value


def _flag(name: str, default: bool) -> bool:
    """A true/false switch; django-environ reads any unknown word as false, which must not turn HTTPS off."""
    value = _setting(name, env.str, "").strip().lower()
    if value not in {"", *environ.Env.BOOLEAN_TRUE_STRINGS, "false", "off", "no", "n", "0"}:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} must be true or false")
    return default if not value else value in environ.Env.BOOLEAN_TRUE_STRINGS


def _positive(name: str, default: int) -> int:
    value = _setting(name, env.int, default)
    if value <= 0:
        raise ImproperlyConfigured(f"Environment variable {name}={value} must be a positive whole number")
    return value


# --- Core ------------------------------------------------------------------------------------
DEBUG = _setting("DEBUG", env.bool, False)
ALLOWED_HOSTS = _setting("ALLOWED_HOSTS", env.list, ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = _setting("CSRF_TRUSTED_ORIGINS", env.list, [])
SITE_URL = _setting("SITE_URL", env.str, "http://127.0.0.1:8000").rstrip("/")
DATA_DIR = Path(_setting("DATA_DIR", env.str, str(BASE_DIR / "var")))

DATABASES = {"default": _setting("DATABASE_URL", env.db_url, f"sqlite:///{DATA_DIR / 'leadops.sqlite3'}")}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DATABASES["default"].setdefault("CONN_MAX_AGE", _setting("DB_CONN_MAX_AGE", env.int, 60 if IS_POSTGRES else 0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = IS_POSTGRES
if not IS_POSTGRES:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL: the worker and pages read while an import writes. IMMEDIATE: a writer waits for the lock (timeout).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous"
                                                           "=NORMAL;", "timeout": 20, "transaction_mode": "IMMEDIATE"})

# --- Secret key -------------------------------------------------------------------------------------
# Read as given: an empty value is refused like a short one, not taken for "unset".
SECRET_KEY = secret_key.chosen(
    env.ENVIRON.get("SECRET_KEY"), key_file=DATA_DIR / "secret_key", debug=DEBUG, is_postgres=IS_POSTGRES
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "ninja", "corsheaders",  # ninja's static files: the API docs page's Swagger UI, served by whitenoise (no CDN)
    "leadops",
    "leads",
    "scoring",
    "outreach",
    "webhooks",
    "console",
    "api",
    "assistant",
]

MIDDLEWARE = [
    "leadops.http.RequestIdMiddleware",
    "leadops.http.NulFreeQueryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware; origins per form key (api/forms.py)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "leadops.urls"
WSGI_APPLICATION = "leadops.wsgi.application"
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
                "console.context_processors.navigation",
                "assistant.context_processors.unread",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "leads:today"  # a rep starts the day with what is due
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = _setting("TIME_ZONE", env.str, "UTC")
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "static/"
STATIC_ROOT = Path(_setting("STATIC_ROOT", env.str, str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it even before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _setting("STATIC_MANIFEST", env.bool, False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve straight from static/ when collectstatic has not run (embedded default).
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database alone (one primary-key read a page): with a cache in front, a Redis
# outage would either fail every signed-in page or, once Redis is back, bring back sessions that were
# changed or ended (logged out) while it was away.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- HTTPS -----------------------------------------------------------------------------------------
# Off by default so `make run` works on http://127.0.0.1; the README's production section turns them on.
SESSION_COOKIE_SECURE = _flag("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = _flag("SECURE_SSL_REDIRECT", False)
# The container's health check calls http://127.0.0.1:8000/healthz from inside: a redirect to https fails it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = _setting("SECURE_HSTS_SECONDS", env.int, 0)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured(f"Environment variable SECURE_HSTS_SECONDS={SECURE_HSTS_SECONDS} must be 0 or more")
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _flag("SECURE_HSTS_PRELOAD", False)


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """"X-Forwarded-Proto=https" (or Django's own "HTTP_X_FORWARDED_PROTO,https") as Django's pair."""
    if not value.strip():
        return None
    header, separator, expected = value.replace(",", "=", 1).partition("=")
    header, expected = header.strip(), expected.strip()
    if not separator or not header or not expected or not header.replace("-", "").replace("_", "").isalnum():
        raise ImproperlyConfigured(
            f"Environment variable SECURE_PROXY_SSL_HEADER={value!r} must look like X-Forwarded-Proto=https"
        )
    name = header.upper().replace("-", "_")
    return (name if name.startswith("HTTP_") else f"HTTP_{name}", expected)


# Only behind a proxy that sets this header itself (and strips it from clients): anyone can send it.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(_setting("SECURE_PROXY_SSL_HEADER", env.str, ""))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Cache, broker, tasks -----------------------------------------------------------------------
REDIS_URL = _setting("REDIS_URL", env.str, "")
if REDIS_URL:
    # leadops/cache.py: while Redis is away the cache misses instead of raising, and a Redis that does not
    # answer costs a request at most one short wait (then it is left alone for a moment).
    _REDIS_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    CACHES = {
        "default": {"BACKEND": "leadops.cache.ResilientRedisCache", "LOCATION": REDIS_URL, "OPTIONS": _REDIS_OPTIONS},
        "ratelimit": {"BACKEND": "leadops.cache.LocalFallbackRedisCache", "LOCATION": REDIS_URL,
                      "OPTIONS": _REDIS_OPTIONS},
    }
else:
    CACHES = {
        # A folder the embedded default's web server, worker and beat share (run-time settings, counts, locks).
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": DATA_DIR / "cache"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"},
    }
# django-ratelimit counts in the shared cache, so limits hold across gunicorn workers; while Redis is
# away each process counts on its own (leadops.cache.LocalFallbackRedisCache).
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_VIEW = "leadops.errors.rate_limited"

CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
# Redis redelivers an unacknowledged task after this long; longer than any task runs.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("redis://"):  # rediss:// (TLS) keeps kombu's own
    # kombu's, sharing one client per channel (leadops/broker.py; leadops/celery.py checks the kombu release)
    CELERY_BROKER_TRANSPORT = "leadops.broker:Transport"
elif CELERY_BROKER_URL.startswith("filesystem://"):  # a folder, without Redis: why in leadops/broker.py
    CELERY_BROKER_TRANSPORT = broker.FOLDER_TRANSPORT
    CELERY_BROKER_TRANSPORT_OPTIONS.update(broker.folder_options(DATA_DIR / "broker"))
CELERY_RESULT_BACKEND = None
# No result store, so nobody can read a task's return value: the worker need not record it.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = _setting("CELERY_TASK_ALWAYS_EAGER", env.bool, False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker reserves this many tasks per process, so one that finishes a short task (rules-mode qualification)
# finds the next waiting (bench/pipeline_bench.py). Reserved tasks wait behind long ones (a batch waiting on the
# LLM) instead of going to another worker: with several worker machines and the LLM on, 1 spreads them evenly.
CELERY_WORKER_PREFETCH_MULTIPLIER = _setting("CELERY_WORKER_PREFETCH_MULTIPLIER", env.int, 4)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Imported into django-celery-beat's tables at start-up, then editable in Django admin.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "outreach-poll-mailboxes": {"task": "outreach.tasks.poll_mailboxes", "schedule": 60.0},  # outreach.inbox
    "outreach-send-due-drafts": {"task": "outreach.tasks.send_due_drafts", "schedule": 60.0},
    "outreach-draft-due-follow-ups": {"task": "outreach.tasks.draft_due_follow_ups", "schedule": 15 * 60.0},
    "outreach-recover-interrupted-sends": {"task": "outreach.tasks.recover_interrupted_sends", "schedule": 5 * 60.0},
    # Each user's daily or weekly report email at the hour they chose (outreach.report_subscriptions).
    "outreach-send-due-reports": {"task": "outreach.tasks.send_due_reports", "schedule": 5 * 60.0},
    # Report snapshots, sooner than REPORT_MAX_AGE_SECONDS, so report pages only read the cache.
    "console-refresh-reports": {"task": "console.tasks.refresh_reports", "schedule": 4 * 60.0},
    "webhooks-deliver-due": {"task": "webhooks.tasks.deliver_due_webhooks", "schedule": 30.0},  # due retries
    "scoring-requalify-stranded": {"task": "scoring.tasks.requalify_stranded", "schedule": 10 * 60.0},
    "scoring-requalify-fallen-back": {"task": "scoring.tasks.requalify_fallen_back", "schedule": 5 * 60.0},
    # Tasks queued while the broker was away (leadops.outbox): sent within this long of its return.
    "leadops-send-deferred-tasks": {"task": "leadops.tasks.send_deferred_tasks", "schedule": 10.0},
    # Learning: retrain once LEARNING_RETRAIN_EVERY new outcomes are in (checked every 15 min), and nightly.
    "scoring-retrain-when-due": {"task": "scoring.tasks.retrain_scoring", "schedule": 15 * 60.0},
    "scoring-retrain-nightly": {"task": "scoring.tasks.retrain_scoring", "schedule": 24 * 3600.0,
                                "kwargs": {"force": True}},
    # Does nothing unless LEAD_RETENTION_MONTHS is set.
    "leads-erase-stale-leads": {"task": "leads.tasks.erase_stale_leads", "schedule": crontab(hour=3, minute=30)},
}
# Keep the database connection between tasks (Celery's Django fixup closes it otherwise).
CELERY_DB_REUSE_MAX = _setting("CELERY_DB_REUSE_MAX", env.int, 1000)

# --- Queues: task-name pattern=queue pairs (scoring.tasks.qualify_*=qualification), so qualification and sending
# can run on workers of their own (docs/scaling.md); unset, every task goes to the one default queue.
CELERY_TASK_ROUTES = _setting("CELERY_TASK_ROUTES", env.dict, {})

# --- Intake -------------------------------------------------------------------------------------
IMPORT_MAX_UPLOAD_MB = _positive("IMPORT_MAX_UPLOAD_MB", 512)
IMPORT_MAX_ROWS = _positive("IMPORT_MAX_ROWS", 1_048_576)
IMPORT_BATCH_SIZE = _positive("IMPORT_BATCH_SIZE", 2000)
API_RATE_LIMIT = _setting("API_RATE_LIMIT", env.str, "120/m")
# Sign-in attempts per client address, and per address and username (leadops.login).
LOGIN_RATE_LIMIT = _setting("LOGIN_RATE_LIMIT", env.str, "10/m")
LOGIN_ACCOUNT_RATE_LIMIT = _setting("LOGIN_ACCOUNT_RATE_LIMIT", env.str, "5/m")
# Failed sign-ins for one username, from any address, before each attempt waits (1 s, doubling up to the
# maximum). A browser that signed in as that user before is not slowed down.
LOGIN_SLOWDOWN_AFTER = _positive("LOGIN_SLOWDOWN_AFTER", 10)
LOGIN_SLOWDOWN_MAX_SECONDS = _positive("LOGIN_SLOWDOWN_MAX_SECONDS", 60)
UPLOAD_RATE_LIMIT = _setting("UPLOAD_RATE_LIMIT", env.str, "20/h")
PASSWORD_RESET_RATE_LIMIT = _setting("PASSWORD_RESET_RATE_LIMIT", env.str, "5/h")

# --- Privacy ------------------------------------------------------------------------------------
# Erase the personal data of leads nobody touched for this many months (leads.erasure); 0 keeps them.
LEAD_RETENTION_MONTHS = _setting("LEAD_RETENTION_MONTHS", env.int, 0)
if not 0 <= LEAD_RETENTION_MONTHS <= 1200:
    raise ImproperlyConfigured(
        f"Environment variable LEAD_RETENTION_MONTHS={LEAD_RETENTION_MONTHS} must be 0 (off) or a number of months"
    )

# Open and click tracking of outreach emails (outreach.tracking), off by default: a tracking pixel and rewritten
# links tell the sender when and where a person read the email, without their consent; many laws (ePrivacy,
# GDPR) want that consent, and opens are unreliable anyway (proxies and privacy features load every image).
EMAIL_TRACKING = _setting("EMAIL_TRACKING", env.bool, False)

# --- Scoring and enrichment ---------------------------------------------------------------------
WEB_ENRICHMENT = _setting("WEB_ENRICHMENT", env.bool, False)
WEB_ENRICHMENT_TIMEOUT = _setting("WEB_ENRICHMENT_TIMEOUT", env.float, 5.0)
ENRICHMENT_CACHE_DAYS = _positive("ENRICHMENT_CACHE_DAYS", 90)
ENTERPRISE_MIN_COMPANY_SIZE = _positive("ENTERPRISE_MIN_COMPANY_SIZE", 1000)
ENTERPRISE_MIN_BUDGET = _positive("ENTERPRISE_MIN_BUDGET", 50_000)
QUALIFY_BATCH_SIZE = _positive("QUALIFY_BATCH_SIZE", 100)
# Learning from outcomes: conversions needed before learned scores are trusted, and how many new
# outcomes trigger a retraining.
LEARNING_MIN_CONVERSIONS = _positive("LEARNING_MIN_CONVERSIONS", 30)
LEARNING_RETRAIN_EVERY = _positive("LEARNING_RETRAIN_EVERY", 50)

# --- LLM ------------------------------------------------------------------------------------------
LLM_PROVIDER = _setting("LLM_PROVIDER", env.str, "none", choices=("none", "openai", "azure_openai"))
OPENAI_BASE_URL = _setting("OPENAI_BASE_URL", env.str, "") or None
OPENAI_API_KEY = _setting("OPENAI_API_KEY", env.str, "")
AZURE_OPENAI_ENDPOINT = _setting("AZURE_OPENAI_ENDPOINT", env.str, "")
AZURE_OPENAI_API_VERSION = _setting("AZURE_OPENAI_API_VERSION", env.str, "2024-10-21")
LLM_MODEL = _setting("LLM_MODEL", env.str, "gpt-4o-mini")
LLM_STRUCTURED_OUTPUT = _setting("LLM_STRUCTURED_OUTPUT", env.str, "json_schema", choices=("json_schema","json_object"))
LLM_TIMEOUT = _setting("LLM_TIMEOUT", env.float, 90.0)
LLM_MAX_RETRIES = _setting("LLM_MAX_RETRIES", env.int, 2)
LLM_MAX_TOKENS = _positive("LLM_MAX_TOKENS", 400)
LLM_BREAKER_FAILURES = _positive("LLM_BREAKER_FAILURES", 5)
LLM_BREAKER_SECONDS = _positive("LLM_BREAKER_SECONDS", 120)
LLM_MAX_SCORE_ADJUSTMENT = _setting("LLM_MAX_SCORE_ADJUSTMENT", env.int, 10)
# The server's parallel slots, kept by every process together (.env.example says how to read them).
LLM_SERVER_SLOTS = _positive("LLM_SERVER_SLOTS", 1)
LLM_SLOT_WAIT, LLM_REQUALIFY_LIMIT = _positive("LLM_SLOT_WAIT", 120), _positive("LLM_REQUALIFY_LIMIT", 50)
LLM_PRICE_PER_1K_INPUT = _setting("LLM_PRICE_PER_1K_INPUT", env.float, 0.00015)
LLM_PRICE_PER_1K_OUTPUT = _setting("LLM_PRICE_PER_1K_OUTPUT", env.float, 0.0006)
# Ask LeadOps (assistant/): how the model picks tools (README: which with which server), its answer's length and
# steps per question, and an optional Slack-compatible webhook for HOT-lead and interested-reply notices.
ASSISTANT_TOOL_MODE = _setting("ASSISTANT_TOOL_MODE", env.str, "native", choices=("native", "json_schema"))
ASSISTANT_MAX_TOKENS, ASSISTANT_MAX_STEPS = _positive("ASSISTANT_MAX_TOKENS", 600), _positive("ASSISTANT_MAX_STEPS", 4)
ASSISTANT_SLACK_WEBHOOK_URL = _setting("ASSISTANT_SLACK_WEBHOOK_URL", env.str, "")
if LLM_PROVIDER == "azure_openai" and not AZURE_OPENAI_ENDPOINT:
    raise ImproperlyConfigured("LLM_PROVIDER=azure_openai needs AZURE_OPENAI_ENDPOINT")

# --- Email and outreach ---------------------------------------------------------------------------
EMAIL_MODE = _setting("EMAIL_MODE", env.str, "mock", choices=("mock", "smtp"))
# Every email Django sends (password reset included) goes through leadops.mail, which honours EMAIL_MODE.
EMAIL_BACKEND = "leadops.mail.EmailBackend"
EMAIL_HOST = _setting("EMAIL_HOST", env.str, "localhost")
EMAIL_PORT = _setting("EMAIL_PORT", env.int, 25)
EMAIL_HOST_USER = _setting("EMAIL_HOST_USER", env.str, "")
EMAIL_HOST_PASSWORD = _setting("EMAIL_HOST_PASSWORD", env.str, "")
EMAIL_USE_TLS = _setting("EMAIL_USE_TLS", env.bool, False)
EMAIL_USE_SSL = _setting("EMAIL_USE_SSL", env.bool, False)
EMAIL_TIMEOUT = _setting("EMAIL_TIMEOUT", env.int, 20)
DEFAULT_FROM_EMAIL = _setting("DEFAULT_FROM_EMAIL", env.str, "LeadOps <sales@example.com>")
PLACEHOLDER_POSTAL_ADDRESS = "Example Inc., 1 Market Street, San Francisco, CA 94105, USA"  # SMTP mode refuses it
SENDER_POSTAL_ADDRESS = _setting("SENDER_POSTAL_ADDRESS", env.str, PLACEHOLDER_POSTAL_ADDRESS)
SENDER_COMPANY_NAME = _setting("SENDER_COMPANY_NAME", env.str, "")
SEND_PER_MINUTE = _positive("SEND_PER_MINUTE", 30)
SEND_PER_DAY = _positive("SEND_PER_DAY", 2000)
SEND_PER_CONTACT_PER_WEEK = _positive("SEND_PER_CONTACT_PER_WEEK", 2)
SEND_PER_DOMAIN_PER_DAY = _positive("SEND_PER_DOMAIN_PER_DAY", 50)
SEND_WINDOW_DAYS = _setting("SEND_WINDOW_DAYS", env.list, ["mon", "tue", "wed", "thu", "fri"])
SEND_WINDOW_HOURS = _setting("SEND_WINDOW_HOURS", env.str, "08:00-18:00")
SEND_TIMEZONE = _setting("SEND_TIMEZONE", env.str, "UTC")
# The window's hours in the recipient's zone (their time_zone, else their country's); SEND_TIMEZONE when unknown.
SEND_IN_RECIPIENT_TIMEZONE = _setting("SEND_IN_RECIPIENT_TIMEZONE", env.bool, True)
SEND_SKIP_HOLIDAYS = _setting("SEND_SKIP_HOLIDAYS", env.bool, False)  # the recipient country's public holidays
AUTO_APPROVE_FOLLOW_UPS = _setting("AUTO_APPROVE_FOLLOW_UPS", env.bool, False)
PROHIBITED_TERMS = _setting("PROHIBITED_TERMS", env.list, ["guaranteed results", "risk-free", "act now"])
INBOUND_EMAIL_SECRET = _setting("INBOUND_EMAIL_SECRET", env.str, "")
# Oldest signed timestamp the inbound-email hook accepts, in seconds (a replayed request is refused after it).
INBOUND_EMAIL_MAX_AGE = _positive("INBOUND_EMAIL_MAX_AGE", 300)
MAILBOX_CREDENTIALS_KEYS = _setting("MAILBOX_CREDENTIALS_KEYS", env.list, [])  # outreach.credentials

# --- Reports: the oldest cached figures a report page shows (console.reports.snapshots; beat refreshes sooner).
REPORT_MAX_AGE_SECONDS = _positive("REPORT_MAX_AGE_SECONDS", 300)

# --- Logging ----------------------------------------------------------------------------------------
LOG_LEVEL = _setting("LOG_LEVEL", env.str, "INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
LOG_FORMAT = _setting("LOG_FORMAT", env.str, "text", choices=("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "leadops.http.RequestIdLogFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "leadops.http.JsonLogFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
