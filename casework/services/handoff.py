"""The step-up handoff: everything known of a family, gathered for children's social care when
the work is stepped up (or a manager asks)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import Assessment, Consent, Correction, Family, Flag, FlagStatus, Goal, Partner, Voice
from . import audit
from .chronology import Entry, chronology
from .consent import family_consents
from .corrections import corrections_of
from .partners import family_partners
from .voices import voices_of_family


@dataclass
class Handoff:
    family: Family
    chronology: list[Entry]
    goals: list[Goal]
    latest_assessment: Assessment | None
    open_flags: list[Flag]
    partners: list[Partner]
    consents: list[Consent]
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
                   family_partners(session, family), family_consents(session, family), voices,
                   corrections_of(session, "voice", [voice.id for voice in voices]))
