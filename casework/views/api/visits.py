"""Visits to a family, and which children were seen."""
from __future__ import annotations

from flask import jsonify, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...forms import from_json
from ...forms.case import VisitForm
from ...models import Goal, Visit
from ...services import scope
from ...services.families import ensure_open
from ...services.visits import log_visit
from . import bp, schemas
from .core import LIST, VALUE, api_now, case_user, check_form, created, read_body
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

VISIT_LOADING = (
    selectinload(Visit.children_seen),
    selectinload(Visit.goals_discussed),
    selectinload(Visit.recorded_by),
)


@bp.get("/families/<int:family_id>/visits")
def list_visits(family_id: int):
    family = family_in_scope(family_id)
    visits = db.session.scalars(
        select(Visit)
        .where(Visit.family_id == family.id)
        .options(*VISIT_LOADING)
        .order_by(Visit.date.desc(), Visit.id.desc())
    ).all()
    return jsonify(items=[schemas.visit(v) for v in visits])


@bp.post("/families/<int:family_id>/visits")
def create_visit(family_id: int):
    user = case_user()
    body = read_body(VISIT_SPEC)
    family = family_in_scope(family_id)
    ensure_open(family)
    goals = db.session.scalars(
        select(Goal).where(Goal.family_id == family.id).order_by(Goal.id)
    ).all()
    form = check_form(from_json(VisitForm, body).set_family(family, goals))
    data = {name: getattr(form, name).data for name in VISIT_SPEC}
    visit = log_visit(db.session, user, family, data, api_now())
    db.session.commit()
    return created(schemas.visit(visit), url_for("api.get_visit", visit_id=visit.id))


@bp.get("/visits/<int:visit_id>")
def get_visit(visit_id: int):
    visit = scope.get_visit(db.session, case_user(), visit_id)
    return jsonify(schemas.visit(visit))
