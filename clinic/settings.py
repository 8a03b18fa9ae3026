"""Settings for the ketamine infusion referral app, driven by the environment.

Development needs no variables at all. `DJANGO_ENV=production` fails closed: it refuses to
start without its secrets and turns every transport-security switch on.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"The environment variable {name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: list[str] | None = None, *, required: bool = False) -> list[str]:
    value = env_str(name, required=required)
    if value is None:
        return list(default or [])
    items = [item.strip() for item in value.split(",") if item.strip()]
    if required and not items:
        raise ImproperlyConfigured(f"The environment variable {name} must list at least one value.")
    return items


DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("DJANGO_ENV must be development, production or test.")
PRODUCTION = DJANGO_ENV == "production"

# --- Core -------------------------------------------------------------------------------------
if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 varied characters.")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", required=True)
    DEBUG = False
else:
    # Obviously not a secret: development and tests only.
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "development-only-key-never-used-in-production")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
    DEBUG = env_bool("DJANGO_DEBUG", DJANGO_ENV == "development")

INSTALLED_APPS = [
    # django.contrib.admin with the staff site that demands a verified TOTP device on every page.
    "clinic.admin_config.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "formtools",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes, shown once at enrolment
    "axes",
    "auditlog",
    "clinic",
    "referrals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The language from the URL's prefix (/es/...), before the page cache and every view.
    "clinic.middleware.PathLanguageMiddleware",
    # Information pages from the cache, past everything below (they are the same for everyone).
    "clinic.middleware.InfoPageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "clinic.middleware.RequestSizeLimitMiddleware",
    "clinic.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "clinic.middleware.SessionTouchMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "clinic.middleware.HoneypotMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "referrals.staff_auth.StaffSessionTimeoutMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

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
                "clinic.context_processors.clinic",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits live here: Redis in production so every worker shares it) ---------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Sessions: server-side only; a patient's intake lasts 2 idle hours, staff 15 minutes -------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("PATIENT_SESSION_IDLE_SECONDS", 2 * 60 * 60)
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 15 * 60)
# Not on every request: clinic.middleware.SessionTouchMiddleware slides the expiry once a minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Passwords --------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Locale -----------------------------------------------------------------------------------
# English at unprefixed URLs, Spanish under /es/ (clinic.middleware.PathLanguageMiddleware): the
# language comes from the path alone, never from Accept-Language or a cookie, so English links
# already sent keep working and every public page stays one cacheable response per URL.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("CLINIC_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files: ours only, hashed and compressed in production --------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "clinic" / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploads are private: never under STATIC or a public MEDIA_URL.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Request limits: generous for real forms, refused early (with a friendly page) beyond ----------
# The longest intake step is a few kilobytes; 1 MiB leaves room for long answers in any alphabet.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 500)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 10)
# Uploads: at most 5 files of 10 MB each per referral, plus the form around them.
MAX_UPLOAD_FILE_BYTES = 10 * 1024 * 1024
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 5 * MAX_UPLOAD_FILE_BYTES + 1024 * 1024)
# The hidden field every public form carries; a filled one is a bot (clinic.middleware.HoneypotMiddleware).
HONEYPOT_FIELD = "hp_check"
CSRF_FAILURE_VIEW = "clinic.views.csrf_failure"
# Error reports (e.g. mailed to ADMINS) never carry posted values or frame variables: all may be PHI.
DEFAULT_EXCEPTION_REPORTER_FILTER = "clinic.reporting.PHISafeExceptionReporterFilter"

# --- Forms ------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email: console in development; SMTP from variables in production ---------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Riverbend Clinic <no-reply@clinic.example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
if PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# --- Security headers ---------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are refused by browsers unless Secure, Path=/ and without a Domain: host-only.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_SSL_REDIRECT:
        # The TLS-terminating proxy in front of us redirects plain HTTP itself, so Django's
        # own redirect (and its deploy warning) would be redundant.
        SILENCED_SYSTEM_CHECKS = ["security.W008"]

# One policy for every page, the admin included: our own origin only, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Logging: nothing a patient typed is ever logged ---------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Django's request logger prints the request path; our paths never carry PHI, but the
        # admin's search query string can, so the server's access log omits query strings.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# --- The clinic (a fictional clinic until a real one configures it) ------------------------------
CLINIC = {
    "name": env_str("CLINIC_NAME", "Riverbend Pain & Wellness Clinic"),
    "program": "Ketamine Infusion Program",
    "address_lines": env_list("CLINIC_ADDRESS", ["200 Example Avenue, Suite 310", "Riverbend, NY 10000"]),
    "phone": env_str("CLINIC_PHONE", "(555) 010-0100"),
    "phone_href": env_str("CLINIC_PHONE_HREF", "+15550100100"),
    "fax": env_str("CLINIC_FAX", "(555) 010-0101"),
    "email": env_str("CLINIC_EMAIL", "intake@clinic.example.com"),
    "hours": env_str("CLINIC_HOURS", "Monday to Friday, 8:30 a.m. to 5:00 p.m. Eastern Time"),
    "staff_alert_email": env_str("CLINIC_STAFF_ALERT_EMAIL", "intake-team@clinic.example.com"),
    "turnaround_business_days": env_int("CLINIC_TURNAROUND_BUSINESS_DAYS", 3),
    "prices": {
        "consultation": env_str("CLINIC_PRICE_CONSULTATION", "$350"),
        "infusion_depression": env_str("CLINIC_PRICE_INFUSION_DEPRESSION", "$550"),
        "infusion_pain": env_str("CLINIC_PRICE_INFUSION_PAIN", "$750 to $1,200"),
    },
}


# --- What the information pages say about the clinic's own care (issue 12) ------------------------
# Fictional defaults until the clinic writes its own. The review line never claims a review that
# did not happen: until CLINIC_PAGES_REVIEWED_ON and _BY are both set, every page says plainly
# that the clinic's clinicians have not yet reviewed it.
def _review_date(name: str) -> datetime.date | None:
    value = env_str(name)
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a date written YYYY-MM-DD, not {value!r}.") from None


CLINIC["pages_reviewed_on"] = _review_date("CLINIC_PAGES_REVIEWED_ON")
CLINIC["pages_reviewed_by"] = env_str("CLINIC_PAGES_REVIEWED_BY", "")
if bool(CLINIC["pages_reviewed_on"]) != bool(CLINIC["pages_reviewed_by"]):
    raise ImproperlyConfigured(
        "Set CLINIC_PAGES_REVIEWED_ON and CLINIC_PAGES_REVIEWED_BY together (a date and a role)."
    )
CLINIC["care"] = {
    "prescribers": env_str(
        "CLINIC_CARE_PRESCRIBERS",
        "A doctor at our clinic prescribes every course. Our doctors are anesthesiologists or "
        "psychiatrists with training in ketamine treatment.",
    ),
    "supervision": env_str(
        "CLINIC_CARE_SUPERVISION",
        "A doctor is in the building for every infusion. A registered nurse sets up your drip and "
        "stays close by the whole time.",
    ),
    "training": env_str(
        "CLINIC_CARE_TRAINING",
        "Our doctors and nurses are trained in advanced life support and in keeping an airway open. "
        "They practice emergency drills together.",
    ),
    "monitoring": env_str(
        "CLINIC_CARE_MONITORING",
        "Machines check your blood pressure, heart rate and oxygen level from start to finish. A "
        "nurse writes them down often and checks on you until you are ready to go home.",
    ),
    "equipment": env_str(
        "CLINIC_CARE_EQUIPMENT",
        "Every room has oxygen, suction and equipment to help with breathing. Emergency medicines "
        "and a heart defibrillator are always within reach.",
    ),
}
CLINIC["after_hours"] = env_str(
    "CLINIC_AFTER_HOURS",
    "Outside our hours, call our main number and choose the option for the doctor on call. They "
    "can talk with you about side effects after an infusion.",
)
CLINIC["cancellation"] = env_str(
    "CLINIC_CANCELLATION",
    "Please tell us at least 24 hours before your visit if you need to cancel or move it. If you "
    "miss a visit without telling us, we may charge a fee of $100.",
)
CLINIC["payment_timing"] = env_str(
    "CLINIC_PAYMENT_TIMING",
    "We ask you to pay for each infusion on the day of your visit. We will tell you the cost in "
    "writing before you agree to anything.",
)


# --- The same clinic text in Spanish (issue 18) ---------------------------------------------------
# On /es/ pages, clinic.context_processors.clinic shows CLINIC["translations"]["es"] in place of the
# English values (nested "care" and "prices" key by key). Each Spanish text comes from the English
# variable's name plus _ES: CLINIC_HOURS_ES, CLINIC_PRICE_INFUSION_PAIN_ES, CLINIC_CARE_TRAINING_ES,
# CLINIC_AFTER_HOURS_ES, CLINIC_PAGES_REVIEWED_BY_ES (the role, e.g. "el director médico"), etc.
# The fictional Spanish default below is used only while the English text is the fictional default
# too: once a clinic sets CLINIC_HOURS, Spanish pages repeat its English text until it also sets
# CLINIC_HOURS_ES, so they never show a stale made-up value. Names, phone numbers and addresses are
# the same in both languages.
def _spanish(name: str, default: str | None = None) -> str | None:
    value = env_str(f"{name}_ES")
    if value is not None:
        return value
    return default if env_str(name) is None else None


def _present(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None}


CLINIC["translations"] = {
    "es": _present(
        {
            "program": "Programa de infusión de ketamina",
            "hours": _spanish("CLINIC_HOURS", "Lunes a viernes, de 8:30 a.m. a 5:00 p.m., hora del Este"),
            "prices": _present(
                {
                    "consultation": _spanish("CLINIC_PRICE_CONSULTATION"),
                    "infusion_depression": _spanish("CLINIC_PRICE_INFUSION_DEPRESSION"),
                    "infusion_pain": _spanish("CLINIC_PRICE_INFUSION_PAIN", "$750 a $1,200"),
                }
            ),
            "pages_reviewed_by": _spanish("CLINIC_PAGES_REVIEWED_BY"),
            "care": _present(
                {
                    "prescribers": _spanish(
                        "CLINIC_CARE_PRESCRIBERS",
                        "Un médico de nuestra clínica receta cada tratamiento. Nuestros médicos son "
                        "anestesiólogos o psiquiatras formados en el uso de la ketamina.",
                    ),
                    "supervision": _spanish(
                        "CLINIC_CARE_SUPERVISION",
                        "Hay un médico en el edificio durante cada infusión. Una enfermera titulada le pone "
                        "el suero y se queda cerca de usted todo el tiempo.",
                    ),
                    "training": _spanish(
                        "CLINIC_CARE_TRAINING",
                        "Nuestros médicos y enfermeras saben dar soporte vital avanzado y mantener abiertas "
                        "las vías respiratorias. Practican juntos qué hacer en una emergencia.",
                    ),
                    "monitoring": _spanish(
                        "CLINIC_CARE_MONITORING",
                        "Unas máquinas miden su presión, su pulso y su nivel de oxígeno de principio a fin. "
                        "Una enfermera anota los datos a menudo y está pendiente de usted hasta que pueda "
                        "irse a casa.",
                    ),
                    "equipment": _spanish(
                        "CLINIC_CARE_EQUIPMENT",
                        "Cada sala tiene oxígeno, un aparato de succión y equipo para ayudarle a respirar. "
                        "Los medicamentos de emergencia y un desfibrilador siempre están a mano.",
                    ),
                }
            ),
            "after_hours": _spanish(
                "CLINIC_AFTER_HOURS",
                "Fuera de nuestro horario, llame a nuestro número principal y elija la opción del médico "
                "de guardia. Ese médico puede hablar con usted de los efectos secundarios de una infusión.",
            ),
            "cancellation": _spanish(
                "CLINIC_CANCELLATION",
                "Si necesita cancelar o cambiar su cita, avísenos por lo menos 24 horas antes. Si falta "
                "a una cita sin avisar, le podemos cobrar $100.",
            ),
            "payment_timing": _spanish(
                "CLINIC_PAYMENT_TIMING",
                "Le pedimos que pague cada infusión el mismo día de su cita. Le diremos el costo por "
                "escrito antes de que usted acepte nada.",
            ),
        }
    )
}
if CLINIC["translations"]["es"].get("pages_reviewed_by") and not CLINIC["pages_reviewed_by"]:
    raise ImproperlyConfigured("Set CLINIC_PAGES_REVIEWED_BY_ES only with CLINIC_PAGES_REVIEWED_BY and _ON.")
CLINIC_BUSINESS_DAYS = [0, 1, 2, 3, 4]  # Monday to Friday
CLINIC_HOLIDAYS = env_list(
    "CLINIC_HOLIDAYS",
    [
        "2026-11-26",
        "2026-12-25",
        "2027-01-01",
        "2027-01-18",
        "2027-05-31",
        "2027-07-05",
        "2027-09-06",
        "2027-11-25",
        "2027-12-24",
    ],
)
URGENT_TARGET_BUSINESS_DAYS = env_int("URGENT_TARGET_BUSINESS_DAYS", 0)  # same business day
ROUTINE_TARGET_BUSINESS_DAYS = env_int("ROUTINE_TARGET_BUSINESS_DAYS", 3)
COMPLETION_LINK_DAYS = env_int("COMPLETION_LINK_DAYS", 14)
# A patient's "save and finish later" link lasts this many days (then purge_expired removes it).
SAVED_INTAKE_DAYS = env_int("SAVED_INTAKE_DAYS", 7)
RETENTION_DAYS = env_int("RETENTION_DAYS", 730)
# Information pages kept in each process's memory (seconds) on top of the shared cache.
INFO_PAGE_LOCAL_SECONDS = env_int("INFO_PAGE_LOCAL_SECONDS", 5)
# Rate limits per client: "count/period seconds". Raised only for load runs (docs/reliability.md).
RATE_LIMITS = {
    "submit": env_str("RATE_LIMIT_SUBMIT", "5/3600"),
    "status": env_str("RATE_LIMIT_STATUS", "10/900"),
    "form": env_str("RATE_LIMIT_FORM", "30/900"),
    # Date-of-birth checks on a patient's completion link (each link also locks after 10 wrong tries).
    "link": env_str("RATE_LIMIT_LINK", "10/900"),
    # Each page of the intake wizard (Next, Back, change from the check-your-answers page).
    "step": env_str("RATE_LIMIT_STEP", "300/900"),
    # "Save and finish later": emails with a resume link asked for by one client.
    "save": env_str("RATE_LIMIT_SAVE", "5/3600"),
}

# --- Notifications: the outbox is sent by `manage.py send_notifications` ------------------------
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# In development the console backend may send right after commit; elsewhere the sender loop does.
NOTIFICATIONS_SEND_ON_COMMIT = env_bool("NOTIFICATIONS_SEND_ON_COMMIT", DJANGO_ENV == "development")
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 12)

# --- Staff sign-in: password + TOTP (django-otp), lockout (django-axes), timeouts ------------------
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username or address is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Staff are signed out after STAFF_SESSION_IDLE_SECONDS idle and this long in any case.
STAFF_SESSION_MAX_SECONDS = env_int("STAFF_SESSION_MAX_SECONDS", 12 * 60 * 60)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", CLINIC["name"])
# 5 failures (a wrong password, or a right one with a wrong code) lock the pair of username and
# address for an hour, so nobody can lock a colleague out from elsewhere; one address failing across
# many usernames is slowed, then blocked, by referrals.staff_auth (docs/security.md). The database
# handler: shared by every worker, and reset per test.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_REDIRECT_URL = "admin:index"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff_auth/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
# Behind the TLS proxy the client address is the last hop the proxy adds to X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("BEHIND_TLS_PROXY", False) else None

# --- Audit trail (referrals/audit.py): changes via django-auditlog, reads as AccessEvent rows -------
# Patients' addresses are identifiers; staff actions are attributed to the signed-in user instead.
AUDITLOG_DISABLE_REMOTE_ADDR = True
AUDITLOG_STORE_JSON_CHANGES = True
