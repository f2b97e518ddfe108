"""Closing a family through the API: a worker's closing waits for the manager's approval (when
approval is on), the manager approves or returns it, and a manager reopens a closed family."""
import datetime as dt

import pytest

from . import factories
from .helpers import assert_error


@pytest.fixture
def approval(app):
    """Closure approval switched on for one test."""
    before = app.config["CASEWORK_CLOSURE_APPROVAL"]
    app.config["CASEWORK_CLOSURE_APPROVAL"] = True
    try:
        yield
    finally:
        app.config["CASEWORK_CLOSURE_APPROVAL"] = before


@pytest.fixture
def moving_on(db, worker, today):
    family = factories.FamilyFactory(
        worker=worker, opened_on=today - dt.timedelta(days=150), phase="moving_on",
        phase_since=today - dt.timedelta(days=20),
    )
    db.session.commit()
    return family


def url(family, tail=""):
    return f"/api/v1/families/{family.id}{tail}"


def propose(calls, family, day, reason="step_down", **extra):
    return calls.post(url(family, "/phase"),
                      json={"phase": "closed", "date": day.isoformat(), "reason": reason, **extra})


def kinds_of_notifications(calls):
    return [n["kind"] for n in calls.get("/api/v1/notifications").get_json()["items"]]


# --- proposing ----------------------------------------------------------------------------------


def test_a_workers_closing_move_answers_202_and_the_family_stays_open(approval, api, worker, moving_on, today):
    day = today - dt.timedelta(days=2)
    response = propose(api(worker), moving_on, day, note="Nursery place found.")
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["pending_approval"] is True
    assert (body["phase"], body["closed_on"], body["closure_reason"]) == ("moving_on", None, None)
    assert body["pending_closure"] == {
        "proposed_on": day.isoformat(), "reason": "step_down",
        "by": {"id": worker.id, "name": "Wendy Worker"},
        "note": "Nursery place found.", "review_id": None,
    }
    again = api(worker).get(url(moving_on)).get_json()
    assert again["pending_closure"]["proposed_on"] == day.isoformat()
    assert "pending_approval" not in again


def test_the_manager_is_told_of_a_proposal(approval, api, worker, manager, moving_on, today):
    propose(api(worker), moving_on, today)
    [note] = api(manager).get("/api/v1/notifications").get_json()["items"]
    assert note["kind"] == "closure_proposed" and note["family_id"] == moving_on.id
    assert moving_on.reference in note["message"] and moving_on.household_name not in note["message"]


def test_a_second_proposal_while_one_waits_answers_409(approval, api, worker, moving_on, today):
    calls = api(worker)
    assert propose(calls, moving_on, today).status_code == 202
    assert_error(propose(calls, moving_on, today, reason="disengaged"), 409)


def test_without_approval_a_workers_closing_closes_at_once(no_approval, api, worker, moving_on, today):
    response = propose(api(worker), moving_on, today)
    assert response.status_code == 200
    assert response.get_json()["phase"] == "closed"
    assert response.get_json()["pending_closure"] is None


def test_a_managers_closing_closes_at_once_even_with_approval(approval, api, manager, moving_on, today):
    response = propose(api(manager), moving_on, today, reason="moved_away")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["phase"], body["closed_on"], body["closure_reason"]) == ("closed", today.isoformat(), "moved_away")


# --- approving ----------------------------------------------------------------------------------


def test_the_manager_approves_and_the_family_closes_on_the_proposals_date(
        approval, api, worker, manager, moving_on, today):
    day = today - dt.timedelta(days=3)
    propose(api(worker), moving_on, day, reason="step_up")
    response = api(manager).post(url(moving_on, "/closure/approve"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["phase"], body["closed_on"], body["closure_reason"]) == ("closed", day.isoformat(), "step_up")
    assert body["phase_since"] == day.isoformat()
    assert body["pending_closure"] is None and body["next_review_due"] is None
    assert "closure_approved" in kinds_of_notifications(api(worker))
    # The family is read-only now, and nothing is left to approve.
    assert_error(api(manager).post(url(moving_on, "/closure/approve")), 409)
    body = assert_error(api(worker).post(url(moving_on, "/visits"), json={}), 422)
    assert "closed" in body["error"]


def test_approving_when_nothing_is_pending_answers_409(api, manager, moving_on):
    body = assert_error(api(manager).post(url(moving_on, "/closure/approve"), json={}), 409)
    assert "no closure" in body["error"].lower()


def test_who_may_approve(approval, api, worker, colleague, manager, outsider, admin, other_team, moving_on, today):
    propose(api(worker), moving_on, today)
    path = url(moving_on, "/closure/approve")
    assert_error(api(worker).post(path), 403)  # their own family, but not their decision
    assert_error(api(colleague).post(path), 404)
    assert_error(api(outsider).post(path), 404)
    assert_error(api(factories.UserFactory(team=other_team, role="manager")).post(path), 404)
    assert_error(api(admin).post(path), 403)
    assert api(manager).get(url(moving_on)).get_json()["pending_closure"] is not None
    assert api(manager).post(path).status_code == 200


def test_a_stale_approval_answers_409(approval, api, worker, manager, moving_on, today):
    version = api(manager).get(url(moving_on)).get_json()["version"]
    api(worker).patch(url(moving_on), json={"household_name": "Renamed household"})
    propose(api(worker), moving_on, today)
    body = assert_error(api(manager).post(url(moving_on, "/closure/approve"), json={"version": version}), 409)
    assert "version" in body["fields"]
    assert api(manager).get(url(moving_on)).get_json()["phase"] == "moving_on"


def test_a_managers_own_closing_withdraws_a_waiting_proposal(approval, api, worker, manager, moving_on, today):
    propose(api(worker), moving_on, today - dt.timedelta(days=1))
    closed = propose(api(manager), moving_on, today, reason="moved_away").get_json()
    assert (closed["closed_on"], closed["closure_reason"], closed["pending_closure"]) == (
        today.isoformat(), "moved_away", None)
    assert_error(api(manager).post(url(moving_on, "/closure/approve")), 409)
    reopened = api(manager).post(url(moving_on, "/reopen"), json={"note": "Back"}).get_json()
    assert reopened["pending_closure"] is None  # the old proposal does not come back
    assert_error(api(manager).post(url(moving_on, "/closure/approve")), 409)


# --- returning ----------------------------------------------------------------------------------


def test_the_manager_returns_a_closure_and_the_worker_is_told(approval, api, worker, manager, moving_on, today):
    propose(api(worker), moving_on, today)
    calls = api(manager)
    body = assert_error(calls.post(url(moving_on, "/closure/return"), json={"comment": "  "}), 422)
    assert "comment" in body["fields"]
    assert_error(calls.post(url(moving_on, "/closure/return"), json={"comment": ["no"]}), 400)
    response = calls.post(url(moving_on, "/closure/return"),
                          json={"comment": "Hold a closing review with school first."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["phase"], body["closed_on"], body["pending_closure"]) == ("moving_on", None, None)
    assert "closure_returned" in kinds_of_notifications(api(worker))
    assert_error(calls.post(url(moving_on, "/closure/return"), json={"comment": "again"}), 409)
    # The worker may propose again once it is returned.
    assert propose(api(worker), moving_on, today).status_code == 202


def test_returning_when_nothing_is_pending_answers_409(api, manager, moving_on):
    assert_error(api(manager).post(url(moving_on, "/closure/return"), json={"comment": "x"}), 409)


def test_who_may_return(approval, api, worker, colleague, admin, moving_on, today):
    propose(api(worker), moving_on, today)
    path = url(moving_on, "/closure/return")
    assert_error(api(worker).post(path, json={"comment": "mine"}), 403)
    assert_error(api(colleague).post(path, json={"comment": "x"}), 404)
    assert_error(api(admin).post(path, json={"comment": "x"}), 403)


# --- closing reviews ----------------------------------------------------------------------------


def test_a_workers_closing_review_waits_and_counts_as_held(approval, api, worker, manager, moving_on, today):
    held = today - dt.timedelta(days=1)
    calls = api(worker)
    response = calls.post(url(moving_on, "/reviews"),
                          json={"held_on": held.isoformat(), "decision": "close", "reason": "disengaged",
                                "notes": "Mum has stopped answering."})
    assert response.status_code == 201, response.get_json()
    review = response.get_json()
    assert review["pending_approval"] is True and review["reason"] == "disengaged"
    family = calls.get(url(moving_on)).get_json()
    assert family["phase"] == "moving_on"
    assert family["pending_closure"]["review_id"] == review["id"]
    listed = calls.get(url(moving_on, "/reviews")).get_json()
    assert listed["items"] == [review]
    assert listed["next_due"] == (held + dt.timedelta(days=42)).isoformat()
    closed = api(manager).post(url(moving_on, "/closure/approve")).get_json()
    assert (closed["closed_on"], closed["closure_reason"]) == (held.isoformat(), "disengaged")
    assert calls.get(url(moving_on, "/reviews")).get_json()["items"][0]["pending_approval"] is False


def test_a_managers_closing_review_closes_at_once(approval, api, manager, moving_on, today):
    response = api(manager).post(url(moving_on, "/reviews"),
                                 json={"held_on": today.isoformat(), "decision": "step_down"})
    assert response.status_code == 201
    assert response.get_json()["pending_approval"] is False
    family = api(manager).get(url(moving_on)).get_json()
    assert (family["phase"], family["closed_on"], family["closure_reason"]) == (
        "closed", today.isoformat(), "step_down")


# --- reopening ----------------------------------------------------------------------------------


@pytest.fixture
def closed(api, manager, moving_on, today):
    propose(api(manager), moving_on, today - dt.timedelta(days=5), reason="step_down")
    return moving_on


def test_a_manager_reopens_a_closed_family(api, manager, worker, closed, today):
    response = api(manager).post(url(closed, "/reopen"), json={"note": "Mother asked for help again."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["phase"], body["phase_since"]) == ("engagement", today.isoformat())
    assert body["closed_on"] is None and body["closure_reason"] is None
    assert body["next_review_due"] is not None
    # Open again: the worker may record a visit.
    visit = api(worker).post(url(closed, "/visits"), json={
        "date": today.isoformat(), "kind": "phone", "outcome": "completed", "notes": "Called mum."})
    assert visit.status_code == 201, visit.get_json()
    kinds = [e["summary"] for e in api(worker).get(url(closed, "/chronology?kind=phase")).get_json()["items"]]
    assert kinds[0].startswith("Reopened")


def test_reopening_needs_a_note_and_a_closed_family(api, manager, closed, moving_on):
    calls = api(manager)
    assert "note" in assert_error(calls.post(url(closed, "/reopen"), json={}), 422)["fields"]
    assert "note" in assert_error(calls.post(url(closed, "/reopen"), json={"note": "   "}), 422)["fields"]
    assert_error(calls.post(url(closed, "/reopen"), data="not json", content_type="application/json"), 400)
    assert calls.post(url(closed, "/reopen"), json={"note": "Back"}).status_code == 200
    body = assert_error(calls.post(url(closed, "/reopen"), json={"note": "Again"}), 422)
    assert body["fields"]


def test_who_may_reopen(api, worker, colleague, admin, outsider, closed):
    path = url(closed, "/reopen")
    assert_error(api(worker).post(path, json={"note": "x"}), 403)
    assert_error(api(colleague).post(path, json={"note": "x"}), 404)
    assert_error(api(outsider).post(path, json={"note": "x"}), 404)
    assert_error(api(admin).post(path, json={"note": "x"}), 403)
