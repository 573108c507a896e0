"""One SQLAlchemy engine and session factory per app; SQLite tuned for durability.

SQLite settings follow SQLAlchemy's documented recipe for pysqlite: the driver's own
transaction handling is switched off and a ``begin`` event issues ``BEGIN IMMEDIATE``
for write transactions (``write_session()``), so a writer takes the lock before it
reads and two concurrent submissions serialise instead of failing with "database is
locked" on upgrade. WAL lets readers go on while one writer works; ``synchronous=FULL``
makes every commit durable before the response is sent. PostgreSQL runs the same code.

SQLite writers also queue for a lock file beside the database (``WriterQueue``) before
``BEGIN IMMEDIATE``: SQLite's own busy handler sleeps and retries (1, 2, 5, 10 … ms), so a
writer that finds the lock taken waited several milliseconds after it was free, and under
load the service spent more time asleep than writing. A waiter on the lock file wakes the
moment the holder commits. Writers that do not use it (another program) are still kept
apart by ``BEGIN IMMEDIATE`` and the busy timeout.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

try:
    import fcntl
except ImportError:  # Windows: SQLite's busy handler alone orders the writers
    fcntl = None  # type: ignore[assignment]

BUSY_TIMEOUT_SECONDS = 30
#: SQLite page cache per connection (KiB) and memory-mapped reads (bytes). The identity hash,
#: the open-application rule and the reference are random keys: each new row lands on a
#: random leaf page of those indexes, which SQLite's default 2 MiB cache stops holding long
#: before a campaign's 100,000th application. The map shares the operating system's cache.
CACHE_KIB = 32 * 1024
MMAP_BYTES = 256 * 1024 * 1024
#: The page cache (KiB) of a query that scans much of the database once (``Database.scan``).
SCAN_CACHE_KIB = 2048
#: Rows ANALYZE reads per index on SQLite: about a millisecond whatever the table's size, and
#: enough for the planner to tell a one-deployment column from a many-unit one.
ANALYSIS_LIMIT = 1000


def make_engine(url: str) -> Engine:
    """An engine for *url*; SQLite gets WAL, FULL sync, a busy timeout, BEGIN IMMEDIATE and
    room for its indexes in memory."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # The installed driver is psycopg 3 (the `postgres` extra); SQLAlchemy 2.0 would
        # otherwise look for psycopg2 behind a plain postgresql:// URL.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class WriterQueue:
    """One writer at a time across the processes and threads using one SQLite file.

    ``flock`` on ``<database>.writer-lock``: a blocked writer sleeps in the kernel and is
    woken when the lock is released. The lock belongs to an open file, so each process opens
    its own (re-opened after a fork), and a thread lock orders the process's own threads.
    Every ``Database`` of one file in a process shares one queue (``writer_queue``): a
    thread that nests write transactions, on one handle or two, takes the file lock once.
    """

    def __init__(self, path: Path):
        self.path = path
        self.users = 0
        self._pid = -1
        self._fd = -1
        self._thread_lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        if self._pid != os.getpid():  # first use in this process, or a forked child
            self._thread_lock = threading.RLock()
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
            self._depth = 0
        with self._thread_lock:
            if self._depth == 0:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._pid == os.getpid():
            os.close(self._fd)
        self._pid = -1


_writer_queues: dict[str, WriterQueue] = {}
_writer_queues_lock = threading.Lock()


def writer_queue(database: str) -> WriterQueue:
    """The process's queue for the SQLite file *database* (``release_writer_queue`` after)."""
    path = Path(os.path.realpath(f"{database}.writer-lock"))
    with _writer_queues_lock:
        queue = _writer_queues.setdefault(str(path), WriterQueue(path))
        queue.users += 1
        return queue


def release_writer_queue(queue: WriterQueue) -> None:
    """One user fewer; the last one closes the lock file."""
    with _writer_queues_lock:
        queue.users -= 1
        if queue.users == 0:
            _writer_queues.pop(str(queue.path), None)
            queue.close()


class Database:
    """The app's engine and its session factories."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        #: Statements compiled for this database's driver (``driver.py``), by name.
        self.driver_statements: dict = {}
        #: Called with (SQL, parameters, writing) for each statement ``driver.py`` runs.
        self.statement_listeners: list = []
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(sqlite_immediate=True)
        self.write_sessions = sessionmaker(writer, expire_on_commit=False)
        database = self.engine.url.database
        self.writers = (
            writer_queue(database)
            if self.is_sqlite and fcntl is not None and database and database != ":memory:"
            else None
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed on leaving the block (before any response)."""
        queue = self.writers.turn() if self.writers else nullcontext()
        with queue, self.write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def scan(self) -> Iterator[Session]:
        """A read session for a query that reads much of the database once (an export's
        count): on SQLite without the memory map and with a small page cache while it runs.
        Pages read through the map stay in this process's RSS as long as the connection
        keeps it (256 MiB of a large database after one such query), and a scan fills the
        32 MiB cache with pages nobody reads again; read without them they are only in the
        operating system's cache. Both are back for the connection's next user."""
        with self.sessions() as session:
            if not self.is_sqlite:
                yield session
                return
            connection = session.connection()
            connection.exec_driver_sql("PRAGMA mmap_size=0")
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SCAN_CACHE_KIB}")
            try:
                yield session
            finally:
                connection.exec_driver_sql(f"PRAGMA cache_size=-{CACHE_KIB}")
                connection.exec_driver_sql(f"PRAGMA mmap_size={MMAP_BYTES}")

    def refresh_statistics(self) -> None:
        """Give SQLite's planner table statistics (``sqlite_stat1``), cheaply.

        Without them SQLite guesses, and for the office list of a few units it searched the
        ``UNIQUE (deployment, volunteer_number)`` index on ``deployment = ?`` and read the
        whole deployment. The ``ANALYZE`` is bounded (``analysis_limit``), so callers can run
        it often: the office list does every few minutes, and a roster import after storing.
        PostgreSQL's autovacuum keeps its own statistics.
        """
        if not self.is_sqlite:
            return
        writer = self.engine.execution_options(sqlite_immediate=True)
        with writer.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            connection.exec_driver_sql("ANALYZE")
            connection.commit()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.writers is not None:
            release_writer_queue(self.writers)
            self.writers = None


def init_app(app: Flask) -> Database:
    """Create the database handle, migrate it if configured, close sessions on teardown."""
    database = Database(app.config["DATABASE_URL"])
    app.extensions["pingan_db"] = database
    if app.config["AUTO_MIGRATE"]:
        from .migrate import upgrade

        upgrade(database.engine)
    app.teardown_appcontext(_close_session)
    return database


def get_db() -> Database:
    return current_app.extensions["pingan_db"]


def read_session() -> Session:
    """The request's read-only session (closed at teardown)."""
    if "pingan_session" not in g:
        g.pingan_session = get_db().sessions()
    return g.pingan_session


def _close_session(_exception=None) -> None:
    session = g.pop("pingan_session", None)
    if session is not None:
        session.close()
