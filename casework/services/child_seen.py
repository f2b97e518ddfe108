"""When is a child seen, and when not. A child is seen at a completed home, office or school
visit that records them as seen (a phone call does not count). A child is *not seen* when the
family has been open for longer than the window (``CASEWORK_CHILD_SEEN_DAYS``, 28 days) and
the child was not seen in it: the window is the days d with today - 28 < d <= today.

The flag rule, the family lists' filter and the caseload's count, and supervision read the
rule here."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select

from ..models import Child, Family, Visit, VisitChild, VisitOutcome

# Visits at which a child counts as seen: a phone call does not.
SEEING_KINDS = ("home_visit", "office", "school")


def child_seen_days() -> int:
    return current_app.config["CASEWORK_CHILD_SEEN_DAYS"]


def window_start(today: dt.date) -> dt.date:
    """The last day before the window: a child seen after it was seen in the window."""
    return today - dt.timedelta(days=child_seen_days())


def seen_at_visit(today: dt.date) -> tuple:
    """The conditions on ``Visit`` under which the children it records as seen were seen, by
    ``today``."""
    return Visit.outcome == VisitOutcome.COMPLETED, Visit.kind.in_(SEEING_KINDS), Visit.date <= today


def last_seen_by_child(today: dt.date, *where):
    """Each child's last day seen, among the visits (and their families) ``where`` says: a
    subquery ``(child_id, date)``."""
    return (
        select(VisitChild.child_id, func.max(Visit.date).label("date"))
        .join(Visit)
        .join(Family, Family.id == Visit.family_id)
        .where(*seen_at_visit(today), *where)
        .group_by(VisitChild.child_id)
        .subquery()
    )


def last_seen(today: dt.date):
    """The child's last day seen (NULL if never), correlated to ``Child``: read through the
    index on visit_children (child_id)."""
    return (
        select(func.max(Visit.date))
        .join(VisitChild)
        .where(VisitChild.child_id == Child.id, *seen_at_visit(today))
        .correlate(Child)
        .scalar_subquery()
    )


def not_seen_in_window(today: dt.date):
    """``not_seen`` for a child (correlated to ``Child`` and ``Family``), asked as "no visit in
    the window saw them": read through the family's index on visits by date, as a visit
    records only its own family's children (services/visits.py), rather than through every
    visit of the child's history (twice, for ``last_seen``). The daily sweep asks it of every
    open family's children at once."""
    start = window_start(today)
    # NOT EXISTS, not NOT IN: PostgreSQL can make only the first an anti-join; a NOT IN over a
    # subquery too big to hash is asked again for every child (minutes at 100,000 families).
    seen_in_window = (
        select(VisitChild.child_id)
        .join(Visit)
        .where(VisitChild.child_id == Child.id, Visit.family_id == Child.family_id, Visit.date > start,
               *seen_at_visit(today))
        .correlate(Child)
    )
    return (Family.opened_on <= start) & ~seen_in_window.exists()


def not_seen(today: dt.date, last_seen_on):
    """A condition on ``Family`` and the child's last day seen (``last_seen_on``): the family
    has been open for longer than the window and the child was not seen in it."""
    start = window_start(today)
    return (Family.opened_on <= start) & (last_seen_on.is_(None) | (last_seen_on <= start))
