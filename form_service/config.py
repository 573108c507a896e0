"""Configuration from environment variables, with safe defaults.

Every setting has a ``PINGAN_`` environment variable; ``create_app(config)`` overrides
them (tests pass a dict). Secrets that are unset are generated once into the instance
folder (mode 0600, git-ignored) so a demo works out of the box; a deployment with several
service instances sets ``PINGAN_SECRET_KEY``, ``PINGAN_DATA_KEYS`` and ``PINGAN_HMAC_KEY``
in the environment so that all instances share them.
"""

from __future__ import annotations

import datetime
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

#: Environment variable → config key, for plain string settings.
ENVIRONMENT = {
    "PINGAN_DATABASE_URL": "DATABASE_URL",
    "PINGAN_SECRET_KEY": "SECRET_KEY",
    "PINGAN_DATA_KEYS": "DATA_KEYS",
    "PINGAN_HMAC_KEY": "HMAC_KEY",
    "PINGAN_DATA_DIR": "DATA_DIR",
    "PINGAN_PUBLIC_URL": "PUBLIC_URL",
    "PINGAN_SITE_URL": "SITE_URL",
    "PINGAN_SITE_DIR": "SITE_DIR",
    "PINGAN_TODAY": "TODAY",
    "PINGAN_TIMEZONE": "TIMEZONE",
    "PINGAN_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "PINGAN_STATUS_RATE_LIMIT": "STATUS_RATE_LIMIT",
    "PINGAN_APPLY_RATE_LIMIT": "APPLY_RATE_LIMIT",
    "PINGAN_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "PINGAN_AUTO_MIGRATE": "AUTO_MIGRATE",
    "PINGAN_SMS_GATEWAY": "SMS_GATEWAY",
}

#: Secrets generated into the instance folder when neither config nor environment sets them.
GENERATED_SECRETS = {
    "SECRET_KEY": ("secret_key", lambda: secrets.token_urlsafe(48)),
    "DATA_KEYS": ("data_keys", lambda: Fernet.generate_key().decode()),
    "HMAC_KEY": ("hmac_key", lambda: secrets.token_urlsafe(48)),
}

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": "data",
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "SITE_URL": None,
    "SITE_DIR": None,
    "TODAY": None,
    "TIMEZONE": "Asia/Shanghai",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "STATUS_RATE_LIMIT": "10 per minute; 60 per hour",
    "APPLY_RATE_LIMIT": "20 per minute; 200 per hour",
    "TRUSTED_PROXIES": 0,
    "AUTO_MIGRATE": None,
    # A full application is a few kilobytes; the limit leaves room for a pasted 10 kB
    # answer (≈ 90 kB once percent-encoded) to be refused with a message naming the field.
    "MAX_CONTENT_LENGTH": 128 * 1024,
    "MAX_FORM_MEMORY_SIZE": 128 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 6 * 3600,
    "JSON_AS_ASCII": False,
}


def environment_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings the environment gives."""
    environ = os.environ if environ is None else environ
    return {key: environ[name] for name, key in ENVIRONMENT.items() if environ.get(name)}


def finish_config(config: dict[str, Any], instance_dir: Path) -> None:
    """Fill defaults that depend on others, generate missing secrets, parse typed values."""
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance_dir / 'pingan.sqlite3'}"
    if config.get("AUTO_MIGRATE") in (None, ""):
        config["AUTO_MIGRATE"] = config["DATABASE_URL"].startswith("sqlite")
    elif isinstance(config["AUTO_MIGRATE"], str):
        config["AUTO_MIGRATE"] = config["AUTO_MIGRATE"].lower() in ("1", "true", "yes", "on")
    for key, (filename, generate) in GENERATED_SECRETS.items():
        if not config.get(key):
            config[key] = instance_secret(instance_dir, filename, generate)
    if isinstance(config["TODAY"], str):
        config["TODAY"] = datetime.date.fromisoformat(config["TODAY"])
    config["TRUSTED_PROXIES"] = int(config.get("TRUSTED_PROXIES") or 0)
    config["SESSION_COOKIE_SECURE"] = str(config.get("PUBLIC_URL", "")).startswith("https://")


def instance_secret(instance_dir: Path, filename: str, generate) -> str:
    """Read a secret from the instance folder, creating it (mode 0600) on first use."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    ignore = instance_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# secrets and the demo database: never commit\n*\n", encoding="utf-8")
    path = instance_dir / filename
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(generate() + "\n")
    return path.read_text(encoding="utf-8").strip()
