"""The chronology, corrections that keep what a record said, and known-child matches through
the API."""
import datetime as dt

import pytest

from . import factories
from .helpers import assert_error


@pytest.fixture
def history(db, worker, today):
    """A family with a visit, a rating, a phase move and a review on different days."""
    family = factories.FamilyFactory(worker=worker, opened_on=today - dt.timedelta(days=60),
                                     consent_recorded_on=today - dt.timedelta(days=60))
    goal = factories.GoalFactory(family=family)
    visit = factories.VisitFactory(family=family, date=today - dt.timedelta(days=50))
    factories.VisitFactory(family=family, date=today - dt.timedelta(days=20), outcome="no_access")
    rating = factories.RatingFactory(goal=goal, date=today - dt.timedelta(days=40), rating=5)
    db.session.commit()
    return family, goal, visit, rating


def chronology(calls, family, query=""):
    return calls.get(f"/api/v1/families/{family.id}/chronology{query}")


# --- the chronology -------------------------------------------------------------------------------


def test_everything_appears_newest_first(api, worker, history, today):
    family, goal, visit, rating = history
    calls = api(worker)
    calls.post(f"/api/v1/families/{family.id}/phase",
               json={"phase": "making_changes", "date": (today - dt.timedelta(days=30)).isoformat()})
    review = calls.post(f"/api/v1/families/{family.id}/reviews",
                        json={"held_on": (today - dt.timedelta(days=10)).isoformat(), "decision": "continue"})
    response = chronology(calls, family)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert all(set(item) == {"date", "kind", "summary", "ref_id", "by"} for item in items)
    assert [(item["date"], item["kind"]) for item in items] == [
        ((today - dt.timedelta(days=10)).isoformat(), "review"),
        ((today - dt.timedelta(days=20)).isoformat(), "visit"),
        ((today - dt.timedelta(days=30)).isoformat(), "phase"),
        ((today - dt.timedelta(days=40)).isoformat(), "rating"),
        ((today - dt.timedelta(days=50)).isoformat(), "visit"),
        ((today - dt.timedelta(days=60)).isoformat(), "goal"),
        ((today - dt.timedelta(days=60)).isoformat(), "referral"),
    ]
    assert items[0]["ref_id"] == review.get_json()["id"]
    assert items[1]["summary"] == "Home visit, no access"
    assert items[3]["ref_id"] == rating.id and "5 out of 10" in items[3]["summary"]
    assert items[4]["ref_id"] == visit.id


def test_the_kind_filter(api, worker, history):
    family, *_ = history
    calls = api(worker)
    visits = chronology(calls, family, "?kind=visit").get_json()["items"]
    assert [item["kind"] for item in visits] == ["visit", "visit"]
    assert chronology(calls, family, "?kind=review").get_json()["items"] == []
    assert len(chronology(calls, family, "?kind=").get_json()["items"]) == 5
    body = assert_error(chronology(calls, family, "?kind=gossip"), 422)
    assert "kind" in body["fields"]


def test_flags_and_allocations_appear_too(api, db, worker, manager, colleague, history, today):
    from casework.models import Flag

    family, *_ = history
    db.session.add(Flag(family=family, rule="no_access", subject_key="family", severity="medium",
                        message="Two visits in a row without access.", raised_on=today - dt.timedelta(days=19)))
    db.session.commit()
    api(manager).post(f"/api/v1/families/{family.id}/allocation",
                      json={"worker_id": colleague.id, "reason": "Wendy is on leave."})
    calls = api(manager)
    [allocation] = chronology(calls, family, "?kind=allocation").get_json()["items"]
    assert allocation["date"] == today.isoformat()
    assert allocation["summary"] == "Allocated to Colin Colleague by Mina Manager. Wendy is on leave."
    [flag] = chronology(calls, family, "?kind=flag").get_json()["items"]
    assert flag["date"] == (today - dt.timedelta(days=19)).isoformat()
    assert "without access" in flag["summary"]
    kinds = [item["kind"] for item in chronology(calls, family).get_json()["items"]]
    assert kinds[0] == "allocation" and "flag" in kinds


def test_who_may_read_a_chronology(api, colleague, outsider, admin, manager, history):
    family, *_ = history
    assert_error(chronology(api(colleague), family), 404)
    assert_error(chronology(api(outsider), family), 404)
    assert_error(chronology(api(admin), family), 403)
    assert chronology(api(manager), family).status_code == 200


# --- correcting a visit ---------------------------------------------------------------------------


def visit_url(visit):
    return f"/api/v1/visits/{visit.id}"


def test_a_corrected_visit_keeps_its_old_values(api, worker, history, today):
    family, goal, visit, rating = history
    amy, ben = family.children
    calls = api(worker)
    before = calls.get(visit_url(visit)).get_json()
    assert before["corrections"] == []
    new_date = (today - dt.timedelta(days=49)).isoformat()
    response = calls.patch(visit_url(visit), json={
        "date": new_date, "children_seen": [amy.id], "version": before["version"],
        "correction_note": "Wrong day; Ben was at his nan's.",
    })
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["date"], body["children_seen"], body["all_children_seen"]) == (new_date, [amy.id], False)
    assert body["version"] > before["version"]
    assert body["notes"] == before["notes"] and body["kind"] == "home_visit"
    [correction] = body["corrections"]
    assert correction["old"] == {"date": before["date"], "children_seen": [amy.id, ben.id]}
    assert correction["by"] == {"id": worker.id, "name": "Wendy Worker"}
    assert correction["note"] == "Wrong day; Ben was at his nan's."
    assert dt.datetime.fromisoformat(correction["made_at"]).date() == today
    assert calls.get(visit_url(visit)).get_json()["corrections"] == [correction]
    listed = calls.get(f"/api/v1/families/{family.id}/visits").get_json()["items"]
    assert [v["corrections"] for v in listed if v["id"] == visit.id] == [[correction]]
    # The chronology shows the correction on the day it was made, and the visit on its new day.
    items = chronology(calls, family).get_json()["items"]
    assert (items[0]["kind"], items[0]["date"]) == ("correction", today.isoformat())
    assert "Wrong day" in items[0]["summary"]
    assert chronology(calls, family, "?kind=visit").get_json()["items"][-1]["date"] == new_date
    assert [i["kind"] for i in chronology(calls, family, "?kind=correction").get_json()["items"]] == ["correction"]


def test_a_correction_needs_a_note_and_a_change(api, worker, history):
    family, goal, visit, rating = history
    calls = api(worker)
    body = assert_error(calls.patch(visit_url(visit), json={"kind": "office"}), 422)
    assert list(body["fields"]) == ["correction_note"]
    assert "correction_note" in assert_error(
        calls.patch(visit_url(visit), json={"kind": "office", "correction_note": "   "}), 422)["fields"]
    body = assert_error(calls.patch(visit_url(visit), json={"kind": "home_visit", "correction_note": "typo"}), 422)
    assert "correction_note" in body["fields"] and "nothing" in body["error"].lower()
    # Echoing the record read is no change either.
    current = calls.get(visit_url(visit)).get_json()
    echo = {k: current[k] for k in ("date", "kind", "outcome", "duration_minutes", "children_seen",
                                    "seen_alone", "goals_discussed", "notes", "version")}
    assert_error(calls.patch(visit_url(visit), json={**echo, "correction_note": "typo"}), 422)
    assert calls.get(visit_url(visit)).get_json()["corrections"] == []


def test_the_corrected_visit_is_checked_like_a_new_one(api, worker, history, today):
    family, goal, visit, rating = history
    calls = api(worker)
    note = {"correction_note": "Mistyped"}
    # Children were seen, so the visit cannot become a no-access one on its own.
    response = calls.patch(visit_url(visit), json={"outcome": "no_access", **note})
    assert "children_seen" in assert_error(response, 422)["fields"]
    future = (today + dt.timedelta(days=1)).isoformat()
    assert "date" in assert_error(calls.patch(visit_url(visit), json={"date": future, **note}), 422)["fields"]
    assert "date" in assert_error(calls.patch(visit_url(visit), json={"date": "2026-02-30", **note}), 422)["fields"]
    assert "kind" in assert_error(calls.patch(visit_url(visit), json={"kind": "party", **note}), 422)["fields"]
    other = factories.FamilyFactory(worker=worker)
    factories.db.session.commit()
    assert "children_seen" in assert_error(
        calls.patch(visit_url(visit), json={"children_seen": [other.children[0].id], **note}), 422)["fields"]
    body = assert_error(calls.patch(visit_url(visit), json={"kind": "party"}), 422)
    assert set(body["fields"]) == {"kind", "correction_note"}
    assert_error(calls.patch(visit_url(visit), json={"children_seen": "all", **note}), 400)
    response = calls.patch(visit_url(visit), json={"children_seen": ["Amy"], **note})
    assert "children_seen" in assert_error(response, 422)["fields"]
    assert_error(calls.patch(visit_url(visit), json={"children_seen": {"a": 1}, **note}), 400)
    response = calls.patch(visit_url(visit), json={"outcome": "no_access", "children_seen": [], **note})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["children_seen"] == []


def test_a_stale_correction_answers_409(api, worker, history):
    family, goal, visit, rating = history
    calls = api(worker)
    version = calls.get(visit_url(visit)).get_json()["version"]
    calls.patch(visit_url(visit), json={"kind": "office", "correction_note": "Was at the office"})
    body = assert_error(calls.patch(visit_url(visit), json={"kind": "phone", "version": version,
                                                            "correction_note": "No, a call"}), 409)
    assert "version" in body["fields"]
    assert calls.get(visit_url(visit)).get_json()["kind"] == "office"


def test_no_corrections_to_a_closed_family(api, manager, worker, history, today):
    family, goal, visit, rating = history
    api(manager).post(f"/api/v1/families/{family.id}/phase",
                      json={"phase": "closed", "date": today.isoformat(), "reason": "step_down"})
    body = assert_error(api(worker).patch(visit_url(visit), json={"kind": "office", "correction_note": "x"}), 422)
    assert "closed" in body["error"]
    body = assert_error(api(worker).patch(f"/api/v1/ratings/{rating.id}", json={"rating": 6, "correction_note": "x"}),
                        422)
    assert "closed" in body["error"]


def test_who_may_correct_a_visit(api, colleague, outsider, admin, manager, history):
    family, goal, visit, rating = history
    body = {"kind": "office", "correction_note": "x"}
    assert_error(api(colleague).patch(visit_url(visit), json=body), 404)
    assert_error(api(outsider).patch(visit_url(visit), json=body), 404)
    assert_error(api(admin).patch(visit_url(visit), json=body), 403)
    response = api(manager).patch(visit_url(visit), json=body)
    assert response.status_code == 200
    assert response.get_json()["corrections"][0]["by"]["name"] == "Mina Manager"


# --- correcting a rating --------------------------------------------------------------------------


def test_a_corrected_rating_keeps_its_old_values(api, worker, history, today):
    family, goal, visit, rating = history
    calls = api(worker)
    goal_body = calls.get(f"/api/v1/families/{family.id}/goals").get_json()["items"][0]
    [listed] = goal_body["ratings"]
    assert (listed["id"], listed["rating"]) == (rating.id, 5) and isinstance(listed["version"], int)
    response = calls.patch(f"/api/v1/ratings/{rating.id}", json={
        "rating": 4, "version": listed["version"], "correction_note": "Agreed 4 with mum, not 5."})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["rating"], body["date"]) == (rating.id, 4, listed["date"])
    assert body["version"] > listed["version"]
    [correction] = body["corrections"]
    assert correction["old"] == {"rating": 5} and correction["by"]["id"] == worker.id
    assert calls.get(f"/api/v1/families/{family.id}").get_json()["goals"][0]["latest_rating"] == 4
    kinds = [item["kind"] for item in chronology(calls, family).get_json()["items"]]
    assert kinds[0] == "correction"
    # Stale, no note, no change, bad values.
    assert_error(calls.patch(f"/api/v1/ratings/{rating.id}", json={
        "rating": 3, "version": listed["version"], "correction_note": "x"}), 409)
    response = calls.patch(f"/api/v1/ratings/{rating.id}", json={"rating": 3})
    assert "correction_note" in assert_error(response, 422)["fields"]
    assert_error(calls.patch(f"/api/v1/ratings/{rating.id}", json={"rating": 4, "correction_note": "x"}), 422)
    response = calls.patch(f"/api/v1/ratings/{rating.id}", json={"rating": 11, "correction_note": "x"})
    assert "rating" in assert_error(response, 422)["fields"]
    future = (today + dt.timedelta(days=1)).isoformat()
    response = calls.patch(f"/api/v1/ratings/{rating.id}", json={"date": future, "correction_note": "x"})
    assert "date" in assert_error(response, 422)["fields"]


def test_who_may_correct_a_rating(api, colleague, outsider, admin, history):
    family, goal, visit, rating = history
    body = {"rating": 6, "correction_note": "x"}
    assert_error(api(colleague).patch(f"/api/v1/ratings/{rating.id}", json=body), 404)
    assert_error(api(outsider).patch(f"/api/v1/ratings/{rating.id}", json=body), 404)
    assert_error(api(admin).patch(f"/api/v1/ratings/{rating.id}", json=body), 403)
    assert_error(api(colleague).patch("/api/v1/ratings/999999", json=body), 404)


# --- known children -------------------------------------------------------------------------------


def matches(calls, **query):
    return calls.get("/api/v1/children/matches", query_string=query)


def test_a_child_known_to_another_team_is_found_by_reference_only(api, db, worker, outsider):
    earlier = factories.FamilyFactory(worker=outsider, household_name="Jones household",
                                      phase="closed", closed_on=dt.date(2025, 5, 3))
    mine = factories.FamilyFactory(worker=worker)
    db.session.commit()
    response = matches(api(worker), first_name=" aMY ", date_of_birth="2018-03-01")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert {"family_id": earlier.id, "reference": earlier.reference, "phase": "closed",
            "closed_on": "2025-05-03"} in items
    assert {item["family_id"] for item in items} == {earlier.id, mine.id}
    assert all(set(item) == {"family_id", "reference", "phase", "closed_on"} for item in items)
    text = response.get_data(as_text=True)
    for secret in ("Jones", "Smith", "Amy", "LS6", "Oscar"):
        assert secret not in text
    assert matches(api(worker), first_name="Amy", date_of_birth="2018-03-02").get_json()["items"] == []
    assert matches(api(worker), first_name="Amelia", date_of_birth="2018-03-01").get_json()["items"] == []
    # The match is what links a new referral to the earlier case, across teams.
    assert api(worker).get(f"/api/v1/families/{earlier.id}").status_code == 404


def test_matches_need_a_first_name_and_a_real_date(api, worker, manager, admin):
    calls = api(worker)
    assert set(assert_error(matches(calls), 422)["fields"]) == {"first_name", "date_of_birth"}
    assert "first_name" in assert_error(matches(calls, first_name="  ", date_of_birth="2018-03-01"), 422)["fields"]
    assert "date_of_birth" in assert_error(matches(calls, first_name="Amy", date_of_birth="2018-02-30"), 422)["fields"]
    assert "date_of_birth" in assert_error(matches(calls, first_name="Amy", date_of_birth="yesterday"), 422)["fields"]
    assert "first_name" in assert_error(matches(calls, first_name="A" * 81, date_of_birth="2018-03-01"), 422)["fields"]
    assert matches(api(manager), first_name="Amy", date_of_birth="2018-03-01").status_code == 200
    assert_error(matches(api(admin), first_name="Amy", date_of_birth="2018-03-01"), 403)
