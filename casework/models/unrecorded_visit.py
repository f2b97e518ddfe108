"""Visits recorded on a device without a connection that the server could not record when they
were sent (the family was closed or reallocated meanwhile, or the visit was refused): kept, never
discarded, until a manager marks each dealt with."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .user import User

PAYLOAD_LIMIT = 60_000  # the visit as the device sent it, JSON text (notes are up to 20,000)
REASON_LIMIT = 2000


class UnrecordedVisit(db.Model):
    __tablename__ = "unrecorded_visits"
    __table_args__ = (
        # One per visit made on a device (the device's UUID), so sending it again keeps one.
        UniqueConstraint("user_id", "device_key"),
        # "Could not be recorded": a worker's own, a manager's team's, open ones first.
        Index("ix_unrecorded_visits_user_resolved", "user_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    device_key: Mapped[str] = mapped_column(String(255))
    # The family as the device knew it: kept even if the family's record goes.
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id", ondelete="SET NULL"), index=True)
    family_reference: Mapped[str] = mapped_column(String(40), default="")
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None]  # what the server answered when the visit was sent
    reason: Mapped[str] = mapped_column(Text, default="")
    device_recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution_note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
