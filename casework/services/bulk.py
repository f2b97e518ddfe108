"""Writing many rows at once, for the demo data and the daily sweep: on PostgreSQL with COPY
(one round trip for thousands of rows, no statement to parse per batch), on SQLite with one
``executemany`` of plain tuples (SQLite runs in-process: there are no round trips to save, but
building SQLAlchemy's parameters row by row cost more than SQLite's own work).

Values go through each column's own type first (a UTC instant stays UTC, JSON is serialised),
and on SQLite a column left out gets its Python-side default as an ORM insert would give it,
so what is stored is what an ordinary INSERT would have stored."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import operator

from sqlalchemy import JSON, Column, Date, Table, literal_column, select
from sqlalchemy.engine import Connection, Dialect

from ..models.base import UTCDateTime

_temporary_tables = itertools.count(1)


def _copy(cursor, table: Table, target: str, columns: list[str], rows: list[dict], dialect) -> None:
    processors = [
        json.dumps if isinstance(table.c[name].type, JSON) else table.c[name].type.bind_processor(dialect)
        for name in columns
    ]
    with cursor.copy(f"COPY {target} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([process(row[name]) if process else row[name]
                            for name, process in zip(columns, processors, strict=True)])


def write_rows(connection: Connection, table: Table, rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table``, in the connection's
    transaction."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        _executemany(connection, table, rows)
        return
    with connection.connection.driver_connection.cursor() as cursor:
        _copy(cursor, table, table.name, list(rows[0]), rows, connection.dialect)


def insert_new_rows(connection: Connection, table: Table, rows: list[dict], conflict: tuple[str, ...],
                    where: str | None = None, returning: tuple[str, ...] = ()) -> list[tuple]:
    """INSERT ``rows`` into ``table``, skipping those that conflict on the unique index over
    ``conflict`` (a partial index: ``where``, its predicate); answers a tuple of the
    ``returning`` columns (``()`` without) for each row inserted, in the order of ``rows``.
    PostgreSQL: COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT."""
    if not rows:
        return []
    columns = list(rows[0])
    on_conflict = f" ON CONFLICT ({', '.join(conflict)})" + (f" WHERE {where}" if where else "") + " DO NOTHING"
    if connection.dialect.name != "postgresql":
        return _insert_new_sqlite(connection, table, rows, on_conflict, returning)
    listed = ", ".join(columns)
    target = f"casework_bulk_{next(_temporary_tables)}"
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS "
                       f"SELECT {listed} FROM {table.name} WITH NO DATA")
        cursor.execute(f"ALTER TABLE {target} ADD COLUMN casework_order serial")
        _copy(cursor, table, target, columns, rows, connection.dialect)
        cursor.execute(
            f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM {target} ORDER BY casework_order"
            f"{on_conflict} RETURNING {', '.join(returning) or '1'}"
        )
        found = cursor.fetchall()
        cursor.execute(f"DROP TABLE {target}")
    return [tuple(row) if returning else () for row in found]


def _executemany(connection: Connection, table: Table, rows: list[dict], suffix: str = "") -> int:
    """One INSERT run for every row as a tuple of values already in the database's form;
    answers how many rows were inserted. Through SQLAlchemy's connection all the same, so
    that its statement hooks (the write-after-read guard) see it."""
    # What an ORM insert fills in for a column left out: its scalar or callable default.
    defaults = [column for column in table.c if column.name not in rows[0] and column.default is not None
                and (column.default.is_scalar or column.default.is_callable)]
    columns = [table.c[name] for name in rows[0]] + defaults
    processors = [_sqlite_processor(column, connection.dialect) for column in columns]
    preparer = connection.dialect.identifier_preparer
    statement = (f"INSERT INTO {preparer.format_table(table)} "
                 f"({', '.join(preparer.quote(column.name) for column in columns)}) "
                 f"VALUES ({', '.join('?' * len(columns))}){suffix}")
    # Column by column: each column's values through its type's processor, in C loops.
    values = []
    for column, process in zip(columns, processors, strict=True):
        if column.name in rows[0]:
            found = list(map(operator.itemgetter(column.name), rows))
        elif column.default.is_scalar:
            found = [column.default.arg] * len(rows)
        else:
            found = [column.default.arg(None) for _ in rows]
        values.append(list(map(process, found)) if process else found)
    params = list(zip(*values, strict=True))
    return connection.exec_driver_sql(statement, params).rowcount


def _insert_new_sqlite(connection: Connection, table: Table, rows: list[dict], on_conflict: str,
                       returning: tuple[str, ...]) -> list[tuple]:
    if not returning:
        return [()] * _executemany(connection, table, rows, on_conflict)
    # SQLite has one writer: in this transaction, the rows above the highest rowid before the
    # INSERT are exactly those it inserted, in the order of ``rows``.
    rowid = literal_column("rowid")
    before = connection.scalar(select(rowid).select_from(table).order_by(rowid.desc()).limit(1)) or 0
    _executemany(connection, table, rows, on_conflict)
    return [tuple(row) for row in connection.execute(
        select(*(table.c[name] for name in returning)).where(rowid > before).order_by(rowid))]


def _sqlite_processor(column: Column, dialect: Dialect):
    """The column type's own bind processor, but for a date or a UTC instant the very text
    SQLite's DATE and DATETIME store ("2026-12-07", "2026-12-07 06:00:00.000000") made by
    isoformat: several times faster than their templates, and the demo writes millions."""
    processor = column.type._cached_bind_processor(dialect)
    if isinstance(column.type, UTCDateTime):
        def utc_text(value):
            if value is None or value.tzinfo is None:
                return processor(value)  # None, or the type's own refusal of a naive datetime
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return _remembered(utc_text)
    if type(column.type) is Date:
        def date_text(value):
            return dt.date.isoformat(value) if isinstance(value, dt.date) else processor(value)
        return _remembered(date_text)
    return processor


def _remembered(convert):
    """``convert``, answering a value seen before in this write from memory: the demo's
    millions of dates and instants are a few thousand days, and the sweep's are one ``now``."""
    known = {}

    def remembered(value):
        try:
            return known[value]
        except KeyError:
            known[value] = text = convert(value)
            return text
    return remembered
