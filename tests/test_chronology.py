"""The chronology, corrections that keep what was said before, and re-referral matches."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from casework.extensions import db
from casework.services import corrections, reviews
from casework.services import families as family_service
from casework.services import phases as phase_service
from casework.services.chronology import chronology
from casework.services.errors import StaleVersion, ValidationFailed

from .factories import FamilyFactory, GoalFactory, RatingFactory, VisitFactory
from .helpers import assert_refused

NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def family(worker):
    return FamilyFactory(worker=worker, opened_on=dt.date(2026, 3, 2), consent_recorded_on=dt.date(2026, 3, 2))


def test_everything_recorded_appears_newest_first(worker, family):
    goal = GoalFactory(family=family)
    VisitFactory(family=family, date=dt.date(2026, 3, 5))
    VisitFactory(family=family, date=dt.date(2026, 4, 1), outcome="no_access")
    RatingFactory(goal=goal, date=dt.date(2026, 3, 20), rating=5)
    phase_service.move_phase(db.session, worker, family, "making_changes", dt.date(2026, 3, 30), NOW)
    reviews.hold_review(db.session, worker, family, {"held_on": dt.date(2026, 4, 10), "decision": "continue"}, NOW)
    entries = chronology(db.session, family)
    assert [(e.date, e.kind) for e in entries] == [
        (dt.date(2026, 4, 10), "review"),
        (dt.date(2026, 4, 1), "visit"),
        (dt.date(2026, 3, 30), "phase"),
        (dt.date(2026, 3, 20), "rating"),
        (dt.date(2026, 3, 5), "visit"),
        (dt.date(2026, 3, 2), "goal"),
        (dt.date(2026, 3, 2), "referral"),
    ]
    assert entries[1].summary == "Home visit, no access"
    assert entries[4].summary == "Home visit, completed: all children seen"
    assert "making changes" in entries[2].summary
    assert [e.kind for e in chronology(db.session, family, "visit")] == ["visit", "visit"]


def test_a_child_not_seen_is_named(worker, family):
    visit = VisitFactory(family=family, date=dt.date(2026, 3, 5))
    visit.children_seen = visit.children_seen[:1]
    assert chronology(db.session, family)[0].summary.endswith("not seen: Ben")


def test_the_chronology_is_one_family_only(worker, family):
    VisitFactory(family=FamilyFactory(worker=worker), date=dt.date(2026, 3, 5))
    assert [entry.kind for entry in chronology(db.session, family)] == ["referral"]


def test_correcting_a_visit_keeps_the_old_values(worker, family):
    visit = VisitFactory(family=family, date=dt.date(2026, 3, 5), outcome="completed")
    db.session.flush()
    amy, ben = family.children
    corrections.correct_visit(
        db.session, worker, visit, {"date": dt.date(2026, 3, 6), "children_seen": [amy.id], "version": visit.version},
        "Wrong day; Ben was at his nan's.", NOW,
    )
    assert visit.date == dt.date(2026, 3, 6) and visit.all_children_seen is False
    [kept] = corrections.corrections_of(db.session, "visit", [visit.id])[visit.id]
    assert kept.old_values == {"date": "2026-03-05", "children_seen": [amy.id, ben.id]}
    assert kept.by == worker and kept.made_on == NOW.date()
    correction_entry = chronology(db.session, family)[0]
    assert (correction_entry.kind, correction_entry.date) == ("correction", NOW.date())


def test_a_correction_needs_a_note_a_change_and_a_current_version(worker, family):
    visit = VisitFactory(family=family, date=dt.date(2026, 3, 5))
    db.session.flush()
    with assert_refused(ValidationFailed, "correction_note", unchanged=[visit]):
        corrections.correct_visit(db.session, worker, visit, {"kind": "office"}, "", NOW)
    with assert_refused(ValidationFailed, "correction_note", match="Nothing", unchanged=[visit]):
        corrections.correct_visit(db.session, worker, visit, {"kind": "home_visit"}, "typo", NOW)
    with assert_refused(StaleVersion, "version", unchanged=[visit]):
        corrections.correct_visit(db.session, worker, visit, {"kind": "office", "version": visit.version - 1}, "typo",
                                  NOW)
    with assert_refused(ValidationFailed, "children_seen", unchanged=[visit]):  # children were seen
        corrections.correct_visit(db.session, worker, visit, {"outcome": "no_access"}, "typo", NOW)


def test_correcting_a_rating(worker, family):
    rating = RatingFactory(goal=GoalFactory(family=family), date=dt.date(2026, 3, 20), rating=5)
    db.session.flush()
    corrections.correct_rating(db.session, worker, rating, {"rating": 4}, "Agreed 4 with mum, not 5.", NOW)
    assert rating.rating == 4
    assert corrections.corrections_of(db.session, "rating", [rating.id])[rating.id][0].old_values == {"rating": 5}


def test_a_known_child_is_found_by_first_name_and_birth_date_across_teams(worker, outsider):
    earlier = FamilyFactory(worker=outsider, phase="closed", closed_on=dt.date(2025, 5, 3))
    FamilyFactory(worker=worker)  # Amy and Ben again, but Amy's sister has a different birthday
    matches = family_service.known_child_matches(db.session, worker, "AMY", dt.date(2018, 3, 1))
    assert earlier.id in [m.family_id for m in matches]
    assert family_service.known_child_matches(db.session, worker, "Amy", dt.date(2018, 3, 2)) == []
    assert family_service.known_child_matches(db.session, worker, "Amelia", dt.date(2018, 3, 1)) == []
