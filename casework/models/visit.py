"""Visits to a family, and which children were seen at each."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped, UTCDateTime, Versioned, utcnow

if TYPE_CHECKING:
    from .family import Child, Family
    from .goal import Goal
    from .user import User

VISIT_KINDS = {
    "home_visit": "Home visit",
    "office": "Office",
    "phone": "Phone",
    "school": "School",
    "other": "Other",
}


class VisitOutcome(enum.StrEnum):
    COMPLETED = "completed"
    NO_ACCESS = "no_access"
    CANCELLED = "cancelled"


VISIT_OUTCOMES = {
    "completed": "Completed",
    "no_access": "No access",
    "cancelled": "Cancelled",
}


class Visit(Versioned, Timestamped, db.Model):
    __tablename__ = "visits"
    __table_args__ = (
        # Visit history and "last visit" per family, newest first.
        Index("ix_visits_family_date", "family_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Denormalised when the visit is saved: My families shows it for every family
    # without loading every child of every visit.
    all_children_seen: Mapped[bool] = mapped_column(default=False)
    # Recorded on a device without a connection and sent later (static/js/offline.js): when the
    # worker pressed Save on the device, and when the server received it (for every visit).
    recorded_offline: Mapped[bool] = mapped_column(default=False, server_default=false())
    device_recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    family: Mapped[Family] = relationship()
    recorded_by: Mapped[User] = relationship()
    children_seen: Mapped[list[VisitChild]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitChild.child_id"
    )
    goals_discussed: Mapped[list[Goal]] = relationship(secondary="visit_goals", order_by="Goal.id")

    @property
    def children_seen_ids(self) -> list[int]:
        return [row.child_id for row in self.children_seen]

    @property
    def seen_alone_ids(self) -> list[int]:
        return [row.child_id for row in self.children_seen if row.seen_alone]


class VisitChild(db.Model):
    """A child seen at a visit (a row exists only for children who were seen)."""

    __tablename__ = "visit_children"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    child_id: Mapped[int] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    seen_alone: Mapped[bool] = mapped_column(default=False)

    visit: Mapped[Visit] = relationship(back_populates="children_seen")
    child: Mapped[Child] = relationship()


class VisitGoal(db.Model):
    __tablename__ = "visit_goals"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True, index=True
    )
