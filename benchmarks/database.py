"""A throw-away database for a benchmark: a SQLite file in a temporary directory, or a schema
of its own in the PostgreSQL database named by ``BENCH_PG_URL`` (default the test database,
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), dropped afterwards; built by the real
migrations and loaded with seed-demo's service."""
from __future__ import annotations

import contextlib
import io
import logging
import os
import random
import shutil
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from casework import create_app
from casework.config import normalise_database_url
from casework.demo.seed import seed_demo
from casework.demo.staff import DEMO_PASSWORD
from casework.extensions import db
from casework.services import clock

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Cheap to check, so that signing the benchmark's users in costs nothing worth measuring.
BENCH_HASH_METHOD = "pbkdf2:sha256:1000"


def pg_url() -> str:
    return normalise_database_url(os.environ.get("BENCH_PG_URL") or PG_URL)


@dataclass
class BenchDatabase:
    kind: str  # sqlite | postgresql
    families: int
    app: Flask
    url: str  # for another process (gunicorn): the schema is in the URL
    seed_seconds: float = 0.0
    rows: int = 0

    @property
    def label(self) -> str:
        return DATABASES[self.kind]


def _with_search_path(url: str, schema: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query)
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


@contextlib.contextmanager
def bench_database(kind: str, families: int, seed: int = 2026, progress: bool = True):
    """Yields a ``BenchDatabase`` holding a fresh demo service of ``families`` families."""
    tmp, schema = None, None
    options = {"pool_pre_ping": True}
    if kind == "sqlite":
        tmp = tempfile.mkdtemp(prefix="casework-bench-")
        url = server_url = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        url = pg_url()
        schema = f"casework_bench_{os.getpid()}_{families}"
        with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        options["connect_args"] = {"options": f"-csearch_path={schema}"}
        server_url = _with_search_path(url, schema)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options, "MAIL_SERVER": ""})
    try:
        with app.app_context():
            quiet = logging.getLogger("alembic")
            level = quiet.level
            quiet.setLevel(logging.WARNING)
            try:
                with contextlib.redirect_stderr(io.StringIO()):
                    upgrade()
            finally:
                quiet.setLevel(level)
            started = time.perf_counter()
            result = seed_service(families, seed, progress, f"Seeding {families:,} families ({DATABASES[kind]})")
            seconds = time.perf_counter() - started
            db.session.remove()
        yield BenchDatabase(kind, families, app, server_url, seconds, sum(result.counts.values()))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if schema:
            with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def seed_service(families: int, seed: int, progress: bool, label: str):
    """seed-demo's service (a fixed seed, dated from today), committed."""
    today = clock.local_date(clock.current_time())
    password_hash = generate_password_hash(DEMO_PASSWORD, method=BENCH_HASH_METHOD)
    bar = click.progressbar(length=families, label=label, file=sys.stderr) if progress else contextlib.nullcontext()
    with bar:
        result = seed_demo(
            db.session, today, random.Random(seed), families=families, password_hash=password_hash,
            prefix=current_app.config["CASEWORK_REFERENCE_PREFIX"], progress=bar.update if progress else None,
        )
        db.session.commit()
    return result
