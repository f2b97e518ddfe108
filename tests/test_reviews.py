"""Reviews: the schedule, decisions that close a family, reopening."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from casework.extensions import db
from casework.services import closures as closure_service
from casework.services import reviews
from casework.services.errors import Forbidden, ValidationFailed
from casework.services.review_schedule import next_review_due

from .factories import FamilyFactory
from .helpers import assert_refused

# These rules are about a review's own effect; closure approval has its own tests.
pytestmark = pytest.mark.usefixtures("immediate_closing")

NOW = dt.datetime(2026, 6, 15, 9, 0, tzinfo=ZoneInfo("Europe/London"))
TODAY = NOW.date()


@pytest.fixture
def open_family(worker):
    return FamilyFactory(worker=worker, opened_on=dt.date(2026, 3, 2))


def hold(actor, family, held_on, decision="continue", **extra):
    return reviews.hold_review(db.session, actor, family, {"held_on": held_on, "decision": decision, **extra}, NOW)


def test_first_review_falls_due_42_days_after_opening(open_family):
    assert next_review_due(db.session, open_family, NOW) == dt.date(2026, 4, 13)


@pytest.mark.parametrize(
    "held_on, next_due",
    [
        (dt.date(2026, 4, 1), dt.date(2026, 5, 13)),  # held early: the next counts from it
        (dt.date(2026, 5, 1), dt.date(2026, 6, 12)),  # held late: likewise
    ],
)
def test_the_next_review_counts_from_the_last_one_held(worker, open_family, held_on, next_due):
    hold(worker, open_family, held_on)
    assert next_review_due(db.session, open_family, NOW) == next_due


def test_a_back_dated_review_does_not_move_the_schedule_back(worker, open_family):
    hold(worker, open_family, dt.date(2026, 5, 20))
    hold(worker, open_family, dt.date(2026, 4, 10))  # entered late, about an earlier meeting
    assert next_review_due(db.session, open_family, NOW) == dt.date(2026, 7, 1)


def test_leap_day_schedule(worker):
    family = FamilyFactory(worker=worker, opened_on=dt.date(2028, 1, 18))
    assert next_review_due(db.session, family, NOW) == dt.date(2028, 2, 29)


def test_the_interval_is_configurable(app, open_family):
    app.config["CASEWORK_REVIEW_INTERVAL_DAYS"] = 28
    try:
        assert next_review_due(db.session, open_family, NOW) == dt.date(2026, 3, 30)
    finally:
        app.config["CASEWORK_REVIEW_INTERVAL_DAYS"] = 42


def test_a_review_cannot_be_in_the_future_or_before_opening(worker, open_family):
    with assert_refused(ValidationFailed, "held_on", unchanged=[open_family]):
        hold(worker, open_family, TODAY + dt.timedelta(days=1))
    with assert_refused(ValidationFailed, "held_on", unchanged=[open_family]):
        hold(worker, open_family, dt.date(2026, 3, 1))


@pytest.mark.parametrize("decision", ["step_down", "step_up"])
def test_stepping_down_or_up_closes_with_its_own_reason(worker, open_family, decision):
    hold(worker, open_family, dt.date(2026, 6, 1), decision)
    assert (open_family.phase, open_family.closed_on, open_family.closure_reason) == (
        "closed", dt.date(2026, 6, 1), decision)
    assert next_review_due(db.session, open_family, NOW) is None


def test_closing_at_a_review_needs_a_reason(worker, open_family):
    with assert_refused(ValidationFailed, "reason", unchanged=[open_family]):
        hold(worker, open_family, dt.date(2026, 6, 1), "close")
    hold(worker, open_family, dt.date(2026, 6, 1), "close", reason="moved_away")
    assert open_family.closure_reason == "moved_away"


def test_no_review_for_a_closed_family(worker, open_family):
    hold(worker, open_family, dt.date(2026, 6, 1), "step_down")
    with assert_refused(ValidationFailed, match="closed", unchanged=[open_family]):
        hold(worker, open_family, dt.date(2026, 6, 2))


def test_a_manager_reopens_with_a_note(worker, manager, open_family):
    hold(worker, open_family, dt.date(2026, 6, 1), "close", reason="disengaged")
    with assert_refused(Forbidden, unchanged=[open_family]):
        closure_service.reopen_family(db.session, worker, open_family, "Back", NOW)
    with assert_refused(ValidationFailed, "note", unchanged=[open_family]):
        closure_service.reopen_family(db.session, manager, open_family, " ", NOW)
    closure_service.reopen_family(db.session, manager, open_family, "Mother asked for help again.", NOW)
    assert (open_family.phase, open_family.phase_since) == ("engagement", TODAY)
    assert open_family.closed_on is None and open_family.closure_reason is None
    assert [m.to_phase for m in open_family.phase_moves][-2:] == ["closed", "engagement"]


def test_reopening_an_open_family_is_refused(manager, open_family):
    with assert_refused(ValidationFailed, "phase", unchanged=[open_family]):
        closure_service.reopen_family(db.session, manager, open_family, "note", NOW)
