"""The three phases (engagement, making changes, moving on) and the moves between them, by the
contract's rules. A move to closed is a closing (services/closures.py)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import (
    CLOSURE_REASONS,
    OPEN_PHASES,
    PHASE_LABELS,
    PHASE_ORDER,
    Family,
    Goal,
    GoalStatus,
    Phase,
    PhaseMove,
    User,
)
from .clock import local_date, long_day_text
from .closures import close_or_propose
from .editing import check_version, ensure_open
from .errors import ValidationFailed
from .families import record_move


def move_phase(
    session: Session,
    actor: User,
    family: Family,
    to_phase: str,
    on_date: dt.date,
    now: dt.datetime,
    note: str | None = None,
    reason: str | None = None,
    version: int | None = None,
) -> PhaseMove:
    """Move a family between phases by the contract's rules, or explain why not (422)."""
    check_version(family, version)
    ensure_open(family)
    today = local_date(now)
    note = (note or "").strip() or None
    if to_phase not in PHASE_ORDER:
        raise ValidationFailed("Choose a phase.", {"phase": ["Choose a phase."]})
    if to_phase == family.phase:
        raise ValidationFailed(
            f"The family is already in {PHASE_LABELS[to_phase].lower()}.",
            {"phase": [f"The family is already in {PHASE_LABELS[to_phase].lower()}."]},
        )
    if on_date > today:
        raise ValidationFailed(
            "A phase move cannot be dated in the future.",
            {"date": ["A phase move cannot be dated in the future."]},
        )
    if on_date < family.phase_since:
        message = (
            f"A phase move cannot be dated before {long_day_text(family.phase_since)}, "
            "when the current phase began."
        )
        raise ValidationFailed(message, {"date": [message]})

    current = PHASE_ORDER.index(family.phase)
    target = PHASE_ORDER.index(to_phase)
    if to_phase == Phase.CLOSED:
        if reason not in CLOSURE_REASONS:
            raise ValidationFailed(
                "Give the reason the family is closing.",
                {"reason": ["Choose the reason the family is closing."]},
            )
        if not actor.is_manager and family.phase != Phase.MOVING_ON:
            message = (
                "A family worker can close a family only from moving on; "
                "hold a review or ask your manager."
            )
            raise ValidationFailed(message, {"phase": [message]})
    elif target < current:
        if not note:
            message = "Say why the family is moving back a phase."
            raise ValidationFailed(message, {"note": [message]})
    else:
        missing = []
        if family.consent_recorded_on is None:
            missing.append("consent to work together has not been recorded")
        has_active_goal = session.scalar(
            select(func.count(Goal.id)).where(Goal.family_id == family.id, Goal.status == GoalStatus.ACTIVE)
        )
        if not has_active_goal:
            missing.append("there is no active goal in the family plan")
        if missing:
            message = f"The family cannot move to {PHASE_LABELS[to_phase].lower()}: " + " and ".join(missing) + "."
            raise ValidationFailed(message, {"phase": [message]})

    if to_phase == Phase.CLOSED:
        return close_or_propose(session, actor, family, on_date, reason, now, note=note)
    return record_move(session, actor, family, to_phase, on_date, note, now)


def phases_offered(actor: User, family: Family) -> list[str]:
    """The phases worth offering in a move: every other open phase, and ``closed`` from
    moving on (a worker) or from any phase (a manager). ``move_phase`` still decides."""
    offered = [phase for phase in OPEN_PHASES if phase != family.phase]
    if actor.is_manager or family.phase == Phase.MOVING_ON:
        offered.append(Phase.CLOSED)
    return offered
