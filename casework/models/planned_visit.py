"""The visit diary: visits a worker plans to make, each done once a visit is recorded for that
family on that day, or cancelled (by the family or the worker)."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped, UTCDateTime, Versioned, utcnow

if TYPE_CHECKING:
    from .family import Family
    from .user import User
    from .visit import Visit


class PlannedStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"  # a visit was recorded for the family on the day
    CANCELLED = "cancelled"


PLANNED_STATUSES = tuple(PlannedStatus)
CANCELLED_BY = {"family": "The family", "worker": "The worker"}


class PlannedVisit(Versioned, Timestamped, db.Model):
    __tablename__ = "planned_visits"
    __table_args__ = (
        # A worker's week and calendar feed: their own planned visits by date.
        Index("ix_planned_visits_worker_date", "worker_id", "date"),
        # The family page's next planned visit; fulfilment by a visit recorded on the day.
        Index("ix_planned_visits_family_date", "family_id", "date"),
        # The sweep: visits still planned some days after their date.
        Index("ix_planned_visits_status_date", "status", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    # Who planned it and owns it: their week, their feed, their reminder.
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    time: Mapped[dt.time | None] = mapped_column(Time)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=PlannedStatus.PLANNED)
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    family: Mapped[Family] = relationship()
    worker: Mapped[User] = relationship()
    visit: Mapped[Visit | None] = relationship()

    @property
    def time_text(self) -> str | None:
        """HH:MM, or None for a visit planned for the day without a time."""
        return self.time.strftime("%H:%M") if self.time else None

    @property
    def cancelled_text(self) -> str:
        """Who cancelled it, as the pages say; no one when the family's case closed first."""
        if self.cancelled_by is None:
            return "as the family's case closed"
        return "by the family" if self.cancelled_by == "family" else "by the worker"

    @property
    def is_planned(self) -> bool:
        return self.status == PlannedStatus.PLANNED
