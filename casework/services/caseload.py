"""A manager's view of their team's caseloads: who holds what, where the risk is, who is
overloaded. A fixed number of queries whatever the size of the team."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import OPEN_PHASES, Child, Family, Flag, Review, User, Visit, VisitChild
from .clock import local_date
from .errors import Forbidden
from .flag_rules import SEEING_KINDS
from .schedule import review_interval


@dataclass
class WorkerLoad:
    id: int
    name: str
    open_families: int = 0
    by_phase: dict[str, int] = field(default_factory=lambda: {phase: 0 for phase in OPEN_PHASES})
    weighted_load: float = 0.0
    overdue_reviews: int = 0
    open_flags: dict[str, int] = field(default_factory=lambda: {"high": 0, "medium": 0, "low": 0})
    families_with_child_not_seen: int = 0
    visits_last_28_days: int = 0
    longest_days_since_visit: int | None = None

    @property
    def open_flag_total(self) -> int:
        return sum(self.open_flags.values())

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "open_families": self.open_families,
            "by_phase": dict(self.by_phase),
            "weighted_load": round(self.weighted_load, 1),
            "overdue_reviews": self.overdue_reviews,
            "open_flags": self.open_flag_total,
            "open_flags_by_severity": dict(self.open_flags),
            "families_with_child_not_seen": self.families_with_child_not_seen,
            "visits_last_28_days": self.visits_last_28_days,
            "longest_days_since_visit": self.longest_days_since_visit,
        }


def team_caseload(session: Session, manager: User, now: dt.datetime) -> list[WorkerLoad]:
    """One row per active worker of the manager's team (and one for unallocated families)."""
    if not manager.is_manager:
        raise Forbidden("Only managers see the team's caseloads.")
    today = local_date(now)
    config = current_app.config
    phase_weights = config["CASEWORK_LOAD_WEIGHTS"]
    high_flag_weight = config["CASEWORK_LOAD_HIGH_FLAG_WEIGHT"]
    window_start = today - dt.timedelta(days=config["CASEWORK_CHILD_SEEN_DAYS"])

    team_open = (Family.team_id == manager.team_id, Family.phase.in_(OPEN_PHASES))
    holders = select(Family.worker_id).where(*team_open)
    # The team's active workers, and anyone else still holding one of its open families.
    rows = {
        user.id: WorkerLoad(user.id, user.name if user.active else f"{user.name} (inactive)")
        for user in session.scalars(
            select(User)
            .where(
                ((User.team_id == manager.team_id) & (User.role == "worker") & User.active.is_(True))
                | User.id.in_(holders)
            )
            .order_by(User.name)
        )
    }
    unallocated = WorkerLoad(0, "Unallocated")

    def row_for(worker_id):
        return unallocated if worker_id is None else rows[worker_id]

    last_review = (
        select(Review.family_id, func.max(Review.held_on).label("held_on"))
        .where(Review.held_on <= today)
        .group_by(Review.family_id)
        .subquery()
    )
    last_visit = (
        select(Visit.family_id, func.max(Visit.date).label("date"))
        .where(Visit.date <= today)
        .group_by(Visit.family_id)
        .subquery()
    )
    families = session.execute(
        select(Family.id, Family.worker_id, Family.phase, Family.opened_on, last_review.c.held_on, last_visit.c.date)
        .outerjoin(last_review, last_review.c.family_id == Family.id)
        .outerjoin(last_visit, last_visit.c.family_id == Family.id)
        .where(*team_open)
    ).all()
    interval = review_interval()
    worker_of = {}
    for family_id, worker_id, phase, opened_on, held_on, visited_on in families:
        load = row_for(worker_id)
        worker_of[family_id] = load
        load.open_families += 1
        load.by_phase[phase] += 1
        load.weighted_load += phase_weights[phase]
        if (held_on or opened_on) + interval < today:
            load.overdue_reviews += 1
        since = (today - (visited_on or opened_on)).days
        load.longest_days_since_visit = max(load.longest_days_since_visit or 0, since)

    for family_id, severity, count in session.execute(
        select(Flag.family_id, Flag.severity, func.count(Flag.id))
        .join(Family)
        .where(*team_open, Flag.status != "resolved")
        .group_by(Flag.family_id, Flag.severity)
    ):
        load = worker_of[family_id]
        load.open_flags[severity] += count
        if severity == "high":
            load.weighted_load += high_flag_weight * count

    for family_id, visits in session.execute(
        select(Visit.family_id, func.count(Visit.id))
        .join(Family)
        .where(*team_open, Visit.date > window_start, Visit.date <= today)
        .group_by(Visit.family_id)
    ):
        worker_of[family_id].visits_last_28_days += visits

    # Children not seen at a home, office or school visit in the window, in families open
    # long enough for that to matter.
    seen_recently = (
        select(VisitChild.child_id)
        .join(Visit)
        .where(Visit.outcome == "completed", Visit.kind.in_(SEEING_KINDS), Visit.date > window_start, Visit.date <= today)
    )
    for (family_id,) in session.execute(
        select(Child.family_id)
        .join(Family)
        .where(*team_open, Family.opened_on <= window_start, Child.id.not_in(seen_recently))
        .distinct()
    ):
        worker_of[family_id].families_with_child_not_seen += 1

    result = list(rows.values())
    if unallocated.open_families:
        result.append(unallocated)
    return result


def team_totals(loads: list[WorkerLoad]) -> WorkerLoad:
    total = WorkerLoad(0, "Team")
    for load in loads:
        total.open_families += load.open_families
        for phase, count in load.by_phase.items():
            total.by_phase[phase] += count
        total.weighted_load += load.weighted_load
        total.overdue_reviews += load.overdue_reviews
        for severity, count in load.open_flags.items():
            total.open_flags[severity] += count
        total.families_with_child_not_seen += load.families_with_child_not_seen
        total.visits_last_28_days += load.visits_last_28_days
        if load.longest_days_since_visit is not None:
            total.longest_days_since_visit = max(total.longest_days_since_visit or 0, load.longest_days_since_visit)
    return total
