"""Visits recorded offline, on the server's side: the device's time of recording, one visit per
device key however often (and however concurrently) it is sent, the browser's session-and-CSRF
way of sending, and the "Could not be recorded" list with who may see it."""
from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from casework.extensions import db as _db
from casework.models import UnrecordedVisit, Visit

from . import factories
from .conftest import PASSWORD
from .helpers import closed_family, fuzz_form, rows_of, signed_in


def visit_body(family, today, **changes):
    body = {"date": today.isoformat(), "kind": "home_visit", "outcome": "completed",
            "children_seen": [child.id for child in family.children], "notes": "Saw both children at home."}
    body.update(changes)
    return body


def visits_of(family) -> int:
    return _db.session.scalar(select(func.count()).select_from(Visit).where(Visit.family_id == family.id))


def iso(instant: dt.datetime) -> str:
    return instant.isoformat()


# --- the device's time of recording -------------------------------------------------------------


def test_a_visit_sent_from_a_device_keeps_when_it_was_saved_there(api, worker, family, today, now):
    saved = (now - dt.timedelta(hours=5)).replace(microsecond=0)
    in_paris = saved.astimezone(dt.timezone(dt.timedelta(hours=1)))
    body = visit_body(family, today, device_recorded_at=in_paris.isoformat())
    response = api(worker).post(f"/api/v1/families/{family.id}/visits", json=body)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["recorded_offline"] is True
    assert dt.datetime.fromisoformat(answer["device_recorded_at"]) == saved
    received = dt.datetime.fromisoformat(answer["received_at"])
    assert abs(received - now) < dt.timedelta(minutes=5)
    again = api(worker).get(f"/api/v1/visits/{answer['id']}").get_json()
    assert again["device_recorded_at"] == answer["device_recorded_at"] and again["recorded_offline"] is True


def test_a_visit_recorded_online_says_so(api, worker, family, today):
    answer = api(worker).post(f"/api/v1/families/{family.id}/visits", json=visit_body(family, today)).get_json()
    assert answer["recorded_offline"] is False
    assert answer["device_recorded_at"] is None
    assert answer["received_at"]
    listed = api(worker).get(f"/api/v1/families/{family.id}/visits").get_json()["items"][0]
    assert listed["recorded_offline"] is False and listed["received_at"] == answer["received_at"]


@pytest.mark.parametrize("when, message", [
    (lambda now: (now + dt.timedelta(hours=2)).isoformat(), "in the future"),
    (lambda now: (now - dt.timedelta(days=40)).isoformat(), "more than 31 days ago"),
    (lambda now: now.replace(tzinfo=None).isoformat(), "ISO 8601 with its offset"),
    (lambda now: "yesterday", "ISO 8601 with its offset"),
])
def test_a_device_time_that_cannot_be_right_is_refused_naming_it(api, worker, family, today, now, when, message):
    response = api(worker).post(f"/api/v1/families/{family.id}/visits",
                                json=visit_body(family, today, device_recorded_at=when(now)))
    assert response.status_code == 422
    assert message in " ".join(response.get_json()["fields"]["device_recorded_at"])
    assert visits_of(family) == 0


# --- one visit per key -------------------------------------------------------------------------


def test_the_same_key_sent_again_records_one_visit(api, worker, family, today, now):
    calls = api(worker)
    body = visit_body(family, today, device_recorded_at=iso(now), recorded_offline=True)
    headers = {"Idempotency-Key": "6f1c2a9e-0d3b-4c51-9a57-2b8c1f0e4d11"}
    first = calls.post(f"/api/v1/families/{family.id}/visits", json=body, headers=headers)
    second = calls.post(f"/api/v1/families/{family.id}/visits", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert visits_of(family) == 1


@contextmanager
def serving(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _post(url, token, key, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_two_sends_of_one_key_at_once_record_one_visit(app, api, worker, family, today, now):
    """The outbox's send and a "Send now" (or two tabs) racing: each key records one visit."""
    token = api(worker).headers["Authorization"].split()[1]
    body = visit_body(family, today, device_recorded_at=iso(now), recorded_offline=True)
    keys = [f"race-{number}" for number in range(8)]
    answers = []
    family_id = family.id
    _db.session.commit()  # hold no transaction (on SQLite: no lock) while the server writes
    with serving(app) as base:
        url = f"{base}/api/v1/families/{family_id}/visits"
        for key in keys:
            start = threading.Barrier(2)
            pair = []

            def send(key=key, start=start, pair=pair):
                start.wait()
                pair.append(_post(url, token, key, body))

            threads = [threading.Thread(target=send) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            answers.extend(pair)
        # whatever each answered, a send after it is answered as the first was
        afterwards = [_post(url, token, key, body)[0] for key in keys]
    statuses = [status for status, _headers in answers]
    assert len(statuses) == 16
    assert set(statuses) <= {201, 409}, statuses
    assert all("Retry-After" in headers for status, headers in answers if status == 409)
    assert afterwards == [201] * len(keys)
    assert visits_of(family) == len(keys)


# --- the browser: the session and its CSRF token, never a token kept on the device -------------


def test_the_browser_sends_with_its_session_and_csrf_token(login, client, worker, family, today, now):
    login(worker)
    state = client.get("/account/offline/state").get_json()
    assert state["user_id"] == worker.id
    body = visit_body(family, today, device_recorded_at=iso(now), recorded_offline=True)
    path = f"/api/v1/families/{family.id}/visits"
    assert client.post(path, json=body).status_code == 401  # the cookie alone is not enough
    assert client.post(path, json=body, headers={"X-CSRFToken": "forged"}).status_code == 401
    # nor does the CSRF token open any other endpoint of the API
    assert client.get("/api/v1/families", headers={"X-CSRFToken": state["csrf_token"]}).status_code == 401
    sent = client.post(path, json=body, headers={"X-CSRFToken": state["csrf_token"], "Idempotency-Key": "k-1"})
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["recorded_by"]["id"] == worker.id
    assert visits_of(family) == 1


def test_the_device_keeps_the_visit_forms_of_open_families_only(login, client, worker, family, today):
    closed = closed_family(worker, today - dt.timedelta(days=90), today - dt.timedelta(days=3))
    other = factories.FamilyFactory(worker=factories.UserFactory(team=worker.team, email="x@example.org"))
    login(worker)
    pages = client.get("/account/offline/state").get_json()["pages"]
    assert f"/families/{family.id}/visits/new" in pages
    assert f"/families/{closed.id}/visits/new" not in pages
    assert f"/families/{other.id}/visits/new" not in pages
    assert not [page for page in pages if "/visits/new" not in page and page != "/account/offline"]


def test_the_kept_copy_of_a_visit_form_holds_no_draft(login, client, worker, family):
    login(worker)
    draft = {"date": "2026-01-01", "notes": "Mum said the eviction notice came on Friday."}
    assert client.post(f"/drafts/visit:new:family:{family.id}", data=draft).status_code == 204
    assert "eviction notice" in client.get(f"/families/{family.id}/visits/new").get_data(as_text=True)
    kept = client.get(f"/families/{family.id}/visits/new", headers={"X-Casework-Offline-Copy": "1"})
    assert kept.status_code == 200
    assert "eviction notice" not in kept.get_data(as_text=True)
    assert 'data-field-kinds="' in kept.get_data(as_text=True)


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.mimetype == "text/javascript"
    assert "casework-offline" in response.get_data(as_text=True)


# --- Could not be recorded ---------------------------------------------------------------------


def unrecorded_body(family, now, key="5b0e9a52-7a3c-4b8e-9d1f-0c2e6a4b8d10", **changes):
    body = {"device_key": key, "family_id": family.id, "family_reference": family.reference,
            "payload": json.dumps({"date": "2026-12-01", "notes": "Saw Amy."}), "status": 422,
            "reason": "The family is closed; its record is read-only.", "device_recorded_at": iso(now)}
    body.update(changes)
    return body


def unrecorded_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(UnrecordedVisit))


def test_a_visit_that_could_not_be_recorded_is_kept_once(api, worker, now, today):
    family = closed_family(worker, today - dt.timedelta(days=90), today - dt.timedelta(days=1))
    calls = api(worker)
    refused = calls.post(f"/api/v1/families/{family.id}/visits", json=visit_body(family, today))
    assert refused.status_code == 422
    first = calls.post("/api/v1/unrecorded-visits", json=unrecorded_body(family, now))
    assert first.status_code == 201, first.get_json()
    kept = first.get_json()
    assert kept["family_reference"] == family.reference and "Saw Amy." in kept["payload"]
    assert "ask your manager" in kept["what_to_do"].lower()
    again = calls.post("/api/v1/unrecorded-visits", json=unrecorded_body(family, now))
    assert again.status_code == 200 and again.get_json()["id"] == kept["id"]
    assert unrecorded_count() == 1
    assert [item["id"] for item in calls.get("/api/v1/unrecorded-visits").get_json()["items"]] == [kept["id"]]


def test_an_unbounded_payload_is_refused_naming_it(api, worker, family, now):
    response = api(worker).post("/api/v1/unrecorded-visits",
                                json=unrecorded_body(family, now, payload="x" * 60_001))
    assert response.status_code == 422
    assert "payload" in response.get_json()["fields"]
    assert unrecorded_count() == 0


@pytest.fixture
def kept(worker, family, now):
    item = UnrecordedVisit(user=worker, device_key="k", family_id=family.id, family_reference=family.reference,
                           payload=json.dumps({"notes": "Amy said she was hungry."}), status=404,
                           reason="Family not found.", device_recorded_at=now, received_at=now)
    _db.session.add(item)
    _db.session.commit()
    return item


def test_the_worker_and_their_manager_see_it_and_what_to_do(app, worker, manager, kept):
    for who in (worker, manager):
        client = signed_in(app, who)
        listing = client.get("/visits/unrecorded").get_data(as_text=True)
        assert kept.family_reference in listing
        page = client.get(f"/visits/unrecorded/{kept.id}").get_data(as_text=True)
        assert "Amy said she was hungry." in page
        assert "new worker" in page  # what to do after a 404: the family was reallocated


@pytest.mark.parametrize("who, status", [("colleague", 404), ("other_manager", 404), ("admin", 403),
                                         ("partner", 403)])
def test_nobody_else_sees_it(app, kept, colleague, admin, other_team, who, status):
    people = {"colleague": colleague, "admin": admin,
              "other_manager": factories.UserFactory(team=other_team, role="manager", email="om@example.org"),
              "partner": factories.UserFactory(team=None, role="partner", agency="School", email="p@example.org")}
    client = signed_in(app, people[who])
    assert client.get(f"/visits/unrecorded/{kept.id}").status_code == status
    listing = client.get("/visits/unrecorded")
    assert kept.family_reference not in listing.get_data(as_text=True)


def test_a_manager_marks_it_dealt_with_and_it_stays_listed(app, worker, manager, kept):
    worker_browser = signed_in(app, worker)
    assert worker_browser.post(f"/visits/unrecorded/{kept.id}/resolve", data={"note": "done"}).status_code == 403
    client = signed_in(app, manager)
    response = client.post(f"/visits/unrecorded/{kept.id}/resolve", data={"note": "Recorded for the new worker."})
    assert response.status_code == 302
    _db.session.refresh(kept)
    assert kept.resolved_at is not None and kept.resolved_by_id == manager.id
    assert "Dealt with" in client.get("/visits/unrecorded").get_data(as_text=True)
    assert client.post(f"/visits/unrecorded/{kept.id}/resolve", data={}).status_code == 422
    assert unrecorded_count() == 1  # never discarded


def test_the_page_that_turns_offline_use_on(login, client, worker, family):
    login(worker)
    page = client.get("/account/offline").get_data(as_text=True)
    assert "Use this device offline" in page
    assert family.reference in page
    assert PASSWORD not in page


def test_anonymising_a_family_removes_what_was_typed_in_its_held_visits(worker, manager, now):
    from casework.services import retention

    family = closed_family(worker, dt.date(2010, 1, 4), dt.date(2012, 3, 1))
    held = UnrecordedVisit(user=worker, device_key="old-tablet", family_id=family.id,
                           family_reference=family.reference, status=422, reason="The family is closed.",
                           payload=json.dumps({"notes": "Dad shouted at Amy."}))
    _db.session.add(held)
    _db.session.flush()
    retention.anonymise(_db.session, family, manager, now)
    assert held.payload == "{}" and "Amy" not in held.payload
    assert held.reason == "The family is closed."  # why it was held stays


def test_the_dealt_with_form_takes_any_input(app, manager, kept):
    fuzz_form(signed_in(app, manager), f"/visits/unrecorded/{kept.id}/resolve", lambda: {"note": "Recorded it."},
              lambda: rows_of(UnrecordedVisit))
