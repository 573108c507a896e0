"""Throw-away PostgreSQL databases on the test server (``PINGAN_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool


@contextlib.contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database on the test server, dropped afterwards (even in use)."""
    base = os.environ.get("PINGAN_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("CI"):
            pytest.fail("PINGAN_TEST_POSTGRES_URL is not set, but CI needs the PostgreSQL tests")
        pytest.skip("PINGAN_TEST_POSTGRES_URL is not set")
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    # NullPool: no idle connection is kept between the start and the end, where the
    # garbage collector could find it open (a ResourceWarning that fails a random test).
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
