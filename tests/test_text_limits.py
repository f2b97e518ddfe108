"""Forms that do not lose work: every text field carries its limit, shown on the page (no
maxlength, with which a browser cuts pasted text silently) and checked on the server, which
answers a form error or a 422 naming the field, never a cut; and withdrawing a goal asks why."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import Goal, GoalRating, Review, Visit

from . import factories
from .helpers import assert_error, assert_field_error, page_text, raise_flag


def count(model, **where):
    _db.session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return _db.session.scalar(query)


@pytest.mark.parametrize("page", ["visit", "goal", "review", "rating", "referral", "phase", "allocate"])
def test_no_field_carries_a_maxlength_and_each_shows_its_limit(login, worker, manager, family, page):
    goal = factories.GoalFactory(family=family)
    paths = {"visit": f"/families/{family.id}/visits/new", "goal": f"/families/{family.id}/goals/new",
             "review": f"/families/{family.id}/reviews/new", "rating": f"/goals/{goal.id}",
             "referral": "/families/new", "phase": f"/families/{family.id}/phase",
             "allocate": f"/families/{family.id}/allocate"}
    response = login(manager if page == "allocate" else worker).get(paths[page])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert not re.search(r"<(input|textarea)\b[^>]*\s(maxlength|minlength)=", body)
    assert "You can enter up to" in body and "data-maxlength=" in body


def test_a_rating_note_over_the_limit_is_refused_on_the_page_and_kept(login, worker, family, today):
    goal = factories.GoalFactory(family=family)
    note = "Mum feels this is getting better. " * 294 + "Yes."  # 10,000 characters
    assert len(note) == 10000
    response = login(worker).post(f"/goals/{goal.id}/ratings",
                                  data={"date": today.isoformat(), "rating": "6", "note": note})
    assert response.status_code == 422
    assert_field_error(response, "note", "Note must be 4,000 characters or fewer (it has 10,000).")
    assert note in response.get_data(as_text=True)  # what was typed is all there to shorten
    assert count(GoalRating, goal_id=goal.id) == 0


def test_a_note_at_the_limit_is_saved_whole(api, worker, family, today):
    goal = factories.GoalFactory(family=family)
    note = "n" * 4000
    response = api(worker).post(f"/api/v1/goals/{goal.id}/progress",
                                json={"date": today.isoformat(), "rating": 5, "note": note})
    assert response.status_code == 201 and response.get_json()["note"] == note
    _db.session.expire_all()
    assert _db.session.scalar(select(GoalRating.note).where(GoalRating.goal_id == goal.id)) == note


def test_api_text_over_its_limit_answers_422_naming_the_field(api, worker, manager, family, today):
    goal = factories.GoalFactory(family=family)
    visit = factories.VisitFactory(family=family, date=today)
    flag = raise_flag(family)
    _db.session.commit()
    calls, boss = api(worker), api(manager)
    cases = [
        (calls.post, f"/api/v1/goals/{goal.id}/progress", {"date": today.isoformat(), "rating": 5,
                                                            "note": "x" * 10000}, "note"),
        (calls.post, f"/api/v1/families/{family.id}/visits", {"date": today.isoformat(), "kind": "phone",
                                                              "outcome": "completed", "notes": "x" * 20001}, "notes"),
        (calls.post, f"/api/v1/families/{family.id}/reviews", {"held_on": today.isoformat(), "decision": "continue",
                                                               "notes": "x" * 20001}, "notes"),
        (calls.patch, f"/api/v1/visits/{visit.id}", {"notes": "Better.", "correction_note": "x" * 4001},
         "correction_note"),
        (calls.patch, f"/api/v1/goals/{goal.id}", {"status": "withdrawn", "reason": "x" * 4001}, "reason"),
        (calls.patch, f"/api/v1/goals/{goal.id}", {"title": "x" * 201}, "title"),
        (boss.post, f"/api/v1/families/{family.id}/allocation", {"worker_id": None, "reason": "x" * 2001},
         "reason"),
        (boss.post, f"/api/v1/flags/{flag.id}/resolve", {"note": "x" * 4001}, "note"),
    ]
    for call, path, body, field in cases:
        answer = assert_error(call(path, json=body), 422)
        assert field in answer["fields"], (path, answer)
        assert "characters or fewer" in answer["fields"][field][0]
    assert count(GoalRating, goal_id=goal.id) == 0
    assert count(Visit, family_id=family.id) == 1
    assert count(Review, family_id=family.id) == 0
    _db.session.expire_all()
    assert _db.session.get(Goal, goal.id).status == "active"


# --- Withdrawing a goal asks why ------------------------------------------------------------------


def test_withdraw_opens_a_page_that_asks_why(login, worker, family):
    goal = factories.GoalFactory(family=family)
    client = login(worker)
    page = client.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert f'href="/goals/{goal.id}/withdraw"' in page
    response = client.get(f"/goals/{goal.id}/withdraw")
    assert response.status_code == 200
    assert "Why is the goal being withdrawn?" in page_text(response)


def test_withdrawing_without_a_reason_is_refused(login, worker, family):
    goal = factories.GoalFactory(family=family)
    response = login(worker).post(f"/goals/{goal.id}/withdraw", data={"reason": "  ", "version": str(goal.version)})
    assert response.status_code == 422
    assert_field_error(response, "reason", "Say why the goal is being withdrawn.")
    _db.session.expire_all()
    assert _db.session.get(Goal, goal.id).status == "active"


def test_the_old_one_click_withdraw_leads_to_the_question(login, worker, family):
    goal = factories.GoalFactory(family=family)
    response = login(worker).post(f"/goals/{goal.id}/status", data={"status": "withdrawn",
                                                                    "version": str(goal.version)})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/goals/{goal.id}/withdraw")
    _db.session.expire_all()
    assert _db.session.get(Goal, goal.id).status == "active"


def test_the_reason_is_kept_and_shown(login, worker, family):
    goal = factories.GoalFactory(family=family, title="Tidy bedroom")
    client = login(worker)
    response = client.post(f"/goals/{goal.id}/withdraw",
                           data={"reason": "The family chose to focus on school.", "version": str(goal.version)})
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Goal, goal.id).status == "withdrawn"
    assert "Reason: The family chose to focus on school." in page_text(client.get(f"/goals/{goal.id}"))
    chronology = page_text(client.get(f"/families/{family.id}/chronology?kind=goal"))
    assert "Goal withdrawn: Tidy bedroom. Reason: The family chose to focus on school." in chronology


def test_a_stale_withdrawal_answers_409_and_keeps_the_reason(login, worker, family, now):
    goal = factories.GoalFactory(family=family)
    opened_with = goal.version
    goal.title = "Reworded meanwhile"
    _db.session.commit()
    response = login(worker).post(f"/goals/{goal.id}/withdraw",
                                  data={"reason": "No longer needed.", "version": str(opened_with)})
    assert response.status_code == 409
    assert "No longer needed." in response.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Goal, goal.id).status == "active"


def test_the_api_takes_an_optional_reason(api, worker, family, today):
    calls = api(worker)
    first, second = factories.GoalFactory(family=family), factories.GoalFactory(family=family)
    _db.session.commit()
    assert calls.patch(f"/api/v1/goals/{first.id}", json={"status": "withdrawn"}).status_code == 200
    assert calls.patch(f"/api/v1/goals/{second.id}",
                       json={"status": "withdrawn", "reason": "Mum asked to pause it."}).status_code == 200
    summaries = [item["summary"] for item in calls.get(
        f"/api/v1/families/{family.id}/chronology?kind=goal").get_json()["items"]]
    assert any(s.endswith("Reason: Mum asked to pause it.") for s in summaries)
    assert sum(s.startswith("Goal withdrawn") for s in summaries) == 2
