"""The escalation rules, table-driven over the edge days."""
import datetime as dt

import pytest

from casework.extensions import db
from casework.services.flag_rules import evaluate

from .factories import FamilyFactory, GoalFactory, RatingFactory, VisitFactory

TODAY = dt.date(2026, 6, 15)


def findings(rule, today=TODAY, restarts=None):
    return [f for f in evaluate(db.session, today, restarts) if f.rule == rule]


@pytest.fixture
def family(worker):
    return FamilyFactory(worker=worker, opened_on=dt.date(2026, 3, 2), phase="making_changes",
                         phase_since=dt.date(2026, 4, 1))


# goal_stalled ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "started_days_ago, ratings, expected",
    [
        (27, [], None),  # too new to judge
        (28, [], "medium"),  # exactly 28 days with no rating
        (40, [(30, 5)], "medium"),  # an improvement 30 days ago is outside the window
        (40, [(28, 5)], "medium"),  # 28 days ago is just outside it (today - 28 < d <= today)
        (40, [(27, 5)], None),
        (40, [(20, 5), (5, 5)], None),  # improved within the window
        (40, [(35, 6), (10, 5), (3, 6)], "medium"),  # not above the earlier best of 6
        (40, [(35, 6), (3, 7)], None),
        (56, [], "high"),  # 56 days since start without improvement: escalated
        (70, [(20, 3)], "high"),  # 3 is no higher than the baseline
        (70, [(15, 4)], None),
    ],
)
def test_goal_stalled(family, started_days_ago, ratings, expected):
    goal = GoalFactory(family=family, baseline=3, start_date=TODAY - dt.timedelta(days=started_days_ago),
                       target_date=TODAY + dt.timedelta(days=60))
    for days_ago, rating in ratings:
        RatingFactory(goal=goal, date=TODAY - dt.timedelta(days=days_ago), rating=rating)
    found = findings("goal_stalled")
    assert [f.severity for f in found] == ([expected] if expected else [])
    if expected:
        assert found[0].subject_key == f"goal:{goal.id}"
        assert found[0].escalate == (expected == "high")


def test_goal_stalled_message_says_why(family):
    goal = GoalFactory(family=family, baseline=3, start_date=dt.date(2026, 4, 1), target_date=dt.date(2026, 9, 1))
    RatingFactory(goal=goal, date=dt.date(2026, 4, 20), rating=4)
    RatingFactory(goal=goal, date=dt.date(2026, 5, 25), rating=4)
    [finding] = findings("goal_stalled")
    assert "No rating above 4 since 20 Apr; last rating 4 on 25 May." in finding.message


def test_a_passed_target_date_flags_an_active_goal(family):
    goal = GoalFactory(family=family, start_date=TODAY - dt.timedelta(days=10),
                       target_date=TODAY - dt.timedelta(days=1))
    RatingFactory(goal=goal, date=TODAY - dt.timedelta(days=2), rating=6)
    [finding] = findings("goal_stalled")
    assert "Target date" in finding.message


def test_achieved_and_withdrawn_goals_never_stall(family):
    GoalFactory(family=family, status="achieved", start_date=TODAY - dt.timedelta(days=100))
    GoalFactory(family=family, status="withdrawn", start_date=TODAY - dt.timedelta(days=100))
    assert findings("goal_stalled") == []


def test_ratings_after_today_are_ignored_when_replaying_a_day(family):
    goal = GoalFactory(family=family, start_date=TODAY - dt.timedelta(days=40),
                       target_date=TODAY + dt.timedelta(days=60))
    RatingFactory(goal=goal, date=TODAY + dt.timedelta(days=1), rating=9)
    assert len(findings("goal_stalled")) == 1


def test_a_resolved_stall_returns_28_days_after_it_was_resolved(family):
    goal = GoalFactory(family=family, start_date=TODAY - dt.timedelta(days=60),
                       target_date=TODAY + dt.timedelta(days=60))
    resolved_on = TODAY - dt.timedelta(days=27)
    restarts = {(family.id, "goal_stalled", f"goal:{goal.id}"): resolved_on}
    assert findings("goal_stalled", restarts=restarts) == []
    assert len(findings("goal_stalled", TODAY + dt.timedelta(days=1), restarts)) == 1


# review_overdue ------------------------------------------------------------------------------

@pytest.mark.parametrize("days_overdue, flagged", [(0, False), (6, False), (7, True), (30, True)])
def test_review_overdue_is_flagged_from_seven_days(worker, days_overdue, flagged):
    due = TODAY - dt.timedelta(days=days_overdue)
    FamilyFactory(worker=worker, opened_on=due - dt.timedelta(days=42))
    found = findings("review_overdue")
    assert [f.severity for f in found] == (["high"] if flagged else [])


# phase_overrun -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "phase, days_in_phase, expected",
    [
        ("engagement", 28, None),
        ("engagement", 29, "low"),
        ("engagement", 42, "low"),
        ("engagement", 43, "medium"),
        ("making_changes", 98, None),
        ("making_changes", 99, "low"),
        ("making_changes", 148, "medium"),
        ("moving_on", 29, "low"),
    ],
)
def test_phase_overrun(worker, phase, days_in_phase, expected):
    since = TODAY - dt.timedelta(days=days_in_phase)
    FamilyFactory(worker=worker, opened_on=since - dt.timedelta(days=10), phase=phase, phase_since=since)
    assert [f.severity for f in findings("phase_overrun")] == ([expected] if expected else [])


def test_phase_overrun_across_the_clocks_going_back(worker):
    # 25 October 2026: British Summer Time ends. Dates, not hours, are counted.
    FamilyFactory(worker=worker, opened_on=dt.date(2026, 9, 28), phase_since=dt.date(2026, 9, 28))
    assert findings("phase_overrun", dt.date(2026, 10, 26)) == []
    assert len(findings("phase_overrun", dt.date(2026, 10, 27))) == 1


# no_access -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "outcomes, flagged",
    [
        (["completed", "no_access", "no_access"], True),  # the last two
        (["no_access", "no_access", "completed"], False),
        (["no_access", "completed", "cancelled", "completed", "no_access"], True),  # 3 of the last 5
        (["no_access", "no_access", "completed", "completed", "cancelled", "completed"], False),  # oldest is 6th
        (["cancelled", "no_access"], False),
    ],
)
def test_no_access(family, outcomes, flagged):
    for index, outcome in enumerate(outcomes):  # oldest first
        VisitFactory(family=family, date=TODAY - dt.timedelta(days=30 - index), outcome=outcome)
    assert [f.severity for f in findings("no_access")] == (["high"] if flagged else [])


# child_not_seen ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kind, seen_days_ago, flagged",
    [
        ("home_visit", 27, False),
        ("home_visit", 28, True),  # 28 days ago is outside "the last 28 days"
        ("school", 10, False),
        ("office", 10, False),
        ("phone", 3, True),  # a phone call does not count
    ],
)
def test_child_not_seen(family, kind, seen_days_ago, flagged):
    VisitFactory(family=family, date=TODAY - dt.timedelta(days=seen_days_ago), kind=kind)
    assert len(findings("child_not_seen")) == (2 if flagged else 0)


def test_only_the_unseen_child_is_flagged(family):
    visit = VisitFactory(family=family, date=TODAY - dt.timedelta(days=3))
    visit.children_seen = visit.children_seen[:1]  # Amy seen, Ben not
    [finding] = findings("child_not_seen")
    assert finding.message.startswith("Ben")


def test_a_family_open_less_than_28_days_has_no_child_flag(worker):
    FamilyFactory(worker=worker, opened_on=TODAY - dt.timedelta(days=27))
    assert findings("child_not_seen") == []


def test_closed_families_raise_nothing(worker):
    FamilyFactory(worker=worker, opened_on=dt.date(2025, 1, 1), phase="closed", closed_on=dt.date(2025, 6, 1))
    assert evaluate(db.session, TODAY) == []


def test_leap_day(worker):
    FamilyFactory(worker=worker, opened_on=dt.date(2028, 2, 1), phase_since=dt.date(2028, 2, 1))
    assert findings("phase_overrun", dt.date(2028, 2, 29)) == []  # 28 days
    assert len(findings("phase_overrun", dt.date(2028, 3, 1))) == 1
