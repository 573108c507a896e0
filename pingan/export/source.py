"""Stored applications read by range of id, for the export's row workers.

A ``Source`` is plain data (JSON), so a worker process in a fresh interpreter, which imports
neither Flask nor SQLAlchemy, reads its share of the rows itself: the service describes
the query (``sql`` selecting ``pingan.records.STORED_COLUMNS`` for ``id >= ? AND id < ?``,
in id order), the connection (an SQLite file or a PostgreSQL conninfo) and the Fernet keys,
and sends the description on the worker's standard input, never on its command line.

``match`` is the selection checked here, on rows of a query that reads a plain id range
(the unit, campaign and deployment filters left out of the SQL): when most rows of the
range are selected, a scan of the table by id is the cheapest read on SQLite, where the
planner would otherwise walk an index and sort a million rows. Rows of other units cost a
tuple look-up each.

SQLite reads use their own connection, read-only, with no memory map and a small page
cache: the map would count the database file's pages in the worker's RSS, and a scan does
not come back to a page. PostgreSQL reads use a server-side cursor.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from pingan.records import STORED_COLUMNS, stored_records

from .fernet import BatchDecryptor

#: Rows fetched, decrypted and made into records at a time.
FETCH = 2000
#: SQLite's page cache for a reader (KiB): a scan reads each page once.
READER_CACHE_KIB = 4096


@dataclass(frozen=True)
class Source:
    """Where the records of an export are and how to read them (JSON-able)."""

    driver: str  # "sqlite" or "postgresql"
    database: str  # SQLite: the file's path; PostgreSQL: a libpq conninfo or URL
    sql: str  # selects STORED_COLUMNS (then the match columns), ending "id >= ? AND id < ?"
    params: list[Any]
    keys: list[str] = field(repr=False)  # Fernet keys, the first the current one
    #: Bounds of the selected ids (lowest, highest) and how many rows are selected.
    first: int = 0
    last: int = -1
    count: int = 0
    #: column name → allowed values, checked on extra selected columns after STORED_COLUMNS
    match: dict[str, list[str]] = field(default_factory=dict)
    id_number: bool = True  # whether ID numbers are decrypted (the export shows them)
    mobile: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def read_all(self) -> Iterator[list[dict[str, Any]]]:
        """Every record, in id order, a batch at a time (read in this process)."""
        return read(self, self.first, self.last + 1)

    def ranges(self, parts: int) -> list[tuple[int, int]]:
        """[lo, hi) id ranges covering first..last, about as many as *parts*."""
        if self.last < self.first:
            return []
        span = self.last - self.first + 1
        size = max(1, -(-span // max(1, parts)))
        return [
            (lo, min(lo + size, self.last + 1)) for lo in range(self.first, self.last + 1, size)
        ]


def read(source: Source, lo: int, hi: int) -> Iterator[list[dict[str, Any]]]:
    """The records of ids in [lo, hi), in id order, a batch at a time."""
    decryptor = BatchDecryptor(source.keys)
    width = len(STORED_COLUMNS)
    checks = [(width + i, frozenset(allowed)) for i, allowed in enumerate(source.match.values())]
    with _connect(source) as cursor:
        cursor.execute(source.sql, [*source.params, lo, hi])
        while rows := cursor.fetchmany(FETCH):
            for index, allowed in checks:
                rows = [row for row in rows if row[index] in allowed]
            if rows:
                yield stored_records(
                    rows, decryptor.decrypt, id_number=source.id_number, mobile=source.mobile
                )


class _connect:
    """A cursor on the source's database, closed (with its connection) on leaving."""

    def __init__(self, source: Source):
        self.source = source

    def __enter__(self):
        if self.source.driver == "sqlite":
            self.connection = sqlite3.connect(self.source.database, isolation_level=None)
            self.connection.execute("PRAGMA mmap_size=0")
            self.connection.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
            self.connection.execute("PRAGMA query_only=1")
            self.cursor = self.connection.cursor()
            return self.cursor
        import psycopg

        self.connection = psycopg.connect(self.source.database)
        self.connection.read_only = True
        self.cursor = self.connection.cursor(name="pingan_export")
        self.cursor.itersize = FETCH
        return self.cursor

    def __exit__(self, *exc_info: Any) -> None:
        self.cursor.close()
        self.connection.close()
