"""The Team Around the Family's part of the OpenAPI document (views/api/openapi.py passes its
helpers)."""
from __future__ import annotations

from ...models import PARTNER_KINDS, SHARING_SCOPES, ActionStatus, ConsentStatus

_DATE = {"type": "string", "format": "date"}
_IDS = {"type": "array", "items": {"type": "integer", "minimum": 1}}
_TEXT = {"type": "string"}
_PARTNER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "agency": _TEXT, "kind": {"type": "string", "enum": list(PARTNER_KINDS)},
    "contact_name": _TEXT, "email": {"type": "string", "nullable": True},
    "phone": {"type": "string", "nullable": True}, "lead": {"type": "boolean"}}}
_SCOPE = {"type": "array", "items": {"type": "string", "enum": list(SHARING_SCOPES)}}
_CONSENT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "given_by": _TEXT, "relationship": _TEXT, "given_on": _DATE, "partner_ids": _IDS,
    "scope": _SCOPE, "expires_on": {**_DATE, "nullable": True}, "child_view": {"type": "string", "nullable": True},
    "status": {"type": "string", "enum": [s.value for s in ConsentStatus]}}}
_ACTION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "owner": {"type": "object", "nullable": True}, "action": _TEXT, "due_on": _DATE,
    "status": {"type": "string", "enum": [s.value for s in ActionStatus]}, "note": {"type": "string",
                                                                                   "nullable": True}}}
_MEETING = {"type": "object", "properties": {
    "id": {"type": "integer"}, "held_on": _DATE, "attendee_partner_ids": _IDS, "family_attended": {"type": "boolean"},
    "notes": _TEXT, "actions": {"type": "array", "items": _ACTION}}}
_LOG = {"type": "object", "properties": {
    "at": {"type": "string", "format": "date-time"}, "partner_id": {"type": "integer", "nullable": True},
    "user": {"type": "object", "nullable": True}, "what": _TEXT, "consent_id": {"type": "integer", "nullable": True}}}


def _items(schema: dict) -> dict:
    return {"type": "object", "properties": {"items": {"type": "array", "items": schema}}}


def _body(properties: dict, required: list[str]) -> dict:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def openapi_paths(operation, answer, path_id, error) -> dict:
    read = {"401": error("Unauthorised"), "403": error("Forbidden"), "404": error("NotFound")}
    write = {**read, "400": error("BadRequest"), "422": error("Unprocessable")}
    family = path_id("family_id", "family")
    action_body = {"type": "array", "items": {"type": "object", "properties": {
        "owner_partner_id": {"type": "integer"}, "owner_user_id": {"type": "integer"}, "action": _TEXT,
        "due_on": _DATE}, "required": ["action", "due_on"]}}
    return {
        "/api/v1/families/{family_id}/partners": {
            "parameters": [family],
            "get": operation("listPartners", "The family's partners", {
                "200": answer("The partners.", _items(_PARTNER)), **read}, tag="families"),
            "post": operation("addPartner", "Add a partner (another agency) to the family", {
                "201": answer("The partner.", _PARTNER), **write}, tag="families", body=_body({
                    "agency": _TEXT, "kind": _PARTNER["properties"]["kind"], "contact_name": _TEXT,
                    "email": _TEXT, "phone": _TEXT, "lead": {"type": "boolean"}}, ["agency", "kind", "contact_name"])),
        },
        "/api/v1/families/{family_id}/consents": {
            "parameters": [family],
            "get": operation("listConsents", "The family's consents to share", {
                "200": answer("The consents, newest first.", _items(_CONSENT)), **read}, tag="families"),
            "post": operation("recordConsent", "Record the family's consent to share with named partners", {
                "201": answer("The consent.", _CONSENT), **write}, tag="families", body=_body({
                    "given_by": _TEXT, "relationship": _TEXT, "given_on": _DATE, "partner_ids": _IDS,
                    "scope": _SCOPE, "expires_on": _DATE, "child_view": _TEXT},
                    ["given_by", "relationship", "given_on", "partner_ids", "scope"])),
        },
        "/api/v1/consents/{consent_id}/withdraw": {
            "parameters": [path_id("consent_id", "consent")],
            "post": operation("withdrawConsent", "Withdraw a consent: nothing more is shared under it", {
                "200": answer("The consent, withdrawn.", _CONSENT), **write}, tag="families",
                body=_body({"date": _DATE, "note": _TEXT}, ["date"])),
        },
        "/api/v1/families/{family_id}/meetings": {
            "parameters": [family],
            "get": operation("listMeetings", "The family's Team Around the Family meetings", {
                "200": answer("The meetings, newest first.", _items(_MEETING)), **read}, tag="families"),
            "post": operation("recordMeeting", "Record a meeting and the actions agreed", {
                "201": answer("The meeting with its actions.", _MEETING), **write}, tag="families", body=_body({
                    "held_on": _DATE, "attendee_partner_ids": _IDS, "family_attended": {"type": "boolean"},
                    "notes": _TEXT, "actions": action_body}, ["held_on"])),
        },
        "/api/v1/actions/{action_id}": {
            "parameters": [path_id("action_id", "action")],
            "patch": operation("updateAction", "Mark an action done or open (a partner: only their own)", {
                "200": answer("The action.", _ACTION), **write, "409": error("Conflict")}, tag="families",
                body=_body({"status": _ACTION["properties"]["status"], "note": _TEXT, "version": {"type": "integer"}},
                           ["status"])),
        },
        "/api/v1/families/{family_id}/sharing-log": {
            "parameters": [family],
            "get": operation("sharingLog", "What partners read or received, under which consent", {
                "200": answer("The sharing log, newest first.", _items(_LOG)), **read}, tag="families"),
        },
        "/api/v1/families/{family_id}/handoff": {
            "parameters": [family],
            "get": operation("handoff", "The step-up package for children's social care", {
                "200": answer("family, children, concerns, chronology, goals, latest_assessment, voices, "
                              "open_flags, partners, consents.", {"type": "object"}), **read}, tag="families",
                description="Audited as an export."),
        },
    }
