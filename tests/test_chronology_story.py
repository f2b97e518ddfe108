"""The chronology tells the whole story: the referral (the opening), each goal agreed, achieved
or withdrawn (with the reason), each assessment, and everything already there; each with who
recorded it (nobody for the system's own entries, the flags). Filtered by any kind, on the page
and in the API."""
from __future__ import annotations

import datetime as dt

import pytest

from casework.extensions import db as _db
from casework.models import AssessmentScore, Family, Flag
from casework.services import chronology as chronology_service

from . import factories
from .helpers import assert_error, page_text, referral, squash


@pytest.fixture
def story(api, worker, manager, today):
    """A referral opened through the API by the worker; a goal agreed, one achieved, one
    withdrawn with a reason; an assessment; a flag raised by the sweep."""
    calls = api(worker)
    family = calls.post("/api/v1/families", json=referral(today, opened_on=(today - dt.timedelta(days=20)).isoformat(),
                                                         referral_date=(today - dt.timedelta(days=25)).isoformat()))
    assert family.status_code == 201
    family_id = family.get_json()["id"]
    goal = {"area": "family_routine", "baseline": 3, "target": 7,
            "start_date": (today - dt.timedelta(days=15)).isoformat(),
            "target_date": (today + dt.timedelta(days=60)).isoformat()}
    ids = [calls.post(f"/api/v1/families/{family_id}/goals", json={**goal, "title": title}).get_json()["id"]
           for title in ("Regular bedtimes", "Mum sees her GP", "Tidy bedroom")]
    calls.patch(f"/api/v1/goals/{ids[1]}", json={"status": "achieved"})
    calls.patch(f"/api/v1/goals/{ids[2]}", json={"status": "withdrawn",
                                                 "reason": "The family chose to focus on school instead."})
    family_row = _db.session.get(Family, family_id)
    factories.AssessmentFactory(family=family_row, date=today - dt.timedelta(days=10), recorded_by=manager,
                                scores=[AssessmentScore(domain="physical_care", score=3, evidence="")])
    _db.session.add(Flag(family=family_row, rule="review_overdue", subject_key="review", severity="high",
                         message="Review overdue.", raised_on=today - dt.timedelta(days=1)))
    _db.session.commit()
    return family_row, ids


def entries(calls, family, kind=""):
    response = calls.get(f"/api/v1/families/{family.id}/chronology{'?kind=' + kind if kind else ''}")
    assert response.status_code == 200
    return response.get_json()["items"]


def test_the_new_kinds_are_kinds_of_event():
    assert {"referral", "goal", "assessment"} <= set(chronology_service.KINDS)


def test_the_referral_is_the_first_entry_with_who_opened_it(api, worker, story, today):
    family, _ = story
    items = entries(api(worker), family)
    opening = items[-1]
    assert opening["kind"] == "referral" and opening["date"] == (today - dt.timedelta(days=20)).isoformat()
    assert opening["by"] == {"id": worker.id, "name": worker.name}
    assert "Referral opened" in opening["summary"] and "Health visitor" in opening["summary"]
    assert opening["ref_id"] == family.id


def test_goals_agreed_achieved_and_withdrawn_with_the_reason(api, worker, story, today):
    family, ids = story
    goals = entries(api(worker), family, "goal")
    assert {item["kind"] for item in goals} == {"goal"}
    summaries = [item["summary"] for item in goals]
    assert sum(summary.startswith("Goal agreed:") for summary in summaries) == 3
    assert "Goal achieved: Mum sees her GP" in summaries
    [withdrawn] = [s for s in summaries if s.startswith("Goal withdrawn")]
    assert withdrawn == "Goal withdrawn: Tidy bedroom. Reason: The family chose to focus on school instead."
    assert all(item["by"] == {"id": worker.id, "name": worker.name} for item in goals)
    assert {item["ref_id"] for item in goals} == set(ids)


def test_an_assessment_is_an_entry_with_who_recorded_it(api, worker, manager, story, today):
    family, _ = story
    [item] = entries(api(worker), family, "assessment")
    assert item["date"] == (today - dt.timedelta(days=10)).isoformat()
    assert item["by"] == {"id": manager.id, "name": manager.name}
    assert "initial assessment of the family" in item["summary"]


def test_the_systems_own_entries_have_no_by(api, worker, story):
    family, _ = story
    [flag] = entries(api(worker), family, "flag")
    assert flag["by"] is None


@pytest.mark.parametrize("kind", chronology_service.KINDS)
def test_every_kind_filters_in_the_api(api, worker, story, kind):
    family, _ = story
    assert {item["kind"] for item in entries(api(worker), family, kind)} <= {kind}


def test_an_unknown_kind_is_refused_in_the_api(api, worker, story):
    family, _ = story
    body = assert_error(api(worker).get(f"/api/v1/families/{family.id}/chronology?kind=goals"), 422)
    assert "kind" in body["fields"]


def test_the_page_filters_by_every_kind_and_says_who(login, worker, manager, story):
    family, _ = story
    client = login(worker)
    response = client.get(f"/families/{family.id}/chronology")
    body = squash(response)
    for code, label in (("referral", "Referral"), ("goal", "Goals"), ("assessment", "Assessments"),
                        ("visit", "Visits"), ("flag", "Flags")):
        assert f'<option value="{code}">{label}</option>' in body
    text = page_text(response)
    assert "Date What Details By" in text
    assert "Referral opened" in text and worker.name in text and manager.name in text
    goals = page_text(client.get(f"/families/{family.id}/chronology?kind=goal"))
    assert "Goal withdrawn: Tidy bedroom. Reason: The family chose to focus on school instead." in goals
    assert "Referral opened" not in goals and "5 events" in goals
    assert "casework (recorded by the system)" in page_text(client.get(f"/families/{family.id}/chronology?kind=flag"))
