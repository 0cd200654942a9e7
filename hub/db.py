"""Engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Insert,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, class_mapper, sessionmaker
from sqlalchemy.types import TypeDecorator

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
def _insert_statement(model: type[Base]) -> tuple[Insert, tuple[tuple[str, str], ...]]:
    table = cast(Table, model.__table__)
    attributes = class_mapper(model).column_attrs
    columns = tuple((attribute.key, attribute.columns[0].key) for attribute in attributes)
    return insert(table), columns


def insert_new(session: Session, *rows: Base) -> None:
    """Write new objects with one INSERT, built once per model, instead of the ORM's flush.

    The unit of work costs several times more per row, and the busy writes (a flag, a
    contact request, a notification) never change the object afterwards. They stay outside
    the session: the attributes the caller set are written (a column left unset gets its
    default in the row, not on the object), and a later query in the transaction reads
    the row. Rows of one model with the same attributes set go in one statement.
    """
    batches: dict[tuple[type[Base], frozenset[str]], list[dict[str, Any]]] = {}
    for row in rows:
        _, columns = _insert_statement(type(row))
        given = sa_inspect(row).dict
        values = {column: given[key] for key, column in columns if key in given}
        batches.setdefault((type(row), frozenset(values)), []).append(values)
    for (model, _), batch in batches.items():
        statement, _ = _insert_statement(model)
        session.connection().execute(statement, batch[0] if len(batch) == 1 else batch)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout."""
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
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work outside a request: commit on success, roll back on error."""
    with factory() as session, session.begin():
        yield session
