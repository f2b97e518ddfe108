"""The database layer: migrations match the models, SQLite is set up for several writers."""
import datetime as dt
import sqlite3
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, insert, select, text

from casework import create_app
from casework.config import Config, TestingConfig
from casework.database import WriteAfterRead, begin_write
from casework.extensions import db
from casework.models import Team
from casework.services import referrals as referral_service


def test_migrations_build_exactly_the_models(app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_sqlite_enforces_foreign_keys_and_uses_wal(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_a_deployed_sqlite_database_waits_for_the_disk_on_every_commit(tmp_path):
    """The suite's throw-away databases skip it; a service's database never does."""
    class Deployed(Config):
        SECRET_KEY = "x"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'casework.sqlite3'}"

    with create_app(Deployed).app_context():
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        db.session.remove()
        db.engine.dispose()


def test_simultaneous_referrals_neither_fail_nor_share_a_reference(app, worker, now):
    """Eight requests open referrals at the same moment: each reads the reference counter and
    then writes, the pattern that fails with "database is locked" under deferred transactions."""
    worker_id = worker.id
    # Commit and read nothing more here: an open transaction in the test would hold the lock.
    db.session.commit()
    references, errors = [], []
    start = threading.Barrier(8)

    def open_one(index):
        with app.app_context():
            try:
                start.wait(timeout=30)
                actor = db.session.get(type(worker), worker_id)
                family = referral_service.open_referral(
                    db.session,
                    actor,
                    {
                        "household_name": f"Household {index}",
                        "postcode": "LS6 2AB",
                        "referral_date": now.date(),
                        "concerns": ["neglect_physical"],
                        "children": [referral_service.ReferralPerson("Amy", None, now.date().replace(year=2019))],
                    },
                    now,
                    "FP",
                )
                references.append(family.reference)
                db.session.commit()
            except Exception as error:  # collected and asserted below
                errors.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(references)) == 8


def test_a_report_answers_while_another_process_holds_the_write_lock(app, login, manager):
    """On SQLite a report only reads: it answers while another process is writing, instead of
    waiting out the busy timeout and failing with "database is locked"."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    client = login(manager)
    writer = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    writer.execute("PRAGMA busy_timeout = 0")
    writer.execute("BEGIN IMMEDIATE")
    try:
        response = client.get("/reports/outcomes", query_string={"from": "2026-01-01", "to": "2026-03-31"})
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert response.status_code == 200 and "Outcomes" in response.get_data(as_text=True)


# --- Reads first, then one write (casework/database.py) --------------------------------------


def test_a_request_that_writes_after_reading_without_begin_write_is_refused_while_testing(app):
    """In WAL a deferred transaction that has read and then writes fails at once when another
    request wrote in between; the suite refuses the pattern outright, so no view can keep it."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the guard watches SQLite's deferred transactions")
    db.session.commit()
    with app.test_request_context("/", method="POST"):
        db.session.execute(select(Team.id)).all()
        db.session.add(Team(name="Refused"))
        with pytest.raises(WriteAfterRead):
            db.session.flush()
        db.session.rollback()
        # After begin_write the transaction holds the lock from its start: reading then writing is fine.
        begin_write()
        db.session.execute(select(Team.id)).all()
        db.session.add(Team(name="Written"))
        db.session.commit()
    assert db.session.scalar(select(Team.name)) == "Written"


def _holding_the_write_lock():
    """Another process's connection in the middle of a write (SQLite), waiting for nothing."""
    writer = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    writer.execute("PRAGMA busy_timeout = 0")
    writer.execute("BEGIN IMMEDIATE")
    return writer


def test_the_api_signs_in_parses_and_validates_without_the_write_lock(app, api, worker, family):
    """The token look-up, reading the family and checking the body all happen before the
    write transaction: while another process holds SQLite's write lock, GET /api/v1/me and a
    refused (422) write answer at once instead of queueing for the lock."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    caller, visits, email = api(worker), f"/api/v1/families/{family.id}/visits", worker.email
    db.session.commit()  # the test itself holds nothing either
    writer = _holding_the_write_lock()
    try:
        me = caller.get("/api/v1/me")
        refused = caller.post(visits, json={"date": "not a date"})
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert me.status_code == 200 and me.get_json()["email"] == email
    assert refused.status_code == 422 and "date" in refused.get_json()["fields"]


# --- upgrades of a database holding rows written before a migration ---------------------------

UPGRADED_AT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _upgraded(tmp_path, revision: str, fill, *queries: str) -> list[list[tuple]]:
    """A new SQLite database upgraded to ``revision``; ``fill(add)`` adds rows as that
    revision's tables held them (``add("children", id=1, ...)``; team 1, North, and its manager,
    user 1, are there already); then upgraded to the head. The rows each of ``queries`` answers."""
    class Before(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'before.sqlite3'}"

    with create_app(Before).app_context():
        upgrade(revision=revision)
        with db.engine.begin() as connection:
            tables = MetaData()

            def add(name: str, /, **values) -> None:
                table = tables.tables[name] if name in tables.tables else Table(name, tables, autoload_with=connection)
                kept = {key: value for key, value in (("version", 1), ("created_at", UPGRADED_AT)) if key in table.c}
                connection.execute(insert(table).values(**kept, **values))

            add("teams", id=1, name="North")
            add("users", id=1, email="m@example.org", name="M", role="manager", team_id=1, password_hash="x",
                active=True)
            fill(add)
        upgrade()
        found = [[tuple(row) for row in db.session.execute(text(query)).all()] for query in queries]
        db.session.remove()
    return found


def _family(**values) -> dict:
    """A family's row in team 1, opened on 5 January 2026 and in engagement, unless ``values`` say otherwise."""
    opened = dt.date(2026, 1, 5)
    return {"id": 1, "reference": "FP-2026-0001", "team_id": 1, "household_name": "H", "postcode": "LS6 2AB",
            "referral_date": opened, "opened_on": opened, "phase": "engagement", "phase_since": opened, **values}


def _parent_of(revision: str) -> str:
    """The revision a migration follows (the chain is re-ordered when branches merge)."""
    from alembic.script import ScriptDirectory

    from casework.extensions import migrate

    return ScriptDirectory.from_config(migrate.get_config()).get_revision(revision).down_revision


def test_the_upgrade_records_when_each_closed_family_was_closed(tmp_path):
    """The migration adding ``closure_recorded_on`` fills it in for families closed before it:
    the service's local day of the move that closed them (never before ``closed_on``); the day
    of the upgrade when no such move is known; nothing for an open family."""
    from zoneinfo import ZoneInfo

    def fill(add):
        for family_id, phase, closed_on in ((1, "closed", dt.date(2026, 6, 1)), (2, "closed", dt.date(2020, 3, 1)),
                                            (3, "engagement", None)):
            add("families", **_family(id=family_id, reference=f"FP-2026-000{family_id}",
                                      referral_date=dt.date(2019, 1, 1), opened_on=dt.date(2019, 1, 1), phase=phase,
                                      phase_since=closed_on or dt.date(2019, 1, 1), closed_on=closed_on,
                                      closure_reason="step_down" if closed_on else None))
        # Family 1 was closed (dated 1 June) at 23:30 UTC on 9 June: 10 June in London (BST).
        add("phase_moves", family_id=1, from_phase="moving_on", to_phase="closed", date=dt.date(2026, 6, 1), by_id=1,
            made_at=dt.datetime(2026, 6, 9, 23, 30))

    [rows] = _upgraded(tmp_path, _parent_of("df5b0684e920"), fill, "SELECT id, closure_recorded_on FROM families")
    recorded = dict(rows)
    today = dt.datetime.now(ZoneInfo("Europe/London")).date()
    assert recorded[1] == "2026-06-10"
    # No move: the day of the upgrade (or the day before, should midnight have passed since).
    assert recorded[2] in {today.isoformat(), (today - dt.timedelta(days=1)).isoformat()}
    assert recorded[3] is None


def test_an_upgrade_that_rebuilds_a_table_keeps_the_rows_that_refer_to_it(tmp_path):
    """On SQLite a migration that adds a foreign key to ``families`` rebuilds the table (copy,
    drop, rename). With foreign keys enforced, dropping the old table deleted every row that
    refers to a family ON DELETE CASCADE: its children, visits and phase moves."""

    def fill(add):
        add("families", **_family(phase="making_changes", phase_since=dt.date(2026, 3, 1)))
        add("children", id=1, family_id=1, first_name="Amy", date_of_birth=dt.date(2019, 4, 1))
        add("phase_moves", family_id=1, from_phase="engagement", to_phase="making_changes", date=dt.date(2026, 3, 1),
            by_id=1, made_at=UPGRADED_AT)

    # b12a9db5a48d: before every migration that rebuilds ``families``.
    *counts, enforced = _upgraded(tmp_path, "b12a9db5a48d", fill, *(
        f"SELECT count(*) FROM {name}" for name in ("families", "children", "phase_moves")), "PRAGMA foreign_keys")
    assert counts == [[(1,)], [(1,)], [(1,)]]
    assert enforced == [(1,)]  # and the app's connections enforce foreign keys again afterwards


def test_the_upgrade_moves_why_views_were_not_gathered_out_of_the_review_notes(tmp_path):
    """Before e0873dc56d78 the review page appended "Ben's view was not gathered: ..." to the
    review's notes; the upgrade moves each such closing paragraph into the child's own row and
    leaves any paragraph it cannot put to one child of the family in the notes."""

    def fill(add):
        add("families", **_family())
        for child_id, name in ((1, "Amy"), (2, "Ben")):
            add("children", id=child_id, family_id=1, first_name=name, date_of_birth=dt.date(2019, 4, 1))
        for review_id, notes in (
                (1, "Going well.\n\nAmy's view was not gathered: at school.\n\nBen's view was not gathered: asleep."),
                (2, "Calmer.\n\nZoe's view was not gathered: not a child of the family."),
                (3, "Ben's view was not gathered: a baby.")):
            add("reviews", id=review_id, family_id=1, held_on=dt.date(2026, 3, 1), decision="continue", attendees="",
                notes=notes, recorded_by_id=1)

    notes, views = _upgraded(tmp_path, _parent_of("e0873dc56d78"), fill, "SELECT id, notes FROM reviews",
                             "SELECT review_id, child_id, reason FROM review_views_not_gathered ORDER BY id")
    assert dict(notes) == {1: "Going well.", 2: "Calmer.\n\nZoe's view was not gathered: not a child of the family.",
                           3: ""}
    assert views == [(1, 1, "at school."), (1, 2, "asleep."), (3, 2, "a baby.")]
