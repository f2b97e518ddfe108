"""The database layer: migrations match the models, SQLite is set up for several writers."""
import sqlite3
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from casework.extensions import db
from casework.services import families as family_service


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
                family = family_service.open_referral(
                    db.session,
                    actor,
                    {
                        "household_name": f"Household {index}",
                        "postcode": "LS6 2AB",
                        "referral_date": now.date(),
                        "concerns": ["neglect_physical"],
                        "children": [family_service.ReferralPerson("Amy", None, now.date().replace(year=2019))],
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
