"""When is a review due: one answer, as of a day, on every face that shows it (the family page,
the family lists, the team's families and their CSV, the caseload and home-page counts, the
overdue filter, supervision) and in what the sweep does (the overdue flag, the reminders)."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casework.extensions import db
from casework.models import Flag, Notification
from casework.services import caseload, families, reviews, supervision
from casework.services.clock import sweep_time
from casework.services.family_filters import FamilyFilters
from casework.services.review_schedule import next_review_due
from casework.services.sweep import run_sweep

from .factories import FamilyFactory
from .helpers import closed_family

LONDON = ZoneInfo("Europe/London")
OPENED = dt.date(2026, 3, 2)
FIRST_DUE = dt.date(2026, 4, 13)  # 42 days after opening


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=LONDON)


@pytest.fixture
def family(worker):
    return FamilyFactory(worker=worker, opened_on=OPENED, phase="making_changes", phase_since=dt.date(2026, 3, 30))


def due_everywhere(family, manager, worker, now) -> dict:
    """What each face says is the family's next review, as of ``now``."""
    found = {
        "family page": next_review_due(db.session, family, now),
        "families list": families.summarise(db.session, [family], now)[0].next_review_due,
    }
    rows = caseload.team_family_rows(db.session, manager, now, phase="closed" if family.is_closed else None)
    found["team families"] = next(row.next_review_due for row in rows if row.id == family.id)
    if not family.is_closed:
        timelines = supervision.supervision(db.session, manager, worker.id, now).families
        found["supervision"] = next(f.next_review_due for f in timelines if f.id == family.id)
    return found


def overdue_everywhere(family, manager, worker, now) -> dict:
    """Whether each face counts the family's review as overdue, as of ``now``."""
    rows = caseload.team_family_rows(db.session, manager, now, phase="closed" if family.is_closed else None)
    listed, _ = families.list_families(db.session, manager, now, filters=FamilyFilters(overdue=True, open_only=False))
    not_listed, _ = families.list_families(db.session, manager, now,
                                           filters=FamilyFilters(overdue=False, open_only=False))
    found = {
        "team families": next(row.overdue for row in rows if row.id == family.id),
        "caseload": sum(load.overdue_reviews for load in caseload.team_caseload(db.session, manager, now)) == 1,
        "home page": caseload.team_overview(db.session, manager, now).overdue_reviews == 1,
        "overdue filter": [s.family.id for s in listed] == [family.id],
        "not-overdue filter": family.id not in [s.family.id for s in not_listed],
    }
    if not family.is_closed:
        found["supervision"] = [f.id for f in supervision.supervision(
            db.session, manager, worker.id, now).overdue_reviews] == [family.id]
    return found


def swept(family, day: dt.date) -> tuple[list[str], list[str]]:
    """The family's open flag messages and its review notifications' keys after the sweep on ``day``."""
    run_sweep(db.session, sweep_time(day))
    flags = db.session.scalars(select(Flag.message).where(
        Flag.family_id == family.id, Flag.rule == "review_overdue", Flag.status != "resolved")).all()
    keys = db.session.scalars(select(Notification.key).where(
        Notification.family_id == family.id, Notification.kind.in_(["review_due", "review_overdue"]))).all()
    return flags, sorted(keys)


def assert_everywhere(family, manager, worker, day, due, overdue):
    now = at(day)
    assert set(due_everywhere(family, manager, worker, now).values()) == {due}
    assert set(overdue_everywhere(family, manager, worker, now).values()) == {overdue}


def test_with_no_review_yet_the_first_falls_due_after_opening(family, manager, worker):
    day = FIRST_DUE + dt.timedelta(days=7)
    assert_everywhere(family, manager, worker, FIRST_DUE, FIRST_DUE, False)  # due today: not overdue yet
    assert_everywhere(family, manager, worker, day, FIRST_DUE, True)
    flags, keys = swept(family, day)
    assert flags == ["Review due on 13 Apr has not been held: 7 days overdue."]
    assert keys == [f"review_overdue:{family.id}:2026-04-13"]


def test_a_review_dated_after_the_day_asked_is_not_held_yet(family, manager, worker):
    """As the sweep run for an earlier day sees it (run-jobs --now): the review of 1 May does
    not count on 20 April. (The pages and the lists counted it, the flag and the reminders did
    not: a family could be flagged overdue while its page said the review was not due.)"""
    reviews.hold_review(db.session, worker, family, {"held_on": dt.date(2026, 5, 1), "decision": "continue"},
                        at(dt.date(2026, 6, 15)))
    before = dt.date(2026, 4, 20)
    assert_everywhere(family, manager, worker, before, FIRST_DUE, True)
    flags, keys = swept(family, before)
    assert flags == ["Review due on 13 Apr has not been held: 7 days overdue."]
    assert keys == [f"review_overdue:{family.id}:2026-04-13"]

    held = dt.date(2026, 5, 1)
    assert_everywhere(family, manager, worker, held, dt.date(2026, 6, 12), False)
    flags, _ = swept(family, held)
    assert flags == []  # the sweep of the day the review was held resolves the flag


def test_a_closing_review_waiting_for_approval_counts_as_held(app, monkeypatch, family, manager, worker):
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", True)
    held = dt.date(2026, 6, 1)
    review = reviews.hold_review(db.session, worker, family, {"held_on": held, "decision": "step_down"}, at(held))
    assert review.pending_approval and not family.is_closed
    assert_everywhere(family, manager, worker, dt.date(2026, 6, 15), dt.date(2026, 7, 13), False)
    assert swept(family, dt.date(2026, 6, 15)) == ([], [])
    # Within the reminder window (7 days) of its due date, the worker is reminded.
    assert swept(family, dt.date(2026, 7, 6)) == ([], [f"review_due:{family.id}:2026-07-13"])


def test_a_closed_family_has_no_review_due(worker, manager):
    family = closed_family(worker, OPENED, dt.date(2026, 6, 1))
    day = dt.date(2026, 6, 15)  # overdue by two months, had it stayed open
    assert_everywhere(family, manager, worker, day, None, False)
    assert swept(family, day) == ([], [])


def test_a_review_is_overdue_from_the_day_after_it_was_due():
    """The one rule the pages show (services/review_schedule.py is_overdue)."""
    from casework.services.review_schedule import is_overdue

    due = dt.date(2026, 3, 2)
    assert not is_overdue(due, due)
    assert is_overdue(due, due + dt.timedelta(days=1))
    assert not is_overdue(None, due)
