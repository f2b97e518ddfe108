"""Logging visits: above all, which children were seen."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Family, Goal, User, Visit, VisitChild
from .clock import local_date
from .errors import ValidationFailed
from .families import ensure_open

SEEING_OUTCOMES = ("completed",)


def log_visit(session: Session, actor: User, family: Family, data: dict, now: dt.datetime) -> Visit:
    """Record a visit. ``data``: date, kind, outcome, duration_minutes?, children_seen (ids),
    seen_alone (ids), notes, goals_discussed (ids)."""
    ensure_open(family)
    problems: dict[str, list[str]] = {}
    if data["date"] > local_date(now):
        problems["date"] = ["A visit cannot be dated in the future."]
    child_ids = {child.id for child in family.children}
    seen = list(dict.fromkeys(data.get("children_seen") or []))
    alone = set(data.get("seen_alone") or [])
    if set(seen) - child_ids:
        problems["children_seen"] = ["Choose children of this family."]
    if alone - child_ids:
        problems["seen_alone"] = ["Choose children of this family."]
    # A child seen alone was seen.
    seen.extend(child_id for child_id in sorted(alone) if child_id not in seen)
    if seen and data["outcome"] not in SEEING_OUTCOMES:
        problems["children_seen"] = ["Children can only be seen at a completed visit."]
    goal_ids = list(dict.fromkeys(data.get("goals_discussed") or []))
    goals = (
        session.scalars(select(Goal).where(Goal.family_id == family.id, Goal.id.in_(goal_ids))).all()
        if goal_ids
        else []
    )
    if len(goals) != len(goal_ids):
        problems["goals_discussed"] = ["Choose goals from this family's plan."]
    if problems:
        raise ValidationFailed("Check the visit details.", problems)

    visit = Visit(
        family=family,
        date=data["date"],
        kind=data["kind"],
        outcome=data["outcome"],
        duration_minutes=data.get("duration_minutes"),
        notes=(data.get("notes") or "").strip(),
        recorded_by=actor,
        children_seen=[VisitChild(child_id=cid, seen_alone=cid in alone) for cid in seen],
        goals_discussed=goals,
        all_children_seen=bool(child_ids) and child_ids <= set(seen),
    )
    session.add(visit)
    session.flush()
    return visit
