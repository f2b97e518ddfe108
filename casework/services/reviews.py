"""Reviews of the family plan: is it working, should it continue, step up, step down or close?"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import CLOSURE_REASONS, REVIEW_DECISIONS, Family, Review, ReviewViewNotGathered, User
from .clock import local_date, long_day_text
from .closures import close_or_propose
from .editing import ensure_open
from .errors import ValidationFailed
from .flags import resolve_cleared

CLOSING_DECISIONS = {"step_down": "step_down", "step_up": "step_up", "close": None}
# Stepping up or down is its own reason for closing; "close" needs one of these.
CLOSE_REASONS = ("disengaged", "moved_away", "other")


def hold_review(session: Session, actor: User, family: Family, data: dict, now: dt.datetime) -> Review:
    """Record a review: held_on, decision, reason (required to close), attendees, notes, and
    views_not_gathered ({child id: why that child's view was not gathered}). A decision to step
    down, step up or close closes the family on the day it was held."""
    ensure_open(family)
    today = local_date(now)
    held_on, decision = data["held_on"], data["decision"]
    problems: dict[str, list[str]] = {}
    if held_on > today:
        problems["held_on"] = ["A review cannot be dated in the future."]
    elif held_on < family.opened_on:
        problems["held_on"] = [f"A review cannot be held before the family opened ({long_day_text(family.opened_on)})."]
    if decision not in REVIEW_DECISIONS:
        problems["decision"] = ["Choose continue, step up, step down or close."]
    given = data.get("reason") or None
    reason = CLOSING_DECISIONS.get(decision) or given
    if (given is not None and given not in CLOSURE_REASONS) or (decision == "close" and reason not in CLOSE_REASONS):
        problems["reason"] = ["Choose the reason the family is closing."]
    if decision in CLOSING_DECISIONS and "held_on" not in problems and held_on < family.phase_since:
        problems["held_on"] = [
            f"A review that closes the family cannot be dated before {long_day_text(family.phase_since)}, "
            "when its current phase began."
        ]
    not_gathered = data.get("views_not_gathered") or {}
    if not set(not_gathered) <= {child.id for child in family.children}:
        problems["views_not_gathered"] = ["Say why the view was not gathered only of the family's children."]
    if problems:
        raise ValidationFailed("Check the review.", problems)
    review = Review(
        family=family,
        held_on=held_on,
        decision=decision,
        reason=reason if decision in CLOSING_DECISIONS else None,
        attendees=(data.get("attendees") or "").strip(),
        notes=(data.get("notes") or "").strip(),
        recorded_by=actor,
        views_not_gathered=[ReviewViewNotGathered(child_id=child_id, reason=reason.strip())
                            for child_id, reason in not_gathered.items()],
    )
    session.add(review)
    session.flush()
    resolve_cleared(session, family, now, review)
    if decision in CLOSING_DECISIONS:
        close_or_propose(session, actor, family, held_on, reason, now,
                         note=f"Closing decided at the review held on {long_day_text(held_on)}.", review=review,
                         field="held_on")
    session.flush()
    return review


def reviews_in_full(session: Session, family: Family) -> list[Review]:
    """The family's reviews, newest first, with who recorded each, any closure proposal they
    made and why each child's view was not gathered: two queries."""
    return list(session.scalars(
        select(Review).where(Review.family_id == family.id)
        .options(joinedload(Review.recorded_by), joinedload(Review.closure_proposal),
                 selectinload(Review.views_not_gathered))
        .order_by(Review.held_on.desc(), Review.id.desc())
    ))
