"""Escalation flags: the caller's flags (a worker's families, a manager's team), a worker or
manager acknowledging one, a manager resolving one with a note."""
from __future__ import annotations

from flask import jsonify, request

from ...database import begin_write
from ...extensions import db
from ...forms.fields import MAX_ID, NOTE_LIMIT
from ...services import flags as flag_service
from ...services.errors import Forbidden, ValidationFailed
from . import bp, schemas
from .core import VALUE, api_now, body_text, case_user, query_int, read_body

STATUSES = ("open", "resolved")


@bp.get("/flags")
def list_flags():
    user = case_user()
    status = (request.args.get("status") or "").strip() or None
    if status is not None and status not in STATUSES:
        message = "Choose a status: open or resolved."
        raise ValidationFailed(message, {"status": [message]})
    family_id = query_int(
        "family_id", None, minimum=1, maximum=MAX_ID, message="family_id must be a family's id."
    )
    flags = flag_service.list_flags(db.session, user, status=status, family_id=family_id)
    return jsonify(items=[schemas.flag(f) for f in flags])


@bp.post("/flags/<int:flag_id>/acknowledge")
def acknowledge_flag(flag_id: int):
    user = case_user()
    flag = flag_service.get_flag(db.session, user, flag_id)
    begin_write()
    flag_service.acknowledge(db.session, user, flag, api_now())
    db.session.commit()
    return jsonify(schemas.flag(flag))


@bp.post("/flags/<int:flag_id>/resolve")
def resolve_flag(flag_id: int):
    user = case_user()
    flag = flag_service.get_flag(db.session, user, flag_id)
    if not user.is_manager:
        raise Forbidden("Only a manager can resolve a flag.")
    body = read_body({"note": VALUE}, optional=True)
    begin_write()
    flag_service.resolve(db.session, user, flag, body_text(body, "note", limit=NOTE_LIMIT), api_now())
    db.session.commit()
    return jsonify(schemas.flag(flag))
