"""Visits through the API: above all, which children were seen."""
import datetime as dt

import pytest

from . import factories
from .helpers import assert_error

VISIT_FIELDS = {
    "id", "family_id", "date", "kind", "outcome", "duration_minutes", "children_seen",
    "seen_alone", "all_children_seen", "goals_discussed", "notes", "recorded_by", "version",
    "corrections",
}


def visit_body(family, today, **changes):
    body = {
        "date": today.isoformat(),
        "kind": "home_visit",
        "outcome": "completed",
        "duration_minutes": 60,
        "children_seen": [child.id for child in family.children],
        "notes": "Talked through the bedtime routine.",
    }
    body.update(changes)
    return body


def post_visit(calls, family, body):
    return calls.post(f"/api/v1/families/{family.id}/visits", json=body)


def test_a_worker_logs_a_visit(api, worker, family, today):
    goal = factories.GoalFactory(family=family)
    amy, ben = family.children
    body = visit_body(family, today, seen_alone=[amy.id], goals_discussed=[goal.id])
    response = post_visit(api(worker), family, body)
    assert response.status_code == 201, response.get_json()
    visit = response.get_json()
    assert set(visit) >= VISIT_FIELDS
    assert visit["family_id"] == family.id
    assert visit["date"] == today.isoformat()
    assert (visit["kind"], visit["outcome"], visit["duration_minutes"]) == ("home_visit", "completed", 60)
    assert visit["children_seen"] == sorted([amy.id, ben.id])
    assert visit["seen_alone"] == [amy.id]
    assert visit["all_children_seen"] is True
    assert visit["goals_discussed"] == [goal.id]
    assert visit["recorded_by"] == {"id": worker.id, "name": "Wendy Worker"}
    assert visit["corrections"] == []
    assert response.headers["Location"].endswith(f"/api/v1/visits/{visit['id']}")
    # The answer is the visit as kept: what reading it back answers.
    assert api(worker).get(f"/api/v1/visits/{visit['id']}").get_json() == visit


def test_a_child_seen_alone_was_seen(api, worker, family, today):
    amy, ben = family.children
    visit = post_visit(api(worker), family, visit_body(family, today, children_seen=[], seen_alone=[ben.id])).get_json()
    assert visit["children_seen"] == [ben.id]
    assert visit["seen_alone"] == [ben.id]
    assert visit["all_children_seen"] is False


def test_a_no_access_visit_sees_nobody(api, worker, family, today):
    calls = api(worker)
    response = post_visit(calls, family, visit_body(family, today, outcome="no_access", children_seen=[],
                                                    duration_minutes=None))
    assert response.status_code == 201
    assert response.get_json()["children_seen"] == []
    assert response.get_json()["duration_minutes"] is None
    body = assert_error(post_visit(calls, family, visit_body(family, today, outcome="no_access")), 422)
    assert "children_seen" in body["fields"]


def test_children_of_another_family_answer_422(api, worker, family, today):
    other = factories.FamilyFactory(worker=worker)
    calls = api(worker)
    body = assert_error(post_visit(calls, family, visit_body(family, today, children_seen=[other.children[0].id])), 422)
    assert "children_seen" in body["fields"]
    body = assert_error(post_visit(calls, family, visit_body(family, today, seen_alone=[other.children[0].id])), 422)
    assert "seen_alone" in body["fields"]
    goal = factories.GoalFactory(family=other)
    factories.db.session.commit()
    body = assert_error(post_visit(calls, family, visit_body(family, today, goals_discussed=[goal.id])), 422)
    assert "goals_discussed" in body["fields"]
    # An id no row could have is no goal of the family (not an integer the database overflows on).
    body = assert_error(post_visit(calls, family, visit_body(family, today, goals_discussed=[2**31])), 422)
    assert body["fields"] == {"goals_discussed": ["Choose goals from this family's plan."]}


def test_visit_validation(api, worker, family, today):
    calls = api(worker)
    future = (today + dt.timedelta(days=1)).isoformat()
    cases = [
        ({"date": future}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"kind": "carrier_pigeon"}, "kind"),
        ({"outcome": "maybe"}, "outcome"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": "an hour"}, "duration_minutes"),
        ({"duration_minutes": 10**40}, "duration_minutes"),
        ({"children_seen": ["Amy"]}, "children_seen"),
        ({"children_seen": [10**30]}, "children_seen"),
    ]
    for changes, field in cases:
        body = assert_error(post_visit(calls, family, visit_body(family, today, **changes)), 422)
        assert field in body["fields"], (changes, body)
    body = assert_error(post_visit(calls, family, {}), 422)
    assert set(body["fields"]) >= {"date", "kind", "outcome"}


@pytest.mark.parametrize("changes", [{"children_seen": "Amy"}, {"children_seen": [{"id": 1}]},
                                     {"notes": ["a", "b"]}, {"date": {"y": 2026}}])
def test_wrong_json_types_answer_400(api, worker, family, today, changes):
    body = assert_error(post_visit(api(worker), family, visit_body(family, today, **changes)), 400)
    assert set(body["fields"]) == set(changes)


def test_a_malformed_visit_answers_400(api, worker, family):
    calls = api(worker)
    for raw in ("[]", "null", "nope"):
        response = calls.post(f"/api/v1/families/{family.id}/visits", data=raw, content_type="application/json")
        assert_error(response, 400)


def test_visits_are_listed_newest_first(api, worker, family, today):
    older = factories.VisitFactory(family=family, date=today - dt.timedelta(days=10))
    newer = factories.VisitFactory(family=family, date=today - dt.timedelta(days=2), outcome="no_access")
    response = api(worker).get(f"/api/v1/families/{family.id}/visits")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [v["id"] for v in items] == [newer.id, older.id]
    assert items[0]["children_seen"] == [] and items[0]["all_children_seen"] is False
    assert items[1]["all_children_seen"] is True


def test_one_visit(api, worker, family):
    visit = factories.VisitFactory(family=family)
    response = api(worker).get(f"/api/v1/visits/{visit.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == visit.id
    assert body["children_seen"] == sorted(c.id for c in family.children)
    assert body["corrections"] == []


def test_who_may_see_and_log_visits(api, colleague, outsider, admin, manager, family, today):
    visit = factories.VisitFactory(family=family)
    urls = (f"/api/v1/families/{family.id}/visits", f"/api/v1/visits/{visit.id}")
    for user, status in ((colleague, 404), (outsider, 404), (admin, 403)):
        calls = api(user)
        for url in urls:
            assert_error(calls.get(url), status)
        assert_error(post_visit(calls, family, visit_body(family, today)), status)
    calls = api(manager)
    for url in urls:
        assert calls.get(url).status_code == 200
    response = post_visit(calls, family, visit_body(family, today))
    assert response.status_code == 201
    assert response.get_json()["recorded_by"]["id"] == manager.id


def test_unknown_visits_answer_404(api, worker):
    calls = api(worker)
    assert_error(calls.get("/api/v1/visits/424242"), 404)
    assert_error(calls.get(f"/api/v1/visits/{10**25}"), 404)
    assert_error(calls.get("/api/v1/visits/first"), 404)
    assert_error(calls.get("/api/v1/families/424242/visits"), 404)


def test_null_lists_read_as_empty(api, worker, family, today):
    body = visit_body(family, today, outcome="cancelled", children_seen=None, seen_alone=None,
                      goals_discussed=None)
    response = post_visit(api(worker), family, body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["children_seen"] == []
