"""Trust check, round two, item 2: retention cannot be skipped by back-dating.

The attack, as found: as a manager, ``PATCH`` a new family's ``referral_date`` and ``opened_on``
to 2012, close it dated 2 January 2012 (before its own visits of November 2026), and it was
listed for a retention review and could be anonymised at once.

- A closing date is never before the family's latest visit, rating, review, assessment or phase
  move, by those records' own dates (a correction, a goal's status, a flag do not count): 422
  with the reason, for a move, a closing review and an approval alike, on the API and the pages.
- A family is listed for a retention review only when its ``closed_on`` and the day its closure
  was recorded both lie more than the retention period in the past.
- Anonymising is audited with both dates.

Figures: back-dated closings tried and refused; back-dated families listed for review (0)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from casework.extensions import db as _db
from casework.models import AuditEvent, ClosureProposal, Family
from casework.services import closures as closure_service
from casework.services import retention

from ..factories import AssessmentFactory, FamilyFactory, GoalFactory, RatingFactory, ReviewFactory, VisitFactory
from ..helpers import YEARS, assert_error
from .figures import record
from .web import signed_in_client

BACK = dt.date(2012, 1, 2)
_tried: list[bool] = []
_figures: dict = {}


def _back_dated(manager, today, **latest):
    """A family opened in 2012 on paper (its referral and opening edited back), in moving on,
    with a visit of this month: the attacker's family. ``latest`` adds another kind of record
    dated later than the closing date instead of the visit."""
    family = FamilyFactory(worker=None, team=manager.team, referral_date=dt.date(2012, 1, 1),
                           opened_on=dt.date(2012, 1, 1), phase="moving_on", phase_since=dt.date(2012, 1, 1))
    if not latest:
        VisitFactory(family=family, date=today - dt.timedelta(days=3), recorded_by=manager)
    for kind, day in latest.items():
        if kind == "rating":
            RatingFactory(goal=GoalFactory(family=family, start_date=dt.date(2012, 1, 1)), date=day,
                          recorded_by=manager)
        elif kind == "review":
            ReviewFactory(family=family, held_on=day, recorded_by=manager)
        elif kind == "assessment":
            AssessmentFactory(family=family, date=day, recorded_by=manager)
    _db.session.commit()
    return family


def test_the_reported_attack_is_refused_on_the_api(app, api, manager, today):
    caller = api(manager)
    family = FamilyFactory(worker=None, team=manager.team, opened_on=today - dt.timedelta(days=20))
    VisitFactory(family=family, date=today - dt.timedelta(days=2), recorded_by=manager)
    _db.session.commit()
    edited = caller.patch(f"/api/v1/families/{family.id}",
                          json={"referral_date": "2012-01-01", "opened_on": "2012-01-01"})
    assert edited.status_code == 200, edited.get_data(as_text=True)
    refused = assert_error(caller.post(f"/api/v1/families/{family.id}/phase",
                                       json={"phase": "closed", "date": BACK.isoformat(), "reason": "step_down"}), 422)
    assert "latest record, a visit" in refused["fields"]["date"][0]
    _tried.append(True)
    review = assert_error(caller.post(f"/api/v1/families/{family.id}/reviews",
                                      json={"held_on": BACK.isoformat(), "decision": "close", "reason": "other"}), 422)
    assert "latest record, a visit" in review["fields"]["held_on"][0]
    _tried.append(True)
    _db.session.expire_all()
    assert _db.session.get(Family, family.id).phase == "engagement"
    assert retention.due_for_review(_db.session, today, team_id=manager.team_id) == []
    # Closing on or after the latest record is what closing has always been.
    closed = caller.post(f"/api/v1/families/{family.id}/phase",
                         json={"phase": "closed", "date": today.isoformat(), "reason": "step_down"})
    assert closed.status_code == 200 and closed.get_json()["closed_on"] == today.isoformat()


@pytest.mark.parametrize("kind", ["visit", "rating", "review", "assessment"])
def test_each_kind_of_record_holds_the_closing_date_back(app, manager, today, kind):
    day = today - dt.timedelta(days=3)
    family = _back_dated(manager, today) if kind == "visit" else _back_dated(manager, today, **{kind: day})
    client = signed_in_client(app, manager)
    response = client.post(f"/families/{family.id}/phase",
                           data={"phase": "closed", "date": BACK.isoformat(), "reason": "step_down"})
    assert response.status_code == 422
    assert f"its latest record, a {kind}, is dated {day:%-d %B %Y}" in response.get_data(as_text=True)
    _tried.append(True)
    _db.session.expire_all()
    assert _db.session.get(Family, family.id).closed_on is None


def test_an_approval_cannot_close_before_the_latest_record(app, api, worker, manager, today, family):
    """A worker proposes closing on a date that was fine, then records a later visit: the
    manager's approval would close the family before it, and is refused."""
    family.phase, family.phase_since = "moving_on", today - dt.timedelta(days=10)
    _db.session.commit()
    proposed_on = today - dt.timedelta(days=5)
    proposal = api(worker).post(f"/api/v1/families/{family.id}/phase",
                                json={"phase": "closed", "date": proposed_on.isoformat(), "reason": "step_down"})
    assert proposal.status_code == 202, proposal.get_data(as_text=True)
    VisitFactory(family=family, date=today - dt.timedelta(days=1))
    _db.session.commit()
    refused = assert_error(api(manager).post(f"/api/v1/families/{family.id}/closure/approve"), 422)
    assert "latest record, a visit" in refused["error"]
    _tried.append(True)
    _db.session.expire_all()
    assert _db.session.get(Family, family.id).phase == "moving_on"
    assert _db.session.scalar(select(ClosureProposal.status)) == "pending"


def test_retention_counts_from_the_day_the_closure_was_recorded(app, manager, today):
    """A family closed (on paper) seven years ago but recorded closed today is not listed, and
    cannot be anonymised, until both dates are past the period."""
    long_ago = retention.years_before(today, YEARS + 1)
    honest = FamilyFactory(worker=None, team=manager.team, opened_on=long_ago - dt.timedelta(weeks=20),
                           phase="closed", phase_since=long_ago, closed_on=long_ago, closure_reason="step_down")
    back_dated = FamilyFactory(worker=None, team=manager.team, opened_on=long_ago - dt.timedelta(weeks=20),
                               phase="closed", phase_since=long_ago, closed_on=long_ago, closure_reason="step_down",
                               closure_recorded_on=today)
    _db.session.commit()
    assert retention.due_for_review(_db.session, today, team_id=manager.team_id) == [honest]
    assert retention.kept_until(back_dated) == retention.years_after(today, YEARS)
    client = signed_in_client(app, manager)
    page = client.get("/records/retention").get_data(as_text=True)
    assert honest.reference in page and back_dated.reference not in page
    refused = client.post(f"/families/{back_dated.id}/anonymise",
                          data={"confirm_reference": back_dated.reference, "version": str(back_dated.version)})
    assert refused.status_code == 409 and "kept until" in refused.get_data(as_text=True)
    done = client.post(f"/families/{honest.id}/anonymise",
                       data={"confirm_reference": honest.reference, "version": str(honest.version)})
    assert done.status_code == 302
    audit = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "anonymise"))
    assert audit.detail == {"closed_on": long_ago.isoformat(), "closure_recorded_on": long_ago.isoformat()}
    _figures.update(back_dated_listed_for_review=int(back_dated.reference in page),
                    anonymisation_audited_with=sorted(audit.detail))


def test_closing_records_the_day_and_reopening_clears_it(app, manager, today, family):
    closure_service.close_family(_db.session, manager, family, today - dt.timedelta(days=1), "step_down",
                                dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC))
    assert (family.closed_on, family.closure_recorded_on) == (today - dt.timedelta(days=1), today)
    closure_service.reopen_family(_db.session, manager, family, "Back again.",
                                 dt.datetime.combine(today, dt.time(13), tzinfo=dt.UTC))
    assert family.closure_recorded_on is None and family.closed_on is None


def test_closing_dates_figures():
    """Runs after the checks above: their figures, for scripts/trust-report."""
    refused = len(_tried)
    record("closing dates and retention (#13.2)", back_dated_closings_refused=refused,
           back_dated_listed_for_review=_figures.get("back_dated_listed_for_review"),
           anonymisation_audited_with=_figures.get("anonymisation_audited_with"),
           bound_ok=refused == 7 and _figures.get("back_dated_listed_for_review") == 0)
    assert refused == 7 and _figures, "run with the checks above"
