"""The Team Around the Family: a family's partners (other agencies), the family's consent to
share with them, the team's meetings and the actions agreed there, and the sharing log."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped, UTCDateTime, Versioned

if TYPE_CHECKING:
    from .family import Family
    from .user import User

PARTNER_KINDS = {
    "school": "School",
    "health_visitor": "Health visitor",
    "gp": "GP",
    "school_nurse": "School nurse",
    "midwife": "Midwife",
    "housing": "Housing",
    "police": "Police",
    "adult_mental_health": "Adult mental health",
    "substance_misuse_service": "Substance misuse service",
    "other": "Other",
}
# What a consent may let partners see.
SHARING_SCOPES = {
    "plan": "The family plan (goals and ratings)",
    "meetings": "Team Around the Family meetings and actions",
    "reviews_summary": "A summary of reviews",
}


class ConsentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


consent_partners = Table(
    "consent_partners",
    db.metadata,
    Column("consent_id", ForeignKey("consents.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True, index=True),
)

meeting_attendees = Table(
    "meeting_attendees",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Partner(Versioned, Timestamped, db.Model):
    """Someone of another agency who knows the family (the school, the health visitor...)."""

    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    contact_name: Mapped[str] = mapped_column(String(120))
    # A partner's sign-in finds their families by this e-mail (services/partners.py).
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    # The lead practitioner, when it is this partner (some families' lead is the school);
    # otherwise the family worker leads. At most one per family (services/partners.py).
    lead: Mapped[bool] = mapped_column(default=False, server_default=false())

    family: Mapped[Family] = relationship()

    @property
    def kind_label(self) -> str:
        return PARTNER_KINDS.get(self.kind, self.kind)


class Consent(Versioned, Timestamped, db.Model):
    """The family's consent to share with named partners: who gave it, what, until when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    given_by: Mapped[str] = mapped_column(String(120))
    relationship_to_family: Mapped[str] = mapped_column("relationship", String(80))
    given_on: Mapped[dt.date] = mapped_column(Date)
    scope: Mapped[list[str]] = mapped_column(JSON)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    # The child's own view of sharing, in their words.
    child_view: Mapped[str | None] = mapped_column(Text)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawal_note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    family: Mapped[Family] = relationship()
    partners: Mapped[list[Partner]] = relationship(secondary=consent_partners, order_by="Partner.id")


class Meeting(Versioned, Timestamped, db.Model):
    """A Team Around the Family meeting."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    family_attended: Mapped[bool] = mapped_column(default=False, server_default=false())
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    family: Mapped[Family] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    attendees: Mapped[list[Partner]] = relationship(secondary=meeting_attendees, order_by="Partner.id")
    actions: Mapped[list[MeetingAction]] = relationship(
        back_populates="meeting", order_by="MeetingAction.id", cascade="all, delete-orphan"
    )


class MeetingAction(Versioned, Timestamped, db.Model):
    """An action agreed at a meeting, owned by a partner or a member of staff."""

    __tablename__ = "meeting_actions"
    __table_args__ = (
        # The sweep's action_overdue rule: open actions by due date.
        Index("ix_meeting_actions_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    # The meeting's family, kept here so scope and flag queries need no join.
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    owner_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(Text)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=ActionStatus.OPEN)
    note: Mapped[str | None] = mapped_column(Text)
    done_on: Mapped[dt.date | None] = mapped_column(Date)

    meeting: Mapped[Meeting] = relationship(back_populates="actions")
    owner_partner: Mapped[Partner | None] = relationship()
    owner_user: Mapped[User | None] = relationship()


class SharingLogEntry(db.Model):
    """Each time a partner read or received something of the family, under which consent."""

    __tablename__ = "sharing_log"
    __table_args__ = (
        # A partner's list reads of the day (services/partners.py log_list_read).
        Index("ix_sharing_log_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    what: Mapped[str] = mapped_column(String(200))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id", ondelete="SET NULL"))

    user: Mapped[User | None] = relationship()


class HandoffReference(Timestamped, db.Model):
    """The receiving service's reference for a family stepped up to children's social care,
    recorded on the handoff by the family's worker or manager. Each recording is kept; the
    latest is the family's (services/handoff.py)."""

    __tablename__ = "handoff_references"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    recorded_by: Mapped[User | None] = relationship()
