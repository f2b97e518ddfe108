"""The closed families' outcome measures kept for the outcomes report (services/outcome_store.py):
they equal what the records give, for every family of a demo service, after a family is reopened
and closed again and after a correction; and the report read from them gives the figures, and
the families behind each figure, that the records give."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import delete, func, select
from werkzeug.security import generate_password_hash

from casework.demo.seed import seed_demo
from casework.demo.staff import DEMO_PASSWORD
from casework.models import (
    AreaOutcome,
    Child,
    ChildScaleOutcome,
    DomainOutcome,
    Family,
    FamilyOutcome,
    Goal,
    GoalRating,
    GoalStatus,
    Phase,
    User,
    Voice,
)
from casework.services import closures, corrections, goals, reports, voices
from casework.services.errors import ValidationFailed
from casework.services.outcome_figures import figure_families
from casework.services.outcome_measures import closed_in_period, outcome_measures
from casework.services.outcome_store import computed_outcomes, rebuild_missing_outcomes

from .factories import UserFactory
from .helpers import assert_refused, closed_family, count_queries, keep_outcomes, sent

HASH = generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000")
TABLES = (FamilyOutcome, AreaOutcome, DomainOutcome, ChildScaleOutcome)


@pytest.fixture
def demo(db, today):
    """A demo service of 60 families, about a fifth of them closed (the seeder keeps their measures)."""
    seed_demo(db.session, today, random.Random(11), families=60, password_hash=HASH)
    db.session.commit()


def _rows(table, rows) -> list[tuple]:
    # A child's scales are told apart by their order within the family, not by their row id.
    columns = [c.name for c in table.__table__.columns if c.name != "id"]
    return sorted(tuple(row[name] for name in columns) for row in rows)


def kept(db) -> dict[str, list[tuple]]:
    return {table.__tablename__: _rows(table, db.session.execute(select(*table.__table__.columns)).mappings().all())
            for table in TABLES}


def from_records(db, *which) -> dict[str, list[tuple]]:
    computed = computed_outcomes(db.session, *(which or (Family.id.is_not(None),)))
    return {table.__tablename__: _rows(table, computed[table.__tablename__]) for table in TABLES}


def manager_of(db, family: Family) -> User:
    return db.session.scalars(select(User).where(User.role == "manager", User.team_id == family.team_id)).first()


def test_every_closed_family_of_the_demo_keeps_the_measures_its_records_give(db, demo):
    closed = db.session.scalars(select(Family).where(Family.phase == Phase.CLOSED)).all()
    stored = kept(db)
    assert stored == from_records(db)
    assert len(stored["family_outcomes"]) == len(closed) >= 8
    assert stored["family_outcome_areas"] and stored["family_outcome_domains"] and stored["family_outcome_scales"]
    # And, counted here from the records directly: children, goals (not withdrawn) and weeks.
    for family in closed:
        row = db.session.get(FamilyOutcome, family.id)
        assert row.children == db.session.scalar(select(func.count(Child.id)).where(Child.family_id == family.id))
        assert row.goals == db.session.scalar(select(func.count(Goal.id)).where(
            Goal.family_id == family.id, Goal.status != "withdrawn"))
        assert row.weeks_in_service == (family.closed_on - family.opened_on).days / 7
        assert (row.team_id, row.closed_on, row.closure_reason) == (family.team_id, family.closed_on,
                                                                     family.closure_reason)


def _closed_with_a_rating_and_a_voice(db) -> tuple[Family, GoalRating, Voice]:
    for family in db.session.scalars(select(Family).where(Family.phase == Phase.CLOSED).order_by(Family.id)):
        rating = db.session.scalars(select(GoalRating).join(Goal).where(
            Goal.family_id == family.id, Goal.status == GoalStatus.ACTIVE)).first()
        voice = db.session.scalars(select(Voice).where(Voice.family_id == family.id, Voice.scale.is_not(None))).first()
        if rating is not None and voice is not None:
            return family, rating, voice
    raise AssertionError("the demo has no closed family with a rating and a voice")


def test_reopening_forgets_the_measures_and_closing_again_writes_them_from_the_records(db, demo, now, today):
    family, _, voice = _closed_with_a_rating_and_a_voice(db)
    manager = manager_of(db, family)
    closures.reopen_family(db.session, manager, family, "The school is worried again.", now)
    assert db.session.get(FamilyOutcome, family.id) is None
    for table in TABLES:
        assert not db.session.scalars(select(table).where(table.family_id == family.id)).all()
    assert kept(db) == from_records(db)  # the others are as they were

    goal = db.session.scalars(select(Goal).where(Goal.family_id == family.id, Goal.status == GoalStatus.ACTIVE)).first()
    goals.rate_progress(db.session, manager, goal, today, 10, "Much better.", now)
    voices.record_voice(db.session, voice.child, {"date": today, "how": "direct_work", "scale": 10}, manager, now)
    closures.close_family(db.session, manager, family, today, "step_down", now)
    db.session.commit()
    assert db.session.get(FamilyOutcome, family.id).closed_on == today
    assert kept(db) == from_records(db)


def test_a_correction_reaches_the_measures_when_the_family_closes_again(db, demo, now, today):
    family, rating, voice = _closed_with_a_rating_and_a_voice(db)
    manager = manager_of(db, family)
    before = kept(db)
    # A closed family's record is read-only: nothing to write until it is reopened.
    with assert_refused(ValidationFailed):
        corrections.correct_rating(db.session, manager, rating, {"rating": 1, "version": rating.version},
                                   "Typed the wrong score.", now)
    db.session.rollback()
    assert kept(db) == before

    closures.reopen_family(db.session, manager, family, "To correct the record.", now)
    new_rating = 1 if rating.rating != 1 else 10
    corrections.correct_rating(db.session, manager, rating, {"rating": new_rating, "version": rating.version},
                               "Typed the wrong score.", now)
    voices.correct_voice(db.session, manager, voice, {"scale": 10 - voice.scale, "version": voice.version},
                         "The scale was the wrong way round.", now)
    closures.close_family(db.session, manager, family, today, "step_down", now)
    db.session.commit()
    assert kept(db) == from_records(db)
    assert kept(db) != before


def test_init_db_keeps_the_measures_of_families_closed_before_they_were_kept(db, demo):
    expected = kept(db)
    for table in TABLES:
        db.session.execute(delete(table))
    assert rebuild_missing_outcomes(db.session) == len(expected["family_outcomes"])
    assert kept(db) == expected
    assert rebuild_missing_outcomes(db.session) == 0  # nothing missing: nothing written


def _periods(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    return [(today - dt.timedelta(days=365), today), (today - dt.timedelta(days=3650), today),
            (today - dt.timedelta(days=90), today)]


def test_the_report_gives_the_figures_the_records_give(db, demo, today):
    admin = db.session.scalars(select(User).where(User.role == "admin")).first()
    managers = db.session.scalars(select(User).where(User.role == "manager")).all()
    for start, end in _periods(today):
        for actor, team_id in [(admin, None), (admin, managers[0].team_id), *((m, None) for m in managers)]:
            # The old way: every figure worked out from the records at the time of asking.
            measures = outcome_measures(db.session, *closed_in_period(actor, start, end, team_id))
            assert reports.outcomes(db.session, actor, start, end, team_id) == reports.outcomes_of(measures, start, end)
    report = reports.outcomes(db.session, admin, *_periods(today)[1])
    assert report["families_closed"] >= 8 and report["areas"] and report["assessment_domains"]
    assert report["child_voice"]["heard"] > 0


def test_the_families_behind_each_figure_are_those_the_records_give(db, demo, today):
    for manager in db.session.scalars(select(User).where(User.role == "manager")):
        start, end = _periods(today)[1]
        by_records = outcome_measures(db.session, *closed_in_period(manager, start, end))
        for key, expected in by_records.items():
            found = figure_families(db.session, manager, start, end, key)
            assert (found.kind, found.unit, found.whole, found.part, found.values, found.samples) == (
                expected.kind, expected.unit, expected.whole, expected.part, expected.values, expected.samples), key
        assert figure_families(db.session, manager, start, end, "area:nowhere:goals") is None


def test_the_report_is_a_few_statements_however_many_families(db, today, worker, outsider):
    admin = UserFactory(role="admin", team=None)
    start, end = _periods(today)[1]

    def statements() -> int:
        keep_outcomes()
        db.session.expunge_all()
        actor = db.session.get(User, admin.id)
        with count_queries() as found:
            reports.outcomes(db.session, actor, start, end)
        return sent(found)

    closed_family(worker, today - dt.timedelta(days=200), today)
    few = statements()
    assert few <= 4
    for day in range(40):
        closed_family(outsider if day % 2 else worker, today - dt.timedelta(days=200), today - dt.timedelta(days=day))
    assert statements() == few
