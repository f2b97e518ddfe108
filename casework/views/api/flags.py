"""Escalation flags: the caller's flags (a worker's families, a manager's team), a worker or
manager acknowledging one, a manager resolving one with a note."""
from __future__ import annotations

from flask import jsonify

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.manager import ResolveFlagForm
from ...forms.queries import FlagListQuery
from ...services import flags as flag_service
from ...services.errors import Forbidden
from . import bp, schemas
from .core import api_now, case_user, check_form, read_body, read_query


@bp.get("/flags")
def list_flags():
    user = case_user()
    query = read_query(FlagListQuery)
    flags = flag_service.list_flags(db.session, user, status=query.status.data or None,
                                    family_id=query.family_id.data)
    return jsonify(schemas.flag_list(flags))


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
    form = check_form(from_json(ResolveFlagForm, read_body(ResolveFlagForm, optional=True)))
    begin_write()
    flag_service.resolve(db.session, user, flag, form.note.data, api_now())
    db.session.commit()
    return jsonify(schemas.flag(flag))
