"""The caller's own notifications, and a manager's view of the team's caseloads."""
import datetime as dt

import pytest

from casework.models import Notification, Review

from . import factories
from .helpers import assert_error, raise_flag

NOTIFICATION_FIELDS = {"id", "kind", "family_id", "message", "created_at", "read"}


def notify(user, kind, family=None, hours_ago=0, key=None):
    at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)
    note = Notification(user=user, kind=kind, family_id=family.id if family else None,
                        message=f"{kind} for {family.reference if family else 'you'}",
                        key=key or f"{kind}:{user.id}:{hours_ago}", created_at=at, created_on=at.date())
    factories.db.session.add(note)
    factories.db.session.flush()
    return note


@pytest.fixture
def notes(db, worker, colleague, family):
    mine = dict(
        old=notify(worker, "review_due", family, hours_ago=30),
        new=notify(worker, "flag_raised", family, hours_ago=1),
    )
    theirs = notify(colleague, "allocated", hours_ago=2)
    db.session.commit()
    return mine, theirs


# --- notifications --------------------------------------------------------------------------------


def test_the_callers_own_notifications_newest_first(api, worker, family, notes):
    mine, _ = notes
    response = api(worker).get("/api/v1/notifications")
    assert response.status_code == 200
    body = response.get_json()
    assert [n["id"] for n in body["items"]] == [mine["new"].id, mine["old"].id]
    first = body["items"][0]
    assert set(first) >= NOTIFICATION_FIELDS
    assert (first["kind"], first["family_id"], first["read"]) == ("flag_raised", family.id, False)
    assert dt.datetime.fromisoformat(first["created_at"]).tzinfo is not None
    assert body["unread_count"] == 2


def test_marking_one_read(api, worker, notes):
    mine, theirs = notes
    calls = api(worker)
    response = calls.post(f"/api/v1/notifications/{mine['old'].id}/read")
    assert response.status_code == 200
    assert response.get_json()["read"] is True and response.get_json()["id"] == mine["old"].id
    assert calls.post(f"/api/v1/notifications/{mine['old'].id}/read").status_code == 200  # again: fine
    assert [n["id"] for n in calls.get("/api/v1/notifications?unread=1").get_json()["items"]] == [mine["new"].id]
    everything = calls.get("/api/v1/notifications?unread=0").get_json()
    assert [n["read"] for n in everything["items"]] == [False, True]
    assert everything["unread_count"] == 1
    # Someone else's notification is not found, and stays unread.
    assert_error(calls.post(f"/api/v1/notifications/{theirs.id}/read"), 404)
    assert_error(calls.post("/api/v1/notifications/999999/read"), 404)


def test_bad_unread_filter_answers_422(api, worker):
    assert "unread" in assert_error(api(worker).get("/api/v1/notifications?unread=maybe"), 422)["fields"]


def test_everyone_has_their_own_list_admins_too(api, admin, manager, colleague, notes):
    _, theirs = notes
    assert api(admin).get("/api/v1/notifications").get_json()["items"] == []
    assert api(manager).get("/api/v1/notifications").get_json()["items"] == []
    assert [n["id"] for n in api(colleague).get("/api/v1/notifications").get_json()["items"]] == [theirs.id]
    assert_error(api(admin).post(f"/api/v1/notifications/{theirs.id}/read"), 404)


def test_a_reallocated_family_tells_the_new_worker(api, manager, colleague, family):
    api(manager).post(f"/api/v1/families/{family.id}/allocation", json={"worker_id": colleague.id, "reason": "Leave"})
    [note] = api(colleague).get("/api/v1/notifications?unread=1").get_json()["items"]
    assert (note["kind"], note["family_id"]) == ("allocated", family.id)
    assert family.reference in note["message"] and family.household_name not in note["message"]


# --- caseload -------------------------------------------------------------------------------------


@pytest.fixture
def team_cases(db, team, worker, colleague, today):
    overdue = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=60))
    reviewed = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=100),
                                       phase="making_changes", phase_since=today - dt.timedelta(days=60))
    db.session.add(Review(family=reviewed, held_on=today - dt.timedelta(days=10), decision="continue",
                          recorded_by=worker))
    factories.VisitFactory(family=reviewed, date=today - dt.timedelta(days=3))
    factories.FamilyFactory(worker=worker, phase="closed", closed_on=today)  # not counted
    factories.FamilyFactory(worker=colleague, phase="moving_on")
    factories.FamilyFactory(worker=None, team=team)  # unallocated
    raise_flag(overdue, "review_overdue", "high")
    raise_flag(reviewed, "goal_stalled", "medium", status="acknowledged")
    raise_flag(reviewed, "no_access", "low", status="resolved")
    db.session.commit()
    return overdue, reviewed


def test_a_manager_sees_each_workers_caseload(api, manager, worker, colleague, team_cases):
    response = api(manager).get("/api/v1/caseload")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    rows = {row["name"]: row for row in body["workers"]}
    assert list(rows) == ["Colin Colleague", "Wendy Worker", "Unallocated"]
    wendy = rows["Wendy Worker"]
    assert wendy["id"] == worker.id
    assert wendy["open_families"] == 2
    assert wendy["by_phase"] == {"engagement": 1, "making_changes": 1, "moving_on": 0}
    assert wendy["overdue_reviews"] == 1
    assert wendy["open_flags"] == 2
    assert wendy["open_flags_by_severity"] == {"high": 1, "medium": 1, "low": 0}
    assert wendy["visits_last_28_days"] == 1
    assert rows["Colin Colleague"]["by_phase"]["moving_on"] == 1
    assert rows["Unallocated"]["open_families"] == 1
    totals = body["totals"]
    assert totals["open_families"] == 4
    assert totals["by_phase"] == {"engagement": 2, "making_changes": 1, "moving_on": 1}
    assert totals["open_flags"] == 2


def test_another_teams_manager_sees_only_their_team(api, other_team, team_cases):
    other_manager = factories.UserFactory(team=other_team, role="manager")
    body = api(other_manager).get("/api/v1/caseload").get_json()
    assert body["workers"] == [] and body["totals"]["open_families"] == 0


def test_only_managers_see_caseloads(api, worker, admin):
    assert_error(api(worker).get("/api/v1/caseload"), 403)
    assert_error(api(admin).get("/api/v1/caseload"), 403)
