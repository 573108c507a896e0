"""Every setting of the form service, in one table: its variable, default and meaning.

Each ``Setting`` is read from the environment variable ``PINGAN_<KEY>`` into
``app.config[KEY]``; ``create_app(config)`` overrides the environment (tests pass a dict).
A setting parses its own text (``integer``, ``boolean``, ``date``); a value given as text,
from the environment or a dict, is parsed, a typed value is kept. A default that depends
on other settings or on the instance folder is ``derived`` (the SQLite database, the
export folder, the SMTP port); unset secrets are generated once into the instance folder
(mode 0600, git-ignored) so a demo works out of the box, while a deployment with several
service instances sets ``PINGAN_SECRET_KEY``, ``PINGAN_DATA_KEYS`` and ``PINGAN_HMAC_KEY``
in the environment so that all instances share them.

The README's "Settings" table is printed from this one (``markdown_table()``), and
``tests/form_service/test_settings.py`` fails when the two differ or when code reads a
config key that is not here.
"""

from __future__ import annotations

import datetime
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

PREFIX = "PINGAN_"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


# --- parsing: text from the environment to the value the code uses -----------------------


def text(value: str) -> str:
    return value


def integer(value: str) -> int:
    return int(value.replace("_", ""))


def boolean(value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"expected one of {', '.join(_TRUE + _FALSE)}")


def date(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


# --- the table -----------------------------------------------------------------------------

#: ``derive(config, instance_dir)`` computes a default from the other settings.
Derive = Callable[[dict[str, Any], Path], Any]


@dataclass(frozen=True)
class Setting:
    """One setting: ``app.config[key]``, from the environment variable ``PINGAN_<key>``."""

    key: str
    default: Any
    help: str
    parse: Callable[[str], Any] = text
    #: Computes the default when the value is unset (``default`` is then None).
    derive: Derive | None = None
    #: How the README shows the default, when the value itself does not say it.
    shown: str | None = None

    @property
    def env(self) -> str:
        return PREFIX + self.key

    def read(self, value: Any) -> Any:
        """*value* as the code uses it: text is parsed, anything else is kept."""
        if not isinstance(value, str) or self.parse is text:
            return value
        try:
            return self.parse(value.strip())
        except ValueError as error:
            raise ValueError(f"{self.env}={value!r}: {error}") from None

    def documented_default(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.default is None:
            return "unset"
        if isinstance(self.default, bool):
            return "`on`" if self.default else "`off`"
        return f"`{self.default}`"


def _generated(filename: str, generate: Callable[[], str]) -> Derive:
    return lambda _config, instance_dir: instance_secret(instance_dir, filename, generate)


def _in_instance(name: str, url: bool = False) -> Derive:
    def derive(_config: dict[str, Any], instance_dir: Path) -> str:
        return f"sqlite:///{instance_dir / name}" if url else str(instance_dir / name)

    return derive


SETTINGS: tuple[Setting, ...] = (
    # --- the deployment and where things live
    Setting("DATA_DIR", "data", "Deployment folder (deployment.yaml, units, campaigns)."),
    Setting(
        "INSTANCE_DIR",
        None,
        "Folder for generated keys, the SQLite database and export files.",
        shown="`instance/` (Flask's instance folder)",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL of the database; `postgresql://…` uses psycopg 3.",
        derive=_in_instance("pingan.sqlite3", url=True),
        shown="`pingan.sqlite3` in the instance folder",
    ),
    Setting(
        "AUTO_MIGRATE",
        None,
        "Apply the migrations when the service starts (else run `pingan db upgrade`).",
        parse=boolean,
        derive=lambda config, _dir: config["DATABASE_URL"].startswith("sqlite"),
        shown="`on` for SQLite, `off` otherwise",
    ),
    Setting(
        "EXPORT_DIR",
        None,
        "Folder for data packages built in the background.",
        derive=_in_instance("exports"),
        shown="`exports/` in the instance folder",
    ),
    Setting("SITE_DIR", None, "Built static site to serve at `/` beside the service."),
    Setting(
        "PUBLIC_URL",
        "http://127.0.0.1:8000",
        "Public address of the service (links in e-mail; `https://` makes cookies secure).",
    ),
    Setting(
        "SITE_URL",
        None,
        "Origin of the static site, allowed to call the JSON API and progress endpoint.",
    ),
    Setting("TIMEZONE", "Asia/Shanghai", "Time zone of dates the offices and applicants see."),
    Setting(
        "TODAY",
        None,
        "Pins today's date (ISO `YYYY-MM-DD`) for demos and tests.",
        parse=date,
        shown="the real date",
    ),
    # --- keys
    Setting(
        "SECRET_KEY",
        None,
        "Signs cookies and form tokens.",
        derive=_generated("secret_key", lambda: secrets.token_urlsafe(48)),
        shown="generated into the instance folder",
    ),
    Setting(
        "DATA_KEYS",
        None,
        "Comma-separated Fernet keys for ID and mobile numbers; the first encrypts.",
        derive=_generated("data_keys", lambda: Fernet.generate_key().decode()),
        shown="generated into the instance folder",
    ),
    Setting(
        "HMAC_KEY",
        None,
        "Keys the hash that finds a repeated ID number; keep it stable.",
        derive=_generated("hmac_key", lambda: secrets.token_urlsafe(48)),
        shown="generated into the instance folder",
    ),
    # --- protection
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Number of proxies in front whose `X-Forwarded-*` headers are trusted.",
        parse=integer,
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Where rate-limit counters live (`redis://…` for several workers).",
    ),
    Setting(
        "ALLOW_PER_WORKER_RATE_LIMITS",
        False,
        "Let gunicorn start several workers on `memory://` rate limits (each counts alone).",
        parse=boolean,
    ),
    Setting(
        "STATUS_RATE_LIMIT", "10 per minute; 60 per hour", "Status look-ups per client address."
    ),
    Setting(
        "VOLUNTEER_RATE_LIMIT",
        "10 per minute; 60 per hour",
        "Volunteer record look-ups and activity sign-ups per client address.",
    ),
    Setting(
        "VOLUNTEER_NUMBER_RATE_LIMIT",
        "5 per minute; 30 per hour",
        "Volunteer record look-ups and sign-ups per volunteer number, from every address.",
    ),
    Setting(
        "VOLUNTEER_LOCK_FAILURES",
        5,
        "Wrong last four ID characters in a row that lock a volunteer number's look-up.",
        parse=integer,
    ),
    Setting(
        "VOLUNTEER_LOCK_MINUTES",
        15,
        "How long a locked volunteer number's look-up and sign-up stay refused.",
        parse=integer,
    ),
    Setting(
        "APPLY_RATE_LIMIT",
        "20 per minute; 200 per hour",
        "Submissions per client address (form and API).",
    ),
    # A full application is a few kilobytes; the limit leaves room for a pasted 10 kB
    # answer (≈ 90 kB once percent-encoded) to be refused with a message naming the field.
    Setting(
        "MAX_CONTENT_LENGTH",
        128 * 1024,
        "Largest request body in bytes, roster uploads aside.",
        parse=integer,
        shown="`131072` (128 KiB)",
    ),
    Setting(
        "MAX_FORM_MEMORY_SIZE",
        128 * 1024,
        "Largest form field in bytes.",
        parse=integer,
        shown="`131072` (128 KiB)",
    ),
    Setting(
        "WTF_CSRF_TIME_LIMIT",
        6 * 3600,
        "Seconds a form's CSRF token stays valid.",
        parse=integer,
        shown="`21600` (6 hours)",
    ),
    # --- offices: log-in (office/auth.py)
    Setting(
        "OFFICE_LOCKOUT_FAILURES",
        5,
        "Wrong passwords in a row that lock an office account (each further lock doubles).",
        parse=integer,
    ),
    Setting(
        "OFFICE_LOCKOUT_IP_FAILURES",
        20,
        "Wrong passwords from one address after which the accounts that failed there wait "
        "1, 2, 4 … seconds (other accounts never).",
        parse=integer,
    ),
    Setting(
        "OFFICE_LOCKOUT_MINUTES",
        15,
        "Minutes an account's first lock lasts; also an address's window and longest wait.",
        parse=integer,
    ),
    Setting(
        "OFFICE_SESSION_IDLE_MINUTES",
        30,
        "Minutes without a request that end an office session.",
        parse=integer,
    ),
    Setting(
        "OFFICE_SESSION_MAX_HOURS",
        12,
        "Hours after which an office session ends in any case.",
        parse=integer,
    ),
    # --- roster imports: a 10,000-row XLSX is about 1 MB and unpacks to about 10 MB; a
    # roster has 10 to 30 columns, and no field takes more than a few hundred characters
    # (see office/upload_limits.py for why an XLSX needs all of these).
    Setting(
        "IMPORT_MAX_BYTES",
        8 * 1024 * 1024,
        "Largest roster upload in bytes.",
        parse=integer,
        shown="`8388608` (8 MiB)",
    ),
    Setting("IMPORT_MAX_ROWS", 20_000, "Most rows in one roster.", parse=integer),
    Setting("IMPORT_MAX_COLUMNS", 100, "Most columns in one roster.", parse=integer),
    Setting("IMPORT_MAX_CELL_CHARS", 2000, "Most characters in one roster cell.", parse=integer),
    Setting(
        "IMPORT_MAX_UNPACKED_BYTES",
        64 * 1024 * 1024,
        "Most bytes an XLSX may unpack to.",
        parse=integer,
        shown="`67108864` (64 MiB)",
    ),
    # --- exports
    Setting(
        "EXPORT_BACKGROUND_THRESHOLD",
        20_000,
        "Exports with more rows run in the background with a progress page.",
        parse=integer,
    ),
    Setting(
        "EXPORT_LEASE_SECONDS",
        60,
        "A running export job that reported no progress this long is queued again.",
        parse=integer,
    ),
    Setting(
        "EXPORT_PARALLEL_ROWS",
        20_000,
        "Exports with this many rows or more are made by one worker process per core.",
        parse=integer,
    ),
    # --- background work (queue.py)
    Setting(
        "QUEUE_URL",
        None,
        "Task queue storage: `redis://…` for several instances, else a SQLite file.",
        derive=_in_instance("queue.sqlite3", url=True),
        shown="`queue.sqlite3` in the instance folder",
    ),
    Setting(
        "QUEUE_INLINE",
        True,
        "Each service process also runs queued tasks in a thread (off: `pingan worker` only).",
        parse=boolean,
    ),
    Setting(
        "QUEUE_SWEEP_SECONDS",
        60,
        "How often runners look for work a stopped runner left (stale export jobs, outbox).",
        parse=integer,
    ),
    # --- telling applicants (office/notify.py)
    Setting("SMTP_HOST", None, "Mail server; e-mail to applicants is off while unset."),
    Setting("SMTP_STARTTLS", True, "Upgrade the SMTP connection with STARTTLS.", parse=boolean),
    Setting(
        "SMTP_PORT",
        None,
        "Mail server port.",
        parse=integer,
        derive=lambda config, _dir: 587 if config["SMTP_STARTTLS"] else 25,
        shown="`587` with STARTTLS, else `25`",
    ),
    Setting("SMTP_USER", None, "SMTP log-in name (no log-in while unset)."),
    Setting("SMTP_PASSWORD", None, "SMTP password."),
    Setting(
        "SMTP_FROM",
        None,
        "Sender address of e-mail to applicants.",
        derive=lambda config, _dir: (
            f"noreply@{config['SMTP_HOST']}" if config["SMTP_HOST"] else None
        ),
        shown="`noreply@` the SMTP host",
    ),
    Setting(
        "SMS_GATEWAY",
        None,
        "`module:factory` of the SMS provider's gateway; SMS is off (only logged) while unset.",
    ),
    Setting(
        "OUTBOX_RETRY_SECONDS",
        60,
        "Wait before the first retry of an unsent message; doubles for each later one.",
        parse=integer,
    ),
    Setting(
        "OUTBOX_MAX_ATTEMPTS",
        8,
        "Tries before a message is marked failed and left for an operator.",
        parse=integer,
    ),
    Setting(
        "OUTBOX_POLL_SECONDS",
        30,
        "Longest wait between looks at the outbox while messages are pending.",
        parse=integer,
    ),
    Setting(
        "OUTBOX_KEEP_DAYS",
        30,
        "Days a sent message stays in the outbox before it is deleted.",
        parse=integer,
    ),
)

BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}

#: Framework options the service fixes for safety; deliberately not settings.
FIXED: dict[str, Any] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "RATELIMIT_HEADERS_ENABLED": True,
    "JSON_AS_ASCII": False,
}

#: Config keys computed from settings (tests may pass them directly), not set themselves.
DERIVED = {
    "SESSION_COOKIE_SECURE": "on when PUBLIC_URL is https://",
    "SMTP": "the SMTP_* settings as one SmtpSettings, or None (office/notify.py)",
}

#: Every setting's plain default, and the fixed options: the first layer of the config.
DEFAULTS: dict[str, Any] = {
    **{setting.key: setting.default for setting in SETTINGS},
    **FIXED,
}


def environment_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings the environment gives (empty variables count as unset), parsed."""
    environ = os.environ if environ is None else environ
    return {
        setting.key: setting.read(environ[setting.env])
        for setting in SETTINGS
        if environ.get(setting.env)
    }


def finish_config(config: dict[str, Any], instance_dir: Path) -> None:
    """Parse values given as text, fill derived defaults and generate missing secrets."""
    config["INSTANCE_DIR"] = str(instance_dir)
    for setting in SETTINGS:
        value = config.get(setting.key)
        if isinstance(value, str) and not value.strip() and setting.parse is not text:
            value = None
        config[setting.key] = setting.read(value)
    for setting in SETTINGS:
        if setting.derive is not None and config[setting.key] in (None, ""):
            config[setting.key] = setting.derive(config, instance_dir)
    config["SESSION_COOKIE_SECURE"] = str(config.get("PUBLIC_URL", "")).startswith("https://")


def instance_secret(instance_dir: Path, filename: str, generate: Callable[[], str]) -> str:
    """Read a secret from the instance folder, creating it (mode 0600) on first use.

    The secret is written whole to a temporary file and then linked into place, which fails
    if the name exists: a process starting at the same moment reads either no file or the
    complete one, never an empty file, and the first writer's secret wins.
    """
    instance_dir.mkdir(parents=True, exist_ok=True)
    ignore = instance_dir / ".gitignore"
    if not ignore.exists():
        _write_new(ignore, "# secrets and the demo database: never commit\n*\n", 0o644)
    path = instance_dir / filename
    if not path.exists():
        _write_new(path, generate() + "\n", 0o600)
    return path.read_text(encoding="utf-8").strip()


def _write_new(path: Path, content: str, mode: int) -> None:
    """Create *path* holding *content* atomically; keep the file if another process won."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)


# --- documentation -------------------------------------------------------------------------


def markdown_table() -> str:
    """The README's settings table: variable, default, meaning."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [
        f"| `{setting.env}` | {setting.documented_default()} | {setting.help} |"
        for setting in SETTINGS
    ]
    return "\n".join(rows) + "\n"
