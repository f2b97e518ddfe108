"""When is a review due. The first review falls due a set interval (``CASEWORK_REVIEW_INTERVAL_DAYS``,
42 days) after the family opened, then the same interval after the last review held.

As of a day: a review counts once it is held, on or before that day (one dated later, as
seen by a sweep run for an earlier day, is not held yet); a closing review waiting for the
manager's approval counts as held; a closed family has no review due. A review is overdue
when it was due before that day.

Every page, list, count, reminder and flag reads the schedule here: ``next_review_due`` for
one family, ``review_due`` (a column) and ``review_overdue`` (a condition) for set-based
queries, and ``is_overdue`` for a date already read."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import Date, Integer, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ..models import OPEN_PHASES, Family, Review
from .clock import local_date


def review_interval() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["CASEWORK_REVIEW_INTERVAL_DAYS"])


def last_review_held(today: dt.date):
    """The family's last review held on or before ``today`` (NULL if none), correlated to the
    family: read through the index on reviews (family_id, held_on)."""
    return (
        select(func.max(Review.held_on))
        .where(Review.family_id == Family.id, Review.held_on <= today)
        .correlate(Family)
        .scalar_subquery()
    )


def review_due(today: dt.date):
    """The day the family's next review is due, as of ``today``: a column of a query on
    ``Family`` (NULL once the family is closed)."""
    counted_from = func.coalesce(last_review_held(today), Family.opened_on)
    return case((Family.phase.in_(OPEN_PHASES), _plus_days(counted_from, review_interval().days)), else_=None)


def review_overdue(today: dt.date):
    """An open family whose review was due before ``today``: a condition on ``Family``."""
    return Family.phase.in_(OPEN_PHASES) & (review_due(today) < today)


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    """Whether a review due on ``due`` (None: none is due) is overdue on ``today``: the rule of
    ``review_overdue`` for a date already read, which pages show rather than work out."""
    return due is not None and due < today


def next_review_due(session: Session, family: Family, now: dt.datetime) -> dt.date | None:
    """When the family's next review is due, as of ``now`` (None once it is closed)."""
    return session.scalar(select(review_due(local_date(now))).where(Family.id == family.id))


class _plus_days(FunctionElement):
    """``day`` plus a whole number of days, as a date, on either database."""

    type = Date()
    inherit_cache = True

    def __init__(self, day, days: int):
        super().__init__(day, cast(days, Integer))


@compiles(_plus_days)
def _plus_days_postgresql(element, compiler, **kw):
    day, days = element.clauses
    return f"({compiler.process(day, **kw)} + {compiler.process(days, **kw)})"


@compiles(_plus_days, "sqlite")
def _plus_days_sqlite(element, compiler, **kw):
    day, days = element.clauses
    return f"date({compiler.process(day, **kw)}, {compiler.process(days, **kw)} || ' days')"
