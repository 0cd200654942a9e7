"""Statements for the event loop: Core statements as psycopg text, ORM objects from their
rows, and new rows of several tables written in one statement.

A group that runs on the event loop (``statements.py``) has no session. Its reads are the
repositories' own Core statements, compiled once for PostgreSQL with arrays (``= ANY``)
where a session's statement expands a list; their rows become the same ORM objects a
session would give (each column through its type's result processor), objects of no
session that the domain code reads as it reads a session's. Its writes are the objects a
session path would insert (``hub.db.new_rows``) and its audit entries, in one statement:
one data-modifying ``WITH`` per batch of rows, each batch one JSON document, so the group
is one round trip and, in autocommit, one transaction. Foreign keys between the batches
(a match and its members, a flag and its due dates) hold: PostgreSQL checks them when the
whole statement ends.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

import psycopg
from sqlalchemy import Select, Table
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.orm import class_mapper

from hub.audit.models import AuditEntry
from hub.db import Base, json_insert_statement, new_rows, rows_as_json, with_defaults
from hub.errors import AuditUnavailable

DIALECT = psycopg_dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Compiled:
    """A Core statement as PostgreSQL text for psycopg, and the values fixed in it."""

    text: str
    fixed: dict[str, Any]

    def parameters(self, **given: Any) -> dict[str, Any]:
        return {**self.fixed, **given}


def compiled(statement: Select[*tuple[Any, ...]], *, given: Collection[str]) -> Compiled:
    """``statement`` (whose parameters named ``given`` the caller supplies) for psycopg."""
    result = statement.compile(dialect=DIALECT)  # no ``IN`` lists: psycopg cannot expand them
    fixed = {
        name: value.value if isinstance(value, Enum) else value
        for name, value in result.params.items()
        if name not in given
    }
    return Compiled(str(result), fixed)


Reader = Callable[[Sequence[Any]], Base]


@functools.cache
def entity_reader(model: type[Base], start: int = 0) -> Reader:
    """Makes a ``model`` object from the row's columns ``start`` onwards, in the order of
    ``entity_columns(model)``, each value as the column's type gives it to the ORM."""
    attributes = [
        (attribute.key, attribute.columns[0]) for attribute in class_mapper(model).column_attrs
    ]
    processors = [
        (key, start + index, column.type.result_processor(DIALECT, None))
        for index, (key, column) in enumerate(attributes)
    ]

    def read(row: Sequence[Any]) -> Base:
        values = {
            key: row[index] if process is None or row[index] is None else process(row[index])
            for key, index, process in processors
        }
        return model(**values)

    return read


def entity_columns(model: type[Base]) -> list[Any]:
    """The columns :func:`entity_reader` reads, to select in that order."""
    return [attribute.columns[0] for attribute in class_mapper(model).column_attrs]


def width(model: type[Base]) -> int:
    return len(class_mapper(model).column_attrs)


@functools.cache
def audit_columns() -> tuple[str, ...]:
    """The audit columns an entry's row gives: all but those the database fills (the
    sequence) or the sequencer sets later."""
    table = cast(Table, AuditEntry.__table__)
    generated = ("seq", "leaf_index")
    return tuple(column.name for column in table.columns if column.name not in generated)


@functools.cache
def _insert_statement(batches: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """One statement inserting each batch (table name, columns) from its JSON parameter."""
    tables = {table.name: table for table in Base.metadata.tables.values()}
    parts = [
        f"b{index} AS ({json_insert_statement(tables[name], columns, f'b{index}')})"
        for index, (name, columns) in enumerate(batches)
    ]
    return "WITH " + ",\n".join(parts) + "\nSELECT 1"


async def insert_in_one_statement(
    connection: psycopg.AsyncConnection[Any],
    objects: Sequence[Base],
    entries: list[dict[str, Any]],
) -> None:
    """Insert new ``objects`` and audit ``entries`` (``audit.new_entry`` rows, in order) in
    one statement; committed when it returns, on an autocommit connection.

    A lost connection and a broken constraint raise as psycopg does; any other failure means
    the entries could not be written, and nothing was: :class:`AuditUnavailable`.
    """
    batches: list[tuple[Table, list[dict[str, Any]]]] = [
        (table, with_defaults(table, rows)) for table, rows in new_rows(*objects)
    ]
    shape = tuple((table.name, tuple(rows[0])) for table, rows in batches)
    if entries:  # every entry has every column (``audit.new_entry``)
        table = cast(Table, AuditEntry.__table__)
        batches.append((table, entries))
        shape += ((table.name, audit_columns()),)
    if not batches:
        return
    parameters = {f"b{index}": rows_as_json(rows) for index, (_, rows) in enumerate(batches)}
    try:
        await connection.execute(_insert_statement(shape), parameters)
    except (psycopg.OperationalError, psycopg.IntegrityError):
        raise
    except psycopg.Error as error:
        raise AuditUnavailable("the audit entries could not be written") from error
