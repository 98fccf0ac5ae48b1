"""Django settings for juki.

Everything that differs between installations comes from the environment:

- ``JUKI_HOME``: where the embedded database, keys and secrets live (default ``./var``).
- ``DATABASE_URL``: e.g. ``postgres://juki@localhost/juki``; default SQLite (WAL) in JUKI_HOME.
- ``JUKI_SECRET_KEY``: Django's secret key; generated into JUKI_HOME on first use if unset.
- ``JUKI_IDLE_LOCK_SECONDS``: idle time before the screen locks (default 600).
- ``JUKI_DEBUG``: "1" only on a developer's machine.
- ``JUKI_PORT``: the port ``juki serve`` listens on (default 8000; ``make run PORT=8001``).
- ``JUKI_PUBLIC_BASE_URL``: the address people and QR codes reach juki at; by default the
  served address (``http://127.0.0.1:<port>/``).

A ``node.toml`` in JUKI_HOME makes the installation one node of the network with a role
(municipal, cs, prefecture, national; juki.network.home): the role decides the apps, URLs
and migrations. Without one, juki is a municipality with every node app beside it (the
combined install of development and the tests; docs/network.md "Node roles").
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

from juki.network.home import NodeConfig

BASE_DIR = Path(__file__).resolve().parent
JUKI_HOME = Path(os.environ.get("JUKI_HOME", Path.cwd() / "var")).resolve()


def owner_only(path: Path, mode: int) -> None:
    """Take group and other access off ``path`` (0700 / 0600) if this user owns it: JUKI_HOME
    holds the register (names, addresses) and its keys, for no other local user to read
    (個人情報保護法23条 安全管理措置; docs/security.md "Files")."""
    st = path.stat()
    if st.st_uid == os.getuid() and st.st_mode & 0o077:
        os.chmod(path, mode)


JUKI_HOME.mkdir(mode=0o700, parents=True, exist_ok=True)
owner_only(JUKI_HOME, 0o700)


def _secret_key() -> str:
    env = os.environ.get("JUKI_SECRET_KEY")
    if env:
        return env
    path = JUKI_HOME / "secret_key"
    if not path.exists():
        # Created once per installation with owner-only permissions; never committed.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("JUKI_DEBUG") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("JUKI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

# The node this installation is (None: the combined install) and its role.
JUKI_NODE = NodeConfig.read(JUKI_HOME)
JUKI_ROLE = JUKI_NODE.role if JUKI_NODE else "municipal"
# Apps of the municipal register beside juki.register (its screens and services).
_MUNICIPAL_APPS = ["juki.disclosure", "juki.exports", "juki.certificates", "juki.protection", "juki.stats"]
# Each node role's own files and apply handlers (DESIGN §9); the combined install has them all.
_NODE_APPS = {"municipal": [], "cs": ["juki.cs"], "prefecture": ["juki.prefecture"], "national": ["juki.national"]}
_MUNICIPAL = JUKI_ROLE == "municipal"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "juki.audit",
    "juki.security",
    # Every role has juki.register's code (the events are the network's schemas); only a
    # municipality has its tables (juki.network.routers.NodeRouter).
    "juki.register",
    *(_MUNICIPAL_APPS if _MUNICIPAL else []),
    "juki.network",
    *(["juki.review", "juki.tools.demo", "juki.tools.bench"] if _MUNICIPAL else []),
    "juki.web",
    *(_NODE_APPS[JUKI_ROLE] if JUKI_NODE else [app for apps in _NODE_APPS.values() for app in apps]),
]
DATABASE_ROUTERS = ["juki.network.routers.NodeRouter"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their long cache headers; every other response
    # (register pages, search results, API JSON, refusals) is never stored by the browser.
    "juki.security.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "juki.security.middleware.TerminalMiddleware",
    "juki.security.middleware.IdleLockMiddleware",
    "juki.security.middleware.PermissionMiddleware",
]

ROOT_URLCONF = "juki.urls" if _MUNICIPAL else "juki.network.urls_node"
WSGI_APPLICATION = "juki.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "juki.web.context.juki_context",
            ],
        },
    },
]

_default_db = f"sqlite:///{JUKI_HOME / 'juki.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameter binding (decision 0005): psycopg sends the statement and the values
    # apart instead of quoting the values into the text (which cost ~18 % of a confirmed
    # change's Python time). No automatic prepared statements: a generic plan chosen for one
    # search's parameters could be slow for another's (a common surname's key range).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=None)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
        # BEGIN so two writers never deadlock upgrading read locks (and the audit chain
        # head is read under the write lock).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(JUKI_HOME / "test.sqlite3")}
    _sqlite_path = Path(DATABASES["default"]["NAME"])
    if DATABASES["default"]["NAME"] != ":memory:" and _sqlite_path.parent.is_dir():
        # Create the database file owner-only before SQLite does (it would use 0644); SQLite
        # gives its -wal and -shm files the database file's permissions. Files of an older
        # installation are tightened too.
        os.close(os.open(_sqlite_path, os.O_WRONLY | os.O_CREAT, 0o600))
        for _suffix in ("", "-wal", "-shm", "-journal"):
            if (_file := Path(f"{_sqlite_path}{_suffix}")).exists():
                owner_only(_file, 0o600)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "security.Staff"
AUTHENTICATION_BACKENDS = ["juki.security.backends.StaffBackend"]
LOGIN_URL = "/login/"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "juki.security.passwords.CharacterClassValidator"},
]

# Sessions: server-side, httpOnly, SameSite=Strict, end with the browser and after 8 hours.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("JUKI_SESSION_SECONDS", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = os.environ.get("JUKI_SECURE_COOKIES") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind HTTPS the browser is told to use nothing else for a year (HSTS; SecurityMiddleware
# sends it on secure requests only). Not for subdomains: the municipality's other hosts are
# not juki's to decide.
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0
# Content-Security-Policy (django-csp): scripts, styles, images and form targets from juki
# itself only; no inline script or style, no eval, no framing, no plug-ins. Every page's
# script and style is a static file (docs/security.md "Response headers").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

JUKI_IDLE_LOCK_SECONDS = int(os.environ.get("JUKI_IDLE_LOCK_SECONDS", 600))
JUKI_LOGIN_MAX_FAILURES = int(os.environ.get("JUKI_LOGIN_MAX_FAILURES", 5))
JUKI_LOGIN_LOCK_SECONDS = int(os.environ.get("JUKI_LOGIN_LOCK_SECONDS", 900))
JUKI_LOGIN_IP_LIMIT = int(os.environ.get("JUKI_LOGIN_IP_LIMIT", 30))  # attempts per IP per window
JUKI_LOGIN_IP_WINDOW_SECONDS = 300
JUKI_TERMINAL_COOKIE = "juki_terminal"
JUKI_KEY_DIR = Path(os.environ.get("JUKI_KEY_DIR", JUKI_HOME / "keys"))
JUKI_MUNICIPALITY_NAME = os.environ.get("JUKI_MUNICIPALITY_NAME", "")
# The port `juki serve` listens on unless --port says otherwise (`make run PORT=8001`).
JUKI_PORT = int(os.environ.get("JUKI_PORT", JUKI_NODE.http_port if JUKI_NODE else 8000))
# The address people reach juki at, printed in the terminal-enrolment URL and the certificates'
# verification QR code; empty: the served address (juki.core.addresses).
JUKI_PUBLIC_BASE_URL = os.environ.get("JUKI_PUBLIC_BASE_URL", "")
# Public verification of certificates (/verify/): the rate limit per client IP
# ("lookups/seconds") and the largest PDF accepted for comparison.
JUKI_VERIFY_RATE = os.environ.get("JUKI_VERIFY_RATE", "30/600")
JUKI_VERIFY_MAX_UPLOAD_BYTES = int(os.environ.get("JUKI_VERIFY_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
# Resident search (住民検索): at most this many rows per search (「検索条件を絞り込んでください」).
JUKI_SEARCH_LIMIT = int(os.environ.get("JUKI_SEARCH_LIMIT", 50))
# Statistics: counts below this are published as 「X」 (small-cell suppression, docs/statistics.md).
JUKI_STATS_MIN_CELL = int(os.environ.get("JUKI_STATS_MIN_CELL", 3))
# Retention (保存期間, juki.audit.retention): audit log at least 10 years, provision records 7.
JUKI_AUDIT_RETENTION_YEARS = int(os.environ.get("JUKI_AUDIT_RETENTION_YEARS", 10))
JUKI_PROVISION_RETENTION_YEARS = int(os.environ.get("JUKI_PROVISION_RETENTION_YEARS", 7))
# Automatic audit checkpoints (juki.audit.autocheckpoint): sign the chain head after this many
# events or once the latest checkpoint is this many seconds old (0 = that limit off), and publish
# each signed head outside the database (juki.audit.heads; docs/security.md §4).
JUKI_AUDIT_CHECKPOINT_EVENTS = int(os.environ.get("JUKI_AUDIT_CHECKPOINT_EVENTS", 100))
JUKI_AUDIT_CHECKPOINT_SECONDS = int(os.environ.get("JUKI_AUDIT_CHECKPOINT_SECONDS", 300))
JUKI_AUDIT_HEADS_FILE = Path(os.environ.get("JUKI_AUDIT_HEADS_FILE", JUKI_HOME / "audit-heads.jsonl"))
# Where else each head goes: dotted paths of callables hook(head, line) (comma-separated in the
# environment), and a command run without a shell with the JSON line on its standard input.
JUKI_AUDIT_HEAD_HOOKS = [h for h in os.environ.get("JUKI_AUDIT_HEAD_HOOKS", "").split(",") if h.strip()]
JUKI_AUDIT_HEAD_COMMAND = os.environ.get("JUKI_AUDIT_HEAD_COMMAND", "")
# Purposes a My Number may be revealed for (個人番号の表示目的; 番号法9条・別表の事務).
JUKI_MY_NUMBER_PURPOSES = [
    "住民票の写し等の交付（個人番号の記載）",
    "個人番号の記載・変更の確認（住民基本台帳事務）",
    "個人番号カードの交付・再交付",
    "個人番号の通知・変更請求への対応",
    "本人からの開示請求への対応",
    "地方税の賦課徴収に関する事務",
    "国民健康保険に関する事務",
    "国民年金に関する事務",
    "介護保険に関する事務",
    "児童手当の支給に関する事務",
    "生活保護の決定及び実施に関する事務",
]

# How staff appear in a disclosure document (開示文書の職員表示): "role_and_office" (role and
# office, not name or ID) or "staff_id" (the staff ID and role). See docs/privacy-disclosure.md.
JUKI_DISCLOSURE_STAFF_POLICY = os.environ.get("JUKI_DISCLOSURE_STAFF_POLICY", "role_and_office")

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = JUKI_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
