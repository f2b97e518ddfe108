"""The visit diary (issue 17, part 1): planning, rearranging and cancelling visits through the
API and the pages, a planned visit done by recording the visit, who may see whose, "My week",
and the sweep's reminder of a planned visit never recorded."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models import Notification, PlannedVisit
from casework.services import diary
from casework.services.clock import sweep_time
from casework.services.errors import ValidationFailed
from casework.services.sweep import run_sweep

from . import factories
from .helpers import (
    PAGE_STATEMENTS_MAX,
    assert_error,
    assert_field_error,
    assert_refused,
    closed_family,
    count_queries,
    fuzz_form,
    page_text,
    rows_of,
    sent,
    signed_in,
    team_around,
)

SHAPE = {"id", "family_id", "date", "time", "kind", "note", "status", "visit_id"}


def _plan(calls, family, day, **extra):
    body = {"date": day.isoformat(), "kind": "home_visit", **extra}
    return calls.post(f"/api/v1/families/{family.id}/planned-visits", json=body)


def _count() -> int:
    return db.session.scalar(select(func.count(PlannedVisit.id)))


# --- the API ------------------------------------------------------------------------------------


def test_a_planned_visit_answers_exactly_its_shape(api, worker, family, today):
    calls = api(worker)
    tomorrow = today + dt.timedelta(days=1)
    response = _plan(calls, family, tomorrow, time="09:30", note="Bring the bedtime chart")
    assert response.status_code == 201, response.get_json()
    planned = response.get_json()
    assert set(planned) == SHAPE
    assert planned | {"id": 0} == {"id": 0, "family_id": family.id, "date": tomorrow.isoformat(), "time": "09:30",
                                   "kind": "home_visit", "note": "Bring the bedtime chart", "status": "planned",
                                   "visit_id": None}
    untimed = _plan(calls, family, tomorrow, kind="phone").get_json()
    assert (untimed["time"], untimed["note"]) == (None, None)

    listed = calls.get(f"/api/v1/families/{family.id}/planned-visits").get_json()["items"]
    assert [item["id"] for item in listed] == [untimed["id"], planned["id"]]  # the day's own first
    assert all(set(item) == SHAPE for item in listed)
    mine = calls.get(f"/api/v1/planned-visits?from={today}&to={tomorrow}").get_json()
    assert [item["id"] for item in mine["items"]] == [untimed["id"], planned["id"]]
    later = today + dt.timedelta(days=2)
    assert calls.get(f"/api/v1/planned-visits?from={later}&to={later}").get_json() == {"items": []}
    assert len(calls.get("/api/v1/planned-visits").get_json()["items"]) == 2  # from today, four weeks


def test_recording_a_visit_on_the_day_makes_the_planned_visit_done(api, worker, family, today):
    calls = api(worker)
    planned = _plan(calls, family, today, time="10:00").get_json()
    other_day = _plan(calls, family, today + dt.timedelta(days=7)).get_json()
    visit = calls.post(f"/api/v1/families/{family.id}/visits", json={
        "date": today.isoformat(), "kind": "home_visit", "outcome": "completed",
        "children_seen": [family.children[0].id], "notes": "Went well."}).get_json()
    items = {item["id"]: item for item in calls.get(f"/api/v1/families/{family.id}/planned-visits").get_json()["items"]}
    assert (items[planned["id"]]["status"], items[planned["id"]]["visit_id"]) == ("done", visit["id"])
    assert (items[other_day["id"]]["status"], items[other_day["id"]]["visit_id"]) == ("planned", None)
    # A recorded visit cannot be rearranged or cancelled.
    refused = assert_error(calls.patch(f"/api/v1/planned-visits/{planned['id']}", json={"status": "cancelled"}), 422)
    assert "status" in refused["fields"]
    # Planning a day that already has a visit recorded: done at once.
    again = _plan(calls, family, today).get_json()
    assert (again["status"], again["visit_id"]) == ("done", visit["id"])


def test_rearranging_and_cancelling(api, worker, family, today):
    calls = api(worker)
    planned = _plan(calls, family, today + dt.timedelta(days=1), time="09:00").get_json()
    path = f"/api/v1/planned-visits/{planned['id']}"
    moved = calls.patch(path, json={"date": (today + dt.timedelta(days=3)).isoformat(), "time": "14:15"})
    assert moved.status_code == 200 and set(moved.get_json()) == SHAPE
    assert (moved.get_json()["date"], moved.get_json()["time"]) == ((today + dt.timedelta(days=3)).isoformat(), "14:15")
    assert calls.patch(path, json={"time": None}).get_json()["time"] is None  # on the day, any time
    assert calls.patch(path, json={}).get_json() == calls.patch(path, json={}).get_json()  # nothing changes
    cancelled = calls.patch(path, json={"status": "cancelled", "cancelled_by": "family"}).get_json()
    assert cancelled["status"] == "cancelled"
    assert db.session.get(PlannedVisit, planned["id"]).cancelled_by == "family"
    refused = assert_error(calls.patch(path, json={"date": today.isoformat()}), 422)
    assert list(refused["fields"]) == ["date"]
    # Cancelling without saying who: the worker.
    other = _plan(calls, family, today + dt.timedelta(days=2)).get_json()
    assert calls.patch(f"/api/v1/planned-visits/{other['id']}", json={"status": "cancelled"}).status_code == 200
    assert db.session.get(PlannedVisit, other["id"]).cancelled_by == "worker"


@pytest.mark.parametrize("body, field", [
    ({"date": "2026-13-01"}, "date"),
    ({"date": ""}, "date"),
    ({"time": "25:00"}, "time"),
    ({"time": "9:30am"}, "time"),
    ({"kind": "visit"}, "kind"),
    ({"kind": None}, "kind"),
    ({"note": "x" * 4001}, "note"),
    ({"date": 20261201}, "date"),
])
def test_a_bad_plan_names_the_field_and_saves_nothing(api, worker, family, today, body, field):
    response = api(worker).post(f"/api/v1/families/{family.id}/planned-visits",
                                json={"date": today.isoformat(), "kind": "home_visit", **body})
    assert field in assert_error(response, 422)["fields"]
    assert _count() == 0


@pytest.mark.parametrize("body, field", [
    ({"status": "done"}, "status"),
    ({"status": "planned"}, "status"),
    ({"cancelled_by": "neighbour"}, "cancelled_by"),
    ({"time": "12:60"}, "time"),
    ({"date": "tomorrow"}, "date"),
    ({"version": -1}, "version"),
])
def test_a_bad_change_names_the_field_and_changes_nothing(api, worker, family, today, body, field):
    calls = api(worker)
    planned = _plan(calls, family, today, time="09:00").get_json()
    response = calls.patch(f"/api/v1/planned-visits/{planned['id']}", json=body)
    assert field in assert_error(response, 422)["fields"]
    assert calls.get(f"/api/v1/families/{family.id}/planned-visits").get_json()["items"] == [planned]


def test_a_malformed_body_is_400(api, worker, family):
    response = api(worker).post(f"/api/v1/families/{family.id}/planned-visits", data="{not json",
                                content_type="application/json")
    assert_error(response, 400)
    assert_error(api(worker).post(f"/api/v1/families/{family.id}/planned-visits", json={"date": ["2026-01-01"]}), 400)


@pytest.mark.parametrize("query, field", [
    ("from=2026-02-30", "from"),
    ("from=yesterday", "from"),
    ("from=2026-03-01&to=2026-02-01", "to"),
    ("from=2026-01-01&to=2027-01-02", "to"),
    ("from=2026-01-01&from=2026-01-02", "from"),
])
def test_the_callers_list_refuses_a_bad_period_naming_it(api, worker, query, field):
    assert field in assert_error(api(worker).get(f"/api/v1/planned-visits?{query}"), 422)["fields"]


def test_the_far_ends_of_the_calendar_are_no_server_error(api, worker, family):
    calls = api(worker)
    assert _plan(calls, family, dt.date(9999, 12, 31)).status_code == 201
    assert calls.get("/api/v1/planned-visits?from=9999-12-31").get_json()["items"][0]["date"] == "9999-12-31"
    assert calls.get("/api/v1/planned-visits?to=0001-01-01").status_code == 200


def test_a_closed_family_takes_no_plans(api, worker, today):
    family = closed_family(worker, today - dt.timedelta(days=100), today - dt.timedelta(days=5))
    assert_error(_plan(api(worker), family, today), 422)
    assert _count() == 0


# --- who may see whose ---------------------------------------------------------------------------


@pytest.fixture
def planned(worker, family, today):
    found = diary.plan_visit(db.session, worker, family, {"date": today, "kind": "home_visit"},
                             dt.datetime.now(dt.UTC))
    db.session.commit()
    return found


def test_scope_worker_manager_colleague_other_team_admin(api, worker, colleague, manager, admin, other_team, family,
                                                         planned, today):
    other_manager = factories.UserFactory(team=other_team, role="manager", email="otto@example.org")
    family_path, patch_path = f"/api/v1/families/{family.id}/planned-visits", f"/api/v1/planned-visits/{planned.id}"
    for user in (worker, manager):
        calls = api(user)
        assert [p["id"] for p in calls.get(family_path).get_json()["items"]] == [planned.id]
        assert calls.patch(patch_path, json={"time": "11:00"}).status_code == 200
    assert _plan(api(manager), family, today).get_json()["status"] == "planned"  # the manager's own
    assert len(api(manager).get("/api/v1/planned-visits").get_json()["items"]) == 1
    assert len(api(worker).get("/api/v1/planned-visits").get_json()["items"]) == 1  # only their own
    for user in (colleague, other_manager):
        calls = api(user)
        assert_error(calls.get(family_path), 404)
        assert_error(_plan(calls, family, today), 404)
        assert_error(calls.patch(patch_path, json={"status": "cancelled"}), 404)
        assert calls.get("/api/v1/planned-visits").get_json() == {"items": []}
    calls = api(admin)
    for response in (calls.get(family_path), _plan(calls, family, today), calls.patch(patch_path, json={}),
                     calls.get("/api/v1/planned-visits")):
        assert_error(response, 403)
    assert db.session.get(PlannedVisit, planned.id).status == "planned"


def test_a_partner_may_not_read_the_diary(api, family, planned, today):
    team_around(family, "tess@hillside.example.org")
    partner = factories.UserFactory(team=None, role="partner", agency="Hillside", email="tess@hillside.example.org")
    stranger = factories.UserFactory(team=None, role="partner", agency="Housing", email="nora@housing.example.org")
    shared, unshared = api(partner), api(stranger)
    assert_error(shared.get(f"/api/v1/families/{family.id}/planned-visits"), 403)
    assert_error(shared.patch(f"/api/v1/planned-visits/{planned.id}", json={}), 403)
    assert_error(unshared.get(f"/api/v1/families/{family.id}/planned-visits"), 404)
    assert_error(unshared.patch(f"/api/v1/planned-visits/{planned.id}", json={}), 404)
    assert_error(shared.get("/api/v1/planned-visits"), 403)


# --- the service's refusals ---------------------------------------------------------------------


def test_the_service_refuses_rearranging_a_recorded_or_cancelled_visit(worker, family, planned, now, today):
    visit = factories.VisitFactory(family=family, date=today)
    diary.fulfil_planned_visit(db.session, visit, now)
    with assert_refused(ValidationFailed, "date", unchanged=[planned]):
        diary.change_planned_visit(db.session, planned, {"date": today + dt.timedelta(days=1)}, now)
    other = diary.plan_visit(db.session, worker, family, {"date": today + dt.timedelta(days=1), "kind": "phone"}, now)
    diary.change_planned_visit(db.session, other, {"cancelled_by": "family"}, now)
    assert (other.status, other.cancelled_by) == ("cancelled", "family")
    with assert_refused(ValidationFailed, "time", unchanged=[other]):
        diary.change_planned_visit(db.session, other, {"time": dt.time(9)}, now)


def _visit_on(calls, family, day) -> dict:
    response = calls.post(f"/api/v1/families/{family.id}/visits", json={
        "date": day.isoformat(), "kind": "home_visit", "outcome": "completed",
        "children_seen": [family.children[0].id], "notes": "Went well."})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _planned_of(calls, family) -> dict:
    return {item["id"]: (item["status"], item["visit_id"])
            for item in calls.get(f"/api/v1/families/{family.id}/planned-visits").get_json()["items"]}


def test_correcting_a_visits_date_moves_it_to_the_planned_visit_of_its_new_day(api, worker, family, today):
    calls = api(worker)
    monday, tuesday = today - dt.timedelta(days=3), today - dt.timedelta(days=2)
    on_monday = _plan(calls, family, monday).get_json()
    on_tuesday = _plan(calls, family, tuesday).get_json()
    visit = _visit_on(calls, family, monday)
    assert _planned_of(calls, family)[on_monday["id"]] == ("done", visit["id"])
    corrected = calls.patch(f"/api/v1/visits/{visit['id']}", json={
        "date": tuesday.isoformat(), "version": visit["version"], "correction_note": "It was Tuesday"})
    assert corrected.status_code == 200, corrected.get_json()
    # Monday's planned visit is planned again (the sweep will remind); Tuesday's is done.
    assert _planned_of(calls, family) == {on_monday["id"]: ("planned", None), on_tuesday["id"]: ("done", visit["id"])}


def test_a_visit_moved_off_a_day_leaves_its_planned_visit_to_another_visit_of_that_day(api, worker, family, today):
    calls = api(worker)
    day, other_day = today - dt.timedelta(days=3), today - dt.timedelta(days=5)
    planned = _plan(calls, family, day).get_json()
    first = _visit_on(calls, family, day)
    second = _visit_on(calls, family, day)
    assert _planned_of(calls, family)[planned["id"]] == ("done", first["id"])
    calls.patch(f"/api/v1/visits/{first['id']}", json={
        "date": other_day.isoformat(), "version": first["version"], "correction_note": "Wrong day"})
    # Still done: by the visit still recorded on its day. No planned visit on the new day.
    assert _planned_of(calls, family) == {planned["id"]: ("done", second["id"])}


def test_a_correction_that_keeps_the_date_keeps_the_link(api, worker, family, today):
    calls = api(worker)
    planned = _plan(calls, family, today).get_json()
    visit = _visit_on(calls, family, today)
    calls.patch(f"/api/v1/visits/{visit['id']}", json={
        "notes": "Went very well.", "version": visit["version"], "correction_note": "More detail"})
    assert _planned_of(calls, family) == {planned["id"]: ("done", visit["id"])}


def test_closing_a_family_cancels_its_planned_visits_still_to_come(api, manager, worker, family, today):
    calls = api(worker)
    past = _plan(calls, family, today - dt.timedelta(days=2)).get_json()
    done = _plan(calls, family, today - dt.timedelta(days=1)).get_json()
    visit = _visit_on(calls, family, today - dt.timedelta(days=1))
    to_come = [_plan(calls, family, today).get_json(), _plan(calls, family, today + dt.timedelta(days=7)).get_json()]
    closed = api(manager).post(f"/api/v1/families/{family.id}/phase",
                               json={"phase": "closed", "date": today.isoformat(), "reason": "moved_away"})
    assert closed.status_code == 200, closed.get_json()
    assert _planned_of(calls, family) == {
        past["id"]: ("planned", None), done["id"]: ("done", visit["id"]),
        to_come[0]["id"]: ("cancelled", None), to_come[1]["id"]: ("cancelled", None)}
    # Off the worker's week and calendar feed as cancelled, not as visits still to make.
    week = diary.week(db.session, worker, diary.week_of(today + dt.timedelta(days=7)), dt.datetime.now(dt.UTC))
    assert [(p.status, p.cancelled_text) for day in week.days for p in day.visits] == [
        ("cancelled", "as the family's case closed")]


# --- the sweep ------------------------------------------------------------------------------------


def test_a_planned_visit_never_recorded_reminds_its_worker_once(worker, manager, family, today):
    day = today - dt.timedelta(days=10)
    missed = diary.plan_visit(db.session, worker, family, {"date": day, "kind": "home_visit"}, sweep_time(day))
    kept = diary.plan_visit(db.session, worker, family, {"date": day + dt.timedelta(days=1), "kind": "phone"},
                            sweep_time(day))
    cancelled = diary.plan_visit(db.session, worker, family, {"date": day, "kind": "office"}, sweep_time(day))
    diary.change_planned_visit(db.session, cancelled, {"status": "cancelled"}, sweep_time(day))
    db.session.commit()

    def reminders():
        return db.session.scalars(select(Notification).where(Notification.kind == "visit_unrecorded")).all()

    run_sweep(db.session, sweep_time(day + dt.timedelta(days=1)))
    assert reminders() == []  # the next day: not yet
    diary.fulfil_planned_visit(db.session, factories.VisitFactory(family=family, date=kept.date),
                               sweep_time(kept.date))
    run_sweep(db.session, sweep_time(day + dt.timedelta(days=2)))
    [reminder] = reminders()
    assert (reminder.user_id, reminder.family_id) == (worker.id, family.id)
    assert family.reference in reminder.message and family.household_name not in reminder.message
    for later in (3, 4, 9):
        run_sweep(db.session, sweep_time(day + dt.timedelta(days=later)))
    assert reminders() == [reminder]  # once, however many sweeps follow
    assert missed.status == "planned"


# --- the pages ------------------------------------------------------------------------------------


def test_my_week_shows_planned_visits_by_day_with_the_reviews_due(client, login, worker, family, today, now):
    due = family.opened_on + dt.timedelta(days=42)
    monday = diary.week_of(due)
    diary.plan_visit(db.session, worker, family, {"date": monday + dt.timedelta(days=1), "time": dt.time(14, 30),
                                                  "kind": "home_visit", "note": "Ask about school"}, now)
    db.session.commit()
    login(worker)
    response = client.get(f"/diary?week={due.isoformat()}")
    assert response.status_code == 200
    text = page_text(response)
    assert f"Tuesday {(monday + dt.timedelta(days=1)).day}" in text and "14:30" in text and "Ask about school" in text
    assert f"Review due : {family.reference}" in text or f"Review due: {family.reference}" in text
    body = response.get_data(as_text=True)
    assert f"week={(monday - dt.timedelta(days=7)).isoformat()}" in body
    assert f"week={(monday + dt.timedelta(days=7)).isoformat()}" in body
    assert client.get("/diary?week=not-a-day").status_code == 200  # this week


def test_my_week_sends_a_few_statements_however_many_visits_are_planned(client, login, worker, today, now):
    families = [factories.FamilyFactory(worker=worker) for _ in range(6)]
    monday = diary.week_of(today)

    def plan(few):
        for number, family in enumerate(few):
            diary.plan_visit(db.session, worker, family, {"date": monday + dt.timedelta(days=number % 5),
                                                          "time": dt.time(9 + number, 0), "kind": "home_visit"}, now)
        db.session.commit()

    plan(families[:1])
    login(worker)
    with count_queries() as one:
        assert client.get("/diary").status_code == 200
    plan(families[1:])
    with count_queries() as six:
        response = client.get("/diary")
    assert all(family.reference in page_text(response) for family in families)
    assert sent(six) == sent(one) <= PAGE_STATEMENTS_MAX, "\n".join(six)


def test_planning_from_the_week_and_from_the_family_page(client, login, worker, family, today):
    login(worker)
    response = client.post("/diary", data={"family_id": family.id, "date": today.isoformat(), "time": "10:15",
                                           "kind": "phone"})
    assert response.status_code == 302
    assert "10:15" in page_text(client.get(response.headers["Location"]))
    response = client.post(f"/families/{family.id}/planned-visits/new",
                           data={"date": (today + dt.timedelta(days=2)).isoformat(), "kind": "home_visit"})
    assert response.status_code == 302
    page = page_text(client.get(f"/families/{family.id}"))
    assert "Next planned visit" in page and "Plan a visit" in page
    assert _count() == 2


def test_a_bad_plan_on_a_page_says_why_and_saves_nothing(client, login, worker, colleague, family, today):
    login(worker)
    response = client.post(f"/families/{family.id}/planned-visits/new", data={"date": "", "time": "7pm"})
    assert response.status_code == 422
    assert_field_error(response, "date", "Enter the date of the visit.")
    assert_field_error(response, "time", "Enter the time as HH:MM on the 24-hour clock, such as 14:30.")
    assert_field_error(response, "kind", "Choose the kind of visit.")
    theirs = factories.FamilyFactory(worker=colleague)
    response = client.post("/diary", data={"family_id": theirs.id, "date": today.isoformat(), "kind": "phone"})
    assert response.status_code == 422
    assert_field_error(response, "family_id", "Choose one of your open families.")
    assert _count() == 0


def test_rearranging_and_cancelling_on_the_pages(app, client, login, worker, colleague, family, planned, today):
    login(worker)
    assert client.get(f"/planned-visits/{planned.id}/change").status_code == 200
    new_day = today + dt.timedelta(days=4)
    response = client.post(f"/planned-visits/{planned.id}/rearrange", data={"date": new_day.isoformat(),
                                                                            "time": "16:00"})
    assert response.status_code == 302
    db.session.refresh(planned)
    assert (planned.date, planned.time) == (new_day, dt.time(16))
    response = client.post(f"/planned-visits/{planned.id}/cancel", data={})
    assert response.status_code == 422
    assert_field_error(response, "cancel-cancelled_by", "Say who cancelled the visit.")
    assert client.post(f"/planned-visits/{planned.id}/cancel",
                       data={"cancel-cancelled_by": "family"}).status_code == 302
    db.session.refresh(planned)
    assert (planned.status, planned.cancelled_by) == ("cancelled", "family")
    other = signed_in(app, colleague)
    assert other.get(f"/planned-visits/{planned.id}/change").status_code == 404
    assert other.post(f"/planned-visits/{planned.id}/cancel", data={"cancel-cancelled_by": "worker"}).status_code == 404


# --- hostile input on the pages -----------------------------------------------------------------


def test_the_diary_forms_take_any_input(login, worker, family, planned, today):
    client = login(worker)

    def version() -> str:
        return str(db.session.get(PlannedVisit, planned.id).version)

    fuzz_form(client, f"/families/{family.id}/planned-visits/new",
              lambda: {"date": (today + dt.timedelta(days=1)).isoformat(), "time": "09:30", "kind": "home_visit",
                       "note": "Bring the bedtime chart"},
              lambda: rows_of(PlannedVisit))
    fuzz_form(client, f"/planned-visits/{planned.id}/rearrange",
              lambda: {"date": (today + dt.timedelta(days=2)).isoformat(), "time": "10:00",
                       "version": version()},
              lambda: rows_of(PlannedVisit))
    fuzz_form(client, f"/planned-visits/{planned.id}/cancel",
              lambda: {"cancel-cancelled_by": "family", "version": version()},
              lambda: rows_of(PlannedVisit))
