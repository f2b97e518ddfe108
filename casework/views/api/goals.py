"""The family plan: goals, progress ratings and goal status."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...forms import from_json
from ...forms.case import GoalForm, RatingForm
from ...models import Goal
from ...services import goals as goal_service
from ...services import scope
from ...services.families import check_version, ensure_open
from . import bp, schemas
from .core import VALUE, api_now, case_user, check_form, created, read_body, read_version
from .families import family_in_scope

GOAL_SPEC = {name: VALUE for name in goal_service.GOAL_FIELDS}
GOAL_EDIT_SPEC = {**GOAL_SPEC, "status": VALUE, "version": VALUE}
RATING_SPEC = {"date": VALUE, "rating": VALUE, "note": VALUE}


@bp.get("/families/<int:family_id>/goals")
def list_goals(family_id: int):
    family = family_in_scope(family_id)
    goals = db.session.scalars(
        select(Goal)
        .where(Goal.family_id == family.id)
        .options(selectinload(Goal.ratings))
        .order_by(Goal.start_date, Goal.id)
    ).all()
    return jsonify(items=[schemas.goal(g) for g in goals])


@bp.post("/families/<int:family_id>/goals")
def create_goal(family_id: int):
    body = read_body(GOAL_SPEC)
    family = family_in_scope(family_id)
    ensure_open(family)
    form = check_form(from_json(GoalForm, body))
    data = {name: getattr(form, name).data for name in goal_service.GOAL_FIELDS}
    goal = goal_service.agree_goal(db.session, family, data, api_now())
    db.session.commit()
    return created(schemas.goal(goal))


def _current_values(goal: Goal) -> dict:
    return {
        "title": goal.title,
        "area": goal.area,
        "baseline": goal.baseline,
        "target": goal.target,
        "start_date": schemas.date(goal.start_date),
        "target_date": schemas.date(goal.target_date),
        "status": goal.status,
    }


@bp.patch("/goals/<int:goal_id>")
def update_goal(goal_id: int):
    body = read_body(GOAL_EDIT_SPEC)
    goal = scope.get_goal(db.session, case_user(), goal_id)
    version = read_version(body)
    check_version(goal, version)
    ensure_open(goal.family)
    merged = {**_current_values(goal), **{k: v for k, v in body.items() if k != "version"}}
    form = check_form(from_json(GoalForm, merged))
    changes = {name: getattr(form, name).data for name in body if name != "version"}
    changes["version"] = version
    goal_service.update_goal(db.session, goal, changes, api_now())
    db.session.commit()
    return jsonify(schemas.goal(goal))


@bp.post("/goals/<int:goal_id>/progress")
def rate_progress(goal_id: int):
    user = case_user()
    body = read_body(RATING_SPEC)
    goal = scope.get_goal(db.session, user, goal_id)
    ensure_open(goal.family)
    form = check_form(from_json(RatingForm, body))
    entry = goal_service.rate_progress(
        db.session, user, goal, form.date.data, form.rating.data, form.note.data, api_now()
    )
    db.session.commit()
    return created({**schemas.rating(entry), "goal": schemas.goal(goal)})
