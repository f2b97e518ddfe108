"""The filters of a list of families, in one place: Team families and My families (the pages
and the API list) and the team's CSV export read families through the same conditions, so a
count on the Team page or the caseload and the list it links to always agree.

Each condition is a WHERE clause on ``Family`` (correlated subqueries read through the indexes
on ``flags.family_id``, ``reviews (family_id, held_on)`` and ``visit_children.child_id``), so
a list adds them to its own query whatever else it selects."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..models import OPEN_PHASES, Child, Family, Flag, FlagStatus
from .child_seen import not_seen_in_window
from .review_schedule import review_overdue

FLAG_FILTERS = ("any", "none", "high", "medium", "low")


@dataclass(frozen=True)
class FamilyFilters:
    """What a list of families is narrowed to. ``phase`` is a phase code (``closed`` too);
    without one, ``open_only`` keeps the open phases. ``flag``: ``any`` (at least one open
    flag, acknowledged ones included), ``none``, or a severity. ``overdue``: True for only the
    families whose review is overdue, False for only those whose review is not.
    ``child_not_seen``: only families open long enough in which a child has not been seen at
    a completed home, office or school visit within the window (``CASEWORK_CHILD_SEEN_DAYS``)."""

    phase: str | None = None
    open_only: bool = True
    worker_id: int | None = None
    unallocated: bool = False
    q: str | None = None
    flag: str | None = None
    overdue: bool | None = None
    child_not_seen: bool = False


def _open_flag(severity: str | None = None):
    conditions = [Flag.family_id == Family.id, Flag.status != FlagStatus.RESOLVED]
    if severity:
        conditions.append(Flag.severity == severity)
    return select(Flag.id).where(*conditions).correlate(Family).exists()


def child_not_seen(today: dt.date):
    """A family with at least one child not seen (``child_seen.not_seen_in_window``)."""
    return select(Child.id).where(Child.family_id == Family.id, not_seen_in_window(today)).correlate(Family).exists()


def conditions(filters: FamilyFilters, today: dt.date) -> list:
    """The WHERE clauses for ``filters`` (the caller adds who may see what)."""
    found = []
    if filters.phase:
        found.append(Family.phase == filters.phase)
    elif filters.open_only:
        found.append(Family.phase.in_(OPEN_PHASES))
    if filters.unallocated:
        found.append(Family.worker_id.is_(None))
    elif filters.worker_id is not None:
        found.append(Family.worker_id == filters.worker_id)
    q = (filters.q or "").strip()
    if q:
        pattern = f"%{q.lower()}%"
        found.append(or_(func.lower(Family.household_name).like(pattern), func.lower(Family.reference).like(pattern)))
    if filters.flag == "any":
        found.append(_open_flag())
    elif filters.flag == "none":
        found.append(~_open_flag())
    elif filters.flag in FLAG_FILTERS:
        found.append(_open_flag(filters.flag))
    if filters.overdue is not None:
        found.append(review_overdue(today) if filters.overdue else ~review_overdue(today))
    if filters.child_not_seen:
        found.append(child_not_seen(today))
    return found
