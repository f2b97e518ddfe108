"""A manager's view of their team's caseloads: who holds what, where the risk is, who is
overloaded. A fixed number of queries whatever the size of the team."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..models import (
    OPEN_PHASES,
    SEVERITIES,
    ClosureProposal,
    Family,
    Flag,
    FlagStatus,
    Role,
    Severity,
    Transfer,
    User,
    Visit,
)
from . import family_filters
from .child_seen import window_start
from .clock import local_date
from .closures import awaiting_approval
from .errors import Forbidden
from .families import last_visit, postcode_district, weeks_in_service
from .family_filters import FamilyFilters
from .flags import open_flag_counts
from .review_schedule import is_overdue, review_due, review_overdue
from .transfers import offered_to


def _by_severity() -> dict[str, int]:
    """A count for each severity, the most severe first."""
    return {severity: 0 for severity in reversed(SEVERITIES)}


@dataclass
class WorkerLoad:
    id: int
    name: str
    open_families: int = 0
    by_phase: dict[str, int] = field(default_factory=lambda: {phase: 0 for phase in OPEN_PHASES})
    weighted_load: float = 0.0
    overdue_reviews: int = 0
    open_flags: dict[str, int] = field(default_factory=_by_severity)
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
    seen_window_start = window_start(today)

    team_open = (Family.team_id == manager.team_id, Family.phase.in_(OPEN_PHASES))
    holders = select(Family.worker_id).where(*team_open)
    # The team's active workers, and anyone else still holding one of its open families.
    rows = {
        user.id: WorkerLoad(user.id, user.name if user.active else f"{user.name} (inactive)")
        for user in session.scalars(
            select(User)
            .where(
                ((User.team_id == manager.team_id) & (User.role == Role.WORKER) & User.active.is_(True))
                | User.id.in_(holders)
            )
            .order_by(User.name)
        )
    }
    unallocated = WorkerLoad(0, "Unallocated")

    def row_for(worker_id):
        return unallocated if worker_id is None else rows[worker_id]

    # Each family's last review and last visit, looked up per family (the indexes on
    # (family_id, held_on) and (family_id, date)): the cost is the team's, not the service's.
    # Overdue by the same rule as the list's filter, so the count and its list agree.
    overdue = case((review_overdue(today), 1), else_=0)
    families = session.execute(
        select(Family.id, Family.worker_id, Family.phase, Family.opened_on, overdue, last_visit(today))
        .where(*team_open)
    ).all()
    worker_of = {}
    for family_id, worker_id, phase, opened_on, overdue_review, visited_on in families:
        load = row_for(worker_id)
        worker_of[family_id] = load
        load.open_families += 1
        load.by_phase[phase] += 1
        load.weighted_load += phase_weights[phase]
        load.overdue_reviews += overdue_review
        since = (today - (visited_on or opened_on)).days
        load.longest_days_since_visit = max(load.longest_days_since_visit or 0, since)

    # By the team's family ids (known from the query above): PostgreSQL then reads the flags
    # and visits through their indexes, where a join on the team would scan every open flag
    # (or every visit of the last 28 days) of the service.
    team_family_ids = list(worker_of)
    for family_id, severity, count in session.execute(
        select(Flag.family_id, Flag.severity, func.count(Flag.id))
        .where(Flag.family_id.in_(team_family_ids), Flag.status != FlagStatus.RESOLVED)
        .group_by(Flag.family_id, Flag.severity)
    ) if team_family_ids else ():
        load = worker_of[family_id]
        load.open_flags[severity] += count
        if severity == Severity.HIGH:
            load.weighted_load += high_flag_weight * count

    for family_id, visits in session.execute(
        select(Visit.family_id, func.count(Visit.id))
        .where(Visit.family_id.in_(team_family_ids), Visit.date > seen_window_start, Visit.date <= today)
        .group_by(Visit.family_id)
    ) if team_family_ids else ():
        worker_of[family_id].visits_last_28_days += visits

    # Families with a child not seen at a home, office or school visit in the window (the
    # same condition as the list's filter, so the count and the list it links to agree).
    for (family_id,) in session.execute(
        select(Family.id).where(*team_open, family_filters.child_not_seen(today))
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


# --- The manager's home page --------------------------------------------------------------------

@dataclass
class TeamOverview:
    """The counts on a manager's home page."""

    open_families: int = 0
    unallocated: int = 0
    overdue_reviews: int = 0
    open_flags: dict[str, int] = field(default_factory=_by_severity)
    closures_pending: int = 0
    transfers_offered: int = 0

    @property
    def open_flag_total(self) -> int:
        return sum(self.open_flags.values())


def team_overview(session: Session, manager: User, now: dt.datetime) -> TeamOverview:
    """What waits for the manager, in four queries whatever the team's size."""
    if not manager.is_manager:
        raise Forbidden("Only managers see the team's caseloads.")
    today = local_date(now)
    open_count, unallocated, overdue = session.execute(
        select(
            func.count(Family.id),
            func.coalesce(func.sum(case((Family.worker_id.is_(None), 1), else_=0)), 0),
            func.coalesce(func.sum(case((review_overdue(today), 1), else_=0)), 0),
        )
        .where(Family.team_id == manager.team_id, Family.phase.in_(OPEN_PHASES))
    ).one()
    overview = TeamOverview(open_families=open_count, unallocated=int(unallocated), overdue_reviews=int(overdue))
    for severity, count in session.execute(
        select(Flag.severity, func.count(Flag.id))
        .join(Family)
        .where(Family.team_id == manager.team_id, Flag.status != FlagStatus.RESOLVED)
        .group_by(Flag.severity)
    ):
        overview.open_flags[severity] = count
    overview.closures_pending = session.scalar(
        select(func.count(ClosureProposal.id))
        .join(Family, Family.id == ClosureProposal.family_id)
        .where(*awaiting_approval(manager.team_id))
    )
    overview.transfers_offered = session.scalar(
        select(func.count(Transfer.id)).where(*offered_to(manager.team_id))
    )
    return overview


# --- Sorting the caseload table -----------------------------------------------------------------

# Column key -> (heading, how a row sorts). Numbers sort with "none" below zero.
CASELOAD_COLUMNS = {
    "name": ("Family worker", lambda load: load.name.lower()),
    "open": ("Open families", lambda load: load.open_families),
    "engagement": ("Engagement", lambda load: load.by_phase["engagement"]),
    "making_changes": ("Making changes", lambda load: load.by_phase["making_changes"]),
    "moving_on": ("Moving on", lambda load: load.by_phase["moving_on"]),
    "load": ("Weighted load", lambda load: load.weighted_load),
    "overdue": ("Overdue reviews", lambda load: load.overdue_reviews),
    "high": ("High flags", lambda load: load.open_flags[Severity.HIGH]),
    "medium": ("Medium flags", lambda load: load.open_flags[Severity.MEDIUM]),
    "low": ("Low flags", lambda load: load.open_flags[Severity.LOW]),
    "not_seen": ("Families with a child not seen (28 days)", lambda load: load.families_with_child_not_seen),
    "visits": ("Visits (last 28 days)", lambda load: load.visits_last_28_days),
    "since_visit": ("Most days since a visit",
                    lambda load: -1 if load.longest_days_since_visit is None else load.longest_days_since_visit),
}


def sort_caseload(loads: list[WorkerLoad], sort: str, descending: bool) -> list[WorkerLoad]:
    """Workers sorted by a column (ties by name); the unallocated row stays last."""
    key = CASELOAD_COLUMNS[sort][1]
    workers = [load for load in loads if load.id != 0]
    workers.sort(key=lambda load: load.name.lower())
    workers.sort(key=key, reverse=descending)
    return workers + [load for load in loads if load.id == 0]


# --- Team families, filtered (the CSV export) ---------------------------------------------------

@dataclass
class TeamFamilyRow:
    id: int
    reference: str
    household_name: str
    postcode_district: str
    worker_name: str | None
    phase: str
    phase_since: dt.date
    weeks_in_service: int
    next_review_due: dt.date | None
    overdue: bool
    open_flags: int
    highest_severity: str | None


def team_family_rows(
    session: Session,
    manager: User,
    now: dt.datetime,
    *,
    phase: str | None = None,
    worker_id: int | None = None,
    unallocated: bool = False,
    q: str | None = None,
    flag: str | None = None,
    overdue: bool | None = None,
    child_not_seen: bool = False,
) -> list[TeamFamilyRow]:
    """The team's families (open ones unless ``phase`` is ``closed``), filtered as
    ``family_filters.FamilyFilters`` says, by household name: one query whatever the team's
    size. Open flags include acknowledged ones."""
    if not manager.is_manager:
        raise Forbidden("Only managers see the team's families.")
    today = local_date(now)
    flags = open_flag_counts(Flag.family_id.in_(select(Family.id).where(Family.team_id == manager.team_id)))
    filters = FamilyFilters(phase=phase, worker_id=worker_id, unallocated=unallocated, q=q, flag=flag,
                            overdue=overdue, child_not_seen=child_not_seen)
    conditions = [Family.team_id == manager.team_id, *family_filters.conditions(filters, today)]

    rows = session.execute(
        select(
            Family.id, Family.reference, Family.household_name, Family.postcode, User.name, Family.phase,
            Family.phase_since, Family.opened_on, Family.closed_on, review_due(today),
            flags.c.open_flags, flags.c.highest,
        )
        .outerjoin(User, User.id == Family.worker_id)
        .outerjoin(flags, flags.c.family_id == Family.id)
        .where(*conditions)
        .order_by(Family.household_name, Family.id)
    ).all()
    result = []
    for (family_id, reference, household, postcode, worker_name, family_phase, phase_since, opened_on, closed_on,
         due, open_flags, highest) in rows:
        result.append(TeamFamilyRow(
            id=family_id,
            reference=reference,
            household_name=household,
            postcode_district=postcode_district(postcode),
            worker_name=worker_name,
            phase=family_phase,
            phase_since=phase_since,
            weeks_in_service=weeks_in_service(opened_on, closed_on, today),
            next_review_due=due,
            overdue=is_overdue(due, today),
            open_flags=open_flags or 0,
            highest_severity=None if highest is None else SEVERITIES[highest],
        ))
    return result
