"""The review schedule: first due a set interval after the family opened, then the same
interval after the last review held."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Family, Review


def review_interval() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["CASEWORK_REVIEW_INTERVAL_DAYS"])


def next_review_dates(session: Session, families: list[Family]) -> dict[int, dt.date | None]:
    """``{family_id: next due date}`` for open families (closed ones have none), one query."""
    open_ids = [f.id for f in families if not f.is_closed]
    last_held = {}
    if open_ids:
        last_held = dict(
            session.execute(
                select(Review.family_id, func.max(Review.held_on))
                .where(Review.family_id.in_(open_ids))
                .group_by(Review.family_id)
            ).all()
        )
    interval = review_interval()
    return {
        f.id: None if f.is_closed else (last_held.get(f.id) or f.opened_on) + interval
        for f in families
    }


def next_review_due(session: Session, family: Family) -> dt.date | None:
    return next_review_dates(session, [family])[family.id]
