"""Outcome and local-area reports."""
import datetime as dt

import pytest

from casework.extensions import db
from casework.models import FamilyConcern
from casework.services import reports
from casework.services.errors import Forbidden

from .factories import FamilyFactory, GoalFactory, RatingFactory, UserFactory

START, END = dt.date(2026, 4, 1), dt.date(2026, 6, 30)


def closed_family(worker, opened, closed, reason="step_down"):
    return FamilyFactory(worker=worker, opened_on=opened, phase="closed", phase_since=closed, closed_on=closed, closure_reason=reason)


def test_outcomes_for_families_closed_in_the_period(worker, manager, outsider):
    family = closed_family(worker, dt.date(2026, 1, 5), dt.date(2026, 6, 8))  # 22 weeks
    routine = GoalFactory(family=family, area="family_routine", baseline=3, status="achieved")
    RatingFactory(goal=routine, date=dt.date(2026, 3, 1), rating=6)
    flat = GoalFactory(family=family, area="family_routine", baseline=4)
    RatingFactory(goal=flat, date=dt.date(2026, 2, 1), rating=6)
    RatingFactory(goal=flat, date=dt.date(2026, 5, 1), rating=4)  # latest by date: not above baseline
    GoalFactory(family=family, area="home_conditions", baseline=2)  # never rated: not improved
    GoalFactory(family=family, area="safety", status="withdrawn")  # counts nowhere
    other = closed_family(worker, dt.date(2026, 2, 2), dt.date(2026, 5, 4), "disengaged")  # 13 weeks
    GoalFactory(family=other, area="home_conditions", baseline=2, status="achieved")
    closed_family(worker, dt.date(2025, 9, 1), dt.date(2026, 3, 31))  # before the period
    closed_family(outsider, dt.date(2026, 1, 5), dt.date(2026, 6, 1))  # another team
    FamilyFactory(worker=worker)  # still open

    report = reports.outcomes(db.session, manager, START, END)
    assert report["families_closed"] == 2
    assert report["children"] == 4
    assert report["goals"] == {"total": 4, "achieved": 2, "pct_achieved": 50.0}
    assert report["areas"] == [
        {"area": "family_routine", "goals": 2, "improved": 1, "pct_improved": 50.0},
        {"area": "home_conditions", "goals": 2, "improved": 0, "pct_improved": 0.0},
    ]
    assert report["median_weeks_in_service"] == 17.5
    assert report["closure_reasons"]["step_down"] == 1 and report["closure_reasons"]["disengaged"] == 1

    service = reports.outcomes(db.session, UserFactory(role="admin", team=None), START, END)
    assert service["families_closed"] == 3


def test_an_empty_period_has_no_percentages(manager):
    report = reports.outcomes(db.session, manager, START, END)
    assert report["goals"]["pct_achieved"] is None and report["median_weeks_in_service"] is None


def test_workers_do_not_see_reports(worker):
    with pytest.raises(Forbidden):
        reports.outcomes(db.session, worker, START, END)


def test_local_area_suppresses_small_counts(worker, manager):
    for index in range(6):
        FamilyFactory(worker=worker, postcode=f"LS6 {index}AB", referral_date=dt.date(2026, 5, 1), opened_on=dt.date(2026, 5, 2))
    family = FamilyFactory(worker=worker, postcode="BD3 9XY", referral_date=dt.date(2026, 5, 1), opened_on=dt.date(2026, 5, 2))
    family.concern_rows.append(FamilyConcern(code="housing"))
    FamilyFactory(worker=worker, postcode="LS7 1AA", referral_date=dt.date(2025, 5, 1), opened_on=dt.date(2025, 5, 2))
    rows = reports.local_area(db.session, manager, START, END)["rows"]
    assert rows == [
        {"district": "BD3", "concern": "housing", "count": None, "suppressed": True},
        {"district": "BD3", "concern": "neglect_physical", "count": None, "suppressed": True},
        {"district": "LS6", "concern": "neglect_physical", "count": 6, "suppressed": False},
    ]
