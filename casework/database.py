"""Transactions: a request reads first, then writes once, and never holds the write lock while
it parses or validates what it was sent.

**Reads.** Within a request every transaction begins deferred (SQLite: ``BEGIN``): who is
asking (the API token, the session cookie) and the records the request names are read that
way. In WAL such a transaction takes no lock: it runs beside other readers and beside a writer.

**The write.** A view that writes first reads, parses and validates, then calls
``begin_write()``: the read transaction ends (what was loaded is read again, fresh, when next
used) and the next transaction takes the write lock as it begins (SQLite: ``BEGIN IMMEDIATE``,
waiting up to busy_timeout for it). After that transaction ends, the request reads deferred
again. ``begin_write(*fresh)`` instead keeps what was loaded as it was read, except the rows
named, read again under the lock when next used (or returned by a query): those whose state
the write depends on (a family still open, the goals a visit may discuss). The rest (the
caller, a family's children) is not read twice; it stays as read even when a query returns
it again, so a row that must be current is named.

**Why not simply write in the read transaction.** In WAL a deferred transaction that has read
and then writes fails at once, without waiting, when another request wrote in between
(SQLITE_BUSY_SNAPSHOT, "database is locked"). So on SQLite a request that writes after reading
in the same deferred transaction is refused while testing (``_guard``) and logged in
production. (A deferred transaction whose *first* statement writes is safe: SQLite waits for
the lock and reads from the state it finds.)

Outside a request (the scheduler, the CLI) every transaction begins with the write lock, as
it may write at any point. On PostgreSQL (READ COMMITTED) ``begin_write`` ends the read
transaction all the same, so both databases run the same steps."""
from __future__ import annotations

import logging
import re

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine

from .extensions import db

log = logging.getLogger(__name__)

# Statements that change the database (what a deferred transaction must not run after a read).
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
_READS = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)


class WriteAfterRead(RuntimeError):
    """A deferred (read) transaction went on to write: call ``begin_write()`` first."""


def begin_write(*fresh, keep_loaded: bool = False) -> None:
    """End the request's read transaction; the next transaction takes the write lock as it
    begins. Call it once what was sent has been parsed and validated, before the service
    that writes. Without arguments everything loaded is read again (under the lock) when next
    used. With ``fresh`` rows, what was loaded is kept as read except their columns: name
    every row the write decides on. ``keep_loaded``: everything stays as read, for a page
    already rendered from it that has only to log the read."""
    session = db.session()
    if fresh or keep_loaded:
        _end_keeping(session)
        for row in fresh:
            session.expire(row, [attr.key for attr in inspect(row).mapper.column_attrs])
    else:
        _commit_read(session)  # nothing is pending in a read; loaded rows are read again when used
    g.casework_write_next = True


def end_read() -> None:
    """End the read transaction, keeping what was loaded as it was read: who is asking is
    known before the body is parsed, and no transaction stays open meanwhile."""
    _end_keeping(db.session())


def _end_keeping(session) -> None:
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        _commit_read(session)
    finally:
        session.expire_on_commit = keep


def ending_read() -> bool:
    """Whether the commit under way only ends a read (``begin_write``, ``end_read``). A
    ``before_commit`` hook that adds rows of its own skips it: they belong with the write that
    follows, in its transaction (a read transaction must not write)."""
    return has_request_context() and g.get("casework_ending_read", False)


def _commit_read(session) -> None:
    g.casework_ending_read = True
    try:
        session.commit()
    finally:
        g.casework_ending_read = False


def init_app(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        _configure_sqlite(db.engine, app.config["CASEWORK_SQLITE_SYNCHRONOUS"])


def refresh_statistics(session) -> None:
    """Tell the query planner how the rows are spread over each index. Without statistics
    SQLite walks an index over nearly a whole table where a scan, or a skip-scan of an index
    led by a few values, costs a fraction (the outcomes report over a year's closures: about
    a third). Run after loading (``init-db``, ``seed-demo``); on SQLite ``analysis_limit``
    samples each index, so it takes well under a second at any size. PostgreSQL's autovacuum
    keeps its own, but only some time after a bulk load."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA analysis_limit = 1000"))
        session.execute(text("ANALYZE"))
    else:  # this schema's tables only, not the whole database's
        session.execute(text("ANALYZE " + ", ".join(f'"{table}"' for table in db.metadata.tables)))


def _takes_write_lock() -> bool:
    """Whether the transaction beginning now takes the write lock at once (and uses up a
    ``begin_write``)."""
    if not has_request_context():
        return True
    return bool(g.pop("casework_write_next", False))


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"CASEWORK_SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        immediate = _takes_write_lock()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        # What the guard needs: whether this transaction reads without the lock, and has read.
        connection.info["casework_deferred"] = not immediate
        connection.info["casework_has_read"] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _guard(connection, _cursor, statement, _parameters, _context, _executemany):
        if not connection.info.get("casework_deferred"):
            return
        if _READS.match(statement):
            connection.info["casework_has_read"] = True
        elif _WRITES.match(statement) and connection.info["casework_has_read"]:
            message = f"A read transaction went on to write ({statement.split()[0]}): call begin_write() first."
            if current_app.testing:
                raise WriteAfterRead(message)
            log.warning(message)
