"""A manager's caseload view: the figures per worker, and a fixed number of queries."""
import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from casework.extensions import db
from casework.models import Flag
from casework.services.caseload import team_caseload, team_totals
from casework.services.errors import Forbidden

from .factories import FamilyFactory, UserFactory, VisitFactory
from .helpers import assert_refused

NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=ZoneInfo("Europe/London"))
TODAY = NOW.date()


@contextmanager
def counting_queries():
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_figures_per_worker(worker, colleague, manager, outsider):
    busy = FamilyFactory(worker=worker, opened_on=TODAY - dt.timedelta(days=60), phase="making_changes",
                         phase_since=TODAY - dt.timedelta(days=20))
    VisitFactory(family=busy, date=TODAY - dt.timedelta(days=3))
    quiet = FamilyFactory(worker=worker, opened_on=TODAY - dt.timedelta(days=50))
    VisitFactory(family=quiet, date=TODAY - dt.timedelta(days=40))
    FamilyFactory(worker=worker, phase="closed", closed_on=TODAY - dt.timedelta(days=2))
    FamilyFactory(worker=outsider)
    db.session.add(Flag(family=quiet, rule="child_not_seen", subject_key="child:1", severity="high",
                        message="m", raised_on=TODAY, status="open"))
    db.session.flush()
    loads = {load.name: load for load in team_caseload(db.session, manager, NOW)}
    assert set(loads) == {"Wendy Worker", "Colin Colleague"}
    wendy = loads["Wendy Worker"]
    assert wendy.open_families == 2
    assert wendy.by_phase == {"engagement": 1, "making_changes": 1, "moving_on": 0}
    assert wendy.overdue_reviews == 2  # opened 60 and 50 days ago, no review held
    assert wendy.open_flags == {"high": 1, "medium": 0, "low": 0}
    assert wendy.families_with_child_not_seen == 1
    assert wendy.visits_last_28_days == 1
    assert wendy.longest_days_since_visit == 40
    assert wendy.weighted_load == pytest.approx(1.2 + 1.0 + 0.5)
    assert loads["Colin Colleague"].open_families == 0
    assert team_totals(list(loads.values())).open_families == 2


def test_unallocated_families_have_their_own_row(manager):
    FamilyFactory(worker=None, team=manager.team)
    names = [load.name for load in team_caseload(db.session, manager, NOW)]
    assert names[-1] == "Unallocated"


def test_only_managers(worker):
    with assert_refused(Forbidden):
        team_caseload(db.session, worker, NOW)


def _team_of(manager, families):
    workers = [UserFactory(team=manager.team, role="worker") for _ in range(max(1, families // 10))]
    for index in range(families):
        family = FamilyFactory(worker=workers[index % len(workers)], opened_on=TODAY - dt.timedelta(days=30 + index))
        VisitFactory(family=family, date=TODAY - dt.timedelta(days=index % 35))
    db.session.commit()


def _caseload_queries(manager):
    db.session.expire_all()
    with counting_queries() as statements:
        team_caseload(db.session, manager, NOW)
    return [sql for sql in statements if not sql.startswith("BEGIN")]


def test_the_number_of_queries_does_not_grow_with_the_team(manager):
    _team_of(manager, 5)
    with_five = _caseload_queries(manager)
    _team_of(manager, 45)
    with_fifty = _caseload_queries(manager)
    assert len(with_fifty) == len(with_five) <= 7
