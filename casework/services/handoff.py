"""The step-up handoff: everything known of a family, gathered for children's social care when
the work is stepped up (or a manager asks)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import (
    Assessment,
    Consent,
    Correction,
    Family,
    Flag,
    FlagStatus,
    Goal,
    HandoffReference,
    Partner,
    User,
    Voice,
)
from . import audit
from .chronology import Entry, chronology
from .consent import family_consents
from .corrections import corrections_of
from .editing import ensure_open
from .errors import ValidationFailed
from .partners import family_partners
from .voices import voices_of_family

STEP_UP = "step_up"
REFERENCE_NEEDED = "Enter the reference children's social care gave the family."


@dataclass
class Handoff:
    family: Family
    chronology: list[Entry]
    goals: list[Goal]
    latest_assessment: Assessment | None
    open_flags: list[Flag]
    partners: list[Partner]
    consents: list[Consent]
    reference: HandoffReference | None
    # The children's voices, oldest first, in full (social care reads what each child said),
    # with their corrections by voice id.
    voices: list[Voice]
    voice_corrections: dict[int, list[Correction]]


def gather(session: Session, family: Family, now: dt.datetime) -> Handoff:
    """The package, its gathering audited as an export of the family's record."""
    goals = session.scalars(
        select(Goal).where(Goal.family_id == family.id).options(selectinload(Goal.ratings))
        .order_by(Goal.start_date, Goal.id)
    ).all()
    latest = session.scalars(
        select(Assessment).where(Assessment.family_id == family.id).options(selectinload(Assessment.scores))
        .order_by(Assessment.date.desc(), Assessment.id.desc()).limit(1)
    ).first()
    flags = session.scalars(
        select(Flag).where(Flag.family_id == family.id, Flag.status != FlagStatus.RESOLVED).order_by(Flag.raised_at)
    ).all()
    audit.record(session, "export", record_type="handoff", record_id=family.id, family_id=family.id,
                 at=now)
    voices = voices_of_family(session, family.id)
    return Handoff(family, chronology(session, family), list(goals), latest, list(flags),
                   family_partners(session, family), family_consents(session, family),
                   receiving_reference(session, family), voices,
                   corrections_of(session, "voice", [voice.id for voice in voices]))


def receiving_reference(session: Session, family: Family) -> HandoffReference | None:
    """The receiving service's reference for the family: the latest recorded, or None."""
    return session.scalars(
        select(HandoffReference).where(HandoffReference.family_id == family.id)
        .options(joinedload(HandoffReference.recorded_by))
        .order_by(HandoffReference.recorded_at.desc(), HandoffReference.id.desc()).limit(1)
    ).first()


def takes_reference(family: Family) -> bool:
    """Whether the receiving service's reference may be recorded: while the family is open, and
    after it closed by a step up (the reference comes once social care has taken it on)."""
    return not family.is_closed or family.closure_reason == STEP_UP


def record_reference(session: Session, actor: User, family: Family, reference: str,
                     now: dt.datetime) -> HandoffReference:
    """Record the reference children's social care gave the family (checked by the form). A
    family stepped up takes it after closing; any other closed family is read-only (422)."""
    if not takes_reference(family):
        ensure_open(family)
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed("Enter the reference.", {"reference": [REFERENCE_NEEDED]})
    recorded = HandoffReference(family_id=family.id, reference=reference, recorded_at=now, recorded_by=actor)
    session.add(recorded)
    session.flush()
    return recorded
