"""Hashport settings, read from the environment (see README: Environment).

Unset DATABASE_URL means SQLite under var/; unset REDIS_URL means Celery tasks run in-process and the cache is
local memory. The same code runs on PostgreSQL and a real Celery worker when both are set.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]", "testserver"]),
    REDIS_URL=(str, ""),
)

VAR_DIR = Path(env("HASHPORT_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    # The embedded default keeps a random key on disk so sessions survive restarts; no key lives in the repo.
    path = VAR_DIR / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "axes",
    "seizures",
    "hashrate",
    "dashboard",
]

MIDDLEWARE = [
    "config.probes.ProbeMiddleware",
    "config.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.csp",
                "seizures.context_processors.demo_banner",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hashport.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so SQLite serialises concurrent event writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, so a query a connection runs again and again (the session, the user, the
    # stored chart) is prepared once and planned once: ~30% off a dashboard request. Django leaves this off for
    # transaction-pooling proxies (PgBouncer), which compose does not run; DB_PREPARED_STATEMENTS=0 turns it off.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        # psycopg prepares a statement once it has run five times: one-off queries (reports, imports) never are.
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# HTTPS (production, behind a TLS-terminating proxy that sets X-Forwarded-Proto): redirect plain HTTP, cookies
# only over HTTPS, HSTS. Off by default so `make run` and tests serve plain http://127.0.0.1; .env.example turns
# it on. The probes are answered before the redirect (config/probes.py).
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=False)
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # The client address for login throttling is the one the proxy saw, not the proxy's own.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
# Sessions stay in the database alone (one indexed read a request): a cached copy would outlive a logout made while
# Redis was unreachable, and a Redis that kept it would let the old cookie in again.

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # A Redis outage reads as cache misses (config/cache.py); a cache that takes a second to answer is down anyway.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            "OUTAGE_RETRY_S": 5,  # after a failure, reads and fills leave Redis alone this long (config/cache.py)
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Broker down: a request's publish gives up after one quick retry (config/broker.py reports it), while a worker keeps
# reconnecting however long the outage lasts, then consumes what is queued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 3}
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BEAT_SCHEDULE: dict = {}
# hashrate: daily for the mempool.space and Blockchain.com sources, monthly for CBECI (hashrate/tasks.py).
CELERY_BEAT_SCHEDULE |= {
    f"hashrate-refresh-{slug}": {"task": "hashrate.tasks.refresh_source", "schedule": schedule, "args": [slug]}
    for slug, schedule in [
        ("mempool-hashrate", crontab(hour=0, minute=20)),
        ("mempool-pools", crontab(hour=23, minute=50)),  # its 24-hour window then covers the UTC day it is dated
        ("blockchain-com", crontab(hour=0, minute=40)),
        ("cbeci", crontab(day_of_month=3, hour=1, minute=0)),
    ]
}
# A refresh's lock (hashrate/locks.py) outlives the task's hard time limit, and expires on its own if the worker dies.
HASHRATE_LOCK_TTL_S = env.int("HASHRATE_LOCK_TTL_S", default=15 * 60)

# Legal deadlines: the daily digest to Compliance users (seizures/tasks.py), before the US working day starts.
CELERY_BEAT_SCHEDULE["deadlines-digest"] = {
    "task": "seizures.tasks.send_deadline_digest",
    "schedule": crontab(hour=11, minute=0),
}

# Mail: EMAIL_URL, e.g. smtp+tls://USER:PASSWORD@HOST:587 (django-environ's format). Unset, as in `make run`, mails
# are printed to the console.
_EMAIL = env.email_url("EMAIL_URL", default="consolemail://")
MAILERS = {"default": {"BACKEND": _EMAIL["EMAIL_BACKEND"]}}
if _EMAIL["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": _EMAIL["EMAIL_HOST"],
        "port": _EMAIL["EMAIL_PORT"],
        "username": _EMAIL["EMAIL_HOST_USER"] or "",
        "password": _EMAIL["EMAIL_HOST_PASSWORD"] or "",
        "use_tls": _EMAIL.get("EMAIL_USE_TLS", False),
        "use_ssl": _EMAIL.get("EMAIL_USE_SSL", False),
        "timeout": 30,
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Hashport <hashport@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where links in mails point (a mail has no request to take the host from).
HASHPORT_BASE_URL = env("HASHPORT_BASE_URL", default="http://127.0.0.1:8000")

# Dashboard: a change schedules one chart render this many seconds later (a burst of changes, one render); beat
# renders daily too, so the charts' "as of" day rolls over without a visitor (dashboard/tasks.py).
DASHBOARD_RENDER_DEBOUNCE_S = env.float("DASHBOARD_RENDER_DEBOUNCE_S", default=2.0)
CELERY_BEAT_SCHEDULE["dashboard-render-charts"] = {
    "task": "dashboard.tasks.render_charts",
    "schedule": crontab(hour=0, minute=5),
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): five failed logins for one username from one address lock that pair out for
# 15 minutes; a success resets the count. The admin login goes through the same backend. Accounts and
# permissions are ModelBackend's, read in one query (config/permissions.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "config.permissions.OneQueryModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/shipments/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served by WhiteNoise straight from the source folders unless collectstatic has run (the container image).
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)

# The admin list pages must stay fast at a million shipments; imports post whole files.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Content-Security-Policy (Django's own middleware): scripts only from our own static files, never inline. Styles
# from our files, plus the nonce the admin puts on its one inline <style>, plus the one inline style attribute of
# django-simple-history's history page ("border-top: 0", by its hash): plotly.js's injected styles are served as
# static files instead (dashboard/plotly_assets.py), so style-src needs no 'unsafe-inline'. Plotly's PNG export
# draws through data: and blob: images.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE, CSP.UNSAFE_HASHES, "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Logs go to stdout, one JSON object per line with the request id (config/request_log.py), for the container's log
# collector; LOG_FORMAT=text (as `make run` sets) prints plain lines for a person at a terminal. Celery's worker
# and beat log through the same handler instead of replacing it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_log.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": env("LOG_FORMAT", default="json"),
        }
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Runserver's own access lines repeat hashport.request's; the per-request line is ours.
        "django.server": {"level": "WARNING"},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
