"""The gunicorn configuration of the production command (README, "Deploying and operating").

``gunicorn -c python:form_service.gunicorn_conf -w 4 'form_service:create_app()'``

- **Start-up never races.** ``on_starting`` runs once in the master before any worker
  forks: it generates the instance folder's missing keys and, when ``AUTO_MIGRATE`` is on
  (the SQLite default), applies the migrations, then turns ``PINGAN_AUTO_MIGRATE`` off for
  the workers. Otherwise it checks that the database is at the newest migration and refuses
  to start with a message saying to run ``pingan db upgrade`` when it is not.
- **Rate limits hold across workers.** With more than one worker and the in-memory store
  each worker counts on its own (a limit of 20 lets 20 × workers through), so the master
  refuses to start unless ``PINGAN_RATELIMIT_STORAGE_URI`` names a shared store (Redis) or
  ``PINGAN_ALLOW_PER_WORKER_RATE_LIMITS`` says that is understood.
- **The access log holds no ID or mobile number.** ``RedactingLogger`` passes every field
  of an access-log line (request line, query, referrer, headers) through ``redact``, also
  after percent-decoding, and filters the error log the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from flask import Flask
from gunicorn.glogging import Logger

from .config import DEFAULTS, environment_config, finish_config
from .redaction import RedactingFilter, redact

bind = "127.0.0.1:8000"


class StartupRefused(RuntimeError):
    """gunicorn prints a RuntimeError from ``on_starting`` as ``Error: …`` and exits 1."""


def on_starting(server: Any) -> None:
    """The rate-limit store, keys and migrations, once, before the workers fork."""
    config = {**DEFAULTS, **environment_config()}
    instance_dir = Path(config.get("INSTANCE_DIR") or Flask("form_service").instance_path)
    finish_config(config, instance_dir)  # writes any missing key file, atomically
    _check_rate_limit_store(server, config)
    _migrate_once(config)


def _check_rate_limit_store(server: Any, config: dict[str, Any]) -> None:
    storage = str(config["RATELIMIT_STORAGE_URI"])
    workers = server.cfg.workers
    if workers < 2 or not storage.startswith("memory://"):
        return
    message = (
        f"{workers} workers with PINGAN_RATELIMIT_STORAGE_URI={storage}: each worker "
        f"counts rate limits on its own, so every limit lets {workers} times as many "
        "requests through. Set PINGAN_RATELIMIT_STORAGE_URI=redis://… (shared by every "
        "worker and instance), or PINGAN_ALLOW_PER_WORKER_RATE_LIMITS=1 to accept that."
    )
    if not config["ALLOW_PER_WORKER_RATE_LIMITS"]:
        server.log.error("refusing to start: %s", message)
        raise StartupRefused(message)
    server.log.warning("%s", message)


def _migrate_once(config: dict[str, Any]) -> None:
    """Migrate (``AUTO_MIGRATE``) or check the schema; the workers then leave it alone."""
    from .db import make_engine
    from .migrate import upgrade

    engine = make_engine(config["DATABASE_URL"])
    try:
        if config["AUTO_MIGRATE"]:
            upgrade(engine)
        elif not _is_current(engine):
            raise StartupRefused(
                "the database is not at the newest migration: run `pingan db upgrade` "
                "(with the same PINGAN_* settings) before starting the service"
            )
    finally:
        engine.dispose()
    os.environ["PINGAN_AUTO_MIGRATE"] = "0"  # the workers inherit it: nobody migrates twice


def _is_current(engine: Any) -> bool:
    """Whether the database's alembic revision is the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from .migrate import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


class RedactingLogger(Logger):
    """gunicorn's logger with ID and mobile numbers blanked in access and error logs."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        RedactingFilter.install(self.error_log, self.access_log)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: _redact_url(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


def _redact_url(value: str) -> str:
    """*value* redacted; decoded first when a percent-decoded form shows a number.

    A redirect to the log-in page carries the search in ``next=``, encoded once more.
    """
    decoded = value
    for _ in range(3):
        decoded = unquote_plus(decoded)
        if redact(decoded) != decoded:
            return redact(decoded)
    return redact(value)


logger_class = RedactingLogger
