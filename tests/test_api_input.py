"""Input shared by the API and the pages: text is read without surrounding spaces (so a value
of only spaces counts as missing), and a worker that is not a number is named plainly."""
import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from casework.forms import from_json
from casework.forms.accounts import ChangePasswordForm, LoginForm, TeamForm, UserForm
from casework.forms.case import GoalForm, ReferralForm, VisitForm

from . import factories
from .helpers import assert_error, referral


def test_a_name_of_only_spaces_is_missing(api, worker, today):
    calls = api(worker)
    body = referral(today, household_name="   ")
    body["children"][0]["first_name"] = " \t "
    body["carers"][0]["relationship"] = "  "
    errors = assert_error(calls.post("/api/v1/families", json=body), 422)["fields"]
    assert errors["household_name"] == ["Enter the household name."]
    assert errors["children-0-first_name"] == ["Enter the first name of child 1."]
    assert "carers-0-relationship" in errors


def test_a_date_of_only_spaces_is_missing_not_a_crash(api, worker, today):
    errors = assert_error(api(worker).post("/api/v1/families", json=referral(today, referral_date="  ")), 422)["fields"]
    assert errors == {"referral_date": ["Enter the referral date."]}


def test_text_is_saved_without_surrounding_spaces(api, worker, today):
    body = referral(today, household_name="  Smith household  ", referral_source=" School ",
                    referral_date=f" {(today - dt.timedelta(days=3)).isoformat()} ")
    body["children"][0]["first_name"] = "  Amy "
    response = api(worker).post("/api/v1/families", json=body)
    assert response.status_code == 201, response.get_json()
    family = response.get_json()
    assert (family["household_name"], family["referral_source"]) == ("Smith household", "School")
    assert family["children"][0]["first_name"] == "Amy"


def test_an_edit_to_only_spaces_is_refused(api, worker, family):
    calls = api(worker)
    errors = assert_error(calls.patch(f"/api/v1/families/{family.id}", json={"household_name": "  "}), 422)["fields"]
    assert "household_name" in errors
    assert calls.get(f"/api/v1/families/{family.id}").get_json()["household_name"] == family.household_name


def test_a_goal_of_only_spaces_is_refused(api, worker, family, today):
    body = {"title": "   ", "area": "family_routine", "baseline": 3, "target": 7,
            "start_date": today.isoformat(), "target_date": (today + dt.timedelta(days=60)).isoformat()}
    errors = assert_error(api(worker).post(f"/api/v1/families/{family.id}/goals", json=body), 422)["fields"]
    assert errors == {"title": ["Enter the goal."]}


def test_visit_notes_are_stripped(api, worker, family, today):
    response = api(worker).post(f"/api/v1/families/{family.id}/visits", json={
        "date": today.isoformat(), "kind": "phone", "outcome": "completed", "notes": "\n  Called mum.  \n"})
    assert response.status_code == 201
    assert response.get_json()["notes"] == "Called mum."


@pytest.mark.parametrize("value", ["abc", "1.5", "1e3", "-"])
def test_a_worker_that_is_not_a_number_is_named_plainly(api, manager, today, value):
    errors = assert_error(api(manager).post("/api/v1/families", json=referral(today, worker_id=value)), 422)["fields"]
    assert errors == {"worker_id": ["Choose a family worker."]}


def test_a_worker_edit_that_is_not_a_number_is_named_plainly(api, manager, family):
    response = api(manager).patch(f"/api/v1/families/{family.id}", json={"worker_id": "Wendy"})
    errors = assert_error(response, 422)["fields"]
    assert errors == {"worker_id": ["Choose a family worker."]}


# --- the same forms as the pages post them ---------------------------------------------------------


def posted(app, form_class, data):
    with app.test_request_context(method="POST", data=data):
        form = form_class(meta={"csrf": False})
        form.validate()
        return form


def test_posted_forms_strip_text_too(app):
    form = posted(app, UserForm, {"name": "   ", "email": " ada@example.org ", "role": "worker",
                                  "agency": "  Leeds City Council "})
    assert form.errors["name"] == ["Enter the person's name."]
    assert (form.email.data, form.agency.data) == ("ada@example.org", "Leeds City Council")
    form = posted(app, ChangePasswordForm, {"current_password": " old one ", "new_password": "  spaced password  "})
    assert form.new_password.data == "  spaced password  "  # passwords are taken exactly as typed
    assert posted(app, TeamForm, {"name": "  "}).errors == {"name": ["Enter a team name."]}


def test_posted_referral_strips_children_and_names_a_bad_worker(app, today):
    data = MultiDict({
        "household_name": " Smith household ", "postcode": " ls6 2ab ",
        "referral_date": today.isoformat(), "concerns": "housing", "worker_id": "nobody",
        "children-0-first_name": "   ", "children-0-date_of_birth": "2018-03-01",
    })
    form = posted(app, ReferralForm, data)
    assert form.household_name.data == "Smith household"
    assert form.flat_errors() == {
        "worker_id": ["Choose a family worker."],
        "children-0-first_name": ["Enter the first name of child 1."],
    }


def test_the_login_password_is_not_stripped(app):
    form = from_json(LoginForm, {"email": "  wendy@example.org ", "password": " secret "})
    form.validate()
    assert (form.email.data, form.password.data) == ("wendy@example.org", " secret ")


def test_visit_and_goal_forms_strip(app, db, worker):
    family = factories.FamilyFactory(worker=worker)
    with app.test_request_context():
        visit = from_json(VisitForm, {"date": "2026-03-02", "kind": "phone", "outcome": "completed",
                                      "notes": "  ok  "}).set_family(family, [])
        assert visit.validate() and visit.notes.data == "ok"
        goal = from_json(GoalForm, {"title": "  Bedtime by 8 "})
        goal.validate()
        assert goal.title.data == "Bedtime by 8"
