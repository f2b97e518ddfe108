"""Logging visits: above all, which children were seen."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import Family, Goal, User, Visit, VisitChild, VisitOutcome
from .clock import local_date
from .diary import fulfil_planned_visit
from .editing import ensure_open
from .errors import ValidationFailed
from .flags import resolve_cleared
from .offline import check_device_time

SEEING_OUTCOMES = (VisitOutcome.COMPLETED,)
VISIT_FIELDS = ("date", "kind", "outcome", "duration_minutes", "notes", "children_seen", "seen_alone",
                "goals_discussed")


def visit_values(visit: Visit) -> dict:
    """The visit as recorded, field by field (VISIT_FIELDS, children and goals by id): what the
    correction form starts from and what a correction keeps."""
    return {
        "date": visit.date,
        "kind": visit.kind,
        "outcome": visit.outcome,
        "duration_minutes": visit.duration_minutes,
        "notes": visit.notes,
        "children_seen": visit.children_seen_ids,
        "seen_alone": visit.seen_alone_ids,
        "goals_discussed": [goal.id for goal in visit.goals_discussed],
    }


def may_discuss(goal: Goal, visit: Visit | None = None) -> bool:
    """A visit discusses goals still being worked on; correcting one keeps any goal it already
    discussed, though achieved or withdrawn since."""
    return goal.is_active or (visit is not None and goal in visit.goals_discussed)


def goals_to_discuss(session: Session, family: Family, visit: Visit | None = None) -> list[Goal]:
    """The goals a new visit (or a correction of ``visit``) may discuss, by start date."""
    goals = session.scalars(
        select(Goal).where(Goal.family_id == family.id).order_by(Goal.start_date, Goal.id)
    )
    return [goal for goal in goals if may_discuss(goal, visit)]


def check_visit(session: Session, family: Family, data: dict, now: dt.datetime, visit: Visit | None = None):
    """The rules every visit keeps, whether logged or corrected (``visit``: the one corrected).
    Answers the values to keep (VISIT_FIELDS: each list once, in id order, every child seen on
    their own among the children seen, the notes trimmed), the goals discussed, and whether
    every child of the family was seen; or raises ValidationFailed."""
    problems: dict[str, list[str]] = {}
    if data["date"] > local_date(now):
        problems["date"] = ["A visit cannot be dated in the future."]
    child_ids = {child.id for child in family.children}
    alone = sorted(set(data.get("seen_alone") or []))
    if set(data.get("children_seen") or []) - child_ids:
        problems["children_seen"] = ["Choose children of this family."]
    if set(alone) - child_ids:
        problems["seen_alone"] = ["Choose children of this family."]
    # A child seen on their own was seen.
    seen = sorted(set(data.get("children_seen") or []) | set(alone))
    if seen and data["outcome"] not in SEEING_OUTCOMES:
        problems["children_seen"] = ["Children can only be seen at a completed visit."]
    goal_ids = sorted(set(data.get("goals_discussed") or []))
    goals = (
        session.scalars(
            select(Goal).where(Goal.family_id == family.id, Goal.id.in_(goal_ids)).order_by(Goal.id)
        ).all()
        if goal_ids
        else []
    )
    ended = [goal for goal in goals if not may_discuss(goal, visit)]
    if len(goals) != len(goal_ids):
        problems["goals_discussed"] = ["Choose goals from this family's plan."]
    elif ended:
        problems["goals_discussed"] = [
            f"Choose goals still being worked on: {ended[0].title} is {ended[0].status}."
        ]
    if problems:
        raise ValidationFailed("Check the visit details.", problems)
    values = {name: data.get(name) for name in VISIT_FIELDS}
    values.update(notes=(data.get("notes") or "").strip(), children_seen=seen, seen_alone=alone,
                  goals_discussed=goal_ids)
    return values, list(goals), bool(child_ids) and child_ids <= set(seen)


def log_visit(session: Session, actor: User, family: Family, data: dict, now: dt.datetime,
              device_recorded_at: dt.datetime | None = None, recorded_offline: bool = False) -> Visit:
    """Record a visit. ``data``: date, kind, outcome, duration_minutes?, children_seen (ids),
    seen_alone (ids), notes, goals_discussed (ids). From a device that kept it offline: when it
    was saved there (services.offline); the server notes when it received it."""
    ensure_open(family)
    values, goals, all_seen = check_visit(session, family, data, now)
    check_device_time(device_recorded_at, now)
    visit = Visit(
        family=family,
        date=values["date"],
        kind=values["kind"],
        outcome=values["outcome"],
        duration_minutes=values["duration_minutes"],
        notes=values["notes"],
        recorded_by=actor,
        children_seen=[VisitChild(child_id=cid, seen_alone=cid in values["seen_alone"])
                       for cid in values["children_seen"]],
        goals_discussed=goals,
        all_children_seen=all_seen,
        recorded_offline=recorded_offline,
        device_recorded_at=device_recorded_at,
        received_at=now,
    )
    session.add(visit)
    session.flush()
    resolve_cleared(session, family, now, visit)
    fulfil_planned_visit(session, visit, now)
    return visit


def visit_history(session: Session, family: Family) -> list[Visit]:
    """The family's visits, newest first, with the children seen, the goals discussed and
    who recorded each: a fixed number of queries."""
    return list(
        session.scalars(
            select(Visit)
            .where(Visit.family_id == family.id)
            .order_by(Visit.date.desc(), Visit.id.desc())
            .options(
                selectinload(Visit.children_seen),
                selectinload(Visit.goals_discussed),
                joinedload(Visit.recorded_by),
            )
        )
    )
