"""Outcome reports, the way these services report them: percentages with the number behind
them, and counts of neglect by area with small numbers suppressed."""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import CLOSURE_REASONS, Child, Family, FamilyConcern, Goal, GoalRating, User
from .errors import Forbidden
from .families import postcode_district

# Counts from 1 to this are never shown (statistical disclosure control).
SUPPRESS_AT_OR_BELOW = 4


def report_scope(actor: User):
    """Managers report on their own team, admins on the whole service; workers not at all."""
    if actor.is_manager:
        return Family.team_id == actor.team_id
    if actor.is_admin:
        return Family.id.is_not(None)
    raise Forbidden("Reports are for managers and administrators.")


def percentage(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def outcomes(session: Session, actor: User, start: dt.date, end: dt.date) -> dict:
    """Families closed in [start, end]: goals achieved and improved by outcome area, weeks in
    service, closure reasons. Withdrawn goals count nowhere; a goal is improved when its latest
    rating (by rating date) is above its baseline."""
    in_period = (report_scope(actor), Family.closed_on >= start, Family.closed_on <= end, Family.phase == "closed")
    families = session.execute(select(Family.id, Family.opened_on, Family.closed_on, Family.closure_reason).where(*in_period)).all()
    children = session.scalar(select(func.count(Child.id)).join(Family).where(*in_period))

    latest = (
        select(
            GoalRating.goal_id,
            GoalRating.rating,
            func.row_number()
            .over(partition_by=GoalRating.goal_id, order_by=(GoalRating.date.desc(), GoalRating.id.desc()))
            .label("n"),
        )
        .join(Goal)
        .join(Family)
        .where(*in_period)
        .subquery()
    )
    goals = session.execute(
        select(Goal.area, Goal.status, Goal.baseline, latest.c.rating)
        .join(Family)
        .outerjoin(latest, (latest.c.goal_id == Goal.id) & (latest.c.n == 1))
        .where(*in_period, Goal.status != "withdrawn")
    ).all()
    by_area: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    achieved = 0
    for area, status, baseline, rating in goals:
        achieved += status == "achieved"
        by_area[area][0] += 1
        by_area[area][1] += rating is not None and rating > baseline
    order = {code: index for index, code in enumerate(current_app.config["CASEWORK_GOAL_AREAS"])}
    weeks = [(closed - opened).days / 7 for _, opened, closed, _ in families]
    reasons = Counter(reason for *_, reason in families)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "families_closed": len(families),
        "children": children,
        "goals": {"total": len(goals), "achieved": achieved, "pct_achieved": percentage(achieved, len(goals))},
        "areas": [
            {"area": area, "goals": total, "improved": improved, "pct_improved": percentage(improved, total)}
            for area, (total, improved) in sorted(by_area.items(), key=lambda item: order.get(item[0], len(order)))
        ],
        "median_weeks_in_service": round(statistics.median(weeks), 1) if weeks else None,
        "closure_reasons": {reason: reasons.get(reason, 0) for reason in CLOSURE_REASONS},
    }


def local_area(session: Session, actor: User, start: dt.date, end: dt.date) -> dict:
    """Families referred in [start, end] by postcode district and concern. Counts from 1 to 4
    are suppressed; empty cells are left out."""
    rows = session.execute(
        select(Family.postcode, FamilyConcern.code)
        .join(FamilyConcern, FamilyConcern.family_id == Family.id)
        .where(report_scope(actor), Family.referral_date >= start, Family.referral_date <= end)
    ).all()
    cells = Counter((postcode_district(postcode), concern) for postcode, concern in rows)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rows": [
            {"district": district, "concern": concern, "count": None if count <= SUPPRESS_AT_OR_BELOW else count,
             "suppressed": count <= SUPPRESS_AT_OR_BELOW}
            for (district, concern), count in sorted(cells.items())
        ],
    }
