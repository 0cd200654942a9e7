"""Engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    ColumnDefault,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, class_mapper, sessionmaker
from sqlalchemy.types import TypeDecorator

from hub import db_timeout

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigIntegerKey = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


@functools.cache
def _columns(model: type[Base]) -> tuple[tuple[str, str], ...]:
    """(attribute, column) of each mapped column of ``model``."""
    attributes = class_mapper(model).column_attrs
    return tuple((attribute.key, attribute.columns[0].key) for attribute in attributes)


def insert_new(session: Session, *rows: Base) -> None:
    """Write new objects with one INSERT (``insert_rows``) instead of the ORM's flush.

    The unit of work costs several times more per row, and the busy writes (a flag, a
    contact request, a notification) never change the object afterwards. They stay outside
    the session: the attributes the caller set are written (a column left unset gets its
    default in the row, not on the object), and a later query in the transaction reads
    the row. Rows of one model with the same attributes set go in one statement.
    """
    for table, batch in new_rows(*rows):
        insert_rows(session, table, batch)


def new_rows(*rows: Base) -> list[tuple[Table, list[dict[str, Any]]]]:
    """New objects as the rows to insert, in batches of one table with the same attributes
    set, in the order the batches first appear (a match before its members)."""
    batches: dict[tuple[type[Base], frozenset[str]], list[dict[str, Any]]] = {}
    for row in rows:
        given = sa_inspect(row).dict
        values = {column: given[key] for key, column in _columns(type(row)) if key in given}
        batches.setdefault((type(row), frozenset(values)), []).append(values)
    return [(cast(Table, model.__table__), batch) for (model, _), batch in batches.items()]


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (column name to value, the same columns in each) with one statement.

    On PostgreSQL the rows travel as one JSON document: the same statement whatever their
    number, so it is prepared once, and none of the driver's per-row work in Python
    (its ``executemany`` cost several times the CPU, docs/benchmarks.md). Elsewhere, Core's
    ``INSERT``. Columns left out get their defaults.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        rows = with_defaults(table, rows)
        statement = json_insert_statement(table, tuple(rows[0]))
        session.connection().exec_driver_sql(statement, {"rows": rows_as_json(rows)})
    else:
        session.connection().execute(insert(table), rows[0] if len(rows) == 1 else rows)


def with_defaults(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the Python-side defaults of the columns they leave out, as Core adds them."""
    defaults = _defaults_left_out(table, frozenset(rows[0]))
    if not defaults:
        return rows
    return [
        {
            **row,
            **{
                name: default.arg(None) if default.is_callable else default.arg
                for name, default in defaults
            },
        }
        for row in rows
    ]


@functools.cache
def _defaults_left_out(
    table: Table, given: frozenset[str]
) -> tuple[tuple[str, ColumnDefault], ...]:
    return tuple(
        (column.name, column.default)
        for column in table.columns
        if column.name not in given and isinstance(column.default, ColumnDefault)
    )


@functools.cache
def json_insert_statement(table: Table, columns: tuple[str, ...], parameter: str = "rows") -> str:
    """PostgreSQL: insert the records of the JSON array in ``parameter`` into ``table``."""
    names = ", ".join(columns)
    return (
        f"INSERT INTO {table.name} ({names}) "
        f"SELECT {names} FROM json_populate_recordset(NULL::{table.name}, %({parameter})s::json)"
    )


def rows_as_json(rows: list[dict[str, Any]]) -> str:
    """Rows as a JSON array whose values PostgreSQL's input functions read as the columns'."""
    return json.dumps(rows, default=_json_value)


def _json_value(value: object) -> str:
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("naive datetime given; use an aware UTC datetime")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"no JSON form for {type(value).__name__}")


def make_engine(url: str, *, timeout: float | None = None, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout.

    On PostgreSQL, ``timeout`` bounds connecting, each statement and the wait for a pooled
    connection (``hub/db_timeout.py``); without it (migrations) nothing is bounded.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        return engine
    if timeout is None:
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, pool_pre_ping=True, pool_timeout=timeout, **kwargs)
    _drop_connections_on_failover(engine)

    @event.listens_for(engine, "do_connect")
    def _bounded_connection(
        _dialect: Dialect, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]
    ) -> Any:
        return db_timeout.connect(cargs, cparams, seconds=timeout)

    return engine


def _drop_connections_on_failover(engine: Engine) -> None:
    """A connection to a primary that was demoted or is shutting down counts as
    disconnected: the pool drops it (and the connections pooled with it), so the next
    request connects anew, to the new primary, and the error reads as a lost connection
    (``api/problems.py``: 503)."""

    @event.listens_for(engine, "handle_error")
    def _failover(context: Any) -> None:
        if db_timeout.is_failover_error(context.original_exception):
            context.is_disconnect = True


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def read_within(
    sessions: sessionmaker[Session], seconds: float, read: Callable[[Session], T]
) -> T | None:
    """``read`` in a session of its own, or None if the database does not answer in time.

    The read runs in a thread that is not waited for longer: a frozen database holds it
    until the engine's own timeout ends it.
    """

    def run() -> T:
        with sessions() as session:
            return read(session)

    reading = asyncio.get_running_loop().run_in_executor(None, run)
    try:
        return await asyncio.wait_for(reading, seconds)
    except (TimeoutError, SQLAlchemyError):
        return None
