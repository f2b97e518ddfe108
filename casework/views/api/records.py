"""Subject access exports over the API: ``GET /api/v1/families/{id}/subject-access`` and
``GET /api/v1/children/{id}/subject-access``, ``?redact=1`` to redact third parties.

Managers of the family's team only. Scope first, as the other manager decisions: anyone
outside the family's scope gets 404, then the family's own worker 403; an admin 403. Each
export is audited (action ``export``, format ``json``, via ``api``). The answer is the same
document as the page's JSON download (services/subject_access.py), sent as an attachment."""
from __future__ import annotations

from flask import request

from ...database import begin_write
from ...downloads import subject_access_json
from ...extensions import db
from ...services import scope, subject_access
from ...services.errors import Forbidden
from . import bp
from .core import api_now, case_user
from .families import family_in_scope

ONLY_MANAGERS = "Only a manager of the family's team can export its record."


def _manager() -> None:
    if not case_user().is_manager:
        raise Forbidden(ONLY_MANAGERS)


def _hand_over(export: dict, family_id: int, record_type: str, record_id: int, redact: bool):
    """The export as its JSON file, audited."""
    begin_write()
    subject_access.record_export(db.session, family_id, record_type, record_id, "json", redact, via="api")
    db.session.commit()
    return subject_access_json(export)


@bp.get("/families/<int:family_id>/subject-access")
def family_subject_access(family_id: int):
    family = family_in_scope(family_id)
    _manager()
    redact = subject_access.parse_redact(request.args.get("redact"))
    export = subject_access.family_export(db.session, family, redact=redact, now=api_now())
    return _hand_over(export, family_id, "family", family_id, redact)


@bp.get("/children/<int:child_id>/subject-access")
def child_subject_access(child_id: int):
    child = scope.get_child(db.session, case_user(), child_id)
    _manager()
    redact = subject_access.parse_redact(request.args.get("redact"))
    export = subject_access.child_export(db.session, child, redact=redact, now=api_now())
    return _hand_over(export, child.family_id, "child", child_id, redact)


def openapi_paths(operation, answer, path_id, query, error) -> dict:
    """This module's part of the OpenAPI document (views/api/openapi.py passes its helpers)."""
    errors = {"401": error("Unauthorised"),
              "403": answer("An admin, or a worker: only a manager of the family's team may export.", "Error"),
              "404": error("NotFound"), "422": error("Unprocessable")}
    redact = query("redact", "1 to redact third parties: staff by role only, other people's names "
                   "as [redacted]; 0 or absent: not redacted.", {"type": "string", "enum": ["0", "1"]})
    document = {"type": "object", "description": "subject, generated_at, redacted, notes, family, children, "
                "carers, concerns, phase_moves, visits, goals (with ratings), reviews, assessments, corrections, "
                "flags, allocations, transfers, closure_proposals, closure."}
    return {
        "/api/v1/families/{family_id}/subject-access": {
            "parameters": [path_id("family_id", "family")],
            "get": operation("familySubjectAccess", "Everything held about a family (subject access)", {
                "200": answer("The export, as an attachment.", document), **errors,
            }, tag="families", parameters=[redact], description="Audited as an export."),
        },
        "/api/v1/children/{child_id}/subject-access": {
            "parameters": [path_id("child_id", "child")],
            "get": operation("childSubjectAccess", "What is held about one child (subject access)", {
                "200": answer("The export, as an attachment: the child's details and the family's records "
                              "that concern the child; brothers and sisters are left out.", document), **errors,
            }, tag="families", parameters=[redact], description="Audited as an export."),
        },
    }
