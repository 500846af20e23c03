"""One settings module for every deployment, driven by ECREDIT_* environment variables.

ECREDIT_DATABASE_URL   sqlite:////abs/path.sqlite3 or postgresql://user@host:5432/name (default: SQLite in var/)
ECREDIT_HOME           folder for the SQLite file, keys, uploads (default: <project>/var)
ECREDIT_KEY_FILE       JSON file with the data keys (default: $ECREDIT_HOME/secrets/keys.json, made on first use)
ECREDIT_SECRET_KEY     Django's secret key (default: from the key file)
ECREDIT_DEBUG          1 for development pages with tracebacks
ECREDIT_ALLOWED_HOSTS  comma-separated host names (default: 127.0.0.1,localhost)
ECREDIT_TASKS          "immediate" runs background tasks inline (tests); default: database queue
ECREDIT_PRODUCTION     1 behind nginx with TLS (deploy/): secure cookies, HSTS, HTTPS redirect, static files from
                       STATIC_ROOT (collectstatic), logs at INFO; `ecredit check --deploy` is clean under it
ECREDIT_HSTS_PRELOAD   0 to leave the HSTS preload flag off (default on in production)
ECREDIT_FINDINGS_ENGINE  "spark" runs the fake-order ring search on PySpark (default: findings.yaml rings.engine)
ECREDIT_SPARK_MASTER     the Spark master for it (default local[2])
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from ecredit import keys

PACKAGE_DIR = Path(__file__).resolve().parent
_checkout = PACKAGE_DIR.parent.parent
PROJECT_DIR = _checkout if (_checkout / "pyproject.toml").exists() else Path.cwd()
HOME_DIR = Path(os.environ.get("ECREDIT_HOME") or PROJECT_DIR / "var")

KEYS = keys.load(os.environ.get("ECREDIT_KEY_FILE") or HOME_DIR / "secrets" / "keys.json")
SECRET_KEY = os.environ.get("ECREDIT_SECRET_KEY") or KEYS.django_secret
DEBUG = os.environ.get("ECREDIT_DEBUG", "") in {"1", "true", "yes"}
ALLOWED_HOSTS = [h for h in os.environ.get("ECREDIT_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "django_otp",
    "ecredit.policy",
    "ecredit.audit",
    "ecredit.access",
    "ecredit.signin",
    "ecredit.registry",
    "ecredit.archive",
    "ecredit.exchange",
    "ecredit.marketplace",
    "ecredit.complaints",
    "ecredit.commitments",
    "ecredit.compensation",
    "ecredit.logistics",
    "ecredit.trace",
    "ecredit.evaluation",
    "ecredit.lists",
    "ecredit.supervision",
    "ecredit.safe_consumption",
    "ecredit.findings",
    "ecredit.ops",
    "ecredit.portal",
    "ecredit.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ecredit.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ecredit.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ecredit.signin.middleware.SignInPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ecredit.urls"
WSGI_APPLICATION = "ecredit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ecredit.console.context.console",
            ],
        },
    },
]


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers go on while a batch writes; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue instead of failing half-way with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        config["CONN_MAX_AGE"] = 0
        config.setdefault("TEST", {})["NAME"] = None  # in-memory test database
    return config


DATABASE_URL = os.environ.get("ECREDIT_DATABASE_URL") or f"sqlite:///{HOME_DIR / 'ecredit.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login security (security.yaml; GB/T 22239-2019 level 3): django-axes counts failed logins per user name and per
# address and locks out for the policy's cool-off; django-otp gives officers and staff their second factor
# (ecredit.signin); sessions end when idle or too old (signin middleware); passwords follow the policy's length,
# kinds of character and maximum age.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "ecredit.signin.validators.PolicyPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = "ecredit.signin.lockout.failure_limit"
AXES_COOLOFF_TIME = "ecredit.signin.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]     # either one locks: a guessed account, a guessing address
AXES_CLIENT_IP_CALLABLE = "ecredit.signin.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "ecredit.signin.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 10 * 3600        # the cookie's ceiling; signin applies security.yaml's own limits per session
LOGIN_URL = "/console/login/"
LOGIN_REDIRECT_URL = "/console/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request when it is missing
MEDIA_ROOT = HOME_DIR / "media"
WHITENOISE_USE_FINDERS = True  # serve app static files (Swagger UI, admin) without collectstatic
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024  # a 10,000-record batch is ~5 MB; leave room
FILE_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024

# Each process keeps its own cache of rendered public pages; entries are keyed by the change log's head,
# so any write anywhere makes every process render afresh (no cross-process invalidation needed). What every
# worker must agree on (request limits, spent form tokens) is counted in the database instead (ecredit.limits),
# and login failures in django-axes's tables.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20_000}}}

# The address printed in reports' QR codes and verification links: the portal as the public reaches it.
PUBLIC_URL = os.environ.get("ECREDIT_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Detection engine for fake-order rings ("" = as findings.yaml says; "spark" = PySpark, same rings).
FINDINGS_ENGINE = os.environ.get("ECREDIT_FINDINGS_ENGINE", "")
FINDINGS_SPARK_MASTER = os.environ.get("ECREDIT_SPARK_MASTER", "")

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if os.environ.get("ECREDIT_TASKS") == "immediate"
        else "django_tasks_db.DatabaseBackend",
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ECREDIT_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50

# Production (deploy/): nginx terminates TLS and passes X-Forwarded-Proto; everything else is HTTPS only.
PRODUCTION = os.environ.get("ECREDIT_PRODUCTION", "") in {"1", "true", "yes"}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]      # the load balancer's probe on loopback
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = os.environ.get("ECREDIT_HSTS_PRELOAD", "1") not in {"0", "false", "no"}
    CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]
    WHITENOISE_USE_FINDERS = False                      # nginx serves STATIC_ROOT, filled by collectstatic
    LOGGING["root"]["level"] = os.environ.get("ECREDIT_LOG_LEVEL", "INFO")
    MIDDLEWARE.insert(0, "ecredit.middleware.ProxiedClientMiddleware")
