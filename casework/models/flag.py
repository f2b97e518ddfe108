"""Escalation flags raised by the daily sweep, and the notifications that tell people."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text, case, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, Versioned, utcnow

if TYPE_CHECKING:
    from .family import Family
    from .user import User

FLAG_RULES = {
    "review_overdue": "Review overdue",
    "goal_stalled": "Goal stalled",
    "phase_overrun": "Phase overrun",
    "no_access": "No access",
    "child_not_seen": "Child not seen",
    "action_overdue": "Action overdue",
    "child_voice_missing": "Child not heard",
}


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


SEVERITIES = tuple(Severity)  # lowest first
# How severe: low 0, medium 1, high 2 (the most severe ranks highest).
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def subject_key(kind: str, record_id: int) -> str:
    """How a flag names the goal or child it is about: ``goal:12``, ``child:5``."""
    return f"{kind}:{record_id}"
FLAG_STATUSES = tuple(FlagStatus)


class Flag(Versioned, db.Model):
    __tablename__ = "flags"
    __table_args__ = (
        # One flag that is still open (or acknowledged) per family, rule and subject.
        Index(
            "uq_flags_open_subject",
            "family_id",
            "rule",
            "subject_key",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
        Index("ix_flags_family_status", "family_id", "status"),
        Index("ix_flags_status_severity", "status", "severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(30))
    # What the flag is about: "family", "goal:12", "child:5", "review".
    subject_key: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=FlagStatus.OPEN)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    escalated: Mapped[bool] = mapped_column(default=False)

    family: Mapped[Family] = relationship()
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def is_open(self) -> bool:
        return self.status != FlagStatus.RESOLVED

    @hybrid_property
    def restarts_clock(self) -> bool:
        """Resolved by a person, not by the system as the condition cleared: the rule's clock
        for this subject starts again from the day it was resolved."""
        return self.status == FlagStatus.RESOLVED and self.resolved_by_id is not None

    @restarts_clock.inplace.expression
    @classmethod
    def _restarts_clock(cls):
        return (cls.status == FlagStatus.RESOLVED) & cls.resolved_by_id.is_not(None)

    @property
    def subject_id(self) -> int | None:
        """The id of the goal or child the flag is about (None when it is about the family)."""
        _, _, value = self.subject_key.partition(":")
        return int(value) if value.isdigit() else None

    @hybrid_property
    def severity_rank(self) -> int:
        return SEVERITY_RANK[self.severity]

    @severity_rank.inplace.expression
    @classmethod
    def _severity_rank(cls):
        return case(SEVERITY_RANK, value=cls.severity, else_=-1)

    @property
    def rule_label(self) -> str:
        return FLAG_RULES[self.rule]


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    # More than the message, for the app only and never e-mailed (an e-mail names a family by
    # reference alone): the children not heard since the last review, by first name.
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_on: Mapped[dt.date] = mapped_column(Date)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Makes sending idempotent: the same reminder is never created twice, even when a sweep
    # that crashed half-way is run again.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    emailed_on: Mapped[dt.date | None] = mapped_column(Date)

    user: Mapped[User] = relationship()


class EmailDigest(db.Model):
    """At most one e-mail per person per day."""

    __tablename__ = "email_digests"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    notifications: Mapped[int] = mapped_column(default=0)
