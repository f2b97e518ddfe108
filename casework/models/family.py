"""The family aggregate: the household, its children and carers, concerns and phase history."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped, UTCDateTime, Versioned, utcnow

if TYPE_CHECKING:
    from .user import Team, User


class Phase(enum.StrEnum):
    ENGAGEMENT = "engagement"
    MAKING_CHANGES = "making_changes"
    MOVING_ON = "moving_on"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self.value]


PHASE_LABELS = {
    "engagement": "Engagement",
    "making_changes": "Making changes",
    "moving_on": "Moving on",
    "closed": "Closed",
}
OPEN_PHASES = (Phase.ENGAGEMENT, Phase.MAKING_CHANGES, Phase.MOVING_ON)
PHASE_ORDER = (*OPEN_PHASES, Phase.CLOSED)

NEGLECT_CONCERNS = {
    "neglect_physical": "Physical neglect",
    "neglect_emotional": "Emotional neglect",
    "neglect_medical": "Medical neglect",
    "neglect_educational": "Educational neglect",
    "neglect_supervision": "Lack of supervision",
}
PARENTAL_FACTORS = {
    "domestic_abuse": "Domestic abuse",
    "substance_misuse": "Substance misuse",
    "parental_mental_health": "Parental mental health",
    "housing": "Housing",
    "finances": "Finances",
    "learning_disability": "Learning disability",
}
CONCERNS = {**NEGLECT_CONCERNS, **PARENTAL_FACTORS}

CLOSURE_REASONS = {
    "step_down": "Stepped down to universal services",
    "step_up": "Stepped up to children's social care",
    "disengaged": "Family disengaged",
    "moved_away": "Moved away",
    "other": "Other",
}


class Family(Versioned, Timestamped, db.Model):
    __tablename__ = "families"
    __table_args__ = (
        # My families / team families: open cases of one worker or team, by phase.
        Index("ix_families_worker_phase", "worker_id", "phase"),
        Index("ix_families_team_phase", "team_id", "phase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who opened the referral (for the chronology); unknown for families opened before it was kept.
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    household_name: Mapped[str] = mapped_column(String(120))
    postcode: Mapped[str] = mapped_column(String(10))
    referral_date: Mapped[dt.date] = mapped_column(Date)
    referral_source: Mapped[str | None] = mapped_column(String(120))
    opened_on: Mapped[dt.date] = mapped_column(Date)
    consent_recorded_on: Mapped[dt.date | None] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(20), default=Phase.ENGAGEMENT)
    phase_since: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    # The day the closure was recorded (closed_on is the date it takes effect, which may be
    # earlier): retention counts from the later of the two (services/retention.py).
    closure_recorded_on: Mapped[dt.date | None] = mapped_column(Date)
    closure_reason: Mapped[str | None] = mapped_column(String(20))
    previous_family_id: Mapped[int | None] = mapped_column(
        ForeignKey("families.id"), index=True
    )
    # Data protection: a legal hold blocks anonymisation; anonymised families keep their
    # non-personal facts (dates, phases, concerns, ratings) for the outcome reports.
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id])
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    previous_family: Mapped[Family | None] = relationship(remote_side="Family.id")
    children: Mapped[list[Child]] = relationship(
        back_populates="family", order_by="Child.date_of_birth", cascade="all, delete-orphan"
    )
    carers: Mapped[list[Carer]] = relationship(
        back_populates="family", order_by="Carer.id", cascade="all, delete-orphan"
    )
    concern_rows: Mapped[list[FamilyConcern]] = relationship(
        back_populates="family", cascade="all, delete-orphan"
    )
    phase_moves: Mapped[list[PhaseMove]] = relationship(
        back_populates="family", order_by="PhaseMove.id", cascade="all, delete-orphan"
    )

    @property
    def concerns(self) -> list[str]:
        return sorted(row.code for row in self.concern_rows)

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.CLOSED

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase]


class FamilyConcern(db.Model):
    """One concern per row, so the local-area report can count by concern in SQL."""

    __tablename__ = "family_concerns"
    __table_args__ = (UniqueConstraint("family_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40), index=True)

    family: Mapped[Family] = relationship(back_populates="concern_rows")


class Child(Versioned, Timestamped, db.Model):
    __tablename__ = "children"
    __table_args__ = (
        # Re-referral matching: same first name and date of birth anywhere in the service.
        Index("ix_children_dob_first_name", "date_of_birth", "first_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str | None] = mapped_column(String(80))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    school: Mapped[str | None] = mapped_column(String(120))

    family: Mapped[Family] = relationship(back_populates="children")


class Carer(Versioned, Timestamped, db.Model):
    __tablename__ = "carers"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str | None] = mapped_column(String(80))
    relationship_to_children: Mapped[str] = mapped_column("relationship", String(80))

    family: Mapped[Family] = relationship(back_populates="carers")


class PhaseMove(db.Model):
    """Every move between phases, kept: who, when, the recorded date and why."""

    __tablename__ = "phase_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(
        ForeignKey("families.id", ondelete="CASCADE"), index=True
    )
    from_phase: Mapped[str] = mapped_column(String(20))
    to_phase: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(20))
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship(back_populates="phase_moves")
    by: Mapped[User] = relationship()


class ReferenceCounter(db.Model):
    """The last family number used in a year, for readable references such as FP-2026-0042
    (see ``services.families.next_reference``)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
