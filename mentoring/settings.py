"""Settings for Mentoring: one module, everything that differs between machines from the env.

With no environment at all this gives a working local run with zero services: SQLite under
var/, email written to files under var/mail/, Celery on kombu's filesystem transport and a
local-memory cache. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis. With DEBUG
off, SECRET_KEY and ALLOWED_HOSTS are required and the secure-transport settings are on.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from mentoring.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_redis,
    env_str,
)
from mentoring.sso_env import sso_origins, sso_providers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MENTORING_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", default="django-insecure-local-development-only")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters when DEBUG is off.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# With SITE_URL's host, the Sites row allauth's emails name (mentoring/sites.py).
SITE_NAME = env_str("SITE_NAME", default="Mentoring")

INSTALLED_APPS = [
    "mentoring.apps.MentoringAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    # Form widgets render through TEMPLATES (FORM_RENDERER below): Django's own widget
    # templates come from here, ours from templates/ (admin/widgets/split_datetime.html).
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "accounts.apps.AccountsConfig",
    "programs.apps.ProgramsConfig",
    "training.apps.TrainingConfig",
    "matching.apps.MatchingConfig",
    "sessions.apps.SessionsConfig",
    "relationships.apps.RelationshipsConfig",
    "messaging.apps.MessagingConfig",
    "outcomes.apps.OutcomesConfig",
    "evaluation.apps.EvaluationConfig",
    "notifications.apps.NotificationsConfig",
    "audit.apps.AuditConfig",
    "privacy.apps.PrivacyConfig",
    "api.apps.ApiConfig",
    "api.webhooks.apps.WebhooksConfig",
    # Last: its post_migrate hook grants role permissions, which must exist by then.
    "mentoring.apps.MentoringConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (cookie, then Accept-Language); a signed-in person's own choice
    # and ?lang= in the address override it after authentication (UserLanguageMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "mentoring.middleware.NormalizeInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The person's groups and permissions, kept per change of them (mentoring/rights.py).
    "mentoring.rights.RightsMiddleware",
    "mentoring.middleware.UserTimezoneMiddleware",
    "mentoring.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff without a second factor are led to set one up first (MFA_REQUIRED_FOR_STAFF).
    "accounts.mfa.StaffMFAMiddleware",
    # After authentication: a signed-in person accepts the privacy notice in force first.
    "privacy.middleware.NoticeAcceptanceMiddleware",
]

ROOT_URLCONF = "mentoring.urls"
WSGI_APPLICATION = "mentoring.wsgi.application"
ASGI_APPLICATION = "mentoring.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mentoring.context_processors.navigation",
                "messaging.context_processors.unread_messages",
            ],
        },
    },
]

# Widgets render with the project's template engine, so templates/ can fix a widget's markup
# (the admin's date-and-time widget labels its two inputs: WCAG 1.3.1 / 4.1.2); inputs, text
# areas and selects whose templates are Django's own are written without them (faster).
FORM_RENDERER = "mentoring.form_renderer.FormRenderer"

# The busiest pages' queries keep their SQL (`mentoring/compiled.py`). On, each call also
# compiles its queryset as Django would and fails if the kept SQL differs (the tests do).
COMPILED_QUERIES_VERIFY = env_bool("COMPILED_QUERIES_VERIFY", default=False)

# --- Database -------------------------------------------------------------------------------
SQLITE_DEFAULT = {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": VAR_DIR / "db.sqlite3",
    # IMMEDIATE transactions and a busy timeout let the web process and the worker share the
    # file without "database is locked" errors; WAL lets readers run beside one writer.
    "OPTIONS": {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    },
}
DATABASES = {"default": env_database("DATABASE_URL", default=SQLITE_DEFAULT)}
if DATABASES["default"] is SQLITE_DEFAULT:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", default=60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The ORM writes joins from the queried table outwards along foreign keys, the order a
    # page's lookups want; letting the planner search every order of up to 8 joins cost 3-5 ms
    # of planning for a 0.2 ms query on the pages that show a pair with its people (README,
    # Performance). The planner still orders joins within groups of this many.
    _join_limit = env_int("PG_JOIN_COLLAPSE_LIMIT", default=4, minimum=1)
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c join_collapse_limit={_join_limit}".lstrip()
    )
    # A statement a connection has run five times is prepared: PostgreSQL then skips parsing
    # and planning it (up to 1.5 ms for a page's join of a pair with its people, more than
    # running it). That needs the parameters bound by the server rather than written into the
    # SQL by psycopg. A pooler that cannot keep prepared statements (PgBouncer in transaction
    # mode before 1.21) needs PG_PREPARED_STATEMENTS=false. The cursor sends a statement with
    # more parameters than the protocol carries with its values written in (mentoring/postgres.py).
    if env_bool("PG_PREPARED_STATEMENTS", default=True):
        from mentoring.postgres import PreparingCursor

        _options["server_side_binding"] = True
        _options["prepare_threshold"] = 5
        _options["cursor_factory"] = PreparingCursor
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Redis ------------------------------------------------------------------------
REDIS_URL = env_redis("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mentoring",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth and accounts (django-allauth 65.x) --------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
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
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# allauth signs people in on confirmation only in the browser session that signed up;
# elsewhere the confirmation ends on a page that says so and links to sign in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_ANONYMOUS_REDIRECT_URL = "accounts:email-confirmed"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_SIGNUP_FORM_CLASS = "privacy.forms.PrivacySignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"

# --- Multi-factor authentication (allauth.mfa) ------------------------------------------------
# Everyone may add an authenticator app (TOTP) and gets recovery codes with it. With
# MFA_REQUIRED_FOR_STAFF (the default in production) coordinators, reporting staff and
# superusers are led to set one up before they reach the admin or any staff page
# (accounts/mfa.py). Wrong codes count against allauth's login_failed rate limit.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_RECOVERY_CODE_COUNT = 10
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", default=not DEBUG)
# Webhooks are POSTed to public addresses only (api/webhooks/addresses.py); this lets them
# reach a receiver on a private network, or a developer's own machine.
WEBHOOK_PRIVATE_ADDRESSES_ALLOWED = env_bool("WEBHOOK_PRIVATE_ADDRESSES_ALLOWED", default=False)

# --- Single sign-on (allauth.socialaccount: OpenID Connect and SAML 2.0) ----------------------
# Providers come from SSO_OIDC_<ID>_* and SSO_SAML_<ID>_* variables (mentoring/sso_env.py,
# README "Single sign-on") or from the admin's Social applications. A first sign-in creates the
# account with no extra form; an email that already belongs to a password account is never
# linked automatically: that person signs in with the password first, then connects.
SOCIALACCOUNT_ADAPTER = "accounts.sso.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = sso_providers()
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
# Email domains whose people sign in only through their institution: no password sign-up,
# sign-in or reset for those addresses (accounts/sso.py).
SSO_ONLY_DOMAINS = [d.lower().lstrip("@") for d in env_list("SSO_ONLY_DOMAINS", default=[])]
# The sign-in buttons POST here and are redirected to the provider: CSP form-action must allow
# its origin. Origins of providers set up in the admin go in SSO_FORM_ACTION_ORIGINS.
SSO_FORM_ACTION_ORIGINS = sso_origins(
    SOCIALACCOUNT_PROVIDERS, env_list("SSO_FORM_ACTION_ORIGINS", default=[])
)
ACCOUNT_FORMS = {
    "login": "accounts.sso.LoginForm",
    "signup": "accounts.sso.SignupForm",
    "reset_password": "accounts.sso.ResetPasswordForm",
    "set_password": "accounts.sso.SetPasswordForm",
}

# --- Internationalisation and time ----------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# The languages the site is translated into, named in their own language for the chooser.
# Each has a catalogue in locale/<code>/LC_MESSAGES/django.po, compiled by
# `manage.py compile_translations` (make run and make test do it). Arabic is written right to
# left: base.html loads Bootstrap's RTL stylesheet and sets dir="rtl".
LANGUAGES = [
    ("en-gb", "English"),
    ("es", "Español"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Uploaded files (profile photos, training files, data exports) go through Django's storage
# API and are served only by views that check who asks, never from a public media URL. They
# live under MEDIA_ROOT, or with MEDIA_STORAGE=s3 in a private S3-compatible bucket through
# django-storages, which then also needs boto3 (pip install boto3: not in requirements.txt,
# as the local default does not use it). Without S3 keys boto3 uses its own credential chain.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE not in {"filesystem", "s3"}:
    raise ImproperlyConfigured(f"MEDIA_STORAGE={MEDIA_STORAGE!r} must be filesystem or s3.")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env_str("S3_BUCKET", required=True),
                "endpoint_url": env_str("S3_ENDPOINT_URL"),
                "access_key": env_str("S3_ACCESS_KEY_ID"),
                "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
                "region_name": env_str("S3_REGION"),
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if MEDIA_STORAGE == "s3"
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Email ----------------------------------------------------------------------------------
EMAIL_FILE_PATH = VAR_DIR / "mail"
_email = env_email(
    "EMAIL_URL",
    default={"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"},
)
globals().update(_email)
if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend") and "EMAIL_FILE_PATH" in _email:
    EMAIL_FILE_PATH = Path(_email["EMAIL_FILE_PATH"])
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="Mentoring <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The accessibility statement (/accessibility/): who answers reports of barriers, and when the
# statement was last reviewed against the pages (ISO date).
ACCESSIBILITY_CONTACT_EMAIL = env_str(
    "ACCESSIBILITY_CONTACT_EMAIL", default="accessibility@localhost"
)
ACCESSIBILITY_STATEMENT_REVIEWED = env_str("ACCESSIBILITY_STATEMENT_REVIEWED", default="2026-12-04")
EMAIL_TIMEOUT = 10
# A notification left "sending" this long belongs to a worker that died; it is sent again.
NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS = env_int(
    "NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS", default=300, minimum=5
)

# --- Privacy --------------------------------------------------------------------------------
# Days between asking to delete one's account and its erasure; signing in meanwhile cancels.
PRIVACY_ERASURE_GRACE_DAYS = env_int("PRIVACY_ERASURE_GRACE_DAYS", default=14, minimum=0)
# How long the emailed link to a person's data download works (it works once, signed in).
PRIVACY_EXPORT_DAYS = env_int("PRIVACY_EXPORT_DAYS", default=7, minimum=1)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_redis("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_QUEUE_DIR = VAR_DIR / "celery" / "queue"
CELERY_PROCESSED_DIR = VAR_DIR / "celery" / "processed"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR),
        "data_folder_out": str(CELERY_QUEUE_DIR),
        "processed_folder": str(CELERY_PROCESSED_DIR),
        "store_processed": False,
        # Broadcast (remote control) messages; kombu's default is ./control in the cwd.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task not acknowledged within an hour is given to another worker; our tasks take
        # seconds, and acks are late, so only a dead worker's tasks are redelivered.
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A dead broker must never hang a web request: publishing retries briefly, then raises.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- REST API (/api/v1/, api/) -------------------------------------------------------------
# Personal access tokens (Authorization: Bearer ...) for other systems; the signed-in session
# for the documentation page's "Try it out". Every refusal has one error body (api/errors.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ProgramStaff"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per token per period ("600/minute"); over it the API answers 429 with Retry-After.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", default="600/minute")
# Request bodies (uploaded files aside) of at most 10 MB, Django's default being 2.5 MB: the
# API's bulk writes send JSON up to that size; a larger body is refused (the API says 413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
SPECTACULAR_SETTINGS = {
    "TITLE": "Mentoring API",
    "DESCRIPTION": (
        "Programs, applications, invitations, matches, sessions, check-ins, survey responses "
        "and outcome records, scoped like the admin. Authenticate with a personal access token "
        "from /api/tokens/: `Authorization: Bearer <token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProgramKindEnum": "programs.models.Program.Kind",
        # The same choices as a meeting's kind: one-on-one or group.
        "PairingFormatEnum": "programs.models.Program.Format",
    },
}

# --- Forms and UI ---------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every response (django-csp; README, "Content-Security-Policy").
# Scripts and styles come only from our static files: no inline <script>, no on*= handlers,
# no <style> or style= in our templates (tests/mentoring/test_csp.py reads them all).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # One exception: allauth's email page hides a form with style="display: none"; this
        # hash allows that one attribute value and no other.
        "style-src-attr": [
            "'unsafe-hashes'",
            "'sha256-ZdHxw9eWtnxUb3mk6tBS+gIiVUPE3pGM470keHPDFlE='",  # display: none
        ],
        # Bootstrap's CSS draws its icons (toggler, close, select arrow) as data: SVGs.
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *SSO_FORM_ACTION_ORIGINS],
    }
}
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Health checks come from inside the network over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto.
    if env_bool("SECURE_PROXY_SSL_HEADER", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Demo data ------------------------------------------------------------------------------
DEMO_PASSWORD = env_str("DEMO_PASSWORD", default="mentoring-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
