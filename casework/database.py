"""Engine settings that make SQLite safe for a small multi-user web application."""
from flask import Flask, g, has_app_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def init_app(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        _configure_sqlite(db.engine)

    @app.before_request
    def note_pages_that_only_read():
        g.reads_only = getattr(app.view_functions.get(request.endpoint), "reads_only", False)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # BEGIN IMMEDIATE takes the write lock up front, waiting up to busy_timeout for it.
        # A deferred transaction that reads and then writes can instead fail at once with
        # "database is locked" when another request wrote in between. Pages that only read
        # (views.helpers.reads_only) begin deferred: in WAL they run beside each other and
        # beside a writer instead of queueing for the write lock.
        deferred = has_app_context() and g.get("reads_only", False)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
