"""Hashport settings, read from the environment (see README: Environment).

Unset DATABASE_URL means SQLite under var/; unset REDIS_URL means Celery tasks run in-process and the cache is
local memory. The same code runs on PostgreSQL and a real Celery worker when both are set.
"""

import secrets
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
    "seizures",
    "hashrate",
    "dashboard",
]

MIDDLEWARE = [
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
