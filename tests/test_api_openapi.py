"""The OpenAPI document says what the server enforces, because both read the same forms; and
the server refuses what the document refuses. (Every route is described: test_api_auth.py;
schemathesis with every check: tests/trust/test_api_contract.py.)"""
from __future__ import annotations

import inspect
import types

import pytest
from wtforms import Form

from casework import limits
from casework.forms.queries import PER_PAGE_MAX
from casework.models import CLOSURE_REASONS
from casework.services import reviews
from casework.views.api.spec import records
from casework.views.api.spec.operations import OPERATIONS

from . import factories
from .helpers import assert_error, referral


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def _forms_named(view) -> set[type]:
    """The form classes a view function names, or the functions of its module it calls do."""
    found, seen = set(), set()

    def scan(code, namespace, depth):
        if code in seen:
            return
        seen.add(code)
        for name in code.co_names:
            value = namespace.get(name)
            if isinstance(value, type) and issubclass(value, Form):
                found.add(value)
            elif isinstance(value, types.FunctionType) and depth < 2 and value.__module__ == view.__module__:
                scan(value.__code__, value.__globals__, depth + 1)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                scan(const, namespace, depth)

    view = inspect.unwrap(view)
    scan(view.__code__, view.__globals__, 0)
    return found


def test_each_view_reads_its_input_through_the_form_the_document_describes(app):
    for endpoint, op in OPERATIONS.items():
        described = {form for form in (op.body and op.body.form, op.query) if form}
        missing = described - _forms_named(app.view_functions[endpoint])
        assert not missing, f"{endpoint} does not read {missing}"


def test_a_body_says_what_its_form_requires(document):
    referral_input = document["components"]["schemas"]["ReferralInput"]
    assert set(referral_input["required"]) == {"household_name", "postcode", "referral_date", "concerns", "children"}
    household = referral_input["properties"]["household_name"]
    assert household["maxLength"] == 120 and household["pattern"] == "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
    children = referral_input["properties"]["children"]
    assert (children["minItems"], children["maxItems"]) == (1, limits.MAX_CHILDREN)
    assert children["items"]["required"] == ["first_name", "date_of_birth"]
    assert referral_input["properties"]["worker_id"] == {
        "type": "integer", "minimum": 1, "maximum": 2**31 - 1, "nullable": True}


def test_what_one_field_asks_of_another_is_said(document):
    schemas = document["components"]["schemas"]
    [closing] = schemas["PhaseMove"]["allOf"]
    assert closing["anyOf"][0] == {"properties": {"phase": {"not": {"enum": ["closed"]}}}}
    assert closing["anyOf"][1]["required"] == ["reason"]
    [above] = schemas["GoalInput"]["allOf"]
    assert {"properties": {"baseline": {"enum": [3]}, "target": {"minimum": 4}}} in above["anyOf"]
    assert {"required": ["date"]} in schemas["VisitCorrection"]["anyOf"]
    assert schemas["VisitCorrection"]["required"] == ["correction_note"]


def test_the_document_says_the_services_rules_of_a_review_and_an_allocation(document):
    """Closing at a review needs disengaged, moved away or other (services/reviews.py); an
    allocation says why (services/allocation.py)."""
    schemas = document["components"]["schemas"]
    [closing] = schemas["ReviewInput"]["allOf"]
    assert closing["anyOf"][0] == {"properties": {"decision": {"not": {"enum": ["close"]}}}}
    assert closing["anyOf"][1]["properties"]["reason"]["enum"] == list(reviews.CLOSE_REASONS)
    # Any other decision may send any closing reason (a step down naming itself): `reason?`.
    assert schemas["ReviewInput"]["properties"]["reason"]["anyOf"][0]["enum"] == list(CLOSURE_REASONS)
    assert set(schemas["AllocationInput"]["required"]) == {"worker_id", "reason"}


def test_query_parameters_say_their_bounds_and_that_none_repeats(document):
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/families"]["get"]["parameters"]}
    per_page = parameters["per_page"]["schema"]["anyOf"][0]
    assert (per_page["minimum"], per_page["maximum"]) == (1, PER_PAGE_MAX)
    assert all(p["allowEmptyValue"] and "style" not in p for p in parameters.values())
    [unread] = document["paths"]["/api/v1/notifications"]["get"]["parameters"]
    assert unread["schema"]["anyOf"][0]["enum"] == ["1", "0", "true", "false", "yes", "no"]
    matches = {p["name"]: p for p in document["paths"]["/api/v1/children/matches"]["get"]["parameters"]}
    assert matches["first_name"]["required"] and matches["first_name"]["schema"]["maxLength"] == 80


def test_answers_keep_to_the_models_the_document_describes(api, worker, family, document):
    calls = api(worker)
    records.Family.model_validate(calls.get(f"/api/v1/families/{family.id}").get_json())
    records.FamilyList.model_validate(calls.get("/api/v1/families").get_json())
    assert document["paths"]["/api/v1/families/{family_id}"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"] == {"$ref": "#/components/schemas/FamilyAnswer"}
    # A partner reads the same path and gets only what the consent covers.
    assert document["components"]["schemas"]["FamilyAnswer"]["anyOf"] == [
        {"$ref": "#/components/schemas/Family"}, {"$ref": "#/components/schemas/SharedFamily"}]
    assert document["components"]["schemas"]["Family"]["additionalProperties"] is False


# --- the server refuses what the document refuses --------------------------------------------


def test_a_parameter_that_takes_one_value_refuses_two(api, worker, family):
    calls = api(worker)
    errors = assert_error(calls.get(f"/api/v1/flags?family_id={family.id}&family_id=2"), 422)["fields"]
    assert errors == {"family_id": ["Send family_id once."]}
    assert "unread" in assert_error(calls.get("/api/v1/notifications?unread=1&unread=0"), 422)["fields"]


def test_flags_take_the_documented_words_exactly(api, worker, family):
    calls = api(worker)
    assert calls.get("/api/v1/notifications?unread=true").status_code == 200
    assert calls.get("/api/v1/notifications?unread=").status_code == 200  # empty: absent
    assert calls.get("/api/v1/families?phase=%20").get_json() == calls.get("/api/v1/families").get_json()
    assert "unread" in assert_error(calls.get("/api/v1/notifications?unread=TRUE"), 422)["fields"]
    assert "kind" in assert_error(calls.get(f"/api/v1/families/{family.id}/chronology?kind=visits"), 422)["fields"]


def test_a_member_of_the_wrong_json_type_is_refused_naming_it(api, manager, worker, today):
    errors = assert_error(api(manager).post("/api/v1/families", json=referral(today, worker_id=str(worker.id))),
                          422)["fields"]
    assert errors == {"worker_id": ["Send a whole number here."]}
    body = referral(today, household_name=5)
    body["children"][0]["first_name"] = 7
    errors = assert_error(api(worker).post("/api/v1/families", json=body), 422)["fields"]
    assert errors == {"household_name": ["Send text here."], "children-0-first_name": ["Send text here."]}


def test_members_a_request_does_not_read_are_ignored_nul_and_all(api, worker, today):
    """A NUL in what is saved is refused (400); in a member nothing reads, it is ignored."""
    calls = api(worker)
    assert calls.post("/api/v1/families", json={**referral(today), "x\x00y": "a", "notes": "\x00"}).status_code == 201
    assert_error(calls.post("/api/v1/families", json=referral(today, referral_source="a\x00")), 400)


def test_a_version_is_a_whole_number_from_nought(api, worker, family, today):
    calls = api(worker)
    body = {"title": "Bedtime by 8", "area": "family_routine", "baseline": 3, "target": 8,
            "start_date": family.opened_on.isoformat(), "target_date": today.isoformat(), "version": -1}
    assert "version" in assert_error(calls.post(f"/api/v1/families/{family.id}/goals", json=body), 422)["fields"]


@pytest.mark.parametrize("blank", ["", " \t"])
def test_a_blank_status_leaves_a_goal_as_it_is(api, worker, family, blank):
    goal = factories.GoalFactory(family=family)
    response = api(worker).patch(f"/api/v1/goals/{goal.id}", json={"status": blank, "title": "Bedtime by 8"})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["status"], response.get_json()["title"]) == ("active", "Bedtime by 8")


def test_closing_without_a_reason_is_refused_by_the_form(api, manager, family, today):
    response = api(manager).post(f"/api/v1/families/{family.id}/phase",
                                 json={"phase": "closed", "date": today.isoformat()})
    assert assert_error(response, 422)["fields"] == {"reason": ["Choose the reason the family is closing."]}


# Every code CONTRACT.md names for a request body, by the body's schema and member: the forms
# that read the bodies must take each of them (a form narrower than the contract is a 422 an
# integration does not expect).
CONTRACT_CODES = {
    ("ReviewInput", "decision"): {"continue", "step_up", "step_down", "close"},
    ("ReviewInput", "reason"): {"step_down", "step_up", "disengaged", "moved_away", "other"},
    ("PhaseMove", "phase"): {"engagement", "making_changes", "moving_on", "closed"},
    ("PhaseMove", "reason"): {"step_down", "step_up", "disengaged", "moved_away", "other"},
    ("VisitInput", "kind"): {"home_visit", "office", "phone", "school", "other"},
    ("VisitInput", "outcome"): {"completed", "no_access", "cancelled"},
    ("GoalUpdate", "status"): {"active", "achieved", "withdrawn"},
    ("PartnerInput", "kind"): {"school", "health_visitor", "gp", "school_nurse", "midwife", "housing", "police",
                               "adult_mental_health", "substance_misuse_service", "other"},
    ("ConsentInput", "scope"): {"plan", "meetings", "reviews_summary"},
    ("ActionUpdate", "status"): {"open", "done"},
    ("AccountInput", "role"): {"worker", "manager", "admin", "partner"},
    ("ReferralInput", "concerns"): {
        "neglect_physical", "neglect_emotional", "neglect_medical", "neglect_educational", "neglect_supervision",
        "domestic_abuse", "substance_misuse", "parental_mental_health", "housing", "finances",
        "learning_disability"},
}


def _codes(schema: dict) -> set[str]:
    if "enum" in schema:
        return set(schema["enum"])
    if "items" in schema:
        return _codes(schema["items"])
    return set().union(*(_codes(option) for option in schema.get("anyOf", [])))


@pytest.mark.parametrize("schema, member", sorted(CONTRACT_CODES))
def test_a_body_takes_every_code_the_contract_names(document, schema, member):
    taken = _codes(document["components"]["schemas"][schema]["properties"][member])
    assert CONTRACT_CODES[schema, member] <= taken, CONTRACT_CODES[schema, member] - taken
