"""Goals in the family plan and the progress ratings agreed over time."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped, UTCDateTime, Versioned, utcnow

if TYPE_CHECKING:
    from .family import Family
    from .user import User



class GoalStatus(enum.StrEnum):
    ACTIVE = "active"
    ACHIEVED = "achieved"
    WITHDRAWN = "withdrawn"


GOAL_STATUSES = {"active": "Active", "achieved": "Achieved", "withdrawn": "Withdrawn"}
RATING_MIN, RATING_MAX = 1, 10


class Goal(Versioned, Timestamped, db.Model):
    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_family_status", "family_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(40))
    baseline: Mapped[int]
    target: Mapped[int]
    start_date: Mapped[dt.date] = mapped_column(Date)
    target_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=GoalStatus.ACTIVE)
    status_changed_on: Mapped[dt.date | None] = mapped_column(Date)
    # The next step agreed with the family, written for them: the one free text of a goal
    # that the parents' printed plan shows.
    next_step: Mapped[str | None] = mapped_column(Text)
    # Who agreed it (for the chronology); unknown for goals agreed before it was kept.
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    family: Mapped[Family] = relationship()
    agreed_by: Mapped[User | None] = relationship()
    status_changes: Mapped[list[GoalStatusChange]] = relationship(
        back_populates="goal", order_by="GoalStatusChange.id", cascade="all, delete-orphan"
    )
    ratings: Mapped[list[GoalRating]] = relationship(
        back_populates="goal",
        order_by="(GoalRating.date, GoalRating.id)",
        cascade="all, delete-orphan",
    )

    @property
    def latest_rating(self) -> GoalRating | None:
        return self.ratings[-1] if self.ratings else None

    @property
    def is_active(self) -> bool:
        return self.status == GoalStatus.ACTIVE


class GoalRating(Versioned, Timestamped, db.Model):
    __tablename__ = "goal_ratings"
    __table_args__ = (Index("ix_goal_ratings_goal_date", "goal_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    rating: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    goal: Mapped[Goal] = relationship(back_populates="ratings")
    recorded_by: Mapped[User] = relationship()


class GoalStatusChange(db.Model):
    """A goal marked achieved, withdrawn (with the reason) or active again: who, when and why,
    for the chronology."""

    __tablename__ = "goal_status_changes"
    __table_args__ = (Index("ix_goal_status_changes_family", "family_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="status_changes")
    by: Mapped[User | None] = relationship()
