"""Goals, progress ratings and goal edits through the API."""
import datetime as dt

import pytest

from . import factories
from .helpers import assert_error

GOAL_FIELDS = {
    "id", "family_id", "title", "area", "baseline", "target", "start_date", "target_date",
    "status", "latest_rating", "latest_rating_on", "ratings", "version",
}


def goal_body(family, today, **changes):
    body = {
        "title": "The children have a regular bedtime",
        "area": "family_routine",
        "baseline": 3,
        "target": 8,
        "start_date": family.opened_on.isoformat(),
        "target_date": (today + dt.timedelta(weeks=12)).isoformat(),
    }
    body.update(changes)
    return body


def post_goal(calls, family, body):
    return calls.post(f"/api/v1/families/{family.id}/goals", json=body)


def rate(calls, goal, **body):
    return calls.post(f"/api/v1/goals/{goal.id}/progress", json=body)


# --- goals ------------------------------------------------------------------------------------


def test_a_worker_agrees_a_goal(api, worker, family, today):
    response = post_goal(api(worker), family, goal_body(family, today))
    assert response.status_code == 201, response.get_json()
    goal = response.get_json()
    assert set(goal) >= GOAL_FIELDS
    assert goal["family_id"] == family.id
    assert goal["status"] == "active"
    assert (goal["baseline"], goal["target"]) == (3, 8)
    assert goal["latest_rating"] is None and goal["latest_rating_on"] is None
    assert goal["ratings"] == []
    listed = api(worker).get(f"/api/v1/families/{family.id}/goals").get_json()["items"]
    assert listed == [goal]
    record = api(worker).get(f"/api/v1/families/{family.id}").get_json()
    assert record["goals"] == [goal]


def test_goal_validation(api, worker, family, today):
    calls = api(worker)
    cases = [
        ({"baseline": "x"}, "baseline"),
        ({"baseline": 0}, "baseline"),
        ({"target": 11}, "target"),
        ({"target": 3}, "target"),
        ({"area": "astrology"}, "area"),
        ({"title": ""}, "title"),
        ({"start_date": (today + dt.timedelta(days=1)).isoformat()}, "start_date"),
        ({"target_date": (family.opened_on - dt.timedelta(days=1)).isoformat()}, "target_date"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"baseline": 10**40}, "baseline"),
    ]
    for changes, field in cases:
        body = assert_error(post_goal(calls, family, goal_body(family, today, **changes)), 422)
        assert field in body["fields"], (changes, body)
    assert_error(post_goal(calls, family, goal_body(family, today, baseline=[3])), 400)
    response = calls.post(f"/api/v1/families/{family.id}/goals", data="[]", content_type="application/json")
    assert_error(response, 400)


def test_goal_areas_are_configurable(app, monkeypatch, api, worker, family, today):
    monkeypatch.setitem(app.config, "CASEWORK_GOAL_AREAS", ("family_routine", "school_readiness"))
    calls = api(worker)
    response = post_goal(calls, family, goal_body(family, today, area="school_readiness"))
    assert response.status_code == 201
    body = assert_error(post_goal(calls, family, goal_body(family, today, area="health")), 422)
    assert "area" in body["fields"]
    document = calls.get("/api/v1/openapi.json").get_json()
    assert document["components"]["schemas"]["Goal"]["properties"]["area"]["enum"] == [
        "family_routine", "school_readiness"]


def test_who_may_see_and_agree_goals(api, colleague, outsider, admin, manager, family, today):
    url = f"/api/v1/families/{family.id}/goals"
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403)):
        calls = api(user)
        assert_error(calls.get(url), status)
        assert_error(post_goal(calls, family, goal_body(family, today)), status)
    calls = api(manager)
    assert calls.get(url).status_code == 200
    assert post_goal(calls, family, goal_body(family, today)).status_code == 201


# --- ratings ----------------------------------------------------------------------------------


@pytest.fixture
def goal(family):
    return factories.GoalFactory(family=family)


def test_a_rating_is_recorded(api, worker, goal, today):
    response = rate(api(worker), goal, date=today.isoformat(), rating=6, note="Bedtime most nights")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["date"], body["rating"], body["note"]) == (today.isoformat(), 6, "Bedtime most nights")
    assert body["goal"]["id"] == goal.id
    assert body["goal"]["latest_rating"] == 6
    assert body["goal"]["latest_rating_on"] == today.isoformat()
    assert [r["id"] for r in body["goal"]["ratings"]] == [body["id"]]


def test_the_latest_rating_is_by_date_not_by_entry(api, worker, goal, today):
    calls = api(worker)
    rate(calls, goal, date=today.isoformat(), rating=7)
    body = rate(calls, goal, date=(today - dt.timedelta(days=7)).isoformat(), rating=4).get_json()
    assert body["goal"]["latest_rating"] == 7
    assert [r["rating"] for r in body["goal"]["ratings"]] == [4, 7]


def test_rating_validation(api, db, worker, goal, today):
    calls = api(worker)
    for changes, field in (
        ({"rating": 0}, "rating"),
        ({"rating": 11}, "rating"),
        ({"rating": "x"}, "rating"),
        ({"rating": None}, "rating"),
        ({"date": (today + dt.timedelta(days=1)).isoformat()}, "date"),
        ({"date": (goal.start_date - dt.timedelta(days=1)).isoformat()}, "date"),
        ({"date": "2026-02-30"}, "date"),
    ):
        body = {"date": today.isoformat(), "rating": 5, **changes}
        answer = assert_error(rate(calls, goal, **body), 422)
        assert field in answer["fields"], (changes, answer)
    assert_error(calls.post(f"/api/v1/goals/{goal.id}/progress", json=[5]), 400)
    goal.status = "withdrawn"
    db.session.commit()
    answer = assert_error(rate(calls, goal, date=today.isoformat(), rating=5), 422)
    assert "withdrawn" in answer["error"]


def test_who_may_rate(api, colleague, outsider, admin, manager, goal, today):
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403)):
        assert_error(rate(api(user), goal, date=today.isoformat(), rating=5), status)
    assert rate(api(manager), goal, date=today.isoformat(), rating=5).status_code == 201
    unknown = api(manager).post("/api/v1/goals/987654/progress", json={"date": today.isoformat(), "rating": 5})
    assert_error(unknown, 404)


# --- goal edits -------------------------------------------------------------------------------


def test_a_goal_is_marked_achieved(api, worker, goal, today):
    calls = api(worker)
    version = calls.get(f"/api/v1/families/{goal.family_id}/goals").get_json()["items"][0]["version"]
    response = calls.patch(f"/api/v1/goals/{goal.id}", json={"status": "achieved", "version": version})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "achieved"
    assert body["title"] == goal.title
    assert body["version"] > version
    answer = assert_error(calls.patch(f"/api/v1/goals/{goal.id}", json={"status": "withdrawn", "version": version}),
                          409)
    assert "version" in answer["fields"]


def test_a_goal_is_reworded(api, worker, goal):
    response = api(worker).patch(f"/api/v1/goals/{goal.id}", json={"title": "Bedtime by eight", "target": 9})
    assert response.status_code == 200
    assert (response.get_json()["title"], response.get_json()["target"]) == ("Bedtime by eight", 9)


def test_goal_edit_validation(api, worker, goal):
    calls = api(worker)
    url = f"/api/v1/goals/{goal.id}"
    assert "status" in assert_error(calls.patch(url, json={"status": "forgotten"}), 422)["fields"]
    assert "target" in assert_error(calls.patch(url, json={"target": 2}), 422)["fields"]
    assert "baseline" in assert_error(calls.patch(url, json={"baseline": "x"}), 422)["fields"]
    assert "version" in assert_error(calls.patch(url, json={"version": "v1"}), 422)["fields"]
    assert_error(calls.patch(url, json={"status": ["achieved"]}), 400)
    assert_error(calls.patch(url, data="nope", content_type="application/json"), 400)


def test_who_may_edit_a_goal(api, colleague, outsider, admin, manager, goal):
    url = f"/api/v1/goals/{goal.id}"
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403)):
        assert_error(api(user).patch(url, json={"status": "achieved"}), status)
    assert api(manager).patch(url, json={"status": "achieved"}).status_code == 200
    assert_error(api(manager).patch("/api/v1/goals/987654", json={}), 404)


def test_goals_of_a_closed_family_are_read_only(api, manager, goal, today):
    calls = api(manager)
    calls.post(f"/api/v1/families/{goal.family_id}/phase",
               json={"phase": "closed", "date": today.isoformat(), "reason": "moved_away"})
    for response in (calls.patch(f"/api/v1/goals/{goal.id}", json={"status": "achieved"}),
                     rate(calls, goal, date=today.isoformat(), rating=5)):
        assert "family is closed" in assert_error(response, 422)["error"].lower()
    assert calls.get(f"/api/v1/families/{goal.family_id}/goals").status_code == 200
