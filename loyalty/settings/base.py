"""Settings shared by every environment; values come from the environment (django-environ)."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_htmx",
    "template_partials",
    "django_tables2",
    "django_filters",
    "ninja",
    "loyalty",
    "loyalty.portal",
    "rewards",
    "referrals",
    "partners",
    "memberships",
    "challenges",
    "insights",
    "coalitions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "loyalty.member_site.middleware.ClearSiteDataOnSignOutMiddleware",
    "loyalty.middleware.CurrentShopMiddleware",
    "loyalty.api.idempotency.IdempotencyMiddleware",
]

# The till API's requests go through these only (loyalty/handlers.py): it authenticates by key and answers JSON.
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "loyalty.api.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "loyalty.urls"
WSGI_APPLICATION = "loyalty.wsgi.application"

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
                "django.template.context_processors.i18n",
                "loyalty.context_processors.current_shop",
            ],
        },
    }
]


def database_from_env(default_sqlite: Path) -> dict:
    """PostgreSQL (or anything) through DATABASE_URL; SQLite in WAL mode with immediate transactions otherwise."""
    config = env.db("DATABASE_URL", default=f"sqlite:///{default_sqlite}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    else:
        config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_from_env(BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: staff sign in with email and password; members with a one-time code.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True  # the new owner goes from the confirmation link straight to onboarding
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "member_join": "10/m/ip,60/h/ip",  # the join page, per address (a shop's wifi is shared by its customers)
    "member_join_phone": "5/h/key",  # ... and per phone number
    "partner_apply": "5/m/ip,20/h/ip",  # the public form to apply as a shop's affiliate partner, per address
    "referral_link": "30/m/ip,300/h/ip",  # /r/<code>/ openings counted for the funnel, and codes tried, per address
}
ACCOUNT_ADAPTER = "loyalty.adapters.AccountAdapter"
LOGIN_REDIRECT_URL = "portal:home"
LOGIN_URL = "account_login"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Regulars] "

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("vi", _("Vietnamese")), ("fa", _("Persian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["loyalty.formats_locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Regulars <no-reply@regulars.local>")


def text_gateway_from_env(prefix: str) -> dict:
    """SMS and Zalo gateways (loyalty.notifications.gateways): the HTTP backend once <PREFIX>_URL is set, else
    the console; <PREFIX>_BACKEND names any other backend."""
    url = env(f"{prefix}_URL", default="")
    default_backend = "HttpGateway" if url else "ConsoleGateway"
    return {
        "BACKEND": env(f"{prefix}_BACKEND", default=f"loyalty.notifications.gateways.{default_backend}"),
        "URL": url,
        "TOKEN": env(f"{prefix}_TOKEN", default=""),
        "SENDER": env(f"{prefix}_SENDER", default="Regulars"),
        "TIMEOUT": env.float(f"{prefix}_TIMEOUT", default=10.0),
    }


SMS_GATEWAY = text_gateway_from_env("SMS_GATEWAY")
ZALO_GATEWAY = text_gateway_from_env("ZALO_GATEWAY")


def caches_from_env(default: str) -> dict:
    """CACHE_URL's cache; a Redis one answers as an empty cache while Redis is away (loyalty/cache.py)."""
    config = env.cache("CACHE_URL", default=default)
    if config["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        config["BACKEND"] = "loyalty.cache.DegradingRedisCache"
    return {"default": config}


CACHES = caches_from_env("locmemcache://")

# Celery: a real broker through CELERY_BROKER_URL; without one, a filesystem broker in the project
# folder so that `make run` still runs the worker and beat with no service installed.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or "filesystem://"
CELERY_FILESYSTEM_FOLDER = BASE_DIR / ".celery-broker"
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_REDIS_TRANSPORT_OPTIONS = {
    # A task whose worker died unacknowledged (acks_late) is handed out again this many seconds after it was
    # taken: longer than the longest job runs (the expiry of a million lots: about two minutes).
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Look for such tasks every few seconds (kombu's default looks every 100 s): one small Redis read.
    "unacked_restore_interval": min(10, CELERY_VISIBILITY_TIMEOUT),
    "unacked_restore_throttle": 1,
    # Sending a task to a Redis that is down gives up after one quick retry instead of four seconds: the request
    # that queued it (a purchase, after its commit) answers at once, and the jobs send the work again later.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_FILESYSTEM_FOLDER / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_FOLDER / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_FOLDER / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_FOLDER / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL == "filesystem://"
    else CELERY_REDIS_TRANSPORT_OPTIONS
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = "UTC"

# Till API: requests per minute per key (0 turns the limit off).
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=6000)
# How long a QR payload stays valid, in seconds: the member's phone refreshes it every 30, so a screenshot
# stops working after about a minute.
QR_PAYLOAD_MAX_AGE = env.int("QR_PAYLOAD_MAX_AGE", default=60)
# Where customers reach this site: links in messages (welcome, unsubscribe) are built on it.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Beat runs every periodic job; each computes what is due from the data, so running often is harmless.
CELERY_BEAT_SCHEDULE = {
    "loyalty-jobs": {"task": "loyalty.tasks.run_periodic_jobs", "schedule": 15 * 60},
}
