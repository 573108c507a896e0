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
not come back to a page. PostgreSQL reads JSON as text. It sends a range of a ``match``
source in one answer (a client-side cursor), which costs the server and the worker a
quarter less CPU than fetching a batch at a time from a server-side cursor: such a range
is a plain id range of ``parallel.RANGE_ROWS`` ids, so the answer holds at most that many
rows (about 7 MB). A selection filtered in SQL may gather in one range, so it is fetched a
batch at a time.
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
    """The records of ids in [lo, hi), in id order, a batch at a time (one connection)."""
    with Reader(source) as reader:
        yield from reader.read(lo, hi)


class Reader:
    """Reads ranges of a source over one connection, kept open from range to range: a
    row worker reads about a dozen ranges, and a new PostgreSQL connection costs about
    10 ms of the server's and the worker's CPU and as long again waiting. Each range is
    read in its own transaction, as it was with a connection of its own."""

    def __init__(self, source: Source):
        self.source = source
        self.decryptor = BatchDecryptor(source.keys)
        width = len(STORED_COLUMNS)
        self.checks = [
            (width + i, frozenset(allowed)) for i, allowed in enumerate(source.match.values())
        ]
        self.connection: Any = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def read(self, lo: int, hi: int) -> Iterator[list[dict[str, Any]]]:
        """The records of ids in [lo, hi), in id order, a batch at a time."""
        source, checks, decrypt = self.source, self.checks, self.decryptor.decrypt
        if self.connection is None:
            self.connection = _connect(source)
        if source.driver == "sqlite" or source.match:
            cursor = self.connection.cursor()
        else:
            cursor = self.connection.cursor(name="pingan_export")
            cursor.itersize = FETCH
        try:
            cursor.execute(source.sql, [*source.params, lo, hi])
            while rows := cursor.fetchmany(FETCH):
                for index, allowed in checks:
                    rows = [row for row in rows if row[index] in allowed]
                if rows:
                    yield stored_records(
                        rows, decrypt, id_number=source.id_number, mobile=source.mobile
                    )
        finally:
            cursor.close()
            if source.driver != "sqlite":
                self.connection.rollback()  # the range's read-only transaction ends

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _connect(source: Source) -> Any:
    """A read-only connection to the source's database."""
    if source.driver == "sqlite":
        connection = sqlite3.connect(source.database, isolation_level=None)
        connection.execute("PRAGMA mmap_size=0")
        connection.execute(f"PRAGMA cache_size=-{READER_CACHE_KIB}")
        connection.execute("PRAGMA query_only=1")
        return connection
    import psycopg
    from psycopg.types.string import TextLoader

    connection = psycopg.connect(source.database)
    connection.read_only = True
    # The answers as the text the server sends: ``stored_records`` reads JSON text with the
    # C scanner, where psycopg's own loader (``json.loads`` a value, in Python) took about
    # a tenth of a row worker's CPU (2.7 s of a million-row export).
    for name in ("json", "jsonb"):
        connection.adapters.register_loader(name, TextLoader)
    return connection
