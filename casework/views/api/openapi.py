"""``GET /api/v1/openapi.json``: the OpenAPI 3.0 description of every endpoint of this API,
written by hand. A test compares its paths and methods with the app's URL map, so a route
added without a description here fails the suite."""
from __future__ import annotations

from flask import current_app, jsonify

from ... import limits
from ...forms.fields import NEXT_STEP_LIMIT, NOTE_LIMIT
from ...forms.reports import MAX_YEARS
from ...models import (
    CLOSURE_REASONS,
    CONCERNS,
    FLAG_RULES,
    GOAL_STATUSES,
    OPEN_PHASES,
    PHASE_ORDER,
    REVIEW_DECISIONS,
    SEVERITIES,
    VISIT_KINDS,
    VISIT_OUTCOMES,
)
from ...models.flag import FLAG_STATUSES
from ...models.goal import RATING_MAX, RATING_MIN
from ...services import child_search
from ...services import chronology as chronology_service
from . import bp
from .families import PER_PAGE_DEFAULT, PER_PAGE_MAX
from .partner_openapi import openapi_paths as partner_paths
from .records import openapi_paths as records_paths
from .users import openapi_paths as users_paths
from .users import openapi_schemas as users_schemas


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
LIST_ERRORS = {"401": error("Unauthorised"), "403": error("Forbidden"), "422": error("Unprocessable")}
WRITE_ERRORS = {
    **CASE_ERRORS,
    "400": error("BadRequest"),
    "409": error("Conflict"),
    "422": error("Unprocessable"),
}


def operation(operation_id: str, summary: str, responses: dict, *, tag: str,
              parameters=(), body: dict | None = None, public: bool = False,
              description: str | None = None) -> dict:
    if body:
        # Every request body is bounded (casework/limits.py, config.py's MAX_CONTENT_LENGTH).
        responses = {**responses, "413": error("TooLarge")}
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
    concerns = {"type": "array", "items": {"type": "string", "enum": list(CONCERNS)}, "minItems": 1,
                "maxItems": limits.MAX_CONCERNS}
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
        {"id": ID, "goal_id": ID, "date": DATE, "rating": RATING, "note": {"type": "string"},
         "version": VERSION},
        ["id", "date", "rating", "note", "version"],
    )
    correction = obj(
        {
            "made_at": INSTANT,
            "by": ref("Person"),
            "note": {"type": "string", "description": "Why the record was corrected."},
            "old": {"type": "object", "description": "The values before the correction, by "
                    "field, e.g. {\"date\": \"2026-03-05\", \"children_seen\": [4, 5]}."},
        },
        ["made_at", "by", "note", "old"],
    )
    flag = obj(
        {
            "id": ID,
            "family_id": ID,
            "rule": {"type": "string", "enum": list(FLAG_RULES)},
            "severity": {"type": "string", "enum": list(SEVERITIES)},
            "message": {"type": "string", "description": "Why, in plain words."},
            "raised_at": INSTANT,
            "raised_on": DATE,
            "status": {"type": "string", "enum": list(FLAG_STATUSES)},
            "acknowledged_at": nullable(INSTANT),
            "resolved_at": nullable(INSTANT),
            "resolution": nullable({"type": "string"}),
        },
        ["id", "family_id", "rule", "severity", "message", "raised_at", "status",
         "acknowledged_at", "resolved_at", "resolution"],
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
            "next_step": nullable({"type": "string", "description": "The next step agreed with "
                                   "the family (shown on their printed plan)."}),
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
        "next_step": nullable({"type": "string", "maxLength": NEXT_STEP_LIMIT, "description":
                               "The next step agreed with the family, in their words: the one "
                               "free text of a goal the parents' printed plan shows."}),
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
            "pending_closure": nullable(ref("PendingClosure")),
            "previous_family_id": nullable(ID),
            "referral_date": DATE,
            "referral_source": nullable({"type": "string"}),
            "worker": nullable(ref("Person")),
            "team": ref("Team"),
            "children": {"type": "array", "items": ref("Child")},
            "carers": {"type": "array", "items": ref("Carer")},
            "goals": {"type": "array", "items": ref("Goal")},
            "next_review_due": nullable(DATE),
            "open_flags": {"type": "array", "items": ref("Flag"),
                           "description": "Open and acknowledged flags, most severe first."},
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
            "open_flags": {"type": "array", "items": ref("Flag")},
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
            "corrections": {"type": "array", "items": ref("Correction"),
                            "description": "Oldest first."},
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
            "children_seen": {"type": "array", "items": ID, "maxItems": limits.MAX_CHILDREN_SEEN,
                              "description": "Children of this family seen (completed visits only)."},
            "seen_alone": {"type": "array", "items": ID, "maxItems": limits.MAX_CHILDREN_SEEN,
                           "description": "Children seen on their own (they count as seen)."},
            "goals_discussed": {"type": "array", "items": ID, "maxItems": limits.MAX_GOALS_DISCUSSED},
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
            "pending_approval": {
                "type": "boolean",
                "description": "A closing decision waiting for the manager's approval; the "
                "review counts as held for the schedule meanwhile.",
            },
            "version": VERSION,
        },
        ["id", "family_id", "held_on", "decision", "reason", "attendees", "notes",
         "recorded_by", "pending_approval", "version"],
    )
    review_input = obj(
        {
            "held_on": {**DATE, "description": "Not in the future, not before opened_on; a "
                        "closing decision not before phase_since."},
            "decision": {"type": "string", "enum": list(REVIEW_DECISIONS),
                         "description": "step_up, step_down and close close the family (or, "
                         "for a worker when closure approval is on, propose it)."},
            "reason": nullable({"type": "string", "enum": list(CLOSURE_REASONS),
                                "description": "Required for close; step_up and step_down are "
                                "their own reasons."}),
            "attendees": {"type": "string", "maxLength": 4000},
            "notes": {"type": "string", "maxLength": 20000},
        },
        ["held_on", "decision"],
    )
    team_ref = ref("Team")
    transfer = obj(
        {
            "id": ID,
            "family_id": ID,
            "reference": {"type": "string"},
            "from_team": team_ref,
            "to_team": team_ref,
            "reason": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "accepted", "declined"]},
            "requested_at": INSTANT,
            "requested_by": ref("Person"),
            "decided_at": nullable(INSTANT),
            "comment": nullable({"type": "string"}),
        },
        ["id", "family_id", "reference", "from_team", "to_team", "reason", "status",
         "requested_at"],
    )
    by_phase = obj({phase: {"type": "integer"} for phase in OPEN_PHASES})
    load_props = {
        "open_families": {"type": "integer"},
        "by_phase": by_phase,
        "weighted_load": {"type": "number", "description": "Families weighted by phase, "
                          "plus high flags."},
        "overdue_reviews": {"type": "integer"},
        "open_flags": {"type": "integer"},
        "open_flags_by_severity": obj({name: {"type": "integer"} for name in SEVERITIES}),
        "families_with_child_not_seen": {"type": "integer"},
        "visits_last_28_days": {"type": "integer"},
        "longest_days_since_visit": nullable({"type": "integer"}),
    }
    worker_load = obj(
        {"id": {"type": "integer", "minimum": 0, "description": "0 for unallocated families."},
         "name": {"type": "string"}, **load_props},
        ["id", "name", "open_families", "by_phase", "overdue_reviews", "open_flags"],
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
                "phase move that is not allowed, a list longer than its maxItems); fields name "
                "the problems."),
            "TooLarge": error_response(
                f"The request body is over {current_app.config['MAX_CONTENT_LENGTH']:,} bytes: refused "
                "before it is read, signed in or not."),
        },
        "schemas": {
            "Error": error_schema,
            "TokenRequest": obj({"email": {"type": "string", "format": "email"},
                                 "password": {"type": "string", "format": "password"},
                                 "totp_code": {"type": "string",
                                               "description": "The current 6-digit code from the "
                                               "authenticator app: required for a user with two-step "
                                               "sign-in, ignored for others. A code is accepted once."}},
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
                        **ID, "description": "An earlier case of the same family, in any team: one "
                        "holding a child with the same first name (any case) and date of birth as one "
                        "of children. Any other id answers 422, the same as an unknown one."}),
                    "children": {"type": "array", "items": ref("ChildInput"), "minItems": 1,
                                 "maxItems": limits.MAX_CHILDREN},
                    "carers": {"type": "array", "items": ref("CarerInput"), "maxItems": limits.MAX_CARERS},
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
            "GoalInput": obj(goal_input_props, [name for name in goal_input_props if name != "next_step"]),
            "GoalUpdate": obj(
                {**goal_input_props, "status": {"type": "string", "enum": list(GOAL_STATUSES)},
                 "reason": {"type": "string", "maxLength": NOTE_LIMIT, "description":
                            "Why the status changes (say, why a goal is withdrawn): kept and shown "
                            "in the chronology."},
                 "version": VERSION},
                description="Any goal field; those left out keep their values.",
            ),
            "GoalList": items_of("Goal"),
            "Visit": visit,
            "VisitInput": visit_input,
            "VisitList": items_of("Visit"),
            "Review": review,
            "ReviewInput": review_input,
            "ReviewList": items_of("Review", next_due=nullable(DATE)),
            "PendingClosure": obj(
                {"proposed_on": {**DATE, "description": "The date of the review or move that "
                                 "proposed it; the family's closed_on once approved."},
                 "reason": {"type": "string", "enum": list(CLOSURE_REASONS)},
                 "by": ref("Person"),
                 "note": nullable({"type": "string"}),
                 "review_id": nullable(ID)},
                ["proposed_on", "reason", "by"],
            ),
            "PendingFamily": {"allOf": [
                obj({"pending_approval": {"type": "boolean", "enum": [True]}},
                    ["pending_approval"]),
                ref("Family"),
            ]},
            "ClosureReturn": obj(
                {"comment": {"type": "string", "description": "Why; the worker is told."},
                 "version": VERSION},
                ["comment"],
            ),
            "ClosureApproval": obj({"version": VERSION}),
            "Reopening": obj({"note": {"type": "string"}, "version": VERSION}, ["note"]),
            "ChronologyEntry": obj(
                {"date": DATE,
                 "kind": {"type": "string", "enum": list(chronology_service.KINDS)},
                 "summary": {"type": "string"},
                 "ref_id": {**ID, "description": "The id of the record: the family (referral), "
                            "visit, phase move, review, goal, rating, assessment, correction, "
                            "flag or allocation."},
                 "by": nullable({**ref("Person"), "description": "Who recorded it; null for "
                                 "the system's own entries (a flag raised or cleared by the rules)."})},
                ["date", "kind", "summary", "ref_id", "by"],
            ),
            "Chronology": items_of("ChronologyEntry"),
            "ChildMatch": obj(
                {"family_id": ID, "reference": {"type": "string"},
                 "phase": {"type": "string", "enum": list(PHASE_ORDER)},
                 "closed_on": nullable(DATE)},
                ["family_id", "reference", "phase", "closed_on"],
            ),
            "ChildMatchList": items_of("ChildMatch"),
            "Correction": correction,
            "VisitCorrection": obj(
                {**visit_input["properties"], "version": VERSION,
                 "correction_note": {"type": "string", "description": "What was wrong."}},
                ["correction_note"],
                description="Any visit field; those left out keep their values. At least one "
                "must change.",
            ),
            "RatingCorrection": obj(
                {"date": DATE, "rating": RATING, "note": {"type": "string", "maxLength": 4000},
                 "version": VERSION,
                 "correction_note": {"type": "string", "description": "What was wrong."}},
                ["correction_note"],
            ),
            "CorrectedRating": {"allOf": [ref("Rating"), obj(
                {"corrections": {"type": "array", "items": ref("Correction")}},
                ["corrections"])]},
            "Flag": flag,
            "FlagList": items_of("Flag"),
            "FlagResolution": obj({"note": {"type": "string", "description": "What was decided."}},
                                  ["note"]),
            "Notification": obj(
                {"id": ID,
                 "kind": {"type": "string", "example": "review_due", "description":
                          "review_due, review_overdue, flag_raised, flag_escalated, allocated, "
                          "family_reallocated (to the previous worker), "
                          "closure_proposed, closure_approved, closure_returned, "
                          "transfer_offered, transfer_accepted, transfer_declined, ..."},
                 "family_id": nullable(ID),
                 "message": {"type": "string", "description": "Names a family by reference only."},
                 "created_at": INSTANT,
                 "read": {"type": "boolean"},
                 "read_at": nullable(INSTANT)},
                ["id", "kind", "family_id", "message", "created_at", "read"],
            ),
            "NotificationList": items_of("Notification", unread_count={"type": "integer"}),
            "WorkerLoad": worker_load,
            "Caseload": obj(
                {"workers": {"type": "array", "items": ref("WorkerLoad"),
                             "description": "Active workers of the team by name, then "
                             "unallocated families (id 0) if any."},
                 "totals": obj(load_props)},
                ["workers", "totals"],
            ),
            "AllocationInput": obj(
                {"worker_id": nullable({**ID, "description": "An active worker of the team; "
                                        "null leaves the family unallocated."}),
                 "reason": {"type": "string"}, "version": VERSION},
                ["worker_id"],
            ),
            "TransferRequest": obj(
                {"to_team_id": ID, "reason": {"type": "string"}, "version": VERSION},
                ["to_team_id", "reason"],
            ),
            "Transfer": transfer,
            "TransferList": items_of("Transfer"),
            "TransferAcceptance": obj(
                {"worker_id": nullable({**ID, "description": "An active worker of the receiving "
                                        "team; left out or null: unallocated."})},
            ),
            "TransferDecline": obj({"comment": {"type": "string"}}, ["comment"]),
            "Health": obj({"status": {"type": "string", "example": "ok"}}, ["status"]),
            "PasswordChange": obj({"current_password": {"type": "string", "format": "password"},
                                   "new_password": {"type": "string", "format": "password"}},
                                  ["current_password", "new_password"]),
            **users_schemas(obj, ref, nullable, ID),
        },
    }


def paths() -> dict:
    family_id = path_id("family_id", "family")
    goal_id = path_id("goal_id", "goal")
    visit_id = path_id("visit_id", "visit")
    rating_id = path_id("rating_id", "rating")
    flag_id = path_id("flag_id", "flag")
    notification_id = path_id("notification_id", "notification")
    transfer_id = path_id("transfer_id", "transfer")
    manager_errors = {**WRITE_ERRORS, "403": answer(
        "An admin, or the family's own worker: only a manager may do this.", "Error")}
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
                "401": answer("Wrong e-mail or password; or, for a user with two-step sign-in, "
                              "totp_code missing, wrong or already used (fields names totp_code).",
                              "Error"),
                "403": answer("The password is right but the account is pending (waiting for a manager "
                              "to confirm it) or deactivated; or an administrator without two-step "
                              "sign-in, when the service requires it of administrators.", "Error"),
                "422": error("Unprocessable"),
                "429": answer("Too many failed attempts (passwords or codes) for the account or "
                              "the address: try again later.", "Error"),
            }, tag="auth", body=json_body("TokenRequest"), public=True,
                description="A user with two-step sign-in sends the current code from their "
                "authenticator app in totp_code; a wrong code counts towards the same limit as a "
                "wrong password."),
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
        "/api/v1/me/password": {
            "post": operation("changePassword", "Change the caller's own password", {
                "204": answer("Changed. Every other session and token of the caller has ended; this token "
                              "continues."),
                "400": error("BadRequest"), "401": error("Unauthorised"),
                "422": answer("The current password is not right, or the new one is too weak.", "Error"),
                "429": answer("Too many wrong current passwords (the fifth in 15 minutes): every session and "
                              "token of the caller has ended, this one too.", "Error"),
            }, tag="auth", body=json_body("PasswordChange"), description="A wrong current password counts "
                "towards the same lock as a wrong password at sign-in."),
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
                "200": answer("The family, in its new phase.", "Family"),
                "202": answer("A worker's closing, waiting for the manager's approval (when "
                              "closure approval is on): the family, still open, with "
                              "pending_approval true and pending_closure set.", "PendingFamily"),
                **WRITE_ERRORS,
            }, tag="families", body=json_body("PhaseMove"),
                description="Moving to making_changes needs consent and an active goal; "
                "moving back needs a note; closing needs a reason and, for a worker, the "
                "family to be in moving_on, and is never dated before the family's latest "
                "visit, rating, review, assessment or phase move. A refused move answers 422 "
                "with the reason; a closing while another is waiting for approval answers 409."),
        },
        "/api/v1/families/{family_id}/closure/approve": {
            "parameters": [family_id],
            "post": operation("approveClosure", "Approve the closure waiting for approval", {
                "200": answer("The family, now closed on the proposal's date.", "Family"),
                **manager_errors,
                "422": answer("The proposal's date is before the family's latest visit, rating, review, "
                              "assessment or phase move (return it instead), or the family is closed.",
                              "Error"),
                "409": answer("No closure is waiting for approval, or the version is stale.",
                              "Error"),
            }, tag="closure", body=json_body("ClosureApproval", required=False)),
        },
        "/api/v1/families/{family_id}/closure/return": {
            "parameters": [family_id],
            "post": operation("returnClosure", "Return a proposed closure to the worker", {
                "200": answer("The family, still open; the proposal is withdrawn and the "
                              "worker notified.", "Family"),
                **manager_errors,
                "409": answer("No closure is waiting for approval, or the version is stale.",
                              "Error"),
            }, tag="closure", body=json_body("ClosureReturn")),
        },
        "/api/v1/families/{family_id}/reopen": {
            "parameters": [family_id],
            "post": operation("reopenFamily", "Reopen a closed family", {
                "200": answer("The family, back in engagement from today; closed_on and "
                              "closure_reason cleared.", "Family"),
                **manager_errors,
            }, tag="closure", body=json_body("Reopening"),
                description="422 when the family is not closed or the note is missing."),
        },
        "/api/v1/families/{family_id}/allocation": {
            "parameters": [family_id],
            "post": operation("allocateFamily", "Allocate the family to a worker of the team", {
                "200": answer("The family; the allocation is kept with who, when and why, "
                              "and the new worker is notified.", "Family"),
                **manager_errors,
            }, tag="allocation", body=json_body("AllocationInput"),
                description="422 for a worker outside the team, inactive, or already holding "
                "the family."),
        },
        "/api/v1/families/{family_id}/transfer": {
            "parameters": [family_id],
            "post": operation("requestTransfer", "Offer the family to another team", {
                "201": answer("The transfer, pending until the receiving manager decides; "
                              "the family stays with this team meanwhile.", "Transfer"),
                **manager_errors,
                "409": answer("A transfer of this family is already waiting, or the version "
                              "is stale.", "Error"),
            }, tag="allocation", body=json_body("TransferRequest")),
        },
        "/api/v1/transfers": {
            "get": operation("listTransfers", "Transfers offered to the caller's team", {
                "200": answer("Pending transfers, oldest first.", "TransferList"),
                "401": error("Unauthorised"),
                "403": answer("Not a manager.", "Error"),
            }, tag="allocation"),
        },
        "/api/v1/transfers/{transfer_id}/accept": {
            "parameters": [transfer_id],
            "post": operation("acceptTransfer", "Accept a family into the team", {
                "200": answer("The family, now this team's.", "Family"),
                **{k: v for k, v in WRITE_ERRORS.items() if k != "409"},
                "403": answer("Not a manager.", "Error"),
                "404": answer("No pending transfer to the caller's team has this id.", "Error"),
            }, tag="allocation", body=json_body("TransferAcceptance", required=False)),
        },
        "/api/v1/transfers/{transfer_id}/decline": {
            "parameters": [transfer_id],
            "post": operation("declineTransfer", "Decline a family offered to the team", {
                "200": answer("The transfer, declined; the sending manager is notified.",
                              "Transfer"),
                **{k: v for k, v in WRITE_ERRORS.items() if k != "409"},
                "403": answer("Not a manager.", "Error"),
                "404": answer("No pending transfer to the caller's team has this id.", "Error"),
            }, tag="allocation", body=json_body("TransferDecline")),
        },
        "/api/v1/families/{family_id}/chronology": {
            "parameters": [family_id],
            "get": operation("chronology", "Everything recorded about the family, newest first", {
                "200": answer("The chronology.", "Chronology"),
                **CASE_ERRORS,
                "422": error("Unprocessable"),
            }, tag="families", parameters=[
                query("kind", "Only entries of this kind.",
                      {"type": "string", "enum": list(chronology_service.KINDS)}),
            ], description="A correction appears on the day it was made."),
        },
        "/api/v1/children/matches": {
            "get": operation("childMatches", "Cases across the service that know this child", {
                "200": answer("Matching cases, by reference only (no names, no details).",
                              "ChildMatchList"),
                **LIST_ERRORS,
                "429": answer(f"{child_search.SEARCH_LIMIT} searches by this user in the last "
                              f"{child_search.SEARCH_WINDOW.seconds // 60} minutes: try again later.", "Error"),
            }, tag="families", parameters=[
                {**query("first_name", "The child's first name (any case).", {"type": "string"}),
                 "required": True},
                {**query("date_of_birth", "The child's date of birth.", DATE), "required": True},
            ], description="For linking a new referral to an earlier case with "
                "previous_family_id, also one in another team. Each search is audited (who, when, "
                "how many matches; never the name or date asked about)."),
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
            "get": operation("getVisit", "One visit, with its corrections", {
                "200": answer("The visit.", "Visit"), **CASE_ERRORS,
            }, tag="visits"),
            "patch": operation("correctVisit", "Correct a visit, keeping what it said", {
                "200": answer("The corrected visit; the old values are in corrections.",
                              "Visit"),
                **WRITE_ERRORS,
            }, tag="visits", body=json_body("VisitCorrection"),
                description="The corrected visit is checked as a new one would be. 422 "
                "without a correction_note, when nothing changes, or for a closed family."),
        },
        "/api/v1/ratings/{rating_id}": {
            "parameters": [rating_id],
            "patch": operation("correctRating", "Correct a progress rating, keeping what it said", {
                "200": answer("The corrected rating, with its corrections.", "CorrectedRating"),
                **WRITE_ERRORS,
            }, tag="goals", body=json_body("RatingCorrection")),
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
            "post": operation("holdReview", "Record a review of the family plan", {
                "201": answer("The review. A closing decision closes the family on the day "
                              "held; a worker's waits for approval when closure approval is on "
                              "(pending_approval true).", "Review"),
                **WRITE_ERRORS,
            }, tag="reviews", body=json_body("ReviewInput")),
        },
        "/api/v1/flags": {
            "get": operation("listFlags", "Flags on the caller's families", {
                "200": answer("Flags, open before resolved, most severe and oldest first.",
                              "FlagList"),
                **LIST_ERRORS,
            }, tag="flags", parameters=[
                query("status", "open (acknowledged included) or resolved.",
                      {"type": "string", "enum": ["open", "resolved"]}),
                query("family_id", "Only this family's flags.", ID),
            ], description="A worker sees their families' flags; a manager their team's."),
        },
        "/api/v1/flags/{flag_id}/acknowledge": {
            "parameters": [flag_id],
            "post": operation("acknowledgeFlag", "Acknowledge a flag: someone has seen it", {
                "200": answer("The flag, acknowledged (still open).", "Flag"),
                **{k: v for k, v in WRITE_ERRORS.items() if k not in ("400", "409")},
            }, tag="flags", description="422 when the flag is already resolved, or its family is "
                "closed (a closed family's record is read-only)."),
        },
        "/api/v1/flags/{flag_id}/resolve": {
            "parameters": [flag_id],
            "post": operation("resolveFlag", "Resolve a flag with what was decided", {
                "200": answer("The flag, resolved.", "Flag"),
                **{k: v for k, v in WRITE_ERRORS.items() if k != "409"},
                "403": answer("An admin or a worker: only a manager resolves flags.", "Error"),
            }, tag="flags", body=json_body("FlagResolution"),
                description="422 without a note, when the flag is already resolved, or when its "
                "family is closed."),
        },
        "/api/v1/notifications": {
            "get": operation("listNotifications", "The caller's own notifications, newest first", {
                "200": answer("Notifications.", "NotificationList"),
                "401": error("Unauthorised"),
                "422": error("Unprocessable"),
            }, tag="notifications", parameters=[
                query("unread", "1: only unread ones.", {"type": "string", "enum": ["0", "1"]}),
            ]),
        },
        "/api/v1/notifications/{notification_id}/read": {
            "parameters": [notification_id],
            "post": operation("readNotification", "Mark one of the caller's notifications read", {
                "200": answer("The notification.", "Notification"),
                "401": error("Unauthorised"),
                "404": answer("Unknown, or someone else's.", "Error"),
            }, tag="notifications"),
        },
        "/api/v1/caseload": {
            "get": operation("caseload", "The team's caseloads, per worker", {
                "200": answer("Per worker, and totals for the team.", "Caseload"),
                "401": error("Unauthorised"),
                "403": answer("Not a manager.", "Error"),
            }, tag="caseload"),
        },
        **_report_paths(),
        **records_paths(operation, answer, path_id, query, error),
        **partner_paths(operation, answer, path_id, error),
        **users_paths(operation, answer, path_id, query, error, json_body),
    }


def _report_paths() -> dict:
    """The reports (views/api/reports.py): managers their team, admins the whole service."""
    period = [
        query("from", "First day (YYYY-MM-DD). Both missing: the last full calendar quarter; "
              "only to: from the first day of its quarter.", {"type": "string", "format": "date"}),
        query("to", f"Last day (YYYY-MM-DD), at most {MAX_YEARS} years on from from (422 beyond). "
              "Only from: up to today.", {"type": "string", "format": "date"}),
    ]
    months = [
        query("from", "The first day of a month (YYYY-MM-DD; 422 otherwise). Both missing: the last "
              "full calendar quarter; only to: from the first day of its quarter.",
              {"type": "string", "format": "date"}),
        query("to", f"The last day of a month (YYYY-MM-DD; 422 otherwise), at most {MAX_YEARS} years on "
              "from from. Only from: to the end of this month.", {"type": "string", "format": "date"}),
    ]
    pct = nullable({"type": "number"})
    count = {"type": "integer"}
    area = obj({"area": {"type": "string"}, "goals": count, "improved": count, "pct_improved": pct,
                "families": count, "families_improved": count, "pct_families_improved": pct,
                "children": count, "children_improved": count, "pct_children_improved": pct},
               ["area", "goals", "improved", "pct_improved"])
    outcomes = obj({
        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
        "families_closed": count, "children": count,
        "goals": obj({"total": count, "achieved": count, "pct_achieved": pct}, ["total", "achieved", "pct_achieved"]),
        "areas": {"type": "array", "items": area},
        "median_weeks_in_service": pct,
        "median_weeks_in_phase": {"type": "object", "additionalProperties": pct},
        "expected_weeks": {"type": "object", "additionalProperties": count},
        "closure_reasons": {"type": "object", "additionalProperties": count},
        "assessment_domains": {"type": "array", "items": obj({
            "framework": {"type": "string"}, "domain": {"type": "string"}, "label": {"type": "string"},
            "families": count, "improved": count, "pct_improved": pct,
            "children": count, "children_improved": count, "pct_children_improved": pct},
            description="Families whose latest family assessment is better than their first (direction-aware), "
                        "and the children of those families")},
        "child_assessment_domains": {"type": "array", "items": obj({
            "framework": {"type": "string"}, "domain": {"type": "string"}, "label": {"type": "string"},
            "children": count, "improved": count, "pct_improved": pct},
            description="Children assessed on their own: latest better than first (direction-aware)")},
        "data_completeness": obj({"families_closed": count, "with_first_and_closing_assessment": count, "pct": pct}),
    }, ["from", "to", "families_closed", "children", "goals", "areas", "median_weeks_in_service", "closure_reasons"])
    local_area = obj({
        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
        "rows": {"type": "array", "items": obj({
            "district": {"type": "string"}, "concern": {"type": "string"},
            "count": nullable({"type": "integer", "description": "null when suppressed (1 to 4); in an "
                               "admin's answer, 5 or more rounded to the nearest 5; a manager's own team: exact"}),
            "suppressed": {"type": "boolean"}}, ["district", "concern", "count", "suppressed"])},
    }, ["from", "to", "rows"])
    errors = {"401": error("Unauthorised"), "403": answer("A worker: reports are for managers and admins.", "Error"),
              "422": error("Unprocessable")}
    return {
        "/api/v1/reports/outcomes": {
            "get": operation("reportOutcomes", "Outcomes of the families closed in a period", {
                "200": answer("Families closed in [from, to]: goals, areas, weeks, reasons.", outcomes),
                **errors,
            }, tag="reports", parameters=period),
        },
        "/api/v1/reports/local-area": {
            "get": operation("reportLocalArea", "Families referred in a period by district and concern", {
                "200": answer("District x concern cells; counts from 1 to 4 suppressed; an admin's "
                              "rounded to the nearest 5.", local_area),
                **errors,
            }, tag="reports", parameters=months,
                description="Periods are whole months: from the 1st of a month to a month's last day."),
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
            "[messages]}}. Writes take an optional version and answer 409 when it is stale. "
            "Every POST accepts an Idempotency-Key header (1 to 255 characters): the same key "
            "from the same user with the same body within 24 hours answers the same status and "
            "body again and creates nothing more; the same key with another body answers 422. "
            "Text longer than a field's limit answers 422 naming the field; nothing is cut.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name} for name in
                 ("auth", "families", "closure", "allocation", "visits", "goals", "reviews",
                  "flags", "notifications", "caseload", "reports", "accounts", "service")],
        "paths": paths(),
        "components": components(list(current_app.config["CASEWORK_GOAL_AREAS"])),
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
