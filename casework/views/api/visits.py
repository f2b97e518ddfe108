"""Visits to a family, and which children were seen; correcting a visit keeps what it said."""
from __future__ import annotations

from flask import jsonify, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import VisitForm
from ...forms.fields import NOTE_LIMIT
from ...models import Correction, Goal, Visit
from ...services import scope
from ...services.corrections import correct_visit
from ...services.editing import check_version, ensure_open
from ...services.errors import ValidationFailed
from ...services.visits import log_visit
from . import bp, schemas
from .core import (
    LIST,
    VALUE,
    api_now,
    body_text,
    case_user,
    check_form,
    created,
    read_body,
    read_version,
    summary_message,
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
ID_LISTS = ("children_seen", "seen_alone", "goals_discussed")
NOTE_MESSAGE = "Say what was wrong and why it is being corrected."

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
    return jsonify(items=[schemas.visit(v, corrections[v.id]) for v in visits])


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
    body = read_body(VISIT_SPEC)
    family = family_in_scope(family_id)
    ensure_open(family)
    goals = db.session.scalars(
        select(Goal).where(Goal.family_id == family.id).order_by(Goal.id)
    ).all()
    form = check_form(from_json(VisitForm, body).set_family(family, goals))
    data = {name: getattr(form, name).data for name in VISIT_SPEC}
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
    body = read_body(CORRECTION_SPEC)
    visit = scope.get_visit(db.session, user, visit_id)
    version = read_version(body)
    check_version(visit, version)
    ensure_open(visit.family)
    sent = {name: body[name] for name in VISIT_SPEC if name in body}
    goals = db.session.scalars(
        select(Goal).where(Goal.family_id == visit.family_id).order_by(Goal.id)
    ).all()
    form = from_json(VisitForm, {**_current_values(visit), **sent}).set_family(visit.family, goals)
    problems = {} if form.validate() else form.flat_errors()
    note = body_text(body, "correction_note", limit=NOTE_LIMIT)
    if not note:
        problems["correction_note"] = [NOTE_MESSAGE]
    if problems:
        raise ValidationFailed(summary_message(problems), problems)
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
