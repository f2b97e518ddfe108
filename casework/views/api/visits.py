"""Visits to a family, and which children were seen; correcting a visit keeps what it said."""
from __future__ import annotations

from flask import jsonify, url_for

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import VisitForm
from ...models import Visit
from ...services import scope
from ...services import visits as visits_service
from ...services.corrections import correct_visit, corrections_of
from ...services.editing import check_version, ensure_open
from . import bp, schemas
from .core import (
    LIST,
    VALUE,
    api_now,
    case_user,
    check_form,
    created,
    read_body,
    read_correction,
    read_version,
)
from .families import family_in_scope

VISIT_SPEC = {
    "date": VALUE,
    "kind": VALUE,
    "outcome": VALUE,
    "duration_minutes": VALUE,
    "children_seen": LIST,
    "seen_alone": LIST,
    "goals_discussed": LIST,
    "notes": VALUE,
}

CORRECTION_SPEC = {**VISIT_SPEC, "version": VALUE, "correction_note": VALUE}


@bp.get("/families/<int:family_id>/visits")
def list_visits(family_id: int):
    visits = visits_service.visit_history(db.session, family_in_scope(family_id))
    corrections = corrections_of(db.session, "visit", [v.id for v in visits])
    return jsonify(items=[schemas.visit(v, corrections[v.id]) for v in visits])


def visit_payload(visit: Visit) -> dict:
    return schemas.visit(visit, corrections_of(db.session, "visit", [visit.id])[visit.id])


@bp.post("/families/<int:family_id>/visits")
def create_visit(family_id: int):
    user = case_user()
    body = read_body(VISIT_SPEC)
    family = family_in_scope(family_id)
    ensure_open(family)
    form = check_form(from_json(VisitForm, body).set_family(family))
    begin_write()
    visit = visits_service.log_visit(db.session, user, family, form.visit_data(), api_now())
    db.session.commit()
    return created(visit_payload(visit), url_for("api.get_visit", visit_id=visit.id))


@bp.get("/visits/<int:visit_id>")
def get_visit(visit_id: int):
    visit = scope.get_visit(db.session, case_user(), visit_id)
    return jsonify(visit_payload(visit))


@bp.patch("/visits/<int:visit_id>")
def correct(visit_id: int):
    """Correct a visit: the merged visit is checked as a new one would be, and the values it
    replaces are kept with the note, who and when."""
    user = case_user()
    body = read_body(CORRECTION_SPEC)
    visit = scope.get_visit(db.session, user, visit_id)
    version = read_version(body)
    check_version(visit, version)
    ensure_open(visit.family)
    sent = {name: body[name] for name in VISIT_SPEC if name in body}
    form = from_json(VisitForm, {**visits_service.visit_values(visit), **sent}).set_family(visit.family)
    changes, note = read_correction(form, body, sent)
    changes["version"] = version
    begin_write()
    correct_visit(db.session, user, visit, changes, note, api_now())
    db.session.commit()
    return jsonify(visit_payload(visit))
