"""Forms that do not double work: a form that creates a record, sent twice with its one-time
submission key (Back, then Save again), creates it once and says so; and the API's
Idempotency-Key, which answers a repeat with the first answer and creates nothing more."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from casework.extensions import db as _db
from casework.models import Carer, Child, Family, Goal, GoalRating, Review, Submission, Visit
from casework.services import submissions

from . import factories
from .helpers import assert_error, page_text, referral, signed_in


def _count(model, **where) -> int:
    _db.session.expire_all()
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return _db.session.scalar(query)


def _key(response) -> str:
    match = re.search(r'name="submission_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="submission_key"',
                      response.get_data(as_text=True))
    assert match, "the form carries no submission key"
    return match.group(1) or match.group(2)


# --- The HTML forms ---------------------------------------------------------------------------


def test_a_visit_sent_twice_is_saved_once(login, worker, family, today):
    client = login(worker)
    form = client.get(f"/families/{family.id}/visits/new")
    key = _key(form)
    data = {"date": today.isoformat(), "kind": "home_visit", "outcome": "completed",
            "children_seen": [str(c.id) for c in family.children], "notes": "Tea and a chat.",
            "submission_key": key}
    first = client.post(f"/families/{family.id}/visits/new", data=data)
    assert first.status_code == 302
    again = client.post(f"/families/{family.id}/visits/new", data=data)
    assert again.status_code == 200
    text = page_text(again)
    assert "This visit was already saved" in text and "Go to the visit" in text
    visit_id = _db.session.scalar(select(Visit.id).where(Visit.family_id == family.id))
    assert f'href="/families/{family.id}#visit-{visit_id}"' in again.get_data(as_text=True)
    assert _count(Visit, family_id=family.id) == 1


def test_each_opening_of_a_form_has_its_own_key(login, worker, family, today):
    client = login(worker)
    first, second = (_key(client.get(f"/families/{family.id}/visits/new")) for _ in range(2))
    assert first != second
    for key in (first, second):
        client.post(f"/families/{family.id}/visits/new", data={
            "date": today.isoformat(), "kind": "phone", "outcome": "completed", "submission_key": key})
    assert _count(Visit, family_id=family.id) == 2


def test_a_refused_form_keeps_its_key_and_saves_once_put_right(login, worker, family, today):
    client = login(worker)
    key = _key(client.get(f"/families/{family.id}/visits/new"))
    refused = client.post(f"/families/{family.id}/visits/new",
                          data={"date": today.isoformat(), "kind": "phone", "submission_key": key})
    assert refused.status_code == 422 and _key(refused) == key
    data = {"date": today.isoformat(), "kind": "phone", "outcome": "completed", "submission_key": key}
    assert client.post(f"/families/{family.id}/visits/new", data=data).status_code == 302
    assert "This visit was already saved" in page_text(client.post(f"/families/{family.id}/visits/new", data=data))
    assert _count(Visit, family_id=family.id) == 1


def test_another_user_with_the_same_key_is_not_stopped(app, login, worker, manager, family, today):
    data = {"date": today.isoformat(), "kind": "phone", "outcome": "completed", "submission_key": "shared-key"}
    assert login(worker).post(f"/families/{family.id}/visits/new", data=data).status_code == 302
    assert signed_in(app, manager).post(f"/families/{family.id}/visits/new", data=data).status_code == 302
    assert _count(Visit, family_id=family.id) == 2


@pytest.mark.parametrize("what", ["goal", "rating", "review", "referral", "child", "carer", "assessment"])
def test_every_form_that_creates_a_record_is_saved_once(login, worker, family, today, what):
    goal = factories.GoalFactory(family=family)
    client = login(worker)
    day = today.isoformat()
    pages = {
        "goal": (f"/families/{family.id}/goals/new",
                 {"title": "Bedtime by eight", "area": "family_routine", "baseline": "3", "target": "7",
                  "start_date": day, "target_date": (today + dt.timedelta(weeks=12)).isoformat()},
                 "This goal was already agreed", Goal, {"family_id": family.id}),
        "rating": (f"/goals/{goal.id}", {"date": day, "rating": "5"}, "This rating was already saved", GoalRating,
                   {"goal_id": goal.id}),
        "review": (f"/families/{family.id}/reviews/new", {"held_on": day, "decision": "continue"},
                   "This review was already saved", Review, {"family_id": family.id}),
        "referral": ("/families/new", None, "This referral was already opened", Family, {}),
        "child": (f"/families/{family.id}/children/new",
                  {"first_name": "Cara", "date_of_birth": "2024-01-02"}, "This child was already added", Child,
                  {"family_id": family.id}),
        "carer": (f"/families/{family.id}/carers/new", {"first_name": "Dee", "relationship": "Aunt"},
                  "This parent or carer was already added", Carer, {"family_id": family.id}),
        "assessment": (f"/families/{family.id}/assessments/new?framework=family-functioning", None,
                       "This assessment was already saved", None, {}),
    }
    path, data, heading, model, where = pages[what]
    form = client.get(path)
    assert form.status_code == 200
    key = _key(form)
    post_path = {"rating": f"/goals/{goal.id}/ratings"}.get(what, path.split("?")[0])
    if what == "referral":
        data = {"household_name": "Jones household", "postcode": "LS7 1AA", "referral_date": day,
                "concerns": ["housing"], "children-0-first_name": "Zed", "children-0-date_of_birth": "2019-05-05"}
    if what == "assessment":
        data = {"framework": "family-functioning", "stage": "initial", "date": day,
                **{name: "3" for name in re.findall(r'name="(score-[a-z_]+)"', form.get_data(as_text=True))}}
    data["submission_key"] = key
    before = _count(model, **where) if model else _count(Submission)
    first = client.post(post_path, data=data)
    assert first.status_code == 302, page_text(first)
    again = client.post(post_path, data=data)
    assert again.status_code == 200 and heading in page_text(again)
    if model:
        assert _count(model, **where) == before + 1
    assert _count(Submission) == 1


def test_keys_are_forgotten_after_a_day(db, worker, now):
    submissions.remember(db.session, worker, "old", now - dt.timedelta(hours=25), record_type="visit", record_id=1,
                         location="/")
    submissions.remember(db.session, worker, "new", now - dt.timedelta(hours=23), record_type="visit", record_id=2,
                         location="/")
    assert submissions.find(db.session, worker, "old", now) is None
    assert submissions.find(db.session, worker, "new", now).record_id == 2
    submissions.remember(db.session, worker, "another", now, record_type="visit", record_id=3, location="/")
    assert sorted(db.session.scalars(select(Submission.key))) == ["another", "new"]


def test_a_key_used_twice_at_once_is_refused_by_the_database(db, worker, now):
    submissions.remember(db.session, worker, "k", now, record_type="visit", record_id=1, location="/")
    with pytest.raises(submissions.AlreadySubmitted):
        submissions.remember(db.session, worker, "k", now, record_type="visit", record_id=2, location="/")
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


# --- The API: Idempotency-Key -----------------------------------------------------------------


def _visit_body(family, today, **changes):
    return {"date": today.isoformat(), "kind": "home_visit", "outcome": "completed",
            "children_seen": [c.id for c in family.children], "notes": "Seen at home.", **changes}


def test_the_same_key_and_body_answers_the_same_and_creates_nothing_more(api, worker, family, today):
    calls = api(worker)
    headers = {"Idempotency-Key": "visit-0001"}
    first = calls.post(f"/api/v1/families/{family.id}/visits", json=_visit_body(family, today), headers=headers)
    assert first.status_code == 201
    again = calls.post(f"/api/v1/families/{family.id}/visits", json=_visit_body(family, today), headers=headers)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert _count(Visit, family_id=family.id) == 1


def test_the_same_key_with_another_body_answers_422(api, worker, family, today):
    calls = api(worker)
    headers = {"Idempotency-Key": "visit-0002"}
    assert calls.post(f"/api/v1/families/{family.id}/visits", json=_visit_body(family, today),
                      headers=headers).status_code == 201
    body = assert_error(calls.post(f"/api/v1/families/{family.id}/visits",
                                   json=_visit_body(family, today, notes="Different."), headers=headers), 422)
    assert "Idempotency-Key" in body["fields"]
    assert _count(Visit, family_id=family.id) == 1


def test_keys_are_each_users_own(api, worker, manager, family, today):
    headers = {"Idempotency-Key": "same"}
    for user in (worker, manager):
        response = api(user).post(f"/api/v1/families/{family.id}/visits", json=_visit_body(family, today),
                                  headers=headers)
        assert response.status_code == 201
    assert _count(Visit, family_id=family.id) == 2


def test_a_refused_request_keeps_no_key(api, worker, family, today):
    calls = api(worker)
    headers = {"Idempotency-Key": "try-again"}
    future = (today + dt.timedelta(days=1)).isoformat()
    assert_error(calls.post(f"/api/v1/families/{family.id}/visits", json=_visit_body(family, today, date=future),
                            headers=headers), 422)
    assert _count(Submission) == 0
    # Another body with the key is then a first request, not a reused key.
    assert calls.post(f"/api/v1/families/{family.id}/visits", json=_visit_body(family, today),
                      headers=headers).status_code == 201


def test_a_request_refused_once_its_write_has_begun_keeps_no_key(api, admin, worker, team):
    """The e-mail address is taken: the service refuses it after the view has begun its write.
    The commit that ended the view's read claimed nothing, so the key is kept by neither
    database and a corrected body may use it."""
    calls = api(admin)
    headers = {"Idempotency-Key": "add-nia"}
    taken = {"email": worker.email, "name": "Nia New", "role": "worker", "team_id": team.id}
    body = assert_error(calls.post("/api/v1/users", json=taken, headers=headers), 422)
    assert "email" in body["fields"]
    assert _count(Submission) == 0
    added = calls.post("/api/v1/users", json={**taken, "email": "nia@example.org"}, headers=headers)
    assert added.status_code == 201 and added.get_json()["email"] == "nia@example.org"
    assert _count(Submission) == 1


def test_a_referral_repeated_is_opened_once(api, worker, today):
    calls = api(worker)
    headers = {"Idempotency-Key": "referral-1"}
    first = calls.post("/api/v1/families", json=referral(today), headers=headers)
    again = calls.post("/api/v1/families", json=referral(today), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _count(Family) == 1


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_key_of_no_or_too_many_characters_is_refused(api, worker, family, today, key):
    body = assert_error(api(worker).post(f"/api/v1/families/{family.id}/visits", json=_visit_body(family, today),
                                         headers={"Idempotency-Key": key}), 422)
    assert "Idempotency-Key" in body["fields"]
    assert _count(Visit, family_id=family.id) == 0


# --- The API: answers carrying a secret are kept sealed ------------------------------------------


def _stored_answers() -> str:
    _db.session.expire_all()
    return " ".join(row.response_body or "" for row in _db.session.scalars(select(Submission)))


def test_a_calendar_feed_replayed_gives_the_same_url_which_the_store_does_not_hold(api, worker):
    calls = api(worker)
    headers = {"Idempotency-Key": "feed-1"}
    first = calls.post("/api/v1/me/calendar-feed", headers=headers)
    again = calls.post("/api/v1/me/calendar-feed", headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    url = first.get_json()["url"]
    assert again.get_json()["url"] == url  # no new secret minted: the first URL still works
    assert again.headers["Idempotent-Replayed"] == "true"
    secret = url.split("key=", 1)[1]
    stored = _stored_answers()
    assert stored and secret not in stored and "feed.ics" not in stored
    assert calls.get(url.split("localhost", 1)[-1]).status_code == 200


def test_a_setup_link_replayed_is_the_same_and_is_not_kept_in_clear(api, admin, team):
    calls = api(admin)
    headers = {"Idempotency-Key": "add-nia"}
    body = {"email": "nia@example.org", "name": "Nia New", "role": "worker", "team_id": team.id}
    first = calls.post("/api/v1/users", json=body, headers=headers)
    again = calls.post("/api/v1/users", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    setup_url = first.get_json()["setup_url"]
    stored = _stored_answers()
    assert setup_url.rsplit("/", 1)[-1] not in stored and "nia@example.org" not in stored
    assert _count(Submission) == 1


def test_a_kept_answer_opens_only_with_the_apps_key_and_for_its_own_row(app, worker, now):
    sealed = submissions.seal_answer(app.config["SECRET_KEY"], worker.id, "k", '{"url": "secret"}')
    assert "secret" not in sealed
    assert submissions.open_answer(app.config["SECRET_KEY"], worker.id, "k", sealed) == '{"url": "secret"}'
    assert submissions.open_answer("another key", worker.id, "k", sealed) is None
    assert submissions.open_answer(app.config["SECRET_KEY"], worker.id, "other", sealed) is None


def test_an_answer_that_cannot_be_opened_again_is_refused_plainly(app, api, worker):
    calls = api(worker)
    headers = {"Idempotency-Key": "feed-2"}
    assert calls.post("/api/v1/me/calendar-feed", headers=headers).status_code == 201
    app.config["SECRET_KEY"] = "rotated"
    try:
        body = assert_error(calls.post("/api/v1/me/calendar-feed", headers=headers), 409)
    finally:
        app.config["SECRET_KEY"] = "test-secret-key"
    assert "Idempotency-Key" in body["error"]
