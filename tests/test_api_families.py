"""Families through the API: the list, referrals, the record, edits and phase moves."""
import datetime as dt

import pytest
from sqlalchemy import select

from casework.models import PhaseMove

from . import factories
from .helpers import _count_queries, assert_error, referral

FAMILY_FIELDS = {
    "id", "reference", "household_name", "postcode", "concerns", "consent_recorded_on", "phase",
    "phase_since", "opened_on", "closed_on", "closure_reason", "pending_closure",
    "previous_family_id", "referral_date", "referral_source", "worker", "team", "children",
    "carers", "goals", "next_review_due", "open_flags", "version",
}


@pytest.fixture
def colleagues_family(colleague, today):
    return factories.FamilyFactory(worker=colleague, opened_on=today - dt.timedelta(days=20))


@pytest.fixture
def outsiders_family(outsider, today):
    return factories.FamilyFactory(worker=outsider, opened_on=today - dt.timedelta(days=20))


# --- the list ---------------------------------------------------------------------------------


def test_a_worker_lists_only_their_own_families(api, worker, family, colleagues_family, outsiders_family):
    response = api(worker).get("/api/v1/families")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1
    assert [item["id"] for item in body["items"]] == [family.id]
    item = body["items"][0]
    assert item["reference"] == family.reference
    assert item["phase"] == "engagement"
    assert item["worker"] == {"id": worker.id, "name": "Wendy Worker"}
    assert item["next_review_due"] == (family.opened_on + dt.timedelta(days=42)).isoformat()
    assert item["concerns"] == ["neglect_physical"]


def test_a_manager_lists_every_family_of_the_team(api, manager, family, colleagues_family, outsiders_family):
    body = api(manager).get("/api/v1/families").get_json()
    assert body["total"] == 2
    assert {item["id"] for item in body["items"]} == {family.id, colleagues_family.id}


def test_an_admin_may_not_list_families(api, admin, family):
    assert_error(api(admin).get("/api/v1/families"), 403)


def test_the_list_filters_by_phase_worker_and_search(api, manager, worker, colleague, family, colleagues_family):
    family.household_name = "Jones household"
    colleagues_family.phase = "making_changes"
    calls = api(manager)
    by_phase = calls.get("/api/v1/families?phase=making_changes").get_json()
    assert [item["id"] for item in by_phase["items"]] == [colleagues_family.id]
    by_worker = calls.get(f"/api/v1/families?worker_id={worker.id}").get_json()
    assert [item["id"] for item in by_worker["items"]] == [family.id]
    by_name = calls.get("/api/v1/families?q=jones").get_json()
    assert [item["id"] for item in by_name["items"]] == [family.id]
    by_reference = calls.get(f"/api/v1/families?q={colleagues_family.reference}").get_json()
    assert [item["id"] for item in by_reference["items"]] == [colleagues_family.id]
    assert calls.get("/api/v1/families?phase=open").get_json()["total"] == 2


def test_a_worker_naming_another_worker_gets_422(api, worker, colleague, family):
    calls = api(worker)
    body = assert_error(calls.get(f"/api/v1/families?worker_id={colleague.id}"), 422)
    assert "worker_id" in body["fields"]
    assert calls.get(f"/api/v1/families?worker_id={worker.id}").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["phase=nonsense", "page=0", "page=-1", "page=abc", "page=1.5", "per_page=0",
     "per_page=-5", "per_page=100000", "per_page=x", "worker_id=abc",
     "worker_id=99999999999999999999999"],
)
def test_bad_list_parameters_answer_422(api, worker, query):
    body = assert_error(api(worker).get(f"/api/v1/families?{query}"), 422)
    assert set(body["fields"]) == {query.split("=")[0]}


def test_pages_past_the_end_are_empty(api, worker, family):
    calls = api(worker)
    for page in (2, 10**6, 10**30):
        body = calls.get(f"/api/v1/families?page={page}").get_json()
        assert body == {"items": [], "total": 1}


def test_the_list_pages(api, manager, worker):
    for n in range(5):
        factories.FamilyFactory(worker=worker, household_name=f"Household {n}")
    calls = api(manager)
    first = calls.get("/api/v1/families?per_page=2").get_json()
    third = calls.get("/api/v1/families?per_page=2&page=3").get_json()
    assert first["total"] == third["total"] == 5
    assert [i["household_name"] for i in first["items"]] == ["Household 0", "Household 1"]
    assert [i["household_name"] for i in third["items"]] == ["Household 4"]


def test_the_list_does_not_query_once_per_family(api, db, manager, team):
    workers = [factories.UserFactory(team=team) for _ in range(3)]
    factories.FamilyFactory(worker=workers[0])
    calls = api(manager)
    db.session.expire_all()
    few = _count_queries(db, lambda: calls.get("/api/v1/families"))
    for n in range(12):
        family = factories.FamilyFactory(worker=workers[n % 3])
        factories.VisitFactory(family=family)
    db.session.commit()
    db.session.expire_all()
    many = _count_queries(db, lambda: calls.get("/api/v1/families"))
    assert many == few


# --- one family -------------------------------------------------------------------------------


def test_the_family_record(api, worker, team, family, today):
    goal = factories.GoalFactory(family=family)
    factories.RatingFactory(goal=goal, rating=5)
    response = api(worker).get(f"/api/v1/families/{family.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= FAMILY_FIELDS
    assert body["worker"] == {"id": worker.id, "name": "Wendy Worker"}
    assert body["team"] == {"id": team.id, "name": "North"}
    assert [c["first_name"] for c in body["children"]] == ["Amy", "Ben"]
    assert set(body["children"][0]) >= {"id", "first_name", "last_name", "date_of_birth"}
    assert body["children"][0]["date_of_birth"] == "2018-03-01"
    assert body["phase_since"] == body["opened_on"] == family.opened_on.isoformat()
    assert body["closed_on"] is None and body["pending_closure"] is None
    assert body["open_flags"] == []
    assert body["next_review_due"] == (family.opened_on + dt.timedelta(days=42)).isoformat()
    assert [g["id"] for g in body["goals"]] == [goal.id]
    assert body["goals"][0]["latest_rating"] == 5
    assert isinstance(body["version"], int)


def test_who_may_read_a_family(api, worker, colleague, manager, outsider, admin, family):
    url = f"/api/v1/families/{family.id}"
    assert api(worker).get(url).status_code == 200
    assert api(manager).get(url).status_code == 200
    assert_error(api(colleague).get(url), 404)
    assert_error(api(outsider).get(url), 404)
    assert_error(api(admin).get(url), 403)


def test_an_unknown_family_answers_404(api, worker):
    calls = api(worker)
    assert_error(calls.get("/api/v1/families/999999"), 404)
    assert_error(calls.get("/api/v1/families/0"), 404)
    assert_error(calls.get(f"/api/v1/families/{10**30}"), 404)
    assert_error(calls.patch(f"/api/v1/families/{10**30}", json={}), 404)


def test_a_manager_of_another_team_gets_404(api, outsider, other_team, family):
    manager = factories.UserFactory(team=other_team, role="manager")
    assert_error(api(manager).get(f"/api/v1/families/{family.id}"), 404)


# --- referrals --------------------------------------------------------------------------------


def test_a_worker_opens_a_referral_for_themselves(api, worker, team, today):
    response = api(worker).post("/api/v1/families", json=referral(today))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= FAMILY_FIELDS
    assert body["reference"].startswith(f"FP-{today.year}-")
    assert body["worker"]["id"] == worker.id
    assert body["team"]["id"] == team.id
    assert body["phase"] == "engagement"
    assert body["opened_on"] == body["phase_since"] == today.isoformat()
    assert body["postcode"] == "LS6 2AB"
    assert body["concerns"] == ["housing", "neglect_physical"]
    assert [(c["first_name"], c["school"]) for c in body["children"]] == [
        ("Amy", None), ("Ben", "Park Nursery")]
    assert body["carers"][0]["relationship"] == "mother"
    assert body["referral_source"] == "Health visitor"
    assert body["goals"] == []
    assert response.headers["Location"].endswith(f"/api/v1/families/{body['id']}")
    again = api(worker).get(f"/api/v1/families/{body['id']}").get_json()
    assert again == body


def test_a_referral_may_be_back_dated(api, worker, today):
    opened = today - dt.timedelta(days=2)
    body = api(worker).post(
        "/api/v1/families", json=referral(today, opened_on=opened.isoformat())
    ).get_json()
    assert body["opened_on"] == body["phase_since"] == opened.isoformat()


def test_a_manager_may_leave_a_referral_unallocated_or_allocate_it(api, manager, colleague, today):
    calls = api(manager)
    unallocated = calls.post("/api/v1/families", json=referral(today))
    assert unallocated.status_code == 201
    assert unallocated.get_json()["worker"] is None
    allocated = calls.post("/api/v1/families", json=referral(today, worker_id=colleague.id))
    assert allocated.status_code == 201
    assert allocated.get_json()["worker"] == {"id": colleague.id, "name": "Colin Colleague"}


def test_a_worker_cannot_allocate_a_referral_to_someone_else(api, worker, colleague, today):
    body = assert_error(
        api(worker).post("/api/v1/families", json=referral(today, worker_id=colleague.id)), 422
    )
    assert "worker_id" in body["fields"]


def test_a_manager_cannot_allocate_outside_the_team(api, manager, outsider, today):
    calls = api(manager)
    for worker_id in (outsider.id, manager.id, 10**30, "abc"):
        body = assert_error(calls.post("/api/v1/families", json=referral(today, worker_id=worker_id)), 422)
        assert "worker_id" in body["fields"]


def test_an_admin_cannot_open_a_referral(api, admin, today):
    assert_error(api(admin).post("/api/v1/families", json=referral(today)), 403)
    assert_error(api(admin).post("/api/v1/families", json={}), 403)


def test_a_referral_links_an_earlier_case_in_another_team(api, worker, outsiders_family, today):
    response = api(worker).post(
        "/api/v1/families", json=referral(today, previous_family_id=outsiders_family.id)
    )
    assert response.status_code == 201
    assert response.get_json()["previous_family_id"] == outsiders_family.id


@pytest.mark.parametrize("value", [999999, 10**30, "abc", -1])
def test_an_unknown_earlier_case_answers_422(api, worker, today, value):
    body = assert_error(
        api(worker).post("/api/v1/families", json=referral(today, previous_family_id=value)), 422
    )
    assert "previous_family_id" in body["fields"]


def test_referral_validation_names_the_fields(api, worker, today):
    body = referral(today, household_name="", postcode="nowhere", concerns=["alchemy"])
    body["children"][1]["date_of_birth"] = "2026-02-30"
    body["children"][0]["first_name"] = ""
    answer = assert_error(api(worker).post("/api/v1/families", json=body), 422)
    assert set(answer["fields"]) == {
        "household_name", "postcode", "concerns", "children-0-first_name",
        "children-1-date_of_birth",
    }
    assert answer["fields"]["children-1-date_of_birth"] == ["Enter a real date in the form YYYY-MM-DD."]


def test_a_referral_needs_the_required_fields(api, worker):
    answer = assert_error(api(worker).post("/api/v1/families", json={}), 422)
    assert set(answer["fields"]) >= {"household_name", "postcode", "referral_date", "concerns", "children"}
    assert answer["fields"]["children"] == ["Add at least one child."]


def test_a_referral_needs_a_child(api, worker, today):
    answer = assert_error(api(worker).post("/api/v1/families", json=referral(today, children=[])), 422)
    assert answer["fields"] == {"children": ["Add at least one child."]}


def test_referral_dates_follow_the_rules(api, worker, today):
    calls = api(worker)
    future = (today + dt.timedelta(days=1)).isoformat()
    answer = assert_error(calls.post("/api/v1/families", json=referral(today, referral_date=future)), 422)
    assert "referral_date" in answer["fields"]
    before = (today - dt.timedelta(days=10)).isoformat()
    answer = assert_error(calls.post("/api/v1/families", json=referral(today, opened_on=before)), 422)
    assert "opened_on" in answer["fields"]
    child = {"first_name": "Cal", "date_of_birth": future}
    answer = assert_error(calls.post("/api/v1/families", json=referral(today, children=[child])), 422)
    assert "children-0-date_of_birth" in answer["fields"]


@pytest.mark.parametrize(
    "changes",
    [
        {"children": "Amy"},
        {"children": ["Amy"]},
        {"children": [{"first_name": ["Amy"]}]},
        {"carers": {"first_name": "Sam"}},
        {"concerns": "housing"},
        {"concerns": [["housing"]]},
        {"household_name": {"name": "Smith"}},
        {"postcode": ["LS6 2AB"]},
    ],
)
def test_wrong_json_types_answer_400(api, worker, today, changes):
    answer = assert_error(api(worker).post("/api/v1/families", json=referral(today, **changes)), 400)
    assert set(answer["fields"]) == set(changes)


@pytest.mark.parametrize(
    "raw", ["", "not json", "[]", "null", "42", '"text"', "[" * 100000, '{"a": 1'],
)
def test_a_malformed_referral_answers_400(api, worker, raw):
    response = api(worker).post("/api/v1/families", data=raw, content_type="application/json")
    assert_error(response, 400)


def test_wrong_scalars_answer_422_not_500(api, worker, today):
    calls = api(worker)
    for changes in ({"referral_date": 20260101}, {"opened_on": True}, {"postcode": 12345},
                    {"concerns": [1, 2]}, {"referral_date": "yesterday"}):
        assert_error(calls.post("/api/v1/families", json=referral(today, **changes)), 422)


def test_references_are_never_shared(api, worker, today):
    calls = api(worker)
    references = {calls.post("/api/v1/families", json=referral(today)).get_json()["reference"]
                  for _ in range(3)}
    assert len(references) == 3


# --- edits ------------------------------------------------------------------------------------


def test_a_worker_edits_their_family(api, worker, family, today):
    calls = api(worker)
    version = calls.get(f"/api/v1/families/{family.id}").get_json()["version"]
    response = calls.patch(
        f"/api/v1/families/{family.id}",
        json={"postcode": "ls1 4ap", "consent_recorded_on": today.isoformat(),
              "concerns": ["housing"], "version": version},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["postcode"] == "LS1 4AP"
    assert body["consent_recorded_on"] == today.isoformat()
    assert body["concerns"] == ["housing"]
    assert body["household_name"] == family.household_name
    assert body["version"] > version


def test_an_edit_without_a_version_is_accepted(api, worker, family):
    response = api(worker).patch(f"/api/v1/families/{family.id}", json={"household_name": "Patel household"})
    assert response.status_code == 200
    assert response.get_json()["household_name"] == "Patel household"


def test_a_stale_version_answers_409_and_changes_nothing(api, worker, family):
    calls = api(worker)
    version = calls.get(f"/api/v1/families/{family.id}").get_json()["version"]
    first = calls.patch(f"/api/v1/families/{family.id}", json={"household_name": "First", "version": version})
    assert first.status_code == 200
    second = calls.patch(f"/api/v1/families/{family.id}", json={"household_name": "Second", "version": version})
    body = assert_error(second, 409)
    assert "version" in body["fields"]
    assert calls.get(f"/api/v1/families/{family.id}").get_json()["household_name"] == "First"


@pytest.mark.parametrize("version", ["abc", -1, 1.5, True])
def test_a_version_that_is_not_a_number_answers_422(api, worker, family, version):
    body = assert_error(api(worker).patch(f"/api/v1/families/{family.id}", json={"version": version}), 422)
    assert "version" in body["fields"]


def test_edit_validation_answers_422(api, worker, family, today):
    calls = api(worker)
    url = f"/api/v1/families/{family.id}"
    assert "postcode" in assert_error(calls.patch(url, json={"postcode": "nowhere"}), 422)["fields"]
    assert "concerns" in assert_error(calls.patch(url, json={"concerns": []}), 422)["fields"]
    assert "household_name" in assert_error(calls.patch(url, json={"household_name": ""}), 422)["fields"]
    assert "opened_on" in assert_error(calls.patch(url, json={"opened_on": None}), 422)["fields"]
    assert "referral_date" in assert_error(calls.patch(url, json={"referral_date": "2026-02-30"}), 422)["fields"]
    future = (today + dt.timedelta(days=1)).isoformat()
    assert "consent_recorded_on" in assert_error(
        calls.patch(url, json={"consent_recorded_on": future}), 422)["fields"]
    assert "phase" in assert_error(calls.patch(url, json={"phase": "moving_on"}), 422)["fields"]
    assert_error(calls.patch(url, json=["household_name"]), 400)
    assert_error(calls.patch(url, json={"concerns": "housing"}), 400)


def test_an_edit_may_echo_the_record_it_read(api, worker, family):
    calls = api(worker)
    record = calls.get(f"/api/v1/families/{family.id}").get_json()
    record["household_name"] = "Renamed household"
    record["worker_id"] = worker.id
    response = calls.patch(f"/api/v1/families/{family.id}", json=record)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["household_name"] == "Renamed household"


def test_a_manager_reallocates_within_the_team(api, manager, colleague, outsider, family):
    calls = api(manager)
    response = calls.patch(f"/api/v1/families/{family.id}", json={"worker_id": colleague.id})
    assert response.status_code == 200
    assert response.get_json()["worker"]["id"] == colleague.id
    body = assert_error(calls.patch(f"/api/v1/families/{family.id}", json={"worker_id": outsider.id}), 422)
    assert "worker_id" in body["fields"]
    unallocated = calls.patch(f"/api/v1/families/{family.id}", json={"worker_id": None})
    assert unallocated.status_code == 200
    assert unallocated.get_json()["worker"] is None


def test_a_worker_cannot_give_a_family_away(api, worker, colleague, family):
    body = assert_error(api(worker).patch(f"/api/v1/families/{family.id}", json={"worker_id": colleague.id}), 422)
    assert "worker_id" in body["fields"]


def test_who_may_edit_a_family(api, colleague, outsider, admin, manager, family):
    url = f"/api/v1/families/{family.id}"
    assert_error(api(colleague).patch(url, json={"household_name": "X"}), 404)
    assert_error(api(outsider).patch(url, json={"household_name": "X"}), 404)
    assert_error(api(admin).patch(url, json={"household_name": "X"}), 403)
    assert api(manager).patch(url, json={"household_name": "X"}).status_code == 200


# --- phases -----------------------------------------------------------------------------------


def move(calls, family, **body):
    return calls.post(f"/api/v1/families/{family.id}/phase", json=body)


def test_making_changes_needs_consent_and_an_active_goal(api, db, worker, family, today):
    calls = api(worker)
    body = assert_error(move(calls, family, phase="making_changes", date=today.isoformat()), 422)
    assert "consent" in body["error"] and "goal" in body["error"]
    assert "phase" in body["fields"]
    family.consent_recorded_on = today - dt.timedelta(days=5)
    db.session.commit()
    body = assert_error(move(calls, family, phase="making_changes", date=today.isoformat()), 422)
    assert "goal" in body["error"] and "consent" not in body["error"]
    factories.GoalFactory(family=family)
    db.session.commit()
    response = move(calls, family, phase="making_changes", date=today.isoformat())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["phase"] == "making_changes"
    assert response.get_json()["phase_since"] == today.isoformat()


def test_a_withdrawn_goal_does_not_count(api, db, worker, family, today):
    family.consent_recorded_on = family.opened_on
    factories.GoalFactory(family=family, status="withdrawn")
    body = assert_error(move(api(worker), family, phase="making_changes", date=today.isoformat()), 422)
    assert "goal" in body["error"]


@pytest.fixture
def ready_family(family):
    family.consent_recorded_on = family.opened_on
    factories.GoalFactory(family=family)
    return family


def test_a_move_may_be_back_dated_but_not_before_phase_since_or_in_the_future(api, worker, ready_family, today):
    calls = api(worker)
    future = (today + dt.timedelta(days=1)).isoformat()
    assert "date" in assert_error(move(calls, ready_family, phase="making_changes", date=future), 422)["fields"]
    early = (ready_family.phase_since - dt.timedelta(days=1)).isoformat()
    assert "date" in assert_error(move(calls, ready_family, phase="making_changes", date=early), 422)["fields"]
    back = (today - dt.timedelta(days=7)).isoformat()
    response = move(calls, ready_family, phase="making_changes", date=back)
    assert response.status_code == 200
    assert response.get_json()["phase_since"] == back


def test_moving_back_a_phase_needs_a_note(api, worker, ready_family, today):
    calls = api(worker)
    assert move(calls, ready_family, phase="making_changes", date=today.isoformat()).status_code == 200
    body = assert_error(move(calls, ready_family, phase="engagement", date=today.isoformat()), 422)
    assert "note" in body["fields"]
    body = assert_error(move(calls, ready_family, phase="engagement", date=today.isoformat(), note="   "), 422)
    assert "note" in body["fields"]
    response = move(calls, ready_family, phase="engagement", date=today.isoformat(),
                    note="New partner moved in; back to building trust.")
    assert response.status_code == 200
    assert response.get_json()["phase"] == "engagement"


def test_a_worker_cannot_close_from_engagement(api, worker, family, today):
    body = assert_error(move(api(worker), family, phase="closed", date=today.isoformat(), reason="disengaged"), 422)
    assert "moving on" in body["error"]
    assert body["fields"]


def test_a_worker_closes_from_moving_on(no_approval, api, db, worker, family, today):
    family.phase = "moving_on"
    family.phase_since = today - dt.timedelta(days=10)
    db.session.commit()
    calls = api(worker)
    assert "reason" in assert_error(move(calls, family, phase="closed", date=today.isoformat()), 422)["fields"]
    assert "reason" in assert_error(
        move(calls, family, phase="closed", date=today.isoformat(), reason="retired"), 422)["fields"]
    response = move(calls, family, phase="closed", date=today.isoformat(), reason="step_down",
                    note="Closing review held.")
    assert response.status_code == 200
    body = response.get_json()
    assert body["phase"] == "closed"
    assert body["closed_on"] == today.isoformat()
    assert body["closure_reason"] == "step_down"
    assert body["next_review_due"] is None


def test_a_manager_closes_from_any_phase(api, manager, family, today):
    day = (today - dt.timedelta(days=1)).isoformat()
    response = move(api(manager), family, phase="closed", date=day, reason="moved_away")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["phase"], body["closed_on"], body["closure_reason"]) == ("closed", day, "moved_away")


def test_a_closed_family_is_read_only(api, db, manager, worker, family, today):
    move(api(manager), family, phase="closed", date=today.isoformat(), reason="disengaged")
    calls = api(worker)
    url = f"/api/v1/families/{family.id}"
    assert calls.get(url).status_code == 200
    for response in (
        calls.patch(url, json={"household_name": "X"}),
        move(calls, family, phase="engagement", date=today.isoformat(), note="again"),
        calls.post(f"{url}/goals", json={"title": "x"}),
        calls.post(f"{url}/visits", json={"date": today.isoformat()}),
    ):
        body = assert_error(response, 422)
        assert "family is closed" in body["error"].lower()


def test_phase_move_validation(api, worker, family, today):
    calls = api(worker)
    assert "phase" in assert_error(move(calls, family, phase="limbo", date=today.isoformat()), 422)["fields"]
    assert "phase" in assert_error(move(calls, family, date=today.isoformat()), 422)["fields"]
    assert "date" in assert_error(move(calls, family, phase="moving_on", date="2026-02-30"), 422)["fields"]
    assert "date" in assert_error(move(calls, family, phase="moving_on"), 422)["fields"]
    assert "phase" in assert_error(move(calls, family, phase="engagement", date=today.isoformat()), 422)["fields"]
    assert_error(calls.post(f"/api/v1/families/{family.id}/phase", json=["closed"]), 400)
    assert_error(calls.post(f"/api/v1/families/{family.id}/phase", json={"phase": ["closed"]}), 400)


def test_a_stale_phase_move_answers_409(api, worker, ready_family, today):
    calls = api(worker)
    version = calls.get(f"/api/v1/families/{ready_family.id}").get_json()["version"]
    calls.patch(f"/api/v1/families/{ready_family.id}", json={"household_name": "Changed"})
    body = assert_error(move(calls, ready_family, phase="making_changes", date=today.isoformat(),
                             version=version), 409)
    assert "version" in body["fields"]


def test_a_phase_move_is_recorded(api, db, worker, ready_family, today):
    move(api(worker), ready_family, phase="making_changes", date=today.isoformat(), note="Plan agreed")
    record = db.session.scalars(select(PhaseMove)).one()
    assert (record.from_phase, record.to_phase, record.note, record.by_id) == (
        "engagement", "making_changes", "Plan agreed", worker.id)


def test_who_may_move_a_phase(api, colleague, outsider, admin, manager, ready_family, today):
    day = today.isoformat()
    assert_error(move(api(colleague), ready_family, phase="making_changes", date=day), 404)
    assert_error(move(api(outsider), ready_family, phase="making_changes", date=day), 404)
    assert_error(move(api(admin), ready_family, phase="making_changes", date=day), 403)
    assert move(api(manager), ready_family, phase="making_changes", date=day).status_code == 200


def test_a_workers_closing_waits_for_approval_when_approval_is_on(app, monkeypatch, api, db, worker, family, today):
    if "CASEWORK_CLOSURE_APPROVAL" not in app.config:
        pytest.skip("closure approval is not built yet")
    monkeypatch.setitem(app.config, "CASEWORK_CLOSURE_APPROVAL", True)
    family.phase = "moving_on"
    db.session.commit()
    response = move(api(worker), family, phase="closed", date=today.isoformat(), reason="step_down")
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["pending_approval"] is True
    assert body["phase"] == "moving_on" and body["closed_on"] is None


def test_worker_id_0_lists_the_unallocated_families_as_the_caseload_names_them(api, manager, family):
    unallocated = factories.FamilyFactory(worker=None, team=manager.team)
    calls = api(manager)
    [row] = [w for w in calls.get("/api/v1/caseload").get_json()["workers"] if w["id"] == 0]
    assert row["open_families"] == 1
    assert [f["id"] for f in calls.get("/api/v1/families?worker_id=0").get_json()["items"]] == [unallocated.id]
