"""A few fixed statements run on the database driver's own connection: the submission path.

A submission runs the same handful of small statements every time: one look-up by the
identity index and two or three inserts. Through SQLAlchemy's ``Connection`` and ``Session``
each costs more CPU in the execution context, the compiled-cache key and the result object
than the database spends on it (measured: 290 µs a stored submission through a ``Session``,
250 through Core, 170 on the driver, commit included). So these statements are compiled once
per dialect by SQLAlchemy, from the models' tables, and run on the DBAPI cursor; their values
go through the bind processors SQLAlchemy itself would apply (SQLite's text dates, JSON,
booleans) and the columns' Python-side defaults, so a row reads back exactly as one stored
through the ORM. Everything else keeps the ORM.

``Database.statement_listeners`` sees each statement run here, for tests and the benchmarks'
statement log: SQLAlchemy's engine events do not, as no SQLAlchemy connection is involved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from sqlalchemy import Insert, Table, bindparam, insert
from sqlalchemy.sql import ClauseElement

if TYPE_CHECKING:
    from .db import Database


class Statement:
    """One SQL statement compiled for a dialect, with what turns values into its parameters."""

    def __init__(self, clause: ClauseElement, dialect, defaults: Mapping[str, Any] | None = None):
        compiled = clause.compile(dialect=dialect)
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        self.names: Sequence[str] = (
            tuple(compiled.positiontup) if self.positional else tuple(compiled.binds)
        )
        defaults = dict(defaults or {})
        #: Per parameter, in order: name, SQLAlchemy's bind processor or None, default.
        self.steps: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...] = tuple(
            (
                name,
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect),
                defaults.get(name, _value_in(compiled.binds[name])),
            )
            for name in self.names
        )

    def parameters(self, values: Mapping[str, Any]) -> tuple | dict:
        """*values* by bind name → the driver's parameters. A missing one gets its column's
        Python-side default, else ``None``; ``None`` is SQL ``NULL`` (JSON columns too: the
        submission never leaves one out)."""
        converted = []
        for name, processor, default in self.steps:
            value = values.get(name, default)
            if value is _NO_DEFAULT:
                value = None
            elif callable(value) and value is default:
                value = default()
            if processor is not None and value is not None:
                value = processor(value)
            converted.append(value)
        if self.positional:
            return tuple(converted)
        return dict(zip(self.names, converted, strict=True))


#: ``Statement.steps``' mark for a parameter without a default or a value of its own.
_NO_DEFAULT = object()


def _value_in(bind) -> Any:
    """The value a bind parameter carries from the clause (``column == "x"``), if any."""
    return _NO_DEFAULT if bind.required or bind.callable else bind.value


def insert_values(table: Table, prefix: str = "") -> tuple[Insert, dict[str, Any]]:
    """An ``INSERT`` of every column of *table* but an autoincrement primary key, each value a
    bind parameter named *prefix* + the column's key, and the columns' Python-side defaults
    by those names (``Statement`` applies them to what the caller leaves out)."""
    columns = [
        column
        for column in table.columns
        if not (column.primary_key and column.autoincrement in (True, "auto"))
    ]
    clause = insert(table).values(
        {column: bindparam(prefix + column.key, type_=column.type) for column in columns}
    )
    defaults: dict[str, Any] = {}
    for column in columns:
        default = column.default
        if default is None or not (default.is_scalar or default.is_callable):
            continue
        if default.is_callable:  # SQLAlchemy wraps it to take the execution context: unused
            defaults[prefix + column.key] = lambda arg=default.arg: arg(None)
        else:
            defaults[prefix + column.key] = default.arg
    return clause, defaults


def insert_statement(table: Table, dialect) -> Statement:
    """``insert_values`` compiled for *dialect* (a new row's id: the cursor's ``lastrowid``
    on SQLite; PostgreSQL's submission returns it from its one statement)."""
    clause, defaults = insert_values(table)
    return Statement(clause, dialect, defaults)


class DriverCursor:
    """A DBAPI cursor that reports each statement to the database's listeners."""

    def __init__(self, cursor, listeners: list, writing: bool):
        self.cursor = cursor
        self.listeners = listeners
        self.writing = writing

    def execute(self, statement: Statement, values: Mapping[str, Any]):
        parameters = statement.parameters(values)
        for listener in self.listeners:
            listener(statement.sql, parameters, self.writing)
        self.cursor.execute(statement.sql, parameters)
        return self.cursor

    def execute_sql(self, sql: str, parameters: tuple | dict = ()):
        for listener in self.listeners:
            listener(sql, parameters, self.writing)
        self.cursor.execute(sql, parameters)
        return self.cursor


class DriverConnection:
    """One pooled driver connection: reads outside any transaction, then write transactions.

    A read runs in autocommit (PostgreSQL: no ``BEGIN`` and ``ROLLBACK`` around one
    ``SELECT``; SQLite: each statement its own snapshot). ``transaction()`` is a write
    transaction, committed on leaving the block: on SQLite after waiting for the writers'
    turn (``Database.writers``) and with ``BEGIN IMMEDIATE``, as ``Database.write`` does.
    """

    def __init__(self, database: Database, pooled):
        self.database = database
        self.pooled = pooled
        self.is_sqlite = database.is_sqlite

    def read(self, statement: Statement, values: Mapping[str, Any]) -> list[tuple]:
        """The rows of one statement, run outside a transaction."""
        return self._autocommit(statement, values, writing=False)

    def _autocommit(self, statement: Statement, values: Mapping[str, Any], *, writing: bool):
        driver = self.pooled.dbapi_connection
        if not self.is_sqlite:
            driver.autocommit = True  # idle after the pool's checkout; set back below
        try:
            listeners = self.database.statement_listeners
            cursor = DriverCursor(self.pooled.cursor(), listeners, writing)
            try:
                return cursor.execute(statement, values).fetchall()
            finally:
                cursor.cursor.close()
        finally:
            if not self.is_sqlite and not driver.closed:
                driver.autocommit = False

    def write_one(self, statement: Statement, values: Mapping[str, Any]) -> list[tuple]:
        """One statement that is a whole write by itself, committed (PostgreSQL: run in
        autocommit, where a statement is its own transaction: no ``BEGIN`` and ``COMMIT``
        round trips). SQLite writes through ``transaction`` for its ``BEGIN IMMEDIATE``."""
        if self.is_sqlite:
            with self.transaction() as cursor:
                return cursor.execute(statement, values).fetchall()
        return self._autocommit(statement, values, writing=True)

    @contextmanager
    def transaction(self) -> Iterator[DriverCursor]:
        database = self.database
        with database.writers.turn() if database.writers else nullcontext():
            cursor = DriverCursor(self.pooled.cursor(), database.statement_listeners, True)
            try:
                if self.is_sqlite:
                    cursor.execute_sql("BEGIN IMMEDIATE")
                yield cursor
            except BaseException:
                self.pooled.rollback()
                raise
            finally:
                cursor.cursor.close()
            self.pooled.commit()


@contextmanager
def connect(database: Database) -> Iterator[DriverConnection]:
    """A connection from the engine's pool (pre-pinged on PostgreSQL), returned after."""
    pooled = database.engine.raw_connection()
    try:
        yield DriverConnection(database, pooled)
    finally:
        pooled.close()
