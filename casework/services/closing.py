"""The closing date: never before the family's latest record.

A family closes (a move to closed, a closing review, or a manager's approval of a closure
proposed by either) on a date no earlier than its latest visit, rating, review, assessment or
phase move, each by its own date. Corrections, goal status changes, voices and flags do not
count: they say something about a record, not about work done with the family. Without this a
closure dated years back (after back-dating the referral) would start the retention clock
(services/retention.py) years early."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Assessment, Goal, GoalRating, PhaseMove, Review, Visit
from .errors import ValidationFailed


def latest_record(session: Session, family_id: int) -> tuple[dt.date, str] | None:
    """The date of the family's latest visit, rating, review, assessment or phase move, and
    which kind of record it is; None when it has none. One query, through the indexes on each
    record's (family, date)."""
    latest = {
        "visit": select(func.max(Visit.date)).where(Visit.family_id == family_id),
        "rating": select(func.max(GoalRating.date)).join(Goal, Goal.id == GoalRating.goal_id)
        .where(Goal.family_id == family_id),
        "review": select(func.max(Review.held_on)).where(Review.family_id == family_id),
        "assessment": select(func.max(Assessment.date)).where(Assessment.family_id == family_id),
        "phase move": select(func.max(PhaseMove.date)).where(PhaseMove.family_id == family_id),
    }
    row = session.execute(select(*(query.scalar_subquery() for query in latest.values()))).one()
    found = [(day, kind) for day, kind in zip(row, latest, strict=True) if day is not None]
    return max(found, key=lambda pair: pair[0]) if found else None


def check_closing_date(session: Session, family_id: int, on_date: dt.date, field: str | None = "date") -> None:
    """422 (naming ``field``, when there is one) for a closing date before the family's
    latest record."""
    found = latest_record(session, family_id)
    if found is None or on_date >= found[0]:
        return
    day, kind = found
    message = (f"The family cannot close on {on_date:%-d %B %Y}: its latest record, a {kind}, is dated "
               f"{day:%-d %B %Y}. A family closes on or after the date of its latest record.")
    raise ValidationFailed(message, {field: [message]} if field else {})
