"""The benchmark's probe inside the web workers: counts the SQL statements of each request and,
when asked, measures the "floor" of a request: the same statements replayed alone.

Installed only by ``benchmarks.wsgi`` (the application the benchmark starts under
gunicorn); the application itself never imports this package. It is a WSGI middleware plus two
SQLAlchemy engine listeners:

- every answer carries ``X-Query-Count`` (statements sent, not counting BEGIN, COMMIT and
  ROLLBACK) and ``X-Query-Time-Ms`` (the time spent inside the driver's ``execute``);
- a request with the header ``X-Bench-Capture: NAME`` also records its statements with their
  parameters, transaction ends included. Once the request is over (its session closed, so
  that SQLite's write lock is free again) the worker replays them on a connection of its own,
  in order, fetching every row, ``X-Bench-Repeats`` times (default 15), and writes the median
  time and the statements to ``$CASEWORK_BENCH_CAPTURE_DIR/NAME.json``.

Replaying writes repeats them: a logged visit is logged again (with a new id). That is what the
benchmark's throw-away database is for. A statement that fails when repeated (a second row
with a primary key the first already took) is left out of the timed replays, which makes the
floor a little lower, never higher, than the real one.
"""
from __future__ import annotations

import json
import os
import re
import statistics
import threading
import time
from pathlib import Path

from sqlalchemy import event

TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)
DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
COMMIT, ROLLBACK = "COMMIT", "ROLLBACK"


class _State(threading.local):
    def __init__(self):
        self.active = False
        self.count = 0
        self.seconds = 0.0
        self.started = 0.0
        self.statements: list | None = None


def install(app) -> None:
    """Wrap ``app`` (a Flask application) with the probe."""
    from casework.extensions import db

    with app.app_context():
        engine = db.engine
    state = _State()
    capture_dir = Path(os.environ.get("CASEWORK_BENCH_CAPTURE_DIR") or "/tmp")

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        if not state.active:
            return
        if state.statements is not None:
            state.statements.append((statement, parameters, executemany))
        if not TRANSACTION_CONTROL.match(statement):
            state.count += 1
        state.started = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        if state.active:
            state.seconds += time.perf_counter() - state.started

    @event.listens_for(engine, "commit")
    def on_commit(conn):
        if state.active and state.statements is not None:
            state.statements.append((COMMIT, None, False))

    @event.listens_for(engine, "rollback")
    def on_rollback(conn):
        if state.active and state.statements is not None:
            state.statements.append((ROLLBACK, None, False))

    inner = app.wsgi_app

    def probe(environ, start_response):
        name = environ.get("HTTP_X_BENCH_CAPTURE")
        repeats = int(environ.get("HTTP_X_BENCH_REPEATS") or 15)
        state.active, state.count, state.seconds = True, 0, 0.0
        state.statements = [] if name else None

        def counted_start_response(status, headers, exc_info=None):
            headers.append(("X-Query-Count", str(state.count)))
            headers.append(("X-Query-Time-Ms", f"{state.seconds * 1000:.3f}"))
            return start_response(status, headers, exc_info)

        try:
            # Flask closes the request's session (and its transaction) before returning.
            return inner(environ, counted_start_response)
        finally:
            state.active = False
            if name:
                statements, state.statements = state.statements, None
                _write_floor(capture_dir, name, engine, statements, repeats)

    app.wsgi_app = probe


def _write_floor(capture_dir: Path, name: str, engine, statements: list, repeats: int) -> None:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    try:
        result = floor(engine, statements, repeats)
    except Exception as error:  # report it; never break the request
        result = {"error": f"{type(error).__name__}: {error}"}
    result["queries"] = sum(1 for s, *_ in statements
                            if s not in (COMMIT, ROLLBACK) and not TRANSACTION_CONTROL.match(s))
    result["statements"] = [s for s, *_ in statements]
    (capture_dir / f"{safe}.json").write_text(json.dumps(result, indent=1))


def floor(engine, statements: list, repeats: int) -> dict:
    """Replay ``statements`` on a connection of the pool, ``repeats`` times after one untimed
    pass that finds the statements that cannot be repeated; answers the median in ms."""
    postgresql = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        skip = set()
        _replay(dbapi, statements, postgresql, skip, {}, probe_failures=True)
        times, each = [], {}
        for _ in range(max(1, repeats)):
            started = time.perf_counter()
            _replay(dbapi, statements, postgresql, skip, each)
            times.append(time.perf_counter() - started)
        slowest = sorted(((statistics.median(t), i) for i, t in each.items()), reverse=True)[:5]
        return {"floor_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000,
                "skipped": sorted(skip), "repeats": repeats,
                "slowest": [{"ms": round(t * 1000, 3), "index": i, "sql": statements[i][0][:2000]} for t, i in slowest]}
    finally:
        raw.close()


def _replay(dbapi, statements, postgresql: bool, skip: set, each: dict, probe_failures: bool = False) -> None:
    cursor = dbapi.cursor()
    try:
        for index, (statement, parameters, many) in enumerate(statements):
            if index in skip:
                continue
            if statement in (COMMIT, ROLLBACK):
                if postgresql:
                    dbapi.commit() if statement == COMMIT else dbapi.rollback()
                elif dbapi.in_transaction:
                    cursor.execute(statement)
                continue
            guarded = probe_failures and postgresql and DML.match(statement)
            if guarded:
                cursor.execute("SAVEPOINT bench_probe")
            started = time.perf_counter()
            try:
                if many:
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
                each.setdefault(index, []).append(time.perf_counter() - started)
            except Exception:
                if not probe_failures:
                    raise
                skip.add(index)
                if guarded:
                    cursor.execute("ROLLBACK TO SAVEPOINT bench_probe")
                continue
            if guarded:
                cursor.execute("RELEASE SAVEPOINT bench_probe")
        if postgresql:
            dbapi.rollback()
        elif dbapi.in_transaction:
            cursor.execute("ROLLBACK")
    finally:
        cursor.close()
