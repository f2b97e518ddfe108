"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
CASEWORK_TEST_DATABASE_URL names one (as ``.ci/run`` does); the schema is built by the real
Alembic migrations, so they are tested on both."""
from __future__ import annotations

import datetime as dt
import functools
import os
import socket

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from casework import create_app
from casework.config import TestingConfig, normalise_database_url
from casework.extensions import db as _db
from casework.models import Carer, FamilyConcern, Flag, Notification, PlannedVisit, Transfer, UnrecordedVisit
from casework.services.clock import current_time, local_date

from . import factories
from .helpers import closed_family, pending_account, sign_in, team_around

PASSWORD = factories.PASSWORD


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
        # A throw-away schema: commits need not wait for the disk.
        engine_options["connect_args"] = {"options": f"-csearch_path={schema} -csynchronous_commit=off"}

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


@functools.cache
def _tables_children_first() -> tuple[str, ...]:
    return tuple(table.name for table in reversed(_db.metadata.sorted_tables))


def _empty_tables():
    tables = _tables_children_first()
    # One statement finds the tables a test wrote to (a handful of the ~50): only those are emptied.
    holding = set(_db.session.execute(text(" UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in tables))).scalars())
    if not holding:
        _db.session.rollback()
        return
    tables = [name for name in tables if name in holding]
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
        # The audit trail's triggers refuse DELETE (as they should); lift them while emptying it.
        triggers = []
        if "audit_events" in holding:
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
def no_approval(app):
    """Closure approval switched off for one test."""
    before = app.config["CASEWORK_CLOSURE_APPROVAL"]
    app.config["CASEWORK_CLOSURE_APPROVAL"] = False
    try:
        yield
    finally:
        app.config["CASEWORK_CLOSURE_APPROVAL"] = before


class Inbox:
    """What a real SMTP server (aiosmtpd) received: (recipients, message text) pairs."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free port, and the app set to send through it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    app.config.update(MAIL_SERVER="")
    controller.stop()


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


# --- the world of the authorisation tests (tests/test_authorisation.py and tests/trust) ---------


@pytest.fixture
def world(db, worker, colleague, manager, admin, other_team):
    """One family held by ``worker``, with a goal, a rating, a visit, an open flag and a
    notification for the worker; and a family of another team offered to ``manager``'s team."""
    family = factories.FamilyFactory(worker=worker)
    goal = factories.GoalFactory(family=family)
    rating = factories.RatingFactory(goal=goal)
    visit = factories.VisitFactory(family=family)
    voice = factories.VoiceFactory(family=family)
    other_manager = factories.UserFactory(team=other_team, role="manager", email="otto@example.org")
    flag = Flag(family=family, rule="no_access", subject_key="family", severity="medium",
                message="Two visits in a row without access.", raised_on=family.opened_on)
    notification = Notification(user=worker, kind="allocated", family_id=family.id, key="world",
                                message=f"{family.reference} has been allocated to you.",
                                created_on=family.opened_on)
    offered = factories.FamilyFactory(worker=factories.UserFactory(team=other_team, email="owen@example.org"))
    planned = PlannedVisit(family=family, worker=worker, date=family.opened_on, kind="home_visit")
    carer = Carer(family=family, first_name="Dana", relationship_to_children="Mother")
    unrecorded = UnrecordedVisit(user=worker, device_key="world", family_id=family.id,
                                 family_reference=family.reference, payload="{}", status=422)
    db.session.add_all([flag, notification, carer, planned, unrecorded])
    db.session.flush()
    transfer = Transfer(family_id=offered.id, from_team_id=other_team.id, to_team_id=manager.team_id,
                        requested_by_id=other_manager.id, reason="The family moved.")
    db.session.add(transfer)
    db.session.flush()
    setup_token = pending_account(manager.team, admin, "pat@example.org")
    team_ids = team_around(family, "Tess@Hillside.example.org", withdrawn_email="will@surgery.example.org")
    partners = {role: factories.UserFactory(team=None, role="partner", agency="Hillside Primary", email=email)
                for role, email in (("partner", "tess@hillside.example.org"),
                                    ("partner_withdrawn", "will@surgery.example.org"),
                                    ("partner_without", "nora@housing.example.org"))}
    people = dict(worker=worker, colleague=colleague, manager=manager, other_manager=other_manager, admin=admin,
                  **partners)
    ids = dict(family_id=family.id, goal_id=goal.id, visit_id=visit.id, user_id=colleague.id, filename="casework.css",
               rating_id=rating.id, flag_id=flag.id, notification_id=notification.id, transfer_id=transfer.id,
               child_id=family.children[0].id, carer_id=carer.id, form_key=f"visit:new:family:{family.id}",
               token=setup_token, team_id=manager.team_id, planned_visit_id=planned.id,
               voice_id=voice.id, unrecorded_id=unrecorded.id, **team_ids)
    db.session.commit()
    return people, ids


# --- report figures (the report pages, the reports API) ------------------------------------------


@pytest.fixture
def closed_in_period(worker, outsider):
    """A family of North closed in the reports' period (with one goal achieved, one never
    rated), and one of South."""
    family = closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 6, 8))  # 22 weeks, 2 children
    routine = factories.GoalFactory(family=family, area="family_routine", baseline=3, status="achieved")
    factories.RatingFactory(goal=routine, date=dt.date(2026, 3, 1), rating=6)
    factories.GoalFactory(family=family, area="home_conditions", baseline=2)  # never rated
    closed_family(outsider, dt.date(2026, 1, 5), dt.date(2026, 6, 1))  # another team
    return family


@pytest.fixture
def referrals(worker):
    """LS6: 6 neglect_physical, 2 housing (hidden); LS7: 5 neglect_physical."""
    ls6 = [factories.FamilyFactory(worker=worker, postcode=f"LS6 {i}AB", referral_date=dt.date(2026, 5, 1),
                                   opened_on=dt.date(2026, 5, 2))
           for i in range(6)]
    for family in ls6[:2]:
        family.concern_rows.append(FamilyConcern(code="housing"))
    for i in range(5):
        factories.FamilyFactory(worker=worker, postcode=f"LS7 {i}CD", referral_date=dt.date(2026, 5, 1),
                                opened_on=dt.date(2026, 5, 2))
    _db.session.flush()


@pytest.fixture
def quarterly(worker, outsider):
    """Referrals around the period 2026-03-15 to 2026-07-10 (2026 Q1, Q2 and Q3, cut), by hand,
    the same in its whole months (2026-03-01 to 2026-07-31): Q1: LS6 neglect_physical 5.  Q2:
    LS6 neglect_physical 2 and housing 2 (the same two families); LS7 neglect_physical 6 (one on
    the quarter's last day).  Q3: BD3 1.  Outside both: LS6 on 2026-02-28 and 2026-08-01.
    Another team: LS7 in Q2."""
    def refer(postcode, day, who=worker, *extra):
        family = factories.FamilyFactory(worker=who, postcode=postcode, referral_date=day, opened_on=day)
        for code in extra:
            family.concern_rows.append(FamilyConcern(code=code))
        return family

    for i in range(5):
        refer(f"LS6 {i}AB", dt.date(2026, 3, 20))
    for i in range(2):
        refer(f"LS6 {i}XY", dt.date(2026, 5, 1), worker, "housing")
    for i in range(5):
        refer(f"LS7 {i}CD", dt.date(2026, 4, 1))
    refer("LS7 9CD", dt.date(2026, 6, 30))
    refer("BD3 9XY", dt.date(2026, 7, 10))
    refer("LS6 1ZZ", dt.date(2026, 2, 28))
    refer("LS6 2ZZ", dt.date(2026, 8, 1))
    refer("LS7 8CD", dt.date(2026, 5, 5), outsider)
    _db.session.flush()
