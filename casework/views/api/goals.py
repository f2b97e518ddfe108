"""The family plan: goals, progress ratings and goal status."""
from __future__ import annotations

from flask import jsonify

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import GoalForm, RatingForm
from ...forms.fields import NOTE_LIMIT
from ...services import goals as goal_service
from ...services import scope
from ...services.corrections import correct_rating, corrections_of, rating_values
from ...services.editing import check_version, ensure_open
from . import bp, schemas
from .core import (
    VALUE,
    api_now,
    body_text,
    case_user,
    check_form,
    created,
    read_body,
    read_correction,
    read_version,
)
from .families import family_in_scope

GOAL_SPEC = {name: VALUE for name in goal_service.GOAL_FIELDS + ("next_step",)}
GOAL_EDIT_SPEC = {**GOAL_SPEC, "status": VALUE, "version": VALUE, "reason": VALUE}
RATING_SPEC = {"date": VALUE, "rating": VALUE, "note": VALUE}
RATING_CORRECTION_SPEC = {**RATING_SPEC, "version": VALUE, "correction_note": VALUE}


@bp.get("/families/<int:family_id>/goals")
def list_goals(family_id: int):
    goals = goal_service.family_goals(db.session, family_in_scope(family_id))
    return jsonify(items=[schemas.goal(g) for g in goals])


@bp.post("/families/<int:family_id>/goals")
def create_goal(family_id: int):
    body = read_body(GOAL_SPEC)
    family = family_in_scope(family_id)
    ensure_open(family)
    form = check_form(from_json(GoalForm, body))
    data = {name: getattr(form, name).data for name in GOAL_SPEC}
    begin_write()
    goal = goal_service.agree_goal(db.session, family, data, api_now(), case_user())
    db.session.commit()
    return created(schemas.goal(goal))


@bp.patch("/goals/<int:goal_id>")
def update_goal(goal_id: int):
    body = read_body(GOAL_EDIT_SPEC)
    goal = scope.get_goal(db.session, case_user(), goal_id)
    version = read_version(body)
    check_version(goal, version)
    ensure_open(goal.family)
    reason = body_text(body, "reason", limit=NOTE_LIMIT)
    merged = {**goal_service.goal_values(goal), **{k: v for k, v in body.items() if k in GOAL_SPEC or k == "status"}}
    form = check_form(from_json(GoalForm, merged))
    changes = {name: getattr(form, name).data for name in body if name in GOAL_SPEC or name == "status"}
    changes["version"] = version
    changes["reason"] = reason
    begin_write()
    goal_service.update_goal(db.session, goal, changes, api_now(), case_user())
    db.session.commit()
    return jsonify(schemas.goal(goal))


@bp.post("/goals/<int:goal_id>/progress")
def rate_progress(goal_id: int):
    user = case_user()
    body = read_body(RATING_SPEC)
    goal = scope.get_goal(db.session, user, goal_id)
    ensure_open(goal.family)
    form = check_form(from_json(RatingForm, body))
    begin_write()
    entry = goal_service.rate_progress(
        db.session, user, goal, form.date.data, form.rating.data, form.note.data, api_now()
    )
    db.session.commit()
    return created({**schemas.rating(entry), "goal": schemas.goal(goal)})


@bp.patch("/ratings/<int:rating_id>")
def correct_progress_rating(rating_id: int):
    """Correct a progress rating: the values it replaces are kept with the note."""
    user = case_user()
    body = read_body(RATING_CORRECTION_SPEC)
    rating = goal_service.get_rating(db.session, user, rating_id)
    version = read_version(body)
    check_version(rating, version)
    ensure_open(rating.goal.family)
    sent = {name: body[name] for name in RATING_SPEC if name in body}
    form = from_json(RatingForm, {**rating_values(rating), **sent})
    changes, note = read_correction(form, body, sent)
    changes["version"] = version
    begin_write()
    correct_rating(db.session, user, rating, changes, note, api_now())
    db.session.commit()
    return jsonify({
        **schemas.rating(rating),
        "corrections": [schemas.correction(c) for c in corrections_of(db.session, "rating", [rating.id])[rating.id]],
    })
