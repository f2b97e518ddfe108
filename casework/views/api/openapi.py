"""``GET /api/v1/openapi.json``: the OpenAPI 3.0 description of every endpoint of this API,
written by hand. A test compares its paths and methods with the app's URL map, so a route
added without a description here fails the suite."""
from __future__ import annotations

from flask import current_app, jsonify

from ...models import (
    CLOSURE_REASONS,
    CONCERNS,
    GOAL_STATUSES,
    PHASE_ORDER,
    REVIEW_DECISIONS,
    VISIT_KINDS,
    VISIT_OUTCOMES,
)
from ...models.goal import RATING_MAX, RATING_MIN
from . import bp
from .families import PER_PAGE_DEFAULT, PER_PAGE_MAX


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


DATE = {"type": "string", "format": "date", "example": "2026-03-02"}
INSTANT = {"type": "string", "format": "date-time", "example": "2026-03-02T18:30:00+00:00"}
ID = {"type": "integer", "minimum": 1}
VERSION = {
    "type": "integer",
    "description": "The version read. Optional on writes; a stale one answers 409.",
}
RATING = {"type": "integer", "minimum": RATING_MIN, "maximum": RATING_MAX}


def obj(properties: dict, required=(), description: str | None = None) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


def items_of(name: str, **extra) -> dict:
    return obj({"items": {"type": "array", "items": ref(name)}, **extra}, ["items", *extra])


def json_body(name: str, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": ref(name)}}}


def answer(description: str, schema: str | dict | None = None) -> dict:
    result = {"description": description}
    if schema is not None:
        schema = ref(schema) if isinstance(schema, str) else schema
        result["content"] = {"application/json": {"schema": schema}}
    return result


def error(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def path_id(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.",
            "schema": ID}


def query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


CASE_ERRORS = {"401": error("Unauthorised"), "403": error("Forbidden"), "404": error("NotFound")}
WRITE_ERRORS = {
    **CASE_ERRORS,
    "400": error("BadRequest"),
    "409": error("Conflict"),
    "422": error("Unprocessable"),
}


def operation(operation_id: str, summary: str, responses: dict, *, tag: str,
              parameters=(), body: dict | None = None, public: bool = False,
              description: str | None = None) -> dict:
    op = {"operationId": operation_id, "summary": summary, "tags": [tag], "responses": responses}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = list(parameters)
    if body:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op


def components(goal_areas: list[str]) -> dict:
    person = obj({"id": ID, "name": {"type": "string"}}, ["id", "name"])
    child_input = obj(
        {
            "first_name": {"type": "string", "maxLength": 80},
            "last_name": nullable({"type": "string", "maxLength": 80}),
            "date_of_birth": DATE,
            "school": nullable({"type": "string", "maxLength": 120}),
        },
        ["first_name", "date_of_birth"],
    )
    carer_input = obj(
        {
            "first_name": {"type": "string", "maxLength": 80},
            "last_name": nullable({"type": "string", "maxLength": 80}),
            "relationship": {"type": "string", "maxLength": 80},
        },
        ["first_name", "relationship"],
    )
    concerns = {"type": "array", "items": {"type": "string", "enum": list(CONCERNS)}, "minItems": 1}
    details = {
        "household_name": {"type": "string", "maxLength": 120},
        "postcode": {"type": "string", "example": "LS6 2AB"},
        "referral_date": DATE,
        "referral_source": nullable({"type": "string", "maxLength": 120}),
        "opened_on": nullable({**DATE, "description": "Defaults to today."}),
        "concerns": concerns,
        "consent_recorded_on": nullable(DATE),
        "worker_id": nullable({
            **ID,
            "description": "Defaults to the caller when the caller is a worker (who cannot "
            "allocate to anyone else: 422); a manager may leave it empty (unallocated) or name "
            "an active worker of the team.",
        }),
    }
    goal_area = {"type": "string", "enum": goal_areas}
    rating = obj(
        {"id": ID, "goal_id": ID, "date": DATE, "rating": RATING, "note": {"type": "string"}},
        ["id", "date", "rating", "note"],
    )
    goal = obj(
        {
            "id": ID,
            "family_id": ID,
            "title": {"type": "string"},
            "area": goal_area,
            "baseline": RATING,
            "target": RATING,
            "start_date": DATE,
            "target_date": DATE,
            "status": {"type": "string", "enum": list(GOAL_STATUSES)},
            "status_changed_on": nullable(DATE),
            "latest_rating": nullable({**RATING, "description": "The latest rating by date."}),
            "latest_rating_on": nullable(DATE),
            "ratings": {"type": "array", "items": ref("Rating")},
            "version": VERSION,
        },
        ["id", "family_id", "title", "area", "baseline", "target", "start_date", "target_date",
         "status", "latest_rating", "ratings", "version"],
    )
    goal_input_props = {
        "title": {"type": "string", "maxLength": 200},
        "area": goal_area,
        "baseline": RATING,
        "target": {**RATING, "description": "Higher than the baseline."},
        "start_date": DATE,
        "target_date": DATE,
    }
    family = obj(
        {
            "id": ID,
            "reference": {"type": "string", "example": "FP-2026-0042"},
            "household_name": {"type": "string"},
            "postcode": {"type": "string"},
            "concerns": {"type": "array", "items": {"type": "string", "enum": list(CONCERNS)}},
            "consent_recorded_on": nullable(DATE),
            "phase": {"type": "string", "enum": list(PHASE_ORDER)},
            "phase_since": DATE,
            "opened_on": DATE,
            "closed_on": nullable(DATE),
            "closure_reason": nullable({"type": "string", "enum": list(CLOSURE_REASONS)}),
            "pending_closure": nullable(obj(
                {"proposed_on": DATE, "reason": {"type": "string"}, "by": ref("Person")}
            )),
            "previous_family_id": nullable(ID),
            "referral_date": DATE,
            "referral_source": nullable({"type": "string"}),
            "worker": nullable(ref("Person")),
            "team": ref("Team"),
            "children": {"type": "array", "items": ref("Child")},
            "carers": {"type": "array", "items": ref("Carer")},
            "goals": {"type": "array", "items": ref("Goal")},
            "next_review_due": nullable(DATE),
            "open_flags": {"type": "array", "items": {"type": "object"}},
            "version": VERSION,
        },
        ["id", "reference", "household_name", "postcode", "concerns", "consent_recorded_on",
         "phase", "phase_since", "opened_on", "closed_on", "closure_reason", "pending_closure",
         "previous_family_id", "worker", "team", "children", "carers", "goals",
         "next_review_due", "open_flags", "version"],
    )
    summary = obj(
        {
            "id": ID,
            "reference": {"type": "string"},
            "household_name": {"type": "string"},
            "postcode": {"type": "string"},
            "concerns": {"type": "array", "items": {"type": "string"}},
            "phase": {"type": "string", "enum": list(PHASE_ORDER)},
            "phase_since": DATE,
            "opened_on": DATE,
            "closed_on": nullable(DATE),
            "worker": nullable(ref("Person")),
            "team": ref("Team"),
            "weeks_in_service": {"type": "integer"},
            "last_visit_on": nullable(DATE),
            "last_visit_all_seen": nullable({"type": "boolean"}),
            "next_review_due": nullable(DATE),
            "version": VERSION,
        },
        ["id", "reference", "household_name", "phase", "worker", "version"],
    )
    visit = obj(
        {
            "id": ID,
            "family_id": ID,
            "date": DATE,
            "kind": {"type": "string", "enum": list(VISIT_KINDS)},
            "outcome": {"type": "string", "enum": list(VISIT_OUTCOMES)},
            "duration_minutes": nullable({"type": "integer"}),
            "children_seen": {"type": "array", "items": ID},
            "seen_alone": {"type": "array", "items": ID},
            "all_children_seen": {"type": "boolean"},
            "goals_discussed": {"type": "array", "items": ID},
            "notes": {"type": "string"},
            "recorded_by": ref("Person"),
            "recorded_at": INSTANT,
            "corrections": {
                "type": "array",
                "items": obj({"made_at": INSTANT, "by": ref("Person"),
                              "note": {"type": "string"}, "old": {"type": "object"}}),
            },
            "version": VERSION,
        },
        ["id", "family_id", "date", "kind", "outcome", "children_seen", "seen_alone",
         "all_children_seen", "notes", "recorded_by", "corrections", "version"],
    )
    visit_input = obj(
        {
            "date": DATE,
            "kind": {"type": "string", "enum": list(VISIT_KINDS)},
            "outcome": {"type": "string", "enum": list(VISIT_OUTCOMES)},
            "duration_minutes": nullable({"type": "integer", "minimum": 1, "maximum": 1440}),
            "children_seen": {"type": "array", "items": ID,
                              "description": "Children of this family seen (completed visits only)."},
            "seen_alone": {"type": "array", "items": ID,
                           "description": "Children seen on their own (they count as seen)."},
            "goals_discussed": {"type": "array", "items": ID},
            "notes": {"type": "string", "maxLength": 20000},
        },
        ["date", "kind", "outcome"],
    )
    review = obj(
        {
            "id": ID,
            "family_id": ID,
            "held_on": DATE,
            "decision": {"type": "string", "enum": list(REVIEW_DECISIONS)},
            "reason": nullable({"type": "string", "enum": list(CLOSURE_REASONS)}),
            "attendees": {"type": "string"},
            "notes": {"type": "string"},
            "recorded_by": ref("Person"),
            "version": VERSION,
        },
        ["id", "family_id", "held_on", "decision", "notes", "version"],
    )
    error_schema = obj(
        {
            "error": {"type": "string", "description": "What went wrong, in plain words."},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Messages by field; nested entries are named like "
                "children-0-date_of_birth. May be empty.",
            },
        },
        ["error", "fields"],
    )

    def error_response(description):
        return answer(description, "Error")

    return {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "A token from POST /api/v1/tokens."},
        },
        "responses": {
            "BadRequest": error_response(
                "Malformed body: not JSON, not an object, or a value of the wrong JSON type."),
            "Unauthorised": error_response("No token, or one that is unknown, expired or revoked."),
            "Forbidden": error_response("The caller's role may not use this (an admin on case records)."),
            "NotFound": error_response("Unknown, or outside the caller's scope."),
            "Conflict": error_response("The version sent is stale: someone else changed the record."),
            "Unprocessable": error_response(
                "Validation failed, or a rule of the practice refuses it (a closed family, a "
                "phase move that is not allowed); fields name the problems."),
        },
        "schemas": {
            "Error": error_schema,
            "TokenRequest": obj({"email": {"type": "string", "format": "email"},
                                 "password": {"type": "string", "format": "password"}},
                                ["email", "password"]),
            "Token": obj({"token": {"type": "string"}, "expires_at": INSTANT},
                         ["token", "expires_at"]),
            "Person": person,
            "Team": obj({"id": ID, "name": {"type": "string"}}, ["id", "name"]),
            "Me": obj(
                {"id": ID, "email": {"type": "string"}, "name": {"type": "string"},
                 "role": {"type": "string", "enum": ["worker", "manager", "admin"]},
                 "team": nullable(ref("Team"))},
                ["id", "email", "name", "role", "team"],
            ),
            "Child": obj({"id": ID, **child_input["properties"]},
                         ["id", "first_name", "last_name", "date_of_birth"]),
            "Carer": obj({"id": ID, **carer_input["properties"]},
                         ["id", "first_name", "last_name", "relationship"]),
            "ChildInput": child_input,
            "CarerInput": carer_input,
            "Family": family,
            "FamilySummary": summary,
            "FamilyList": items_of("FamilySummary", total={"type": "integer"}),
            "ReferralInput": obj(
                {
                    **details,
                    "previous_family_id": nullable({
                        **ID, "description": "An earlier case of the same family, in any team."}),
                    "children": {"type": "array", "items": ref("ChildInput"), "minItems": 1},
                    "carers": {"type": "array", "items": ref("CarerInput")},
                },
                ["household_name", "postcode", "referral_date", "concerns", "children"],
            ),
            "FamilyUpdate": obj(
                {**details, "version": VERSION},
                description="Any editable field; those left out keep their values.",
            ),
            "PhaseMove": obj(
                {
                    "phase": {"type": "string", "enum": list(PHASE_ORDER)},
                    "date": {**DATE, "description": "Not in the future, not before phase_since."},
                    "note": {"type": "string", "description": "Required when moving back a phase."},
                    "reason": {"type": "string", "enum": list(CLOSURE_REASONS),
                               "description": "Required when closing."},
                    "version": VERSION,
                },
                ["phase", "date"],
            ),
            "Rating": rating,
            "RatingInput": obj({"date": DATE, "rating": RATING,
                                "note": {"type": "string", "maxLength": 4000}},
                               ["date", "rating"]),
            "RatingCreated": {"allOf": [ref("Rating"), obj({"goal": ref("Goal")}, ["goal"])]},
            "Goal": goal,
            "GoalInput": obj(goal_input_props, list(goal_input_props)),
            "GoalUpdate": obj(
                {**goal_input_props, "status": {"type": "string", "enum": list(GOAL_STATUSES)},
                 "version": VERSION},
                description="Any goal field; those left out keep their values.",
            ),
            "GoalList": items_of("Goal"),
            "Visit": visit,
            "VisitInput": visit_input,
            "VisitList": items_of("Visit"),
            "Review": review,
            "ReviewList": items_of("Review", next_due=nullable(DATE)),
            "Health": obj({"status": {"type": "string", "example": "ok"}}, ["status"]),
        },
    }


def paths() -> dict:
    family_id = path_id("family_id", "family")
    goal_id = path_id("goal_id", "goal")
    visit_id = path_id("visit_id", "visit")
    return {
        "/healthz": {
            "get": operation("health", "The database answers", {
                "200": answer("Healthy.", "Health"),
                "503": answer("The database does not answer.", "Health"),
            }, tag="service", public=True),
        },
        "/api/v1/openapi.json": {
            "get": operation("openapi", "This document", {
                "200": answer("The OpenAPI document.", {"type": "object"}),
            }, tag="service", public=True),
        },
        "/api/v1/tokens": {
            "post": operation("createToken", "Exchange an e-mail and password for a token", {
                "201": answer("A new token.", "Token"),
                "400": error("BadRequest"),
                "401": error("Unauthorised"),
                "422": error("Unprocessable"),
            }, tag="auth", body=json_body("TokenRequest"), public=True),
        },
        "/api/v1/tokens/current": {
            "delete": operation("revokeToken", "Revoke the token of this request", {
                "204": answer("Revoked; the token now answers 401."),
                "401": error("Unauthorised"),
            }, tag="auth"),
        },
        "/api/v1/me": {
            "get": operation("me", "The caller's own account", {
                "200": answer("The caller.", "Me"),
                "401": error("Unauthorised"),
            }, tag="auth"),
        },
        "/api/v1/families": {
            "get": operation(
                "listFamilies", "Families in the caller's scope", {
                    "200": answer("One page of families, by household name.", "FamilyList"),
                    "422": error("Unprocessable"),
                    **{k: v for k, v in CASE_ERRORS.items() if k != "404"},
                }, tag="families",
                description="A worker sees the families allocated to them; a manager every "
                "family of their team. A worker naming another worker in worker_id gets 422.",
                parameters=[
                    query("phase", "Only this phase; open for every open phase.",
                          {"type": "string", "enum": [*PHASE_ORDER, "open"]}),
                    query("worker_id", "Only this worker's families.", ID),
                    query("q", "Part of the household name or reference.", {"type": "string"}),
                    query("page", "From 1.", {"type": "integer", "minimum": 1, "default": 1}),
                    query("per_page", "Families per page.", {
                        "type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX,
                        "default": PER_PAGE_DEFAULT}),
                ],
            ),
            "post": operation("openReferral", "Open a referral as a new family", {
                "201": answer("The new family, in engagement.", "Family"),
                **{k: v for k, v in WRITE_ERRORS.items() if k not in ("404", "409")},
            }, tag="families", body=json_body("ReferralInput")),
        },
        "/api/v1/families/{family_id}": {
            "parameters": [family_id],
            "get": operation("getFamily", "The family record", {
                "200": answer("The family.", "Family"), **CASE_ERRORS,
            }, tag="families"),
            "patch": operation("updateFamily", "Edit the family's details or allocation", {
                "200": answer("The family.", "Family"), **WRITE_ERRORS,
            }, tag="families", body=json_body("FamilyUpdate"),
                description="A closed family is read-only (422)."),
        },
        "/api/v1/families/{family_id}/phase": {
            "parameters": [family_id],
            "post": operation("movePhase", "Move the family to another phase, or close it", {
                "200": answer("The family, in its new phase.", "Family"), **WRITE_ERRORS,
            }, tag="families", body=json_body("PhaseMove"),
                description="Moving to making_changes needs consent and an active goal; "
                "moving back needs a note; closing needs a reason and, for a worker, the "
                "family to be in moving_on. A refused move answers 422 with the reason."),
        },
        "/api/v1/families/{family_id}/visits": {
            "parameters": [family_id],
            "get": operation("listVisits", "The family's visits, newest first", {
                "200": answer("Visits.", "VisitList"), **CASE_ERRORS,
            }, tag="visits"),
            "post": operation("logVisit", "Record a visit", {
                "201": answer("The visit.", "Visit"), **WRITE_ERRORS,
            }, tag="visits", body=json_body("VisitInput")),
        },
        "/api/v1/visits/{visit_id}": {
            "parameters": [visit_id],
            "get": operation("getVisit", "One visit", {
                "200": answer("The visit.", "Visit"), **CASE_ERRORS,
            }, tag="visits"),
        },
        "/api/v1/families/{family_id}/goals": {
            "parameters": [family_id],
            "get": operation("listGoals", "The family plan", {
                "200": answer("Goals with their ratings.", "GoalList"), **CASE_ERRORS,
            }, tag="goals"),
            "post": operation("agreeGoal", "Add a goal to the family plan", {
                "201": answer("The goal, active.", "Goal"), **WRITE_ERRORS,
            }, tag="goals", body=json_body("GoalInput")),
        },
        "/api/v1/goals/{goal_id}": {
            "parameters": [goal_id],
            "patch": operation("updateGoal", "Edit a goal or set its status", {
                "200": answer("The goal.", "Goal"), **WRITE_ERRORS,
            }, tag="goals", body=json_body("GoalUpdate")),
        },
        "/api/v1/goals/{goal_id}/progress": {
            "parameters": [goal_id],
            "post": operation("rateProgress", "Record a progress rating for an active goal", {
                "201": answer("The rating, with the goal.", "RatingCreated"), **WRITE_ERRORS,
            }, tag="goals", body=json_body("RatingInput")),
        },
        "/api/v1/families/{family_id}/reviews": {
            "parameters": [family_id],
            "get": operation("listReviews", "Reviews held, newest first, and the next due", {
                "200": answer("Reviews.", "ReviewList"), **CASE_ERRORS,
            }, tag="reviews"),
        },
    }


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "casework API",
            "version": "1",
            "description": "Case management for early-help family support. Dates are "
            "YYYY-MM-DD in the service's local time zone; instants are ISO 8601 with an "
            "offset. Every error answers {\"error\": message, \"fields\": {field: "
            "[messages]}}. Writes take an optional version and answer 409 when it is stale.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name} for name in
                 ("auth", "families", "visits", "goals", "reviews", "service")],
        "paths": paths(),
        "components": components(list(current_app.config["CASEWORK_GOAL_AREAS"])),
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
