"""Closing a family, and reopening it.

A family closes by a move to closed, a closing review, or a manager's approval of a closure a
worker proposed (``close_or_propose``: a worker's closing waits for approval when
CASEWORK_CLOSURE_APPROVAL is on, as it is by default). A manager reopens a closed family.

The closing date: never before the family's latest record. A family closes on a date no earlier
than its latest visit, rating, review, assessment or phase move, each by its own date.
Corrections, goal status changes, voices and flags do not count: they say something about a
record, not about work done with the family. Without this a closure dated years back (after
back-dating the referral) would start the retention clock (services/retention.py) years early."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..models import (
    OPEN_PHASES,
    Assessment,
    ClosureProposal,
    Family,
    Goal,
    GoalRating,
    Phase,
    PhaseMove,
    ProposalStatus,
    Review,
    User,
    Visit,
)
from . import diary
from .clock import local_date, long_day_text
from .editing import ensure_open
from .errors import Conflict, Forbidden, ValidationFailed
from .families import record_move
from .notifications import managers_of, notify
from .outcome_store import forget_outcome, record_outcome


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


def check_closing_date(session: Session, family: Family, on_date: dt.date, field: str | None = "date") -> None:
    """422 (naming ``field``, when there is one) for a closing date before the family's
    current phase began or before its latest record."""
    if on_date < family.phase_since:
        message = f"The family cannot close before {long_day_text(family.phase_since)}, when its current phase began."
        raise ValidationFailed(message, {field: [message]} if field else {})
    found = latest_record(session, family.id)
    if found is None or on_date >= found[0]:
        return
    day, kind = found
    message = (f"The family cannot close on {long_day_text(on_date)}: its latest record, a {kind}, is dated "
               f"{long_day_text(day)}. A family closes on or after the date of its latest record.")
    raise ValidationFailed(message, {field: [message]} if field else {})


def close_family(
    session: Session, actor: User, family: Family, on_date: dt.date, reason: str, now: dt.datetime,
    note: str | None = None, field: str | None = "date",
) -> PhaseMove:
    """Close the family on ``on_date`` for ``reason``: by a phase move, a review's decision or
    an approval. A refused date is named as ``field`` (None: the date was not typed here)."""
    ensure_open(family)
    check_closing_date(session, family, on_date, field)
    move = record_move(session, actor, family, Phase.CLOSED, on_date, note, now, reason)
    family.closed_on = on_date
    family.closure_recorded_on = local_date(now)
    family.closure_reason = reason
    diary.cancel_still_to_come(session, family, now)
    # A closure still waiting for approval is moot once the family is closed another way (a
    # manager's own move or review); left pending it would come back after a reopening.
    # (approve_closure marks its own proposal approved after this.)
    for waiting in session.scalars(
        select(ClosureProposal).where(ClosureProposal.family_id == family.id,
                                      ClosureProposal.status == ProposalStatus.PENDING)
    ):
        waiting.decide(ProposalStatus.WITHDRAWN, actor, now)
    record_outcome(session, family)
    return move


def reopen_family(session: Session, actor: User, family: Family, note: str, now: dt.datetime) -> PhaseMove:
    """A manager reopens a closed family: back to engagement from today, with a note."""
    if not actor.is_manager:
        raise Forbidden("Only a manager can reopen a family.")
    if not family.is_closed:
        raise ValidationFailed("The family is open.", {"phase": ["Only a closed family can be reopened."]})
    if family.anonymised_at is not None:
        raise Conflict("The family's record has been anonymised: open a new referral instead.")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why the family is being reopened.",
                               {"note": ["Say why the family is being reopened."]})
    move = record_move(session, actor, family, Phase.ENGAGEMENT, local_date(now), note, now)
    family.closed_on = None
    family.closure_recorded_on = None
    family.closure_reason = None
    forget_outcome(session, [family.id])
    return move


# Closure approval ------------------------------------------------------------------------------

def pending_closure(session: Session, family: Family) -> ClosureProposal | None:
    return session.scalar(
        select(ClosureProposal).where(ClosureProposal.family_id == family.id,
                                      ClosureProposal.status == ProposalStatus.PENDING)
    )


def close_or_propose(
    session: Session,
    actor: User,
    family: Family,
    on_date: dt.date,
    reason: str,
    now: dt.datetime,
    note: str | None = None,
    review=None,
    field: str = "date",
) -> PhaseMove | ClosureProposal:
    """A manager closes at once. A worker's closing (from moving on, or at a review) waits for
    the manager's approval when approval is switched on, as it is by default. ``field`` names
    the closing date in a refusal (a review's is ``held_on``)."""
    ensure_open(family)
    if actor.is_manager or not current_app.config["CASEWORK_CLOSURE_APPROVAL"]:
        return close_family(session, actor, family, on_date, reason, now, note=note, field=field)
    if pending_closure(session, family) is not None:
        raise Conflict("A closure of this family is already waiting for approval.")
    check_closing_date(session, family, on_date, field)
    proposal = ClosureProposal(
        family_id=family.id, review_id=review.id if review is not None else None, proposed_on=on_date,
        reason=reason, note=note, by_id=actor.id, made_at=now, status=ProposalStatus.PENDING,
    )
    session.add(proposal)
    session.flush()
    for manager_id in managers_of(session, family.team_id):
        notify(session, manager_id, "closure_proposed", family.id,
               f"Closure of {family.reference} proposed: please approve or return it.",
               f"closure_proposed:{proposal.id}:{manager_id}", now)
    return proposal


def approve_closure(session: Session, actor: User, family: Family, now: dt.datetime) -> PhaseMove:
    if not actor.is_manager:
        raise Forbidden("Only a manager can approve a closure.")
    proposal = pending_closure(session, family)
    if proposal is None:
        raise Conflict("No closure is waiting for approval.")
    proposer = session.get(User, proposal.by_id)
    move = close_family(session, proposer, family, proposal.proposed_on, proposal.reason, now, note=proposal.note,
                        field=None)
    proposal.decide(ProposalStatus.APPROVED, actor, now)
    notify(session, proposal.by_id, "closure_approved", family.id,
           f"Closure of {family.reference} approved.", f"closure_approved:{proposal.id}", now)
    session.flush()
    return move


def return_closure(session: Session, actor: User, family: Family, comment: str, now: dt.datetime) -> ClosureProposal:
    if not actor.is_manager:
        raise Forbidden("Only a manager can return a closure.")
    proposal = pending_closure(session, family)
    if proposal is None:
        raise Conflict("No closure is waiting for approval.")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("Say why the closure is returned.", {"comment": ["Say why the closure is returned."]})
    proposal.decide(ProposalStatus.RETURNED, actor, now, comment)
    notify(session, proposal.by_id, "closure_returned", family.id,
           f"Closure of {family.reference} returned by your manager: see the family page.",
           f"closure_returned:{proposal.id}", now)
    session.flush()
    return proposal


def awaiting_approval(team_id: int | None) -> tuple:
    """The conditions on ``ClosureProposal`` (joined to its family) of the team's proposals
    waiting for the manager's approval."""
    return (Family.team_id == team_id, Family.phase.in_(OPEN_PHASES),
            ClosureProposal.status == ProposalStatus.PENDING)


def pending_closures(session: Session, manager: User) -> list[ClosureProposal]:
    """The team's closure proposals waiting for approval, oldest first, with the family and the
    proposer loaded (one query)."""
    if not manager.is_manager:
        raise Forbidden("Only managers approve closures.")
    return list(session.scalars(
        select(ClosureProposal)
        .join(Family, Family.id == ClosureProposal.family_id)
        .where(*awaiting_approval(manager.team_id))
        .options(joinedload(ClosureProposal.family), joinedload(ClosureProposal.by))
        .order_by(ClosureProposal.made_at, ClosureProposal.id)
    ))
