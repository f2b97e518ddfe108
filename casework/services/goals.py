"""The family plan: goals, their progress ratings and their status."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import GOAL_STATUSES, Family, Goal, GoalRating, GoalStatus, GoalStatusChange, User
from .clock import local_date, long_day_text
from .editing import check_version, ensure_open
from .errors import NotFound, ValidationFailed
from .flags import resolve_cleared
from .scope import family_scope, require_case_role

GOAL_FIELDS = ("title", "area", "baseline", "target", "start_date", "target_date")


def goal_areas() -> tuple[str, ...]:
    return tuple(current_app.config["CASEWORK_GOAL_AREAS"])


def area_label(code: str) -> str:
    """An outcome area as people read it: its label in CASEWORK_GOAL_AREA_LABELS, or else its
    code in words."""
    label = current_app.config.get("CASEWORK_GOAL_AREA_LABELS", {}).get(code)
    return label or code.replace("_", " ").strip().capitalize()


def goal_values(goal: Goal) -> dict:
    """The goal as agreed, field by field (GOAL_FIELDS, its next step and status)."""
    return {name: getattr(goal, name) for name in GOAL_FIELDS + ("next_step", "status")}


def _check_goal(values: dict, today: dt.date) -> None:
    problems: dict[str, list[str]] = {}
    if values["area"] not in goal_areas():
        problems["area"] = ["Choose an outcome area."]
    if values["start_date"] > today:
        problems["start_date"] = ["A goal cannot start in the future."]
    if values["target_date"] < values["start_date"]:
        problems["target_date"] = ["The target date must be on or after the start date."]
    if problems:
        raise ValidationFailed("Check the goal.", problems)


def _next_step(value) -> str | None:
    return (value or "").strip() or None


def agree_goal(session: Session, family: Family, data: dict, now: dt.datetime, actor: User | None = None) -> Goal:
    """A goal agreed with the family (``data``: GOAL_FIELDS and next_step?), by ``actor``."""
    ensure_open(family)
    values = {name: data[name] for name in GOAL_FIELDS}
    values["title"] = values["title"].strip()
    _check_goal(values, local_date(now))
    goal = Goal(family=family, status=GoalStatus.ACTIVE, next_step=_next_step(data.get("next_step")),
                agreed_by_id=actor.id if actor else None, **values)
    session.add(goal)
    session.flush()
    return goal


def update_goal(session: Session, goal: Goal, changes: dict, now: dt.datetime, actor: User | None = None) -> Goal:
    """Edit a goal's wording, scale, dates or next step, or mark it achieved, withdrawn or
    active again (``changes["reason"]``: why, kept with the change). A goal achieved or
    withdrawn clears its stalled flag at once."""
    check_version(goal, changes.get("version"))
    ensure_open(goal.family)
    today = local_date(now)
    values = {name: changes.get(name, getattr(goal, name)) for name in GOAL_FIELDS}
    _check_goal(values, today)
    status = changes.get("status", goal.status)
    if status not in GOAL_STATUSES:
        raise ValidationFailed("Choose a status.", {"status": ["Choose active, achieved or withdrawn."]})
    for name, value in values.items():
        setattr(goal, name, value.strip() if isinstance(value, str) else value)
    if "next_step" in changes:
        goal.next_step = _next_step(changes["next_step"])
    if status != goal.status:
        goal.status = status
        goal.status_changed_on = today
        change = GoalStatusChange(goal=goal, family_id=goal.family_id, status=status, date=today, made_at=now,
                                  reason=(changes.get("reason") or "").strip() or None,
                                  by_id=actor.id if actor else None)
        session.add(change)
        session.flush()
        resolve_cleared(session, goal.family, now, change)
    session.flush()
    return goal


def rate_progress(
    session: Session, actor: User, goal: Goal, on_date: dt.date, rating: int, note: str | None, now: dt.datetime
) -> GoalRating:
    ensure_open(goal.family)
    problems = {}
    if not goal.is_active:
        raise ValidationFailed(
            f"This goal is {goal.status}; only active goals are rated.",
            {"rating": [f"This goal is {goal.status}; only active goals are rated."]},
        )
    if on_date > local_date(now):
        problems["date"] = ["A rating cannot be dated in the future."]
    elif on_date < goal.start_date:
        problems["date"] = [f"A rating cannot be dated before the goal started ({long_day_text(goal.start_date)})."]
    if problems:
        raise ValidationFailed("Check the rating.", problems)
    entry = GoalRating(goal=goal, date=on_date, rating=rating, note=(note or "").strip(), recorded_by=actor)
    session.add(entry)
    session.flush()
    resolve_cleared(session, goal.family, now, entry)
    return entry


def family_goals(session: Session, family: Family) -> list[Goal]:
    """The family's goals by start date, each with its ratings: one query (a family has a
    handful of goals, each a rating every two or three weeks)."""
    return list(
        session.scalars(
            select(Goal)
            .where(Goal.family_id == family.id)
            .order_by(Goal.start_date, Goal.id)
            .options(joinedload(Goal.ratings))
        ).unique()
    )


def family_plan(session: Session, family: Family) -> list[Goal]:
    """The family's goals as its plan shows them: active ones first, each by start date."""
    return plan_order(family_goals(session, family))


def plan_order(goals: list[Goal]) -> list[Goal]:
    """Goals (by start date) in the plan's order: active ones first."""
    return sorted(goals, key=lambda goal: not goal.is_active)


def goal_record(session: Session, goal: Goal) -> Goal:
    """``goal`` with its family and its ratings (and who recorded each) loaded up front."""
    return session.scalars(
        select(Goal)
        .where(Goal.id == goal.id)
        .options(
            joinedload(Goal.family),
            selectinload(Goal.ratings).joinedload(GoalRating.recorded_by),
        )
        .execution_options(populate_existing=True)
    ).one()


def get_rating(session: Session, actor: User, rating_id: int) -> GoalRating:
    """A rating of a goal of a family ``actor`` may see, with its goal and family loaded
    (404 otherwise, 403 for an admin)."""
    require_case_role(actor)
    rating = session.scalar(
        select(GoalRating)
        .join(Goal, GoalRating.goal_id == Goal.id)
        .join(Family, Goal.family_id == Family.id)
        .where(GoalRating.id == rating_id, family_scope(actor))
        .options(joinedload(GoalRating.goal).joinedload(Goal.family))
    )
    if rating is None:
        raise NotFound("Rating not found.")
    return rating
