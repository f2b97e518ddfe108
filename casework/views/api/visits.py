"""Visits to a family, and which children were seen; correcting a visit keeps what it said."""
from __future__ import annotations

from flask import jsonify, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import VisitCorrectionForm, VisitForm
from ...models import Correction, Goal, Visit
from ...services import scope
from ...services.corrections import correct_visit
from ...services.families import check_version, ensure_open
from ...services.visits import log_visit
from . import bp, schemas
from .core import (
    api_now,
    case_user,
    check_form,
    created,
    read_body,
    read_version,
)
from .families import family_in_scope

VISIT_FIELDS = ("date", "kind", "outcome", "duration_minutes", "children_seen", "seen_alone", "goals_discussed",
                "notes")
ID_LISTS = ("children_seen", "seen_alone", "goals_discussed")

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
    corrections = corrections_of("visit", [v.id for v in visits])
    return jsonify(schemas.visit_list(visits, corrections))


def corrections_of(record_type: str, record_ids: list[int]) -> dict[int, list[Correction]]:
    """The corrections of these records, oldest first, with who made them: one query."""
    found: dict[int, list[Correction]] = {record_id: [] for record_id in record_ids}
    if record_ids:
        for correction in db.session.scalars(
            select(Correction)
            .where(Correction.record_type == record_type, Correction.record_id.in_(record_ids))
            .options(selectinload(Correction.by))
            .order_by(Correction.made_at, Correction.id)
        ):
            found[correction.record_id].append(correction)
    return found


def visit_payload(visit: Visit) -> dict:
    return schemas.visit(visit, corrections_of("visit", [visit.id])[visit.id])


@bp.post("/families/<int:family_id>/visits")
def create_visit(family_id: int):
    user = case_user()
    body = read_body(VisitForm)
    family = family_in_scope(family_id)
    ensure_open(family)
    goals = db.session.scalars(
        select(Goal).where(Goal.family_id == family.id).order_by(Goal.id)
    ).all()
    form = check_form(from_json(VisitForm, body).set_family(family, goals))
    data = {name: getattr(form, name).data for name in VISIT_FIELDS}
    begin_write()
    visit = log_visit(db.session, user, family, data, api_now())
    db.session.commit()
    return created(visit_payload(visit), url_for("api.get_visit", visit_id=visit.id))


@bp.get("/visits/<int:visit_id>")
def get_visit(visit_id: int):
    visit = scope.get_visit(db.session, case_user(), visit_id)
    return jsonify(visit_payload(visit))


def _current_values(visit: Visit) -> dict:
    """The visit as the JSON a client would send it."""
    return {
        "date": schemas.date(visit.date),
        "kind": visit.kind,
        "outcome": visit.outcome,
        "duration_minutes": visit.duration_minutes,
        "children_seen": visit.children_seen_ids,
        "seen_alone": visit.seen_alone_ids,
        "goals_discussed": [goal.id for goal in visit.goals_discussed],
        "notes": visit.notes,
    }


@bp.patch("/visits/<int:visit_id>")
def correct(visit_id: int):
    """Correct a visit: the merged visit is checked as a new one would be, and the values it
    replaces are kept with the note, who and when."""
    user = case_user()
    body = read_body(VisitCorrectionForm)
    visit = scope.get_visit(db.session, user, visit_id)
    version = read_version(body)
    check_version(visit, version)
    ensure_open(visit.family)
    sent = {name: body[name] for name in VISIT_FIELDS if name in body}
    goals = db.session.scalars(
        select(Goal).where(Goal.family_id == visit.family_id).order_by(Goal.id)
    ).all()
    form = from_json(VisitCorrectionForm, {**_current_values(visit), **body}).set_family(visit.family, goals)
    check_form(form)
    note = form.correction_note.data
    changes = {name: getattr(form, name).data for name in sent}
    for name in ID_LISTS:
        if name in changes:
            changes[name] = sorted(set(changes[name] or []))
    if "seen_alone" in changes and "children_seen" not in changes:
        # A child seen alone was seen: keep children_seen in step, as logging a visit does.
        changes["children_seen"] = sorted(set(visit.children_seen_ids) | set(changes["seen_alone"]))
    elif "children_seen" in changes:
        alone = changes.get("seen_alone", visit.seen_alone_ids)
        changes["children_seen"] = sorted(set(changes["children_seen"]) | set(alone))
    changes["version"] = version
    begin_write()
    correct_visit(db.session, user, visit, changes, note, api_now())
    db.session.commit()
    return jsonify(visit_payload(visit))
