"""Settings for the 芦淞 federation membership system, read from the environment.

Without any environment this is a development setup: an SQLite file beside the code and
Celery tasks run inline. Production sets DEBUG=0, SECRET_KEY, DATABASE_URL and REDIS_URL
(see README, "Settings").
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

# A development key only usable with DEBUG on; production must bring its own.
_DEV_SECRET_KEY = "dev-insecure-lusong-federation-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_ratelimit",
    # The product's apps, bottom layer first (pyproject.toml's import-linter contract).
    "audit",
    "accounts",
    "federation",
    "markets",
    "members",
    "elections",
    "dashboard",
    "operations",
    "work",
    "counselling",
    # The yearly statistics read every feature app: the layer above them.
    "reports",
    "rosters",
    "notifications",
    # Last: seed_demo and its record of what it created; it refuses to write with DEBUG off.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "config.middleware.RefuseControlCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "config.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SecurityPolicyMiddleware",
    "accounts.middleware.AdminForSuperusersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into our page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "federation.context_processors.abilities",
                "members.context_processors.transfers",
            ],
            "libraries": {"tables": "common.templatetags.tables"},
        },
    }
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": parse_database_url(DATABASE_URL, pool=env_bool("DATABASE_POOL", True))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
# A production database with DEBUG on would leak tracebacks with members' data in them.
if (
    DEBUG
    and DATABASES["default"]["ENGINE"].endswith("postgresql")
    and not env_bool("ALLOW_DEBUG_WITH_DATABASE", False)
):
    raise ImproperlyConfigured(
        "DEBUG is on with a PostgreSQL DATABASE_URL. Turn DEBUG off, or set "
        "ALLOW_DEBUG_WITH_DATABASE=1 for a development database."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out (username, IP) pair is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a (username, IP) pair after a handful of failures; another user on the same IP
# (a market office behind one router) can still log in.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
AXES_VERBOSE = True
# How many reverse proxies in front of the app append to X-Forwarded-For (compose: 1).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
REQUIRE_TOTP_FOR_DISTRICT_ADMINS = env_bool("REQUIRE_TOTP_FOR_DISTRICT_ADMINS", False)
OTP_TOTP_ISSUER = "芦淞市场群妇联"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Encryption of ID numbers at rest (members.crypto) ---------------------------------
# ID_NUMBER_KEYS: Fernet keys, newest first (python -c "from cryptography.fernet import
# Fernet; print(Fernet.generate_key().decode())"). ID_NUMBER_HASH_KEY: ≥ 32 random chars
# for the search digests. Both are separate from SECRET_KEY so that rotating one does not
# lose the other; README "Security" explains rotation.
ID_NUMBER_KEYS = env_list("ID_NUMBER_KEYS")
ID_NUMBER_HASH_KEY = env_str("ID_NUMBER_HASH_KEY")
if DEBUG and not ID_NUMBER_KEYS:
    _seed = hashlib.sha256(f"id-number-key:{SECRET_KEY}".encode()).digest()
    ID_NUMBER_KEYS = [base64.urlsafe_b64encode(_seed).decode()]
if DEBUG and not ID_NUMBER_HASH_KEY:
    ID_NUMBER_HASH_KEY = hashlib.sha256(f"id-number-hash:{SECRET_KEY}".encode()).hexdigest()
if not ID_NUMBER_KEYS or len(ID_NUMBER_HASH_KEY) < 32:
    raise ImproperlyConfigured(
        "ID_NUMBER_KEYS (Fernet keys, comma-separated, newest first) and ID_NUMBER_HASH_KEY "
        "(at least 32 random characters) must be set when DEBUG is off."
    )

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Uploaded and generated files (the annual workbooks). Never served as static files: each is
# downloaded through a view that checks the requester's scope.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("PLAIN_STATIC_STORAGE", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Idle timeout: the cookie's age, renewed by every request. Absolute timeout: checked by
# accounts.middleware against the login time, however busy the session is.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
# Renewed by accounts.middleware at most once a minute, not with a write on every request.
SESSION_RENEW_SECONDS = 60
SESSION_ABSOLUTE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Behind the reverse proxy in docker-compose, which terminates TLS.
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Mail (Django 6.1 MAILERS) --------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@lusong-fulian.local")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if DEBUG and not env_str("EMAIL_HOST"):
    # Development: mail is printed to the console instead of sent.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    # Production: an SMTP server, by default the host's own MTA on localhost:25.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST") or "localhost",
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_ssl": env_bool("EMAIL_USE_SSL", False),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 20,
            },
        }
    }

# --- Cache and Celery -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
# Shared by all web workers, so that a change (an organization renamed) reaches every one.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lusong",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without Redis (development, `make run`) tasks run inline in the calling process.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 14 * 60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    "counselling-anonymize": {
        "task": "counselling.tasks.anonymize_closed_requests",
        "schedule": 24 * 60 * 60,
    },
    # Notices (notifications): rows stuck in "sending" after a worker died, and scheduled sends.
    "notifications-sweep": {
        "task": "notifications.tasks.recipients_sweep",
        "schedule": env_int("NOTIFICATIONS_SWEEP_SECONDS", 60),
    },
    "notifications-dispatch-due": {
        "task": "notifications.tasks.notices_dispatch_due",
        "schedule": 60,
    },
    # Roster exports past their days (ROSTER_EXPORT_KEEP_DAYS) lose their files.
    "rosters-exports-expire": {
        "task": "rosters.tasks.roster_exports_expire",
        "schedule": 60 * 60,
    },
}

# --- Roster exports (rosters) -------------------------------------------------------------
# Exports of more rows than this are written by a Celery task and fetched from a link.
ROSTER_EXPORT_ASYNC_ROWS = env_int("ROSTER_EXPORT_ASYNC_ROWS", 5000)
# A finished export's file is deleted after this many days.
ROSTER_EXPORT_KEEP_DAYS = env_int("ROSTER_EXPORT_KEEP_DAYS", 7)

# --- Counselling (娘家有约) and the public forms -----------------------------------------
# Closed requests lose her name, mobile and words after this many days (counts remain).
COUNSELLING_RETENTION_DAYS = env_int("COUNSELLING_RETENTION_DAYS", 180)
# A request without a chosen slot is called back within this many hours.
COUNSELLING_CALLBACK_HOURS = env_int("COUNSELLING_CALLBACK_HOURS", 48)
# The public forms count submissions in the shared cache (django-ratelimit). Without Redis
# (development) the cache is per process: good enough there, and said so here.
RATELIMIT_USE_CACHE = "default"
SILENCED_SYSTEM_CHECKS = [] if REDIS_URL else ["django_ratelimit.E003"]
# Django's own Redis cache is shared and increments atomically; django-ratelimit only knows
# django-redis by name.
SILENCED_SYSTEM_CHECKS.append("django_ratelimit.W001")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The statistics' covering indexes (INCLUDE columns) are for PostgreSQL; SQLite, the
    # development default, indexes their key columns only, which is all it needs.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# --- Notifications -------------------------------------------------------------------
# "notifications.channels.ConsoleSmsBackend" (development) or ".AliyunSmsBackend".
NOTIFICATIONS_SMS_BACKEND = env_str(
    "NOTIFICATIONS_SMS_BACKEND",
    f"notifications.channels.{'ConsoleSmsBackend' if DEBUG else 'AliyunSmsBackend'}",
)
ALIYUN_SMS_ENDPOINT = env_str("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com")
ALIYUN_SMS_PROTOCOL = env_str("ALIYUN_SMS_PROTOCOL", "HTTPS")
ALIYUN_SMS_ACCESS_KEY_ID = env_str("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = env_str("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_TIMEOUT_MS = env_int("ALIYUN_SMS_TIMEOUT_MS", 10_000)
# The gateway's limit for all workers together: messages it receives in any one second (a
# log in Redis, notifications.ratelimit: a batch holds its share from admission until a
# second after its call returned, so the calls' varying times cannot crowd one second).
NOTIFICATIONS_SMS_RATE = env_int("NOTIFICATIONS_SMS_RATE", 500)
# Recipients per task: a batch of hundreds, sent to the gateway 100 numbers a call.
NOTIFICATIONS_TASK_BATCH = env_int("NOTIFICATIONS_TASK_BATCH", 500)
# A row still "sending" after this many seconds is checked with the gateway and re-queued.
NOTIFICATIONS_SENDING_TIMEOUT = env_int("NOTIFICATIONS_SENDING_TIMEOUT", 300)
# Signs the receipt and inbound callbacks (the gateway's push; forged ones are refused).
NOTIFICATIONS_CALLBACK_SECRET = env_str("NOTIFICATIONS_CALLBACK_SECRET", "")

# --- Logging --------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not a logging level.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-axes narrates every login at INFO; lockouts and failures are WARNING.
        "axes": {"level": "WARNING"},
    },
}

# --- Product --------------------------------------------------------------------------
# Who is shown as the federation the product serves (header, page titles).
FEDERATION_DISPLAY_NAME = env_str("FEDERATION_DISPLAY_NAME", "芦淞市场群妇联")
