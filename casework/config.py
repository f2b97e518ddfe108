"""Configuration classes. Secrets and ``DATABASE_URL`` come from the environment or
``instance/config.py``; the environment wins."""
import os

ENV_SETTINGS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "CASEWORK_TIMEZONE",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_DEFAULT_SENDER",
    "CASEWORK_TRUSTED_PROXIES",
    "CASEWORK_TOTP_REQUIRED_FOR_ADMINS",
    "CASEWORK_RETENTION_YEARS",
)

GOAL_AREAS = (
    "family_routine",
    "home_conditions",
    "health",
    "emotional_wellbeing",
    "safety",
    "education",
    "boundaries_behaviour",
    "relationships",
    "money_housing",
    "parental_wellbeing",
)
# How each area reads on the pages, in reports and on printed plans. An area added to
# CASEWORK_GOAL_AREAS without a label here reads as its code in words ("play_and_leisure":
# "Play and leisure"); give it one in CASEWORK_GOAL_AREA_LABELS where that reads badly.
GOAL_AREA_LABELS = {
    "family_routine": "Family routine",
    "home_conditions": "Home conditions",
    "health": "Health",
    "emotional_wellbeing": "Emotional wellbeing",
    "safety": "Safety",
    "education": "Education",
    "boundaries_behaviour": "Boundaries and behaviour",
    "relationships": "Relationships",
    "money_housing": "Money and housing",
    "parental_wellbeing": "Parental wellbeing",
}


class Config:
    CASEWORK_TIMEZONE = "Europe/London"
    CASEWORK_REFERENCE_PREFIX = "FP"
    CASEWORK_GOAL_AREAS = GOAL_AREAS
    CASEWORK_GOAL_AREA_LABELS = GOAL_AREA_LABELS
    CASEWORK_REVIEW_INTERVAL_DAYS = 42
    # A worker's closing (a move from moving on, or a review's decision) waits for a manager.
    CASEWORK_CLOSURE_APPROVAL = True
    # The daily sweep: when it runs and the thresholds of its rules.
    CASEWORK_SWEEP_HOUR = 6
    CASEWORK_REVIEW_REMINDER_DAYS = 7  # remind the worker this many days before a review is due
    CASEWORK_REVIEW_ESCALATE_DAYS = 7  # flag and tell the manager once this many days overdue
    CASEWORK_STALL_DAYS = 28  # a goal with no improvement in this many days has stalled
    CASEWORK_STALL_ESCALATE_DAYS = 56  # ... and is escalated to the manager after this many
    CASEWORK_PHASE_WEEKS = {"engagement": 4, "making_changes": 14, "moving_on": 4}
    CASEWORK_OVERRUN_FACTOR = 1.5  # past this share of a phase's expected length: medium
    CASEWORK_CHILD_SEEN_DAYS = 28  # every child seen at least this often
    CASEWORK_VOICE_DAYS = 42  # every child aged 4 or over heard at least this often...
    CASEWORK_VOICE_ESCALATE_DAYS = 84  # ... the flag medium once this long has passed
    CASEWORK_VOICE_MIN_AGE = 4
    CASEWORK_VOICE_OPEN_DAYS = 28  # in a family open at least this long
    # A worker's weighted load: each open family by phase, plus each open high flag.
    CASEWORK_LOAD_WEIGHTS = {"engagement": 1.2, "making_changes": 1.0, "moving_on": 0.6}
    CASEWORK_LOAD_HIGH_FLAG_WEIGHT = 0.5
    CASEWORK_API_TOKEN_HOURS = 12
    CASEWORK_PASSWORD_MIN_LENGTH = 12
    CASEWORK_PASSWORD_MIN_STRENGTH = 3  # zxcvbn score, 0-4, checked offline
    # Sign-in throttling: failures per account, and per address (an office shares one).
    CASEWORK_SIGNIN_WINDOW_MINUTES = 15
    CASEWORK_SIGNIN_ACCOUNT_LIMIT = 5
    CASEWORK_SIGNIN_ADDRESS_LIMIT = 50
    # Server-side sessions: idle and absolute time-outs; no long-lived remember-me cookie.
    CASEWORK_SESSION_IDLE_MINUTES = 30
    CASEWORK_SESSION_ABSOLUTE_HOURS = 12
    # The page warns this many minutes before the idle time-out; drafts are kept on the server.
    CASEWORK_SESSION_WARNING_MINUTES = 5
    # TOTP second factor: optional for everyone; when required, admins cannot sign in without it.
    CASEWORK_TOTP_REQUIRED_FOR_ADMINS = False
    CASEWORK_TOTP_ISSUER = "casework"
    # Retention: closed families this many years after closing are listed for review, and may
    # be anonymised unless under a legal hold.
    CASEWORK_RETENTION_YEARS = 6
    # A service's own assessment frameworks (JSON files); None: the instance's frameworks/.
    CASEWORK_FRAMEWORKS_DIR = None
    # Client addresses come from this many trusted proxies in front of the app (ProxyFix).
    CASEWORK_TRUSTED_PROXIES = 0
    # A request body over 1 MB answers 413, signed in or not, before it is read into memory
    # (casework/limits.py). The largest form anyone fills in (a referral of 20 children and 20
    # carers, every field full) is about a tenth of it.
    MAX_CONTENT_LENGTH = 1_000_000
    MAX_FORM_MEMORY_SIZE = MAX_CONTENT_LENGTH  # werkzeug's own default (500 kB) is less
    # Fields in one posted form (werkzeug counts multipart parts; casework/limits.py counts the
    # fields of an ordinary form too): the largest page form (the flag queue of a team with a
    # thousand open flags) has about two thousand.
    MAX_FORM_PARTS = 10_000
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite waits for each commit to reach the disk (a power cut loses nothing saved).
    CASEWORK_SQLITE_SYNCHRONOUS = "FULL"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a long visit write-up must not lose its token
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_DEFAULT_SENDER = "casework@localhost"
    # A standby scheduler (a second one started by mistake) tries to take over this often.
    CASEWORK_SCHEDULER_POLL_SECONDS = 30


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    # Fast hashing: the suite creates many users; production keeps werkzeug's scrypt default.
    CASEWORK_PASSWORD_METHOD = "pbkdf2:sha256:1000"
    # A throw-away database: no waiting for the disk on each of the suite's commits.
    CASEWORK_SQLITE_SYNCHRONOUS = "OFF"


def settings_from_environment():
    """The contract's environment variables, typed."""
    found = {name: os.environ[name] for name in ENV_SETTINGS if os.environ.get(name) not in (None,)}
    for name in ("MAIL_PORT", "CASEWORK_TRUSTED_PROXIES", "CASEWORK_RETENTION_YEARS"):
        if name in found:
            found[name] = int(found[name])
    for name in ("MAIL_USE_TLS", "CASEWORK_TOTP_REQUIRED_FOR_ADMINS"):
        if name in found:
            found[name] = found[name].strip().lower() == "true"
    if "DATABASE_URL" in found:
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(found.pop("DATABASE_URL"))
    return found


def normalise_database_url(url):
    """Accept the ``postgres://`` and ``postgresql://`` forms hosts hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
