"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
CASEWORK_TEST_DATABASE_URL names one (as ``.ci/run`` does); the schema is built by the real
Alembic migrations, so they are tested on both."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from casework import create_app
from casework.config import TestingConfig, normalise_database_url
from casework.extensions import db as _db
from casework.services.clock import current_time, local_date

from . import factories

PASSWORD = factories.PASSWORD


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "deploy: casework run as deploy/ ships it, behind nginx (tests/test_deploy.py; SQLite run only)"
    )


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("CASEWORK_TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "casework-test.sqlite3")


class RequestClient(FlaskClient):
    """Each request runs in its own application context, as in production: its own ``g``
    (where Flask-Login caches the signed-in user) and its own database session. What the test
    set up is committed first, and the test's session reads the request's writes afterwards."""

    def open(self, *args, **kwargs):
        _db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    engine_options = dict(TestingConfig.SQLALCHEMY_ENGINE_OPTIONS)
    schema = None
    if url.startswith("postgresql"):
        # A schema of this run's own, so runs side by side on one database never collide.
        schema = f"casework_test_{os.getpid()}"
        with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine_options["connect_args"] = {"options": f"-csearch_path={schema}"}

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = engine_options

    app = create_app(Config)
    app.test_client_class = RequestClient
    with app.app_context():
        upgrade()
    yield app
    if schema:
        with app.app_context():
            _db.engine.dispose()
        with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


def _empty_tables():
    tables = [table.name for table in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        # DELETE is far cheaper than TRUNCATE on a test's handful of rows. Replica mode skips
        # the audit trail's triggers (and foreign-key checks) while emptying; setval restarts
        # the ids as TRUNCATE ... RESTART IDENTITY would.
        _db.session.execute(text("SET LOCAL session_replication_role = replica"))
        for name in tables:
            _db.session.execute(text(f"DELETE FROM {name}"))
        _db.session.execute(text(
            "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        ))
    else:
        # The audit trail's triggers refuse DELETE (as they should); lift them while emptying.
        triggers = _db.session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _ in triggers:
            _db.session.execute(text(f"DROP TRIGGER {name}"))
        for name in tables:
            _db.session.execute(text(f"DELETE FROM {name}"))
        for _, sql in triggers:
            _db.session.execute(text(sql))
    _db.session.commit()


@pytest.fixture(autouse=True)
def db(app):
    # A test that changes a setting must not change it for the tests after it.
    settings = dict(app.config)
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        _empty_tables()
    app.config.clear()
    app.config.update(settings)


@pytest.fixture
def immediate_closing(app, monkeypatch):
    """Closure approval switched off: a worker's closing move or review closes at once."""
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", False)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def now(app):
    with app.app_context():
        return current_time()


@pytest.fixture
def today(now) -> dt.date:
    return local_date(now)


@pytest.fixture
def team(db):
    return factories.TeamFactory(name="North")


@pytest.fixture
def other_team(db):
    return factories.TeamFactory(name="South")


@pytest.fixture
def worker(team):
    return factories.UserFactory(team=team, role="worker", name="Wendy Worker", email="wendy@example.org")


@pytest.fixture
def colleague(team):
    """Another worker in the same team."""
    return factories.UserFactory(team=team, role="worker", name="Colin Colleague", email="colin@example.org")


@pytest.fixture
def manager(team):
    return factories.UserFactory(team=team, role="manager", name="Mina Manager", email="mina@example.org")


@pytest.fixture
def admin(team):
    return factories.UserFactory(team=None, role="admin", name="Ada Admin", email="ada@example.org")


@pytest.fixture
def outsider(other_team):
    """A worker of another team."""
    return factories.UserFactory(team=other_team, role="worker", name="Oscar Outsider", email="oscar@example.org")


@pytest.fixture
def family(worker, today):
    return factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=30))


def sign_in(client, user, password=PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login(client, db):
    """``login(user)`` signs ``user`` in on ``client``."""

    def _login(user):
        _db.session.commit()
        sign_in(client, user)
        return client

    return _login


@pytest.fixture
def api(client, db):
    """``api(user)`` answers a client whose calls carry a fresh bearer token for ``user``."""

    class ApiClient:
        def __init__(self, token):
            self.headers = {"Authorization": f"Bearer {token}"}

        def __getattr__(self, method):
            def call(path, **kwargs):
                headers = {**self.headers, **kwargs.pop("headers", {})}
                return getattr(client, method)(path, headers=headers, **kwargs)

            return call

    def _api(user):
        _db.session.commit()
        response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 201, response.get_data(as_text=True)
        return ApiClient(response.get_json()["token"])

    return _api
