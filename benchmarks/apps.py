"""Form-service apps for benchmarks: databases, invented applicants, bulk-stored rows.

Every ID number is generated with a correct check digit from a running number (area code
320412, births from 1960 on): no real person's number is used. ``bulk_store`` writes rows
straight through the models in batches (one INSERT per batch), which is how a large
database is reached in seconds; submissions go through the app and are timed on their own.
"""

from __future__ import annotations

import datetime
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, event, func, insert, literal, select, text
from sqlalchemy.exc import DBAPIError

from form_service import create_app
from form_service.applications import REFERENCE_ALPHABET, identity_hash
from form_service.db import get_db
from form_service.models import Application, StageEvent
from pingan.idnumber import compose_id_number

ROOT = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 23)
BATCH = 5_000


def make_app(data_dir: Path, database_url: str, instance_dir: Path):
    """An app as the tests build one: frozen today, fixed keys, no rate limits, no e-mail."""
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "INSTANCE_DIR": str(instance_dir),
            "TODAY": TODAY,
            "RATELIMIT_ENABLED": False,
            "AUTO_MIGRATE": True,
            "SMTP": None,
            "SECRET_KEY": "benchmark-secret-key",
            "DATA_KEYS": Fernet.generate_key().decode(),
            "HMAC_KEY": "benchmark-hmac-key",
        }
    )


def database_of(app):
    with app.app_context():
        return get_db()


def on_each_database(name: str, measure: Callable[[str, str, Path], list[str]]) -> list[str]:
    """*measure*(label, database URL, instance folder) on SQLite, then PostgreSQL if configured."""
    lines = []
    with tempfile.TemporaryDirectory(prefix=f"pingan-bench-{name}-") as tmp:
        folder = Path(tmp)
        lines += measure("SQLite", f"sqlite:///{folder / 'pingan.sqlite3'}", folder / "sqlite")
        with postgres_database() as url:
            if url is None:
                lines.append(f"{name}: PostgreSQL skipped (PINGAN_TEST_POSTGRES_URL is not set)")
            else:
                lines += measure("PostgreSQL", url, folder / "postgres")
    return lines


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh database on ``PINGAN_TEST_POSTGRES_URL``'s server, dropped afterwards; or None."""
    base = os.environ.get("PINGAN_TEST_POSTGRES_URL")
    if not base:
        yield None
        return
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"pingan_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        _drop(admin, name)
        admin.dispose()


def _drop(admin, name: str) -> None:
    """Drop the database, waiting out an autovacuum worker that a non-superuser's FORCE
    may not terminate."""
    for attempt in range(30):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == 29:
                raise
            time.sleep(1)


def id_number(n: int, area: str = "320412") -> str:
    """The *n*-th invented ID number: distinct for n < 3,650,000, check digit right."""
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n // 1000 % 3650)
    return compose_id_number(area, birth, n % 1000)


def answers(form, number: str) -> dict[str, Any]:
    """Valid answers to every field of *form* (a CampaignForm), with this ID number."""
    texts = {
        "name": "张示例",
        "mobile": "13800138000",
        "email": "zhang@example.com",
        "registration_address": "湖塘镇示例社区",
    }
    result: dict[str, Any] = {}
    for field in form.fields:
        if field.name in ("sex", "birth_date"):
            continue
        if field.name == "id_number":
            result[field.name] = number
        elif field.name == "id_type":
            result[field.name] = "resident_id"
        elif field.type == "boolean":
            result[field.name] = True
        elif field.type == "list":
            result[field.name] = field.values[:2]
        elif field.choices is not None:
            result[field.name] = field.values[0]
        else:
            result[field.name] = texts.get(field.name, "示例")
    result["declarations"] = [key for key, _ in form.declarations]
    result["consent_notice"] = True
    result["consent_sensitive"] = True
    result["notice_version"] = form.notice_version
    return result


def reference(n: int) -> str:
    """A reference in the service's alphabet, distinct per *n*, prefixed so as not to clash
    with the random ones that submissions get."""
    digits = []
    for _ in range(9):
        n, digit = divmod(n, len(REFERENCE_ALPHABET))
        digits.append(REFERENCE_ALPHABET[digit])
    return "Z" + "".join(reversed(digits))


def bulk_store(app, form, start: int, count: int, units: list[str]) -> None:
    """Store applications *start* … *start + count − 1* with one stage event each."""
    database = database_of(app)
    cipher = app.extensions["pingan_cipher"]
    id_encrypted = cipher.encrypt(id_number(0))  # one ciphertext: look-ups never decrypt
    review = form.campaign.data.get("review") or {}
    stages = [stage["id"] for stage in review.get("stages") or [{"id": "submitted"}]]
    submitted = datetime.datetime(2026, 9, 2, 1, 30, tzinfo=datetime.UTC)
    for first in range(start, start + count, BATCH):
        numbers = range(first, min(first + BATCH, start + count))
        rows = [
            {
                "reference": reference(n),
                "deployment": form.deployment.id,
                "campaign": form.campaign.id,
                "unit": units[n % len(units)],
                "stage": stages[n % len(stages)],
                "scope": form.scope,
                "name": f"示例{n}",
                "id_type": "resident_id",
                "id_hmac": identity_hash(cipher, "resident_id", id_number(n)),
                "id_encrypted": id_encrypted,
                "id_last4": id_number(n)[-4:],
                "sex": "男" if n % 2 else "女",
                "birth_month": "1990-05",
                "answers": {"service_type": "patrol"},
                "declarations": [],
                "consent_notice": True,
                "consent_sensitive": True,
                "notice_version": form.notice_version,
                "channel": "import",
                "submitted_at": submitted + datetime.timedelta(seconds=n),
                "updated_at": submitted + datetime.timedelta(seconds=n),
            }
            for n in numbers
        ]
        with database.write() as session:  # the only writer: new ids are those above *last*
            last = session.scalar(select(func.max(Application.id))) or 0
            session.execute(insert(Application), rows)
            events = select(
                Application.id, literal(stages[0]), literal("applicant"), Application.submitted_at
            ).where(Application.id > last)
            session.execute(
                insert(StageEvent).from_select(
                    ["application_id", "to_stage", "actor", "at"], events
                )
            )
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:  # what autovacuum would soon do
            connection.exec_driver_sql("ANALYZE applications")
            connection.exec_driver_sql("ANALYZE stage_events")
            connection.commit()


class StatementLog:
    """The SQL statements an engine runs while a block is active."""

    def __init__(self, engine):
        self.engine = engine
        self.seen: list[tuple[str, object]] = []
        self.active = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _many):
        if self.active and not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            self.seen.append((statement, parameters))

    def capture(self, call) -> list[tuple[str, object]]:
        """The statements that *call()* runs, with their parameters."""
        self.seen, self.active = [], True
        try:
            call()
        finally:
            self.active = False
        return self.seen

    def plan(self, statement: str, parameters) -> str:
        """The database's plan for a statement, in one line."""
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.connect() as connection:
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            rows = connection.exec_driver_sql(explain + statement, parameters).all()
        steps = [row[-1] if sqlite else re.sub(r"\s+\(cost=[^)]*\)", "", row[0]) for row in rows]
        return _ARRAY.sub(_shorten, " / ".join(step.strip() for step in steps))


#: An array literal in a PostgreSQL plan, e.g. a scope's ``unit = ANY ('{…}')``.
_ARRAY = re.compile(r"'\{([^}]{60,})\}'")


def _shorten(match: re.Match) -> str:
    return f"'{{…{match.group(1).count(',') + 1:,} values…}}'"
