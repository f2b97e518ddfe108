"""The command line: ``flask --app casework init-db | create-user | seed-demo``."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, inspect, select, text
from werkzeug.security import check_password_hash

from casework.demo.staff import DEMO_DOMAIN, DEMO_PASSWORD
from casework.models import Child, Family, GoalRating, Team, User, Visit

from . import factories
from .conftest import _empty_tables


@pytest.fixture
def cli(app, db):
    runner = app.test_cli_runner()

    def invoke(*args, **kwargs):
        # Whatever the test wrote must be committed before the command runs (SQLite's
        # BEGIN IMMEDIATE would otherwise make the command wait for this session's lock).
        db.session.commit()
        result = runner.invoke(args=list(args), **kwargs)
        db.session.rollback()
        return result

    return invoke


def test_init_db_is_safe_to_run_again(cli, db):
    for _ in range(2):
        result = cli("init-db")
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output
    tables = set(inspect(db.engine).get_table_names())
    assert {"families", "users", "teams", "visits", "goals", "reviews", "alembic_version"} <= tables


def _forget_statistics(db) -> None:
    """Statistics left by earlier tests (the database is shared) could hide a command that
    does not refresh them: SQLite's are dropped; PostgreSQL's are judged by their time."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    db.session.commit()


def _tables_with_statistics(db, since) -> set[str]:
    if db.engine.dialect.name == "sqlite":
        found = db.session.execute(text(
            "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
        return set(db.session.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1"))) if found else set()
    return set(db.session.scalars(text(
        "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND last_analyze >= :since"
    ), {"since": since}))


@pytest.mark.parametrize("command", [("init-db",), ("seed-demo", "--families", "40"), ("run-jobs",)])
def test_loading_commands_leave_the_planner_statistics(cli, db, command):
    """After init-db (an upgrade), a bulk load and the daily job the query planner knows how
    the rows lie over each index: without that, SQLite walks an index over a whole table where it could
    read a report's groups from an index alone, and PostgreSQL takes the tables for empty."""
    factories.FamilyFactory()  # rows to count for init-db: a family, its worker and team
    _forget_statistics(db)
    since = db.session.scalar(select(func.now())) if db.engine.dialect.name != "sqlite" else None
    result = cli(*command)
    assert result.exit_code == 0, result.output
    expected = {"families", "users", "teams"}
    if command[0] == "seed-demo":
        expected |= {"visits", "family_outcomes", "family_outcome_domains", "family_outcome_areas"}
    assert expected <= _tables_with_statistics(db, since)


def test_create_user_creates_the_user_and_a_new_team(cli, db):
    result = cli("create-user", "Wendy@Example.org", "--name", "Wendy Worker", "--role", "worker",
                 "--team", "Leeds North", "--password", "a long enough password")
    assert result.exit_code == 0, result.output
    assert "Created worker wendy@example.org in team Leeds North" in result.output
    user = db.session.scalar(select(User).where(User.email == "wendy@example.org"))
    assert user.name == "Wendy Worker" and user.role == "worker" and user.team.name == "Leeds North"
    assert check_password_hash(user.password_hash, "a long enough password")
    assert user.status == "active"  # the operator's accounts wait for nobody's confirmation

    # A second user joins the same team (matched regardless of case).
    result = cli("create-user", "mina@example.org", "--name", "Mina Manager", "--role", "manager",
                 "--team", "leeds north", "--password", "another long password")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Team.id))) == 1


def test_create_user_refuses_a_duplicate_email(cli, db):
    factories.UserFactory(email="wendy@example.org")
    result = cli("create-user", "WENDY@example.org", "--name", "Another Wendy", "--role", "worker",
                 "--team", "North", "--password", "a long enough password")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_create_user_refuses_a_bad_role(cli, db):
    result = cli("create-user", "x@example.org", "--name", "X", "--role", "boss",
                 "--team", "North", "--password", "a long enough password")
    assert result.exit_code != 0
    assert "Invalid value for '--role'" in result.output
    assert "worker" in result.output and "manager" in result.output and "admin" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_create_user_prompts_for_the_password(cli, db):
    result = cli("create-user", "ada@example.org", "--name", "Ada Admin", "--role", "admin",
                 "--team", "Office", input="a secret passphrase\na secret passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert "a secret passphrase" not in result.output  # hidden input
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    assert check_password_hash(user.password_hash, "a secret passphrase")


def test_create_user_refuses_a_short_password(cli, db):
    result = cli("create-user", "x@example.org", "--name", "X", "--role", "worker",
                 "--team", "North", "--password", "short")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def _fingerprint(db):
    """What the demo data looks like, leaving out ids (which depend on what was there)."""
    households = sorted(db.session.scalars(select(Family.household_name + " " + Family.postcode)))
    phases = Counter(db.session.scalars(select(Family.phase)))
    children = sorted((c.first_name, c.date_of_birth.isoformat()) for c in db.session.scalars(select(Child)))
    users = sorted(db.session.scalars(select(User.email)))
    visits = Counter(db.session.scalars(select(Visit.outcome)))
    ratings = db.session.scalar(select(func.sum(GoalRating.rating)))
    references = sorted(db.session.scalars(select(Family.reference)))
    return households, phases, children, users, visits, ratings, references


def test_seed_demo_creates_a_small_service_and_prints_the_logins(cli, db):
    result = cli("seed-demo", "--families", "60", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "Created 60 families" in result.output
    assert DEMO_PASSWORD in result.output and len(DEMO_PASSWORD) >= 12
    assert f"admin@{DEMO_DOMAIN}" in result.output
    for user in db.session.scalars(select(User)):
        assert user.email in result.output  # a small service lists every login
        assert check_password_hash(user.password_hash, DEMO_PASSWORD)
    roles = Counter(db.session.scalars(select(User.role)))
    assert roles["admin"] == 1 and roles["manager"] == 1 and roles["worker"] == 4
    phases = Counter(db.session.scalars(select(Family.phase)))
    assert set(phases) == {"engagement", "making_changes", "moving_on", "closed"}
    assert sum(phases.values()) == 60
    assert db.session.scalar(select(func.count(Visit.id))) > 200


def test_seed_demo_is_deterministic_for_a_seed(cli, db):
    assert cli("seed-demo", "--families", "40", "--seed", "11").exit_code == 0
    first = _fingerprint(db)
    _empty_tables()
    assert cli("seed-demo", "--families", "40", "--seed", "11").exit_code == 0
    assert _fingerprint(db) == first
    _empty_tables()
    assert cli("seed-demo", "--families", "40", "--seed", "12").exit_code == 0
    assert _fingerprint(db) != first


def test_seed_demo_refuses_to_load_the_demo_twice(cli, db):
    assert cli("seed-demo", "--families", "10").exit_code == 0
    result = cli("seed-demo", "--families", "10")
    assert result.exit_code == 1
    assert "Demo data is already loaded" in result.output
    assert db.session.scalar(select(func.count(Family.id))) == 10


def test_seed_demo_adds_alongside_existing_users(cli, db):
    factories.UserFactory(email="real.person@example.org", team__name="Leeds North")
    result = cli("seed-demo", "--families", "30")
    assert result.exit_code == 0, result.output
    teams = sorted(db.session.scalars(select(Team.name)))
    assert teams == ["Bradford East", "Leeds North"]  # the demo's first team name was taken
    assert db.session.scalar(select(func.count(User.id))) == 1 + 1 + 1 + 2 + 3  # and the three partners


def test_seed_demo_refuses_a_silly_count(cli):
    result = cli("seed-demo", "--families", "0")
    assert result.exit_code == 2
    assert "--families" in result.output


def test_commands_before_init_db_say_to_run_it_first(tmp_path):
    """On a database init-db has not created: a clear message and status 1, never an SQL
    traceback, and nothing is created (the command does not half-build a schema)."""
    from casework import create_app
    from casework.config import TestingConfig
    from casework.extensions import db as _db

    class EmptyDatabase(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(tmp_path / "never-initialised.sqlite3")

    app = create_app(EmptyDatabase)
    runner = app.test_cli_runner()
    # Commands run in the current application context: this app's, not the suite's.
    context = app.app_context()
    context.push()
    try:
        for args in (
            ["create-user", "ada@example.org", "--name", "Ada Admin", "--role", "admin", "--team", "Office",
             "--password", "a long enough password"],
            ["create-user", "ada@example.org", "--name", "Ada Admin", "--role", "admin", "--team", "Office"],
            ["seed-demo", "--families", "5"],
            ["run-jobs"],
        ):
            result = runner.invoke(args=args, input="typed password\ntyped password\n")
            assert result.exit_code == 1, (args, result.output)
            assert "Run `flask --app casework init-db` first" in result.output, result.output
            assert "Traceback" not in result.output and "sqlite3" not in result.output.lower()
            assert "Password" not in result.output  # told before being asked for anything
        assert inspect(_db.engine).get_table_names() == []
        # Once init-db has run, the same command works.
        assert runner.invoke(args=["init-db"]).exit_code == 0
        result = runner.invoke(args=["create-user", "ada@example.org", "--name", "Ada Admin", "--role", "admin",
                                     "--team", "Office", "--password", "a long enough password"])
        assert result.exit_code == 0, result.output
    finally:
        _db.session.remove()
        _db.engine.dispose()
        context.pop()


def test_create_user_makes_a_partner_without_a_team(cli, db):
    result = cli("create-user", "Tess@Hillside.example.org", "--name", "Tess Teacher", "--role", "partner",
                 "--agency", "Hillside Primary", "--password", "a long enough password")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "tess@hillside.example.org"))
    assert (user.role, user.agency, user.team) == ("partner", "Hillside Primary", None)
    refused = cli("create-user", "pat@example.org", "--name", "Pat", "--role", "partner",
                  "--password", "a long enough password")
    assert refused.exit_code == 1 and "agency" in refused.output

