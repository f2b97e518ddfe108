"""The family plan: goals, progress ratings and goal status."""
from __future__ import annotations

from flask import jsonify

from ...database import begin_write
from ...extensions import db
from ...forms import from_json
from ...forms.case import GoalChangeForm, GoalForm, RatingCorrectionForm, RatingForm
from ...services import goals as goal_service
from ...services import scope
from ...services.corrections import RATING_FIELDS, correct_rating, corrections_of, rating_values
from ...services.editing import check_version, ensure_open
from . import bp, schemas
from .core import api_now, as_sent, case_user, check_form, created, read_body, read_correction, read_version
from .families import family_in_scope

GOAL_FIELDS = goal_service.GOAL_FIELDS + ("next_step",)


@bp.get("/families/<int:family_id>/goals")
def list_goals(family_id: int):
    goals = goal_service.family_goals(db.session, family_in_scope(family_id))
    return jsonify(schemas.goal_list(goals))


@bp.post("/families/<int:family_id>/goals")
def create_goal(family_id: int):
    body = read_body(GoalForm)
    family = family_in_scope(family_id)
    ensure_open(family)
    form = check_form(from_json(GoalForm, body))
    data = {name: getattr(form, name).data for name in GOAL_FIELDS}
    begin_write()
    goal = goal_service.agree_goal(db.session, family, data, api_now(), case_user())
    db.session.commit()
    return created(schemas.goal(goal))


@bp.patch("/goals/<int:goal_id>")
def update_goal(goal_id: int):
    body = read_body(GoalChangeForm)
    goal = scope.get_goal(db.session, case_user(), goal_id)
    version = read_version(body)
    check_version(goal, version)
    ensure_open(goal.family)
    form = check_form(from_json(GoalChangeForm, {**as_sent(goal_service.goal_values(goal)), **body}))
    changes = {name: getattr(form, name).data for name in body if name in GOAL_FIELDS or name == "status"}
    if not changes.get("status", True):
        del changes["status"]  # sent empty: the status stays as it is
    changes["version"] = version
    changes["reason"] = form.reason.data or ""
    begin_write()
    goal_service.update_goal(db.session, goal, changes, api_now(), case_user())
    db.session.commit()
    return jsonify(schemas.goal(goal))


@bp.post("/goals/<int:goal_id>/progress")
def rate_progress(goal_id: int):
    user = case_user()
    body = read_body(RatingForm)
    goal = scope.get_goal(db.session, user, goal_id)
    ensure_open(goal.family)
    form = check_form(from_json(RatingForm, body))
    begin_write()
    entry = goal_service.rate_progress(
        db.session, user, goal, form.date.data, form.rating.data, form.note.data, api_now()
    )
    db.session.commit()
    return created(schemas.rating_created(entry, goal))


@bp.patch("/ratings/<int:rating_id>")
def correct_progress_rating(rating_id: int):
    """Correct a progress rating: the values it replaces are kept with the note."""
    user = case_user()
    body = read_body(RatingCorrectionForm)
    rating = goal_service.get_rating(db.session, user, rating_id)
    form, changes = read_correction(RatingCorrectionForm, rating, rating.goal.family, body, rating_values(rating),
                                    RATING_FIELDS)
    if "note" in changes:
        changes["note"] = changes["note"] or ""
    begin_write()
    correct_rating(db.session, user, rating, changes, form.correction_note.data, api_now())
    db.session.commit()
    return jsonify(schemas.corrected_rating(rating, corrections_of(db.session, "rating", [rating.id])[rating.id]))
