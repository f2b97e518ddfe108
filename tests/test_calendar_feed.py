"""The calendar feed (issue 17, part 3): a secret address, turned on through the API or the
worker's account page, that serves their diary to Outlook as RFC 5545 without signing in;
naming families by reference only; revoked, or replaced by a new one, it answers 404."""
from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import parse_qs, urlsplit

import icalendar
from sqlalchemy import select

from casework.extensions import db
from casework.models import CalendarFeed
from casework.services import diary

from . import factories
from .helpers import assert_error, page_text


def _feed(client, url):
    """The feed, fetched exactly as the address was given (query string included), with no
    other credentials."""
    return client.get(url)


def _events(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    return calendar, {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def _world(worker, today, now):
    """A family of the worker with a timed visit, a visit on the day without a time, a
    cancelled one and one far beyond the feed; its review falls due in 12 days."""
    family = factories.FamilyFactory(worker=worker, household_name="Zebedee household", postcode="LS6 9ZZ",
                                     opened_on=today - dt.timedelta(days=30))
    timed = diary.plan_visit(db.session, worker, family, {
        "date": today + dt.timedelta(days=3), "time": dt.time(14, 30), "kind": "home_visit",
        "note": "Zephyrine's school report"}, now)
    untimed = diary.plan_visit(db.session, worker, family, {"date": today + dt.timedelta(days=4), "kind": "phone"},
                               now)
    cancelled = diary.plan_visit(db.session, worker, family, {"date": today + dt.timedelta(days=5),
                                                             "kind": "office"}, now)
    diary.change_planned_visit(db.session, cancelled, {"status": "cancelled"}, now)
    diary.plan_visit(db.session, worker, family, {"date": today + dt.timedelta(days=400), "kind": "office"}, now)
    db.session.commit()
    return family, timed, untimed


def test_the_feed_serves_the_diary_without_signing_in(app, api, worker, today, now):
    family, timed, untimed = _world(worker, today, now)
    response = api(worker).post("/api/v1/me/calendar-feed")
    assert response.status_code == 201
    assert list(response.get_json()) == ["url"]
    url = response.get_json()["url"]
    assert urlsplit(url).query and urlsplit(url).scheme == "http"

    stranger = app.test_client()  # no cookie, no token
    calendar, events = _events(_feed(stranger, url))
    assert calendar["VERSION"] == "2.0" and calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"
    visits = {uid: event for uid, event in events.items() if uid.startswith("planned-visit-")}
    reviews = [event for uid, event in events.items() if uid.startswith("review-due-")]
    assert set(visits) == {f"planned-visit-{timed.id}@casework", f"planned-visit-{untimed.id}@casework"}
    start = visits[f"planned-visit-{timed.id}@casework"].decoded("DTSTART")
    assert start == dt.datetime.combine(timed.date, dt.time(14, 30), tzinfo=start.tzinfo)
    assert str(start.tzinfo) == "Europe/London"
    assert visits[f"planned-visit-{untimed.id}@casework"].decoded("DTSTART") == untimed.date  # all day
    [review] = reviews
    assert review.decoded("DTSTART") == family.opened_on + dt.timedelta(days=42)
    assert str(review["SUMMARY"]) == f"Review due: {family.reference}"
    assert all(family.reference in str(event["SUMMARY"]) for event in events.values())

    body = _feed(stranger, url).get_data(as_text=True)
    for private in ("Zebedee", "LS6 9ZZ", "LS6", "Zephyrine", "school report", "Amy", "Smith", worker.name):
        assert private not in body, private
    # Stable: the same UIDs each time.
    assert set(_events(_feed(stranger, url))[1]) == set(events)
    assert body.startswith("BEGIN:VCALENDAR")


def test_revoked_the_feed_answers_404_and_a_new_one_replaces_the_old(app, api, worker, today, now):
    _world(worker, today, now)
    calls, stranger = api(worker), app.test_client()
    first = calls.post("/api/v1/me/calendar-feed").get_json()["url"]
    second = calls.post("/api/v1/me/calendar-feed").get_json()["url"]
    assert first != second
    assert _feed(stranger, first).status_code == 404
    assert _feed(stranger, second).status_code == 200
    [kept] = db.session.scalars(select(CalendarFeed)).all()
    secret = parse_qs(urlsplit(second).query)["key"][0]
    assert kept.token_hash == hashlib.sha256(secret.encode()).hexdigest()  # only its hash is kept
    assert calls.delete("/api/v1/me/calendar-feed").status_code == 204
    assert _feed(stranger, second).status_code == 404
    assert calls.delete("/api/v1/me/calendar-feed").status_code == 204  # none: still 204
    assert stranger.get("/calendar/feed.ics").status_code == 404
    assert stranger.get("/calendar/feed.ics?key=guess").status_code == 404


def test_only_workers_and_managers_have_a_feed(api, admin, manager, worker, today, now):
    assert_error(api(admin).post("/api/v1/me/calendar-feed"), 403)
    assert_error(api(admin).delete("/api/v1/me/calendar-feed"), 403)
    partner = factories.UserFactory(team=None, role="partner", agency="Hillside", email="tess@hillside.example.org")
    assert_error(api(partner).post("/api/v1/me/calendar-feed"), 403)
    assert api(manager).post("/api/v1/me/calendar-feed").status_code == 201


def test_a_deactivated_persons_feed_stops_working(app, api, worker, today, now):
    url = api(worker).post("/api/v1/me/calendar-feed").get_json()["url"]
    worker.active = False
    db.session.commit()
    assert _feed(app.test_client(), url).status_code == 404


def test_a_family_no_longer_theirs_leaves_the_feed(app, api, worker, colleague, today, now):
    family, timed, _untimed = _world(worker, today, now)
    url = api(worker).post("/api/v1/me/calendar-feed").get_json()["url"]
    family.worker = colleague
    db.session.commit()
    _calendar, events = _events(_feed(app.test_client(), url))
    assert events == {}


def test_the_account_page_turns_the_feed_on_once_and_off(app, client, login, worker, today, now):
    _world(worker, today, now)
    login(worker)
    assert "Your calendar feed is off" in page_text(client.get("/account/calendar"))
    response = client.post("/account/calendar")
    assert response.status_code == 200
    url = response.get_data(as_text=True).split('id="feed-url"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    url = url.replace("&amp;", "&")
    assert _events(_feed(app.test_client(), url))[1]
    page = page_text(client.get("/account/calendar"))
    assert "Your calendar feed is on" in page and url not in page  # shown once
    response = client.post("/account/calendar/revoke")
    assert response.status_code == 302
    assert _feed(app.test_client(), url).status_code == 404
