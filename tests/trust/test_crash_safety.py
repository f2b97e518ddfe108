"""Trust figure 5, crash safety: a writer process is killed with SIGKILL at a random moment,
50 times in the full run, on SQLite and on PostgreSQL.

The writer opens referrals through the service layer (a family with its children, carer,
concern, allocation, reference number and audit rows, in one transaction) and edits the
family it opened before (a versioned update that moves a counter on), printing each one only
after its commit returned: an acknowledged write. After every kill the database must pass its
own check (SQLite: ``PRAGMA integrity_check``; PostgreSQL: it answers, and the rows read back
whole) and hold every acknowledged write, whole; and the next writer must carry on (reference
numbers continue, none reused).

A SIGKILL stops the process, not the machine: what the writer's commit handed to the operating
system survives it. This shows that no acknowledged write is lost and no half-written one is
left when the process dies at any moment; it does not simulate a power cut."""
from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import sys
import time

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from casework.models import Allocation, Carer, Child, Family, FamilyConcern, ReferenceCounter

from ..factories import UserFactory
from .figures import record, scale
from .processes import database_spec, is_sqlite, sqlite_path, start_python

PREFIX = "CR"


def _database_check(app, db) -> str:
    """``ok``, or what the database's own check found. SQLite: ``PRAGMA integrity_check`` on
    a connection of its own. PostgreSQL: with the amcheck extension (contrib), every table's
    heap and every B-tree index of the run's schema checked against each other; without it,
    that the database answers."""
    if is_sqlite(app):
        connection = sqlite3.connect(sqlite_path(app), timeout=30)
        try:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()
    problems = []
    if _amcheck(db):
        schema = "current_schema()::regnamespace"
        for (index,) in db.session.execute(text(
            "SELECT c.oid FROM pg_class c JOIN pg_am a ON a.oid = c.relam "
            f"WHERE c.relkind = 'i' AND a.amname = 'btree' AND c.relnamespace = {schema}"
        )).all():
            db.session.execute(text("SELECT public.bt_index_check(:index, true)"), {"index": index})
        for (table,) in db.session.execute(text(
            f"SELECT oid FROM pg_class WHERE relkind = 'r' AND relnamespace = {schema}"
        )).all():
            problems += db.session.execute(text("SELECT msg FROM public.verify_heapam(:table)"),
                                           {"table": table}).scalars().all()
    answer = db.session.execute(text("SELECT count(*) FROM families")).scalar()
    db.session.commit()
    if answer is None:
        problems.append("no answer")
    return "; ".join(problems) or "ok"


def _amcheck(db) -> bool:
    """Whether PostgreSQL's amcheck functions are there (installed into the test database's
    public schema on first use, where every run's schema can reach them)."""
    for _ in range(3):
        try:
            with db.engine.connect() as connection:
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck WITH SCHEMA public"))
                connection.commit()
            return True
        except DBAPIError as error:
            if "unique" not in str(error).lower() and "already exists" not in str(error).lower():
                return False  # not available (no contrib, or no right to create it)
            time.sleep(0.2)  # another run created it at the same moment
    return False


def test_killed_writers_lose_no_acknowledged_write(app, db, team, today):
    cycles = scale(5, 50)
    worker = UserFactory(team=team, role="worker")
    spec = {**database_spec(app), "worker_id": worker.id}
    db.session.commit()  # hold nothing (on SQLite: no lock) while the writers run
    rng = random.Random(20260615)

    acked_families: dict[int, str] = {}  # id -> reference
    acked_counters: dict[int, int] = {}  # family id -> last acknowledged counter value
    checks_ok, lost, torn, unacknowledged = 0, [], [], 0
    started = time.monotonic()
    for cycle in range(cycles):
        writer = start_python(__name__, {**spec, "cycle": cycle}, app)
        try:
            assert writer.wait_for(lambda line: line.startswith("ack "), 120), writer.output()
            time.sleep(rng.uniform(0, 0.8))  # a random moment in its stream of writes
            writer.kill()
        finally:
            writer.kill()
        acks = [line.split() for line in writer.lines if line.startswith("ack ") and len(line.split()) == 4]
        for _, kind, family_id, value in acks:
            if kind == "family":
                acked_families[int(family_id)] = value
            else:
                acked_counters[int(family_id)] = int(value)

        check = _database_check(app, db)
        checks_ok += check == "ok"
        db.session.expire_all()
        stored = {f.id: f for f in db.session.scalars(select(Family).where(Family.reference.like(f"{PREFIX}-%")))}
        lost += [family_id for family_id in acked_families if family_id not in stored]
        # Killed after a commit returned but before it was printed: there, and not acknowledged.
        unacknowledged = len(set(stored) - set(acked_families))
        lost += [family_id for family_id, value in acked_counters.items()
                 if family_id in stored and int(stored[family_id].referral_source or 0) < value]
        # Whole or not at all: every family there has all its parts, acknowledged or not.
        parts = {
            model: dict(db.session.execute(
                select(model.family_id, func.count()).where(model.family_id.in_(stored)).group_by(model.family_id)
            ).all())
            for model in (Child, Carer, FamilyConcern, Allocation)
        }
        torn += [
            family_id for family_id in stored
            if (parts[Child].get(family_id), parts[Carer].get(family_id),
                parts[FamilyConcern].get(family_id), parts[Allocation].get(family_id)) != (2, 1, 1, 1)
        ]
        # An unacknowledged write may have committed (killed between commit and print), but
        # never more than the one in flight.
        assert all(int(stored[f].referral_source or 0) <= v + 1 for f, v in acked_counters.items() if f in stored)
        references = [f.reference for f in stored.values()]
        assert len(references) == len(set(references))
        counter = db.session.scalar(select(ReferenceCounter.last_number).where(ReferenceCounter.year == today.year))
        db.session.commit()
        assert counter is not None and counter >= len(stored)
    elapsed = time.monotonic() - started

    figures = {
        "database": db.engine.dialect.name,
        "cycles": cycles,
        "integrity_check": "PRAGMA integrity_check" if is_sqlite(app) else (
            "amcheck: heap and B-tree indexes" if _amcheck(db) else "database answers"),
        "integrity_ok": checks_ok,
        "acknowledged_families": len(acked_families),
        "acknowledged_updates": len(acked_counters),
        "acknowledged_lost": len(lost),
        "torn_records": len(torn),
        "committed_not_acknowledged": unacknowledged,
        "seconds": round(elapsed, 1),
    }
    record("crash_safety", **figures, bound_ok=checks_ok == cycles and not lost and not torn)
    assert checks_ok == cycles, figures
    assert lost == [], figures
    assert torn == [], figures
    assert len(acked_families) >= cycles  # every writer got some work acknowledged before its kill


# --- the child process ------------------------------------------------------------------------


def _writer(spec: dict) -> int:
    """Write until killed: open a referral, then edit the family opened before it; print each
    write only once its commit has returned."""
    from casework.extensions import db
    from casework.models import User
    from casework.services import clock, families, referrals
    from casework.services.referrals import ReferralPerson

    from .processes import child_app

    app = child_app(spec)
    with app.app_context():
        actor = db.session.get(User, spec["worker_id"])
        previous = None
        for number in range(1_000_000):
            now = clock.current_time()
            today = clock.local_date(now)
            family = referrals.open_referral(db.session, actor, {
                "household_name": f"Crash {spec['cycle']}-{number}",
                "postcode": "LS6 2AB",
                "referral_date": today,
                "concerns": ["neglect_physical"],
                "children": [ReferralPerson("Amy", "Crash", dt.date(2018, 3, 1)),
                             ReferralPerson("Ben", "Crash", dt.date(2021, 7, 9))],
                "carers": [ReferralPerson("Cara", "Crash", relationship="Mother")],
            }, now, PREFIX)
            db.session.commit()
            print(f"ack family {family.id} {family.reference}", flush=True)
            if previous is not None:
                value = int(previous.referral_source or 0) + 1
                families.update_family(db.session, actor, previous,
                                       {"referral_source": str(value), "version": previous.version}, now)
                db.session.commit()
                print(f"ack counter {previous.id} {value}", flush=True)
            previous = family
    return 0


if __name__ == "__main__":
    sys.exit(_writer(json.loads(sys.argv[1])))
