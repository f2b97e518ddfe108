"""Logging visits: above all, which children were seen."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import Correction, Family, Goal, User, Visit, VisitChild, VisitOutcome
from .clock import local_date
from .editing import ensure_open
from .errors import ValidationFailed
from .flags import resolve_cleared

SEEING_OUTCOMES = (VisitOutcome.COMPLETED,)


def check_visit(session: Session, family: Family, data: dict, now: dt.datetime):
    """The rules every visit keeps, whether logged or corrected. Answers the children seen
    (ids, seen-alone included), those seen alone, the goals discussed, and whether every child
    of the family was seen; or raises ValidationFailed."""
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
    return seen, alone, list(goals), bool(child_ids) and child_ids <= set(seen)


def log_visit(session: Session, actor: User, family: Family, data: dict, now: dt.datetime) -> Visit:
    """Record a visit. ``data``: date, kind, outcome, duration_minutes?, children_seen (ids),
    seen_alone (ids), notes, goals_discussed (ids)."""
    ensure_open(family)
    seen, alone, goals, all_seen = check_visit(session, family, data, now)
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
        all_children_seen=all_seen,
    )
    session.add(visit)
    session.flush()
    resolve_cleared(session, family, now, visit)
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


def visit_corrections(session: Session, family: Family) -> dict[int, list[Correction]]:
    """``{visit_id: [corrections, oldest first]}`` for the family's visits, with who made
    each: one query."""
    corrections: dict[int, list[Correction]] = {}
    for correction in session.scalars(
        select(Correction)
        .where(Correction.family_id == family.id, Correction.record_type == "visit")
        .options(joinedload(Correction.by))
        .order_by(Correction.made_at, Correction.id)
    ):
        corrections.setdefault(correction.record_id, []).append(correction)
    return corrections
