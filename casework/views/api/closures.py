"""A manager's decisions on closing: approving or returning a worker's proposed closure, and
reopening a closed family. The family's own worker may see these answers refused (403); anyone
outside the family's scope gets 404 first."""
from __future__ import annotations

from flask import jsonify

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import ReopenForm
from ...forms.manager import ClosureApprovalForm, ReturnClosureForm
from ...models import Family
from ...services import closures as closure_service
from ...services.editing import check_version
from ...services.errors import Forbidden
from . import bp
from .core import api_now, case_user, check_form, read_body, read_version
from .families import family_in_scope, family_payload


def _family_for_decision(family_id: int, message: str, form_class) -> tuple[Family, object]:
    """The family in the caller's scope (404 outside it; 403 for an admin, and ``message``
    with 403 for a worker) and the body read through ``form_class``, the version the caller
    read checked (409 if stale)."""
    family = family_in_scope(family_id)
    if not case_user().is_manager:
        raise Forbidden(message)
    body = read_body(form_class, optional=True)
    check_version(family, read_version(body))
    form = check_form(from_json(form_class, body))
    begin_write()
    return family, form


@bp.post("/families/<int:family_id>/closure/approve")
def approve_closure(family_id: int):
    family, _form = _family_for_decision(family_id, "Only a manager can approve a closure.", ClosureApprovalForm)
    closure_service.approve_closure(db.session, case_user(), family, api_now())
    db.session.commit()
    return jsonify(family_payload(family))


@bp.post("/families/<int:family_id>/closure/return")
def return_closure(family_id: int):
    family, form = _family_for_decision(family_id, "Only a manager can return a closure.", ReturnClosureForm)
    closure_service.return_closure(db.session, case_user(), family, form.comment.data, api_now())
    db.session.commit()
    return jsonify(family_payload(family))


@bp.post("/families/<int:family_id>/reopen")
def reopen_family(family_id: int):
    family, form = _family_for_decision(family_id, "Only a manager can reopen a family.", ReopenForm)
    closure_service.reopen_family(db.session, case_user(), family, form.note.data, api_now())
    db.session.commit()
    return jsonify(family_payload(family))
