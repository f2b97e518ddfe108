"""Allocation within a team and transfers between teams, through the API."""
import pytest
from sqlalchemy import select

from casework.models import Allocation

from . import factories
from .helpers import assert_error


def allocate(calls, family, **body):
    return calls.post(f"/api/v1/families/{family.id}/allocation", json=body)


# --- allocation -----------------------------------------------------------------------------------


def test_a_manager_reallocates_and_it_is_kept(api, db, manager, worker, colleague, family):
    response = allocate(api(manager), family, worker_id=colleague.id, reason="Wendy is on leave.")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["worker"] == {"id": colleague.id, "name": "Colin Colleague"}
    [kept] = db.session.scalars(select(Allocation)).all()
    assert (kept.from_worker_id, kept.to_worker_id, kept.by_id, kept.reason) == (
        worker.id, colleague.id, manager.id, "Wendy is on leave.")
    # The family has moved caseload: the worker no longer sees it, the colleague does.
    assert_error(api(worker).get(f"/api/v1/families/{family.id}"), 404)
    assert api(colleague).get(f"/api/v1/families/{family.id}").status_code == 200


def test_a_manager_may_leave_a_family_unallocated(api, manager, family):
    response = allocate(api(manager), family, worker_id=None, reason="Waiting list")
    assert response.status_code == 200
    assert response.get_json()["worker"] is None
    again = allocate(api(manager), family, worker_id=None, reason="Still waiting")
    assert "worker_id" in assert_error(again, 422)["fields"]


def test_allocation_validation(api, manager, outsider, admin, worker, family):
    calls = api(manager)
    inactive = factories.UserFactory(team=manager.team, role="worker", active=False)
    for body in ({}, {"worker_id": "abc"}, {"worker_id": 1.5}, {"worker_id": True},
                 {"worker_id": outsider.id}, {"worker_id": admin.id}, {"worker_id": manager.id},
                 {"worker_id": inactive.id}, {"worker_id": worker.id}, {"worker_id": 10**30}):
        body = assert_error(allocate(calls, family, reason="Cover", **body), 422)
        assert "worker_id" in body["fields"], body
    assert assert_error(allocate(calls, family, worker_id="abc"), 422)["fields"]["worker_id"] == [
        "Choose a family worker."]
    assert_error(allocate(calls, family, worker_id=[worker.id]), 400)


def test_a_stale_allocation_answers_409(api, manager, colleague, family):
    calls = api(manager)
    version = calls.get(f"/api/v1/families/{family.id}").get_json()["version"]
    calls.patch(f"/api/v1/families/{family.id}", json={"household_name": "Renamed"})
    assert_error(allocate(calls, family, worker_id=colleague.id, version=version), 409)


def test_a_closed_family_is_not_reallocated(api, manager, colleague, family, today):
    calls = api(manager)
    calls.post(f"/api/v1/families/{family.id}/phase",
               json={"phase": "closed", "date": today.isoformat(), "reason": "moved_away"})
    assert "closed" in assert_error(allocate(calls, family, worker_id=colleague.id), 422)["error"]


def test_who_may_allocate(api, worker, colleague, outsider, admin, family):
    assert_error(allocate(api(worker), family, worker_id=worker.id), 403)
    assert_error(allocate(api(colleague), family, worker_id=colleague.id), 404)
    assert_error(allocate(api(outsider), family, worker_id=outsider.id), 404)
    assert_error(allocate(api(admin), family, worker_id=worker.id), 403)


# --- transfers ------------------------------------------------------------------------------------


@pytest.fixture
def receiving(other_team):
    """The other team's manager and one of its workers."""
    return (factories.UserFactory(team=other_team, role="manager", name="Rita Receiving"),
            factories.UserFactory(team=other_team, role="worker", name="Tom Their-worker"))


def offer(calls, family, **body):
    return calls.post(f"/api/v1/families/{family.id}/transfer", json=body)


def test_a_transfer_is_offered_accepted_and_the_family_moves(api, manager, worker, family, other_team, receiving):
    their_manager, their_worker = receiving
    response = offer(api(manager), family, to_team_id=other_team.id, reason="The family moved to Leeds.")
    assert response.status_code == 201, response.get_json()
    transfer = response.get_json()
    assert (transfer["family_id"], transfer["status"]) == (family.id, "pending")
    assert transfer["to_team"] == {"id": other_team.id, "name": "South"}
    # The sending team keeps the family meanwhile; the receiving manager sees the offer.
    assert api(worker).get(f"/api/v1/families/{family.id}").status_code == 200
    assert api(manager).get("/api/v1/transfers").get_json()["items"] == []
    [waiting] = api(their_manager).get("/api/v1/transfers").get_json()["items"]
    assert set(waiting) >= {"id", "family_id", "reference", "from_team", "reason", "requested_at"}
    assert (waiting["id"], waiting["reference"], waiting["reason"]) == (
        transfer["id"], family.reference, "The family moved to Leeds.")
    assert waiting["from_team"]["id"] == manager.team_id
    assert "household_name" not in waiting
    kinds = [n["kind"] for n in api(their_manager).get("/api/v1/notifications").get_json()["items"]]
    assert kinds == ["transfer_offered"]
    # Only the receiving manager may decide.
    assert_error(api(manager).post(f"/api/v1/transfers/{transfer['id']}/accept"), 404)
    assert_error(api(their_worker).post(f"/api/v1/transfers/{transfer['id']}/accept"), 403)
    accepted = api(their_manager).post(f"/api/v1/transfers/{transfer['id']}/accept",
                                       json={"worker_id": their_worker.id})
    assert accepted.status_code == 200, accepted.get_json()
    family_body = accepted.get_json()
    assert family_body["id"] == family.id
    assert family_body["team"]["id"] == other_team.id
    assert family_body["worker"] == {"id": their_worker.id, "name": "Tom Their-worker"}
    assert_error(api(worker).get(f"/api/v1/families/{family.id}"), 404)
    assert_error(api(manager).get(f"/api/v1/families/{family.id}"), 404)
    assert api(their_worker).get(f"/api/v1/families/{family.id}").status_code == 200
    assert "transfer_accepted" in [n["kind"] for n in api(manager).get("/api/v1/notifications").get_json()["items"]]
    # Decided: no longer waiting.
    assert api(their_manager).get("/api/v1/transfers").get_json()["items"] == []
    assert_error(api(their_manager).post(f"/api/v1/transfers/{transfer['id']}/decline", json={"comment": "x"}), 404)


def test_accepting_unallocated_or_with_a_bad_worker(api, manager, family, other_team, receiving, outsider):
    their_manager, _ = receiving
    transfer = offer(api(manager), family, to_team_id=other_team.id, reason="Moved").get_json()
    calls = api(their_manager)
    path = f"/api/v1/transfers/{transfer['id']}/accept"
    worker_of_sender = family.worker_id
    assert "worker_id" in assert_error(calls.post(path, json={"worker_id": worker_of_sender}), 422)["fields"]
    assert "worker_id" in assert_error(calls.post(path, json={"worker_id": "Tom"}), 422)["fields"]
    response = calls.post(path)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["worker"] is None


def test_a_declined_transfer_stays_with_the_sending_team(api, manager, family, other_team, receiving):
    their_manager, _ = receiving
    transfer = offer(api(manager), family, to_team_id=other_team.id, reason="Moved").get_json()
    calls = api(their_manager)
    path = f"/api/v1/transfers/{transfer['id']}/decline"
    assert "comment" in assert_error(calls.post(path, json={"comment": " "}), 422)["fields"]
    assert "comment" in assert_error(calls.post(path), 422)["fields"]
    response = calls.post(path, json={"comment": "Not our area until they have a tenancy."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["status"], body["comment"]) == (
        transfer["id"], "declined", "Not our area until they have a tenancy.")
    assert api(manager).get(f"/api/v1/families/{family.id}").get_json()["team"]["id"] == manager.team_id
    assert "transfer_declined" in [n["kind"] for n in api(manager).get("/api/v1/notifications").get_json()["items"]]
    # Declined: it may be offered again.
    assert offer(api(manager), family, to_team_id=other_team.id, reason="Tenancy signed").status_code == 201


def test_transfer_validation(api, manager, family, other_team):
    calls = api(manager)
    # As on the page: the form names what is missing first, then the service the team.
    assert set(assert_error(offer(calls, family, to_team_id=manager.team_id, reason=""), 422)["fields"]) == {"reason"}
    assert set(assert_error(offer(calls, family, to_team_id=manager.team_id, reason="x"), 422)["fields"]) == {
        "to_team_id"}
    assert "to_team_id" in assert_error(offer(calls, family, to_team_id=999999, reason="x"), 422)["fields"]
    assert "to_team_id" in assert_error(offer(calls, family, to_team_id="South", reason="x"), 422)["fields"]
    assert "to_team_id" in assert_error(offer(calls, family, reason="x"), 422)["fields"]
    assert_error(offer(calls, family, to_team_id=[other_team.id], reason="x"), 400)
    assert offer(calls, family, to_team_id=other_team.id, reason="Moved").status_code == 201
    assert_error(offer(calls, family, to_team_id=other_team.id, reason="Again"), 409)


def test_a_closed_family_is_not_transferred(api, manager, family, other_team, today):
    calls = api(manager)
    calls.post(f"/api/v1/families/{family.id}/phase",
               json={"phase": "closed", "date": today.isoformat(), "reason": "moved_away"})
    assert "closed" in assert_error(offer(calls, family, to_team_id=other_team.id, reason="x"), 422)["error"]


def test_who_may_transfer(api, worker, colleague, outsider, admin, family, other_team, receiving):
    body = {"to_team_id": other_team.id, "reason": "Moved"}
    assert_error(offer(api(worker), family, **body), 403)
    assert_error(offer(api(colleague), family, **body), 404)
    assert_error(offer(api(receiving[0]), family, **body), 404)
    assert_error(offer(api(admin), family, **body), 403)
    for user in (worker, admin):
        assert_error(api(user).get("/api/v1/transfers"), 403)
    assert_error(api(receiving[0]).post("/api/v1/transfers/999999/accept"), 404)

