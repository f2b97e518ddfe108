"""Structured assessments of a family or a child, against a framework loaded from data."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped, Versioned

if TYPE_CHECKING:
    from .family import Child, Family
    from .user import User

ASSESSMENT_STAGES = {"initial": "Initial", "review": "Review", "closing": "Closing"}


class Assessment(Versioned, Timestamped, db.Model):
    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_family_date", "family_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    framework: Mapped[str] = mapped_column(String(60))
    stage: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    family: Mapped[Family] = relationship()
    child: Mapped[Child | None] = relationship()
    recorded_by: Mapped[User] = relationship()
    scores: Mapped[list[AssessmentScore]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentScore.id"
    )

    def score_of(self, domain: str) -> int | None:
        return next((s.score for s in self.scores if s.domain == domain), None)


class AssessmentScore(db.Model):
    __tablename__ = "assessment_scores"
    __table_args__ = (UniqueConstraint("assessment_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(60))
    score: Mapped[int]
    evidence: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="scores")


class FrameworkTraining(db.Model):
    """A worker recorded as trained in a framework that is restricted to trained staff."""

    __tablename__ = "framework_training"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    framework: Mapped[str] = mapped_column(String(60), primary_key=True)
    trained_on: Mapped[dt.date | None] = mapped_column(Date)
