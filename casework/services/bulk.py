"""Writing many rows at once, for the demo data and the daily sweep: on PostgreSQL with COPY
(one round trip for thousands of rows, no statement to parse per batch), elsewhere with
``executemany`` in batches (SQLite runs in-process: there are no round trips to save).

Values go through each column's own type first (a UTC instant stays UTC, JSON is serialised),
so what is stored is what an ordinary INSERT would have stored."""
from __future__ import annotations

import itertools
import json

from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

BATCH = 1000
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
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start:start + BATCH])
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
    if connection.dialect.name != "postgresql":
        statement = sqlite_insert(table).on_conflict_do_nothing(
            index_elements=list(conflict), index_where=text(where) if where else None)
        found = []
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            if returning:
                found += connection.execute(
                    statement.returning(*(table.c[name] for name in returning), sort_by_parameter_order=True), batch
                ).all()
            else:
                found += [()] * connection.execute(statement, batch).rowcount
        return [tuple(row) for row in found]
    listed = ", ".join(columns)
    target = f"casework_bulk_{next(_temporary_tables)}"
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS "
                       f"SELECT {listed} FROM {table.name} WITH NO DATA")
        cursor.execute(f"ALTER TABLE {target} ADD COLUMN casework_order serial")
        _copy(cursor, table, target, columns, rows, connection.dialect)
        on_conflict = f" ON CONFLICT ({', '.join(conflict)})" + (f" WHERE {where}" if where else "") + " DO NOTHING"
        cursor.execute(
            f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM {target} ORDER BY casework_order"
            f"{on_conflict} RETURNING {', '.join(returning) or '1'}"
        )
        found = cursor.fetchall()
        cursor.execute(f"DROP TABLE {target}")
    return [tuple(row) if returning else () for row in found]
